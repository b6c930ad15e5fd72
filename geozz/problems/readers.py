"""Reading problem files record by record: CSV/TXT/TSV, XLSX, and GDAL point files.

Every reader returns a :class:`RawTable`: the records that have fields (all values text or
``None``), for each its 1-based record number and physical line (sheet row, feature
number), the records that could not be split into fields at all (``malformed``), and the
number of records the file holds, counted from the file itself.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, InvariantError, Issue

TEXT_SUFFIXES = (".csv", ".csv.gz", ".txt", ".txt.gz", ".tsv", ".tsv.gz")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
GDAL_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".parquet", ".geoparquet")
SUFFIXES = TEXT_SUFFIXES + EXCEL_SUFFIXES + GDAL_SUFFIXES


@dataclass
class RawTable:
    """The records of one file before validation."""

    frame: pd.DataFrame                 #: one row per record with fields; str or None
    rows: np.ndarray                    #: 1-based record number of each frame row
    lines: np.ndarray | None            #: physical line / sheet row / feature number
    n_records: int                      #: records in the file, malformed ones included
    #: records without usable fields: dicts with row, line, reason, field, value
    malformed: list[dict] = field(default_factory=list)
    #: frame position -> (reason, field, value) found while reading (e.g. bad geometry)
    marks: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    damaged: bool = False               #: bytes were replaced by U+FFFD when decoding
    serial_dates: bool = False          #: plain numbers in time columns are Excel serials


def _fail(file: str, expected: str, fix: str, got: object = None) -> InputError:
    return InputError(Issue(file=file, expected=expected, got=got, fix=fix))


def read_raw(path: Path, *, encoding: str | None, sheet: str | int | None,
             known_names: set[str]) -> RawTable:
    """Dispatch on the file name; every failure is an InputError naming the file."""
    file = str(path)
    if path.is_dir():
        raise _fail(file, "a file of problem records, not a folder: " + file,
                    "pass one file inside the folder")
    if not path.exists():
        raise _fail(file, "an existing file", "check the path")
    name = path.name.lower()
    if not name.endswith(SUFFIXES):
        if name.endswith(".xls"):
            raise _fail(file, "an .xlsx workbook", "save the workbook as .xlsx (Excel "
                        "2007 or later) or as CSV UTF-8")
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
    return read_gdal(path)


# --------------------------------------------------------------------------- text

def decode(data: bytes, encoding: str | None, file: str) -> tuple[str, bool]:
    """Decode the bytes of a text file; return the text and whether bytes were replaced.

    A file that decodes as UTF-8 (with or without BOM) is UTF-8. Otherwise, if the
    valid multi-byte UTF-8 characters outnumber the undecodable sequences, it is a UTF-8
    file with stray bytes: those become U+FFFD. Otherwise GB18030 (a superset of GBK)
    is tried; failing that, the encoding with fewer replaced bytes wins.

    Examples
    --------
    >>> decode("编号,a".encode("gb18030"), None, "a.csv")
    ('编号,a', False)
    >>> decode("编号,问题".encode() + b"\\xff", None, "a.csv")
    ('编号,问题�', True)
    """
    if encoding:
        try:
            return data.decode(encoding), False
        except LookupError:
            raise InputError(Issue(file=file, field="encoding", expected="an encoding "
                                   "Python knows", got=encoding,
                                   fix='write encoding="utf-8" or "gb18030"')) from None
        except UnicodeDecodeError:
            return data.decode(encoding, errors="replace"), True
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    as_utf8 = data.decode("utf-8", errors="replace")
    n_bad = as_utf8.count("\ufffd")
    n_multi = sum(1 for ch in as_utf8 if ord(ch) > 127) - n_bad
    if n_multi < n_bad:
        try:
            return data.decode("gb18030"), False
        except UnicodeDecodeError:
            as_gb = data.decode("gb18030", errors="replace")
            if as_gb.count("\ufffd") < n_bad:
                return as_gb, True
    return as_utf8, True


def _read_bytes(path: Path) -> bytes:
    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                return fh.read()
        return path.read_bytes()
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise _fail(str(path), "a readable (gzip) file", "check the file or export it "
                    "again", got=str(exc)[:200]) from None


def _names(header: list[str]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        h = str(h).strip() if h is not None else ""
        h = h or f"Unnamed: {i}"
        if h in seen:
            seen[h] += 1
            h = f"{h}.{seen[h]}"
        else:
            seen[h] = 0
        out.append(h)
    return out


def _split_line(line: str, delimiter: str) -> list[str] | None:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return None


def read_text(path: Path, *, encoding: str | None = None) -> RawTable:
    """Read a delimited text file record by record (stdlib :mod:`csv`).

    See the module docstring of :mod:`geozz.problems` for the rules on malformed
    records and unbalanced quotes.
    """
    file = str(path)
    text, damaged = decode(_read_bytes(path), encoding, file)
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
        damaged = True
    lines = io.StringIO(text, newline="").readlines()
    name = path.name.lower().removesuffix(".gz")
    h = 0
    while h < len(lines) and not lines[h].strip():
        h += 1
    if h == len(lines):
        raise _fail(file, "a header row naming the columns", "export the records again",
                    got="only blank lines")
    if name.endswith(".tsv"):
        delim = "\t"
    elif name.endswith(".txt"):
        try:
            delim = csv.Sniffer().sniff(lines[h][:10000], delimiters=",\t;|").delimiter
        except csv.Error:
            delim = ","
    else:
        delim = ","
    header = _split_line(lines[h], delim)
    if not header or len(header) < 2:
        raise _fail(file, f"a header row of column names separated by {delim!r}",
                    "save the file as CSV (comma-separated)", got=lines[h][:80])
    names = _names(header)
    ncol = len(names)
    records: list[list[str]] = []
    starts: list[int] = []
    rownums: list[int] = []
    malformed: list[dict] = []
    row = 0

    def bad(line_no: int, why: str) -> None:
        nonlocal row
        row += 1
        malformed.append({"row": row, "line": line_no + 1, "reason": "malformed_record",
                          "field": None, "value": why})

    pos = h + 1
    n = len(lines)
    while pos < n:
        reader = csv.reader((lines[k] for k in range(pos, n)), delimiter=delim)
        base = pos
        pos = n
        while True:
            before = reader.line_num
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                s = base + before
                bad(s, f"unreadable record: {exc}")
                pos = s + 1
                break
            s, e = base + before, base + reader.line_num
            if not "".join(fields).strip():
                continue  # a blank line (or only separators) is no record
            if e - s > 1:
                cont = [_split_line(ln, delim) for ln in lines[s + 1:e]]
                if len(fields) != ncol or any(c is not None and len(c) == ncol
                                              for c in cont):
                    bad(s, f"unbalanced quote: a quoted field runs over {e - s} lines; "
                        "the following lines are read as records of their own")
                    pos = s + 1
                    break
            if len(fields) > ncol and not any(f.strip() for f in fields[ncol:]):
                fields = fields[:ncol]
            if len(fields) != ncol:
                bad(s, f"{len(fields)} fields where the header has {ncol}")
                continue
            row += 1
            records.append(fields)
            starts.append(s + 1)
            rownums.append(row)
    frame = pd.DataFrame(records, columns=names, dtype=object) if records else \
        pd.DataFrame({c: pd.Series([], dtype=object) for c in names})
    frame = frame.replace({"": None})
    return RawTable(frame=frame, rows=np.array(rownums, dtype=int),
                    lines=np.array(starts, dtype=int), n_records=row, malformed=malformed,
                    damaged=damaged)


# --------------------------------------------------------------------------- excel

def _cell(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, (date, time)):
        return v.isoformat()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    text = str(v)
    return text if text.strip() else None


def read_xlsx(path: Path, *, sheet: str | int | None = None,
              known_names: set[str] = frozenset()) -> RawTable:
    """Read the first sheet (or ``sheet``) of a workbook with openpyxl.

    The header is the first of the first 50 rows holding at least two recognised column
    names (the first non-empty row if none does); rows above it are titles. Each
    non-empty row below it is a record; its line is the sheet row number.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    file = str(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError,
            TypeError, EOFError) as exc:
        raise _fail(file, "an .xlsx workbook Excel can open", "open the file in Excel "
                    "and save it again as .xlsx or CSV UTF-8",
                    got=f"{type(exc).__name__}: {exc}"[:200]) from None
    try:
        names = wb.sheetnames
        if sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(sheet, int) and not isinstance(sheet, bool) and \
                -len(names) <= sheet < len(names):
            ws = wb.worksheets[sheet]
        elif isinstance(sheet, str) and sheet in names:
            ws = wb[sheet]
        else:
            raise InputError(Issue(file=file, field="sheet", expected=f"one of {names} "
                                   f"or a number below {len(names)}", got=sheet,
                                   fix="name a sheet of the workbook"))
        try:
            cells = [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]
        except (ValueError, TypeError, KeyError, zipfile.BadZipFile) as exc:
            raise _fail(file, "a readable sheet", "save the workbook again",
                        got=str(exc)[:200]) from None
    finally:
        wb.close()
    texts = [[_cell(v) for v in r] for r in cells]
    nonempty = [i for i, r in enumerate(texts) if any(v is not None for v in r)]
    if not nonempty:
        raise _fail(file, "a sheet with a header row and records", "fill in the sheet "
                    "or name another one with sheet=", got="an empty sheet")
    head = nonempty[0]
    for i in nonempty[:50]:
        if sum(1 for v in texts[i] if v is not None and v.strip() in known_names) >= 2:
            head = i
            break
    width = max(len(texts[i]) for i in nonempty)
    header = _names([(texts[head] + [None] * width)[k] for k in range(width)])
    body = [i for i in nonempty if i > head]
    records = [(texts[i] + [None] * width)[:width] for i in body]
    frame = pd.DataFrame(records, columns=header, dtype=object) if records else \
        pd.DataFrame({c: pd.Series([], dtype=object) for c in header})
    keep = [c for c in frame.columns if not (c.startswith("Unnamed: ")
                                             and frame[c].isna().all())]
    return RawTable(frame=frame[keep], rows=np.arange(1, len(body) + 1),
                    lines=np.array([i + 1 for i in body], dtype=int),
                    n_records=len(body), serial_dates=True)


