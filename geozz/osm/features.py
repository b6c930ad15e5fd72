"""Admin boundaries, water areas, land use and river lines as GeoDataFrames.

:func:`read_features` turns what :func:`geozz.osm.reader.read_file` read (areas assembled by
libosmium, river ways) into the ``admin``, ``water``, ``landuse`` and ``rivers`` layers.

Examples
--------
>>> from geozz import datasets
>>> from geozz.osm.reader import read_file
>>> data = read_file(datasets.path("longgang") / "shenzhen_longgang.osm.pbf",
...                  river_types=("river",))
>>> layers = read_features(data)
>>> sorted(layers), sorted(layers["rivers"]["name"].dropna().unique())
(['admin', 'landuse', 'rivers', 'water'], ['龙岗河'])
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from .reader import OSMData, admin_level

__all__ = ["read_features", "COLUMNS", "CODE_TAGS", "WATER_TAGS"]

#: the columns of each layer (geometry last)
COLUMNS = {
    "admin": ["osm_id", "name", "admin_level", "code", "geometry"],
    "water": ["osm_id", "name", "water", "geometry"],
    "landuse": ["osm_id", "name", "landuse", "geometry"],
    "rivers": ["osm_id", "name", "waterway", "geometry"],
}
#: tags holding an official code of an admin area, first present wins
CODE_TAGS = ("ref:gb", "admin_code", "ref", "ISO3166-2")
#: what makes a water area: natural=water (any water=*), waterway=riverbank, landuse=reservoir
WATER_TAGS = {"natural": ["water"], "waterway": ["riverbank"], "landuse": ["reservoir"]}


def empty(layer: str) -> gpd.GeoDataFrame:
    """An empty layer with its columns, WGS-84.

    Examples
    --------
    >>> list(empty("admin").columns)
    ['osm_id', 'name', 'admin_level', 'code', 'geometry']
    """
    cols = COLUMNS[layer][:-1]
    frame = gpd.GeoDataFrame({c: pd.Series([], dtype="object") for c in cols},
                             geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    if layer == "admin":
        frame["admin_level"] = frame["admin_level"].astype("Int64")
    return frame


def read_features(data: OSMData) -> dict[str, gpd.GeoDataFrame]:
    """The ``admin``, ``water``, ``landuse`` and ``rivers`` layers of an OSM file, not clipped.

    Parameters
    ----------
    data : OSMData
        From :func:`geozz.osm.reader.read_file`.

    Returns
    -------
    dict of GeoDataFrame
        ``admin``: polygons of ``boundary=administrative`` with a numeric ``admin_level``
        (``osm_id`` such as ``"relation/6662718"``, ``name``, ``admin_level`` as an
        integer, ``code`` from the first of :data:`CODE_TAGS` present); ``water``: water
        polygons (``water`` is the ``water=*`` kind, else the tag that made it water);
        ``landuse``: polygons with their ``landuse``; ``rivers``: lines (``osm_id`` the
        way id as text, ``name``, ``waterway``; a way cut at the file's edge gives a row
        per piece). Sorted by ``osm_id``; each may be empty.
    """
    out = {}
    for layer in ("admin", "water", "landuse"):
        rows = []
        for osm_id, tags, geom in data.areas[layer]:
            row = {"osm_id": osm_id, "name": tags.get("name"), "geometry": geom}
            if layer == "admin":
                row["admin_level"] = admin_level(tags)
                row["code"] = next((tags[t] for t in CODE_TAGS if t in tags), None)
            elif layer == "water":
                row["water"] = next((tags[k] for k in ("water", "waterway", "landuse")
                                     if k in tags), "water")
            else:
                row["landuse"] = tags.get("landuse")
            rows.append(row)
        out[layer] = rows
    out["rivers"] = [{"osm_id": str(line.osmid), "name": line.tags.get("name"),
                      "waterway": line.tags.get("waterway"),
                      "geometry": shapely.LineString(line.coords)} for line in data.rivers]
    frames = {}
    for layer, rows in out.items():
        if not rows:
            frames[layer] = empty(layer)
            continue
        frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
        frame = frame.sort_values("osm_id", kind="stable")[COLUMNS[layer]]
        for col in COLUMNS[layer][:-1]:  # text, whatever the values (all missing, too)
            if col != "admin_level":
                frame[col] = frame[col].astype("str")
        if layer == "admin":
            frame["admin_level"] = frame["admin_level"].astype("Int64")
        frames[layer] = frame.reset_index(drop=True)
    return frames
