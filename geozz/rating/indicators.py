"""Indicators per unit and period, counted from the ledger with integer codes (no loop).

The rules (the digital urban-management practice), for a period ``[start, end)`` judged
at ``j = min(end, as_of)``:

* ``found``: problems found in the period; ``reopened``, ``recurred`` (ledger
  ``recurrent``), complaints (``source == "complaint"``) and ``open_at_end`` (not closed
  by ``j``) are counted among them.
* A problem is *closed* when its status is ``rectified`` or ``verified`` and it was
  rectified by ``as_of``; it is closed at ``rectified_at`` (at ``found_at`` when the
  time is unknown). ``closed`` and ``on_time`` (closed by its deadline) count in the
  period the problem was closed; ``median_hours_to_rectify`` is over those with both
  times.
* ``due``: problems whose deadline fell in the period or earlier (and had passed by
  ``as_of``) and that were not closed before the period: a problem left open is due in
  every period until the one it is closed in. ``overdue``: due problems past their
  deadline at ``j`` and not closed by it. ``due_closed``: due problems closed in the
  period, so ``closure_rate = due_closed / due`` is at most 1.

Examples
--------
>>> import numpy as np, pandas as pd
>>> tz = "Asia/Shanghai"
>>> edges = pd.DatetimeIndex(["2024-05-01", "2024-06-01", "2024-07-01"]).tz_localize(tz)
>>> t = lambda s: pd.Series(pd.to_datetime(s).tz_localize(tz))
>>> p = Problems(unit=np.array([0, 0]), found=t(["2024-05-03", "2024-05-04"]),
...              category=np.array([0, 0]), status=np.array(["open", "verified"]),
...              deadline=t(["2024-05-10", "2024-05-10"]),
...              done=t([None, "2024-06-02"]))
>>> c = count(p, edges, n_units=1, as_of=pd.Timestamp("2024-06-30", tz=tz))
>>> c["due"].tolist(), c["overdue"].tolist(), c["closed"].tolist()
([2, 2], [2, 2], [0, 1])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["CLOSED", "Problems", "count", "counts_by_category", "ns"]

#: statuses that close a problem
CLOSED = ("rectified", "verified")
_NAT = np.iinfo(np.int64).min


def ns(times: pd.Series) -> np.ndarray:
    """Nanoseconds since the epoch (UTC) of a time column; NaT -> the int64 minimum."""
    if isinstance(times, pd.DatetimeIndex):
        return times.as_unit("ns").asi8
    return pd.DatetimeIndex(times).as_unit("ns").asi8


@dataclass
class Problems:
    """The ledger rows being rated, as arrays (one element per problem)."""

    unit: np.ndarray  # int code of the unit
    found: pd.Series
    category: np.ndarray  # int code of the problem category
    status: np.ndarray | None = None
    deadline: pd.Series | None = None
    done: pd.Series | None = None
    recurrent: np.ndarray | None = None
    complaint: np.ndarray | None = None
    #: instead of ``status``: status rectified/verified, and status reopened (bools)
    closed_status: np.ndarray | None = None
    reopened_status: np.ndarray | None = None


def _period(t: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Index of the period holding each time; -1 outside the edges or NaT."""
    p = np.searchsorted(edges, t, side="right") - 1
    p[(t == _NAT) | (p >= len(edges) - 1)] = -1
    return p


def counts_by_category(p: Problems, edges, n_units: int, n_categories: int) -> np.ndarray:
    """Problems found per unit, period and category: shape ``(units, periods, cats)``."""
    e = ns(edges)
    n = len(e) - 1
    per = _period(ns(p.found), e)
    ok = per >= 0
    key = (p.unit[ok] * n + per[ok]) * n_categories + p.category[ok]
    flat = np.bincount(key, minlength=n_units * n * n_categories)
    return flat.reshape(n_units, n, n_categories)


def _bincount(unit, per, mask, n_units, n, weights=None) -> np.ndarray:
    ok = mask & (per >= 0)
    return np.bincount(unit[ok] * n + per[ok], minlength=n_units * n,
                       weights=None if weights is None else weights[ok])