# --------------------------------------------------------------------------- GDAL

def _value(v: object) -> object:
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, float):
        return None if np.isnan(v) else v
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v if isinstance(v, (int, np.integer, np.floating)) else str(v)


def read_gdal(path: Path) -> RawTable:
    """Read a GeoJSON / GeoPackage / Shapefile / GeoParquet of point features.

    Each feature is a record; its line is the feature number (1-based). A feature
    without geometry, with an empty one or with one that is not a Point is marked
    ``bad_geometry``.
    """
    import geopandas as gpd
    import pyogrio

    file = str(path)
    parquet = path.name.lower().endswith((".parquet", ".geoparquet"))
    try:
        gdf = gpd.read_parquet(path) if parquet else gpd.read_file(path)
        expected = -1 if parquet else int(pyogrio.read_info(path).get("features", -1))
    except Exception as exc:  # the GDAL / Arrow boundary: any failure is a bad file
        raise _fail(file, "a point file GDAL reads", "export the records again, or as "
                    "CSV with lon/lat columns", got=f"{type(exc).__name__}: {exc}"[:200]) \
            from None
    if expected >= 0 and expected != len(gdf):
        raise InvariantError(f"{file}: GDAL reports {expected} features, "
                             f"{len(gdf)} were read")
    geom = gdf.geometry
    if gdf.crs is not None and len(gdf):
        try:
            geom = geom.to_crs(4326)
        except Exception as exc:  # pyproj: a CRS it cannot transform
            raise _fail(file, "a CRS that converts to WGS-84", "save the file in "
                        "EPSG:4326", got=str(exc)[:200]) from None
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    for c in frame.columns:
        frame[c] = frame[c].astype(object).map(_value)
    gtype = geom.geom_type.to_numpy(object)
    empty = geom.isna().to_numpy() | geom.is_empty.fillna(True).to_numpy()
    point = (gtype == "Point") & ~empty
    x = np.full(len(gdf), np.nan)
    y = np.full(len(gdf), np.nan)
    if point.any():
        x[point] = geom[point].x.to_numpy()
        y[point] = geom[point].y.to_numpy()
    frame["lon"] = [float(v) if ok else None for v, ok in zip(x, point)]
    frame["lat"] = [float(v) if ok else None for v, ok in zip(y, point)]
    frame = frame.reset_index(drop=True)
    marks = {int(i): ("bad_geometry", "geometry",
                      "no geometry" if empty[i] else f"a {gtype[i]}, not a Point")
             for i in np.flatnonzero(~point)}
    n = len(frame)
    return RawTable(frame=frame, rows=np.arange(1, n + 1), lines=np.arange(1, n + 1),
                    n_records=n, marks=marks)
