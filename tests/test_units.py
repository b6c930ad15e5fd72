"""Tests for geozz.units: metric CRS, grid cells, road corridors, river reaches, units I/O.

Hand-made geometries live in EPSG:32650 (UTM 50N) near (500000, 2500000), well inside the
zone, so every expected number below can be checked with pencil and paper.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS
from shapely.geometry import LineString, Point, Polygon, box

import geozz as gz
from geozz.area import Area
from geozz.errors import CRSError, GeozzError, InputError, SchemaError
from geozz.units import (COLUMNS, coverage, grid, metric_crs, read_units, river_reaches,
                         road_corridors)

UTM50 = 32650
X0, Y0 = 500_000, 2_500_000


def _series(geom, crs=UTM50) -> gpd.GeoSeries:
    return gpd.GeoSeries([geom], crs=crs)


def _assert_units_frame(units: gpd.GeoDataFrame, epsg: int = UTM50) -> None:
    assert isinstance(units, gpd.GeoDataFrame)
    assert units.index.name == "unit_id"
    assert units.index.is_unique
    assert list(units.columns) == COLUMNS
    assert units.crs.to_epsg() == epsg
    assert units.geometry.name == "geometry"


# --------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_box() -> gpd.GeoSeries:
    """450 m x 300 m in UTM 50N: 5 x 3 cells of 100 m, the eastern column half width."""
    return _series(box(1000, 2000, 1450, 2300))


@pytest.fixture(scope="module")
def roads() -> gpd.GeoDataFrame:
    """Hand-made roads in a 2 km x 2 km boundary."""
    return gpd.GeoDataFrame(
        {"name": ["深南大道", "深南大道 ", None, "  ", "绿道", "短路"],
         "highway": ["primary", "primary", "residential", "residential", "footway",
                     "service"]},
        geometry=[
            LineString([(X0 + 100, Y0 + 1000), (X0 + 600, Y0 + 1000)]),   # 500 m
            LineString([(X0 + 600, Y0 + 1000), (X0 + 1100, Y0 + 1000)]),  # 500 m, joins
                                                                           # (name stripped)
            LineString([(X0 + 100, Y0 + 500), (X0 + 900, Y0 + 500)]),     # unnamed
            LineString([(X0 + 100, Y0 + 300), (X0 + 900, Y0 + 300)]),     # blank name
            LineString([(X0 + 100, Y0 + 1500), (X0 + 900, Y0 + 1500)]),   # footway
            LineString([(X0 + 100, Y0 + 1800), (X0 + 140, Y0 + 1800)]),   # 40 m only
        ],
        crs=UTM50,
    )


@pytest.fixture(scope="module")
def road_boundary() -> gpd.GeoSeries:
    return _series(box(X0, Y0, X0 + 2000, Y0 + 2000))


@pytest.fixture(scope="module")
def rivers() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["龙岗河", None], "waterway": ["river", "stream"]},
        geometry=[LineString([(X0 + 100, Y0 + 1000), (X0 + 3500, Y0 + 1000)]),  # 3,400 m
                  LineString([(X0 + 100, Y0 + 300), (X0 + 700, Y0 + 300)])],    # 600 m
        crs=UTM50,
    )


@pytest.fixture(scope="module")
def river_boundary() -> gpd.GeoSeries:
    return _series(box(X0, Y0, X0 + 5000, Y0 + 2000))




@pytest.fixture(scope="module")
def district_units(longgang, haidian) -> dict[str, gpd.GeoDataFrame]:
    return {"longgang": gz.build_units(longgang), "haidian": gz.build_units(haidian)}


# --------------------------------------------------------------------------------------
# metric_crs
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lon, lat, epsg", [
    (114.2, 22.69, 32650),      # Shenzhen, Longgang: zone 50 (114°E-120°E)
    (116.3, 39.99, 32650),      # Beijing, Haidian: 116.3°E is zone 50 too
    (-122.42, 37.77, 32610),    # San Francisco: zone 10N
    (-70.65, -33.45, 32719),    # Santiago de Chile: zone 19, southern hemisphere
    (113.9, 22.5, 32649),       # just west of 114°E: zone 49
])
def test_metric_crs_utm_zone_of_centre(lon, lat, epsg):
    assert metric_crs(Point(lon, lat)).to_epsg() == epsg
    assert metric_crs(gpd.GeoSeries([Point(lon, lat)], crs=4326)).to_epsg() == epsg


def test_metric_crs_uses_centre_of_frame():
    # two points at 113°E and 119°E: centre 116°E -> zone 50, not the zone of either end
    gdf = gpd.GeoDataFrame(geometry=[Point(113.0, 30.0), Point(119.0, 30.0)], crs=4326)
    assert metric_crs(gdf).to_epsg() == 32650


def test_metric_crs_explicit_projected_crs_is_returned():
    out = metric_crs(Point(114.2, 22.69), crs="EPSG:4547")  # CGCS2000 3-degree zone, 114°E
    assert isinstance(out, CRS)
    assert out.to_epsg() == 4547


def test_metric_crs_keeps_data_that_is_already_metric():
    # CGCS2000 / 3-degree Gauss-Kruger CM 114E: already projected in metres, kept as is
    s = gpd.GeoSeries([Point(500_000, 2_510_000)], crs=4547)
    assert metric_crs(s).to_epsg() == 4547


@pytest.mark.parametrize("bad", [4326, "EPSG:4490", "EPSG:2227"])  # degrees, degrees, US ft
def test_metric_crs_rejects_non_metric_crs_argument(bad):
    with pytest.raises(CRSError) as err:
        metric_crs(Point(114.2, 22.69), crs=bad)
    assert isinstance(err.value, ValueError)
    assert isinstance(err.value, GeozzError)
    assert err.value.issues[0].field == "crs"
    assert "projected CRS in metres" in str(err.value)


def test_metric_crs_data_without_crs():
    with pytest.raises(CRSError, match="set_crs"):
        metric_crs(gpd.GeoSeries([Point(114.2, 22.69)]))


# --------------------------------------------------------------------------------------
# grid
# --------------------------------------------------------------------------------------


def test_grid_small_box_cells_ids_and_areas(small_box):
    cells = grid(small_box, size=100)
    _assert_units_frame(cells)
    assert len(cells) == 15  # columns E10..E14 x rows N20..N22
    expected_ids = [f"G100-E{i}-N{j}" for j in (20, 21, 22) for i in (10, 11, 12, 13, 14)]
    assert sorted(cells.index) == sorted(expected_ids)
    assert (cells["unit_type"] == "grid").all()
    # full 100 x 100 cells, and the clipped eastern column 1400..1450 = 50 x 100
    assert cells.loc["G100-E10-N20", "area_m2"] == pytest.approx(10_000)
    assert cells.loc["G100-E13-N22", "area_m2"] == pytest.approx(10_000)
    for j in (20, 21, 22):
        assert cells.loc[f"G100-E14-N{j}", "area_m2"] == pytest.approx(5_000)
        assert cells.loc[f"G100-E14-N{j}"].geometry.bounds == pytest.approx(
            (1400, j * 100, 1450, (j + 1) * 100))
    assert cells.loc["G100-E11-N21"].geometry.equals(box(1100, 2100, 1200, 2200))
    # area_m2 is the area of the geometry, and the cells tile the boundary exactly
    np.testing.assert_allclose(cells["area_m2"], cells.geometry.area)
    assert cells["area_m2"].sum() == pytest.approx(450 * 300)
    assert shapely.union_all(cells.geometry.values).area == pytest.approx(450 * 300)
    # grid cells have no length and no centreline
    assert cells["length_m"].isna().all()
    assert cells["centerline"].isna().all()
    assert (cells["responsible"] == "").all()


def test_grid_cells_do_not_overlap(small_box):
    cells = grid(small_box, size=100)
    pairs = gpd.sjoin(cells[["geometry"]], cells[["geometry"]], predicate="intersects")
    pairs = pairs[pairs.index != pairs["unit_id_right"]]
    assert len(pairs) > 0  # neighbours touch ...
    overlap = [cells.geometry[a].intersection(cells.geometry[b]).area
               for a, b in zip(pairs.index, pairs["unit_id_right"])]
    assert max(overlap) == 0.0  # ... but share no area


def test_grid_names_count_from_the_south_west_corner(small_box):
    cells = grid(small_box, size=100, admin="龙岗区")
    assert cells.loc["G100-E10-N20", "name"] == "网格 001-001"
    assert cells.loc["G100-E14-N22", "name"] == "网格 005-003"
    assert (cells["admin"] == "龙岗区").all()


def test_grid_offset_box_clips_corners():
    # 1050..1450 x 2050..2300 still touches 5 x 3 cells; the SW corner cell is 50 x 50
    cells = grid(_series(box(1050, 2050, 1450, 2300)), size=100)
    assert len(cells) == 15
    assert cells.loc["G100-E10-N20", "area_m2"] == pytest.approx(2_500)
    assert cells.loc["G100-E11-N20", "area_m2"] == pytest.approx(5_000)
    assert cells.loc["G100-E14-N20", "area_m2"] == pytest.approx(2_500)
    assert cells["area_m2"].sum() == pytest.approx(400 * 250)


def test_grid_min_area_drops_slivers():
    b = _series(box(1000, 2000, 1400.5, 2300))  # eastern slivers of 0.5 m x 100 m = 50 m²
    assert len(grid(b, size=100)) == 15
    kept = grid(b, size=100, min_area=100)
    assert len(kept) == 12
    assert not kept.index.str.startswith("G100-E14-").any()


def test_grid_polygon_with_hole_and_multi_row_boundary():
    outer = box(X0, Y0, X0 + 300, Y0 + 300)
    hole = box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200)
    ring = Polygon(outer.exterior.coords, [hole.exterior.coords])
    cells = grid(_series(ring), size=100)
    assert len(cells) == 8
    assert "G100-E5001-N25001" not in cells.index  # the hole is exactly one cell
    two = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 100, Y0 + 100),
                                     box(X0 + 100, Y0, X0 + 200, Y0 + 100)], crs=UTM50)
    assert grid(two, size=100).index.tolist() == ["G100-E5000-N25000", "G100-E5001-N25000"]


def test_grid_ids_stable_when_boundary_grows():
    small = grid(_series(box(X0 + 50, Y0 + 50, X0 + 450, Y0 + 350)), size=100)
    big = grid(_series(box(X0 - 250, Y0 - 150, X0 + 950, Y0 + 650)), size=100)
    full = small[np.isclose(small["area_m2"], 10_000)]
    assert len(small) == 20 and len(full) == 6  # 5 x 4 touched, 3 x 2 fully inside
    assert full.index.isin(big.index).all()
    for uid in full.index:
        assert big.geometry[uid].equals(full.geometry[uid])
    assert set(full.index) == {f"G100-E{i}-N{j}" for i in (5001, 5002, 5003)
                               for j in (25001, 25002)}


def test_grid_preserves_metric_crs_of_input(small_box):
    cells = grid(small_box, size=100)
    assert cells.crs == small_box.crs
    # an explicit crs= gives the same cells
    assert grid(small_box, size=100, crs=UTM50).index.equals(cells.index)
    cgcs = gpd.GeoSeries([box(500_000, 2_500_000, 500_200, 2_500_100)], crs=4547)
    g = grid(cgcs, size=100)
    assert g.crs.to_epsg() == 4547
    assert g.index.tolist() == ["G100-E5000-N25000", "G100-E5001-N25000"]


def test_grid_wgs84_geometry_and_bbox_tuple_agree():
    geom = box(114.20, 22.68, 114.21, 22.69)
    a = grid(geom, size=500)
    b = grid((114.20, 22.68, 114.21, 22.69), size=500)
    assert a.crs.to_epsg() == UTM50
    assert len(a) == 9
    assert a.index.equals(b.index)
    # the projected box is about 1.03 km x 1.11 km
    assert a["area_m2"].sum() == pytest.approx(_series(geom, 4326).to_crs(UTM50).area[0])
    assert all(re.fullmatch(r"G500-E\d+-N\d+", i) for i in a.index)


def test_grid_non_integer_size_in_id():
    cells = grid(_series(box(X0, Y0, X0 + 5, Y0 + 2.5)), size=2.5)
    assert sorted(cells.index) == ["G2.5-E200000-N1000000", "G2.5-E200001-N1000000"]


@pytest.mark.parametrize("kwargs, field", [
    ({"size": 0}, "size"), ({"size": -100}, "size"), ({"size": "100"}, "size"),
    ({"size": float("nan")}, "size"), ({"shape": "hexagon"}, "shape"),
])
def test_grid_invalid_arguments(small_box, kwargs, field):
    with pytest.raises(InputError) as err:
        grid(small_box, **kwargs)
    assert isinstance(err.value, ValueError)
    assert err.value.issues[0].field == field
    assert f"field {field!r}" in str(err.value)


def test_grid_invalid_boundary():
    with pytest.raises(InputError, match="field 'boundary'"):
        grid("Longgang", size=100)
    with pytest.raises(InputError, match="field 'boundary'"):
        grid(_series(LineString([(X0, Y0), (X0 + 100, Y0 + 100)])), size=100)


# regression: numpy integer sizes were rejected (isinstance(size, (int, float)))
def test_grid_accepts_numpy_integer_size(small_box):
    cells = grid(small_box, size=np.int64(100))
    assert len(cells) == 15
    assert "G100-E10-N20" in cells.index
    assert grid(small_box, size=np.float64(100.0)).index.equals(cells.index)


# regression: size=inf used to return an empty grid silently
def test_grid_rejects_infinite_size(small_box):
    with pytest.raises(InputError, match="field 'size'"):
        grid(small_box, size=float("inf"))


# --------------------------------------------------------------------------------------
# road_corridors
# --------------------------------------------------------------------------------------


def test_roads_same_name_merge_and_unnamed_footway_skipped(roads, road_boundary):
    r = road_corridors(roads, road_boundary)
    _assert_units_frame(r)
    # unnamed, blank-named, footway and the 40 m road (min_length=50) are all gone
    assert r["name"].tolist() == ["深南大道 K0+000–K1+000"]
    assert (r["unit_type"] == "road").all()
    assert r["length_m"].iloc[0] == pytest.approx(1000.0)
    centre = r["centerline"].iloc[0]
    assert centre.geom_type == "LineString"  # the two pieces were merged into one line
    assert centre.length == pytest.approx(1000.0)
    assert r["centerline"].crs.to_epsg() == UTM50


def test_road_corridor_area_is_length_times_two_widths_with_flat_ends(roads, road_boundary):
    # width= overrides the class table (primary: 50 m) for every road
    r = road_corridors(roads, road_boundary, width=30)
    area = r["area_m2"].iloc[0]
    assert area == pytest.approx(r.geometry.iloc[0].area)
    # 1000 m x 60 m: the ends are cut square at the stakes (no round caps beyond them)
    assert area == pytest.approx(1000 * 60)
    assert r.geometry.iloc[0].bounds == pytest.approx(
        (X0 + 100, Y0 + 970, X0 + 1100, Y0 + 1030))


def test_consecutive_road_sections_meet_edge_to_edge(road_boundary):
    """A road's sections abut at their stakes: square ends, no overlapping round caps."""
    road = gpd.GeoDataFrame({"name": ["滨河大道"], "highway": ["primary"]},
                            geometry=[LineString([(X0 + 100, Y0 + 1000), (X0 + 1900, Y0 + 1000),
                                                  (X0 + 1900, Y0 + 1900)])], crs=UTM50)
    r = road_corridors(road, road_boundary, width=20)
    assert r["name"].str.split().str[1].tolist() == ["K0+000–K1+000", "K1+000–K2+000",
                                                     "K2+000–K2+700"]
    a, b, c = r.geometry.to_numpy()
    for one, other in ((a, b), (b, c)):
        assert one.intersection(other).area == pytest.approx(0, abs=1e-6)  # no overlap ...
        # ... they share the stake's 40 m cross edge
        assert one.intersection(other).length == pytest.approx(40)
    assert a.intersection(c).is_empty
    assert a.bounds[2] == pytest.approx(X0 + 1100) and b.bounds[0] == pytest.approx(X0 + 1100)
    assert b.bounds[3] == pytest.approx(Y0 + 1200) and c.bounds[1] == pytest.approx(Y0 + 1200)
    assert sum(g.area for g in (a, b, c)) == pytest.approx(shapely.union_all([a, b, c]).area)
    # the bend inside a section stays round (join_style kept): the corner is filled
    assert b.contains(Point(X0 + 1905, Y0 + 995)) and not b.contains(Point(X0 + 1918, Y0 + 982))


