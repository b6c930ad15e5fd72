"""Admin hierarchy (属地管理, 分片包干): which county, street and community answers for a unit.

Three steps, each usable alone:

- :func:`read_admin` reads admin areas — an office's own file (GeoPackage, GeoJSON,
  Shapefile, …) with one column per level, OpenStreetMap admin polygons
  (``boundary=administrative``, ``admin_level`` 6 = county/district 区县, 8 = street or
  township 街道/乡镇, 10 = community or village 社区/村 in China) or a GeoDataFrame of
  either — into one normalised table: one row per lowest-level area, columns ``county``,
  ``street``, ``community`` (names, ``""`` where a level is absent), their codes
  ``county_code``, ``street_code``, ``community_code`` (``""`` when unknown) and
  ``geometry``.
- :func:`apply_admin` gives every unit the admin area it lies in (columns
  ``admin_county``, ``admin_street``, ``admin_community``, ``admin_code``; ``admin`` becomes
  the most specific name). A grid cell straddling a border is split, and so is a road
  corridor or river reach crossing one (the centreline cut at the border), so that each
  piece has one answering street; ``split_by_admin=False`` gives the whole unit to the
  area holding most of it instead.
- :func:`hierarchical_codes` numbers grid cells in the style of the unit-grid codes of
  Chinese digital city management (CJ/T 213; Beijing's grid codes follow it): county
  code, street code, community code and a serial numbered west→east, north→south within
  the community, e.g. ``110108-003-012-0007``.

Rules
-----
- **Pieces** of a split unit get the unit's id with ``/1``, ``/2`` … appended, ordered by
  the admin area's codes, then names (a piece outside every admin area comes last); an
  unsplit unit keeps its id. The same units and admin areas give the same ids.
- **Slivers**: a piece holding less than ``min_share`` of the unit (area for cells,
  centreline length for corridors and reaches) is not split off: it joins the largest
  piece, so the pieces' areas and lengths always sum to the unit's.
- **Borders along a road**: a stretch of centreline lying on a border goes to the
  neighbouring area that sorts first (lower code, then name). Parts of a corridor in an
  area that holds none of its centreline join the nearest centreline piece.
- **Outside**: a unit in no admin area keeps its ``admin`` and gets empty admin columns;
  the part of a unit outside every area is a piece of its own when it holds at least
  ``min_share`` of the unit.

Examples
--------
>>> import geozz as gz
>>> from shapely.geometry import box
>>> units = gz.build_units(gz.datasets.longgang(), grid_size=500, unit_types=["grid"])
>>> x0, y0, x1, y1 = units.total_bounds
>>> mid = 213250  # a north-south border 250 m into a column of cells
>>> admin = read_admin(gpd.GeoDataFrame(
...     {"街道": ["西街道", "东街道"], "街道代码": ["440307001", "440307002"],
...      "区县": "龙岗区", "区县代码": "440307"},
...     geometry=[box(x0, y0, mid, y1), box(mid, y0, x1, y1)], crs=units.crs))
>>> out = apply_admin(units, admin)
>>> len(out) - len(units)  # cells cut by the border
7
>>> out.loc["G500-E426-N5023/1", ["admin_street", "admin_code"]].tolist()
['西街道', '440307-001-000']
>>> round(out.filter(like="G500-E426-N5023", axis=0)["area_m2"].sum())
250000
"""

from __future__ import annotations

import bz2
import gzip
import math
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from ..errors import CRSError, InputError, Issue, SchemaError
from ..tables.unit_types import GRID
from ..tables.units import ADMIN_COLUMNS, ADMIN_LEVELS, COLUMNS

__all__ = ["LEVELS", "OSM_LEVELS", "ADMIN_COLUMNS", "read_admin", "apply_admin",
           "hierarchical_codes"]

#: the admin levels, coarsest first (:data:`geozz.columns.ADMIN_LEVELS`)
LEVELS = ADMIN_LEVELS

#: OSM ``admin_level`` of each level in China (6 区县, 8 街道/乡镇, 10 社区/村)
OSM_LEVELS: Mapping[str, str] = {"county": "6", "street": "8", "community": "10"}


#: column names recognised for each level's names in an office's file
_NAME_COLUMNS = {
    "county": ("county", "district", "区县", "区县名称", "县区", "区", "县", "区(县)"),
    "street": ("street", "township", "town", "subdistrict", "街道", "街道名称", "乡镇",
               "街镇", "街道办", "街道(乡镇)", "镇街"),
    "community": ("community", "village", "社区", "社区名称", "村", "村居", "社区(村)",
                  "居委会", "村(社区)"),
}
#: column names recognised for each level's codes
_CODE_COLUMNS = {
    "county": ("county_code", "district_code", "区县代码", "区县编码", "区县编号"),
    "street": ("street_code", "township_code", "街道代码", "街道编码", "乡镇代码",
               "街道编号"),
    "community": ("community_code", "village_code", "社区代码", "社区编码", "村代码",
                  "社区编号"),
}
#: digits of the full statistical code (GB/T 2260 + GB/T 10114 + 3) up to each level
_FULL_DIGITS = {"county": 6, "street": 9, "community": 12}
#: digits of each level's own part of a grid code
_OWN_DIGITS = {"county": 6, "street": 3, "community": 3}

