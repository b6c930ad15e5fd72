"""Read an area (boundary, road sections, rivers, admin areas, water) from OpenStreetMap.

``.osm``, ``.osm.bz2``, ``.osm.gz`` and ``.osm.pbf`` files are read with pyosmium in one
pass (:mod:`geozz.osm.reader`: road and river ways with their node locations, admin, water
and land-use areas assembled by libosmium). The road ways make osmnx's street graph
(the graph ``osmnx.convert.graph_from_gdfs`` builds; :func:`street_graph` gives it), which
``osmnx.simplify_graph`` cuts into road sections between intersections
(:mod:`geozz.osm.network`). An extract cut from a larger file by a box or a polygon is
read like any other: a way crossing its edge keeps its parts inside, an area that cannot
be assembled is repaired or left out, and ``area.meta`` counts each per reason.
:func:`read_place` downloads the data of a place by name and then reads it the same way.

The boundary is, in this order: the caller's ``boundary=``; an admin polygon in the file
that holds most of its junctions; the bounds the file declares; the extent of its roads
and waterways (see :mod:`geozz.osm.boundary`), with a warning. Everything is clipped to it,
because an OSM export holds every complete way that touches its box (the 龙岗河 way in
the Longgang extract runs 22 km beyond it).

Examples
--------
>>> import geozz as gz
>>> from geozz import datasets
>>> box = (116.3084, 39.9905, 116.3320, 40.0123)
>>> area = gz.read_osm(datasets.path("haidian") / "beijing_haidian.osm.pbf", boundary=box,
...                    name="海淀")
>>> [round(float(v), 4) for v in area.boundary.total_bounds]
[116.3084, 39.9905, 116.332, 40.0123]
>>> area.meta["boundary"], list(area.roads.columns)
('given', ['osm_id', 'name', 'highway', 'u', 'v', 'length_m', 'geometry'])
>>> area.meta["read"]["roads"], area.meta["dropped"]
({'ways': 678, 'whole': 678, 'cut': 0, 'dropped': 0, 'pieces': 678}, {})
"""

from __future__ import annotations

import dataclasses
import logging
import warnings
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import networkx as nx
import osmnx as ox
import pandas as pd
import shapely

from .. import _osmfile
from .._io import as_path
from ..area import Area, boundary_frame
from ..errors import InputError, Issue, OSMError
from . import boundary as _boundary
from .features import read_features
from .network import build_graph, geodesic_length, road_sections
from .place import read_place
from .reader import read_file

__all__ = ["read_osm", "read_place", "street_graph", "RIVER_TYPES", "BOUNDARY_SOURCES"]

log = logging.getLogger(__name__)

#: waterway values that make river reaches
RIVER_TYPES = ("river", "stream", "canal")

#: what ``area.meta["boundary"]`` says (``admin:<name>`` carries the admin area's name)
BOUNDARY_SOURCES = ("given", "admin:<name>", "declared", "extent of roads and waterways")


