"""Points in polygons of any shape, through a spatial index, and the one unit each gets.

The general path of :func:`geozz.assign`: a :class:`shapely.STRtree` over the polygons is
queried with every point at once for the bounding boxes holding it, and each candidate pair
is tested with :func:`shapely.intersects_xy`, grouped by polygon (a point on a border hits
every polygon sharing it). Most points hit one polygon and are settled by counting; only
points with several hits are ordered by the layer's tie rule (:func:`best`), so the cost of
a rule (centroids, distances, id ranks) is paid for those points alone: no sort of all the
hits, no pandas group-by.

Examples
--------
>>> import numpy as np
>>> from shapely.geometry import Point, box
>>> cells = np.array([box(0, 0, 10, 10), box(10, 0, 20, 10)])
>>> pts = points_of(np.array([Point(5, 5), Point(10, 5), Point(50, 5)]))
>>> pick = cells_picked(pts, cells, ids=np.array(["W", "E"]))
>>> pick.unit.tolist(), pick.shared.tolist()
([0, 1, -1], [False, True, False])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import shapely

__all__ = [
    "Picks",
    "Points",
    "best",
    "cells_picked",
    "centre_keys",
    "hits",
    "id_rank",
    "intersects_xy",
    "points_of",
    "taken",
]


class Picks(NamedTuple):
    """The unit each point goes to in one layer (arrays as long as the points).

    ``unit`` is a position in the layer (``-1``: in no unit), ``distance`` the distance
    in metres to the chosen unit's centre line (``NaN`` for cells), ``shared`` whether the
    point was in several units of the layer (the tie rule decided).
    """

    unit: np.ndarray
    distance: np.ndarray
    shared: np.ndarray


class Points(NamedTuple):
    """Problem locations, split once for every layer.

    ``geoms`` (shapely geometries, ``None`` where unlocated), ``at`` (positions of the
    non-empty points), ``x`` and ``y`` (their coordinates) and ``other`` (positions of
    lines or polygons handed in as problems: they go through the spatial index only).
    """

    geoms: np.ndarray
    at: np.ndarray
    x: np.ndarray
    y: np.ndarray
    other: np.ndarray


def points_of(geoms: np.ndarray) -> Points:
    """Split problem locations into points (with coordinates) and other geometries.

    The coordinates are read first (``NaN`` for a missing geometry or one that is not a
    point, in two threads for a large array: shapely lets go of the GIL); only the few
    geometries without coordinates are looked at further (and, when an empty point is
    among them, the kinds of all).

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> pts = points_of(np.array([Point(1, 2), None, Point(), box(0, 0, 1, 1)]))
    >>> pts.at.tolist(), pts.x.tolist(), pts.other.tolist()
    ([0], [1.0], [3])
    """
    geoms = np.asarray(geoms, dtype=object)
    try:
        x, y = _coordinates(geoms)
    except shapely.errors.GEOSException:  # an empty point among them: find them first
        kind = shapely.get_type_id(geoms)
        point = kind == 0
        point[point] = ~shapely.is_empty(geoms[point])
        x = np.full(len(geoms), np.nan)
        y = x.copy()
        x[point], y[point] = _coordinates(geoms[point])
    ok = ~np.isnan(x)
    if ok.all():
        return Points(geoms, np.arange(len(geoms)), x, y, np.empty(0, dtype=np.int64))
    at = np.flatnonzero(ok)
    rest = np.flatnonzero(~ok)
    kind = shapely.get_type_id(geoms[rest])
    other = rest[kind > 0]
    other = other[~shapely.is_empty(geoms[other])]
    return Points(geoms, at, x[at], y[at], other)


def _coordinates(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of points (NaN for missing geometries and other kinds), in two threads for
    a large array (shapely lets go of the GIL)."""
    if len(geoms) < _THREADED:
        return shapely.get_x(geoms), shapely.get_y(geoms)
    with ThreadPoolExecutor(2) as pool:
        fy = pool.submit(shapely.get_y, geoms)
        return shapely.get_x(geoms), fy.result()


#: arrays at least this long have their coordinates read in two threads
_THREADED = 200_000


def intersects_xy(geoms: np.ndarray, g: np.ndarray, x: np.ndarray,
                  y: np.ndarray) -> np.ndarray:
    """``shapely.intersects_xy(geoms[g], x, y)``, leaving ``geoms`` as prepared as before.

    The pairs are tested grouped by polygon (each polygon is prepared once and its points
    tested in a row, which is several times faster than in point order on 100k polygons).
    shapely prepares the polygons it tests; the caller's geometries are left unprepared.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> geoms = np.array([box(0, 0, 1, 1)])
    >>> intersects_xy(geoms, np.array([0, 0]), np.array([1.0, 2.0]), np.array([0.5, 0.5]))
    array([ True, False])
    >>> shapely.is_prepared(geoms).tolist()
    [False]
    """
    used = np.zeros(len(geoms), dtype=bool)
    used[g] = True
    fresh = geoms[used & ~shapely.is_prepared(geoms)]
    order = np.argsort(g)
    out = np.empty(len(g), dtype=bool)
    try:
        out[order] = shapely.intersects_xy(geoms[g[order]], x[order], y[order])
    finally:
        shapely.destroy_prepared(fresh)
    return out


