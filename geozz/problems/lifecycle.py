"""Lifecycle of problems: working-time deadlines (限期整改) and their state as of a date.

Deadline rules. A rules file (the bundled ``geozz/resources/deadlines.toml``, or yours)
gives each category a limit in working hours or working days (``[limits]``), the working
day as intervals of local time (``[day]``, default 08:30-12:00 and 14:00-17:30) and the
calendar (``[calendar]``): the working weekdays, the public holidays and make-up working
days (调休) of a country from the ``holidays`` package, and your own ``holidays`` and
``workdays`` lists, which win over both. A working day counts as the length of the
working day, so 1 working day from 10:00 on a Tuesday ends 10:00 on Wednesday. Each
section of your file ([limits], [day], [calendar]) replaces the bundled one as a whole; a
section you leave out keeps the bundled values. A category without a limit gets no
deadline.

Counting. A deadline counts from ``found_at`` in the local time of the records: a report
outside working hours (at night, at lunch, on a day off) starts at the next working
moment, and the deadline is the earliest instant at which the working time since then
reaches the limit (so 4 working hours from 17:00 on a Friday end at 12:00 on Monday with
the default day, not at 14:00). The arithmetic is numpy's business-day arithmetic
(:func:`numpy.busday_offset`) on whole days plus minutes within the day: no Python loop
per problem.

States as of a date (:func:`states`). A problem is rectified as of ``as_of`` when its
``rectified_at`` is at or before ``as_of`` and its status is not ``reopened``: a
``rectified_at`` after ``as_of`` counts as not yet rectified, and a reopened problem is
not rectified whatever its ``rectified_at`` says (when it was reopened is not known, so
it is judged from ``as_of``). A status ``rectified`` / ``verified`` without a
``rectified_at`` is judged from ``as_of`` as well: the deadline can only be met by a
known time. Then ``state`` is ``on_time`` (rectified by the deadline), ``late``
(rectified after it), ``overdue`` (not rectified and ``as_of`` past the deadline),
``pending`` (not rectified, deadline not passed) or ``no_deadline``.

Examples
--------
>>> start = pd.Series(pd.to_datetime(["2024-05-17 17:00"]).tz_localize("Asia/Shanghai"))
>>> str(add_working_time(start, hours=4)[0])   # Friday 17:00 + 4 working hours
'2024-05-20 12:00:00+08:00'
>>> str(add_working_time(start, days=1)[0])
'2024-05-20 17:00:00+08:00'
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from .._io import read_config_text
from ..errors import InputError, Issue, RubricError, SchemaError
from ..tables.problems import CATEGORIES, check_problems, is_category_code, near_builtin, time_issue

__all__ = ["WorkCalendar", "DeadlineRules", "load_deadline_rules", "add_working_time",
           "fill_deadlines", "states", "STATES", "RULE_KEYS"]

#: the states :func:`states` gives, in the order of the module docstring
STATES = ("on_time", "late", "overdue", "pending", "no_deadline")
#: the keys a rules file may have, per section ("" is the top level)
RULE_KEYS = {"": ("name", "description", "limits", "day", "calendar"),
             "day": ("intervals",),
             "calendar": ("weekmask", "country", "holidays", "workdays")}

_MINUTE_NS = 60 * 10**9
_DAY_NS = 24 * 60 * _MINUTE_NS
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")
_FIX = "copy the layout of the bundled deadlines.toml"


# --------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class WorkCalendar:
    """When work happens: the working day's intervals and the working days.

    Parameters
    ----------
    intervals : tuple of (start, end) minutes after midnight
        The working hours of a working day, in order, not overlapping.
    weekmask : str
        numpy weekmask of the working weekdays (``"1111100"`` = Monday to Friday).
    country : str or None
        ISO code of a country in the ``holidays`` package whose public holidays are days
        off and whose make-up working days (``weekend_workdays``) are working days.
    holidays, workdays : tuple of datetime.date
        Your own days off and working days; they win over the weekmask and the country.

    Examples
    --------
    >>> cal = WorkCalendar(intervals=((510, 720), (840, 1050)))
    >>> cal.day_minutes, cal.is_workday(["2024-10-01", "2024-10-08", "2024-10-12"]).tolist()
    (420, [False, True, True])
    """

    intervals: tuple[tuple[int, int], ...] = ((510, 720), (840, 1050))
    weekmask: str = "1111100"
    country: str | None = "CN"
    holidays: tuple[_dt.date, ...] = ()
    workdays: tuple[_dt.date, ...] = ()

    @property
    def day_minutes(self) -> int:
        """Working minutes in one working day."""
        return sum(e - s for s, e in self.intervals)

    def is_workday(self, days) -> np.ndarray:
        """Whether each of ``days`` (dates or ISO strings) is a working day."""
        d = np.asarray(days, dtype="datetime64[D]")
        if d.size == 0:
            return np.zeros(d.shape, dtype=bool)
        years = d.astype("datetime64[Y]").astype(int) + 1970
        return np.is_busday(d, busdaycal=self._busdaycal(int(years.min()), int(years.max())))

    def _busdaycal(self, first: int, last: int) -> np.busdaycalendar:
        return _busdaycal(self, first, last)


@functools.lru_cache(maxsize=32)
def _busdaycal(cal: WorkCalendar, first: int, last: int) -> np.busdaycalendar:
    """A numpy calendar with every day a working day except the days off from
    1 January ``first`` to 31 December ``last`` (numpy cannot add working days to a
    weekmask, so make-up working days are expressed as days off that are not listed)."""
    days = np.arange(np.datetime64(f"{first:04d}-01-01"), np.datetime64(f"{last + 1:04d}-01-01"),
                     dtype="datetime64[D]")
    off = ~np.is_busday(days, weekmask=cal.weekmask)
    if cal.country:
        import holidays as _holidays
        country = _holidays.country_holidays(cal.country, years=range(first, last + 1))
        listed = np.array(sorted(country.keys()), dtype="datetime64[D]")
        extra = np.array(sorted(d for d in getattr(country, "weekend_workdays", ())
                                if first <= d.year <= last), dtype="datetime64[D]")
        off |= np.isin(days, listed)
        off &= ~np.isin(days, extra)
    off |= np.isin(days, np.array(cal.holidays, dtype="datetime64[D]"))
    off &= ~np.isin(days, np.array(cal.workdays, dtype="datetime64[D]"))
    return np.busdaycalendar(weekmask="1111111", holidays=days[off])


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class DeadlineRules:
    """Parsed, validated deadline rules (see :func:`load_deadline_rules`).

    ``limits`` maps a category code to ``(unit, amount)`` with unit ``"hours"`` or
    ``"days"``.
    """

    name: str
    limits: dict[str, tuple[str, float]]
    calendar: WorkCalendar = field(default_factory=WorkCalendar)

    def limit_minutes(self, category: str) -> float | None:
        """The working minutes a category has, or None when it has no limit."""
        if category not in self.limits:
            return None
        unit, amount = self.limits[category]
        return amount * 60 if unit == "hours" else amount * self.calendar.day_minutes


def _bundled() -> dict:
    text = resources.files("geozz.resources").joinpath("deadlines.toml").read_text("utf-8")
    return tomllib.loads(text)


def load_deadline_rules(rules: str | Path | Mapping | DeadlineRules | None = None
                        ) -> DeadlineRules:
    """Load deadline rules: the bundled ones, a TOML file or a dict laid out the same way.

    Parameters
    ----------
    rules : None, "default", str or Path, mapping or DeadlineRules
        ``None`` / ``"default"``: ``geozz/resources/deadlines.toml``. A path: your TOML
        file. A mapping: the parsed content of such a file. Each of the sections
        ``limits``, ``day`` and ``calendar`` you give replaces the bundled one.

    Returns
    -------
    DeadlineRules

    Raises
    ------
    RubricError
        Naming the file: a missing, unreadable or non-UTF-8 file, a TOML syntax error (with
        its line); otherwise every problem at once with the key to fix: unknown keys,
        unknown category codes, limits that are not one positive ``hours`` or ``days``,
        working hours that are not ``"HH:MM"`` pairs in order, a weekmask numpy does not
        read, an unknown country, dates that are not dates, a date both a holiday and a
        workday.

    Examples
    --------
    >>> r = load_deadline_rules()
    >>> r.limits["exposed_garbage"], r.limit_minutes("street_vending")
    (('hours', 4), 420)
    >>> load_deadline_rules({"limits": {"exposed_garbge": {"hours": 4}}})
    ... # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    geozz.errors.RubricError: 1 problem in the input:
      deadline rules (dict), field 'limits.exposed_garbge': expected a category code from
      (...) (or a new one of lower-case letters, digits and _), got 'exposed_garbge'.
      Fix: write 'exposed_garbage'
    >>> load_deadline_rules({"limits": {"noise": {"hours": 2}}}).limits["noise"]
    ('hours', 2)
    """
    if isinstance(rules, DeadlineRules):
        return rules
    if rules is None or (isinstance(rules, str) and rules == "default"):
        data, where = _bundled(), "deadlines.toml (bundled)"
    elif isinstance(rules, Mapping):
        data, where = dict(rules), "deadline rules (dict)"
    elif isinstance(rules, (str, Path)):
        data, where = _read_toml(Path(rules)), str(rules)
    else:
        raise RubricError(Issue(field="rules", expected="a TOML path, a dict or None",
                                got=type(rules).__name__,
                                fix="pass rules='my_deadlines.toml' or leave it out"))
    issues: list[Issue] = []

    def bad(key: str, expected: str, got=None, fix: str = _FIX) -> None:
        issues.append(Issue(file=where, field=key, expected=expected, got=got, fix=fix))

    for key in data:
        if key not in RULE_KEYS[""]:
            bad(str(key), f"only the keys {list(RULE_KEYS[''])}", key,
                "remove it or correct its spelling")
    base = _bundled()
    sections = {}
    for sec in ("limits", "day", "calendar"):
        value = data.get(sec, base[sec])
        if not isinstance(value, Mapping):
            bad(sec, f"a [{sec}] table", type(value).__name__)
            value = {}
        sections[sec] = value
        for key in value if sec in RULE_KEYS else ():
            if key not in RULE_KEYS[sec]:
                bad(f"{sec}.{key}", f"only the keys {list(RULE_KEYS[sec])}", key,
                    "remove it or correct its spelling")
    limits = _limits(sections["limits"], bad)
    intervals = _intervals(sections["day"].get("intervals", base["day"]["intervals"]), bad)
    cal = sections["calendar"]
    weekmask = _weekmask(cal.get("weekmask", base["calendar"]["weekmask"]), bad)
    country = _country(cal.get("country", base["calendar"]["country"]), bad)
    off = _dates(cal.get("holidays", []), "calendar.holidays", bad)
    on = _dates(cal.get("workdays", []), "calendar.workdays", bad)
    for d in sorted(set(off) & set(on)):
        bad("calendar.holidays", "a date that is not also in calendar.workdays", d.isoformat(),
            "keep the date in one list only")
    stem = "default" if where.endswith("(bundled)") else \
        "custom" if where.endswith("(dict)") else Path(where).stem
    name = data.get("name", stem)
    if not isinstance(name, str):
        bad("name", "a text", name, 'write name = "..."')
    if issues:
        raise RubricError(issues)
    calendar = WorkCalendar(intervals=intervals, weekmask=weekmask, country=country,
                            holidays=tuple(sorted(off)), workdays=tuple(sorted(on)))
    return DeadlineRules(name=name, limits=limits, calendar=calendar)


def _read_toml(path: Path) -> dict:
    text = read_config_text(path, what="deadline rules file", error=RubricError)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise RubricError(Issue(file=str(path), line=int(line.group(1)) if line else None,
                                expected="valid TOML", got=str(exc),
                                fix="fix the TOML syntax (" + _FIX + ")")) from None


def _positive(value) -> bool:
    return (not isinstance(value, bool) and isinstance(value, (int, float))
            and math.isfinite(value) and value > 0)


def _limits(table: Mapping, bad) -> dict[str, tuple[str, float]]:
    out = {}
    for cat, spec in table.items():
        key = f"limits.{cat}"
        if cat not in CATEGORIES and (not is_category_code(cat) or near_builtin(cat)):
            near = near_builtin(cat) if is_category_code(cat) else None
            bad(key, f"a category code from {CATEGORIES} (or a new one of lower-case "
                "letters, digits and _)", cat,
                f"write {near!r}" if near else "use the canonical category codes")
        if not isinstance(spec, Mapping) or len(spec) != 1 or \
                next(iter(spec)) not in ("hours", "days"):
            bad(key, "one of { hours = N } or { days = N }", spec,
                f"write {cat} = {{ hours = 4 }} or {cat} = {{ days = 1 }}")
            continue
        unit, amount = next(iter(spec.items()))
        if not _positive(amount):
            bad(f"{key}.{unit}", "a positive number", amount,
                f"write the working {unit} as a plain number above 0, without quotes")
            continue
        out[str(cat)] = (unit, amount)
    return out


def _minutes(text) -> int | None:
    m = _HHMM.match(text) if isinstance(text, str) else None
    if not m or int(m.group(2)) > 59:
        return None
    value = int(m.group(1)) * 60 + int(m.group(2))
    return value if value <= 24 * 60 else None


def _intervals(value, bad) -> tuple[tuple[int, int], ...]:
    expected = 'a list of ["HH:MM", "HH:MM"] pairs, in order, not overlapping'
    fix = 'write intervals = [["08:30", "12:00"], ["14:00", "17:30"]]'
    if not isinstance(value, list) or not value:
        bad("day.intervals", expected, value, fix)
        return ()
    out = []
    for i, pair in enumerate(value, start=1):
        mins = [_minutes(t) for t in pair] if isinstance(pair, list) and len(pair) == 2 else None
        if mins is None or None in mins or mins[0] >= mins[1] or \
                (out and mins[0] < out[-1][1]):
            bad(f"day.intervals[{i}]", expected, pair, fix)
            return ()
        out.append((mins[0], mins[1]))
    return tuple(out)


def _weekmask(value, bad) -> str:
    try:
        if not isinstance(value, str):
            raise TypeError
        mask = np.busdaycalendar(weekmask=value).weekmask
    except (ValueError, TypeError):
        bad("calendar.weekmask", 'working weekdays as numpy reads them, with at least one '
            'day ("Mon Tue Wed Thu Fri" or "1111100")', value,
            'write weekmask = "Mon Tue Wed Thu Fri"')
        return "1111100"
    return "".join("1" if b else "0" for b in mask)


@functools.lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    """The country codes the holidays package knows (listed once: 20 ms a listing)."""
    import holidays as _holidays

    return frozenset(_holidays.list_supported_countries())


def _country(value, bad) -> str | None:
    if value in ("", False, None):
        return None
    if not isinstance(value, str) or value not in _countries():
        bad("calendar.country", "an ISO country code the holidays package knows (e.g. "
            '"CN"), or "" for none', value, 'write country = "CN"')
        return None
    return value


def _dates(value, key: str, bad) -> list[_dt.date]:
    if not isinstance(value, list):
        bad(key, "a list of dates", value, f"write {key.split('.')[-1]} = [2024-10-08]")
        return []
    out = []
    for i, v in enumerate(value, start=1):
        if isinstance(v, _dt.datetime):
            v = None
        elif isinstance(v, str):
            try:
                v = _dt.date.fromisoformat(v)
            except ValueError:
                v = None
        if not isinstance(v, _dt.date):
            bad(f"{key}[{i}]", "a date (2024-10-08)", value[i - 1],
                "write the date as YYYY-MM-DD, without a time")
            continue
        out.append(v)
    return out


# --------------------------------------------------------------------------- arithmetic


def _as_calendar(calendar) -> WorkCalendar:
    if isinstance(calendar, WorkCalendar):
        return calendar
    return load_deadline_rules(calendar).calendar


def _add_ns(start: pd.Series, add_ns: np.ndarray, cal: WorkCalendar) -> pd.Series:
    """``start`` plus ``add_ns`` working nanoseconds (int64, NaN-free where valid);
    ``valid`` rows are those with a start and an amount."""
    tz = getattr(start.dtype, "tz", None)
    local = start.dt.tz_localize(None) if tz is not None else start
    stamps = local.to_numpy(dtype="datetime64[ns]")
    valid = ~np.isnat(stamps) & (add_ns >= 0)
    out = np.full(len(start), np.datetime64("NaT"), dtype="datetime64[ns]")
    if valid.any():
        t = stamps[valid].astype(np.int64)
        out[valid] = _working_end(t, add_ns[valid], cal).astype("datetime64[ns]")
    res = pd.Series(out, index=start.index, name=start.name)
    if tz is not None:
        res = res.dt.tz_localize(tz, nonexistent="shift_forward",
                                 ambiguous=np.ones(len(res), dtype=bool))
    return res


def _working_end(t: np.ndarray, add: np.ndarray, cal: WorkCalendar) -> np.ndarray:
    """Local wall-clock ns ``t`` plus ``add`` working ns (both int64 arrays) -> ns."""
    s = np.array([a for a, _ in cal.intervals], dtype=np.int64) * _MINUTE_NS
    e = np.array([b for _, b in cal.intervals], dtype=np.int64) * _MINUTE_NS
    length = e - s
    before = np.cumsum(length) - length  # working ns of the day before each interval
    whole = int(length.sum())
    day = t // _DAY_NS
    tod = t - day * _DAY_NS
    done = np.clip(tod[:, None] - s[None, :], 0, length[None, :]).sum(axis=1)
    days = day.astype("datetime64[D]")
    first = int(days.min().astype("datetime64[Y]").astype(int)) + 1970
    need = int(add.max() // whole) + 2  # working days the furthest deadline may need
    per_year = max(1, cal.weekmask.count("1") * 52 - 40)
    last = int(days.max().astype("datetime64[Y]").astype(int)) + 1970 + 1 + need // per_year
    while True:
        bdc = cal._busdaycal(first, last)
        workday = np.is_busday(days, busdaycal=bdc)
        after = done >= whole
        d0 = np.busday_offset(days, np.where(workday & after, 1, 0), roll="forward",
                              busdaycal=bdc)
        total = np.where(workday & ~after, done, 0) + add
        n = np.where(total > 0, (total - 1) // whole, 0)
        rest = total - n * whole
        end_day = np.busday_offset(d0, n, roll="forward", busdaycal=bdc)
        # numpy counts days after the calendar's last year as working days: widen and redo
        if end_day.max() < np.datetime64(f"{last + 1:04d}-01-01") - np.timedelta64(14, "D"):
            break
        last += 1 + need // per_year
    k = np.clip(np.searchsorted(before + length, rest, side="left"), 0, len(s) - 1)
    return end_day.astype("datetime64[ns]").astype(np.int64) + s[k] + (rest - before[k])


def add_working_time(start: pd.Series, *, hours=None, days=None,
                     calendar: WorkCalendar | str | Path | Mapping | None = None) -> pd.Series:
    """Add working hours or working days to times.

    Parameters
    ----------
    start : Series of datetimes
        Tz-aware (working hours are read in its zone) or naive local times.
    hours, days : number or array-like, keyword-only
        Exactly one of them: the working time to add, the same for all or one per row
        (NaN gives NaT). A working day is the length of the calendar's working day.
    calendar : WorkCalendar, rules path or dict, or None
        The working hours and days (default: those of the bundled ``deadlines.toml``).

    Returns
    -------
    Series
        The earliest instants at which the working time since each start reaches the
        amount, in the zone of ``start``; NaT where ``start`` or the amount is missing.

    Examples
    --------
    >>> start = pd.Series(pd.to_datetime(["2024-09-30 16:00", "2024-10-11 22:00"]))
    >>> add_working_time(start, hours=[2, 1]).astype(str).tolist()  # National Day, 调休
    ['2024-10-08 09:00:00', '2024-10-12 09:30:00']
    """
    where = "add_working_time"
    if not isinstance(start, pd.Series):
        raise InputError(Issue(field="start", expected="a pandas Series of datetimes",
                               got=type(start).__name__, fix="pass problems['found_at']"))
    if (hours is None) == (days is None):
        raise InputError(Issue(field="hours", expected="exactly one of hours= or days=",
                               got={"hours": hours, "days": days},
                               fix="pass hours=4 or days=1"))
    issue = time_issue(start, "start", where, aware=False)
    if issue:
        raise SchemaError(issue)
    unit, amount = ("hours", hours) if hours is not None else ("days", days)
    values = _amounts(amount, unit, len(start))
    cal = _as_calendar(calendar)
    per = 60.0 if unit == "hours" else float(cal.day_minutes)
    ns = np.where(np.isnan(values), -1, np.rint(np.nan_to_num(values) * per * _MINUTE_NS))
    return _add_ns(start, ns.astype(np.int64), cal)


def _amounts(amount, unit: str, n: int) -> np.ndarray:
    fix = f"pass {unit}= as a number above 0, or one per row"
    if isinstance(amount, (bool, np.bool_)) or isinstance(amount, (str, bytes)):
        raise InputError(Issue(field=unit, expected="a positive number", got=amount, fix=fix))
    try:
        values = np.broadcast_to(np.asarray(amount, dtype=float), (n,)).copy()
    except (TypeError, ValueError):
        raise InputError(Issue(field=unit, expected=f"a positive number or {n} of them",
                               got=repr(amount)[:80], fix=fix)) from None
    bad = ~np.isnan(values) & ~((values > 0) & np.isfinite(values))
    if bad.any():
        raise InputError(Issue(field=unit, expected="positive numbers (NaN for none)",
                               got=values[bad][:5].tolist(), fix=fix))
    return values


# --------------------------------------------------------------------------- frames


def fill_deadlines(problems: pd.DataFrame, *,
                   rules: str | Path | Mapping | DeadlineRules | None = None) -> pd.DataFrame:
    """Fill missing deadlines from the rules; say where each deadline came from.

    Parameters
    ----------
    problems : GeoDataFrame
        Problems with ``category`` and tz-aware ``found_at``; a ``deadline`` column is
        used where present (a missing column counts as all empty).
    rules : path, dict, DeadlineRules or None, keyword-only
        Deadline rules (:func:`load_deadline_rules`; default the bundled ones).

    Returns
    -------
    GeoDataFrame
        A copy, index and columns kept: ``deadline`` filled where it was empty and the
        category has a limit, and ``deadline_source`` (text): ``"file"`` (the record had
        it), ``"rules"`` (computed here) or empty (no deadline: no limit for the category).

    Examples
    --------
    >>> t = pd.to_datetime(["2024-05-17 17:00", "2024-05-17 17:00"]).tz_localize("Asia/Shanghai")
    >>> p = pd.DataFrame({"category": ["exposed_garbage", "piles"], "found_at": t,
    ...                   "deadline": [pd.NaT, t[0]]}, index=["a", "b"])
    >>> out = fill_deadlines(p)
    >>> out["deadline"].astype(str).tolist(), out["deadline_source"].tolist()
    (['2024-05-20 12:00:00+08:00', '2024-05-17 17:00:00+08:00'], ['rules', 'file'])
    """
    check_problems(problems, stage="fill_deadlines",
                   columns={"category": "category", "found_at": "time"})
    if "deadline" in problems.columns:
        issue = time_issue(problems["deadline"], "deadline", "fill_deadlines", aware=True)
        if issue and not problems["deadline"].isna().all():
            raise SchemaError(issue)
    rules = load_deadline_rules(rules)
    out = problems.copy()
    found = out["found_at"]
    given = out["deadline"] if "deadline" in out.columns else \
        pd.Series(pd.NaT, index=out.index, dtype=found.dtype)
    if not isinstance(given.dtype, pd.DatetimeTZDtype):
        given = pd.Series(pd.NaT, index=out.index, dtype=found.dtype)
    cats = out["category"].astype(object)
    minutes = cats.map({c: rules.limit_minutes(c) for c in rules.limits}).astype(float)
    todo = given.isna() & minutes.notna() & found.notna()
    ns = np.where(todo, np.rint(minutes.fillna(0).to_numpy() * _MINUTE_NS), -1)
    computed = _add_ns(found, ns.astype(np.int64), rules.calendar)
    computed = computed.dt.tz_convert(given.dtype.tz).astype(given.dtype)
    out["deadline"] = given.where(~todo, computed)
    source = np.where(given.notna(), "file", np.where(todo, "rules", None))
    out["deadline_source"] = pd.array(source, dtype="string")
    return out


def _as_of(as_of, tz) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(as_of)
    except (ValueError, TypeError, OverflowError):
        stamp = None
    if stamp is None or stamp is pd.NaT or isinstance(as_of, bool):
        raise InputError(Issue(field="as_of", expected="a date or time", got=as_of,
                               fix='pass as_of="2024-06-01" or a Timestamp'))
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(tz or "UTC")
    return stamp


def states(problems: pd.DataFrame, *, as_of) -> pd.DataFrame:
    """The deadline state of every problem as of a moment.

    Parameters
    ----------
    problems : GeoDataFrame
        Problems with tz-aware ``deadline`` and ``rectified_at`` (NaT where unknown) and,
        if present, ``status``.
    as_of : str, datetime or Timestamp, keyword-only
        The moment of judgement; a naive one is in the zone of ``deadline``.

    Returns
    -------
    DataFrame
        Index of ``problems``; ``state`` (text, one of :data:`STATES`, see the module
        docstring), ``overdue`` (bool: late or overdue) and ``on_time`` (bool).

    Examples
    --------
    >>> tz = "Asia/Shanghai"
    >>> p = pd.DataFrame({
    ...     "deadline": pd.to_datetime(["2024-05-02", "2024-05-02", None]).tz_localize(tz),
    ...     "rectified_at": pd.to_datetime(["2024-05-01", None, None]).tz_localize(tz),
    ...     "status": ["rectified", "open", "open"]}, index=["a", "b", "c"])
    >>> states(p, as_of="2024-05-03")["state"].tolist()
    ['on_time', 'overdue', 'no_deadline']
    """
    check_problems(problems, stage="states", columns={"deadline": "time", "rectified_at": "time"})
    deadline, done = problems["deadline"], problems["rectified_at"]
    when = _as_of(as_of, deadline.dtype.tz)
    rectified = done.notna() & (done <= when)
    if "status" in problems.columns:
        rectified &= ~problems["status"].astype(object).eq("reopened").to_numpy()
    has = deadline.notna()
    in_time = (done <= deadline).fillna(False).astype(bool)
    state = np.select(
        [~has, rectified & in_time, rectified, deadline < when],
        ["no_deadline", "on_time", "late", "overdue"], default="pending")
    out = pd.DataFrame({"state": pd.array(state, dtype="string")}, index=problems.index)
    out["overdue"] = np.isin(state, ("late", "overdue"))
    out["on_time"] = state == "on_time"
    return out
