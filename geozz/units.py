"""Responsibility units: grid cells, road corridors and river reaches.

Every function here returns a *Units* GeoDataFrame: a projected
metric CRS, an index named ``unit_id`` (stable for the same input, never from Python's
``hash()``), and the columns ``unit_type``, ``name``, ``admin``, ``length_m``,
``area_m2``, ``responsible``, ``geometry`` and ``centerline`` (roads and rivers; empty
for grid cells).

Examples
--------
>>> import geozz as gz
>>> area = gz.datasets.longgang()
>>> units = gz.build_units(area, grid_size=200)
>>> units.crs.to_epsg(), units.index.name
(32650, 'unit_id')
>>> sorted(units["unit_type"].unique())
['grid', 'river', 'road']
"""

from __future__ import annotations

import hashlib
import math
import warnings
from pathlib import Path
from typing import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from .area import Area, boundary_frame
from .errors import CRSError, InputError, Issue, SchemaError

__all__ = [
    "UNIT_TYPES",
    "COLUMNS",
    "metric_crs",
    "grid",
    "road_corridors",
    "river_reaches",
    "build_units",
    "read_units",
    "coverage",
]

UNIT_TYPES = ("grid", "road", "river")
COLUMNS = ["unit_type", "name", "admin", "length_m", "area_m2", "responsible", "geometry",
           "centerline"]
GRID_SHAPES = ("square",)

#: Highway values that are not roads a road chief (路长) answers for.
EXCLUDED_HIGHWAYS = ("footway", "steps", "path", "cycleway", "bridleway", "corridor",
                     "construction", "proposed", "platform", "elevator", "bus_stop")


def _stable_hash(text: str, n: int = 8) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]

#: a sensible value of each numeric option, quoted in error messages
_EXAMPLES = {"size": 200, "grid_size": 200, "min_area": 1, "width": 30, "road_width": 30,
             "river_width": 50, "reach_length": 1000, "min_length": 50}


def _number_issues(options: Mapping[str, object], *, zero_ok: Iterable[str] = ()
                   ) -> list[Issue]:
    """One :class:`Issue` per option that is not a finite positive number of metres.

    Booleans and strings such as ``"200m"`` are refused; options named in ``zero_ok`` may
    be 0.
    """
    zero_ok = set(zero_ok)
    issues = []
    for name, value in options.items():
        ok = (isinstance(value, (int, float, np.integer, np.floating))
              and not isinstance(value, (bool, np.bool_)) and math.isfinite(value)
              and (value >= 0 if name in zero_ok else value > 0))
        if not ok:
            what = "a number of metres >= 0" if name in zero_ok else "a positive number of metres"
            example = _EXAMPLES.get(name, 0 if name in zero_ok else 200)
            issues.append(Issue(field=name, expected=what, got=value,
                                fix=f"pass {name}= as a plain number, e.g. {name}={example}"))
    return issues


