"""Zonal statistics of any raster per unit, weighted by the share of each pixel covered.

Each unit is reprojected to the raster's CRS and met with the pixels of its bounding
window; a pixel counts with the share of its area the unit covers (1 for pixels wholly
inside, found with a prepared ``contains`` test; the exact intersection area for the
pixels on the border). So a unit smaller than a pixel still gets the value of the pixel
(or pixels) under it, and a population raster summed over the cells that tile a district
gives the district's population. Nodata pixels (the raster's ``nodata`` or NaN) are left
out and counted apart.

Statistics:

* ``mean`` — Σ wᵢvᵢ / Σ wᵢ over valid pixels (w = covered share);
* ``sum`` — Σ wᵢvᵢ: for a raster of counts (residents per pixel) the count in the unit;
* ``max`` / ``min`` — over valid pixels the unit touches (w > 0);
* ``count`` — valid pixels the unit touches; ``coverage`` — Σ wᵢ over them (pixels'
  worth of area); ``nodata`` — nodata pixels it touches.

Examples
--------
>>> import numpy as np, geopandas as gpd, shapely
>>> from rasterio.transform import from_origin
>>> from geozz.raster.surface import Surface
>>> r = Surface(np.array([[[1, 2], [3, -1]]], "float32"), from_origin(0, 20, 10, 10),
...             "EPSG:32650", ["pop"], nodata=-1)
>>> units = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 20, 20), shapely.box(2, 12, 4, 14)],
...                          index=["all", "tiny"], crs=32650)
>>> zonal(r, units)[["mean", "sum", "count", "nodata"]].round(3).values.tolist()
[[2.0, 6.0, 3.0, 1.0], [1.0, 0.04, 1.0, 0.0]]
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import CRSError, InputError, Issue
from .surface import Surface, read

__all__ = ["zonal", "per_residents", "STATS"]

#: the statistics :func:`zonal` computes
STATS = ("mean", "sum", "max", "min", "count", "coverage", "nodata")
#: unit-pixel pairs handled in one vectorised batch
_BATCH = 2_000_000


def _as_surface(raster) -> Surface:
    if isinstance(raster, Surface):
        return raster
    if isinstance(raster, (str, Path)):
        return read(raster)
    raise InputError(Issue(field="raster", expected="a Surface or the path of a raster",
                           got=type(raster).__name__, fix="pass gz.raster.density(...) or "
                                                         "'population.tif'"))


def _pairs(geoms: np.ndarray, surface: Surface):
    """(unit position, row, col) of every pixel in each unit's bounding window."""
    h, w = surface.shape
    t = surface.transform
    b = shapely.bounds(geoms)
    ok = np.isfinite(b).all(axis=1)
    c0 = np.floor((b[:, 0] - t.c) / t.a)
    c1 = np.ceil((b[:, 2] - t.c) / t.a) - 1
    r0 = np.floor((b[:, 3] - t.f) / t.e)
    r1 = np.ceil((b[:, 1] - t.f) / t.e) - 1
    c0, r0 = np.clip(np.where(ok, c0, 0), 0, None), np.clip(np.where(ok, r0, 0), 0, None)
    c1, r1 = np.minimum(np.where(ok, c1, -1), w - 1), np.minimum(np.where(ok, r1, -1), h - 1)
    nc = np.clip(c1 - c0 + 1, 0, None).astype(np.int64)
    nr = np.clip(r1 - r0 + 1, 0, None).astype(np.int64)
    n = nc * nr
    unit = np.repeat(np.arange(len(geoms)), n)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    row = np.repeat(r0.astype(np.int64), n) + k // np.repeat(np.maximum(nc, 1), n)
    col = np.repeat(c0.astype(np.int64), n) + k % np.repeat(np.maximum(nc, 1), n)
    return unit, row, col


def _weights(geoms: np.ndarray, surface: Surface, unit, row, col) -> np.ndarray:
    """The share of each pixel's area the unit covers."""
    t = surface.transform
    x0 = t.c + col * t.a
    y1 = t.f + row * t.e
    boxes = shapely.box(x0, y1 + t.e, x0 + t.a, y1)
    g = geoms[unit]
    wts = np.zeros(len(unit))
    inside = shapely.covers(g, boxes)
    wts[inside] = 1.0
    edge = ~inside & shapely.intersects(g, boxes)
    if edge.any():
        wts[edge] = shapely.area(shapely.intersection(g[edge], boxes[edge])) / abs(t.a * t.e)
    return np.clip(wts, 0.0, 1.0)


