"""The contracts checked where data enters a stage: Units, Ledger and Ratings.

Each ``check_*`` function looks at everything it is handed, collects every problem and
raises once: :class:`~geozz.errors.SchemaError` for a missing column, a wrong kind of
value or a bad id, :class:`~geozz.errors.CRSError` for a missing or implausible CRS, and
:class:`~geozz.errors.InputError` when both kinds are found together. Every
:class:`~geozz.errors.Issue` names the stage that received the data (``stage=``), the
field, what was expected, what was found and how to fix it.

:func:`conform_units` is the one way a stage brings units to a metric CRS: the active
geometry *and* the ``centerline`` column (``GeoDataFrame.to_crs`` transforms only the
active geometry, so units reprojected by hand carry a centre line in another CRS).

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
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pandas.api import types as ptypes
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from .coords import metric_crs
from .errors import CRSError, InputError, Issue, SchemaError
from .units import UNIT_TYPES

__all__ = [
    "LEDGER_REQUIRED",
    "RATINGS_REQUIRED",
    "check_ledger",
    "check_ratings",
    "check_units",
    "conform_units",
    "located",
    "plausibility_issues",
]

#: Columns :func:`geozz.rate` reads from a ledger (``status``, ``deadline`` and
#: ``rectified_at`` are optional).
LEDGER_REQUIRED = ("problem_id", "unit_id", "unit_type", "category", "found_at")
#: Columns every consumer of ratings (maps, publications) relies on.
RATINGS_REQUIRED = ("unit_id", "period", "unit_type", "score", "stars")

_SHOWN = 5  # ids quoted in a message


def _raise(issues: list[Issue], crs_issues: list[Issue]) -> None:
    """Raise once: CRSError, SchemaError, or InputError when both kinds were found."""
    if issues and crs_issues:
        raise InputError(issues + crs_issues)
    if crs_issues:
        raise CRSError(crs_issues)
    if issues:
        raise SchemaError(issues)


def _few(values) -> list:
    return [str(v) for v in list(values)[:_SHOWN]]


def _crs_name(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def located(geoms: gpd.GeoSeries) -> np.ndarray:
    """True where a geometry is present and not empty (no warning about the difference).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> located(gpd.GeoSeries([Point(1, 2), None, Point()])).tolist()
    [True, False, False]
    """
    arr = np.asarray(geoms.to_numpy(), dtype=object)
    return ~(shapely.is_missing(arr) | shapely.is_empty(arr))


def _looks_like_degrees(bounds) -> bool:
    minx, miny, maxx, maxy = bounds
    return -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90


def plausibility_issues(geoms: gpd.GeoSeries, crs, *, where: str,
                        field: str = "crs", bounds=None) -> list[Issue]:
    """Issues when the coordinates of ``geoms`` cannot be in ``crs``.

    A geographic CRS must hold longitudes within ±180 and latitudes within ±90. A
    projected one must not hold numbers that are the longitude and latitude of a place in
    its own area of use (degrees labelled as metres), nor lie far (more than the area's
    own extent) outside that area. ``bounds`` (``minx, miny, maxx, maxy`` of the located
    geometries, ``None`` when there are none), when the caller knows them already, saves
    reading the geometries again.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoSeries([Point(812000, 2512000)])
    >>> print(plausibility_issues(g, 4326, where="units")[0])  # doctest: +ELLIPSIS
    units, field 'crs': expected coordinates within ±180° longitude and ±90° latitude...
    >>> plausibility_issues(g, 32650, where="units")
    []
    >>> print(plausibility_issues(gpd.GeoSeries([Point(114.2, 22.7)]), 32650,
    ...                           where="units")[0])  # doctest: +ELLIPSIS
    units, field 'crs': ... Fix: the data says EPSG:32650 but holds degrees...
    """
    if bounds is None:
        geoms = geoms[located(geoms)]
        if geoms.empty:
            return []
        bounds = geoms.total_bounds
    if crs is None:
        return []
    crs = CRS.from_user_input(crs)
    bounds = tuple(float(b) for b in bounds)
    shown = "(" + ", ".join(f"{b:.6g}" for b in bounds) + ")"
    name = _crs_name(crs)
    if not all(math.isfinite(b) for b in bounds):
        return [Issue(file=where, field=field, expected="finite coordinates", got=shown,
                      fix="remove the geometries with infinite or NaN coordinates")]
    if crs.is_geographic:
        if _looks_like_degrees(bounds):
            return []
        return [Issue(file=where, field=field,
                      expected=f"coordinates within ±180° longitude and ±90° latitude, as "
                               f"{name} (degrees) says",
                      got=f"bounds {shown}",
                      fix=f"the data says {name} but holds metres: set the CRS the "
                          "coordinates are really in, e.g. .set_crs(32650, "
                          "allow_override=True), before passing them")]
    aou = crs.area_of_use
    if not crs.is_projected or aou is None:
        return []
    try:
        x0, y0, x1, y1 = Transformer.from_crs(CRS.from_epsg(4326), crs, always_xy=True) \
            .transform_bounds(*aou.bounds)
    except Exception:  # noqa: BLE001 - pyproj raises several kinds; then judge nothing
        return []
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        return []
    # degrees mislabelled: numbers that are the lon/lat of a place this CRS is made for
    lon, lat = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    w, s, e, n = aou.bounds
    here = w - 1 <= lon <= e + 1 and s - 1 <= lat <= n + 1 if w <= e else \
        (lon >= w - 1 or lon <= e + 1) and s - 1 <= lat <= n + 1
    inside = x0 <= bounds[0] and bounds[2] <= x1 and y0 <= bounds[1] and bounds[3] <= y1
    if not inside and here and _looks_like_degrees(bounds):
        return [Issue(file=where, field=field,
                      expected=f"coordinates in {name} (projected, {crs.axis_info[0].unit_name})",
                      got=f"bounds {shown}",
                      fix=f"the data says {name} but holds degrees: set the CRS the "
                          "coordinates are really in, e.g. .set_crs(4326, "
                          "allow_override=True), before passing them")]
    m = max(x1 - x0, y1 - y0)
    if not (x0 - m <= bounds[0] and bounds[2] <= x1 + m
            and y0 - m <= bounds[1] and bounds[3] <= y1 + m):
        return [Issue(file=where, field=field,
                      expected=f"coordinates near the area of use of {name} ({aou.name[:60]})",
                      got=f"bounds {shown}",
                      fix="check which CRS the coordinates are really in and set it with "
                          ".set_crs(..., allow_override=True)")]
    return []


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
            expected=f"centre lines in the units' CRS ({_crs_name(CRS(units.crs))}), lying "
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
    (:data:`geozz.units.UNIT_TYPES`); a CRS; no null or empty geometry and only
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
                            got=_few(dup.unique()), fix="give every unit its own id"))
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
                                got=f"{int(unknown.sum())} units of type {got[:_SHOWN]}",
                                fix="use the canonical unit type names"))
    try:
        geoms = units.geometry
    except AttributeError:
        issues.append(Issue(file=where, field="geometry", expected="an active geometry column",
                            fix="units.set_geometry('<your geometry column>')"))
        _raise(issues, crs_issues)
        return
    if units.crs is None:
        crs_issues.append(Issue(file=where, field="crs", expected="units with a CRS", got=None,
                                fix="units.set_crs(<the EPSG code the coordinates are in>)"))
    missing = ~located(geoms)
    if missing.any():
        issues.append(Issue(file=where, field="geometry",
                            expected="a geometry for every unit",
                            got=f"{int(missing.sum())} null or empty, e.g. "
                                f"{_few(units.index[missing])}",
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
    _raise(issues, crs_issues)


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


def _is_aware(col: pd.Series) -> bool:
    return isinstance(col.dtype, pd.DatetimeTZDtype)


def check_ledger(ledger, *, stage: str = "rate") -> None:
    """Check that ``ledger`` keeps the Ledger contract rating relies on; raise once.

    Checked: a DataFrame with the columns of :data:`LEDGER_REQUIRED`; ``problem_id``
    never empty; ``found_at`` tz-aware datetimes, present wherever a unit is;
    ``deadline`` and ``rectified_at``, when present and not empty, tz-aware datetimes;
    ``unit_type`` values from :data:`geozz.units.UNIT_TYPES` (or empty, outside every
    unit); a ``category`` for every row assigned to a unit.

    Parameters
    ----------
    ledger : DataFrame
        From :func:`geozz.assign`.
    stage : str, default "rate"
        Quoted in error messages.

    Raises
    ------
    SchemaError
        Listing every missing column and every column holding the wrong kind of value.

    Examples
    --------
    >>> import pandas as pd
    >>> ledger = pd.DataFrame({"problem_id": ["p1"], "unit_id": ["A"], "unit_type": ["grid"],
    ...     "category": ["piles"], "found_at": pd.to_datetime(["2024-05-01 10:00"])})
    >>> check_ledger(ledger)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozz.errors.SchemaError: 1 problem in the input:
      ledger given to rate(), field 'found_at': expected tz-aware datetimes, got 'naive...
    >>> ledger["found_at"] = ledger["found_at"].dt.tz_localize("Asia/Shanghai")
    >>> check_ledger(ledger)
    """
    where = f"ledger given to {stage}()"
    if not isinstance(ledger, pd.DataFrame):
        raise SchemaError(Issue(file=where, expected="a DataFrame (the ledger)",
                                got=type(ledger).__name__, fix="make the ledger with gz.assign"))
    issues = [Issue(file=where, field=c, expected=f"a {c!r} column",
                    fix="make the ledger with gz.assign")
              for c in LEDGER_REQUIRED if c not in ledger.columns]
    placed = ledger["unit_id"].notna() if "unit_id" in ledger else \
        pd.Series(True, index=ledger.index)
    if "problem_id" in ledger and ledger["problem_id"].isna().any():
        issues.append(Issue(file=where, field="problem_id", expected="a problem id on every row",
                            got=f"{int(ledger['problem_id'].isna().sum())} empty",
                            fix="make the ledger with gz.assign"))
    for col in ("found_at", "deadline", "rectified_at"):
        if col not in ledger:
            continue
        values = ledger[col]
        if col != "found_at" and values.isna().all():
            continue
        if not _is_aware(values):
            kind = "naive datetimes" if ptypes.is_datetime64_dtype(values) else str(values.dtype)
            issues.append(Issue(file=where, field=col, expected="tz-aware datetimes",
                                got=kind, fix=f"ledger[{col!r}] = pd.to_datetime(ledger[{col!r}])"
                                              ".dt.tz_localize('Asia/Shanghai') (the local zone)"))
    if "found_at" in ledger:
        gap = ledger["found_at"].isna() & placed
        if gap.any():
            ids = _few(ledger.loc[gap, "problem_id"]) if "problem_id" in ledger else ""
            issues.append(Issue(file=where, field="found_at",
                                expected="a time for every problem in a unit",
                                got=f"{int(gap.sum())} empty, e.g. {ids}",
                                fix="read the records with gz.read_problems (undated ones are "
                                    "rejects)"))
    if "unit_type" in ledger:
        types = ledger["unit_type"]
        bad = types.notna() & ~types.isin(UNIT_TYPES)
        if bad.any():
            issues.append(Issue(file=where, field="unit_type",
                                expected=f"unit types from {UNIT_TYPES}",
                                got=sorted({str(v) for v in types[bad]})[:_SHOWN],
                                fix="make the ledger with gz.assign on gz units"))
    if "category" in ledger:
        gap = ledger["category"].isna() & placed
        if gap.any():
            issues.append(Issue(file=where, field="category",
                                expected="a category for every problem in a unit",
                                got=f"{int(gap.sum())} empty",
                                fix="read the records with gz.read_problems (uncategorised "
                                    "ones are rejects)"))
    _raise(issues, [])


def check_ratings(ratings, *, stage: str = "star_map") -> None:
    """Check that ``ratings`` keep the Ratings contract; raise once listing every problem.

    Checked: a DataFrame with the columns of :data:`RATINGS_REQUIRED`; ``unit_id`` and
    ``period`` never empty and unique together; ``unit_type`` values known; ``score``
    numeric; ``stars`` whole numbers from 1 to 5, or missing (no rating).

    Parameters
    ----------
    ratings : DataFrame
        From :func:`geozz.rate`.
    stage : str, default "star_map"
        Quoted in error messages.

    Raises
    ------
    SchemaError

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"unit_id": ["A"], "period": ["2024-05"], "unit_type": ["grid"],
    ...                   "score": [96.0], "stars": [6]})
    >>> check_ratings(r, stage="publish")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozz.errors.SchemaError: 1 problem in the input:
      ratings given to publish(), field 'stars': expected whole numbers from 1 to 5...
    """
    where = f"ratings given to {stage}()"
    if not isinstance(ratings, pd.DataFrame):
        raise SchemaError(Issue(file=where, expected="a DataFrame (the ratings)",
                                got=type(ratings).__name__, fix="make the ratings with gz.rate"))
    issues = [Issue(file=where, field=c, expected=f"a {c!r} column",
                    fix="make the ratings with gz.rate")
              for c in RATINGS_REQUIRED if c not in ratings.columns]
    for col in ("unit_id", "period"):
        if col in ratings and ratings[col].isna().any():
            issues.append(Issue(file=where, field=col, expected=f"a {col} on every row",
                                got=f"{int(ratings[col].isna().sum())} empty",
                                fix="make the ratings with gz.rate"))
    if "unit_id" in ratings and "period" in ratings:
        dup = ratings.duplicated(["unit_id", "period"])
        if dup.any():
            issues.append(Issue(file=where, field="unit_id", expected="one row per unit per period",
                                got=f"{int(dup.sum())} repeated, e.g. "
                                    f"{_few(ratings.loc[dup, 'unit_id'])}",
                                fix="rate each period once (concatenate distinct periods only)"))
    if "unit_type" in ratings:
        bad = ~ratings["unit_type"].isin(UNIT_TYPES)
        if bad.any():
            issues.append(Issue(file=where, field="unit_type",
                                expected=f"unit types from {UNIT_TYPES}",
                                got=sorted({str(v) for v in ratings.loc[bad, 'unit_type']})[:5],
                                fix="rate gz units"))
    if "score" in ratings:
        s = ratings["score"]
        if ptypes.is_bool_dtype(s) or not ptypes.is_numeric_dtype(s):
            issues.append(Issue(file=where, field="score", expected="numeric scores",
                                got=str(s.dtype), fix="make the ratings with gz.rate"))
    if "stars" in ratings:
        s = ratings["stars"]
        ok = not ptypes.is_bool_dtype(s) and ptypes.is_numeric_dtype(s)
        if ok:
            v = s.dropna().to_numpy(dtype=float)
            ok = bool(np.all((v == np.round(v)) & (v >= 1) & (v <= 5)))
        if not ok:
            got = sorted({str(v) for v in s.dropna().unique()})[:_SHOWN] \
                if not ptypes.is_bool_dtype(s) else "bool"
            issues.append(Issue(file=where, field="stars",
                                expected="whole numbers from 1 to 5, or missing",
                                got=got, fix="make the ratings with gz.rate"))
    _raise(issues, [])
