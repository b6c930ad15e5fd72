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
``geozz vocabulary`` lists what is recognised.
"""

from __future__ import annotations

import logging

import click

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="geozz")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """geozz: responsibility units, problem points, star ratings and maps (整脏治乱)."""
    level = logging.ERROR if quiet else max(logging.DEBUG, logging.WARNING - 10 * verbose)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = {"quiet": quiet}


from .assign import assign  # noqa: E402  (commands register on the group above)
from .demo import demo  # noqa: E402
from .density import density  # noqa: E402
from .problems import problems  # noqa: E402
from .publish import map_command, publish  # noqa: E402
from .rate import rate  # noqa: E402
from .report import report  # noqa: E402
from .units import units  # noqa: E402
from .vocabulary import vocabulary  # noqa: E402

for _command in (demo, problems, assign, rate, publish, map_command, units, density,
                 vocabulary, report):
    main.add_command(_command)
