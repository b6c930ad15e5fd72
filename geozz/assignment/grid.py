"""Grid cells geozz built, found by index arithmetic: the fast path of the half-open rule.

A cell made by :func:`geozz.units.grid` has the id ``G{size}-E{i}-N{j}`` and the geometry
of the box ``(i*size, j*size, (i+1)*size, (j+1)*size)`` in the units' metric CRS, or a
part of that box where the grid was clipped to its boundary. A point ``(x, y)`` lies in
the half-open box of cell ``(floor(x/size), floor(y/size))``, and can touch only three
other boxes: those west, south and south-west of it, when it lies exactly on their border.
So the cells are looked up in a table keyed by ``(size, i, j)`` with no search at all;
only for a clipped cell is the point tested against the cell's real geometry.

A cell is *regular* (:func:`regular`) when its id parses and its geometry lies within its
box (to :data:`TOLERANCE`); it is *full* when it is the whole box. Every other cell (an
office's own polygons, a grid reprojected to another CRS) goes through the spatial index
of :mod:`geozz.assignment.polygons`, and the two kinds of cell mix freely in one layer.
A geozz grid handed in as lon/lat is brought back to its UTM zone by
:func:`geozz.schema.conform_units`; its cells come back within nanometres of their boxes
and take this path again.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point, box
>>> from geozz.units import grid
>>> cells = grid(gpd.GeoSeries([box(800000, 2500000, 800200, 2500200)], crs=32650),
...              size=100)
>>> reg = regular(cells.geometry.to_numpy(), cells.index.to_numpy())
>>> len(reg.pos), reg.full.all()
(4, np.True_)
>>> from geozz.assignment.polygons import points_of
>>> pts = points_of(np.array([Point(800100, 2500050), Point(800050, 2500050)]))
>>> pick = cells_picked(pts, cells.geometry.to_numpy(), ids=cells.index.to_numpy())
>>> cells.index[pick.unit].tolist(), pick.shared.tolist()
(['G100-E8001-N25000', 'G100-E8000-N25000'], [True, False])
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from ..units import GRID
from .polygons import (
    Picks,
    Points,
    best,
    centre_keys,
    hits,
    id_rank,
    intersects_xy,
    taken,
)

__all__ = ["TOLERANCE", "Regular", "cells_picked", "regular"]

#: how far (metres) a regular cell's bounds may lie from its box
TOLERANCE = 1e-6
_INT = r"-?\d{1,15}"
_ID = re.compile(rf"^{re.escape(GRID.id_prefix)}(?P<size>\d{{1,12}}(?:\.\d{{1,12}})?)"
                 rf"-E(?P<i>{_INT})-N(?P<j>{_INT})$")
_MAX_KEYS = 2 ** 62  # (i, j) ranges whose product fits a packed int64 key


class Regular(NamedTuple):
    """The regular cells of a layer: positions, ``size``, ``i``, ``j``, and ``full``."""

    pos: np.ndarray
    size: np.ndarray
    i: np.ndarray
    j: np.ndarray
    full: np.ndarray


def regular(geoms: np.ndarray, ids: np.ndarray, *, tolerance: float = TOLERANCE) -> Regular:
    """The cells that index arithmetic can find: id ``G{size}-E{i}-N{j}``, geometry in its box.

    Parameters
    ----------
    geoms : ndarray of shapely polygons
        The cells, in the metric CRS their ids were made in.
    ids : ndarray of str
        Their unit ids.
    tolerance : float, default :data:`TOLERANCE`
        How far (CRS units) the bounds may lie outside the box (and, for a full cell,
        from it).

    Returns
    -------
    Regular
        ``pos`` (positions in ``geoms``), ``size``, ``i``, ``j`` and ``full`` (the
        geometry is the whole box, so no point needs testing against it). Cells whose
        ``(size, i, j)`` repeats are left out (they go through the spatial index).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> geoms = np.array([box(0, 0, 10, 10), box(10, 0, 15, 10), box(0, 0, 10, 10)])
    >>> reg = regular(geoms, np.array(["G10-E0-N0", "G10-E1-N0", "office-7"]))
    >>> reg.pos.tolist(), reg.full.tolist()
    ([0, 1], [True, False])
    """
    none = Regular(*(np.empty(0, dtype=t) for t in (np.int64, float, np.int64, np.int64,
                                                    bool)))
    if len(ids) == 0:
        return none
    try:  # ids that are text already (the usual case): no Python loop
        text = pa.array(ids, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = pa.array([str(v) for v in ids], type=pa.string())
    if text.null_count:
        text = pc.fill_null(text, "")
    parts = pc.extract_regex(text, _ID.pattern)  # null where the id does not parse
    ok = parts.is_valid().to_numpy(zero_copy_only=False)
    pos = np.flatnonzero(ok)
    if not len(pos):
        return none
    parts = parts.filter(pa.array(ok))
    size = pc.cast(parts.field("size"), pa.float64()).to_numpy()
    i = pc.cast(parts.field("i"), pa.int64()).to_numpy()
    j = pc.cast(parts.field("j"), pa.int64()).to_numpy()
    x0, y0, x1, y1 = i * size, j * size, (i + 1) * size, (j + 1) * size
    b = shapely.bounds(geoms[pos])
    tol = tolerance
    within = (size > 0) & (b[:, 0] >= x0 - tol) & (b[:, 1] >= y0 - tol) \
        & (b[:, 2] <= x1 + tol) & (b[:, 3] <= y1 + tol)
    full = within & (b[:, 0] <= x0 + tol) & (b[:, 1] <= y0 + tol) \
        & (b[:, 2] >= x1 - tol) & (b[:, 3] >= y1 - tol)
    full[full] = shapely.area(geoms[pos[full]]) >= size[full] ** 2 - 4 * size[full] * tol
    within &= ~_repeated(size, i, j)
    for s in np.unique(size[within]):
        of = within & (size == s)
        span = (int(i[of].max()) - int(i[of].min()) + 1) * (int(j[of].max())
                                                           - int(j[of].min()) + 1)
        if span > _MAX_KEYS:
            within &= ~of
    return Regular(pos[within], size[within], i[within], j[within], full[within])


def _repeated(size: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Where ``(size, i, j)`` occurs more than once (every occurrence)."""
    order = np.lexsort((j, i, size))
    s, a, b = size[order], i[order], j[order]
    same = (s[1:] == s[:-1]) & (a[1:] == a[:-1]) & (b[1:] == b[:-1])
    rep = np.zeros(len(size), dtype=bool)
    rep[1:] |= same
    rep[:-1] |= same
    out = np.empty(len(size), dtype=bool)
    out[order] = rep
    return out


