"""Ranks, changes against the previous period, and red and black lists.

Rules:

* ``rank``: 1 = best, within unit type and period, on the score rounded to 2 decimals;
  ties share the best place and the next place is skipped (``method="min"``: 100, 97, 97,
  93 rank 1, 2, 2, 4). Units without a score have no rank.
* ``rank_admin``: the same within unit type, period and admin area (the most specific
  of ``admin_community``, ``admin_street``, ``admin`` the units carry; units with an
  empty area have none).
* ``score_delta`` / ``stars_change``: the change from the unit's previous period
  (``stars_change`` +1 up, 0 same, -1 down); empty when either period has no score.
* ``list``: ``"red"`` for the best ``lists`` places of a unit type and period (a unit
  whose rank is at most ``lists``, so ties at the edge all come in), ``"black"`` for the
  worst ``lists`` places counted from the bottom the same way, unless already red (a
  type where every unit ties has a red list only); ``""`` otherwise.

Examples
--------
>>> import pandas as pd
>>> r = pd.DataFrame({"period": "2024-05", "unit_type": "grid",
...                   "score": [100, 97, 97, 93, None]})
>>> rank(r, ["period", "unit_type"]).tolist()
[1, 2, 2, 4, <NA>]
>>> lists(r, 1).tolist()
['red', '', '', 'black', '']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ADMIN_COLUMNS", "admin_column", "changes", "lists", "rank"]

#: admin columns, most specific first (rank_admin uses the first the units carry)
ADMIN_COLUMNS = ("admin_community", "admin_street", "admin")


def admin_column(units) -> str | None:
    """The most specific admin column present with at least one area in it."""
    for col in ADMIN_COLUMNS:
        if col in units and units[col].fillna("").astype(str).str.strip().ne("").any():
            return col
    return None


def rank(frame: pd.DataFrame, by: list[str], *, ascending: bool = False) -> pd.Series:
    """Rank (Int64, 1 = best) of the rounded score within the groups ``by``."""
    score = frame["score"].astype(float).round(2)
    keys = [frame[c] for c in by]
    r = score.groupby(keys, sort=False, dropna=False).rank(method="min", ascending=ascending)
    return r.astype("Int64")


def lists(frame: pd.DataFrame, n: int) -> pd.Series:
    """``red`` / ``black`` / ``""`` per row (see the module docstring)."""
    out = pd.Series("", index=frame.index, dtype=object)
    if n <= 0 or frame.empty:
        return out
    best = rank(frame, ["period", "unit_type"])
    worst = rank(frame, ["period", "unit_type"], ascending=True)
    red = best.le(n).fillna(False).to_numpy(bool)
    black = worst.le(n).fillna(False).to_numpy(bool) & ~red
    out[red] = "red"
    out[black] = "black"
    return out


def changes(score: np.ndarray, stars: np.ndarray, has_prev: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """``score_delta`` and ``stars_change`` from arrays shaped ``(units, periods)``.

    ``has_prev`` (per period) says whether the previous period holds any data.
    """
    prev_s = np.full_like(score, np.nan)
    prev_s[:, 1:] = score[:, :-1]
    prev_s[:, ~has_prev] = np.nan
    delta = np.round(score - prev_s, 2)
    prev_n = np.full_like(stars, np.nan)
    prev_n[:, 1:] = stars[:, :-1]
    prev_n[:, ~has_prev] = np.nan
    change = np.sign(stars - prev_n)
    return delta, change
