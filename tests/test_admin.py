"""Tests for geozz.units.admin: admin areas read, units split at their borders, grid codes.

The hand-made admin layer lies over the Longgang units (UTM 50N): street 甲 west of
x = 213130 (one community), street 乙 east of it, cut at y = 2511650 into a northern and a
southern community. Neither border falls on a multiple of 200 m, so 200 m cells along them
are cut 130/70 m (x) and 150/50 m (y): the expected pieces follow from that arithmetic.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

import geozz as gz
from geozz.errors import CRSError, InputError, SchemaError
from geozz.units.admin import ADMIN_COLUMNS, apply_admin, hierarchical_codes, read_admin

UTM50 = 32650
XB, YB = 213_130, 2_511_650  # the street border (x) and the community border in 乙 (y)
BIG = (205_000, 2_505_000, 220_000, 2_518_000)
CODES = {"甲一社区": "440307001001", "乙北社区": "440307002001", "乙南社区": "440307002002"}
GRID_ID = re.compile(r"^G200-E(-?\d+)-N(-?\d+)$")


def _office_table(crs=4326) -> gpd.GeoDataFrame:
    """Two streets, three communities, as an office would keep them (Chinese columns)."""
    x0, y0, x1, y1 = BIG
    polys = [box(x0, y0, XB, y1), box(XB, YB, x1, y1), box(XB, y0, x1, YB)]
    gdf = gpd.GeoDataFrame(
        {"区县": ["龙岗区"] * 3, "街道": ["甲街道", "乙街道", "乙街道"],
         "社区": list(CODES), "统计代码": list(CODES.values())},
        geometry=polys, crs=UTM50)
    return gdf.to_crs(crs)


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    return gz.build_units(gz.datasets.longgang(), grid_size=200)


@pytest.fixture(scope="module")
def admin() -> gpd.GeoDataFrame:
    return read_admin(_office_table(), levels={"county": "区县", "street": "街道",
                                               "community": "社区"}, code="统计代码")


@pytest.fixture(scope="module")
def split(units, admin) -> gpd.GeoDataFrame:
    return apply_admin(units, admin)


def _utm(geom) -> gpd.GeoSeries:
    return gpd.GeoSeries([geom], crs=UTM50)


def _base(uid: str) -> str:
    return uid.split("/")[0]


def _side(cell) -> dict:
    """Shares of a cell west of XB / east-north / east-south, by clipping to rectangles."""
    x0, y0, x1, y1 = BIG
    a = cell.area
    return {"甲一社区": shapely.clip_by_rect(cell, x0, y0, XB, y1).area / a,
            "乙北社区": shapely.clip_by_rect(cell, XB, YB, x1, y1).area / a,
            "乙南社区": shapely.clip_by_rect(cell, XB, y0, x1, YB).area / a}


# --------------------------------------------------------------------------------------
# read_admin
# --------------------------------------------------------------------------------------


def test_read_admin_office_table_splits_the_full_code_into_levels(admin):
    assert list(admin.columns) == ["county", "street", "community", "county_code",
                                   "street_code", "community_code", "geometry"]
    assert admin[["street", "community", "county_code", "street_code",
                  "community_code"]].values.tolist() == [
        ["甲街道", "甲一社区", "440307", "440307001", "440307001001"],
        ["乙街道", "乙北社区", "440307", "440307002", "440307002001"],
        ["乙街道", "乙南社区", "440307", "440307002", "440307002002"]]
    assert admin.crs.to_epsg() == 4326


def test_read_admin_recognises_chinese_columns_and_per_level_codes():
    table = _office_table().rename(columns={"统计代码": "社区代码"})
    table["街道代码"] = table["社区代码"].str[:9]
    out = read_admin(table)  # 区县 / 街道 / 社区 and 街道代码 / 社区代码 recognised
    assert out["community"].tolist() == list(CODES)
    assert out["street_code"].tolist() == ["440307001", "440307002", "440307002"]
    assert out["county_code"].tolist() == ["", "", ""]  # no county code column given


def test_read_admin_dissolves_rows_of_one_area():
    table = _office_table(crs=UTM50)
    halves = table.iloc[[0, 0]].copy()
    halves["geometry"] = [box(BIG[0], BIG[1], 209_000, BIG[3]), box(209_000, BIG[1], XB, BIG[3])]
    out = read_admin(pd.concat([halves, table.iloc[1:]]), code="统计代码")
    assert len(out) == 3
    assert out.geometry.iloc[0].area == pytest.approx(table.geometry.iloc[0].area)


def test_read_admin_from_a_file_round_trip(tmp_path):
    path = tmp_path / "admin.gpkg"
    _office_table().to_file(path, driver="GPKG")
    out = read_admin(path, code="统计代码")
    assert out["community_code"].tolist() == list(CODES.values())


def test_read_admin_osm_style_places_each_polygon_in_its_parents():
    x0, y0, x1, y1 = BIG
    osm = gpd.GeoDataFrame(
        {"name": ["龙岗区", "甲街道", "乙街道", "乙北社区"],
         "admin_level": ["6", "8", "8", "10"], "boundary": "administrative"},
        geometry=[box(*BIG), box(x0, y0, XB, y1), box(XB, y0, x1, y1),
                  box(XB, YB, x1, y1)], crs=UTM50)
    out = read_admin(osm)
    rows = out[["county", "street", "community"]].values.tolist()
    # 乙北 in 乙 in 龙岗; the rest of 乙 (its south) and all of 甲 are rows of their own
    assert sorted(rows) == [["龙岗区", "乙街道", ""], ["龙岗区", "乙街道", "乙北社区"],
                            ["龙岗区", "甲街道", ""]]
    rest = out[(out["street"] == "乙街道") & (out["community"] == "")].geometry.iloc[0]
    assert rest.area == pytest.approx((x1 - XB) * (YB - y0))


def _guixi() -> Path | None:
    here = Path(__file__).parent
    for p in (here / "data" / "osm" / "jiangxi_guixi.osm.pbf",
              here.parent.parent / "shared" / "data" / "osm_china_small" /
              "jiangxi_guixi.osm.pbf"):
        if p.is_file():
            return p
    return None


@pytest.mark.skipif(_guixi() is None, reason="jiangxi_guixi.osm.pbf not present")
def test_real_osm_admin_polygon_guixi_splits_cells_on_its_border():
    admin = read_admin(_guixi())  # the only admin polygon: 东门街道, admin_level 8
    assert admin[["county", "street", "community"]].values.tolist() == [["", "东门街道", ""]]
    x0, y0, x1, y1 = admin.total_bounds
    cells = gz.units.grid((x0 - 0.01, y0 - 0.01, x1 + 0.01, y1 + 0.01), size=500)
    out = apply_admin(cells, admin, min_share=0)
    inside = out[out["admin_street"] == "东门街道"]
    assert inside["area_m2"].sum() == pytest.approx(admin.to_crs(cells.crs).area.sum(),
                                                   rel=1e-9)
    assert out["area_m2"].sum() == pytest.approx(cells["area_m2"].sum(), rel=1e-12)
    assert set(out.loc[out["admin_street"] == "", "admin"]) == {""}  # outside keeps admin
    assert inside["admin"].eq("东门街道").all()


def test_read_admin_osm_without_admin_polygons_names_admin_level():
    with pytest.raises(InputError, match="admin_level.*levels="):
        read_admin(gz.datasets.path("longgang") / "shenzhen_longgang.osm.pbf")


@pytest.mark.parametrize("change, error, phrase", [
    (lambda t: t.drop(columns=["街道"]), SchemaError, "'街道'.*pass levels="),
    (lambda t: t.set_crs(None, allow_override=True), CRSError, "CRS"),
    (lambda t: t.assign(geometry=[Point(114.2, 22.7)] * 3), InputError,
     "row 1, field 'geometry': expected a polygon"),
    (lambda t: t.assign(街道="", 社区=""), InputError, "at least one level"),
    (lambda t: t.assign(统计代码=["4403070010", "x", None]), InputError,
     "row 1, field '统计代码': expected a full admin code"),
])
def test_read_admin_bad_tables_name_field_and_fix(change, error, phrase):
    with pytest.raises(error, match=phrase) as info:
        read_admin(change(_office_table()), levels={"street": "街道", "community": "社区"},
                   code="统计代码")
    assert "Fix:" in str(info.value)


def test_read_admin_overlapping_areas_are_refused():
    table = _office_table(crs=UTM50)
    table.loc[1, "geometry"] = box(XB - 500, YB, BIG[2], BIG[3])  # 500 m into 甲: 500/6870
    with pytest.raises(InputError, match="not overlap, got '龙岗区/甲街道/甲一社区 and "
                                         "龙岗区/乙街道/乙北社区 share 7%"):
        read_admin(table, code="统计代码")


def test_read_admin_bad_source_and_options():
    with pytest.raises(InputError, match="existing file"):
        read_admin("/nonexistent/admin.gpkg")
    with pytest.raises(InputError, match="field 'admin'"):
        read_admin(42)
    with pytest.raises(InputError, match="field 'levels'.*'town'"):
        read_admin(_office_table(), levels={"town": "街道"})


# --------------------------------------------------------------------------------------
# apply_admin: grid cells
# --------------------------------------------------------------------------------------


def test_cells_straddling_a_border_are_split_with_areas_summing(units, split):
    cells = units[units["unit_type"] == "grid"]
    expected = {uid for uid, g in cells.geometry.items()
                if sum(s >= 0.01 for s in _side(g).values()) > 1}
    assert expected  # the borders do cut cells
    pieces = split[split.index.str.contains("/") & (split["unit_type"] == "grid")]
    assert set(pieces.index.map(_base)) == expected
    for uid in expected:
        mine = split[split.index.map(_base) == uid]
        assert mine["area_m2"].sum() == pytest.approx(cells.loc[uid, "area_m2"], rel=1e-9)
        assert mine.geometry.area.sum() == pytest.approx(cells.loc[uid, "area_m2"], rel=1e-9)
        # each piece in one community, the one it was clipped to, pieces ordered by code
        assert mine["admin_community"].tolist() == sorted(
            mine["admin_community"], key=CODES.get)
        shares = _side(cells.loc[uid, "geometry"])
        for piece, community in zip(mine.geometry, mine["admin_community"]):
            assert piece.area / cells.loc[uid, "area_m2"] == pytest.approx(shares[community])
    assert split.loc[split["unit_type"] == "grid", "area_m2"].sum() == pytest.approx(
        cells["area_m2"].sum(), rel=1e-12)


def test_unsplit_cells_keep_their_id_and_get_their_community(units, split):
    cells = units[units["unit_type"] == "grid"]
    whole = [uid for uid in cells.index if uid in split.index]
    cut = split.index[split.index.str.contains("/") & (split["unit_type"] == "grid")]
    assert len(whole) == len(cells) - len(set(cut.map(_base)))
    for uid in whole:
        shares = _side(cells.loc[uid, "geometry"])
        assert split.loc[uid, "admin_community"] == max(shares, key=shares.get)
        assert split.loc[uid, "admin"] == split.loc[uid, "admin_community"]
    row = split.loc[whole[0]]
    assert row["admin_county"] == "龙岗区"
    assert row["admin_code"] == {"甲一社区": "440307-001-001", "乙北社区": "440307-002-001",
                                 "乙南社区": "440307-002-002"}[row["admin_community"]]


def test_split_is_stable_and_ids_unique(units, admin, split):
    again = apply_admin(units, admin)
    assert split.index.is_unique
    assert again.index.tolist() == split.index.tolist()
    assert shapely.equals(again.geometry.values, split.geometry.values).all()
    assert list(split.columns) == list(units.columns) + list(ADMIN_COLUMNS)
    assert split.crs == units.crs and split["centerline"].crs == units.crs


def test_split_by_admin_false_gives_whole_cells_to_the_majority(units, admin):
    out = apply_admin(units, admin, split_by_admin=False)
    assert out.index.tolist() == units.index.tolist()
    cells = units[units["unit_type"] == "grid"]
    straddling = 0
    for uid, g in cells.geometry.items():
        shares = _side(g)
        straddling += sum(s > 0 for s in shares.values()) > 1
        assert out.loc[uid, "admin_community"] == max(shares, key=shares.get)
    assert straddling > 0
    assert out["area_m2"].tolist() == units["area_m2"].tolist()


def test_min_share_keeps_slivers_in_the_largest_piece():
    cells = gz.units.grid(_utm(box(500_000, 2_500_000, 500_200, 2_500_100)), size=100)
    admin = gpd.GeoDataFrame({"street": ["a", "b"]}, crs=UTM50, geometry=[
        box(499_000, 2_499_000, 500_000.5, 2_501_000), box(500_000.5, 2_499_000, 501_000,
                                                           2_501_000)])
    kept = apply_admin(cells, admin)  # the 0.5 m strip is 0.5 % of the cell
    assert kept.index.tolist() == cells.index.tolist()
    assert kept["admin_street"].tolist() == ["b", "b"]
    cut = apply_admin(cells, admin, min_share=0)
    assert cut.index.tolist() == ["G100-E5000-N25000/1", "G100-E5000-N25000/2",
                                  "G100-E5001-N25000"]
    assert cut["area_m2"].round(6).tolist() == [50.0, 9950.0, 10000.0]
    assert cut["admin_street"].tolist() == ["a", "b", "b"]


def test_parts_outside_every_area_are_their_own_piece():
    cells = gz.units.grid(_utm(box(500_000, 2_500_000, 500_100, 2_500_100)), size=100)
    cells = cells.assign(admin="某区")
    admin = gpd.GeoDataFrame({"street": ["a"]}, crs=UTM50,
                             geometry=[box(499_000, 2_499_000, 500_040, 2_501_000)])
    out = apply_admin(cells, admin)
    assert out.index.tolist() == ["G100-E5000-N25000/1", "G100-E5000-N25000/2"]
    assert out["admin_street"].tolist() == ["a", ""]
    assert out["admin"].tolist() == ["a", "某区"]
    assert out["area_m2"].round(6).tolist() == [4000.0, 6000.0]


# --------------------------------------------------------------------------------------
# apply_admin: road corridors and river reaches
# --------------------------------------------------------------------------------------


def test_roads_crossing_a_border_are_cut_there_with_lengths_summing(units, split):
    lines = units[units["unit_type"].isin(["road", "river"])]
    crossing = [uid for uid, c in lines["centerline"].items()
                if c.bounds[0] < XB - 1 < XB + 1 < c.bounds[2]]
    assert crossing  # roads do cross the street border
    for uid in lines.index:
        mine = split[split.index.map(_base) == uid]
        assert mine["length_m"].sum() == pytest.approx(lines.loc[uid, "length_m"], rel=1e-9)
        assert mine["area_m2"].sum() == pytest.approx(lines.loc[uid, "area_m2"], rel=1e-6)
        assert (mine["unit_type"] == lines.loc[uid, "unit_type"]).all()
        assert (mine["name"] == lines.loc[uid, "name"]).all()
        for piece, community in zip(mine["centerline"], mine["admin_community"]):
            assert piece.length == pytest.approx(
                piece.intersection(_community_box(community)).length)
    for uid in crossing:
        mine = split[split.index.map(_base) == uid]
        west = mine[mine["admin_street"] == "甲街道"]
        east = mine[mine["admin_street"] == "乙街道"]
        assert len(west) == 1 and len(east) >= 1
        assert west.index[0] == f"{uid}/1"  # the lower code first
        assert west["centerline"].iloc[0].bounds[2] == pytest.approx(XB)  # cut at the border
        assert min(c.bounds[0] for c in east["centerline"]) == pytest.approx(XB)


def _community_box(community: str):
    x0, y0, x1, y1 = BIG
    return {"甲一社区": box(x0, y0, XB, y1), "乙北社区": box(XB, YB, x1, y1),
            "乙南社区": box(XB, y0, x1, YB)}[community].buffer(1e-6)


def test_split_by_admin_false_gives_a_road_to_the_area_with_most_of_it(units, admin):
    out = apply_admin(units, admin, split_by_admin=False)
    for uid, centre in units.loc[units["unit_type"] == "road", "centerline"].items():
        lengths = {c: centre.intersection(_community_box(c)).length for c in CODES}
        assert out.loc[uid, "admin_community"] == max(lengths, key=lengths.get)
        assert out.loc[uid, "length_m"] == units.loc[uid, "length_m"]


def test_split_only_the_types_asked_for(units, admin):
    out = apply_admin(units, admin, split_by_admin=["road"])
    split_types = set(out.loc[out.index.str.contains("/"), "unit_type"])
    assert split_types == {"road"}


def test_a_road_along_a_border_goes_to_the_lower_code():
    roads = gpd.GeoDataFrame({"name": ["边界路"]}, crs=UTM50,
                             geometry=[LineString([(500_000, 2_499_500), (500_000, 2_500_500)])])
    units = gz.units.road_corridors(roads, _utm(box(499_000, 2_499_000, 501_000, 2_501_000)),
                                    width=20)
    admin = gpd.GeoDataFrame({"street": ["东", "西"], "street_code": ["002", "001"]},
                             crs=UTM50, geometry=[box(500_000, 2_499_000, 501_000, 2_501_000),
                                                  box(499_000, 2_499_000, 500_000, 2_501_000)])
    out = apply_admin(units, read_admin(admin))
    assert len(out) == 1 and out["admin_street"].iloc[0] == "西"
    assert out["area_m2"].iloc[0] == units["area_m2"].iloc[0]


# --------------------------------------------------------------------------------------
# hierarchical codes
# --------------------------------------------------------------------------------------


def test_codes_numbered_west_to_east_then_north_to_south(split, admin):
    codes = hierarchical_codes(split, admin)
    assert codes.name == "grid_code"
    grid = split["unit_type"] == "grid"
    assert (codes[~grid] == "").all()
    assert codes[grid].str.fullmatch(r"440307-00[12]-00[12]-\d{4}").all()
    assert codes[grid].is_unique
    for community, code in CODES.items():
        mine = split[grid & (split["admin_community"] == community)]
        prefix = f"{code[:6]}-{code[6:9]}-{code[9:]}"
        ids = [_base(u) for u in mine.index]
        cols = [int(GRID_ID.match(u)[1]) for u in ids]
        rows = [int(GRID_ID.match(u)[2]) for u in ids]
        expected = sorted(range(len(ids)), key=lambda k: (-rows[k], cols[k]))
        got = [mine.index[k] for k in expected]
        assert codes[got].tolist() == [f"{prefix}-{n:04d}" for n in range(1, len(ids) + 1)]
    assert hierarchical_codes(split, admin).equals(codes)


def test_codes_without_admin_codes_name_the_code_option(split):
    bare = _office_table().drop(columns=["统计代码"])
    with pytest.raises(InputError, match="field 'code'.*read_admin"):
        hierarchical_codes(split, read_admin(bare))


def test_codes_with_a_malformed_code_name_the_area(split):
    table = _office_table()
    table["统计代码"] = ["440307001001", "4403070020", "440307002002"]
    with pytest.raises(InputError, match="row 2"):
        read_admin(table, code="统计代码")
    table = _office_table().assign(区县代码="44A307")
    with pytest.raises(InputError, match="county_code.*甲街道"):
        hierarchical_codes(split, read_admin(table, code={"county": "区县代码"}))


# --------------------------------------------------------------------------------------
# bad arguments to apply_admin
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, phrase", [
    ({"min_share": 0.5}, "field 'min_share'"),
    ({"min_share": "1%"}, "field 'min_share'"),
    ({"min_share": math.nan}, "field 'min_share'"),
    ({"split_by_admin": 3}, "field 'split_by_admin'"),
])
def test_apply_admin_bad_options(units, admin, kwargs, phrase):
    with pytest.raises(InputError, match=phrase):
        apply_admin(units, admin, **kwargs)


def test_apply_admin_bad_units(units, admin):
    with pytest.raises(InputError, match="field 'units'.*build_units"):
        apply_admin(pd.DataFrame(units), admin)
    with pytest.raises(InputError, match="field 'crs'.*projected"):
        apply_admin(units.to_crs(4326), admin)


def test_corridor_parts_in_an_area_without_centreline_join_the_nearest_piece():
    X, Y = 500_000, 2_500_000
    roads = gpd.GeoDataFrame({"name": ["穿街路"]}, crs=UTM50,
                             geometry=[LineString([(X - 500, Y), (X + 500, Y)])])
    units = gz.units.road_corridors(roads, _utm(box(X - 2000, Y - 2000, X + 2000, Y + 2000)),
                                    width=20)
    corner = box(X + 100, Y + 10, X + 200, Y + 1000)  # 10 m of corridor, no centreline
    admin = gpd.GeoDataFrame(
        {"street": ["西", "东", "角"], "street_code": ["001", "002", "003"]}, crs=UTM50,
        geometry=[box(X - 2000, Y - 2000, X, Y + 2000),
                  box(X, Y - 2000, X + 2000, Y + 2000).difference(corner), corner])
    out = apply_admin(units, read_admin(admin))
    uid = units.index[0]
    assert out.index.tolist() == [f"{uid}/1", f"{uid}/2"]
    assert out["admin_street"].tolist() == ["西", "东"]
    east = units.geometry.iloc[0].intersection(box(X, Y - 100, X + 2000, Y + 100)).area
    assert out["area_m2"].iloc[1] == pytest.approx(east)
    assert out["length_m"].tolist() == pytest.approx([500, 500])
    assert out["area_m2"].sum() == pytest.approx(units["area_m2"].iloc[0])


def test_build_units_applies_an_admin_layer_given_as_a_frame():
    """build_units(admin=...) with a normalised admin frame splits units at the border."""
    area = gz.datasets.longgang()
    plain = gz.build_units(area)
    x0, y0, x1, y1 = plain.total_bounds
    mid = (x0 + x1) / 2
    layer = gpd.GeoDataFrame(
        {"street": ["甲街道", "乙街道"], "street_code": ["001", "002"]},
        geometry=[box(x0 - 10, y0 - 10, mid, y1 + 10), box(mid, y0 - 10, x1 + 10, y1 + 10)],
        crs=plain.crs)
    admin = gz.units.read_admin(layer, levels={"street": "street"},
                                code={"street": "street_code"})
    units = gz.build_units(area, admin=admin)
    assert set(units["admin_street"]) == {"甲街道", "乙街道"}
    assert len(units) > len(plain)  # cells and roads crossing x = mid are split
    assert units["area_m2"].sum() == pytest.approx(plain["area_m2"].sum(), rel=1e-9)
