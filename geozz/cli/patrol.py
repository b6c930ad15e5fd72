"""``geozz patrol UNITS --osm FILE --ledger LEDGER -o DIR``: daily patrol routes (日巡查).

The streets come from ``--osm`` (an OSM file: one-way streets kept for ``--mode drive``)
or ``--district`` (a bundled district's OSM file). The prize of a unit comes from
``--risk`` (a CSV/Parquet table indexed by ``unit_id``, such as the forecast's risk, column
``--prize``, default ``expected``) or from ``--ledger`` (a ledger written by ``geozz
assign``: its open problems per unit with ``--prize open``, else its problems per month).
Writes ``routes.geojson``, ``stops.geojson`` and, per officer, ``officer_<n>.gpx`` and an
offline map page ``officer_<n>.html``; prints a summary.
"""

from __future__ import annotations

from pathlib import Path

import click

from ._common import echo_for, stages

__all__ = ["patrol"]


def _start(values: tuple[str, ...]) -> list[tuple[float, float]] | None:
    out = []
    for text in values:
        try:
            x, y = (float(v) for v in text.split(","))
        except ValueError:
            raise click.BadParameter(f"expected LON,LAT (or X,Y in the units' CRS), got "
                                     f"{text!r}", param_hint="--start") from None
        out.append((x, y))
    return out or None


def _read_table(path: Path):
    """The prize table: the risk layer geozz forecast wrote (.geojson), or any CSV /
    Parquet table with ``unit_id`` and the prize column."""
    import pandas as pd

    if path.suffix.lower() == ".geojson":
        from geozz.tables import risk

        return risk.read(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path)
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"unit_id": str})


@click.command()
@click.argument("units_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--osm", "osm_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="OSM file of the streets (.osm.pbf …).")
@click.option("--district", default=None, help="A bundled district's streets instead "
                                              "(longgang, haidian).")
@click.option("--risk", "risk_file", type=click.Path(exists=True, dir_okay=False,
                                                      path_type=Path),
              default=None, help="Risk layer of geozz forecast (.geojson/.parquet), or a CSV / "
                                 "Parquet table with unit_id and the --prize column.")
@click.option("--ledger", "ledger_file", type=click.Path(exists=True, dir_okay=False,
                                                          path_type=Path),
              default=None, help="Ledger from geozz assign: prize from its problems.")
@click.option("--prize", default=None, help="Prize column of --risk [default: expected]; "
                                            "with --ledger: 'open' (open problems) or "
                                            "'monthly' (problems per month) [default].")
@click.option("--officers", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--budget-km", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True, help="Longest route per officer (km), return included.")
@click.option("--mode", type=click.Choice(["walk", "drive"]), default="walk",
              show_default=True, help="On foot (one-ways ignored) or by vehicle.")
@click.option("--method", type=click.Choice(["solver", "greedy"]), default="solver",
              show_default=True, help="PyVRP's solver or the nearest-hot-unit baseline.")
@click.option("--start", "starts", multiple=True, metavar="LON,LAT",
              help="The office (once) or one start per officer [default: the centre].")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=5.0,
              show_default=True, help="Seconds the solver searches.")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("patrol"), show_default=True, help="Folder to write.")
@click.pass_context
def patrol(ctx: click.Context, units_file: Path, osm_file, district, risk_file, ledger_file,
           prize, officers, budget_km, mode, method, starts, time_limit, out) -> None:
    """Daily patrol routes (日巡查) along real streets to the units with most risk."""
    if (osm_file is None) == (district is None):
        raise click.UsageError("give the streets as --osm FILE or --district NAME (one)")
    if (risk_file is None) == (ledger_file is None):
        raise click.UsageError("give the prize as --risk FILE or --ledger FILE (one)")
    start = _start(starts)

    import geozz as gz

    echo = echo_for(ctx)
    with stages(["units", "prize", "routes", "write"], ctx.obj["quiet"]) as bar:
        bar.step("units")
        units = gz.read_units(units_file)
        if district is not None:
            osm_file = next(gz.datasets.path(district).glob("*.osm*"))
        bar.done()
        bar.step("prize")
        if risk_file is not None:
            risk = _read_table(risk_file)
            column = prize or "expected"
            label = f"{column} of {risk_file.name}"
        else:
            from geozz.tables import read_ledger

            ledger = read_ledger(ledger_file)
            if (prize or "monthly") == "open":
                risk, column = gz.patrol.open_problems(ledger), "open"
                label = "open problems"
            elif (prize or "monthly") == "monthly":
                months = max(1, ledger["found_at"].dt.to_period("M").nunique())
                risk = ledger.groupby("unit_id").size() / months
                column, label = "monthly", f"problems per month ({months} months)"
            else:
                raise click.BadParameter("with --ledger: 'open' or 'monthly'",
                                         param_hint="--prize")
        bar.done()
        bar.step("routes")
        if not ctx.obj["quiet"]:
            click.echo(f"routing {officers} officers × {budget_km:g} km ({mode}, {method}, "
                       f"up to {time_limit:g} s) …", err=True)
        r = gz.patrol.routes(osm_file, units, risk, prize=column, officers=officers,
                             budget_m=budget_km * 1000, starts=start, mode=mode,
                             method=method, time_limit=time_limit)
        bar.done()
        bar.step("write")
        from geozz.patrol.network import _osm_lines

        paths = gz.patrol.write(r, out, streets=_osm_lines(osm_file))
        bar.done()
    m = r.attrs["patrol"]
    echo(f"prize: {label}; {m['with_prize']} of {m['units']} units have one "
         f"({m['prize_available']:.1f} in all), {m['too_far']} too far from a street")
    for row in r.itertuples():
        echo(f"officer {row.officer}: {row.n_stops} stops, {row.distance_m / 1000:.2f} km, "
             f"prize {row.prize:.2f}")
    echo(f"total prize {m['prize']:.2f} ({m['prize'] / max(m['prize_available'], 1e-9):.0%} of "
         f"all) in {m['time_s']:.1f} s ({method}) -> {out.resolve()} "
         f"({len(paths['gpx'])} GPX, {len(paths['html'])} pages)")
