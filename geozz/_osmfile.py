"""Opening an OpenStreetMap file: what it is and what it declares.

pyosmium (libosmium) reads the file (:mod:`geozz.osm.reader`) and its header, with the
declared box (:func:`declared_bounds`). What no library does is kept here: recognising
the format from the file's first bytes, so that a misnamed file still works and a file
that is not OSM data at all (a shapefile zip, a CSV, a GPX track, a web page saved
instead of the download) raises :class:`~geozz.errors.OSMError` (also a
:class:`ValueError`) naming the file and a fix that fits the cause.

Every box is ``(minlon, minlat, maxlon, maxlat)`` in WGS-84 degrees.

Examples
--------
>>> import pathlib, tempfile
>>> f = pathlib.Path(tempfile.mkdtemp()) / "tiny.osm"
>>> _ = f.write_text('<osm version="0.6"><bounds minlat="22.6" minlon="114.1" '
...                  'maxlat="22.7" maxlon="114.2"/><node id="1" lat="22.65" lon="114.15"/>'
...                  '</osm>')
>>> sniff(f), declared_bounds(f)
('xml', (114.1, 22.6, 114.2, 22.7))
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import struct
import zlib
from pathlib import Path

import osmium

from .errors import Issue, OSMError

__all__ = ["declared_bounds", "sniff", "osmium_error", "convert", "OSMIUM_FORMAT"]

#: ``(minlon, minlat, maxlon, maxlat)`` in WGS-84 degrees.
Bounds = tuple[float, float, float, float]

PathLike = str | os.PathLike[str]

_EXPECTED_OSM = "an OpenStreetMap file (.osm / .xml, .osm.bz2, .osm.gz or .osm.pbf)"
_FIX_GET_OSM = (
    "pass an OSM extract: an 'Export' from openstreetmap.org (.osm), "
    "or a .osm.pbf extract from download.geofabrik.de or extract.bbbike.org"
)
FIX_DAMAGED = "the file looks damaged or truncated; download or export it again"

# The largest BlobHeader the PBF specification allows (wiki.openstreetmap.org/wiki/PBF_Format).
_PBF_MAX_HEADER = 64 * 1024
# how much of a compressed file is decompressed to see what it holds
_PEEK = 256

# libosmium's name for each format, so that a misnamed file is read as what it is
OSMIUM_FORMAT = {"pbf": "pbf", "xml": "osm", "bz2": "osm.bz2", "gz": "osm.gz"}

# Errors the stdlib decompressors raise for damaged input.
_DECOMPRESS_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)


def sniff(path: PathLike) -> str:
    """The format of an OSM file from its first bytes: ``"pbf"``, ``"xml"``, ``"bz2"`` or ``"gz"``.

    Parameters
    ----------
    path : str or os.PathLike
        The file; its name does not matter.

    Raises
    ------
    OSMError
        The file is missing, a directory, unreadable, empty or not OSM data.

    Examples
    --------
    >>> from geozz import datasets
    >>> sniff(datasets.path("longgang") / "shenzhen_longgang.osm.pbf")
    'pbf'
    """
    return _sniff(path)


def declared_bounds(path: PathLike) -> Bounds | None:
    """Return the box an OSM file declares in its header, without reading its data.

    Parameters
    ----------
    path : str or os.PathLike
        An OSM XML file (``<bounds>``), optionally compressed with bzip2 or gzip, or an
        ``.osm.pbf`` file (``HeaderBBox``). The format is recognised from the content.

    Returns
    -------
    tuple of float or None
        ``(minlon, minlat, maxlon, maxlat)``; ``None`` when the file declares no box.

    Raises
    ------
    OSMError
        The file is missing, not OSM data, damaged, or declares a box that is not a valid
        longitude/latitude box.

    Notes
    -----
    The header is read by pyosmium (``osmium.io.Reader`` with no entity bits). Files
    converted to PBF by some tools (pyosmium's ``SimpleWriter`` without a header, for
    instance) lose the XML ``<bounds>``; osmosis' ``<bound box=…>`` is not read.

    Examples
    --------
    >>> from geozz import datasets
    >>> print(declared_bounds(datasets.path("longgang") / "shenzhen_longgang.osm.pbf"))
    None
    """
    kind = _sniff(path)
    box = _header(path, kind).box()
    if not box.valid():
        return None
    bl, tr = box.bottom_left, box.top_right
    values = (bl.lon, bl.lat, tr.lon, tr.lat)
    if not (-180.0 <= values[0] <= values[2] <= 180.0 and -90.0 <= values[1] <= values[3] <= 90.0):
        raise OSMError(Issue(
            file=str(path), field="bounds",
            expected="a box with -180 <= minlon <= maxlon <= 180 and "
                     "-90 <= minlat <= maxlat <= 90", got=str(box),
            fix="the declared bounds are broken; pass boundary= or re-export the file"))
    return values


def convert(src: PathLike, out: PathLike) -> Path:
    """Write the OSM file ``src`` again as ``out``, in the format ``out``'s name gives
    (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``), its header (and so its declared
    bounds) kept: the same extract as XML and as PBF, for tests and benchmarks.

    Examples
    --------
    >>> import tempfile
    >>> from geozz import datasets
    >>> pbf = datasets.path("longgang") / "shenzhen_longgang.osm.pbf"
    >>> xml = convert(pbf, Path(tempfile.mkdtemp()) / "longgang.osm")
    >>> sniff(xml), declared_bounds(xml) == declared_bounds(pbf)
    ('xml', True)
    """
    reader = osmium.io.Reader(str(src), osmium.osm.osm_entity_bits.NOTHING)
    header = reader.header()
    reader.close()
    writer = osmium.SimpleWriter(str(out), header=header)
    try:
        for obj in osmium.FileProcessor(str(src)):
            writer.add(obj)
    finally:
        writer.close()
    return Path(out)


def _header(path: PathLike, kind: str):
    """The file's header, read by pyosmium; its errors become OSMError."""
    try:
        reader = osmium.io.Reader(osmium.io.File(os.fspath(path), OSMIUM_FORMAT[kind]),
                                  osmium.osm.osm_entity_bits.NOTHING)
        try:
            return reader.header()
        finally:
            reader.close()
    except (RuntimeError, ValueError, osmium.InvalidLocationError) as exc:  # libosmium
        raise osmium_error(path, kind, exc) from exc


