"""Units and OSM files that are broken, mislabelled or hostile.

Every broken file is written in ``tmp_path``; the hostile OSM fixture is
``tests/data/hostile/hostile.osm`` (hand-made, see its SOURCE.md). Each test asserts the
exact outcome: the error class and a phrase naming the file, field or fix, or exact counts.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import re
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Polygon, box

import geozz as gz
from geozz import _osmfile
from geozz.area import Area
from geozz.errors import CRSError, InputError, OSMError, SchemaError

HOSTILE = Path(__file__).parent.parent / "data" / "hostile"
OSM_DIR = Path(__file__).parent.parent / "data" / "osm"
PWNED = Path("/tmp/geozz-pwned")
# the names the fixture was written with (its generator runs without pyosmium)
_spec = importlib.util.spec_from_file_location("make_hostile", HOSTILE / "make_hostile.py")
_fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixture)
LONG_NAME, NAMES = _fixture.LONG_NAME, _fixture.NAMES
RIVER_NAMES = [NAMES[1], NAMES[4]]
LONGGANG_BOX = (114.1862, 22.6732, 114.2318, 22.7019)
UTM50 = 32650
X0, Y0 = 500_000, 2_500_000


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def _fields(err) -> list[tuple[str | None, int | None]]:
    return sorted(((i.field, i.row) for i in err.issues), key=repr)


# --------------------------------------------------------------------------------------
# the hostile OSM fixture
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_area() -> Area:
    if PWNED.exists():  # left by something else: the test below must see this run only
        PWNED.unlink()
    return gz.read_osm(HOSTILE / "hostile.osm")


#: the stake range of every road of the fixture (each is one 1,337 m section)
STAKES = "K0+000–K1+337"


@pytest.fixture(scope="module")
def hostile_units(hostile_area) -> gpd.GeoDataFrame:
    return gz.build_units(hostile_area, grid_size=500)


def test_hostile_fixture_is_the_documented_one():
    assert (HOSTILE / "SOURCE.md").exists()
    assert _osmfile.declared_bounds(HOSTILE / "hostile.osm") == (114.2, 22.68, 114.215, 22.69)
    assert len(LONG_NAME) == 10_000


def test_hostile_names_are_read_verbatim(hostile_area):
    assert hostile_area.roads["name"].tolist() == NAMES
    assert hostile_area.roads["highway"].tolist() == ["primary", "residential"] * 4
    assert hostile_area.rivers["name"].tolist() == RIVER_NAMES
    assert "49" not in hostile_area.roads["name"].tolist()


def test_hostile_units_keep_names_and_counts(hostile_units):
    assert hostile_units.groupby("unit_type").size().to_dict() == {
        "grid": 12, "road": 8, "river": 3}
    roads = hostile_units[hostile_units["unit_type"] == "road"]
    # each road is one section, named with its stake range (K0+000 to K1+337)
    assert sorted(roads["name"]) == sorted(f"{n} {STAKES}" for n in NAMES)
    rivers = hostile_units[hostile_units["unit_type"] == "river"]
    # river 200 (1.75 km) makes two reaches, river 201 (1.07 km) one
    assert sorted(n.split(" (")[0] for n in rivers["name"]) == sorted(
        [f"{NAMES[1]} 第1段", f"{NAMES[1]} 第2段", f"{NAMES[4]} 第1段"])


def test_hostile_unit_ids_are_hashes_never_name_text(hostile_units):
    roads = hostile_units[hostile_units["unit_type"] == "road"]
    assert dict(zip(roads["name"], roads.index)) == {
        f"{n} {STAKES}": f"R-{_sha(n)}-{STAKES.replace('–', '-')}" for n in NAMES}
    rivers = hostile_units[hostile_units["unit_type"] == "river"]
    assert sorted(rivers.index) == sorted([f"W-{_sha(NAMES[1])}-001",
                                           f"W-{_sha(NAMES[1])}-002",
                                           f"W-{_sha(NAMES[4])}-001"])
    pattern = re.compile(r"^(G500-E-?\d+-N-?\d+|R-[0-9a-f]{8}-K\d+\+\d{3}-K\d+\+\d{3}"
                         r"|W-[0-9a-f]{8}-\d{3})$")
    assert all(pattern.match(i) for i in hostile_units.index)


def test_hostile_unit_ids_are_stable(hostile_area, hostile_units):
    again = gz.build_units(gz.read_osm(HOSTILE / "hostile.osm"), grid_size=500)
    assert again.index.tolist() == hostile_units.index.tolist()


def test_hostile_names_never_execute(hostile_units):
    assert hostile_units is not None
    assert not PWNED.exists()


def test_hostile_pbf_twin_holds_the_same_area_without_the_long_name():
    pbf = HOSTILE / "hostile.osm.pbf"
    assert _osmfile.declared_bounds(pbf) == (114.2, 22.68, 114.215, 22.69)
    area = gz.read_osm(pbf)
    assert area.roads["name"].tolist() == NAMES[:-1]  # libosmium caps tags at 255 chars
    assert area.rivers["name"].tolist() == RIVER_NAMES
    units = gz.build_units(area, grid_size=500)
    assert units.groupby("unit_type").size().to_dict() == {"grid": 12, "road": 7, "river": 3}


def test_hostile_names_survive_a_units_file_round_trip(tmp_path, hostile_units):
    f = tmp_path / "hostile_units.gpkg"
    out = hostile_units.copy()
    out["centerline"] = out["centerline"].to_wkt()
    out.reset_index().to_file(f)
    back = gz.read_units(f)
    assert back.index.tolist() == hostile_units.index.tolist()
    assert back["name"].tolist() == hostile_units["name"].tolist()
    road = f"R-{_sha(LONG_NAME)}-{STAKES.replace('–', '-')}"
    assert back.loc[road, "length_m"] == pytest.approx(hostile_units.loc[road, "length_m"])


# --------------------------------------------------------------------------------------
# read_units: mislabelled CRS
# --------------------------------------------------------------------------------------


def _grids(crs=UTM50) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"unit_id": ["A1", "A2", "A3"], "unit_type": "grid"},
        geometry=[box(X0, Y0, X0 + 200, Y0 + 200), box(X0 + 200, Y0, X0 + 400, Y0 + 200),
                  box(X0 + 400, Y0, X0 + 600, Y0 + 200)], crs=crs)


def _metres_labelled_wgs84(tmp_path) -> Path:
    f = tmp_path / "metres_as_4326.geojson"
    _grids().set_crs(4326, allow_override=True).to_file(f)
    return f


def test_read_units_metres_labelled_wgs84_is_a_crs_error(tmp_path):
    f = _metres_labelled_wgs84(tmp_path)
    with pytest.raises(CRSError) as err:
        gz.read_units(f)
    msg = str(err.value)
    assert [(i.file, i.field) for i in err.value.issues] == [(str(f), "crs")]
    assert "metres_as_4326.geojson" in msg
    assert "bounds (500000, 2.5e+06, 500600, 2.5002e+06) in EPSG:4326" in msg
    assert "source_crs=" in msg


def test_read_units_source_crs_overrides_the_file(tmp_path):
    units = gz.read_units(_metres_labelled_wgs84(tmp_path), source_crs="EPSG:32650")
    assert units.crs.to_epsg() == UTM50
    assert units["area_m2"].tolist() == pytest.approx([40_000] * 3)
    assert units.total_bounds.tolist() == pytest.approx([X0, Y0, X0 + 600, Y0 + 200])


def test_read_units_degrees_labelled_projected_is_a_crs_error(tmp_path):
    f = tmp_path / "degrees_as_utm.gpkg"
    _grids().to_crs(4326).set_crs(UTM50, allow_override=True).to_file(f)
    with pytest.raises(CRSError, match="look like degrees") as err:
        gz.read_units(f)
    assert "source_crs='EPSG:4326'" in str(err.value)
    assert gz.read_units(f, source_crs=4326)["area_m2"].tolist() == pytest.approx(
        [40_000] * 3, rel=1e-6)


def test_read_units_file_without_crs_and_source_crs(tmp_path):
    f = tmp_path / "no_crs.shp"
    _grids().to_crs(4326).to_file(f)
    f.with_suffix(".prj").unlink()  # a shapefile without its .prj has no CRS
    with pytest.raises(CRSError, match="a CRS in the file"):
        gz.read_units(f)
    assert gz.read_units(f, source_crs=4326).crs.to_epsg() == UTM50


# --------------------------------------------------------------------------------------
# read_units: files that cannot be read
# --------------------------------------------------------------------------------------


def test_read_units_directory(tmp_path):
    _grids().to_file(tmp_path / "grids.gpkg")
    with pytest.raises(SchemaError, match="got 'a directory'") as err:
        gz.read_units(tmp_path)
    assert "one of ['grids.gpkg']" in str(err.value)


def test_read_units_empty_file(tmp_path):
    f = tmp_path / "empty.gpkg"
    f.write_bytes(b"")
    with pytest.raises(SchemaError, match=r"empty\.gpkg: expected a units file, got 'an "
                                          r"empty file \(0 bytes\)'"):
        gz.read_units(f)


@pytest.mark.parametrize("name,content", [
    ("garbage.geojson", bytes(range(256)) * 8),
    ("half.geojson", None),
    ("half.gpkg", None),
])
def test_read_units_truncated_or_garbage(tmp_path, name, content):
    f = tmp_path / name
    if content is None:
        whole = tmp_path / ("whole" + f.suffix)
        _grids().to_file(whole)
        data = whole.read_bytes()
        content = data[: len(data) // 2]
    f.write_bytes(content)
    with pytest.raises(SchemaError) as err:
        gz.read_units(f)
    assert err.value.issues[0].file == str(f)
    assert "damaged, truncated or not a GIS file" in str(err.value)


def test_read_units_no_such_layer_lists_the_layers(tmp_path):
    f = tmp_path / "two.gpkg"
    _grids().to_file(f, layer="grids")
    _grids().to_file(f, layer="roads")
    with pytest.raises(SchemaError) as err:
        gz.read_units(f, layer="rivers")
    assert _fields(err.value) == [("layer", None)]
    assert "one of its layers ['grids', 'roads'], got 'rivers'" in str(err.value)


# --------------------------------------------------------------------------------------
# read_units: bad rows and columns, all reported at once
# --------------------------------------------------------------------------------------


def test_read_units_null_and_line_geometries_listed_by_row(tmp_path):
    f = tmp_path / "mixed.geojson"
    g = _grids()
    g.loc[1, "geometry"] = None
    g.loc[2, "geometry"] = LineString([(X0, Y0), (X0 + 100, Y0)])
    g.to_crs(4326).to_file(f)
    with pytest.raises(SchemaError) as err:
        gz.read_units(f)
    assert _fields(err.value) == [("geometry", 2), ("geometry", 3)]
    msg = str(err.value)
    assert "row 2, field 'geometry': expected a polygon, got 'no geometry'" in msg
    assert "row 3, field 'geometry': expected a polygon, got 'LineString'" in msg


def test_read_units_bow_tie_polygon_is_repaired_and_counted(tmp_path):
    f = tmp_path / "bowtie.gpkg"
    g = _grids()
    # a bow-tie: two triangles of 100 x 100 m each, 10,000 m² in all once repaired
    g.loc[1, "geometry"] = Polygon([(X0, Y0), (X0 + 200, Y0 + 200), (X0 + 200, Y0),
                                    (X0, Y0 + 200)])
    g.to_file(f)
    with pytest.warns(UserWarning, match=r"1 invalid polygon\(s\) repaired .*\['A2'\]"):
        units = gz.read_units(f)
    assert units["area_m2"].tolist() == pytest.approx([40_000, 20_000, 40_000])
    assert bool(units.geometry.is_valid.all())


def test_read_units_columns_naming_a_missing_column_lists_the_file_columns(tmp_path):
    f = tmp_path / "office.gpkg"
    g = _grids().rename(columns={"unit_id": "网格编码"})
    g.loc[2, "网格编码"] = "A1"  # a duplicate, reported with the bad mapping
    g.to_file(f)
    with pytest.raises(SchemaError) as err:
        gz.read_units(f, columns={"网格编码": "unit_id", "责任人": "responsible"})
    assert _fields(err.value) == [("unit_id", 3), ("责任人", None)]
    assert "got ['网格编码', 'unit_type']" in str(err.value)


def test_read_units_centerline_bad_wkt_row_named(tmp_path):
    f = tmp_path / "roads.gpkg"
    g = _grids()
    g["unit_type"] = "road"
    g["centerline"] = [f"LINESTRING ({X0} {Y0 + 100}, {X0 + 200} {Y0 + 100})",
                       "LINESTRING (1 2, oops)", f"POINT ({X0} {Y0})"]
    g.to_file(f)
    with pytest.raises(SchemaError) as err:
        gz.read_units(f)
    assert _fields(err.value) == [("centerline", 2), ("centerline", 3)]
    assert "got 'LINESTRING (1 2, oops)'" in str(err.value)
    g["centerline"] = [g["centerline"][0], None, ""]
    g.to_file(f)
    units = gz.read_units(f)
    assert units["length_m"].iloc[0] == pytest.approx(200)
    assert units["length_m"].iloc[1:].isna().all()


def test_read_units_centerline_wkt_is_in_the_file_crs(tmp_path):
    f = tmp_path / "roads_wgs84.geojson"
    g = _grids().to_crs(4326)
    line = gpd.GeoSeries([LineString([(X0, Y0 + 100), (X0 + 600, Y0 + 100)])],
                         crs=UTM50).to_crs(4326)
    g["centerline"] = [line.iloc[0].wkt, None, None]
    g.to_file(f)
    units = gz.read_units(f, unit_type="road")
    assert units.crs.to_epsg() == UTM50
    assert units["length_m"].iloc[0] == pytest.approx(600, abs=0.01)


def test_read_units_bad_options_reported_together(tmp_path):
    f = tmp_path / "no_type.gpkg"
    _grids().drop(columns="unit_type").to_file(f)
    with pytest.raises(SchemaError) as err:
        gz.read_units(f, unit_type="lake", source_crs="EPSG:nope", crs="EPSG:4326")
    assert _fields(err.value) == [("crs", None), ("source_crs", None), ("unit_type", None)]


def test_read_units_only_crs_options_bad_is_a_crs_error(tmp_path):
    f = tmp_path / "ok.gpkg"
    _grids().to_file(f)
    with pytest.raises(CRSError) as err:
        gz.read_units(f, crs="EPSG:4326")
    assert _fields(err.value) == [("crs", None)]


# --------------------------------------------------------------------------------------
# read_osm: broken files and boxes
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind,phrase", [
    ("missing", "got 'no such file'"),
    ("directory", "got 'a directory'"),
    ("empty", "got 'an empty file'"),
    ("garbage", "got \"a file starting with b'\\\\x00\\\\x01"),
    ("not_bzip2", "got \"a file starting with b'this is not bzip2"),
])
def test_read_osm_unreadable_files(tmp_path, kind, phrase):
    f = {"missing": tmp_path / "nope.osm", "directory": tmp_path / "folder.osm",
         "empty": tmp_path / "empty.osm", "garbage": tmp_path / "garbage.osm",
         "not_bzip2": tmp_path / "fake.osm.bz2"}[kind]
    if kind == "directory":
        f.mkdir()
    elif kind == "empty":
        f.write_bytes(b"")
    elif kind == "garbage":
        f.write_bytes(bytes(range(256)) * 4)
    elif kind == "not_bzip2":
        f.write_bytes(b"this is not bzip2 data at all")
    with pytest.raises(OSMError) as err:
        gz.read_osm(f)
    assert err.value.issues[0].file == str(f)
    assert phrase in str(err.value)


@pytest.mark.parametrize("boundary", [None, LONGGANG_BOX])
def test_read_osm_truncated_pbf(tmp_path, boundary):
    data = (OSM_DIR / "shenzhen_longgang.osm.pbf").read_bytes()
    f = tmp_path / "half.osm.pbf"
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(OSMError) as err:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # no declared bounds: node-extent warning
            gz.read_osm(f, boundary=boundary)
    assert err.value.issues[0].file == str(f)
    assert "damaged or truncated; download or export it again" in str(err.value)


def test_read_osm_no_roads_no_rivers_warns_and_gives_grid_only(tmp_path):
    f = tmp_path / "buildings.osm"
    f.write_text('<osm version="0.6"><bounds minlat="22.68" minlon="114.20" '
                 'maxlat="22.69" maxlon="114.215"/>'
                 '<node id="1" lat="22.685" lon="114.205"/>'
                 '<node id="2" lat="22.686" lon="114.206"/>'
                 '<way id="3"><nd ref="1"/><nd ref="2"/><tag k="building" v="yes"/></way>'
                 '</osm>')
    with pytest.warns(UserWarning, match="no roads .* and no rivers .* grid cells only"):
        area = gz.read_osm(f)
    assert (len(area.roads), len(area.rivers)) == (0, 0)
    units = gz.build_units(area, grid_size=500)
    assert units.groupby("unit_type").size().to_dict() == {"grid": 12}


def test_read_osm_boundary_outside_the_data(tmp_path):
    with pytest.raises(OSMError) as err:
        gz.read_osm(HOSTILE / "hostile.osm", boundary=(10.0, 10.0, 10.1, 10.1))
    assert _fields(err.value) == [("boundary", None)]
    msg = str(err.value)
    assert "hostile.osm" in msg and "overlaps the file's ways" in msg
    assert "pass boundary= inside [114.2005, 22.6802, 114.2145, 22.6898]" in msg


@pytest.mark.parametrize("bbox,fields", [
    ((114.215, 22.69, 114.2, 22.68), [("boundary", None), ("boundary", None)]),
    ((190, 22.68, 114.215, 95), [("boundary maxlat", None), ("boundary minlon", None)]),
    (("a", 22.68, math.nan, 22.69), [("boundary maxlon", None), ("boundary minlon", None)]),
])
def test_read_osm_bad_bbox_every_problem_at_once(bbox, fields):
    with pytest.raises(OSMError) as err:
        gz.read_osm(HOSTILE / "hostile.osm", boundary=bbox)
    assert _fields(err.value) == fields
    assert all(i.file == str(HOSTILE / "hostile.osm") for i in err.value.issues)
    assert "west/south first" in str(err.value)


# --------------------------------------------------------------------------------------
# build_units / grid options
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, -200, math.nan, math.inf, "200m", True])
def test_build_units_bad_grid_size(hostile_area, bad):
    with pytest.raises(InputError) as err:
        gz.build_units(hostile_area, grid_size=bad)
    assert _fields(err.value) == [("grid_size", None)]
    assert "expected a positive number of metres" in str(err.value)


@pytest.mark.parametrize("bad", [0, -1, math.nan, "1km", True])
def test_grid_bad_size(bad):
    with pytest.raises(InputError, match="field 'size': expected a positive number"):
        gz.units.grid(box(114.20, 22.68, 114.21, 22.69), size=bad)


def test_build_units_every_bad_option_at_once(hostile_area):
    with pytest.raises(InputError) as err:
        gz.build_units(hostile_area, grid_size="200m", road_width=-30, river_width=math.inf,
                       reach_length=0, unit_types=["grid", "lake", "park"], crs="EPSG:4326")
    assert _fields(err.value) == [("crs", None), ("grid_size", None), ("reach_length", None),
                                  ("river_width", None), ("road_width", None),
                                  ("unit_types", None), ("unit_types", None)]
    assert "got 'lake'" in str(err.value) and "got 'park'" in str(err.value)


def test_road_corridors_negative_width(hostile_area):
    with pytest.raises(InputError, match="field 'width': expected a positive number"):
        gz.units.road_corridors(hostile_area.roads, hostile_area.boundary, width=-5)


def test_build_units_area_with_empty_roads(hostile_area):
    area = Area(name="x", boundary=hostile_area.boundary, roads=hostile_area.roads.iloc[:0],
                rivers=hostile_area.rivers)
    units = gz.build_units(area, grid_size=500)
    assert units.groupby("unit_type").size().to_dict() == {"grid": 12, "river": 3}
    assert units.index.is_unique and units.crs.to_epsg() == UTM50


def test_build_units_empty_lines_without_columns(hostile_area):
    empty = gpd.GeoDataFrame(geometry=[], crs=4326)
    area = Area(name="x", boundary=hostile_area.boundary, roads=empty, rivers=empty)
    units = gz.build_units(area, grid_size=500, unit_types="road")
    assert len(units) == 0 and list(units.index.names) == ["unit_id"]


def test_grid_bare_geometry_in_metres_is_a_crs_error():
    with pytest.raises(CRSError, match="expected WGS-84 longitudes and latitudes in degrees"):
        gz.units.grid(box(X0, Y0, X0 + 1000, Y0 + 1000), size=100)
    # the same box with its CRS is fine: 10 x 10 cells
    assert len(gz.units.grid(gpd.GeoSeries([box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=UTM50),
                             size=100)) == 100