def metric_crs(data: gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry, *,
               crs=None) -> CRS:
    """Choose a projected metric CRS for the data.

    ``crs=`` if given; else the data's own CRS when it is already projected in metres;
    else the WGS-84 UTM zone of the data's centre.

    Parameters
    ----------
    data : GeoDataFrame, GeoSeries or shapely geometry
        Anything with a CRS (a bare geometry is taken as WGS-84).
    crs : optional
        If given and projected in metres, it is returned as a :class:`pyproj.CRS`
        (for example a CGCS2000 Gauss-Krüger zone an office works in).

    Returns
    -------
    pyproj.CRS

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> metric_crs(Point(114.2, 22.69)).to_epsg()  # Shenzhen: UTM zone 50N
    32650
    """
    if crs is not None:
        try:
            out = CRS.from_user_input(crs)
        except Exception:  # pyproj's CRSError, or a TypeError for an odd object
            out = None
        if out is None or not out.is_projected or out.axis_info[0].unit_name not in ("metre", "meter"):
            raise CRSError(Issue(field="crs", expected="a projected CRS in metres", got=str(crs),
                                 fix="pass e.g. 'EPSG:32650' or a CGCS2000 3-degree zone, or "
                                     "leave crs=None to use the UTM zone of the data"))
        return out
    if isinstance(data, BaseGeometry):
        data = gpd.GeoSeries([data], crs=4326)
    if data.crs is None:
        raise CRSError(Issue(field="crs", expected="data with a CRS", got=None,
                             fix="call .set_crs(4326) (or the right EPSG code) first"))
    own = CRS.from_user_input(data.crs)
    if own.is_projected and own.axis_info[0].unit_name in ("metre", "meter"):
        return own  # already metric (a CGCS2000 zone, a UTM zone…): keep it
    geom = data.geometry if isinstance(data, gpd.GeoDataFrame) else data
    minx, miny, maxx, maxy = geom.to_crs(4326).total_bounds
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    if not (np.isfinite(lon) and np.isfinite(lat)):
        raise InputError(Issue(field="geometry", expected="at least one non-empty geometry",
                               fix="check that the data is not empty"))
    zone = int(math.floor((lon + 180) / 6)) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _as_polygon(boundary, crs: CRS | None) -> tuple[BaseGeometry, CRS]:
    """Union a boundary (GeoDataFrame, GeoSeries or geometry) and project it to metres."""
    boundary = boundary_frame(boundary)
    target = metric_crs(boundary, crs=crs)
    poly = shapely.make_valid(boundary.geometry.to_crs(target).union_all())
    poly = shapely.union_all([g for g in shapely.get_parts(poly)
                              if g.geom_type in ("Polygon", "MultiPolygon")])
    if poly.is_empty or poly.area <= 0:
        raise InputError(Issue(field="boundary", expected="a polygon with an area",
                               got=poly.geom_type, fix="pass a polygon boundary"))
    return poly, target


def _frame(records: dict, crs: CRS, index: Iterable[str]) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(records, geometry="geometry", crs=crs,
                           index=pd.Index(list(index), name="unit_id", dtype="str"))
    gdf["centerline"] = gpd.GeoSeries(gdf["centerline"], crs=crs, index=gdf.index)
    return gdf[COLUMNS]


