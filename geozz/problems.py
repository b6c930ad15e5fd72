"""Problem records: read, validate, convert coordinates.

:func:`read_problems` reads a CSV (or GeoJSON / GeoPackage) of problem records as
offices and complaint systems export them, finds its columns by their usual names
(Chinese or English), maps raw categories, sources and statuses to the canonical codes,
converts GCJ-02 / BD-09 coordinates to WGS-84, and returns the good records as a
*Problems* GeoDataFrame together with a *rejects* table holding every bad record with
its reason. Nothing is dropped: ``len(problems) + len(rejects)`` is the number of rows
read, checked in code.

Reject reasons: ``missing_coordinates``, ``bad_coordinates`` (not a number, or out of
range), ``bad_coord_system``, ``missing_category``, ``unmapped_category``,
``unmapped_source``, ``unmapped_status``, ``bad_time``, ``duplicate_id``.

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

from . import coords as _coords
from .errors import InputError, InvariantError, Issue, SchemaError

__all__ = ["read_problems", "from_frame", "summarize_rejects", "vocabulary", "CATEGORIES",
           "SOURCES", "STATUSES", "REJECT_REASONS", "PERSONAL_FIELDS"]

REJECT_REASONS = ("missing_coordinates", "bad_coordinates", "bad_coord_system",
                  "missing_category", "unmapped_category", "unmapped_source",
                  "unmapped_status", "bad_time", "duplicate_id")
SOURCES = ("patrol", "complaint", "photo", "inspection", "third_party")
STATUSES = ("open", "rectifying", "rectified", "verified", "reopened")
#: fields that never reach a public output
PERSONAL_FIELDS = ("reporter", "phone")

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
OUT_COLUMNS = ["category", "raw_category", "found_at", "source", "status", "deadline",
               "rectified_at", "description", "reporter", "phone", "coord_sys", "geometry"]


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
    for raw, code in (extra or {}).items():
        if code not in codes:
            raise InputError(Issue(field=what, expected=f"codes from {codes}", got=code,
                                   fix=f"map {raw!r} to one of the canonical codes"))
        table[_norm(raw)] = code
    return table


def _find_columns(frame: pd.DataFrame, columns: Mapping[str, str] | None,
                  file: str) -> dict[str, str]:
    """Canonical field -> column of ``frame``; ``columns`` maps file column -> field."""
    found: dict[str, str] = {}
    for col, field in (columns or {}).items():
        if col not in frame.columns:
            raise SchemaError(Issue(file=file, field=col, expected="a column of that name",
                                    got=list(frame.columns)[:20],
                                    fix="check the columns= mapping"))
        found[field] = col
    for field, names in COLUMN_NAMES.items():
        if field in found:
            continue
        for name in names:
            if name in frame.columns:
                found[field] = name
                break
    return found


def _parse_times(values: pd.Series, tz: str) -> pd.Series:
    """Parse to tz-aware datetimes in ``tz``; naive values are local times in ``tz``."""
    out = pd.Series(pd.NaT, index=values.index, dtype=f"datetime64[ns, {tz}]")
    text = values.astype("string").str.strip()
    ok = text.notna() & (text != "")
    for i in np.flatnonzero(ok.to_numpy()):
        try:
            t = pd.Timestamp(text.iloc[i])
        except (ValueError, TypeError, OverflowError):
            continue
        if t is pd.NaT:
            continue
        t = t.tz_localize(tz) if t.tzinfo is None else t.tz_convert(tz)
        out.iloc[i] = t
    return out


def _parse_times_fast(values: pd.Series, tz: str) -> pd.Series:
    text = values.astype("string").str.strip()
    try:
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
    except (ValueError, TypeError):
        return _parse_times(values, tz)
    if getattr(parsed.dt, "tz", None) is None:
        parsed = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    else:
        parsed = parsed.dt.tz_convert(tz)
    parsed = parsed.astype(f"datetime64[ns, {tz}]")
    retry = parsed.isna() & text.notna() & (text != "")
    if retry.any():  # other formats, one by one
        parsed[retry] = _parse_times(values[retry], tz)
    return parsed


def read_problems(path: str | Path, *, coords: str = "wgs84",
                  categories: Mapping[str, str] | None = None,
                  sources: Mapping[str, str] | None = None,
                  statuses: Mapping[str, str] | None = None,
                  columns: Mapping[str, str] | None = None, tz: str = "Asia/Shanghai",
                  strict: bool = False, encoding: str | None = None,
                  ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Read problem records from a file into Problems and rejects.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` / ``.csv.gz`` / ``.txt`` file (UTF-8 or UTF-8 with BOM, as Excel writes
        it; GBK is tried when UTF-8 fails), or a point file GDAL reads (``.geojson``,
        ``.gpkg``, ``.shp``).
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
        Time zone of naive times; every time is returned in it.
    strict : bool, default False
        Raise :class:`~geozz.errors.InputError` listing every bad row instead of
        returning rejects.
    encoding : str, optional
        Force a text encoding.

    Returns
    -------
    problems : GeoDataFrame
        Indexed by ``problem_id``; points in WGS-84 (EPSG:4326).
    rejects : DataFrame
        One row per bad record: ``file``, ``row`` (1-based data row), ``reason``,
        ``field``, ``value`` and the record's raw columns.

    Examples
    --------
    >>> import geozz as gz
    >>> from geozz import datasets
    >>> problems, rejects = gz.read_problems(datasets.problems_path("longgang"))
    >>> n = len(problems) + len(rejects)
    >>> n == len(pd.read_csv(datasets.problems_path("longgang")))
    True
    """
    path = Path(path)
    if not path.exists():
        raise InputError(Issue(file=str(path), expected="an existing file",
                               fix="check the path"))
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz", ".txt", ".tsv")):
        frame = None
        for enc in ([encoding] if encoding else ["utf-8-sig", "gb18030"]):
            try:
                frame = pd.read_csv(path, dtype=str, keep_default_na=False,
                                    encoding=enc, sep=None if name.endswith(".txt") else
                                    ("\t" if name.endswith(".tsv") else ","),
                                    engine="python" if name.endswith(".txt") else "c")
                break
            except UnicodeDecodeError:
                continue
        if frame is None:
            raise InputError(Issue(file=str(path), expected="UTF-8 or GBK text",
                                   fix="save the file as UTF-8 (CSV UTF-8 in Excel)"))
        frame = frame.replace({"": None})
    else:
        try:
            gdf = gpd.read_file(path)
        except Exception as exc:
            raise InputError(Issue(file=str(path), expected="a CSV or a point file GDAL "
                                   "reads", got=str(exc)[:200],
                                   fix="export the records as CSV with lon/lat columns"))
        if gdf.crs is not None:
            gdf = gdf.to_crs(4326)
        frame = pd.DataFrame(gdf.drop(columns="geometry"))
        pts = gdf.geometry
        frame["lon"] = np.where(pts.geom_type == "Point", pts.x, np.nan)
        frame["lat"] = np.where(pts.geom_type == "Point", pts.y, np.nan)
    return from_frame(frame, file=str(path), coords=coords, categories=categories,
                      sources=sources, statuses=statuses, columns=columns, tz=tz,
                      strict=strict)


