"""``geozz assign UNITS PROBLEMS -o ledger.csv``: join problems to their units.

UNITS is any file :func:`geozz.read_units` reads; PROBLEMS is a file written by
``geozz problems`` (read back with :func:`geozz.problems.load`) or raw records, read with
:func:`geozz.read_problems`. The ledger (:func:`geozz.assign`) goes to CSV or Parquet and
the counts by unit type and reason are printed, with the time zone and coordinate
systems used. Sanity checks (:func:`geozz.assignment.sanity_checks`): when the problems'
extent and the units' extent do not meet, or more than half of the problems fall outside
every unit, nothing is written and the exit code is 3 (``--force`` goes on); a time zone
that does not fit the problems' longitude is a warning.
"""

from __future__ import annotations

from pathlib import Path

import click

from ._common import (
    crs_name,
    echo_for,
    force_option,
    load_problems,
    out_path,
    print_rejects,
    read_units_file,
    report_findings,
    stages,
    tz_note,
    units_file_options,
)

__all__ = ["assign"]

LEDGER_SUFFIXES = (".csv", ".parquet")


@click.command()
@click.argument("units_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("problems_file", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("ledger.csv"), show_default=True,
              help="Ledger file to write: .csv or .parquet.")
@units_file_options
@click.option("--tz", default="Asia/Shanghai", show_default=True,
              help="IANA time zone of the problems' times.")
@force_option
@click.pass_context
def assign(ctx: click.Context, units_file: Path, problems_file: Path, out: Path,
           unit_columns: tuple[str, ...], unit_type: str | None, tz: str,
           force: bool) -> None:
    """Join every problem to its unit in each unit layer; nothing is dropped."""
    import geozz as gz
    from geozz._io import atomic_path, write_csv

    out = out_path(out, LEDGER_SUFFIXES, "--out")
    echo = echo_for(ctx)
    with stages(["units", "problems", "assign", "write"], ctx.obj["quiet"]) as bar:
        bar.step("units")
        units = read_units_file(units_file, unit_columns, unit_type)
        bar.done()
        bar.step("problems")
        problems, rejects = load_problems(problems_file, tz)
        bar.done()
        bar.step("assign")
        ledger = gz.assign(problems, units)
        bar.done()
        report_findings(ctx, gz.assignment.sanity_checks(problems, units, ledger),
                        force=force)
        bar.step("write")
        if out.suffix.lower() == ".csv":
            write_csv(out, ledger)
        else:
            with atomic_path(out) as tmp:
                ledger.to_parquet(tmp, index=False)
        bar.done()
    echo(f"units: {len(units)} from {units_file} "
         + "(" + ", ".join(f"{k} {v}" for k, v in
                           units["unit_type"].value_counts().items()) + ")")
    echo(f"problems: {len(problems)} from {problems_file}")
    echo(f"time zone: {tz_note(ctx, tz)}; problems CRS: {crs_name(problems.crs)}; "
         f"units CRS: {crs_name(units.crs)} (distances in metres)")
    if len(rejects):
        print_rejects(echo, rejects)
    placed = ledger[ledger["unit_id"].notna()]
    for utype, rows in placed.groupby("unit_type", sort=False):
        reasons = rows["reason"].value_counts()
        echo(f"  {utype:<6} {rows['problem_id'].nunique():>8} problems in "
             f"{rows['unit_id'].nunique()} units ("
             + ", ".join(f"{k} {v}" for k, v in reasons.items()) + ")")
    for reason, n in ledger.loc[ledger["unit_id"].isna(), "reason"].value_counts().items():
        echo(f"  {reason:<15} {n:>8} problems")
    echo(f"ledger: {len(ledger)} rows, {ledger['problem_id'].nunique()} problems "
         f"(all {len(problems)} read) -> {out.resolve()}")
