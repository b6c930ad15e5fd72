"""An office's own units: read_units formats and columns, the roster, the coverage and
quality report, and the San Francisco tracts, arteries and neighbourhoods."""

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, box

import geozz as gz
from geozz.errors import CRSError, InputError, SchemaError
from geozz.units.report import coverage_report
from geozz.units.roster import REPORT_COLUMNS, read_roster

UTM50 = 32650
X0, Y0 = 800_000.0, 2_500_000.0
SF = Path(__file__).resolve().parents[1] / "data" / "sf311"


def _plain(n=3) -> gpd.GeoDataFrame:
    """The office's cells with plain column names (a shapefile's names hold 10 bytes)."""
    return _office(n).rename(columns={"网格编码": "unit_id", "网格名称": "name",
                                      "类型": "unit_type", "所属街道": "admin",
                                      "责任人": "responsible"})


def _office(n=3) -> gpd.GeoDataFrame:
    """Grid cells 100 x 100 m with the columns an office's file has."""
    return gpd.GeoDataFrame(
        {"网格编码": [f"A{i:02d}" for i in range(1, n + 1)],
         "网格名称": [f"第{i}网格" for i in range(1, n + 1)],
         "责任人": ["王伟", "", "张敏"][:n] + [""] * max(0, n - 3),
         "类型": ["网格"] * n, "所属街道": ["布吉街道"] * n},
        geometry=[box(X0 + 100 * i, Y0, X0 + 100 * (i + 1), Y0 + 100) for i in range(n)],
        crs=UTM50)


def _read_quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gz.read_units(*args, **kwargs)


# --------------------------------------------------------------------------------------
# formats
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["u.gpkg", "u.shp", "u.geojson", "u.parquet"])
def test_every_format_reads_the_same_units(tmp_path, name):
    f = tmp_path / name
    g = _plain().to_crs(4326)
    if name.endswith(".parquet"):
        g.to_parquet(f)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # shapefile: 'responsible' cut to 'responsibl'
            g.to_file(f, engine="pyogrio")
    units = gz.read_units(f)
    assert units.index.tolist() == ["A01", "A02", "A03"]
    assert units["name"].tolist() == ["第1网格", "第2网格", "第3网格"]
    assert units["responsible"].tolist() == ["王伟", "", "张敏"]
    assert units["area_m2"].tolist() == pytest.approx([10_000] * 3, rel=1e-6)
    assert units.crs.to_epsg() == UTM50


def test_lone_shp_names_the_missing_parts_and_the_fix(tmp_path):
    f = tmp_path / "grids.shp"
    _plain().drop(columns="responsible").to_file(f)
    for ext in (".shx", ".dbf", ".prj", ".cpg"):
        f.with_suffix(ext).unlink(missing_ok=True)
    with pytest.raises(SchemaError) as err:
        gz.read_units(f)
    assert len(err.value.issues) == 1
    msg = str(err.value)
    assert "got 'missing grids.shx, grids.dbf, grids.prj'" in msg
    assert ".shx (the shape index), .dbf (the attribute table), .prj (the CRS)" in msg
    assert "copy grids.shx, grids.dbf, grids.prj into" in msg and "GeoPackage" in msg


@pytest.mark.parametrize("missing, error, message", [
    (".dbf", SchemaError, r"got 'missing grids\.dbf'"),  # only the .dbf is named
    (".prj", CRSError, r"expected a CRS in the file, got 'no grids\.prj"),
])
def test_shp_without_one_sidecar_names_that_sidecar(tmp_path, missing, error, message):
    f = tmp_path / "grids.shp"
    _plain().drop(columns="responsible").to_file(f)
    f.with_suffix(missing).unlink()
    with pytest.raises(error, match=message):
        gz.read_units(f)


def test_parquet_without_geo_metadata(tmp_path):
    f = tmp_path / "plain.parquet"
    pd.DataFrame({"a": [1, 2]}).to_parquet(f)
    with pytest.raises(SchemaError, match="expected a GeoParquet file"):
        gz.read_units(f)


# --------------------------------------------------------------------------------------
# columns
# --------------------------------------------------------------------------------------


