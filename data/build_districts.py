"""Rebuild the embedded districts in data/ from the real files in ../shared/data.

Run from the repository root:  python data/build_districts.py [--shared ../shared/data]

For each district it writes data/<name>/:
  <name>.gpkg               layers boundary, roads, rivers (WGS-84), clipped to the boundary
  <osm stem>.osm.pbf        the OSM extract it was built from (a copy, unchanged)
  problems_simulated.csv    simulated problem records (geozz.datasets.simulate_problems)
  zones_simulated.geojson   (longgang) demo zones 片区: Voronoi cells of real OSM landmarks,
                            clipped to the boundary; invented, and named so (模拟)

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
    "longgang": ("shenzhen_longgang", "龙岗区", 30000, 2024),
    "haidian": ("beijing_haidian", "海淀区", 9000, 2025),
}
#: hot spots of the simulated records (simulate_problems keywords), calibrated so that a
#: month spans every star level and the 80 % target is at stake in some zones
SIMULATION = {"longgang": dict(hotspots=8, hotspot_radius=450, hotspot_weight=40)}
#: demo zones (片区) of a district: zone name -> the OSM feature its Voronoi cell grows
#: from (the largest feature of that name). No street (街道) boundaries exist in the data:
#: these zones are invented for the demo and every name says so.
ZONES = {"longgang": {"龙口": "龙口水库", "大运": "大运山公园", "龙岗体育中心": "龙岗区体育中心",
                      "荷坳": "荷坳服务区", "爱联": "爱联"}}


def zones(name: str, area, pbf: Path) -> gpd.GeoDataFrame:
    """The demo zones of a district: one Voronoi cell per landmark, within the boundary."""
    import numpy as np
    import pandas as pd

    feats = pd.concat([gpd.read_file(pbf, layer=layer)[["name", "geometry"]]
                       for layer in ("multipolygons", "points")])
    utm = area.boundary.estimate_utm_crs()
    inside = area.boundary.to_crs(utm).union_all()
    seeds = []
    for zone, feature in ZONES[name].items():
        g = feats[feats["name"] == feature].to_crs(utm).geometry
        seeds.append(g.iloc[int(np.argmax(g.area.to_numpy()))].centroid)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds),
                                                       extend_to=inside))
    named = [next(z for z, p in zip(ZONES[name], seeds) if c.contains(p)) for c in cells]
    out = gpd.GeoDataFrame({"区县": area.name, "片区": [f"{z}片区（模拟）" for z in named]},
                           geometry=shapely.intersection(cells, inside), crs=utm)
    return out.sort_values("片区").to_crs(4326).reset_index(drop=True)


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
    admin = None
    if name in ZONES:
        zones(name, area, osm / f"{stem}.osm.pbf").to_file(out / "zones_simulated.geojson",
                                                          driver="GeoJSON")
        admin = gz.datasets.zones(name)
    units = gz.build_units(area, admin=admin)
    raw = gz.datasets.simulate_problems(units, n=n, seed=seed, **SIMULATION.get(name, {}))
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
