"""River reaches (河段): rivers merged by name, staked downstream, cut into reaches.

How a river becomes units (河长制: each reach has one river chief):

1. **Lines.** Lines of one river (same name; unnamed lines are one river
   ``未命名河道 unnamed river``) are projected and joined head to tail *in their drawn
   direction*: OSM waterways are drawn downstream, so a joined stretch starts at its most
   upstream point. Each stretch is clipped to the boundary (a river leaving and re-entering
   it gives several stretches).
2. **Stretches** shorter than ``min_length`` are dropped; the others are taken longest
   first (then by start point) and staked one after the other from their upstream end, so
   the kilometres run continuously down the river.
3. **Reaches.** Each stretch is cut into the number of equal reaches whose length is
   nearest ``reach_length`` (on a ratio scale, see :func:`_cut`), numbered 1, 2, 3 … in
   flow order and named ``龙岗河 第3段 (2.0–3.0 km)`` (kilometres along the stretches).
4. **Banks.** Where water-area polygons are given (``water=``: ``natural=water``,
   riverbanks …) and the reach runs through them, the reach is the water the reach runs
   through within ``water_within`` metres of its centreline (cut square at the reach's
   ends) plus a bank strip of ``bank_width`` metres around it; where it runs outside any
   water polygon it is ``width`` metres each side of the centreline. Everything is clipped
   to the boundary.

Examples
--------
>>> import geozz as gz
>>> area = gz.datasets.longgang()
>>> reaches = river_reaches(area.rivers, area.boundary, reach_length=2000)
>>> reaches["unit_type"].unique().tolist(), bool(reaches.index.str.startswith("W-").all())
(['river'], True)
>>> reaches["name"].iloc[0]
'龙岗河 第1段 (0.0–1.5 km)'
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
import shapely.ops
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from ..errors import CRSError, InputError, Issue
from ..tables.unit_types import RIVER
from ..tables.units import COLUMNS
from .base import (
    _as_polygon,
    _check_name_column,
    _frame,
    _number_issues,
    _piece_count,
    _stable_hash,
)

__all__ = ["river_reaches"]

#: the name unnamed river lines are kept under
UNNAMED_RIVER = "未命名河道 unnamed river"


def _cut(line: BaseGeometry, reach_length: float) -> list[BaseGeometry]:
    """Cut one line into n equal pieces, n the count whose length is nearest the target.

    Nearest on a ratio scale: a 1.47 km stretch becomes two reaches of 735 m (ratio 0.74)
    rather than one of 1.47 km (ratio 1.47).
    """
    n = _piece_count(line.length, reach_length)
    step = line.length / n
    return [shapely.ops.substring(line, k * step, (k + 1) * step) for k in range(n)]


def _downstream_stretches(lines: list[BaseGeometry], poly: BaseGeometry
                          ) -> list[BaseGeometry]:
    """Lines joined head to tail in their drawn direction, clipped, each kept downstream."""
    merged = shapely.line_merge(shapely.MultiLineString(
        [ln for g in lines for ln in shapely.get_parts(g) if ln.geom_type == "LineString"]),
        directed=True)
    out = []
    for source in shapely.get_parts(merged):
        inside = shapely.intersection(source, poly)
        inside = shapely.line_merge(shapely.union_all(
            [p for p in shapely.get_parts(inside) if p.geom_type == "LineString"]))
        for part in shapely.get_parts(inside):
            if part.is_empty or part.length == 0:
                continue
            # clipping may turn a line round: put it back in the direction of the source
            a = source.project(shapely.Point(part.coords[0]))
            b = source.project(shapely.Point(part.coords[-1]))
            out.append(shapely.reverse(part) if a > b else part)
    return out


def _water_frame(water, target: CRS, poly: BaseGeometry) -> BaseGeometry | None:
    """The water polygons as one geometry in the metric CRS, clipped; None if there are none."""
    if water is None:
        return None
    if isinstance(water, gpd.GeoSeries):
        water = gpd.GeoDataFrame(geometry=water)
    if not isinstance(water, gpd.GeoDataFrame):
        raise InputError(Issue(field="water", expected="a GeoDataFrame of water polygons",
                               got=type(water).__name__,
                               fix="pass area.water, or leave water= out"))
    if water.empty:
        return None
    if water.crs is None:
        raise CRSError(Issue(field="water", expected="water polygons with a CRS",
                             fix="call .set_crs(4326) on them first"))
    geoms = shapely.make_valid(water.geometry.to_crs(target).dropna().to_numpy())
    polys = [p for g in geoms for p in shapely.get_parts(g)
             if p.geom_type in ("Polygon", "MultiPolygon") and p.area > 0]
    if not polys:
        return None
    out = shapely.intersection(shapely.union_all(polys), poly)
    return None if out.is_empty else out


def _reach_shape(piece: BaseGeometry, water: BaseGeometry | None, *, width: float,
                 bank_width: float, water_within: float) -> BaseGeometry:
    """The reach polygon: water it runs through plus banks, else a flat-capped buffer."""
    plain = piece.buffer(width, quad_segs=4, cap_style="flat")
    if water is None or not piece.intersects(water):
        return plain
    band = piece.buffer(water_within, quad_segs=4, cap_style="flat")
    near = shapely.intersection(water, band)
    # only the water the reach itself runs through, not a pond beside it
    wet = shapely.union_all([p for p in shapely.get_parts(near)
                             if p.geom_type == "Polygon" and p.intersects(piece)])
    if wet.is_empty:
        return plain
    banks = shapely.intersection(wet.buffer(bank_width, quad_segs=4), band)
    dry = shapely.difference(piece, wet)  # the part of the reach outside any water polygon
    shape = banks if dry.is_empty else shapely.union_all(
        [banks, shapely.intersection(dry.buffer(width, quad_segs=4, cap_style="flat"),
                                     plain)])
    return shape


def river_reaches(rivers: gpd.GeoDataFrame, boundary, *, reach_length: float = 1000,
                  width: float = 50, name_field: str = "name", admin: str = "",
                  crs=None, min_length: float = 200, water: gpd.GeoDataFrame | None = None,
                  bank_width: float = 20, water_within: float = 300) -> gpd.GeoDataFrame:
    """River reaches (河段): each river staked downstream and cut into ``reach_length`` reaches.

    See the module documentation for the rules (direction, numbering, names, banks).

    Parameters
    ----------
    rivers : GeoDataFrame
        River lines as drawn in OSM (downstream). Unnamed lines are kept as
        "未命名河道 unnamed river".
    boundary : GeoDataFrame, GeoSeries, shapely geometry or bbox tuple
        Lines and reaches are clipped to it.
    reach_length : float, default 1000
        Target reach length in metres.
    width : float, default 50
        Buffer each side of the centreline where no water polygon is given, metres.
    name_field : str, default "name"
        The column holding the river name.
    admin : str
        Admin area for the ``admin`` column.
    crs : optional
        Metric CRS; default the UTM zone of the boundary.
    min_length : float, default 200
        Stretches shorter than this inside the boundary are dropped (a stub of a river
        at the boundary's edge is nobody's reach).
    water : GeoDataFrame, optional
        Water-area polygons (``area.water``); the banks follow them where the river runs
        through them.
    bank_width : float, default 20
        The bank strip around the water, metres.
    water_within : float, default 300
        How far from the centreline (metres) the water of a reach may reach.

    Returns
    -------
    GeoDataFrame
        Units with ``unit_type == "river"``, ids ``W-<hash of name>-<k>`` numbered in
        flow order, and names such as ``龙岗河 第3段 (2.0–3.0 km)``.

    Examples
    --------
    >>> import geozz as gz
    >>> area = gz.datasets.longgang()
    >>> reaches = river_reaches(area.rivers, area.boundary)
    >>> bool(reaches["length_m"].between(500, 1500).all())
    True
    >>> reaches["name"].tolist()
    ['龙岗河 第1段 (0.0–0.7 km)', '龙岗河 第2段 (0.7–1.5 km)']
    """
    issues = _number_issues({"reach_length": reach_length, "width": width,
                             "min_length": min_length, "bank_width": bank_width,
                             "water_within": water_within},
                            zero_ok=["min_length", "bank_width"])
    if issues:
        raise InputError(issues)
    _check_name_column(rivers, name_field, "rivers")
    poly, target = _as_polygon(boundary, crs)
    wet = _water_frame(water, target, poly)
    if rivers.empty:  # an area with no rivers mapped has no river units
        return _frame({k: [] for k in COLUMNS}, target, [])
    if rivers.crs is None:
        raise CRSError(Issue(field="crs", expected="lines with a CRS",
                             fix="call .set_crs(4326) first"))
    rivers = rivers[rivers.geometry.notna() & ~rivers.geometry.is_empty].to_crs(target)
    names = rivers[name_field].map(
        lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip())
    names = names.where(names != "", UNNAMED_RIVER)
    records = {k: [] for k in COLUMNS}
    ids = []
    for name in sorted(names.unique()):
        stretches = [p for p in _downstream_stretches(list(rivers.geometry[names == name]),
                                                      poly) if p.length >= min_length]
        # a stable order of stretches: longest first, then by start coordinate
        stretches.sort(key=lambda p: (-round(p.length, 3), p.coords[0]))
        k, km = 0, 0.0
        for part in stretches:
            for piece in _cut(part, reach_length):
                k += 1
                ids.append(f"{RIVER.id_prefix}-{_stable_hash(name)}-{k:03d}")
                records["unit_type"].append(RIVER.name)
                records["name"].append(
                    f"{name} 第{k}段 ({km / 1000:.1f}–{(km + piece.length) / 1000:.1f} km)")
                km += piece.length
                records["admin"].append(admin)
                records["length_m"].append(piece.length)
                reach = shapely.intersection(
                    _reach_shape(piece, wet, width=width, bank_width=bank_width,
                                 water_within=water_within), poly)
                records["geometry"].append(reach)
                records["area_m2"].append(reach.area)
                records["responsible"].append("")
                records["centerline"].append(piece)
    return _frame(records, target, ids)