_OSM_SUFFIXES = (".osm", ".pbf", ".osm.bz2", ".osm.gz", ".bz2", ".gz")
_NORMAL = [*LEVELS, *(f"{lv}_code" for lv in LEVELS), "geometry"]
#: a remainder of a parent area under this share of it is a digitising sliver
_REMAINDER_SHARE = 0.01
#: overlaps between admin areas above this share of the smaller one are errors
_OVERLAP_SHARE = 0.01


# --------------------------------------------------------------------------------------
# read_admin
# --------------------------------------------------------------------------------------


def _text(value) -> str:
    """A name or code as clean text: ``""`` for missing, ``110108`` for ``110108.0``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    return str(value).strip()


def _gdal_readable(path: Path, tmp: str) -> str:
    """``path`` itself for ``.osm`` / ``.osm.pbf``; a bzip2 or gzip file decompressed into
    ``tmp`` (GDAL's OSM driver reads neither)."""
    name = path.name.lower()
    opener = bz2.open if name.endswith(".bz2") else gzip.open if name.endswith(".gz") else None
    if opener is None:
        return str(path)
    out = os.path.join(tmp, "admin.osm")
    with opener(path, "rb") as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1024 * 1024)
    return out


def _load(source, *, layer) -> tuple[gpd.GeoDataFrame, str | None]:
    """The admin polygons as a GeoDataFrame, and the file they came from."""
    if isinstance(source, gpd.GeoDataFrame):
        return source, None
    admin = getattr(source, "admin", None)  # an Area with an admin layer
    if isinstance(admin, gpd.GeoDataFrame):
        return admin, None
    if not isinstance(source, (str, Path)):
        raise InputError(Issue(field="admin", expected="a GeoDataFrame, an Area with an admin "
                               "layer, or the path of a GeoPackage/GeoJSON/Shapefile/OSM file",
                               got=type(source).__name__,
                               fix="pass the admin areas, e.g. read_admin('streets.gpkg')"))
    import pyogrio

    path = Path(source)
    if not path.is_file():
        raise InputError(Issue(file=str(path), field="admin", expected="an existing file",
                               fix="check the path of the admin areas file"))
    if path.name.lower().endswith(_OSM_SUFFIXES):
        with tempfile.TemporaryDirectory(prefix="geozz-admin-",
                                         ignore_cleanup_errors=True) as tmp:
            try:
                gpath = _gdal_readable(path, tmp)
                gdf = pyogrio.read_dataframe(gpath, layer="multipolygons",
                                             columns=["name", "admin_level", "boundary"])
            except Exception as exc:  # GDAL's message is kept in the chain
                raise InputError(Issue(file=str(path), field="layer multipolygons",
                                       expected="an OSM file GDAL can read",
                                       got=str(exc).splitlines()[0][:200] if str(exc) else
                                       type(exc).__name__,
                                       fix="download or export the OSM file again")) from exc
        gdf = gdf.set_crs(4326, allow_override=True)
        gdf = gdf[gdf["boundary"].fillna("") == "administrative"]
        return gdf.drop(columns=["boundary"]).reset_index(drop=True), str(path)
    try:
        gdf = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:
        raise InputError(Issue(file=str(path), field="admin" if layer is None else
                               f"layer {layer}", expected="a GeoPackage, GeoJSON, Shapefile or "
                               "other vector file GDAL can read",
                               got=str(exc).splitlines()[0][:200] if str(exc) else
                               type(exc).__name__,
                               fix="check the file (a Shapefile needs its .shx, .dbf and .prj"
                                   " beside it) or pass layer= naming the layer")) from exc
    return gdf, str(path)


def _level_issues(keys: Iterable, option: str) -> list[Issue]:
    return [Issue(field=option, expected=f"levels among {LEVELS}", got=k,
                  fix=f"use the keys {', '.join(map(repr, LEVELS))}") for k in keys
            if k not in LEVELS]


def _geometry_issues(gdf: gpd.GeoDataFrame, file) -> list[Issue]:
    issues = []
    for row, geom in enumerate(gdf.geometry.values, start=1):
        if geom is None or geom.is_empty:
            issues.append(Issue(file=file, row=row, field="geometry", expected="a polygon",
                                got="nothing (empty)", fix="draw the area or drop the row"))
        elif geom.geom_type not in ("Polygon", "MultiPolygon"):
            issues.append(Issue(file=file, row=row, field="geometry", expected="a polygon",
                                got=geom.geom_type,
                                fix="admin areas are polygons, not points or lines"))
    return issues


