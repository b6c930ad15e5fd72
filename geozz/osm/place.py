"""An area by place name: geocoded by osmnx, downloaded from Overpass, read as a file.

:func:`read_place` asks Nominatim for the place's polygon (``osmnx.geocode_to_gdf``),
downloads the OSM XML of the roads, waterways, admin boundaries, water and land use inside
it from the Overpass API osmnx is set up for (``osmnx.settings.overpass_url``), writes it
to a cache file and reads that file with :func:`geozz.read_osm`, the same code path as any
file. A second call finds the cache file and does not download again.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Iterable

import geopandas as gpd

from .._io import atomic_path
from ..errors import Issue, OSMError

__all__ = ["read_place", "cache_file"]

_QUERY = """[out:xml][timeout:{timeout}];
(
  way["highway"](poly:"{poly}");
  way["waterway"](poly:"{poly}");
  nwr["natural"="water"](poly:"{poly}");
  nwr["landuse"](poly:"{poly}");
  relation["boundary"="administrative"](poly:"{poly}");
);
(._;>;);
out body;
"""


def _geocode(place: str) -> gpd.GeoDataFrame:
    """The place's polygon from Nominatim (network)."""
    import osmnx as ox

    return ox.geocode_to_gdf(place)


def _download(polygon, out: Path) -> None:
    """Write the OSM XML of ``polygon`` (WGS-84) from Overpass to ``out`` (network)."""
    import osmnx as ox
    import requests

    ring = polygon.convex_hull.exterior if polygon.geom_type != "Polygon" else polygon.exterior
    poly = " ".join(f"{lat:.7f} {lon:.7f}" for lon, lat in ring.coords)
    query = _QUERY.format(timeout=int(ox.settings.requests_timeout), poly=poly)
    url = ox.settings.overpass_url.rstrip("/") + "/interpreter"
    response = requests.post(url, data={"data": query},
                             headers={"User-Agent": ox.settings.http_user_agent},
                             timeout=ox.settings.requests_timeout)
    response.raise_for_status()
    out.write_bytes(response.content)


def cache_file(place: str, cache_dir: str | Path | None = None) -> Path:
    """The cache file of a place: ``<cache_dir>/<slug>-<sha1 of the name>.osm``.

    ``cache_dir`` defaults to ``osmnx.settings.cache_folder``/``geozz``.
    """
    slug = re.sub(r"[^\w]+", "_", str(place), flags=re.UNICODE).strip("_")[:40] or "place"
    digest = hashlib.sha1(str(place).encode("utf-8")).hexdigest()[:10]
    if cache_dir is None:
        import osmnx as ox

        cache_dir = Path(ox.settings.cache_folder) / "geozz"
    return Path(cache_dir) / f"{slug}-{digest}.osm"


def read_place(place: str, *, cache_dir: str | Path | None = None, name: str | None = None,
               refresh: bool = False, river_types: Iterable[str] | None = None):
    """Download the OSM data of a place by name and read it like :func:`geozz.read_osm`.

    Parameters
    ----------
    place : str
        A place name Nominatim knows, e.g. ``"龙岗区, 深圳市"`` or ``"Aguascalientes,
        Mexico"``.
    cache_dir : str or Path, optional
        Where the downloaded XML is kept (``<slug>-<hash>.osm``); default
        ``osmnx.settings.cache_folder``/``geozz``.
    name : str, optional
        The area's name; default ``place``.
    refresh : bool
        Download again even when the cache file exists.
    river_types : iterable of str, optional
        As for :func:`geozz.read_osm`.

    Returns
    -------
    Area
        As :func:`geozz.read_osm` returns it, with the place's polygon as the boundary
        (``meta["boundary"] == "given"``), ``meta["place"]`` the name asked for and
        ``meta["cache"]`` the cache file.

    Raises
    ------
    OSMError
        The place is not found or the download fails (no network, Overpass refuses), or
        the downloaded data cannot be read.

    Examples
    --------
    >>> from geozz.osm.place import cache_file
    >>> cache_file("龙岗区, 深圳市", "cache").name
    '龙岗区_深圳市-2936062005.osm'
    """
    from . import RIVER_TYPES, read_osm

    place = str(place)
    cache = cache_file(place, cache_dir)
    try:
        found = _geocode(place)
    except Exception as exc:  # osmnx/requests: not found, no network
        raise OSMError(Issue(field="place", expected="a place Nominatim can find",
                             got=f"{place!r}: {type(exc).__name__}: {str(exc)[:200]}",
                             fix="check the name (add the city and country) and the "
                                 "network, or read a downloaded file with gz.read_osm")) from exc
    boundary = gpd.GeoDataFrame({"name": [name or place]},
                                geometry=list(found.geometry.values[:1]), crs=found.crs)
    if refresh or not cache.exists():
        try:
            os.makedirs(cache.parent, exist_ok=True)
            with atomic_path(cache) as tmp:
                _download(boundary.to_crs(4326).geometry.iloc[0], Path(tmp))
        except OSMError:
            raise
        except Exception as exc:
            raise OSMError(Issue(file=str(cache), field="place",
                                 expected="OSM data downloaded from Overpass",
                                 got=f"{type(exc).__name__}: {str(exc)[:200]}",
                                 fix="check the network and osmnx.settings.overpass_url, "
                                     "or read a downloaded file with gz.read_osm")) from exc
    area = read_osm(cache, boundary=boundary, name=name or place,
                    river_types=RIVER_TYPES if river_types is None else river_types)
    area.meta.update({"place": place, "cache": str(cache)})
    return area
