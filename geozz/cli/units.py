"""``geozz units SOURCE -o units.gpkg``: build or load units, join a roster, write, report.

SOURCE is an OSM file (``.osm``, ``.osm.bz2``, ``.osm.pbf``: :func:`geozz.read_osm` then
:func:`geozz.build_units`) or an office's own units file (anything
:func:`geozz.read_units` reads). ``--roster`` joins the responsible persons
(:func:`geozz.units.roster.read_roster`; its report goes to ``<out>_roster.csv``, without
phone numbers). The units are written as GeoPackage (layer ``units``; the centre line as
WKT in a ``centerline`` column, which :func:`geozz.read_units` reads back) or GeoParquet
(the centre line as a second geometry column). The coverage report
(:func:`geozz.units.report.coverage_report`) is always printed; ``--report`` also writes
its gaps and overlaps: as layers ``gaps`` and ``overlaps`` of the GeoPackage, or as
``<out>_gaps.parquet`` and ``<out>_overlaps.parquet``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import click

from geozz.tables.units import write_units

from ._common import echo_for, out_path, pairs, parse_bbox, stages

__all__ = ["units", "OSM_SUFFIXES", "UNITS_SUFFIXES", "write_units"]

OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.pbf", ".pbf", ".osm.xml")
UNITS_SUFFIXES = (".gpkg", ".parquet")


def _is_osm(path: Path) -> bool:
    return path.name.lower().endswith(OSM_SUFFIXES)


@click.command()
@click.argument("source", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--place", default=None,
              help="Build from a place name instead of a file (needs the network: "
                   "geocoded and downloaded through osmnx / Overpass).")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("units.gpkg"), show_default=True,
              help="Units file to write: .gpkg or .parquet.")
@click.option("--type", "unit_types", multiple=True,
              help="Unit types to build from an OSM file (repeat; default all built in).")
@click.option("--bbox", default=None, metavar="MINLON,MINLAT,MAXLON,MAXLAT",
              help="Boundary box for an OSM file (default: the bounds the file declares).")
@click.option("--grid-size", default=200.0, show_default=True, help="Grid cell side, m.")
@click.option("--grid-shape", type=click.Choice(["square", "hex"]), default="square",
              show_default=True, help="Square cells or H3 hexagons.")
@click.option("--road-width", type=float, default=None,
              help="One road corridor half-width for every road, m (default: by road "
                   "class).")
@click.option("--section-length", default=1000.0, show_default=True,
              help="Target road section length, m.")
@click.option("--river-width", default=50.0, show_default=True,
              help="River reach half-width, m.")
@click.option("--reach-length", default=1000.0, show_default=True,
              help="Target river reach length, m.")
@click.option("--column", "columns", multiple=True, metavar="NAME=FIELD",
              help="A units file column and the field it holds, e.g. 'Grid_No=unit_id'.")
@click.option("--unit-type", default=None,
              help="Unit type of a units file without a unit_type column.")
@click.option("--layer", default=None, help="Layer of a multi-layer units file.")
@click.option("--source-crs", default=None,
              help="The CRS the units file's coordinates are really in (EPSG:nnnn).")
@click.option("--width", type=float, default=None,
              help="Read line geometries as corridors this many metres each side.")
@click.option("--make-ids", is_flag=True,
              help="Make ids from the geometries of a units file without an id column.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Roster of responsible persons (CSV/XLSX keyed by unit id).")
@click.option("--roster-column", "roster_columns", multiple=True, metavar="NAME=FIELD",
              help="A roster column and the field it holds (unit_id, responsible, role).")
@click.option("--boundary", "boundary_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="District boundary for the coverage report of a units file.")
@click.option("--report", "write_report", is_flag=True,
              help="Also write the gaps and overlaps of the coverage report.")
@click.option("--min-area", default=100.0, show_default=True,
              help="Report area units smaller than this, m².")
@click.option("--min-length", default=50.0, show_default=True,
              help="Report corridors shorter than this, m.")
@click.pass_context
def units(ctx: click.Context, source: Path | None, place: str | None, out: Path,
          unit_types: tuple[str, ...], bbox: str | None, grid_size: float,
          grid_shape: str, road_width: float | None, section_length: float,
          river_width: float,
          reach_length: float, columns: tuple[str, ...], unit_type: str | None,
          layer: str | None, source_crs: str | None, width: float | None, make_ids: bool,
          roster: Path | None, roster_columns: tuple[str, ...], boundary_file: Path | None,
          write_report: bool, min_area: float, min_length: float) -> None:
    """Build units from an OSM file or load an office's units file; join a roster; write
    them (.gpkg / .parquet) and print the coverage and quality report."""
    import geopandas as gpd

    import geozz as gz
    from geozz._io import write_csv
    from geozz.units.report import coverage_report
    from geozz.units.roster import read_roster

    if (source is None) == (place is None):
        raise click.UsageError("give either SOURCE (a file) or --place NAME")
    out = out_path(out, UNITS_SUFFIXES, "--out")
    echo = echo_for(ctx)
    notes: list[str] = []
    roster_report = None
    with stages(["units", "roster", "report", "write"], ctx.obj["quiet"]) as bar:
        bar.step("units")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if place is not None or _is_osm(source):
                area = gz.read_place(place) if place is not None else \
                    gz.read_osm(source, boundary=parse_bbox(bbox, "--bbox"))
                built = gz.build_units(area, grid_size=grid_size, grid_shape=grid_shape,
                                       road_width=road_width, section_length=section_length,
                                       river_width=river_width, reach_length=reach_length,
                                       **({"unit_types": list(unit_types)}
                                          if unit_types else {}))
                boundary = area.boundary
                what = (f"built from {place if place is not None else source.name} "
                        f"({area.name}; boundary: {area.meta.get('boundary', 'given')})")
            else:
                built = gz.read_units(source, columns=pairs(columns, "--column") or None,
                                      unit_type=unit_type, layer=layer,
                                      source_crs=source_crs, width=width,
                                      make_ids=make_ids)
                boundary = None
                what = f"read from {source.name}"
            if boundary_file is not None:
                try:
                    boundary = gpd.read_file(boundary_file)
                except Exception as exc:  # pyogrio's errors: not a file GDAL reads
                    raise click.BadParameter(f"{boundary_file}: not a polygon file GDAL "
                                             f"reads ({str(exc)[:120]})",
                                             param_hint="--boundary") from None
        notes += [str(w.message) for w in caught]
        bar.done()
        bar.step("roster")
        if roster is not None:
            built, roster_report = read_roster(
                roster, built, columns=pairs(roster_columns, "--roster-column") or None)
        bar.done()
        bar.step("report")
        rep = coverage_report(built, boundary, min_area=min_area, min_length=min_length)
        bar.done()
        bar.step("write")
        layers = None
        if write_report:
            layers = {"gaps": rep.gaps.reset_index(drop=True),
                      "overlaps": rep.overlaps.reset_index(drop=True)}
        write_units(built, out, layers=layers)
        roster_out = out.with_name(out.name.split(".")[0] + "_roster.csv")
        if roster_report is not None:
            write_csv(roster_out, roster_report)
        bar.done()
    counts = built["unit_type"].value_counts()
    echo(f"{len(built)} units {what}: "
         + ", ".join(f"{t} {counts[t]}" for t in gz.units.UNIT_TYPES if t in counts)
         + f", in {built.crs.name}")
    for note in notes:
        echo(f"note: {note}")
    if roster_report is not None:
        by = roster_report["reason"].value_counts()
        echo(f"roster {roster.name}: " + (", ".join(f"{k} {v}" for k, v in by.items())
                                          or "every unit has a responsible person, every "
                                             "row matched a unit"))
    echo(rep.summary)
    echo(f"units written: {out.resolve()}")
    if write_report:
        echo(f"gaps and overlaps written with them ({len(rep.gaps)} gaps, "
             f"{len(rep.overlaps)} overlaps)")
    if roster_report is not None:
        echo(f"roster report written: {roster_out.resolve()}")
