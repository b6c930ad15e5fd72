"""Tests for geozz.read_osm / read_place on real OpenStreetMap extracts (tests/data/osm).

The five extracts: four Chinese API exports (XML with <bounds>; their PBF copies were
converted without the header, so they declare nothing) and Aguascalientes (both declare
the box). The rules checked: PBF and XML of one extract with the same header give the same
Area; the boundary source is said; road sections end at intersections or dead ends.
"""

from __future__ import annotations

import bz2
import json
import warnings
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import networkx as nx
import osmium
import osmnx as ox
import pytest
import shapely

import geozz as gz
from geozz._osmfile import convert
from geozz.area import Area, read_area
from geozz.errors import GeozzError, OSMError
from geozz.osm import place as place_module
from geozz.osm import read_place

DATA = Path(__file__).parent / "data" / "osm"
_FACTS = json.loads((DATA / "facts.json").read_text(encoding="utf-8"))
BOUNDS = {k: tuple(v) for k, v in _FACTS["bounds"].items()}
CHINA = ["shenzhen_longgang", "beijing_haidian", "jiangxi_guixi", "shanghai_baoshan_shu"]
ALL = CHINA + ["aguascalientes"]
LAYERS = ("boundary", "roads", "rivers", "admin", "water", "landuse")


def _read(path, **kw) -> Area:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return gz.read_osm(path, **kw)


@pytest.fixture(scope="module")
def xml_areas() -> dict[str, Area]:
    return {stem: _read(DATA / f"{stem}.osm.bz2") for stem in ALL}


def _assert_same_area(a: Area, b: Area) -> None:
    assert a.meta["boundary"] == b.meta["boundary"]
    for layer in LAYERS:
        x, y = getattr(a, layer), getattr(b, layer)
        assert list(x.columns) == list(y.columns), layer
        assert x.drop(columns="geometry").equals(y.drop(columns="geometry")), layer
        assert x.geometry.geom_equals_exact(y.geometry, 1e-9).all(), layer


# --------------------------------------------------------------------------------------
# PBF and XML give the same Area
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", ALL)
def test_pbf_and_xml_with_the_same_header_give_the_same_area(xml_areas, stem, tmp_path):
    pbf = DATA / f"{stem}.osm.pbf"
    if stem in CHINA:  # the shipped PBF lost the header: convert the XML with it
        pbf = convert(DATA / f"{stem}.osm.bz2", tmp_path / f"{stem}.osm.pbf")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        area = gz.read_osm(pbf)
    # a declared box: no warning about the boundary; only the relations reaching beyond
    # the export (its admin areas) are said to be left out
    notes = [str(w.message) for w in caught]
    assert all("left out" in n and "area relations with member ways or their nodes missing" in n
               for n in notes), notes
    assert len(notes) == bool(area.meta["dropped"])
    _assert_same_area(area, xml_areas[stem])
    assert area.meta["boundary"] == "declared"
    assert area.boundary.geometry.iloc[0].equals(shapely.box(*BOUNDS[stem]))


@pytest.mark.parametrize("stem", CHINA)
def test_shipped_pbf_with_the_declared_box_gives_the_xml_area(xml_areas, stem):
    area = gz.read_osm(DATA / f"{stem}.osm.pbf", boundary=BOUNDS[stem])
    assert area.meta["boundary"] == "given"
    area.meta["boundary"] = "declared"
    _assert_same_area(area, xml_areas[stem])
    units_pbf, units_xml = gz.build_units(area), gz.build_units(xml_areas[stem])
    assert units_pbf.index.tolist() == units_xml.index.tolist()


# --------------------------------------------------------------------------------------
# which boundary
# --------------------------------------------------------------------------------------


def _junctions(path: Path) -> tuple[float, float, float, float]:
    """Independently: the extent of nodes shared by two or more highway/waterway ways."""
    ways_at = defaultdict(set)
    where = {}
    for obj in osmium.FileProcessor(str(path)).with_locations():
        if obj.is_way() and ("highway" in obj.tags or obj.tags.get("waterway") in
                             ("river", "stream", "canal")):
            if obj.tags.get("area") == "yes":
                continue
            for n in obj.nodes:
                ways_at[n.ref].add(obj.id)
                where[n.ref] = (n.lon, n.lat)
    pts = [where[n] for n, ways in ways_at.items() if len(ways) >= 2]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return (min(xs), min(ys), max(xs), max(ys))


