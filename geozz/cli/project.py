"""``geozz init DIR`` and ``geozz run``: a district's campaign as a project folder.

``geozz init --district longgang DIR`` writes ``DIR/geozz.toml`` (commented) with the
district's data and its problem records split into one file per month; ``--osm FILE``
starts from any OSM extract. ``geozz run --period 2024-05`` in that folder (or
``--project FILE``) does the month (:func:`geozz.project.run`): the stages' tables are kept
in ``.geozz/``, so the next month re-reads only its new records file and a failed run
resumes from the last good stage; the public folder is written whole. ``--set
section.key=value`` gives any value of the project file on the command line. Exit codes:
0 done, 1 an error in the input (the message names the file, the field and the fix), 2 a
wrong command line.
"""

from __future__ import annotations

from pathlib import Path

import click

from ._common import echo_for

__all__ = ["init", "run"]


@click.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--district", type=click.Choice(["longgang", "haidian", "sf311"]),
              help="Start from a bundled district (its data and records by month).")
@click.option("--osm", "osm_file", type=click.Path(exists=True, dir_okay=False,
                                                    path_type=Path),
              help="Start from this OSM extract (.osm.pbf, .osm).")
@click.option("--force", is_flag=True, help="Replace an existing geozz.toml.")
@click.pass_context
def init(ctx: click.Context, folder: Path, district: str | None, osm_file: Path | None,
         force: bool) -> None:
    """Write FOLDER/geozz.toml for a district (and its data)."""
    from geozz import project
    from geozz.errors import GeozzError

    if district is None and osm_file is None:
        raise click.UsageError("give --district NAME or --osm FILE")
    try:
        root = project.init(folder, district=district, osm=osm_file, force=force)
    except GeozzError as exc:
        raise click.ClickException(str(exc)) from exc
    echo = echo_for(ctx)
    echo(f"wrote {root / project.FILE}")
    records = sorted((root / "problems").glob("*"))
    if records:
        echo(f"  records: {len(records)} files in {root / 'problems'} "
             f"({records[0].name} … {records[-1].name})")
    echo(f"next: cd {root} && geozz run --period <period>")


@click.command("run")
@click.option("--period", default=None,
              help="The period to do (2024-05; 2024 for yearly rating) [default: the last "
                   "complete period of the records].")
@click.option("--project", "project_file", type=click.Path(path_type=Path),
              default=Path("."), show_default=True,
              help="The project file, or its folder.")
@click.option("--set", "settings", multiple=True, metavar="SECTION.KEY=VALUE",
              help="Set a value of the project file (repeatable), e.g. "
                   "--set units.grid_size=100 --set publish.signboards=true.")
@click.option("--engine", type=click.Choice(["dask"]), default=None,
              help="Assign and rate on dask (partitions on a cluster; the same tables). "
                   "[default: one process]")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="With --engine dask: a dask scheduler's address (tcp://host:8786) "
                   "[default: a local cluster, a worker per CPU].")
@click.pass_context
def run(ctx: click.Context, period: str | None, project_file: Path,
        settings: tuple[str, ...], engine: str | None, scheduler: str | None) -> None:
    """Do a month of the project: units, problems, assignment, rating, the public folder,
    the workbook and the bulletin."""
    from tqdm import tqdm

    from geozz import project
    from geozz.errors import GeozzError

    overrides = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep or "." not in key:
            raise click.BadParameter(f"{item!r}: write SECTION.KEY=VALUE, e.g. "
                                     "units.grid_size=100", param_hint="--set")
        overrides[key.strip()] = value.strip()
    quiet = ctx.obj["quiet"]
    echo = echo_for(ctx)
    with tqdm(total=6, unit="stage", disable=quiet or None, leave=False,
              bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}]") as bar:
        def progress(stage: str, what: str) -> None:
            bar.set_description(stage[:24].ljust(24))
            if what in ("done", "kept") and not stage.startswith("problems "):
                bar.update(1)

        try:
            proj = project.load(project_file, overrides=overrides)
            if scheduler is not None and engine is None:
                raise click.BadParameter("needs --engine dask", param_hint="--scheduler")
            done = project.run(proj, period=period, progress=progress, engine=engine,
                               scheduler=scheduler)
        except GeozzError as exc:
            raise click.ClickException(str(exc)) from exc
    echo(f"{proj.district['name'] or proj.root.name}: period {done.period} "
         f"({proj.rating['freq']}, rubric {proj.rating['rubric']})")
    echo(f"  units {done.counts['units']}, problems {done.counts['problems']} up to the "
         f"period's end, rejected records and fields {done.counts['rejects']}, ratings "
         f"{done.counts['ratings']}")
    echo(f"  records files read this run: {len(done.read)}"
         + (f" ({', '.join(p.name for p in done.read[:4])}"
            f"{' …' if len(done.read) > 4 else ''})" if done.read else ""))
    for name, info in done.stages.items():
        echo(f"  {name:<9} {'ran ' if info['ran'] else 'kept'} {info['seconds']:7.2f} s")
    for key in ("public", "index", "overview", "workbook", "bulletin_docx", "bulletin_pdf",
                "ratings", "ledger"):
        if key in done.outputs:
            echo(f"  {key:<13} {done.outputs[key]}")