def grid(boundary, *, size: float = 200, shape: str = "square", admin: str = "",
         crs=None, min_area: float = 1.0) -> gpd.GeoDataFrame:
    """Square grid cells over a boundary, clipped to it (网格).

    Cells are aligned to multiples of ``size`` in the metric CRS, so a cell's id
    ``G{size}-E{i}-N{j}`` (``i = floor(x / size)``, ``j = floor(y / size)``) is the same
    in every run and for every boundary that contains it. Cells are half-open,
    ``[x0, x0 + size) × [y0, y0 + size)``: a point on a shared border belongs to the cell
    east or north of it (this is what :func:`geozz.assign` applies).

    Parameters
    ----------
    boundary : GeoDataFrame, GeoSeries, shapely geometry or bbox tuple
        The area to cover (WGS-84 for a bare geometry or bbox).
    size : float, default 200
        Cell side in metres (200 m gives the "万米单元网格" scale of 40,000 m²).
    shape : {"square"}
        Cell shape; only square cells are built so far.
    admin : str
        Admin area written to the ``admin`` column.
    crs : optional
        Metric CRS to work in; default the UTM zone of the boundary.
    min_area : float, default 1.0
        Clipped slivers smaller than this (m²) are dropped.

    Returns
    -------
    GeoDataFrame
        Units with ``unit_type == "grid"``.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> cells = grid(box(114.20, 22.68, 114.21, 22.69), size=500)
    >>> len(cells), cells.index[0]
    (9, 'G500-E424-N5021')
    """
    issues = _number_issues({"size": size, "min_area": min_area}, zero_ok=["min_area"])
    if not isinstance(shape, str) or shape not in GRID_SHAPES:
        issues.append(Issue(field="shape", expected=f"one of {GRID_SHAPES}", got=shape,
                            fix="use shape='square'"))
    if issues:
        raise InputError(issues)
    poly, target = _as_polygon(boundary, crs)
    minx, miny, maxx, maxy = poly.bounds
    i0, j0 = math.floor(minx / size), math.floor(miny / size)
    i1, j1 = math.ceil(maxx / size), math.ceil(maxy / size)
    ii, jj = np.meshgrid(np.arange(i0, i1), np.arange(j0, j1))
    ii, jj = ii.ravel(), jj.ravel()
    boxes = shapely.box(ii * size, jj * size, (ii + 1) * size, (jj + 1) * size)
    shapely.prepare(poly)
    inside = shapely.intersects(poly, boxes)
    boxes, ii, jj = boxes[inside], ii[inside], jj[inside]
    full = shapely.contains_properly(poly, boxes)
    clipped = boxes.copy()
    clipped[~full] = shapely.intersection(boxes[~full], poly)
    # keep only the polygonal part of a clipped cell
    clipped = np.array([g if g.geom_type in ("Polygon", "MultiPolygon") else
                        shapely.union_all([p for p in shapely.get_parts(g)
                                           if p.geom_type == "Polygon"])
                        for g in clipped], dtype=object)
    areas = shapely.area(clipped)
    keep = areas >= min_area
    clipped, ii, jj, areas = clipped[keep], ii[keep], jj[keep], areas[keep]
    s = int(size) if float(size).is_integer() else size
    ids = [f"G{s}-E{i}-N{j}" for i, j in zip(ii, jj)]
    names = [f"网格 {i - i0 + 1:03d}-{j - j0 + 1:03d}" for i, j in zip(ii, jj)]
    return _frame({
        "unit_type": "grid", "name": names, "admin": admin,
        "length_m": np.nan, "area_m2": areas, "responsible": "",
        "geometry": clipped, "centerline": [None] * len(ids),
    }, target, ids)


def _lines(gdf: gpd.GeoDataFrame, target: CRS, poly: BaseGeometry) -> gpd.GeoDataFrame:
    """Project lines and clip them to the boundary polygon, keeping line parts only."""
    if gdf.crs is None:
        raise CRSError(Issue(field="crs", expected="lines with a CRS",
                             fix="call .set_crs(4326) first"))
    out = gdf.to_crs(target)
    out = out[~out.geometry.is_empty & out.geometry.notna()].copy()
    out["geometry"] = shapely.intersection(out.geometry.values, poly)
    out = out[~out.geometry.is_empty]
    out["geometry"] = [shapely.line_merge(shapely.union_all(
        [p for p in shapely.get_parts(g) if p.geom_type == "LineString"]))
        if g.geom_type not in ("LineString", "MultiLineString") else g for g in out.geometry]
    return out[~out.geometry.is_empty]


def _check_name_column(gdf: gpd.GeoDataFrame, field: str, what: str) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(Issue(field=what, expected=f"a GeoDataFrame of {what} lines",
                               got=type(gdf).__name__, fix=f"pass the {what} as a GeoDataFrame"))
    if field not in gdf.columns and len(gdf):  # no lines at all: no units, whatever columns
        raise SchemaError(Issue(field=field, expected=f"a {field!r} column in the {what}",
                                got=list(gdf.columns),
                                fix=f"pass name_field= naming the column that holds {what} names"))