def read_osm(path: str | Path, *, boundary=None, name: str | None = None,
             river_types: Iterable[str] = RIVER_TYPES) -> Area:
    """Read road sections, rivers, admin areas and water of an OSM file as an :class:`Area`.

    Parameters
    ----------
    path : str or Path
        An ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file (the format is
        recognised from its first bytes).
    boundary : polygon, GeoDataFrame, GeoSeries or (minlon, minlat, maxlon, maxlat), optional
        The area of interest, WGS-84 for a bare geometry or box. Default: chosen from
        the file (see Notes).
    name : str, optional
        The area's name; default the file name without its extensions.
    river_types : iterable of str
        ``waterway`` values kept as rivers.

    Returns
    -------
    Area
        In WGS-84, clipped to the boundary: ``roads``, one row per road section between
        intersections (``osm_id`` text, several ways joined by ``";"``; ``name``,
        ``highway``, ``u``, ``v`` node ids, ``length_m``); ``rivers`` (``osm_id``,
        ``name``, ``waterway``); ``admin`` (``osm_id``, ``name``, ``admin_level``,
        ``code``), ``water`` (``osm_id``, ``name``, ``water``) and ``landuse`` polygons,
        each possibly empty. ``meta["boundary"]`` says where the boundary came from:
        ``"given"``, ``"admin:<name>"``, ``"declared"`` or
        ``"extent of roads and waterways"``. ``meta["read"]`` counts what the file held:
        for ``roads`` and ``rivers`` the ``ways``, of which ``whole``, ``cut`` (some nodes
        not in the file: kept as ``pieces``) and ``dropped``; for ``areas`` (admin, water
        and land-use polygons) those ``read``, of which ``assembled``, ``repaired`` and
        ``dropped``. ``meta["dropped"]`` and ``meta["repaired"]`` give the count per
        reason (:data:`geozz.osm.reader.REASONS`), ``meta["dropped_ids"]`` and
        ``meta["repaired_ids"]`` the OSM ids (``"way/…"``, ``"relation/…"``).

    Raises
    ------
    OSMError
        The file is missing, a directory, empty, not OSM data (a CSV, a GPX track, a web
        page saved instead of the download), damaged or truncated (a broken compression
        stream, a cut-short PBF); the ``boundary=`` is malformed (every problem of a box
        listed); or the boundary does not overlap any road or river of the file. An
        extract whose ways and relations cross its edge is not an error.

    Warns
    -----
    UserWarning
        When the boundary is the extent of the roads and waterways (the file has no
        admin polygon holding its data and declares no bounds); when ways or areas were
        left out or repaired (the counts per reason); and when no road and no river lies
        inside the boundary (an area may have no mapped roads; its grid cells can still
        be built).

    Notes
    -----
    Without ``boundary=``: (1) the admin polygon with the lowest ``admin_level`` number
    among those holding at least half of the file's junctions (where two or more roads
    or waterways meet); (2) the declared bounds; (3) the extent of the junctions. A PBF
    and an XML of one extract give the same Area when they carry the same header; a PBF
    converted without it (the Chinese test extracts) falls to rule 3.

    A way with some nodes missing from the file (an extract cut by a box holds only the
    nodes inside) keeps each run of two or more consecutive nodes it has: a road cut by
    the box ends at its last node inside. A way with fewer than two nodes in the file is
    left out. An admin, water or land-use area libosmium cannot assemble is rebuilt from
    its ways' lines and made valid (``shapely.make_valid``), or left out when its rings
    do not close (member ways or nodes outside the file, a broken ring).

    Examples
    --------
    >>> from geozz import datasets
    >>> area = read_osm(datasets.path("longgang") / "shenzhen_longgang.osm.pbf",
    ...                 boundary=(114.1862, 22.6732, 114.2318, 22.7019))
    >>> area.name, sorted(area.rivers["name"].dropna().unique())
    ('shenzhen_longgang', ['龙岗河'])
    """
    path = as_path(path, what="OSM file")
    name = name or path.name.split(".")[0]
    if isinstance(river_types, str):
        river_types = [river_types]
    river_types = [str(t) for t in river_types]
    bframe = None
    if boundary is not None:
        try:
            bframe = boundary_frame(boundary, name=name, error=OSMError).to_crs(4326)
        except InputError as exc:  # name the file the boundary was meant for
            raise OSMError([dataclasses.replace(i, file=str(path))
                            if isinstance(i, Issue) and i.file is None else i
                            for i in exc.issues]) from None
    declared = _osmfile.declared_bounds(path)  # also refuses what is not OSM data
    data = read_file(path, river_types=river_types)
    sections, road_junctions = road_sections(build_graph(data.roads, data.nodes))
    layers = read_features(data)
    rivers = layers.pop("rivers")
    lines = list(sections.geometry.values) + list(rivers.geometry.values)
    how, extra = "given", {}
    if bframe is None:
        points = _boundary.junction_points(road_junctions, rivers, sections)
        row, share = _boundary.choose_admin(layers["admin"], points)
        if row is not None:
            how = f"admin:{row['name']}"
            extra = {"admin_osm_id": row["osm_id"], "admin_level": int(row["admin_level"]),
                     "admin_share": round(share, 4)}
            bframe = gpd.GeoDataFrame({"name": [name]}, geometry=[row.geometry], crs=4326)
        elif declared is not None:
            how = "declared"
            bframe = boundary_frame(declared, name=name, error=OSMError)
        else:
            how = "extent of roads and waterways"
            box = _boundary.extent(points, lines)
            if box is None or box[0] == box[2] or box[1] == box[3]:
                raise OSMError(Issue(file=str(path), field="boundary",
                                     expected="roads or waterways spanning an area, or "
                                              "declared bounds", got=box or "none",
                                     fix="pass boundary=(minlon, minlat, maxlon, maxlat)"))
            warnings.warn(f"{path}: no admin polygon holds the file's roads and it declares "
                          f"no bounds; using the extent of its roads and waterways {box}. "
                          "Pass boundary= to read_osm to set it.", UserWarning, stacklevel=2)
            bframe = boundary_frame(box, name=name, error=OSMError)
    log.info("%s: boundary %s", path, how)
    poly = shapely.union_all(bframe.geometry.values)
    shapely.prepare(poly)
    if lines and not shapely.intersects(poly, lines).any():
        data = [round(float(v), 6) for v in shapely.total_bounds(lines)]
        raise OSMError(Issue(
            file=str(path), field="boundary",
            expected="a boundary that overlaps the file's ways",
            got=f"boundary {[round(float(v), 6) for v in poly.bounds]} ({how}); the ways "
                f"lie in {data}",
            fix=f"pass boundary= inside {data} (minlon, minlat, maxlon, maxlat), or the OSM "
                "file of the area you mean"))
    roads = _clip(sections, poly, ("LineString",))
    roads["length_m"] = geodesic_length(roads.geometry.values)
    rivers = _clip(rivers, poly, ("LineString",))
    clipped = {layer: _clip(frame, poly, ("Polygon", "MultiPolygon"))
               for layer, frame in layers.items()}
    if roads.empty and rivers.empty:
        warnings.warn(f"{path}: no roads (highway=*) and no rivers (waterway in "
                      f"{river_types}) inside the boundary; build_units will make grid cells "
                      "only.", UserWarning, stacklevel=2)
    if data.dropped or data.repaired:
        warnings.warn(_dropped_note(path, data), UserWarning, stacklevel=2)
    return Area(name=name, boundary=bframe, roads=roads, rivers=rivers,
                admin=clipped["admin"], water=clipped["water"], landuse=clipped["landuse"],
                source=path.name,
                meta={"boundary": how, **extra, "read": data.counts,
                      "dropped": data.dropped, "dropped_ids": data.dropped_ids,
                      "repaired": data.repaired, "repaired_ids": data.repaired_ids})


