"""One pass of pyosmium over an OSM file: road and river ways with their node locations, areas.

:func:`read_file` reads a ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file with
``osmium.FileProcessor(...).with_locations().with_areas()``: libosmium keeps the location of
every node, gives each way its coordinates and assembles areas from closed ways and from
multipolygon and boundary relations. Filters in libosmium keep only what geozz uses from
reaching Python: ways and relations tagged ``highway``, ``waterway``, ``boundary``,
``natural``, ``water`` or ``landuse``, the nodes the street graph describes
(``highway``, ``junction``, ``railway``, ``ref``) and the areas.

An extract cut from a larger file by a box or a polygon is ordinary data: the ways crossing
its edge keep only the nodes inside, and its relations miss the member ways outside. So:

- a way whose nodes are all in the file is kept whole; a way with some nodes missing keeps
  each run of two or more consecutive nodes that are in the file (a road cut by the box
  ends at the box; one leaving and coming back gives two pieces); a way with fewer than two
  nodes in the file is dropped;
- an area libosmium cannot assemble because its rings are broken (it gives an empty area)
  is rebuilt from its ways' lines as osmnx does (``polygonize``, holes cut out) and made
  valid with ``shapely.make_valid``; one that still gives no polygon is dropped, and so is
  an area missing nodes or member ways (libosmium gives nothing; osmnx drops it too).

Every drop and repair is counted per reason in :attr:`OSMData.dropped` and
:attr:`OSMData.repaired`, with the ids, and the counts of what was read add up:
``whole + cut + dropped == ways`` for roads and rivers, ``assembled + repaired + dropped ==
read`` for areas. A file libosmium cannot read at all raises
:class:`~geozz.errors.OSMError`.

Examples
--------
>>> from geozz import datasets
>>> data = read_file(datasets.path("longgang") / "shenzhen_longgang.osm.pbf",
...                  river_types=("river",))
>>> data.counts["roads"]
{'ways': 515, 'whole': 515, 'cut': 0, 'dropped': 0, 'pieces': 515}
>>> data.dropped  # admin relations reaching beyond the export
{'area relations with member ways or their nodes missing from the file': 6}
>>> [(line.osmid, line.tags["name"], len(line.nodes)) for line in data.rivers][:1]
[(330766463, '龙岗河', 135)]
"""

from __future__ import annotations

import bz2
import gzip
import html
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import osmium
import shapely

from .. import _osmfile

__all__ = ["read_file", "OSMData", "Line", "AREA_LAYERS", "REASONS", "admin_level",
           "area_layers"]

#: the way tags kept with a road (osmnx's ``settings.useful_tags_way``)
WAY_TAGS = ("access", "area", "bridge", "est_width", "highway", "junction", "landuse",
            "lanes", "maxspeed", "name", "oneway", "ref", "service", "tunnel", "width")
#: the node tags kept on the street graph's nodes (osmnx's ``settings.useful_tags_node``)
NODE_TAGS = ("highway", "junction", "railway", "ref")
#: the layers an area can go to
AREA_LAYERS = ("admin", "water", "landuse")
#: the tags that can make an area geozz keeps
_AREA_KEYS = ("boundary", "natural", "water", "waterway", "landuse")
_RELATION_TYPES = ("multipolygon", "boundary")

#: why something was dropped or repaired (the keys of ``OSMData.dropped`` / ``repaired``)
REASONS = {
    "road_nodes": "road ways with fewer than two of their nodes in the file",
    "river_nodes": "river ways with fewer than two of their nodes in the file",
    "area_nodes": "areas with ring nodes missing from the file",
    "area_members": "area relations with member ways or their nodes missing from the file",
    "area_open": "area relations whose rings do not close",
    "area_invalid": "areas whose rings are invalid and cannot be made valid",
    "area_small": "areas with fewer than three distinct nodes",
    "repaired": "areas with invalid rings, made valid",
}


