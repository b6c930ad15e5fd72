"""Point files GDAL reads: GeoJSON, GeoPackage, Shapefile, FlatGeobuf, GeoParquet.

Examples
--------
>>> _value(float("nan")) is None, _value(3)
(True, 3)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import InvariantError
from .base import RawTable, _fail


def _value(v: object) -> object:
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, float):
        return None if np.isnan(v) else v
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v if isinstance(v, (int, np.integer, np.floating)) else str(v)


def read_gdal(path: Path) -> RawTable:
    """Read a GeoJSON / GeoPackage / Shapefile / GeoParquet of point features.

    Each feature is a record; its line is the feature number (1-based). A feature
    without geometry, with an empty one or with one that is not a Point is marked
    ``bad_geometry``.
    """
    import geopandas as gpd
    import pyogrio

    file = str(path)
    parquet = path.name.lower().endswith((".parquet", ".geoparquet"))
    try:
        gdf = gpd.read_parquet(path) if parquet else gpd.read_file(path)
        expected = -1 if parquet else int(pyogrio.read_info(path).get("features", -1))
    except Exception as exc:  # the GDAL / Arrow boundary: any failure is a bad file
        raise _fail(file, "a point file GDAL reads", "export the records again, or as "
                    "CSV with lon/lat columns", got=f"{type(exc).__name__}: {exc}"[:200]) \
            from None
    if expected >= 0 and expected != len(gdf):
        raise InvariantError(f"{file}: GDAL reports {expected} features, "
                             f"{len(gdf)} were read")
    geom = gdf.geometry
    if gdf.crs is not None and len(gdf):
        try:
            geom = geom.to_crs(4326)
        except Exception as exc:  # pyproj: a CRS it cannot transform
            raise _fail(file, "a CRS that converts to WGS-84", "save the file in "
                        "EPSG:4326", got=str(exc)[:200]) from None
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    for c in frame.columns:
        frame[c] = frame[c].astype(object).map(_value)
    gtype = geom.geom_type.to_numpy(object)
    empty = geom.isna().to_numpy() | geom.is_empty.fillna(True).to_numpy()
    point = (gtype == "Point") & ~empty
    x = np.full(len(gdf), np.nan)
    y = np.full(len(gdf), np.nan)
    if point.any():
        x[point] = geom[point].x.to_numpy()
        y[point] = geom[point].y.to_numpy()
    frame["lon"] = [float(v) if ok else None for v, ok in zip(x, point)]
    frame["lat"] = [float(v) if ok else None for v, ok in zip(y, point)]
    frame = frame.reset_index(drop=True)
    marks = {int(i): ("bad_geometry", "geometry",
                      "no geometry" if empty[i] else f"a {gtype[i]}, not a Point")
             for i in np.flatnonzero(~point)}
    n = len(frame)
    return RawTable(frame=frame, rows=np.arange(1, n + 1), lines=np.arange(1, n + 1),
                    n_records=n, marks=marks)