def test_chinese_columns_recognised_out_of_the_box(tmp_path):
    f = tmp_path / "网格.gpkg"
    _office().to_file(f)
    units = gz.read_units(f)
    assert units.index.tolist() == ["A01", "A02", "A03"]
    assert units["unit_type"].tolist() == ["grid"] * 3          # 类型 = 网格 (a label)
    assert units["responsible"].tolist() == ["王伟", "", "张敏"]
    assert units["admin"].tolist() == ["布吉街道"] * 3
    assert units.attrs["read_notes"] == [
        ("columns read as: 网格编码 -> unit_id, 网格名称 -> name, 类型 -> unit_type, "
         "所属街道 -> admin, 责任人 -> responsible")]


def test_columns_option_wins_over_the_vocabulary(tmp_path):
    f = tmp_path / "two_ids.gpkg"
    g = _office()
    g["GridNo"] = ["X1", "X2", "X3"]
    g.to_file(f)
    units = gz.read_units(f, columns={"GridNo": "unit_id"})
    assert units.index.tolist() == ["X1", "X2", "X3"]
    assert units["网格编码"].tolist() == ["A01", "A02", "A03"]  # kept as an extra column


def test_phone_columns_are_never_read(tmp_path):
    f = tmp_path / "with_phones.gpkg"
    g = _office()
    g["联系电话"] = ["13800000001", "13800000002", "13800000003"]
    g.to_file(f)
    with pytest.warns(UserWarning, match=r"\['联系电话'\] hold phone numbers"):
        units = gz.read_units(f)
    assert "联系电话" not in units.columns
    assert "1380000000" not in units.drop(columns="geometry").to_csv()


def test_unknown_type_label_listed_by_row(tmp_path):
    f = tmp_path / "types.gpkg"
    g = _office()
    g["类型"] = ["网格", "湖泊", "Grid"]
    g.to_file(f)
    with pytest.raises(SchemaError) as err:
        gz.read_units(f)
    assert [(i.field, i.row, i.got) for i in err.value.issues] == [("unit_type", 2, "湖泊")]


# --------------------------------------------------------------------------------------
# lines, ids, 3-D CRS
# --------------------------------------------------------------------------------------


def _lines(tmp_path, name="lines.geojson", **cols):
    g = gpd.GeoDataFrame(cols or {"unit_type": ["road", "road"]},
                         geometry=[LineString([(X0, Y0), (X0 + 100, Y0)]),
                                   LineString([(X0, Y0 + 500), (X0, Y0 + 800)])], crs=UTM50)
    f = tmp_path / name
    g.to_crs(4326).to_file(f)
    return f


def test_lines_with_width_become_corridors(tmp_path):
    f = _lines(tmp_path, unit_id=["r1", "r2"], unit_type=["road", "路段"])
    units = gz.read_units(f, width=10)
    assert units["length_m"].tolist() == pytest.approx([100, 300], abs=0.01)
    # a line buffered 10 m each side: 2 x 10 x length + the two round caps
    assert units["area_m2"].tolist() == pytest.approx(
        [2000 + np.pi * 100, 6000 + np.pi * 100], rel=2e-3)
    assert units.attrs["read_notes"][-1].endswith("2 lines read as corridors 10 m each "
                                                  "side of their centrelines")
    assert bool(units.geometry.buffer(0.01).contains(units["centerline"]).all())


def test_lines_without_width_is_one_issue_with_the_fix(tmp_path):
    f = _lines(tmp_path, unit_id=["r1", "r2"], unit_type=["road", "road"])
    with pytest.raises(SchemaError) as err:
        gz.read_units(f)
    assert [(i.field, i.row, i.got) for i in err.value.issues] == [
        ("geometry", None, "lines in all 2 rows")]
    assert "pass width=" in str(err.value)


def test_lines_for_an_area_type_are_refused(tmp_path):
    f = _lines(tmp_path, unit_id=["r1", "g1"], unit_type=["road", "grid"])
    with pytest.raises(SchemaError) as err:
        gz.read_units(f, width=10)
    assert [(i.field, i.row) for i in err.value.issues] == [("geometry", 2)]
    assert "lines are read as corridors only for ['road', 'river']" in str(err.value)


def test_make_ids_are_stable_hashes_and_identical_shapes_are_duplicates(tmp_path):
    f = _lines(tmp_path)
    a = gz.read_units(f, width=5, make_ids=True)
    b = gz.read_units(f, width=5, make_ids=True)
    assert a.index.equals(b.index)
    assert all(i.startswith("R-") and len(i) == 14 for i in a.index)
    with pytest.raises(SchemaError, match="a unit id column") as err:
        gz.read_units(f, width=5)
    assert "make_ids=True" in str(err.value)
    g = gpd.read_file(f)
    pd.concat([g, g.iloc[[0]]]).to_file(tmp_path / "twice.geojson")
    with pytest.raises(SchemaError) as err:
        gz.read_units(tmp_path / "twice.geojson", width=5, make_ids=True)
    assert [(i.field, i.row) for i in err.value.issues] == [("unit_id", 3)]
    assert "row 1 has it too" in str(err.value) and "same geometry" in str(err.value)


