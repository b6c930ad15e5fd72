"""Tests for geozz._osmfile: declared bounds, node extent and GDAL paths of OSM files."""

from __future__ import annotations

import json

import bz2
import gzip
import lzma
import os
import struct
import zlib
from pathlib import Path

import pyogrio
import pytest

from geozz._osmfile import declared_bounds, gdal_path, nodes_extent
from geozz.errors import GeozzError, OSMError

DATA = Path(__file__).parent / "data" / "osm"

_FACTS = json.loads((DATA / "facts.json").read_text(encoding="utf-8"))
XML_BOUNDS = {k: tuple(v) for k, v in _FACTS["bounds"].items()}
NODES_EXTENT = {k: tuple(v) for k, v in _FACTS["nodes_extent"].items()}
LINES = {"shenzhen_longgang": 542, "beijing_haidian": 703, "aguascalientes": 685}


# --------------------------------------------------------------------------
# a tiny protobuf / PBF encoder, independent of the reader under test
# --------------------------------------------------------------------------


def _varint(n: int) -> bytes:
    assert n >= 0
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _zz(n: int) -> int:
    """Zigzag-encode a signed 64-bit integer."""
    return (n << 1) ^ (n >> 63)


def _vi(number: int, value: int) -> bytes:
    """A varint field."""
    return _varint(number << 3) + _varint(value)


def _ld(number: int, payload: bytes) -> bytes:
    """A length-delimited field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _packed(number: int, values: list[int]) -> bytes:
    return _ld(number, b"".join(_varint(v) for v in values))


def _fileblock(blob_type: str, message: bytes, compression: str = "zlib") -> bytes:
    if compression == "raw":
        blob = _ld(1, message)
    elif compression == "zlib":
        blob = _vi(2, len(message)) + _ld(3, zlib.compress(message))
    elif compression == "lzma":
        blob = _vi(2, len(message)) + _ld(4, lzma.compress(message, format=lzma.FORMAT_XZ))
    elif compression == "zstd":  # only its presence matters: the reader must refuse it
        blob = _vi(2, len(message)) + _ld(7, b"\x28\xb5\x2f\xfd not really zstd")
    else:
        raise AssertionError(compression)
    header = _ld(1, blob_type.encode()) + _vi(3, len(blob))
    return struct.pack(">I", len(header)) + header + blob


def _nano(deg: float) -> int:
    return round(deg * 1e9)


def make_pbf(bbox: tuple[float, float, float, float] | None,
             nodes: list[tuple[int, float, float]] = (),
             compression: str = "zlib") -> bytes:
    """Encode an OSM PBF file: an OSMHeader (with ``bbox`` if given) and one
    OSMData block of plain (non-dense) nodes ``(id, lon, lat)``, each tagged
    ``amenity=bench`` so that GDAL's ``points`` layer reports it."""
    header_block = b""
    if bbox is not None:
        minlon, minlat, maxlon, maxlat = bbox
        header_block += _ld(1, _vi(1, _zz(_nano(minlon))) + _vi(2, _zz(_nano(maxlon)))
                            + _vi(3, _zz(_nano(maxlat))) + _vi(4, _zz(_nano(minlat))))
    header_block += _ld(4, b"OsmSchema-V0.6") + _ld(16, b"geozz-test-encoder")
    out = _fileblock("OSMHeader", header_block, compression)
    if nodes:
        strings = _ld(1, b"".join(_ld(1, s) for s in (b"", b"amenity", b"bench")))
        group = b"".join(
            _ld(1, _vi(1, _zz(node_id)) + _packed(2, [1]) + _packed(3, [2])
                + _vi(8, _zz(round(lat * 1e7))) + _vi(9, _zz(round(lon * 1e7))))
            for node_id, lon, lat in nodes
        )
        out += _fileblock("OSMData", strings + _ld(2, group), compression)
    return out


# --------------------------------------------------------------------------
# hand-made XML
# --------------------------------------------------------------------------

XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
XML_NODES = (
    ' <node id="1" lat="22.6800000" lon="114.2000000"/>\n'
    ' <node id="2" lat="22.7500000" lon="114.1000000"><tag k="name" v="龙岗"/></node>\n'
    ' <node id="3" lat="22.6000000" lon="114.3000000"/>\n'
    ' <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way>\n'
)
XML_BOUNDS_LINE = ' <bounds minlat="22.6732000" minlon="114.1862000" maxlat="22.7019000" maxlon="114.2318000"/>\n'


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------
# real files
# --------------------------------------------------------------------------


