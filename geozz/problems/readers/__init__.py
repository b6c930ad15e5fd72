"""Reading problem records from every channel, record by record.

:func:`read_raw` dispatches on the path: a folder is a folder of geotagged photos
(:mod:`.photos`); a ``.csv`` / ``.txt`` / ``.tsv`` (optionally ``.gz``) is delimited text
(:mod:`.text`); ``.xlsx`` / ``.xlsm`` a workbook (:mod:`.excel`); a ``.json`` holding a
list of Open311 GeoReport v2 requests is read by :mod:`.open311`, any other ``.json``
(GeoJSON) and ``.geojson`` / ``.gpkg`` / ``.shp`` / ``.fgb`` / ``.parquet`` by GDAL
(:mod:`.gdal`).

Every reader returns a :class:`RawTable`: the records that have fields (all values text or
``None``), for each its 1-based record number and physical line (sheet row, feature,
request or photo number), the records that could not be split into fields at all
(``malformed``), and the number of records the input holds, counted from the input itself.

Examples
--------
>>> from geozz import datasets
>>> raw = read_raw(datasets.problems_path("longgang"), encoding=None, sheet=None,
...                known_names=set())
>>> raw.n_records == len(raw.frame) + len(raw.malformed)
True
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

from ...tables.problems import COLUMN_NAMES
from .base import RawTable, _fail
from .excel import EXCEL_SUFFIXES, read_xlsx
from .gdal import read_gdal
from .open311 import parse_open311, requests_of
from .photos import IMAGE_SUFFIXES, read_photos
from .text import TEXT_SUFFIXES, _read_bytes, decode, read_text

GDAL_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".parquet", ".geoparquet")
SUFFIXES = TEXT_SUFFIXES + EXCEL_SUFFIXES + GDAL_SUFFIXES

__all__ = ["RawTable", "read_raw", "decode", "read_text", "read_xlsx", "read_gdal",
           "read_open311", "read_photos", "SUFFIXES", "IMAGE_SUFFIXES"]


def read_raw(path: Path, *, encoding: str | None, sheet: str | int | None,
             known_names: set[str], columns: Mapping[str, str] | None = None) -> RawTable:
    """Dispatch on the path (see the module docstring); every failure is an InputError
    naming the file. ``columns`` is the ``columns=`` mapping of ``read_problems``: the
    photo and Open311 readers use it to find the columns they merge or derive."""
    file = str(path)
    if path.is_dir():
        return read_photos(path, encoding=encoding, columns=columns)
    if not path.exists():
        raise _fail(file, "an existing file (or a folder of photos)", "check the path")
    name = path.name.lower()
    if not name.endswith(SUFFIXES):
        if name.endswith(".xls"):
            raise _fail(file, "an .xlsx workbook", "save the workbook as .xlsx (Excel "
                        "2007 or later) or as CSV UTF-8")
        if name.endswith(IMAGE_SUFFIXES):
            raise _fail(file, "a file of problem records, or the folder of the photos",
                        "pass the folder that holds the photo", got=path.name)
        raise _fail(file, f"a file ending in one of {', '.join(SUFFIXES)}",
                    "export the records as CSV (UTF-8) or .xlsx", got=path.suffix or name)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _fail(file, "a readable file", "check the path and its permissions",
                    got=str(exc)) from None
    if size == 0:
        raise _fail(file, "a file with a header row and records, not an empty (0-byte) "
                    "file", "export the records again")
    if name.endswith(TEXT_SUFFIXES):
        return read_text(path, encoding=encoding)
    if name.endswith(EXCEL_SUFFIXES):
        return read_xlsx(path, sheet=sheet, known_names=known_names)
    if name.endswith(".json"):
        raw = read_open311(path, encoding=encoding, columns=columns)
        if raw is not None:
            return raw
    return read_gdal(path)


def read_open311(path: Path, *, encoding: str | None = None,
                 columns: Mapping[str, str] | None = None) -> RawTable | None:
    """Read an Open311 GeoReport v2 ``.json``; None when the JSON is something else
    (GeoJSON), for GDAL to read. See :mod:`geozz.problems.readers.open311`."""
    file = str(path)
    text, _ = decode(_read_bytes(path), encoding, file)
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise _fail(file, "a JSON file: Open311 GeoReport v2 requests or GeoJSON",
                    "export the records again", got=str(exc)[:200]) from None
    requests = requests_of(data)
    if requests is None:
        return None
    rectified = tuple(COLUMN_NAMES["rectified_at"]) + \
        tuple(c for c, f in (columns or {}).items() if f == "rectified_at")
    return parse_open311(requests, file=file, rectified_names=rectified)
