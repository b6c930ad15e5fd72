"""The ``geozz`` command line: a thin layer over the public API.

Examples
--------
``geozz demo`` runs the whole pipeline on the embedded Longgang district and writes
``./maps/longgang/``; ``geozz demo --district haidian`` does the same for Haidian;
``geozz demo --osm city.osm.pbf`` for any OSM extract (with simulated problems).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import tempfile
from pathlib import Path

import click

__all__ = ["main"]


class _Stages:
    """A progress bar over the pipeline's stages (on stderr, hidden when not a terminal)."""

    def __init__(self, names: list[str], quiet: bool):
        from tqdm import tqdm

        self.bar = tqdm(total=len(names), unit="stage", disable=quiet or None,
                        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}]",
                        file=sys.stderr)

    def step(self, name: str) -> None:
        self.bar.set_description(name.ljust(10))

    def done(self) -> None:
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="geozz")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """geozz: responsibility units, problem points, star ratings and maps (整脏治乱)."""
    level = logging.ERROR if quiet else max(logging.DEBUG, logging.WARNING - 10 * verbose)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = {"quiet": quiet}


@main.command()
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
    from geozz.errors import GeozzError

    quiet = ctx.obj["quiet"]
    stages = _Stages(["area", "units", "problems", "assign", "rate", "maps"], quiet)
    stack = contextlib.ExitStack()
    try:
        stages.step("area")
        if osm_file is not None:
            box = None
            if bbox:
                try:
                    box = tuple(float(v) for v in bbox.split(","))
                    assert len(box) == 4
                except (ValueError, AssertionError):
                    raise click.BadParameter("four numbers: minlon,minlat,maxlon,maxlat",
                                             param_hint="--bbox") from None
            area = gz.read_osm(osm_file, boundary=box)
            name = osm_file.name.split(".")[0]
        else:
            area = gz.datasets.load(district)
            name = district
        out = out_root / name
        stages.done()
        stages.step("units")
        units = gz.build_units(area, grid_size=grid_size)
        stages.done()
        stages.step("problems")
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
        stages.done()
        stages.step("assign")
        ledger = gz.assign(problems, units)
        stages.done()
        stages.step("rate")
        ratings = gz.rate(ledger, units, freq="M")
        stages.done()
        stages.step("maps")
        written = gz.publish(units, ratings, ledger, out, period=period, simulated=True,
                             title=area.name, rejects=rejects, extra=extra)
        if osm_file is not None:
            records = written["problems_simulated.csv"]
        stages.done()
    except GeozzError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        stages.close()
        stack.close()
    # rejects of whole records (helper columns may be absent: then every reject is one)
    record = rejects["kind"] == "record" if "kind" in rejects else \
        pd.Series(True, index=rejects.index)
    n_rejected, n_field = int(record.sum()), int((~record).sum())
    n_rows = len(problems) + n_rejected
    from geozz.units import REGISTRY

    cells = [t.name for t in REGISTRY.values() if t.rule == "half_open"]
    corridors = [t.name for t in REGISTRY.values() if t.rule != "half_open"]
    in_grid = ledger.loc[ledger["unit_type"].isin(cells), "problem_id"].nunique()
    outside = int((ledger["reason"] == "outside_units").sum())
    by_type = ledger.dropna(subset=["unit_type"]).groupby("unit_type")["problem_id"].nunique()
    echo = (lambda *a, **k: None) if quiet else click.echo
    echo(f"{area.name}: {len(units)} units "
         + ", ".join(f"{k} {v}" for k, v in units["unit_type"].value_counts().items())
         + f" in {units.crs.name}")
    echo(f"records in {records}: {n_rows} rows: {len(problems)} problems read, "
         f"{n_rejected} rejected"
         + (f" ({n_field} fields set aside in records read)" if n_field else ""))
    if len(rejects):
        for _, row in gz.problems.summarize_rejects(rejects).iterrows():
            value = f" {row['value']!r}" if row["value"] else ""
            echo(f"  rejected {row['count']:>4} {row['reason']}{value}")
    echo(f"assigned: {in_grid} to a grid cell, {outside} outside every unit "
         f"({in_grid} + {outside} = {in_grid + outside} of {len(problems)} read); "
         + ", ".join(f"{by_type.get(t, 0)} in {t} units" for t in corridors))
    shown = sorted(ratings["period"].unique())
    echo(f"ratings: {len(ratings)} rows = {len(units)} units x {len(shown)} months "
         f"({shown[0]} … {shown[-1]}); maps show {period or shown[-1]}")
    share3 = (ratings.loc[ratings["period"] == (period or shown[-1]), "stars"] >= 3).mean()
    echo(f"units at 3★ or better in {period or shown[-1]}: {share3:.0%} (target 80%)")
    echo("written:")
    for key, p in written.items():
        echo(f"  {key:<9} {Path(p).resolve()}")


if __name__ == "__main__":  # pragma: no cover
    main()
