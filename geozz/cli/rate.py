"""``geozz rate LEDGER UNITS -o ratings.csv``: score, grade, star and rank every unit.

LEDGER is a ledger written by ``geozz assign`` (CSV or Parquet; its times are read back
tz-aware in ``--tz``); UNITS is any file :func:`geozz.read_units` reads (the units the
ledger was made with). The ratings (:func:`geozz.rate`) go to CSV or Parquet; with
``--areas LEVEL`` the admin-area table (:func:`geozz.rating.areas`) goes beside them
(``ratings_areas.csv``). Printed: what was read, the star distribution per period and the
five worst units of the last period with their deductions (and the areas of the last
period). A ledger with more than half of its problems outside every unit (made against
units of another place) is refused with exit code 3 unless ``--force``.
"""

from __future__ import annotations

from pathlib import Path

import click

from geozz.tables import read_ledger, read_ratings

from ._common import (
    echo_for,
    force_option,
    ledger_and_units,
    ledger_tz_option,
    out_path,
    stages,
    units_file_options,
)

__all__ = ["rate", "read_ledger", "read_ratings"]

TABLE_SUFFIXES = (".csv", ".parquet")
_SHOWN_PERIODS = 12  # star distribution lines printed (the latest periods)
_WORST = 5


def _deductions(row, ded_cols) -> str:
    """``exposed_garbage -3, extra -1, adjustment +2 (reason)`` for one ratings row."""
    import pandas as pd

    parts = [f"{c[4:]} -{round(row[c], 2):g}" for c in ded_cols if pd.notna(row[c]) and row[c] > 0]
    adj = row.get("adjustment")
    if adj is not None and pd.notna(adj) and adj != 0:
        reason = row.get("adjustment_reason")
        why = f" ({reason})" if isinstance(reason, str) and reason else ""
        parts.append(f"adjustment {adj:+g}{why}")
    return ", ".join(parts) or "no deductions"


def _print_summary(echo, ratings, areas_table, level) -> None:
    import pandas as pd

    from geozz.rating import star_label

    scored = ratings[ratings["score"].notna()]
    periods = sorted(ratings["period"].astype(str).unique())
    shown = periods[-_SHOWN_PERIODS:]
    note = f" (last {len(shown)} of {len(periods)} periods)" if len(shown) < len(periods) \
        else ""
    echo(f"star distribution{note}:")
    echo(f"  {'period':<12}" + "".join(f"{f'{k}★':>7}" for k in range(5, 0, -1))
         + f"{'no score':>10}{'mean':>8}")
    counts = pd.crosstab(scored["period"].astype(str), scored["stars"].astype(int)) \
        .reindex(index=periods, columns=range(1, 6), fill_value=0)
    unscored = ratings[ratings["score"].isna()]["period"].astype(str).value_counts()
    means = scored.groupby(scored["period"].astype(str))["score"].mean()
    for p in shown:
        echo(f"  {p:<12}" + "".join(f"{int(counts.loc[p, k]):>7}" for k in range(5, 0, -1))
             + f"{int(unscored.get(p, 0)):>10}{means.get(p, float('nan')):>8.2f}")
    if not periods:
        return
    last = periods[-1]
    ded_cols = [c for c in ratings.columns if c.startswith("ded_")]
    worst = scored[scored["period"].astype(str) == last] \
        .sort_values(["score", "unit_id"], kind="stable").head(_WORST)
    echo(f"worst {len(worst)} units in {last}:")
    for _, row in worst.iterrows():
        echo(f"  {row['unit_id']:<24} {row['unit_type']:<6} {row['score']:>7.2f} "
             f"{star_label(row['stars'])}  {_deductions(row, ded_cols)}")
    if areas_table is not None:
        rows = areas_table[areas_table["period"] == last]
        echo(f"areas ({level}) in {last}: {int(rows['meets_target'].sum())} of {len(rows)} "
             "at the target share of units at 3★ or better")
        for _, row in rows.iterrows():
            rank = "-" if pd.isna(row["rank"]) else int(row["rank"])
            share = "-" if pd.isna(row["share_3star"]) else f"{row['share_3star']:.0%}"
            mean = "-" if pd.isna(row["mean_score"]) else f"{row['mean_score']:.2f}"
            echo(f"  {rank:>3} {row['area'] or '(outside)':<24} {mean:>7} {share:>5} 3★+ "
                 f"{'meets' if row['meets_target'] else 'below'} {row['grade'] or '-'} "
                 f"({row['rated']} of {row['units']} units rated)")


