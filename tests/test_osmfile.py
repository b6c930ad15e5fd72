"""Tests for geozz._osmfile: format from the first bytes, declared bounds, non-OSM files."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path

import osmium
import pytest

from geozz._osmfile import declared_bounds, sniff
from geozz.osm.reader import read_file
from geozz.errors import GeozzError, OSMError

DATA = Path(__file__).parent / "data" / "osm"
BOUNDS = {k: tuple(v) for k, v in
          json.loads((DATA / "facts.json").read_text(encoding="utf-8"))["bounds"].items()}
TINY = ('<?xml version="1.0"?><osm version="0.6"><bounds minlat="22.6" minlon="114.1" '
        'maxlat="22.7" maxlon="114.2"/><node id="1" lat="22.65" lon="114.15"/></osm>')


def _count(path) -> dict[str, int]:
    n = {"node": 0, "way": 0, "relation": 0}
    for obj in osmium.FileProcessor(str(path)):
        n[{"n": "node", "w": "way", "r": "relation"}[obj.type_str()]] += 1
    return n


@pytest.mark.parametrize("name,kind", [("a.osm.pbf", "pbf"), ("a.osm.bz2", "bz2"),
                                       ("a.osm.gz", "gz"), ("a.osm", "xml"),
                                       ("misnamed.pbf", "xml")])
def test_sniff_reads_the_first_bytes_not_the_name(tmp_path, name, kind):
    f = tmp_path / name
    data = TINY.encode()
    f.write_bytes(bz2.compress(data) if kind == "bz2" else gzip.compress(data)
                  if kind == "gz" else (DATA / "aguascalientes.osm.pbf").read_bytes()
                  if kind == "pbf" else data)
    assert sniff(f) == kind


@pytest.mark.parametrize("stem", ["shenzhen_longgang", "beijing_haidian", "jiangxi_guixi",
                                  "shanghai_baoshan_shu", "aguascalientes"])
def test_declared_bounds_of_the_extracts(stem):
    assert declared_bounds(DATA / f"{stem}.osm.bz2") == pytest.approx(BOUNDS[stem], abs=1e-9)
    pbf = declared_bounds(DATA / f"{stem}.osm.pbf")
    if stem == "aguascalientes":
        assert pbf == pytest.approx(BOUNDS[stem], abs=1e-9)
    else:  # converted without the header
        assert pbf is None


@pytest.mark.parametrize("compress", [None, bz2.compress, gzip.compress])
def test_declared_bounds_of_misnamed_xml(tmp_path, compress):
    f = tmp_path / "data.bin"
    f.write_bytes(compress(TINY.encode()) if compress else TINY.encode())
    assert declared_bounds(f) == (114.1, 22.6, 114.2, 22.7)


def test_no_bounds_is_none(tmp_path):
    f = tmp_path / "nobounds.osm"
    f.write_text('<osm version="0.6"><node id="1" lat="22.65" lon="114.15"/></osm>')
    assert declared_bounds(f) is None


@pytest.mark.parametrize("content,phrase", [
    (b"", "an empty file"),
    (b"PK\x03\x04 shapefile zip", "a file starting with b'PK"),
    ("编号,经度\n".encode(), "a file starting with"),
])
def test_not_osm_data(tmp_path, content, phrase):
    f = tmp_path / "x.osm"
    f.write_bytes(content)
    with pytest.raises(OSMError) as err:
        declared_bounds(f)
    assert isinstance(err.value, ValueError) and isinstance(err.value, GeozzError)
    assert phrase in str(err.value) and err.value.issues[0].file == str(f)


def test_bz2_holding_no_xml(tmp_path):
    f = tmp_path / "x.osm.bz2"
    f.write_bytes(bz2.compress(b"col1,col2\n1,2\n"))
    with pytest.raises(OSMError, match="a bz2 file whose content is not XML"):
        sniff(f)


def test_truncated_pbf_is_damaged(tmp_path):
    data = (DATA / "jiangxi_guixi.osm.pbf").read_bytes()
    f = tmp_path / "half.osm.pbf"
    f.write_bytes(data[: len(data) // 2])
    assert declared_bounds(f) is None  # the header is whole
    with pytest.raises(OSMError, match="pyosmium cannot read this pbf file.*damaged or "
                                       "truncated"):
        read_file(f, river_types=())


def test_broken_bounds_coordinate_is_damaged(tmp_path):
    f = tmp_path / "bad.osm"
    f.write_text('<osm version="0.6"><bounds minlat="x" minlon="114.1" maxlat="22.7" '
                 'maxlon="114.2"/></osm>')
    with pytest.raises(OSMError, match="wrong format for coordinate"):
        declared_bounds(f)


def test_directory_and_missing(tmp_path):
    with pytest.raises(OSMError, match="a directory"):
        sniff(tmp_path)
    with pytest.raises(OSMError, match="no such file"):
        sniff(tmp_path / "nope.osm")
