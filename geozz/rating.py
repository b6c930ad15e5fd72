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

from .errors import InputError, Issue, SchemaError
from .rubric import Rubric, load_rubric

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
    periods : iterable of str, optional
        The periods to rate; default every period from the first to the last problem's.
    as_of : datetime-like, optional
        When "overdue" is judged for problems not yet rectified; default the latest
        ``found_at`` in the ledger.

    Returns
    -------
    DataFrame
        One row per unit per period: ``unit_id``, ``period``, ``unit_type``, ``name``,
        ``admin``, ``score``, ``grade``, ``stars`` (int 1–5), ``rank`` (1 = best, within
        the unit type and period), ``found``, ``closed``, ``on_time``, ``overdue``,
        ``reopened``, ``recurrence`` (categories found again after the previous period),
        ``not_rated`` and one ``ded_<category>`` column per rubric category.

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
    need = [c for c in ("unit_id", "category", "found_at") if c not in ledger.columns]
    if need:
        raise SchemaError([Issue(field=c, expected=f"a {c!r} column in the ledger",
                                 fix="make the ledger with gz.assign") for c in need])
    rb = load_rubric(rubric)
    cats = rb.categories()
    utypes = units["unit_type"]
    unknown = sorted(set(utypes) - set(rb.shares))
    if unknown:
        raise InputError(Issue(field="unit_type", expected=f"unit types the rubric rates "
                               f"({sorted(rb.shares)})", got=unknown,
                               fix="add shares for them to the rubric"))
    months = _period_index(ledger["found_at"], "M")
    if periods is not None:
        wanted = [pd.Period(p, freq=freq) for p in periods]
        span = pd.period_range(min(wanted).asfreq("M", "start"),
                               max(wanted).asfreq("M", "end"), freq="M")
    elif months.notna().any():
        first, last = months.min(), months.max()
        if freq == "Q":
            first, last = first.asfreq("Q").asfreq("M", "start"), \
                last.asfreq("Q").asfreq("M", "end")
        span = pd.period_range(first, last, freq="M")
    else:
        span = pd.PeriodIndex([], freq="M")
    rows = ledger.assign(_m=months)
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
    as_of = pd.Timestamp(as_of) if as_of is not None else rows["found_at"].max() \
        if len(rows) else pd.NaT
    status = rows["status"] if "status" in rows else pd.Series("open", index=rows.index)
    no_time = pd.Series(pd.NaT, index=rows.index, dtype=rows["found_at"].dtype)
    deadline = rows["deadline"] if "deadline" in rows else no_time
    done = rows["rectified_at"] if "rectified_at" in rows else no_time
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
    if periods is not None:
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
