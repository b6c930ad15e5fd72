"""The Units table: its columns, its check, its read and write.

Units are a GeoDataFrame in a projected metric CRS, indexed by ``unit_id`` (unique,
stable), with the columns in :data:`COLUMNS`: ``unit_type`` (a name of the unit-type
registry, :mod:`geozz.tables.unit_types`), ``name``, ``admin``, ``length_m`` (roads,
rivers), ``area_m2``, ``responsible``, the polygon ``geometry`` and, for roads and rivers,
the ``centerline``; units given admin areas also carry :data:`ADMIN_COLUMNS`.

:func:`check_units` is the contract every stage checks where units enter it;
:func:`conform_units` is the one way a stage brings units to a metric CRS: the active
geometry *and* the ``centerline`` column (``GeoDataFrame.to_crs`` transforms only the
active geometry, so units reprojected by hand carry a centre line in another CRS).
:func:`write_units` writes them (GeoParquet or GeoPackage), :func:`read` reads a saved
GeoParquet back, checked. Reading a foreign units file, with its column names recognised,
is the units stage's job (:func:`geozz.read_units`).

Examples
--------
>>> import geopandas as gpd, pandas as pd
>>> from shapely.geometry import box
>>> units = gpd.GeoDataFrame({"unit_type": ["grid", "grid"]},
...     geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=4326,
...     index=pd.Index(["A", "A"], name="unit_id"))
>>> check_units(units, stage="assign")
Traceback (most recent call last):
...
geozz.errors.SchemaError: 1 problem in the input:
  units given to assign(), field 'unit_id': expected unique unit ids, got ['A']. Fix: give every unit its own id
>>> admin_column("street"), admin_column("片区")
('admin_street', '片区')
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from .._io import as_path, atomic_path
from ..coords import metric_crs
from ..errors import Issue, OutputError, SchemaError
from ._common import SHOWN, crs_name, few, located, plausibility_issues, raise_issues, read_file
from .unit_types import UNIT_TYPES

__all__ = ["ADMIN_COLUMNS", "ADMIN_LEVELS", "COLUMNS", "admin_column", "check_units",
           "conform_units", "read", "write_units"]

#: the columns of a Units table besides its ``unit_id`` index, in order
COLUMNS = ["unit_type", "name", "admin", "length_m", "area_m2", "responsible", "geometry",
           "centerline"]

#: the admin levels, coarsest first
ADMIN_LEVELS = ("county", "street", "community")
#: the columns units get for their admin areas (the levels' names and the lowest's code)
ADMIN_COLUMNS = (*(f"admin_{level}" for level in ADMIN_LEVELS), "admin_code")


def admin_column(level: str) -> str:
    """The units column of an admin ``level`` (``"street"`` → ``"admin_street"``); any
    other name is taken as a column of its own."""
    return f"admin_{level}" if level in ADMIN_LEVELS else level


def _centerline_issues(units: gpd.GeoDataFrame, where: str) -> tuple[list, list]:
    issues, crs_issues = [], []
    col = units["centerline"]
    geometric = isinstance(col.dtype, gpd.array.GeometryDtype)  # no value to check one by one
    bad = [] if geometric else [
        v for v in col.to_numpy()
        if not (v is None or isinstance(v, BaseGeometry) or (isinstance(v, float)
                                                             and math.isnan(v)))]
    if bad:
        issues.append(Issue(file=where, field="centerline",
                            expected="shapely geometries (or empty) in the centerline column",
                            got=f"{len(bad)} values like {str(bad[0])[:40]!r}",
                            fix="parse WKT with gpd.GeoSeries.from_wkt(...) first"))
        return issues, crs_issues
    own = col.crs if isinstance(col, gpd.GeoSeries) else None
    lines = gpd.GeoSeries(col.to_numpy(), index=units.index) if geometric else \
        gpd.GeoSeries([v if isinstance(v, BaseGeometry) else None for v in col],
                      index=units.index)
    lines = lines[located(lines)]
    if lines.empty or units.crs is None:
        return issues, crs_issues
    if own is not None:
        crs_issues += plausibility_issues(lines, own, where=where, field="centerline")
        return issues, crs_issues
    # no CRS of its own: it must be in the units' CRS, so it must lie near the units
    gx0, gy0, gx1, gy1 = units.geometry.total_bounds
    cx0, cy0, cx1, cy1 = lines.total_bounds
    m = max(gx1 - gx0, gy1 - gy0, 1e-9)
    if not (gx0 - m <= cx0 and cx1 <= gx1 + m and gy0 - m <= cy0 and cy1 <= gy1 + m):
        crs_issues.append(Issue(
            file=where, field="centerline",
            expected=f"centre lines in the units' CRS ({crs_name(CRS(units.crs))}), lying "
                     "near the units",
            got=f"a centerline with no CRS and bounds ({cx0:.6g}, {cy0:.6g}, {cx1:.6g}, "
                f"{cy1:.6g})",
            fix="give the column the CRS it is in: units['centerline'] = "
                "gpd.GeoSeries(units['centerline'], crs=...)"))
    return issues, crs_issues


def check_units(units, *, stage: str = "units") -> None:
    """Check that ``units`` keep the Units contract; raise once listing every problem.

    Checked: a GeoDataFrame with an active geometry; an index named ``unit_id`` with
    unique, non-empty ids; a ``unit_type`` column with known unit types
    (:data:`geozz.tables.unit_types.UNIT_TYPES`); a CRS; no null or empty geometry and only
    polygons; coordinates plausible for the CRS (see :func:`plausibility_issues`); a
    ``centerline`` column, if present, of shapely geometries either with a CRS of its
    own (reprojected by :func:`conform_units`) or plausibly in the units' CRS.

    Parameters
    ----------
    units : GeoDataFrame
        The units handed to a stage.
    stage : str, default "units"
        The name of the stage, quoted in every message (``"assign"``, ``"rate"``,
        ``"star_map"``…).

    Raises
    ------
    SchemaError
        Missing columns or index name, bad or duplicate ids, unknown unit types, null,
        empty or non-polygon geometry.
    CRSError
        No CRS, or coordinates that cannot be in the CRS the data says it is in.
    InputError
        Both kinds of problem at once (every issue listed).

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame({"unit_type": ["grid"]}, geometry=[box(8e5, 25e5, 8e5 + 200,
    ...     25e5 + 200)], crs=4326, index=pd.Index(["A"], name="unit_id"))
    >>> check_units(units, stage="rate")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozz.errors.CRSError: 1 problem in the input:
      units given to rate(), field 'crs': expected coordinates within ±180° ... Fix: the data says EPSG:4326 but holds metres...
    >>> check_units(units.set_crs(32650, allow_override=True), stage="rate")
    """
    where = f"units given to {stage}()"
    if not isinstance(units, gpd.GeoDataFrame):
        raise SchemaError(Issue(file=where, expected="a GeoDataFrame of units",
                                got=type(units).__name__,
                                fix="use gz.build_units or gz.read_units"))
    issues: list[Issue] = []
    crs_issues: list[Issue] = []
    if units.index.name != "unit_id":
        fix = "units.set_index('unit_id')" if "unit_id" in units.columns else \
            "name the index: units.index.name = 'unit_id'"
        issues.append(Issue(file=where, field="unit_id", expected="an index named 'unit_id'",
                            got=units.index.name, fix=fix))
    ids = units.index.to_series()
    empty = ids.isna() | ids.astype(str).str.strip().eq("")
    if empty.any():
        issues.append(Issue(file=where, field="unit_id", expected="non-empty unit ids",
                            got=f"{int(empty.sum())} empty ids", fix="give every unit an id"))
    # Index.is_unique is kept by pandas with the index: a second look at the same units is free
    dup = ids[:0] if units.index.is_unique else ids[ids.duplicated() & ~empty]
    if len(dup):
        issues.append(Issue(file=where, field="unit_id", expected="unique unit ids",
                            got=few(dup.unique()), fix="give every unit its own id"))
    if "unit_type" not in units.columns:
        issues.append(Issue(file=where, field="unit_type", expected="a unit_type column",
                            fix="use gz.build_units or gz.read_units(..., unit_type=...)"))
    else:
        types = units["unit_type"]
        unknown = ~types.isin(UNIT_TYPES)
        if unknown.any():
            got = sorted({str(v) for v in types[unknown]})
            issues.append(Issue(file=where, field="unit_type",
                                expected=f"unit types from {UNIT_TYPES}",
                                got=f"{int(unknown.sum())} units of type {got[:SHOWN]}",
                                fix="use the canonical unit type names"))
    try:
        geoms = units.geometry
    except AttributeError:
        issues.append(Issue(file=where, field="geometry", expected="an active geometry column",
                            fix="units.set_geometry('<your geometry column>')"))
        raise_issues(issues, crs_issues)
        return
    if units.crs is None:
        crs_issues.append(Issue(file=where, field="crs", expected="units with a CRS", got=None,
                                fix="units.set_crs(<the EPSG code the coordinates are in>)"))
    missing = ~located(geoms)
    if missing.any():
        issues.append(Issue(file=where, field="geometry",
                            expected="a geometry for every unit",
                            got=f"{int(missing.sum())} null or empty, e.g. "
                                f"{few(units.index[missing])}",
                            fix="drop those units or give them their polygon"))
    kinds = geoms[~missing].geom_type
    odd = ~kinds.isin(["Polygon", "MultiPolygon"])
    if odd.any():
        issues.append(Issue(file=where, field="geometry", expected="polygons",
                            got=f"{int(odd.sum())} of type {sorted(set(kinds[odd]))}",
                            fix="units are areas: buffer lines and points first"))
    if units.crs is not None:
        crs_issues += plausibility_issues(geoms, units.crs, where=where)
    if "centerline" in units.columns:
        more, more_crs = _centerline_issues(units, where)
        issues += more
        crs_issues += more_crs
    raise_issues(issues, crs_issues)


def conform_units(units: gpd.GeoDataFrame, *, crs=None,
                  stage: str = "units") -> gpd.GeoDataFrame:
    """Check ``units`` and return them in one metric CRS, centre lines included.

    The target is :func:`geozz.coords.metric_crs` of the units (their own CRS when it is
    already projected in metres, else the UTM zone of their centre), or ``crs=``. A
    ``centerline`` GeoSeries with a CRS of its own is reprojected from that CRS; one with
    no CRS is taken to be in the units' CRS. The input is not modified.

    Parameters
    ----------
    units : GeoDataFrame
        Units in any CRS.
    crs : optional
        A projected metric CRS to use instead of the automatic one.
    stage : str, default "units"
        Quoted in error messages.

    Returns
    -------
    GeoDataFrame
        The units, geometry and ``centerline`` in the same metric CRS.

    Raises
    ------
    SchemaError, CRSError, InputError
        As :func:`check_units`.

    Examples
    --------
    >>> import geozz as gz
    >>> units = gz.build_units(gz.datasets.longgang(), unit_types=["road"])
    >>> odd = units.to_crs(4326)  # moves the geometry only, not the centerline
    >>> odd["centerline"].crs.to_epsg(), odd.crs.to_epsg()
    (32650, 4326)
    >>> back = conform_units(odd)
    >>> back.crs.to_epsg(), back["centerline"].crs.to_epsg()
    (32650, 32650)
    """
    check_units(units, stage=stage)
    target = metric_crs(units, crs=crs)
    out = units.to_crs(target) if CRS.from_user_input(units.crs) != target else units.copy()
    if "centerline" in units.columns:
        col = units["centerline"]
        src = col.crs if isinstance(col, gpd.GeoSeries) and col.crs is not None else units.crs
        values = col.to_numpy() if isinstance(col.dtype, gpd.array.GeometryDtype) else \
            [v if isinstance(v, BaseGeometry) else None for v in col]
        lines = gpd.GeoSeries(values, index=units.index, crs=src)
        out["centerline"] = lines.to_crs(target) if CRS.from_user_input(src) != target \
            else lines
    return out


def write_units(units: gpd.GeoDataFrame, out: str | Path, *, layers=None) -> Path:
    """Write units (and further named layers) atomically to ``.gpkg`` or ``.parquet``.

    The id becomes the ``unit_id`` column (what :func:`geozz.read_units` and :func:`read`
    look for); the road units' ``centerline`` is kept (a second geometry column in
    GeoParquet, WKT text in a GeoPackage, which holds one geometry per layer). Further
    ``layers`` (name -> GeoDataFrame) go to the same GeoPackage, or to
    ``<stem>_<name>.parquet`` beside it.

    Examples
    --------
    >>> import tempfile, geozz as gz
    >>> units = gz.datasets.sf311_tracts()
    >>> out = write_units(units, Path(tempfile.mkdtemp()) / "tracts.gpkg")
    >>> gz.read_units(out).index.equals(units.index)
    True
    """
    out = Path(out)
    frame = units.reset_index()
    parquet = out.name.lower().endswith(".parquet")
    if "centerline" in frame:
        line = gpd.GeoSeries(frame["centerline"], crs=units.crs)
        if parquet:
            frame["centerline"] = line
        else:
            frame["centerline"] = line.to_wkt().where(line.notna(), None)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=units.crs)
    try:
        if parquet:
            with atomic_path(out) as tmp:
                frame.to_parquet(tmp)
            for name, layer in (layers or {}).items():
                extra = out.with_name(out.name[: -len(".parquet")] + f"_{name}.parquet")
                with atomic_path(extra) as tmp:
                    layer.to_parquet(tmp)
        else:
            with atomic_path(out) as tmp:
                frame.to_file(tmp, layer="units", driver="GPKG")
                for name, layer in (layers or {}).items():
                    layer.to_file(tmp, layer=name, driver="GPKG")
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}. Fix: check the "
                          "folder exists and is writable; nothing was replaced.") from None
    return out


def read(path: str | Path) -> gpd.GeoDataFrame:
    """Read units :func:`write_units` saved as GeoParquet, checked (``stage="read"``).

    Raises
    ------
    InputError
        The file is missing or not a saved units table (the file and the fix named).
    SchemaError, CRSError
        The table breaks the Units contract (:func:`check_units`).
    """
    src = as_path(path, field="path")
    table = read_file(src, "units", lambda p: gpd.read_parquet(p))
    if "unit_id" in table.columns:
        table = table.set_index("unit_id")
    check_units(table, stage="read")
    return table

