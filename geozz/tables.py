"""The tables passed between stages saved and read back: Units, Problems, Rejects, Ledger
and Ratings, as (Geo)Parquet.

A project keeps each stage's table in its folder (:mod:`geozz.project`) so that the next
month re-reads only new records and a failed run resumes from the last good stage. A table
is written atomically (whole or not at all) and checked when read back with the check of
the stage it feeds (:mod:`geozz.schema`), so a damaged or foreign file is refused with the
file named, not passed on.

=========  ======================  ==================================================
kind       written by              file
=========  ======================  ==================================================
units      build_units/read_units  GeoParquet, ``centerline`` kept, ``unit_id`` a
                                   column (the index again when read)
problems   read_problems           GeoParquet (:func:`geozz.problems.store.save`: no
                                   personal or internal fields), index ``problem_id``
rejects    read_problems           Parquet, every value as text (raw records vary)
ledger     assign                  Parquet
ratings    rate                    Parquet
=========  ======================  ==================================================

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

import geopandas as gpd
import pandas as pd

from ._io import as_path, atomic_path
from .errors import InputError, Issue

__all__ = ["KINDS", "write", "read"]

#: the tables this module saves
KINDS = ("units", "problems", "rejects", "ledger", "ratings")


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise InputError(Issue(field="kind", expected=f"one of {KINDS}", got=kind,
                               fix="name the table, e.g. write('ledger', ledger, path)"))
    return kind


def write(kind: str, table: pd.DataFrame, path: str | Path) -> Path:
    """Write one stage's table to ``path`` (``.parquet``), atomically.

    Parameters
    ----------
    kind : {"units", "problems", "rejects", "ledger", "ratings"}
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
    if kind == "problems":
        from .problems.store import save

        return save(table, out)
    if kind == "rejects":
        table = table.astype("string")  # raw records: the same text, any column
    if kind == "units":  # the id as a column: any GeoParquet reader (and read_units) sees it
        table = table.reset_index()
    with atomic_path(out) as tmp:
        table.to_parquet(tmp, index=False)
    return out


def read(kind: str, path: str | Path) -> pd.DataFrame:
    """Read a table :func:`write` wrote, checked for the stage it feeds.

    Raises
    ------
    InputError
        The file is missing or not a table of this kind (the file and the fix named).
    """
    _kind(kind)
    src = as_path(path, field="path")
    if not src.is_file():
        raise InputError(Issue(file=str(src), expected=f"a saved {kind} table", got=None,
                               fix="run the stage that writes it again"))
    if kind == "problems":
        from .problems.store import load

        return load(src)
    from .schema import check_ledger, check_ratings, check_units

    try:
        table = gpd.read_parquet(src) if kind == "units" else pd.read_parquet(src)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise InputError(Issue(file=str(src), expected=f"a saved {kind} table",
                               got=f"{type(exc).__name__}: {exc}"[:200],
                               fix="delete it and run the stage that writes it again")
                         ) from None
    if kind == "units" and "unit_id" in table.columns:
        table = table.set_index("unit_id")
    check = {"units": lambda t: check_units(t, stage="read"),
             "ledger": lambda t: check_ledger(t, stage="read"),
             "ratings": lambda t: check_ratings(t, stage="read"),
             "rejects": lambda t: None}[kind]
    check(table)
    return table
