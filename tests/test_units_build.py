"""Tests for building units: H3 hexagons, staked road sections, river reaches and banks.

Hand-made geometries live in EPSG:32650 (UTM 50N) near (500000, 2500000), so every
expected number can be checked with pencil and paper; the bundled districts give the
real-data checks.
"""

from __future__ import annotations

import hashlib
import re

import geopandas as gpd
import h3
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

import geozz as gz
from geozz.area import Area
from geozz.errors import InputError
from geozz.units import grid, river_reaches, road_corridors
from geozz.units.road import road_widths

UTM50 = 32650
X0, Y0 = 500_000, 2_500_000


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def _lines(rows, crs=UTM50) -> gpd.GeoDataFrame:
    """rows: (name, highway, [(x, y), ...]) with coordinates relative to (X0, Y0)."""
    return gpd.GeoDataFrame(
        {"name": [r[0] for r in rows], "highway": [r[1] for r in rows]},
        geometry=[LineString([(X0 + x, Y0 + y) for x, y in r[2]]) for r in rows], crs=crs)


def _boundary(x0=-2000, y0=-2000, x1=5000, y1=3000) -> gpd.GeoSeries:
    return gpd.GeoSeries([box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)], crs=UTM50)




# --------------------------------------------------------------------------------------
# hexagonal grids (H3)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["longgang", "haidian"])
def test_hex_cells_tile_the_boundary_without_gap_or_overlap(name, longgang, haidian):
    area = {"longgang": longgang, "haidian": haidian}[name]
    cells = grid(area.boundary, size=200, shape="hex", min_area=0)
    b = area.boundary.to_crs(cells.crs).union_all()
    union = shapely.union_all(cells.geometry.values)
    assert abs(union.area / b.area - 1) < 1e-6  # no gap
    assert abs(cells.geometry.area.sum() / union.area - 1) < 1e-6  # no overlap
    assert b.symmetric_difference(union).area < 1e-6 * b.area
    assert cells.attrs["h3_resolution"] == 9
    assert all(h3.is_valid_cell(c) and h3.get_resolution(c) == 9 for c in cells.index)
    assert (cells["unit_type"] == "grid").all() and cells.index.is_unique
    np.testing.assert_allclose(cells["area_m2"], cells.geometry.area)


