"""Daily patrol routes on Longgang: PyVRP's routes against the nearest-hot-unit baseline.

Run:  pip install -e . && python benchmarks/patrol.py [--officers 3] [--budget-km 10]
          [--time-limit 5] [--seeds 0,1,2] [--out patrol-bench/]

The prize of a unit is its problems per month in the simulated records (the ledger's
counts / 12; ``gz.forecast.risk`` will give the expected problems instead). For each mode
(walk: one-ways ignored; drive: one-ways kept, footways left out) it prints the prize the
greedy baseline collects (``gz.patrol.greedy``: the nearest hot unit next), the prize the
solver collects for each seed, the solver's time, the stops and the longest route, and
writes the routes of the first seed (GeoJSON, GPX and an offline page per officer) to
``--out/<mode>/``. Nothing is asserted; the numbers in docs/patrol.md come from it.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import geozz as gz


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--officers", type=int, default=3)
    ap.add_argument("--budget-km", type=float, default=10.0)
    ap.add_argument("--time-limit", type=float, default=5.0)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--out", type=Path, default=Path("patrol-bench"))
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    area = gz.datasets.longgang()
    units = gz.build_units(area, grid_size=200)
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    ledger = gz.assign(problems, units)
    prize = ledger.groupby("unit_id").size() / 12
    osm = gz.datasets.path("longgang") / "shenzhen_longgang.osm.pbf"
    budget = args.budget_km * 1000
    print(f"Longgang: {len(units)} units, {int((prize > 0).sum())} with a prize "
          f"({prize.sum():.1f} problems per month in all); {args.officers} officers × "
          f"{args.budget_km:g} km")
    print("| mode | network (nodes / one-ways) | greedy prize | solver prize (per seed) | "
          "solver / greedy | solver time s | stops (greedy → solver) | longest route km |")
    print("|---|---|---|---|---|---|---|---|")
    for mode in ("walk", "drive"):
        t = time.perf_counter()
        net = gz.patrol.street_network(osm, mode=mode, crs=units.crs)
        t_net = time.perf_counter() - t
        common = dict(officers=args.officers, budget_m=budget, network=net, mode=mode)
        g = gz.patrol.greedy(osm, units, prize, **common)
        runs = []
        for seed in seeds:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                runs.append(gz.patrol.routes(osm, units, prize, time_limit=args.time_limit,
                                             seed=seed, **common))
        best = [r["prize"].sum() for r in runs]
        times = [r.attrs["patrol"]["time_s"] for r in runs]
        fallbacks = sum(r.attrs["patrol"]["fallback"] for r in runs)
        print(f"| {mode} | {net.n_nodes} / {net.meta['oneway']} ({t_net:.1f} s) | "
              f"{g['prize'].sum():.1f} | {' / '.join(f'{b:.1f}' for b in best)} | "
              f"{min(best) / g['prize'].sum():.2f}–{max(best) / g['prize'].sum():.2f} | "
              f"{max(times):.1f} | {g['n_stops'].sum()} → "
              f"{' / '.join(str(r['n_stops'].sum()) for r in runs)} | "
              f"{max(r['distance_m'].max() for r in runs) / 1000:.2f}"
              + (f" ({fallbacks} fell back to greedy)" if fallbacks else "") + " |")
        gz.patrol.write(runs[0], args.out / mode, streets=area.roads)
    print(f"routes written to {args.out.resolve()}/<mode>/")


if __name__ == "__main__":
    main()