def count(p: Problems, edges, *, n_units: int, as_of: pd.Timestamp,
          medians: bool = False) -> pd.DataFrame:
    """Indicator counts per unit and period (rows ``unit * periods + period``)."""
    e = ns(edges)
    n = len(e) - 1
    m = len(p.unit)
    unit = p.unit
    asof = ns(pd.DatetimeIndex([as_of]))[0] if pd.notna(as_of) else np.iinfo(np.int64).max
    judge = np.minimum(e[1:], asof)  # per period
    found = ns(p.found)
    fper = _period(found, e)
    status = p.status
    if p.closed_status is not None:
        reopened, shut = p.reopened_status, p.closed_status.copy()
    elif status is not None:
        reopened, shut = status == "reopened", np.isin(status, CLOSED)
    else:
        reopened, shut = np.zeros(m, bool), np.zeros(m, bool)
    done = ns(p.done) if p.done is not None else np.full(m, _NAT)
    deadline = ns(p.deadline) if p.deadline is not None else np.full(m, _NAT)
    has_done = done != _NAT
    has_deadline = deadline != _NAT
    close_t = np.where(has_done, done, found)
    shut &= close_t <= asof
    cper = np.where(shut, _period(close_t, e), -1)
    on_time = shut & has_done & has_deadline & (done <= deadline)
    out = {}
    every = np.ones(m, bool)
    out["found"] = _bincount(unit, fper, every, n_units, n)
    closed_by_end = shut & (close_t <= judge[np.clip(fper, 0, max(n - 1, 0))]) \
        if n else shut
    out["open_at_end"] = _bincount(unit, fper, ~closed_by_end, n_units, n)
    out["reopened"] = _bincount(unit, fper, reopened, n_units, n)
    rec = p.recurrent if p.recurrent is not None else np.zeros(m, bool)
    out["recurred"] = _bincount(unit, fper, rec, n_units, n)
    com = p.complaint if p.complaint is not None else np.zeros(m, bool)
    out["complaints"] = _bincount(unit, fper, com, n_units, n)
    out["closed"] = _bincount(unit, cper, every, n_units, n)
    out["on_time"] = _bincount(unit, cper, on_time, n_units, n)
    # due: from the deadline's period to the closing one (or the period of as_of)
    if n:
        dper = np.searchsorted(e, deadline, side="right") - 1  # -1: before the first
        first = np.maximum(dper, 0)
        aper = min(int(np.searchsorted(e, asof, side="right")) - 1, n - 1)
        last = np.where(shut, cper, aper)
        last = np.where(shut & (close_t >= e[-1]), n - 1, last)
        last = np.where(shut & (close_t < e[0]), -1, last)
        cand = has_deadline & (deadline <= asof) & (dper < n) & (last >= first)
        idx = np.flatnonzero(cand)
        length = (last[idx] - first[idx] + 1)
        rows = np.repeat(idx, length)
        offs = np.arange(len(rows)) - np.repeat(np.cumsum(length) - length, length)
        per = first[rows] + offs
        late = ~on_time[rows] & (deadline[rows] < judge[per])
        late &= ~(shut[rows] & (close_t[rows] <= deadline[rows]))
        out["due"] = np.bincount(unit[rows] * n + per, minlength=n_units * n)
        out["overdue"] = np.bincount(unit[rows][late] * n + per[late], minlength=n_units * n)
        closing = shut[rows] & (per == cper[rows])
        out["due_closed"] = np.bincount(unit[rows][closing] * n + per[closing],
                                        minlength=n_units * n)
    else:
        for k in ("due", "overdue", "due_closed"):
            out[k] = np.zeros(0, int)
    frame = pd.DataFrame({k: v.astype(np.int64) for k, v in out.items()})
    if medians:
        frame["median_hours_to_rectify"] = _medians(
            unit, cper, shut & has_done, (done - found) / 3.6e12, n_units, n)
    return frame


def _medians(unit, per, mask, hours, n_units, n) -> np.ndarray:
    """The median of ``hours`` per unit-period among ``mask``; NaN where none."""
    out = np.full(n_units * n, np.nan)
    ok = mask & (per >= 0)
    if not ok.any():
        return out
    key = unit[ok] * n + per[ok]
    val = hours[ok]
    order = np.lexsort((val, key))
    key, val = key[order], val[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    lo = val[starts + (sizes - 1) // 2]
    hi = val[starts + sizes // 2]
    out[key[starts]] = (lo + hi) / 2
    return out
