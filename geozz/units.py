"""Responsibility units: grid cells, road corridors and river reaches.

Every function here returns a *Units* GeoDataFrame (see ``DESIGN.md``): a projected
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
        out = CRS.from_user_input(crs)
        if not out.is_projected or out.axis_info[0].unit_name not in ("metre", "meter"):
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
    if shape not in GRID_SHAPES:
        raise InputError(Issue(field="shape", expected=f"one of {GRID_SHAPES}", got=shape,
                               fix="use shape='square'"))
    if not (isinstance(size, (int, float, np.integer, np.floating)) and math.isfinite(size)
            and size > 0):
        raise InputError(Issue(field="size", expected="a positive number of metres", got=size,
                               fix="e.g. size=200"))
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
    if field not in gdf.columns:
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
    _check_name_column(roads, name_field, "roads")
    poly, target = _as_polygon(boundary, crs)
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
    _check_name_column(rivers, name_field, "rivers")
    poly, target = _as_polygon(boundary, crs)
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
    if not isinstance(area, Area):
        raise InputError(Issue(field="area", expected="a geozz Area",
                               got=type(area).__name__,
                               fix="use gz.read_osm(path) or gz.datasets.longgang()"))
    unit_types = list(unit_types)
    bad = [t for t in unit_types if t not in UNIT_TYPES]
    if bad:
        raise InputError([Issue(field="unit_types", expected=f"one of {UNIT_TYPES}", got=t,
                                fix="choose from the valid names") for t in bad])
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


def read_units(path: str | Path, *, columns: Mapping[str, str] | None = None, crs=None,
               layer: str | None = None, unit_type: str | None = None) -> gpd.GeoDataFrame:
    """Read an office's own units from any file GDAL reads (GeoPackage, shapefile, GeoJSON…).

    Parameters
    ----------
    path : str or Path
        The file.
    columns : mapping, optional
        Renames from the file's column names to the Units schema, e.g.
        ``{"网格编码": "unit_id", "网格名称": "name", "责任人": "responsible"}``.
    crs : optional
        Metric CRS to project to; default the UTM zone of the data.
    layer : str, optional
        Layer to read from a multi-layer file.
    unit_type : {"grid", "road", "river"}, optional
        Used where the file has no ``unit_type`` column.

    Returns
    -------
    GeoDataFrame
        Units (``centerline`` is empty unless the file has a ``centerline`` WKT column).

    Raises
    ------
    SchemaError
        Listing every missing column, duplicate or empty id and unknown unit type at once.

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
    if not path.exists():
        raise SchemaError(Issue(file=str(path), expected="an existing file",
                                fix="check the path"))
    gdf = gpd.read_file(path, layer=layer)
    if columns:
        gdf = gdf.rename(columns=dict(columns))
    issues = []
    if gdf.crs is None:
        issues.append(Issue(file=str(path), field="crs", expected="a CRS in the file",
                            fix="write the file with its CRS (e.g. a .prj beside a shapefile)"))
    if "unit_id" not in gdf.columns:
        issues.append(Issue(file=str(path), field="unit_id", expected="a unit id column",
                            got=list(gdf.columns),
                            fix="pass columns={'<your id column>': 'unit_id'}"))
    else:
        ids = gdf["unit_id"]
        for row in np.flatnonzero(ids.isna() | (ids.astype(str).str.strip() == "")):
            issues.append(Issue(file=str(path), row=int(row) + 1, field="unit_id",
                                expected="a non-empty id", fix="give every unit an id"))
        for row in np.flatnonzero(ids.duplicated(keep="first")):
            issues.append(Issue(file=str(path), row=int(row) + 1, field="unit_id",
                                expected="a unique id", got=ids.iloc[row],
                                fix="ids must be unique"))
    has_type = "unit_type" in gdf.columns
    if not has_type:
        if unit_type is None:
            issues.append(Issue(file=str(path), field="unit_type",
                                expected="a unit_type column or unit_type=",
                                fix="pass unit_type='grid' (or 'road', 'river')"))
        gdf["unit_type"] = unit_type
    bad = ~gdf["unit_type"].isin(UNIT_TYPES) & (has_type or unit_type is not None)
    for row in np.flatnonzero(bad)[:50]:
        issues.append(Issue(file=str(path), row=int(row) + 1, field="unit_type",
                            expected=f"one of {UNIT_TYPES}", got=gdf["unit_type"].iloc[row],
                            fix="use the canonical unit type names"))
    geom_ok = gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    for row in np.flatnonzero(~geom_ok)[:50]:
        issues.append(Issue(file=str(path), row=int(row) + 1, field="geometry",
                            expected="a polygon", got=gdf.geometry.geom_type.iloc[row],
                            fix="units are areas; buffer lines first"))
    if issues:
        raise SchemaError(issues)
    target = metric_crs(gdf, crs=crs)
    gdf = gdf.to_crs(target)
    gdf["geometry"] = shapely.make_valid(gdf.geometry.values)
    gdf["unit_id"] = gdf["unit_id"].astype(str)
    gdf = gdf.set_index("unit_id")
    for col, default in (("name", None), ("admin", ""), ("responsible", "")):
        if col not in gdf:
            gdf[col] = gdf.index if default is None else default
    gdf["area_m2"] = gdf.geometry.area
    if "centerline" in gdf and not isinstance(gdf["centerline"], gpd.GeoSeries):
        gdf["centerline"] = gpd.GeoSeries.from_wkt(gdf["centerline"], crs=target)
    elif "centerline" not in gdf:
        gdf["centerline"] = gpd.GeoSeries([None] * len(gdf), index=gdf.index, crs=target)
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
