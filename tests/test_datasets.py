"""Tests for geozz.datasets (bundled districts, the problem simulator) and geozz.area."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import geozz as gz
from geozz import datasets
from geozz.area import Area, read_area
from geozz.coords import convert
from geozz.errors import InputError, SchemaError
from geozz.problems import PERSONAL_FIELDS, vocabulary

BOUNDS = {
    "longgang": (114.1862, 22.6732, 114.2318, 22.7019),
    "haidian": (116.3084, 39.9905, 116.3320, 40.0123),
}
RAW_COLUMNS = ["编号", "问题类型", "发现时间", "来源", "状态", "整改期限", "整改完成时间",
               "经度", "纬度", "坐标系", "问题描述", "上报人", "联系电话"]


@pytest.fixture(scope="module")
def longgang_units() -> gpd.GeoDataFrame:
    return gz.build_units(datasets.longgang())


@pytest.fixture(scope="module")
def haidian_units() -> gpd.GeoDataFrame:
    return gz.build_units(datasets.haidian())


@pytest.fixture(scope="module")
def sim(longgang_units) -> pd.DataFrame:
    return datasets.simulate_problems(longgang_units, n=2000, seed=7)


def _alias_table(section: dict) -> dict[str, str]:
    out = {}
    for code, names in section.items():
        for name in names:
            out[name.strip().casefold()] = code
    return out


# --------------------------------------------------------------------------------------
# bundled districts
# --------------------------------------------------------------------------------------


def test_available():
    assert datasets.available() == ["haidian", "longgang"]


@pytest.mark.parametrize("name, zh", [("longgang", "龙岗区"), ("haidian", "海淀区")])
def test_load_district(name, zh):
    area = datasets.load(name)
    assert isinstance(area, Area)
    assert area.name == zh
    assert area.source == f"OpenStreetMap ({name})"
    assert area.credit == "© OpenStreetMap contributors"
    for layer in (area.boundary, area.roads, area.rivers):
        assert layer.crs.to_epsg() == 4326
    assert len(area.roads) > 100
    assert len(area.rivers) > 0
    assert "name" in area.roads and "name" in area.rivers
    # the districts lie in the export's declared box
    assert tuple(area.boundary.total_bounds) == pytest.approx(BOUNDS[name], abs=1e-6)
    box = shapely.box(*BOUNDS[name]).buffer(1e-9)
    assert area.roads.within(box).all() and area.rivers.within(box).all()


def test_longgang_and_haidian_shortcuts():
    lg, hd = datasets.longgang(), datasets.haidian()
    assert (lg.name, hd.name) == ("龙岗区", "海淀区")
    assert sorted(lg.rivers["name"].dropna().unique()) == ["龙岗河"]
    assert sorted(hd.rivers["name"].dropna().unique()) == ["万泉河"]
    # Haidian is the whole export box (2.0 km x 2.4 km); Longgang the part of the box
    # inside the district polygon, smaller than the box
    hd_area = hd.boundary.to_crs(32650).area.sum()
    box_area = gpd.GeoSeries([shapely.box(*BOUNDS["haidian"])], crs=4326).to_crs(32650).area[0]
    assert hd_area == pytest.approx(box_area, rel=1e-9)
    lg_area = lg.boundary.to_crs(32650).area.sum()
    lg_box = gpd.GeoSeries([shapely.box(*BOUNDS["longgang"])], crs=4326).to_crs(32650).area[0]
    assert 0.8 * lg_box < lg_area < lg_box


def test_path_and_problems_path():
    folder = datasets.path("longgang")
    assert (folder / "longgang.gpkg").exists()
    assert datasets.problems_path("haidian").name == "problems_simulated.csv"
    assert datasets.problems_path("haidian").parent == datasets.path("haidian")


@pytest.mark.parametrize("fn", [datasets.load, datasets.path, datasets.problems_path])
def test_unknown_district(fn):
    with pytest.raises(InputError) as err:
        fn("shenzhen")
    assert isinstance(err.value, ValueError)
    assert "'shenzhen'" in str(err.value)
    assert "haidian" in str(err.value) and "longgang" in str(err.value)


# --------------------------------------------------------------------------------------
# simulate_problems
# --------------------------------------------------------------------------------------


def test_simulate_columns_and_ids(sim):
    assert list(sim.columns) == RAW_COLUMNS
    assert len(sim) == 2000
    assert sim["编号"].iloc[0] == "SIM-7-000001"
    assert sim["编号"].iloc[-1] == "SIM-7-002000"
    assert sim["编号"].is_unique
    # everything is text, as in a CSV
    assert all(isinstance(v, str) for v in sim.iloc[0])


def test_simulate_same_seed_same_frame(longgang_units, sim):
    again = datasets.simulate_problems(longgang_units, n=2000, seed=7)
    pd.testing.assert_frame_equal(sim, again)


def test_simulate_different_seed_different_frame(longgang_units, sim):
    other = datasets.simulate_problems(longgang_units, n=2000, seed=8)
    assert not sim.equals(other)
    assert (sim["经度"] != other["经度"]).mean() > 0.9
    assert (sim["发现时间"] != other["发现时间"]).mean() > 0.9


def test_simulate_gcj02_share(sim):
    share = (sim["坐标系"] == "gcj02").mean()
    assert 0.03 <= share <= 0.07
    assert set(sim["坐标系"]) == {"wgs84", "gcj02"}


def test_simulate_categories_map_to_canonical(sim):
    cats = vocabulary()["categories"]
    table = {a.strip().casefold(): code for code, v in cats.items() for a in v["aliases"]}
    raw = sim["问题类型"]
    unmapped = sorted(set(raw[~raw.str.casefold().isin(table)]))
    assert unmapped == ["其他"]  # the deliberately malformed category, and only that
    zh = {v["zh"] for v in cats.values()}
    assert set(raw) - {"其他"} <= zh
    assert 0 < (raw == "其他").sum() < 20  # ~1/3 of 0.5 % malformed rows


def test_simulate_sources_and_statuses_map(sim):
    vocab = vocabulary()
    assert set(sim["来源"]) <= set(_alias_table(vocab["sources"]))
    assert set(sim["来源"]) == {"巡查", "投诉", "随手拍", "督查"}
    statuses = _alias_table(vocab["statuses"])
    assert set(sim["状态"]) <= set(statuses)
    # records still open or in progress have no rectification time; the others have one
    never = sim["状态"].isin(["整改中", "待整改"])
    assert (sim.loc[never, "整改完成时间"] == "").all()
    assert (sim.loc[~never, "整改完成时间"] != "").all()


def test_simulate_found_times_within_twelve_months(longgang_units):
    raw = datasets.simulate_problems(longgang_units, n=2000, seed=7, start="2024-03-01")
    found = pd.to_datetime(raw["发现时间"], format="%Y-%m-%d %H:%M", errors="coerce")
    bad = found.isna()
    assert (raw.loc[bad, "发现时间"] == "2024-13-45 25:00").all()  # the malformed rows
    assert bad.sum() < 20
    ok = found[~bad]
    assert ok.min() >= pd.Timestamp("2024-03-01")
    assert ok.max() < pd.Timestamp("2025-03-01")
    assert ok.dt.hour.between(7, 19).all()  # daytime
    # all 12 months are used
    assert ok.dt.to_period("M").nunique() == 12
    deadline = pd.to_datetime(raw.loc[~bad, "整改期限"], format="%Y-%m-%d %H:%M")
    assert (deadline > ok).all()


def test_simulate_personal_fields_present(sim):
    assert set(PERSONAL_FIELDS) == {"reporter", "phone"}
    assert "上报人" in sim and "联系电话" in sim
    assert sim["联系电话"].str.fullmatch(r"1[3-9]\d{9}").all()
    assert sim["上报人"].str.len().eq(2).all()


def test_simulate_river_categories_fall_in_river_reaches(haidian_units):
    raw = datasets.simulate_problems(haidian_units, n=1500, seed=3, gcj02_share=0.0,
                                     outside_share=0.0, malformed_share=0.0)
    assert (raw["坐标系"] == "wgs84").all()
    river_only = raw["问题类型"].isin(["河面漂浮物", "污水直排", "非法采砂"])
    assert river_only.sum() > 10
    pts = gpd.GeoSeries(gpd.points_from_xy(raw["经度"].astype(float),
                                           raw["纬度"].astype(float)), crs=4326)
    pts = pts.to_crs(haidian_units.crs)
    reaches = haidian_units[haidian_units["unit_type"] == "river"].union_all().buffer(1.0)
    assert pts[river_only].within(reaches).all()
    # and every point lies in the district (grid cells cover it)
    district = haidian_units[haidian_units["unit_type"] == "grid"].union_all().buffer(1.0)
    assert pts.within(district).all()


def test_simulate_outside_and_gcj02_points(haidian_units):
    raw = datasets.simulate_problems(haidian_units, n=300, seed=5, gcj02_share=0.0,
                                     outside_share=1.0, malformed_share=0.0)
    pts = gpd.GeoSeries(gpd.points_from_xy(raw["经度"].astype(float),
                                           raw["纬度"].astype(float)), crs=4326)
    pts = pts.to_crs(haidian_units.crs)
    hull = haidian_units.union_all()
    assert not pts.intersects(hull.buffer(-1.0)).any()
    # all GCJ-02 rows: converted back to WGS-84 they lie in the district; as given they
    # are shifted by a few hundred metres (the GCJ-02 offset around Beijing)
    raw = datasets.simulate_problems(haidian_units, n=300, seed=5, gcj02_share=1.0,
                                     outside_share=0.0, malformed_share=0.0)
    assert (raw["坐标系"] == "gcj02").all()
    lon, lat = raw["经度"].astype(float).to_numpy(), raw["纬度"].astype(float).to_numpy()
    wlon, wlat = convert(lon, lat, src="gcj02", dst="wgs84")
    back = gpd.GeoSeries(gpd.points_from_xy(wlon, wlat), crs=4326).to_crs(32650)
    given = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(32650)
    assert back.within(hull.buffer(1.0)).all()
    shift = back.distance(given)
    assert shift.between(100, 1000).all()


def test_simulate_invalid_arguments(longgang_units):
    with pytest.raises(InputError, match="n/months"):
        datasets.simulate_problems(longgang_units, n=-1)
    with pytest.raises(InputError, match="n/months"):
        datasets.simulate_problems(longgang_units, months=0)
    empty = datasets.simulate_problems(longgang_units, n=0)
    assert list(empty.columns) == RAW_COLUMNS and len(empty) == 0


# --------------------------------------------------------------------------------------
# the bundled problems CSV
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["longgang", "haidian"])
def test_bundled_problems_nothing_dropped(name):
    path = datasets.problems_path(name)
    rows = len(pd.read_csv(path, dtype=str, keep_default_na=False))
    problems, rejects = gz.read_problems(path)
    reports = problems["report_count"].sum()
    assert reports + len(rejects) == rows  # every row is a report of a problem or a reject
    ids = problems["report_ids"].str.split(";")
    assert (ids.str.len() == problems["report_count"]).all()
    assert ids.explode().is_unique and ids.str[0].tolist() == problems.index.tolist()
    assert reports > 0.98 * rows
    assert 0 < len(rejects) < 0.02 * rows
    assert problems.index.name == "problem_id"
    assert problems.index.is_unique
    assert problems.crs.to_epsg() == 4326
    assert set(rejects["reason"]) <= set(gz.problems.REJECT_REASONS)
    assert set(rejects["reason"]) >= {"missing_coordinates", "bad_time", "unmapped_category"}
    assert (rejects.loc[rejects["reason"] == "unmapped_category", "value"] == "其他").all()
    # reporter and phone are kept in Problems (they are personal fields, not dropped)
    assert {"reporter", "phone"} <= set(problems.columns)
    # rows are 1-based data rows, unique
    assert rejects["row"].between(1, rows).all() and rejects["row"].is_unique


# --------------------------------------------------------------------------------------
# geozz.area
# --------------------------------------------------------------------------------------


def test_area_repr():
    area = datasets.haidian()
    text = repr(area)
    assert text.startswith("Area('海淀区': 1 boundary polygon(s), ")
    assert re.search(rf"{len(area.roads)} road lines, {len(area.rivers)} river lines\)$", text)


def test_area_repr_html_counts_layers_and_escapes_text():
    area = datasets.longgang()
    page = area._repr_html_()
    assert "龙岗区" in page
    for layer in ("boundary", "roads", "rivers"):
        assert f"<th style=\"text-align:left\">{layer}</th><td style=\"text-align:left\">" \
            f"{len(getattr(area, layer)):,}</td>" in page
    assert "admin" not in page  # empty optional layers are left out
    assert re.search(r"114\.18\d\d, 22\.67\d\d – 114\.23\d\d, 22\.70\d\d "
                     r"\(1\d\.\d km²\)", page)
    hostile = Area(name="</table><script>x()</script>{{ 7*7 }}",
                   boundary=area.boundary.set_crs(None, allow_override=True),
                   roads=area.roads, rivers=area.rivers, source="<b>", credit="")
    page = hostile._repr_html_()
    assert "<script>" not in page and "{{" not in page and "<b>" not in page.split("</caption>")[1]
    assert "&lt;/table&gt;&lt;script&gt;x()&lt;/script&gt;&#123;&#123; 7*7 }}" in page
    assert "extent" not in page and "credit" not in page  # no CRS: no extent; no credit


def test_area_to_file_and_read_area_round_trip(tmp_path):
    area = datasets.longgang()
    f = area.to_file(tmp_path / "district.gpkg")
    assert f == tmp_path / "district.gpkg" and f.exists()
    # the atomic write left nothing behind (no .tmp-district.*.gpkg)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["district.gpkg"]
    back = read_area(f)
    assert back.name == "龙岗区"  # from the boundary's name column
    assert back.source == "district.gpkg"
    assert len(back.roads) == len(area.roads) and len(back.rivers) == len(area.rivers)
    assert back.boundary.geometry.iloc[0].equals_exact(area.boundary.geometry.iloc[0], 1e-9)
    assert read_area(f, name="X", source="mine").name == "X"


def test_area_to_file_adds_boundary_name(tmp_path):
    hd = datasets.haidian()
    area = Area(name="清华", boundary=hd.boundary[["geometry"]], roads=hd.roads,
                rivers=hd.rivers)
    back = read_area(area.to_file(tmp_path / "a.gpkg"))
    assert back.name == "清华"


def test_read_area_missing_layers(tmp_path):
    f = tmp_path / "only_boundary.gpkg"
    datasets.haidian().boundary.to_file(f, layer="boundary")
    with pytest.raises(SchemaError) as err:
        read_area(f)
    fields = sorted(i.field for i in err.value.issues)
    assert fields == ["layer rivers", "layer roads"]
    assert "only_boundary.gpkg" in str(err.value)
    with pytest.raises(SchemaError, match="existing GeoPackage"):
        read_area(tmp_path / "nope.gpkg")


def test_bundled_longgang_month_spans_every_star_level():
    """The embedded records are calibrated (hot spots, seasonality) so that a month of the
    demo shows what failing units look like, not a map of 5★ cells."""
    units = gz.build_units(datasets.longgang())
    problems, _ = gz.read_problems(datasets.problems_path("longgang"))
    ratings = gz.rate(gz.assign(problems, units), units)
    for period, rows in ratings.groupby("period"):
        assert set(rows["stars"].dropna().astype(int)) == {1, 2, 3, 4, 5}, period
    busiest = ratings.groupby("period")["found"].sum().idxmax()
    share = (ratings.loc[ratings["period"] == busiest, "stars"] >= 3).mean()
    assert 0.8 < share < 0.97  # near the 80 % target, not far above it
