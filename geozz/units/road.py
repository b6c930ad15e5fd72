"""Road corridors (路段): named roads cut into staked sections, buffered by road class.

How a road becomes units (路长制: each section has one road chief):

1. **Lines.** Lines whose ``highway`` value is in ``exclude`` (footways, steps, …) are left
   out; the rest are projected to the metric CRS and clipped to the boundary. Plain OSM
   ways and osmnx sections between intersections (columns ``u``, ``v``) are read the same
   way: nothing below needs the graph.
2. **Roads.** Lines are grouped by name (stripped). A road's lines are merged into
   stretches; a stretch that lies wholly within ``merge_within`` metres of a longer stretch
   of the same road (the other carriageway of a dual carriageway, a parallel lane) is
   folded into it. The remaining stretches are staked one after the other, the stretch
   nearest the road's west end first (south end for a road that runs more north–south
   than east–west), each from that end, so the chainage (桩号) is continuous over the road.
3. **Sections.** A road is cut at its *major intersections* — a vertex it shares with a
   road of another name of class tertiary or higher (OSM ways share the node at a
   junction; a bridge shares none, so it is no intersection) — into sections of about
   ``section_length``: walking from K0+000, the next cut is the major intersection nearest
   ``section_length`` ahead among those between half and one and a half section lengths
   ahead, else the stake exactly ``section_length`` ahead; the last section runs to the end
   and is at most one and a half section lengths. Without intersections a 3.4 km road
   gives K0+000–K1+000, K1+000–K2+000, K2+000–K3+400.
4. **Corridors.** Each section is buffered by the width of its class each side (the class
   holding most of the section's length; widths from ``road_widths.toml``, see
   :func:`road_widths`), its ends cut square at the stakes (flat caps: consecutive sections
   meet edge to edge, bends within a section stay round), and clipped to the boundary.
   Folded and merged lines widen the corridor of the section they lie beside; the
   ``centerline`` is the staked line only, so ``length_m`` is the stake range. Corridors
   do not overlap: where two hold the same ground (a junction, the unfolded other
   carriageway of a dual carriageway, a bend where sections meet) each piece goes to the
   corridor whose centreline is nearest, the rule the assignment follows
   (:func:`geozz.units._split.split_overlaps`: the centrelines sampled every 4 m, the
   overlap cut along their Voronoi cells); ``area_m2`` is that of the piece kept, and
   corridors without an overlap are unchanged.
5. **Unnamed lines** follow ``unnamed=``: ``"merge"`` (default) joins an unnamed line that
   lies wholly within ``merge_within`` metres of a named road (a side lane, a slip road, an
   unnamed carriageway) to the section it lies beside, and leaves out the others (grid
   cells still cover them); ``"own"`` makes each connected group of unnamed lines a road of
   its own, named ``未命名道路 unnamed road``; ``"drop"`` leaves them all out with a
   warning. The counts are in ``attrs["unnamed"]`` of the result.

Ids are ``R-`` + the first 8 hex digits of the SHA-1 of the road's name (of
``未命名道路@<x>,<y>`` for an unnamed group, its west-most vertex in metres) + the stake
range, e.g. ``R-3e8a57b8-K0+000-K1+000``: the same in every run and process.

Examples
--------
>>> import geozz as gz
>>> area = gz.datasets.longgang()
>>> roads = road_corridors(area.roads, area.boundary)
>>> roads["unit_type"].unique().tolist(), bool(roads.index.str.startswith("R-").all())
(['road'], True)
"""

from __future__ import annotations

import math
import tomllib
import warnings
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

import geopandas as gpd
import numpy as np
import shapely
import shapely.ops
from shapely.geometry.base import BaseGeometry

from ..errors import InputError, Issue
from ..tables.unit_types import ROAD
from ..tables.units import COLUMNS
from ._split import split_overlaps
from .base import (
    _as_polygon,
    _check_name_column,
    _frame,
    _lines,
    _number_issues,
    _stable_hash,
    _stake,
)

__all__ = ["road_corridors", "road_widths", "EXCLUDED_HIGHWAYS", "MAJOR_HIGHWAYS",
           "UNNAMED_POLICIES"]

#: Highway values that are not roads a road chief (路长) answers for.
EXCLUDED_HIGHWAYS = ("footway", "steps", "path", "cycleway", "bridleway", "corridor",
                     "construction", "proposed", "platform", "elevator", "bus_stop")
