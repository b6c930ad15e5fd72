"""Join problems to the units responsible for them: the ledger.

One ledger row per problem per unit layer (grid, road, river) it falls in, and one row
with an empty ``unit_id`` and reason ``outside_units`` for a problem in no unit at all,
or ``no_location`` for a problem with no geometry (nothing is dropped). Units may come in
any CRS: they are brought to one metric CRS (centre lines included, see
:func:`geozz.tables.units.conform_units`) and ``distance_m`` is always in metres.
The rules where a point could belong to several units of one layer:

- **grid**: cells are half-open, ``[x0, x1) × [y0, y1)``: a point on a shared border
  goes to the cell east of it, and on a horizontal border to the cell north of it
  (reason ``shared_border``). For cells of any shape (an office's own grid) the rule is
  applied as: the cell whose centroid lies furthest east, then furthest north.
- **road** and **river**: the unit with the nearest centreline wins (reason
  ``nearest_centerline``; ties go to the smaller ``unit_id``). ``distance_m`` is the
  distance to the chosen centreline.

How the units are found (the rules above are the same on every path):

- grid cells geozz built (id ``G{size}-E{i}-N{j}``, geometry the box of ``i``, ``j``
  or a clipped part of it, in the CRS they were built in) by index arithmetic,
  :mod:`geozz.assignment.grid`;
- other cells, through a spatial index of the polygons, :mod:`geozz.assignment.polygons`;
- corridors and reaches, through the spatial index of their polygons, then the distance
  to the centre lines of the units holding the point, :mod:`geozz.assignment.corridors`;
- the ledger, :mod:`geozz.assignment.ledger`.

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

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..errors import InputError, InvariantError, Issue
from ..tables.ledger import LEDGER_COLUMNS, LEDGER_FIELDS, REASONS
from ..tables.problems import check_problems, problem_order
from ..tables.unit_types import REGISTRY, UNIT_TYPES
from ..tables.units import conform_units
from . import checks  # noqa: F401
from .checks import Finding, sanity_checks
from .corridors import corridors_picked
from .grid import cells_picked
from .ledger import build
from .polygons import Points, points_of, taken

__all__ = ["LEDGER_COLUMNS", "LEDGER_FIELDS", "REASONS", "assign", "sanity_checks",
           "Finding"]


def _located(problems: gpd.GeoDataFrame) -> tuple[Points, np.ndarray, tuple | None]:
    """The problems' locations read once: points (in the problems' CRS), which problems
    are located (a geometry present and not empty) and the bounds of those (None: none)."""
    arr = np.asarray(problems.geometry.to_numpy(), dtype=object)
    pts = points_of(arr)
    present = np.zeros(len(arr), dtype=bool)
    present[pts.at] = True
    present[pts.other] = True
    rest = np.flatnonzero(~present)
    present[rest] = ~(shapely.is_missing(arr[rest]) | shapely.is_empty(arr[rest]))
    if not present.any():
        return pts, present, None
    if len(pts.at) == len(arr):  # points only: their coordinates are the bounds
        return pts, present, (pts.x.min(), pts.y.min(), pts.x.max(), pts.y.max())
    b = shapely.bounds(arr[present])
    with np.errstate(invalid="ignore"):
        return pts, present, (np.nanmin(b[:, 0]), np.nanmin(b[:, 1]), np.nanmax(b[:, 2]),
                              np.nanmax(b[:, 3]))


#: working memory of assign per problem, beyond the problems and the ledger (points,
#: picks, orders; measured on 1 M problems against a grid)
WORK_BYTES_PER_PROBLEM = 120


def assign(problems: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *,
           engine: str | None = None, scheduler=None, out=None,
           partition_rows: int | None = None, check_memory: bool = True):
    """Join every problem to its unit in each unit layer; nothing is dropped.

    Parameters
    ----------
    problems : GeoDataFrame
        Problems (index ``problem_id``), any CRS; projected to the units' metric CRS.
    units : GeoDataFrame
        Units (index ``unit_id``) with ``unit_type`` and, for roads and rivers,
        ``centerline``, in any CRS (checked by :func:`geozz.tables.units.check_units`).
    engine : {None, "dask"}, default None
        None: this process. ``"dask"``: partitions of the problems assigned by this same
        function on a ``distributed`` cluster (:mod:`geozz.assignment.on_dask`); then
        ``problems`` may also be a dask-geopandas GeoDataFrame or a problems dataset
        folder (:func:`geozz.tables.problems.write_partitioned`) and ``units`` a
        GeoParquet file. The ledger is the same, row for row.
    scheduler : str or distributed.Client, optional
        With ``engine="dask"``: a scheduler's address (``"tcp://host:8786"``) or a
        client; default the current client or a new LocalCluster (a worker per CPU).
    out : str or Path, optional
        With ``engine="dask"``: write the ledger there as a dataset partitioned by month
        (:func:`geozz.tables.ledger.write_partitioned`) and return the folder.
    partition_rows : int, optional
        With ``engine="dask"``: problems per partition when a GeoDataFrame is split
        (default 1,000,000).
    check_memory : bool, default True
        With one process: refuse up front (``InputError`` naming ``engine="dask"``)
        when the ledger will not fit in the memory available; False tries anyway.
        ``problems`` may be a dataset folder here too (read whole, checked first).

    Returns
    -------
    DataFrame
        The ledger: ``problem_id``, ``unit_id`` (``<NA>`` when outside every unit),
        ``unit_type``, ``distance_m`` (to the centreline, roads and rivers), ``reason``
        (``inside``, ``shared_border``, ``nearest_centerline``, ``outside_units``,
        ``no_location``), then those of the problem fields in :data:`LEDGER_FIELDS`
        (``category``, ``found_at``, ``source``, ``status``, ``deadline``,
        ``rectified_at`` and the lifecycle fields) the problems have, and nothing else:
        no personal fields, free text or other columns of the input. Sorted by problem
        id, then unit type in the order grid, road, river.

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
    if engine is not None or out is not None or partition_rows is not None \
            or scheduler is not None:
        from .._dask import check_engine

        if check_engine(engine) != "dask":
            raise InputError(Issue(field="engine",
                                   expected='engine="dask" with this option', got=engine,
                                   fix='pass engine="dask", or leave the option out'))
        from .on_dask import PARTITION_ROWS, assign_dask

        return assign_dask(problems, units, scheduler=scheduler, out=out,
                           partition_rows=partition_rows or PARTITION_ROWS)
    if isinstance(problems, (str, Path)):  # a problems dataset, read whole
        from ..tables.problems import read_partitioned

        problems = read_partitioned(problems, check_memory=check_memory)
    if not isinstance(problems, gpd.GeoDataFrame):
        check_problems(problems, stage="assign", located=True)  # raises
    units = conform_units(units, stage="assign")
    if check_memory:
        from .._memory import check_fits
        from ..tables.ledger import BYTES_PER_ROW

        layers = max(1, units["unit_type"].nunique()) if "unit_type" in units else 1
        check_fits(len(problems) * (layers * BYTES_PER_ROW + WORK_BYTES_PER_PROBLEM),
                   what=f"assigning {len(problems):,} problems to {layers} unit layers",
                   field="engine")
    own, present, bounds = _located(problems)
    check_problems(problems, stage="assign", located=True, bounds=bounds)
    order = problem_order(problems.index)[0]  # the order of the ledger
    if CRS.from_user_input(problems.crs) == CRS.from_user_input(units.crs):
        pts = own  # read once: no copy of the geometries
    else:
        geo = problems.geometry
        pts = np.asarray(geo.to_crs(units.crs).to_numpy(), dtype=object)
        pts = points_of(np.where(present, pts, None))  # unlocated points match no unit
    geoms = np.asarray(units.geometry.to_numpy(), dtype=object)
    ids = np.asarray(units.index.to_numpy(), dtype=object)
    types = units["unit_type"].to_numpy()
    lines = np.asarray(units["centerline"].to_numpy(), dtype=object) \
        if "centerline" in units.columns else None
    layers = []
    for utype in UNIT_TYPES:
        at = np.flatnonzero(types == utype)
        if not len(at):
            continue
        if REGISTRY[utype].rule == "half_open":
            pick = cells_picked(pts, geoms[at], ids=ids[at])
        else:
            pick = corridors_picked(pts, geoms[at], ids=ids[at],
                                    centre=None if lines is None else lines[at])
        layers.append((utype, pick._replace(unit=taken(at, pick.unit, -1))))
    ledger, rows = build(problems, layers, units.index.astype("string").array, present,
                         order=order)
    seen = np.zeros(len(problems), dtype=bool)
    seen[rows] = True
    if not seen.all():
        lost = problems.index[~seen]
        raise InvariantError(f"assign lost {len(lost)} problems, e.g. "
                             f"{[str(v) for v in lost[:5]]}")
    return ledger
