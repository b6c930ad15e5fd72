"""Which boundary an OSM file gives when the caller passes none.

The rule, in this order:

1. **admin** — an admin polygon of the file (``boundary=administrative`` with an
   ``admin_level``, assembled by osmnx) that holds at least half of the file's
   *junctions* (the places where two or more roads or waterways meet). Of those, the
   lowest ``admin_level`` number (the largest unit) wins; ties go to the larger share,
   then the larger area, then the lower ``osm_id``. ``meta["boundary"] = "admin:<name>"``.
2. **declared** — the box the file declares (``<bounds>``, PBF ``HeaderBBox``).
3. **extent of roads and waterways** — the extent of the junctions. An OSM export holds
   every complete way that touches its box, so ways run far out of it (the 龙岗河 way:
   22 km), but out there they rarely meet each other: the junctions stay where the
   network is. With fewer than two junctions apart in both directions, the extent of
   all road and waterway lines.

Examples
--------
>>> import shapely
>>> square = shapely.box(0, 0, 1, 1)
>>> share_inside(square, [(0.5, 0.5), (0.2, 0.9), (3, 3)])
0.6666666666666666
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import geopandas as gpd
import shapely

__all__ = ["choose_admin", "junction_points", "extent", "share_inside", "MOSTLY"]

#: the share of the junctions an admin polygon must hold to be the boundary
MOSTLY = 0.5


def share_inside(polygon, points: Sequence[tuple[float, float]]) -> float:
    """The share of ``points`` (lon, lat) inside or on ``polygon``."""
    if not len(points):
        return 0.0
    return float(shapely.covers(polygon, shapely.points(list(points))).mean())


def junction_points(road_junctions: Sequence[tuple[float, float]],
                    rivers: gpd.GeoDataFrame,
                    sections: gpd.GeoDataFrame) -> list[tuple[float, float]]:
    """Road junctions plus the vertices two river ways share or a river shares with a road.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> rivers = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 1)]),
    ...                                     shapely.LineString([(1, 1), (2, 0)])], crs=4326)
    >>> junction_points([(5.0, 5.0)], rivers, rivers.iloc[:0])
    [(1.0, 1.0), (5.0, 5.0)]
    """
    count: Counter = Counter()
    for geom in rivers.geometry.values:
        count.update(set(map(tuple, shapely.get_coordinates(geom).tolist())))
    road_nodes = set(map(tuple, shapely.get_coordinates(sections.geometry.values).tolist()))
    shared = {c for c, n in count.items() if n >= 2 or c in road_nodes}
    return sorted(shared | {tuple(map(float, j)) for j in road_junctions})


def choose_admin(admin: gpd.GeoDataFrame, points: Sequence[tuple[float, float]]):
    """The admin row that is the boundary by rule 1, with its share, or ``(None, 0.0)``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> admin = gpd.GeoDataFrame({"osm_id": ["relation/1", "relation/2"], "name": ["县", "街道"],
    ...                           "admin_level": [6, 8]},
    ...                          geometry=[shapely.box(0, 0, 4, 4), shapely.box(0, 0, 2, 2)])
    >>> row, share = choose_admin(admin, [(1, 1), (1.5, 1.5), (3, 3)])
    >>> row["name"], share
    ('县', 1.0)
    """
    best, best_key = None, None
    for _, row in admin.iterrows():
        share = share_inside(row.geometry, points)
        if share < MOSTLY:
            continue
        key = (int(row["admin_level"]), -share, -float(row.geometry.area), str(row["osm_id"]))
        if best_key is None or key < best_key:
            best, best_key = row, key
    return (best, -best_key[1]) if best is not None else (None, 0.0)


def extent(points: Sequence[tuple[float, float]],
           lines: Sequence) -> tuple[float, float, float, float] | None:
    """Rule 3: the extent of the junctions, else of all the lines; ``None`` if nothing.

    Examples
    --------
    >>> extent([(0, 0), (2, 1)], [])
    (0.0, 0.0, 2.0, 1.0)
    >>> extent([(0, 0)], [shapely.LineString([(0, 0), (3, 3)])])
    (0.0, 0.0, 3.0, 3.0)
    """
    if len(points) >= 2:
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        if min(xs) < max(xs) and min(ys) < max(ys):
            return (float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys)))
    geoms = [g for g in lines if g is not None and not g.is_empty]
    if not geoms:
        return None
    return tuple(float(v) for v in shapely.total_bounds(geoms))