def test_road_ids_are_a_stable_hash_of_the_name_and_stakes(roads, road_boundary):
    a = road_corridors(roads, road_boundary)
    b = road_corridors(roads.iloc[::-1], road_boundary)  # row order does not matter
    assert a.index.tolist() == b.index.tolist()
    assert a.index[0].startswith("R-")
    # sha1("深南大道")[:8], checked by hand: never Python's per-process hash()
    assert a.index[0] == "R-3e8a57b8-K0+000-K1+000"
    assert a.index[0] == ("R-" + hashlib.sha1("深南大道".encode()).hexdigest()[:8]
                          + "-K0+000-K1+000")


def test_road_min_length_and_exclude(roads, road_boundary):
    r = road_corridors(roads, road_boundary, min_length=10)
    assert sorted(r["name"]) == ["深南大道 K0+000–K1+000", "短路 K0+000–K0+040"]
    assert r.loc[r["name"] == "短路 K0+000–K0+040", "length_m"].iloc[0] == pytest.approx(40.0)
    r = road_corridors(roads, road_boundary, exclude=())
    assert sorted(r["name"]) == ["深南大道 K0+000–K1+000", "绿道 K0+000–K0+800"]
    r = road_corridors(roads, road_boundary, min_length=1001)
    assert len(r) == 0
    assert r.index.name == "unit_id" and list(r.columns) == COLUMNS