#: Classes whose junctions cut a road into sections ("tertiary or higher").
MAJOR_HIGHWAYS = ("motorway", "trunk", "primary", "secondary", "tertiary")
#: What ``unnamed=`` accepts.
UNNAMED_POLICIES = ("merge", "own", "drop")
#: The name of unnamed roads kept with ``unnamed="own"``.
UNNAMED_ROAD = "未命名道路 unnamed road"

_SEGMENT = 10.0  # metres: lines are cut into pieces this long to share them among sections
_ROUND = 3  # decimals (mm) of the vertex keys that find shared junction nodes


def _width_issues(table: Mapping, where: str) -> tuple[dict[str, float], list[Issue]]:
    out, issues = {}, []
    for key, value in table.items():
        ok = (isinstance(key, str) and key.strip() != ""
              and isinstance(value, (int, float, np.integer, np.floating))
              and not isinstance(value, (bool, np.bool_)) and math.isfinite(value) and value > 0)
        if ok:
            out[key.strip()] = float(value)
        else:
            issues.append(Issue(file=where or None, field=f"road_widths[{key!r}]",
                                expected="a highway class mapped to a positive number of "
                                         "metres (each side)", got=value,
                                fix="e.g. road_widths={'primary': 50, 'default': 15}"))
    return out, issues


def _read_width_table(source) -> tuple[dict[str, float], list[Issue]]:
    """A widths table from a dict or a TOML file (``[widths]``), with its problems."""
    if isinstance(source, Mapping):
        return _width_issues(source, "")
    if not isinstance(source, (str, Path)):
        return {}, [Issue(field="road_widths", expected="a dict or the path of a TOML file",
                          got=type(source).__name__,
                          fix="pass road_widths={'primary': 50} or road_widths='widths.toml'")]
    path = Path(source)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, [Issue(file=str(path), field="road_widths", expected="an existing TOML file",
                          fix="check the path, or pass a dict")]
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [Issue(file=str(path), field="road_widths",
                          expected="a readable UTF-8 TOML file", got=type(exc).__name__,
                          fix="check the file")]
    except tomllib.TOMLDecodeError as exc:
        return {}, [Issue(file=str(path), field="road_widths", expected="valid TOML",
                          got=str(exc), fix="fix the TOML syntax at the place named")]
    table = data.get("widths")
    if not isinstance(table, dict):
        return {}, [Issue(file=str(path), field="[widths]",
                          expected="a [widths] table of class = metres", got=sorted(data),
                          fix="start the table with a line [widths], e.g. primary = 50")]
    return _width_issues(table, str(path))


def road_widths(table: Mapping[str, float] | str | Path | None = None) -> dict[str, float]:
    """The corridor width (metres each side) per ``highway`` class.

    The defaults come from ``geozz/resources/road_widths.toml`` (motorway and trunk 100 m,
    "可视范围"; primary 50; secondary and tertiary 30; residential and service 15; every
    other class 15 under ``default``). ``table`` replaces the classes it names.

    Parameters
    ----------
    table : dict, path of a TOML file with a ``[widths]`` table, or None
        The office's own widths.

    Returns
    -------
    dict
        Class -> metres, with a ``default`` entry.

    Raises
    ------
    InputError
        Every bad entry at once (class, value, the file and the fix).

    Examples
    --------
    >>> w = road_widths({"primary": 40})
    >>> w["primary"], w["motorway"], w["default"]
    (40.0, 100.0, 15.0)
    """
    text = resources.files("geozz.resources").joinpath("road_widths.toml").read_text("utf-8")
    widths = {k: float(v) for k, v in tomllib.loads(text)["widths"].items()}
    if table is None:
        return widths
    own, issues = _read_width_table(table)
    if issues:
        raise InputError(issues)
    widths.update(own)
    return widths


def _class_width(highway: str, widths: Mapping[str, float]) -> float:
    if highway in widths:
        return widths[highway]
    if highway.endswith("_link") and highway[:-5] in widths:
        return widths[highway[:-5]]
    return widths["default"]


