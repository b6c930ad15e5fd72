"""Problems seen more than once: duplicate reports and recurrence (回潮).

Duplicates (:func:`merge_duplicates`). One problem is often reported several times (a
patrol, then a complaint, then a photo). Reports are taken in time order (``found_at``,
ties in input order); a report joins the group of an earlier report when

- it has the same category,
- it lies within ``distance`` metres of the group's *first* report,
- it was found within ``window`` of the group's *latest* report (a chain: reports every
  few days keep one group going as long as the problem stays open), and
- the group is still open: no report of the group was rectified before this report was
  found (``rectified_at`` before its ``found_at``); a problem rectified and then reported
  again is a new problem (see recurrence).

Where several groups qualify, the report joins the one whose first report is nearest
(ties: the earlier group). A report that joins no group starts one. Each group becomes one
row: the first report's id, geometry, ``found_at`` and other fields; ``status``,
``rectified_at``, ``deadline`` (and ``deadline_source``) are the first report's, filled
from the later reports (the earliest that has one) where the first report's is empty;
``report_count`` is the number of reports and ``report_ids`` their ids in time order,
joined with ``";"`` (text, so that GeoPackage and CSV can hold it). Distances are measured
in metres in the UTM zone of the data.

Recurrence (:func:`link_recurrence`). A problem recurs (回潮) when an earlier problem of the
same category within ``distance`` metres was rectified before it was found, at most
``window`` before. ``recurrence_of`` names the latest such earlier problem (by
``found_at``). Run it on merged problems: a duplicate of an open problem is not a
recurrence, nor is a report of a problem still open (no ``rectified_at`` before it was
found) or one whose rectification failed its check (status ``reopened``: the problem was
never rectified, it is still there).

Both find nearby reports with a shapely STRtree (``dwithin`` queries), one slice of
time after the other: a report is only paired with the groups still alive (merging)
or the problems rectified within ``window`` (recurrence), never with reports months
away, so dense data costs pairs in proportion to the window, not to the whole period.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> t = pd.to_datetime(["2024-05-01 09:00", "2024-05-03 10:00"]).tz_localize("Asia/Shanghai")
>>> p = gpd.GeoDataFrame({"category": ["piles", "piles"], "found_at": t,
...                       "rectified_at": [pd.NaT, pd.NaT]},
...                      geometry=[Point(114.2, 22.7), Point(114.2001, 22.7)], crs=4326,
...                      index=pd.Index(["A", "B"], name="problem_id"))
>>> merge_duplicates(p)[["report_count", "report_ids"]].values.tolist()
[[2, 'A;B']]
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError, InvariantError, Issue, SchemaError
from ..tables.problems import check_problems, time_issue

__all__ = ["merge_duplicates", "link_recurrence"]

_NAT = np.iinfo(np.int64).min  # numpy's NaT as int64
#: statuses of an earlier problem that make its ``rectified_at`` no rectification for
#: recurrence: sent back after a failed check (重新交办)
NOT_RECTIFIED = ("reopened",)
_NEVER = np.iinfo(np.int64).max


def _options(func: str, distance, window) -> tuple[float, int]:
    """Check ``distance`` (metres) and ``window`` (a pandas Timedelta text); collect both."""
    issues = []
    if isinstance(distance, bool) or not isinstance(distance, (int, float, np.number)) \
            or not math.isfinite(distance) or distance < 0:
        issues.append(Issue(field="distance", expected=f"metres as a number of 0 or more for "
                            f"{func}()", got=distance, fix="pass distance=50"))
    span = None
    try:
        span = pd.Timedelta(window) if not isinstance(window, (bool, int, float)) else None
    except (ValueError, TypeError):
        span = None
    if span is None or span is pd.NaT or span < pd.Timedelta(0):
        issues.append(Issue(field="window", expected=f"a duration for {func}() such as '7D' or "
                            "'36h'", got=window, fix='pass window="7D"'))
    if issues:
        raise InputError(issues)
    return float(distance), int(span.value)


def _prepare(problems, func: str) -> tuple[gpd.GeoSeries, np.ndarray, np.ndarray]:
    """Check the frame; return the points in metres, ``found_at`` and ``rectified_at``
    as int64 ns (``_NAT`` where empty)."""
    check_problems(problems, stage=func, columns={"category": "category", "found_at": "time"})
    issues = []
    if not isinstance(problems, gpd.GeoDataFrame):
        issues.append(Issue(field="geometry", expected=f"a GeoDataFrame of points for {func}()",
                            got=type(problems).__name__, fix="pass what geozz.read_problems "
                                                             "returns"))
    elif problems.crs is None:
        issues.append(Issue(field="crs", expected=f"problems with a CRS for {func}()",
                            fix="call .set_crs(4326) first"))
    else:
        geoms = problems.geometry.to_numpy()
        bad = shapely.is_missing(geoms) | shapely.is_empty(geoms) | \
            (shapely.get_type_id(geoms) != 0)
        if bad.any():
            issues.append(Issue(field="geometry", expected=f"a point for every problem given "
                                f"to {func}()", got=[str(i) for i in problems.index[bad][:5]],
                                fix="drop or locate these problems first"))
    if not problems.index.is_unique:
        dup = problems.index[problems.index.duplicated()].unique()
        issues.append(Issue(field="problem_id", expected="unique problem ids",
                            got=[str(i) for i in dup[:5]], fix="give every problem its own id"))
    if problems["found_at"].isna().any():
        issues.append(Issue(field="found_at", expected="a time for every problem",
                            got=[str(i) for i in problems.index[problems["found_at"].isna()][:5]],
                            fix="drop these problems or give them a time"))
    if "rectified_at" in problems.columns and not problems["rectified_at"].isna().all():
        issue = time_issue(problems["rectified_at"], "rectified_at", func, aware=True)
        if issue:
            issues.append(issue)
    if issues:
        raise SchemaError(issues)
    from ..coords import metric_crs
    points = problems.geometry.to_crs(metric_crs(problems)) if len(problems) else \
        problems.geometry
    found = _ns(problems["found_at"])
    done = _ns(problems["rectified_at"]) if "rectified_at" in problems.columns else \
        np.full(len(problems), _NAT, dtype=np.int64)
    return points, found, done


def _ns(col: pd.Series) -> np.ndarray:
    if col.isna().all():
        return np.full(len(col), _NAT, dtype=np.int64)
    return col.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]") \
        .astype(np.int64)


def merge_duplicates(problems: gpd.GeoDataFrame, *, distance: float = 50,
                     window: str | pd.Timedelta = "7D") -> gpd.GeoDataFrame:
    """Merge repeated reports of one problem into one row.

    Parameters
    ----------
    problems : GeoDataFrame
        Problems (``category``, tz-aware ``found_at``, point geometry with a CRS;
        ``rectified_at``, ``status``, ``deadline`` used when present).
    distance : float, default 50, keyword-only
        Metres from the group's first report.
    window : str or Timedelta, default "7D", keyword-only
        Longest time from the group's latest report to the next one.

    Returns
    -------
    GeoDataFrame
        One row per problem (the rule is in the module docstring), in input order, with
        the input's columns and CRS, plus ``report_count`` (int) and ``report_ids`` (text).

    Raises
    ------
    SchemaError
        A missing column, unknown category codes, missing times or points, repeated ids.
    InputError
        ``distance`` not a number of 0 or more, ``window`` not a duration.
    InvariantError
        If the merged rows do not account for every report (a bug).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> t = pd.to_datetime(["2024-05-01", "2024-05-09"]).tz_localize("Asia/Shanghai")
    >>> p = gpd.GeoDataFrame({"category": ["piles", "piles"], "found_at": t},
    ...                      geometry=[Point(114.2, 22.7)] * 2, crs=4326,
    ...                      index=pd.Index(["A", "B"], name="problem_id"))
    >>> merge_duplicates(p)["report_count"].tolist()  # 8 days apart: two problems
    [1, 1]
    """
    dist, span = _options("merge_duplicates", distance, window)
    points, found, done = _prepare(problems, "merge_duplicates")
    n = len(problems)
    order = np.lexsort((np.arange(n), found))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    group = _groups(points, problems["category"], found, done, dist, span, rank) if n \
        else np.arange(n)
    firsts = group == np.arange(n)
    out = problems.loc[firsts].copy()
    counts = np.bincount(group, minlength=n)
    out["report_count"] = counts[firsts].astype(np.int64)
    if int(out["report_count"].sum()) != n:
        raise InvariantError(f"merge_duplicates: {int(out['report_count'].sum())} reports in "
                             f"the merged rows, {n} given")
    ids = pd.Series(problems.index.astype(str), index=problems.index)
    out["report_ids"] = pd.array(ids[firsts].to_numpy(), dtype="string")
    many = counts[group] > 1
    if many.any():
        rows = np.flatnonzero(many)
        rows = rows[np.lexsort((rank[rows], group[rows]))]  # by group, then time
        key = problems.index[group[rows]]
        starts = np.flatnonzero(np.r_[True, group[rows][1:] != group[rows][:-1]])
        bounds = np.r_[starts, len(rows)].tolist()
        names = ids.to_numpy()[rows].tolist()
        joined = [";".join(names[s:e]) for s, e in zip(bounds[:-1], bounds[1:])]
        out.loc[key[starts], "report_ids"] = joined
        fill = [c for c in ("status", "rectified_at", "deadline", "deadline_source")
                if c in problems.columns]
        if fill:
            part = problems.iloc[rows][fill]
            part.index = key
            firstvals = part.groupby(level=0, sort=False).first()
            for c in fill:
                filled = out.loc[firstvals.index, c].fillna(firstvals[c])
                out.loc[firstvals.index, c] = filled.astype(out[c].dtype)
    return out


class _Chain:
    """The groups of reports as they are formed, report by report in time order.

    ``feed`` takes candidate pairs (earlier ``a``, later ``b``) sorted by ``b``'s time, then
    distance: ``b`` joins the first candidate group that is still a group of its own
    (``a`` is a first report), whose latest report is at most ``span`` before ``b`` and
    that was not rectified before ``b`` was found."""

    def __init__(self, found: np.ndarray, done: np.ndarray, span: int):
        n = len(found)
        self.group = list(range(n))
        self.last = found.tolist()  # latest report of each group (kept at its first)
        self.closed = np.where(done == _NAT, _NEVER, done).tolist()  # earliest rectified
        self.found = found.tolist()
        self.span = span

    def feed(self, i: np.ndarray, j: np.ndarray) -> None:
        group, last, closed, found, span = (self.group, self.last, self.closed, self.found,
                                            self.span)
        cur = -1
        joined = False
        for a, b in zip(i.tolist(), j.tolist()):
            if b != cur:
                cur, joined = b, False
            if joined or group[a] != a:
                continue
            fb = found[b]
            if fb - last[a] > span or closed[a] < fb:
                continue
            group[b] = a
            joined = True
            last[a] = fb
            if closed[b] < closed[a]:
                closed[a] = closed[b]


_DAY = 86_400 * 10**9  # ns


def _groups(points: gpd.GeoSeries, category: pd.Series, found: np.ndarray, done: np.ndarray,
            dist: float, span: int, rank: np.ndarray) -> np.ndarray:
    """The group (position of its first report) of every report.

    Reports are taken in slices of time (``span``, at least a day). A report can only join
    a group whose latest report is at most ``span`` before it, so the candidates of a slice
    are the groups still alive at its start and the slice's own reports: the spatial pair
    query never pairs reports months apart, which on dense data is most of the pairs."""
    geoms = points.to_numpy()
    xy = shapely.get_coordinates(geoms)
    codes = pd.factorize(category.astype(object))[0]
    chain = _Chain(found, done, span)
    order = np.argsort(rank)
    times = found[order]
    step = max(span, _DAY)
    alive = np.zeros(0, dtype=np.int64)
    k0, n = 0, len(found)
    while k0 < n:
        t0 = times[k0]
        k1 = int(np.searchsorted(times, t0 + step, side="left"))
        now = order[k0:k1]
        if len(alive):
            keep = [chain.group[a] == a and chain.last[a] >= t0 - span for a in alive.tolist()]
            alive = alive[np.asarray(keep, dtype=bool)]
        cand = np.concatenate([alive, now])
        found_i, found_j = [], []
        for c in np.unique(codes[now]):
            jj, cc = now[codes[now] == c], cand[codes[cand] == c]
            q, t = shapely.STRtree(geoms[cc]).query(geoms[jj], predicate="dwithin",
                                                     distance=dist)
            a, b = cc[t], jj[q]
            later = rank[a] < rank[b]
            found_i.append(a[later])
            found_j.append(b[later])
        i = np.concatenate(found_i)
        j = np.concatenate(found_j)
        # a group whose first report was rectified before j was found is closed for j
        ok = (done[i] == _NAT) | (done[i] >= found[j])
        i, j = i[ok], j[ok]
        d = np.hypot(*(xy[i] - xy[j]).T)
        by = np.lexsort((rank[i], d, rank[j]))  # later report in time order, nearest first
        chain.feed(i[by], j[by])
        alive = cand
        k0 = k1
    return np.asarray(chain.group, dtype=np.int64)


def _recurrence_pairs(points: gpd.GeoSeries, category: pd.Series, found: np.ndarray,
                      done: np.ndarray, dist: float, span: int, rank: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (earlier i, later j) of the same category within ``dist`` where i was
    rectified before j was found, at most ``span`` before the slice of time j is in.

    Later problems are taken in slices of time (``span``, at least a day); the candidates
    of a slice are the problems rectified from ``span`` before its start to its last
    ``found_at``, so the spatial query never pairs problems that cannot be linked."""
    geoms = points.to_numpy()
    codes = pd.factorize(category.astype(object))[0]
    order = np.argsort(rank)
    times = found[order]
    fixed = np.flatnonzero(done != _NAT)
    fixed = fixed[np.argsort(done[fixed], kind="stable")]
    fixed_at = done[fixed]
    step = max(span, _DAY)
    found_i, found_j = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    k0, n = 0, len(found)
    while k0 < n:
        t0 = times[k0]
        k1 = int(np.searchsorted(times, t0 + step, side="left"))
        now = order[k0:k1]
        lo = int(np.searchsorted(fixed_at, t0 - span, side="left"))
        hi = int(np.searchsorted(fixed_at, times[k1 - 1], side="left"))
        cand = fixed[lo:hi]
        for c in np.intersect1d(codes[now], codes[cand]):
            jj, cc = now[codes[now] == c], cand[codes[cand] == c]
            q, t = shapely.STRtree(geoms[cc]).query(geoms[jj], predicate="dwithin",
                                                     distance=dist)
            a, b = cc[t], jj[q]
            earlier = rank[a] < rank[b]
            found_i.append(a[earlier])
            found_j.append(b[earlier])
        k0 = k1
    return np.concatenate(found_i), np.concatenate(found_j)


