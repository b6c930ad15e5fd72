"""Join problems to the units responsible for them: the ledger.

One ledger row per problem per unit layer (grid, road, river) it falls in, and one row
with an empty ``unit_id`` and reason ``outside_units`` for a problem in no unit at all,
or ``no_location`` for a problem with no geometry (nothing is dropped). Units may come in
any CRS: they are brought to one metric CRS (centre lines included, see
:func:`geozz.schema.conform_units`) and ``distance_m`` is always in metres.
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

from .errors import CRSError, InputError, InvariantError, Issue, SchemaError
from .problems import PERSONAL_FIELDS
from .schema import conform_units, located, plausibility_issues
from .units import REGISTRY, UNIT_TYPES

__all__ = ["assign", "LEDGER_COLUMNS", "REASONS"]

LEDGER_COLUMNS = ["problem_id", "unit_id", "unit_type", "distance_m", "reason"]
REASONS = ("inside", "shared_border", "nearest_centerline", "outside_units", "no_location")
#: Problem fields never copied into the ledger (besides the personal ones): free text.
FREE_TEXT = ("description",)


def _check(problems: gpd.GeoDataFrame) -> None:
    """Problems: a GeoDataFrame with a plausible CRS and unique, non-empty ids."""
    where = "problems given to assign()"
    if not isinstance(problems, gpd.GeoDataFrame):
        raise SchemaError(Issue(file=where, expected="a GeoDataFrame of problems",
                                got=type(problems).__name__, fix="use gz.read_problems"))
    issues, crs_issues = [], []
    if problems.crs is None:
        crs_issues.append(Issue(file=where, field="crs", expected="problems with a CRS",
                                fix="use gz.read_problems, or .set_crs(4326) for lon/lat"))
    else:
        crs_issues += plausibility_issues(problems.geometry, problems.crs, where=where)
    ids = problems.index.to_series()
    if ids.isna().any() or ids.astype(str).str.strip().eq("").any():
        issues.append(Issue(file=where, field="problem_id", expected="non-empty problem ids",
                            fix="read the records with gz.read_problems"))
    if not problems.index.is_unique:
        issues.append(Issue(field="problem_id", file=where, expected="unique problem ids",
                            got=problems.index[problems.index.duplicated()][:5].tolist(),
                            fix="read the records with gz.read_problems"))
    if crs_issues:
        raise (InputError if issues else CRSError)(issues + crs_issues)
    if issues:
        raise SchemaError(issues)


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
        Problems (index ``problem_id``), any CRS; projected to the units' metric CRS.
    units : GeoDataFrame
        Units (index ``unit_id``) with ``unit_type`` and, for roads and rivers,
        ``centerline``, in any CRS (checked by :func:`geozz.schema.check_units`).

    Returns
    -------
    DataFrame
        The ledger: ``problem_id``, ``unit_id`` (``<NA>`` when outside every unit),
        ``unit_type``, ``distance_m`` (to the centreline, roads and rivers), ``reason``
        (``inside``, ``shared_border``, ``nearest_centerline``, ``outside_units``,
        ``no_location``), then the problem's own fields without geometry, personal
        fields (``reporter``, ``phone``) or free text (``description``). Sorted by
        problem, then unit type in the order grid, road, river.

    Raises
    ------
    SchemaError, CRSError, InputError
        Units that break their contract (every problem listed); problems that are not
        a GeoDataFrame, have no CRS or one their coordinates cannot be in, or repeat or
        lack ids.
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
    _check(problems)
    units = conform_units(units, stage="assign")
    geo = problems.geometry
    present = located(geo)
    pts = geo.to_crs(units.crs).to_numpy()
    pts = np.where(present, pts, None)  # unlocated points match no unit
    parts = []
    order = {t: i for i, t in enumerate(UNIT_TYPES)}
    for utype, layer in units.groupby("unit_type", sort=False):
        found = _pick(pts, layer, grid=REGISTRY[utype].rule == "half_open")
        found["unit_type"] = utype
        parts.append(found)
    hit = pd.concat(parts, ignore_index=True) if parts else \
        pd.DataFrame(columns=["p", "unit_id", "distance_m", "reason", "unit_type"])
    none = np.setdiff1d(np.arange(len(pts)), hit["p"].to_numpy())
    outside = pd.DataFrame({"p": none, "unit_id": pd.NA, "distance_m": np.nan,
                            "reason": np.where(present[none], "outside_units", "no_location"),
                            "unit_type": pd.NA})
    ledger = pd.concat([hit, outside], ignore_index=True)
    ledger["problem_id"] = problems.index.to_numpy()[ledger["p"].to_numpy().astype(int)]
    ledger["_o"] = ledger["unit_type"].map(order).fillna(len(order))
    ledger = ledger.sort_values(["problem_id", "_o"], kind="stable")
    ledger = ledger.astype({"unit_id": "string", "unit_type": "string", "reason": "string",
                            "problem_id": "string", "distance_m": "float64"})
    private = [c for c in (*PERSONAL_FIELDS, *FREE_TEXT) if c in problems.columns]
    fields = pd.DataFrame(problems.drop(columns=[problems.geometry.name, *private]))
    fields = fields.drop(columns=[c for c in LEDGER_COLUMNS if c in fields.columns])
    fields.index = fields.index.astype("string")
    ledger = ledger[LEDGER_COLUMNS].join(fields, on="problem_id").reset_index(drop=True)
    missing = set(problems.index.astype(str)) - set(ledger["problem_id"])
    if missing or ledger["problem_id"].nunique() != len(problems):
        raise InvariantError(f"assign lost {len(missing)} problems, e.g. {sorted(missing)[:5]}")
    return ledger