@dataclass
class Line:
    """A way, or the piece of a way whose nodes are in the file, with its node ids."""

    osmid: int
    tags: dict
    nodes: list[int]
    coords: list[tuple[float, float]]


@dataclass
class OSMData:
    """What :func:`read_file` gives.

    Attributes
    ----------
    roads, rivers : list of Line
        The ``highway`` ways (not ``area=yes``) and the ``waterway`` ways of the river
        types, in file order, whole or in pieces.
    areas : dict of list
        Per layer of :data:`AREA_LAYERS`, ``(osm_id, tags, geometry)``: ``osm_id`` is
        ``"way/<id>"`` or ``"relation/<id>"``, the geometry a Polygon or MultiPolygon.
    nodes : dict
        Node id → the node tags of :data:`NODE_TAGS` it has (only nodes with such tags).
    counts : dict
        ``roads`` and ``rivers``: ``ways``, ``whole``, ``cut``, ``dropped``, ``pieces``;
        ``areas``: ``read``, ``assembled``, ``repaired``, ``dropped``.
    dropped, repaired : dict
        Reason (a value of :data:`REASONS`) → count.
    dropped_ids, repaired_ids : dict
        Reason → ``"way/<id>"`` / ``"relation/<id>"`` of each, sorted.
    """

    roads: list[Line] = field(default_factory=list)
    rivers: list[Line] = field(default_factory=list)
    areas: dict = field(default_factory=lambda: {layer: [] for layer in AREA_LAYERS})
    nodes: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    dropped: dict = field(default_factory=dict)
    repaired: dict = field(default_factory=dict)
    dropped_ids: dict = field(default_factory=dict)
    repaired_ids: dict = field(default_factory=dict)


def admin_level(tags) -> int | None:
    """The numeric ``admin_level`` of an administrative boundary, else ``None``.

    Examples
    --------
    >>> admin_level({"boundary": "administrative", "admin_level": "8"})
    8
    >>> print(admin_level({"boundary": "administrative", "admin_level": "x"}))
    None
    """
    if tags.get("boundary") != "administrative":
        return None
    try:
        value = float(tags.get("admin_level"))
    except (TypeError, ValueError):
        return None
    return int(value) if value.is_integer() else None


def area_layers(tags) -> list[str]:
    """The layers of :data:`AREA_LAYERS` an area with these tags goes to.

    ``admin``: ``boundary=administrative`` with a numeric ``admin_level``; ``water``:
    ``natural=water``, any ``water=*``, ``waterway=riverbank`` or ``landuse=reservoir``;
    ``landuse``: any ``landuse=*``.

    Examples
    --------
    >>> area_layers({"landuse": "reservoir", "name": "龙口水库"})
    ['water', 'landuse']
    """
    out = []
    if admin_level(tags) is not None:
        out.append("admin")
    if (tags.get("natural") == "water" or "water" in tags
            or tags.get("waterway") == "riverbank" or tags.get("landuse") == "reservoir"):
        out.append("water")
    if "landuse" in tags:
        out.append("landuse")
    return out


class _Counter:
    def __init__(self) -> None:
        self.ids: dict[str, list[str]] = defaultdict(list)

    def add(self, key: str, osm_id: str) -> None:
        self.ids[REASONS[key]].append(osm_id)

    def counts(self) -> dict[str, int]:
        return {reason: len(ids) for reason, ids in sorted(self.ids.items())}

    def sorted_ids(self) -> dict[str, list[str]]:
        return {reason: sorted(ids, key=_id_key) for reason, ids in sorted(self.ids.items())}


def _id_key(osm_id: str):
    kind, _, num = osm_id.partition("/")
    return kind, int(num)