def road_corridors(roads: gpd.GeoDataFrame, boundary, *, width: float = 30,
                   name_field: str = "name", admin: str = "", crs=None,
                   exclude: Iterable[str] = EXCLUDED_HIGHWAYS,
                   min_length: float = 50) -> gpd.GeoDataFrame:
    """Road corridors (路段): named roads grouped by name, ``width`` metres each side.

    Parameters
    ----------
    roads : GeoDataFrame
        Road lines; unnamed lines are skipped, and so are lines whose ``highway`` value
        is in ``exclude`` (footways, steps, …) when a ``highway`` column exists.
    boundary : GeoDataFrame, GeoSeries, shapely geometry or bbox tuple
        Lines are clipped to it, and so are the corridors.
    width : float, default 30
        Buffer distance each side of the centreline, in metres ("within visible range").
    name_field : str, default "name"
        The column holding the road name.
    admin : str
        Admin area for the ``admin`` column.
    crs : optional
        Metric CRS; default the UTM zone of the boundary.
    exclude : iterable of str
        ``highway`` values that are not corridors.
    min_length : float, default 50
        Roads with less than this length inside the boundary are dropped.

    Returns
    -------
    GeoDataFrame
        Units with ``unit_type == "road"``, ids ``R-`` + a hash of the name, the merged
        ``centerline`` and its ``length_m``.

    Examples
    --------
    >>> import geozz as gz
    >>> area = gz.datasets.longgang()
    >>> roads = road_corridors(area.roads, area.boundary)
    >>> bool((roads["length_m"] >= 50).all()), roads.index.is_unique
    (True, True)
    """
    issues = _number_issues({"width": width, "min_length": min_length},
                            zero_ok=["min_length"])
    if issues:
        raise InputError(issues)
    _check_name_column(roads, name_field, "roads")
    poly, target = _as_polygon(boundary, crs)
    if roads.empty:  # an area with no roads mapped has no road units
        return _frame({k: [] for k in COLUMNS}, target, [])
    sel = roads[roads[name_field].notna() & (roads[name_field].astype(str).str.strip() != "")]
    if "highway" in sel.columns:
        sel = sel[~sel["highway"].isin(list(exclude))]
    lines = _lines(sel, target, poly)
    records = {k: [] for k in COLUMNS}
    ids = []
    for name, group in sorted(lines.groupby(lines[name_field].astype(str).str.strip()),
                              key=lambda kv: kv[0]):
        centre = shapely.line_merge(shapely.union_all(group.geometry.values))
        length = centre.length
        if length < min_length:
            continue
        ids.append(f"R-{_stable_hash(name)}")
        records["unit_type"].append("road")
        records["name"].append(name)
        records["admin"].append(admin)
        records["length_m"].append(length)
        corridor = shapely.intersection(centre.buffer(width, quad_segs=4), poly)
        records["geometry"].append(corridor)
        records["area_m2"].append(corridor.area)
        records["responsible"].append("")
        records["centerline"].append(centre)
    return _frame(records, target, ids)


def _cut(line: BaseGeometry, reach_length: float) -> list[BaseGeometry]:
    """Cut one line into n equal pieces, n the count whose length is nearest the target.

    Nearest on a ratio scale: a 1.47 km stretch becomes two reaches of 735 m (ratio 0.74)
    rather than one of 1.47 km (ratio 1.47).
    """
    ratio = line.length / reach_length
    lo = max(1, math.floor(ratio))
    n = lo if abs(math.log(ratio / lo)) <= abs(math.log(ratio / (lo + 1))) else lo + 1
    step = line.length / n
    return [shapely.ops.substring(line, k * step, (k + 1) * step) for k in range(n)]


