"""Problem records: read record by record, validate, convert coordinates.

:func:`read_problems` reads a CSV / TXT / TSV (optionally gzipped), an ``.xlsx`` workbook
or a point file GDAL reads (GeoJSON, GeoPackage, Shapefile, GeoParquet) of problem records
as offices and complaint systems export them, finds its columns by their usual names
(Chinese or English), maps raw categories, sources and statuses to the canonical codes,
converts GCJ-02 / BD-09 coordinates to WGS-84, and returns the good records as a
*Problems* GeoDataFrame together with a *rejects* table.

Counting. Records are counted from the file itself: text records as the :mod:`csv`
module splits them (blank lines, and lines holding only separators, are not records),
non-empty sheet rows below the header, features. ``len(problems)`` plus the number of
``kind="record"`` rejects equals that count, checked in code (``InvariantError``).

Rejects. Each reject row has ``file``, ``row`` (1-based record number), ``line`` (the
physical line where a text record starts, the sheet row of an XLSX record, the feature
number), ``kind``, ``reason``, ``field``, ``value``, then the record's raw columns.
``kind="record"``: the record could not be placed, dated or categorised and is not a
problem. ``kind="field"``: an optional value (deadline, rectified_at, source, status,
description, personal fields) was unusable or unknown; it is left empty (an unknown
source or status stays in ``source_raw`` / ``status_raw``) and the problem is kept.
:data:`REJECT_KINDS` maps every reason to its kind.

Malformed text records (reason ``malformed_record``, value saying what is wrong, raw
columns empty so that no field lands in the wrong column):

- a record with more fields than the header (unless the extra fields are all empty, as
  spreadsheets write them) or fewer;
- an unbalanced quote. A record whose quoted field runs over several physical lines is
  kept only if it has the header's number of fields and none of its continuation lines,
  read alone, has the header's number of fields. Otherwise only its first physical line
  (the one with the stray quote) is rejected, and reading starts again on the next line,
  so the records the quote would have swallowed are read as themselves. Legitimate
  multi-line quoted descriptions therefore still work;
- a line the :mod:`csv` module cannot read (a field over 131,072 characters).

Encoding. UTF-8 (with or without BOM) is used when the file decodes as UTF-8. A file with
a few undecodable bytes among valid UTF-8 text stays UTF-8: the bytes become U+FFFD;
records with U+FFFD in a required field (id, category, time, coordinates, coordinate
system) are rejected as ``malformed_record``, in any other field they get a
``kind="field"`` reject ``bad_encoding`` and keep the damaged text. A file that is not
UTF-8 is read as GB18030 (a superset of GBK). ``encoding=`` forces an encoding.

Times. ``tz`` must be an IANA name (``"Beijing"`` is refused with the fix
``"Asia/Shanghai"``). Naive times are local in ``tz``. A local time in a daylight-saving
gap is moved to the first instant after the gap, 02:30 -> 03:00 (``nonexistent_time``);
a repeated one (clocks going back) is the earlier instant (``ambiguous_time``); both are
field notes. A time outside
1678-2261 (e.g. a 9999-12-31 deadline) is unusable. Each column's ``a/b/yyyy`` dates are
read one way: a value like 13/05/2024 proves day first, 05/13/2024 month first; a column
that shows both, or only ambiguous values, raises an InputError asking for
``dayfirst=`` (which forces the reading). ISO dates are never ambiguous.

Examples
--------
>>> import geozz as gz
>>> from geozz import datasets
>>> problems, rejects = gz.read_problems(datasets.problems_path("longgang"))
>>> problems.index.name, str(problems.crs)
('problem_id', 'EPSG:4326')
>>> rejects["reason"].isin(gz.problems.REJECT_REASONS).all()
np.True_
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from pathlib import Path
from typing import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import coords as _coords
from .._io import as_path
from ..errors import InputError, InvariantError, Issue, SchemaError
from .readers import RawTable, read_raw
from .times import check_tz, parse_column

__all__ = ["read_problems", "from_frame", "summarize_rejects", "vocabulary", "CATEGORIES",
           "SOURCES", "STATUSES", "REJECT_REASONS", "REJECT_KINDS", "PERSONAL_FIELDS"]

#: reject reason -> kind: "record" (the record is not a problem) or "field" (it is)
REJECT_KINDS: dict[str, str] = {
    "malformed_record": "record",
    "bad_geometry": "record",
    "missing_coordinates": "record",
    "bad_coordinates": "record",
    "bad_coord_system": "record",
    "missing_category": "record",
    "unmapped_category": "record",
    "bad_time": "record",
    "duplicate_id": "record",
    "unmapped_source": "field",
    "unmapped_status": "field",
    "bad_deadline": "field",
    "bad_rectified_at": "field",
    "nonexistent_time": "field",
    "ambiguous_time": "field",
    "bad_encoding": "field",
}
REJECT_REASONS = tuple(REJECT_KINDS)
SOURCES = ("patrol", "complaint", "photo", "inspection", "third_party")
STATUSES = ("open", "rectifying", "rectified", "verified", "reopened")
#: fields that never reach a public output
PERSONAL_FIELDS = ("reporter", "phone")
#: fields a record cannot be a problem without (damage there rejects the record)
REQUIRED_FIELDS = ("problem_id", "category", "found_at", "lon", "lat", "coord_sys")

#: canonical field -> the column names it is found under, first match wins
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "problem_id": ("problem_id", "编号", "问题编号", "id", "ID", "CaseID", "case_id",
                   "service_request_id"),
    "category": ("category", "问题类型", "问题分类", "类型", "Category", "Complaint Type",
                 "complaint_type", "service_name", "Request Type", "Request.Type"),
    "found_at": ("found_at", "发现时间", "上报时间", "时间", "Opened", "requested_datetime",
                 "created_date", "date", "time"),
    "lon": ("lon", "经度", "lng", "longitude", "Longitude", "Long", "long", "x", "X"),
    "lat": ("lat", "纬度", "latitude", "Latitude", "Lat", "y", "Y"),
    "coord_sys": ("coord_sys", "坐标系", "coords", "crs"),
    "source": ("source", "来源", "问题来源", "Source"),
    "status": ("status", "状态", "处理状态", "Status"),
    "deadline": ("deadline", "整改期限", "期限"),
    "rectified_at": ("rectified_at", "整改完成时间", "整改时间", "Closed", "closed_date"),
    "description": ("description", "问题描述", "描述", "Description", "Request.Details"),
    "reporter": ("reporter", "上报人", "举报人", "Reporter"),
    "phone": ("phone", "联系电话", "电话", "Phone"),
}
OUT_COLUMNS = ["category", "raw_category", "found_at", "source", "source_raw", "status",
               "status_raw", "deadline", "rectified_at", "description", "reporter",
               "phone", "coord_sys", "geometry"]
#: values that mean "empty" in the fields below (R and database exports write them)
_NA_TOKENS = ("na", "n/a", "nan", "null", "none", "nat", "-", "--", "#n/a")
_NA_FIELDS = {"category", "found_at", "lon", "lat", "coord_sys", "source", "status",
              "deadline", "rectified_at"}
_META = ["file", "row", "line", "kind", "reason", "field", "value"]


@functools.cache
def vocabulary() -> dict:
    """The bundled vocabulary: categories (zh, en, aliases), sources and statuses.

    Examples
    --------
    >>> vocabulary()["categories"]["piles"]["zh"]
    '乱堆乱放'
    """
    text = resources.files("geozz.resources").joinpath("vocabulary.toml").read_text("utf-8")
    return tomllib.loads(text)


CATEGORIES = tuple(vocabulary()["categories"])


def _norm(value) -> str:
    return str(value).strip().casefold()


def _lookup(codes: tuple[str, ...], aliases: Mapping[str, list[str]],
            extra: Mapping[str, str] | None, what: str) -> dict[str, str]:
    table = {_norm(c): c for c in codes}
    for code, names in aliases.items():
        for name in names:
            table[_norm(name)] = code
    if extra is not None and not isinstance(extra, Mapping):
        raise InputError(Issue(field=what, expected="a mapping raw value -> code",
                               got=type(extra).__name__, fix=f"pass {what}={{'raw': 'code'}}"))
    bad = [Issue(field=what, expected=f"codes from {codes}", got=code,
                 fix=f"map {raw!r} to one of the canonical codes")
           for raw, code in (extra or {}).items() if code not in codes]
    if bad:
        raise InputError(bad)
    for raw, code in (extra or {}).items():
        table[_norm(raw)] = code
    return table


def _clean(values: pd.Series, *, blanks: tuple[str, ...] = ()) -> pd.Series:
    """Values as stripped text, NA where empty or (casefolded) in ``blanks``; computed
    once per distinct value."""
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    out = []
    for v in uniq:
        t = str(v).strip()
        out.append(None if not t or t.casefold() in blanks else t)
    arr = np.array(out + [None], dtype=object)[codes]
    return pd.Series(arr, index=values.index, dtype="string")


def _map_codes(values: pd.Series, table: Mapping[str, str]) -> pd.Series:
    """Raw values -> codes through ``table`` (None where unknown), once per distinct value."""
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([table.get(_norm(v)) for v in uniq] + [None], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def _find_columns(frame: pd.DataFrame, columns: Mapping[str, str] | None,
                  file: str) -> dict[str, str]:
    """Canonical field -> column of ``frame``; ``columns`` maps file column -> field."""
    found: dict[str, str] = {}
    issues = []
    for col, fld in (columns or {}).items():
        if fld not in COLUMN_NAMES:
            issues.append(Issue(file=file, field="columns", expected="canonical fields "
                                f"{tuple(COLUMN_NAMES)}", got=fld,
                                fix=f"map {col!r} to one of those fields"))
        elif col not in frame.columns:
            issues.append(Issue(file=file, field=col, expected="a column of that name",
                                got=list(frame.columns)[:20],
                                fix="check the columns= mapping"))
        else:
            found[fld] = col
    if issues:
        raise SchemaError(issues)
    for fld, names in COLUMN_NAMES.items():
        if fld in found:
            continue
        for name in names:
            if name in frame.columns:
                found[fld] = name
                break
    return found


def read_problems(path: str | Path, *, coords: str = "wgs84",
                  categories: Mapping[str, str] | None = None,
                  sources: Mapping[str, str] | None = None,
                  statuses: Mapping[str, str] | None = None,
                  columns: Mapping[str, str] | None = None, tz: str = "Asia/Shanghai",
                  strict: bool = False, encoding: str | None = None,
                  sheet: str | int | None = None, dayfirst: bool | None = None,
                  ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Read problem records from a file into Problems and rejects.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` / ``.txt`` / ``.tsv`` file, optionally ``.gz`` (UTF-8 with or without
        BOM, or GB18030/GBK), an ``.xlsx`` workbook, or a point file GDAL reads
        (``.geojson``, ``.gpkg``, ``.shp``, ``.parquet``).
    coords : {"wgs84", "gcj02", "bd09"}, default "wgs84"
        The coordinate system of rows whose coordinate-system column (``坐标系``,
        ``coord_sys``) is empty or absent.
    categories, sources, statuses : mapping, optional
        Raw value -> canonical code, added to the bundled vocabulary
        (:func:`vocabulary`).
    columns : mapping, optional
        File column -> canonical field (``problem_id``, ``category``, ``found_at``,
        ``lon``, ``lat``, ``coord_sys``, ``source``, ``status``, ``deadline``,
        ``rectified_at``, ``description``, ``reporter``, ``phone``) where the usual names
        are not used.
    tz : str, default "Asia/Shanghai"
        IANA time zone of naive times; every time is returned in it.
    strict : bool, default False
        Raise :class:`~geozz.errors.InputError` listing every reject (record and field)
        instead of returning rejects.
    encoding : str, optional
        Force a text encoding.
    sheet : str or int, optional
        The sheet of an ``.xlsx`` workbook (default the first).
    dayfirst : bool, optional
        Read ``a/b/yyyy`` dates day first (True) or month first (False) in every time
        column, instead of deciding per column from its values.

    Returns
    -------
    problems : GeoDataFrame
        Indexed by ``problem_id``; points in WGS-84 (EPSG:4326).
    rejects : DataFrame
        One row per rejected record or unusable optional value: ``file``, ``row``,
        ``line``, ``kind``, ``reason``, ``field``, ``value`` and the record's raw columns.

    Examples
    --------
    >>> import geozz as gz
    >>> from geozz import datasets
    >>> problems, rejects = gz.read_problems(datasets.problems_path("longgang"))
    >>> n = len(problems) + (rejects["kind"] == "record").sum()
    >>> int(n) == len(pd.read_csv(datasets.problems_path("longgang")))
    True
    """
    path = as_path(path, what="records file")
    tz = check_tz(tz)
    _check_options(coords=coords, dayfirst=dayfirst)
    known = {n for names in COLUMN_NAMES.values() for n in names} | set(columns or {})
    raw = read_raw(path, encoding=encoding, sheet=sheet, known_names=known)
    return _validate(raw, file=str(path), coords=coords, categories=categories,
                     sources=sources, statuses=statuses, columns=columns, tz=tz,
                     strict=strict, dayfirst=dayfirst)