def _dropped_note(path: Path, data) -> str:
    """The warning's text: what was left out or repaired, per reason."""
    parts = [f"{n} {reason}" for reason, n in data.dropped.items()]
    text = f"{path}: "
    if parts:
        text += "left out " + "; ".join(parts)
    if data.repaired:
        text += ("; " if parts else "") + "; ".join(
            f"{n} {reason}" for reason, n in data.repaired.items())
    cut = sum(data.counts[k]["cut"] for k in ("roads", "rivers"))
    if cut:
        text += f" ({cut} ways cross the file's edge and keep their parts inside it)"
    return (text + ". An extract cut by a box or a polygon holds parts of the ways and "
            "relations crossing its edge; area.meta['dropped'] and ['dropped_ids'] list "
            "what was left out.")


def street_graph(path: str | Path, *, simplify: bool = True) -> nx.MultiDiGraph:
    """The street graph of an OSM file's roads, read with pyosmium, as an osmnx graph.

    The graph ``read_osm`` cuts into road sections: every ``highway`` way (not
    ``area=yes``), both directions, as ``osmnx.graph_from_xml(path, bidirectional=True,
    retain_all=True)`` would give it for an XML file, the graph
    ``osmnx.convert.graph_from_gdfs`` builds, simplified with ``osmnx.simplify_graph``; so
    any osmnx function takes it. Ways cut at the file's edge are in it as their parts
    inside.

    Parameters
    ----------
    path : str or Path
        An ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file.
    simplify : bool, default True
        Simplify with ``osmnx.simplify_graph`` (edges between intersections and dead
        ends); else one edge per way segment.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes with ``x``, ``y`` (WGS-84) and the node tags osmnx keeps; edges with
        ``osmid``, ``highway``, ``name``, ``oneway``, ``reversed`` and ``length`` (m).

    Raises
    ------
    OSMError
        As :func:`read_osm`, for a file that is not OSM data or is damaged.

    Examples
    --------
    >>> import osmnx as ox
    >>> from geozz import datasets
    >>> graph = street_graph(datasets.path("haidian") / "beijing_haidian.osm.pbf")
    >>> nodes, edges = ox.graph_to_gdfs(graph)
    >>> graph.graph["simplified"], len(edges) == graph.number_of_edges()
    (True, True)
    """
    path = as_path(path, what="OSM file")
    data = read_file(path, river_types=())
    graph = build_graph(data.roads, data.nodes)
    return ox.simplify_graph(graph) if simplify and graph.number_of_edges() else graph


def _clip(frame: gpd.GeoDataFrame, poly, kinds: tuple[str, ...]) -> gpd.GeoDataFrame:
    """``frame`` cut to ``poly``: the parts of the wanted geometry types, index reset."""
    if frame.empty:
        return frame.reset_index(drop=True)
    keep = frame[shapely.intersects(poly, frame.geometry.values)].copy()
    keep["geometry"] = shapely.intersection(keep.geometry.values, poly)
    if "LineString" in kinds:
        keep = keep.explode(index_parts=False)
    else:  # a polygon cut to the boundary may leave slivers of lines or points
        keep["geometry"] = [_polygonal(g) for g in keep.geometry.values]
    keep = keep[~keep.geometry.is_empty & keep.geometry.geom_type.isin(list(kinds))]
    out = gpd.GeoDataFrame(keep.reset_index(drop=True), geometry="geometry", crs=4326)
    for col, dtype in frame.dtypes.items():  # an emptied frame keeps its column types
        if col != "geometry" and isinstance(dtype, pd.Int64Dtype):
            out[col] = out[col].astype("Int64")
    return out


def _polygonal(geom):
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
