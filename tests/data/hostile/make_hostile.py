"""Write hostile.osm (and hostile.osm.pbf when pyosmium is installed) in this folder.

Hand-made data, not from OpenStreetMap: eight roads and two rivers in a small box near
(114.207, 22.685) whose ``name`` tags are texts that must stay data (see SOURCE.md).
Run ``python tests/data/hostile/make_hostile.py``; the output is byte-for-byte stable.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).parent

#: (minlon, minlat, maxlon, maxlat) declared by the file
BOUNDS = (114.200, 22.680, 114.215, 22.690)

LONG_NAME = "长" + "x" * 9998 + "路"  # 10,000 characters
NAMES = [
    "{{ 7*7 }}",
    "{{ cycler.__init__.__globals__.os.popen('touch /tmp/geozz-pwned').read() }}",
    "{% raw %}",
    "<!--<script>",
    "</script><script>window.pwned=1</script>",
    '=HYPERLINK("http://evil.example","x")',
    "Line\u2028Separator Road",
    LONG_NAME,
]
#: river name -> its two end points (lon, lat)
RIVERS = {
    NAMES[1]: ((114.2005, 22.6805), (114.2145, 22.6895)),
    NAMES[4]: ((114.2075, 22.6802), (114.2075, 22.6898)),
}


def build(*, max_tag_length: int | None = None) -> ET.ElementTree:
    """The OSM XML tree: roads along latitudes 22.681 … 22.688, two rivers across them.

    ``max_tag_length`` leaves out the ways (and their nodes) with a longer tag value,
    keeping every id of the others.
    """
    root = ET.Element("osm", version="0.6", generator="geozz make_hostile.py")
    minlon, minlat, maxlon, maxlat = BOUNDS
    ET.SubElement(root, "bounds", minlat=f"{minlat:.7f}", minlon=f"{minlon:.7f}",
                  maxlat=f"{maxlat:.7f}", maxlon=f"{maxlon:.7f}")
    nodes, ways = [], []
    node_id = 1
    for k, name in enumerate(NAMES):
        lat = 22.681 + 0.001 * k
        ends = ((114.201, lat), (114.214, lat))
        tags = {"highway": "primary" if k % 2 == 0 else "residential", "name": name}
        if max_tag_length is None or len(name) <= max_tag_length:
            ways.append((100 + k, (node_id, node_id + 1), tags))
            nodes += [(node_id, ends[0]), (node_id + 1, ends[1])]
        node_id += 2
    for k, (name, ends) in enumerate(RIVERS.items()):
        ways.append((200 + k, (node_id, node_id + 1), {"waterway": "river", "name": name}))
        nodes += [(node_id, ends[0]), (node_id + 1, ends[1])]
        node_id += 2
    for nid, (lon, lat) in nodes:
        ET.SubElement(root, "node", id=str(nid), version="1", lat=f"{lat:.7f}",
                      lon=f"{lon:.7f}")
    for wid, refs, tags in ways:
        way = ET.SubElement(root, "way", id=str(wid), version="1")
        for ref in refs:
            ET.SubElement(way, "nd", ref=str(ref))
        for key, value in tags.items():
            ET.SubElement(way, "tag", k=key, v=value)
    ET.indent(root)
    return ET.ElementTree(root)


def write_pbf(pbf: Path) -> bool:
    """The same area as PBF, written with pyosmium, <bounds> kept as the HeaderBBox.

    libosmium refuses tag values longer than 255 characters (the OSM API's limit), so
    the road with the 10,000-character name is left out of the PBF twin.
    """
    try:
        import osmium
    except ImportError:
        return False
    import tempfile

    tmp = Path(tempfile.mkdtemp()) / "short.osm"
    build(max_tag_length=255).write(tmp, encoding="utf-8", xml_declaration=True)
    header = osmium.io.Header()
    header.add_box(osmium.osm.Box(osmium.osm.Location(BOUNDS[0], BOUNDS[1]),
                                  osmium.osm.Location(BOUNDS[2], BOUNDS[3])))
    header.set("generator", "geozz make_hostile.py")
    if pbf.exists():
        pbf.unlink()
    with osmium.SimpleWriter(str(pbf), header=header) as writer:
        for obj in osmium.FileProcessor(str(tmp)):
            writer.add(obj)
    tmp.unlink()
    tmp.parent.rmdir()
    return True


def main() -> int:
    xml = HERE / "hostile.osm"
    build().write(xml, encoding="utf-8", xml_declaration=True)
    made = write_pbf(HERE / "hostile.osm.pbf")
    print(xml, "and hostile.osm.pbf" if made else "(pyosmium not installed: no PBF)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