def test_3d_crs_read_as_2d_and_heights_dropped(tmp_path):
    f = tmp_path / "z.geojson"
    g = gpd.GeoDataFrame({"unit_id": ["a"], "unit_type": ["grid"]},
                         geometry=[shapely.Polygon([(114.2, 22.6, 5), (114.21, 22.6, 5),
                                                    (114.21, 22.61, 7), (114.2, 22.6, 5)])],
                         crs=4979)
    g.to_file(f)
    with pytest.warns(UserWarning) as caught:
        units = gz.read_units(f)
    text = [str(w.message) for w in caught]
    assert any("declares the 3-D CRS EPSG:4979" in t and "EPSG:4326" in t for t in text)
    assert any("1 geometries have heights (z from 5 to 7)" in t for t in text)
    assert not units.geometry.has_z.any()


# --------------------------------------------------------------------------------------
# San Francisco: real files with real problems, reported
# --------------------------------------------------------------------------------------


def test_sf_tracts_load_as_office_units():
    units = gz.read_units(SF / "tracts.geojson", columns={"geoid": "unit_id",
                                                          "nhood": "admin"},
                          unit_type="grid")
    assert len(units) == 195 and units.index.is_unique
    assert units.crs.to_epsg() == 32610 and units.loc["06075016400", "name"] == "Tract 164.00"
    assert units.attrs["read_notes"] == ["columns read as: geoid -> unit_id, nhood -> admin"]
    # a second column mapped to a name the file has already is refused, naming both
    with pytest.raises(SchemaError, match=r"'name'.*got \['nhood', 'name'\]"):
        gz.read_units(SF / "tracts.geojson", columns={"geoid": "unit_id", "nhood": "name"},
                      unit_type="grid")


def test_sf_arteries_problems_are_reported_not_hidden():
    with pytest.raises(SchemaError) as err:
        _read_quiet(SF / "arteries.json", unit_type="road")
    got = sorted((i.field, i.got if isinstance(i.got, str) else None)
                 for i in err.value.issues)
    # no id at all (every STREETNAME/CNN is null) and only lines
    assert got == [("geometry", "lines in all 2612 rows"), ("unit_id", None)]
    with pytest.warns(UserWarning) as caught:
        units = gz.read_units(SF / "arteries.json", unit_type="road", width=15,
                              make_ids=True)
    notes = units.attrs["read_notes"]
    assert [str(w.message) for w in caught] == [n for n in notes if "EPSG:4979" in n
                                                or "heights" in n]
    assert any("3-D CRS EPSG:4979" in n for n in notes)
    assert any("2612 geometries have heights (z all 0)" in n for n in notes)
    assert len(units) == 2612 and units.index.is_unique
    assert units.crs.to_epsg() == 32610
    assert units["length_m"].sum() == pytest.approx(
        gpd.read_file(SF / "arteries.json").set_crs(4326, allow_override=True)
        .to_crs(32610).length.sum(), rel=1e-9)


def test_sf_neighbourhoods_invalid_polygons_repaired_and_named():
    with pytest.warns(UserWarning, match=r"3 invalid polygon\(s\) repaired") as caught:
        units = gz.read_units(SF / "neighborhoods.json", columns={"neighborho": "unit_id"},
                              unit_type="grid")
    msg = " ".join(str(w.message) for w in caught)
    assert "['Downtown/Civic Center', 'Marina', 'North Beach'] (rows [7, 20, 37])" in msg
    assert bool(units.geometry.is_valid.all()) and len(units) == 37
    rep = coverage_report(units)
    # the 37 polygons do not tile: slivers between them and three overlapping pairs
    assert len(rep.overlaps) == 3 and len(rep.gaps) == 10
    for _, o in rep.overlaps.iterrows():
        both = units.loc[o["unit_a"], "geometry"].intersection(units.loc[o["unit_b"],
                                                                         "geometry"])
        assert both.area == pytest.approx(o["area_m2"], rel=1e-6) and o["area_m2"] > 1
    assert rep.gaps["area_m2"].sum() == pytest.approx(
        shapely.union_all([shapely.Polygon(r) for p in shapely.get_parts(
            units.geometry.union_all()) for r in p.interiors]).area, rel=1e-6)


