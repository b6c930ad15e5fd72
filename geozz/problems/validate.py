"""Validation of raw problem records: the engine behind :func:`geozz.problems.read_problems`.

:func:`_validate` turns a :class:`~geozz.problems.readers.RawTable` into Problems and
rejects (column lookup, coordinates, categories, times, sources, statuses, ids),
:func:`_rejects` builds the rejects table, and :data:`_EXPECT` / :data:`_FIX` give each
reject reason its message for ``strict=True``. The reading rules are in the docstring of
:mod:`geozz.problems`.

Examples
--------
>>> set(_EXPECT) == set(_FIX) == set(REJECT_KINDS)
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from .._times import parse_column
from ..errors import InputError, InvariantError, Issue, SchemaError
from ..tables.problems import (
    _NA_FIELDS,
    _NA_TOKENS,
    CATEGORIES,
    COLUMN_NAMES,
    OUT_COLUMNS,
    REJECT_COLUMNS,
    REJECT_KINDS,
    REQUIRED_FIELDS,
    SOURCES,
    STATUSES,
    _clean,
    _lookup,
    _map_codes,
    match_column,
    vocabulary,
)
from . import positions as _positions
from .readers import RawTable

_META = REJECT_COLUMNS


def _find_columns(frame: pd.DataFrame, columns: Mapping[str, str] | None,
                  file: str) -> dict[str, str]:
    """Canonical field -> column of ``frame``; ``columns`` maps file column -> field."""
    found: dict[str, str] = {}
    issues = []
    for col, fld in (columns or {}).items():
        hit = match_column(frame.columns, (col,))
        if fld not in COLUMN_NAMES:
            issues.append(Issue(file=file, field="columns", expected="canonical fields "
                                f"{tuple(COLUMN_NAMES)}", got=fld,
                                fix=f"map {col!r} to one of those fields"))
        elif hit is None:
            issues.append(Issue(file=file, field=col, expected="a column of that name "
                                "(case, spaces and punctuation aside)",
                                got=list(frame.columns)[:20],
                                fix="check the columns= mapping"))
        else:
            found[fld] = hit
    if issues:
        raise SchemaError(issues)
    for fld, names in COLUMN_NAMES.items():
        if fld in found:
            continue
        hit = match_column(frame.columns, names)
        if hit is not None:
            found[fld] = hit
    return found


def _check_options(*, coords: object, dayfirst: object, extent: object = None,
                   far: object = 50_000, taken_ids: object = None) -> frozenset[str]:
    """Check the reading options before reading; return ``taken_ids`` as a set of text."""
    issues = _positions.option_issues(coords=coords, extent=extent, far=far)
    if dayfirst not in (None, True, False):
        issues.append(Issue(field="dayfirst", expected="True, False or None", got=dayfirst,
                            fix="pass dayfirst=True for 13/05/2024, False for 05/13/2024"))
    taken: frozenset[str] = frozenset()
    if taken_ids is not None:
        try:
            if isinstance(taken_ids, (str, bytes)):
                raise TypeError
            if isinstance(taken_ids, frozenset) and \
                    all(type(i) is str and i == i.strip() for i in taken_ids):
                taken = taken_ids  # already text (a project's ids, file after file)
            else:
                taken = frozenset(str(i).strip() for i in taken_ids
                                  if not (pd.api.types.is_scalar(i) and pd.isna(i)))
        except TypeError:
            issues.append(Issue(field="taken_ids", expected="a collection of ids (a set "
                                "or list of text)", got=type(taken_ids).__name__,
                                fix="pass taken_ids=set(earlier_problems.index), or "
                                    "leave it out"))
    if issues:
        raise InputError(issues)
    return taken


def _make_ids(own: pd.Series, rows: np.ndarray, *, stem: str,
              taken: frozenset[str] = frozenset()) -> pd.Series:
    """Each record's problem id: its own, else one made from the file name and row.

    A record without an id gets ``<file stem>-<row>``. A made id is never an id that a
    record of the file carries (whether that record is kept or rejected) nor one of
    ``taken``: such a made id gets ``.1``, ``.2`` ... until it is free, so a made id
    never takes a record's real id from it.

    Parameters
    ----------
    own : Series of str
        The ids the records carry (NA where none), cleaned.
    rows : ndarray of int
        The 1-based record number of each.
    stem : str
        The file name without its suffix.
    taken : frozenset of str
        Ids used by other inputs read together.

    Returns
    -------
    Series of str
        The id of every record, on the index of ``own``.

    Examples
    --------
    >>> own = pd.Series([pd.NA, "p-1", pd.NA], dtype="string")
    >>> _make_ids(own, np.array([1, 2, 3]), stem="p").tolist()
    ['p-1.1', 'p-1', 'p-3']
    >>> _make_ids(own, np.array([1, 2, 3]), stem="p", taken=frozenset({"p-3"})).tolist()
    ['p-1.1', 'p-1', 'p-3.1']
    """
    made = pd.Series([f"{stem}-{r}" for r in rows], index=own.index, dtype="string")
    need = own.isna().to_numpy()
    reserved = set(own[~need]) | set(taken)
    # set lookups in Python: pandas' isin converts a large set of ids on every call
    clash = need & np.fromiter((m in reserved for m in made.tolist()), bool, len(made))
    if clash.any():
        reserved |= set(made[need])
        for i in np.flatnonzero(clash):
            k = 1
            while f"{made.iat[i]}.{k}" in reserved:
                k += 1
            made.iat[i] = f"{made.iat[i]}.{k}"
            reserved.add(made.iat[i])
    return own.where(~need, made)


def _validate(raw: RawTable, *, file: str, coords: str,
              categories: Mapping[str, str] | None, sources: Mapping[str, str] | None,
              statuses: Mapping[str, str] | None, columns: Mapping[str, str] | None,
              tz: str, strict: bool, dayfirst: bool | None, extent: object = None,
              far: float = 50_000, taken_ids: frozenset[str] = frozenset(),
              new_categories: tuple[str, ...] = (), stem: str | None = None,
              ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
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
                        categories, "categories", new=tuple(new_categories))
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

    loc = _positions.locate(text["lon"], text["lat"], text.get("coord_sys"),
                            default=coords, extent=extent, far=far, file=file, fields=cols)
    hit = loc.reason.notna() & reason.isna()  # the first reason wins
    reason[hit], field[hit], value[hit] = loc.reason[hit], loc.field[hit], loc.value[hit]
    if len(loc.notes):
        notes.append(loc.notes)

    raw_cat = text["category"]
    reject(raw_cat.isna(), "missing_category", "category")
    cat = _map_codes(raw_cat, cat_table)
    reject(cat.isna(), "unmapped_category", "category", raw_cat)

    def times(fld: str) -> pd.Series | None:
        if fld not in cols:
            return None
        got = parse_column(text[fld], tz=tz, column=cols[fld], file=file,
                           dayfirst=dayfirst, serial=raw.serial_dates)
        if fld == "found_at":  # a record without a time cannot be dated either
            reject(got.bad | text[fld].isna(), "bad_time", fld, text[fld])
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

    own = text["problem_id"] if "problem_id" in cols else \
        pd.Series(pd.NA, index=frame.index, dtype="string")
    pid = _make_ids(own, raw.rows, stem=Path(file).stem if stem is None else stem,
                     taken=taken_ids)
    # a repeat of an id already taken by an earlier good row (rejects take no id) or by
    # another input read together; a made id is never one of them
    live = pid.where(reason.isna())
    reject((live.duplicated(keep="first") & live.notna())
           | pd.Series([v in taken_ids for v in own.tolist()], index=own.index, dtype=bool)
           & own.notna(), "duplicate_id", "problem_id", pid)

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

    glon, glat = loc.lon[good], loc.lat[good]
    gsys = loc.system[good].to_numpy(object)

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
        "address": col("address"),
        "agency": col("agency"),
        "media_url": col("media_url"),
        "photo": col("photo"),
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
    "field_too_long": "fields the csv module reads (at most csv.field_size_limit() "
                      "characters, 131,072 unless raised)",
    "bad_geometry": "a Point geometry",
    "missing_category": "a problem category",
    "unmapped_category": "a category that maps to a canonical code",
    "bad_time": "a date and time between 1678 and 2261",
    "duplicate_id": "an id not used by an earlier row (or by an input read before)",
    "unmapped_source": f"a source that maps to one of {SOURCES} (kept in source_raw)",
    "unmapped_status": f"a status that maps to one of {STATUSES} (kept in status_raw)",
    "bad_deadline": "a deadline date and time between 1678 and 2261 (left empty)",
    "bad_rectified_at": "a rectification time between 1678 and 2261 (left empty)",
    "nonexistent_time": "a local time that exists (it falls in a daylight-saving gap; "
                        "moved to the gap's end)",
    "ambiguous_time": "a local time that occurs once (clocks went back; the earlier "
                      "instant was taken)",
    "bad_encoding": "text in the file's encoding (undecodable bytes became U+FFFD)",
    "missing_photo": "a sidecar row naming a photo in the folder",
}
_FIX = {
    "malformed_record": "repair the line: one value per column, quotes closed",
    "field_too_long": "shorten the field (attach long texts as files), or raise "
                      "csv.field_size_limit() before reading",
    "bad_geometry": "give the feature a point geometry",
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
    "missing_photo": "put the photo in the folder, or correct or delete the sidecar row",
}
# the coordinate reasons carry their messages with them
for _reason, (_kind, _expected, _fix) in _positions.REASONS.items():
    _EXPECT[_reason], _FIX[_reason] = _expected, _fix