@pytest.mark.parametrize("stem", CHINA)
def test_pbf_without_bounds_uses_the_extent_of_roads_and_waterways(xml_areas, stem):
    with pytest.warns(UserWarning, match="declares no bounds; using the extent of its roads"):
        area = gz.read_osm(DATA / f"{stem}.osm.pbf")
    assert area.meta["boundary"] == "extent of roads and waterways"
    assert tuple(area.boundary.total_bounds) == pytest.approx(
        _junctions(DATA / f"{stem}.osm.pbf"), abs=1e-7)
    # close to the box the export was made for (the extent of every node was 5-30x it)
    assert area.boundary.geometry.iloc[0].area < 2.5 * shapely.box(*BOUNDS[stem]).area
    declared = shapely.box(*BOUNDS[stem])
    assert area.boundary.geometry.iloc[0].intersection(declared).area > 0.8 * declared.area


def test_guixi_admin_polygon_is_read_but_holds_too_little(xml_areas):
    area = xml_areas["jiangxi_guixi"]
    assert area.meta["boundary"] == "declared"  # 东门街道 holds 19 % of the junctions
    assert area.admin[["osm_id", "name", "admin_level"]].values.tolist() == [
        ["relation/6662718", "东门街道", 8]]
    assert str(area.admin["admin_level"].dtype) == "Int64"


def _admin_xml(tmp_path, level_big="6") -> Path:
    """Two roads crossing, inside a county (level 6) polygon and a street (8) polygon."""
    nodes = {1: (114.200, 22.680), 2: (114.220, 22.680), 3: (114.220, 22.700),
             4: (114.200, 22.700), 5: (114.205, 22.690), 6: (114.215, 22.690),
             7: (114.210, 22.685), 8: (114.210, 22.695), 9: (114.210, 22.690),
             11: (114.190, 22.670), 12: (114.230, 22.670), 13: (114.230, 22.710),
             14: (114.190, 22.710)}
    xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    xml += [f'<node id="{i}" lat="{lat}" lon="{lon}"/>' for i, (lon, lat) in nodes.items()]
    xml += ['<way id="100"><nd ref="5"/><nd ref="9"/><nd ref="6"/>'
            '<tag k="highway" v="primary"/><tag k="name" v="东路"/></way>',
            '<way id="101"><nd ref="7"/><nd ref="9"/><nd ref="8"/>'
            '<tag k="highway" v="residential"/><tag k="name" v="北街"/></way>',
            '<way id="200"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>'
            '</way>',
            '<way id="201"><nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="14"/>'
            '<nd ref="11"/></way>',
            '<relation id="300"><member type="way" ref="200" role="outer"/>'
            '<tag k="type" v="boundary"/><tag k="boundary" v="administrative"/>'
            '<tag k="admin_level" v="8"/><tag k="name" v="测试街道"/>'
            '<tag k="ref:gb" v="440307001"/></relation>',
            '<relation id="301"><member type="way" ref="201" role="outer"/>'
            '<tag k="type" v="boundary"/><tag k="boundary" v="administrative"/>'
            f'<tag k="admin_level" v="{level_big}"/><tag k="name" v="测试区"/></relation>',
            '</osm>']
    f = tmp_path / "admin.osm"
    f.write_text("\n".join(xml), encoding="utf-8")
    return f


