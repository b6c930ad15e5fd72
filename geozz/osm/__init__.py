"""Read an area (boundary, road sections, rivers, admin areas, water) from OpenStreetMap.

``.osm``, ``.osm.bz2``, ``.osm.gz`` and ``.osm.pbf`` files are opened with pyosmium
(header, PBF → XML) and read with osmnx: the street graph (``graph_from_xml``, simplified)
cut into road sections between intersections, and ``features_from_xml`` for admin
boundaries, water areas, land use and river lines. :func:`read_place` downloads the data
of a place by name and then reads it the same way.

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
"""

from __future__ import annotations

import dataclasses
import logging
import warnings
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import pandas as pd
import shapely

from .. import _osmfile
from .._io import as_path
from ..area import Area, boundary_frame
from ..errors import GeozzError, InputError, Issue, OSMError
from . import boundary as _boundary
from .features import read_features
from .network import geodesic_length, road_sections, street_graph
from .place import read_place
from .reader import read_file

__all__ = ["read_osm", "read_place", "RIVER_TYPES", "BOUNDARY_SOURCES"]

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
        ``"extent of roads and waterways"``.

    Raises
    ------
    OSMError
        The file is missing, a directory, empty, not OSM data, damaged or truncated; the
        ``boundary=`` is malformed (every problem of a box listed); or the boundary does
        not overlap any road or river of the file.

    Warns
    -----
    UserWarning
        When the boundary is the extent of the roads and waterways (the file has no
        admin polygon holding its data and declares no bounds), and when no road and no
        river lies inside the boundary (an area may have no mapped roads; its grid cells
        can still be built).

    Notes
    -----
    Without ``boundary=``: (1) the admin polygon with the lowest ``admin_level`` number
    among those holding at least half of the file's junctions (where two or more roads
    or waterways meet); (2) the declared bounds; (3) the extent of the junctions. A PBF
    and an XML of one extract give the same Area when they carry the same header; a PBF
    converted without it (the Chinese test extracts) falls to rule 3.

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
    sections, road_junctions = road_sections(street_graph(data.roads, data.nodes))
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
    return Area(name=name, boundary=bframe, roads=roads, rivers=rivers,
                admin=clipped["admin"], water=clipped["water"], landuse=clipped["landuse"],
                source=path.name, meta={"boundary": how, **extra})


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