def _runs(refs: list[int], locs: list) -> list[tuple[list[int], list[tuple[float, float]]]]:
    """The runs of consecutive located nodes (consecutive repeats removed first, as osmnx)."""
    runs, nodes, coords = [], [], []
    prev = None
    for ref, loc in zip(refs, locs):
        if ref == prev:
            continue
        prev = ref
        if loc is None:
            if nodes:
                runs.append((nodes, coords))
            nodes, coords = [], []
            continue
        nodes.append(ref)
        coords.append(loc)
    if nodes:
        runs.append((nodes, coords))
    return runs


def _processor(source, kind: str, entities=osmium.osm.ALL) -> osmium.FileProcessor:
    if isinstance(source, osmium.io.FileBuffer):
        return osmium.FileProcessor(source, entities)
    return osmium.FileProcessor(osmium.io.File(os.fspath(source),
                                               _osmfile.OSMIUM_FORMAT[kind]), entities)


# libosmium refuses a tag value longer than the OSM API allows (255 characters); a file
# made by other tools may hold one (a hand-made test file, a name pasted with its text)
_LONG_VALUE = re.compile(rb"""(<tag\s[^>]*?\bv\s*=\s*)(?:"([^"]{256,})"|'([^']{256,})')""")
_PLACEHOLDER = "geozz:long-value:"


def _without_long_values(path, kind: str) -> tuple[osmium.io.FileBuffer, dict[str, str]]:
    """The XML with every long tag value replaced by a placeholder, and the values."""
    opener = {"bz2": bz2.open, "gz": gzip.open}.get(kind, open)
    with opener(path, "rb") as f:
        text = f.read()
    values: dict[str, str] = {}

    def keep(match: re.Match) -> bytes:
        key = f"{_PLACEHOLDER}{len(values)}"
        values[key] = html.unescape((match.group(2) or match.group(3)).decode("utf-8"))
        return match.group(1) + b'"' + key.encode() + b'"'

    return osmium.io.FileBuffer(_LONG_VALUE.sub(keep, text), "osm"), values


def _restore(tags: dict, values: dict[str, str]) -> dict:
    return {k: values.get(v, v) if isinstance(v, str) and v.startswith(_PLACEHOLDER) else v
            for k, v in tags.items()}


def read_file(path: str | os.PathLike, *, river_types: Sequence[str]) -> OSMData:
    """Read the roads, the rivers and the areas of an OSM file (see the module's text).

    Parameters
    ----------
    path : str or os.PathLike
        Any file :func:`geozz._osmfile.sniff` recognises.
    river_types : sequence of str
        ``waterway`` values read as rivers.

    Returns
    -------
    OSMData

    Raises
    ------
    OSMError
        The file is not OSM data, or libosmium cannot read it (damaged, truncated).
    """
    kind = _osmfile.sniff(path)
    try:
        return _read(path, path, kind, set(river_types), {})
    except _TooLong:
        if kind == "pbf":  # PBF writers enforce the limit: this is not a real file
            raise _osmfile.osmium_error(path, kind, ValueError("OSM tag value is too long"))
        source, values = _without_long_values(path, kind)
        return _read(path, source, kind, set(river_types), values)


class _TooLong(Exception):
    """libosmium refused a tag value longer than its limit."""


