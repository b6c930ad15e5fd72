"""``geozz demo``: the whole pipeline on real district data.

``geozz demo`` runs the whole pipeline on the embedded Longgang district and writes
``./maps/longgang/``; ``geozz demo --district haidian`` does the same for Haidian;
``geozz demo --osm city.osm.pbf`` for any OSM extract (with simulated problems).
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import click

from ._common import echo_for, parse_bbox, print_rejects, stages

__all__ = ["demo"]


@click.command()
@click.option("--district", default="longgang", show_default=True,
              help="A bundled district (longgang, haidian).")
@click.option("--osm", "osm_file", type=click.Path(exists=True, dir_okay=False,
                                                    path_type=Path),
              help="Use this OSM file (.osm, .osm.bz2, .osm.pbf) instead of a bundled "
                   "district; problems are simulated for it.")
@click.option("--bbox", default=None, metavar="MINLON,MINLAT,MAXLON,MAXLAT",
              help="Boundary box for --osm (default: the bounds the file declares).")
@click.option("--out", "out_root", type=click.Path(file_okay=False, path_type=Path),
              default=Path("maps"), show_default=True, help="Output root folder.")
@click.option("--grid-size", default=200.0, show_default=True, help="Grid cell side, m.")
@click.option("-n", "--problems", "n", default=3000, show_default=True,
              help="Simulated records for --osm.")
@click.option("--seed", default=0, show_default=True, help="Simulator seed for --osm.")
@click.option("--period", default=None, help="Period of the maps (default the latest).")
@click.pass_context
def demo(ctx: click.Context, district: str, osm_file: Path | None, bbox: str | None,
         out_root: Path,
         grid_size: float, n: int, seed: int, period: str | None) -> None:
    """Run units → problems → assign → rate → maps on real district data."""
    import pandas as pd

    import geozz as gz

    stack = contextlib.ExitStack()
    with stages(["area", "units", "problems", "assign", "rate", "maps"],
                ctx.obj["quiet"]) as bar, stack:
        bar.step("area")
        if osm_file is not None:
            area = gz.read_osm(osm_file, boundary=parse_bbox(bbox, "--bbox"))
            name = osm_file.name.split(".")[0]
        else:
            area = gz.datasets.load(district)
            name = district
        out = out_root / name
        bar.done()
        bar.step("units")
        units = gz.build_units(area, grid_size=grid_size)
        bar.done()
        bar.step("problems")
        extra = {}
        if osm_file is not None:
            # simulated records are written beside the output, then published with it
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            records = scratch / "problems_simulated.csv"
            gz.datasets.simulate_problems(units, n=n, seed=seed).to_csv(records, index=False)
            extra["problems_simulated.csv"] = records
        else:
            records = gz.datasets.problems_path(district)
        problems, rejects = gz.read_problems(records)
        bar.done()
        bar.step("assign")
        ledger = gz.assign(problems, units)
        bar.done()
        bar.step("rate")
        ratings = gz.rate(ledger, units, freq="M")
        bar.done()
        bar.step("maps")
        written = gz.publish(units, ratings, ledger, out, period=period, simulated=True,
                             title=area.name, rejects=rejects, extra=extra,
                             problems=problems)
        if osm_file is not None:
            records = written["problems_simulated.csv"]
        bar.done()
    # rejects of whole records (helper columns may be absent: then every reject is one)
    record = rejects["kind"] == "record" if "kind" in rejects else \
        pd.Series(True, index=rejects.index)
    n_rejected, n_field = int(record.sum()), int((~record).sum())
    n_reports = int(problems["report_count"].sum()) if "report_count" in problems \
        else len(problems)
    n_rows = n_reports + n_rejected
    from geozz.units import REGISTRY

    cells = [t.name for t in REGISTRY.values() if t.rule == "half_open"]
    corridors = [t.name for t in REGISTRY.values() if t.rule != "half_open"]
    in_grid = ledger.loc[ledger["unit_type"].isin(cells), "problem_id"].nunique()
    outside = int((ledger["reason"] == "outside_units").sum())
    by_type = ledger.dropna(subset=["unit_type"]).groupby("unit_type")["problem_id"].nunique()
    echo = echo_for(ctx)
    echo(f"{area.name}: {len(units)} units "
         + ", ".join(f"{k} {v}" for k, v in units["unit_type"].value_counts().items())
         + f" in {units.crs.name}")
    echo(f"records in {records}: {n_rows} rows: {n_reports} read, {n_rejected} rejected"
         + (f" ({n_field} fields set aside in records read)" if n_field else ""))
    echo(f"problems: {len(problems)} ({n_reports - len(problems)} repeat reports merged); "
         + (f"{int(problems['recurrent'].sum())} recur (回潮) within 90 days of a "
            "rectified one" if "recurrent" in problems else ""))
    print_rejects(echo, rejects)
    echo(f"assigned: {in_grid} to a grid cell, {outside} outside every unit "
         f"({in_grid} + {outside} = {in_grid + outside} of {len(problems)} problems); "
         + ", ".join(f"{by_type.get(t, 0)} in {t} units" for t in corridors))
    shown = sorted(ratings["period"].unique())
    echo(f"ratings: {len(ratings)} rows = {len(units)} units x {len(shown)} months "
         f"({shown[0]} … {shown[-1]}); maps show {period or shown[-1]}")
    share3 = (ratings.loc[ratings["period"] == (period or shown[-1]), "stars"] >= 3).mean()
    echo(f"units at 3★ or better in {period or shown[-1]}: {share3:.0%} (target 80%)")
    echo("written:")
    for key, p in written.items():
        echo(f"  {key:<9} {Path(p).resolve()}")

