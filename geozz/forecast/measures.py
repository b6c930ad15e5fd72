"""Measures of hot-spot forecasting: hit rate, PAI and PEI* at a share of the area flagged.

Units are ranked by predicted density (expected problems per km² of a cell, per km of a
road or river corridor), highest first (ties: the order given), and flagged one by one
until the flagged size reaches ``share`` of the layer's total size; the unit that crosses
the line is flagged too, so the share actually flagged (``area_share``) is at least
``share``. Then

- ``hit_rate`` = problems in the flagged units ÷ all problems of the layer in the period;
- ``pai`` (Predictive Accuracy Index, Chainey et al. 2008) = ``hit_rate`` ÷
  ``area_share``: how many times better than flagging at random (1 = no better);
- ``pei`` (PEI*, Hunt 2016) = ``pai`` ÷ the PAI of the perfect-hindsight ranking (units
  ranked by their actual density) at the same ``share``: 1 = as good as possible.

With no problem in the period all three are NaN.

Examples
--------
>>> import numpy as np
>>> m = measures(np.array([4., 3., 2., 1.]), np.array([1, 5, 0, 4]), np.ones(4),
...              shares=(0.25, 0.5))
>>> m[["share", "flagged", "caught", "hit_rate", "pai", "pei"]].values.round(3).tolist()
[[0.25, 1.0, 1.0, 0.1, 0.4, 0.2], [0.5, 2.0, 6.0, 0.6, 1.2, 0.667]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError, Issue

__all__ = ["SHARES", "measures"]

#: the shares of the area flagged the backtest reports by default: 1 %, 5 %, 10 %
SHARES = (0.01, 0.05, 0.10)


def check_shares(shares, issues: list) -> tuple[float, ...]:
    """``shares`` as a tuple of floats in (0, 1]; an issue appended otherwise."""
    try:
        out = tuple(float(s) for s in shares)
        ok = len(out) > 0 and all(0 < s <= 1 for s in out)
    except (TypeError, ValueError):
        out, ok = (), False
    if not ok:
        issues.append(Issue(field="shares", expected="shares of the area flagged, each above "
                            "0 and at most 1", got=shares, fix="e.g. shares=(0.01, 0.05, 0.1)"))
    return out


def _flag(order: np.ndarray, size: np.ndarray, share: float) -> np.ndarray:
    """Positions flagged: in ``order`` until the flagged size reaches ``share`` of all."""
    total = size.sum()
    cum = np.cumsum(size[order])
    k = int(np.searchsorted(cum, share * total * (1 - 1e-12), side="left")) + 1
    return order[:min(k, len(order))]


def measures(predicted, actual, size, *, shares: Sequence[float] = SHARES) -> pd.DataFrame:
    """Hit rate, PAI and PEI* of one forecast of one layer of units in one period.

    Parameters
    ----------
    predicted : array of float
        Predicted density of each unit (expected problems per km² or per km): the ranking.
    actual : array of int
        Problems each unit actually had in the period.
    size : array of float
        Each unit's size (km² of a cell, km of a corridor), above 0.
    shares : sequence of float, default (0.01, 0.05, 0.10), keyword-only
        Shares of the total size to flag.

    Returns
    -------
    DataFrame
        One row per share: ``share``, ``flagged`` (units), ``area_share`` (the size share
        actually flagged), ``caught`` (problems in flagged units), ``n`` (all problems),
        ``hit_rate``, ``pai``, ``pei`` (see the module).

    Raises
    ------
    InputError
        Arrays of different lengths, sizes not above 0, negative counts, or bad shares.

    Examples
    --------
    Two cells of four flagged at 50 %: the ranking catches 1 + 5 of 10 problems.

    >>> import numpy as np
    >>> m = measures([4., 3., 2., 1.], [1, 5, 0, 4], [1., 1., 1., 1.], shares=[0.5])
    >>> float(m["hit_rate"][0]), float(m["pai"][0]), round(float(m["pei"][0]), 3)
    (0.6, 1.2, 0.667)
    """
    issues: list[Issue] = []
    shares = check_shares(shares, issues)
    pred = np.asarray(predicted, dtype=float)
    act = np.asarray(actual, dtype=float)
    sz = np.asarray(size, dtype=float)
    if not (pred.shape == act.shape == sz.shape) or pred.ndim != 1:
        issues.append(Issue(field="predicted", expected="predicted, actual and size of the "
                            "same length", got=(pred.shape, act.shape, sz.shape),
                            fix="pass one value per unit in each"))
    elif len(sz) and not (sz > 0).all():
        issues.append(Issue(field="size", expected="sizes above 0", got=int((~(sz > 0)).sum()),
                            fix="drop units without area or length"))
    elif (act < 0).any() or np.isnan(act).any():
        issues.append(Issue(field="actual", expected="counts of 0 or more",
                            fix="pass the problems found per unit"))
    if issues:
        raise InputError(issues)
    pred = np.where(np.isfinite(pred), pred, -np.inf)
    n = act.sum()
    total = sz.sum()
    order = np.argsort(-pred, kind="stable")
    best = np.argsort(-(act / sz), kind="stable")
    rows = []
    for s in shares:
        f = _flag(order, sz, s)
        b = _flag(best, sz, s)
        a_share = sz[f].sum() / total
        caught = act[f].sum()
        if n > 0:
            hit = caught / n
            pai = hit / a_share
            pai_best = (act[b].sum() / n) / (sz[b].sum() / total)
            pei = pai / pai_best
        else:
            hit = pai = pei = np.nan
        rows.append((s, len(f), a_share, caught, n, hit, pai, pei))
    return pd.DataFrame(rows, columns=["share", "flagged", "area_share", "caught", "n",
                                       "hit_rate", "pai", "pei"]).astype(
        {"flagged": int, "caught": float, "n": float})
