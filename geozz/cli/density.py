"""``geozz density PROBLEMS -o density.tif``: kernel density, hot spots and zonal statistics.

PROBLEMS is a file written by ``geozz problems`` or raw records. The surface
(:func:`geozz.raster.density`) goes to a GeoTIFF; ``--align UNITS`` puts one pixel on
each cell of a geozz grid. With ``--units``: ``--zonal FILE.csv`` writes the surface's
statistics per unit (:func:`geozz.raster.zonal`) and ``--hotspots PREFIX`` assigns and
rates the problems and writes the Gi* hot spots of the grid cells in every period
(``PREFIX.csv``, with the consecutive-period runs of :func:`geozz.raster.hot_runs`) and
their codes as a grid-aligned GeoTIFF, one band per period (``PREFIX.tif``).
"""

from __future__ import annotations

from pathlib import Path

import click

from ._common import echo_for, load_problems, out_path, stages

__all__ = ["density"]


@click.command()
@click.argument("problems_file", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("density.tif"), show_default=True, help="GeoTIFF to write.")
@click.option("--cell-size", type=float, default=None,
              help="Pixel size in metres [default: 50, or the grid's with --align].")
@click.option("--bandwidth", type=float, default=300.0, show_default=True,
              help="Kernel radius in metres.")
@click.option("--by", default=None, metavar="COLUMN[,COLUMN]",
              help="One band per value: category, period or category,period.")
@click.option("--freq", default="M", show_default=True, help="Period length for --by "
                                                             "period and --hotspots.")
@click.option("--kernel", "kernel_shape", type=click.Choice(["quartic", "gaussian"]),
              default="quartic", show_default=True)
@click.option("--units", "units_file", type=click.Path(exists=True, dir_okay=False,
                                                        path_type=Path),
              default=None, help="Units file (for --align, --zonal, --hotspots).")
@click.option("--align", is_flag=True, help="Align the pixels to the grid cells of --units.")
@click.option("--zonal", "zonal_out", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="CSV of mean, sum, max, count per unit (needs --units).")
@click.option("--hotspots", "hot_prefix", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write PREFIX.csv and PREFIX.tif: Gi* hot spots of the "
                                 "grid cells per period (needs --units).")
@click.option("--tz", default="Asia/Shanghai", show_default=True,
              help="IANA time zone of the problems' times.")
@click.pass_context
def density(ctx: click.Context, problems_file: Path, out: Path, cell_size, bandwidth, by,
            freq, kernel_shape, units_file, align, zonal_out, hot_prefix, tz) -> None:
    """Kernel density of the problems (problems per km²) as a GeoTIFF, with hot spots."""

    import geozz as gz
    from geozz._io import write_csv

    out = out_path(out, (".tif", ".tiff"), "--out")
    if zonal_out is not None:
        zonal_out = out_path(zonal_out, (".csv",), "--zonal")
    if (align or zonal_out or hot_prefix) and units_file is None:
        raise click.BadParameter("--align, --zonal and --hotspots need --units UNITS",
                                 param_hint="--units")
    echo = echo_for(ctx)
    names = ["problems", "units", "density", "zonal", "hotspots"]
    with stages(names, ctx.obj["quiet"]) as bar:
        bar.step("problems")
        problems, _ = load_problems(problems_file, tz)
        bar.done()
        bar.step("units")
        units = gz.read_units(units_file) if units_file is not None else None
        bar.done()
        bar.step("density")
        grid = None
        if align:
            grid = units[units["unit_type"] == "grid"]
        surface = gz.raster.density(
            problems, cell_size=cell_size if (cell_size or align) else 50.0,
            bandwidth=bandwidth, by=[b.strip() for b in by.split(",")] if by else None,
            freq=freq.upper(), align=grid, kernel_shape=kernel_shape, path=out,
            crs=units.crs if units is not None and not align else None)
        bar.done()
        bar.step("zonal")
        if zonal_out is not None:
            z = gz.raster.zonal(surface, units, stats=["mean", "sum", "max", "count"])
            write_csv(zonal_out, z.rename_axis("unit_id").reset_index())
        bar.done()
        bar.step("hotspots")
        hot = None
        if hot_prefix is not None:
            ratings = gz.rate(gz.assign(problems, units), units, freq=freq.upper())
            gi = gz.raster.gistar(ratings, units)
            runs = gz.raster.hot_runs(ratings, units, gi=gi)
            hot = gi.merge(runs.reset_index(), on="unit_id", how="left")
            base = hot_prefix.with_suffix("")
            write_csv(base.with_suffix(".csv"), hot)
            stack = gz.raster.hotspot_surface(gi, units)
            gz.raster.write(stack, base.with_suffix(".tif"))
        bar.done()
    m = surface.meta
    echo(f"problems: {m['points']} read; {m['used']} on the surface, {m['outside']} off it, "
         f"{m['no_position']} without a position")
    h, w = surface.shape
    echo(f"density: {len(surface.labels)} band(s) of {h} × {w} pixels of "
         f"{surface.transform.a:g} m, bandwidth {bandwidth:g} m, peak "
         f"{float(surface.values.max()):.1f} problems per km² -> {out.resolve()}")
    if zonal_out is not None:
        echo(f"zonal: {len(units)} units -> {zonal_out.resolve()}")
    if hot is not None:
        last = hot[hot["period"] == hot["period"].max()]
        counts = last["hotspot"].value_counts()
        echo(f"hot spots ({last['period'].iloc[0]}): "
             + ", ".join(f"{k} {v}" for k, v in counts.items())
             + f"; persistent (3+ periods running) "
               f"{int(last['persistent'].sum())} cells -> {base.with_suffix('.csv').resolve()}")
