"""All unit layers of an area in one GeoDataFrame (:func:`build_units`), and their coverage.

Examples
--------
>>> import geozz as gz
>>> area = gz.datasets.longgang()
>>> units = build_units(area, grid_size=500, unit_types=["river", "grid"])
>>> units["unit_type"].unique().tolist()  # always in registry order
['grid', 'river']
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Iterable, Mapping

import geopandas as gpd
import pandas as pd
import shapely

from ..area import Area
from ..errors import InputError, Issue
from ..tables.unit_types import GRID, RIVER, ROAD, UNIT_TYPES
from .admin import LEVELS
from .base import _as_polygon, _Clip, _number_issues, metric_crs
from .grid import _shape_issues, grid
from .river import river_reaches
from .road import _policy_issues, road_corridors

__all__ = ["build_units", "coverage"]

log = logging.getLogger(__name__)


def build_units(area: Area, *, grid_size: float = 200, road_width: float | None = None,
                river_width: float = 50, reach_length: float = 1000,
                unit_types: Iterable[str] = UNIT_TYPES, crs=None, grid_shape: str = "square",
                h3_resolution: int | None = None, section_length: float = 1000,
                road_widths: Mapping[str, float] | str | Path | None = None,
                unnamed: str = "merge", merge_within: float = 30,
                bank_width: float = 20, admin=None,
                split_by_admin: bool | Iterable[str] = True) -> gpd.GeoDataFrame:
    """Grid, road and river units of an :class:`~geozz.area.Area` in one GeoDataFrame.

    Parameters
    ----------
    area : Area
        From :func:`geozz.read_osm` or :mod:`geozz.datasets`.
    grid_size : float, default 200
        Grid cell side, metres (for hexagons: chooses the H3 resolution).
    road_width : float, optional
        One corridor half-width for every road, metres; by default each road section
        takes the width of its class (``road_widths``).
    river_width : float, default 50
        Reach half-width where no water polygon is known, metres.
    reach_length : float, default 1000
        Target river reach length, metres.
    unit_types : iterable of {"grid", "road", "river"}
        Which layers to build.
    crs : optional
        Metric CRS; default the UTM zone of the area.
    grid_shape : {"square", "hex"}, default "square"
        Square cells or H3 hexagons (see :func:`~geozz.units.grid`).
    h3_resolution : int, optional
        The H3 resolution of hexagons; default chosen from ``grid_size``.
    section_length : float, default 1000
        Target road section length, metres (see :func:`~geozz.units.road_corridors`).
    road_widths : dict or path of a TOML file, optional
        Corridor widths per road class replacing the bundled table.
    unnamed : {"merge", "own", "drop"}, default "merge"
        What becomes of unnamed road lines.
    merge_within : float, default 30
        How close an unnamed road line must lie to a named road to join it, metres.
    admin : GeoDataFrame or path, optional
        Admin areas (county / street / community, :func:`~geozz.units.read_admin`): every
        unit gets ``admin_county``, ``admin_street``, ``admin_community`` and
        ``admin_code``, and units crossing a border are split
        (:func:`~geozz.units.apply_admin`). Default the admin polygons of the area
        (OSM ``boundary=administrative``) when it has usable ones.
    split_by_admin : bool or list of unit types, default True
        Split units that cross an admin border (属地管理: each piece answers to one
        area), or give each whole unit to the area holding most of it (False).
    bank_width : float, default 20
        Bank strip around the water polygons of the area (``area.water``, when the area
        has them), metres.

    Returns
    -------
    GeoDataFrame
        Units indexed by ``unit_id``, rows ordered grid, road, river. ``attrs`` carries
        what the road builder reports (``unnamed`` counts, ``widths``) and, for
        hexagons, ``h3_resolution``.

    Examples
    --------
    >>> import geozz as gz
    >>> units = gz.build_units(gz.datasets.longgang(), grid_size=500)
    >>> units.groupby("unit_type").size().to_dict()
    {'grid': 74, 'river': 2, 'road': 55}
    >>> hexes = gz.build_units(gz.datasets.longgang(), grid_shape="hex", unit_types=["grid"])
    >>> hexes.attrs["h3_resolution"], len(hexes)
    (9, 168)
    """
    issues = []
    if not isinstance(area, Area):
        issues.append(Issue(field="area", expected="a geozz Area", got=type(area).__name__,
                            fix="use gz.read_osm(path) or gz.datasets.longgang()"))
    numbers = {"grid_size": grid_size, "river_width": river_width,
               "reach_length": reach_length, "section_length": section_length,
               "merge_within": merge_within, "bank_width": bank_width}
    if road_width is not None:
        numbers["road_width"] = road_width
    issues += _number_issues(numbers, zero_ok=["merge_within", "bank_width"])
    issues += [dataclasses.replace(i, field="grid_shape") if i.field == "shape" else i
               for i in _shape_issues(grid_shape, h3_resolution)]
    issues += _policy_issues(unnamed, road_widths)[0]
    if isinstance(unit_types, str):
        unit_types = [unit_types]
    try:
        unit_types = list(unit_types)
    except TypeError:
        issues.append(Issue(field="unit_types", expected=f"a list drawn from {UNIT_TYPES}",
                            got=unit_types, fix=f"e.g. unit_types={list(UNIT_TYPES[:2])}"))
        unit_types = []
    else:
        issues += [Issue(field="unit_types", expected=f"one of {UNIT_TYPES}", got=t,
                         fix="choose from the valid names") for t in unit_types
                   if not isinstance(t, str) or t not in UNIT_TYPES]
        if not unit_types:
            issues.append(Issue(field="unit_types", expected=f"at least one of {UNIT_TYPES}",
                                got=[], fix=f"e.g. unit_types={list(UNIT_TYPES[:1])}"))
    if crs is not None:
        try:
            metric_crs(gpd.GeoSeries([], crs=4326), crs=crs)
        except InputError as exc:
            issues += [i for i in exc.issues if isinstance(i, Issue)]
    if issues:
        raise InputError(issues)
    target = metric_crs(area.boundary, crs=crs)
    boundary = _Clip(*_as_polygon(area.boundary, target))  # made once for every layer
    parts = []
    if GRID.name in unit_types:
        parts.append(grid(boundary, size=grid_size, admin=area.name, crs=target,
                          shape=grid_shape, h3_resolution=h3_resolution))
    if ROAD.name in unit_types:
        parts.append(road_corridors(area.roads, boundary, width=road_width,
                                    admin=area.name, crs=target,
                                    section_length=section_length, road_widths=road_widths,
                                    unnamed=unnamed, merge_within=merge_within))
    if RIVER.name in unit_types:
        parts.append(river_reaches(area.rivers, boundary, reach_length=reach_length,
                                   width=river_width, admin=area.name, crs=target,
                                   water=getattr(area, "water", None), bank_width=bank_width))
    attrs = {k: v for part in parts for k, v in part.attrs.items()}
    units = pd.concat(parts)
    units = gpd.GeoDataFrame(units, geometry="geometry", crs=target)
    units["centerline"] = gpd.GeoSeries(units["centerline"], crs=target, index=units.index)
    units.index.name = "unit_id"
    if not units.index.is_unique:  # two roads whose names hash alike: never silently merge
        dup = units.index[units.index.duplicated()].tolist()
        raise InputError(Issue(field="unit_id", expected="unique unit ids", got=dup[:5],
                               fix="rename one of the roads or rivers involved"))
    units.attrs = attrs
    return _with_admin(units, area, admin, split_by_admin)


def _with_admin(units: gpd.GeoDataFrame, area: Area, admin, split_by_admin):
    """Admin columns from the caller's admin areas, else from the area's own polygons."""
    from .admin import apply_admin, read_admin

    if admin is None:
        own = getattr(area, "admin", None)
        if not isinstance(own, gpd.GeoDataFrame) or own.empty:
            return units
        try:
            admin = read_admin(own)
        except InputError as exc:  # e.g. only an admin_level the hierarchy does not use
            log.info("%s: admin polygons not used: %s", area.name, exc)
            return units
    elif not isinstance(admin, gpd.GeoDataFrame) or not set(LEVELS) <= set(admin.columns):
        admin = read_admin(admin)
    attrs = dict(units.attrs)
    units = apply_admin(units, admin, split_by_admin=split_by_admin)
    units.attrs = {**attrs, **units.attrs}
    return units


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
