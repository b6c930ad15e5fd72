"""Every public function answers bad arguments with a geozz error, never a raw one.

A sweep over the public API with arguments of the wrong kind (None, numbers, strings,
empty frames, frames of another stage): each call must raise a :class:`GeozzError` that is
also a ``ValueError`` (bad input), never a pandas, pyogrio, jinja2, KeyError, TypeError,
AttributeError or OS exception.
"""

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

import geozz as gz
from geozz.errors import GeozzError


@pytest.fixture(scope="module")
def pipeline():
    units = gz.build_units(gz.datasets.longgang(), grid_size=500)
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    ledger = gz.assign(problems, units)
    return units, problems, ledger, gz.rate(ledger, units)


def calls(units, problems, ledger, ratings, tmp):
    empty = pd.DataFrame()
    pts = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=4326)
    return {
        "read_problems(None)": lambda: gz.read_problems(None),
        "read_problems(42)": lambda: gz.read_problems(42),
        "read_problems(coords=None)": lambda: gz.read_problems(
            gz.datasets.problems_path("longgang"), coords=None),
        "read_problems(categories=list)": lambda: gz.read_problems(
            gz.datasets.problems_path("longgang"), categories=["垃圾"]),
        "read_problems(tz=8)": lambda: gz.read_problems(
            gz.datasets.problems_path("longgang"), tz=8),
        "read_units(None)": lambda: gz.read_units(None),
        "read_units(missing)": lambda: gz.read_units(tmp / "nope.gpkg"),
        "read_osm(None)": lambda: gz.read_osm(None),
        "read_osm(boundary='x')": lambda: gz.read_osm(
            gz.datasets.path("longgang") / "shenzhen_longgang.osm.pbf", boundary="x"),
        "build_units(None)": lambda: gz.build_units(None),
        "build_units(units frame)": lambda: gz.build_units(units),
        "build_units(grid_size='200m')": lambda: gz.build_units(gz.datasets.longgang(),
                                                                grid_size="200m"),
        "assign(None, units)": lambda: gz.assign(None, units),
        "assign(problems, None)": lambda: gz.assign(problems, None),
        "assign(empty, units)": lambda: gz.assign(empty, units),
        "assign(problems, problems)": lambda: gz.assign(problems, problems),
        "assign(points without index name, ratings)": lambda: gz.assign(pts, ratings),
        "rate(None, units)": lambda: gz.rate(None, units),
        "rate(ledger, None)": lambda: gz.rate(ledger, None),
        "rate(empty, units)": lambda: gz.rate(empty, units),
        "rate(problems, units)": lambda: gz.rate(problems, units),
        "rate(freq=5)": lambda: gz.rate(ledger, units, freq=5),
        "rate(periods='2024-05')": lambda: gz.rate(ledger, units, periods=5),
        "rate(rubric=3)": lambda: gz.rate(ledger, units, rubric=3),
        "rate(as_of=[])": lambda: gz.rate(ledger, units, as_of=[1, 2]),
        "star_map(None, ratings)": lambda: gz.star_map(None, ratings),
        "star_map(units, None)": lambda: gz.star_map(units, None),
        "star_map(units, ledger)": lambda: gz.star_map(units, ledger),
        "star_map(period=202405)": lambda: gz.star_map(units, ratings, period=202405),
        "star_map(unit_types=['lake'])": lambda: gz.star_map(units, ratings,
                                                              unit_types=["lake"]),
        "star_map(decimals='5')": lambda: gz.star_map(units, ratings, decimals="5"),
        "publish(out_dir=None)": lambda: gz.publish(units, ratings, ledger, None),
        "publish(ratings, units swapped)": lambda: gz.publish(ratings, units, ledger, tmp / "p"),
        "publish(ledger=None)": lambda: gz.publish(units, ratings, None, tmp / "p"),
        "publish(period='1999-01')": lambda: gz.publish(units, ratings, ledger, tmp / "p",
                                                        period="1999-01"),
        "load_rubric(None)": lambda: gz.rubric.load_rubric(None),
        "datasets.load('atlantis')": lambda: gz.datasets.load("atlantis"),
        "simulate_problems(units, n=-1)": lambda: gz.datasets.simulate_problems(units, n=-1),
        "coords.convert(src='x')": lambda: gz.coords.convert([114.0], [22.0], src="x",
                                                             dst="wgs84"),
    }


NAMES = list(calls(*[None] * 5))


@pytest.mark.parametrize("name", NAMES)
def test_bad_argument_is_a_geozz_input_error(name, pipeline, tmp_path):
    call = calls(*pipeline, tmp_path)[name]
    with pytest.raises(GeozzError) as err:
        call()
    assert isinstance(err.value, ValueError), type(err.value).__mro__
    assert str(err.value).strip()
    assert not (tmp_path / "p").exists()  # publish touched nothing