def test_roads_clipped_to_boundary(roads):
    b = _series(box(X0, Y0, X0 + 700, Y0 + 2000))
    r = road_corridors(roads, b)
    assert r["length_m"].iloc[0] == pytest.approx(600.0)  # 100..700
    assert r.index.tolist() == ["R-3e8a57b8-K0+000-K0+600"]
    geom = r.geometry.iloc[0]
    assert geom.within(b[0].buffer(1e-6))
    # a primary road: 50 m each side, 600 x 100: the west end cut square at its stake,
    # the east end by the boundary
    assert r["area_m2"].iloc[0] == pytest.approx(600 * 100)


def test_roads_in_wgs84_are_projected_to_the_boundary_crs(roads, road_boundary):
    r = road_corridors(roads.to_crs(4326), road_boundary.to_crs(4326))
    assert r.crs.to_epsg() == UTM50
    assert r["length_m"].iloc[0] == pytest.approx(1000.0, abs=0.01)


def test_roads_custom_name_field_and_missing_column(roads, road_boundary):
    renamed = roads.rename(columns={"name": "路名"})
    with pytest.raises(SchemaError) as err:
        road_corridors(renamed, road_boundary)
    msg = str(err.value)
    assert "field 'name'" in msg
    assert "路名" in msg and "highway" in msg  # the columns the frame does have
    assert isinstance(err.value, ValueError)
    r = road_corridors(renamed, road_boundary, name_field="路名")
    assert r.index.tolist() == ["R-3e8a57b8-K0+000-K1+000"]