def _polygonal(geom):
    """The polygonal part of a (possibly invalid) geometry."""
    geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _wide(gdf, levels, code, file) -> pd.DataFrame:
    """Rows of an office's table with one column per level."""
    issues = _level_issues(levels, "levels")
    if isinstance(code, Mapping):
        issues += _level_issues(code, "code")
    if issues:
        raise InputError(issues)
    cols = list(gdf.columns)
    what = {"levels": "names", "code": "codes"}
    for option, mapping in (("levels", levels), ("code", code if isinstance(code, Mapping)
                                                 else {"": code} if code else {})):
        for level, column in mapping.items():
            if column not in cols:
                issues.append(Issue(file=file, field=str(column),
                                    expected=f"a column {column!r} holding the "
                                             f"{level or 'full'} {what[option]}",
                                    got=[c for c in cols if c != gdf.geometry.name],
                                    fix=f"pass {option}= naming the right column"))
    if issues:
        raise SchemaError(issues)
    out = pd.DataFrame({c: [""] * len(gdf) for c in _NORMAL[:-1]}, index=gdf.index)
    for level, column in levels.items():
        out[level] = [_text(v) for v in gdf[column]]
    if isinstance(code, Mapping):
        for level, column in code.items():
            out[f"{level}_code"] = [_text(v) for v in gdf[column]]
    elif code:
        deepest = [lv for lv in LEVELS if lv in levels][-1]
        for row, full in enumerate(_text(v) for v in gdf[code]):
            if not full:
                continue
            if not full.isdigit() or len(full) not in _FULL_DIGITS.values():
                issues.append(Issue(file=file, row=row + 1, field=str(code),
                                    expected="a full admin code of 6, 9 or 12 digits",
                                    got=full, fix="write the GB/T 2260 code with the street "
                                    "and community digits, e.g. 110108003012, or pass code= "
                                    "a mapping of one column per level"))
                continue
            for level in LEVELS:
                if len(full) >= _FULL_DIGITS[level]:
                    out.iloc[row, out.columns.get_loc(f"{level}_code")] = \
                        full[:_FULL_DIGITS[level]]
            if len(full) < _FULL_DIGITS[deepest]:
                issues.append(Issue(file=file, row=row + 1, field=str(code),
                                    expected=f"a code down to the {deepest} "
                                             f"({_FULL_DIGITS[deepest]} digits)",
                                    got=full, fix="write the full code of the row's area"))
    for row, names in enumerate(out[list(levels)].itertuples(index=False), start=1):
        if not any(names):
            issues.append(Issue(file=file, row=row, field=", ".join(map(str, levels.values())),
                                expected="the name of at least one level", got="",
                                fix="fill in the names or drop the row"))
    if issues:
        raise InputError(issues)
    out["geometry"] = gdf.geometry.values
    return out


def _level_key(value: str):
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def _osm(gdf, levels, code, name, file) -> pd.DataFrame:
    """Rows of a long table (OSM style): one polygon per row, its level in admin_level."""
    issues = _level_issues(levels, "levels")
    if name not in gdf.columns:
        issues.append(Issue(file=file, field=name, expected="a column of area names",
                            got=list(gdf.columns), fix="pass name= naming it"))
    if isinstance(code, str) and code not in gdf.columns:
        issues.append(Issue(file=file, field=code, expected="a column of area codes",
                            got=list(gdf.columns), fix="pass code= naming it, or code=None"))
    if issues:
        raise SchemaError(issues)
    wanted = {_text(v): lv for lv, v in levels.items()}
    have = gdf["admin_level"].map(_text)
    gdf = gdf[have.isin(list(wanted))]
    if gdf.empty:
        raise InputError(Issue(file=file, field="admin_level",
                               expected="admin polygons of admin_level "
                                        f"{sorted(wanted, key=_level_key)}",
                               got=sorted(set(have) - {""}, key=_level_key) or
                               "no admin polygons",
                               fix="pass levels= mapping each level to the admin_level the "
                                   "data uses, e.g. levels={'street': '8'}, or give the "
                                   "office's own admin file"))
    polys = {lv: [] for lv in LEVELS}  # level -> [(name, code, geometry)]
    for lvl, nm, cd, geom in zip(gdf["admin_level"].map(_text), gdf[name],
                                 gdf[code] if isinstance(code, str) else [""] * len(gdf),
                                 gdf.geometry.values):
        polys[wanted[lvl]].append((_text(nm), _text(cd), _polygonal(geom)))
    for lv in LEVELS:  # a stable order, whatever the file's order
        polys[lv].sort(key=lambda p: (p[1], p[0], p[2].wkb))
    present = [lv for lv in LEVELS if polys[lv]]
    rows = []  # (dict of level -> (name, code) for every level the row is in, geometry)
    for li in range(len(present) - 1, -1, -1):  # finest level first
        level = present[li]
        for nm, cd, geom in polys[level]:
            mine = {level: (nm, cd)}
            for coarser in present[:li]:  # the ancestor holding most of it
                best = max(polys[coarser], key=lambda p: p[2].intersection(geom).area)
                if best[2].intersection(geom).area > 0.5 * geom.area:
                    mine[coarser] = best[:2]
            covered = [g for keys, g in rows if keys.get(level) == (nm, cd)]
            rest = geom.difference(shapely.union_all(covered)) if covered else geom
            if rest.area >= _REMAINDER_SHARE * geom.area:
                rows.append((mine, _polygonal(rest)))
    out = pd.DataFrame({c: [""] * len(rows) for c in _NORMAL[:-1]})
    for i, (keys, _) in enumerate(rows):
        for lv, (nm, cd) in keys.items():
            out.loc[i, lv], out.loc[i, f"{lv}_code"] = nm, cd
    out["geometry"] = [g for _, g in rows]
    return out


