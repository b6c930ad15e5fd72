"""The forecast backtest on the Longgang demo (simulated, by month) and the San Francisco
311 sample (real, by census tract and year): the tables of ``docs/forecast.md``.

Run: ``python benchmarks/forecast_backtest.py`` (prints Markdown tables and the time).
Each row is the mean over the periods forecast (rolling origin: each period forecast
from the periods before it only) of one method at one share of the area flagged.
"""

from __future__ import annotations

import time

import pandas as pd

import geozz as gz


def table(bt: pd.DataFrame) -> str:
    s = gz.forecast.summary(bt)
    s["share"] = (s["share"] * 100).round().astype(int).astype(str) + " %"
    cols = ["layer", "share", "method", "periods", "hit_rate", "pai", "pei", "mae", "brier"]
    s = s[cols].round({"hit_rate": 3, "pai": 2, "pei": 3, "mae": 2, "brier": 3})
    head = "| " + " | ".join(cols) + " |\n|" + "---|" * len(cols) + "\n"
    return head + "\n".join("| " + " | ".join(str(v) for v in row) + " |"
                            for row in s.itertuples(index=False))


def wins(bt: pd.DataFrame, model: str, baselines=("last", "mean3", "kde")) -> str:
    """In how many (period, layer, share) the model's PAI beats the best baseline's."""
    p = bt.pivot_table(index=["period", "layer", "share"], columns="method", values="pai")
    best = p[list(baselines)].max(axis=1)
    return f"{model}: PAI above the best baseline in {(p[model] > best).sum()} of {len(p)}, " \
           f"equal in {(p[model] == best).sum()}"


def main() -> None:
    t0 = time.perf_counter()
    area = gz.datasets.longgang()
    units = gz.build_units(area, grid_size=200, admin=gz.datasets.zones("longgang"))
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    ledger = gz.assign(problems, units)
    t1 = time.perf_counter()
    bt = gz.forecast.backtest(ledger, units, freq="M")
    t2 = time.perf_counter()
    print(f"## Longgang (simulated), by month: {len(units)} units, {len(ledger)} ledger rows; "
          f"backtest {t2 - t1:.1f} s (data {t1 - t0:.1f} s)\n")
    print(table(bt))
    print()
    for m in ("glm", "hgb"):
        print("- " + wins(bt, m))
    print()

    tracts = gz.datasets.sf311_tracts()
    sf, _ = gz.datasets.sf311_problems()
    led = gz.assign(sf, tracts)
    led = led[led["found_at"] < pd.Timestamp("2016-01-01", tz="America/Los_Angeles")]
    t1 = time.perf_counter()
    bt2 = gz.forecast.backtest(led, tracts, freq="Y")
    t2 = time.perf_counter()
    print(f"## San Francisco 311 (real), by tract and year 2008-2015: {len(tracts)} tracts, "
          f"{len(led)} cases; backtest {t2 - t1:.1f} s\n")
    print(table(bt2))
    print()
    for m in ("glm", "hgb"):
        print("- " + wins(bt2, m))


if __name__ == "__main__":
    main()
