"""Join problems to the units responsible for them: the ledger.

One ledger row per problem per unit layer (grid, road, river) it falls in, and one row
with an empty ``unit_id`` and reason ``outside_units`` for a problem in no unit at all.
The rules where a point could belong to several units of one layer:

- **grid**: cells are half-open, ``[x0, x1) × [y0, y1)``: a point on a shared border
  goes to the cell east of it, and on a horizontal border to the cell north of it
  (reason ``shared_border``). For cells of any shape (an office's own grid) the rule is
  applied as: the cell whose centroid lies furthest east, then furthest north.
- **road** and **river**: the unit with the nearest centreline wins (reason
  ``nearest_centerline``; ties go to the smaller ``unit_id``). ``distance_m`` is the
  distance to the chosen centreline.

Examples
--------
>>> import geozz as gz
>>> units = gz.build_units(gz.datasets.longgang())
>>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
>>> ledger = gz.assign(problems, units)
>>> set(ledger["problem_id"]) == set(problems.index)
True
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import InputError, InvariantError, Issue, SchemaError

__all__ = ["assign", "LEDGER_COLUMNS", "REASONS"]

LEDGER_COLUMNS = ["problem_id", "unit_id", "unit_type", "distance_m", "reason"]
REASONS = ("inside", "shared_border", "nearest_centerline", "outside_units")


def _check(problems: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> None:
    issues = []
    if not isinstance(problems, gpd.GeoDataFrame) or problems.crs is None:
        issues.append(Issue(field="problems", expected="a GeoDataFrame with a CRS",
                            fix="use gz.read_problems"))
    if not isinstance(units, gpd.GeoDataFrame) or units.crs is None:
        issues.append(Issue(field="units", expected="a GeoDataFrame with a CRS",
                            fix="use gz.build_units or gz.read_units"))
    elif "unit_type" not in units:
        issues.append(Issue(field="unit_type", expected="a unit_type column in units",
                            fix="use gz.build_units or gz.read_units"))
    if issues:
        raise SchemaError(issues)
    if not problems.index.is_unique:
        raise InputError(Issue(field="problem_id", expected="unique problem ids",
                               got=problems.index[problems.index.duplicated()][:5].tolist(),
                               fix="read the records with gz.read_problems"))
    if not units.index.is_unique:
        raise InputError(Issue(field="unit_id", expected="unique unit ids",
                               got=units.index[units.index.duplicated()][:5].tolist(),
                               fix="give every unit its own id"))


def _pick(pts: np.ndarray, layer: gpd.GeoDataFrame, *, grid: bool) -> pd.DataFrame:
    """For each point in some unit of ``layer``, the one unit it goes to.

    Grid: the candidate whose centroid lies furthest east, then north (half-open cells).
    Roads and rivers: the nearest centreline, then the smaller ``unit_id``.
    """
    geoms = layer.geometry.to_numpy()
    p_idx, c_idx = shapely.STRtree(geoms).query(pts, predicate="intersects")
    hits = pd.DataFrame({"p": p_idx, "uid": layer.index.to_numpy()[c_idx]})
    hits["n"] = hits.groupby("p")["p"].transform("size")
    if grid:
        cent = shapely.centroid(geoms[c_idx])
        hits["cx"] = -np.round(shapely.get_x(cent), 6)
        hits["cy"] = -np.round(shapely.get_y(cent), 6)
        hits["d"] = np.nan
        keys, tie = ["p", "cx", "cy"], "shared_border"
    else:
        centre = layer["centerline"].to_numpy() if "centerline" in layer else geoms
        centre = np.where(pd.isna(centre), geoms, centre)
        hits["d"] = shapely.distance(pts[p_idx], centre[c_idx])
        keys, tie = ["p", "d", "uid"], "nearest_centerline"
    best = hits.sort_values(keys).drop_duplicates("p", keep="first")
    return pd.DataFrame({
        "p": best["p"].to_numpy(),
        "unit_id": best["uid"].to_numpy(),
        "distance_m": best["d"].to_numpy(),
        "reason": np.where(best["n"].to_numpy() > 1, tie, "inside"),
    })


def assign(problems: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Join every problem to its unit in each unit layer; nothing is dropped.

    Parameters
    ----------
    problems : GeoDataFrame
        Problems (index ``problem_id``), any CRS; projected to the units' CRS.
    units : GeoDataFrame
        Units (index ``unit_id``) with ``unit_type`` and, for roads and rivers,
        ``centerline``.

    Returns
    -------
    DataFrame
        The ledger: ``problem_id``, ``unit_id`` (``<NA>`` when outside every unit),
        ``unit_type``, ``distance_m`` (to the centreline, roads and rivers), ``reason``
        (``inside``, ``shared_border``, ``nearest_centerline``, ``outside_units``), then
        the problem's own fields (without geometry). Sorted by problem, then unit type
        in the order grid, road, river.

    Raises
    ------
    InvariantError
        If a problem would be missing from the ledger (a bug, never expected).

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import Point, box
    >>> cells = gpd.GeoDataFrame({"unit_type": ["grid", "grid"]},
    ...     geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=32650,
    ...     index=pd.Index(["W", "E"], name="unit_id"))
    >>> pts = gpd.GeoDataFrame(geometry=[Point(10, 5), Point(50, 50)], crs=32650,
    ...     index=pd.Index(["on-border", "far"], name="problem_id"))
    >>> assign(pts, cells)[["problem_id", "unit_id", "reason"]].values.tolist()
    [['far', <NA>, 'outside_units'], ['on-border', 'E', 'shared_border']]
    """
    _check(problems, units)
    pts = problems.geometry.to_crs(units.crs).to_numpy()
    parts = []
    order = {"grid": 0, "road": 1, "river": 2}
    for utype, layer in units.groupby("unit_type", sort=False):
        layer = layer[~layer.geometry.is_empty & layer.geometry.notna()]
        if layer.empty:
            continue
        found = _pick(pts, layer, grid=utype == "grid")
        found["unit_type"] = utype
        parts.append(found)
    hit = pd.concat(parts, ignore_index=True) if parts else \
        pd.DataFrame(columns=["p", "unit_id", "distance_m", "reason", "unit_type"])
    none = np.setdiff1d(np.arange(len(pts)), hit["p"].to_numpy())
    outside = pd.DataFrame({"p": none, "unit_id": pd.NA, "distance_m": np.nan,
                            "reason": "outside_units", "unit_type": pd.NA})
    ledger = pd.concat([hit, outside], ignore_index=True)
    ledger["problem_id"] = problems.index.to_numpy()[ledger["p"].to_numpy()]
    ledger["_o"] = ledger["unit_type"].map(order).fillna(9)
    ledger = ledger.sort_values(["problem_id", "_o"], kind="stable")
    ledger = ledger.astype({"unit_id": "string", "unit_type": "string", "reason": "string",
                            "problem_id": "string", "distance_m": "float64"})
    fields = pd.DataFrame(problems.drop(columns=problems.geometry.name))
    fields.index = fields.index.astype("string")
    ledger = ledger[LEDGER_COLUMNS].join(fields, on="problem_id").reset_index(drop=True)
    missing = set(problems.index) - set(ledger["problem_id"])
    if missing or ledger["problem_id"].nunique() != len(problems):
        raise InvariantError(f"assign lost {len(missing)} problems, e.g. {sorted(missing)[:5]}")
    return ledger