def _highway_text(value) -> str:
    """osmnx gives a list where merged edges differ: the first value stands for them."""
    if isinstance(value, (list, tuple, np.ndarray)):
        value = value[0] if len(value) else ""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _segments(geoms: Iterable[BaseGeometry]) -> tuple[np.ndarray, np.ndarray]:
    """Cut lines into 2-point segments of at most :data:`_SEGMENT` metres.

    Returns the segments and, for each, the position of the line it came from.

    Examples
    --------
    >>> segs, owner = _segments([
    ...     shapely.LineString([(0, 0), (25, 0)]),
    ...     shapely.MultiLineString([[(0, 9), (0, 9), (4, 9)], [(5, 5), (6, 5)]])])
    >>> for seg, line in zip(segs, owner):  # no zero-length segment, parts not joined
    ...     print(line, seg.wkt)
    0 LINESTRING (0 0, 8.333333333333334 0)
    0 LINESTRING (8.333333333333334 0, 16.666666666666668 0)
    0 LINESTRING (16.666666666666668 0, 25 0)
    1 LINESTRING (0 9, 4 9)
    1 LINESTRING (5 5, 6 5)
    """
    geoms = np.array(list(geoms), dtype=object)
    empty = np.array([], dtype=object), np.array([], dtype=int)
    if not len(geoms):
        return empty
    dense = shapely.segmentize(geoms, _SEGMENT)
    # each part of a multi-line on its own: consecutive vertices of one part make a segment
    parts, part_owner = shapely.get_parts(dense, return_index=True)
    xy, where = shapely.get_coordinates(parts, return_index=True)
    pair = np.flatnonzero(where[:-1] == where[1:])
    if not len(pair):
        return empty
    segs = shapely.linestrings(np.stack([xy[pair], xy[pair + 1]], axis=1))
    seg_owner = part_owner[where[pair]]
    keep = shapely.length(segs) > 0
    return segs[keep], seg_owner[keep]


def _main_class(classes: np.ndarray, lengths: np.ndarray) -> str:
    """The class with the most length (ties: the first in name order), ``""`` if none.

    Examples
    --------
    >>> _main_class(np.array(["primary", "service", "primary"], dtype=object),
    ...             np.array([10.0, 25.0, 15.0]))
    'primary'
    """
    if not len(classes):
        return ""
    names, where = np.unique(classes.astype(str), return_inverse=True)
    totals = [math.fsum(lengths[where == k]) for k in range(len(names))]
    return str(names[int(np.argmax(totals))])


def _main_classes(classes: np.ndarray, lengths: np.ndarray, section: np.ndarray,
                  n: int) -> list[str]:
    """The main class of each of ``n`` sections: for section ``k``, what
    :func:`_main_class` gives for the classes and lengths of the segments in section ``k``
    (sections without segments: ``""``), all sections at once.

    Examples
    --------
    >>> _main_classes(np.array(["primary", "service", "primary", "service"], dtype=object),
    ...               np.array([10.0, 25.0, 15.0, 5.0]), np.array([0, 0, 0, 2]), 3)
    ['primary', '', 'service']
    """
    out = [""] * n
    if not len(classes):
        return out
    names, code = np.unique(classes.astype(str), return_inverse=True)
    code = code.ravel()
    order = np.lexsort((code, section))  # by section, then class (in name order)
    sec, cls, lens = section[order], code[order], lengths[order]
    starts = np.flatnonzero(np.r_[True, (sec[1:] != sec[:-1]) | (cls[1:] != cls[:-1])])
    best: dict[int, tuple[float, int]] = {}  # section -> (total, class) of the main class
    for lo, hi in zip(starts, np.r_[starts[1:], len(sec)]):
        k, c = int(sec[lo]), int(cls[lo])
        total = math.fsum(lens[lo:hi])
        if k not in best or total > best[k][0]:  # classes come in name order: ties keep
            best[k] = (total, c)                 # the first, as np.argmax does
    for k, (_, c) in best.items():
        out[k] = str(names[c])
    return out


def _orient(line: BaseGeometry, east_west: bool) -> BaseGeometry:
    """The line running from its west end (south end for a north–south road)."""
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    backwards = (x1, y1) < (x0, y0) if east_west else (y1, x1) < (y0, x0)
    return shapely.reverse(line) if backwards else line