class _Table:
    """``(i, j) -> position in Regular`` for the cells of one size (dense or sorted keys)."""

    def __init__(self, i: np.ndarray, j: np.ndarray, where: np.ndarray):
        self.imin, self.jmin = int(i.min()), int(j.min())
        self.imax, self.jmax = int(i.max()), int(j.max())
        self.nj = self.jmax - self.jmin + 1
        span = (self.imax - self.imin + 1) * self.nj
        keys = (i - self.imin) * self.nj + (j - self.jmin)
        self.dense = span <= 4 * len(keys) + 4096
        if self.dense:
            self.table = np.full(span, -1, dtype=np.int64)
            self.table[keys] = where
        else:
            order = np.argsort(keys)
            self.keys, self.where = keys[order], where[order]

    def find(self, fi: np.ndarray, fj: np.ndarray) -> np.ndarray:
        """Positions of the cells at float indices ``(fi, fj)``; ``-1`` where none."""
        with np.errstate(invalid="ignore"):  # NaN or huge: cast to anything, masked below
            ii = fi.astype(np.int64) - self.imin
            jj = fj.astype(np.int64) - self.jmin
        ok = (fi >= self.imin) & (ii <= self.imax - self.imin) & (jj >= 0) \
            & (jj < self.nj)
        k = np.where(ok, ii * self.nj + jj, 0)
        if self.dense:
            out = self.table[k]
        else:
            at = np.minimum(np.searchsorted(self.keys, k), len(self.keys) - 1)
            out = np.where(self.keys[at] == k, self.where[at], -1)
        out[~ok] = -1
        return out


