"""Reading an office's own units from a GIS file (:func:`read_units`) and checking them.

Every problem with the file — options, columns, CRS, each bad row — is collected into one
:class:`~geozz.errors.SchemaError` (or :class:`~geozz.errors.CRSError` when only the CRS
is wrong).

Examples
--------
>>> import geozz as gz
>>> read_units("no/such/units.gpkg")
Traceback (most recent call last):
...
geozz.errors.SchemaError: ...
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .._io import as_path
from ..errors import CRSError, InputError, Issue, SchemaError
from .base import COLUMNS, metric_crs
from .registry import UNIT_TYPES, _unit_type_fix

__all__ = ["read_units"]


def _open_units_file(path: Path, layer: str | None) -> tuple[gpd.GeoDataFrame | None,
                                                             list[Issue]]:
    """Read the file, turning every way it can fail into one :class:`Issue`."""
    import pyogrio
    from pyogrio.errors import (DataLayerError, DataSourceError, FeatureError, FieldError,
                                GeometryError)

    gdal_errors = (DataLayerError, DataSourceError, FeatureError, FieldError, GeometryError,
                   pyogrio.errors.CRSError, OSError, RuntimeError, ValueError)
    fix_damaged = ("the file is damaged, truncated or not a GIS file; export it again from "
                   "your GIS (GeoPackage is safest)")
    if not path.exists():
        return None, [Issue(file=str(path), expected="an existing file", got="no such file",
                            fix="check the path")]
    if path.is_dir():
        inside = sorted(p.name for p in path.iterdir()
                        if p.suffix.lower() in (".shp", ".gpkg", ".geojson", ".json",
                                                ".fgb", ".kml", ".gml"))
        return None, [Issue(file=str(path), expected="a file", got="a directory",
                            fix="pass the units file inside it"
                                + (f", one of {inside}" if inside else ""))]
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [Issue(file=str(path), expected="a readable file", got=str(exc),
                            fix="check the file's permissions")]
    if size == 0:
        return None, [Issue(file=str(path), expected="a units file", got="an empty file (0 bytes)",
                            fix="the file was not written completely; export it again")]
    try:
        have = [str(name) for name, _ in pyogrio.list_layers(path)]
    except gdal_errors as exc:
        return None, [Issue(file=str(path), expected="a units file GDAL can read (GeoPackage, "
                            "shapefile, GeoJSON…)", got=str(exc).splitlines()[0][:160],
                            fix=fix_damaged)]
    if not have:
        return None, [Issue(file=str(path), field="layer", expected="a file with a layer",
                            got="no layers", fix="export the units layer into the file")]
    if layer is not None and layer not in have:
        return None, [Issue(file=str(path), field="layer", expected=f"one of its layers {have}",
                            got=layer, fix=f"pass layer= with one of {have}")]
    try:
        gdf = gpd.read_file(path, layer=layer if layer is not None else have[0])
    except gdal_errors as exc:
        return None, [Issue(file=str(path), field=f"layer {layer or have[0]}",
                            expected="a layer GDAL can read", got=str(exc).splitlines()[0][:160],
                            fix=fix_damaged)]
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry is None:
        return None, [Issue(file=str(path), field="geometry", expected="a layer with geometries",
                            got="a table without geometry", fix="export the units with their "
                            "polygons (a CSV needs a WKT geometry column read by your GIS)")]
    return gdf, []


def _crs_option(value, field: str, issues: list[Issue]) -> CRS | None:
    if value is None:
        return None
    try:
        return CRS.from_user_input(value)
    except Exception:  # pyproj.exceptions.CRSError and TypeError for odd objects
        issues.append(Issue(field=field, expected="a CRS pyproj knows (e.g. 'EPSG:32650')",
                            got=value, fix=f"pass {field}='EPSG:<code>'"))
        return None


def _check_bounds(gdf: gpd.GeoDataFrame, path: Path, source_crs) -> list[Issue]:
    """Coordinates that cannot be in the CRS the file says (metres labelled as degrees…)."""
    geom = gdf.geometry[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if gdf.crs is None or geom.empty:
        return []
    minx, miny, maxx, maxy = (float(v) for v in geom.total_bounds)
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        return [Issue(file=str(path), field="geometry", expected="finite coordinates",
                      got="NaN or infinite coordinates", fix="repair the geometries in your GIS")]
    crs = CRS.from_user_input(gdf.crs)
    got = f"bounds ({minx:.6g}, {miny:.6g}, {maxx:.6g}, {maxy:.6g}) in {crs.to_string()}"
    said = "the CRS given as source_crs=" if source_crs is not None else "the CRS the file says"
    in_degrees = -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90
    if crs.is_geographic and not in_degrees:
        return [Issue(file=str(path), field="crs",
                      expected=f"longitudes and latitudes in degrees, as {said} is geographic",
                      got=got, fix="the coordinates are not degrees (metres?): pass "
                                   "source_crs= with the CRS they are really in, e.g. "
                                   "source_crs='EPSG:32650' (UTM 50N) or 'EPSG:4547' "
                                   "(CGCS2000 3-degree zone 38)")]
    if crs.is_projected and in_degrees:
        return [Issue(file=str(path), field="crs",
                      expected=f"projected coordinates, as {said} is projected",
                      got=got + ", which look like degrees",
                      fix="pass source_crs='EPSG:4326' (or the right geographic CRS) if the "
                          "coordinates are longitudes and latitudes")]
    return []


def read_units(path: str | Path, *, columns: Mapping[str, str] | None = None, crs=None,
               layer: str | None = None, unit_type: str | None = None,
               source_crs=None) -> gpd.GeoDataFrame:
    """Read an office's own units from any file GDAL reads (GeoPackage, shapefile, GeoJSON…).

    Every problem found is collected and raised once: options, columns, CRS, and each bad
    row (missing, duplicate or empty id, unknown unit type, a missing or non-polygon
    geometry, a ``centerline`` that is not line WKT).

    Parameters
    ----------
    path : str or Path
        The file.
    columns : mapping, optional
        Renames from the file's column names to the Units schema, e.g.
        ``{"网格编码": "unit_id", "网格名称": "name", "责任人": "responsible"}``. Every key
        must be a column of the file.
    crs : optional
        Metric CRS to project to; default the UTM zone of the data.
    layer : str, optional
        Layer to read from a multi-layer file; default the first layer.
    unit_type : {"grid", "road", "river"}, optional
        Used where the file has no ``unit_type`` column.
    source_crs : optional
        The CRS the file's coordinates are really in, overriding what the file says (or
        supplying it when the file says nothing), e.g. ``"EPSG:32650"`` for a file
        labelled WGS-84 that holds UTM metres.

    Returns
    -------
    GeoDataFrame
        Units (``centerline`` is empty unless the file has a ``centerline`` WKT column,
        read in the same CRS as the geometries). Invalid polygons (self-intersecting rings,
        bow-ties) are repaired with :func:`shapely.make_valid`, keeping their polygonal
        parts; a :class:`UserWarning` names how many and which units were repaired.

    Raises
    ------
    SchemaError
        The file cannot be read (missing, a directory, empty, damaged, no such layer), or
        it lists every missing column, duplicate or empty id, unknown unit type and bad
        geometry or centerline at once.
    CRSError
        When the only problems are the CRS: none in the file, an unknown ``crs=`` or
        ``source_crs=``, or coordinates that do not fit the CRS the file declares
        (metres in a file labelled EPSG:4326).

    Examples
    --------
    >>> import geozz as gz, tempfile, os
    >>> units = gz.build_units(gz.datasets.longgang(), grid_size=500, unit_types=["grid"])
    >>> f = os.path.join(tempfile.mkdtemp(), "grids.gpkg")
    >>> units.drop(columns="centerline").reset_index().rename(
    ...     columns={"unit_id": "网格编码"}).to_file(f)
    >>> back = gz.read_units(f, columns={"网格编码": "unit_id"})
    >>> back.index.equals(units.index)
    True
    """
    path = as_path(path, what="units file")
    f = str(path)
    issues: list[Issue] = []
    crs_fields: set[int] = set()  # ids of the issues that are about a CRS

    def crs_issue(issue: Issue) -> None:
        issues.append(issue)
        crs_fields.add(id(issue))

    # options first, so that they are reported with whatever the file holds
    n = len(issues)
    source = _crs_option(source_crs, "source_crs", issues)
    target_opt = None
    if crs is not None:
        try:
            target_opt = metric_crs(gpd.GeoSeries([], crs=4326), crs=crs)
        except InputError as exc:
            issues.extend(i for i in exc.issues if isinstance(i, Issue))
    for issue in issues[n:]:
        crs_fields.add(id(issue))
    if unit_type is not None and unit_type not in UNIT_TYPES:
        issues.append(Issue(field="unit_type", expected=f"one of {UNIT_TYPES}", got=unit_type,
                            fix=_unit_type_fix()))
    if columns is not None and not (isinstance(columns, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in columns.items())):
        issues.append(Issue(field="columns", expected="a mapping of file column -> units "
                            "column, both strings", got=type(columns).__name__,
                            fix="e.g. columns={'网格编码': 'unit_id'}"))
        columns = None
    if layer is not None and not isinstance(layer, str):
        issues.append(Issue(field="layer", expected="a layer name (str)", got=layer,
                            fix="pass layer='<name>'"))
        layer = None

    gdf, read_issues = _open_units_file(path, layer)
    issues.extend(read_issues)
    if gdf is None:
        raise SchemaError(issues)

    if columns:
        file_cols = [c for c in gdf.columns if c != gdf.geometry.name]
        for src, dst in columns.items():
            if src not in gdf.columns:
                issues.append(Issue(file=f, field=src, expected="a column of the file named "
                                    "in columns=", got=file_cols,
                                    fix=f"map one of the file's columns to {dst!r}"))
        renamed = [columns[c] if c in columns else c for c in gdf.columns]
        dups = sorted({c for c in renamed if renamed.count(c) > 1})
        for c in dups:
            issues.append(Issue(file=f, field=c, expected="one column of that name after "
                                "columns= renames", got=[k for k, v in columns.items()
                                                         if v == c] + [c],
                                fix=f"map only one column to {c!r}, or drop the other"))
        if not dups:
            gdf = gdf.rename(columns={k: v for k, v in columns.items() if k in gdf.columns})

    if source is not None:
        gdf = gdf.set_crs(source, allow_override=True)
    if gdf.crs is None:
        crs_issue(Issue(file=f, field="crs", expected="a CRS in the file",
                        fix="write the file with its CRS (e.g. a .prj beside a shapefile), "
                            "or pass source_crs='EPSG:<code>'"))
    for issue in _check_bounds(gdf, path, source_crs):
        crs_issue(issue)

    if "unit_id" not in gdf.columns:
        issues.append(Issue(file=f, field="unit_id", expected="a unit id column",
                            got=[c for c in gdf.columns if c != gdf.geometry.name],
                            fix="pass columns={'<your id column>': 'unit_id'}"))
    elif isinstance(gdf["unit_id"], pd.Series):
        ids = gdf["unit_id"]
        for row in np.flatnonzero(ids.isna() | (ids.astype(str).str.strip() == "")):
            issues.append(Issue(file=f, row=int(row) + 1, field="unit_id",
                                expected="a non-empty id", fix="give every unit an id"))
        for row in np.flatnonzero(ids.notna() & ids.duplicated(keep="first")):
            issues.append(Issue(file=f, row=int(row) + 1, field="unit_id",
                                expected="a unique id", got=ids.iloc[row],
                                fix="ids must be unique"))
    has_type = "unit_type" in gdf.columns
    if not has_type:
        if unit_type is None:
            issues.append(Issue(file=f, field="unit_type",
                                expected="a unit_type column or unit_type=",
                                fix=_unit_type_fix()))
        gdf["unit_type"] = unit_type
    else:
        for row in np.flatnonzero(~gdf["unit_type"].isin(UNIT_TYPES)):
            issues.append(Issue(file=f, row=int(row) + 1, field="unit_type",
                                expected=f"one of {UNIT_TYPES}", got=gdf["unit_type"].iloc[row],
                                fix="use the canonical unit type names"))

    geoms = gdf.geometry.values
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    kinds = gdf.geometry.geom_type
    for row in np.flatnonzero(missing | ~kinds.isin(["Polygon", "MultiPolygon"])):
        got = "no geometry" if missing[row] else kinds.iloc[row]
        issues.append(Issue(file=f, row=int(row) + 1, field="geometry",
                            expected="a polygon", got=got,
                            fix="give the unit its polygon" if missing[row] else
                                "units are areas; buffer lines and points first"))

    lines = None
    if "centerline" in gdf.columns and not isinstance(gdf["centerline"], gpd.GeoSeries):
        text = gdf["centerline"]
        given = text.notna() & (text.astype(str).str.strip() != "")
        parsed = np.full(len(gdf), None, dtype=object)
        parsed[given.to_numpy()] = shapely.from_wkt(text[given].astype(str).to_numpy(),
                                                    on_invalid="ignore")
        for row in np.flatnonzero(given.to_numpy()):
            g = parsed[row]
            if g is None or g.geom_type not in ("LineString", "MultiLineString"):
                issues.append(Issue(file=f, row=int(row) + 1, field="centerline",
                                    expected="WKT of a line, e.g. 'LINESTRING (x1 y1, x2 y2)'",
                                    got=str(text.iloc[row])[:60] if g is None else g.geom_type,
                                    fix="write the centreline as WKT in the file's CRS, "
                                        "or leave it empty"))
        lines = parsed

    if issues:
        only_crs = all(id(i) in crs_fields for i in issues)
        raise (CRSError if only_crs else SchemaError)(issues)

    if lines is not None:
        gdf["centerline"] = gpd.GeoSeries(lines, index=gdf.index, crs=gdf.crs)
    target = target_opt if target_opt is not None else metric_crs(gdf)
    gdf = gdf.to_crs(target)
    bad = ~shapely.is_valid(gdf.geometry.values)
    if bad.any():
        fixed = shapely.make_valid(gdf.geometry.values[bad])
        fixed = [g if g.geom_type in ("Polygon", "MultiPolygon") else shapely.union_all(
            [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")])
            for g in fixed]
        rows = np.flatnonzero(bad)
        empty = [int(r) + 1 for r, g in zip(rows, fixed) if g.is_empty or g.area <= 0]
        if empty:
            raise SchemaError([Issue(file=f, row=r, field="geometry",
                                     expected="a polygon with an area",
                                     got="an invalid polygon with no area left once repaired",
                                     fix="redraw the unit's polygon") for r in empty])
        geometry = gdf.geometry.values.copy()
        geometry[bad] = fixed
        gdf["geometry"] = geometry
        repaired = gdf["unit_id"].astype(str).to_numpy()[bad].tolist()
        warnings.warn(f"{f}: {len(repaired)} invalid polygon(s) repaired with make_valid "
                      f"(self-intersecting rings): units {repaired[:10]}"
                      f"{' …' if len(repaired) > 10 else ''}. Check them in your GIS.",
                      UserWarning, stacklevel=2)
    gdf["unit_id"] = gdf["unit_id"].astype(str)
    gdf = gdf.set_index("unit_id")
    for col, default in (("name", None), ("admin", ""), ("responsible", "")):
        if col not in gdf:
            gdf[col] = gdf.index if default is None else default
    gdf["area_m2"] = gdf.geometry.area
    if "centerline" not in gdf:
        gdf["centerline"] = gpd.GeoSeries([None] * len(gdf), index=gdf.index, crs=target)
    elif gdf["centerline"].crs != target:
        gdf["centerline"] = gdf["centerline"].to_crs(target)
    if "length_m" not in gdf:
        gdf["length_m"] = gdf["centerline"].length.where(gdf["centerline"].notna())
    extra = [c for c in gdf.columns if c not in COLUMNS]
    return gdf[COLUMNS + extra]
