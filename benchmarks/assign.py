"""assign against geopandas on synthetic data: regular grid, irregular polygons, corridors.

Run:  pip install -e ".[bench]" && python benchmarks/assign.py [--sizes 1M] [--cells 10k]
          [--cases grid,irregular,corridors] [--repeat 3]

For every case, number of points and number of units it prints one row: the time of
``gz.assign`` (end to end: checks, lookup, ledger of one row per point), the time of the
lookup alone (``points_of`` + ``cells_picked`` / ``corridors_picked``: the point -> unit
step that the geopandas call does), the time of the geopandas call, and both ratios
geopandas / geozz (above 1: geozz is faster).

- grid: a regular grid built by geozz (100 m cells, kept in its UTM CRS) vs
  ``gpd.sjoin(points, cells, predicate="intersects")``;
- irregular: Voronoi cells of random seeds (``shapely.voronoi_polygons``), clipped to the
  square, vs the same ``sjoin``;
- corridors: random segments buffered by 5-25 m (one road corridor each, with its centre
  line) vs ``gpd.sjoin_nearest(points, centre lines, max_distance=<largest half width>)``.

Points are uniform over a square a little larger than the units' (some fall outside).
The full run (1M and 5M points, 10k and 100k units) takes minutes; CI never runs it.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import geozz as gz
from geozz.assignment.corridors import corridors_picked
from geozz.assignment.grid import cells_picked
from geozz.assignment.polygons import points_of
from geozz.units import grid

CRS = 32650
X0, Y0 = 800000.0, 2500000.0  # UTM 50N, Shenzhen
CELL = 100.0


def count(text: str) -> int:
    """``"1M"`` -> 1_000_000, ``"10k"`` -> 10_000."""
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * mult)


def timed(fn, repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def side_for(cells: int) -> float:
    return float(np.ceil(np.sqrt(cells)) * CELL)


def points(n: int, side: float, rng) -> gpd.GeoDataFrame:
    pad = 0.02 * side
    x = rng.uniform(X0 - pad, X0 + side + pad, n)
    y = rng.uniform(Y0 - pad, Y0 + side + pad, n)
    ids = pd.Index(np.char.add("P", np.char.zfill(np.arange(n).astype(str), 9)).astype(object),
                   name="problem_id")
    return gpd.GeoDataFrame({"category": "piles"}, geometry=gpd.points_from_xy(x, y),
                            crs=CRS, index=ids)


def frame(geoms, prefix: str, unit_type: str, centre=None) -> gpd.GeoDataFrame:
    ids = pd.Index([f"{prefix}{k}" for k in range(len(geoms))], name="unit_id")
    out = gpd.GeoDataFrame({"unit_type": unit_type}, geometry=list(geoms), crs=CRS, index=ids)
    if centre is not None:
        out["centerline"] = gpd.GeoSeries(list(centre), index=ids, crs=CRS)
    return out


def grid_units(cells: int, rng) -> gpd.GeoDataFrame:
    side = side_for(cells)
    square = shapely.box(X0, Y0, X0 + side, Y0 + side)
    return grid(gpd.GeoSeries([square], crs=CRS), size=CELL)


def voronoi_units(cells: int, rng) -> gpd.GeoDataFrame:
    side = side_for(cells)
    square = shapely.box(X0, Y0, X0 + side, Y0 + side)
    seeds = shapely.multipoints(np.column_stack([rng.uniform(X0, X0 + side, cells),
                                                 rng.uniform(Y0, Y0 + side, cells)]))
    parts = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=square))
    return frame(shapely.intersection(parts, square), "V-", "grid")


def corridor_units(cells: int, rng) -> gpd.GeoDataFrame:
    side = side_for(cells)
    x, y = rng.uniform(X0, X0 + side, cells), rng.uniform(Y0, Y0 + side, cells)
    angle, length = rng.uniform(0, np.pi, cells), rng.uniform(100, 400, cells)
    lines = shapely.linestrings(np.stack([np.column_stack([x, y]),
                                          np.column_stack([x + length * np.cos(angle),
                                                           y + length * np.sin(angle)])],
                                         axis=1))
    half = rng.uniform(5, 25, cells)
    units = frame(shapely.buffer(lines, half, cap_style="flat"), "R-", "road", lines)
    units["half_width"] = half
    return units


BUILD = {"grid": grid_units, "irregular": voronoi_units, "corridors": corridor_units}


def run(case: str, n: int, cells: int, repeat: int, rng) -> tuple:
    units = BUILD[case](cells, rng)
    pts = points(n, side_for(cells), rng)
    geoms = units.geometry.to_numpy()
    ids = units.index.to_numpy()
    arr = pts.geometry.to_numpy()
    t_gz, ledger = timed(lambda: gz.assign(pts, units), repeat)
    if case == "corridors":
        lines = units["centerline"].to_numpy()
        t_core, _ = timed(lambda: corridors_picked(points_of(arr), geoms, centre=lines,
                                                   ids=ids), repeat)
        centre = gpd.GeoDataFrame(geometry=units["centerline"].values, crs=CRS)
        w = float(units["half_width"].max())
        t_gp, _ = timed(lambda: gpd.sjoin_nearest(pts[["geometry"]], centre, max_distance=w),
                        repeat)
    else:
        t_core, _ = timed(lambda: cells_picked(points_of(arr), geoms, ids=ids), repeat)
        t_gp, _ = timed(lambda: gpd.sjoin(pts[["geometry"]], units[["geometry"]],
                                          predicate="intersects"), repeat)
    placed = int(ledger["unit_id"].notna().sum())
    return case, n, len(units), placed, t_gz, t_core, t_gp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1M,5M", help="numbers of points, e.g. 1M,5M")
    ap.add_argument("--cells", default="10k,100k", help="numbers of units, e.g. 10k,100k")
    ap.add_argument("--cases", default="grid,irregular,corridors")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    head = (f"{'case':<10}{'points':>9}{'units':>8}{'placed':>9}{'assign s':>10}"
            f"{'lookup s':>10}{'geopandas s':>13}{'gp/assign':>11}{'gp/lookup':>11}")
    print(head, flush=True)
    for case in [c.strip() for c in args.cases.split(",")]:
        for cells in map(count, args.cells.split(",")):
            for n in map(count, args.sizes.split(",")):
                case_, n_, units, placed, t_gz, t_core, t_gp = run(case, n, cells,
                                                                    args.repeat, rng)
                print(f"{case_:<10}{n_:>9}{units:>8}{placed:>9}{t_gz:>10.3f}{t_core:>10.3f}"
                      f"{t_gp:>13.3f}{t_gp / t_gz:>11.1f}{t_gp / t_core:>11.1f}", flush=True)


if __name__ == "__main__":
    main()
