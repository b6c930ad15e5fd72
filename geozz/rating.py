"""Score every unit for every period with a rubric: score, grade, stars, rank, indicators.

Examples
--------
>>> import geozz as gz
>>> units = gz.build_units(gz.datasets.longgang())
>>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
>>> ratings = gz.rate(gz.assign(problems, units), units, freq="M")
>>> len(ratings) == len(units) * ratings["period"].nunique()
True
"""

from __future__ import annotations

from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import InputError, Issue
from .rubric import Rubric, load_rubric
from .schema import check_ledger, check_units

__all__ = ["rate", "star_label", "FREQS"]

FREQS = ("M", "Q")
CLOSED = ("rectified", "verified")


def star_label(stars) -> str:
    """Display label for a star count: ``3 -> '★★★☆☆'``; missing -> ``'—'``.

    Examples
    --------
    >>> star_label(3)
    '★★★☆☆'
    """
    if stars is None or pd.isna(stars):
        return "—"
    n = int(stars)
    return "★" * n + "☆" * (5 - n)


def _period_index(found_at: pd.Series, freq: str) -> pd.Series:
    local = found_at.dt.tz_localize(None)  # wall time in the records' own zone
    return local.dt.to_period(freq)


def _wanted(periods, freq: str, issues: list) -> list[pd.Period] | None:
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
    example = "'2024-05'" if freq == "M" else "'2024Q2'"
    out, bad = [], []
    for p in periods:
        try:
            if isinstance(p, pd.Period):
                per, ok = p, p.freqstr.startswith(freq)
            else:  # the text must be the period itself: '2024-05-01' is a day, not May
                per = pd.Period(str(p).strip(), freq=freq)
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


def _as_of(value, found_at: pd.Series, tz, issues: list) -> pd.Timestamp:
    """The moment overdue is judged: ``as_of`` in the ledger's zone, or its latest time."""
    if value is None:
        return found_at.max() if found_at.notna().any() else pd.NaT
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        ts = pd.NaT
    if pd.isna(ts):
        issues.append(Issue(field="as_of", expected="a date or time, e.g. '2024-12-31 18:00'",
                            got=value, fix="pass a date, a datetime or a pd.Timestamp"))
        return pd.NaT
    if tz is None:
        return ts
    return ts.tz_localize(tz) if ts.tz is None else ts.tz_convert(tz)


def _times(rows: pd.DataFrame, col: str, empty: pd.Series) -> pd.Series:
    """A time column of the ledger, or no times (a column of nothing but blanks)."""
    if col not in rows or rows[col].isna().all():
        return empty
    return rows[col]


