"""``geozz publish`` (the public folder) and ``geozz map`` (one star map, or one signboard).

Both take UNITS (any file :func:`geozz.read_units` reads) and LEDGER (written by ``geozz
assign``, CSV or Parquet) and either the ratings ``geozz rate`` wrote (``--ratings``:
published as they are, manual adjustments included) or rate the ledger
(:func:`geozz.rate`, ``--freq`` and ``--rubric``), and write with :func:`geozz.publish` / :func:`geozz.star_map`.
``--problems`` (a problems file saved by ``geozz problems``, or raw records) adds the
problem points; their personal fields never reach the pages. A ledger with more than half
of its problems outside every unit, or problems whose extent does not meet the units',
is refused with exit code 3 unless ``--force`` (:func:`geozz.assignment.sanity_checks`);
a time zone that does not fit the problems' longitude is a warning.
"""

from __future__ import annotations

from pathlib import Path

import click

from ._common import CHECK_FAILED, echo_for, load_problems, read_units_file, report_findings, stages

__all__ = ["publish", "map_command"]


def _inputs(ctx, units_file, ledger_file, problems_file, unit_columns, unit_type, tz, freq,
            rubric, bar, force, ratings_file=None):
    import geozz as gz

    from .rate import read_ledger

    bar.step("units")
    units = read_units_file(units_file, unit_columns, unit_type)
    bar.done()
    bar.step("ledger")
    ledger = read_ledger(ledger_file, tz=tz)
    bar.done()
    bar.step("problems")
    problems = None
    if problems_file is not None:
        problems, _ = load_problems(problems_file, tz or "Asia/Shanghai")
    bar.done()
    report_findings(ctx, gz.assignment.sanity_checks(problems, units, ledger), force=force)
    bar.step("rate")
    if ratings_file is not None:  # the table geozz rate wrote, adjustments and all
        from geozz.errors import InputError, Issue

        from .rate import read_ratings

        ratings = read_ratings(ratings_file)
        unknown = sorted(set(ratings["unit_id"]) - set(units.index.astype(str)))
        if unknown:
            raise InputError(Issue(file=str(ratings_file), field="unit_id",
                                   expected=f"the units of {units_file}",
                                   got=f"{len(unknown)} other ids, e.g. {unknown[:3]}",
                                   fix="rate the ledger against these units with "
                                       "geozz rate, and pass that file as --ratings"))
    else:
        how = tuple(p.strip() for p in freq.split("..")) if ".." in freq else freq.upper()
        ratings = gz.rate(ledger, units, freq=how, rubric=rubric)
    bar.done()
    return units, ledger, problems, ratings


def _common(func):
    options = [
        click.argument("units_file", type=click.Path(exists=True, dir_okay=False,
                                                     path_type=Path)),
        click.argument("ledger_file", type=click.Path(exists=True, dir_okay=False,
                                                      path_type=Path)),
        click.option("--problems", "problems_file", type=click.Path(exists=True,
                                                                    path_type=Path),
                     default=None, help="Problems (saved by geozz problems, or records) "
                                        "for the problem points."),
        click.option("--period", default=None, help="Period shown first [default: the "
                                                    "latest rated]."),
        click.option("--ratings", "ratings_file",
                     type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     default=None, help="The ratings geozz rate wrote (.csv or .parquet), "
                                        "published as they are (adjustments included); "
                                        "without it the ledger is rated with --freq and "
                                        "--rubric."),
        click.option("--freq", default="M", show_default=True, metavar="W|M|Q|Y",
                     help="Rating periods (without --ratings)."),
        click.option("--rubric", default="default", show_default=True,
                     metavar="NAME|FILE", help="A bundled rubric name or a .toml file."),
        click.option("--title", default=None, help="Title on the pages (as text)."),
        click.option("--tiles", default=None, metavar="NAME|URL",
                     help="Base map: openstreetmap, gaode (GCJ-02) or a {z}/{x}/{y} URL "
                          "[default: none, no network needed]."),
        click.option("--simulated", is_flag=True, help="Say that the records are simulated."),
        click.option("--tz", default=None, help="IANA time zone of the ledger's times."),
        click.option("--unit-column", "unit_columns", multiple=True, metavar="NAME=FIELD",
                     help="A units file column and the field it holds."),
        click.option("--unit-type", default=None,
                     help="Unit type of units files without a unit_type column."),
        click.option("--force", is_flag=True,
                     help="Go on even when the sanity checks fail (most problems outside "
                          f"the units, extents that do not meet); exit code {CHECK_FAILED} "
                          "otherwise."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command()
@_common
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("public"), show_default=True, help="Folder to publish.")
@click.option("--rejects", "rejects_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The rejects CSV geozz problems wrote: published as rejects.csv (where "
                   "and why only).")
@click.option("--no-unit-pages", is_flag=True, help="Leave out units/<unit_id>.html.")
@click.option("--target", type=float, default=0.8, show_default=True,
              help="Share of units at 3★ or better an area should reach.")
@click.option("--signboards", is_flag=True, help="Also write signboards/ (a board with a "
                                                 "QR code per unit at 3★+; needs --base-url).")
@click.option("--base-url", default=None, help="Where the folder will be served, for the "
                                               "QR codes (https://…/public/).")
@click.option("--contact", default=None, help="The office's contact line on the boards.")
@click.option("--static", is_flag=True, help="Also write overview.png and overview.pdf.")
@click.option("--risk", "risk_file", type=click.Path(exists=True, dir_okay=False,
                                                      path_type=Path), default=None,
              help="The risk layer geozz forecast wrote (.geojson or .parquet): a "
                   "switchable forecast layer, and each unit's forecast on its page.")
@click.pass_context
def publish(ctx: click.Context, units_file, ledger_file, problems_file, ratings_file, period,
            freq, rubric, title, tiles, simulated, tz, unit_columns, unit_type, force, out,
            rejects_file, no_unit_pages, target, signboards, base_url, contact,
            static, risk_file) -> None:
    """Publish the public folder: index, overview, areas, a page per unit, tables."""
    import geozz as gz

    echo = echo_for(ctx)
    with stages(["units", "ledger", "problems", "rate", "publish"],
                ctx.obj["quiet"]) as bar:
        units, ledger, problems, ratings = _inputs(
            ctx, units_file, ledger_file, problems_file, unit_columns, unit_type, tz, freq,
            rubric, bar, force, ratings_file)
        bar.step("publish")
        rejects = None
        if rejects_file is not None:
            import pandas as pd

            rejects = pd.read_csv(rejects_file, dtype=str, encoding="utf-8-sig",
                                  keep_default_na=False, na_values=[""])
        written = gz.publish(units, ratings, ledger, out, period=period, title=title,
                             rejects=rejects,
                             simulated=simulated, tiles=tiles, problems=problems,
                             unit_pages=not no_unit_pages, target=target,
                             signboards=signboards, base_url=base_url, contact=contact,
                             static=static, risk=None if risk_file is None
                             else gz.tables.risk.read(risk_file))
        bar.done()
    echo(f"units: {len(units)}; ledger: {len(ledger)} rows; ratings: {len(ratings)} rows "
         f"({ratings['period'].nunique()} periods) "
         + (f"from {ratings_file}" if ratings_file else f"rated with rubric {rubric}"))
    zone = ledger["found_at"].dt.tz if "found_at" in ledger and len(ledger) else None
    echo(f"time zone of the ledger: {zone}; units CRS: {units.crs.name}")
    for key, path in written.items():
        echo(f"  {key:<11} {Path(path).resolve()}")


@click.command("map")
@_common
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("stars.html"), show_default=True,
              help="Page to write (.html), or a static map (.png, .pdf), or with "
                   "--signboard the board (.png, .pdf).")
