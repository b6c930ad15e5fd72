"""Road corridors and river reaches: the unit with the nearest centre line wins.

The units whose polygon holds a point are found through the spatial index of the
polygons (:func:`geozz.assignment.polygons.hits`); the distance from the point to each
such unit's centre line is measured on those pairs only, and a point in several units
goes to the nearest centre line, then the smaller ``unit_id``.

Why not a nearest-neighbour query on the centre lines (``STRtree.query_nearest`` with
``max_distance``)? Corridors are not equally wide (a primary road's is wider than a
residential street's), so the centre line nearest a point can belong to a corridor that
does not hold it while a wider one a little further away does: the nearest query would
lose that point. The polygon query finds exactly the units holding the point.

Examples
--------
>>> import numpy as np
>>> from shapely.geometry import LineString, Point
>>> lines = np.array([LineString([(0, 0), (100, 0)]), LineString([(0, 30), (100, 30)])])
>>> corridors = np.array([lines[0].buffer(5), lines[1].buffer(20)])
>>> from geozz.assignment.polygons import points_of
>>> pick = corridors_picked(points_of([Point(50, 12)]), corridors, centre=lines,
...                         ids=np.array(["R-narrow", "R-wide"]))
>>> pick.unit.tolist(), pick.distance.tolist()
([1], [18.0])
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .polygons import Picks, Points, best, hits, id_rank, taken

__all__ = ["corridors_picked"]


def corridors_picked(pts: Points, geoms: np.ndarray, *, centre: np.ndarray | None,
                     ids: np.ndarray) -> Picks:
    """The corridor each point goes to: the nearest centre line among those holding it.

    Parameters
    ----------
    pts : Points
        Problem locations in the units' CRS (:func:`~geozz.assignment.polygons.points_of`).
    geoms : ndarray of shapely polygons
        The corridors (or reaches).
    centre : ndarray of shapely lines or None
        Their centre lines; a unit without one is measured to its polygon.
    ids : ndarray of str
        Their unit ids (ties go to the smaller).

    Returns
    -------
    Picks
        ``unit`` (position in ``geoms``, ``-1``), ``distance`` (metres to the chosen
        centre line), ``shared`` (the point was in several units).

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> geoms = np.array([box(0, 0, 10, 10), box(0, 0, 10, 10)])
    >>> from geozz.assignment.polygons import points_of
    >>> pick = corridors_picked(points_of([Point(5, 5)]), geoms, centre=None,
    ...                         ids=np.array(["R-b", "R-a"]))
    >>> pick.unit.tolist(), pick.distance.tolist(), pick.shared.tolist()
    ([1], [0.0], [True])
    """
    n = len(pts.geoms)
    if centre is None:
        centre = geoms
    else:
        centre = np.where(pd.isna(centre), geoms, centre)
    p, g = hits(pts, geoms)
    d = shapely.distance(pts.geoms[p], centre[g]) if len(p) else np.empty(0)
    rank = None

    def keys(sel):
        nonlocal rank
        rank = id_rank(ids) if rank is None else rank
        return d[sel], rank[g[sel]]

    chosen, count = best(n, p, keys)
    return Picks(unit=taken(g, chosen, -1), distance=taken(d, chosen, np.nan),
                 shared=count > 1)
