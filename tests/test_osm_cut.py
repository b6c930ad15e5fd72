"""read_osm on extracts cut from a larger file by a box or a polygon (tests/data/osm/cut).

The files are cut from the Longgang and Haidian exports by ``tests/data/osm/make_cuts.py``
the way ``osmium extract --strategy simple`` cuts: the nodes inside, every way touching
them with all its node references, every relation touching them with all its members. So
ways cross the edge and lose nodes, relations lose member ways; ``haidian_broken`` also
has a relation with a member left out, one whose ring does not close and a landuse ring
crossing itself. Before pyosmium read them, read_osm refused all three ("Some edges
missing nodes").

Every count is checked against an independent reading of the file with pyosmium, and
against the numbers found when the files were cut (in the test, so a change shows).
"""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import warnings
from pathlib import Path

import osmium
import pytest
import shapely

import geozz as gz
from geozz._osmfile import convert
from geozz.errors import OSMError
from geozz.osm.network import geodesic_length
from geozz.osm.reader import REASONS, read_file

DATA = Path(__file__).parent / "data" / "osm"
CUT = DATA / "cut"
_spec = importlib.util.spec_from_file_location("make_cuts", DATA / "make_cuts.py")
make_cuts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_cuts)

FILES = {  # cut file: (the file it was cut from, the region)
    "longgang_box.osm.pbf": (DATA / "shenzhen_longgang.osm.pbf",
                             shapely.box(*make_cuts.LONGGANG_BOX)),
    "haidian_polygon.osm.pbf": (DATA / "beijing_haidian.osm.pbf",
                                shapely.Polygon(make_cuts.HAIDIAN_POLYGON)),
    "haidian_broken.osm.bz2": (DATA / "beijing_haidian.osm.pbf",
                               shapely.box(*make_cuts.HAIDIAN_BROKEN_BOX)),
}
#: what the files hold, found when they were cut (roads: highway ways, not area=yes)
EXPECTED = {
    "longgang_box.osm.pbf": {
        "roads": {"ways": 246, "whole": 187, "cut": 51, "dropped": 8, "pieces": 242},
        "rivers": {"ways": 0, "whole": 0, "cut": 0, "dropped": 0, "pieces": 0},
        "areas": {"read": 12, "assembled": 8, "repaired": 0, "dropped": 4}},
    "haidian_polygon.osm.pbf": {
        "roads": {"ways": 352, "whole": 277, "cut": 48, "dropped": 27, "pieces": 327},
        "rivers": {"ways": 3, "whole": 1, "cut": 2, "dropped": 0, "pieces": 5},
        "areas": {"read": 31, "assembled": 28, "repaired": 0, "dropped": 3}},
    "haidian_broken.osm.bz2": {
        "roads": {"ways": 155, "whole": 119, "cut": 24, "dropped": 12, "pieces": 144},
        "rivers": {"ways": 2, "whole": 0, "cut": 2, "dropped": 0, "pieces": 2},
        "areas": {"read": 11, "assembled": 1, "repaired": 1, "dropped": 9}},
}


def _read(name: str, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        area = gz.read_osm(CUT / name, **kw)
    return area, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


@pytest.fixture(scope="module")
def areas():
    return {name: _read(name) for name in FILES}


def _runs(located: list[bool]) -> list[int]:
    """Lengths of the runs of consecutive located nodes."""
    runs, n = [], 0
    for ok in located + [False]:
        if ok:
            n += 1
        elif n:
            runs.append(n)
            n = 0
    return runs


def _independent(path: Path) -> dict:
    """Road and river ways of a file counted straight from pyosmium."""
    out = {k: {"ways": 0, "whole": 0, "cut": 0, "dropped": 0, "pieces": 0}
           for k in ("roads", "rivers")}
    for w in osmium.FileProcessor(str(path)).with_locations():
        if not w.is_way():
            continue
        kinds = []
        if "highway" in w.tags and w.tags.get("area") != "yes":
            kinds.append("roads")
        if w.tags.get("waterway") in ("river", "stream", "canal"):
            kinds.append("rivers")
        refs = [n.ref for n in w.nodes]
        located = [n.location.valid() for i, n in enumerate(w.nodes)
                   if i == 0 or refs[i] != refs[i - 1]]
        pieces = [r for r in _runs(located) if r >= 2]
        for kind in kinds:
            c = out[kind]
            c["ways"] += 1
            c["pieces"] += len(pieces)
            c["whole" if all(located) and pieces else "cut" if pieces else "dropped"] += 1
    return out


# --------------------------------------------------------------------------------------
# read, counted, nothing lost silently
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FILES))
def test_cut_extract_is_read_and_every_way_counted(areas, name):
    area, notes = areas[name]
    read = area.meta["read"]
    assert read == EXPECTED[name]
    assert {k: read[k] for k in ("roads", "rivers")} == _independent(CUT / name)
    for kind in ("roads", "rivers"):
        c = read[kind]
        assert c["whole"] + c["cut"] + c["dropped"] == c["ways"]
        assert c["pieces"] >= c["whole"] + c["cut"]
    a = read["areas"]
    assert a["assembled"] + a["repaired"] + a["dropped"] == a["read"]
    # every drop has a reason, and the reasons add up to the drops
    dropped = area.meta["dropped"]
    assert set(dropped) <= set(REASONS.values())
    assert sum(dropped.values()) == sum(read[k]["dropped"] for k in read)
    assert dropped.get(REASONS["road_nodes"], 0) == read["roads"]["dropped"]
    assert {r: len(ids) for r, ids in area.meta["dropped_ids"].items()} == dropped
    assert sum(area.meta["repaired"].values()) == a["repaired"]
    assert area.meta["boundary"] == "declared"  # the cut declares its box
    assert any("left out" in n and "road ways with fewer than two" in n for n in notes)