# --------------------------------------------------------------------------------------
# roster
# --------------------------------------------------------------------------------------


def _units(n=4):
    return _read_quiet_units(n)


def _read_quiet_units(n):
    g = _office(n)
    g["责任人"] = [""] * n
    g = g.rename(columns={"网格编码": "unit_id", "类型": "unit_type"})
    g["unit_type"] = "grid"
    return g.set_index("unit_id")[["unit_type", "责任人", "geometry"]].rename(
        columns={"责任人": "responsible"})


ROSTER = ("网格编码,责任人,职务,联系电话\n"
          "A01,王伟,网格长,13800000001\n"
          "A01,李娜,网格员,13800000002\n"
          "A02,,网格员,13800000003\n"
          ",赵强,网格员,13800000004\n"
          "Z99,钱多,网格长,13800000005\n"
          " A03 ,孙丽,网格长,13800000006\n")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_roster_fills_names_and_reports_rows_and_units(tmp_path, encoding):
    f = tmp_path / "roster.csv"
    f.write_bytes(ROSTER.encode(encoding))
    units, report = read_roster(f, _units())
    assert units["responsible"].tolist() == ["王伟、李娜", "", "孙丽", ""]
    assert units["responsible_role"].tolist() == ["网格长、网格员", "", "网格长", ""]
    assert list(report.columns) == REPORT_COLUMNS
    assert report[["reason", "unit_id", "row", "line"]].astype(object).where(
        report[["reason", "unit_id", "row", "line"]].notna(), None).values.tolist() == [
        ["no_unit_id", None, 4, 5],
        ["no_person", "A02", 3, 4],
        ["unknown_unit", "Z99", 5, 6],
        ["no_responsible", "A02", None, None],
        ["no_responsible", "A04", None, None]]
    text = units.drop(columns="geometry").to_csv() + report.to_csv()
    assert "1380000000" not in text and "联系电话" not in text


def test_roster_xlsx_with_title_row_and_own_column_names(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["布吉街道网格责任人名册 2024"])
    ws.append(["Grid", "Person", "手机"])
    ws.append(["A01", "王伟", "13800000001"])
    ws.append(["A04", "张敏", "13800000004"])
    f = tmp_path / "roster.xlsx"
    wb.save(f)
    with pytest.raises(SchemaError) as err:
        read_roster(f, _units())
    assert [i.field for i in err.value.issues] == ["unit_id", "responsible"]
    assert "pass columns={'<its column>': 'unit_id'}" in str(err.value)
    units, report = read_roster(f, _units(), columns={"Grid": "unit_id",
                                                      "Person": "responsible"})
    assert units["responsible"].tolist() == ["王伟", "", "", "张敏"]
    assert report["reason"].tolist() == ["no_responsible", "no_responsible"]
    assert report["unit_id"].tolist() == ["A02", "A03"]


def test_roster_keeps_the_units_own_responsible_where_it_is_silent(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("网格编码,责任人\nA01,王伟\n", encoding="utf-8")
    base = _units(2)
    base["responsible"] = ["旧人", "周杰"]
    units, report = read_roster(f, base)
    assert units["responsible"].tolist() == ["王伟", "周杰"]
    assert len(report) == 0
    assert base["responsible"].tolist() == ["旧人", "周杰"]  # input untouched


def test_roster_bad_inputs_all_at_once(tmp_path):
    with pytest.raises(InputError) as err:
        read_roster(tmp_path / "none.csv", pd.DataFrame(), columns={"x": "phone"})
    assert [i.field for i in err.value.issues] == ["units", "columns", None]
    f = tmp_path / "roster.pdf"
    f.write_text("x")
    with pytest.raises(InputError, match="save the roster as .xlsx or CSV"):
        read_roster(f, _units())


# --------------------------------------------------------------------------------------
# coverage and quality report
# --------------------------------------------------------------------------------------


def _cells_with_gap_and_overlap():
    # A and B overlap by 10 x 100 m; C leaves a 20 x 100 m gap before the boundary's end
    cells = gpd.GeoDataFrame(
        {"unit_type": ["grid"] * 3, "admin": ["东", "东", "西"]},
        geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 90, Y0, X0 + 200, Y0 + 100),
                  box(X0 + 200, Y0, X0 + 280, Y0 + 100)], crs=UTM50,
        index=pd.Index(["A", "B", "C"], name="unit_id"))
    roads = gpd.GeoDataFrame(
        {"unit_type": ["road", "road", "road"], "admin": ["东", "东", "西"],
         "centerline": [LineString([(X0, Y0 + 50), (X0 + 150, Y0 + 50)]),
                        LineString([(X0 + 150, Y0 + 50), (X0 + 180, Y0 + 50)]),
                        LineString([(X0 + 200, Y0 + 50), (X0 + 300, Y0 + 50)])]},
        geometry=[box(X0, Y0 + 40, X0 + 150, Y0 + 60), box(X0 + 150, Y0 + 40, X0 + 180, Y0 + 60),
                  box(X0 + 200, Y0 + 40, X0 + 300, Y0 + 60)], crs=UTM50,
        index=pd.Index(["R1", "R2", "R3"], name="unit_id"))
    return pd.concat([cells, roads])


