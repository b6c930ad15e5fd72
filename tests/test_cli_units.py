"""``geozz units``: build from OSM or load an office's file, roster, write, report."""

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from click.testing import CliRunner
from shapely.geometry import box

import geozz as gz
from geozz.cli import main

HOSTILE = Path(__file__).parent / "data" / "hostile" / "hostile.osm"
SF = Path(__file__).resolve().parents[1] / "data" / "sf311"
X0, Y0 = 800_000.0, 2_500_000.0


def run(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args],
                                catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def _office_file(tmp_path) -> Path:
    """Three grid cells, the third overlapping the second by 10 m, with a phone column."""
    g = gpd.GeoDataFrame(
        {"网格编码": ["A01", "A02", "A03"], "类型": ["网格"] * 3,
         "联系电话": ["13800000001", "13800000002", "13800000003"]},
        geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100),
                  box(X0 + 190, Y0, X0 + 290, Y0 + 100)], crs=32650)
    f = tmp_path / "office.gpkg"
    g.to_file(f)
    return f


def test_units_from_osm_written_and_read_back(tmp_path):
    out = tmp_path / "hostile_units.gpkg"
    text = run("units", HOSTILE, "-o", out, "--grid-size", 500)
    area = gz.read_osm(HOSTILE)
    built = gz.build_units(area, grid_size=500)
    counts = built["unit_type"].value_counts()
    assert (f"{len(built)} units built from hostile.osm ({area.name}; boundary: declared): grid "
            f"{counts['grid']}, road {counts['road']}, river {counts['river']}") in text
    assert "网格 Grid: " in text and "(100.0% of the boundary)" in text
    back = gz.read_units(out)
    assert back.index.equals(built.index)
    assert back["name"].tolist() == built["name"].tolist()  # hostile names verbatim
    assert back["length_m"].fillna(-1).tolist() == pytest.approx(
        built["length_m"].fillna(-1).tolist(), rel=1e-9)
    assert [name for name, _ in pyogrio.list_layers(out)] == ["units"]
    # the centre lines come back (as WKT in the GeoPackage), where assign measures from
    lines = built["centerline"].notna()
    assert back["centerline"].notna().tolist() == lines.tolist()
    assert back["centerline"][lines].length.tolist() == pytest.approx(
        built["centerline"][lines].length.tolist(), rel=1e-9)


def test_office_units_roster_and_report_layers(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("网格编码,责任人,电话\nA01,王伟,13900000001\nA09,李娜,13900000002\n",
                      encoding="utf-8")
    out = tmp_path / "units.gpkg"
    text = run("units", _office_file(tmp_path), "--roster", roster, "-o", out, "--report")
    assert "3 units read from office.gpkg: grid 3" in text
    assert "note: " in text and "['联系电话'] hold phone numbers" in text
    assert "roster roster.csv: no_responsible 2, unknown_unit 1" in text
    assert "overlaps: 1 pair(s), 1000.0 m²" in text
    assert [name for name, _ in pyogrio.list_layers(out)] == ["units", "gaps", "overlaps"]
    overlaps = gpd.read_file(out, layer="overlaps")
    assert overlaps[["unit_a", "unit_b"]].values.tolist() == [["A02", "A03"]]
    assert overlaps["area_m2"].tolist() == pytest.approx([1000])
    units = gz.read_units(out)
    assert units["responsible"].tolist() == ["王伟", "", ""]
    rep = (tmp_path / "units_roster.csv").read_text(encoding="utf-8-sig")
    assert rep.splitlines()[0] == "reason,unit_id,row,line,file"
    for f in (out, tmp_path / "units_roster.csv"):
        data = f.read_bytes()
        assert b"1380000000" not in data and b"1390000000" not in data


def test_lines_to_parquet_with_centerlines(tmp_path):
    out = tmp_path / "arteries.parquet"
    text = run("units", SF / "arteries.json", "--unit-type", "road", "--width", 15,
               "--make-ids", "-o", out, "--report")
    assert "2612 units read from arteries.json: road 2612" in text
    assert "3-D CRS EPSG:4979" in text and "heights dropped" in text
    assert (tmp_path / "arteries_gaps.parquet").exists()
    back = gz.read_units(out)
    assert len(back) == 2612
    assert back["centerline"].notna().all()
    assert back["length_m"].sum() == pytest.approx(338_196.8, rel=1e-5)


def test_unreadable_units_file_is_a_clean_error(tmp_path):
    text = CliRunner().invoke(main, ["units", str(SF / "arteries.json"), "-o",
                                     str(tmp_path / "x.gpkg")])
    assert text.exit_code == 1
    assert "lines in all 2612 rows" in text.output and "Traceback" not in text.output
    assert not (tmp_path / "x.gpkg").exists()


def test_bad_out_suffix(tmp_path):
    result = CliRunner().invoke(main, ["units", str(HOSTILE), "-o", str(tmp_path / "u.csv")])
    assert result.exit_code == 2
    assert "must end in one of .gpkg, .parquet" in result.output