# --------------------------------------------------------------------------------------
# river_reaches
# --------------------------------------------------------------------------------------


def test_river_reaches_straight_line(rivers, river_boundary):
    r = river_reaches(rivers, river_boundary)
    _assert_units_frame(r)
    named = r[r["name"].str.startswith("龙岗河")]
    # 3,400 m -> 3 reaches of 1,133.3 m
    assert named.index.tolist() == ["W-71042fa7-001", "W-71042fa7-002", "W-71042fa7-003"]
    assert named["name"].tolist() == ["龙岗河 第1段 (0.0–1.1 km)", "龙岗河 第2段 (1.1–2.3 km)",
                                      "龙岗河 第3段 (2.3–3.4 km)"]
    np.testing.assert_allclose(named["length_m"], 3400 / 3)
    # flat caps: each reach is a 1133.3 m x 100 m rectangle
    np.testing.assert_allclose(named["area_m2"], 3400 / 3 * 100)
    np.testing.assert_allclose(named.geometry.area, 3400 / 3 * 100)
    # consecutive reaches along the line
    c = named["centerline"]
    assert c.iloc[0].coords[0] == pytest.approx((X0 + 100, Y0 + 1000))
    assert c.iloc[0].coords[-1] == pytest.approx(c.iloc[1].coords[0])
    assert c.iloc[2].coords[-1] == pytest.approx((X0 + 3500, Y0 + 1000))
    assert (r["unit_type"] == "river").all()


