"""geozz demo, end to end, on both bundled districts and on an OSM file.

Every number the demo prints is checked against numbers counted here independently: rows
of the records file (csv module), rows of the published rejects.csv / ledger.csv /
ratings.csv, and units built again through the API.
"""

import csv
import gzip
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import geozz as gz
from geozz.cli import main


def count_records(path: Path) -> int:
    """Data rows of a CSV file, counted with the standard library (quoted line breaks are
    part of one record)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def record_rejects(rejects: pd.DataFrame) -> int:
    """Rejects of whole records (kind == "record" where that column exists)."""
    return int((rejects["kind"] == "record").sum()) if "kind" in rejects else len(rejects)


def printed(pattern: str, text: str) -> tuple[int, ...]:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in output:\n{text}"
    return tuple(int(v) for v in match.groups())


def check_counts(text: str, out: Path, records: Path, n_units: int) -> tuple[int, ...]:
    rows, read, rejected = printed(r"(\d+) rows: (\d+) read, (\d+) rejected", text)
    n_problems, merged = printed(r"problems: (\d+) \((\d+) repeat reports merged\)", text)
    rejects = pd.read_csv(out / "rejects.csv", dtype=str)
    ledger = pd.read_csv(out / "ledger.csv", dtype={"problem_id": str, "unit_id": str})
    ratings = pd.read_csv(out / "ratings.csv")
    assert rows == count_records(records)
    assert rejected == record_rejects(rejects)
    assert read == rows - rejected
    assert n_problems == read - merged
    assert ledger["problem_id"].nunique() == n_problems  # every problem is in the ledger
    grid, outside, total, of = printed(
        r"assigned: (\d+) to a grid cell, (\d+) outside every unit "
        r"\(\d+ \+ \d+ = (\d+) of (\d+) problems\)", text)
    assert grid == ledger.loc[ledger["unit_type"] == "grid", "problem_id"].nunique()
    assert outside == (ledger["reason"] == "outside_units").sum()
    assert total == grid + outside == of == n_problems
    road, river = printed(r"(\d+) in road units, (\d+) in river units", text)
    assert road == ledger.loc[ledger["unit_type"] == "road", "problem_id"].nunique()
    assert river == ledger.loc[ledger["unit_type"] == "river", "problem_id"].nunique()
    n_rat, units_shown, months = printed(
        r"ratings: (\d+) rows = (\d+) units x (\d+) (?:months|years)", text)
    assert (n_rat, units_shown, months) == (len(ratings), n_units,
                                            ratings["period"].nunique())
    assert n_rat == n_units * months
    shown = re.search(r"units at 3★ or better in (\S+):", text).group(1)
    (share,) = printed(r"units at 3★ or better in \S+: (\d+)%", text)
    assert share == round(100 * (ratings.loc[ratings["period"].astype(str) == shown, "stars"]
                                 >= 3).mean())
    stars = printed(r"stars in \S+: 5★ (\d+), 4★ (\d+), 3★ (\d+), 2★ (\d+), 1★ (\d+)", text)
    of_shown = ratings.loc[ratings["period"].astype(str) == shown, "stars"].value_counts()
    assert stars == tuple(int(of_shown.get(s, 0)) for s in (5, 4, 3, 2, 1))
    return stars


@pytest.mark.parametrize("district", ["longgang", "haidian"])
def test_demo_writes_maps_and_consistent_counts(district, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["demo", "--district", district, "--no-signboards"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "maps" / district
    for name in ("overview.html", "stars_grid.html", "stars_road.html", "stars_river.html",
                 "ratings.csv", "ledger.csv", "rejects.csv", ".geozz-publication"):
        assert (out / name).is_file(), name
    units = gz.build_units(gz.datasets.load(district), admin=gz.datasets.zones(district))
    stars = check_counts(result.output, out, gz.datasets.problems_path(district), len(units))
    ratings = pd.read_csv(out / "ratings.csv")
    assert ratings["period"].nunique() == 12
    if district == "longgang":  # calibrated: every month spans the five levels, and a
        # demo zone misses the 80 % target in spring
        assert all(stars) and (ratings.groupby("period")["stars"].nunique() == 5).all()
        assert "areas below the 80% target: 3 of 60 area-months: 爱联片区（模拟） in " \
               "2024-04, 2024-05, 2024-06" in result.output
    assert str(out / "overview.html") in result.output
    # nothing else in the parent: no temporary siblings left behind
    assert sorted(p.name for p in (tmp_path / "maps").iterdir()) == [district]


def test_demo_publishes_sf311_by_tract_with_its_rasters(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--district", "sf311", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "sf311"
    tracts = gz.datasets.sf311_tracts()
    plain = tmp_path / "cases.csv"  # the records, decompressed for the csv module
    plain.write_bytes(gzip.decompress((gz.datasets.sf311_path()
                                       / "cases_sample.csv.gz").read_bytes()))
    stars = check_counts(result.output, out, plain, len(tracts))
    assert "rubric annual" in result.output and all(stars)  # each case counts in its year
    # the sample's real problems, every one in a tract; the pages say nothing is simulated
    assert "outside every unit (3415 + 0" in result.output
    page = (out / "overview.html").read_text(encoding="utf-8")
    assert "problem records on this map are simulated" not in page and "DataSF" in page
    assert "units at 3★ or better in 2015" in result.output  # the last whole year
    density = gz.raster.read(out / "density.tif")
    assert density.crs == "EPSG:32610" and density.labels[0] == "2008"
    (used,) = printed(r"density: \d+ years of \d+ × \d+ pixels of 50 m \((\d+) problems", result.output)
    assert used == 3415
    hot = pd.read_csv(out / "hotspots.csv", dtype={"unit_id": str})
    assert set(hot["unit_id"]) == set(tracts.index) and hot["period"].nunique() == 9
    assert gz.raster.read(out / "hotspots.tif").labels == sorted(hot["period"].astype(str).unique())
    # the overview carries the density and hot-spot layers of the year shown
    assert "问题密度 Density 2015" in page and "热点 Gi* hot spots 2015" in page
    assert (out / "units" / gz.maps.page_name(tracts.index[0])).is_file()
    # tracts are labelled as tracts, not as the grid cells they are held as
    for name in ("overview.html", "stars_grid.html", "index.html"):
        text = (out / name).read_text(encoding="utf-8")
        assert "普查区 Census tract" in text and "网格 Grid" not in text, name


def test_demo_twice_replaces_the_publication(tmp_path):
    args = ["demo", "--district", "longgang", "--out", str(tmp_path), "--no-signboards"]
    first = CliRunner().invoke(main, args + ["--period", "2024-03"])
    assert first.exit_code == 0, first.output
    page = (tmp_path / "longgang" / "overview.html").read_text(encoding="utf-8")
    assert "Period: 2024-03" in page
    second = CliRunner().invoke(main, args + ["--period", "2024-04"])
    assert second.exit_code == 0, second.output
    page = (tmp_path / "longgang" / "overview.html").read_text(encoding="utf-8")
    assert "Period: 2024-04" in page and "Period: 2024-03" not in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["longgang"]


def test_demo_on_an_osm_file(tmp_path):
    osm = gz.datasets.path("haidian") / "beijing_haidian.osm.pbf"
    result = CliRunner().invoke(main, ["demo", "--osm", str(osm), "-n", "300", "--no-signboards",
                                       "--bbox", "116.3084,39.9905,116.3320,40.0123",
                                       "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "beijing_haidian"
    records = out / "problems_simulated.csv"
    assert count_records(records) == 300  # the simulated records are published too
    assert f"records in {records}" in result.output
    area = gz.read_osm(osm, boundary=(116.3084, 39.9905, 116.3320, 40.0123))
    check_counts(result.output, out, records, len(gz.build_units(area)))


def test_demo_into_a_foreign_folder_is_refused(tmp_path):
    own = tmp_path / "longgang"
    own.mkdir()
    (own / "notes.txt").write_text("mine")
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert str(own) in result.output and "did not make" in result.output
    assert [p.name for p in own.iterdir()] == ["notes.txt"]


def test_demo_bad_district_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--district", "atlantis", "--out",
                                       str(tmp_path)])
    assert result.exit_code != 0
    assert "atlantis" in result.output and "longgang" in result.output