def _read(path, source, kind: str, rivers_of: set, values: dict[str, str]) -> OSMData:
    data = OSMData()
    dropped, repaired = _Counter(), _Counter()
    counts = {k: {"ways": 0, "whole": 0, "cut": 0, "dropped": 0, "pieces": 0}
              for k in ("roads", "rivers")}
    closed_ways: dict[int, tuple[dict, list[int], list]] = {}  # candidate areas from ways
    relations: dict[int, tuple[dict, list[tuple[int, str]]]] = {}  # candidate relations
    assembled: dict[str, tuple[dict, object]] = {}  # osm_id -> (tags, geometry or None)
    wkb = osmium.geom.WKBFactory()
    fp = (_processor(source, kind).with_locations()
          .with_areas(osmium.filter.KeyFilter(*_AREA_KEYS))
          .with_filter(osmium.filter.KeyFilter("highway", "waterway", "junction", "railway",
                                               "ref", *_AREA_KEYS)))
    try:
        for obj in fp:
            if obj.is_way():
                _way(obj, data, counts, dropped, closed_ways, rivers_of)
            elif obj.is_area():
                osm_id = ("way/" if obj.from_way() else "relation/") + str(obj.orig_id())
                tags = dict(obj.tags)
                if not area_layers(tags):
                    continue
                geom = None
                if obj.num_rings()[0]:
                    geom = _polygonal(shapely.from_wkb(wkb.create_multipolygon(obj)))
                assembled[osm_id] = (tags, geom)
            elif obj.is_relation():
                tags = dict(obj.tags)
                if tags.get("type") in _RELATION_TYPES and area_layers(tags):
                    relations[obj.id] = (tags, [(m.ref, m.role) for m in obj.members
                                                if m.type == "w"])
            elif obj.is_node():
                node_tags = {k: obj.tags[k] for k in NODE_TAGS if k in obj.tags}
                if node_tags:
                    data.nodes[obj.id] = node_tags
    except (RuntimeError, ValueError, osmium.InvalidLocationError) as exc:  # libosmium
        if "too long" in str(exc) and not values:
            raise _TooLong() from exc
        raise _osmfile.osmium_error(path, kind, exc) from exc
    if values:
        for line in data.roads + data.rivers:
            line.tags = _restore(line.tags, values)
        closed_ways = {i: (_restore(t, values), n, c) for i, (t, n, c) in closed_ways.items()}
        relations = {i: (_restore(t, values), m) for i, (t, m) in relations.items()}
        assembled = {i: (_restore(t, values), g) for i, (t, g) in assembled.items()}

    # areas: what libosmium assembled, else repaired from the lines, else dropped
    candidates = [(f"way/{i}", tags) for i, (tags, _n, _c) in closed_ways.items()]
    candidates += [(f"relation/{i}", tags) for i, (tags, _m) in relations.items()]
    # libosmium gives no area for a relation missing member ways or their nodes (nothing to
    # rebuild from), an empty one for rings that are there but broken: only those are
    # rebuilt, from their member ways read again
    broken = [i for i in relations if f"relation/{i}" in assembled
              and assembled[f"relation/{i}"][1] is None]
    members = _member_ways(source, kind, broken, relations)
    area_counts = {"read": len(candidates), "assembled": 0, "repaired": 0, "dropped": 0}
    for osm_id, tags in sorted(candidates, key=lambda c: _id_key(c[0])):
        geom = assembled.get(osm_id, (None, None))[1]
        if geom is not None:
            area_counts["assembled"] += 1
        else:
            num = int(osm_id.partition("/")[2])
            if osm_id.startswith("way/"):
                geom, why = _repair_way(*closed_ways[num][1:])
            elif osm_id not in assembled:
                geom, why = None, "area_members"
            else:
                geom, why = _repair_relation(relations[num][1], members)
            if geom is None:
                dropped.add(why, osm_id)
                area_counts["dropped"] += 1
                continue
            repaired.add("repaired", osm_id)
            area_counts["repaired"] += 1
        for layer in area_layers(tags):
            data.areas[layer].append((osm_id, tags, geom))
    data.counts = {**counts, "areas": area_counts}
    data.dropped, data.dropped_ids = dropped.counts(), dropped.sorted_ids()
    data.repaired, data.repaired_ids = repaired.counts(), repaired.sorted_ids()
    return data


