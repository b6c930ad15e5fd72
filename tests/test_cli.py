"""geozz demo, end to end, on both bundled districts and on an OSM file."""

import re

import pandas as pd
import pytest
from click.testing import CliRunner

import geozz as gz
from geozz.cli import main


@pytest.mark.parametrize("district", ["longgang", "haidian"])
def test_demo_writes_maps_and_consistent_counts(district, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["demo", "--district", district])
    assert result.exit_code == 0, result.output
    out = tmp_path / "maps" / district
    for name in ("overview.html", "stars_grid.html", "stars_road.html", "stars_river.html",
                 "ratings.csv"):
        assert (out / name).stat().st_size > 1000, name
    text = result.output
    rows, read, rejected = map(int, re.search(
        r"(\d+) rows: (\d+) problems read, (\d+) rejected", text).groups())
    assert read + rejected == rows == len(pd.read_csv(gz.datasets.problems_path(district)))
    grid, outside, total = map(int, re.search(
        r"assigned: (\d+) to a grid cell, (\d+) outside every unit \(\d+ \+ \d+ = (\d+)",
        text).groups())
    assert grid + outside == total == read
    ratings = pd.read_csv(out / "ratings.csv")
    units = gz.build_units(gz.datasets.load(district))
    assert len(ratings) == len(units) * ratings["period"].nunique()
    assert ratings["period"].nunique() == 12
    assert str(out / "overview.html") in text


def test_demo_on_an_osm_file(tmp_path):
    osm = gz.datasets.path("haidian") / "beijing_haidian.osm.pbf"
    result = CliRunner().invoke(main, ["demo", "--osm", str(osm), "-n", "300",
                                       "--bbox", "116.3084,39.9905,116.3320,40.0123",
                                       "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "beijing_haidian" / "overview.html").exists()
    assert "300 rows" in result.output


def test_demo_bad_district_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--district", "atlantis", "--out",
                                       str(tmp_path)])
    assert result.exit_code != 0
    assert "atlantis" in result.output and "longgang" in result.output