def hits(pts: Points, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (problem, polygon) pair where the problem's location intersects the polygon.

    Points are matched to the bounding boxes in a :class:`shapely.STRtree` of the
    polygons, then tested on those pairs with :func:`shapely.intersects_xy` (a point on
    a border hits every polygon sharing it); other geometries are queried with
    ``predicate="intersects"``.

    Returns
    -------
    p, g : ndarray of int64
        Positions of the problems and of the polygons, one entry per pair.

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> pts = points_of(np.array([Point(1, 1), None, Point(2, 0), Point(5, 5)]))
    >>> p, g = hits(pts, np.array([box(0, 0, 2, 2), box(2, 0, 4, 2)]))
    >>> sorted(zip(p.tolist(), g.tolist()))
    [(0, 0), (2, 0), (2, 1)]
    """
    empty = np.empty(0, dtype=np.int64)
    if len(geoms) == 0:
        return empty, empty
    tree = shapely.STRtree(geoms)
    p, g = empty, empty
    if len(pts.at):
        some = pts.geoms if len(pts.at) == len(pts.geoms) else pts.geoms[pts.at]
        q, g = tree.query(some)
        ok = intersects_xy(geoms, g, pts.x[q], pts.y[q])
        p, g = pts.at[q[ok]], g[ok].astype(np.int64, copy=False)
    if len(pts.other):
        q, h = tree.query(pts.geoms[pts.other], predicate="intersects")
        p = np.concatenate([p, pts.other[q]])
        g = np.concatenate([g, h.astype(np.int64, copy=False)])
    return p, g


def best(n: int, p: np.ndarray,
         keys: Callable[[np.ndarray], Sequence[np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``n`` points, the pair that wins it, and how many pairs it had.

    A point with one pair takes it; only the pairs of points with several are ordered, by
    ``keys(sel)`` (arrays over the pairs selected by the boolean mask ``sel``, the first
    key deciding first, the smallest value winning).

    Returns
    -------
    chosen : ndarray of int64
        Index of the winning pair for each point, ``-1`` for a point with none.
    count : ndarray of int64
        Number of pairs of each point.

    Examples
    --------
    >>> p = np.array([0, 2, 2, 2])
    >>> d = np.array([5.0, 3.0, 1.0, 1.0])
    >>> rank = np.array([0, 0, 2, 1])
    >>> chosen, count = best(3, p, lambda sel: (d[sel], rank[sel]))
    >>> chosen.tolist(), count.tolist()
    ([0, -1, 3], [1, 0, 3])
    """
    count = np.bincount(p, minlength=n) if len(p) else np.zeros(n, dtype=np.int64)
    chosen = np.full(n, -1, dtype=np.int64)
    multi = count[p] > 1
    one = np.flatnonzero(~multi)
    chosen[p[one]] = one
    if multi.any():
        sel = np.flatnonzero(multi)
        order = np.lexsort((*reversed(tuple(keys(multi))), p[sel]))
        sel = sel[order]
        ps = p[sel]
        first = np.ones(len(sel), dtype=bool)
        first[1:] = ps[1:] != ps[:-1]
        chosen[ps[first]] = sel[first]
    return chosen, count


def id_rank(ids: np.ndarray) -> np.ndarray:
    """The rank of each unit id in sorted order (ties go to the smaller id).

    Examples
    --------
    >>> id_rank(np.array(["b", "c", "a"])).tolist()
    [1, 2, 0]
    """
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.argsort(np.asarray(ids, dtype=str), kind="stable")] = np.arange(len(ids))
    return rank


def centre_keys(geoms: np.ndarray, units: np.ndarray, known: np.ndarray | None = None):
    """East and north tie keys (``-x``, ``-y`` of the centroid, rounded to a micrometre).

    ``known`` (an ``(n, 2)`` array over the layer, ``NaN`` where unknown) gives the keys
    of units that have them already (the box centres of regular grid cells); centroids
    are computed for the other units listed in ``units`` only.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> e, n = centre_keys(np.array([box(0, 0, 2, 2), box(2, 0, 4, 2)]), np.array([1, 1]))
    >>> e.tolist(), n.tolist()
    ([-3.0, -3.0], [-1.0, -1.0])
    """
    xy = np.full((len(geoms), 2), np.nan) if known is None else known.copy()
    need = np.unique(units)
    need = need[np.isnan(xy[need, 0])]
    if len(need):
        c = shapely.centroid(geoms[need])
        xy[need, 0], xy[need, 1] = shapely.get_x(c), shapely.get_y(c)
    xy = -np.round(xy[units], 6)
    return xy[:, 0], xy[:, 1]


def cells_picked(pts: Points, geoms: np.ndarray, *, ids: np.ndarray) -> Picks:
    """The cell each point goes to, for cells of any shape (the half-open rule's general form).

    A point in several cells goes to the one whose centroid lies furthest east, then
    furthest north, then to the smaller id.

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> cells = np.array([box(0, 0, 10, 10), box(0, 10, 10, 20)])
    >>> pts = points_of(np.array([Point(5, 10)]))
    >>> cells_picked(pts, cells, ids=np.array(["S", "N"])).unit.tolist()
    [1]
    """
    p, g = hits(pts, geoms)
    rank = None

    def keys(sel):
        nonlocal rank
        rank = id_rank(ids) if rank is None else rank
        e, n = centre_keys(geoms, g[sel])
        return e, n, rank[g[sel]]

    n = len(pts.geoms)
    chosen, count = best(n, p, keys)
    return Picks(unit=taken(g, chosen, -1), distance=np.full(n, np.nan),
                 shared=count > 1)


def taken(values: np.ndarray, chosen: np.ndarray, fill):
    """``values[chosen]`` with ``fill`` where ``chosen`` is ``-1``.

    Examples
    --------
    >>> taken(np.array([7, 8]), np.array([1, -1]), -1).tolist()
    [8, -1]
    """
    out = np.full(len(chosen), fill, dtype=values.dtype)
    ok = chosen >= 0
    out[ok] = values[chosen[ok]]
    return out