def test_river_unnamed_kept_and_ids_stable(rivers, river_boundary):
    r = river_reaches(rivers, river_boundary)
    unnamed = r[r["name"].str.startswith("未命名河道")]
    assert unnamed["name"].tolist() == ["未命名河道 unnamed river 第1段 (0.0–0.6 km)"]
    assert unnamed["length_m"].iloc[0] == pytest.approx(600.0)
    again = river_reaches(rivers.iloc[::-1], river_boundary)
    assert again.index.tolist() == r.index.tolist()
    assert all(again.geometry[i].equals(r.geometry[i]) for i in r.index)
    assert all(re.fullmatch(r"W-[0-9a-f]{8}-\d{3}", i) for i in r.index)


def test_river_reaches_clipped_to_boundary(rivers):
    b = _series(box(X0, Y0, X0 + 2000, Y0 + 2000))
    r = river_reaches(rivers, b)
    named = r[r["name"].str.startswith("龙岗河")]
    # 100..2000 inside: 1,900 m -> 2 reaches of 950 m
    assert named.index.tolist() == ["W-71042fa7-001", "W-71042fa7-002"]
    np.testing.assert_allclose(named["length_m"], 950.0)
    np.testing.assert_allclose(named["area_m2"], 95_000.0)
    assert r.geometry.within(b[0].buffer(1e-6)).all()


