"""Tests for geozz.read_osm on real OpenStreetMap extracts (tests/data/osm, see SOURCE.md).

The ``.osm.bz2`` files declare ``<bounds>``; the Chinese ``.osm.pbf`` copies hold the same
data but no header bbox; the Aguascalientes PBF has one. The rule checked here: the
same area read from PBF and from XML gives the same units and ids.
"""

from __future__ import annotations

import json

import warnings
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

import geozz as gz
from geozz import _osmfile
from geozz.area import Area
from geozz.errors import GeozzError, OSMError

DATA = Path(__file__).parent / "data" / "osm"

_FACTS = json.loads((DATA / "facts.json").read_text(encoding="utf-8"))
BOUNDS = {k: tuple(v) for k, v in _FACTS["bounds"].items()}
NODES_EXTENT = {k: tuple(v) for k, v in _FACTS["nodes_extent"].items()}
CHINA = ["shenzhen_longgang", "beijing_haidian"]
LONGGANG_RIVER_WAY = "330766463"  # the 龙岗河 way, ~22 km long


@pytest.fixture(scope="module")
def xml_areas() -> dict[str, Area]:
    return {stem: gz.read_osm(DATA / f"{stem}.osm.bz2") for stem in CHINA}


@pytest.fixture(scope="module")
def pbf_areas() -> dict[str, Area]:
    return {stem: gz.read_osm(DATA / f"{stem}.osm.pbf", boundary=BOUNDS[stem])
            for stem in CHINA}


@pytest.fixture(scope="module")
def pbf_unbounded() -> dict[str, tuple[Area, list]]:
    out = {}
    for stem in CHINA:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            area = gz.read_osm(DATA / f"{stem}.osm.pbf")
        out[stem] = (area, caught)
    return out


def _box_of(area: Area) -> tuple[float, ...]:
    return tuple(float(v) for v in area.boundary.total_bounds)


# --------------------------------------------------------------------------------------
# the boundary
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", CHINA)
def test_xml_boundary_is_declared_box(xml_areas, stem):
    area = xml_areas[stem]
    assert isinstance(area, Area)
    assert area.boundary.crs.to_epsg() == 4326
    assert len(area.boundary) == 1
    assert area.boundary.geometry.iloc[0].equals(shapely.box(*BOUNDS[stem]))
    assert area.meta["boundary"] == "declared by the file"
    assert area.name == stem
    assert area.source == f"{stem}.osm.bz2"
    assert area.boundary["name"].tolist() == [stem]


@pytest.mark.parametrize("stem", CHINA)
def test_pbf_without_bounds_warns_and_uses_node_extent(pbf_unbounded, stem):
    area, caught = pbf_unbounded[stem]
    user = [w for w in caught if issubclass(w.category, UserWarning)]
    assert len(user) == 1
    assert "declares no bounds" in str(user[0].message)
    assert "boundary=" in str(user[0].message)
    assert Path(user[0].filename).name == "test_osm.py"  # stacklevel points at the caller
    assert _box_of(area) == pytest.approx(NODES_EXTENT[stem], abs=1e-7)
    assert area.meta["boundary"] == "extent of the nodes"


def test_pbf_without_bounds_warning_via_pytest_warns():
    with pytest.warns(UserWarning, match="declares no bounds"):
        gz.read_osm(DATA / "beijing_haidian.osm.pbf")


@pytest.mark.parametrize("stem", CHINA)
def test_pbf_with_boundary_does_not_warn(stem):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        area = gz.read_osm(DATA / f"{stem}.osm.pbf", boundary=BOUNDS[stem], name="区")
    assert area.meta["boundary"] == "given"
    assert area.name == "区"
    assert _box_of(area) == pytest.approx(BOUNDS[stem], abs=1e-9)


def test_aguascalientes_pbf_header_bbox_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pbf = gz.read_osm(DATA / "aguascalientes.osm.pbf")
        xml = gz.read_osm(DATA / "aguascalientes.osm.bz2")
    assert pbf.meta["boundary"] == "declared by the file"
    assert _box_of(pbf) == pytest.approx(BOUNDS["aguascalientes"], abs=1e-7)
    assert _box_of(xml) == pytest.approx(BOUNDS["aguascalientes"], abs=1e-7)
    assert len(pbf.roads) == len(xml.roads) > 0
    assert sorted(pbf.roads["osm_id"]) == sorted(xml.roads["osm_id"])
    # Mexico, 102.3°W: UTM zone 13N
    units = gz.build_units(pbf, grid_size=200)
    assert units.crs.to_epsg() == 32613
    assert units.index.name == "unit_id"


def test_boundary_as_geodataframe_in_utm(xml_areas):
    b = gpd.GeoDataFrame({"name": ["清华北大"]},
                         geometry=[shapely.box(*BOUNDS["beijing_haidian"])],
                         crs=4326).to_crs(32650)
    area = gz.read_osm(DATA / "beijing_haidian.osm.pbf", boundary=b)
    assert area.boundary.crs.to_epsg() == 4326
    assert area.boundary["name"].tolist() == ["清华北大"]
    assert _box_of(area) == pytest.approx(BOUNDS["beijing_haidian"], abs=1e-6)
    assert len(area.roads) == len(xml_areas["beijing_haidian"].roads)


