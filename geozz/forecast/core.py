"""``risk``: where problems and 回潮 are expected next period; ``backtest``: how well."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import InputError, Issue, SchemaError
from ..rating.periods import FREQS
from ..tables.ledger import check_ledger
from ..tables.risk import RISK_COLUMNS
from ..tables.units import check_units
from . import panel as _panel
from .measures import SHARES, check_shares, measures

__all__ = ["RISK_COLUMNS", "backtest", "risk", "summary"]

#: the columns :func:`risk` returns besides the units' geometry (index ``unit_id``)


def _check(ledger, units, freq, methods, issues: list, stage: str) -> None:
    check_units(units, stage=stage)
    check_ledger(ledger, stage=stage)
    if not isinstance(freq, str) or freq not in FREQS:
        issues.append(Issue(field="freq", expected=f"one of {FREQS}", got=freq,
                            fix="use 'M' for months or 'Y' for years (a custom range "
                                "has no next period to forecast)"))
    bad = [m for m in methods if m not in _panel.METHODS]
    if bad or not methods:
        issues.append(Issue(field="method", expected=f"methods from {_panel.METHODS}",
                            got=bad or list(methods), fix="e.g. method='glm'"))
    if "recurrent" not in ledger:
        issues.append(Issue(field="recurrent", expected=f"a ledger with the recurrence flag "
                            f"(回潮) for {stage}()",
                            fix="read the records with geozz.read_problems (it links "
                                "recurrence) or run geozz.problems.link_recurrence before "
                                "geozz.assign"))
    elif ledger["found_at"].notna().sum() == 0:
        issues.append(Issue(field="found_at", expected=f"a ledger with records for {stage}()",
                            got=0, fix="pass the ledger geozz.assign made"))


def _reason(panel: _panel.Panel, s: int, fc: _panel.Forecast, method: str) -> list[str]:
    """Per unit: the facts of its history, then (models) the groups that raise its
    forecast most, as factors over an average unit (×1.8 own history …)."""
    f = panel.found
    last, mean3 = f[:, s], _panel._mean_last(f, s, 3)
    nb = panel.lag @ last
    out = []
    for i in range(len(last)):
        facts = {
            "own history": f"{last[i]} last period, {mean3[i]:.1f}/period over 3",
            "neighbours": f"neighbours {nb[i]:.1f} last period",
            "recurrence": f"{panel.recur[i, s]} 回潮 last period",
            "open & overdue": f"{panel.open_end[i, s]} open, {panel.overdue_end[i, s]} "
                              "overdue",
            "season": f"season of {panel.next_label}",
            "type & size": f"{panel.unit_type[i]}, {panel.size[i]:.2f} "
                           f"{'km' if panel.corridor[i] else 'km²'}",
        }
        if fc.factors is None:
            if method == "kde":
                text = "kernel density of past problems nearby; " + facts["own history"]
            else:
                text = facts["own history"]
        else:
            g = fc.factors[i]
            top = [k for k in np.argsort(-g, kind="stable")[:3] if g[k] > 0.05] \
                or [int(np.argmax(g))]
            text = "; ".join(f"×{np.exp(g[k]):.2f} {_panel.GROUPS[k]} "
                             f"({facts[_panel.GROUPS[k]]})" for k in top)
        out.append(text)
    return out


def risk(ledger: pd.DataFrame, units: gpd.GeoDataFrame, *, freq: str = "M",
         method: str = "glm", origin: str | None = None, bandwidth: float | None = None,
         seed: int = 0) -> gpd.GeoDataFrame:
    """Forecast, per unit, the problems of the next period and the chance of 回潮.

    From the unit's own history (last period, mean of the last three, mean of all), its
    neighbours' (the mean over its Queen-contiguous units of the same layer: cells with
    cells, corridors with corridors; libpysal), recurrences (the ledger's ``recurrent``),
    the problems open and overdue at the end of the period, the season of the next period
    (month, quarter or week of the year) and its type and size. The model (``method``) is
    fitted on every earlier pair of periods (features at the end of one period, problems
    in the next) and applied to the last; see :func:`backtest` for how well each method
    did.

    Parameters
    ----------
    ledger : DataFrame
        From :func:`geozz.assign`, with the ``recurrent`` flag (:func:`geozz.read_problems`
        links recurrence).
    units : GeoDataFrame
        The units the ledger was made with.
    freq : {"W", "M", "Q", "Y"}, default "M", keyword-only
        The periods (as :func:`geozz.rate`).
    method : {"glm", "hgb", "mean3", "last", "kde"}, default "glm", keyword-only
        ``glm``: a Poisson GLM (scikit-learn ``PoissonRegressor`` on standardised
        features); ``hgb``: gradient-boosted trees with a Poisson loss
        (``HistGradientBoostingRegressor``); the baselines ``last`` (last period's count),
        ``mean3`` (mean of the last three periods) and ``kde`` (kernel density of past
        problems at each unit, a hot-spot map).
    origin : str, optional, keyword-only
        The last period whose records are used (``"2024-06"``); the forecast is for the
        period after it. Default the last period of the ledger (a period still running
        counts as complete: pass the one before to forecast from whole periods only).
    bandwidth : float, optional, keyword-only
        Metres, for ``kde``; default 1.5 × the median distance between neighbouring units.
    seed : int, default 0, keyword-only
        Random state of ``hgb``.

    Returns
    -------
    GeoDataFrame
        Indexed by ``unit_id``, every unit, with the units' geometry and ``unit_type``;
        ``period`` (the period forecast), ``method``, ``expected`` (float ≥ 0: problems
        expected in the period), ``p_recur`` (0–1: the chance of at least one 回潮 in
        the unit, a problem back within the recurrence rule after one was rectified,
        from the expected recurrences λ as 1 − e^−λ), ``density`` (``expected`` per km²
        of a cell, per km of a road or river), ``per`` (``"km2"`` or ``"km"``),
        ``risk_rank`` (1 = highest density within cells, within corridors),
        ``flag_share`` (the share of the layer's area, or length, flagged when units are
        flagged down to this one: ``flag_share <= 0.05`` is the top 5 % the backtest
        scores) and ``reason`` (the facts, and for a model the three feature groups that raise the
        forecast most, each as a factor over an average unit). ``expected`` and
        ``p_recur`` are what :func:`geozz.patrol.routes` takes as prizes.

    Raises
    ------
    SchemaError, CRSError
        Units or ledger that break their contract; a ledger without ``recurrent``.
    InputError
        A bad ``freq``, ``method`` or ``origin``, or a ledger without records.

    Examples
    --------
    >>> import geozz as gz
    >>> units = gz.datasets.sf311_tracts()
    >>> problems, _ = gz.datasets.sf311_problems()
    >>> r = gz.forecast.risk(gz.assign(problems, units), units, freq="Y", origin="2014")
    >>> r["period"].iloc[0], len(r) == len(units)
    ('2015', True)
    >>> bool(r["expected"].ge(0).all() and r["p_recur"].between(0, 1).all())
    True
    """
    issues: list[Issue] = []
    _check(ledger, units, freq, [method], issues, "risk")
    if issues:
        raise (SchemaError if issues[-1].field == "recurrent" else InputError)(issues)
    pn = _panel.build(ledger, units, freq)
    if origin is None:
        s = len(pn.labels) - 1
    elif str(origin) in pn.labels:
        s = pn.labels.index(str(origin))
    else:
        raise InputError(Issue(field="origin", expected=f"a period of the ledger, "
                               f"{pn.labels[0]} to {pn.labels[-1]}", got=origin,
                               fix="pass a period label like the ratings' periods"))
    nxt = pn.labels[s + 1] if s + 1 < len(pn.labels) else pn.next_label
    fc = _panel.predict(pn, s, method, bandwidth=bandwidth, seed=seed, explain=True)
    out = gpd.GeoDataFrame({"unit_type": pn.unit_type}, geometry=units.geometry.to_numpy(),
                           crs=units.crs, index=pn.unit_ids)
    out["period"] = nxt
    out["method"] = method
    out["expected"] = fc.expected
    out["p_recur"] = 1 - np.exp(-fc.expected_recur)
    out["density"] = fc.expected / pn.size
    out["per"] = np.where(pn.corridor, "km", "km2")
    rank = np.zeros(len(out), dtype=np.int64)
    share = np.zeros(len(out))
    for _, m in pn.layers:
        pos = np.flatnonzero(m)
        order = pos[np.argsort(-out["density"].to_numpy()[pos], kind="stable")]
        rank[order] = np.arange(1, len(pos) + 1)
        share[order] = np.cumsum(pn.size[order]) / pn.size[pos].sum()
    out["risk_rank"] = rank
    out["flag_share"] = share
    out["reason"] = _reason(pn, s, fc, method)
    return out[RISK_COLUMNS + [out.geometry.name]]


def backtest(ledger: pd.DataFrame, units: gpd.GeoDataFrame, *, freq: str = "M",
             methods: Sequence[str] = _panel.METHODS, shares: Sequence[float] = SHARES,
             min_history: int = 3, bandwidth: float | None = None,
             seed: int = 0) -> pd.DataFrame:
    """Rolling-origin backtest: forecast each period from the periods before it only.

    For every period *t* after the first ``min_history``, each method forecasts *t* from
    periods ``0..t-1`` (models are fitted on those alone) and is scored against what *t*
    held, per layer: grid cells and other areas ranked by problems per km², road and river
    corridors by problems per km (:func:`geozz.forecast.measures.measures`).

    Parameters
    ----------
    ledger, units, freq, bandwidth, seed
        As :func:`risk`.
    methods : sequence of str, default every method, keyword-only
        From :data:`geozz.forecast.METHODS`.
    shares : sequence of float, default (0.01, 0.05, 0.10), keyword-only
        Shares of the area (length) flagged.
    min_history : int, default 3, keyword-only
        Periods seen before the first forecast.

    Returns
    -------
    DataFrame
        One row per method, period forecast, layer and share: ``method``, ``period``,
        ``layer`` (``cells`` or ``corridors``), ``per`` (``km2`` / ``km``), ``share``,
        ``flagged``, ``area_share``, ``caught``, ``n``, ``hit_rate``, ``pai``, ``pei``
        (see :mod:`geozz.forecast.measures`), ``mae`` (mean absolute error of
        ``expected`` over the layer's units) and ``brier`` (of ``p_recur`` against
        whether the unit had a 回潮).

    Raises
    ------
    InputError
        As :func:`risk`; bad ``shares`` or ``min_history``; fewer periods than
        ``min_history + 1``.

    Examples
    --------
    >>> import geozz as gz
    >>> units = gz.datasets.sf311_tracts()
    >>> problems, _ = gz.datasets.sf311_problems()
    >>> bt = gz.forecast.backtest(gz.assign(problems, units), units, freq="Y",
    ...                           methods=["last", "glm"])
    >>> sorted(bt["method"].unique()), bool(bt["pei"].dropna().between(0, 1).all())
    (['glm', 'last'], True)
    """
    issues: list[Issue] = []
    methods = [methods] if isinstance(methods, str) else list(methods)
    _check(ledger, units, freq, methods, issues, "backtest")
    shares = check_shares(shares, issues)
    if isinstance(min_history, bool) or not isinstance(min_history, (int, np.integer)) \
            or min_history < 1:
        issues.append(Issue(field="min_history", expected="a whole number of 1 or more",
                            got=min_history, fix="e.g. min_history=3"))
    if issues:
        raise (SchemaError if any(i.field == "recurrent" for i in issues)
               else InputError)(issues)
    pn = _panel.build(ledger, units, freq)
    if len(pn.labels) <= min_history:
        raise InputError(Issue(field="min_history", expected=f"more periods in the ledger "
                               f"than min_history ({min_history})", got=len(pn.labels),
                               fix="pass a smaller min_history or a shorter freq"))
    rows = []
    for t in range(min_history, len(pn.labels)):
        actual, happened = pn.found[:, t], pn.recur[:, t] > 0
        for method in methods:
            fc = _panel.predict(pn, t - 1, method, bandwidth=bandwidth, seed=seed)
            p = 1 - np.exp(-fc.expected_recur)
            for layer, m in pn.layers:
                tab = measures(fc.expected[m] / pn.size[m], actual[m], pn.size[m],
                               shares=shares)
                tab.insert(0, "per", "km" if layer == "corridors" else "km2")
                tab.insert(0, "layer", layer)
                tab.insert(0, "period", pn.labels[t])
                tab.insert(0, "method", method)
                tab["mae"] = float(np.abs(fc.expected[m] - actual[m]).mean())
                tab["brier"] = float(((p[m] - happened[m]) ** 2).mean())
                rows.append(tab)
    return pd.concat(rows, ignore_index=True)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """The backtest averaged over periods: one row per layer, share and method.

    Each measure is the mean over the periods with problems; ``periods`` counts them.

    Examples
    --------
    >>> t = pd.DataFrame({"method": ["a", "a"], "period": ["1", "2"], "layer": "cells",
    ...     "per": "km2", "share": 0.1, "hit_rate": [0.25, 0.75], "pai": [2.0, 4.0],
    ...     "pei": [0.5, 0.7], "mae": [1.0, 2.0], "brier": [0.1, 0.2], "n": [5, 6]})
    >>> summary(t)[["method", "periods", "hit_rate", "pai"]].values.tolist()
    [['a', 2, 0.5, 3.0]]
    """
    ok = table[table["n"] > 0]
    out = ok.groupby(["layer", "share", "method"], sort=False).agg(
        periods=("period", "nunique"), hit_rate=("hit_rate", "mean"), pai=("pai", "mean"),
        pei=("pei", "mean"), mae=("mae", "mean"), brier=("brier", "mean")).reset_index()
    return out.sort_values(["layer", "share", "pai"], ascending=[True, True, False],
                           kind="stable").reset_index(drop=True)
