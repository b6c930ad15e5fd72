"""Admin boundaries, water areas, land use and river lines, from ``osmnx.features_from_xml``.

Examples
--------
>>> from geozz import datasets
>>> from geozz._osmfile import xml_path
>>> with xml_path(datasets.path("longgang") / "shenzhen_longgang.osm.pbf") as xml:
...     layers = read_features(xml, river_types=("river",))
>>> sorted(layers), sorted(layers["rivers"]["name"].dropna().unique())
(['admin', 'landuse', 'rivers', 'water'], ['龙岗河'])
"""

from __future__ import annotations

import warnings
from typing import Sequence

import geopandas as gpd
import osmnx as ox
import pandas as pd

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

_POLYGONS = ("Polygon", "MultiPolygon")


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


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)


def read_features(xml: str, *, river_types: Sequence[str]) -> dict[str, gpd.GeoDataFrame]:
    """The ``admin``, ``water``, ``landuse`` and ``rivers`` layers of an OSM XML file, not clipped.

    Parameters
    ----------
    xml : str
        A plain OSM XML file.
    river_types : sequence of str
        ``waterway`` values kept as river lines.

    Returns
    -------
    dict of GeoDataFrame
        ``admin``: polygons of ``boundary=administrative`` with a numeric ``admin_level``
        (``osm_id`` such as ``"relation/6662718"``, ``name``, ``admin_level`` as an
        integer, ``code`` from the first of :data:`CODE_TAGS` present); ``water``: water
        polygons (``water`` is the ``water=*`` kind, else the tag that made it water);
        ``landuse``: polygons with their ``landuse``; ``rivers``: lines (``osm_id`` the
        way id as text, ``name``, ``waterway``). Sorted by ``osm_id``; each may be empty.

    Notes
    -----
    osmnx assembles relations (multipolygons, admin boundaries) from the members in
    the file; an admin relation whose ways are not all in the file does not close and
    gives no polygon.
    """
    tags = {"boundary": "administrative", "natural": "water", "water": True,
            "waterway": sorted({*river_types, "riverbank"}), "landuse": True}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # osmnx's notes on unclosed rings
        try:
            feats = ox.features_from_xml(xml, tags=tags)
        except ox._errors.InsufficientResponseError:  # no feature matches
            return {layer: empty(layer) for layer in COLUMNS}
    feats = feats.reset_index()
    feats["osm_id"] = feats["element"].astype(str) + "/" + feats["id"].astype(str)
    kind = feats.geometry.geom_type
    poly = feats[kind.isin(_POLYGONS)]
    out = {}

    level = pd.to_numeric(_col(poly, "admin_level"), errors="coerce")
    admin = poly[(_col(poly, "boundary") == "administrative") & level.notna()].copy()
    admin["admin_level"] = level[admin.index].astype("Int64")
    code = pd.Series(None, index=admin.index, dtype=object)
    for tag in CODE_TAGS:
        code = code.fillna(_col(admin, tag))
    admin["code"] = code
    out["admin"] = admin

    is_water = ((_col(poly, "natural") == "water") | (_col(poly, "waterway") == "riverbank")
                | (_col(poly, "landuse") == "reservoir") | _col(poly, "water").notna())
    water = poly[is_water].copy()
    water["water"] = (_col(water, "water").fillna(_col(water, "waterway"))
                      .fillna(_col(water, "landuse")).fillna("water"))
    out["water"] = water
    out["landuse"] = poly[_col(poly, "landuse").notna()].copy()

    lines = feats[(kind == "LineString") & (feats["element"] == "way")
                  & _col(feats, "waterway").isin(list(river_types))].copy()
    lines["osm_id"] = lines["id"].astype(str)
    out["rivers"] = lines

    for layer, frame in out.items():
        frame = frame.assign(**{c: _col(frame, c) for c in COLUMNS[layer][:-1]})
        frame = frame.sort_values("osm_id", kind="stable")[COLUMNS[layer]]
        out[layer] = gpd.GeoDataFrame(frame.reset_index(drop=True), geometry="geometry",
                                      crs=4326) if len(frame) else empty(layer)
    return out
