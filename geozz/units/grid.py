"""Grid cells (网格): square cells aligned to multiples of their size, clipped to a boundary.

Examples
--------
>>> from shapely.geometry import box
>>> cells = grid(box(114.20, 22.68, 114.21, 22.69), size=500)
>>> cells["unit_type"].unique().tolist(), len(cells)
(['grid'], 9)
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

from ..errors import InputError, Issue
from .base import _as_polygon, _frame, _number_issues
from .registry import GRID

__all__ = ["grid", "GRID_SHAPES"]

GRID_SHAPES = ("square",)


def grid(boundary, *, size: float = 200, shape: str = "square", admin: str = "",
         crs=None, min_area: float = 1.0) -> gpd.GeoDataFrame:
    """Square grid cells over a boundary, clipped to it (网格).

    Cells are aligned to multiples of ``size`` in the metric CRS, so a cell's id
    ``G{size}-E{i}-N{j}`` (``i = floor(x / size)``, ``j = floor(y / size)``) is the same
    in every run and for every boundary that contains it. Cells are half-open,
    ``[x0, x0 + size) × [y0, y0 + size)``: a point on a shared border belongs to the cell
    east or north of it (this is what :func:`geozz.assign` applies).

    Parameters
    ----------
    boundary : GeoDataFrame, GeoSeries, shapely geometry or bbox tuple
        The area to cover (WGS-84 for a bare geometry or bbox).
    size : float, default 200
        Cell side in metres (200 m gives the "万米单元网格" scale of 40,000 m²).
    shape : {"square"}
        Cell shape; only square cells are built so far.
    admin : str
        Admin area written to the ``admin`` column.
    crs : optional
        Metric CRS to work in; default the UTM zone of the boundary.
    min_area : float, default 1.0
        Clipped slivers smaller than this (m²) are dropped.

    Returns
    -------
    GeoDataFrame
        Units with ``unit_type == "grid"``.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> cells = grid(box(114.20, 22.68, 114.21, 22.69), size=500)
    >>> len(cells), cells.index[0]
    (9, 'G500-E424-N5021')
    """
    issues = _number_issues({"size": size, "min_area": min_area}, zero_ok=["min_area"])
    if not isinstance(shape, str) or shape not in GRID_SHAPES:
        issues.append(Issue(field="shape", expected=f"one of {GRID_SHAPES}", got=shape,
                            fix="use shape='square'"))
    if issues:
        raise InputError(issues)
    poly, target = _as_polygon(boundary, crs)
    minx, miny, maxx, maxy = poly.bounds
    i0, j0 = math.floor(minx / size), math.floor(miny / size)
    i1, j1 = math.ceil(maxx / size), math.ceil(maxy / size)
    ii, jj = np.meshgrid(np.arange(i0, i1), np.arange(j0, j1))
    ii, jj = ii.ravel(), jj.ravel()
    boxes = shapely.box(ii * size, jj * size, (ii + 1) * size, (jj + 1) * size)
    shapely.prepare(poly)
    inside = shapely.intersects(poly, boxes)
    boxes, ii, jj = boxes[inside], ii[inside], jj[inside]
    full = shapely.contains_properly(poly, boxes)
    clipped = boxes.copy()
    clipped[~full] = shapely.intersection(boxes[~full], poly)
    # keep only the polygonal part of a clipped cell
    clipped = np.array([g if g.geom_type in ("Polygon", "MultiPolygon") else
                        shapely.union_all([p for p in shapely.get_parts(g)
                                           if p.geom_type == "Polygon"])
                        for g in clipped], dtype=object)
    areas = shapely.area(clipped)
    keep = areas >= min_area
    clipped, ii, jj, areas = clipped[keep], ii[keep], jj[keep], areas[keep]
    s = int(size) if float(size).is_integer() else size
    ids = [f"{GRID.id_prefix}{s}-E{i}-N{j}" for i, j in zip(ii, jj)]
    names = [f"{GRID.zh} {i - i0 + 1:03d}-{j - j0 + 1:03d}" for i, j in zip(ii, jj)]
    return _frame({
        "unit_type": GRID.name, "name": names, "admin": admin,
        "length_m": np.nan, "area_m2": areas, "responsible": "",
        "geometry": clipped, "centerline": [None] * len(ids),
    }, target, ids)
