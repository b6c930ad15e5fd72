"""Sanity checks of a run (geozz.assignment.checks) and the exit code the command line
makes of them: problems of one city against units of another, a time zone far from the
problems' longitude."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point, box

import geozz as gz
from geozz.assignment.checks import (check_extents, check_outside, check_time_zone,
                                     sanity_checks)
from geozz.cli import main
from geozz.cli._common import CHECK_FAILED
from test_cli_problems import SF

NYC = [(-73.99, 40.73), (-73.95, 40.71), (-73.97, 40.75)]


def _points(coords, tz):
    return gpd.GeoDataFrame(
        {"found_at": pd.to_datetime(["2024-05-01 09:00"] * len(coords)).tz_localize(tz)},
        geometry=[Point(x, y) for x, y in coords], crs=4326,
        index=pd.Index([f"p{i}" for i in range(len(coords))], name="problem_id"))


@pytest.mark.parametrize("tz, lon, warned", [
    ("Asia/Shanghai", -73.95, True),       # New York read in Beijing time
    ("America/New_York", -73.95, False),
    ("Asia/Shanghai", 114.2, False),       # Shenzhen
    ("Asia/Shanghai", 76.0, False),        # Kashgar: one zone for all China, 3 h off
    ("America/Los_Angeles", -122.4, False),
    ("Asia/Shanghai", -122.4, True),       # 16 h apart, 8 h around the date line
    ("Europe/London", 114.2, True),
    ("Pacific/Auckland", -178.0, False),   # across the date line
])
def test_time_zone_against_longitude(tz, lon, warned):
    found = check_time_zone(_points([(lon, 30.0)], tz))
    assert bool(found) is warned
    if warned:
        assert found[0].severity == "warning" and tz in found[0].message


def test_extents_and_outside_share():
    units = gpd.GeoDataFrame({"unit_type": ["grid"]}, geometry=[box(114.0, 22.5, 114.3, 22.8)],
                             crs=4326, index=pd.Index(["G"], name="unit_id"))
    far = _points(NYC, "America/New_York")
    near = _points([(114.1, 22.6), (114.2, 22.7), (115.0, 22.7)], "Asia/Shanghai")
    assert [f.check for f in check_extents(far, units)] == ["extents"]
    assert check_extents(near, units) == []
    ledger = gz.assign(near, units.to_crs(32650))
    assert check_outside(ledger) == []  # 1 of 3 outside
    ledger2 = gz.assign(far, units.to_crs(32650))
    found = check_outside(ledger2)
    assert found and found[0].value == 1.0 and found[0].severity == "error"
    # exactly half is not "most"
    half = pd.DataFrame({"problem_id": ["a", "b"], "reason": ["outside_units", "inside"]})
    assert check_outside(half) == []
    # unlocated problems do not count
    nl = pd.DataFrame({"problem_id": ["a", "b", "c"],
                       "reason": ["no_location", "no_location", "inside"]})
    assert check_outside(nl) == []
    checks = [f.check for f in sanity_checks(far, units, ledger2, tz="Asia/Shanghai")]
    assert checks == ["extents", "outside_units", "time_zone"]


def run(*args):
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def longgang_problems(tmp_path_factory):
    d = tmp_path_factory.mktemp("checks")
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    gz.problems.save(problems.head(300), d / "lg.gpkg")
    return d / "lg.gpkg"


def test_assign_problems_of_another_city_is_refused(longgang_problems, tmp_path):
    ledger = tmp_path / "ledger.csv"
    args = ["assign", str(SF / "tracts.geojson"), str(longgang_problems), "-o", str(ledger),
            "--unit-column", "geoid=unit_id", "--unit-type", "grid"]
    code, text = run(*args)
    assert code == CHECK_FAILED == 3, text
    assert "ERROR [extents]" in text and "ERROR [outside_units]" in text
    assert "300 of 300 located problems (100%)" in text and "--force" in text
    assert not ledger.exists()
    code, text = run(*args, "--force")
    assert code == 0, text
    assert ledger.exists() and "time zone: Asia/Shanghai (the default of --tz)" in text
    assert "units CRS: EPSG:32610 (WGS 84 / UTM zone 10N)" in text
    # the ledger made with --force is refused by rate and publish as well
    code, text = run("rate", str(ledger), str(SF / "tracts.geojson"), "-o",
                     str(tmp_path / "r.csv"), "--unit-column", "geoid=unit_id",
                     "--unit-type", "grid")
    assert code == 3 and "ERROR [outside_units]" in text and not (tmp_path / "r.csv").exists()
    code, text = run("publish", str(SF / "tracts.geojson"), str(ledger), "-o",
                     str(tmp_path / "pub"), "--unit-column", "geoid=unit_id",
                     "--unit-type", "grid", "--no-unit-pages")
    assert code == 3 and "ERROR [outside_units]" in text and not (tmp_path / "pub").exists()


def test_problems_command_warns_when_the_time_zone_does_not_fit(tmp_path):
    csv = tmp_path / "nyc.csv"
    csv.write_text("id,category,found_at,lon,lat\n"
                   + "".join(f"n{i},piles,2024-05-0{i + 1} 10:00,{x},{y}\n"
                             for i, (x, y) in enumerate(NYC)), encoding="utf-8")
    code, text = run("problems", str(csv), "-o", str(tmp_path / "p.gpkg"))
    assert code == 0, text
    assert "WARNING [time_zone] times are read in Asia/Shanghai (UTC+8)" in text
    assert "time zone of naive times: Asia/Shanghai (the default of --tz)" in text
    assert "coordinates: wgs84 (the default of --coords" in text
    code, text = run("problems", str(csv), "-o", str(tmp_path / "p.gpkg"),
                     "--tz", "America/New_York")
    assert code == 0 and "WARNING" not in text
    assert "America/New_York (--tz)" in text


def test_an_implausible_share_of_recurrences_is_said(tmp_path):
    from geozz.assignment.checks import check_recurrence

    assert check_recurrence(pd.DataFrame({"recurrent": [True] * 3 + [False] * 7})) == []
    found = check_recurrence(pd.DataFrame({"recurrent": [True] * 4 + [False] * 6}))
    assert found[0].severity == "warning" and "40%" in found[0].message
    # the simulated Longgang records: points drawn around hot spots, ~2,000 problems per
    # km² of grid in a year, flag more than half as recurrent: geozz problems says so
    code, text = run("problems", str(gz.datasets.problems_path("longgang")), "-o",
                     str(tmp_path / "lg.gpkg"))
    assert code == 0, text
    assert "WARNING [recurrence]" in text and "implausible" in text
    code, text = run("problems", str(gz.datasets.problems_path("longgang")), "-o",
                     str(tmp_path / "lg.gpkg"), "--no-recurrence")
    assert code == 0 and "WARNING [recurrence]" not in text