def from_frame(frame: pd.DataFrame, *, file: str = "<frame>", coords: str = "wgs84",
               categories: Mapping[str, str] | None = None,
               sources: Mapping[str, str] | None = None,
               statuses: Mapping[str, str] | None = None,
               columns: Mapping[str, str] | None = None, tz: str = "Asia/Shanghai",
               strict: bool = False, dayfirst: bool | None = None,
               ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Validate a DataFrame of raw records; the engine behind :func:`read_problems`.

    Parameters are those of :func:`read_problems`; ``file`` names the origin in messages.
    Each frame row is a record; ``line`` is empty in the rejects.

    Examples
    --------
    >>> raw = pd.DataFrame({"lon": ["114.2", "x"], "lat": ["22.69", "22.69"],
    ...                     "问题类型": ["暴露垃圾", "暴露垃圾"],
    ...                     "发现时间": ["2024-05-01 08:00", "2024-05-02 09:00"]})
    >>> problems, rejects = from_frame(raw)
    >>> len(problems), rejects["reason"].tolist(), rejects["kind"].tolist()
    (1, ['bad_coordinates'], ['record'])
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(Issue(file=file, expected="a pandas DataFrame",
                               got=type(frame).__name__, fix="pass a DataFrame"))
    tz = check_tz(tz)
    _check_options(coords=coords, dayfirst=dayfirst)
    frame = frame.reset_index(drop=True)
    frame = frame.astype(object).where(frame.notna(), None)
    raw = RawTable(frame=frame, rows=np.arange(1, len(frame) + 1), lines=None,
                   n_records=len(frame))
    return _validate(raw, file=file, coords=coords, categories=categories,
                     sources=sources, statuses=statuses, columns=columns, tz=tz,
                     strict=strict, dayfirst=dayfirst)


def _check_options(*, coords: object, dayfirst: object) -> None:
    issues = []
    if not isinstance(coords, str) or \
            coords.lower().replace("-", "") not in _coords.SYSTEMS:
        issues.append(Issue(field="coords", expected=f"one of {_coords.SYSTEMS}",
                            got=coords, fix="say which system the coordinates are in"))
    if dayfirst not in (None, True, False):
        issues.append(Issue(field="dayfirst", expected="True, False or None", got=dayfirst,
                            fix="pass dayfirst=True for 13/05/2024, False for 05/13/2024"))
    if issues:
        raise InputError(issues)


def _validate(raw: RawTable, *, file: str, coords: str,
              categories: Mapping[str, str] | None, sources: Mapping[str, str] | None,
              statuses: Mapping[str, str] | None, columns: Mapping[str, str] | None,
              tz: str, strict: bool, dayfirst: bool | None,
              ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    src_default = coords.lower().replace("-", "")
    frame = raw.frame.reset_index(drop=True)
    cols = _find_columns(frame, columns, file)
    missing = [f for f in ("lon", "lat", "category", "found_at") if f not in cols]
    if missing:
        raise SchemaError([Issue(file=file, field=f, expected="a column named one of "
                                 f"{COLUMN_NAMES[f][:6]}", got=list(frame.columns)[:20],
                                 fix=f"rename the column or pass columns={{'<name>': '{f}'}}")
                           for f in missing])
    vocab = vocabulary()
    cat_table = _lookup(CATEGORIES, {c: v["aliases"] for c, v in vocab["categories"].items()},
                        categories, "categories")
    src_table = _lookup(SOURCES, vocab["sources"], sources, "sources")
    st_table = _lookup(STATUSES, vocab["statuses"], statuses, "statuses")

    reason = pd.Series(pd.NA, index=frame.index, dtype="string")
    field = pd.Series(pd.NA, index=frame.index, dtype="string")
    value = pd.Series(pd.NA, index=frame.index, dtype="string")
    notes: list[pd.DataFrame] = []  # kind="field": pos, reason, field, value

    def reject(mask: pd.Series, why: str, fld: str, vals: pd.Series | None = None) -> None:
        mask = mask.fillna(False).astype(bool) & reason.isna()  # the first reason wins
        reason[mask] = why
        field[mask] = cols.get(fld, fld)
        if vals is not None:
            value[mask] = vals[mask].astype("string")

    def note(mask: pd.Series, why: str, fld: str, vals: pd.Series) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            notes.append(pd.DataFrame({"pos": np.flatnonzero(mask.to_numpy()),
                                       "reason": why, "field": cols.get(fld, fld),
                                       "value": vals[mask].astype("string").to_numpy()}))

    for pos, (why, fld, val) in raw.marks.items():
        reason[pos], field[pos], value[pos] = why, fld, val
    # stripped text; empty, and "NA" / "null" / "-" in the fields that take them, are NA
    text = {fld: _clean(frame[c], blanks=_NA_TOKENS if fld in _NA_FIELDS else ())
            for fld, c in cols.items()}
    if raw.damaged:
        for fld, vals in text.items():
            hit = vals.str.contains("\ufffd", regex=False).fillna(False).astype(bool)
            if fld in REQUIRED_FIELDS:
                reject(hit, "malformed_record", fld,
                       pd.Series(f"undecodable bytes in {cols[fld]}", index=frame.index))
            else:
                note(hit, "bad_encoding", fld, vals)

    reject(text["lon"].isna() | text["lat"].isna(), "missing_coordinates", "lon")
    lon = pd.to_numeric(text["lon"], errors="coerce").astype(float)
    lat = pd.to_numeric(text["lat"], errors="coerce").astype(float)
    reject(lon.isna(), "bad_coordinates", "lon", text["lon"])
    reject(lat.isna(), "bad_coordinates", "lat", text["lat"])
    reject(~lon.between(-180, 180), "bad_coordinates", "lon", text["lon"])
    reject(~lat.between(-90, 90), "bad_coordinates", "lat", text["lat"])

    if "coord_sys" in cols:
        sys_raw = text["coord_sys"].str.lower()
        sys_raw = sys_raw.str.replace("-", "", regex=False).fillna(src_default)
        sys_raw = sys_raw.replace({"epsg:4326": "wgs84", "4326": "wgs84", "": src_default})
        reject(~sys_raw.isin(_coords.SYSTEMS), "bad_coord_system", "coord_sys",
               text["coord_sys"])
    else:
        sys_raw = pd.Series(src_default, index=frame.index, dtype="string")

    raw_cat = text["category"]
    reject(raw_cat.isna(), "missing_category", "category")
    cat = _map_codes(raw_cat, cat_table)
    reject(cat.isna(), "unmapped_category", "category", raw_cat)

    def times(fld: str) -> pd.Series | None:
        if fld not in cols:
            return None
        got = parse_column(text[fld], tz=tz, column=cols[fld], file=file,
                           dayfirst=dayfirst, serial=raw.serial_dates)
        if fld == "found_at":
            reject(got.bad, "bad_time", fld, text[fld])
        else:
            note(got.bad, f"bad_{fld}", fld, text[fld])
        note(got.nonexistent, "nonexistent_time", fld, text[fld])
        note(got.ambiguous, "ambiguous_time", fld, text[fld])
        return got.parsed

    found_at = times("found_at")
    deadline = times("deadline")
    rectified_at = times("rectified_at")

    def mapped(fld: str, table: dict, why: str, default):
        if fld not in cols:
            return pd.Series(default, index=frame.index, dtype="object")
        vals = text[fld]
        out = _map_codes(vals, table)
        note(vals.notna() & out.isna(), why, fld, text[fld])
        out = out.where(vals.notna(), default)
        return out

    source = mapped("source", src_table, "unmapped_source", None)
    status = mapped("status", st_table, "unmapped_status", "open")

    stem = Path(file).stem
    auto = pd.Series([f"{stem}-{r}" for r in raw.rows], index=frame.index, dtype="string")
    if "problem_id" in cols:
        pid = text["problem_id"].where(text["problem_id"].notna(), auto)
    else:
        pid = auto
    # a repeat of an id already taken by an earlier good row (rejects take no id)
    reject(pid.where(reason.isna()).duplicated(keep="first") & pid.where(reason.isna())
           .notna(), "duplicate_id", "problem_id", pid)

    bad = reason.notna().to_numpy()
    good = ~bad
    rejects = _rejects(raw, frame, file, bad, reason, field, value, notes, good)
    if strict and len(rejects):
        raise InputError([Issue(file=file, row=int(r["row"]), field=None if
                                pd.isna(r["field"]) else str(r["field"]),
                                line=None if pd.isna(r["line"]) else int(r["line"]),
                                expected=_EXPECT[r["reason"]],
                                got=None if pd.isna(r["value"]) else str(r["value"]),
                                fix=_FIX[r["reason"]]) for _, r in rejects.iterrows()])

    glon = np.array(lon[good], dtype=float)
    glat = np.array(lat[good], dtype=float)
    gsys = sys_raw[good].to_numpy(object)
    for system in _coords.SYSTEMS:
        m = gsys == system
        if system != "wgs84" and m.any():
            glon[m], glat[m] = _coords.convert(glon[m], glat[m], src=system, dst="wgs84")

    idx = frame.index[good]
    no_time = pd.Series(pd.NaT, index=idx, dtype=f"datetime64[ns, {tz}]")

    def col(fld: str) -> pd.Series:
        return text[fld][good] if fld in cols else pd.Series(pd.NA, index=idx, dtype="string")

    problems = gpd.GeoDataFrame({
        "category": cat[good].astype("string"),
        "raw_category": raw_cat[good],
        "found_at": found_at[good],
        "source": source[good].astype("string"),
        "source_raw": col("source"),
        "status": status[good].astype("string"),
        "status_raw": col("status"),
        "deadline": no_time if deadline is None else deadline[good],
        "rectified_at": no_time if rectified_at is None else rectified_at[good],
        "description": col("description"),
        "reporter": col("reporter"),
        "phone": col("phone"),
        "coord_sys": pd.Series(gsys, index=idx, dtype="string"),
    }, geometry=gpd.points_from_xy(glon, glat), crs=4326)
    problems.index = pd.Index(pid[good].to_numpy(), name="problem_id", dtype="str")
    problems = problems[OUT_COLUMNS]
    n_rec = int((rejects["kind"] == "record").sum())
    if len(problems) + n_rec != raw.n_records:
        raise InvariantError(f"{file}: {raw.n_records} records in the file, "
                             f"{len(problems)} problems + {n_rec} record rejects out")
    return problems, rejects


def _rejects(raw: RawTable, frame: pd.DataFrame, file: str, bad: np.ndarray,
             reason: pd.Series, field: pd.Series, value: pd.Series,
             notes: list[pd.DataFrame], good: np.ndarray) -> pd.DataFrame:
    """The rejects table: record rejects, malformed records and field notes by row."""
    rawcols = frame.rename(columns={c: f"raw_{c}" for c in frame.columns if c in _META})
    lines = raw.lines if raw.lines is not None else np.full(len(frame), -1)
    pos = np.flatnonzero(bad)
    parts = [pd.DataFrame({"row": raw.rows[pos], "line": lines[pos], "kind": "record",
                           "reason": reason.to_numpy()[pos], "field": field.to_numpy()[pos],
                           "value": value.to_numpy()[pos]}).join(
        rawcols.iloc[pos].reset_index(drop=True))]
    if notes:
        nt = pd.concat(notes, ignore_index=True)
        nt = nt[good[nt["pos"].to_numpy()]]
        p = nt["pos"].to_numpy()
        parts.append(pd.DataFrame({"row": raw.rows[p], "line": lines[p], "kind": "field",
                                   "reason": nt["reason"].to_numpy(),
                                   "field": nt["field"].to_numpy(),
                                   "value": nt["value"].to_numpy()})
                     .join(rawcols.iloc[p].reset_index(drop=True)))
    if raw.malformed:
        parts.append(pd.DataFrame(raw.malformed).assign(kind="record"))
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) \
        if any(len(p) for p in parts) else parts[0]
    out.insert(0, "file", file)
    out = out.reindex(columns=_META + list(rawcols.columns))
    out["kind_order"] = (out["kind"] == "field").astype(int)
    out = out.sort_values(["row", "kind_order"], kind="stable").drop(columns="kind_order")
    wrong = out["kind"].to_numpy() != out["reason"].map(REJECT_KINDS).to_numpy()
    if wrong.any():
        raise InvariantError(f"{file}: reject reasons filed under the wrong kind: "
                             f"{sorted(set(out.loc[wrong, 'reason']))}")
    out = out.astype({"row": "int64", "line": "Int64", "kind": "string",
                      "reason": "string", "field": "string", "value": "string"})
    if raw.lines is None:
        out["line"] = pd.array([pd.NA] * len(out), dtype="Int64")
    return out.reset_index(drop=True)


_EXPECT = {
    "malformed_record": "a record with the header's fields",
    "bad_geometry": "a Point geometry",
    "missing_coordinates": "a longitude and a latitude",
    "bad_coordinates": "decimal degrees within range",
    "bad_coord_system": f"one of {_coords.SYSTEMS}",
    "missing_category": "a problem category",
    "unmapped_category": "a category that maps to a canonical code",
    "bad_time": "a date and time between 1678 and 2261",
    "duplicate_id": "an id not used by an earlier row",
    "unmapped_source": f"a source that maps to one of {SOURCES} (kept in source_raw)",
    "unmapped_status": f"a status that maps to one of {STATUSES} (kept in status_raw)",
    "bad_deadline": "a deadline date and time between 1678 and 2261 (left empty)",
    "bad_rectified_at": "a rectification time between 1678 and 2261 (left empty)",
    "nonexistent_time": "a local time that exists (it falls in a daylight-saving gap; "
                        "moved to the gap's end)",
    "ambiguous_time": "a local time that occurs once (clocks went back; the earlier "
                      "instant was taken)",
    "bad_encoding": "text in the file's encoding (undecodable bytes became U+FFFD)",
}
_FIX = {
    "malformed_record": "repair the line: one value per column, quotes closed",
    "bad_geometry": "give the feature a point geometry",
    "missing_coordinates": "locate the problem or drop the row at the source",
    "bad_coordinates": "write lon/lat as decimal degrees (lon first: 114.2, lat 22.7)",
    "bad_coord_system": "write wgs84, gcj02 or bd09",
    "missing_category": "fill in the category",
    "unmapped_category": "add the value to categories={...} in read_problems",
    "bad_time": "write times as YYYY-MM-DD hh:mm",
    "duplicate_id": "give the record its own id",
    "unmapped_source": "add the value to sources={...}",
    "unmapped_status": "add the value to statuses={...}",
    "bad_deadline": "write the deadline as YYYY-MM-DD hh:mm",
    "bad_rectified_at": "write the time as YYYY-MM-DD hh:mm",
    "nonexistent_time": "check the time, or write it with its UTC offset",
    "ambiguous_time": "write the time with its UTC offset",
    "bad_encoding": "save the file as UTF-8 (CSV UTF-8 in Excel)",
}


def summarize_rejects(rejects: pd.DataFrame) -> pd.DataFrame:
    """Count rejects by kind, reason and raw value (for ``unmapped_*`` reasons).

    Examples
    --------
    >>> r = pd.DataFrame({"reason": ["unmapped_category"] * 2 + ["bad_time"],
    ...                   "value": ["其他", "其他", "2024-13-01"]})
    >>> summarize_rejects(r)["count"].tolist()
    [2, 1]
    >>> summarize_rejects(r)["kind"].tolist()
    ['record', 'record']
    """
    if rejects.empty:
        return pd.DataFrame({"kind": [], "reason": [], "value": [], "count": []})
    kind = rejects["kind"] if "kind" in rejects else \
        rejects["reason"].map(REJECT_KINDS).fillna("record")
    keyed = pd.DataFrame({
        "kind": kind.astype(str), "reason": rejects["reason"].astype(str),
        "value": rejects["value"].where(rejects["reason"].str.startswith("unmapped"), "")
        .fillna("").astype(str)})
    out = keyed.groupby(["kind", "reason", "value"], dropna=False).size().rename("count")
    return out.reset_index().sort_values("count", ascending=False, kind="stable") \
        .reset_index(drop=True)
