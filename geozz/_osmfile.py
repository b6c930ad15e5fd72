"""What an OpenStreetMap file declares as its extent, and opening it for GDAL.

Three helpers, none of which needs pyosmium:

:func:`declared_bounds`
    The box the file says it covers: ``<bounds>`` (or osmosis' ``<bound box>``)
    in OSM XML, plain or compressed with bzip2/gzip, or the ``HeaderBBox`` of an
    ``.osm.pbf`` file. Only the beginning of the file is read; the PBF header is
    decoded by a small protobuf wire-format reader written here (stdlib + zlib).
:func:`nodes_extent`
    The extent of the nodes actually in the file, for files that declare nothing.
:func:`gdal_path`
    A context manager giving a path GDAL's OSM driver can open, decompressing
    ``.osm.bz2`` / ``.osm.gz`` into a temporary ``.osm`` file when needed.

The format is recognised from the file's first bytes, not from its name, so a
misnamed file still works and a file that is not OSM data at all (a shapefile
zip, a CSV, a GPX track) raises :class:`~geozz.errors.OSMError`, which is also a
:class:`ValueError`.

Every box is ``(minlon, minlat, maxlon, maxlat)`` in WGS-84 degrees.

Notes
-----
The declared box of an openstreetmap.org export is the box the user drew; the
file also holds every complete way that touches it, so the nodes reach well
beyond it. Use :func:`declared_bounds` for "the area this file is about" and
:func:`nodes_extent` for "where the data lies".

Examples
--------
>>> import pathlib, tempfile, pyogrio
>>> f = pathlib.Path(tempfile.mkdtemp()) / "tiny.osm"
>>> _ = f.write_text('<osm version="0.6"><bounds minlat="22.6" minlon="114.1" '
...                  'maxlat="22.7" maxlon="114.2"/><node id="1" lat="22.65" lon="114.15"/>'
...                  '</osm>')
>>> declared_bounds(f)
(114.1, 22.6, 114.2, 22.7)
>>> with gdal_path(f) as p:
...     layers = [name for name, _ in pyogrio.list_layers(p)]
>>> "lines" in layers
True
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import math
import os
import shutil
import struct
import tempfile
import zlib
from pathlib import Path
from typing import IO, Callable, Iterator
from xml.parsers import expat

from .errors import Issue, OSMError

__all__ = ["declared_bounds", "nodes_extent", "gdal_path"]

#: ``(minlon, minlat, maxlon, maxlat)`` in WGS-84 degrees.
Bounds = tuple[float, float, float, float]

PathLike = str | os.PathLike[str]

_EXPECTED_OSM = "an OpenStreetMap file (.osm / .xml, .osm.bz2, .osm.gz or .osm.pbf)"
_FIX_GET_OSM = (
    "pass an OSM extract: an 'Export' from openstreetmap.org (.osm), "
    "or a .osm.pbf extract from download.geofabrik.de or extract.bbbike.org"
)
_FIX_DAMAGED = "the file looks damaged or truncated; download or export it again"

# Limits from the PBF specification (https://wiki.openstreetmap.org/wiki/PBF_Format).
_PBF_MAX_HEADER = 64 * 1024
_PBF_MAX_BLOB = 32 * 1024 * 1024

_XML_CHUNK = 64 * 1024
_XML_ROOTS = ("osm", "osmChange")
_XML_DATA_ELEMENTS = frozenset({"node", "way", "relation", "changeset"})

# Errors the stdlib decompressors raise for damaged input.
_DECOMPRESS_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def declared_bounds(path: PathLike) -> Bounds | None:
    """Return the bounding box an OSM file declares, without reading its data.

    Parameters
    ----------
    path : str or os.PathLike
        An OSM XML file (``.osm``, ``.xml``), optionally compressed with bzip2
        or gzip (``.osm.bz2``, ``.osm.gz``), or an ``.osm.pbf`` file. The
        format is recognised from the content, not the name.

    Returns
    -------
    tuple of float or None
        ``(minlon, minlat, maxlon, maxlat)`` in WGS-84 degrees, taken from the
        XML ``<bounds minlat= minlon= maxlat= maxlon=>`` element, the osmosis
        ``<bound box="minlat,minlon,maxlat,maxlon">`` element, or the PBF
        ``HeaderBBox``. ``None`` when the file declares no box (for XML: none
        before the first node, way or relation).

    Raises
    ------
    OSMError
        If the file does not exist, is not OSM data, is damaged, or declares a
        box that is not a valid longitude/latitude box. ``OSMError`` is a
        :class:`ValueError`.

    Notes
    -----
    XML is stream-parsed and parsing stops at the first data element, so only
    the first few kilobytes are read (and decompressed). For PBF only the
    first block (``OSMHeader``) is read. Files converted to PBF by some tools
    (pyosmium's ``SimpleWriter``, for instance) lose the XML ``<bounds>``;
    fall back to :func:`nodes_extent` then.

    Examples
    --------
    >>> from geozz import datasets
    >>> print(declared_bounds(datasets.path("longgang") / "shenzhen_longgang.osm.pbf"))
    None
    """
    kind = _sniff(path)
    if kind == "pbf":
        return _pbf_declared_bounds(path)
    found: list[Bounds] = []

    def on_start(name: str, attrs: dict[str, str]) -> None:
        if name in _XML_DATA_ELEMENTS:
            raise _StopParsing
        if name == "bounds":
            found.append(_xml_bounds_attrs(path, attrs))
            raise _StopParsing
        if name == "bound" and "box" in attrs:
            found.append(_xml_bound_box(path, attrs["box"]))
            raise _StopParsing

    _scan_xml(path, kind, on_start)
    return found[0] if found else None


def nodes_extent(path: PathLike) -> Bounds | None:
    """Return the extent of the nodes in an OSM file.

    The fallback for files that declare no bounds (see :func:`declared_bounds`).

    Parameters
    ----------
    path : str or os.PathLike
        An OSM XML file, optionally compressed with bzip2 or gzip, or an
        ``.osm.pbf`` file.

    Returns
    -------
    tuple of float or None
        ``(minlon, minlat, maxlon, maxlat)`` in WGS-84 degrees, or ``None`` if
        the file holds no node with coordinates.

    Raises
    ------
    OSMError
        If the file does not exist, is not OSM data, is damaged, or holds a
        node whose coordinates are not numbers in range.

    Notes
    -----
    XML is stream-parsed in full: every ``<node lat= lon=>`` counts, in
    constant memory. PBF is read with GDAL (pyogrio): the union of the
    feature bounds of every layer of the OSM driver (``points``, ``lines``,
    ``multilinestrings``, ``multipolygons``, ``other_relations``). GDAL's
    ``points`` layer holds only tagged nodes, so the way and relation layers
    are needed to cover the untagged nodes of ways. An untagged node that
    belongs to no way, or an untagged way that belongs to no relation, is not
    seen by GDAL; such data is rare. PBF coordinates are rounded to 9
    decimals (OSM stores at most nanodegrees) to remove floating-point noise.

    Examples
    --------
    >>> from geozz import datasets
    >>> nodes_extent(datasets.path("longgang") / "shenzhen_longgang.osm.pbf")
    (114.0573295, 22.5428171, 114.3554618, 22.7819024)
    """
    kind = _sniff(path)
    if kind == "pbf":
        return _pbf_nodes_extent(path)

    box = [math.inf, math.inf, -math.inf, -math.inf]

    def on_start(name: str, attrs: dict[str, str]) -> None:
        if name != "node" or "lat" not in attrs or "lon" not in attrs:
            return
        try:
            lat = float(attrs["lat"])
            lon = float(attrs["lon"])
        except ValueError:
            lat = lon = math.nan
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise OSMError(Issue(
                file=str(path), field=f"node {attrs.get('id', '?')}",
                expected="lat in [-90, 90] and lon in [-180, 180] (decimal degrees)",
                got=f"lat={attrs['lat']!r} lon={attrs['lon']!r}", fix=_FIX_DAMAGED,
            ))
        if lon < box[0]:
            box[0] = lon
        if lat < box[1]:
            box[1] = lat
        if lon > box[2]:
            box[2] = lon
        if lat > box[3]:
            box[3] = lat

    _scan_xml(path, kind, on_start)
    if box[0] == math.inf:
        return None
    return (box[0], box[1], box[2], box[3])


@contextlib.contextmanager
def gdal_path(path: PathLike) -> Iterator[str]:
    """Give a path that GDAL's OSM driver (pyogrio, geopandas) can open.

    GDAL reads ``.osm`` XML and ``.osm.pbf`` but not ``.osm.bz2``; this
    decompresses bzip2 and gzip files into a temporary ``.osm`` file that is
    deleted when the ``with`` block ends.

    Parameters
    ----------
    path : str or os.PathLike
        An OSM XML file, optionally compressed with bzip2 or gzip, or an
        ``.osm.pbf`` file.

    Yields
    ------
    str
        ``path`` itself (as a string) for uncompressed XML and PBF, otherwise
        the path of the temporary decompressed ``.osm`` file. Valid only inside
        the ``with`` block.

    Raises
    ------
    OSMError
        If the file does not exist, is not OSM data, or fails to decompress.

    Notes
    -----
    The temporary file is written to the system temporary directory
    (:func:`tempfile.gettempdir`) and is as large as the uncompressed XML,
    typically 10 to 20 times the ``.bz2``.

    Examples
    --------
    >>> import pyogrio
    >>> from geozz import datasets
    >>> with gdal_path(datasets.path("longgang") / "shenzhen_longgang.osm.pbf") as p:
    ...     lines = pyogrio.read_dataframe(p, layer="lines")
    >>> len(lines)
    542
    """
    kind = _sniff(path)
    if kind in ("xml", "pbf"):
        yield os.fspath(path)
        return
    name = Path(path).name
    for suffix in (".bz2", ".bzip2", ".gz", ".gzip"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    if not name.lower().endswith((".osm", ".xml")):
        name += ".osm"
    with tempfile.TemporaryDirectory(prefix="geozz-osm-", ignore_cleanup_errors=True) as tmp:
        out = os.path.join(tmp, name)
        with _open_decompressed(path, kind) as src, open(out, "wb") as dst:
            try:
                head = src.read(_XML_CHUNK)
                if not _looks_like_xml(head):
                    raise _not_osm(path, head, inside=kind)
                dst.write(head)
                shutil.copyfileobj(src, dst, 1024 * 1024)
            except _DECOMPRESS_ERRORS as exc:
                raise _damaged(path, f"{kind} decompression failed: {exc}") from exc
        yield out


# --------------------------------------------------------------------------
# format detection
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
    if head.startswith(b"BZh"):
        return "bz2"
    if head.startswith(b"\x1f\x8b"):
        return "gz"
    if len(head) >= 5 and head[4] == 0x0A:  # BlobHeader field 1 (type), wire type 2
        size = struct.unpack(">I", head[:4])[0]
        if 0 < size <= _PBF_MAX_HEADER:
            return "pbf"
    if _looks_like_xml(head):
        return "xml"
    raise _not_osm(path, head)


def _looks_like_xml(head: bytes) -> bool:
    """Whether ``head`` starts like an XML document (BOM and blanks allowed)."""
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


def _not_osm(path: PathLike, head: bytes, inside: str | None = None) -> OSMError:
    got = "an empty file" if not head else f"a file starting with {head[:24]!r}"
    if inside is not None:
        got = f"a {inside} file whose content is " + (
            "empty" if not head else f"not XML (it starts with {head[:24]!r})")
    return OSMError(Issue(file=str(path), expected=_EXPECTED_OSM, got=got, fix=_FIX_GET_OSM))


def _damaged(path: PathLike, detail: str) -> OSMError:
    return OSMError(Issue(
        file=str(path), expected="a complete, undamaged OSM file", got=detail,
        fix=_FIX_DAMAGED,
    ))


# --------------------------------------------------------------------------
# XML
# --------------------------------------------------------------------------


class _StopParsing(Exception):
    """Raised by an element handler to end parsing early."""


@contextlib.contextmanager
def _open_decompressed(path: PathLike, kind: str) -> Iterator[IO[bytes]]:
    """Open ``path`` for reading bytes, decompressing ``bz2``/``gz`` on the fly."""
    if kind == "bz2":
        stream: IO[bytes] = bz2.open(path, "rb")
    elif kind == "gz":
        stream = gzip.open(path, "rb")
    else:
        stream = open(path, "rb")
    with stream:
        yield stream


def _scan_xml(path: PathLike, kind: str,
              on_start: Callable[[str, dict[str, str]], None]) -> None:
    """Stream-parse OSM XML, calling ``on_start`` for each element below the root.

    ``on_start`` may raise :class:`_StopParsing` to end early; then only the
    bytes read so far have been decompressed and parsed.
    """
    root: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if not root:
            root.append(name)
            if name not in _XML_ROOTS:
                raise OSMError(Issue(
                    file=str(path), expected=f"OSM XML (root element <osm>), {_EXPECTED_OSM}",
                    got=f"XML with root element <{name}>", fix=_FIX_GET_OSM,
                ))
            return
        on_start(name, attrs)

    def no_entities(*_args: object) -> None:
        # OSM XML never declares entities; refusing them rules out entity bombs.
        raise _damaged(path, "an XML entity declaration (OSM XML has none)")

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EntityDeclHandler = no_entities
    with _open_decompressed(path, kind) as stream:
        first = True
        try:
            while True:
                chunk = stream.read(_XML_CHUNK)
                if first:
                    if not _looks_like_xml(chunk):
                        raise _not_osm(path, chunk, inside=None if kind == "xml" else kind)
                    first = False
                if not chunk:
                    parser.Parse(b"", True)
                    break
                parser.Parse(chunk, False)
        except _StopParsing:
            return
        except expat.ExpatError as exc:
            if not root:
                raise OSMError(Issue(
                    file=str(path), expected=_EXPECTED_OSM,
                    got=f"text that is not well-formed XML ({expat.ErrorString(exc.code)} "
                        f"at line {exc.lineno})",
                    fix=_FIX_GET_OSM,
                )) from exc
            raise _damaged(path, f"XML error: {expat.ErrorString(exc.code)} "
                                 f"at line {exc.lineno}, column {exc.offset}") from exc
        except _DECOMPRESS_ERRORS as exc:
            raise _damaged(path, f"{kind} decompression failed: {exc}") from exc
    if not root:
        raise _not_osm(path, b"", None)


def _xml_bounds_attrs(path: PathLike, attrs: dict[str, str]) -> Bounds:
    keys = ("minlon", "minlat", "maxlon", "maxlat")
    try:
        values = [float(attrs[k]) for k in keys]
    except (KeyError, ValueError):
        raise OSMError(Issue(
            file=str(path), field="<bounds>",
            expected="numeric attributes minlat, minlon, maxlat and maxlon",
            got={k: attrs.get(k) for k in keys}, fix=_FIX_DAMAGED,
        )) from None
    return _checked_box(path, "<bounds>", values)


def _xml_bound_box(path: PathLike, box: str) -> Bounds:
    parts = box.split(",")
    try:
        if len(parts) != 4:
            raise ValueError
        minlat, minlon, maxlat, maxlon = (float(p) for p in parts)
    except ValueError:
        raise OSMError(Issue(
            file=str(path), field="<bound box>",
            expected='box="minlat,minlon,maxlat,maxlon" with four numbers',
            got=box, fix=_FIX_DAMAGED,
        )) from None
    return _checked_box(path, "<bound box>", [minlon, minlat, maxlon, maxlat])


def _checked_box(path: PathLike, field: str, values: list[float]) -> Bounds:
    minlon, minlat, maxlon, maxlat = values
    ok = (all(math.isfinite(v) for v in values)
          and -180.0 <= minlon <= maxlon <= 180.0
          and -90.0 <= minlat <= maxlat <= 90.0)
    if not ok:
        raise OSMError(Issue(
            file=str(path), field=field,
            expected="a box with -180 <= minlon <= maxlon <= 180 and "
                     "-90 <= minlat <= maxlat <= 90",
            got=f"minlon={minlon} minlat={minlat} maxlon={maxlon} maxlat={maxlat}",
            fix="the declared bounds are broken; use nodes_extent() or re-export the file",
        ))
    return (minlon, minlat, maxlon, maxlat)


# --------------------------------------------------------------------------
# PBF: a minimal protobuf wire-format reader
# --------------------------------------------------------------------------


class _WireError(ValueError):
    """Malformed protobuf data."""


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Decode the base-128 varint at ``buf[pos]``; return ``(value, next_pos)``."""
    result = 0
    shift = 0
    while True:
        if pos >= len(buf):
            raise _WireError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise _WireError("varint longer than 10 bytes")


def _fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield ``(field_number, wire_type, value)`` for each field of a message.

    Varints (wire type 0) are returned as unsigned ints, fixed 64/32-bit values
    (types 1 and 5) and length-delimited ones (type 2) as bytes.
    """
    pos = 0
    end = len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _WireError("field number 0")
        value: int | bytes
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire in (1, 2, 5):
            if wire == 2:
                size, pos = _varint(buf, pos)
            else:
                size = 8 if wire == 1 else 4
            if pos + size > end:
                raise _WireError(f"field {number} runs past the end of its message")
            value = bytes(buf[pos:pos + size])
            pos += size
        else:
            raise _WireError(f"unsupported wire type {wire} (field {number})")
        yield number, wire, value


def _zigzag(n: int) -> int:
    """Decode a protobuf ``sint64`` from its zigzag-encoded varint."""
    return (n >> 1) ^ -(n & 1)


def _read_exact(f: IO[bytes], size: int, path: PathLike, what: str) -> bytes:
    data = f.read(size)
    if len(data) != size:
        raise _damaged(path, f"the file ends inside the {what} "
                             f"({len(data)} of {size} bytes)")
    return data


def _pbf_header_block(path: PathLike) -> bytes:
    """Return the decoded ``HeaderBlock`` message of a PBF file (its first blob)."""
    with open(path, "rb") as f:
        size = struct.unpack(">I", _read_exact(f, 4, path, "BlobHeader length"))[0]
        if not 0 < size <= _PBF_MAX_HEADER:
            raise _damaged(path, f"a BlobHeader length of {size} bytes "
                                 f"(at most {_PBF_MAX_HEADER} allowed)")
        header = _read_exact(f, size, path, "BlobHeader")
        blob_type: str | None = None
        datasize: int | None = None
        for number, wire, value in _fields(header):
            if number == 1 and wire == 2:
                blob_type = bytes(value).decode("utf-8", "replace")  # type: ignore[arg-type]
            elif number == 3 and wire == 0:
                datasize = value  # type: ignore[assignment]
        if blob_type != "OSMHeader":
            raise OSMError(Issue(
                file=str(path), field="BlobHeader.type",
                expected="an OSM PBF file whose first block is 'OSMHeader'",
                got=blob_type, fix=_FIX_GET_OSM,
            ))
        if datasize is None or not 0 < datasize <= _PBF_MAX_BLOB:
            raise _damaged(path, f"an OSMHeader blob size of {datasize}")
        blob = _read_exact(f, datasize, path, "OSMHeader blob")
    return _blob_data(path, blob)


def _blob_data(path: PathLike, blob: bytes) -> bytes:
    """Decompress the payload of a PBF ``Blob`` message."""
    parts: dict[int, int | bytes] = {}
    for number, _wire, value in _fields(blob):
        parts[number] = value
    if isinstance(parts.get(1), bytes):  # raw
        return parts[1]  # type: ignore[return-value]
    try:
        if isinstance(parts.get(3), bytes):  # zlib_data
            inflater = zlib.decompressobj()
            data = inflater.decompress(parts[3], _PBF_MAX_BLOB)  # type: ignore[arg-type]
            if inflater.unconsumed_tail:
                raise _damaged(path, f"an OSMHeader larger than {_PBF_MAX_BLOB} bytes")
            return data
        if isinstance(parts.get(4), bytes):  # lzma_data
            return lzma.LZMADecompressor().decompress(parts[4], _PBF_MAX_BLOB)  # type: ignore[arg-type]
        if isinstance(parts.get(5), bytes):  # OBSOLETE_bzip2_data
            return bz2.BZ2Decompressor().decompress(parts[5], _PBF_MAX_BLOB)  # type: ignore[arg-type]
    except (zlib.error, lzma.LZMAError, OSError, EOFError) as exc:
        raise _damaged(path, f"the OSMHeader blob does not decompress: {exc}") from exc
    names = {6: "lz4", 7: "zstd"}
    found = [names[n] for n in sorted(parts) if n in names]
    if found:
        raise OSMError(Issue(
            file=str(path), field="Blob",
            expected="an OSMHeader block that is raw, zlib, lzma or bzip2 compressed",
            got=f"{found[0]} compression",
            fix="convert the file to zlib compression, e.g. "
                "`osmium cat in.osm.pbf -o out.osm.pbf`",
        ))
    raise _damaged(path, "an OSMHeader blob with no data")


def _pbf_declared_bounds(path: PathLike) -> Bounds | None:
    try:
        header_block = _pbf_header_block(path)
        bbox: bytes | None = None
        for number, wire, value in _fields(header_block):
            if number == 1 and wire == 2:
                bbox = value  # type: ignore[assignment]
        if bbox is None:
            return None
        sides: dict[int, int] = {}
        for number, wire, value in _fields(bbox):
            if number in (1, 2, 3, 4) and wire == 0:
                sides[number] = _zigzag(value)  # type: ignore[arg-type]
    except _WireError as exc:
        raise _damaged(path, f"malformed PBF header ({exc})") from exc
    if len(sides) != 4:
        raise _damaged(path, "a HeaderBBox without all of left, right, top and bottom")
    # left=1, right=2, top=3, bottom=4, in nanodegrees. Dividing the exact integer
    # gives the double nearest to the decimal value (114186200000 -> 114.1862).
    left, right, top, bottom = (sides[k] / 1e9 for k in (1, 2, 3, 4))
    return _checked_box(path, "HeaderBBox", [left, bottom, right, top])


def _pbf_nodes_extent(path: PathLike) -> Bounds | None:
    import numpy as np
    import pyogrio
    from pyogrio.errors import DataSourceError, DataLayerError

    box = [math.inf, math.inf, -math.inf, -math.inf]
    try:
        layers = [str(name) for name, _geom in pyogrio.list_layers(path)]
        for layer in layers:
            _fids, bounds = pyogrio.read_bounds(path, layer=layer)
            if bounds.shape[1] == 0:
                continue
            ok = np.isfinite(bounds).all(axis=0)
            if not ok.any():
                continue
            b = bounds[:, ok]
            box[0] = min(box[0], float(b[0].min()))
            box[1] = min(box[1], float(b[1].min()))
            box[2] = max(box[2], float(b[2].max()))
            box[3] = max(box[3], float(b[3].max()))
    except (DataSourceError, DataLayerError) as exc:
        raise _damaged(path, f"GDAL cannot read it: {exc}") from exc
    if box[0] == math.inf:
        return None
    return (round(box[0], 9), round(box[1], 9), round(box[2], 9), round(box[3], 9))