@pytest.mark.parametrize("name", list(FILES))
def test_dropped_road_ways_really_have_fewer_than_two_nodes(areas, name):
    area, _ = areas[name]
    ids = {int(i.split("/")[1]) for i in area.meta["dropped_ids"][REASONS["road_nodes"]]}
    for w in osmium.FileProcessor(str(CUT / name)).with_locations():
        if w.is_way() and w.id in ids:
            assert sum(n.location.valid() for n in w.nodes) < 2 or not any(
                r >= 2 for r in _runs([n.location.valid() for n in w.nodes]))


# --------------------------------------------------------------------------------------
# roads end at the clip
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["longgang_box.osm.pbf", "haidian_polygon.osm.pbf"])
def test_roads_cut_by_the_region_end_at_it(areas, name):
    area, _ = areas[name]
    full, region = FILES[name]
    inside = region.buffer(1e-9)
    # the roads hold only nodes inside the region
    xy = shapely.get_coordinates(area.roads.geometry.values)
    assert shapely.covers(inside, shapely.points(xy)).all()
    # where a piece of a way ends and the way went on, its next node is outside
    full_ways = {w.id: [(n.ref, (n.lon, n.lat)) for n in w.nodes]
                 for w in osmium.FileProcessor(str(full)).with_locations() if w.is_way()}
    data = read_file(CUT / name, river_types=())
    checked = 0
    for line in data.roads:
        refs = [r for r, _ in full_ways[line.osmid]]
        where = dict(full_ways[line.osmid])
        first, last = refs.index(line.nodes[0]), len(refs) - 1 - refs[::-1].index(line.nodes[-1])
        for nxt in ([refs[first - 1]] if first > 0 else []) + (
                [refs[last + 1]] if last < len(refs) - 1 else []):
            assert not region.contains(shapely.Point(where[nxt])), (line.osmid, nxt)
            checked += 1
    assert checked >= EXPECTED[name]["roads"]["cut"]
    # and the sections run up to those ends: they are the pieces, cut at intersections
    pieces = shapely.intersection([shapely.LineString(line.coords) for line in data.roads],
                                  area.boundary.geometry.iloc[0])
    assert area.roads["length_m"].sum() == pytest.approx(sum(geodesic_length(pieces)),
                                                         rel=2e-3)


def test_a_way_leaving_the_polygon_and_coming_back_gives_two_pieces():
    data = read_file(CUT / "haidian_polygon.osm.pbf", river_types=())
    seen: dict[int, int] = {}
    for line in data.roads:
        seen[line.osmid] = seen.get(line.osmid, 0) + 1
    twice = [w for w, n in seen.items() if n >= 2]
    assert twice  # the notch cuts some ways in two
    _full, region = FILES["haidian_polygon.osm.pbf"]
    for way in twice:
        pieces = [line for line in data.roads if line.osmid == way]
        assert not set(pieces[0].nodes) & set(pieces[1].nodes)
        assert all(region.buffer(1e-9).covers(shapely.Point(c))
                   for p in pieces for c in p.coords)


# --------------------------------------------------------------------------------------
# broken multipolygons: repaired or dropped, never fatal
# --------------------------------------------------------------------------------------


