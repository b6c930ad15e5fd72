"""``geozz demo``: the whole pipeline on real district data.

``geozz demo`` runs the whole pipeline on the embedded Longgang district (real OSM,
simulated records) and on the San Francisco 311 sample (real complaints, by census
tract), and writes ``./maps/longgang/`` and ``./maps/sf311/``: the public folder of
:func:`geozz.publish` plus the density and hot-spot rasters of :mod:`geozz.raster`
(``density.tif``, ``hotspots.tif``, ``hotspots.csv``, also shown as layers of the
overview). ``--district haidian`` (or ``longgang``, ``sf311``) runs one of them;
``geozz demo --osm city.osm.pbf`` runs any OSM extract (with simulated problems). Each run
is a project (:mod:`geozz.project`) done by ``geozz run``'s code, the path of an office's
month: a bundled district runs its own project file (``data/<name>/geozz.toml`` in the
repository), an OSM file a project ``geozz init`` writes in a scratch folder.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from ._common import echo_for, parse_bbox, print_rejects, stages

__all__ = ["demo"]

#: what ``geozz demo`` runs without ``--district``
DEFAULT_RUNS = ("longgang", "sf311")
@click.command()
@click.option("--district", default=None,
              help="One bundled data set (longgang, haidian, sf311) [default: longgang "
                   "and sf311].")
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
@click.option("--signboards/--no-signboards", default=True, show_default=True,
              help="Write signboards/ (a PNG per unit at 3★ or better, one PDF of all).")
@click.option("--base-url", default="http://localhost:8000/", show_default=True,
              help="Where the folder will be served, for the signboards' QR codes "
                   "(python -m http.server -d maps/longgang 8000 serves the default).")
@click.pass_context
def demo(ctx: click.Context, district: str, osm_file: Path | None, bbox: str | None,
         out_root: Path,
         grid_size: float, n: int, seed: int, period: str | None, signboards: bool,
         base_url: str) -> None:
    """Run units → problems → assign → rate → maps (and density, hot spots) on real data."""
    runs = [district] if district is not None or osm_file is not None else list(DEFAULT_RUNS)
    for name in runs:
        _one(ctx, name, osm_file, bbox, out_root, grid_size, n, seed, period,
             base_url if signboards else None)


def _one(ctx: click.Context, district: str | None, osm_file: Path | None, bbox: str | None,
         out_root: Path, grid_size: float, n: int, seed: int, period: str | None,
         base_url: str | None) -> None:
    """One run: a project done by ``geozz run``'s code (the path of an office's month),
    published to ``out_root/<name>``."""
    import json

    import pandas as pd

    import geozz as gz
    from geozz import project

    sf = osm_file is None and district == "sf311"
    word = "years" if sf else "months"
    name = osm_file.name.split(".")[0] if osm_file is not None else district
    out = out_root / name
    with stages(["project", "units", "assign", "rate", "maps"], ctx.obj["quiet"]) as bar, \
            tempfile.TemporaryDirectory() as scratch:
        bar.step("project")
        # a bundled district's own project file (data/<name>/geozz.toml), its tables kept
        # in the scratch folder; an OSM file gets a new project there, as `geozz init` does
        root = project.init(Path(scratch) / name, osm=osm_file) if osm_file is not None \
            else gz.datasets.project_path(district)
        overrides = {"publish.out": str(out.absolute()),
                     "publish.signboards": str(base_url is not None),
                     "publish.base_url": base_url or "",
                     "reports.workbook": "false", "reports.bulletin": "false"}
        if not sf:
            overrides["units.grid_size"] = str(grid_size)
        if osm_file is not None:  # simulated records, published with the maps
            box = parse_bbox(bbox, "--bbox")
            if box:
                overrides["district.bbox"] = json.dumps(list(box))
            overrides["publish.simulated"] = "true"
            overrides["publish.extra"] = '["problems/problems_simulated.csv"]'
        proj = project.load(root, overrides=overrides, work=Path(scratch) / name / ".geozz")
        title = proj.publish["title"] or name
        bar.done()
        bar.step("units")
        units = project.units_of(proj)
        if osm_file is not None:
            gz.datasets.simulate_problems(units, n=n, seed=seed).to_csv(
                root / "problems" / "problems_simulated.csv", index=False)
        # the SF 311 sample ends in January 2016: its maps show the last whole year
        shown = "2015" if sf and not (period or "").isdigit() else period
        from tqdm import tqdm

        with tqdm(total=None, unit="page", desc="  pages", leave=False,
                  disable=ctx.obj["quiet"] or None) as pages_bar:
            def progress(stage: str, what: str) -> None:
                if stage == "publish pages":
                    k, total = map(int, what.split("/"))
                    pages_bar.total, pages_bar.n = total, k
                    pages_bar.refresh()
                elif stage in ("units", "assign", "rate", "publish") and \
                        what in ("done", "kept"):
                    bar.done()
                elif what == "start":
                    bar.step("maps" if stage == "publish" else stage[:10])

            done = project.run(proj, show=shown, progress=progress)
    t = done.tables
    problems, rejects, ledger, ratings = t["problems"], t["rejects"], t["ledger"], t["ratings"]
    period = done.shown
    rubric = proj.rating["rubric"]
    density, gi, hot_runs = done.rasters.density, done.rasters.gi, done.rasters.runs
    written = {k: v for k, v in done.outputs.items()
               if k != "public" and Path(v).is_relative_to(out.absolute())}
    records = (written["problems_simulated.csv"] if osm_file is not None
               else gz.datasets.sf311_path() / "cases_sample.csv.gz" if sf
               else gz.datasets.problems_path(district))
    # the same sanity checks as geozz assign; the demo's records are its own, so a
    # finding is printed (an OSM file far from China: the time zone) and it goes on
    findings = gz.assignment.sanity_checks(problems, units, ledger)
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
    echo(f"{title}: {len(units)} units "
         + ", ".join(f"{k} {v}" for k, v in units["unit_type"].value_counts().items())
         + f" in {units.crs.name}")
    echo(f"records in {records}: {n_rows} rows: {n_reports} read, {n_rejected} rejected"
         + (f" ({n_field} fields set aside in records read)" if n_field else ""))
    echo(f"problems: {len(problems)} ({n_reports - len(problems)} repeat reports merged); "
         + (f"{int(problems['recurrent'].sum())} recur (回潮) within 90 days of a "
            f"rectified one ({problems['recurrent'].mean():.0%})"
            if "recurrent" in problems and len(problems) else ""))
    print_rejects(echo, rejects)
    zone = problems["found_at"].dt.tz if len(problems) else None
    echo(f"time zone: {zone}; problems read as WGS-84, units in {units.crs.name}")
    for finding in findings:
        click.secho(str(finding), err=True, fg="yellow")
    echo(f"assigned: {in_grid} to a grid cell, {outside} outside every unit "
         f"({in_grid} + {outside} = {in_grid + outside} of {len(problems)} problems); "
         + ", ".join(f"{by_type.get(t, 0)} in {t} units" for t in corridors))
    shown = sorted(ratings["period"].unique())
    echo(f"ratings: {len(ratings)} rows = {len(units)} units x {len(shown)} {word} "
         f"({shown[0]} … {shown[-1]}), rubric {rubric}; maps show {period or shown[-1]}")
    on_map = period or shown[-1]
    stars = ratings.loc[ratings["period"] == on_map, "stars"]
    counts = stars.value_counts()
    echo(f"stars in {on_map}: " + ", ".join(f"{s}★ {int(counts.get(s, 0))}"
                                            for s in (5, 4, 3, 2, 1)))
    from geozz.tables.ratings import TARGET, passing

    echo(f"units at 3★ or better in {on_map}: {passing(stars).mean():.0%} "
         f"(target {TARGET:.0%})")
    if "areas_table" in written:  # the areas below the target, in any period
        areas = pd.read_csv(written["areas_table"])
        below = areas[~areas["meets_target"].astype(bool)]
        echo(f"areas below the 80% target: {len(below)} of {len(areas)} area-{word}"
             + (": " + "; ".join(f"{a} in {', '.join(map(str, g['period']))}"
                                 for a, g in below.groupby("area", sort=False))
                if len(below) else ""))
    m = density.meta
    echo(f"density: {len(density.labels)} {word} of {density.shape[0]} × {density.shape[1]} "
         f"pixels of {gz.raster.layers.CELL_SIZE:g} m ({m['used']} problems on it, {m['outside']} off it, "
         f"{m['no_position']} without a position); peak "
         f"{float(density.values.max()):.0f} problems per km²")
    now = gi[gi["period"] == (period or shown[-1])]
    echo(f"hot spots (Gi*, {period or shown[-1]}): "
         + ", ".join(f"{k} {v}" for k, v in now["hotspot"].value_counts().items())
         + f"; {int(hot_runs['persistent'].sum())} cells hot 3+ {word} running (回潮)")
    if base_url is not None:
        boards = sorted((Path(written["signboards"])).glob("*.png")) \
            if "signboards" in written else []
        echo(f"signboards: {len(boards)} boards (units at 3★ or better), QR codes to "
             f"{base_url}units/…; serve the folder there to make them work")
    echo("written:")
    for key, p in written.items():
        echo(f"  {key:<9} {Path(p).resolve()}")

