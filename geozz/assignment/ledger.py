"""The ledger: a fixed set of columns, one row per problem per unit layer it falls in.

Built from the per-layer picks without joins or sorts of the rows: a boolean table
``(problem in sorted id order) x (grid, road, river, outside)`` says which rows exist,
and its row-major non-zero entries are the ledger rows, already in order. Problem fields
are taken by position. The columns are :data:`LEDGER_COLUMNS` and those of
:data:`LEDGER_FIELDS` the problems have, nothing else: the ledger is as wide for a file
of 3 columns as for one of 300.

Examples
--------
>>> LEDGER_COLUMNS
['problem_id', 'unit_id', 'unit_type', 'distance_m', 'reason']
>>> "description" in LEDGER_FIELDS, "reporter" in LEDGER_FIELDS
(False, False)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..units import REGISTRY, UNIT_TYPES
from .polygons import Picks

__all__ = [
    "LEDGER_COLUMNS",
    "LEDGER_FIELDS",
    "REASONS",
    "TIE_REASONS",
    "blank_ids",
    "build",
    "problem_order",
    "unplaced",
]

LEDGER_COLUMNS = ["problem_id", "unit_id", "unit_type", "distance_m", "reason"]
#: the problem fields the ledger carries (those the problems have): what rating reads
LEDGER_FIELDS = ("category", "found_at", "source", "status", "deadline", "rectified_at",
                 "deadline_source", "report_count", "recurrence_of", "recurrent")
REASONS = ("inside", "shared_border", "nearest_centerline", "outside_units", "no_location")
#: the reason of a row whose unit won a tie, by the unit type's rule
TIE_REASONS = {"half_open": "shared_border", "nearest_centerline": "nearest_centerline"}


def _arrow(index: pd.Index):
    """The ids as one pyarrow array when they are stored as arrow strings, else None."""
    dtype = index.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    arr = pa.array(index.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def problem_order(index: pd.Index) -> tuple[np.ndarray, list]:
    """Positions of the problems in the order of their ids, and the ids that repeat.

    The order is stable (the given order when the ids are sorted already). Ids of mixed
    kinds that do not compare (``1`` and ``"a"``) are ordered as text.

    Examples
    --------
    >>> order, repeated = problem_order(pd.Index(["b", "a", "c", "a"]))
    >>> order.tolist(), repeated
    ([1, 3, 0, 2], ['a'])
    >>> problem_order(pd.Index([2, "a", 1]))[0].tolist()
    [2, 0, 1]
    """
    n = len(index)
    arr = _arrow(index)
    if arr is not None and arr.null_count == 0:
        if n < 2 or pc.all(pc.less(arr.slice(0, n - 1), arr.slice(1))).as_py():
            return np.arange(n), []
        order = pc.sort_indices(arr)
        ids = arr.take(order)
        same = pc.equal(ids.slice(1), ids.slice(0, n - 1))
        repeated = pc.unique(ids.slice(1).filter(same)).to_pylist()
        return order.to_numpy().astype(np.int64), repeated
    repeated = index[index.duplicated()].unique().tolist()
    try:
        if index.is_monotonic_increasing:
            return np.arange(n), repeated
        return np.asarray(index.argsort(kind="stable"), dtype=np.int64), repeated
    except TypeError:
        return np.argsort(index.astype(str).to_numpy(dtype=str), kind="stable"), repeated


def blank_ids(index: pd.Index) -> bool:
    """Whether any id is missing or only white space.

    Examples
    --------
    >>> blank_ids(pd.Index(["a", " "])), blank_ids(pd.Index(["a", "b"], dtype="str"))
    (True, False)
    """
    arr = _arrow(index)
    if arr is not None:
        return arr.null_count > 0 or bool(pc.any(pc.equal(pc.utf8_trim_whitespace(arr),
                                                          "")).as_py())
    ids = index.to_series()
    return bool(ids.isna().any() or ids.astype(str).str.strip().eq("").any())


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
