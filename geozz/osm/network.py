"""Road sections between intersections, from osmnx's street graph.

:func:`build_graph` builds the unsimplified street graph osmnx would build from the same
ways (``osmnx.graph_from_xml(..., simplify=False, retain_all=True, bidirectional=True)``,
``highway`` ways only, ``area=yes`` left out) from the ways pyosmium read: their nodes and
edges become the graph ``osmnx.convert.graph_from_gdfs`` would make of them in osmnx's
format (built directly: osmnx iterates a pandas MultiIndex row by row).
:func:`road_sections` simplifies it with ``osmnx.simplify_graph`` (a section runs from an
intersection or dead end to the next) and returns one row per undirected section.
A way cut at the file's edge is in the graph as the pieces pyosmium kept, so a road cut by
the box ends at its last node in the file.

Examples
--------
>>> from geozz import datasets
>>> from geozz.osm.reader import read_file
>>> data = read_file(datasets.path("haidian") / "beijing_haidian.osm.pbf", river_types=())
>>> graph = build_graph(data.roads, data.nodes)
>>> graph.graph["crs"], graph.number_of_edges() > 2 * len(data.roads)
('epsg:4326', True)
>>> sections, junctions = road_sections(graph)
>>> list(sections.columns)
['osm_id', 'name', 'highway', 'u', 'v', 'length_m', 'geometry']
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from itertools import groupby

from typing import Mapping, Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import shapely
from pyproj import Geod

from .reader import NODE_TAGS, Line

__all__ = ["build_graph", "road_sections", "SECTION_COLUMNS", "geodesic_length"]

log = logging.getLogger(__name__)

SECTION_COLUMNS = ["osm_id", "name", "highway", "u", "v", "length_m", "geometry"]

_GEOD = Geod(ellps="WGS84")

#: the way tags the street graph's edges carry (osmnx carries these among others)
EDGE_TAGS = ("highway", "name")


def geodesic_length(geoms) -> list[float]:
    """Length in metres on the WGS-84 ellipsoid of each lon/lat line, rounded to mm.

    Examples
    --------
    >>> import shapely
    >>> geodesic_length([shapely.LineString([(114.0, 22.0), (114.0, 22.001)])])
    [110.73]
    """
    geoms = np.asarray(list(geoms), dtype=object)
    if not len(geoms):
        return []
    parts, owner = shapely.get_parts(geoms, return_index=True)
    coords, part = shapely.get_coordinates(parts, return_index=True)
    if len(coords) < 2:
        return [0.0] * len(geoms)
    # every segment of every part in one call, then summed per part and per line in order
    seg = np.asarray(_GEOD.line_lengths(coords[:, 0], coords[:, 1]), dtype=float)
    seg = np.where(part[1:] == part[:-1], seg, 0.0)
    per_part = np.bincount(part[1:], weights=seg, minlength=len(parts))
    per_geom = np.bincount(owner, weights=per_part, minlength=len(geoms))
    return [round(float(v), 3) for v in per_geom]


def _first(values):
    """The first value along the path (osmnx's aggregation gets them in path order)."""
    return values[0]


def _joined(values):
    return ";".join(dict.fromkeys(str(v) for v in values))


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in SECTION_COLUMNS[:-1]},
                            geometry=gpd.GeoSeries([], crs=4326), crs=4326)