def _reach(lines: np.ndarray, others: np.ndarray) -> np.ndarray:
    """For each line, how far its farthest point (every 5 m along it) lies from its other.

    ``lines[i]`` is measured against ``others[i]``.

    Examples
    --------
    >>> line = shapely.LineString([(0, 0), (20, 0)])
    >>> others = np.array([shapely.LineString([(0, 3), (10, 3)]), shapely.Point(0, 0)])
    >>> _reach(np.array([line, line]), others).tolist()
    [10.44030650891055, 20.0]
    """
    if not len(lines):
        return np.array([], dtype=float)
    dense = shapely.segmentize(lines, _SEGMENT / 2)
    xy, where = shapely.get_coordinates(dense, return_index=True)
    dist = shapely.distance(shapely.points(xy), others[where])
    out = np.full(len(lines), -np.inf)
    np.maximum.at(out, where, dist)
    return out


def _beside(lines: np.ndarray, others: np.ndarray, distance: float) -> np.ndarray:
    """For each line, whether all of it lies within ``distance`` of its other:
    ``_reach(lines, others) <= distance`` (to 1e-9 m), measuring as little as it can.

    The vertices of a line are among the points :func:`_reach` measures, so a line with a
    vertex too far is not beside its other, whatever lies between. A vertex farther than
    ``distance`` from the other's bounding box (by a micrometre, far above rounding) is
    farther from the other too: that is told from the coordinates alone, and only the
    vertices of the remaining lines are measured by GEOS, then their points in between.

    Examples
    --------
    >>> lines = np.array([shapely.LineString([(0, 0), (20, 0)]),
    ...                   shapely.LineString([(0, 0), (5, 30), (10, 0)]),
    ...                   shapely.LineString([(0, 2), (100, 2)]),
    ...                   shapely.LineString([(0, 2), (500, 2)])])
    >>> others = np.array([shapely.LineString([(0, 3), (100, 3)])] * 4)
    >>> _beside(lines, others, 10).tolist()
    [True, False, True, False]
    """
    out = np.zeros(len(lines), dtype=bool)
    if not len(lines):
        return out
    xy, where = shapely.get_coordinates(lines, return_index=True)
    box = shapely.bounds(others)[where]
    dx = np.maximum(np.maximum(box[:, 0] - xy[:, 0], xy[:, 0] - box[:, 2]), 0)
    dy = np.maximum(np.maximum(box[:, 1] - xy[:, 1], xy[:, 1] - box[:, 3]), 0)
    far = np.zeros(len(lines), dtype=bool)
    far[where[np.hypot(dx, dy) > distance + 1e-6]] = True
    look = ~far[where]
    far[where[look][shapely.distance(shapely.points(xy[look]), others[where[look]])
                    > distance + 1e-9]] = True
    near = np.flatnonzero(~far)
    out[near] = _reach(lines[near], others[near]) <= distance + 1e-9
    return out


def _cuts(length: float, junctions: Iterable[float], target: float) -> list[float]:
    """Section bounds along a stretch: at major junctions near ``target``, else round."""
    junctions = sorted(junctions)
    bounds = [0.0]
    while length - bounds[-1] > 1.5 * target:
        pos = bounds[-1]
        window = [c for c in junctions
                  if pos + target / 2 <= c <= pos + 1.5 * target and length - c >= target / 2]
        bounds.append(min(window, key=lambda c: (abs(c - pos - target), c)) if window
                      else pos + target)
    bounds.append(length)
    return bounds


def _components(geoms: list[BaseGeometry]) -> list[list[int]]:
    """Groups of lines that touch each other (connected components), in input order."""
    parent = list(range(len(geoms)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if geoms:
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="intersects")
        for a, b in zip(left, right):
            ra, rb = find(int(a)), find(int(b))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(geoms)):
        groups[find(i)].append(i)
    return list(groups.values())