def rate(ledger: pd.DataFrame, units: gpd.GeoDataFrame, *, freq: str = "M",
         rubric: str | Rubric = "default", periods: Iterable[str] | None = None,
         as_of=None) -> pd.DataFrame:
    """Rate every unit in every period.

    Each problem deducts ``points_per_problem`` from its category's share of the unit
    type's score; a category cannot go below 0 (扣完为止). A category outside a unit
    type's rubric deducts nothing there and is counted in ``not_rated``. A quarter is the
    mean of its monthly ratings (scores and deductions); indicators are summed.

    Parameters
    ----------
    ledger : DataFrame
        From :func:`geozz.assign`.
    units : GeoDataFrame
        The units the ledger was made with; every unit is rated, with or without problems.
    freq : {"M", "Q"}, default "M"
        Monthly (``"2024-05"``) or quarterly (``"2024Q2"``) periods.
    rubric : str, Path or Rubric, default "default"
        A bundled rubric name or a TOML file (:func:`geozz.rubric.load_rubric`).
    periods : str or iterable of str, optional
        The periods to rate, written like ``"2024-05"`` (``freq="M"``) or ``"2024Q2"``
        (``freq="Q"``); default every period from the first to the last problem's. A
        period rated here is identical to the same period of a full run: recurrence
        still looks at the month before the window, and ``as_of`` defaults to the same
        moment.
    as_of : datetime-like, optional
        When "overdue" is judged for problems not yet rectified (deadline before
        ``as_of``); default the latest ``found_at`` in the whole ledger, whatever
        ``periods`` asks for. A naive time is taken in the ledger's time zone.

    Returns
    -------
    DataFrame
        One row per unit per period: ``unit_id``, ``period``, ``unit_type``, ``name``,
        ``admin``, ``score``, ``grade``, ``stars`` (int 1–5), ``rank`` (1 = best, within
        the unit type and period), ``found``, ``closed``, ``on_time``, ``overdue``,
        ``reopened``, ``recurrence`` (categories found again after the previous period),
        ``not_rated`` and one ``ded_<category>`` column per rubric category.

    Raises
    ------
    SchemaError, CRSError
        Units or ledger that break their contract (:mod:`geozz.schema`).
    RubricError
        A rubric that cannot be loaded (:func:`geozz.rubric.load_rubric`).
    InputError
        Listing together: ``freq`` not in :data:`FREQS`; periods that are not periods of
        ``freq``; an ``as_of`` that is not a time; unit types the rubric does not rate;
        ledger unit ids missing from ``units`` (the ledger was made with other units;
        rows of unit types ``units`` does not have are left out, so the whole ledger
        can rate the grid alone).

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame({"unit_type": ["grid"], "name": ["A"], "admin": [""]},
    ...     geometry=[box(0, 0, 1, 1)], crs=32650, index=pd.Index(["A"], name="unit_id"))
    >>> t = pd.Timestamp("2024-05-03 10:00", tz="Asia/Shanghai")
    >>> ledger = pd.DataFrame({"problem_id": [f"p{i}" for i in range(30)], "unit_id": "A",
    ...     "unit_type": "grid", "category": "illegal_ads", "found_at": t, "status": "open"})
    >>> r = rate(ledger, units)
    >>> r[["period", "score", "ded_illegal_ads", "stars", "grade"]].values.tolist()
    [['2024-05', 90.0, 10.0, 4, '优秀']]
    """
    if freq not in FREQS:
        raise InputError(Issue(field="freq", expected=f"one of {FREQS}", got=freq,
                               fix="use 'M' for months or 'Q' for quarters"))
    check_units(units, stage="rate")
    check_ledger(ledger, stage="rate")
    rb = load_rubric(rubric)
    cats = rb.categories()
    utypes = units["unit_type"].set_axis(units.index.astype(str))
    issues = []
    unknown = sorted(set(utypes) - set(rb.shares))
    if unknown:
        issues.append(Issue(field="unit_type", expected=f"unit types the rubric rates "
                            f"({sorted(rb.shares)})", got=unknown,
                            fix="add shares for them to the rubric"))
    # rows of the unit types being rated must name these units; rows of other types are
    # left out (rating only the grid with the whole ledger is fine)
    placed = ledger["unit_id"].notna() & ledger["unit_type"].isin(set(utypes))
    strange = pd.Index(ledger.loc[placed, "unit_id"].astype(str).unique()) \
        .difference(units.index.astype(str))
    if len(strange):
        issues.append(Issue(field="unit_id", expected="ledger unit ids that are in units",
                            got=f"{len(strange)} unknown ids, e.g. {list(strange[:5])}",
                            fix="rate the ledger with the units it was assigned to"))
    wanted = _wanted(periods, freq, issues)
    tz = ledger["found_at"].dt.tz
    as_of = _as_of(as_of, ledger["found_at"], tz, issues)
    if issues:
        raise InputError(issues)
    months = _period_index(ledger["found_at"], "M")
    if wanted is not None:
        # one month before the window: recurrence compares with the previous month
        span = pd.period_range(min(wanted).asfreq("M", "start") - 1,
                               max(wanted).asfreq("M", "end"), freq="M")
    elif months.notna().any():
        first, last = months.min(), months.max()
        if freq == "Q":
            first, last = first.asfreq("Q").asfreq("M", "start"), \
                last.asfreq("Q").asfreq("M", "end")
        span = pd.period_range(first, last, freq="M")
    else:
        span = pd.PeriodIndex([], freq="M")
    units = units.set_axis(units.index.astype(str), axis=0)  # ids compared as text
    rows = ledger.assign(_m=months, unit_id=ledger["unit_id"].astype("string"))
    rows = rows[rows["unit_id"].notna() & rows["unit_id"].isin(units.index)
                & rows["_m"].isin(span)]
    key = pd.MultiIndex.from_product([units.index.astype(str), span],
                                     names=["unit_id", "_m"])
    counts = (rows.groupby(["unit_id", "_m", "category"]).size()
              .unstack("category", fill_value=0)
              .reindex(index=key, fill_value=0))
    for c in cats:
        if c not in counts:
            counts[c] = 0
    utype = utypes.reindex(key.get_level_values("unit_id")).to_numpy()
    out = pd.DataFrame(index=key)
    ded_total = np.zeros(len(key))
    rated_count = np.zeros(len(key))
    for c in cats:
        share = np.array([rb.shares[t].get(c, np.nan) for t in utype], dtype=float)
        ded = np.minimum(counts[c].to_numpy() * rb.points_per_problem, share)
        ded = np.where(np.isnan(share), 0.0, ded)
        rated_count += np.where(np.isnan(share), 0, counts[c].to_numpy())
        out[f"ded_{c}"] = ded
        ded_total += ded
    out["score"] = rb.full_score - ded_total
    out["found"] = counts.sum(axis=1).to_numpy()
    out["not_rated"] = out["found"] - rated_count
    # indicators
    status = rows["status"] if "status" in rows else pd.Series("open", index=rows.index)
    no_time = pd.Series(pd.NaT, index=rows.index, dtype=rows["found_at"].dtype)
    deadline = _times(rows, "deadline", no_time)
    done = _times(rows, "rectified_at", no_time)
    flags = pd.DataFrame({
        "unit_id": rows["unit_id"], "_m": rows["_m"],
        "closed": status.isin(CLOSED),
        "on_time": done.notna() & deadline.notna() & (done <= deadline),
        "overdue": deadline.notna() & ((done.notna() & (done > deadline))
                                       | (done.isna() & (deadline < as_of))),
        "reopened": status.eq("reopened"),
    })
    sums = flags.groupby(["unit_id", "_m"])[["closed", "on_time", "overdue", "reopened"]] \
        .sum().reindex(key, fill_value=0)
    out = out.join(sums.astype(int))
    present = counts[cats].gt(0)
    prev = present.groupby(level="unit_id").shift(1, fill_value=False)
    out["recurrence"] = (present & prev).sum(axis=1).astype(int)
    out = out.reset_index()
    if wanted is not None:
        out = out[out["_m"] != span[0]]  # the month before the window: context only
    if freq == "Q":
        out["_q"] = out["_m"].map(lambda p: p.asfreq("Q"))
        mean_cols = ["score"] + [f"ded_{c}" for c in cats]
        sum_cols = ["found", "not_rated", "closed", "on_time", "overdue", "reopened",
                    "recurrence"]
        g = out.groupby(["unit_id", "_q"], sort=False)
        out = g[mean_cols].mean().join(g[sum_cols].sum()).reset_index()
        out["period"] = out["_q"].astype(str)
    else:
        out["period"] = out["_m"].astype(str)
    if wanted is not None:
        out = out[out["period"].isin([str(p) for p in wanted])]
    meta = units.reindex(out["unit_id"])
    out["unit_type"] = meta["unit_type"].to_numpy()
    for col in ("name", "admin"):
        out[col] = meta[col].to_numpy() if col in meta else ""
    out["score"] = out["score"].round(2)
    out["grade"] = rb.grade_for(out["score"].to_numpy())
    out["stars"] = rb.stars_for(out["score"].to_numpy()).astype(int)
    out["rank"] = out.groupby(["period", "unit_type"])["score"] \
        .rank(ascending=False, method="min").astype(int)
    cols = ["unit_id", "period", "unit_type", "name", "admin", "score", "grade", "stars",
            "rank", "found", "closed", "on_time", "overdue", "reopened", "recurrence",
            "not_rated"] + [f"ded_{c}" for c in cats]
    out = out[cols].sort_values(["period", "unit_type", "rank", "unit_id"], kind="stable")
    for c in ("found", "closed", "on_time", "overdue", "reopened", "recurrence",
              "not_rated"):
        out[c] = out[c].astype(int)
    return out.reset_index(drop=True)