def test_river_reach_count_nearest_on_ratio_scale():
    # documented in geozz.units._cut: 1.47 km -> two reaches of 735 m, not one of 1.47 km
    line = gpd.GeoDataFrame({"name": ["河"]}, crs=UTM50,
                            geometry=[LineString([(X0, Y0 + 500), (X0 + 1470, Y0 + 500)])])
    r = river_reaches(line, _series(box(X0 - 10, Y0, X0 + 2000, Y0 + 1000)))
    np.testing.assert_allclose(r["length_m"], [735.0, 735.0])


def test_river_min_length_and_width(rivers, river_boundary):
    r = river_reaches(rivers, river_boundary, min_length=700)
    assert not r["name"].str.startswith("未命名河道").any()  # the 600 m stream is dropped
    assert len(r) == 3
    w = river_reaches(rivers, river_boundary, width=20, reach_length=1700)
    named = w[w["name"].str.startswith("龙岗河")]
    np.testing.assert_allclose(named["length_m"], 1700.0)
    np.testing.assert_allclose(named["area_m2"], 1700.0 * 40)


def test_river_missing_name_column(rivers, river_boundary):
    with pytest.raises(SchemaError, match="waterway"):
        river_reaches(rivers.rename(columns={"name": "河名"}), river_boundary)


# --------------------------------------------------------------------------------------
# build_units on the bundled districts
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["longgang", "haidian"])
def test_build_units_district(district_units, name):
    units = district_units[name]
    _assert_units_frame(units, UTM50)
    counts = units.groupby("unit_type").size()
    assert set(counts.index) == {"grid", "road", "river"}
    assert (counts > 0).all()
    # rows ordered grid, road, river
    order = units["unit_type"].map({"grid": 0, "road": 1, "river": 2})
    assert order.is_monotonic_increasing
    assert units["centerline"].crs.to_epsg() == UTM50
    lines = units[units["unit_type"] != "grid"]
    assert lines["centerline"].notna().all()
    np.testing.assert_allclose(lines["length_m"], lines["centerline"].length)
    assert units[units["unit_type"] == "grid"]["centerline"].isna().all()
    assert units.index[units["unit_type"] == "road"].str.startswith("R-").all()
    assert units.index[units["unit_type"] == "river"].str.startswith("W-").all()
    assert units.index[units["unit_type"] == "grid"].str.startswith("G200-").all()
    assert (units["admin"] == {"longgang": "龙岗区", "haidian": "海淀区"}[name]).all()


@pytest.mark.parametrize("name", ["longgang", "haidian"])
def test_build_units_within_boundary(district_units, longgang, haidian, name):
    area = {"longgang": longgang, "haidian": haidian}[name]
    units = district_units[name]
    b = area.boundary.to_crs(units.crs).union_all()
    tol = b.buffer(1e-6)
    assert units.geometry.within(tol).all()
    cells = units[units["unit_type"] == "grid"]
    # the cells tile the boundary (up to dropped slivers under 1 m² each)
    assert cells["area_m2"].sum() == pytest.approx(b.area, abs=5.0)