def from_frame(frame: pd.DataFrame, *, file: str = "<frame>", coords: str = "wgs84",
               categories: Mapping[str, str] | None = None,
               sources: Mapping[str, str] | None = None,
               statuses: Mapping[str, str] | None = None,
               columns: Mapping[str, str] | None = None, tz: str = "Asia/Shanghai",
               strict: bool = False) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Validate a DataFrame of raw records; the engine behind :func:`read_problems`.

    Parameters are those of :func:`read_problems`; ``file`` names the origin in messages.

    Examples
    --------
    >>> raw = pd.DataFrame({"lon": ["114.2", "x"], "lat": ["22.69", "22.69"],
    ...                     "问题类型": ["暴露垃圾", "暴露垃圾"],
    ...                     "发现时间": ["2024-05-01 08:00", "2024-05-02 09:00"]})
    >>> problems, rejects = from_frame(raw)
    >>> len(problems), rejects["reason"].tolist()
    (1, ['bad_coordinates'])
    """
    src_default = coords.lower().replace("-", "")
    if src_default not in _coords.SYSTEMS:
        raise InputError(Issue(field="coords", expected=f"one of {_coords.SYSTEMS}",
                               got=coords, fix="say which system the coordinates are in"))
    frame = frame.reset_index(drop=True)
    n = len(frame)
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

    def reject(mask: pd.Series, why: str, fld: str, vals: pd.Series | None = None) -> None:
        mask = mask & reason.isna()  # the first reason found is the one recorded
        reason[mask] = why
        field[mask] = cols.get(fld, fld)
        if vals is not None:
            value[mask] = vals[mask].astype("string")

    raw_lon, raw_lat = frame[cols["lon"]], frame[cols["lat"]]
    reject(raw_lon.isna() | raw_lat.isna(), "missing_coordinates", "lon")
    lon = pd.to_numeric(raw_lon, errors="coerce")
    lat = pd.to_numeric(raw_lat, errors="coerce")
    reject(lon.isna(), "bad_coordinates", "lon", raw_lon)
    reject(lat.isna(), "bad_coordinates", "lat", raw_lat)
    reject(~lon.between(-180, 180), "bad_coordinates", "lon", raw_lon)
    reject(~lat.between(-90, 90), "bad_coordinates", "lat", raw_lat)

    if "coord_sys" in cols:
        sys_raw = frame[cols["coord_sys"]].astype("string").str.strip().str.lower()
        sys_raw = sys_raw.str.replace("-", "", regex=False).fillna(src_default)
        sys_raw = sys_raw.replace({"epsg:4326": "wgs84", "4326": "wgs84", "": src_default})
        reject(~sys_raw.isin(_coords.SYSTEMS), "bad_coord_system", "coord_sys",
               frame[cols["coord_sys"]])
    else:
        sys_raw = pd.Series(src_default, index=frame.index, dtype="string")

    raw_cat = frame[cols["category"]]
    reject(raw_cat.isna(), "missing_category", "category")
    cat = raw_cat.map(lambda v: cat_table.get(_norm(v)) if pd.notna(v) else None)
    reject(cat.isna(), "unmapped_category", "category", raw_cat)

    found_at = _parse_times_fast(frame[cols["found_at"]], tz)
    reject(found_at.isna(), "bad_time", "found_at", frame[cols["found_at"]])

    def mapped(fld: str, table: dict, why: str, default):
        if fld not in cols:
            return pd.Series(default, index=frame.index, dtype="object")
        raw = frame[cols[fld]]
        out = raw.map(lambda v: table.get(_norm(v)) if pd.notna(v) else default)
        reject(raw.notna() & out.isna(), why, fld, raw)
        return out

    source = mapped("source", src_table, "unmapped_source", None)
    status = mapped("status", st_table, "unmapped_status", "open")

    if "problem_id" in cols:
        pid = frame[cols["problem_id"]].astype("string").str.strip()
        blank = pid.isna() | (pid == "")
        pid = pid.where(~blank, pd.Series([f"{Path(file).stem}-{i + 1}" for i in range(n)],
                                          index=frame.index, dtype="string"))
    else:
        pid = pd.Series([f"{Path(file).stem}-{i + 1}" for i in range(n)], index=frame.index,
                        dtype="string")
    # a repeat of an id already taken by an earlier good row (rejects take no id)
    reject(pid.where(reason.isna()).duplicated(keep="first"), "duplicate_id", "problem_id",
           pid)

    bad = reason.notna().to_numpy()
    if strict and bad.any():
        raise InputError([Issue(file=file, row=int(i) + 1, field=str(field[i]),
                                expected=_EXPECT[str(reason[i])],
                                got=None if pd.isna(value[i]) else str(value[i]),
                                fix=_FIX[str(reason[i])]) for i in np.flatnonzero(bad)])

    rejects = frame[bad].copy()
    rejects.insert(0, "value", value[bad])
    rejects.insert(0, "field", field[bad])
    rejects.insert(0, "reason", reason[bad])
    rejects.insert(0, "row", np.flatnonzero(bad) + 1)
    rejects.insert(0, "file", file)
    rejects = rejects.reset_index(drop=True)

    good = ~bad
    glon = np.array(lon[good], dtype=float)
    glat = np.array(lat[good], dtype=float)
    gsys = sys_raw[good].to_numpy(object)
    for system in _coords.SYSTEMS:
        if system == "wgs84":
            continue
        m = gsys == system
        if m.any():
            glon[m], glat[m] = _coords.convert(glon[m], glat[m], src=system, dst="wgs84")

    def col(fld: str, parse_time: bool = False):
        if fld not in cols:
            return pd.Series(pd.NaT if parse_time else None,
                             index=frame.index[good], dtype=f"datetime64[ns, {tz}]"
                             if parse_time else "object")
        vals = frame.loc[good, cols[fld]]
        return _parse_times_fast(vals, tz) if parse_time else vals

    problems = gpd.GeoDataFrame({
        "category": cat[good].astype("string"),
        "raw_category": raw_cat[good].astype("string"),
        "found_at": found_at[good],
        "source": source[good].astype("string"),
        "status": status[good].astype("string"),
        "deadline": col("deadline", True),
        "rectified_at": col("rectified_at", True),
        "description": col("description").astype("string"),
        "reporter": col("reporter").astype("string"),
        "phone": col("phone").astype("string"),
        "coord_sys": pd.Series(gsys, index=frame.index[good], dtype="string"),
    }, geometry=gpd.points_from_xy(glon, glat), crs=4326)
    problems.index = pd.Index(pid[good].to_numpy(), name="problem_id", dtype="str")
    problems = problems[OUT_COLUMNS]
    if len(problems) + len(rejects) != n:
        raise InvariantError(f"{file}: {n} rows in, {len(problems)} problems + "
                             f"{len(rejects)} rejects out")
    return problems, rejects


_EXPECT = {
    "missing_coordinates": "a longitude and a latitude",
    "bad_coordinates": "decimal degrees within range",
    "bad_coord_system": f"one of {_coords.SYSTEMS}",
    "missing_category": "a problem category",
    "unmapped_category": "a category that maps to a canonical code",
    "unmapped_source": f"a source that maps to one of {SOURCES}",
    "unmapped_status": f"a status that maps to one of {STATUSES}",
    "bad_time": "a date and time",
    "duplicate_id": "an id not used by an earlier row",
}
_FIX = {
    "missing_coordinates": "locate the problem or drop the row at the source",
    "bad_coordinates": "write lon/lat as decimal degrees (lon first: 114.2, lat 22.7)",
    "bad_coord_system": "write wgs84, gcj02 or bd09",
    "missing_category": "fill in the category",
    "unmapped_category": "add the value to categories={...} in read_problems",
    "unmapped_source": "add the value to sources={...}",
    "unmapped_status": "add the value to statuses={...}",
    "bad_time": "write times as YYYY-MM-DD hh:mm",
    "duplicate_id": "give the record its own id",
}


def summarize_rejects(rejects: pd.DataFrame) -> pd.DataFrame:
    """Count rejects by reason and by raw value (for ``unmapped_*`` reasons).

    Examples
    --------
    >>> r = pd.DataFrame({"reason": ["unmapped_category"] * 2 + ["bad_time"],
    ...                   "value": ["其他", "其他", "2024-13-01"]})
    >>> summarize_rejects(r)["count"].tolist()
    [2, 1]
    """
    if rejects.empty:
        return pd.DataFrame({"reason": [], "value": [], "count": []})
    keyed = rejects.assign(value=rejects["value"].where(
        rejects["reason"].str.startswith("unmapped"), ""))
    out = keyed.groupby(["reason", "value"], dropna=False).size().rename("count")
    return out.reset_index().sort_values("count", ascending=False, kind="stable") \
        .reset_index(drop=True)