def read_admin(source, *, levels: Mapping[str, str] | None = None,
               code: str | Mapping[str, str] | None = None, name: str = "name",
               layer: str | None = None) -> gpd.GeoDataFrame:
    """Admin areas in one normalised table: one row per lowest-level area.

    Two shapes of input are understood:

    - **an office's table**, one row per lowest-level area and one column per level
      (``levels={"county": "区县", "street": "街道", "community": "社区"}``; without
      ``levels=`` the usual Chinese and English column names are recognised);
    - **OSM-style polygons**, one polygon per row and its level in an ``admin_level``
      column: an ``.osm.pbf`` / ``.osm`` / ``.osm.bz2`` file (its ``multipolygons`` with
      ``boundary=administrative``), an :class:`~geozz.area.Area` with an ``admin`` layer,
      or such a GeoDataFrame. ``levels`` then maps each level to its ``admin_level``
      (default :data:`OSM_LEVELS`: 6, 8, 10). Each polygon is placed in the coarser
      polygon holding most of it; the part of a coarser area covered by none of its
      finer areas is a row of its own (unless under 1 % of it: a digitising sliver).

    Parameters
    ----------
    source : path, GeoDataFrame or Area
        GeoPackage, GeoJSON, Shapefile, GeoParquet (anything GDAL reads) or OSM file.
    levels : mapping of level -> column or admin_level, optional
        Keys among :data:`LEVELS`.
    code : str or mapping of level -> column, optional
        Office table: a mapping of one code column per level, or one column holding the
        full code (6, 9 or 12 digits: GB/T 2260 county + 3 street + 3 community digits),
        split into the levels. OSM-style: the column holding each polygon's code. By
        default the usual code column names (``街道代码``, ``street_code``, …) are used.
    name : str, default "name"
        OSM-style input: the column of area names.
    layer : str, optional
        The layer of a multi-layer file.

    Returns
    -------
    GeoDataFrame
        Columns ``county``, ``street``, ``community``, ``county_code``, ``street_code``,
        ``community_code`` (text; ``""`` where absent) and ``geometry`` (valid polygons, in
        the CRS of the input), sorted by codes, then names.

    Raises
    ------
    InputError
        A missing file or column (:class:`~geozz.errors.SchemaError`), no CRS
        (:class:`~geozz.errors.CRSError`), rows with no geometry or no name, admin
        polygons of none of the levels, or two areas overlapping by more than 1 % of the
        smaller — every problem found, with the field and the fix.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> office = gpd.GeoDataFrame(
    ...     {"区县": ["海淀区"] * 2, "街道": ["万寿路街道"] * 2, "社区": ["甲", "乙"],
    ...      "社区代码": ["110108001001", "110108001002"]},
    ...     geometry=[box(116.20, 39.90, 116.21, 39.91), box(116.21, 39.90, 116.22, 39.91)],
    ...     crs=4326)
    >>> admin = read_admin(office, code="社区代码")
    >>> for row in admin.drop(columns="geometry").itertuples(index=False):
    ...     print(*row)
    海淀区 万寿路街道 甲 110108 110108001 110108001001
    海淀区 万寿路街道 乙 110108 110108001 110108001002
    """
    gdf, file = _load(source, layer=layer)
    if gdf.crs is None:
        raise CRSError(Issue(file=file, field="crs", expected="admin areas with a CRS",
                             fix="call .set_crs(4326) (or the right EPSG code) first, or "
                                 "write the file with its .prj"))
    if levels is not None and not isinstance(levels, Mapping):
        raise InputError(Issue(field="levels", expected="a mapping of level -> column",
                               got=levels, fix="e.g. levels={'street': '街道', 'community': "
                                               "'社区'}"))
    if code is not None and not isinstance(code, (str, Mapping)):
        raise InputError(Issue(field="code", expected="a column name or a mapping of level "
                               "-> column", got=code, fix="e.g. code={'street': '街道代码'}"))
    issues = _geometry_issues(gdf, file)
    if issues:
        raise InputError(issues)
    cols = set(gdf.columns)
    osm_style = "admin_level" in cols and (levels is None or not any(
        isinstance(v, str) and v in cols for v in levels.values()))
    if osm_style:
        if code is None and "code" in cols:
            code = "code"
        if isinstance(code, Mapping):
            raise InputError(Issue(field="code", expected="for admin polygons with an "
                                   "admin_level column, the one column of their codes",
                                   got=dict(code), fix="pass code='<column>' or code=None"))
        rows = _osm(gdf, dict(levels or OSM_LEVELS), code, name, file)
    else:
        if levels is None:
            levels = {lv: next(c for c in names if c in cols)
                      for lv, names in _NAME_COLUMNS.items() if any(c in cols for c in names)}
            if not levels:
                raise SchemaError(Issue(file=file, field="levels",
                                        expected="columns naming the county / street / "
                                                 "community of each area",
                                        got=[c for c in gdf.columns if c != gdf.geometry.name],
                                        fix="pass levels={'street': '<column of street "
                                            "names>', 'community': '<column>'}"))
        if code is None:
            code = {lv: next(c for c in names if c in cols)
                    for lv, names in _CODE_COLUMNS.items() if any(c in cols for c in names)}
        rows = _wide(gdf, dict(levels), code, file)
        rows["geometry"] = [_polygonal(g) for g in rows["geometry"]]
    keys = _NORMAL[:-1]
    rows = rows.groupby(keys, sort=False, dropna=False)["geometry"].agg(
        lambda g: shapely.union_all(list(g))).reset_index()
    order = [f"{lv}_code" for lv in LEVELS] + list(LEVELS)
    rows = rows.sort_values(order, kind="stable").reset_index(drop=True)
    out = gpd.GeoDataFrame(rows[_NORMAL], geometry="geometry", crs=gdf.crs)
    _check_overlaps(out, file)
    return out


def _label(row) -> str:
    return "/".join(n for n in (row.county, row.street, row.community) if n) or "(unnamed)"