@pytest.mark.parametrize("name", ["longgang", "haidian"])
def test_build_units_is_deterministic(district_units, longgang, haidian, name):
    area = {"longgang": longgang, "haidian": haidian}[name]
    first = district_units[name]
    second = gz.build_units(area)
    assert first.index.tolist() == second.index.tolist()
    assert first.geometry.geom_equals_exact(second.geometry, 0).all()
    pd.testing.assert_frame_equal(first.drop(columns=["geometry", "centerline"]),
                                  second.drop(columns=["geometry", "centerline"]))


def test_build_units_ids_stable_across_processes(district_units):
    """Ids must not come from Python's hash(): a fresh process with another hash seed."""
    code = ("import geozz as gz; u = gz.build_units(gz.datasets.longgang(), "
            "unit_types=['road', 'river']); print('\\n'.join(u.index))")
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    here = district_units["longgang"]
    assert out == here.index[here["unit_type"] != "grid"].tolist()


def test_build_units_layers_and_errors(longgang):
    only = gz.build_units(longgang, grid_size=500, unit_types=["grid"])
    assert set(only["unit_type"]) == {"grid"}
    assert only.index.str.startswith("G500-").all()
    with pytest.raises(InputError, match="lake"):
        gz.build_units(longgang, unit_types=["grid", "lake"])
    with pytest.raises(InputError, match="field 'area'"):
        gz.build_units(longgang.boundary)


def test_build_units_area_without_rivers(longgang):
    area = Area(name="t", boundary=longgang.boundary, roads=longgang.roads,
                rivers=longgang.rivers.iloc[0:0])
    units = gz.build_units(area, grid_size=500)
    assert set(units["unit_type"]) == {"grid", "road"}
    assert units.index.name == "unit_id" and units.crs.to_epsg() == UTM50


# --------------------------------------------------------------------------------------
# read_units
# --------------------------------------------------------------------------------------


def _office_grids() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"网格编码": ["A01", "A02", "A01", "A04"], "网格名称": ["一", "二", "三", "四"],
         "责任人": ["王伟", "", "李娜", "张敏"], "unit_type": ["grid"] * 4},
        geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100),
                  box(X0 + 200, Y0, X0 + 300, Y0 + 100),
                  box(X0 + 300, Y0, X0 + 400, Y0 + 150)],
        crs=UTM50)


def test_read_units_chinese_id_column(tmp_path):
    f = tmp_path / "网格.gpkg"
    _office_grids().iloc[[0, 1, 3]].to_file(f)
    units = read_units(f, columns={"网格编码": "unit_id", "网格名称": "name",
                                   "责任人": "responsible"})
    _assert_units_frame(units)
    assert units.index.tolist() == ["A01", "A02", "A04"]
    assert units["name"].tolist() == ["一", "二", "四"]
    assert units["responsible"].tolist() == ["王伟", "", "张敏"]
    assert units["area_m2"].tolist() == pytest.approx([10_000, 10_000, 15_000])
    assert units["length_m"].isna().all()


def test_read_units_round_trip_of_built_units(tmp_path, longgang):
    units = gz.build_units(longgang, grid_size=500, unit_types=["grid"])
    f = tmp_path / "grids.gpkg"
    units.drop(columns="centerline").reset_index().rename(
        columns={"unit_id": "网格编码"}).to_file(f)
    back = read_units(f, columns={"网格编码": "unit_id"})
    assert back.index.equals(units.index)
    assert back.crs.to_epsg() == UTM50
    np.testing.assert_allclose(back["area_m2"], units["area_m2"], rtol=1e-9)


def test_read_units_wgs84_file_projected_to_utm(tmp_path):
    f = tmp_path / "units.geojson"
    _office_grids().iloc[[0, 1]].to_crs(4326).to_file(f)
    units = read_units(f, columns={"网格编码": "unit_id"})
    assert units.crs.to_epsg() == UTM50
    assert units["area_m2"].tolist() == pytest.approx([10_000, 10_000], rel=1e-6)