def river_reaches(rivers: gpd.GeoDataFrame, boundary, *, reach_length: float = 1000,
                  width: float = 50, name_field: str = "name", admin: str = "",
                  crs=None, min_length: float = 200) -> gpd.GeoDataFrame:
    """River reaches (河段): river lines cut into pieces of about ``reach_length`` metres.

    Lines of one river (same name) are clipped to the boundary and merged; each merged
    stretch is cut into the number of equal reaches whose length is nearest
    ``reach_length`` (on a ratio scale), and each reach
    buffered by ``width`` metres each side (the banks a river chief answers for).

    Parameters
    ----------
    rivers : GeoDataFrame
        River lines. Unnamed lines are kept as "未命名河道 unnamed river".
    boundary : GeoDataFrame, GeoSeries, shapely geometry or bbox tuple
        Lines and reaches are clipped to it.
    reach_length : float, default 1000
        Target reach length in metres.
    width : float, default 50
        Buffer each side of the centreline, in metres.
    name_field : str, default "name"
        The column holding the river name.
    admin : str
        Admin area for the ``admin`` column.
    crs : optional
        Metric CRS; default the UTM zone of the boundary.
    min_length : float, default 200
        Stretches shorter than this inside the boundary are dropped (a stub of a river
        at the boundary's edge is nobody's reach).

    Returns
    -------
    GeoDataFrame
        Units with ``unit_type == "river"``, ids ``W-<hash of name>-<k>`` numbered along
        each stretch, and names such as ``龙岗河 第3段``.

    Examples
    --------
    >>> import geozz as gz
    >>> area = gz.datasets.longgang()
    >>> reaches = river_reaches(area.rivers, area.boundary)
    >>> bool(reaches["length_m"].between(500, 1500).all())
    True
    """
    issues = _number_issues({"reach_length": reach_length, "width": width,
                             "min_length": min_length}, zero_ok=["min_length"])
    if issues:
        raise InputError(issues)
    _check_name_column(rivers, name_field, "rivers")
    poly, target = _as_polygon(boundary, crs)
    if rivers.empty:  # an area with no rivers mapped has no river units
        return _frame({k: [] for k in COLUMNS}, target, [])
    rivers = rivers.copy()
    named = rivers[name_field].notna() & (rivers[name_field].astype(str).str.strip() != "")
    rivers[name_field] = np.where(named, rivers[name_field].astype(str).str.strip(),
                                  "未命名河道 unnamed river")
    lines = _lines(rivers, target, poly)
    records = {k: [] for k in COLUMNS}
    ids = []
    for name, group in sorted(lines.groupby(name_field), key=lambda kv: kv[0]):
        merged = shapely.line_merge(shapely.union_all(group.geometry.values))
        parts = [p for p in shapely.get_parts(merged) if p.length >= min_length]
        # a stable order of stretches: longest first, then by start coordinate
        parts.sort(key=lambda p: (-round(p.length, 3), p.coords[0]))
        k = 0
        for part in parts:
            for piece in _cut(part, reach_length):
                k += 1
                ids.append(f"W-{_stable_hash(name)}-{k:03d}")
                records["unit_type"].append("river")
                records["name"].append(f"{name} 第{k}段")
                records["admin"].append(admin)
                records["length_m"].append(piece.length)
                reach = shapely.intersection(
                    piece.buffer(width, quad_segs=4, cap_style="flat"), poly)
                records["geometry"].append(reach)
                records["area_m2"].append(reach.area)
                records["responsible"].append("")
                records["centerline"].append(piece)
    return _frame(records, target, ids)