def test_report_gaps_overlaps_lengths_and_small_units_exactly():
    units = _cells_with_gap_and_overlap()
    boundary = gpd.GeoSeries([box(X0, Y0, X0 + 300, Y0 + 100)], crs=UTM50)
    rep = coverage_report(units, boundary, min_area=8_500, min_length=50)
    assert rep.overlaps[["unit_type", "unit_a", "unit_b"]].values.tolist() == [
        ["grid", "A", "B"]]
    assert rep.overlaps["area_m2"].tolist() == pytest.approx([1000])
    assert rep.gaps["area_m2"].tolist() == pytest.approx([2000])
    assert rep.gaps.geometry.iloc[0].bounds == pytest.approx((X0 + 280, Y0, X0 + 300,
                                                              Y0 + 100))
    cov = rep.coverage
    assert cov.loc["grid", "share"] == pytest.approx(28_000 / 30_000)
    assert cov.loc["grid", "area_m2"] == pytest.approx(29_000)
    assert np.isnan(cov.loc["road", "gap_m2"]) and np.isnan(cov.loc["road", "overlap_m2"])
    assert rep.lengths.values.tolist() == [["东", "road", 2, pytest.approx(180)],
                                           ["西", "road", 1, pytest.approx(100)]]
    assert rep.small[["unit_id", "reason"]].values.tolist() == [
        ["C", "below_min_area"], ["R2", "below_min_length"]]
    summary = rep.summary
    assert "网格 Grid: 3 units" in summary and "(93.3% of the boundary)" in summary
    assert "gaps: 1 polygon(s), 2000.0 m²; overlaps: 1 pair(s), 1000.0 m²" in summary
    assert "路段 Road length: 0.3 km in 2 admin area(s)" in summary
    assert "small units: 1 under 8500 m², 1 under 50 m" in summary


def test_report_without_boundary_finds_holes_only():
    cells = gpd.GeoDataFrame(
        {"unit_type": ["grid"] * 8},
        geometry=[box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1))
                  for i in range(3) for j in range(3) if (i, j) != (1, 1)], crs=UTM50,
        index=pd.Index([f"c{k}" for k in range(8)], name="unit_id"))
    rep = coverage_report(cells)
    assert rep.gaps["area_m2"].tolist() == pytest.approx([10_000])
    assert rep.boundary_m2 is None and rep.coverage.loc["grid", "share"] == 1.0
    assert len(rep.overlaps) == 0


def test_report_longgang_grid_tiles_but_for_the_dropped_sliver(longgang_units, longgang):
    rep = coverage_report(longgang_units, longgang.boundary)
    assert len(rep.overlaps) == 0
    # build_units drops clipped cells under 1 m² (one of 0.49 m² in Longgang)
    assert rep.gaps["area_m2"].tolist() == pytest.approx([0.4898], abs=1e-3)
    assert rep.lengths["unit_type"].tolist() == ["river", "road"]
    assert rep.lengths["units"].tolist() == [
        (longgang_units["unit_type"] == t).sum() for t in ("river", "road")]


def test_report_bad_options():
    with pytest.raises(InputError) as err:
        coverage_report(_cells_with_gap_and_overlap(), min_area=-1, min_length="50m", by=3)
    assert [i.field for i in err.value.issues] == ["min_area", "min_length", "by"]


@pytest.fixture(scope="module")
def longgang():
    return gz.datasets.longgang()


@pytest.fixture(scope="module")
def longgang_units(longgang):
    return gz.build_units(longgang)
