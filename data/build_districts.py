"""Rebuild the embedded districts in data/ from the real files in ../shared/data.

Run from the repository root:  python data/build_districts.py [--shared ../shared/data]

For each district it writes data/<name>/:
  <name>.gpkg               layers boundary, roads, rivers (WGS-84), clipped to the boundary
  <osm stem>.osm.pbf        the OSM extract it was built from (a copy, unchanged)
  problems_simulated.csv    simulated problem records (geozz.datasets.simulate_problems)

longgang: boundary = the 龙岗 polygon of shenzhen_districts/sz.json cut to the <bounds>
          box of the OSM export (the PBF copy carries no header bbox, so the box is read
          from the .osm.bz2 of the same export).
haidian:  boundary = the <bounds> box of the OSM export.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import geopandas as gpd
import shapely

import geozz as gz
from geozz._osmfile import declared_bounds

HERE = Path(__file__).resolve().parent
DISTRICTS = {
    # name: (osm stem, display name, problem count, seed)
    "longgang": ("shenzhen_longgang", "龙岗区", 14000, 2024),
    "haidian": ("beijing_haidian", "海淀区", 9000, 2025),
}


def build(name: str, shared: Path) -> None:
    stem, display, n, seed = DISTRICTS[name]
    osm = shared / "osm_china_small"
    box = declared_bounds(osm / f"{stem}.osm.bz2")
    if name == "longgang":
        sz = gpd.read_file(shared / "shenzhen_districts" / "sz.json")
        poly = sz.loc[sz["qh"] == "龙岗", "geometry"].union_all()
        boundary = gpd.GeoDataFrame({"name": [display]},
                                    geometry=[shapely.intersection(poly, shapely.box(*box))],
                                    crs=4326)
    else:
        boundary = gpd.GeoDataFrame({"name": [display]}, geometry=[shapely.box(*box)],
                                    crs=4326)
    area = gz.read_osm(osm / f"{stem}.osm.pbf", boundary=boundary, name=display)
    out = HERE / name
    out.mkdir(exist_ok=True)
    area.to_file(out / f"{name}.gpkg")
    shutil.copyfile(osm / f"{stem}.osm.pbf", out / f"{stem}.osm.pbf")
    units = gz.build_units(area)
    raw = gz.datasets.simulate_problems(units, n=n, seed=seed)
    raw.to_csv(out / "problems_simulated.csv", index=False)
    print(f"{name}: {len(area.roads)} road lines, {len(area.rivers)} river lines, "
          f"{len(units)} units, {len(raw)} simulated records -> {out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE.parents[1] / "shared" / "data")
    parser.add_argument("names", nargs="*", default=list(DISTRICTS))
    args = parser.parse_args()
    for district in args.names:
        build(district, args.shared)