@pytest.mark.parametrize("stem", sorted(XML_BOUNDS))
def test_xml_bz2_bounds_are_the_export_box(stem: str) -> None:
    assert declared_bounds(DATA / f"{stem}.osm.bz2") == XML_BOUNDS[stem]


def test_pbf_with_header_bbox_equals_xml_bounds() -> None:
    pbf = declared_bounds(DATA / "aguascalientes.osm.pbf")
    assert pbf is not None
    assert pbf == declared_bounds(DATA / "aguascalientes.osm.bz2")
    # GDAL reads the same HeaderBBox as the layer extent.
    gdal = pyogrio.read_info(DATA / "aguascalientes.osm.pbf", layer="lines",
                             force_total_bounds=True)["total_bounds"]
    assert tuple(gdal) == pytest.approx(pbf, abs=1e-9)


@pytest.mark.parametrize("stem", ["shenzhen_longgang", "beijing_haidian"])
def test_pbf_written_by_simplewriter_declares_nothing(stem: str) -> None:
    # pyosmium's SimpleWriter dropped the XML <bounds>: the header has no bbox.
    assert declared_bounds(DATA / f"{stem}.osm.pbf") is None
    # ... so the caller falls back to the node extent, which contains the box.
    extent = nodes_extent(DATA / f"{stem}.osm.pbf")
    box = XML_BOUNDS[stem]
    assert extent[0] <= box[0] and extent[1] <= box[1]
    assert extent[2] >= box[2] and extent[3] >= box[3]


@pytest.mark.parametrize("stem", sorted(NODES_EXTENT))
def test_nodes_extent_xml_and_pbf_agree(stem: str) -> None:
    xml = nodes_extent(DATA / f"{stem}.osm.bz2")
    pbf = nodes_extent(DATA / f"{stem}.osm.pbf")
    assert xml == NODES_EXTENT[stem]
    assert pbf == pytest.approx(xml, abs=1e-9)


def test_gdal_path_bz2_reads_like_the_pbf() -> None:
    src = DATA / "shenzhen_longgang.osm.bz2"
    with gdal_path(src) as p:
        assert p.endswith("shenzhen_longgang.osm")
        assert os.path.isfile(p)
        fids, _ = pyogrio.read_bounds(p, layer="lines")
        assert len(fids) == LINES["shenzhen_longgang"]
        lines = pyogrio.read_dataframe(p, layer="lines", columns=["highway"])
    assert not os.path.exists(p)
    assert not os.path.exists(os.path.dirname(p))
    pbf = pyogrio.read_dataframe(DATA / "shenzhen_longgang.osm.pbf", layer="lines",
                                 columns=["highway"])
    assert len(lines) == len(pbf) == 542
    assert lines["highway"].value_counts().equals(pbf["highway"].value_counts())


@pytest.mark.parametrize("name", ["shenzhen_longgang.osm.pbf", "aguascalientes.osm.pbf"])
def test_gdal_path_pbf_is_the_file_itself(name: str) -> None:
    with gdal_path(DATA / name) as p:
        assert p == str(DATA / name)
    assert os.path.exists(DATA / name)


def test_gdal_path_removes_temp_file_on_error() -> None:
    with pytest.raises(RuntimeError):
        with gdal_path(DATA / "beijing_haidian.osm.bz2") as p:
            raise RuntimeError("boom")
    assert not os.path.exists(p)


# --------------------------------------------------------------------------
# hand-made XML files
# --------------------------------------------------------------------------


def test_xml_with_bounds(tmp_path: Path) -> None:
    f = _write(tmp_path / "a.osm", XML_HEAD + XML_BOUNDS_LINE + XML_NODES + "</osm>\n")
    assert declared_bounds(f) == (114.1862, 22.6732, 114.2318, 22.7019)
    assert declared_bounds(str(f)) == (114.1862, 22.6732, 114.2318, 22.7019)
    assert nodes_extent(f) == (114.1, 22.6, 114.3, 22.75)


def test_xml_without_bounds(tmp_path: Path) -> None:
    f = _write(tmp_path / "a.xml", XML_HEAD + XML_NODES + "</osm>\n")
    assert declared_bounds(f) is None
    assert nodes_extent(f) == (114.1, 22.6, 114.3, 22.75)


def test_xml_bounds_after_first_node_are_ignored(tmp_path: Path) -> None:
    f = _write(tmp_path / "a.osm", XML_HEAD + XML_NODES + XML_BOUNDS_LINE + "</osm>\n")
    assert declared_bounds(f) is None


