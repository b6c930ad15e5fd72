"""Speed and size of geozz stages as ratios against plain geopandas, in the same run.

Run:  pip install -e ".[bench]" && python benchmarks/bench_pipeline.py [--n 200000] [--grid-size 50]

- assign vs geopandas.sjoin (predicate "intersects", one join per unit layer, which does
  none of geozz's work: no border rule, no nearest centreline, no outside rows, no checks);
- read_problems on a CSV vs pandas.read_csv + geopandas.points_from_xy;
- star_map HTML vs GeoDataFrame.explore() HTML of the same units (size and time to write).
Prints a table; no numbers are asserted anywhere.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

import geozz as gz


def timed(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--grid-size", type=float, default=50)
    args = ap.parse_args()
    area = gz.datasets.longgang()
    units = gz.build_units(area, grid_size=args.grid_size)
    tmp = Path(tempfile.mkdtemp())
    raw = gz.datasets.simulate_problems(units, n=args.n, seed=1)
    csv = tmp / "p.csv"
    raw.to_csv(csv, index=False)
    rows = []

    t_gz, (problems, rejects) = timed(lambda: gz.read_problems(csv), 1)
    t_pd, _ = timed(lambda: gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(*[pd.to_numeric(pd.read_csv(csv)[c], errors="coerce")
                                      for c in ("经度", "纬度")]), crs=4326), 1)
    rows.append(("read_problems vs read_csv+points_from_xy", len(raw), t_gz, t_pd))

    t_gz, ledger = timed(lambda: gz.assign(problems, units))
    pts = gpd.GeoDataFrame(geometry=problems.geometry.to_crs(units.crs))

    def plain():
        return [gpd.sjoin(pts, layer[["geometry"]], predicate="intersects")
                for _, layer in units.groupby("unit_type")]
    t_gp, _ = timed(plain)
    rows.append(("assign vs sjoin per layer", len(problems), t_gz, t_gp))

    ratings = gz.rate(ledger, units)
    t_gz, m = timed(lambda: gz.star_map(units, ratings, unit_types=["grid"]).save(
        str(tmp / "star.html")), 1)
    grid = units[units["unit_type"] == "grid"].drop(columns="centerline")
    last = ratings[ratings["period"] == ratings["period"].max()].set_index("unit_id")
    grid = grid.join(last[["score", "stars"]])
    t_gp, _ = timed(lambda: grid.explore(column="stars").save(str(tmp / "explore.html")), 1)
    rows.append(("star_map vs explore (write html)", len(grid), t_gz, t_gp))
    s_gz = (tmp / "star.html").stat().st_size
    s_gp = (tmp / "explore.html").stat().st_size

    print(f"{'what':<45}{'n':>9}{'geozz s':>10}{'geopandas s':>13}{'ratio':>8}")
    for what, n, a, b in rows:
        print(f"{what:<45}{n:>9}{a:>10.3f}{b:>13.3f}{a / b:>8.2f}")
    print(f"{'html size star_map vs explore (MB)':<45}{len(grid):>9}{s_gz / 1e6:>10.2f}"
          f"{s_gp / 1e6:>13.2f}{s_gz / s_gp:>8.2f}")


if __name__ == "__main__":
    main()
