"""Read an area (boundary, roads, rivers) from an OpenStreetMap file.

``.osm``, ``.osm.bz2``, ``.osm.gz`` and ``.osm.pbf`` files are read with GDAL's OSM
driver (through pyogrio). The boundary is, in this order: the caller's ``boundary=``;
the bounds the file declares (``<bounds>`` in XML, the header bbox in PBF); the extent of
its nodes, with a warning. Lines are clipped to the boundary, because an OSM export holds
every complete way that touches its box (the 龙岗河 way in the Longgang extract runs
22 km beyond it).

Examples
--------
>>> import geozz as gz
>>> from geozz import datasets
>>> box = (116.3084, 39.9905, 116.3320, 40.0123)
>>> area = gz.read_osm(datasets.path("haidian") / "beijing_haidian.osm.pbf", boundary=box,
...                    name="海淀")
>>> [round(float(v), 4) for v in area.boundary.total_bounds]
[116.3084, 39.9905, 116.332, 40.0123]
"""

from __future__ import annotations

import dataclasses
import logging
import warnings
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import pyogrio
import shapely

from . import _osmfile
from .area import Area, boundary_frame
from ._io import as_path
from .errors import InputError, Issue, OSMError

__all__ = ["read_osm", "RIVER_TYPES"]

log = logging.getLogger(__name__)

#: waterway values that make river reaches
RIVER_TYPES = ("river", "stream", "canal")


def read_osm(path: str | Path, *, boundary=None, name: str | None = None,
             river_types: Iterable[str] = RIVER_TYPES) -> Area:
    """Read roads and rivers of an OSM file, clipped to its boundary, as an :class:`Area`.

    Parameters
    ----------
    path : str or Path
        An ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file.
    boundary : polygon, GeoDataFrame, GeoSeries or (minlon, minlat, maxlon, maxlat), optional
        The area of interest, WGS-84 for a bare geometry or box. Default: the bounds the
        file declares, else the extent of its nodes (with a warning).
    name : str, optional
        The area's name; default the file name without its extensions.
    river_types : iterable of str
        ``waterway`` values kept as rivers.

    Returns
    -------
    Area
        ``roads`` (``osm_id``, ``name``, ``highway``) and ``rivers`` (``osm_id``,
        ``name``, ``waterway``) in WGS-84, clipped to ``boundary``.

    Raises
    ------
    OSMError
        The file is missing, a directory, empty, not OSM data, damaged or truncated; the
        ``boundary=`` is malformed (every problem of a box listed: min > max, out of
        range, not a number); or the boundary does not overlap any way of the file.

    Warns
    -----
    UserWarning
        When the file declares no bounds (the extent of its nodes is used), and when no
        road and no river lies inside the boundary: the Area is returned with empty
        ``roads`` and ``rivers`` (an area may have no mapped roads; its grid cells can
        still be built), rather than raising.

    Examples
    --------
    >>> from geozz import datasets
    >>> area = read_osm(datasets.path("longgang") / "shenzhen_longgang.osm.pbf",
    ...                 boundary=(114.1862, 22.6732, 114.2318, 22.7019))
    >>> area.name, sorted(area.rivers["name"].dropna().unique())
    ('shenzhen_longgang', ['龙岗河'])
    """
    path = as_path(path, what="OSM file")
    stem = path.name.split(".")[0]
    name = name or stem
    if isinstance(river_types, str):
        river_types = [river_types]
    river_types = [str(t) for t in river_types]
    if boundary is not None:
        try:
            bframe = boundary_frame(boundary, name=name, error=OSMError).to_crs(4326)
        except InputError as exc:  # name the file the boundary was meant for
            raise OSMError([dataclasses.replace(i, file=str(path))
                            if isinstance(i, Issue) and i.file is None else i
                            for i in exc.issues]) from None
        how = "given"
    else:
        bounds = _osmfile.declared_bounds(path)
        how = "declared by the file"
        if bounds is None:
            bounds = _osmfile.nodes_extent(path)
            how = "extent of the nodes"
            if bounds is None:
                raise OSMError(Issue(file=str(path), expected="OSM data with nodes",
                                     got="no nodes and no declared bounds",
                                     fix="the file holds no map data; export the area again"))
            warnings.warn(f"{path}: the file declares no bounds; using the extent of its "
                          "nodes, which for an OSM export runs well past the area asked for. "
                          "Pass boundary= to read_osm to set it.", UserWarning, stacklevel=2)
            if bounds[0] == bounds[2] or bounds[1] == bounds[3]:
                raise OSMError(Issue(file=str(path), field="boundary",
                                     expected="nodes spanning an area", got=bounds,
                                     fix="pass boundary=(minlon, minlat, maxlon, maxlat)"))
        bframe = boundary_frame(bounds, name=name, error=OSMError)
    log.info("%s: boundary %s", path, how)
    with _osmfile.gdal_path(path) as gpath:
        try:
            lines = pyogrio.read_dataframe(gpath, layer="lines",
                                           columns=["osm_id", "name", "highway", "waterway"])
        except Exception as exc:  # GDAL's own message is kept in the chain
            raise OSMError(Issue(file=str(path), field="layer lines",
                                 expected="a complete OSM XML or PBF file GDAL can read",
                                 got=str(exc).splitlines()[0][:200] if str(exc) else
                                 type(exc).__name__,
                                 fix="the file looks damaged or truncated; download or "
                                     "export it again")) from exc
    lines = lines.set_crs(4326, allow_override=True)
    poly = shapely.union_all(bframe.geometry.values)
    shapely.prepare(poly)
    everything = lines
    lines = lines[shapely.intersects(poly, lines.geometry.values)].copy()
    if lines.empty and not everything.empty:
        data = [round(float(v), 6) for v in everything.geometry.total_bounds]
        raise OSMError(Issue(
            file=str(path), field="boundary",
            expected="a boundary that overlaps the file's ways",
            got=f"boundary {[round(float(v), 6) for v in poly.bounds]} ({how}); the ways "
                f"lie in {data}",
            fix=f"pass boundary= inside {data} (minlon, minlat, maxlon, maxlat), or the OSM "
                "file of the area you mean"))
    lines["geometry"] = shapely.intersection(lines.geometry.values, poly)
    lines = lines[~lines.geometry.is_empty]
    lines = lines.explode(index_parts=False)
    lines = lines[lines.geometry.geom_type == "LineString"].reset_index(drop=True)
    roads = lines[lines["highway"].notna()][["osm_id", "name", "highway", "geometry"]]
    rivers = lines[lines["waterway"].isin(list(river_types))][
        ["osm_id", "name", "waterway", "geometry"]]
    if roads.empty and rivers.empty:
        warnings.warn(f"{path}: no roads (highway=*) and no rivers (waterway in "
                      f"{river_types}) inside the boundary; build_units will make grid cells "
                      "only.", UserWarning, stacklevel=2)
    return Area(name=name, boundary=bframe,
                roads=gpd.GeoDataFrame(roads.reset_index(drop=True), crs=4326),
                rivers=gpd.GeoDataFrame(rivers.reset_index(drop=True), crs=4326),
                source=path.name, meta={"boundary": how})
