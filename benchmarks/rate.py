"""Benchmark: rate 100 k units x 12 months from a 5 M-row ledger.

Prints the time of ``gz.rate`` and of a pandas-only baseline (one groupby counting
problems per unit, month and category: the least any rating must do) and their ratio.
Run: ``python benchmarks/rate.py [n_units] [n_rows]``.
"""

from __future__ import annotations

import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import box

import geozz as gz


def data(n_units: int, n_rows: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_units)))
    i = np.arange(n_units)
    x, y = (i % side) * 100.0, (i // side) * 100.0
    units = gpd.GeoDataFrame({"unit_type": "grid", "name": [f"u{k}" for k in i],
                              "admin": "", "area_m2": 1e4},
                             geometry=box(x, y, x + 100, y + 100), crs=32650,
                             index=pd.Index([f"u{k}" for k in i], name="unit_id"))
    cats = np.array(["exposed_garbage", "piles", "illegal_construction", "sewage",
                     "street_vending", "illegal_ads", "damaged_facilities"], dtype=object)
    start = pd.Timestamp("2024-01-01", tz="Asia/Shanghai")
    found = start + pd.to_timedelta(rng.integers(0, 365 * 24 * 3600, n_rows), unit="s")
    fix = pd.to_timedelta(rng.integers(3600, 20 * 24 * 3600, n_rows), unit="s")
    status = rng.choice(np.array(["open", "rectified", "verified", "reopened"], dtype=object),
                        n_rows, p=[0.2, 0.3, 0.45, 0.05])
    ledger = pd.DataFrame({
        "problem_id": np.char.add("p", np.arange(n_rows).astype(str)).astype(object),
        "unit_id": units.index.to_numpy()[rng.integers(0, n_units, n_rows)],
        "unit_type": "grid", "category": cats[rng.integers(0, len(cats), n_rows)],
        "found_at": found, "status": status,
        "deadline": found + pd.Timedelta(days=3),
        "rectified_at": pd.Series(found + fix).where(status != "open"),
        "source": rng.choice(np.array(["patrol", "complaint"], dtype=object), n_rows),
        "recurrent": rng.random(n_rows) < 0.1})
    return units, ledger


def main(n_units: int = 100_000, n_rows: int = 5_000_000) -> None:
    units, ledger = data(n_units, n_rows)
    t0 = time.perf_counter()
    base = (ledger.assign(_m=ledger["found_at"].dt.tz_localize(None).dt.to_period("M"))
            .groupby(["unit_id", "_m", "category"]).size())
    t1 = time.perf_counter()
    ratings = gz.rate(ledger, units, freq="M")
    t2 = time.perf_counter()
    print(f"{n_units} units x {ratings['period'].nunique()} months, {n_rows} ledger rows")
    print(f"pandas groupby baseline: {t1 - t0:.2f} s ({len(base)} groups)")
    print(f"gz.rate:                 {t2 - t1:.2f} s ({len(ratings)} rating rows)")
    print(f"ratio rate / baseline:   {(t2 - t1) / (t1 - t0):.2f}")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:3]))