class _Road:
    """One road (a name, or a group of unnamed lines) staked and cut into sections."""

    def __init__(self, key: str, name: str, lines: list[BaseGeometry],
                 highways: list[str], merge_within: float):
        self.key, self.name = key, name
        self.lines, self.highways = lines, highways
        merged = shapely.line_merge(shapely.union_all(lines))
        parts = sorted((p for p in shapely.get_parts(merged) if p.length > 0),
                       key=lambda p: (-round(p.length, 3), p.coords[0]))
        # the bounds of the parts (their union's, without noding them again)
        minx, miny, maxx, maxy = shapely.total_bounds(parts)
        self.east_west = (maxx - minx) >= (maxy - miny)
        main: list[BaseGeometry] = []
        for part in parts:  # longest first: a part beside a longer one is folded into it
            if not main or not _beside(np.array([part] * len(main), dtype=object),
                                       np.array(main, dtype=object), merge_within).any():
                main.append(part)
        main = [_orient(p, self.east_west) for p in main]
        axis = 0 if self.east_west else 1
        main.sort(key=lambda p: (p.coords[0][axis], p.coords[0][1 - axis]))
        self.stretches = main
        self.offsets = np.concatenate([[0.0], np.cumsum([p.length for p in main])[:-1]])
        self.length = float(sum(p.length for p in main))

    def sections(self, owners: Mapping[tuple[float, float], set[str]], target: float) -> None:
        """Cut the road at its major junctions / round stakes (``self.bounds``, chainage).

        ``owners`` maps a vertex (rounded to :data:`_ROUND` decimals) to the names of the
        major roads through it: a junction of this road is a vertex with another name.
        """
        mine = {self.name if self.name != UNNAMED_ROAD else None}
        at = []
        for part, off in zip(self.stretches, self.offsets):
            xy = shapely.get_coordinates(part)
            along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
            keys = map(tuple, np.round(xy, _ROUND).tolist())
            at += [off + float(d) for key, d in zip(keys, along)
                   if key in owners and owners[key] - mine]
        self.bounds = np.array(_cuts(self.length, at, target))

    def centre(self, a: float, b: float) -> BaseGeometry:
        """The staked line from chainage ``a`` to ``b`` (pieces of several stretches)."""
        pieces = []
        for part, off in zip(self.stretches, self.offsets):
            lo, hi = max(a, off), min(b, off + part.length)
            if hi > lo:
                pieces.append(shapely.ops.substring(part, lo - off, hi - off))
        return pieces[0] if len(pieces) == 1 else shapely.MultiLineString(pieces)

    def locate(self, segs: np.ndarray) -> np.ndarray:
        """For each segment, the section it lies beside (by its midpoint's chainage)."""
        if len(segs) == 0:
            return np.array([], dtype=int)
        mids = shapely.line_interpolate_point(segs, 0.5, normalized=True)
        if len(self.stretches) == 1:
            along = self.offsets[0] + shapely.line_locate_point(self.stretches[0], mids)
        else:
            tree = shapely.STRtree(self.stretches)
            stretch = tree.query_nearest(mids, all_matches=False)[1]
            along = np.empty(len(segs))
            for s in np.unique(stretch):
                pick = stretch == s
                along[pick] = self.offsets[s] + shapely.line_locate_point(self.stretches[s],
                                                                         mids[pick])
        return np.searchsorted(self.bounds[1:-1], along, side="right")


def _policy_issues(unnamed, table) -> tuple[list[Issue], dict[str, float]]:
    """The problems of ``unnamed=`` and ``road_widths=``, and the widths table."""
    issues = []
    if not isinstance(unnamed, str) or unnamed not in UNNAMED_POLICIES:
        issues.append(Issue(field="unnamed", expected=f"one of {UNNAMED_POLICIES}", got=unnamed,
                            fix="unnamed='merge' (into the named road beside it), 'own' "
                                "(their own units) or 'drop'"))
    widths: dict[str, float] = {}
    try:
        widths = road_widths(table)
    except InputError as exc:
        issues += [i for i in exc.issues if isinstance(i, Issue)]
    return issues, widths


