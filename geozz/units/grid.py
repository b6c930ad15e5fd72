"""Grid cells (网格): square cells aligned to multiples of their size, or H3 hexagons.

Square cells are aligned to multiples of their size in the metric CRS; hexagons are the
cells of the H3 grid (https://h3geo.org), so their ids are H3 indexes any H3 tool reads.
Both are clipped to the boundary and tile it with no gap and no overlap.

Examples
--------
>>> from shapely.geometry import box
>>> cells = grid(box(114.20, 22.68, 114.21, 22.69), size=500)
>>> cells["unit_type"].unique().tolist(), len(cells)
(['grid'], 9)
>>> hexes = grid(box(114.20, 22.68, 114.21, 22.69), shape="hex", h3_resolution=8)
>>> len(hexes), hexes.index[0], hexes["name"].iloc[0]
(6, '88411c1533fffff', '网格 H0001')
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from ..errors import InputError, Issue
from ..tables.unit_types import GRID
from .base import _as_polygon, _frame, _number_issues

__all__ = ["grid", "GRID_SHAPES", "h3_resolution_for"]

#: the cell shapes :func:`grid` builds
GRID_SHAPES = ("square", "hex")
#: the H3 resolutions a grid may use (res 15 cells are under a square metre)
H3_RESOLUTIONS = range(0, 16)


def h3_resolution_for(size: float) -> int:
    """The H3 resolution whose average hexagon area is nearest ``size ** 2`` m².

    Nearest on a log scale, so a hexagonal grid has about as many cells as the square grid
    of the same ``size`` (size 200 m gives resolution 9, average area 0.105 km²; the
    square cells are 0.04 km², and resolution 10's 0.015 km² is a hair further away).

    Examples
    --------
    >>> h3_resolution_for(200), h3_resolution_for(100), h3_resolution_for(2000)
    (9, 10, 7)
    """
    import h3  # only hexagonal grids need it

    target = math.log(float(size) ** 2)
    return min(H3_RESOLUTIONS,
               key=lambda r: (abs(math.log(h3.average_hexagon_area(r, "m^2")) - target), r))


def _shape_issues(shape, h3_resolution) -> list[Issue]:
    """The problems of ``shape=`` and ``h3_resolution=``, collected."""
    issues = []
    if not isinstance(shape, str) or shape not in GRID_SHAPES:
        issues.append(Issue(field="shape", expected=f"one of {GRID_SHAPES}", got=shape,
                            fix="use shape='square' or shape='hex'"))
    if h3_resolution is not None:
        if (isinstance(h3_resolution, (bool, np.bool_))
                or not isinstance(h3_resolution, (int, np.integer))
                or h3_resolution not in H3_RESOLUTIONS):
            issues.append(Issue(field="h3_resolution", expected="an integer from 0 to 15",
                                got=h3_resolution,
                                fix="e.g. h3_resolution=9 (cells of about 0.1 km²), or leave "
                                    "it out to choose it from size="))
        elif shape != "hex":
            issues.append(Issue(field="h3_resolution", expected="only with shape='hex'",
                                got=h3_resolution, fix="pass shape='hex' too, or drop "
                                                       "h3_resolution="))
    return issues


def grid(boundary, *, size: float = 200, shape: str = "square", admin: str = "",
         crs=None, min_area: float = 1.0, h3_resolution: int | None = None
         ) -> gpd.GeoDataFrame:
    """Grid cells over a boundary, clipped to it (网格): squares or H3 hexagons.

    Cells are aligned to multiples of ``size`` in the metric CRS, so a cell's id
    ``G{size}-E{i}-N{j}`` (``i = floor(x / size)``, ``j = floor(y / size)``) is the same
    in every run and for every boundary that contains it. Cells are half-open,
    ``[x0, x0 + size) × [y0, y0 + size)``: a point on a shared border belongs to the cell
    east or north of it (this is what :func:`geozz.assign` applies).

    ``shape="hex"`` builds the cells of the H3 grid at ``h3_resolution`` (default: the
    resolution whose average cell area is nearest ``size²``, see
    :func:`h3_resolution_for`). Every H3 cell that overlaps the boundary is kept and
    clipped to it; the cell id is the H3 index itself (``"89411c02dc3ffff"``), so offices
    can exchange cells with any H3 tool. A cell's corners are the H3 vertexes, which
    neighbouring cells share exactly, so the cells tile the boundary with no gap and no
    overlap. Names count cells west→east, south→north like the square ones.

    Parameters
    ----------
    boundary : GeoDataFrame, GeoSeries, shapely geometry or bbox tuple
        The area to cover (WGS-84 for a bare geometry or bbox).
    size : float, default 200
        Cell side in metres (200 m gives the "万米单元网格" scale of 40,000 m²); for
        hexagons it chooses the H3 resolution unless ``h3_resolution`` is given.
    shape : {"square", "hex"}
        Square cells, or H3 hexagons.
    admin : str
        Admin area written to the ``admin`` column.
    crs : optional
        Metric CRS to work in; default the UTM zone of the boundary.
    min_area : float, default 1.0
        Clipped slivers smaller than this (m²) are dropped.
    h3_resolution : int, optional
        The H3 resolution (0–15) of hexagonal cells; only with ``shape="hex"``.

    Returns
    -------
    GeoDataFrame
        Units with ``unit_type == "grid"``; hexagonal grids say their resolution in
        ``attrs["h3_resolution"]``.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> cells = grid(box(114.20, 22.68, 114.21, 22.69), size=500)
    >>> len(cells), cells.index[0]
    (9, 'G500-E424-N5021')
    """
    issues = _number_issues({"size": size, "min_area": min_area}, zero_ok=["min_area"])
    issues += _shape_issues(shape, h3_resolution)
    if issues:
        raise InputError(issues)
    poly, target = _as_polygon(boundary, crs)
    if shape == "hex":
        res = int(h3_resolution) if h3_resolution is not None else h3_resolution_for(size)
        return _hex_grid(poly, target, res, admin=admin, min_area=min_area)
    minx, miny, maxx, maxy = poly.bounds
    i0, j0 = math.floor(minx / size), math.floor(miny / size)
    i1, j1 = math.ceil(maxx / size), math.ceil(maxy / size)
    ii, jj = np.meshgrid(np.arange(i0, i1), np.arange(j0, j1))
    ii, jj = ii.ravel(), jj.ravel()
    boxes = shapely.box(ii * size, jj * size, (ii + 1) * size, (jj + 1) * size)
    keep, clipped, areas = _clip_cells(poly, boxes, min_area)
    ii, jj = ii[keep], jj[keep]
    s = int(size) if float(size).is_integer() else size
    ids = [f"{GRID.id_prefix}{s}-E{i}-N{j}" for i, j in zip(ii, jj)]
    names = [f"{GRID.zh} {i - i0 + 1:03d}-{j - j0 + 1:03d}" for i, j in zip(ii, jj)]
    return _frame({
        "unit_type": GRID.name, "name": names, "admin": admin,
        "length_m": np.nan, "area_m2": areas, "responsible": "",
        "geometry": clipped, "centerline": [None] * len(ids),
    }, target, ids)


def _clip_cells(poly, cells: np.ndarray, min_area: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells clipped to ``poly``: which cells are kept (a boolean mask over ``cells``),
    their clipped polygons and areas. Cells outside, and clipped slivers smaller than
    ``min_area``, are dropped; only the polygonal part of a clipped cell is kept."""
    shapely.prepare(poly)
    keep = shapely.intersects(poly, cells)
    full = shapely.contains_properly(poly, cells)
    part = keep & ~full
    clipped = cells.copy()
    clipped[part] = shapely.intersection(cells[part], poly)
    clipped[part] = np.array([g if g.geom_type in ("Polygon", "MultiPolygon") else
                              shapely.union_all([p for p in shapely.get_parts(g)
                                                 if p.geom_type == "Polygon"])
                              for g in clipped[part]], dtype=object)
    areas = np.where(keep, shapely.area(clipped), 0.0)
    keep &= areas >= min_area
    return keep, clipped[keep], areas[keep]


def _hex_grid(poly: BaseGeometry, target: CRS, res: int, *, admin: str,
              min_area: float) -> gpd.GeoDataFrame:
    """H3 cells at ``res`` over ``poly`` (metric CRS ``target``), clipped to it."""
    import h3  # only hexagonal grids need it

    to_wgs = Transformer.from_crs(target, 4326, always_xy=True)
    to_metric = Transformer.from_crs(4326, target, always_xy=True)
    wgs = shapely.transform(poly, lambda xy: np.column_stack(to_wgs.transform(*xy.T)))
    cells: set[str] = set()
    for part in shapely.get_parts(wgs):
        if part.is_empty:
            continue
        shape = h3.geo_to_h3shape(part)
        cells.update(h3.h3shape_to_cells_experimental(shape, res, contain="overlap"))
    # H3 decides "overlap" on its own cell shapes; geozz draws straight edges between the
    # H3 vertexes in the metric CRS, which may bulge past a cell's edge by millimetres. The
    # ring of neighbours closes any gap that leaves; cells that do not reach the boundary
    # are dropped below, so the ring costs nothing else.
    cells.update(c for cell in list(cells) for c in h3.grid_disk(cell, 1))
    ids = np.array(sorted(cells), dtype=object)
    vertex_xy: dict[str, tuple[float, float]] = {}
    rings = []
    for cell in ids:
        ring = []
        for v in h3.cell_to_vertexes(cell):
            if v not in vertex_xy:
                lat, lng = h3.vertex_to_latlng(v)
                vertex_xy[v] = (lng, lat)
            ring.append(vertex_xy[v])
        rings.append(ring)
    # project each shared vertex once: neighbours keep exactly the same corners
    keys = list(vertex_xy)
    xs, ys = to_metric.transform(*np.array([vertex_xy[k] for k in keys]).T)
    metric = dict(zip(keys, zip(xs, ys)))
    hexes = np.array([shapely.Polygon([metric[v] for v in h3.cell_to_vertexes(cell)])
                      for cell in ids], dtype=object)
    keep, clipped, areas = _clip_cells(poly, hexes, min_area)
    ids, hexes = ids[keep], hexes[keep]
    # names: a serial number in reading order, rows (of about one cell's height) from the
    # south, west→east within a row
    centres = shapely.centroid(hexes)
    cx, cy = shapely.get_x(centres), shapely.get_y(centres)
    height = math.sqrt(h3.average_hexagon_area(res, "m^2"))
    row = np.floor((cy - cy.min()) / height) if len(ids) else cy
    order = np.lexsort((cx, row))
    serial = np.empty(len(ids), dtype=int)
    serial[order] = np.arange(1, len(ids) + 1)
    names = np.array([f"{GRID.zh} H{k:04d}" for k in serial], dtype=object)
    out = _frame({
        "unit_type": GRID.name, "name": names[order], "admin": admin,
        "length_m": np.nan, "area_m2": areas[order], "responsible": "",
        "geometry": clipped[order], "centerline": [None] * len(ids),
    }, target, ids[order])
    out.attrs["h3_resolution"] = res
    return out
