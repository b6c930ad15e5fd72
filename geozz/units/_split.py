"""Overlapping corridors of one layer split by the nearest centreline.

Where several road corridors (or river reaches) hold a point, the assignment gives it to
the unit whose centreline is nearest (:mod:`geozz.assignment.corridors`). The polygons
follow the same rule: :func:`split_overlaps` cuts every overlap of two units along the
line of points as far from one centreline as from the other, so the units of a layer
partition the ground they cover and each piece belongs to the unit a problem found there
is assigned to.

How: the overlapping pairs come from a spatial index; the centrelines of the units
involved are sampled every ``step`` metres; for each pair, the samples that can be nearest
to a point of the overlap (those within ``reach`` of it) make a Voronoi diagram, its cells
are merged per unit, and the overlap is shared out along them. A unit loses the pieces of its overlaps where
another unit holding them is nearer; what it keeps is exactly where no unit holding the
point is nearer, so the pieces neither overlap nor leave a gap. The dividing line is
that of the sampled centrelines: within ``step**2 / (8 d)`` metres of the exact one at a
distance ``d`` from the lines (2 cm at 20 m with 2 m steps). Units without an overlap
are returned as they were (the same objects).

Examples
--------
>>> import numpy as np
>>> from shapely.geometry import LineString
>>> centres = np.array([LineString([(0, 0), (100, 0)]), LineString([(0, 30), (100, 30)])])
>>> geoms = shapely.buffer(centres, 25, cap_style="flat")  # 20 m of overlap, y 5..25
>>> out = split_overlaps(geoms, centres, reach=np.array([25.0, 25.0]))
>>> [round(g.area) for g in out], round(shapely.intersection(*out).area, 6)
([4000, 4000], 0.0)
>>> [round(v, 6) for v in out[0].bounds]  # the overlap shared at y = 15
[0.0, -25.0, 100.0, 15.0]
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["split_overlaps"]

#: metres between the samples of a centreline (the Voronoi sites)
STEP = 4.0
#: parts of a split unit smaller than this (m²) join the neighbour they border most
MIN_PART = 1.0


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygons of a geometry (valid, lines and points left out), or an empty one."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _samples(centres: np.ndarray, step: float) -> list[np.ndarray]:
    """For each centreline, its points every ``step`` metres (and its vertices), less the
    points two of the lines pass through (a junction, the stake two sections share): as
    near to one line as to the other, they would tip the split towards the line that kept
    them."""
    dense = shapely.segmentize(centres, step)
    xy, owner = shapely.get_coordinates(dense, return_index=True)
    xy = np.round(xy, 6)
    keys = np.concatenate([xy, owner[:, None]], axis=1)
    _, once = np.unique(keys, axis=0, return_index=True)  # each point once per line
    xy, owner = xy[once], owner[once]
    _, where, count = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    alone = count[where.ravel()] == 1
    return [xy[(owner == k) & alone] for k in range(len(centres))]


def _within(xy: np.ndarray, geom: BaseGeometry, distance: float) -> np.ndarray:
    """The points of ``xy`` within ``distance`` of ``geom``."""
    x0, y0, x1, y1 = geom.bounds
    xy = xy[(xy[:, 0] >= x0 - distance) & (xy[:, 0] <= x1 + distance)
            & (xy[:, 1] >= y0 - distance) & (xy[:, 1] <= y1 + distance)]
    return xy[shapely.dwithin(shapely.points(xy), geom, distance)] if len(xy) else xy


def _nearer(overlap: BaseGeometry, mine: np.ndarray, theirs: np.ndarray,
            reach: float) -> BaseGeometry:
    """The part of ``overlap`` nearer to the points ``theirs`` than to the points ``mine``.

    Only the points within ``reach`` of the overlap are used: the others are never the
    nearest of their line to a point of it.
    """
    mine, theirs = _within(mine, overlap, reach), _within(theirs, overlap, reach)
    if not len(theirs):
        return shapely.Polygon()
    if not len(mine):
        return overlap
    sites = shapely.multipoints(np.concatenate([mine, theirs]))
    cells = shapely.get_parts(shapely.voronoi_polygons(sites, extend_to=overlap,
                                                       ordered=True))
    return _polygonal(shapely.intersection(overlap, shapely.coverage_union_all(
        cells[len(mine):])))


def split_overlaps(geoms: np.ndarray, centres: np.ndarray, reach: np.ndarray, *,
                   step: float = STEP, min_part: float = MIN_PART) -> np.ndarray:
    """The units' polygons with every overlap given to the unit of the nearest centreline.

    Parameters
    ----------
    geoms : ndarray of shapely polygons
        The units of one layer (road corridors, or river reaches), in a metric CRS.
    centres : ndarray of shapely lines
        Their centrelines, the lines the assignment measures to.
    reach : ndarray of float
        For each unit, how far (metres) a point of its polygon can lie from its
        centreline at most (a bound: the corridor's half-width plus how far the lines it
        was buffered from lie from the centreline).
    step : float, default :data:`STEP`
        Metres between the centreline samples.
    min_part : float, default :data:`MIN_PART`
        A part of a split unit smaller than this (m²) joins the unit it borders most
        (or, bordering none, is left out).

    Returns
    -------
    ndarray of shapely polygons
        The same length and order; units without an overlap of positive area are the
        input objects, the others valid Polygons or MultiPolygons.
    """
    geoms = np.array(geoms, dtype=object)
    out = geoms.copy()
    if len(geoms) < 2:
        return out
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    overlaps = shapely.intersection(geoms[left], geoms[right])
    pos = shapely.area(overlaps) > 0
    left, right, overlaps = left[pos], right[pos], overlaps[pos]
    if not len(left):
        return out
    involved = np.unique(np.concatenate([left, right]))
    sites = dict(zip(involved.tolist(),
                     _samples(np.asarray(centres, dtype=object)[involved], step)))
    reach = np.asarray(reach, dtype=float)
    lost: dict[int, list[BaseGeometry]] = defaultdict(list)
    for i, j, both in zip(left.tolist(), right.tolist(), overlaps):
        both = _polygonal(both)
        to_j = _nearer(both, sites[i], sites[j], max(reach[i], reach[j]) + step)
        lost[i].append(to_j)
        lost[j].append(_polygonal(shapely.difference(both, to_j)))
    for i in involved.tolist():
        out[i] = _polygonal(shapely.difference(geoms[i], shapely.union_all(lost[i])))
    _merge_slivers(out, involved.tolist(), left, right, min_part)
    return out


def _merge_slivers(out: np.ndarray, involved: list[int], left: np.ndarray,
                   right: np.ndarray, min_part: float) -> None:
    """Parts below ``min_part`` m² of split units join the overlapping unit they border
    most (in place); a part bordering none (dust of the overlay) is left out."""
    partners: dict[int, set[int]] = defaultdict(set)
    for i, j in zip(left.tolist(), right.tolist()):
        partners[i].add(j)
        partners[j].add(i)
    for i in involved:
        parts = shapely.get_parts(out[i])
        small = shapely.area(parts) < min_part
        if not small.any() or small.all():
            continue
        stays = list(parts[~small])
        for piece in parts[small]:
            border = {j: shapely.intersection(piece.boundary, out[j].boundary).length
                      for j in partners[i] if not out[j].is_empty}
            j = max(border, key=lambda k: (border[k], -k), default=None)
            if j is None or border[j] <= 0:  # dust of the overlay (< min_part m²)
                continue
            out[j] = _polygonal(shapely.union_all([out[j], piece]))
        out[i] = stays[0] if len(stays) == 1 else _polygonal(shapely.MultiPolygon(stays))
