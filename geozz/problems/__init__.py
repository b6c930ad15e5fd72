"""Problem records: read record by record, validate, convert coordinates.

:func:`read_problems` reads a CSV / TXT / TSV (optionally gzipped), an ``.xlsx`` workbook
or a point file GDAL reads (GeoJSON, GeoPackage, Shapefile, GeoParquet) of problem records
as offices and complaint systems export them, finds its columns by their usual names
(Chinese or English), maps raw categories, sources and statuses to the canonical codes,
converts GCJ-02 / BD-09 coordinates to WGS-84, and returns the good records as a
*Problems* GeoDataFrame together with a *rejects* table.

Counting. Records are counted from the file itself: text records as the :mod:`csv`
module splits them (blank lines, and lines holding only separators, are not records),
non-empty sheet rows below the header, features, Open311 requests, photos (and sidecar
rows naming no photo). Every record is a report of a problem or a ``kind="record"``
reject: ``problems["report_count"].sum()`` plus the record rejects equals that count,
checked in code (``InvariantError``); with ``merge=False`` every report is a problem.

Lifecycle. Missing deadlines are filled from working-time rules per category
(:mod:`geozz.problems.lifecycle`; :func:`states` judges on-time / late / overdue /
pending as of a date), repeat reports of one problem are merged and recurrences (回潮)
linked (:mod:`geozz.problems.repeats`).

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
- a line the :mod:`csv` module cannot read for another reason.

A field longer than the :mod:`csv` module reads (``csv.field_size_limit()``, 131,072
characters unless raised) rejects its own record as ``field_too_long`` (``field``: the
column; ``value``: the length and the limit): the record is followed to its end as the
:mod:`csv` module would read it, however many lines its quoted field runs over, so the
records after it keep their row and line numbers. Where that field is an unbalanced quote
(it runs over lines that read alone are records, or ends the file without the header's
number of fields) only its first line is rejected, as ``malformed_record``, as above.

Ids. A record without an id (no id column, or an empty cell) gets ``<file stem>-<row>``.
A made id never takes an id that a record of the file carries (kept or rejected) or one
of ``taken_ids=`` (the files read before): it becomes ``<file stem>-<row>.1`` (``.2`` …)
instead. A record whose own id an earlier kept record of the file, or ``taken_ids``,
already has is a ``duplicate_id`` reject.

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

from pathlib import Path
from typing import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from .._io import as_path
from .._times import check_tz
from ..errors import InputError, Issue
from ..tables.problems import (
    CATEGORIES,
    COLUMN_NAMES,
    INTERNAL_FIELDS,
    PERSONAL_FIELDS,
    REJECT_COLUMNS,
    REJECT_KINDS,
    REJECT_REASONS,
    SOURCES,
    STATUSES,
    VOCABULARY_KINDS,
    category_label,
    load,
    read_category_map,
    save,
    vocabulary,
    vocabulary_table,
)
from ..tables.problems import OUT_COLUMNS as OUT_COLUMNS
from ..tables.problems import REQUIRED_FIELDS as REQUIRED_FIELDS
from .lifecycle import (
    STATES,
    DeadlineRules,
    WorkCalendar,
    add_working_time,
    fill_deadlines,
    load_deadline_rules,
    states,
)
from .readers import RawTable, read_raw
from .repeats import link_recurrence, merge_duplicates
from .validate import _check_options, _validate

__all__ = ["read_problems", "from_frame", "summarize_rejects", "vocabulary", "vocabulary_table",
           "category_label", "read_category_map", "category_options",
           "save", "load", "CATEGORIES", "INTERNAL_FIELDS", "VOCABULARY_KINDS",
           "fill_deadlines", "states", "add_working_time", "load_deadline_rules",
           "WorkCalendar", "DeadlineRules", "STATES", "merge_duplicates", "link_recurrence",
           "SOURCES", "STATUSES", "REJECT_REASONS", "REJECT_KINDS", "PERSONAL_FIELDS"]


def _is_dataset(path) -> bool:
    """Whether ``path`` is a problems dataset partitioned by period (not a photo folder)."""
    from .._io import MARKER

    folder = Path(path)
    return folder.is_dir() and (folder / MARKER).is_file() and \
        any(p.name.startswith("period=") for p in folder.iterdir())


def read_problems(path: str | Path | None = None, *, con=None, sql: str | None = None,
                  chunksize: int = 50_000, coords: str = "wgs84",
                  categories: Mapping[str, str] | str | Path | None = None,
                  sources: Mapping[str, str] | None = None,
                  statuses: Mapping[str, str] | None = None,
                  columns: Mapping[str, str] | None = None, tz: str = "Asia/Shanghai",
                  strict: bool = False, encoding: str | None = None,
                  sheet: str | int | None = None, dayfirst: bool | None = None,
                  extent=None, far: float = 50_000, deadlines=None,
                  merge: bool | Mapping = True, recurrence: bool | Mapping = True,
                  taken_ids: Iterable[str] | None = None,
                  new_categories: Iterable[str] | None = None,
                  periods: str | Iterable[str] | None = None, lazy: bool = False,
                  ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Read problem records from a file into Problems and rejects.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` / ``.txt`` / ``.tsv`` file, optionally ``.gz`` (UTF-8 with or without
        BOM, or GB18030/GBK), an ``.xlsx`` workbook (title rows and merged header cells
        allowed), an Open311 GeoReport v2 ``.json`` list of requests, a point file GDAL
        reads (``.geojson``, ``.gpkg``, ``.shp``, ``.parquet``), or a folder of geotagged
        photos (随手拍: one problem per photo, position and time from EXIF, category from
        a sidecar CSV or the photo's sub-folder name). With ``con=``: a table or view
        (``"cases"``, ``"office.cases"``) or a query starting with ``SELECT`` / ``WITH``.
    con : sqlalchemy Engine or Connection, or str, optional
        Read the records from PostgreSQL / PostGIS (a ``postgresql://`` URL: password from
        the URL, ``PGPASSWORD`` or ``~/.pgpass``). A geometry column gives the position
        (transformed to WGS-84 from its SRID), else the longitude and latitude columns;
        every row is a record, read with the same rules as a file's, and each reject names
        the row's primary key (rejects column ``key``). See :mod:`geozz.db`.
    sql : str, optional
        With ``con=``: the query to read (instead of a table as ``path``).
    periods : str or list of str, optional
        With a problems dataset partitioned by period (a folder
        :func:`geozz.tables.problems.write_partitioned` wrote, problems already read):
        the periods to open (``"2024-05"``); default all. The records are not read again:
        the rejects are empty, they were counted when the dataset was written.
    lazy : bool, default False
        With such a dataset: a dask-geopandas frame, one partition per file, nothing read
        until computed (the input of ``gz.assign(..., engine="dask")``); without it the
        periods are read into memory, after an up-front check that they fit (an InputError
        naming ``lazy=True`` / ``engine="dask"`` when they do not).
    chunksize : int, default 50000
        With ``con=``: rows fetched at a time (a server-side cursor).
    coords : str, default "wgs84"
        The coordinate system of rows whose coordinate-system column (``坐标系``,
        ``coord_sys``) is empty or absent: ``wgs84``, ``gcj02`` (高德/腾讯), ``bd09``
        (百度), ``cgcs2000``, ``cgcs2000_3deg`` / ``cgcs2000_6deg`` (Gauss-Krüger, zone in
        the easting) or any ``EPSG:nnnn`` (see :mod:`geozz.problems.positions`).
    categories, sources, statuses : mapping, optional
        Raw value -> canonical code, added to the bundled vocabulary
        (:func:`vocabulary`). ``categories`` may also be the path of a category map
        (:func:`read_category_map`: raw value -> code, and the new codes it declares).
    new_categories : iterable of str, or a rubric, optional
        Category codes beyond the built-in vocabulary that ``categories`` may map to
        (noise, parking …: lower-case letters, digits and ``_``), or a rubric (name,
        file or :class:`~geozz.rubric.Rubric`) whose categories are taken. Such problems
        get no deadline from the bundled rules and are rated by a rubric that names
        them (else counted as ``not_rated``).
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
    extent : tuple or GeoDataFrame, optional
        Where the problems can be: a WGS-84 ``(minlon, minlat, maxlon, maxlat)`` box or
        the units. A pair that falls inside only when swapped is swapped (field note
        ``swapped_coordinates``); a point farther than ``far`` metres from it is a record
        reject ``far_outside`` with its distance.
    far : float, default 50000
        Metres beyond ``extent`` a point may lie.
    deadlines : path, dict or False, optional
        Deadline rules (:func:`load_deadline_rules`: limits per category in working
        time, the working day, holidays); missing deadlines are filled from them and
        ``deadline_source`` says ``file`` or ``rules``. Default the bundled rules
        (``geozz/resources/deadlines.toml``); False leaves deadlines as the file has them.
    merge : bool or mapping, default True
        Merge repeat reports of one problem (same category, within 50 m and 7 days, the
        earlier still open: :func:`merge_duplicates`) into one problem with
        ``report_count`` and ``report_ids``; a mapping sets ``distance`` / ``window``.
    recurrence : bool or mapping, default True
        Link a problem to one of its category rectified within 50 m in the previous 90
        days (回潮: ``recurrence_of``, ``recurrent``; :func:`link_recurrence`).
    taken_ids : iterable of str, optional
        Ids already used by other inputs read together (all the report ids of the files
        read before, as ``geozz problems a.csv b.csv`` passes them): a record carrying
        one is a ``duplicate_id`` reject, with its row and line, and an id made for a
        record without one avoids them.

    Returns
    -------
    problems : GeoDataFrame
        Indexed by ``problem_id``; points in WGS-84 (EPSG:4326); one row per problem
        (repeat reports merged), ``report_count`` reports each.
    rejects : DataFrame
        One row per rejected record or unusable optional value: ``file``, ``row``,
        ``line``, ``kind``, ``reason``, ``field``, ``value`` and the record's raw columns.

    Examples
    --------
    >>> import geozz as gz
    >>> from geozz import datasets
    >>> problems, rejects = gz.read_problems(datasets.problems_path("longgang"))
    >>> n = problems["report_count"].sum() + (rejects["kind"] == "record").sum()
    >>> int(n) == len(pd.read_csv(datasets.problems_path("longgang")))
    True
    """
    if con is None and sql is None:
        path = as_path(path, what="records file")
    elif con is None:
        raise InputError(Issue(field="sql", expected="con= with sql=", got=sql,
                               fix="pass con='postgresql://user@host/database'"))
    if con is None and path is not None and _is_dataset(path):
        from ..tables import problems as table

        frame = table.read_lazy(path, periods=periods) if lazy else \
            table.read_partitioned(path, periods=periods)
        return frame, pd.DataFrame(columns=REJECT_COLUMNS)
    tz = check_tz(tz)
    categories, new = category_options(categories, new_categories)
    taken = _check_options(coords=coords, dayfirst=dayfirst, extent=extent, far=far,
                           taken_ids=taken_ids)
    steps = _lifecycle_options(deadlines=deadlines, merge=merge, recurrence=recurrence)
    stem = keys = None
    if con is not None:
        from .readers.postgis import read_raw_problems

        raw, file, stem, keys = read_raw_problems(con, path, sql=sql, chunksize=chunksize)
    else:
        known = {n for names in COLUMN_NAMES.values() for n in names} | set(columns or {})
        raw = read_raw(path, encoding=encoding, sheet=sheet, known_names=known,
                       columns=columns)
        file = str(path)
    problems, rejects = _validate(raw, file=file, coords=coords, categories=categories,
                                  sources=sources, statuses=statuses, columns=columns, tz=tz,
                                  strict=strict, dayfirst=dayfirst, extent=extent, far=far,
                                  taken_ids=taken, new_categories=new, stem=stem)
    if keys is not None:  # the database row's primary key, beside its record number
        rejects.insert(rejects.columns.get_loc("line") + 1, "key",
                       pd.array([keys[r - 1] for r in rejects["row"]], dtype="string"))
    return _lifecycle(problems, steps), rejects