@click.option("--unit-types", default=None, metavar="TYPE[,TYPE]",
              help="Unit types to draw [default: all].")
@click.option("--raster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="A GeoTIFF (geozz density) drawn on a .png/.pdf map.")
@click.option("--signboard", "board_unit", default=None, metavar="UNIT_ID",
              help="Write the signboard of this unit instead of a map.")
@click.option("--base-url", default=None, help="Where the publication is served, for the "
                                               "signboard's QR code.")
@click.option("--contact", default=None, help="The office's contact line on the board.")
@click.pass_context
def map_command(ctx: click.Context, units_file, ledger_file, problems_file, ratings_file,
                period, freq, rubric, title, tiles, simulated, tz, unit_columns, unit_type,
                force, out,
                unit_types, raster, board_unit, base_url, contact) -> None:
    """Write one star map (.html: every rated period, a switcher, offline; .png/.pdf: for
    print) or one unit's signboard (--signboard)."""
    import shutil
    import tempfile

    import geozz as gz
    from geozz._io import write_text

    kind = out.suffix.lower()
    if kind not in (".html", ".png", ".pdf") or (board_unit and kind == ".html"):
        raise click.BadParameter(f"{out}: a page ends in .html, a printed map or a "
                                 "signboard in .png or .pdf", param_hint="--out")
    echo = echo_for(ctx)
    with stages(["units", "ledger", "problems", "rate", "map"], ctx.obj["quiet"]) as bar:
        units, ledger, problems, ratings = _inputs(
            ctx, units_file, ledger_file, problems_file, unit_columns, unit_type, tz, freq,
            rubric, bar, force, ratings_file)
        bar.step("map")
        types = [t.strip() for t in unit_types.split(",")] if unit_types else None
        if board_unit is not None:
            if board_unit not in set(units.index.astype(str)):
                raise click.BadParameter(f"{board_unit!r} is not a unit id of {units_file}",
                                         param_hint="--signboard")
            one = units[units.index.astype(str) == board_unit]
            with tempfile.TemporaryDirectory() as d:
                made = gz.maps.signboards(one, ratings, d, base_url=base_url, period=period,
                                          min_stars=1, formats=[kind[1:]], contact=contact)
                shutil.copyfile(made[kind[1:]][0], out)
            what = f"signboard of {board_unit}"
        elif kind == ".html":
            m = gz.star_map(units, ratings, period=period, unit_types=types, tiles=tiles,
                            title=title, simulated=simulated, problems=problems,
                            ledger=ledger if problems is not None else None)
            write_text(out, m.get_root().render())
            what = f"star map of {len(units)} units, {ratings['period'].nunique()} periods"
        else:
            gz.maps.static_map(units, ratings, out, period=period, title=title,
                               unit_types=types, raster=raster, simulated=simulated)
            what = f"printed star map of {len(units)} units"
        bar.done()
    echo(f"{what} -> {out.resolve()}")