def test_broken_areas_are_repaired_or_dropped_with_their_reason(areas):
    area, notes = areas["haidian_broken.osm.bz2"]
    ids = area.meta["dropped_ids"]
    assert ids[REASONS["area_members"]] == [f"relation/{1260420}"]  # inner way left out
    assert ids[REASONS["area_open"]] == [f"relation/{2826273}"]  # ring does not close
    assert area.meta["repaired_ids"] == {REASONS["repaired"]: [f"way/{make_cuts.CROSSED_RING}"]}
    assert not {"relation/1260420", "relation/2826273"} & set(area.water["osm_id"])
    xiyuan = area.landuse[area.landuse["osm_id"] == f"way/{make_cuts.CROSSED_RING}"]
    assert xiyuan["name"].tolist() == ["西院"]
    geom = xiyuan.geometry.iloc[0]
    assert geom.is_valid and geom.area > 0 and geom.geom_type == "MultiPolygon"
    assert any("areas with invalid rings, made valid" in n for n in notes)
    # the same relations read whole from the file they were cut from
    full = read_file(DATA / "beijing_haidian.osm.pbf", river_types=())
    assert {"relation/1260420", "relation/2826273"} <= {i for i, _t, _g in full.areas["water"]}


def test_broken_ring_repair_is_what_make_valid_gives():
    refs = None
    for w in osmium.FileProcessor(str(CUT / "haidian_broken.osm.bz2")).with_locations():
        if w.is_way() and w.id == make_cuts.CROSSED_RING:
            refs = [(n.lon, n.lat) for n in w.nodes]
    assert refs is not None
    area, _ = _read("haidian_broken.osm.bz2", boundary=(116.30, 39.99, 116.33, 40.02))
    got = area.landuse.set_index("osm_id").geometry[f"way/{make_cuts.CROSSED_RING}"]
    assert got.equals(shapely.make_valid(shapely.Polygon(refs)))


# --------------------------------------------------------------------------------------
# units, and PBF / XML of one cut
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["osm", "osm.gz"])
def test_pbf_and_xml_of_a_cut_give_the_same_units(areas, tmp_path, suffix):
    area, _ = areas["longgang_box.osm.pbf"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        other = gz.read_osm(convert(CUT / "longgang_box.osm.pbf", tmp_path / f"box.{suffix}"))
    assert other.meta["read"] == area.meta["read"]
    assert other.meta["dropped_ids"] == area.meta["dropped_ids"]
    for layer in ("roads", "rivers", "water", "landuse", "admin"):
        a, b = getattr(area, layer), getattr(other, layer)
        assert a.drop(columns="geometry").equals(b.drop(columns="geometry")), layer
        assert a.geometry.geom_equals_exact(b.geometry, 1e-9).all(), layer
    units = gz.build_units(area, grid_size=200)
    assert units.index.tolist() == gz.build_units(other, grid_size=200).index.tolist()
    assert (units["unit_type"] == "road").sum() > 10 and units.index.is_unique


# --------------------------------------------------------------------------------------
# what is really not OSM still raises, with a fix that fits
# --------------------------------------------------------------------------------------


def test_a_web_page_saved_as_the_extract(tmp_path):
    f = tmp_path / "shenzhen.osm.pbf"
    f.write_text("<!DOCTYPE html>\n<html><head><title>429 Too Many Requests</title></head>"
                 "<body>Rate limited</body></html>", encoding="utf-8")
    with pytest.raises(OSMError) as err:
        gz.read_osm(f)
    issue = err.value.issues[0]
    assert "web page (HTML)" in str(issue.got) and "browser" in issue.fix
    assert "damaged" not in issue.fix


def test_truncated_gzip_is_damaged(tmp_path):
    data = gzip.compress(bz2.decompress((DATA / "aguascalientes.osm.bz2").read_bytes()))
    f = tmp_path / "cut.osm.gz"
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(OSMError) as err:
        gz.read_osm(f)
    assert "truncated" in err.value.issues[0].fix and "gz" in str(err.value.issues[0].got)


def test_geojson_is_not_osm(tmp_path):
    f = tmp_path / "roads.osm"
    f.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(OSMError, match="OpenStreetMap file") as err:
        gz.read_osm(f)
    assert "extract" in err.value.issues[0].fix


def test_a_tag_value_longer_than_libosmium_takes_is_kept(tmp_path):
    name = "长" + "x" * 400 + "路"
    f = tmp_path / "long.osm"
    f.write_text('<osm version="0.6"><node id="1" lat="22.68" lon="114.20"/>'
                 '<node id="2" lat="22.68" lon="114.21"/><way id="5"><nd ref="1"/>'
                 f'<nd ref="2"/><tag k="highway" v="primary"/><tag k="name" v="{name}"/>'
                 '</way></osm>', encoding="utf-8")
    area = gz.read_osm(f, boundary=(114.19, 22.67, 114.22, 22.69))
    assert area.roads["name"].tolist() == [name]