def from_frame(frame: pd.DataFrame, *, file: str = "<frame>", coords: str = "wgs84",
               categories: Mapping[str, str] | str | Path | None = None,
               sources: Mapping[str, str] | None = None,
               statuses: Mapping[str, str] | None = None,
               columns: Mapping[str, str] | None = None, tz: str = "Asia/Shanghai",
               strict: bool = False, dayfirst: bool | None = None,
               extent=None, far: float = 50_000, deadlines=None,
               merge: bool | Mapping = True, recurrence: bool | Mapping = True,
               taken_ids: Iterable[str] | None = None,
               new_categories: Iterable[str] | None = None,
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
    categories, new = category_options(categories, new_categories)
    taken = _check_options(coords=coords, dayfirst=dayfirst, extent=extent, far=far,
                           taken_ids=taken_ids)
    steps = _lifecycle_options(deadlines=deadlines, merge=merge, recurrence=recurrence)
    frame = frame.reset_index(drop=True)
    frame = frame.astype(object).where(frame.notna(), None)
    raw = RawTable(frame=frame, rows=np.arange(1, len(frame) + 1), lines=None,
                   n_records=len(frame))
    problems, rejects = _validate(raw, file=file, coords=coords, categories=categories,
                                  sources=sources, statuses=statuses, columns=columns, tz=tz,
                                  strict=strict, dayfirst=dayfirst, extent=extent, far=far,
                                  taken_ids=taken, new_categories=new)
    return _lifecycle(problems, steps), rejects


def category_options(categories, new_categories) -> tuple[dict | None, tuple[str, ...]]:
    """``categories=`` and ``new_categories=`` of :func:`read_problems` checked: the
    mapping (read from a category map file when a path is given) and the new codes (those
    the map declares, those given, the categories of a rubric given), built-in ones left
    out.

    Examples
    --------
    >>> category_options({"Noise": "noise"}, ["noise"])
    ({'Noise': 'noise'}, ('noise',))
    >>> "street_litter" in category_options(None, "village")[1]
    False
    """
    from ..tables.problems import new_category_issues

    new: list[str] = []
    if isinstance(categories, (str, Path)):
        categories, declared = read_category_map(categories)
        new += declared
    if new_categories is not None:
        from ..rubric import Rubric, load_rubric

        if isinstance(new_categories, Rubric) or (
                isinstance(new_categories, (str, Path)) and not isinstance(new_categories,
                                                                            bytes)):
            rubric = new_categories if isinstance(new_categories, Rubric) \
                else load_rubric(new_categories)
            new += rubric.problem_categories()
        else:
            try:
                new += list(new_categories)
            except TypeError:
                raise InputError(Issue(field="new_categories", expected="a list of codes "
                                       "or a rubric", got=type(new_categories).__name__,
                                       fix='pass new_categories=["noise"]')) from None
    new = [c for c in dict.fromkeys(new) if c not in CATEGORIES]
    issues = new_category_issues(new)
    if issues:
        raise InputError(issues)
    return categories, tuple(new)


def _lifecycle_options(*, deadlines, merge, recurrence) -> dict:
    """Check the lifecycle options before reading (a mistake costs no reading time)."""
    issues = []
    steps: dict = {"deadlines": None if deadlines is False else
                   load_deadline_rules(deadlines)}
    for name, value, func in (("merge", merge, merge_duplicates),
                              ("recurrence", recurrence, link_recurrence)):
        if value is True:
            steps[name] = {}
        elif value is False:
            steps[name] = None
        elif isinstance(value, Mapping) and set(value) <= {"distance", "window"}:
            steps[name] = dict(value)
        else:
            issues.append(Issue(field=name, expected="True, False or a mapping with "
                                "'distance' (metres) and/or 'window' (e.g. '7D')",
                                got=value, fix=f"pass {name}={{'distance': 50}} or "
                                f"{name}=False"))
    if issues:
        raise InputError(issues)
    return steps


def _lifecycle(problems: gpd.GeoDataFrame, steps: dict) -> gpd.GeoDataFrame:
    """Deadlines from the rules, repeat reports merged, recurrences linked."""
    if steps["deadlines"] is not None:
        problems = fill_deadlines(problems, rules=steps["deadlines"])
    if steps["merge"] is not None:
        problems = merge_duplicates(problems, **steps["merge"])
    if steps["recurrence"] is not None:
        problems = link_recurrence(problems, **steps["recurrence"])
    return problems


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
