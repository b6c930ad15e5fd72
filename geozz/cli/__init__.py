"""The ``geozz`` command line: a thin layer over the public API, one module per command.

Examples
--------
``geozz demo`` runs the whole pipeline on the embedded Longgang district and writes
``./maps/longgang/``; ``geozz problems records.xlsx -o problems.gpkg`` reads, validates and
writes problem records with their rejects; ``geozz assign units.gpkg problems.gpkg -o
ledger.csv`` joins them to their units; ``geozz rate ledger.csv units.gpkg -o ratings.csv
--areas street`` rates them; ``geozz publish units.gpkg ledger.csv -o public/`` writes the
public folder and ``geozz map units.gpkg ledger.csv -o stars.html`` one star map;
``geozz density problems.gpkg -o density.tif`` writes a kernel density surface;
``geozz patrol units.gpkg --osm city.osm.pbf --ledger ledger.csv -o patrol/`` plans the
daily patrol routes; ``geozz vocabulary`` lists what is recognised; ``geozz init --district longgang DIR`` and
``geozz run --period 2024-05`` (in DIR) do an office's month from a project file.
"""

from __future__ import annotations

import logging

import click

__all__ = ["main"]


def _set_level(obj: dict) -> None:
    level = logging.ERROR if obj["quiet"] else \
        max(logging.DEBUG, logging.WARNING - 10 * obj["verbose"])
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="geozz")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """geozz: responsibility units, problem points, star ratings and maps (整脏治乱).

    Exit codes: 0 done; 1 an input or output error (the message names the fix); 2 a usage
    error; 3 refused by a sanity check (most problems outside every unit, or problems and
    units that do not meet; pass --force to go on).
    """
    ctx.obj = {"quiet": quiet, "verbose": verbose}
    _set_level(ctx.obj)


def _after_subcommand(ctx: click.Context, param: click.Parameter, value) -> None:
    """``-v`` / ``-q`` given after the subcommand (``geozz assign … -v``): the same as
    before it (the counts of ``-v`` add up)."""
    if ctx.obj is None:  # a command invoked on its own, without the group
        ctx.obj = {"quiet": False, "verbose": 0}
    if param.name == "quiet" and value:
        ctx.obj["quiet"] = True
    elif param.name == "verbose" and value:
        ctx.obj["verbose"] += value
    _set_level(ctx.obj)


def _verbosity_options(command: click.Command) -> click.Command:
    command.params += [
        click.Option(["-v", "--verbose"], count=True, expose_value=False,
                     callback=_after_subcommand,
                     help="More log output (-v info, -vv debug); also before the command."),
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False,
                     callback=_after_subcommand, help="Only errors; also before the command."),
    ]
    return command


# A command module imports only click and ._common at its top and the stages (geozz.*,
# pandas, geopandas …) inside its command function, so that `geozz --help` and
# `geozz <command> --help` load no stage (tests/test_import.py runs them all).
from .assign import assign  # noqa: E402  (commands register on the group above)
from .demo import demo  # noqa: E402
from .density import density  # noqa: E402
from .forecast import forecast  # noqa: E402
from .patrol import patrol  # noqa: E402
from .problems import problems  # noqa: E402
from .project import init, run  # noqa: E402
from .publish import map_command, publish  # noqa: E402
from .rate import rate  # noqa: E402
from .report import report  # noqa: E402
from .units import units  # noqa: E402
from .vocabulary import vocabulary  # noqa: E402

for _command in (demo, init, run, problems, assign, rate, publish, map_command, units,
                 density, forecast, vocabulary, report, patrol):
    main.add_command(_verbosity_options(_command))
