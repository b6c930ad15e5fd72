"""read_osm (and build_units) against pyosmium and osmnx's own XML reader, on real extracts.

Run:  pip install -e ".[bench]" && python benchmarks/osm.py [--repeat 3] [FILE ...]

For every file it prints one row: the file's size, then the CPU time (``time.process_time``,
so other work on a shared machine counts less) of each, the median of ``--repeat`` runs:

- ``pyosmium``: pyosmium reading every ``highway`` and ``waterway`` way with its node
  locations (``FileProcessor(...).with_locations()``, the coordinates taken to Python) —
  the floor: a reader can hardly do less;
- ``read_osm``: ``gz.read_osm(path)``;
- ``build``: ``gz.build_units(area, grid_size=200)`` on the area read;
- ``+units``: ``gz.read_osm(path)`` then ``gz.build_units(area, grid_size=200)``;
- ``osmnx xml``: ``ox.graph_from_xml`` on the same data as plain XML (converted once,
  before timing, with pyosmium; osmnx reads no PBF), the street graph alone;

and the ratios read_osm / pyosmium, +units / pyosmium and osmnx xml / read_osm (above 1:
geozz is faster). By default the files are the bundled extracts (data/longgang, data/haidian),
the cut extracts of the tests (tests/data/osm/cut) and, when the shared data folder is
beside the repository, the Aguascalientes PBF (../shared/data/osm_aguascalientes_mx).
A second table times the bundled districts the demo reads (``gz.datasets.longgang()``,
``haidian()``; Longgang with and without its demo zones as ``admin=``): ``read`` (the
GeoPackage, and the zones), ``build`` (``build_units``) and both.
Warnings (what an extract left out) are silenced. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import osmium
import osmnx as ox

import geozz as gz
from geozz._osmfile import convert

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "data" / "longgang" / "shenzhen_longgang.osm.pbf",
         ROOT / "data" / "haidian" / "beijing_haidian.osm.pbf",
         ROOT / "tests" / "data" / "osm" / "cut" / "longgang_box.osm.pbf",
         ROOT / "tests" / "data" / "osm" / "cut" / "haidian_polygon.osm.pbf",
         ROOT.parent / "shared" / "data" / "osm_aguascalientes_mx" / "aguascalientes.osm.pbf"]


def timed(fn, repeat: int) -> float:
    """The median CPU time of ``repeat`` runs of ``fn``, seconds."""
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return statistics.median(times)


def pyosmium_ways(path: Path) -> int:
    """Every highway and waterway way with its node locations, in Python."""
    n = 0
    fp = (osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
          .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
          .with_filter(osmium.filter.KeyFilter("highway", "waterway")))
    for way in fp:
        coords = [(nd.ref, nd.location.lon, nd.location.lat) if nd.location.valid() else None
                  for nd in way.nodes]
        n += len(coords)
    return n


def osmnx_xml(xml: Path) -> str:
    try:
        ox.graph_from_xml(xml, simplify=True, retain_all=True, bidirectional=True)
        return ""
    except Exception as exc:  # osmnx refuses extracts whose ways lose nodes at the edge
        return type(exc).__name__


def read(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gz.read_osm(path)


def units(path: Path):
    return gz.build_units(read(path), grid_size=200)


def districts(repeat: int) -> None:
    """The bundled GeoPackages, and the Longgang demo zones as admin areas."""
    print(f"\n{'district':<26}{'read':>10}{'build':>10}{'both':>10}", flush=True)
    for name, zones in (("longgang", False), ("longgang", True), ("haidian", False)):
        load = getattr(gz.datasets, name)

        def read_all(load=load, zones=zones, name=name):
            return load(), (gz.datasets.zones(name) if zones else None)

        def build(area, admin):
            return gz.build_units(area, grid_size=200, admin=admin)

        area, admin = read_all()
        build(area, admin)  # warm up
        t_read = timed(read_all, repeat)
        t_build = timed(lambda: build(area, admin), repeat)
        t_both = timed(lambda: build(*read_all()), repeat)
        label = f"{name}{' + zones' if zones else ''}"
        print(f"{label:<26}{t_read:>10.3f}{t_build:>10.3f}{t_both:>10.3f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", type=Path, help="OSM files (default: see above)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    files = args.files or [f for f in FILES if f.exists()]
    head = (f"{'file':<26}{'KB':>6}{'pyosmium':>10}{'read_osm':>10}{'build':>8}{'+units':>9}"
            f"{'osmnx xml':>11}{'read/pyo':>10}{'units/pyo':>10}{'xml/read':>10}")
    print(head, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            area = read(path)  # warm up: imports, caches
            gz.build_units(area, grid_size=200)
            t_build = timed(lambda: gz.build_units(area, grid_size=200), args.repeat)
            t_pyo = timed(lambda: pyosmium_ways(path), args.repeat)
            t_read = timed(lambda: read(path), args.repeat)
            t_units = timed(lambda: units(path), args.repeat)
            xml = convert(path, Path(tmp) / f"{path.name.split('.')[0]}.osm")
            failed = osmnx_xml(xml)
            t_xml = timed(lambda: osmnx_xml(xml), args.repeat)
            xml_cell = f"{'fails' if failed else f'{t_xml:.3f}':>11}"
            ratio = f"{'-' if failed else f'{t_xml / t_read:.1f}':>10}"
            print(f"{path.name[:25]:<26}{path.stat().st_size // 1024:>6}{t_pyo:>10.3f}"
                  f"{t_read:>10.3f}{t_build:>8.3f}{t_units:>9.3f}{xml_cell}"
                  f"{t_read / t_pyo:>10.1f}"
                  f"{t_units / t_pyo:>10.1f}{ratio}", flush=True)
    if not args.files:
        districts(args.repeat)


if __name__ == "__main__":
    main()