def build_graph(roads: Sequence[Line], node_tags: Mapping[int, dict] | None = None
                 ) -> nx.MultiDiGraph:
    """The unsimplified street graph of the road ways, as osmnx builds it.

    Parameters
    ----------
    roads : sequence of Line
        The road ways (or pieces) in file order, as :func:`geozz.osm.reader.read_file`
        gives them.
    node_tags : mapping, optional
        Node id → its tags among ``highway``, ``junction``, ``railway``, ``ref``.

    Returns
    -------
    networkx.MultiDiGraph
        osmnx's graph format: nodes keyed by OSM id with ``x``, ``y`` (WGS-84) and their
        tags; each way segment an edge both ways (``reversed`` False / True, ``oneway``
        False) with ``osmid``, ``highway``, ``name`` (when the way has one) and
        ``length`` (great circle, metres), added in file order (each way forward, then
        backward), the edges ``osmnx.graph_from_xml(path, simplify=False,
        retain_all=True, bidirectional=True)`` gives for the road ways. Simplify it with
        ``osmnx.simplify_graph``.
    """
    graph_attrs = {"crs": ox.settings.default_crs,
                   "created_with": f"geozz (pyosmium) and osmnx {ox.__version__}"}
    if not any(len(line.nodes) >= 2 for line in roads):
        return nx.MultiDiGraph(**graph_attrs)
    node_tags = node_tags or {}
    us: list[int] = []
    vs: list[int] = []
    line_of: list[int] = []
    rev: list[bool] = []
    # osmnx adds each way's edges forward, then backward: the same order here, so that the
    # edge keys (and which of two parallel edges simplify_graph keeps) are osmnx's
    for _osmid, group in groupby(range(len(roads)), key=lambda i: roads[i].osmid):
        group = list(group)
        for backward in (False, True):
            for i in group:
                nodes = roads[i].nodes
                a, b = (nodes[1:], nodes[:-1]) if backward else (nodes[:-1], nodes[1:])
                us.extend(a)
                vs.extend(b)
                line_of.extend([i] * len(a))
                rev.extend([backward] * len(a))
    n = len(us)
    u = np.asarray(us, dtype=np.int64)
    v = np.asarray(vs, dtype=np.int64)
    key = pd.DataFrame({"u": u, "v": v}).groupby(["u", "v"], sort=False).cumcount().to_numpy()
    xy = {}
    for line in roads:
        xy.update(zip(line.nodes, line.coords))
    node_ids = np.fromiter(xy, dtype=np.int64, count=len(xy))
    coords = np.asarray(list(xy.values()), dtype=float).reshape(-1, 2)
    nodes = gpd.GeoDataFrame({"y": coords[:, 1], "x": coords[:, 0]},
                             index=pd.Index(node_ids, name="osmid"),
                             geometry=shapely.points(coords), crs=ox.settings.default_crs)
    for tag in NODE_TAGS:
        values = [node_tags.get(int(i), {}).get(tag) for i in node_ids]
        if any(val is not None for val in values):
            nodes[tag] = values
    pos = pd.Series(np.arange(len(node_ids)), index=node_ids)
    iu, iv = pos.reindex(u).to_numpy(), pos.reindex(v).to_numpy()
    columns = {"osmid": np.asarray([roads[i].osmid for i in line_of], dtype=np.int64)}
    for tag in EDGE_TAGS:
        values = [roads[i].tags.get(tag) for i in line_of]
        if any(val is not None for val in values):
            columns[tag] = values
    columns["oneway"] = np.zeros(n, bool)
    columns["reversed"] = np.asarray(rev, dtype=bool)
    columns["length"] = ox.distance.great_circle(coords[iu, 1], coords[iu, 0], coords[iv, 1],
                                                 coords[iv, 0])
    return _graph(nodes, u, v, key, columns, graph_attrs)


def _graph(nodes: gpd.GeoDataFrame, u, v, key, columns: dict, graph_attrs: dict
           ) -> nx.MultiDiGraph:
    """What ``osmnx.convert.graph_from_gdfs(nodes, edges)`` builds from these columns of
    the edges (same nodes, edges, keys, attributes and order; an attribute left out where
    it is null), without iterating a pandas MultiIndex and rows (a third of the time of
    reading a district)."""
    graph = nx.MultiDiGraph(**graph_attrs)
    names = list(columns)
    values = [np.asarray(columns[c]).tolist() if isinstance(columns[c], np.ndarray)
              else list(columns[c]) for c in names]
    data = [{name: val for name, val in zip(names, row) if val is not None
             and not (isinstance(val, float) and math.isnan(val))}
            for row in zip(*values)]
    graph.add_edges_from(zip(u.tolist(), v.tolist(), key.tolist(), data))
    graph.add_nodes_from(set(nodes.index) - set(graph.nodes))
    for col in nodes.columns.drop(nodes.geometry.name):
        nx.set_node_attributes(graph, values=nodes[col].dropna().to_dict(), name=col)
    return graph