def zonal(raster, units: gpd.GeoDataFrame, *, stats=STATS, band: str | int | None = None,
          progress=None) -> pd.DataFrame:
    """Statistics of one band of ``raster`` per unit (see the module for their meaning).

    Parameters
    ----------
    raster : Surface or str or Path
        A :class:`~geozz.raster.Surface` or a raster file (GeoTIFF …) with a CRS, north up.
    units : GeoDataFrame
        Polygons in any CRS (reprojected to the raster's); their index names the rows.
    stats : sequence of str, default all of :data:`STATS`
    band : str or int, optional
        The band's label or 1-based number; default the first.
    progress : callable, optional
        Called with ``(done, total)`` after each batch of unit-pixel pairs.

    Returns
    -------
    DataFrame
        One row per unit, in the units' order; NaN (``count`` 0) for a unit off the
        raster or over nodata only.

    Raises
    ------
    InputError
        An unknown statistic or band, or a rotated raster.
    CRSError
        The units have no CRS.

    Examples
    --------
    >>> import geozz as gz
    >>> units = gz.build_units(gz.datasets.longgang())
    >>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> s = gz.raster.density(problems, cell_size=100, bandwidth=300)
    >>> z = gz.raster.zonal(s, units, stats=["mean", "max"])
    >>> list(z.columns), len(z) == len(units)
    (['mean', 'max'], True)
    """
    surface = _as_surface(raster)
    stats = [stats] if isinstance(stats, str) else list(stats)
    bad = [s for s in stats if s not in STATS]
    if bad:
        raise InputError(Issue(field="stats", expected=f"some of {STATS}", got=bad,
                               fix="e.g. stats=['mean', 'sum']"))
    t = surface.transform
    if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
        raise InputError(Issue(field="raster", expected="a north-up raster (no rotation)",
                               got=tuple(t)[:6], fix="warp it first, e.g. gdalwarp "
                                                     "-t_srs EPSG:4326 in.tif out.tif"))
    if band is None:
        b = 0
    elif isinstance(band, (int, np.integer)) and not isinstance(band, bool):
        b = int(band) - 1
    else:
        b = surface.labels.index(band) if band in surface.labels else -1
    if not 0 <= b < len(surface.labels):
        raise InputError(Issue(field="band", expected=f"a label of {surface.labels[:10]} or "
                               f"1..{len(surface.labels)}", got=band,
                               fix="leave band out for the first"))
    if units.crs is None:
        raise CRSError(Issue(field="units.crs", expected="units with a CRS", got=None,
                             fix="set it, e.g. units.set_crs(32650)"))
    geoms = units.geometry.to_crs(surface.crs).to_numpy()
    shapely.prepare(geoms)
    values = surface.values[b].astype(np.float64)
    valid = np.isfinite(values)
    if surface.nodata is not None:
        valid &= values != surface.nodata
    n = len(geoms)
    acc = {k: np.zeros(n) for k in ("wv", "w", "count", "nodata")}
    vmax = np.full(n, -np.inf)
    vmin = np.full(n, np.inf)
    unit, row, col = _pairs(geoms, surface)
    for start in range(0, len(unit), _BATCH):
        u, r, c = (a[start:start + _BATCH] for a in (unit, row, col))
        wts = _weights(geoms, surface, u, r, c)
        hit = wts > 0
        u, r, c, wts = u[hit], r[hit], c[hit], wts[hit]
        ok = valid[r, c]
        v = np.where(ok, values[r, c], 0.0)
        np.add.at(acc["nodata"], u[~ok], 1)
        u, v, wts = u[ok], v[ok], wts[ok]
        acc["wv"] += np.bincount(u, weights=wts * v, minlength=n)
        acc["w"] += np.bincount(u, weights=wts, minlength=n)
        acc["count"] += np.bincount(u, minlength=n)
        np.maximum.at(vmax, u, v)
        np.minimum.at(vmin, u, v)
        if progress is not None:
            progress(min(start + _BATCH, len(unit)), len(unit))
    some = acc["count"] > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {"mean": np.where(some, acc["wv"] / acc["w"], np.nan),
               "sum": np.where(some, acc["wv"], np.nan),
               "max": np.where(some, vmax, np.nan), "min": np.where(some, vmin, np.nan),
               "count": acc["count"], "coverage": acc["w"], "nodata": acc["nodata"]}
    return pd.DataFrame({s: out[s] for s in stats}, index=units.index.copy())


def per_residents(ratings: pd.DataFrame, units: gpd.GeoDataFrame, population, *,
                  per: int = 10_000, band: str | int | None = None) -> pd.DataFrame:
    """Problems found per ``per`` residents, per unit and period, from a population raster.

    Parameters
    ----------
    ratings : DataFrame
        From :func:`geozz.rate` (its ``found`` column: problems found in the period).
    units : GeoDataFrame
        The units rated.
    population : Surface or path
        A raster of residents per pixel (WorldPop, LandScan, a census grid …).
    per : int, default 10000

    Returns
    -------
    DataFrame
        ``unit_id``, ``period``, ``found``, ``residents`` (coverage-weighted sum) and
        ``found_per_<per>`` (NaN where a unit has no residents).

    Examples
    --------
    >>> import numpy as np, geozz as gz
    >>> from rasterio.transform import from_origin
    >>> units = gz.build_units(gz.datasets.longgang())
    >>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> ratings = gz.rate(gz.assign(problems, units), units)
    >>> x0, y0, x1, y1 = units.total_bounds
    >>> pop = gz.raster.Surface(np.full((1, 40, 40), 50, "float32"),
    ...                         from_origin(x0, y1, (x1 - x0) / 40, (y1 - y0) / 40),
    ...                         "EPSG:32650", ["residents"])
    >>> out = gz.raster.per_residents(ratings, units, pop)
    >>> "found_per_10000" in out and len(out) == len(ratings)
    True
    """
    if "found" not in ratings or "unit_id" not in ratings:
        raise InputError(Issue(field="ratings", expected="the ratings of gz.rate (unit_id, "
                               "found)", got=list(ratings.columns)[:8],
                               fix="pass gz.rate(ledger, units)"))
    residents = zonal(population, units, stats=["sum"], band=band)["sum"]
    out = ratings[["unit_id", "period", "found"]].copy()
    out["residents"] = out["unit_id"].astype(str).map(
        dict(zip(units.index.astype(str), residents.to_numpy()))).astype(float)
    col = f"found_per_{per}"
    with np.errstate(divide="ignore", invalid="ignore"):
        out[col] = np.where(out["residents"] > 0,
                            out["found"].astype(float) / out["residents"] * per, np.nan)
    return out