def test_boundary_without_crs_is_rejected():
    b = gpd.GeoDataFrame(geometry=[shapely.box(*BOUNDS["beijing_haidian"])])
    with pytest.raises(OSMError, match="set_crs"):
        gz.read_osm(DATA / "beijing_haidian.osm.bz2", boundary=b)
    with pytest.raises(OSMError, match="field 'boundary'"):
        gz.read_osm(DATA / "beijing_haidian.osm.bz2", boundary="haidian")


# --------------------------------------------------------------------------------------
# roads and rivers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", CHINA)
def test_pbf_and_xml_give_the_same_lines(xml_areas, pbf_areas, stem):
    xml, pbf = xml_areas[stem], pbf_areas[stem]
    assert len(xml.roads) == len(pbf.roads) > 100
    assert len(xml.rivers) == len(pbf.rivers) > 0
    assert sorted(xml.roads["osm_id"]) == sorted(pbf.roads["osm_id"])
    assert sorted(xml.rivers["osm_id"]) == sorted(pbf.rivers["osm_id"])
    assert list(xml.roads.columns) == ["osm_id", "name", "highway", "geometry"]
    assert list(xml.rivers.columns) == ["osm_id", "name", "waterway", "geometry"]
    assert xml.roads.crs.to_epsg() == xml.rivers.crs.to_epsg() == 4326
    assert (xml.roads.geom_type == "LineString").all()
    assert xml.rivers["waterway"].isin(["river", "stream", "canal"]).all()
    assert xml.roads["highway"].notna().all()


@pytest.mark.parametrize("stem", CHINA)
def test_pbf_and_xml_give_the_same_units(xml_areas, pbf_areas, stem):
    ux = gz.build_units(xml_areas[stem])
    up = gz.build_units(pbf_areas[stem])
    assert ux.index.tolist() == up.index.tolist()
    assert ux.geometry.geom_equals_exact(up.geometry, 1e-6).all()
    assert set(ux["unit_type"]) == {"grid", "road", "river"}
    assert ux.crs.to_epsg() == up.crs.to_epsg() == 32650


@pytest.mark.parametrize("stem", CHINA)
def test_lines_are_clipped_to_the_boundary(xml_areas, pbf_areas, pbf_unbounded, stem):
    for area in (xml_areas[stem], pbf_areas[stem], pbf_unbounded[stem][0]):
        poly = area.boundary.geometry.iloc[0].buffer(1e-9)
        assert area.roads.within(poly).all()
        assert area.rivers.within(poly).all()


def test_longgang_river_is_clipped(xml_areas, pbf_areas):
    # the raw 龙岗河 way runs ~22 km, mostly outside the export box
    with _osmfile.gdal_path(DATA / "shenzhen_longgang.osm.pbf") as p:
        raw = pyogrio.read_dataframe(p, layer="lines", columns=["osm_id", "name"])
    raw = raw.set_crs(4326, allow_override=True)
    way = raw[raw["osm_id"] == LONGGANG_RIVER_WAY]
    assert way["name"].tolist() == ["龙岗河"]
    assert way.to_crs(32650).length.sum() > 20_000
    for area in (xml_areas["shenzhen_longgang"], pbf_areas["shenzhen_longgang"]):
        river = area.rivers[area.rivers["name"] == "龙岗河"]
        inside = river.to_crs(32650).length.sum()
        assert 500 < inside < 6_000
        assert set(river["osm_id"]) == {LONGGANG_RIVER_WAY}


def test_haidian_rivers(xml_areas):
    rivers = xml_areas["beijing_haidian"].rivers
    assert sorted(rivers["name"].dropna().unique()) == ["万泉河"]
    assert len(rivers) == 4


def test_river_types_argument():
    area = gz.read_osm(DATA / "shenzhen_longgang.osm.bz2", river_types=("canal",))
    assert len(area.rivers) == 0
    assert len(area.roads) > 100


# --------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------


def test_non_osm_file_raises_osm_error(tmp_path):
    f = tmp_path / "problems.csv"
    f.write_text("编号,经度,纬度\n1,114.2,22.69\n", encoding="utf-8")
    with pytest.raises(OSMError) as err:
        gz.read_osm(f)
    assert isinstance(err.value, ValueError)
    assert isinstance(err.value, GeozzError)
    assert "problems.csv" in str(err.value)
    assert "OpenStreetMap" in str(err.value)


def test_non_osm_file_with_boundary_and_osm_name(tmp_path):
    f = tmp_path / "fake.osm.pbf"
    f.write_text("a,b\n1,2\n")
    with pytest.raises(OSMError):
        gz.read_osm(f, boundary=BOUNDS["shenzhen_longgang"])


def test_missing_file_raises_osm_error(tmp_path):
    with pytest.raises(OSMError, match="no such file"):
        gz.read_osm(tmp_path / "nope.osm")