def _check_overlaps(admin: gpd.GeoDataFrame, file) -> None:
    """Raise for areas overlapping by more than 1 % of the smaller; trim smaller overlaps."""
    geoms = admin.geometry.values
    left, right = admin.sindex.query(geoms, predicate="intersects")
    issues = []
    trimmed = list(geoms)
    for a, b in zip(left, right):
        if a >= b:
            continue
        common = shapely.intersection(trimmed[a], trimmed[b]).area
        if common <= 0:
            continue
        if common > _OVERLAP_SHARE * min(geoms[a].area, geoms[b].area):
            ra, rb = admin.iloc[a], admin.iloc[b]
            issues.append(Issue(file=file, row=None, field="geometry",
                                expected="admin areas that do not overlap",
                                got=f"{_label(ra)} and {_label(rb)} share "
                                    f"{common / min(geoms[a].area, geoms[b].area):.0%} "
                                    "of the smaller",
                                fix="correct the borders so each place lies in one area"))
        else:  # a digitising sliver: the area sorting first keeps it
            trimmed[b] = _polygonal(shapely.difference(trimmed[b], trimmed[a]))
    if issues:
        raise InputError(issues)
    admin["geometry"] = gpd.GeoSeries(trimmed, crs=admin.crs, index=admin.index)


# --------------------------------------------------------------------------------------
# apply_admin
# --------------------------------------------------------------------------------------


def _normalised(admin, crs: CRS) -> gpd.GeoDataFrame:
    if not (isinstance(admin, gpd.GeoDataFrame) and set(_NORMAL) <= set(admin.columns)):
        admin = read_admin(admin)
    elif admin.crs is None:
        raise CRSError(Issue(field="admin", expected="admin areas with a CRS",
                             fix="call .set_crs(4326) (or the right EPSG code) first"))
    admin = admin.to_crs(crs).reset_index(drop=True)
    admin["geometry"] = [_polygonal(g) for g in admin.geometry.values]
    return admin


def _prefix(row) -> str:
    """``110108-003-012`` from the area's codes (``000`` for a level without a code)."""
    if not row.county_code:
        return ""
    parts = [row.county_code[:6]]
    for level in ("street", "community"):
        own = getattr(row, f"{level}_code")
        parts.append(own[-3:].zfill(3) if own else "000")
    return "-".join(parts)


def _unit_issues(units) -> list[Issue]:
    if not isinstance(units, gpd.GeoDataFrame):
        return [Issue(field="units", expected="a Units GeoDataFrame", got=type(units).__name__,
                      fix="build them with gz.build_units or read them with gz.read_units")]
    issues = []
    missing = [c for c in ("unit_type", "geometry") if c not in units.columns]
    if missing:
        issues.append(Issue(field=missing[0], expected="the Units columns " + ", ".join(COLUMNS),
                            got=list(units.columns),
                            fix="build them with gz.build_units or read them with gz.read_units"))
    if units.crs is None or not CRS.from_user_input(units.crs).is_projected:
        issues.append(Issue(field="crs", expected="units in a projected metric CRS",
                            got=str(units.crs), fix="units from gz.build_units or "
                            "gz.read_units are; else call .to_crs(gz.units.metric_crs(units))"))
    if not units.index.is_unique:
        issues.append(Issue(field="unit_id", expected="unique unit ids",
                            got=units.index[units.index.duplicated()].tolist()[:5],
                            fix="give every unit its own id"))
    return issues


def _split_types(split_by_admin, units) -> tuple[set, list[Issue]]:
    if isinstance(split_by_admin, (bool, np.bool_)):
        return (set(units["unit_type"]) if split_by_admin else set()), []
    if isinstance(split_by_admin, str):
        split_by_admin = [split_by_admin]
    try:
        chosen = set(split_by_admin)
    except TypeError:
        return set(), [Issue(field="split_by_admin", expected="True, False or a list of unit "
                             "types", got=split_by_admin, fix="e.g. split_by_admin=['road']")]
    return chosen, []


def _line_pieces(centre, cands, polys, tol, borders=None):
    """Cut a centreline at the borders: {area position or None: line}, lengths summing.

    ``borders``: the union of the boundaries of the areas ``cands``, when the caller has it.
    """
    if borders is None:
        borders = shapely.union_all([shapely.boundary(polys[k]) for k in cands])
    owned: dict = {}
    for part in shapely.get_parts(shapely.line_merge(centre) if centre.geom_type ==
                                  "MultiLineString" else centre):
        if part.geom_type != "LineString" or part.length == 0:
            continue
        hits = shapely.intersection(part, borders)
        cuts = {0.0, part.length}
        for c in shapely.get_coordinates(hits):
            cuts.add(float(part.project(shapely.Point(c))))
        cuts = sorted(cuts)
        for a, b in zip(cuts[:-1], cuts[1:]):
            if b - a <= 0:
                continue
            seg = shapely.ops.substring(part, a, b)
            mid = part.interpolate((a + b) / 2)
            dist = [(shapely.distance(mid, polys[k]), k) for k in cands]
            d, k = min(dist) if dist else (math.inf, None)
            owned.setdefault(k if d <= tol else None, []).append(seg)
    return {k: shapely.line_merge(shapely.union_all(v)) if len(v) > 1 else v[0]
            for k, v in owned.items()}


