"""Rating periods: weeks, months, quarters, years or one custom range of dates.

Periods are cut in the local time of the records (the ledger's time zone), never in UTC.
A week is an ISO week, Monday to Sunday, written ``2024-W19``; a month ``2024-05``; a
quarter ``2024Q2``; a year ``2024``; a custom range ``2024-05-01..2024-06-30`` (both
dates included). Months are the *base* periods of quarters and years: a unit is scored
per month and the months are combined (:attr:`geozz.rubric.Rubric.period_mean`).

Examples
--------
>>> import pandas as pd
>>> found = pd.Series(pd.to_datetime(["2024-04-30 23:30", "2024-06-02 08:00"])
...                   .tz_localize("Asia/Shanghai"))
>>> p = plan(found, "Q", tz="Asia/Shanghai")
>>> p.labels, len(p.base_edges) - 1   # the quarter before is context
(['2024Q1', '2024Q2'], 6)
>>> plan(found, "W", tz="Asia/Shanghai").labels[:2]
['2024-W17', '2024-W18']
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import Issue

__all__ = ["FREQS", "Plan", "custom_range", "plan", "wanted_periods", "week_label"]

#: The calendar frequencies ``rate(freq=)`` takes (or a pair of dates: one custom range).
FREQS = ("W", "M", "Q", "Y")
_PANDAS = {"W": "W-SUN", "M": "M", "Q": "Q", "Y": "Y"}
_EXAMPLE = {"W": "'2024-W19'", "M": "'2024-05'", "Q": "'2024Q2'", "Y": "'2024'"}
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


def week_label(p: pd.Period) -> str:
    """The ISO label of a Monday-to-Sunday week: ``2024-W19``.

    Examples
    --------
    >>> week_label(pd.Period("2024-05-08", freq="W-SUN"))
    '2024-W19'
    """
    y, w, _ = p.start_time.isocalendar()
    return f"{y:04d}-W{w:02d}"


_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def label_bounds(label: str, tz, *, kinds: str = "WMQYR"
                 ) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """Start and end (exclusive, local in ``tz``) of a period label, or None.

    ``kinds`` says which labels are taken: ``W`` ``2024-W19``, ``M`` ``2024-05``, ``Q``
    ``2024Q2``, ``Y`` ``2024``, ``R`` a custom range ``2024-05-01..2024-06-30``.

    Examples
    --------
    >>> label_bounds("2024-W19", None)
    (Timestamp('2024-05-06 00:00:00'), Timestamp('2024-05-13 00:00:00'))
    >>> label_bounds("2024-05-01..2024-06-30", None)[1]
    Timestamp('2024-07-01 00:00:00')
    >>> label_bounds("2024-W19", None, kinds="MQY") is None
    True
    """
    label = str(label)
    a = b = None
    week, rng = _WEEK.match(label), _RANGE.match(label)
    try:
        if week and "W" in kinds:
            a = pd.Timestamp.fromisocalendar(int(week.group(1)), int(week.group(2)), 1)
            b = a + pd.Timedelta(days=7)
        elif rng and "R" in kinds:
            a = pd.Timestamp(rng.group(1))
            b = pd.Timestamp(rng.group(2)) + pd.Timedelta(days=1)
        else:
            for f in ("M", "Q", "Y"):
                if f not in kinds:
                    continue
                try:
                    p = pd.Period(label, freq=f)
                except (ValueError, TypeError):
                    continue
                if str(p) == label:
                    a, b = p.start_time, (p + 1).start_time
                    break
    except ValueError:
        return None
    if a is None:
        return None
    if tz is not None:
        a, b = a.tz_localize(tz), b.tz_localize(tz)
    return a, b


def _label(p, freq: str) -> str:
    return week_label(p) if freq == "W" else str(p)


@dataclass(frozen=True)
class Plan:
    """The periods of one rating run.

    ``labels`` are the output periods, the first being context (the period before the
    first rated one: recurrence and score changes look at it; it is not returned).
    ``base_edges`` (tz-aware, one more than base periods) cut the base periods (months
    for quarters and years, else the periods themselves); ``out_edges`` cut the output
    periods; ``base_out`` gives the output period of each base period.
    """

    freq: str
    labels: list[str]
    out_edges: pd.DatetimeIndex
    base_edges: pd.DatetimeIndex
    base_out: np.ndarray


def _edges(starts: list[pd.Timestamp], tz) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(starts)
    if tz is not None:
        idx = idx.tz_localize(tz, ambiguous=False, nonexistent="shift_forward")
    return idx.as_unit("ns")


def custom_range(value, issues: list) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """A ``(first, last)`` pair of dates (both included) as naive day starts."""
    try:
        a, b = value
        first = pd.Timestamp(a).normalize()
        last = pd.Timestamp(b).normalize()
        ok = pd.notna(first) and pd.notna(last) and first <= last \
            and first.tz is None and last.tz is None
    except (ValueError, TypeError, OverflowError):
        ok = False
    if not ok:
        issues.append(Issue(field="freq", expected=f"one of {FREQS} or a pair of dates "
                            "(first, last), first not after last", got=value,
                            fix="e.g. freq='Q' or freq=('2024-05-01', '2024-06-30')"))
        return None
    return first, last


def wanted_periods(periods, freq: str, issues: list) -> list[pd.Period] | None:
    """The periods asked for, each checked to be a period of ``freq``."""
    if periods is None:
        return None
    if isinstance(periods, (str, pd.Period)):
        periods = [periods]
    try:
        periods = list(periods)
    except TypeError:
        issues.append(Issue(field="periods", expected="a list of periods",
                            got=type(periods).__name__, fix="e.g. periods=['2024-05']"))
        return None
    example = _EXAMPLE[freq]
    out, bad = [], []
    for p in periods:
        per, ok = None, False
        try:
            if isinstance(p, pd.Period):
                per = p
                ok = p.freqstr.startswith(_PANDAS[freq].split("-")[0]) and \
                    (freq != "W" or p.freqstr == "W-SUN")
            elif freq == "W":
                m = _WEEK.match(str(p).strip())
                if m:
                    day = _dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
                    per, ok = pd.Period(day, freq="W-SUN"), True
            else:  # the text must be the period itself: '2024-05-01' is a day, not May
                per = pd.Period(str(p).strip(), freq=_PANDAS[freq])
                ok = str(per).upper() == str(p).strip().upper()
        except (ValueError, TypeError, OverflowError):
            ok = False
        if ok:
            out.append(per)
        else:
            bad.append(p)
    if bad:
        issues.append(Issue(field="periods", expected=f"periods of freq {freq!r} like {example}",
                            got=bad[:10], fix=f"write each period like {example}"))
        return None
    if not out:
        issues.append(Issue(field="periods", expected="at least one period", got=[],
                            fix="leave periods=None to rate every period"))
        return None
    return sorted(set(out))


def plan(found_at: pd.Series, freq, *, tz, wanted: list[pd.Period] | None = None) -> Plan:
    """The output and base periods of a run (see :class:`Plan`).

    ``freq`` is one of :data:`FREQS` or a ``(first, last)`` pair of naive day starts.
    Without ``wanted`` the periods run from the one holding the first ``found_at`` to
    the one holding the last.
    """
    if not isinstance(freq, str):  # one custom range, and the range of equal length before
        first, last = freq
        end = last + pd.Timedelta(days=1)
        edges = _edges([first - (end - first), first, end], tz)
        label = f"{first:%Y-%m-%d}..{last:%Y-%m-%d}"
        return Plan("range", ["(before)", label], edges, edges, np.array([0, 1]))
    pfreq = _PANDAS[freq]
    if wanted is not None:
        lo, hi = min(wanted), max(wanted)
    else:
        local = found_at.dropna()
        if local.empty:
            return Plan(freq, [], _edges([], tz), _edges([], tz), np.zeros(0, dtype=int))
        if local.dt.tz is not None:
            local = local.dt.tz_localize(None)  # wall time in the records' own zone
        lo = local.min().to_period(pfreq)
        hi = local.max().to_period(pfreq)
    out = pd.period_range(lo - 1, hi, freq=pfreq)
    labels = [_label(p, freq) for p in out]
    out_starts = [p.start_time for p in out] + [(out[-1] + 1).start_time]
    if freq in ("Q", "Y"):
        months = pd.period_range(out[0].asfreq("M", "start"), out[-1].asfreq("M", "end"),
                                 freq="M")
        base_starts = [m.start_time for m in months] + [(months[-1] + 1).start_time]
        pos = {p: i for i, p in enumerate(out)}
        base_out = np.array([pos[m.asfreq(pfreq)] for m in months])
    else:
        base_starts = out_starts
        base_out = np.arange(len(out))
    return Plan(freq, labels, _edges(out_starts, tz), _edges(base_starts, tz), base_out)
