"""Reading times: time-zone names, one date reading per column, daylight-saving gaps and
repeats. Used where records are read (:mod:`geozz.problems`) and where a saved table is
read back (:mod:`geozz.tables`); it imports nothing from geozz but its errors.

Examples
--------
>>> check_tz("Asia/Shanghai")
'Asia/Shanghai'
>>> s = pd.Series(["2024-05-01 08:00", "13/05/2024 09:30", None])
>>> out = parse_column(s, tz="Asia/Shanghai", column="发现时间", file="a.csv")
>>> [str(t) for t in out.parsed]
['2024-05-01 08:00:00+08:00', '2024-05-13 09:30:00+08:00', 'NaT']
"""

from __future__ import annotations

import difflib
import zoneinfo
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputError, Issue

#: names people write for the time zone of mainland China, which IANA calls Asia/Shanghai
_CHINA = {"beijing", "china", "cst", "gmt+8", "utc+8", "utc+08:00", "北京", "北京时间",
          "shenzhen", "guangzhou", "chongqing", "peking", "中国"}
_SLASH = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?=$|[\sT])(.*)$"
_AWARE = r"(?:Z|[+-]\d{2}:?\d{2})$"
#: Excel serial day numbers that are dates between 1900 and 9999
_SERIAL = (1.0, 2958465.0)


def check_tz(tz: object) -> str:
    """Return ``tz`` if it is an IANA time-zone name, else raise an InputError with a fix.

    Examples
    --------
    >>> check_tz("Beijing")
    Traceback (most recent call last):
    ...
    geozz.errors.InputError: 1 problem in the input:
      field 'tz': expected an IANA time-zone name, got 'Beijing'. Fix: write tz="Asia/Shanghai"
    """
    if isinstance(tz, str) and tz.strip() == tz and tz:
        try:
            zoneinfo.ZoneInfo(tz)
            return tz
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
    text = str(tz).strip()
    if text.casefold() in _CHINA:
        guess = "Asia/Shanghai"
    else:
        names = sorted(zoneinfo.available_timezones())
        by_city = {n.rsplit("/", 1)[-1].casefold(): n for n in names}
        key = text.replace(" ", "_").casefold()
        close = difflib.get_close_matches(key, list(by_city), n=1, cutoff=0.75)
        guess = by_city[close[0]] if close else None
    fix = f'write tz="{guess}"' if guess else \
        'use an IANA name such as "Asia/Shanghai" or "America/Los_Angeles"'
    raise InputError(Issue(field="tz", expected="an IANA time-zone name", got=tz, fix=fix))


def column_order(text: pd.Series, *, column: str, file: str,
                 dayfirst: bool | None) -> bool | None:
    """Decide how the slash dates (``a/b/yyyy``) of one column are read.

    Returns ``True`` for day first, ``False`` for month first, ``None`` when the column
    holds no such date. A value whose first part exceeds 12 proves day first, one whose
    second part does proves month first. Both in one column, or only ambiguous values
    (both parts 12 or less), raise an InputError asking for ``dayfirst=``, unless
    ``dayfirst`` is given, which decides.

    Examples
    --------
    >>> column_order(pd.Series(["12/31/2015 04:39:00 PM", "01/02/2015"]), column="Updated",
    ...              file="a.csv", dayfirst=None)
    False
    """
    parts = text.str.extract(_SLASH)
    has = parts[0].notna()
    if not has.any():
        return None
    if dayfirst is not None:
        return bool(dayfirst)
    a = pd.to_numeric(parts[0], errors="coerce")
    b = pd.to_numeric(parts[1], errors="coerce")
    day = has & (a > 12) & (b <= 12)
    month = has & (b > 12) & (a <= 12)
    if day.any() and month.any():
        raise InputError(Issue(
            file=file, row=int(np.flatnonzero(month.to_numpy())[0]) + 1, field=column,
            expected="dates written one way in the whole column",
            got=f"{text[day].iloc[0]} (day first) and {text[month].iloc[0]} (month first)",
            fix="correct the column, or pass dayfirst=True or dayfirst=False to say how "
                "to read it"))
    if day.any() or month.any():
        return bool(day.any())
    raise InputError(Issue(
        file=file, field=column,
        expected="dates whose order (day/month or month/day) the values show",
        got=f"{text[has].iloc[0]}: every a/b/yyyy date in the column could be either",
        fix="pass dayfirst=True (13/05/2024 style) or dayfirst=False (05/13/2024 style)"))


@dataclass
class Parsed:
    """A parsed time column: the times and the masks of what was noticed."""

    parsed: pd.Series        #: tz-aware times, NaT where empty or bad
    bad: pd.Series           #: a value was there but is no time in range
    nonexistent: pd.Series   #: a local time in a daylight-saving gap, moved to its end
    ambiguous: pd.Series     #: a local time that occurs twice; the earlier one was taken


def _ns(times: pd.Series) -> pd.Series:
    """The same times at nanosecond resolution; NaT where outside its range (1677-2262)."""
    lo, hi = pd.Timestamp.min, pd.Timestamp.max
    tz = getattr(times.dt, "tz", None)
    if tz is not None:
        lo, hi = lo.tz_localize("UTC"), hi.tz_localize("UTC")
    times = times.where((times >= lo) & (times <= hi))
    return times.astype(f"datetime64[ns, {tz}]" if tz is not None else "datetime64[ns]")