def _arithmetic(x: np.ndarray, y: np.ndarray, reg: Regular, geoms: np.ndarray):
    """(point, regular cell) pairs where the point lies in the closed cell."""
    ps, cs = [], []
    for s in np.unique(reg.size):
        of = np.flatnonzero(reg.size == s)
        table = _Table(reg.i[of], reg.j[of], of)
        fi, fj = np.floor(x / s), np.floor(y / s)
        # exact half-open boxes: the same products of i and size that built the cells
        fi -= x < fi * s
        fi += x >= (fi + 1) * s
        fj -= y < fj * s
        fj += y >= (fj + 1) * s
        west, south = x == fi * s, y == fj * s
        for sel, di, dj in ((None, 0, 0), (west, 1, 0), (south, 0, 1), (west & south, 1, 1)):
            idx = np.arange(len(x)) if sel is None else np.flatnonzero(sel)
            c = table.find(fi[idx] - di, fj[idx] - dj)
            ps.append(idx[c >= 0])
            cs.append(c[c >= 0])
    p = np.concatenate(ps) if ps else np.empty(0, dtype=np.int64)
    c = np.concatenate(cs) if cs else np.empty(0, dtype=np.int64)
    part = np.flatnonzero(~reg.full[c])  # clipped cells: test the point against the cell
    if len(part):
        inside = intersects_xy(geoms, reg.pos[c[part]], x[p[part]], y[p[part]])
        keep = np.ones(len(p), dtype=bool)
        keep[part[~inside]] = False
        p, c = p[keep], c[keep]
    return p, c


def cells_picked(pts: Points, geoms: np.ndarray, *, ids: np.ndarray,
                 reg: Regular | None = None) -> Picks:
    """The cell each point goes to: half-open cells, by arithmetic where the cells allow.

    A point in several cells (on a shared border) goes to the cell east, then north of
    it: for regular cells, the one with the larger ``i``, then the larger ``j`` (their box
    centres are compared); for other cells, the one whose centroid lies furthest east,
    then furthest north; the smaller id last.

    Parameters
    ----------
    pts : Points
        Problem locations in the cells' CRS (:func:`~geozz.assignment.polygons.points_of`).
    geoms, ids : ndarray
        The cells and their unit ids.
    reg : Regular, optional
        :func:`regular` of the cells, when known.

    Returns
    -------
    Picks
        ``unit`` (position in ``geoms``, ``-1`` for none), ``distance`` (``NaN``),
        ``shared`` (the point was in several cells).

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> from geozz.assignment.polygons import points_of
    >>> geoms = np.array([box(0, 0, 10, 10), box(0, 10, 10, 20), box(10, 0, 20, 7)])
    >>> ids = np.array(["G10-E0-N0", "G10-E0-N1", "G10-E1-N0"])
    >>> pts = points_of(np.array([Point(10, 10), Point(15, 8), None]))
    >>> pick = cells_picked(pts, geoms, ids=ids)
    >>> pick.unit.tolist(), pick.shared.tolist()
    ([1, -1, -1], [True, False, False])
    """
    n = len(pts.geoms)
    reg = regular(geoms, ids) if reg is None else reg
    p, c = _arithmetic(pts.x, pts.y, reg, geoms) if len(pts.at) and len(reg.pos) \
        else (np.empty(0, dtype=np.int64),) * 2
    ps, us = [pts.at[p]], [reg.pos[c]]
    rest = np.ones(len(geoms), dtype=bool)
    rest[reg.pos] = False
    rest = np.flatnonzero(rest)
    if len(rest):  # cells of any shape: the spatial index
        p, g = hits(pts, geoms[rest])
        ps.append(p)
        us.append(rest[g])
    if len(pts.other) and len(reg.pos):  # lines or polygons handed in as problems
        p, g = hits(pts._replace(at=pts.at[:0]), geoms[reg.pos])
        ps.append(p)
        us.append(reg.pos[g])
    p, u = np.concatenate(ps), np.concatenate(us)
    known = np.full((len(geoms), 2), np.nan)
    known[reg.pos, 0] = (reg.i + 0.5) * reg.size
    known[reg.pos, 1] = (reg.j + 0.5) * reg.size
    rank = None

    def keys(sel):
        nonlocal rank
        rank = id_rank(ids) if rank is None else rank
        e, north = centre_keys(geoms, u[sel], known)
        return e, north, rank[u[sel]]

    chosen, count = best(n, p, keys)
    return Picks(unit=taken(u, chosen, -1), distance=np.full(n, np.nan), shared=count > 1)
