"""``geozz problems FILE…``: read, validate and save problem records with their rejects.

Each file (or folder of photos) goes through :func:`geozz.read_problems`; the problems of
all of them are saved together (:func:`geozz.problems.save`: GeoPackage or GeoParquet,
without personal fields) and every reject goes to one CSV. A file that cannot be read at
all (no category column, not a records file) is reported and the others go on. The exit
code is non-zero only when no problem at all could be read.
"""

from __future__ import annotations

from pathlib import Path

import click

from ._common import (
    cli_terms,
    echo_for,
    out_path,
    pairs,
    parse_bbox,
    print_rejects,
    report_findings,
    stages,
    tz_note,
)

__all__ = ["problems", "combine", "report_ids"]


def report_ids(problems) -> set[str]:
    """Every record id in ``problems``: the index and, of merged problems, the ids of all
    their reports (``report_ids``, joined with ``;``)."""
    ids = set(problems.index.astype(str))
    if "report_ids" in problems and "report_count" in problems:
        many = problems["report_count"].to_numpy() > 1
        for joined in problems["report_ids"][many].dropna():
            ids.update(str(joined).split(";"))
    return ids


def combine(parts: list[tuple[str, object, object]]):
    """Concatenate ``(file, problems, rejects)`` of several files into one problems frame and
    one rejects table. An id already used by an earlier file is a ``duplicate_id`` reject
    of the later file (its row number is not known after validation; the value is the id).
    The command itself reads each file with ``taken_ids=`` the ids of the files before
    (:func:`report_ids`), so such a record is rejected with its row and line, before
    repeat reports are merged, and this is only a safety net.
    """
    import geopandas as gpd
    import pandas as pd

    probs, rejs = [], []
    seen: set[str] = set()
    for file, problems, rejects in parts:
        dup = problems.index.isin(list(seen))
        if dup.any():
            extra = pd.DataFrame({"file": file, "row": pd.NA, "line": pd.NA,
                                  "kind": "record", "reason": "duplicate_id",
                                  "field": "problem_id",
                                  "value": problems.index[dup].astype(str)})
            rejects = pd.concat([rejects, extra], ignore_index=True)
            problems = problems[~dup]
        seen.update(problems.index.astype(str))
        probs.append(problems)
        rejs.append(rejects)
    problems = pd.concat(probs) if probs else gpd.GeoDataFrame()
    rejects = pd.concat([r for r in rejs if len(r)], ignore_index=True) \
        if any(len(r) for r in rejs) else (rejs[0] if rejs else pd.DataFrame())
    return problems, rejects


@click.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("problems.gpkg"), show_default=True,
              help="Problems file to write: .gpkg or .parquet.")
@click.option("--rejects", "rejects_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Rejects CSV to write (default: <out>_rejects.csv beside --out).")
@click.option("--coords", default="wgs84", show_default=True,
              help="Coordinate system of rows that do not say: wgs84, gcj02, bd09, "
                   "cgcs2000, EPSG:nnnn …")
@click.option("--tz", default="Asia/Shanghai", show_default=True,
              help="IANA time zone of naive times.")
@click.option("--column", "columns", multiple=True, metavar="NAME=FIELD",
              help="A file column and the field it holds, e.g. '案件编号=problem_id'.")
@click.option("--category", "categories", multiple=True, metavar="RAW=CODE",
              help="A raw category and its code, e.g. '垃圾满溢=exposed_garbage'.")