def test_admin_polygon_of_the_lowest_level_holding_the_data_is_the_boundary(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        area = gz.read_osm(_admin_xml(tmp_path))
    assert area.meta["boundary"] == "admin:测试区"
    assert area.meta["admin_level"] == 6
    assert tuple(area.boundary.total_bounds) == pytest.approx((114.19, 22.67, 114.23, 22.71))
    assert sorted(area.admin["name"]) == ["测试区", "测试街道"]
    assert area.admin.set_index("name").loc["测试街道", "code"] == "440307001"
    # the crossing cuts both ways into sections: four, each from the junction (node 9)
    assert sorted(zip(area.roads["u"], area.roads["v"])) == [(5, 9), (6, 9), (7, 9), (8, 9)]
    assert area.roads.set_index("u").loc[5, "name"] == "东路"


def test_admin_level_decides_not_the_size(tmp_path):
    area = _read(_admin_xml(tmp_path, level_big="10"))  # the big polygon is now level 10
    assert area.meta["boundary"] == "admin:测试街道"


# --------------------------------------------------------------------------------------
# road sections, rivers, admin and water layers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", ALL)
def test_sections_end_at_intersections_or_dead_ends(stem):
    area = _read(DATA / f"{stem}.osm.bz2", boundary=(-180, -90, 180, 90))  # nothing clipped
    # osmnx's own reading of the XML is the reference
    raw = ox.graph_from_xml(DATA / f"{stem}.osm.bz2", simplify=False, retain_all=True,
                            bidirectional=True)
    road = nx.Graph()
    road.add_edges_from((u, v) for u, v, d in raw.edges(data=True)
                        if "highway" in d and d.get("area") != "yes")
    ends = set(area.roads["u"]) | set(area.roads["v"])
    in_rings = {n for c in nx.connected_components(road) if all(road.degree(m) == 2 for m in c)
                for n in c}
    assert {n for n in ends if road.degree(n) == 2} <= in_rings
    assert ends <= set(road.nodes)
    # every road edge lies in exactly one section: the total length is the network's
    net = sum(d["length"] for u, v, d in ox.convert.to_undirected(raw).edges(data=True)
              if "highway" in d and d.get("area") != "yes")
    assert area.roads["length_m"].sum() == pytest.approx(net, rel=2e-3)
    assert (area.roads["u"] <= area.roads["v"]).all()
    assert list(area.roads.columns) == ["osm_id", "name", "highway", "u", "v", "length_m",
                                        "geometry"]
    assert area.roads["osm_id"].map(type).eq(str).all()


@pytest.mark.parametrize("stem", ["shenzhen_longgang", "aguascalientes"])
def test_street_graph_is_the_one_osmnx_builds_from_the_xml(stem):
    ours = gz.osm.street_graph(DATA / f"{stem}.osm.pbf", simplify=False)
    raw = ox.graph_from_xml(DATA / f"{stem}.osm.bz2", simplify=False, retain_all=True,
                            bidirectional=True)
    raw.remove_edges_from([(u, v, k) for u, v, k, d in raw.edges(keys=True, data=True)
                           if "highway" not in d or d.get("area") == "yes"])
    raw.remove_nodes_from([n for n in list(raw.nodes) if raw.degree(n) == 0])
    # the same edges (keys may differ where osmnx first numbered a non-road way's edge)
    def edges(graph):
        return sorted((u, v, d["osmid"], d["reversed"], d["oneway"], d["highway"],
                       d.get("name", ""), round(d["length"], 6))
                      for u, v, d in graph.edges(data=True))
    assert edges(ours) == edges(raw)
    assert all(ours.nodes[n]["x"] == raw.nodes[n]["x"] and ours.nodes[n]["y"] == raw.nodes[n]["y"]
               for n in raw.nodes)
    simple, theirs = gz.osm.street_graph(DATA / f"{stem}.osm.pbf"), ox.simplify_graph(raw)
    # the same simplified edges (parallel ones may be numbered in another order)
    def shapes(graph):
        return sorted((u, v, d["geometry"].wkt if "geometry" in d else "")
                      for u, v, d in graph.edges(data=True))
    assert shapes(simple) == shapes(theirs)
    nodes, edges = ox.graph_to_gdfs(simple)  # osmnx's API works on it
    assert len(edges) == simple.number_of_edges() and edges.crs.to_epsg() == 4326


@pytest.mark.parametrize("stem", ALL)
def test_layers_are_clipped_and_have_their_columns(xml_areas, stem):
    area = xml_areas[stem]
    poly = area.boundary.geometry.iloc[0].buffer(1e-9)
    expected = {"roads": ["osm_id", "name", "highway", "u", "v", "length_m", "geometry"],
                "rivers": ["osm_id", "name", "waterway", "geometry"],
                "admin": ["osm_id", "name", "admin_level", "code", "geometry"],
                "water": ["osm_id", "name", "water", "geometry"],
                "landuse": ["osm_id", "name", "landuse", "geometry"]}
    for layer, cols in expected.items():
        frame = getattr(area, layer)
        assert list(frame.columns) == cols, layer
        assert frame.crs.to_epsg() == 4326
        assert frame.within(poly).all(), layer
    assert (area.roads.geom_type == "LineString").all()
    assert area.rivers["waterway"].isin(["river", "stream", "canal"]).all()
    assert area.water.geom_type.isin(["Polygon", "MultiPolygon"]).all()


def test_longgang_river_is_clipped(xml_areas):
    rivers = xml_areas["shenzhen_longgang"].rivers
    river = rivers[rivers["name"] == "龙岗河"]
    assert set(river["osm_id"]) == {"330766463"}
    assert 500 < river.to_crs(32650).length.sum() < 6_000
    assert xml_areas["shenzhen_longgang"].water["name"].dropna().tolist() == ["龙口水库"]


def test_area_with_new_layers_round_trips_a_geopackage(xml_areas, tmp_path):
    area = xml_areas["jiangxi_guixi"]
    back = read_area(area.to_file(tmp_path / "guixi.gpkg"))
    assert back.admin[["name", "admin_level"]].values.tolist() == [["东门街道", 8]]
    assert len(back.water) == len(area.water) > 0
    assert len(back.roads) == len(area.roads)


# --------------------------------------------------------------------------------------
# read_place, offline
# --------------------------------------------------------------------------------------


def test_read_place_downloads_once_and_reads_like_a_file(monkeypatch, tmp_path, xml_areas):
    calls = []

    def fake_download(polygon, out):
        calls.append(polygon.bounds)
        out.write_bytes(bz2.decompress((DATA / "beijing_haidian.osm.bz2").read_bytes()))

    box = shapely.box(*BOUNDS["beijing_haidian"])
    monkeypatch.setattr(place_module, "_geocode",
                        lambda name: gpd.GeoDataFrame(geometry=[box], crs=4326))
    monkeypatch.setattr(place_module, "_download", fake_download)
    area = read_place("海淀区, 北京市", cache_dir=tmp_path, name="beijing_haidian")
    again = read_place("海淀区, 北京市", cache_dir=tmp_path, name="beijing_haidian")
    assert len(calls) == 1  # the second call reads the cache file
    assert area.meta["boundary"] == "given" and area.meta["place"] == "海淀区, 北京市"
    assert Path(area.meta["cache"]).parent == tmp_path
    area.meta["boundary"] = "declared"
    _assert_same_area(area, xml_areas["beijing_haidian"])
    assert again.roads["osm_id"].tolist() == area.roads["osm_id"].tolist()


def test_read_place_without_network_is_an_osm_error(monkeypatch, tmp_path):
    def no_network(name):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(place_module, "_geocode", no_network)
    with pytest.raises(OSMError, match="ConnectionError: Name or service not known"):
        read_place("nowhere", cache_dir=tmp_path)


# --------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------


def test_non_osm_file_raises_osm_error(tmp_path):
    f = tmp_path / "problems.csv"
    f.write_text("编号,经度,纬度\n1,114.2,22.69\n", encoding="utf-8")
    with pytest.raises(OSMError) as err:
        gz.read_osm(f)
    assert isinstance(err.value, ValueError) and isinstance(err.value, GeozzError)
    assert "problems.csv" in str(err.value) and "OpenStreetMap" in str(err.value)


def test_xml_that_is_not_osm_names_its_root(tmp_path):
    f = tmp_path / "track.osm"
    f.write_text('<?xml version="1.0"?><gpx version="1.1"><trk/></gpx>', encoding="utf-8")
    with pytest.raises(OSMError, match="XML that is not OSM .*gpx"):
        gz.read_osm(f)


def test_damaged_xml_is_an_osm_error(tmp_path):
    xml = bz2.decompress((DATA / "aguascalientes.osm.bz2").read_bytes())
    f = tmp_path / "cut.osm"
    f.write_bytes(xml[: len(xml) // 2])
    with pytest.raises(OSMError, match="damaged or truncated"):
        gz.read_osm(f)


def test_missing_file_raises_osm_error(tmp_path):
    with pytest.raises(OSMError, match="no such file"):
        gz.read_osm(tmp_path / "nope.osm")


def test_the_street_graph_is_what_osmnx_graph_from_gdfs_builds():
    """build_graph makes osmnx's graph without its row loop: the same nodes, edges, keys,
    attributes (a null left out), order and types as osmnx.convert.graph_from_gdfs."""
    import numpy as np
    import pandas as pd

    from geozz.osm.network import _graph

    ids = np.array([30, 10, 20, 40], dtype=np.int64)  # 40: a node without an edge
    nodes = gpd.GeoDataFrame({"y": [22.6, 22.7, 22.8, 22.9], "x": [114.1, 114.2, 114.3, 114.4],
                              "highway": [None, "traffic_signals", None, None]},
                             index=pd.Index(ids, name="osmid"),
                             geometry=gpd.points_from_xy([114.1, 114.2, 114.3, 114.4],
                                                         [22.6, 22.7, 22.8, 22.9]),
                             crs="EPSG:4326")
    u, v = np.array([30, 10, 10, 20], dtype=np.int64), np.array([10, 30, 20, 10], dtype=np.int64)
    key = np.array([0, 0, 0, 0], dtype=np.int64)
    columns = {"osmid": np.array([7, 7, 8, 8], dtype=np.int64),
               "name": ["深南大道", "深南大道", None, None],
               "oneway": np.zeros(4, bool), "reversed": np.array([False, True, False, True]),
               "length": np.array([10.5, 10.5, np.nan, 3.25])}
    mine = _graph(nodes, u, v, key, columns, {"crs": "EPSG:4326"})
    edges = gpd.GeoDataFrame(columns, index=pd.MultiIndex.from_arrays([u, v, key],
                                                                   names=["u", "v", "key"]))
    theirs = ox.convert.graph_from_gdfs(nodes, edges, graph_attrs={"crs": "EPSG:4326"})
    assert list(mine.nodes(data=True)) == list(theirs.nodes(data=True))
    assert list(mine.edges(keys=True, data=True)) == list(theirs.edges(keys=True, data=True))
    assert mine.graph == theirs.graph
    kinds = [[type(x) for x in d.values()] for *_, d in mine.edges(keys=True, data=True)]
    assert kinds == [[type(x) for x in d.values()]
                     for *_, d in theirs.edges(keys=True, data=True)]
    assert "name" not in mine.edges[10, 20, 0] and "length" not in mine.edges[10, 20, 0]
