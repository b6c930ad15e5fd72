"""Road corridors (路段): named roads grouped by name and buffered each side.

Examples
--------
>>> import geozz as gz
>>> area = gz.datasets.longgang()
>>> roads = road_corridors(area.roads, area.boundary, width=20)
>>> roads["unit_type"].unique().tolist(), bool(roads.index.str.startswith("R-").all())
(['road'], True)
"""

from __future__ import annotations

from typing import Iterable

import geopandas as gpd
import shapely

from ..errors import InputError
from .base import COLUMNS, _as_polygon, _check_name_column, _frame, _lines, _number_issues, \
    _stable_hash
from .registry import ROAD

__all__ = ["road_corridors", "EXCLUDED_HIGHWAYS"]

#: Highway values that are not roads a road chief (路长) answers for.
EXCLUDED_HIGHWAYS = ("footway", "steps", "path", "cycleway", "bridleway", "corridor",
                     "construction", "proposed", "platform", "elevator", "bus_stop")


def road_corridors(roads: gpd.GeoDataFrame, boundary, *, width: float = 30,
                   name_field: str = "name", admin: str = "", crs=None,
                   exclude: Iterable[str] = EXCLUDED_HIGHWAYS,
                   min_length: float = 50) -> gpd.GeoDataFrame:
    """Road corridors (路段): named roads grouped by name, ``width`` metres each side.

    Parameters
    ----------
    roads : GeoDataFrame
        Road lines; unnamed lines are skipped, and so are lines whose ``highway`` value
        is in ``exclude`` (footways, steps, …) when a ``highway`` column exists.
    boundary : GeoDataFrame, GeoSeries, shapely geometry or bbox tuple
        Lines are clipped to it, and so are the corridors.
    width : float, default 30
        Buffer distance each side of the centreline, in metres ("within visible range").
    name_field : str, default "name"
        The column holding the road name.
    admin : str
        Admin area for the ``admin`` column.
    crs : optional
        Metric CRS; default the UTM zone of the boundary.
    exclude : iterable of str
        ``highway`` values that are not corridors.
    min_length : float, default 50
        Roads with less than this length inside the boundary are dropped.

    Returns
    -------
    GeoDataFrame
        Units with ``unit_type == "road"``, ids ``R-`` + a hash of the name, the merged
        ``centerline`` and its ``length_m``.

    Examples
    --------
    >>> import geozz as gz
    >>> area = gz.datasets.longgang()
    >>> roads = road_corridors(area.roads, area.boundary)
    >>> bool((roads["length_m"] >= 50).all()), roads.index.is_unique
    (True, True)
    """
    issues = _number_issues({"width": width, "min_length": min_length},
                            zero_ok=["min_length"])
    if issues:
        raise InputError(issues)
    _check_name_column(roads, name_field, "roads")
    poly, target = _as_polygon(boundary, crs)
    if roads.empty:  # an area with no roads mapped has no road units
        return _frame({k: [] for k in COLUMNS}, target, [])
    sel = roads[roads[name_field].notna() & (roads[name_field].astype(str).str.strip() != "")]
    if "highway" in sel.columns:
        sel = sel[~sel["highway"].isin(list(exclude))]
    lines = _lines(sel, target, poly)
    records = {k: [] for k in COLUMNS}
    ids = []
    for name, group in sorted(lines.groupby(lines[name_field].astype(str).str.strip()),
                              key=lambda kv: kv[0]):
        centre = shapely.line_merge(shapely.union_all(group.geometry.values))
        length = centre.length
        if length < min_length:
            continue
        ids.append(f"{ROAD.id_prefix}-{_stable_hash(name)}")
        records["unit_type"].append(ROAD.name)
        records["name"].append(name)
        records["admin"].append(admin)
        records["length_m"].append(length)
        corridor = shapely.intersection(centre.buffer(width, quad_segs=4), poly)
        records["geometry"].append(corridor)
        records["area_m2"].append(corridor.area)
        records["responsible"].append("")
        records["centerline"].append(centre)
    return _frame(records, target, ids)
