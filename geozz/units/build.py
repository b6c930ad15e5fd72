"""All unit layers of an area in one GeoDataFrame (:func:`build_units`), and their coverage.

Examples
--------
>>> import geozz as gz
>>> area = gz.datasets.longgang()
>>> units = build_units(area, grid_size=500, unit_types=["river", "grid"])
>>> units["unit_type"].unique().tolist()  # always in registry order
['grid', 'river']
"""

from __future__ import annotations

from typing import Iterable

import geopandas as gpd
import pandas as pd
import shapely

from ..area import Area
from ..errors import InputError, Issue
from .base import _as_polygon, _number_issues, metric_crs
from .grid import grid
from .registry import GRID, RIVER, ROAD, UNIT_TYPES
from .river import river_reaches
from .road import road_corridors

__all__ = ["build_units", "coverage"]


def build_units(area: Area, *, grid_size: float = 200, road_width: float = 30,
                river_width: float = 50, reach_length: float = 1000,
                unit_types: Iterable[str] = UNIT_TYPES, crs=None) -> gpd.GeoDataFrame:
    """Grid, road and river units of an :class:`~geozz.area.Area` in one GeoDataFrame.

    Parameters
    ----------
    area : Area
        From :func:`geozz.read_osm` or :mod:`geozz.datasets`.
    grid_size : float, default 200
        Grid cell side, metres.
    road_width, river_width : float, default 30 and 50
        Corridor half-widths, metres.
    reach_length : float, default 1000
        Target river reach length, metres.
    unit_types : iterable of {"grid", "road", "river"}
        Which layers to build.
    crs : optional
        Metric CRS; default the UTM zone of the area.

    Returns
    -------
    GeoDataFrame
        Units indexed by ``unit_id``, rows ordered grid, road, river.

    Examples
    --------
    >>> import geozz as gz
    >>> units = gz.build_units(gz.datasets.longgang(), grid_size=500)
    >>> units.groupby("unit_type").size().to_dict()
    {'grid': 74, 'river': 2, 'road': 30}
    """
    issues = []
    if not isinstance(area, Area):
        issues.append(Issue(field="area", expected="a geozz Area", got=type(area).__name__,
                            fix="use gz.read_osm(path) or gz.datasets.longgang()"))
    issues += _number_issues({"grid_size": grid_size, "road_width": road_width,
                              "river_width": river_width, "reach_length": reach_length})
    if isinstance(unit_types, str):
        unit_types = [unit_types]
    try:
        unit_types = list(unit_types)
    except TypeError:
        issues.append(Issue(field="unit_types", expected=f"a list drawn from {UNIT_TYPES}",
                            got=unit_types, fix=f"e.g. unit_types={list(UNIT_TYPES[:2])}"))
        unit_types = []
    else:
        issues += [Issue(field="unit_types", expected=f"one of {UNIT_TYPES}", got=t,
                         fix="choose from the valid names") for t in unit_types
                   if not isinstance(t, str) or t not in UNIT_TYPES]
        if not unit_types:
            issues.append(Issue(field="unit_types", expected=f"at least one of {UNIT_TYPES}",
                                got=[], fix=f"e.g. unit_types={list(UNIT_TYPES[:1])}"))
    if crs is not None:
        try:
            metric_crs(gpd.GeoSeries([], crs=4326), crs=crs)
        except InputError as exc:
            issues += [i for i in exc.issues if isinstance(i, Issue)]
    if issues:
        raise InputError(issues)
    target = metric_crs(area.boundary, crs=crs)
    parts = []
    if GRID.name in unit_types:
        parts.append(grid(area.boundary, size=grid_size, admin=area.name, crs=target))
    if ROAD.name in unit_types:
        parts.append(road_corridors(area.roads, area.boundary, width=road_width,
                                    admin=area.name, crs=target))
    if RIVER.name in unit_types:
        parts.append(river_reaches(area.rivers, area.boundary, reach_length=reach_length,
                                   width=river_width, admin=area.name, crs=target))
    units = pd.concat(parts)
    units = gpd.GeoDataFrame(units, geometry="geometry", crs=target)
    units["centerline"] = gpd.GeoSeries(units["centerline"], crs=target, index=units.index)
    units.index.name = "unit_id"
    if not units.index.is_unique:  # two roads whose names hash alike: never silently merge
        dup = units.index[units.index.duplicated()].tolist()
        raise InputError(Issue(field="unit_id", expected="unique unit ids", got=dup[:5],
                               fix="rename one of the roads or rivers involved"))
    return units


def coverage(units: gpd.GeoDataFrame, boundary) -> pd.DataFrame:
    """How much of the boundary each unit type covers, and how much units overlap.

    Parameters
    ----------
    units : GeoDataFrame
        Units.
    boundary : GeoDataFrame, GeoSeries, shapely geometry or bbox tuple
        The district.

    Returns
    -------
    DataFrame
        Indexed by ``unit_type``: ``units`` (count), ``area_m2`` (sum of unit areas),
        ``covered_m2`` (area of their union inside the boundary) and ``share``
        (covered / boundary area).

    Examples
    --------
    >>> import geozz as gz
    >>> area = gz.datasets.longgang()
    >>> cov = coverage(gz.build_units(area, grid_size=500), area.boundary)
    >>> round(float(cov.loc["grid", "share"]), 6)
    1.0
    """
    poly, _ = _as_polygon(boundary, units.crs)
    rows = {}
    for utype, group in units.groupby("unit_type"):
        covered = shapely.intersection(shapely.union_all(group.geometry.values), poly).area
        rows[utype] = {"units": len(group), "area_m2": float(group.geometry.area.sum()),
                       "covered_m2": covered, "share": covered / poly.area}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "unit_type"
    return out