def _to_datetime(text: pd.Series, **kwargs) -> pd.Series:
    if text.empty:
        return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    return _ns(pd.to_datetime(text, errors="coerce", **kwargs))


def _iso(text: pd.Series) -> pd.Series:
    return _to_datetime(text, format="ISO8601")


def parse_column(values: pd.Series, *, tz: str, column: str, file: str,
                 dayfirst: bool | None = None, serial: bool = False) -> Parsed:
    """Parse one column of times: ISO 8601 first (vectorised), then the other readings.

    Naive times are local times in ``tz``; times with an offset are converted to ``tz``.
    ``a/b/yyyy`` dates are read in the one order :func:`column_order` decides.
    ``2024年5月1日`` style dates and ``May 3, 2024`` style names are understood. With
    ``serial=True`` (Excel input), plain numbers are Excel serial day numbers.
    A local time inside a daylight-saving gap is moved to the first instant after the gap
    (02:30 -> 03:00); a repeated local time (clocks going back) is read as the earlier instant.
    """
    text = values.astype("string").str.strip()
    present = (text.notna() & (text != "")).fillna(False).astype(bool)
    naive = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    out = pd.Series(pd.NaT, index=text.index, dtype=f"datetime64[ns, {tz}]")
    try:  # one vectorised pass: all naive or all with an offset
        first = _to_datetime(text[present], format="ISO8601")
    except (ValueError, TypeError):  # naive and offset times mixed in the column
        first = None
    if first is not None and getattr(first.dt, "tz", None) is not None:
        aware = present & pd.Series(first.notna(), index=text.index).fillna(False)
        out[aware] = first[aware[present]].dt.tz_convert(tz)
    elif first is not None:
        aware = pd.Series(False, index=text.index)
        naive[present] = first
    else:
        aware = present & text.str.contains(_AWARE, regex=True).fillna(False).astype(bool)
        got = _to_datetime(text[aware], format="ISO8601", utc=True)
        out[aware] = got.dt.tz_convert(tz)
        naive[present & ~aware] = _iso(text[present & ~aware])
    todo = present & ~aware
    rest = todo & naive.isna()
    if rest.any():
        order = column_order(text[rest], column=column, file=file, dayfirst=dayfirst)
        r = text[rest]
        if serial:
            num = pd.to_numeric(r, errors="coerce")
            ok = num.between(*_SERIAL)
            naive[ok[ok].index] = _ns(pd.Timestamp("1899-12-30") + pd.to_timedelta(
                (num[ok] * 86400).round(), unit="s"))
        zh = r.str.replace(r"(\d)\s*[年月]\s*(?=\d)", r"\1-", regex=True) \
            .str.replace(r"(\d)\s*日\s*", r"\1 ", regex=True) \
            .str.replace(r"(\d)\s*[时点:]\s*(\d+)\s*分?", r"\1:\2", regex=True) \
            .str.replace(r"(\d)\s*[时点]$", r"\1:00", regex=True).str.strip()
        left = rest & naive.isna()
        naive[left] = _iso(zh[left])
        left = rest & naive.isna()
        if order is not None and left.any():
            p = text[left].str.extract(_SLASH)
            ok = p[0].notna()
            d, m = (p[0], p[1]) if order else (p[1], p[0])
            iso = (p[2] + "-" + m.str.zfill(2) + "-" + d.str.zfill(2) + " " +
                   p[3].str.strip().str.lstrip("T")).str.strip()[ok]
            got = pd.Series(pd.NaT, index=iso.index, dtype="datetime64[ns]")
            for fmt in ("%Y-%m-%d %I:%M:%S %p", "%Y-%m-%d %I:%M %p"):
                miss = got.isna()
                if miss.any():
                    got[miss] = _to_datetime(iso[miss], format=fmt)
            miss = got.isna()
            got[miss] = _iso(iso[miss])
            naive[got.index] = got
        left = rest & naive.isna()
        if left.any():
            t = text[left]
            named = t.str.contains(r"[A-Za-z]{3}", regex=True) & ~t.str.match(_SLASH)
            left[left] = named.fillna(False).astype(bool).to_numpy()
        for i in np.flatnonzero(left.to_numpy()):  # month names: one by one, rare
            try:
                t = pd.Timestamp(pd.to_datetime(text.iloc[i], dayfirst=bool(order)))
            except (ValueError, TypeError, OverflowError):
                continue
            if t.tzinfo is None and pd.Timestamp.min <= t <= pd.Timestamp.max:
                naive.iloc[i] = t
    n = len(text)
    take_dst = np.ones(n, dtype=bool)
    local = naive.dt.tz_localize(tz, nonexistent="shift_forward", ambiguous=take_dst)
    gap = naive.dt.tz_localize(tz, nonexistent="NaT", ambiguous=take_dst).isna() & \
        local.notna()
    twice = naive.dt.tz_localize(tz, nonexistent="shift_forward", ambiguous="NaT").isna() \
        & local.notna()
    out[todo] = local[todo]
    return Parsed(parsed=out, bad=present & out.isna(), nonexistent=gap & todo,
                  ambiguous=twice & todo)
