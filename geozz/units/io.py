"""Reading an office's own units from a GIS file (:func:`read_units`) and checking them.

GeoPackage, shapefile (with its ``.shx``, ``.dbf`` and ``.prj``), GeoJSON, GeoParquet and
anything else GDAL reads. The column names offices use (网格编码, 网格名称, 责任人, 类型,
所属街道 … see :data:`COLUMN_ALIASES`) are recognised out of the box; ``columns=`` maps
the rest. Every problem with the file — options, columns, CRS, each bad row — is
collected into one :class:`~geozz.errors.SchemaError` (or
:class:`~geozz.errors.CRSError` when only the CRS is wrong). What was fixed on the way
(a 3-D CRS read as 2-D, heights dropped, invalid polygons repaired, phone columns left
out) is not hidden: each is a :class:`UserWarning` and a line of
``units.attrs["read_notes"]``.

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
from types import MappingProxyType
from typing import Any, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .._db import CHUNKSIZE, fetch
from .._io import as_path
from ..errors import CRSError, InputError, Issue, SchemaError
from ..tables.unit_types import REGISTRY, UNIT_TYPES, _unit_type_fix, unit_type_named
from ..tables.units import COLUMNS
from .base import _number_issues, _stable_hash, metric_crs

__all__ = ["read_units", "COLUMN_ALIASES", "PHONE_COLUMNS", "PARQUET_SUFFIXES"]

#: column names recognised out of the box, per Units column (the first one present wins;
#: ``columns=`` takes precedence)
COLUMN_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "unit_id": ("网格编码", "网格编号", "网格代码", "单元编码", "单元编号", "路段编码",
                "路段编号", "河段编码", "河段编号", "片区编码", "片区编号", "编码", "编号"),
    "name": ("网格名称", "单元名称", "路段名称", "道路名称", "河段名称", "河流名称", "片区名称",
             "名称"),
    "unit_type": ("类型", "单元类型", "网格类型"),
    "admin": ("所属街道", "所属社区", "街道", "社区", "所属区域", "属地", "行政区"),
    "responsible": ("责任人", "网格长", "网格员", "路长", "河长", "责任单位",
                    "responsibl"),  # a shapefile cuts column names to 10 bytes
})

#: columns holding phone numbers: personal, never read into units (a roster keeps them)
PHONE_COLUMNS = ("phone", "tel", "telephone", "mobile", "电话", "联系电话", "手机",
                 "手机号", "手机号码", "联系方式", "责任人电话")

#: file name endings read as GeoParquet
PARQUET_SUFFIXES = (".parquet", ".geoparquet", ".geo.parquet")

_SHAPEFILE_PARTS = {".shx": "the shape index", ".dbf": "the attribute table",
                    ".prj": "the CRS"}


def _is_parquet(path: Path) -> bool:
    return path.name.lower().endswith(PARQUET_SUFFIXES)


def _shapefile_parts(path: Path) -> tuple[list[Issue], bool]:
    """Issues for a ``.shp`` whose ``.shx`` or ``.dbf`` is missing, and whether its
    ``.prj`` is there (GDAL reads a shapefile without a ``.dbf`` as geometries only)."""
    near = {p.name.lower(): p for p in path.parent.iterdir()} if path.parent.is_dir() else {}
    missing = [ext for ext in _SHAPEFILE_PARTS
               if (path.stem + ext).lower() not in near]
    has_prj = ".prj" not in missing
    if not {".shx", ".dbf"} & set(missing):
        return [], has_prj
    names = [path.stem + ext for ext in missing]
    parts = ", ".join(f"{ext} ({what})" for ext, what in _SHAPEFILE_PARTS.items())
    return [Issue(file=str(path), expected=f"a shapefile with its {parts} beside the .shp",
                  got=f"missing {', '.join(names)}",
                  fix=f"copy {', '.join(names)} into {path.parent} with the .shp (a "
                      "shapefile is several files with one name), or export the layer as "
                      "one GeoPackage")], has_prj


def _open_units_file(path: Path, layer: str | None) -> tuple[gpd.GeoDataFrame | None,
                                                             list[Issue]]:
    """Read the file, turning every way it can fail into one :class:`Issue`."""
    import pyogrio
    from pyogrio.errors import (
        DataLayerError,
        DataSourceError,
        FeatureError,
        FieldError,
        GeometryError,
    )

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
                                                ".fgb", ".kml", ".gml", ".parquet"))
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
    if path.suffix.lower() == ".shp":
        issues, _ = _shapefile_parts(path)
        if issues:
            return None, issues
    if _is_parquet(path):
        if layer is not None:
            return None, [Issue(file=str(path), field="layer", expected="no layer= for a "
                                "GeoParquet file (it holds one table)", got=layer,
                                fix="leave layer= out")]
        try:
            gdf = gpd.read_parquet(path)
        except Exception as exc:  # pyarrow's errors, or no geo metadata (ValueError)
            return None, [Issue(file=str(path), expected="a GeoParquet file (Parquet with "
                                "geo metadata)", got=str(exc).splitlines()[0][:160]
                                if str(exc) else type(exc).__name__,
                                fix="write it with GeoDataFrame.to_parquet or your GIS's "
                                    "GeoParquet export")]
    else:
        try:
            have = [str(name) for name, _ in pyogrio.list_layers(path)]
        except gdal_errors as exc:
            return None, [Issue(file=str(path), expected="a units file GDAL can read "
                                "(GeoPackage, shapefile, GeoJSON…)",
                                got=str(exc).splitlines()[0][:160], fix=fix_damaged)]
        if not have:
            return None, [Issue(file=str(path), field="layer", expected="a file with a layer",
                                got="no layers", fix="export the units layer into the file")]
        if layer is not None and layer not in have:
            return None, [Issue(file=str(path), field="layer",
                                expected=f"one of its layers {have}", got=layer,
                                fix=f"pass layer= with one of {have}")]
        try:
            gdf = gpd.read_file(path, layer=layer if layer is not None else have[0])
        except gdal_errors as exc:
            return None, [Issue(file=str(path), field=f"layer {layer or have[0]}",
                                expected="a layer GDAL can read",
                                got=str(exc).splitlines()[0][:160], fix=fix_damaged)]
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


def _known_columns(gdf: gpd.GeoDataFrame, columns: Mapping[str, str] | None
                   ) -> dict[str, str]:
    """Renames from :data:`COLUMN_ALIASES` for the Units columns the file and ``columns=``
    do not give yet (the first alias present wins)."""
    given = set(columns or {})
    taken = set(gdf.columns) | set((columns or {}).values())
    out = {}
    for target, aliases in COLUMN_ALIASES.items():
        if target in taken:
            continue
        for alias in aliases:
            if alias in gdf.columns and alias not in given and alias not in out:
                out[alias] = target
                break
    return out


def _phone_columns(gdf: gpd.GeoDataFrame) -> list[str]:
    keys = {c.casefold() for c in PHONE_COLUMNS}
    return [c for c in gdf.columns if isinstance(c, str) and c.strip().casefold() in keys]


def _note(notes: list[str], text: str, *, warn: bool = True) -> None:
    notes.append(text)
    if warn:
        warnings.warn(text, UserWarning, stacklevel=3)


def read_units(path: str | Path | None = None, *, columns: Mapping[str, str] | None = None,
               crs=None, layer: str | None = None, unit_type: str | None = None,
               source_crs=None, width: float | None = None, make_ids: bool = False,
               con=None, sql: str | None = None, chunksize: int = 50_000
               ) -> gpd.GeoDataFrame:
    """Read an office's own units from a GIS file (GeoPackage, shapefile, GeoJSON,
    GeoParquet, or anything else GDAL reads).

    Every problem found is collected and raised once: options, columns, CRS, a shapefile
    without its ``.shx``/``.dbf``, and each bad row (missing, duplicate or empty id,
    unknown unit type, a missing or non-polygon geometry, a ``centerline`` that is not
    line WKT). What was fixed on the way is reported, never hidden: each fix is a
    :class:`UserWarning` and a line of ``units.attrs["read_notes"]`` (which also says how
    the columns were read).

    Parameters
    ----------
    path : str or Path
        The file (``.gpkg``, ``.shp``, ``.geojson``/``.json``, ``.parquet`` …). With
        ``con=``: a table or view (``"units"``, ``"grid.units"``) or a query starting with
        ``SELECT`` / ``WITH``.
    columns : mapping, optional
        Renames from the file's column names to the Units schema, e.g.
        ``{"Grid_No": "unit_id", "Leader": "responsible"}``. Every key must be a column of
        the file. The usual Chinese names (:data:`COLUMN_ALIASES`: 网格编码 -> unit_id,
        网格名称 -> name, 责任人 -> responsible, 类型 -> unit_type, 所属街道 -> admin …)
        are recognised without it.
    crs : optional
        Metric CRS to project to; default the UTM zone of the data.
    layer : str, optional
        Layer to read from a multi-layer file; default the first layer.
    unit_type : str, optional
        A registered unit type (``"grid"``, ``"road"``, ``"river"`` …), used where the
        file has no ``unit_type`` column. The column may hold a type's name or either of
        its labels (``网格``, ``Road``).
    source_crs : optional
        The CRS the file's coordinates are really in, overriding what the file says (or
        supplying it when the file says nothing), e.g. ``"EPSG:32650"`` for a file
        labelled WGS-84 that holds UTM metres.
    width : float, optional
        Read line geometries as corridors: the line becomes the unit's ``centerline``
        and its geometry the line buffered by ``width`` metres each side. Only for unit
        types assigned by the nearest centreline (roads, rivers). Without it lines are an
        error.
    make_ids : bool, default False
        For a file without an id column: give each unit the id
        ``<type's id prefix>-<hash of its geometry>``, stable for the same geometry
        (two identical geometries are reported as duplicate ids).
    con : sqlalchemy Engine or Connection, or str, optional
        Read the units from PostGIS (a ``postgresql://`` URL: password from the URL,
        ``PGPASSWORD`` or ``~/.pgpass``): the first geometry column (``geometry`` /
        ``geom`` preferred) in the CRS of its SRID, a second one (``centerline``) as the
        centreline; then every rule above, rows numbered in primary-key order. See
        :mod:`geozz.db`.
    sql : str, optional
        With ``con=``: the query to read (instead of a table as ``path``).
    chunksize : int, default 50000
        With ``con=``: rows fetched at a time (a server-side cursor).

    Returns
    -------
    GeoDataFrame
        Units (``centerline`` is empty unless the file has a ``centerline`` WKT column,
        read in the same CRS as the geometries, or lines were read with ``width=``).
        Columns of the file other than the Units columns are kept, except phone numbers
        (:data:`PHONE_COLUMNS`), which are personal and left out. A 3-D CRS such as
        EPSG:4979 is read as its 2-D CRS (EPSG:4326) and heights are dropped. Invalid
        polygons (self-intersecting rings, bow-ties) are repaired with
        :func:`shapely.make_valid`, keeping their polygonal parts; the warning names how
        many and which units were repaired.

    Raises
    ------
    SchemaError
        The file cannot be read (missing, a directory, empty, damaged, no such layer, a
        ``.shp`` without its ``.shx`` or ``.dbf``), or it lists every missing column,
        duplicate or empty id, unknown unit type and bad geometry or centerline at once.
    CRSError
        When the only problems are the CRS: none in the file (a shapefile without its
        ``.prj``), an unknown ``crs=`` or ``source_crs=``, or coordinates that do not fit
        the CRS the file declares (metres in a file labelled EPSG:4326).

    Examples
    --------
    >>> import geozz as gz, tempfile, os
    >>> units = gz.build_units(gz.datasets.longgang(), grid_size=500, unit_types=["grid"])
    >>> f = os.path.join(tempfile.mkdtemp(), "grids.gpkg")
    >>> units.drop(columns="centerline").reset_index().rename(
    ...     columns={"unit_id": "网格编码"}).to_file(f)
    >>> back = gz.read_units(f)
    >>> back.index.equals(units.index)
    True
    >>> back.attrs["read_notes"][0]
    'columns read as: 网格编码 -> unit_id'
    """
    db = con is not None or sql is not None
    if db and con is None:
        raise SchemaError(Issue(field="sql", expected="con= with sql=", got=sql,
                                fix="pass con='postgresql://user@host/database'"))
    given = path if path is None or isinstance(path, str) else str(path)
    path = Path(str(path)) if db else as_path(path, what="units file")
    f = str(path)
    issues: list[Issue] = []
    notes: list[str] = []
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
    type_option_bad = False
    if unit_type is not None:
        canonical = unit_type_named(unit_type)
        type_option_bad = canonical is None
        if canonical is None:
            issues.append(Issue(field="unit_type", expected=f"one of {UNIT_TYPES}",
                                got=unit_type, fix=_unit_type_fix()))
        unit_type = canonical
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
    if width is not None:
        issues += _number_issues({"width": width})
    if not isinstance(make_ids, bool):
        issues.append(Issue(field="make_ids", expected="True or False", got=make_ids,
                            fix="pass make_ids=True to number units from their geometry"))
        make_ids = False

    if db:
        gdf, f = read_units_frame(con, given, sql=sql, chunksize=chunksize)
        path, read_issues = Path(f), []
        if layer is not None:
            issues.append(Issue(file=f, field="layer", expected="no layer= with con=",
                                got=layer, fix="name the table instead"))
    else:
        gdf, read_issues = _open_units_file(path, layer)
    issues.extend(read_issues)
    if gdf is None:
        raise SchemaError(issues)

    if gdf.geometry.name != "geometry" and "geometry" not in gdf.columns:
        gdf = gdf.rename_geometry("geometry")
    if columns:
        file_cols = [c for c in gdf.columns if c != gdf.geometry.name]
        for src, dst in columns.items():
            if src not in gdf.columns:
                issues.append(Issue(file=f, field=src, expected="a column of the file named "
                                    "in columns=", got=file_cols,
                                    fix=f"map one of the file's columns to {dst!r}"))
    known = _known_columns(gdf, columns)
    renames = {**known, **(columns or {})}
    renamed = [renames.get(c, c) for c in gdf.columns]
    dups = sorted({c for c in renamed if renamed.count(c) > 1})
    for c in dups:
        issues.append(Issue(file=f, field=c, expected="one column of that name after "
                            "columns= renames", got=[k for k, v in renames.items()
                                                     if v == c] + [c],
                            fix=f"map only one column to {c!r}, or drop the other"))
    if not dups:
        gdf = gdf.rename(columns={k: v for k, v in renames.items() if k in gdf.columns})
        used = {k: v for k, v in renames.items() if k in gdf.columns or v in gdf.columns}
        if used:
            _note(notes, "columns read as: " + ", ".join(f"{k} -> {v}"
                                                         for k, v in used.items()),
                  warn=False)
    phones = _phone_columns(gdf)
    if phones:
        gdf = gdf.drop(columns=phones)
        _note(notes, f"{f}: column(s) {phones} hold phone numbers, which are personal: not "
                     "read into the units (keep them in a roster, see read_roster)")

    if source is not None:
        gdf = gdf.set_crs(source, allow_override=True)
    if gdf.crs is None:
        prj = not db and path.suffix.lower() == ".shp" and not _shapefile_parts(path)[1]
        crs_issue(Issue(file=f, field="crs", expected="a CRS in the file",
                        got=f"no {path.stem}.prj beside the .shp" if prj else None,
                        fix="write the file with its CRS (e.g. a .prj beside a shapefile), "
                            "or pass source_crs='EPSG:<code>'"))
    else:
        declared = CRS.from_user_input(gdf.crs)
        if len(declared.axis_info) == 3:
            flat = declared.to_2d()
            gdf = gdf.set_crs(flat, allow_override=True)
            _note(notes, f"{f}: the file declares the 3-D CRS {declared.to_string()} "
                         f"({declared.name}); read as its 2-D CRS "
                         f"{flat.to_string()}")
    for issue in _check_bounds(gdf, path, source_crs):
        crs_issue(issue)
    geoms = gdf.geometry.values
    has_z = shapely.has_z(geoms)
    if has_z.any():
        z = shapely.get_coordinates(geoms[has_z], include_z=True)[:, 2]
        heights = "all 0" if np.all(np.nan_to_num(z) == 0) else \
            f"from {np.nanmin(z):g} to {np.nanmax(z):g}"
        gdf[gdf.geometry.name] = gpd.GeoSeries(shapely.force_2d(geoms), index=gdf.index,
                                               crs=gdf.crs)
        _note(notes, f"{f}: {int(has_z.sum())} geometries have heights (z {heights}); "
                     "units are flat: heights dropped")

    has_type = "unit_type" in gdf.columns
    if not has_type:
        if unit_type is None and not type_option_bad:
            issues.append(Issue(file=f, field="unit_type",
                                expected="a unit_type column or unit_type=",
                                fix=_unit_type_fix()))
        gdf["unit_type"] = unit_type
    else:
        raw = gdf["unit_type"]
        canon = raw.map(unit_type_named)
        for row in np.flatnonzero(canon.isna().to_numpy()):
            issues.append(Issue(file=f, row=int(row) + 1, field="unit_type",
                                expected=f"one of {UNIT_TYPES} (or their labels)",
                                got=raw.iloc[row], fix="use the canonical unit type names"))
        gdf["unit_type"] = canon

    if "unit_id" not in gdf.columns:
        if make_ids:
            prefix = gdf["unit_type"].map(lambda t: REGISTRY[t].id_prefix
                                          if t in REGISTRY else "U")
            keys = [_stable_hash(shapely.to_wkb(shapely.normalize(g), hex=True,
                                                output_dimension=2), 12)
                    if g is not None else None for g in gdf.geometry.values]
            gdf["unit_id"] = [f"{p}-{k}" if k else None for p, k in zip(prefix, keys)]
            _note(notes, f"{f}: no id column; {len(gdf)} ids made from the geometries "
                         "(make_ids=True)", warn=False)
        else:
            issues.append(Issue(file=f, field="unit_id", expected="a unit id column",
                                got=[c for c in gdf.columns if c != gdf.geometry.name],
                                fix="pass columns={'<your id column>': 'unit_id'}, or "
                                    "make_ids=True to make ids from the geometries"))
    if "unit_id" in gdf.columns and isinstance(gdf["unit_id"], pd.Series):
        ids = gdf["unit_id"]
        for row in np.flatnonzero(ids.isna() | (ids.astype(str).str.strip() == "")):
            issues.append(Issue(file=f, row=int(row) + 1, field="unit_id",
                                expected="a non-empty id", fix="give every unit an id"))
        for row in np.flatnonzero(ids.notna() & ids.duplicated(keep="first")):
            first = int(np.flatnonzero((ids == ids.iloc[row]).to_numpy())[0]) + 1
            issues.append(Issue(file=f, row=int(row) + 1, field="unit_id",
                                expected="a unique id", got=ids.iloc[row],
                                fix=f"ids must be unique (row {first} has it too)"
                                    + ("; the two rows have the same geometry: delete "
                                       "one" if make_ids and "unit_id" not in renames.values()
                                       else "")))

    geoms = gdf.geometry.values
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    kinds = gdf.geometry.geom_type
    polygon = kinds.isin(["Polygon", "MultiPolygon"]).to_numpy()
    line = kinds.isin(["LineString", "MultiLineString"]).to_numpy() & ~missing
    corridor_type = gdf["unit_type"].map(
        lambda t: t in REGISTRY and REGISTRY[t].rule == "nearest_centerline").to_numpy()
    as_corridor = line & (width is not None)
    bad_line_type = as_corridor & ~corridor_type
    wrong = missing | ~(polygon | line) | (line & (width is None))
    if line.all() and width is None and len(gdf):
        issues.append(Issue(file=f, field="geometry", expected="polygons",
                            got=f"lines in all {len(gdf)} rows",
                            fix="units are areas: pass width= (metres each side) to read "
                                "the lines as corridors around their centrelines"))
    else:
        for row in np.flatnonzero(wrong):
            got = "no geometry" if missing[row] else kinds.iloc[row]
            issues.append(Issue(file=f, row=int(row) + 1, field="geometry",
                                expected="a polygon", got=got,
                                fix="give the unit its polygon" if missing[row] else
                                    "units are areas: pass width= to read lines as "
                                    "corridors, buffer points first"))
    for row in np.flatnonzero(bad_line_type & ~wrong):
        t = gdf["unit_type"].iloc[row]
        corridors = [n for n, ut in REGISTRY.items() if ut.rule == "nearest_centerline"]
        issues.append(Issue(file=f, row=int(row) + 1, field="geometry",
                            expected=f"a polygon for a {t!r} unit (lines are read as "
                                     f"corridors only for {corridors})",
                            got=kinds.iloc[row], fix="give the unit its polygon, or the "
                                                     "right unit_type"))

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
        lines = shapely.force_2d(parsed)

    if issues:
        only_crs = all(id(i) in crs_fields for i in issues)
        raise (CRSError if only_crs else SchemaError)(issues)

    if as_corridor.any():
        if lines is None:
            lines = np.full(len(gdf), None, dtype=object)
        lines[as_corridor] = gdf.geometry.values[as_corridor]
    if lines is not None:
        gdf["centerline"] = gpd.GeoSeries(lines, index=gdf.index, crs=gdf.crs)
    target = target_opt if target_opt is not None else metric_crs(gdf)
    gdf = gdf.to_crs(target)
    if as_corridor.any():
        geometry = gdf.geometry.values.copy()
        geometry[as_corridor] = shapely.buffer(geometry[as_corridor], float(width))
        gdf["geometry"] = geometry
        _note(notes, f"{f}: {int(as_corridor.sum())} lines read as corridors {width:g} m "
                     "each side of their centrelines", warn=False)
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
        before = shapely.area(geometry[bad])
        geometry[bad] = fixed
        gdf["geometry"] = geometry
        repaired = gdf["unit_id"].astype(str).to_numpy()[bad].tolist()
        change = float(np.sum(shapely.area(np.asarray(fixed, dtype=object))) - np.sum(before))
        _note(notes, f"{f}: {len(repaired)} invalid polygon(s) repaired with make_valid "
                     f"(self-intersecting rings): units {repaired[:10]}"
                     f"{' …' if len(repaired) > 10 else ''} (rows "
                     f"{[int(r) + 1 for r in rows[:10]]}), area changed by {change:+.0f} m². "
                     "Check them in your GIS.")
    gdf["unit_id"] = gdf["unit_id"].astype(str)
    gdf = gdf.set_index("unit_id")
    for col, default in (("name", None), ("admin", ""), ("responsible", "")):
        if col not in gdf:
            gdf[col] = gdf.index if default is None else default
        elif default is not None:  # a shapefile or GeoJSON stores an empty text as null
            gdf[col] = gdf[col].astype(object).where(gdf[col].notna(), default)
    gdf["area_m2"] = gdf.geometry.area
    if "centerline" not in gdf:
        gdf["centerline"] = gpd.GeoSeries([None] * len(gdf), index=gdf.index, crs=target)
    elif gdf["centerline"].crs != target:
        gdf["centerline"] = gdf["centerline"].to_crs(target)
    if "length_m" not in gdf:
        gdf["length_m"] = gdf["centerline"].length.where(gdf["centerline"].notna())
    extra = [c for c in gdf.columns if c not in COLUMNS]
    out = gdf[COLUMNS + extra]
    out.attrs["read_notes"] = list(notes)
    return out


def read_units_frame(con: Any, table: str | None = None, *, sql: str | None = None,
                     chunksize: int = CHUNKSIZE) -> tuple["gpd.GeoDataFrame", str]:
    """Database rows as the GeoDataFrame a units file gives, for :func:`geozz.read_units`:
    the first geometry column (``geometry`` / ``geom`` preferred) is the geometry, in the
    CRS of its SRID; a second one (a ``centerline``) becomes WKT in that CRS.

    Returns
    -------
    GeoDataFrame, and the label ``db:<schema.table>`` / ``db:query`` messages name.
    """
    import geopandas as gpd
    import shapely

    rows = fetch(con, table, sql=sql, chunksize=chunksize, field="path")
    if not rows.geometry:
        raise SchemaError(Issue(file=rows.label, field="geometry", expected="a geometry "
                                "column (PostGIS geometry)", got=list(rows.frame.columns)[:20],
                                fix="select the units' polygons too"))
    g = rows.geometry[0]
    srid = rows.srids[g]
    known = sorted({int(s) for s, x in zip(srid, rows.frame[g]) if x is not None})
    if len(known) > 1:
        raise SchemaError(Issue(file=rows.label, field=g, expected="one SRID in the "
                                "geometry column", got=known, fix="transform them to one "
                                "CRS (ST_Transform) in the query"))
    crs = known[0] if known and known[0] != 0 else None
    frame = rows.frame.drop(columns=[g])
    for other in rows.geometry[1:]:
        frame[other] = [None if x is None else shapely.to_wkt(x) for x in frame[other]]
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(rows.frame[g].to_numpy(object),
                                                         crs=crs), crs=crs)
    if g != "geometry" and "geometry" not in gdf.columns:
        gdf = gdf.rename_geometry("geometry")
    return gdf, rows.label
