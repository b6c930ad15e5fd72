"""The tables passed between stages, each with one home: its columns, check, read and write.

=========  ==========================  =====================  ===========================
table      module                      made by                saved as
=========  ==========================  =====================  ===========================
units      :mod:`geozz.tables.units`     build_units/read_units GeoParquet (``centerline``
                                                              kept, ``unit_id`` a column)
problems   :mod:`geozz.tables.problems`  read_problems          GeoParquet or GeoPackage, no
                                                              personal or internal field
rejects    (the raw records' text)       read_problems          Parquet, every value text
ledger     :mod:`geozz.tables.ledger`    assign                 Parquet
ratings    :mod:`geozz.tables.ratings`   rate                   Parquet
areas      :mod:`geozz.tables.areas`     rating.areas           Parquet
risk       :mod:`geozz.tables.risk`      forecast.risk          GeoJSON or GeoParquet
=========  ==========================  =====================  ===========================

The unit types every table names live in :mod:`geozz.tables.unit_types` (the registry);
what every check is made of (raise once, name the field, judge a CRS) in
``geozz.tables._common``. These modules import nothing above them: every stage (units,
problems, assignment, rating, maps, reports) and the command line take a table's columns
and its check from here, and no stage re-derives another's columns.

:func:`write` and :func:`read` save a stage's table by its kind (a project keeps one per
stage in its ``.geozz/`` folder, :mod:`geozz.project`): written atomically (whole or not at
all), checked when read back with the check of the stage it feeds, so a damaged or foreign
file is refused with the file named. The published tables a person reads come back too:
:func:`read_ledger` (``geozz assign -o ledger.csv``) and :func:`read_ratings` (``geozz rate
-o ratings.csv``) undo the CSV's text.

Examples
--------
>>> import tempfile, geozz as gz
>>> from pathlib import Path
>>> units = gz.datasets.sf311_tracts()
>>> path = write("units", units, Path(tempfile.mkdtemp()) / "units.parquet")
>>> back = read("units", path)
>>> back.index.equals(units.index), back.crs == units.crs
(True, True)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._io import as_path, atomic_path
from ..errors import InputError, Issue
from . import areas, ledger, problems, ratings, risk, unit_types, units
from ._common import read_file, require_file
from .ledger import read_ledger
from .ratings import read_ratings

__all__ = ["KINDS", "areas", "ledger", "problems", "ratings", "read", "read_ledger",
           "read_ratings", "risk", "unit_types", "units", "write"]

#: the tables :func:`write` saves and :func:`read` reads
KINDS = ("units", "problems", "rejects", "ledger", "ratings", "areas")


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise InputError(Issue(field="kind", expected=f"one of {KINDS}", got=kind,
                               fix="name the table, e.g. write('ledger', ledger, path)"))
    return kind


def write(kind: str, table: pd.DataFrame, path: str | Path) -> Path:
    """Write one stage's table to ``path`` (``.parquet``), atomically.

    Parameters
    ----------
    kind : {"units", "problems", "rejects", "ledger", "ratings", "areas"}
    table : DataFrame or GeoDataFrame
        As the stage returned it.
    path : str or Path

    Returns
    -------
    Path
    """
    _kind(kind)
    out = as_path(path, field="path")
    out.parent.mkdir(parents=True, exist_ok=True)
    if kind == "units":  # the id as a column: any GeoParquet reader (and read_units) sees it
        return units.write_units(table, out)
    if kind == "problems":
        return problems.save(table, out)
    if kind == "rejects":  # raw records: the same text, any column
        with atomic_path(out) as tmp:
            table.astype("string").to_parquet(tmp, index=False)
        return out
    return {"ledger": ledger.write, "ratings": ratings.write, "areas": areas.write}[kind](
        table, out)


def read(kind: str, path: str | Path) -> pd.DataFrame:
    """Read a table :func:`write` wrote, checked for the stage it feeds.

    Raises
    ------
    InputError
        The file is missing or not a table of this kind (the file and the fix named).
    """
    _kind(kind)
    src = as_path(path, field="path")
    if kind == "problems":
        require_file(src, kind)  # a missing file named as for the others
        return problems.load(src)
    if kind == "rejects":
        return read_file(src, kind, pd.read_parquet)
    return {"units": units.read, "ledger": ledger.read, "ratings": ratings.read,
            "areas": areas.read}[kind](src)