def road_sections(raw: nx.MultiDiGraph) -> tuple[gpd.GeoDataFrame, list[tuple[float, float]]]:
    """The road sections of an unsimplified street graph, and where its roads meet.

    Parameters
    ----------
    raw : networkx.MultiDiGraph
        From :func:`build_graph` (not changed).

    Returns
    -------
    sections : GeoDataFrame
        One row per undirected section between intersections or dead ends, not clipped:
        ``osm_id`` (text; the ways it runs along, joined by ``";"`` in path order),
        ``name`` and ``highway`` (of its first way), ``u`` and ``v`` (the OSM node ids of
        its ends, ``u <= v``, the line drawn from ``u`` to ``v``), ``length_m``
        (geodesic) and a WGS-84 LineString; sorted by ``u``, ``v``, ``osm_id``.
    junctions : list of (lon, lat)
        The nodes two or more ``highway`` ways share.

    Notes
    -----
    An isolated ring (a closed way touching no other road) is kept as one section from
    its lowest node id.
    """
    ways_at: dict[int, set] = defaultdict(set)
    for u, v, d in raw.edges(data=True):
        ways_at[u].add(d["osmid"])
        ways_at[v].add(d["osmid"])
    junctions = sorted((raw.nodes[n]["x"], raw.nodes[n]["y"])
                       for n, ways in ways_at.items() if len(ways) >= 2)
    if raw.number_of_edges() == 0:
        return _empty(), junctions
    rings = _isolated_rings(raw)
    graph = ox.simplify_graph(raw, remove_rings=False,
                              edge_attr_aggs={"osmid": _joined, "name": _first,
                                              "highway": _first, "length": sum})
    ring_nodes = {n for ring in rings.values() for n in ring}
    xy = {n: (d["x"], d["y"]) for n, d in graph.nodes(data=True)}
    edges = [(u, v, d) for u, v, d in graph.edges(data=True) if u not in ring_nodes]
    geoms = np.array([d["geometry"] if "geometry" in d else
                      shapely.LineString([xy[u], xy[v]]) for u, v, d in edges], dtype=object)
    forward = np.array([u <= v for u, v, _d in edges], dtype=bool)
    # one row per undirected section, drawn from its lower node id; path order from the
    # lower node id: its osm_id/name/highway win
    if len(geoms):
        geoms[~forward] = shapely.reverse(geoms[~forward])
    keys = shapely.to_wkb(shapely.normalize(geoms)) if len(geoms) else []
    rows: dict = {}
    for (u, v, d), geom, fwd, wkb in zip(edges, geoms, forward, keys):
        if not fwd:
            u, v = v, u
        row = {"osm_id": str(d["osmid"]), "name": _scalar(d.get("name")),
               "highway": _scalar(d.get("highway")), "u": int(u), "v": int(v),
               "geometry": geom}
        key = (row["u"], row["v"], wkb)
        rank = (not fwd, row["osm_id"])
        if key not in rows or rank < rows[key][0]:
            rows[key] = (rank, row)
    rows_list = [row for _rank, row in rows.values()]
    rows_list += [_ring_row(raw, ring) for ring in rings.values()]
    frame = gpd.GeoDataFrame(rows_list, geometry="geometry", crs=4326)
    frame["length_m"] = geodesic_length(frame.geometry.values)
    # two sections between the same ends along the same way (a loop): the shorter first
    frame = frame.sort_values(["u", "v", "osm_id", "length_m"], kind="stable")
    frame = frame.reset_index(drop=True)
    return frame[SECTION_COLUMNS], junctions


def _scalar(value):
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)


def _neighbours(raw: nx.MultiDiGraph, n) -> set:
    return raw.succ[n].keys() | raw.pred[n].keys()


def _isolated_rings(raw: nx.MultiDiGraph) -> dict[int, list[int]]:
    """Components that are one closed way with no intersection: every node degree 2."""
    rings = {}
    for comp in nx.weakly_connected_components(raw):
        if all(len(_neighbours(raw, n)) == 2 for n in comp):
            rings[min(comp)] = sorted(comp)
    return rings


def _ring_row(raw: nx.MultiDiGraph, nodes: list[int]) -> dict:
    start = nodes[0]
    cycle = [start]
    prev, cur = None, start
    while True:
        nxt = min(n for n in _neighbours(raw, cur) if n != prev)
        if nxt == start:
            break
        cycle.append(nxt)
        prev, cur = cur, nxt
    cycle.append(start)
    data = [raw.get_edge_data(a, b) for a, b in zip(cycle, cycle[1:])]
    firsts = [next(iter(d.values())) for d in data]
    return {"osm_id": _joined([f["osmid"] for f in firsts]),
            "name": _scalar(next((f["name"] for f in firsts if "name" in f), None)),
            "highway": _scalar(firsts[0].get("highway")), "u": start, "v": start,
            "geometry": shapely.LineString([(raw.nodes[n]["x"], raw.nodes[n]["y"])
                                            for n in cycle])}