def _absorb(shares: dict, min_share: float) -> dict:
    """Map each piece key to the key it ends up in: small pieces join the largest."""
    big = {k for k, s in shares.items() if s >= min_share}
    if not big:
        big = {max(shares, key=lambda k: (shares[k], k is not None))}
    largest = max(big, key=lambda k: (shares[k], k is not None))
    return {k: (k if k in big else largest) for k in shares}


def apply_admin(units: gpd.GeoDataFrame, admin, *, split_by_admin: bool | Iterable[str] = True,
                min_share: float = 0.01) -> gpd.GeoDataFrame:
    """Give every unit the admin areas it lies in, splitting units that cross a border.

    Parameters
    ----------
    units : GeoDataFrame
        Units (projected metric CRS, indexed by ``unit_id``).
    admin : GeoDataFrame, path or Area
        The output of :func:`read_admin`, or anything :func:`read_admin` takes (read
        with its defaults).
    split_by_admin : bool or list of unit types, default True
        True: every unit crossing a border is split (cells cut along the border; corridors
        and reaches cut where the centreline crosses it, 分片包干). False: no unit is split;
        each goes whole to the area holding most of it (of its area for cells, of its
        centreline for corridors and reaches). A list such as ``["road", "river"]`` splits
        only units of those types.
    min_share : float, default 0.01
        Pieces under this share of a unit (0 ≤ min_share < 0.5) join its largest piece.

    Returns
    -------
    GeoDataFrame
        The units (split where needed, in the input order) with ``admin_county``,
        ``admin_street``, ``admin_community`` (names, ``""`` outside every area),
        ``admin_code`` (``county-street-community`` such as ``440307-001-000`` when the
        admin areas have codes, else ``""``); ``admin`` holds the most specific name.
        Pieces keep ``unit_type``, ``name`` and ``responsible``; ``centerline``,
        ``length_m`` and ``area_m2`` are those of the piece. Ids stay unique and stable.

    Examples
    --------
    >>> import geozz as gz
    >>> from shapely.geometry import box
    >>> units = gz.build_units(gz.datasets.longgang(), unit_types=["road"])
    >>> x0, y0, x1, y1 = units.total_bounds
    >>> admin = gpd.GeoDataFrame({"street": ["西", "东"]}, crs=units.crs,
    ...     geometry=[box(x0, y0, 214800, y1), box(214800, y0, x1, y1)])
    >>> out = apply_admin(units, admin)
    >>> pieces = out[out.index.str.contains("/")]  # the roads crossing x = 214800, cut there
    >>> sorted(set(pieces["admin_street"]))
    ['东', '西']
    >>> bool(abs(out["length_m"].sum() - units["length_m"].sum()) < 1e-6)
    True
    """
    issues = _unit_issues(units)
    ok = (isinstance(min_share, (int, float, np.integer, np.floating))
          and not isinstance(min_share, (bool, np.bool_)) and math.isfinite(min_share)
          and 0 <= min_share < 0.5)
    if not ok:
        issues.append(Issue(field="min_share", expected="a share 0 <= min_share < 0.5",
                            got=min_share, fix="pass e.g. min_share=0.01 (1 % of a unit)"))
    if issues:
        raise InputError(issues)
    split_types, issues = _split_types(split_by_admin, units)
    if issues:
        raise InputError(issues)
    admin = _normalised(admin, units.crs)
    polys = admin.geometry.to_numpy()
    shapely.prepare(polys)
    rank = {k: k for k in range(len(admin))}  # admin is sorted by codes, then names
    # what a piece in each area gets: names, code and the name for ``admin``
    area_cols = [{"admin_county": r.county, "admin_street": r.street,
                  "admin_community": r.community, "admin_code": _prefix(r)}
                 for r in admin.itertuples(index=False)]
    area_name = [r.community or r.street or r.county for r in admin.itertuples(index=False)]
    tol = 0.01  # metres: a centreline stretch this close to an area lies on its border
    has_centre = "centerline" in units.columns
    geoms = units.geometry.to_numpy()
    centres = (units["centerline"].to_numpy() if has_centre
               else np.full(len(units), None, dtype=object))
    is_lines = np.array([isinstance(c, shapely.Geometry) and not c.is_empty and c.length > 0
                         for c in centres], dtype=bool)
    unit_types = units["unit_type"].to_numpy()
    cand_left, cand_right = admin.sindex.query(geoms, predicate="intersects")
    order = np.lexsort((cand_right, cand_left))  # by unit, then area (= by rank)
    cand_left, cand_right = cand_left[order], cand_right[order]
    bounds = np.searchsorted(cand_left, np.arange(len(units) + 1))
    # the common case, a unit inside one area, decided for all units at once
    n_cands = np.diff(bounds)
    one = np.flatnonzero(n_cands == 1)
    inside = np.zeros(len(units), dtype=bool)
    area_of = cand_right[bounds[one]]
    inside[one] = shapely.covers(polys[area_of], geoms[one])
    line = is_lines[one]  # and their centrelines too
    inside[one[line]] &= shapely.covers(polys[area_of[line]], centres[one[line]])
    # neighbouring units share their candidate areas: each union is made once
    unions: dict[tuple, BaseGeometry] = {}
    borders: dict[tuple, BaseGeometry] = {}

    def union_of(cands: list[int]) -> BaseGeometry:
        if tuple(cands) not in unions:
            unions[tuple(cands)] = shapely.union_all([polys[k] for k in cands])
        return unions[tuple(cands)]

    def borders_of(cands: list[int]) -> BaseGeometry:
        if tuple(cands) not in borders:
            borders[tuple(cands)] = shapely.union_all([shapely.boundary(polys[k])
                                                       for k in cands])
        return borders[tuple(cands)]

    columns = [c for c in units.columns if c not in ADMIN_COLUMNS] + list(ADMIN_COLUMNS)
    values = units.values  # the row values iterrows would give
    names = list(units.columns)
    records = []
    for pos, uid in enumerate(units.index):
        cands = [int(k) for k in cand_right[bounds[pos]:bounds[pos + 1]]]
        geom = geoms[pos]
        centre = centres[pos] if has_centre else None
        is_line = bool(is_lines[pos])
        utype = unit_types[pos]
        pieces = {}  # area position or None -> (geometry, centreline or None)
        if not cands:
            pieces = {None: (geom, centre)}
        elif inside[pos]:
            pieces = {cands[0]: (geom, centre)}  # the common case: inside one area
        elif is_line:
            lines = _line_pieces(centre, cands, polys, tol, borders_of(cands))
            total = sum(g.length for g in lines.values())
            if utype in split_types:
                target = _absorb({k: g.length / total for k, g in lines.items()}, min_share)
                merged: dict = {}
                for k, g in lines.items():
                    merged.setdefault(target[k], []).append(g)
                lines = {k: (shapely.line_merge(shapely.union_all(v)) if len(v) > 1 else v[0])
                         for k, v in merged.items()}
            else:
                best = max(lines, key=lambda k: (lines[k].length, k is not None,
                                                 -rank.get(k, 0)))
                lines = {best: centre}
            if len(lines) == 1:
                pieces = {next(iter(lines)): (geom, centre)}
            else:
                inside_k = {k: _polygonal(shapely.intersection(geom, polys[k]))
                            for k in lines if k is not None}
                if None in lines:
                    inside_k[None] = _polygonal(shapely.difference(geom, union_of(cands)))
                rest = _polygonal(shapely.difference(geom, shapely.union_all(
                    list(inside_k.values()))))
                extra = {k: [] for k in lines}
                for part in shapely.get_parts(rest):
                    if part.area > 0:
                        nearest = min(lines, key=lambda k: (shapely.distance(part, lines[k]),
                                                            k is None, rank.get(k, 0)))
                        extra[nearest].append(part)
                pieces = {k: (shapely.union_all([inside_k.get(k, shapely.Polygon()),
                                                 *extra[k]]), lines[k]) for k in lines}
        else:
            parts = {k: _polygonal(shapely.intersection(geom, polys[k])) for k in cands}
            parts = {k: g for k, g in parts.items() if g.area > 0}
            outside = _polygonal(shapely.difference(geom, union_of(cands)))
            if outside.area > 0:
                parts[None] = outside
            if not parts:
                pieces = {None: (geom, centre)}
            elif utype in split_types and geom.area > 0:
                target = _absorb({k: g.area / geom.area for k, g in parts.items()}, min_share)
                merged = {}
                for k, g in parts.items():
                    merged.setdefault(target[k], []).append(g)
                pieces = {k: (shapely.union_all(v) if len(v) > 1 else v[0], centre)
                          for k, v in merged.items()}
                if len(pieces) == 1:
                    pieces = {next(iter(pieces)): (geom, centre)}
            else:
                inside_k = {k: g for k, g in parts.items() if k is not None}
                best = (max(inside_k, key=lambda k: (inside_k[k].area, -rank[k])) if inside_k
                        else None)
                pieces = {best: (geom, centre)}
        order = sorted(pieces, key=lambda k: (k is None, rank.get(k, 0)))
        unit = dict(zip(names, values[pos]))
        for n, k in enumerate(order, start=1):
            piece, line = pieces[k]
            row = dict(unit)
            row["unit_id"] = uid if len(order) == 1 else f"{uid}/{n}"
            row["geometry"] = piece
            if len(order) > 1:
                row["area_m2"] = piece.area
                if is_line:
                    row["centerline"] = line
                    row["length_m"] = line.length
            if k is None:
                row.update(admin_county="", admin_street="", admin_community="",
                           admin_code="")
            else:
                row.update(area_cols[k])
                row["admin"] = area_name[k] or row.get("admin")
            records.append(row)
    out = pd.DataFrame.from_records(records, index="unit_id",
                                    columns=["unit_id", *columns]) if records else \
        pd.DataFrame(columns=columns, index=pd.Index([], name="unit_id"))
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=units.crs)
    if has_centre:
        out["centerline"] = gpd.GeoSeries(out["centerline"], crs=units.crs, index=out.index)
    out.index = out.index.astype(str)
    out.index.name = "unit_id"
    if not out.index.is_unique:
        dup = out.index[out.index.duplicated()].tolist()
        raise InputError(Issue(field="unit_id", expected="ids that stay unique once "
                               "pieces get /1, /2 …", got=dup[:5],
                               fix="rename the units whose ids end in /<number>"))
    return out


