"""What every table's check is made of: raise once, name the field, judge a CRS.

Each table's ``check`` (:func:`geozz.tables.units.check_units`,
:func:`geozz.tables.problems.check_problems`, :func:`geozz.tables.ledger.check_ledger`,
:func:`geozz.tables.ratings.check_ratings`, :func:`geozz.tables.areas.check_areas`) looks
at everything it is handed, collects every problem and raises once
(:func:`raise_issues`): :class:`~geozz.errors.SchemaError` for a missing column, a wrong
kind of value or a bad id, :class:`~geozz.errors.CRSError` for a missing or implausible
CRS, and :class:`~geozz.errors.InputError` when both kinds are found together. Every
:class:`~geozz.errors.Issue` names the stage that received the data (``stage=``), the
field, what was expected, what was found and how to fix it.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> print(plausibility_issues(gpd.GeoSeries([Point(812000, 2512000)]), 4326,
...                           where="units")[0])  # doctest: +ELLIPSIS
units, field 'crs': expected coordinates within ±180° longitude and ±90° latitude...
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from .._io import FORMULA_START, as_path, atomic_path
from ..errors import CRSError, InputError, Issue, SchemaError

__all__ = ["SHOWN", "crs_name", "few", "is_aware", "located", "plausibility_issues",
           "raise_issues", "read_file", "require_file", "read_parquet", "write_parquet", "flags", "table_file",
           "unquote"]

#: how many ids or values a message quotes
SHOWN = 5


def raise_issues(issues: list[Issue], crs_issues: list[Issue]) -> None:
    """Raise once: CRSError, SchemaError, or InputError when both kinds were found."""
    if issues and crs_issues:
        raise InputError(issues + crs_issues)
    if crs_issues:
        raise CRSError(crs_issues)
    if issues:
        raise SchemaError(issues)


def few(values) -> list:
    return [str(v) for v in list(values)[:SHOWN]]


def crs_name(crs: CRS) -> str:
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
    name = crs_name(crs)
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


def is_aware(col: pd.Series) -> bool:
    """True when ``col`` holds tz-aware datetimes."""
    return isinstance(col.dtype, pd.DatetimeTZDtype)


def require_file(src: Path, kind: str) -> None:
    """An InputError naming ``src`` when there is no saved ``kind`` table there."""
    if not src.is_file():
        raise InputError(Issue(file=str(src), expected=f"a saved {kind} table", got=None,
                               fix="run the stage that writes it again"))


def read_file(src: Path, kind: str, reader):
    """``reader(src)``, or an InputError naming the file when it is missing or damaged."""
    require_file(src, kind)
    try:
        return reader(src)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise InputError(Issue(file=str(src), expected=f"a saved {kind} table",
                               got=f"{type(exc).__name__}: {exc}"[:200],
                               fix="delete it and run the stage that writes it again")
                         ) from None


def flags(text: pd.Series) -> pd.Series:
    """``true``/``1`` → True, anything else (``false``, ``0``, empty) → False."""
    return text.str.lower().map({"true": True, "1": True, "false": False,
                                 "0": False}).fillna(False).astype(bool)


def table_file(path: Path, what: str, fix: str) -> pd.DataFrame:
    """A ``.parquet`` table, or a CSV as :func:`geozz._io.write_csv` writes it (every cell
    text, empty cells missing)."""
    import pyarrow as pa

    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False,
                           na_values=[""])
    except (ValueError, OSError, UnicodeError, pa.ArrowException) as exc:
        raise InputError(Issue(file=str(path), expected=f"{what} (.csv or .parquet)",
                               got=str(exc)[:200], fix=fix)) from None


def unquote(text):
    """Undo the quote :func:`geozz._io.write_csv` puts before formula-like text cells."""
    quoted = (text.str.startswith("'") & text.str[1:2].isin(list(FORMULA_START))) \
        .fillna(False).astype(bool)
    return text.where(~quoted, text.str[1:]) if quoted.any() else text


def write_parquet(table, path) -> Path:
    """``table`` written to ``path`` (Parquet, no index), atomically; the folder made."""
    out = as_path(path, field="path")
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        table.to_parquet(tmp, index=False)
    return out


def read_parquet(path, kind: str, check) -> pd.DataFrame:
    """The Parquet table of ``kind`` at ``path``, checked by ``check(table, stage="read")``."""
    table = read_file(as_path(path, field="path"), kind, pd.read_parquet)
    check(table, stage="read")
    return table
