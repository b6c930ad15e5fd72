"""``geozz forecast LEDGER UNITS -o backtest.csv --risk risk.geojson``: where next.

LEDGER is a ledger written by ``geozz assign`` (CSV or Parquet, with the ``recurrent``
flag); UNITS is any file :func:`geozz.read_units` reads. The rolling-origin backtest of
every method (:func:`geozz.forecast.backtest`) goes to ``--out`` (CSV); the risk layer of
the next period (:func:`geozz.forecast.risk`: the units with ``expected``, ``p_recur``,
``density``, ``risk_rank`` and ``reason``) to ``--risk`` (GeoJSON in WGS-84, or
GeoParquet in the units' CRS). Printed: the backtest averaged over periods per layer and
share, and the units at the top of the risk layer.
"""

from __future__ import annotations

from pathlib import Path

import click

from ._common import (
    echo_for,
    force_option,
    ledger_and_units,
    ledger_tz_option,
    out_path,
    stages,
    units_file_options,
)

__all__ = ["forecast"]

_TOP = 5


@click.command()
@click.argument("ledger_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("units_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("backtest.csv"), show_default=True,
              help="Backtest table to write (.csv).")
@click.option("--risk", "risk_out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("risk.geojson"), show_default=True,
              help="Risk layer of the next period: .geojson or .parquet.")
@click.option("--freq", default="M", show_default=True, metavar="W|M|Q|Y",
              help="Periods: ISO weeks, months, quarters or years.")
@click.option("--method", default="glm", show_default=True,
              type=click.Choice(["glm", "hgb", "mean3", "last", "kde"]),
              help="The method of the risk layer (the backtest runs them all).")
@click.option("--origin", default=None, metavar="PERIOD",
              help="Forecast the period after this one [default: the ledger's last].")
@click.option("--min-history", type=int, default=3, show_default=True,
              help="Periods seen before the backtest's first forecast.")
@ledger_tz_option
@units_file_options
@force_option
@click.pass_context
def forecast(ctx: click.Context, ledger_file: Path, units_file: Path, out: Path,
             risk_out: Path, freq: str, method: str, origin: str | None, min_history: int,
             tz: str | None, unit_columns: tuple[str, ...], unit_type: str | None,
             force: bool) -> None:
    """Backtest every forecasting method and write the risk layer of the next period."""
    import pandas as pd

    import geozz as gz
    from geozz._io import write_csv

    out = out_path(out, (".csv",), "--out")
    risk_out = out_path(risk_out, (".geojson", ".parquet"), "--risk")
    echo = echo_for(ctx)
    with stages(["ledger", "units", "backtest", "risk", "write"], ctx.obj["quiet"]) as bar:
        ledger, units = ledger_and_units(ctx, bar, ledger_file, units_file, tz=tz,
                                         force=force, unit_columns=unit_columns,
                                         unit_type=unit_type)
        bar.step("backtest")
        table = gz.forecast.backtest(ledger, units, freq=freq.upper(),
                                     min_history=min_history)
        bar.done()
        bar.step("risk")
        layer = gz.forecast.risk(ledger, units, freq=freq.upper(), method=method,
                                 origin=origin)
        bar.done()
        bar.step("write")
        write_csv(out, table)
        from geozz.tables import risk as risk_table

        risk_table.write(layer, risk_out)
        bar.done()
    echo(f"ledger: {len(ledger)} rows from {ledger_file}; units: {len(units)} from "
         f"{units_file}")
    echo(f"backtest: {table['period'].nunique()} periods forecast, methods "
         f"{', '.join(table['method'].unique())} -> {out.resolve()}")
    summ = gz.forecast.summary(table)
    with pd.option_context("display.width", 120):
        for (lay, share), part in summ.groupby(["layer", "share"], sort=False):
            best = part.iloc[0]
            echo(f"  {lay:<10} {share:>5.0%} flagged: best PAI {best['pai']:.2f} "
                 f"({best['method']}, hit rate {best['hit_rate']:.0%}, PEI* "
                 f"{best['pei']:.2f}); " + ", ".join(
                     f"{r.method} {r.pai:.2f}" for r in part.iloc[1:].itertuples()))
    echo(f"risk of {layer['period'].iloc[0]} ({method}) -> {risk_out.resolve()}")
    top = layer.sort_values(["risk_rank", "expected"], ascending=[True, False]).head(_TOP)
    for uid, row in top.iterrows():
        echo(f"  {uid:<28} {row['unit_type']:<6} expected {row['expected']:6.1f} "
             f"p(回潮) {row['p_recur']:.0%}  {row['reason']}")
