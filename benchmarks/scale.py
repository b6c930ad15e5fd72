"""A province on one machine: assign + rate of 1 M, 5 M, 20 M problems, both engines.

Run:  pip install -e ".[dask]" && python benchmarks/scale.py [--sizes 1M,5M,20M]
          [--cells 200k] [--workers 1,2] [--data /tmp/geozz-scale] [--engines single,dask,sjoin]

Synthetic problems (uniform over a regular 100 m grid of ``--cells`` cells built by
geozz, a little beyond it so some fall outside; 12 months of 2024, seven categories,
statuses, deadlines, rectification times) are written once per size as a problems
dataset partitioned by month (``geozz.tables.problems.write_partitioned`` layout), the
cells as GeoParquet. Every measurement runs in a fresh child process; a sampler in this
process adds up the resident memory of the child and all its descendants (the dask
workers) every 0.2 s, so *peak* is the whole job's, workers included:

- ``single``: ``read_partitioned`` (the whole dataset into memory), ``gz.assign``,
  ``gz.rate`` (freq "M") in one process, with the memory check on: when the machine
  has not the memory, the row says ``refused`` (the ``InputError`` naming
  ``engine="dask"``) and how long the refusal took;
- ``dask``: ``gz.assign(folder, units, engine="dask", out=ledger folder)`` and
  ``gz.rate(ledger folder, units, engine="dask")`` on a LocalCluster of 1 or 2 worker
  processes (one thread each, memory limit per worker: the machine's / workers);
- ``sjoin``: the problems read into memory, then ``gpd.sjoin(problems, cells,
  predicate="intersects")`` (the join alone: the assign step's counterpart; no rating).

The ratio column is ``sjoin`` join time / the engine's assign time (above 1: geozz
faster). Nothing is asserted. 20 M problems take tens of minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

CRS = 32650
X0, Y0 = 800000.0, 2500000.0
CELL = 100.0
CATS = np.array(["exposed_garbage", "piles", "illegal_construction", "sewage",
                 "street_vending", "illegal_ads", "damaged_facilities"], dtype=object)


def count(text: str) -> int:
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * mult)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1_000}k"


# ---- data ---------------------------------------------------------------------------

def make_units(cells: int, path: Path) -> None:
    import geopandas as gpd
    import shapely

    from geozz.tables.units import write_units
    from geozz.units import grid

    side = float(np.ceil(np.sqrt(cells)) * CELL)
    square = shapely.box(X0, Y0, X0 + side, Y0 + side)
    write_units(grid(gpd.GeoSeries([square], crs=CRS), size=CELL), path)


def make_problems(n: int, cells: int, folder: Path, seed: int = 0) -> None:
    """``n`` problems over 12 months, written month by month (never all in memory)."""
    import geopandas as gpd
    import pandas as pd

    from geozz._io import atomic_dir
    from geozz.tables import _partitions
    from geozz.tables.problems import _stored

    rng = np.random.default_rng(seed)
    side = float(np.ceil(np.sqrt(cells)) * CELL)
    pad = 0.01 * side
    per = np.diff(np.linspace(0, n, 13).astype(np.int64))
    start = 0
    with atomic_dir(folder, marker_text=_partitions.marker("problems", "M", None)) as tmp:
        for month, m in enumerate(per, start=1):
            x = rng.uniform(X0 - pad, X0 + side + pad, m)
            y = rng.uniform(Y0 - pad, Y0 + side + pad, m)
            first = pd.Timestamp(f"2024-{month:02d}-01", tz="Asia/Shanghai")
            span = ((first + pd.offsets.MonthBegin(1)) - first).total_seconds()
            found = first + pd.to_timedelta(rng.integers(0, int(span), m), unit="s")
            status = rng.choice(np.array(["open", "rectified", "verified", "reopened"],
                                         dtype=object), m, p=[0.2, 0.3, 0.45, 0.05])
            fix = pd.to_timedelta(rng.integers(3600, 20 * 24 * 3600, m), unit="s")
            ids = pd.Index(np.char.add("P", np.char.zfill(
                np.arange(start, start + m).astype(str), 9)), name="problem_id", dtype="str")
            frame = gpd.GeoDataFrame({
                "category": pd.array(CATS[rng.integers(0, len(CATS), m)], dtype="str"),
                "found_at": found,
                "source": pd.array(rng.choice(np.array(["patrol", "complaint"], dtype=object),
                                              m), dtype="str"),
                "status": pd.array(status, dtype="str"),
                "deadline": found + pd.Timedelta(days=3),
                "rectified_at": pd.Series(found + fix).where(status != "open").to_numpy(),
                "report_count": np.ones(m, dtype=np.int64),
                "recurrent": rng.random(m) < 0.05,
            }, geometry=gpd.points_from_xy(x, y), crs=CRS, index=ids)
            frame = frame.to_crs(4326)  # problems are WGS-84 points, as read_problems gives
            _partitions.write_part(_stored(frame), tmp, part=0, freq="M")
            start += m


# ---- one measurement, in a child process -------------------------------------------

def one(engine: str, data: Path, workers: int) -> dict:
    import geopandas as gpd

    import geozz as gz
    from geozz.errors import InputError
    from geozz.tables import _partitions
    from geozz.tables import problems as problems_table
    from geozz.tables import units as units_table

    units = units_table.read(data / "units.parquet")
    out: dict = {}
    t0 = time.perf_counter()
    if engine == "single":
        try:
            problems = problems_table.read_partitioned(data / "problems")
            out["read_s"] = time.perf_counter() - t0
            t = time.perf_counter()
            ledger = gz.assign(problems, units)
            out["assign_s"] = time.perf_counter() - t
            del problems
            t = time.perf_counter()
            ratings = gz.rate(ledger, units)
            out["rate_s"] = time.perf_counter() - t
            out["ratings"] = len(ratings)
        except InputError as exc:
            out["refused"] = str(exc).splitlines()[-1].strip()[:300]
    elif engine == "dask":
        from distributed import Client, LocalCluster

        from geozz._memory import available_bytes

        limit = int(available_bytes() * 0.8 / workers)
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          memory_limit=limit, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            out["start_s"] = time.perf_counter() - t0
            t = time.perf_counter()
            folder = gz.assign(str(data / "problems"), str(data / "units.parquet"),
                               engine="dask", scheduler=client, out=data / "ledger")
            out["assign_s"] = time.perf_counter() - t
            t = time.perf_counter()
            ratings = gz.rate(str(folder), units, engine="dask", scheduler=client)
            out["rate_s"] = time.perf_counter() - t
            out["ratings"] = len(ratings)
            out["ledger_rows"] = _partitions.rows(_partitions.files(folder, kind="ledger"))
    else:  # plain geopandas
        problems = problems_table.read_partitioned(data / "problems", check_memory=False)
        out["read_s"] = time.perf_counter() - t0
        problems = problems.to_crs(units.crs)
        t = time.perf_counter()
        joined = gpd.sjoin(problems[["geometry"]], units[["geometry"]], how="left",
                           predicate="intersects")
        out["assign_s"] = time.perf_counter() - t
        out["rows"] = len(joined)
    out["total_s"] = time.perf_counter() - t0
    return out


def measured(cmd: list[str], env: dict | None = None) -> dict:
    """Run ``cmd``; its JSON answer, wall time and the peak memory of its process tree."""
    import psutil

    peak = [0]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    ps = psutil.Process(proc.pid)
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            try:
                tree = [ps] + ps.children(recursive=True)
                rss = 0
                for p in tree:
                    try:
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak[0] = max(peak[0], rss)
            except psutil.Error:
                pass
            time.sleep(0.2)

    th = threading.Thread(target=sample, daemon=True)
    t = time.perf_counter()
    th.start()
    text, _ = proc.communicate()
    wall = time.perf_counter() - t
    stop.set()
    th.join()
    try:
        got = json.loads(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        got = {"failed": f"exit code {proc.returncode}"}
    got.update(wall_s=wall, peak_gib=peak[0] / 2**30, code=proc.returncode)
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1M,5M,20M")
    ap.add_argument("--cells", default="200k")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--engines", default="single,dask,sjoin")
    ap.add_argument("--data", default="/tmp/geozz-scale")
    ap.add_argument("--sjoin-max", default="5M", help="largest size plain sjoin is run on")
    ap.add_argument("--one", nargs=3, metavar=("ENGINE", "DATA", "WORKERS"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        engine, data, workers = args.one
        print(json.dumps(one(engine, Path(data), int(workers))))
        return
    cells = count(args.cells)
    root = Path(args.data)
    engines = args.engines.split(",")
    rows = []
    print(f"{'problems':>9} {'engine':<9} {'workers':>7} {'assign s':>9} {'rate s':>7} "
          f"{'wall s':>7} {'peak GiB':>8} {'sjoin/assign':>12}  note", flush=True)
    for size in [count(s) for s in args.sizes.split(",")]:
        data = root / f"{label(size)}-{label(cells)}"
        if not (data / "units.parquet").exists():
            data.mkdir(parents=True, exist_ok=True)
            t = time.perf_counter()
            make_units(cells, data / "units.parquet")
            make_problems(size, cells, data / "problems")
            print(f"# data {data}: {time.perf_counter() - t:.0f} s", flush=True)
        runs = []
        if "sjoin" in engines and size <= count(args.sjoin_max):
            runs.append(("sjoin", 1))
        if "single" in engines:
            runs.append(("single", 1))
        if "dask" in engines:
            runs += [("dask", int(w)) for w in args.workers.split(",")]
        sjoin_s = None
        for engine, workers in runs:
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH"))
                if p)
            got = measured([sys.executable, __file__, "--one", engine, str(data),
                            str(workers)], env)
            if engine == "sjoin":
                sjoin_s = got.get("assign_s")
            ratio = f"{sjoin_s / got['assign_s']:.2f}" if sjoin_s and got.get("assign_s") \
                and engine != "sjoin" else ""
            note = got.get("refused") or got.get("failed") or ""
            print(f"{label(size):>9} {engine:<9} {workers:>7} "
                  f"{got.get('assign_s', float('nan')):>9.1f} "
                  f"{got.get('rate_s', float('nan')):>7.1f} {got['wall_s']:>7.1f} "
                  f"{got['peak_gib']:>8.2f} {ratio:>12}  {note}", flush=True)
            rows.append({"problems": size, "cells": cells, "engine": engine,
                         "workers": workers, **got})
    (root / "results.json").write_text(json.dumps(rows, indent=1, default=str))


if __name__ == "__main__":
    main()