def build_units(area: Area, *, grid_size: float = 200, road_width: float = 30,
                river_width: float = 50, reach_length: float = 1000,
                unit_types: Iterable[str] = UNIT_TYPES, crs=None) -> gpd.GeoDataFrame:
    """Grid, road and river units of an :class:`~geozz.area.Area` in one GeoDataFrame.

    Parameters
    ----------
    area : Area
        From :func:`geozz.read_osm` or :mod:`geozz.datasets`.
    grid_size : float, default 200
        Grid cell side, metres.
    road_width, river_width : float, default 30 and 50
        Corridor half-widths, metres.
    reach_length : float, default 1000
        Target river reach length, metres.
    unit_types : iterable of {"grid", "road", "river"}
        Which layers to build.
    crs : optional
        Metric CRS; default the UTM zone of the area.

    Returns
    -------
    GeoDataFrame
        Units indexed by ``unit_id``, rows ordered grid, road, river.

    Examples
    --------
    >>> import geozz as gz
    >>> units = gz.build_units(gz.datasets.longgang(), grid_size=500)
    >>> units.groupby("unit_type").size().to_dict()
    {'grid': 74, 'river': 2, 'road': 30}
    """
    issues = []
    if not isinstance(area, Area):
        issues.append(Issue(field="area", expected="a geozz Area", got=type(area).__name__,
                            fix="use gz.read_osm(path) or gz.datasets.longgang()"))
    issues += _number_issues({"grid_size": grid_size, "road_width": road_width,
                              "river_width": river_width, "reach_length": reach_length})
    if isinstance(unit_types, str):
        unit_types = [unit_types]
    try:
        unit_types = list(unit_types)
    except TypeError:
        issues.append(Issue(field="unit_types", expected=f"a list drawn from {UNIT_TYPES}",
                            got=unit_types, fix="e.g. unit_types=['grid', 'road']"))
        unit_types = []
    else:
        issues += [Issue(field="unit_types", expected=f"one of {UNIT_TYPES}", got=t,
                         fix="choose from the valid names") for t in unit_types
                   if not isinstance(t, str) or t not in UNIT_TYPES]
        if not unit_types:
            issues.append(Issue(field="unit_types", expected=f"at least one of {UNIT_TYPES}",
                                got=[], fix="e.g. unit_types=['grid']"))
    if crs is not None:
        try:
            metric_crs(gpd.GeoSeries([], crs=4326), crs=crs)
        except InputError as exc:
            issues += [i for i in exc.issues if isinstance(i, Issue)]
    if issues:
        raise InputError(issues)
    target = metric_crs(area.boundary, crs=crs)
    parts = []
    if "grid" in unit_types:
        parts.append(grid(area.boundary, size=grid_size, admin=area.name, crs=target))
    if "road" in unit_types:
        parts.append(road_corridors(area.roads, area.boundary, width=road_width,
                                    admin=area.name, crs=target))
    if "river" in unit_types:
        parts.append(river_reaches(area.rivers, area.boundary, reach_length=reach_length,
                                   width=river_width, admin=area.name, crs=target))
    units = pd.concat(parts)
    units = gpd.GeoDataFrame(units, geometry="geometry", crs=target)
    units["centerline"] = gpd.GeoSeries(units["centerline"], crs=target, index=units.index)
    units.index.name = "unit_id"
    if not units.index.is_unique:  # two roads whose names hash alike: never silently merge
        dup = units.index[units.index.duplicated()].tolist()
        raise InputError(Issue(field="unit_id", expected="unique unit ids", got=dup[:5],
                               fix="rename one of the roads or rivers involved"))
    return units


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
    path = Path(path)
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
                            fix="pass unit_type='grid' (or 'road', 'river')"))
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
                                fix="pass unit_type='grid' (or 'road', 'river')"))
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


def coverage(units: gpd.GeoDataFrame, boundary) -> pd.DataFrame:
    """How much of the boundary each unit type covers, and how much units overlap.

    Parameters
    ----------
    units : GeoDataFrame
        Units.
    boundary : GeoDataFrame, GeoSeries, shapely geometry or bbox tuple
        The district.

    Returns
    -------
    DataFrame
        Indexed by ``unit_type``: ``units`` (count), ``area_m2`` (sum of unit areas),
        ``covered_m2`` (area of their union inside the boundary) and ``share``
        (covered / boundary area).

    Examples
    --------
    >>> import geozz as gz
    >>> area = gz.datasets.longgang()
    >>> cov = coverage(gz.build_units(area, grid_size=500), area.boundary)
    >>> round(float(cov.loc["grid", "share"]), 6)
    1.0
    """
    poly, _ = _as_polygon(boundary, units.crs)
    rows = {}
    for utype, group in units.groupby("unit_type"):
        covered = shapely.intersection(shapely.union_all(group.geometry.values), poly).area
        rows[utype] = {"units": len(group), "area_m2": float(group.geometry.area.sum()),
                       "covered_m2": covered, "share": covered / poly.area}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "unit_type"
    return out
