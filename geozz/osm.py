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

import logging
import warnings
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import pyogrio
import shapely

from . import _osmfile
from .area import Area, boundary_frame
from .errors import Issue, OSMError

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
        The file is missing, unreadable, or has no ``lines`` layer.

    Examples
    --------
    >>> from geozz import datasets
    >>> area = read_osm(datasets.path("longgang") / "shenzhen_longgang.osm.pbf",
    ...                 boundary=(114.1862, 22.6732, 114.2318, 22.7019))
    >>> area.name, sorted(area.rivers["name"].dropna().unique())
    ('shenzhen_longgang', ['龙岗河'])
    """
    path = Path(path)
    stem = path.name.split(".")[0]
    name = name or stem
    if boundary is not None:
        bframe = boundary_frame(boundary, name=name, error=OSMError).to_crs(4326)
        how = "given"
    else:
        bounds = _osmfile.declared_bounds(path)
        how = "declared by the file"
        if bounds is None:
            bounds = _osmfile.nodes_extent(path)
            how = "extent of the nodes"
            warnings.warn(f"{path}: the file declares no bounds; using the extent of its "
                          "nodes, which for an OSM export runs well past the area asked for. "
                          "Pass boundary= to read_osm to set it.", UserWarning, stacklevel=2)
        bframe = boundary_frame(bounds, name=name)
    log.info("%s: boundary %s", path, how)
    with _osmfile.gdal_path(path) as gpath:
        try:
            lines = pyogrio.read_dataframe(gpath, layer="lines",
                                           columns=["osm_id", "name", "highway", "waterway"])
        except Exception as exc:  # GDAL's own message is kept in the chain
            raise OSMError(Issue(file=str(path), field="layer lines",
                                 expected="an OSM file GDAL can read", got=str(exc)[:200],
                                 fix="check that the file is a complete OSM XML or PBF "
                                     "file")) from exc
    lines = lines.set_crs(4326, allow_override=True)
    poly = shapely.union_all(bframe.geometry.values)
    shapely.prepare(poly)
    lines = lines[shapely.intersects(poly, lines.geometry.values)].copy()
    lines["geometry"] = shapely.intersection(lines.geometry.values, poly)
    lines = lines[~lines.geometry.is_empty]
    lines = lines.explode(index_parts=False)
    lines = lines[lines.geometry.geom_type == "LineString"].reset_index(drop=True)
    roads = lines[lines["highway"].notna()][["osm_id", "name", "highway", "geometry"]]
    rivers = lines[lines["waterway"].isin(list(river_types))][
        ["osm_id", "name", "waterway", "geometry"]]
    return Area(name=name, boundary=bframe,
                roads=gpd.GeoDataFrame(roads.reset_index(drop=True), crs=4326),
                rivers=gpd.GeoDataFrame(rivers.reset_index(drop=True), crs=4326),
                source=path.name, meta={"boundary": how})