def _way(w, data: OSMData, counts: dict, dropped: _Counter, closed_ways: dict,
         rivers_of: set) -> None:
    tags = w.tags
    is_road = "highway" in tags and tags.get("area") != "yes"
    is_river = tags.get("waterway") in rivers_of
    is_area = False
    if len(w.nodes) and w.nodes[0].ref == w.nodes[-1].ref and tags.get("area") != "no":
        all_tags = dict(tags)
        is_area = bool(area_layers(all_tags))
    if not (is_road or is_river or is_area):
        return
    refs, locs = [], []
    for nd in w.nodes:
        refs.append(nd.ref)
        loc = nd.location
        locs.append((loc.lon, loc.lat) if loc.valid() else None)
    if is_area:
        closed_ways[w.id] = (all_tags, refs, locs)
    if not (is_road or is_river):
        return
    runs = _runs(refs, locs)
    pieces = [run for run in runs if len(run[0]) >= 2]
    line_tags = {k: tags[k] for k in WAY_TAGS if k in tags}
    for key, flag, target in (("roads", is_road, data.roads), ("rivers", is_river, data.rivers)):
        if not flag:
            continue
        count = counts[key]
        count["ways"] += 1
        if not pieces:
            count["dropped"] += 1
            dropped.add("road_nodes" if key == "roads" else "river_nodes", f"way/{w.id}")
            continue
        count["whole" if len(pieces) == 1 and len(runs) == 1 and None not in locs
              else "cut"] += 1
        count["pieces"] += len(pieces)
        for nodes, coords in pieces:
            target.append(Line(w.id, line_tags if key == "roads" else
                               {"name": tags.get("name"), "waterway": tags.get("waterway")},
                               nodes, coords))


def _member_ways(path, kind: str, failed: Iterable[int], relations: dict) -> dict:
    """Way id → node locations (None where missing) of the member ways of ``failed``."""
    ids = {ref for rid in failed for ref, _role in relations[rid][1]}
    if not ids:
        return {}
    out = {}
    fp = (_processor(path, kind, osmium.osm.NODE | osmium.osm.WAY).with_locations()
          .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
          .with_filter(osmium.filter.IdFilter(ids)))
    try:
        for w in fp:
            out[w.id] = [(nd.location.lon, nd.location.lat) if nd.location.valid() else None
                         for nd in w.nodes]
    except (RuntimeError, ValueError, osmium.InvalidLocationError) as exc:
        raise _osmfile.osmium_error(path, kind, exc) from exc
    return out


def _polygonal(geom):
    """The polygons of ``geom``: a Polygon when one, a MultiPolygon when more, else None."""
    if geom is None or geom.is_empty:
        return None
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _valid(geom):
    return _polygonal(geom if geom.is_valid else shapely.make_valid(geom))


def _repair_way(refs: list[int], locs: list) -> tuple[object, str]:
    """A closed way libosmium gave no area for: made valid, or the reason it is dropped."""
    if any(loc is None for loc in locs):
        return None, "area_nodes"
    if len(set(refs)) < 3:
        return None, "area_small"
    geom = _valid(shapely.Polygon(locs))
    return geom, "area_invalid"


def _repair_relation(members: list[tuple[int, str]], ways: dict) -> tuple[object, str]:
    """A relation libosmium could not assemble, built as osmnx does: outer lines polygonized,
    the inner ones cut out, made valid; or ``None`` and the reason."""
    if any(ref not in ways for ref, _role in members):
        return None, "area_members"
    outer, inner, missing = [], [], False
    for ref, role in members:
        locs = ways[ref]
        missing |= any(loc is None for loc in locs)
        for nodes, coords in _runs(list(range(len(locs))), locs):
            if len(coords) >= 2:
                (inner if role == "inner" else outer).append(shapely.LineString(coords))
    why = "area_nodes" if missing else "area_open"
    outers = _polygons(outer)
    if not outers:
        return None, why
    inners = _polygons(inner)
    shell = shapely.union_all([_valid(p) or shapely.Polygon() for p in outers])
    if inners:
        shell = shapely.difference(shell, shapely.union_all(
            [_valid(p) or shapely.Polygon() for p in inners]))
    geom = _valid(shell)
    return geom, why if geom is None else "repaired"


def _polygons(lines: list) -> list:
    """The faces the lines close, noded first (a ring crossing itself gives two faces)."""
    if not lines:
        return []
    noded = shapely.union_all(lines)
    return list(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))
