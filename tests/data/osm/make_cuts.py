"""Cut the small extracts of tests/data/osm/cut/ from the OSM files beside this script.

Run from the repository root (the tests only read the cuts and this module's constants):

    python tests/data/osm/make_cuts.py [--source tests/data/osm]

Each cut works like ``osmium extract --strategy simple``: the nodes inside the region, every
way that references one of them (with all its node references, so a way crossing the edge
refers to nodes the file does not hold), and every relation that references a node or way
kept (with all its members, so relations miss the member ways outside). The header
declares the region's bounding box, as osmium-tool writes it. The output is deterministic.

- ``longgang_box.osm.pbf``: 深圳 Longgang cut by a box.
- ``haidian_polygon.osm.pbf``: 北京 Haidian cut by a polygon with a narrow notch (紫荆路
  and other ways crossing the notch leave the polygon and come back).
- ``haidian_broken.osm.bz2`` (XML): Haidian cut by a box around two water multipolygons, then broken
  on purpose: the inner way of relation 1260420 is left out of the file (a missing
  member), the outer ring way of relation 2826273 loses its closing node reference (a ring
  that does not close), and the closed landuse way 255748954 (西院) has two of its nodes swapped
  (a ring crossing itself).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import osmium
import shapely

HERE = Path(__file__).resolve().parent
OUT = HERE / "cut"

#: region of each cut (lon/lat)
LONGGANG_BOX = (114.1950, 22.6800, 114.2220, 22.6960)
HAIDIAN_POLYGON = [(116.3120, 39.9940), (116.3280, 39.9940), (116.3280, 40.0090),
                   (116.3210, 40.0090), (116.3200, 40.0010), (116.3190, 40.0090),
                   (116.3120, 40.0090), (116.3120, 39.9940)]
HAIDIAN_BROKEN_BOX = (116.3075, 39.9980, 116.3170, 40.0100)
#: the edits of haidian_broken.osm
MISSING_MEMBER = 84273822      # inner way of relation 1260420: left out of the file
OPEN_RING = 210646536          # outer way of relation 2826273: closing node dropped
CROSSED_RING = 255748954       # closed landuse way 西院: nodes 2 and 3 swapped


def cut(src: Path, out: Path, region, *, edit=None) -> dict[str, int]:
    """Write the simple-strategy extract of ``src`` inside ``region`` to ``out``."""
    shapely.prepare(region)
    inside: set[int] = set()
    for n in osmium.FileProcessor(str(src), osmium.osm.NODE):
        if shapely.contains_xy(region, n.location.lon, n.location.lat):
            inside.add(n.id)
    ways: set[int] = set()
    for w in osmium.FileProcessor(str(src), osmium.osm.WAY):
        if any(nd.ref in inside for nd in w.nodes):
            ways.add(w.id)
    header = osmium.io.Header()
    minx, miny, maxx, maxy = region.bounds
    header.add_box(osmium.osm.Box(osmium.osm.Location(minx, miny),
                                  osmium.osm.Location(maxx, maxy)))
    header.set("generator", "geozz tests/data/osm/make_cuts.py (pyosmium)")
    if out.exists():
        out.unlink()
    counts = {"nodes": 0, "ways": 0, "relations": 0}
    writer = osmium.SimpleWriter(str(out), header=header)
    try:
        for obj in osmium.FileProcessor(str(src)):
            if obj.is_node():
                keep = obj.id in inside
            elif obj.is_way():
                keep = obj.id in ways
            else:
                keep = any((m.type == "n" and m.ref in inside) or (m.type == "w" and m.ref in ways)
                           for m in obj.members)
            kind = "nodes" if obj.is_node() else "ways" if obj.is_way() else "relations"
            if keep and edit is not None:
                obj = edit(obj)
            if keep and obj is not None:
                writer.add(obj)
                counts[kind] += 1
    finally:
        writer.close()
    return counts


def _break(obj):
    """The edits that make haidian_broken.osm (see the module's text)."""
    if not obj.is_way():
        return obj
    if obj.id == MISSING_MEMBER:
        return None
    if obj.id == OPEN_RING:
        return obj.replace(nodes=[nd.ref for nd in obj.nodes][:-1])
    if obj.id == CROSSED_RING:
        refs = [nd.ref for nd in obj.nodes]
        refs[1], refs[2] = refs[2], refs[1]
        return obj.replace(nodes=refs)
    return obj


def main(source: Path) -> None:
    OUT.mkdir(exist_ok=True)
    jobs = [("longgang_box.osm.pbf", "shenzhen_longgang", shapely.box(*LONGGANG_BOX), None),
            ("haidian_polygon.osm.pbf", "beijing_haidian", shapely.Polygon(HAIDIAN_POLYGON),
             None),
            ("haidian_broken.osm.bz2", "beijing_haidian", shapely.box(*HAIDIAN_BROKEN_BOX),
             _break)]
    for name, stem, region, edit in jobs:
        counts = cut(source / f"{stem}.osm.pbf", OUT / name, region, edit=edit)
        print(f"{name}: {counts} ({(OUT / name).stat().st_size:,} bytes)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=HERE,
                        help="folder of shenzhen_longgang.osm.pbf and beijing_haidian.osm.pbf")
    main(parser.parse_args().source)
