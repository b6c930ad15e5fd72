"""A folder of geotagged photos (随手拍): one record per image file, read with Pillow.

Records. Every image file under the folder (recursively; hidden files and folders,
whose names start with ``.``, are skipped) is a record, in sorted order of its path
relative to the folder: ``.jpg`` / ``.jpeg``, and also ``.png``, ``.tif`` / ``.tiff``,
``.heic`` / ``.heif``. A file Pillow cannot open (a corrupt file, or HEIC without a
Pillow HEIF plugin) is a ``malformed_record`` whose value says why. Each record's ``row``
and ``line`` are its number in that order.

Fields, from the photo's EXIF (Pillow's ``Image.getexif()``, no hand-written parsing):

- ``problem_id``: the path relative to the folder, with ``/`` (``暴露垃圾/IMG_1.jpg``);
- ``lon`` / ``lat``: the GPS IFD (0x8825); ``S`` and ``W`` references are negative, a
  missing reference counts as ``N`` / ``E``. No GPS: ``missing_coordinates``. Phones
  write WGS-84, so ``coord_sys`` is ``wgs84`` whatever ``coords=`` says;
- ``found_at``: ``DateTimeOriginal`` of the Exif IFD (0x8769), with
  ``OffsetTimeOriginal`` when present (else it is a local time in ``tz=``); a photo
  without ``DateTimeOriginal`` takes ``GPSDateStamp`` + ``GPSTimeStamp``, which are UTC.
  Neither: ``bad_time``;
- ``source``: ``photo``;
- ``photo``: the path of the image file (internal: never in the ledger or a
  publication);
- ``category``: from a sidecar CSV, else the name of the folder holding the photo
  (``photos/暴露垃圾/IMG_1.jpg`` -> ``暴露垃圾``), mapped through the vocabulary and
  ``categories=``. A photo directly in the folder with no sidecar category is
  ``missing_category``.

Sidecar CSVs. Every ``*.csv`` directly in the folder is a sidecar: it must have a
file-name column (:data:`FILE_COLUMNS`) naming a photo by its relative path or, when
unique, by its file name (case is ignored). Its other columns recognised as category,
source, status, deadline, rectification time, description, ... apply to that photo
(a non-empty sidecar category or source wins over the folder name and ``photo``);
its other columns are kept as they are. A sidecar row naming a photo that is not in the
folder is a record of its own, rejected as ``missing_photo``; a second row for the same
photo is a ``duplicate_id`` record; a row the :mod:`csv` module cannot split is a
``malformed_record``. So records = image files + sidecar rows that describe no photo.

Examples
--------
>>> _degrees((22, 41, 24), "N"), _degrees((114, 12, 0), "W")
(22.69, -114.2)
>>> _exif_time("2024:05:01 08:30:00", "+08:00")
'2024-05-01T08:30:00+08:00'
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Mapping

import numpy as np

from ...tables.problems import COLUMN_NAMES, match_column
from .base import RawTable, _fail, _frame
from .text import read_text

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".heif")
#: sidecar column that names the photo a row describes
FILE_COLUMNS = ("file", "文件", "文件名", "filename", "photo", "照片")
#: the columns the reader makes itself (a sidecar column of the same name is renamed)
_OWN = ("problem_id", "found_at", "lon", "lat", "coord_sys", "photo")
_GPS_IFD, _EXIF_IFD = 0x8825, 0x8769
_LAT_REF, _LAT, _LON_REF, _LON, _GPS_TIME, _GPS_DATE = 1, 2, 3, 4, 7, 29
_DT_ORIGINAL, _OFFSET_ORIGINAL = 0x9003, 0x9011
_EXIF_DT = re.compile(r"^\s*(\d{4}):(\d\d):(\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d+)?\s*$")
_OFFSET = re.compile(r"^[+-]\d\d:\d\d$")


def _ref(v: object) -> str:
    if isinstance(v, bytes):
        v = v.decode("ascii", errors="replace")
    return str(v or "").strip("\x00 ").upper()


def _degrees(v: object, ref: object) -> float | str:
    """Degrees from an EXIF (degrees, minutes, seconds) value; text saying what is wrong
    when it is unreadable (the validator then rejects it as ``bad_coordinates``)."""
    try:
        parts = [float(x) for x in (v if isinstance(v, (tuple, list)) else (v,))]
        if not 1 <= len(parts) <= 3 or not all(np.isfinite(parts)):
            raise ValueError
    except (TypeError, ValueError, ZeroDivisionError):
        return f"unreadable GPS value {v!r}"[:80]
    deg = sum(p / 60 ** i for i, p in enumerate(parts))
    return round(-deg if _ref(ref) in ("S", "W") else deg, 9)


def _exif_time(value: object, offset: object = None) -> str | None:
    """``DateTimeOriginal`` as ISO text (with the offset when it is one); other text as it
    is (the validator rejects it as ``bad_time``); None when blank."""
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    text = str(value or "").strip("\x00 ")
    if not text.replace(":", "").strip():
        return None  # the standard's "unknown": blanks and colons
    m = _EXIF_DT.match(text)
    if not m:
        return text
    y, mo, d, h, mi, s, frac = m.groups()
    iso = f"{y}-{mo}-{d}T{h}:{mi}:{s}{frac or ''}"
    off = str(offset or "").strip("\x00 ")
    return iso + off if _OFFSET.match(off) else iso


def _gps_time(date: object, stamp: object) -> str | None:
    """``GPSDateStamp`` + ``GPSTimeStamp`` (UTC) as ISO text; None when absent."""
    if date is None or stamp is None:
        return None
    text = str(date).strip("\x00 ")
    try:
        day = datetime.strptime(text, "%Y:%m:%d").replace(tzinfo=timezone.utc)
        h, m, s = (float(x) for x in stamp)
        return (day + timedelta(hours=h, minutes=m, seconds=s)).isoformat()
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return f"GPS time {text} {stamp!r}"[:80]


def _read_photo(path: Path) -> dict[str, object]:
    """Location and time of one photo; raises whatever Pillow raises for a bad file."""
    from PIL import Image

    with Image.open(path) as im:
        exif = im.getexif()
        gps = exif.get_ifd(_GPS_IFD)
        sub = exif.get_ifd(_EXIF_IFD)
    out: dict[str, object] = {"lon": None, "lat": None}
    if gps.get(_LAT) is not None and gps.get(_LON) is not None:
        out["lat"] = _degrees(gps[_LAT], gps.get(_LAT_REF))
        out["lon"] = _degrees(gps[_LON], gps.get(_LON_REF))
    when = _exif_time(sub.get(_DT_ORIGINAL), sub.get(_OFFSET_ORIGINAL))
    out["found_at"] = when if when is not None else \
        _gps_time(gps.get(_GPS_DATE), gps.get(_GPS_TIME))
    return out


def _images(folder: Path) -> list[tuple[str, Path]]:
    """(relative posix path, path) of every image file, hidden ones skipped, sorted."""
    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and name.lower().endswith(IMAGE_SUFFIXES):
                p = Path(root) / name
                found.append((p.relative_to(folder).as_posix(), p))
    return sorted(found)


def _column(names: list[str], field: str, columns: Mapping[str, str]) -> str | None:
    for col, fld in columns.items():
        if fld == field and (hit := match_column(names, (col,))) is not None:
            return hit
    return match_column(names, COLUMN_NAMES[field])


def read_photos(folder: Path, *, encoding: str | None = None,
                columns: Mapping[str, str] | None = None) -> RawTable:
    """Read a folder of geotagged photos and its sidecar CSVs (see the module docstring).

    ``columns`` (file column -> canonical field, as given to ``read_problems``) also
    names the sidecars' category and source columns.
    """
    try:
        import PIL  # noqa: F401
    except ImportError:
        raise _fail(str(folder), "Pillow, to read the photos' EXIF", "pip install pillow") \
            from None
    file = str(folder)
    columns = dict(columns or {})
    try:
        images = _images(folder)
        sidecars = sorted(p for p in folder.iterdir()
                          if p.is_file() and p.suffix.lower() == ".csv"
                          and not p.name.startswith("."))
    except OSError as exc:
        raise _fail(file, "a readable folder", "check the folder and its permissions",
                    got=str(exc)[:200]) from None
    if not images and not sidecars:
        raise _fail(file, "a folder of photos (" + ", ".join(IMAGE_SUFFIXES) + ") or a "
                    "file of problem records, not a folder without either",
                    "pass one file of records, or the folder that holds the photos",
                    got="no image files and no sidecar CSV")
    by_rel = {rel.casefold(): rel for rel, _ in images}
    by_name: dict[str, list[str]] = {}
    for rel, _ in images:
        by_name.setdefault(rel.rsplit("/", 1)[-1].casefold(), []).append(rel)

    side_cols: list[str] = []         # sidecar columns kept, in order
    rename: dict[tuple[int, str], str] = {}
    cat_col = src_col = None
    matched: dict[str, dict[str, object]] = {}
    orphans: list[tuple[dict[str, object], str, str]] = []  # values, reason, why
    bad_rows: list[tuple[str, str | None, str]] = []  # reason, field, why
    damaged = False
    for k, sc in enumerate(sidecars):
        t = read_text(sc, encoding=encoding)
        damaged |= t.damaged
        names = list(t.frame.columns)
        fcol = next((c for c in FILE_COLUMNS if c in names), None)
        if fcol is None:
            raise _fail(str(sc), "a sidecar CSV with a file-name column (one of "
                        f"{', '.join(FILE_COLUMNS)})", "name the column 文件, or move "
                        "the CSV out of the photo folder", got=names[:20])
        cat = _column(names, "category", columns)
        src = _column(names, "source", columns)
        cat_col = cat_col or cat  # every sidecar's category goes to the first one's column
        src_col = src_col or src
        for c in names:
            if c != fcol:
                out = cat_col if c == cat else src_col if c == src else \
                    f"sidecar_{c}" if c in _OWN else c
                rename[(k, c)] = out
                if out not in side_cols:
                    side_cols.append(out)
        for m in t.malformed:
            bad_rows.append((m["reason"], m["field"],
                             f"{sc.name} line {m['line']}: {m['value']}"))
        for line, rec in zip(t.lines, t.frame.to_dict("records")):
            values = {rename[(k, c)]: v for c, v in rec.items() if c != fcol}
            key = str(rec.get(fcol) or "").strip().replace("\\", "/").removeprefix("./")
            rel = by_rel.get(key.casefold())
            if rel is None and "/" not in key:
                hits = by_name.get(key.casefold(), [])
                rel = hits[0] if len(hits) == 1 else None
            where = f"{sc.name} line {line}"
            if rel is None:
                why = f"{key or '(no file name)'}: no such photo in the folder ({where})"
                orphans.append((values, "missing_photo", why))
            elif rel in matched:
                orphans.append((values, "duplicate_id",
                                f"{rel}: a second sidecar row for the photo ({where})"))
            else:
                matched[rel] = values
    cat_out = cat_col or "category"
    src_out = src_col or "source"
    names = ["problem_id", cat_out, "found_at", "lon", "lat", "coord_sys", src_out, "photo"]
    names += [c for c in side_cols if c not in names]

    records: list[list] = []
    rows: list[int] = []
    malformed: list[dict] = []
    marks: dict[int, tuple[str, str, str]] = {}
    for i, (rel, path) in enumerate(images, start=1):
        try:
            got = _read_photo(path)
        except Exception as exc:  # the Pillow boundary: any failure is a bad image file
            malformed.append({"row": i, "line": i, "reason": "malformed_record",
                              "field": "photo", "value": f"{rel}: not an image Pillow can "
                              f"read ({type(exc).__name__}: {exc})"[:300]})
            continue
        side = matched.get(rel, {})
        folder_name = rel.rsplit("/", 2)[-2] if "/" in rel else None
        rec = {**side, "problem_id": rel, "found_at": got["found_at"],
               "lon": None if got["lon"] is None else str(got["lon"]),
               "lat": None if got["lat"] is None else str(got["lat"]),
               "coord_sys": "wgs84", "photo": str(path),
               cat_out: side.get(cat_out) or folder_name,
               src_out: side.get(src_out) or "photo"}
        records.append([rec.get(c) for c in names])
        rows.append(i)
    n = len(images)
    for j, (values, reason, why) in enumerate(orphans, start=n + 1):
        marks[len(records)] = (reason, "photo", why)
        records.append([values.get(c) for c in names])
        rows.append(j)
    for j, (reason, fld, why) in enumerate(bad_rows, start=n + len(orphans) + 1):
        malformed.append({"row": j, "line": j, "reason": reason, "field": fld,
                          "value": why})
    rows_arr = np.array(rows, dtype=int)
    return RawTable(frame=_frame(records, names), rows=rows_arr, lines=rows_arr.copy(),
                    n_records=n + len(orphans) + len(bad_rows), malformed=malformed,
                    marks=marks, damaged=damaged)