def test_xml_osmosis_bound_box(tmp_path: Path) -> None:
    line = ' <bound box="22.6732,114.1862,22.7019,114.2318" origin="osmosis"/>\n'
    f = _write(tmp_path / "a.osm", XML_HEAD + line + XML_NODES + "</osm>\n")
    assert declared_bounds(f) == (114.1862, 22.6732, 114.2318, 22.7019)


def test_xml_stops_at_first_node(tmp_path: Path) -> None:
    # Bounds, then a node, then garbage: only the beginning is parsed.
    f = tmp_path / "a.osm"
    f.write_bytes((XML_HEAD + XML_BOUNDS_LINE + XML_NODES).encode() + b"<<< not xml" * 20000)
    assert declared_bounds(f) == (114.1862, 22.6732, 114.2318, 22.7019)
    g = tmp_path / "b.osm"
    g.write_bytes((XML_HEAD + XML_NODES).encode() + b"<<< not xml" * 20000)
    assert declared_bounds(g) is None
    with pytest.raises(OSMError, match="XML error"):
        nodes_extent(g)


@pytest.mark.parametrize("opener,suffix", [(bz2.open, ".osm.bz2"), (gzip.open, ".osm.gz")])
def test_compressed_xml(tmp_path: Path, opener, suffix: str) -> None:
    f = tmp_path / f"a{suffix}"
    with opener(f, "wt", encoding="utf-8") as out:
        out.write(XML_HEAD + XML_BOUNDS_LINE + XML_NODES + "</osm>\n")
    assert declared_bounds(f) == (114.1862, 22.6732, 114.2318, 22.7019)
    assert nodes_extent(f) == (114.1, 22.6, 114.3, 22.75)
    with gdal_path(f) as p:
        assert p.endswith("a.osm")
        points = pyogrio.read_dataframe(p, layer="points")
        assert list(points["name"]) == ["龙岗"]


def test_format_comes_from_content_not_name(tmp_path: Path) -> None:
    f = tmp_path / "misnamed.osm.pbf"
    with bz2.open(f, "wt", encoding="utf-8") as out:
        out.write(XML_HEAD + XML_BOUNDS_LINE + XML_NODES + "</osm>\n")
    assert declared_bounds(f) == (114.1862, 22.6732, 114.2318, 22.7019)


def test_xml_without_nodes(tmp_path: Path) -> None:
    f = _write(tmp_path / "empty.osm", XML_HEAD + "</osm>\n")
    assert declared_bounds(f) is None
    assert nodes_extent(f) is None


@pytest.mark.parametrize("bounds_line", [
    ' <bounds minlat="abc" minlon="114.1" maxlat="22.7" maxlon="114.2"/>\n',
    ' <bounds minlat="22.6" maxlat="22.7" maxlon="114.2"/>\n',
    ' <bounds minlat="22.8" minlon="114.1" maxlat="22.7" maxlon="114.2"/>\n',
    ' <bounds minlat="22.6" minlon="194.1" maxlat="22.7" maxlon="214.2"/>\n',
    ' <bound box="22.6,114.1,22.7"/>\n',
])
def test_broken_xml_bounds_raise(tmp_path: Path, bounds_line: str) -> None:
    f = _write(tmp_path / "a.osm", XML_HEAD + bounds_line + "</osm>\n")
    with pytest.raises(OSMError, match="a.osm"):
        declared_bounds(f)


def test_bad_node_coordinates_raise(tmp_path: Path) -> None:
    f = _write(tmp_path / "a.osm", XML_HEAD + ' <node id="7" lat="95" lon="10"/>\n</osm>\n')
    with pytest.raises(OSMError, match="node 7"):
        nodes_extent(f)


# --------------------------------------------------------------------------
# hand-made PBF files
# --------------------------------------------------------------------------

BOX = (114.1862, 22.6732, 114.2318, 22.7019)
WEST_SOUTH_BOX = (-102.2799068, -21.8752057, -102.2634632, -21.8625789)


@pytest.mark.parametrize("compression", ["raw", "zlib", "lzma"])
@pytest.mark.parametrize("box", [BOX, WEST_SOUTH_BOX, (-180.0, -90.0, 180.0, 90.0)])
def test_pbf_header_bbox(tmp_path: Path, box, compression: str) -> None:
    f = tmp_path / "a.osm.pbf"
    f.write_bytes(make_pbf(box, compression=compression))
    assert declared_bounds(f) == box


def test_pbf_without_bbox(tmp_path: Path) -> None:
    f = tmp_path / "a.osm.pbf"
    f.write_bytes(make_pbf(None))
    assert declared_bounds(f) is None