def link_recurrence(problems: gpd.GeoDataFrame, *, distance: float = 50,
                    window: str | pd.Timedelta = "90D") -> gpd.GeoDataFrame:
    """Link each problem to the rectified problem it is a recurrence (回潮) of.

    Parameters
    ----------
    problems : GeoDataFrame
        Problems (``category``, tz-aware ``found_at`` and ``rectified_at``, point geometry
        with a CRS), best after :func:`merge_duplicates`.
    distance : float, default 50, keyword-only
        Metres between the two problems.
    window : str or Timedelta, default "90D", keyword-only
        Longest time from the earlier problem's rectification to the later one's
        ``found_at``.

    Returns
    -------
    GeoDataFrame
        A copy with ``recurrence_of`` (text: the id of the latest earlier problem of the
        same category within ``distance`` rectified before this one was found and at
        most ``window`` before; empty otherwise) and ``recurrent`` (bool).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> tz = "Asia/Shanghai"
    >>> p = gpd.GeoDataFrame({"category": ["sewage", "sewage"],
    ...     "found_at": pd.to_datetime(["2024-05-01", "2024-06-01"]).tz_localize(tz),
    ...     "rectified_at": pd.to_datetime(["2024-05-02", None]).tz_localize(tz)},
    ...     geometry=[Point(114.2, 22.7)] * 2, crs=4326, index=["A", "B"])
    >>> link_recurrence(p)["recurrence_of"].tolist()
    [<NA>, 'A']
    """
    dist, span = _options("link_recurrence", distance, window)
    check_problems(problems, stage="link_recurrence", columns={"rectified_at": "time"})
    points, found, done = _prepare(problems, "link_recurrence")
    if "status" in problems.columns:  # a rectification that failed its check is none
        failed = problems["status"].astype(object).isin(list(NOT_RECTIFIED)).to_numpy()
        done = np.where(failed, _NAT, done)
    n = len(problems)
    order = np.lexsort((np.arange(n), found))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    link = np.full(n, -1, dtype=np.int64)
    if n:
        i, j = _recurrence_pairs(points, problems["category"], found, done, dist, span,
                                 rank)
        ok = (done[i] != _NAT) & (done[i] < found[j]) & (found[j] - done[i] <= span)
        i, j = i[ok], j[ok]
        by = np.lexsort((rank[i], j))
        i, j = i[by], j[by]
        last = np.r_[j[1:] != j[:-1], True] if len(j) else np.zeros(0, dtype=bool)
        link[j[last]] = i[last]  # the latest earlier problem of each later one
    out = problems.copy()
    ids = np.asarray(problems.index.astype(str), dtype=object)
    out["recurrence_of"] = pd.array(np.where(link >= 0, ids[link], None), dtype="string")
    out["recurrent"] = link >= 0
    return out