@click.option("--categories", "category_map",
              type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A category map (TOML: [categories] \"raw\" = \"code\" lines, and "
                   "new = [\"noise\", …] for codes beyond the built-in ones).")
@click.option("--rubric", default=None, metavar="NAME|FILE",
              help="A rubric whose categories are accepted as codes (noise, parking …) "
                   "besides the built-in ones.")
@click.option("--source", "sources", multiple=True, metavar="RAW=CODE",
              help="A raw source and its code (patrol, complaint, photo …).")
@click.option("--status", "statuses", multiple=True, metavar="RAW=CODE",
              help="A raw status and its code (open, rectified …).")
@click.option("--sheet", default=None, help="Sheet of .xlsx workbooks (default the first).")
@click.option("--encoding", default=None, help="Force a text encoding (default: detected).")
@click.option("--dayfirst/--monthfirst", default=None,
              help="Read a/b/yyyy dates day first or month first (default: from the data).")
@click.option("--extent", default=None, metavar="MINLON,MINLAT,MAXLON,MAXLAT",
              help="Where the problems can be (WGS-84): swapped pairs are repaired, points "
                   "farther than --far are rejected as far_outside.")
@click.option("--far", default=50_000.0, show_default=True,
              help="Metres beyond --extent a point may lie.")
@click.option("--deadlines", "deadline_rules",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Deadline rules TOML replacing the bundled ones (limits per category in "
                   "working time, working day, holidays).")
@click.option("--no-deadlines", is_flag=True, help="Keep only the deadlines the records carry.")
@click.option("--no-merge", is_flag=True,
              help="Keep every report (do not merge repeat reports of one problem).")
@click.option("--no-recurrence", is_flag=True, help="Do not link recurrences (回潮).")
@click.pass_context
def problems(ctx: click.Context, files: tuple[Path, ...], out: Path,
             rejects_out: Path | None, coords: str, tz: str, columns: tuple[str, ...],
             categories: tuple[str, ...], category_map: Path | None, rubric: str | None,
             sources: tuple[str, ...],
             statuses: tuple[str, ...], sheet: str | None, encoding: str | None,
             dayfirst: bool | None, extent: str | None, far: float,
             deadline_rules: Path | None, no_deadlines: bool, no_merge: bool,
             no_recurrence: bool) -> None:
    """Read problem records (CSV, XLSX, GeoJSON, GeoPackage, GeoParquet, Open311 JSON, a
    folder of geotagged photos), print what was read and rejected, and save both."""
    import geozz as gz
    from geozz._io import write_csv
    from geozz.errors import GeozzError

    from .. import problems as gzp

    out = out_path(out, gz.tables.problems.SUFFIXES, "--out")
    rejects_out = rejects_out or out.with_name(out.name.split(".")[0] + "_rejects.csv")
    mapping, new = {}, []
    with stages([], True):  # a bad map or rubric: a one-message error, exit code 1
        if category_map is not None:
            mapping, declared = gzp.read_category_map(category_map)
            new += declared
        if rubric is not None:
            new += gz.rubric.load_rubric(rubric).problem_categories()
    mapping.update(pairs(categories, "--category"))
    options = dict(coords=coords, tz=tz, columns=pairs(columns, "--column") or None,
                   categories=mapping or None, new_categories=new or None,
                   sources=pairs(sources, "--source") or None,
                   statuses=pairs(statuses, "--status") or None,
                   sheet=int(sheet) if sheet and sheet.isdigit() else sheet,
                   encoding=encoding, dayfirst=dayfirst,
                   extent=parse_bbox(extent, "--extent"), far=far,
                   deadlines=False if no_deadlines else deadline_rules,
                   merge=not no_merge, recurrence=not no_recurrence)
    echo = echo_for(ctx)
    parts, failed = [], []
    taken: set[str] = set()  # ids of the files read so far: never taken twice
    with stages(["read", "save"], ctx.obj["quiet"]) as bar:
        bar.step("read")
        for path in files:
            try:
                got, rej = gz.read_problems(path, taken_ids=taken, **options)
            except GeozzError as exc:
                if not isinstance(exc, ValueError):  # not the input's fault: stop
                    raise
                failed.append(path)
                click.echo(f"{path}: not read:\n{cli_terms(str(exc))}", err=True)
                continue
            parts.append((str(path), got, rej))
            taken |= report_ids(got)
            n_rec = int((rej["kind"] == "record").sum()) if len(rej) else 0
            n_rep = int(got["report_count"].sum()) if "report_count" in got else len(got)
            echo(f"{path}: {n_rep + n_rec} records: {n_rep} read, {n_rec} rejected"
                 + (f"; {len(got)} problems after merging repeat reports"
                    if n_rep != len(got) else ""))
        bar.done()
        bar.step("save")
        found, rejects = combine(parts)
        if len(found):
            gzp.save(found, out)
        if len(rejects):
            write_csv(rejects_out, rejects)
        bar.done()
    n_rec = int((rejects["kind"] == "record").sum()) if len(rejects) else 0
    echo(f"total: {len(files)} inputs ({len(failed)} not read), {len(found)} problems, "
         f"{n_rec} records rejected, {len(rejects) - n_rec} fields set aside")
    if len(rejects):
        print_rejects(echo, rejects)
        if (rejects["reason"] == "unmapped_category").any():
            echo("  map unknown categories with --category RAW=CODE or --categories "
                 "map.toml; codes beyond the built-in ones (geozz vocabulary categories) "
                 "with new = [...] in the map or --rubric my.toml")
    if len(found):
        coords_src = "--coords" if ctx.get_parameter_source("coords").name != "DEFAULT" \
            else "the default of --coords"
        echo(f"time zone of naive times: {tz_note(ctx, tz)}; coordinates: {coords} "
             f"({coords_src}, unless a row's coord_sys says otherwise), stored as WGS-84 "
             "(EPSG:4326)")
        report_findings(ctx, gz.assignment.sanity_checks(problems=found), force=False)
        echo(f"problems written: {out.resolve()}")
    if len(rejects):
        echo(f"rejects written:  {rejects_out.resolve()}")
    if not len(found):
        raise click.ClickException("no problem could be read from "
                                   + ", ".join(str(f) for f in files))