def test_read_units_reports_duplicates_and_missing_unit_type_together(tmp_path):
    f = tmp_path / "bad_grids.gpkg"
    _office_grids().drop(columns="unit_type").to_file(f)
    with pytest.raises(SchemaError) as err:
        read_units(f, columns={"网格编码": "unit_id"})
    msg = str(err.value)
    assert isinstance(err.value, ValueError)
    fields = {(i.field, i.row) for i in err.value.issues}
    assert ("unit_id", 3) in fields          # row 3 repeats A01
    assert ("unit_type", None) in fields     # no unit_type column and no unit_type=
    assert "bad_grids.gpkg, row 3, field 'unit_id'" in msg
    assert "'A01'" in msg
    assert "unique id" in msg and "unit_type" in msg


# regression: a missing unit_type column was also reported once per row
def test_read_units_missing_unit_type_reported_once(tmp_path):
    f = tmp_path / "no_type.gpkg"
    _office_grids().iloc[[0, 1, 3]].drop(columns="unit_type").to_file(f)
    with pytest.raises(SchemaError) as err:
        read_units(f, columns={"网格编码": "unit_id"})
    assert len([i for i in err.value.issues if i.field == "unit_type"]) == 1


def test_read_units_unit_type_argument_and_bad_rows(tmp_path):
    g = _office_grids().iloc[[0, 1, 3]].drop(columns="unit_type")
    f = tmp_path / "ok.gpkg"
    g.to_file(f)
    units = read_units(f, columns={"网格编码": "unit_id"}, unit_type="grid")
    assert (units["unit_type"] == "grid").all()
    bad = _office_grids().iloc[[0, 1, 3]].copy()
    bad["unit_type"] = ["grid", "lake", "road"]
    bad.loc[bad.index[2], "geometry"] = LineString([(X0, Y0), (X0 + 5, Y0)])
    f2 = tmp_path / "bad.gpkg"
    bad.to_file(f2)
    with pytest.raises(SchemaError) as err:
        read_units(f2, columns={"网格编码": "unit_id"})
    got = {(i.field, i.row) for i in err.value.issues}
    assert got == {("unit_type", 2), ("geometry", 3)}


def test_read_units_missing_file(tmp_path):
    with pytest.raises(SchemaError, match="existing file"):
        read_units(tmp_path / "nope.gpkg")


# --------------------------------------------------------------------------------------
# coverage
# --------------------------------------------------------------------------------------


def test_coverage_longgang_grid_share_is_one(district_units, longgang):
    cov = coverage(district_units["longgang"], longgang.boundary)
    assert cov.index.name == "unit_type"
    assert sorted(cov.index) == ["grid", "river", "road"]
    assert list(cov.columns) == ["units", "area_m2", "covered_m2", "share"]
    # the default grid drops clipped slivers under 1 m² (min_area=1.0): Longgang has one
    # of 0.49 m², so the share is 1 - 3.6e-8, not 1 within 1e-9
    assert abs(cov.loc["grid", "share"] - 1.0) < 1e-7
    assert cov.loc["grid", "share"] < 1.0
    assert 0 < cov.loc["road", "share"] < 1
    assert 0 < cov.loc["river", "share"] < cov.loc["road", "share"]
    assert cov.loc["grid", "units"] == (district_units["longgang"]["unit_type"] == "grid").sum()


def test_coverage_longgang_grid_without_sliver_drop_is_exact(longgang):
    cells = grid(longgang.boundary, size=200, min_area=0)
    cov = coverage(cells, longgang.boundary)
    assert abs(cov.loc["grid", "share"] - 1.0) < 1e-9
    assert cells["area_m2"].min() < 1.0  # the sliver the default drops is kept here
    assert len(cells) == len(grid(longgang.boundary, size=200)) + 1


def test_coverage_hand_made(roads, road_boundary):
    cells = grid(road_boundary, size=500)
    corridors = road_corridors(roads, road_boundary)
    units = pd.concat([cells, corridors])
    cov = coverage(units, road_boundary)
    assert cov.loc["grid", "units"] == 16
    assert cov.loc["grid", "share"] == pytest.approx(1.0)
    assert cov.loc["road", "covered_m2"] == pytest.approx(corridors["area_m2"].sum())
    assert cov.loc["road", "share"] == pytest.approx(corridors["area_m2"].sum() / 4e6)
