"""Road sections between intersections, from osmnx's street graph.

:func:`road_sections` builds the graph of an OSM XML file with
``osmnx.graph_from_xml`` (all ways, unsimplified, every way two-way), keeps the
``highway`` ways, simplifies it with ``osmnx.simplify_graph`` (a section runs from an
intersection or dead end to the next) and returns one row per undirected section.

Examples
--------
>>> from geozz import datasets
>>> from geozz._osmfile import xml_path
>>> with xml_path(datasets.path("haidian") / "beijing_haidian.osm.pbf") as xml:
...     sections, junctions = road_sections(xml)
>>> list(sections.columns)
['osm_id', 'name', 'highway', 'u', 'v', 'length_m', 'geometry']
"""

from __future__ import annotations

import logging
import warnings
from collections import defaultdict

import geopandas as gpd
import networkx as nx
import osmnx as ox
import shapely
from pyproj import Geod

__all__ = ["road_sections", "SECTION_COLUMNS", "geodesic_length"]

log = logging.getLogger(__name__)

SECTION_COLUMNS = ["osm_id", "name", "highway", "u", "v", "length_m", "geometry"]

_GEOD = Geod(ellps="WGS84")


def geodesic_length(geoms) -> list[float]:
    """Length in metres on the WGS-84 ellipsoid of each lon/lat line, rounded to mm.

    Examples
    --------
    >>> import shapely
    >>> geodesic_length([shapely.LineString([(114.0, 22.0), (114.0, 22.001)])])
    [110.73]
    """
    return [round(float(_GEOD.geometry_length(g)), 3) for g in geoms]


def _first(values):
    """The first value along the path (osmnx's aggregation gets them in path order)."""
    return values[0]


def _joined(values):
    return ";".join(dict.fromkeys(str(v) for v in values))


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in SECTION_COLUMNS[:-1]},
                            geometry=gpd.GeoSeries([], crs=4326), crs=4326)


def road_sections(xml: str) -> tuple[gpd.GeoDataFrame, list[tuple[float, float]]]:
    """The road sections of an OSM XML file, and where its roads meet.

    Parameters
    ----------
    xml : str
        A plain OSM XML file (see :func:`geozz._osmfile.xml_path`).

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
    Ways tagged ``area=yes`` (pedestrian squares) are not roads. An isolated ring (a
    closed way touching no other road) is kept as one section from its lowest node id.
    The XML is parsed by osmnx; its errors (``xml.sax`` / ``ElementTree``) propagate.
    """
    with warnings.catch_warnings():
        # osmnx warns when a graph has no edges; an area may have no roads
        warnings.simplefilter("ignore", UserWarning)
        raw = ox.graph_from_xml(xml, simplify=False, retain_all=True, bidirectional=True)
    drop = [(u, v, k) for u, v, k, d in raw.edges(keys=True, data=True)
            if "highway" not in d or str(d.get("area", "no")) == "yes"]
    raw.remove_edges_from(drop)
    raw.remove_nodes_from([n for n in list(raw.nodes) if raw.degree(n) == 0])
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
    rows: dict = {}
    for u, v, d in graph.edges(data=True):
        if u in ring_nodes:
            continue
        geom = d.get("geometry")
        if geom is None:
            geom = shapely.LineString([(graph.nodes[n]["x"], graph.nodes[n]["y"])
                                       for n in (u, v)])
        forward = u <= v  # path order from the lower node id: its osm_id/name/highway win
        if not forward:  # one row per undirected section, drawn from its lower node id
            u, v, geom = v, u, shapely.reverse(geom)
        row = {"osm_id": str(d["osmid"]), "name": _scalar(d.get("name")),
               "highway": _scalar(d.get("highway")), "u": int(u), "v": int(v),
               "geometry": geom}
        key = (row["u"], row["v"], shapely.normalize(geom).wkb)
        rank = (not forward, row["osm_id"])
        if key not in rows or rank < rows[key][0]:
            rows[key] = (rank, row)
    rows_list = [row for _rank, row in rows.values()]
    rows_list += [_ring_row(raw, ring) for ring in rings.values()]
    frame = gpd.GeoDataFrame(rows_list, geometry="geometry", crs=4326)
    frame = frame.sort_values(["u", "v", "osm_id"], kind="stable").reset_index(drop=True)
    frame["length_m"] = geodesic_length(frame.geometry.values)
    return frame[SECTION_COLUMNS], junctions


def _scalar(value):
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)


def _isolated_rings(raw: nx.MultiDiGraph) -> dict[int, list[int]]:
    """Components that are one closed way with no intersection: every node degree 2."""
    rings = {}
    for comp in nx.weakly_connected_components(raw):
        if all(len(set(raw.predecessors(n)) | set(raw.successors(n))) == 2 for n in comp):
            rings[min(comp)] = sorted(comp)
    return rings


def _ring_row(raw: nx.MultiDiGraph, nodes: list[int]) -> dict:
    start = nodes[0]
    und = nx.Graph(raw.to_undirected(as_view=True))
    cycle = [start]
    prev, cur = None, start
    while True:
        nxt = min(n for n in und.neighbors(cur) if n != prev)
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