def test_handmade_pbf_is_valid_for_gdal(tmp_path: Path) -> None:
    nodes = [(1, 114.2, 22.68), (2, 114.1, 22.75), (3, 114.3, 22.6)]
    f = tmp_path / "a.osm.pbf"
    f.write_bytes(make_pbf(BOX, nodes))
    assert declared_bounds(f) == BOX
    info = pyogrio.read_info(f, layer="points", force_total_bounds=True)
    assert tuple(info["total_bounds"]) == pytest.approx(BOX, abs=1e-9)
    points = pyogrio.read_dataframe(f, layer="points")
    assert sorted(points["osm_id"].astype(int)) == [1, 2, 3]
    assert sorted(zip(points.geometry.x.round(7), points.geometry.y.round(7))) == sorted(
        (lon, lat) for _id, lon, lat in nodes)
    assert nodes_extent(f) == (114.1, 22.6, 114.3, 22.75)
    with gdal_path(f) as p:
        assert p == str(f)


def test_pbf_nodes_extent_of_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "a.osm.pbf"
    f.write_bytes(make_pbf(BOX))
    assert nodes_extent(f) is None


def test_pbf_truncated_raises(tmp_path: Path) -> None:
    data = make_pbf(BOX)
    f = tmp_path / "cut.osm.pbf"
    f.write_bytes(data[:30])
    with pytest.raises(OSMError, match="cut.osm.pbf.*ends inside"):
        declared_bounds(f)


def test_pbf_zstd_header_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "z.osm.pbf"
    f.write_bytes(make_pbf(BOX, compression="zstd"))
    with pytest.raises(OSMError, match="zstd compression.*osmium cat"):
        declared_bounds(f)


def test_pbf_first_block_must_be_header(tmp_path: Path) -> None:
    f = tmp_path / "d.osm.pbf"
    f.write_bytes(_fileblock("OSMData", b""))
    with pytest.raises(OSMError, match="OSMHeader"):
        declared_bounds(f)


def test_pbf_malformed_header_block_raises(tmp_path: Path) -> None:
    f = tmp_path / "m.osm.pbf"
    f.write_bytes(_fileblock("OSMHeader", _ld(1, b"\x08\xff\xff")))  # truncated varint
    with pytest.raises(OSMError, match="malformed PBF header"):
        declared_bounds(f)


# --------------------------------------------------------------------------
# not OSM at all
# --------------------------------------------------------------------------


@pytest.mark.parametrize("func", [declared_bounds, nodes_extent])
def test_missing_file_raises_osmerror(tmp_path: Path, func) -> None:
    missing = tmp_path / "nope.osm.pbf"
    with pytest.raises(OSMError) as info:
        func(missing)
    err = info.value
    assert isinstance(err, ValueError) and isinstance(err, GeozzError)
    assert str(missing) in str(err)
    assert "no such file" in str(err) and "Fix:" in str(err)


def test_missing_file_raises_in_gdal_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nope.osm.bz2"):
        with gdal_path(tmp_path / "nope.osm.bz2"):
            pass


@pytest.mark.parametrize("name,content", [
    ("points.csv", b"lon,lat\n114.1,22.6\n"),
    ("empty.osm", b""),
    ("track.gpx", b'<?xml version="1.0"?><gpx version="1.1"><trk/></gpx>'),
    ("broken.osm", b"<osm <<<"),
    ("shapes.zip", b"PK\x03\x04" + bytes(60)),
])
def test_not_osm_raises(tmp_path: Path, name: str, content: bytes) -> None:
    f = tmp_path / name
    f.write_bytes(content)
    for func in (declared_bounds, nodes_extent):
        with pytest.raises(OSMError, match=name.replace(".", r"\.")):
            func(f)


def test_compressed_non_osm_raises(tmp_path: Path) -> None:
    f = tmp_path / "table.csv.bz2"
    f.write_bytes(bz2.compress(b"lon,lat\n114.1,22.6\n"))
    with pytest.raises(OSMError, match="bz2 file whose content is not XML"):
        declared_bounds(f)
    with pytest.raises(OSMError, match="not XML"):
        with gdal_path(f):
            pass


def test_damaged_compression_raises(tmp_path: Path) -> None:
    data = (DATA / "shenzhen_longgang.osm.bz2").read_bytes()
    f = tmp_path / "cut.osm.bz2"
    f.write_bytes(data[: len(data) // 2])
    assert declared_bounds(f) == XML_BOUNDS["shenzhen_longgang"]  # the start is intact
    with pytest.raises(OSMError, match="cut.osm.bz2"):
        nodes_extent(f)
    with pytest.raises(OSMError, match="decompression failed"):
        with gdal_path(f):
            pass


def test_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(OSMError, match="a directory"):
        declared_bounds(tmp_path)