def road_corridors(roads: gpd.GeoDataFrame, boundary, *, width: float | None = None,
                   name_field: str = "name", admin: str = "", crs=None,
                   exclude: Iterable[str] = EXCLUDED_HIGHWAYS,
                   min_length: float = 50, section_length: float = 1000,
                   road_widths: Mapping[str, float] | str | Path | None = None,
                   unnamed: str = "merge", merge_within: float = 30) -> gpd.GeoDataFrame:
    """Road corridors (路段): named roads cut into staked sections, buffered by class.

    See the module documentation for the rules (sections, stakes, widths, unnamed lines).

    Parameters
    ----------
    roads : GeoDataFrame
        Road lines with a name column and, when there is one, ``highway``: OSM ways or
        osmnx sections.
    boundary : GeoDataFrame, GeoSeries, shapely geometry or bbox tuple
        Lines are clipped to it, and so are the corridors.
    width : float, optional
        One buffer distance each side for every road, metres; by default the width of
        each section's class from ``road_widths``.
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
    section_length : float, default 1000
        Target section length, metres.
    road_widths : dict or path of a TOML file, optional
        Widths per class replacing those of ``geozz/resources/road_widths.toml``.
    unnamed : {"merge", "own", "drop"}, default "merge"
        What becomes of lines without a name.
    merge_within : float, default 30
        How close (metres, along its whole length) an unnamed line must lie to a named
        road to be merged into it, and a stretch to a longer one of the same road to be
        folded into it.

    Returns
    -------
    GeoDataFrame
        Units with ``unit_type == "road"``, ids ``R-<hash of name>-K0+000-K1+000``, names
        ``深南大道 K0+000–K1+000``, the staked ``centerline`` and its ``length_m``. The
        attrs hold ``unnamed`` (policy, counts of unnamed lines merged, own, dropped, and
        the metres dropped) and ``widths`` (the table used).

    Examples
    --------
    >>> import geozz as gz
    >>> area = gz.datasets.longgang()
    >>> roads = road_corridors(area.roads, area.boundary)
    >>> bool((roads["length_m"] >= 50).all()), roads.index.is_unique
    (True, True)
    >>> roads.attrs["unnamed"]["policy"]
    'merge'
    """
    issues = _number_issues({"width": width, "min_length": min_length,
                             "section_length": section_length,
                             "merge_within": merge_within} if width is not None else
                            {"min_length": min_length, "section_length": section_length,
                             "merge_within": merge_within},
                            zero_ok=["min_length", "merge_within"])
    policy_issues, widths = _policy_issues(unnamed, road_widths)
    issues += policy_issues
    if issues:
        raise InputError(issues)
    _check_name_column(roads, name_field, "roads")
    poly, target = _as_polygon(boundary, crs)
    counts = {"policy": unnamed, "lines": 0, "merged": 0, "own": 0, "dropped": 0,
              "dropped_m": 0.0}
    if roads.empty:  # an area with no roads mapped has no road units
        out = _frame({k: [] for k in COLUMNS}, target, [])
        out.attrs.update(unnamed=counts, widths=widths)
        return out
    sel = roads
    if "highway" in sel.columns:
        excluded = set(exclude)
        sel = sel[[_highway_text(v) not in excluded for v in sel["highway"].to_numpy()]]
    lines, clipped = _lines(sel, target, poly)
    # one row per line part (GeoDataFrame.explode, without the frame)
    geoms, row = shapely.get_parts(clipped, return_index=True)
    keep = (shapely.get_type_id(geoms) == shapely.GeometryType.LINESTRING) & \
        (shapely.length(geoms) > 0)
    geoms, row = geoms[keep], row[keep]
    names = np.array(["" if v is None or (isinstance(v, float) and math.isnan(v))
                      else str(v).strip() for v in lines[name_field].to_numpy()[row]],
                     dtype=object)
    highway = (np.array([_highway_text(v) for v in lines["highway"].to_numpy()[row]],
                        dtype=object) if "highway" in lines.columns
               else np.full(len(geoms), "", dtype=object))
    named = names != ""
    counts["lines"] = int((~named).sum())

    # roads: one per name, and with unnamed="own" one per group of touching unnamed lines
    groups: dict[str, tuple[str, list[int]]] = {}
    for i in np.flatnonzero(named):
        groups.setdefault(names[i], (names[i], []))[1].append(i)
    loose = np.flatnonzero(~named)
    if unnamed == "own":
        for comp in _components([geoms[i] for i in loose]):
            idx = [int(loose[c]) for c in comp]
            x, y = min(map(tuple, shapely.get_coordinates(geoms[idx])))
            groups[f"未命名道路@{x:.0f},{y:.0f}"] = (UNNAMED_ROAD, idx)
        counts["own"] = len(loose)
    built = {}
    for key, (name, idx) in sorted(groups.items()):
        road = _Road(key, name, [geoms[i] for i in idx], [highway[i] for i in idx],
                     merge_within)
        if road.length >= min_length and road.length > 0:
            built[key] = (road, idx)

    # major junctions: vertices shared with a road of another name of class tertiary+
    owners: dict[tuple[float, float], set[str]] = defaultdict(set)
    major = np.flatnonzero(named & np.array([h in MAJOR_HIGHWAYS for h in highway], dtype=bool))
    if len(major):
        xy, where = shapely.get_coordinates(geoms[major], return_index=True)
        for vertex, i in zip(map(tuple, np.round(xy, _ROUND).tolist()), major[where]):
            owners[vertex].add(names[i])
    for road, _ in built.values():
        road.sections(owners, section_length)

    # unnamed lines beside a named road join it
    attached: dict[str, list[BaseGeometry]] = defaultdict(list)
    if unnamed == "merge" and len(loose):
        hosts = [(key, s) for key, (road, _) in built.items() if road.name != UNNAMED_ROAD
                 for s in road.stretches]
        host = np.full(len(loose), -1)
        beside = np.zeros(len(loose), dtype=bool)
        if hosts:
            host_lines = np.array([s for _, s in hosts], dtype=object)
            tree = shapely.STRtree(host_lines)
            mids = shapely.line_interpolate_point(geoms[loose], 0.5, normalized=True)
            which, near = tree.query_nearest(mids, all_matches=False)
            host[which] = near
            found = host >= 0
            beside[found] = _beside(geoms[loose][found], host_lines[host[found]],
                                    merge_within)
        for i, h, ok in zip(loose, host, beside):
            if ok:
                attached[hosts[h][0]].append(geoms[i])
                counts["merged"] += 1
            else:
                counts["dropped"] += 1
                counts["dropped_m"] += float(geoms[i].length)
    elif unnamed == "drop":
        counts["dropped"] = len(loose)
        counts["dropped_m"] = float(sum(geoms[i].length for i in loose))
        if len(loose):
            warnings.warn(f"road_corridors: {len(loose)} unnamed road lines "
                          f"({counts['dropped_m'] / 1000:.1f} km) dropped (unnamed='drop'); "
                          "pass unnamed='merge' or unnamed='own' to keep them", UserWarning,
                          stacklevel=2)

    ids, labels, centres, shapes, widths_m = [], [], [], [], []
    for key, (road, idx) in sorted(built.items()):
        segs, owner = _segments(road.lines)
        seg_hw = np.array(road.highways, dtype=object)[owner]
        seg_len = shapely.length(segs)
        section = road.locate(segs)
        extra, _ = _segments(attached.get(key, []))
        x_section = road.locate(extra)
        n = len(road.bounds) - 1
        classes = _main_classes(seg_hw, seg_len, section, n)
        # each section's segments, in their order (a stable sort by section)
        by_section = np.split(segs[np.argsort(section, kind="stable")],
                              np.searchsorted(np.sort(section), np.arange(1, n)))
        x_by_section = np.split(extra[np.argsort(x_section, kind="stable")],
                                np.searchsorted(np.sort(x_section), np.arange(1, n)))
        hash_ = _stable_hash(key)
        for k in range(n):
            a, b = road.bounds[k], road.bounds[k + 1]
            centre = road.centre(a, b)
            w = float(width) if width is not None else _class_width(classes[k], widths)
            # merged back into long lines (below): buffering thousands of 10 m pieces is slow
            shapes.append(shapely.union_all(np.concatenate(
                [[centre], by_section[k], x_by_section[k]])))
            start, end = _stake(a), _stake(b)
            ids.append(f"{ROAD.id_prefix}-{hash_}-{start}-{end}")
            labels.append(f"{road.name} {start}–{end}")
            centres.append(centre)
            widths_m.append(w)
    centres = np.array(centres, dtype=object)
    shapes = shapely.simplify(shapely.line_merge(np.array(shapes, dtype=object)), 0.01)
    widths_m = np.array(widths_m, dtype=float)
    corridors = shapely.intersection(
        shapely.buffer(shapes, widths_m, quad_segs=4, cap_style="flat"), poly)
    # overlaps (junctions, unfolded carriageways) go to the nearest centreline; a point of
    # a corridor lies within its width of its lines, and they within _reach (measured
    # every 5 m: + 2.5 m) of the centreline
    corridors = split_overlaps(corridors, centres,
                               widths_m + _reach(shapes, centres) + _SEGMENT / 4)
    n = len(ids)
    out = _frame({"unit_type": [ROAD.name] * n, "name": labels, "admin": [admin] * n,
                  "length_m": list(shapely.length(centres)),
                  "area_m2": list(shapely.area(corridors)), "responsible": [""] * n,
                  "geometry": list(corridors), "centerline": list(centres)}, target, ids)
    out.attrs.update(unnamed=counts, widths=widths)
    return out
