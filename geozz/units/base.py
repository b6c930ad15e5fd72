"""Building blocks shared by every unit builder: the metric CRS, option checks, the frame.

:func:`metric_crs` picks the projected CRS units are built in; the private helpers check
numeric options (collecting one :class:`~geozz.errors.Issue` per bad option), project and
union a boundary, clip lines to it, hash names into stable ids (never Python's ``hash()``)
and assemble a Units GeoDataFrame with the columns in
:data:`geozz.tables.units.COLUMNS`.

Examples
--------
>>> from shapely.geometry import Point
>>> metric_crs(Point(114.2, 22.69)).to_epsg()
32650
>>> _stable_hash("龙岗大道")
'c9aae848'
"""

from __future__ import annotations

import hashlib
import math
from typing import Iterable, Mapping, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from ..area import boundary_frame
from ..coords import metric_crs
from ..errors import CRSError, InputError, Issue, SchemaError
from ..tables.units import COLUMNS

__all__ = ["metric_crs"]


def _stable_hash(text: str, n: int = 8) -> str:
    """The first ``n`` hex digits of the SHA-1 of ``text``: the same in every process."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


#: a sensible value of each numeric option, quoted in error messages
_EXAMPLES = {"size": 200, "grid_size": 200, "min_area": 1, "width": 30, "road_width": 30,
             "river_width": 50, "reach_length": 1000, "min_length": 50,
             "section_length": 1000, "merge_within": 30, "bank_width": 20,
             "water_within": 300}


def _piece_count(length: float, target: float) -> int:
    """How many equal pieces cut ``length`` into pieces nearest ``target`` on a ratio scale.

    A 1.47 km stretch becomes two pieces of 735 m (ratio 0.74) rather than one of 1.47 km
    (ratio 1.47); anything up to ``target * sqrt(2)`` stays whole.
    """
    ratio = length / target
    lo = max(1, math.floor(ratio))
    return lo if abs(math.log(ratio / lo)) <= abs(math.log(ratio / (lo + 1))) else lo + 1


def _stake(metres: float) -> str:
    """A chainage as a stake label (桩号): 1500.2 m -> ``K1+500``."""
    m = int(round(metres))
    return f"K{m // 1000}+{m % 1000:03d}"


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


class _Clip(NamedTuple):
    """A boundary :func:`_as_polygon` has made: :func:`~geozz.units.build_units` makes it
    once and hands it to each layer's builder, which takes it as it is."""

    poly: BaseGeometry
    crs: CRS


def _as_polygon(boundary, crs: CRS | None) -> tuple[BaseGeometry, CRS]:
    """Union a boundary (GeoDataFrame, GeoSeries or geometry) and project it to metres."""
    if isinstance(boundary, _Clip) and (crs is None or CRS.from_user_input(crs) == boundary.crs):
        return boundary.poly, boundary.crs
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
    return gdf if list(gdf.columns) == COLUMNS else gdf[COLUMNS]



def _lines(gdf: gpd.GeoDataFrame, target: CRS, poly: BaseGeometry
           ) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Project lines and clip them to the boundary polygon, keeping line parts only.

    Returns the rows of ``gdf`` that keep a line and, for each, its clipped line
    (a LineString or MultiLineString in ``target``).
    """
    if gdf.crs is None:
        raise CRSError(Issue(field="crs", expected="lines with a CRS",
                             fix="call .set_crs(4326) first"))
    geoms = gdf.geometry.to_crs(target).to_numpy()
    keep = np.flatnonzero(~shapely.is_missing(geoms) & ~shapely.is_empty(geoms))
    clipped = shapely.intersection(geoms[keep], poly)
    ok = ~shapely.is_empty(clipped)
    keep, clipped = keep[ok], clipped[ok]
    # a clip that touches the boundary may give points too: the line parts, merged
    odd = np.flatnonzero(~np.isin(shapely.get_type_id(clipped),
                                  [shapely.GeometryType.LINESTRING,
                                   shapely.GeometryType.MULTILINESTRING]))
    for i in odd:
        clipped[i] = shapely.line_merge(shapely.union_all(
            [p for p in shapely.get_parts(clipped[i]) if p.geom_type == "LineString"]))
    ok = ~shapely.is_empty(clipped)
    return gdf.iloc[keep[ok]], clipped[ok]


def _check_name_column(gdf: gpd.GeoDataFrame, field: str, what: str) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(Issue(field=what, expected=f"a GeoDataFrame of {what} lines",
                               got=type(gdf).__name__, fix=f"pass the {what} as a GeoDataFrame"))
    if field not in gdf.columns and len(gdf):  # no lines at all: no units, whatever columns
        raise SchemaError(Issue(field=field, expected=f"a {field!r} column in the {what}",
                                got=list(gdf.columns),
                                fix=f"pass name_field= naming the column that holds {what} names"))
