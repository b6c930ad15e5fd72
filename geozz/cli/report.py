"""``geozz report``: the office's paperwork of a period — the workbook (台账, ``.xlsx``) and
the bulletin (通报, ``.docx`` and ``.pdf``).

Takes the ratings written by ``geozz rate`` (CSV or Parquet), the ledger written by
``geozz assign`` and the units they were made with, and writes into ``--out``
``workbook-<period>.xlsx`` (:func:`geozz.reports.workbook`) and ``bulletin-<period>.docx``
/ ``.pdf`` (:func:`geozz.reports.bulletin`). ``--internal`` with ``--problems`` puts the
reporters and phone numbers in the workbook (for the office only).
"""

from __future__ import annotations

from pathlib import Path

import click

from geozz.tables import read_ledger, read_ratings

from ._common import echo_for, load_problems, pairs, stages

__all__ = ["report", "read_ratings"]

@click.command()
@click.option("--ratings", "ratings_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Ratings written by geozz rate (.csv or .parquet).")
@click.option("--ledger", "ledger_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Ledger written by geozz assign (.csv or .parquet).")
@click.option("--units", "units_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The units rated (any file geozz units / read_units reads).")
@click.option("--period", default=None, help="Period of the reports [default: the latest "
                                             "rated].")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("reports"), show_default=True, help="Folder to write into.")
@click.option("--problems", "problems_file", type=click.Path(exists=True, path_type=Path),
              default=None, help="Problems (saved by geozz problems, or records): with "
                                 "--internal, the reporters and phones in the workbook.")
@click.option("--rejects", "rejects_file", type=click.Path(exists=True, dir_okay=False,
                                                           path_type=Path),
              default=None, help="A rejects CSV of geozz problems, for the rejects sheet.")
@click.option("--internal", is_flag=True, help="Workbook for the office only: personal data "
                                               "of --problems and raw reject values.")
@click.option("--target", type=float, default=0.8, show_default=True,
              help="Share of units at 3★ or better to reach.")
@click.option("--title", default=None, help="District named in the titles (as text).")
@click.option("--simulated", is_flag=True, help="Say that the records are simulated.")
@click.option("--no-map", is_flag=True, help="Leave the star map out of the bulletin.")
@click.option("--no-pdf", is_flag=True, help="Write the bulletin's .docx only (no "
                                             "LibreOffice needed).")
@click.option("--tz", default=None, help="IANA time zone of the ledger's times.")
@click.option("--unit-column", "unit_columns", multiple=True, metavar="NAME=FIELD",
              help="A units file column and the field it holds.")
@click.option("--unit-type", default=None,
              help="Unit type of units files without a unit_type column.")
@click.pass_context
def report(ctx: click.Context, ratings_file, ledger_file, units_file, period, out,
           problems_file, rejects_file, internal, target, title, simulated, no_map, no_pdf,
           tz, unit_columns, unit_type) -> None:
    """Write the workbook (台账 .xlsx) and the bulletin (通报 .docx + .pdf) of a period."""
    import pandas as pd

    import geozz as gz


    echo = echo_for(ctx)
    if internal and problems_file is None:
        echo("note: --internal without --problems: no personal fields to add")
    with stages(["units", "ledger", "ratings", "problems", "workbook", "bulletin"],
                ctx.obj["quiet"]) as bar:
        bar.step("units")
        units = gz.read_units(units_file, columns=pairs(unit_columns, "--unit-column")
                              or None, unit_type=unit_type)
        bar.done()
        bar.step("ledger")
        ledger = read_ledger(ledger_file, tz=tz)
        bar.done()
        bar.step("ratings")
        ratings = read_ratings(ratings_file)
        bar.done()
        bar.step("problems")
        problems = rejects = None
        if problems_file is not None:
            problems, rejects = load_problems(problems_file, tz or "Asia/Shanghai")
            if rejects is not None and rejects.empty:
                rejects = None
        if internal and problems is not None and not any(
                f in problems for f in gz.problems.PERSONAL_FIELDS):
            echo(f"note: {problems_file} holds no personal fields (geozz problems leaves "
                 "them out): pass the raw records file to --problems for them")
        if rejects_file is not None:
            rejects = pd.read_csv(rejects_file, dtype=str, encoding="utf-8-sig",
                                  keep_default_na=False, na_values=[""])
        bar.done()
        bar.step("workbook")
        book = gz.reports.workbook(units, ratings, ledger, out, period=period,
                                   problems=problems, rejects=rejects, internal=internal,
                                   target=target, title=title, simulated=simulated)
        bar.done()
        bar.step("bulletin")
        docs = gz.reports.bulletin(units, ratings, ledger, out, period=period, title=title,
                                   target=target, map=not no_map, pdf=not no_pdf,
                                   simulated=simulated)
        bar.done()
    echo(f"units: {len(units)}; ledger: {len(ledger)} rows; ratings: {len(ratings)} rows "
         f"({ratings['period'].nunique()} periods)")
    echo(f"  workbook    {book.resolve()}" + ("  (internal: personal data)" if internal
                                              else ""))
    for key, path in docs.items():
        echo(f"  bulletin    {Path(path).resolve()}")