def _write(path: Path, table) -> None:
    from geozz._io import atomic_path, write_csv

    if path.suffix.lower() == ".csv":
        write_csv(path, table)
    else:
        with atomic_path(path) as tmp:
            table.to_parquet(tmp, index=False)


@click.command()
@click.argument("ledger_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("units_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("ratings.csv"), show_default=True,
              help="Ratings file to write: .csv or .parquet.")
@click.option("--freq", default="M", show_default=True, metavar="W|M|Q|Y|FROM..TO",
              help="Periods: ISO weeks, months, quarters, years, or one custom range "
                   "'2024-03-01..2024-05-31'.")
@click.option("--rubric", default="default", show_default=True, metavar="NAME|FILE",
              help="A bundled rubric name or a rubric .toml file.")
@click.option("--periods", "periods", multiple=True, metavar="PERIOD",
              help="Rate only these periods (repeat, or separate with commas), e.g. "
                   "2024-05 or 2024Q2.")
@click.option("--areas", "level", default=None, metavar="LEVEL",
              help="Also write the admin-area table: county, street, community, admin or "
                   "a column of the units.")
@click.option("--areas-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Area table file (default: beside --out, named <out>_areas).")
@click.option("--target", type=float, default=0.8, show_default=True,
              help="Share of units at 3★ or better an area must reach.")
@click.option("--adjustments", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Manual adjustments (加分/扣分) per unit and period, "
                                 "CSV or XLSX.")
@click.option("--as-of", "as_of", default=None,
              help="When overdue is judged (default: the latest time in the ledger).")
@ledger_tz_option
@units_file_options
@force_option
@click.pass_context
def rate(ctx: click.Context, ledger_file: Path, units_file: Path, out: Path, freq: str,
         rubric: str, periods: tuple[str, ...], level: str | None, areas_out: Path | None,
         target: float, adjustments: Path | None, as_of: str | None, tz: str | None,
         unit_columns: tuple[str, ...], unit_type: str | None, force: bool) -> None:
    """Rate every unit in every period from a ledger; optionally aggregate by admin area."""
    import geozz as gz
    from geozz.rating import areas as area_table

    out = out_path(out, TABLE_SUFFIXES, "--out")
    if level is not None:
        areas_out = out_path(areas_out, TABLE_SUFFIXES, "--areas-out") if areas_out \
            else out.with_name(f"{out.stem}_areas{out.suffix}")
    echo = echo_for(ctx)
    wanted = [p.strip() for v in periods for p in v.split(",") if p.strip()] or None
    how = tuple(p.strip() for p in freq.split("..")) if ".." in freq else freq.upper()
    options = {"adjustments": adjustments} if adjustments is not None else {}
    table = None
    with stages(["ledger", "units", "rate", "areas", "write"], ctx.obj["quiet"]) as bar:
        ledger, units = ledger_and_units(ctx, bar, ledger_file, units_file, tz=tz,
                                         force=force, unit_columns=unit_columns,
                                         unit_type=unit_type)
        bar.step("rate")
        ratings = gz.rate(ledger, units, freq=how, rubric=rubric, periods=wanted,
                          as_of=as_of, **options)
        bar.done()
        bar.step("areas")
        if level is not None:
            table = area_table(ratings, units, level=level, target=target, rubric=rubric)
        bar.done()
        bar.step("write")
        _write(out, ratings)
        if table is not None:
            _write(areas_out, table)
        bar.done()
    echo(f"ledger: {len(ledger)} rows, {ledger['problem_id'].nunique()} problems "
         f"from {ledger_file}")
    zone = ledger["found_at"].dt.tz if "found_at" in ledger else None
    echo(f"time zone of the periods: {zone}"
         + (" (--tz)" if tz else " (the ledger's own)" if ledger_file.suffix.lower()
            == ".parquet" else " (the default of --tz)"))
    echo(f"units: {len(units)} from {units_file} ("
         + ", ".join(f"{k} {v}" for k, v in units["unit_type"].value_counts().items()) + ")")
    n_periods = ratings["period"].nunique()
    echo(f"ratings: {len(ratings)} rows, {ratings['unit_id'].nunique()} units x "
         f"{n_periods} periods, rubric {rubric} -> {out.resolve()}")
    if table is not None:
        echo(f"areas: {len(table)} rows ({level}) -> {areas_out.resolve()}")
    _print_summary(echo, ratings, table, level)
