"""The street network a patrol walks or drives: a sparse matrix of street segments.

Every vertex of every road line is a node (two lines sharing a vertex meet there; a bridge
over a road shares none, so it does not meet it) and every segment between consecutive
vertices an edge weighted by its length in metres, in the units' projected CRS. On foot
(``mode="walk"``) each segment can be walked both ways; by vehicle (``mode="drive"``) a
one-way street (``oneway=yes/true/1``, ``-1``/``reverse``, a roundabout, a motorway) only
in its direction. Shortest paths come from :func:`scipy.sparse.csgraph.dijkstra` on the
matrix: from every stop at once, never a Python loop over pairs.

Roads come from an OSM file (read with pyosmium, which keeps each way's ``oneway`` tag),
an :class:`~geozz.area.Area` or a GeoDataFrame of lines (with an optional ``oneway``
column and ``highway`` column).

Examples
--------
>>> import geopandas as gpd, shapely
>>> roads = gpd.GeoDataFrame({"oneway": ["yes", None]}, crs=32650, geometry=[
...     shapely.LineString([(0, 0), (100, 0)]), shapely.LineString([(100, 0), (100, 50)])])
>>> net = street_network(roads, mode="drive", crs=32650)
>>> net.n_nodes, net.n_edges
(3, 3)
>>> street_network(roads, mode="walk", crs=32650).n_edges
4
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import CRSError, InputError, Issue, SchemaError

__all__ = ["StreetNetwork", "street_network", "MODES", "WALK_EXCLUDED", "DRIVE_EXCLUDED"]

MODES = ("walk", "drive")

#: highway values a patrol on foot does not walk along
WALK_EXCLUDED = frozenset({"motorway", "motorway_link", "construction", "proposed",
                           "abandoned", "raceway", "platform", "bus_guideway"})
#: highway values a patrol vehicle does not drive along
DRIVE_EXCLUDED = frozenset({"footway", "pedestrian", "steps", "path", "cycleway",
                            "bridleway", "corridor", "track", "elevator", "construction",
                            "proposed", "abandoned", "raceway", "platform", "bus_guideway"})

_FORWARD = frozenset({"yes", "true", "1"})
_BACKWARD = frozenset({"-1", "reverse"})
_TWO_WAY = frozenset({"no", "false", "0"})


@dataclass
class StreetNetwork:
    """Street segments as a sparse matrix of metres, in a projected CRS.

    Attributes
    ----------
    xy : ndarray of shape (n, 2)
        Node coordinates in ``crs`` (metres).
    matrix : scipy.sparse.csr_matrix
        ``matrix[i, j]`` is the length of the segment from node ``i`` to node ``j`` (the
        shortest one when there are several); no entry where it cannot be travelled.
    crs : pyproj.CRS
    mode : {"walk", "drive"}
    meta : dict
        ``lines`` used, ``oneway`` lines (drive only), ``excluded`` lines per highway
        value, ``oneway_known`` (False when the roads carry no ``oneway`` column).
    """

    xy: np.ndarray
    matrix: Any
    crs: Any
    mode: str
    meta: dict = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return len(self.xy)

    @property
    def n_edges(self) -> int:
        return int(self.matrix.nnz)

    def component(self, seed: int | None = None) -> np.ndarray:
        """Boolean mask of the nodes that can be reached from ``seed`` and back (the
        largest such set when ``seed`` is None): strongly connected by vehicle, connected
        on foot."""
        from scipy.sparse.csgraph import connected_components

        _n, labels = connected_components(self.matrix, directed=True, connection="strong")
        if seed is None:
            keep = np.bincount(labels).argmax()
        else:
            keep = labels[seed]
        return labels == keep

    def nearest(self, points: np.ndarray, mask: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        """Index of the nearest node (among ``mask``) to each ``(x, y)`` and its distance."""
        candidates = np.flatnonzero(mask) if mask is not None else np.arange(self.n_nodes)
        tree = shapely.STRtree(shapely.points(self.xy[candidates]))
        pts = shapely.points(np.asarray(points, dtype=float).reshape(-1, 2))
        idx, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
        out = np.empty(len(pts), dtype=np.int64)
        out_d = np.empty(len(pts), dtype=float)
        out[idx[0]] = candidates[idx[1]]
        out_d[idx[0]] = dist
        return out, out_d

    def distances(self, sources: np.ndarray, *, predecessors: bool = False):
        """Shortest distances (metres) from each source node to every node, with the
        predecessor matrix when asked (:func:`scipy.sparse.csgraph.dijkstra`)."""
        from scipy.sparse.csgraph import dijkstra

        return dijkstra(self.matrix, directed=True, indices=np.asarray(sources, dtype=np.int64),
                        return_predecessors=predecessors)


def _oneway_sign(oneway, highway, junction) -> int:
    """+1 one-way along the line, -1 against it, 0 both ways."""
    value = str(oneway).strip().lower() if isinstance(oneway, str) else None
    if value in _FORWARD:
        return 1
    if value in _BACKWARD:
        return -1
    if value in _TWO_WAY:
        return 0
    if isinstance(junction, str) and junction in ("roundabout", "circular"):
        return 1
    if isinstance(highway, str) and highway == "motorway":
        return 1
    return 0


def _osm_lines(path: Path) -> gpd.GeoDataFrame:
    from ..osm.reader import read_file

    data = read_file(path, river_types=())
    rows = [{"highway": line.tags.get("highway"), "oneway": line.tags.get("oneway"),
             "junction": line.tags.get("junction"), "name": line.tags.get("name"),
             "geometry": shapely.LineString(line.coords)}
            for line in data.roads if len(line.coords) >= 2]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326) if rows else \
        gpd.GeoDataFrame({"highway": [], "oneway": []}, geometry=gpd.GeoSeries([], crs=4326))


def _roads_of(source) -> gpd.GeoDataFrame:
    from ..area import Area

    if isinstance(source, Area):
        return source.roads
    if isinstance(source, gpd.GeoDataFrame):
        return source
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise InputError(Issue(file=str(path), field="area",
                                   expected="an existing OSM file (.osm, .osm.pbf …)",
                                   got="no such file", fix="check the path"))
        return _osm_lines(path)
    raise InputError(Issue(field="area", expected="an Area, a GeoDataFrame of road lines or "
                           "the path of an OSM file", got=type(source).__name__,
                           fix="pass gz.read_osm(path), gz.datasets.longgang() or the "
                               "OSM file itself (which keeps the one-way streets)"))


def street_network(source, *, mode: Literal["walk", "drive"] = "walk", crs=None,
                   clip=None) -> StreetNetwork:
    """The street network of an area for a patrol on foot or by vehicle.

    Parameters
    ----------
    source : Area, GeoDataFrame or path
        An :class:`~geozz.area.Area` (its ``roads``), a GeoDataFrame of road lines
        (optional ``highway``, ``oneway`` and ``junction`` columns) or an OSM file, read
        with pyosmium: only the file keeps the ``oneway`` tags of the ways, which an Area
        read from a GeoPackage has lost.
    mode : {"walk", "drive"}, keyword-only
        On foot every segment goes both ways and motorways are left out; by vehicle
        one-way streets go one way and footways, steps, cycleways … are left out.
    crs : CRS, keyword-only
        A projected CRS in metres (the units' CRS); default the roads' own when projected.
    clip : polygon, keyword-only
        Keep only the lines that meet it (in ``crs``): the units' extent with a margin.

    Returns
    -------
    StreetNetwork

    Raises
    ------
    InputError
        ``mode`` unknown, or no road line usable in that mode.
    CRSError
        No projected CRS given and the roads are in degrees.

    Warns
    -----
    UserWarning
        ``mode="drive"`` on roads without a ``oneway`` column: every street is taken as
        two-way (pass the OSM file to keep its one-way streets).

    Examples
    --------
    >>> import geozz as gz
    >>> from geozz import datasets
    >>> net = street_network(datasets.path("longgang") / "shenzhen_longgang.osm.pbf",
    ...                      mode="drive", crs=32650)
    >>> net.meta["oneway"] > 100, net.n_nodes > 1000
    (True, True)
    """
    if mode not in MODES:
        raise InputError(Issue(field="mode", expected=f"one of {list(MODES)}", got=mode,
                               fix='pass mode="walk" (on foot) or mode="drive" (vehicle)'))
    roads = _roads_of(source)
    if roads.crs is None:
        raise CRSError(Issue(field="area", expected="road lines with a CRS",
                             fix="call .set_crs(...) on the roads"))
    if crs is None:
        if roads.crs.is_geographic:
            raise CRSError(Issue(field="crs", expected="a projected CRS in metres",
                                 got=str(roads.crs),
                                 fix="pass crs=units.crs (the units' UTM zone)"))
        crs = roads.crs
    roads = roads.to_crs(crs)
    if "geometry" not in roads or roads.geometry.name is None:  # pragma: no cover
        raise SchemaError(Issue(field="geometry", expected="road lines"))
    if clip is not None:
        roads = roads[shapely.intersects(roads.geometry.values, clip)]
    roads = roads.explode(index_parts=False)
    roads = roads[roads.geometry.geom_type == "LineString"]
    highway = roads["highway"].astype(object).to_numpy() if "highway" in roads else \
        np.full(len(roads), None, dtype=object)
    excluded = WALK_EXCLUDED if mode == "walk" else DRIVE_EXCLUDED
    drop = np.array([isinstance(h, str) and h in excluded for h in highway], dtype=bool)
    meta: dict = {"excluded": pd.Series(highway[drop]).value_counts().to_dict()}
    roads, highway = roads[~drop], highway[~drop]
    oneway_known = "oneway" in roads.columns
    if mode == "drive" and not oneway_known:
        warnings.warn("the roads carry no 'oneway' column: every street is taken as two-way; "
                      "pass the OSM file to routes()/street_network() to keep its one-way "
                      "streets", UserWarning, stacklevel=2)
    if mode == "drive" and oneway_known:
        junction = roads["junction"].astype(object).to_numpy() if "junction" in roads else \
            np.full(len(roads), None, dtype=object)
        sign = np.array([_oneway_sign(o, h, j) for o, h, j in
                         zip(roads["oneway"].astype(object).to_numpy(), highway, junction)],
                        dtype=np.int8)
    else:
        sign = np.zeros(len(roads), dtype=np.int8)
    meta.update(lines=len(roads), oneway=int((sign != 0).sum()), oneway_known=oneway_known)
    if not len(roads):
        raise InputError(Issue(field="area", expected=f"road lines a patrol can use ({mode})",
                               got="none", fix="check the OSM file / area, or the mode"))
    coords, line = shapely.get_coordinates(roads.geometry.values, return_index=True)
    # node identity: the exact coordinate (rounded to 1 mm against projection noise)
    keys = np.round(coords, 3)
    uniq, node = np.unique(keys, axis=0, return_inverse=True)
    node = node.ravel()
    same = line[1:] == line[:-1]
    a, b = node[:-1][same], node[1:][same]
    seg_sign = sign[line[:-1][same]]
    length = np.hypot(*(coords[1:][same] - coords[:-1][same]).T)
    ok = a != b
    a, b, seg_sign, length = a[ok], b[ok], seg_sign[ok], length[ok]
    fwd = seg_sign >= 0
    bwd = seg_sign <= 0
    u = np.concatenate([a[fwd], b[bwd]])
    v = np.concatenate([b[fwd], a[bwd]])
    w = np.concatenate([length[fwd], length[bwd]])
    matrix = _min_matrix(u, v, w, len(uniq))
    return StreetNetwork(xy=uniq.astype(float), matrix=matrix, crs=gpd.GeoSeries(crs=crs).crs,
                         mode=mode, meta=meta)


def _min_matrix(u, v, w, n):
    """CSR matrix keeping the shortest of parallel segments (scipy would add them up)."""
    from scipy.sparse import csr_matrix

    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    # a zero weight would read as "no edge": keep it a hair above zero
    w = np.maximum(w[first], 1e-9)
    return csr_matrix((w, (u[first], v[first])), shape=(n, n))