# --------------------------------------------------------------------------------------
# hierarchical codes
# --------------------------------------------------------------------------------------

_GRID_ID = re.compile(r"^[A-Za-z]+[\d.]+-E(?P<i>-?\d+)-N(?P<j>-?\d+)(?:/(?P<k>\d+))?$")


def _code_issues(admin: gpd.GeoDataFrame, used: Iterable[int]) -> list[Issue]:
    issues = []
    for k in sorted(set(used)):
        row = admin.iloc[k]
        where = _label(row)
        checks = (("county_code", row.county_code, (6, 9, 12), True),
                  ("street_code", row.street_code, (3, 9, 12), False),
                  ("community_code", row.community_code, (3, 12), False))
        for field, value, sizes, needed in checks:
            if (needed and not value) or (value and not (value.isdigit()
                                                         and len(value) in sizes)):
                digits = " or ".join(map(str, sizes))
                issues.append(Issue(field=field, expected=f"a code of {digits} digits for "
                                    f"{where}", got=value or None,
                                    fix="give the admin areas their codes: read_admin(..., "
                                        "code={'county': '区县代码', 'street': '街道代码', "
                                        "'community': '社区代码'}) or code='<full code column>'"))
    return issues


def hierarchical_codes(units: gpd.GeoDataFrame, admin, *,
                       unit_types: Iterable[str] = (GRID.name,)) -> pd.Series:
    """Grid codes: county, street and community codes and a serial: ``110108-003-012-0007``.

    In the style of the unit-grid codes of Chinese digital city management (CJ/T 213,
    which Beijing's grid codes follow): the 6-digit county code (GB/T 2260), the 3-digit
    street (街道/乡镇) code, the 3-digit community (社区/村) code — each level's own
    digits, taken from the end of a 9- or 12-digit full code, ``000`` for a level the
    admin areas lack — and a 4-digit serial numbered within the community from west to
    east, then north to south (left to right, top to bottom): by the row and column in a
    geozz grid id (``G200-E…-N…``, pieces ``/1``, ``/2`` in order), else by the
    centroid in rows one cell high. The same units and admin areas give the same codes.

    Parameters
    ----------
    units : GeoDataFrame
        Units, best after :func:`apply_admin` so that no cell straddles two communities
        (a cell that does is coded in the community holding most of it).
    admin : GeoDataFrame, path or Area
        Admin areas with codes (:func:`read_admin`).
    unit_types : iterable of str, default ("grid",)
        Which units are coded.

    Returns
    -------
    Series
        Indexed like ``units``, named ``grid_code``: the code, or ``""`` for units of
        other types and units in no admin area.

    Raises
    ------
    InputError
        An area holding coded units lacks a county code or has a malformed code, or a
        community holds more than 9999 units.

    Examples
    --------
    >>> import geozz as gz
    >>> from shapely.geometry import box
    >>> units = gz.build_units(gz.datasets.longgang(), grid_size=500, unit_types=["grid"])
    >>> admin = gpd.GeoDataFrame({"street_code": ["440307001"], "county_code": ["440307"]},
    ...     geometry=[box(*units.total_bounds)], crs=units.crs)
    >>> admin = admin.assign(county="龙岗区", street="某街道")
    >>> codes = hierarchical_codes(units, read_admin(admin))
    >>> codes.sort_values().head(2).tolist()
    ['440307-001-000-0001', '440307-001-000-0002']
    """
    issues = _unit_issues(units)
    if isinstance(unit_types, str):
        unit_types = [unit_types]
    try:
        unit_types = list(unit_types)
    except TypeError:
        issues.append(Issue(field="unit_types", expected="a list of unit types",
                            got=unit_types, fix="e.g. unit_types=['grid']"))
        unit_types = []
    if issues:
        raise InputError(issues)
    admin = _normalised(admin, units.crs)
    out = pd.Series("", index=units.index, name="grid_code", dtype=object)
    chosen = units[units["unit_type"].isin(unit_types)]
    if chosen.empty:
        return out
    if not admin[["county_code", "street_code", "community_code"]].ne("").any().any():
        raise InputError(Issue(field="code", expected="admin areas with codes",
                               got="no codes", fix="read them with read_admin(..., code="
                               "{'county': '区县代码', 'street': '街道代码', "
                               "'community': '社区代码'}) or code='<full code column>'"))
    left, right = admin.sindex.query(chosen.geometry.values, predicate="intersects")
    home: dict[int, int] = {}
    for a, b in zip(left, right):
        share = shapely.intersection(chosen.geometry.values[a], admin.geometry.values[b]).area
        if share > 0 and (a not in home or share > home[a][0]):
            home[a] = (share, b)
    home = {a: b for a, (_, b) in home.items()}
    issues = _code_issues(admin, home.values())
    if issues:
        raise InputError(issues)
    prefixes = {k: _prefix(admin.iloc[k]) for k in set(home.values())}
    cents = chosen.geometry.centroid
    band = math.sqrt(float(np.median(chosen.geometry.area))) or 1.0

    def key(a: int):
        m = _GRID_ID.match(str(chosen.index[a]))
        if m:
            return (0, -int(m["j"]), int(m["i"]), int(m["k"] or 0), "")
        c = cents.iloc[a]
        return (1, -math.floor(c.y / band), c.x, 0, str(chosen.index[a]))

    groups: dict[str, list[int]] = {}
    for a, k in home.items():
        groups.setdefault(prefixes[k], []).append(a)
    for prefix, members in sorted(groups.items()):
        if len(members) > 9999:
            raise InputError(Issue(field="unit_types", expected="at most 9999 units per "
                                   "community", got=f"{len(members)} in {prefix}",
                                   fix="use larger cells or finer communities"))
        for serial, a in enumerate(sorted(members, key=key), start=1):
            out.loc[chosen.index[a]] = f"{prefix}-{serial:04d}"
    return out