def test_hex_cell_ids_are_the_h3_cells_holding_them(longgang):
    cells = grid(longgang.boundary, shape="hex", h3_resolution=8)
    to_utm = Transformer.from_crs(4326, cells.crs, always_xy=True)
    assert cells.attrs["h3_resolution"] == 8
    for uid, geom in cells.geometry.items():
        lat, lng = h3.cell_to_latlng(uid)
        full = np.isclose(geom.area, shapely.Polygon(
            [to_utm.transform(*h3.vertex_to_latlng(v)[::-1])
             for v in h3.cell_to_vertexes(uid)]).area)
        if full:  # an unclipped cell holds the centre H3 gives for its index
            assert geom.contains(Point(to_utm.transform(lng, lat)))
    # a point inside a cell gets that cell's id from H3 itself
    uid = cells.index[len(cells) // 2]
    x, y = cells.geometry[uid].representative_point().coords[0]
    lng, lat = Transformer.from_crs(cells.crs, 4326, always_xy=True).transform(x, y)
    assert h3.latlng_to_cell(lat, lng, 8) == uid


def test_hex_resolution_from_size_and_names(longgang):
    coarse = grid(longgang.boundary, size=1000, shape="hex")
    assert coarse.attrs["h3_resolution"] == 8  # 0.74 km² is nearest 1 km²
    fine = grid(longgang.boundary, size=100, shape="hex")
    assert fine.attrs["h3_resolution"] == 10   # 0.015 km² is nearest 0.01 km²
    assert len(fine) > 6 * len(grid(longgang.boundary, size=200, shape="hex"))
    assert coarse["name"].tolist() == [f"网格 H{k:04d}" for k in range(1, len(coarse) + 1)]


@pytest.mark.parametrize("kwargs, field", [
    ({"shape": "hex", "h3_resolution": 16}, "h3_resolution"),
    ({"shape": "hex", "h3_resolution": "9"}, "h3_resolution"),
    ({"shape": "hex", "h3_resolution": True}, "h3_resolution"),
    ({"h3_resolution": 9}, "h3_resolution"),      # square cells have no H3 resolution
    ({"shape": "triangle"}, "shape"),
])
def test_hex_bad_options(kwargs, field):
    with pytest.raises(InputError) as err:
        grid(box(114.20, 22.68, 114.21, 22.69), **kwargs)
    assert [i.field for i in err.value.issues] == [field]


def test_build_units_hex_grid(longgang):
    units = gz.build_units(longgang, grid_shape="hex", h3_resolution=8)
    cells = units[units["unit_type"] == "grid"]
    assert units.attrs["h3_resolution"] == 8
    assert all(h3.get_resolution(c) == 8 for c in cells.index)
    assert (units["unit_type"] == "road").sum() > 0
    with pytest.raises(InputError) as err:
        gz.build_units(longgang, grid_shape="hexagon", unnamed="keep")
    assert sorted(i.field for i in err.value.issues) == ["grid_shape", "unnamed"]


# --------------------------------------------------------------------------------------
# road sections and stakes
# --------------------------------------------------------------------------------------


def test_road_without_junctions_is_cut_at_round_stakes():
    r = road_corridors(_lines([("深南大道", "primary", [(0, 0), (3400, 0)])]), _boundary())
    assert r["name"].tolist() == ["深南大道 K0+000–K1+000", "深南大道 K1+000–K2+000",
                                  "深南大道 K2+000–K3+400"]
    h = _sha("深南大道")
    assert r.index.tolist() == [f"R-{h}-K0+000-K1+000", f"R-{h}-K1+000-K2+000",
                                f"R-{h}-K2+000-K3+400"]
    np.testing.assert_allclose(r["length_m"], [1000, 1000, 1400])
    assert r["centerline"].iloc[1].coords[0] == pytest.approx((X0 + 1000, Y0))
    r = road_corridors(_lines([("深南大道", "primary", [(0, 0), (3400, 0)])]), _boundary(),
                       section_length=500)
    # the last 400 m are less than one and a half sections: they stay one section
    assert len(r) == 7 and r["name"].iloc[-1] == "深南大道 K3+000–K3+400"


def test_road_sections_end_at_major_intersections_only():
    rows = [
        ("东西路", "secondary", [(0, 0), (1200, 0), (2000, 0), (3000, 0)]),
        ("南北路", "tertiary", [(1200, 1000), (1200, 0), (1200, -1000)]),  # drawn north->south
        ("小巷", "residential", [(2000, 0), (2000, 500)]),               # not major
        ("高架", "primary", [(2600, -500), (2600, 500)]),                # a bridge: no shared node
    ]
    r = road_corridors(_lines(rows), _boundary())
    ew = r[r["name"].str.startswith("东西路")]
    assert ew["name"].tolist() == ["东西路 K0+000–K1+200", "东西路 K1+200–K2+200",
                                   "东西路 K2+200–K3+000"]
    ns = r[r["name"].str.startswith("南北路")]
    # cut where 东西路 (secondary) meets it; staked from the south end
    assert ns["name"].tolist() == ["南北路 K0+000–K1+000", "南北路 K1+000–K2+000"]
    assert ns["centerline"].iloc[0].coords[0] == pytest.approx((X0 + 1200, Y0 - 1000))
    assert ns["centerline"].iloc[0].coords[-1] == pytest.approx((X0 + 1200, Y0))


def test_road_stakes_run_from_the_west_end_whatever_the_drawing():
    east_to_west = _lines([("深南大道", "primary", [(1500, 0), (0, 0)])])
    r = road_corridors(east_to_west, _boundary())
    assert r["name"].tolist() == ["深南大道 K0+000–K1+500"]
    assert r["centerline"].iloc[0].coords[0] == pytest.approx((X0, Y0))


def test_dual_carriageway_is_one_road_not_two():
    rows = [("滨河大道", "primary", [(0, 0), (1000, 0)]),
            ("滨河大道", "primary", [(1000, 20), (0, 20)])]  # the other carriageway, 20 m off
    r = road_corridors(_lines(rows), _boundary())
    assert r["name"].tolist() == ["滨河大道 K0+000–K1+000"]
    assert r["length_m"].iloc[0] == pytest.approx(1000)
    # both carriageways are in the corridor: 50 m each side of the pair (the ends square)
    assert r.geometry.iloc[0].bounds == pytest.approx((X0, Y0 - 50, X0 + 1000, Y0 + 70),
                                                      abs=0.5)
    far = [("滨河大道", "primary", [(0, 0), (1000, 0)]),
           ("滨河大道", "primary", [(1000, 200), (0, 200)])]  # 200 m off: a second stretch
    r = road_corridors(_lines(far), _boundary())
    # stakes run on over both stretches, each staked from its west end
    assert r["name"].tolist() == ["滨河大道 K0+000–K1+000", "滨河大道 K1+000–K2+000"]
    assert r["centerline"].iloc[1].coords[0] == pytest.approx((X0, Y0 + 200))


@pytest.mark.parametrize("highway, width", [
    ("motorway", 100), ("trunk", 100), ("primary", 50), ("secondary", 30), ("tertiary", 30),
    ("residential", 15), ("service", 15), ("unclassified", 15), ("primary_link", 50),
])
def test_corridor_width_per_class(highway, width):
    r = road_corridors(_lines([("某路", highway, [(0, 0), (600, 0)])]), _boundary())
    # the width each side; the ends cut square at the stakes (flat caps, no round ends)
    assert r.geometry.iloc[0].bounds == pytest.approx(
        (X0, Y0 - width, X0 + 600, Y0 + width), abs=1e-6)


def test_section_class_is_the_one_holding_most_of_it():
    rows = [("某路", "primary", [(0, 0), (600, 0)]), ("某路", "secondary", [(600, 0), (1000, 0)])]
    r = road_corridors(_lines(rows), _boundary())
    assert len(r) == 1
    assert r.geometry.iloc[0].bounds[1] == pytest.approx(Y0 - 50)  # primary: 600 of 1000 m


def test_road_widths_replaced_by_dict_and_file(tmp_path):
    lines = _lines([("某路", "primary", [(0, 0), (600, 0)])])
    r = road_corridors(lines, _boundary(), road_widths={"primary": 40})
    assert r.geometry.iloc[0].bounds[1] == pytest.approx(Y0 - 40)
    assert r.attrs["widths"]["primary"] == 40 and r.attrs["widths"]["motorway"] == 100
    f = tmp_path / "widths.toml"
    f.write_text("[widths]\nprimary = 25\n", encoding="utf-8")
    r = road_corridors(lines, _boundary(), road_widths=f)
    assert r.geometry.iloc[0].bounds[1] == pytest.approx(Y0 - 25)
    assert road_widths() == {"motorway": 100, "trunk": 100, "primary": 50, "secondary": 30,
                             "tertiary": 30, "residential": 15, "service": 15, "default": 15}


def test_road_widths_errors_name_every_bad_entry(tmp_path):
    with pytest.raises(InputError) as err:
        road_widths({"primary": -5, "trunk": "wide", "secondary": 30})
    assert sorted(i.field for i in err.value.issues) == ["road_widths['primary']",
                                                         "road_widths['trunk']"]
    f = tmp_path / "w.toml"
    f.write_text("primary = 50\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"\[widths\] table"):
        road_widths(f)
    f.write_text("[widths\nprimary = 50\n", encoding="utf-8")
    with pytest.raises(InputError, match="valid TOML"):
        road_widths(f)
    with pytest.raises(InputError, match="existing TOML file"):
        road_widths(tmp_path / "missing.toml")


# --------------------------------------------------------------------------------------
# unnamed roads
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_unnamed() -> gpd.GeoDataFrame:
    return _lines([
        ("主路", "residential", [(0, 0), (1000, 0)]),
        (None, "service", [(200, 20), (600, 20)]),        # a side lane 20 m off: merged
        (None, "service", [(700, 0), (700, 300)]),        # leaves the road: not merged
        ("", "service", [(0, 800), (300, 800)]),          # a blank name is no name
        (None, "service", [(300, 800), (300, 1000)]),     # touches the one before
    ])


def test_unnamed_merge(with_unnamed):
    r = road_corridors(with_unnamed, _boundary())
    assert r["name"].tolist() == ["主路 K0+000–K1+000"]
    assert r.attrs["unnamed"] == {"policy": "merge", "lines": 4, "merged": 1, "own": 0,
                                  "dropped": 3, "dropped_m": pytest.approx(800)}
    corridor = r.geometry.iloc[0]
    assert corridor.contains(Point(X0 + 400, Y0 + 30))   # beside the lane, 30 m off the road
    assert not corridor.contains(Point(X0 + 500, Y0 + 100))
    assert r["length_m"].iloc[0] == pytest.approx(1000)  # the lane widens, never lengthens
    closer = road_corridors(with_unnamed, _boundary(), merge_within=10)
    assert closer.attrs["unnamed"]["merged"] == 0
    assert not closer.geometry.iloc[0].contains(Point(X0 + 400, Y0 + 30))


def test_unnamed_own(with_unnamed):
    r = road_corridors(with_unnamed, _boundary(), unnamed="own")
    assert r.attrs["unnamed"]["own"] == 4 and r.attrs["unnamed"]["dropped"] == 0
    own = r[r["name"].str.startswith("未命名道路")]
    # three groups: the lane, the spur, and the two lines that touch
    assert sorted(own["name"]) == ["未命名道路 unnamed road K0+000–K0+300",
                                   "未命名道路 unnamed road K0+000–K0+400",
                                   "未命名道路 unnamed road K0+000–K0+500"]
    assert f"R-{_sha('未命名道路@500000,2500800')}-K0+000-K0+500" in own.index
    again = road_corridors(with_unnamed.iloc[::-1], _boundary(), unnamed="own")
    assert again.index.tolist() == r.index.tolist()


def test_unnamed_drop_warns_and_counts(with_unnamed):
    with pytest.warns(UserWarning, match=r"4 unnamed road lines \(1\.2 km\) dropped"):
        r = road_corridors(with_unnamed, _boundary(), unnamed="drop")
    assert r.attrs["unnamed"]["dropped"] == 4 and r.attrs["unnamed"]["merged"] == 0
    assert not r.geometry.iloc[0].contains(Point(X0 + 400, Y0 + 30))
    with pytest.raises(InputError, match="field 'unnamed'"):
        road_corridors(with_unnamed, _boundary(), unnamed="keep")


# --------------------------------------------------------------------------------------
# roads on real data, as OSM ways and as sections between intersections
# --------------------------------------------------------------------------------------


def _as_sections(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Split every line at each vertex it shares with another line, like osmnx does."""
    xy = [shapely.get_coordinates(g) for g in roads.geometry]
    seen: dict[tuple, int] = {}
    for pts in xy:
        for p in map(tuple, pts):
            seen[p] = seen.get(p, 0) + 1
    rows = []
    for (_, row), pts in zip(roads.iterrows(), xy):
        start = 0
        for k in range(1, len(pts)):
            if k == len(pts) - 1 or seen[tuple(pts[k])] > 1:
                rows.append({**row.drop("geometry").to_dict(), "u": start, "v": k,
                             "geometry": LineString(pts[start:k + 1])})
                start = k
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=roads.crs)


@pytest.mark.parametrize("name", ["longgang", "haidian"])
def test_real_roads_staked_sections(name, longgang, haidian):
    area = {"longgang": longgang, "haidian": haidian}[name]
    r = road_corridors(area.roads, area.boundary)
    assert r.index.is_unique
    pattern = re.compile(r"^R-[0-9a-f]{8}-K\d+\+\d{3}-K\d+\+\d{3}$")
    assert all(pattern.match(i) for i in r.index)
    np.testing.assert_allclose(r["length_m"], r["centerline"].length)
    for road, group in r.groupby(r["name"].str.rsplit(" ", n=1).str[0]):
        stakes = group["name"].str.rsplit(" ", n=1).str[1].str.split("–")
        starts, ends = stakes.str[0].tolist(), stakes.str[1].tolist()
        assert starts[0] == "K0+000"
        assert starts[1:] == ends[:-1]  # sections follow each other along the road
        # the last stake is the road's length
        km, m = re.fullmatch(r"K(\d+)\+(\d{3})", ends[-1]).groups()
        assert int(km) * 1000 + int(m) == round(group["length_m"].sum())
        assert (group["length_m"].iloc[:-1] <= 1500 + 1e-6).all()


def test_real_roads_as_sections_between_intersections_give_the_same_units(longgang):
    named = longgang.roads[longgang.roads["name"].notna()].to_crs(UTM50)
    ways = road_corridors(named, longgang.boundary)
    sections = _as_sections(named)
    assert len(sections) > len(named)
    assert {"u", "v"} <= set(sections.columns)
    cut = road_corridors(sections, longgang.boundary)
    assert cut.index.tolist() == ways.index.tolist()
    np.testing.assert_allclose(cut["length_m"], ways["length_m"], rtol=1e-9)


def test_real_roads_widths_follow_the_class(longgang):
    r = road_corridors(longgang.roads, longgang.boundary)
    motorway = r.loc[[i for i in r.index if i.startswith(f"R-{_sha('沈海高速')}-")]]
    assert len(motorway) == 4
    # a motorway corridor is 100 m each side: wider than 2 x 100 m x its length, less the
    # parts the boundary cuts off, and far wider than a 15 m one would be
    assert (motorway["area_m2"] > 2 * 50 * motorway["length_m"]).all()


# --------------------------------------------------------------------------------------
# river reaches: flow order, names, banks
# --------------------------------------------------------------------------------------


def test_longgang_river_reaches_in_flow_order(longgang):
    r = river_reaches(longgang.rivers, longgang.boundary)
    assert r["name"].tolist() == ["龙岗河 第1段 (0.0–0.7 km)", "龙岗河 第2段 (0.7–1.5 km)"]
    way = longgang.rivers[longgang.rivers["name"] == "龙岗河"].to_crs(UTM50).geometry.iloc[0]
    # OSM waterways are drawn downstream: reach 1 starts where the way starts
    assert r["centerline"].iloc[0].coords[0] == pytest.approx(way.coords[0])
    assert r["centerline"].iloc[-1].coords[-1] == pytest.approx(way.coords[-1])
    assert r["centerline"].iloc[0].coords[-1] == pytest.approx(r["centerline"].iloc[1].coords[0])
    flipped = longgang.rivers.copy()
    flipped["geometry"] = flipped.geometry.reverse()
    back = river_reaches(flipped, longgang.boundary)
    assert back["centerline"].iloc[0].coords[0] == pytest.approx(way.coords[-1])


def test_river_ways_joined_head_to_tail_in_flow_order():
    # a river flowing west, drawn as two ways listed downstream way first
    rivers = gpd.GeoDataFrame({"name": ["西河", "西河"]}, crs=UTM50, geometry=[
        LineString([(X0 + 1500, Y0), (X0, Y0)]),
        LineString([(X0 + 3000, Y0), (X0 + 1500, Y0)])])
    r = river_reaches(rivers, _boundary())
    assert r["name"].tolist() == ["西河 第1段 (0.0–1.0 km)", "西河 第2段 (1.0–2.0 km)",
                                  "西河 第3段 (2.0–3.0 km)"]
    assert r["centerline"].iloc[0].coords[0] == pytest.approx((X0 + 3000, Y0))
    assert r.index.tolist() == [f"W-{_sha('西河')}-{k:03d}" for k in (1, 2, 3)]


def test_river_ways_meeting_head_on_stay_two_stretches():
    # two streams of one name flowing towards each other into a confluence at x=1500:
    # joined against their direction they would make one 3 km river flowing "through" it
    rivers = gpd.GeoDataFrame({"name": ["双溪", "双溪"]}, crs=UTM50, geometry=[
        LineString([(X0, Y0), (X0 + 1500, Y0)]),
        LineString([(X0 + 3000, Y0), (X0 + 1500, Y0)])])
    r = river_reaches(rivers, _boundary())
    assert len(r) == 4  # 1.5 km each: two reaches of 750 m each
    np.testing.assert_allclose(r["length_m"], 750)
    starts = np.array([c.coords[0] for c in r["centerline"]])
    np.testing.assert_allclose(starts, [(X0, Y0), (X0 + 750, Y0), (X0 + 3000, Y0),
                                        (X0 + 2250, Y0)])
    assert r["name"].iloc[2] == "双溪 第3段 (1.5–2.2 km)"


@pytest.fixture(scope="module")
def wide_river():
    rivers = gpd.GeoDataFrame({"name": ["大河"]}, crs=UTM50,
                              geometry=[LineString([(X0, Y0 + 1000), (X0 + 2000, Y0 + 1000)])])
    water = gpd.GeoDataFrame(crs=UTM50, geometry=[
        box(X0 - 500, Y0 + 960, X0 + 1000, Y0 + 1040),   # 80 m of water along reach 1
        box(X0 + 200, Y0 + 1100, X0 + 300, Y0 + 1150)])  # a pond beside it
    return rivers, water


def test_river_banks_from_water_polygons(wide_river):
    rivers, water = wide_river
    b = _boundary(0, 0, 3000, 2000)
    r = river_reaches(rivers, b, water=water, bank_width=20)
    # reach 1: the water it runs through (cut square at its ends) plus 20 m banks
    assert r.geometry.iloc[0].bounds == pytest.approx((X0, Y0 + 940, X0 + 1000, Y0 + 1060))
    assert r["area_m2"].iloc[0] == pytest.approx(1000 * 120)
    assert not r.geometry.iloc[0].intersects(Point(X0 + 250, Y0 + 1125))  # not the pond
    # reach 2 runs outside any water polygon: 50 m each side
    assert r["area_m2"].iloc[1] == pytest.approx(1000 * 100)
    plain = river_reaches(rivers, b)
    assert plain["area_m2"].tolist() == pytest.approx([1000 * 100, 1000 * 100])


def test_build_units_reads_the_areas_water(wide_river):
    rivers, water = wide_river
    b = _boundary(0, 0, 3000, 2000)
    area = Area(name="t", boundary=gpd.GeoDataFrame(geometry=b),
                roads=gpd.GeoDataFrame({"name": []}, geometry=[], crs=UTM50), rivers=rivers)
    area.water = water
    units = gz.build_units(area, unit_types=["river"], bank_width=10)
    assert units["area_m2"].iloc[0] == pytest.approx(1000 * 100)  # 80 m + 2 x 10 m banks
    with pytest.raises(InputError, match="field 'water'"):
        river_reaches(rivers, b, water="lakes.gpkg")