def osmium_error(path: PathLike, kind: str, exc: Exception) -> OSMError:
    """The :class:`OSMError` for an error libosmium raised while reading ``path``.

    XML whose root is not ``<osm>`` (a GPX track, a KML) is named as such; anything else
    libosmium refuses is damaged or truncated data (a download cut short, a broken
    compression stream), whose fix is to fetch the file again. An extract cut by a box or
    a polygon is never refused: its missing nodes and members are counted by
    :func:`geozz.osm.reader.read_file`.
    """
    text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    if "top-level element" in text:  # XML, but not OSM XML (a GPX track, a KML, …)
        return OSMError(Issue(file=str(path), expected=f"OSM XML (root element <osm>), "
                              f"{_EXPECTED_OSM}", got=f"XML that is not OSM ({text})",
                              fix=_FIX_GET_OSM))
    return _damaged(path, f"pyosmium cannot read this {kind} file: {text}")


# --------------------------------------------------------------------------
# format detection (no library recognises a non-OSM file with a clear message)
# --------------------------------------------------------------------------


def _sniff(path: PathLike) -> str:
    """Return ``"pbf"``, ``"xml"``, ``"bz2"`` or ``"gz"`` from the first bytes."""
    p = Path(path)
    if not p.exists():
        raise OSMError(Issue(
            file=str(path), expected=f"an existing file: {_EXPECTED_OSM}",
            got="no such file",
            fix="check the path and the file name (working directory: "
                f"{os.getcwd()}); {_FIX_GET_OSM}",
        ))
    if not p.is_file():
        raise OSMError(Issue(
            file=str(path), expected=_EXPECTED_OSM, got="a directory",
            fix="pass the OSM file inside the directory, not the directory itself",
        ))
    try:
        with open(p, "rb") as f:
            head = f.read(64)
    except OSError as exc:
        raise OSMError(Issue(
            file=str(path), expected="a readable file", got=str(exc),
            fix="check the file's permissions",
        )) from exc
    if head.startswith(b"BZh") or head.startswith(b"\x1f\x8b"):
        kind = "bz2" if head.startswith(b"BZh") else "gz"
        opener = bz2.open if kind == "bz2" else gzip.open
        try:
            with opener(p, "rb") as f:
                inner = f.read(_PEEK)
        except _DECOMPRESS_ERRORS as exc:
            raise _damaged(path, f"{kind} decompression failed: {exc}") from exc
        if not _looks_like_xml(inner):
            raise _not_osm(path, inner, inside=kind)
        _refuse_html(path, inner)
        return kind
    if len(head) >= 5 and head[4] == 0x0A:  # BlobHeader field 1 (type), wire type 2
        size = struct.unpack(">I", head[:4])[0]
        if 0 < size <= _PBF_MAX_HEADER:
            return "pbf"
    if _looks_like_xml(head):
        _refuse_html(path, head)
        return "xml"
    raise _not_osm(path, head)


def _looks_like_xml(head: bytes) -> bool:
    """Whether ``head`` starts like an XML document (BOM and blanks allowed)."""
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


def _refuse_html(path: PathLike, head: bytes) -> None:
    """A web page saved instead of the data (an error or login page of a download site)."""
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip()[:64].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        raise OSMError(Issue(
            file=str(path), expected=_EXPECTED_OSM,
            got=f"a web page (HTML), starting with {head[:24]!r}",
            fix="the download gave a web page (an error, quota or login page) instead of "
                "the data: open the file in a browser to read it, then download the "
                ".osm.pbf / .osm link itself"))


def _not_osm(path: PathLike, head: bytes, inside: str | None = None) -> OSMError:
    got = "an empty file" if not head else f"a file starting with {head[:24]!r}"
    if inside is not None:
        got = f"a {inside} file whose content is " + (
            "empty" if not head else f"not XML (it starts with {head[:24]!r})")
    return OSMError(Issue(file=str(path), expected=_EXPECTED_OSM, got=got, fix=_FIX_GET_OSM))


def _damaged(path: PathLike, detail: str) -> OSMError:
    return OSMError(Issue(
        file=str(path), expected="a complete, undamaged OSM file", got=detail,
        fix=FIX_DAMAGED,
    ))
