"""The ledger built: one row per problem per unit layer it falls in.

Its columns are the Ledger table's (:mod:`geozz.tables.ledger`). Built from the per-layer picks without joins or sorts of the rows: a boolean table
``(problem in sorted id order) x (grid, road, river, outside)`` says which rows exist,
and its row-major non-zero entries are the ledger rows, already in order. Problem fields
are taken by position. The columns are :data:`LEDGER_COLUMNS` and those of
:data:`LEDGER_FIELDS` the problems have, nothing else: the ledger is as wide for a file
of 3 columns as for one of 300.

Examples
--------
>>> import geopandas as gpd, numpy as np
>>> from shapely.geometry import Point
>>> from geozz.assignment.polygons import Picks
>>> problems = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(5, 5)], crs=32650,
...     index=pd.Index(["a", "b"], name="problem_id"))
>>> picks = Picks(unit=np.array([0, -1]), shared=np.array([False, False]),
...     distance=np.array([np.nan, np.nan]))
>>> ledger, _ = build(problems, [("grid", picks)], pd.array(["G1"], dtype="string"),
...     np.array([True, True]))
>>> ledger[["problem_id", "unit_id", "reason"]].values.tolist()
[['a', 'G1', 'inside'], ['b', <NA>, 'outside_units']]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..tables.ledger import LEDGER_FIELDS, REASONS, TIE_REASONS
from ..tables.problems import problem_order
from ..tables.unit_types import REGISTRY, UNIT_TYPES
from .polygons import Picks

__all__ = ["build", "unplaced"]


def build(problems, layers: Sequence[tuple[str, Picks]], unit_ids: pd.api.extensions.
          ExtensionArray, located: np.ndarray, *,
          order: np.ndarray | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """The ledger of ``problems`` from the picks of each unit layer.

    Parameters
    ----------
    problems : GeoDataFrame
        The problems (index ``problem_id``).
    layers : sequence of (unit type, Picks)
        In the order of :data:`geozz.units.UNIT_TYPES`; ``Picks.unit`` holds positions in
        ``unit_ids`` (``-1``: in no unit of the layer).
    unit_ids : string array
        The ids of all units.
    located : ndarray of bool
        Which problems have a location (the others' reason is ``no_location``).
    order : ndarray of int, optional
        :func:`problem_order` of the problems, when known.

    Returns
    -------
    ledger : DataFrame
        :data:`LEDGER_COLUMNS` then the :data:`LEDGER_FIELDS` present, sorted by
        problem id, then unit type.
    rows : ndarray of int64
        The position of each row's problem in ``problems`` (for the invariant check).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> probs = gpd.GeoDataFrame({"category": ["piles", "piles"], "note": ["x", "y"]},
    ...     geometry=[Point(0, 0), None], index=pd.Index(["b", "a"], name="problem_id"))
    >>> picks = Picks(np.array([0, -1]), np.array([np.nan, np.nan]), np.array([False] * 2))
    >>> out, rows = build(probs, [("grid", picks)], pd.array(["G-1"], dtype="string"),
    ...             np.array([True, False]))
    >>> out[["problem_id", "unit_id", "reason", "category"]].values.tolist()
    [['a', <NA>, 'no_location', 'piles'], ['b', 'G-1', 'inside', 'piles']]
    >>> rows.tolist()
    [1, 0]
    """
    n = len(problems)
    order = problem_order(problems.index)[0] if order is None else order
    rows = np.zeros((n, len(layers) + 1), dtype=bool)
    for k, (_, pick) in enumerate(layers):
        rows[:, k] = pick.unit[order] >= 0
    rows[:, -1] = unplaced(rows[:, :-1])
    if (rows.sum(axis=1) == 1).all():  # one row per problem
        p, col = order, rows.argmax(axis=1)
    else:
        r, col = np.nonzero(rows)
        p = order[r]
    unit = np.full(len(p), -1, dtype=np.int64)
    dist = np.full(len(p), np.nan)
    reason = np.where(located[p], REASONS.index("outside_units"),
                      REASONS.index("no_location"))
    tcode = np.full(len(p), -1, dtype=np.int64)
    for k, (utype, pick) in enumerate(layers):
        at = np.flatnonzero(col == k)
        q = p[at]
        unit[at] = pick.unit[q]
        dist[at] = pick.distance[q]
        tie = REASONS.index(TIE_REASONS[REGISTRY[utype].rule])
        reason[at] = np.where(pick.shared[q], tie, REASONS.index("inside"))
        tcode[at] = UNIT_TYPES.index(utype)
    same = len(p) == n and bool((p == np.arange(n)).all())  # one row each, in order

    def rows_of(values):
        return values if same else values.take(p)

    out = {
        "problem_id": rows_of(problems.index.astype("string").array),
        "unit_id": unit_ids.take(unit, allow_fill=True),
        "unit_type": pd.array(UNIT_TYPES, dtype="string").take(tcode, allow_fill=True),
        "distance_m": dist,
        "reason": pd.array(REASONS, dtype="string").take(reason),
    }
    names = list(problems.columns)
    for c in LEDGER_FIELDS:
        if c in names and c != problems.geometry.name:
            out[c] = rows_of(problems.iloc[:, names.index(c)].array)
    # copy-on-write: the ledger may share the problems' columns safely
    return pd.DataFrame(out, copy=False), p


def unplaced(rows: np.ndarray) -> np.ndarray:
    """Problems in no unit of any layer (one ``outside_units``/``no_location`` row each).

    Examples
    --------
    >>> unplaced(np.array([[True, False], [False, False]])).tolist()
    [False, True]
    """
    return ~rows.any(axis=1)
