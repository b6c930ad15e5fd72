"""The Areas table: one row per admin area and period, the ranking offices publish.

:func:`geozz.rating.areas` makes it from the ratings and the units' admin areas; the
publication, the workbook and the bulletin read it. Its columns are ``period``, the parent
levels (``admin_street`` beside a community), ``area``, then :data:`AREA_COLUMNS`: rating
rows and rated units, the mean score and its grade, how many units hold each star count,
the share at :data:`geozz.tables.ratings.PASS_STARS` stars or more against the target,
and the rank. :func:`check_areas` is the contract a reader of it relies on; :func:`write`
/ :func:`read` keep it as Parquet.

Examples
--------
>>> AREA_COLUMNS[:4]
('units', 'rated', 'mean_score', 'grade')
>>> check_areas(pd.DataFrame({"period": ["2024-05"], "area": ["甲"]}),
...             stage="bulletin")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
geozz.errors.SchemaError: ... field 'units': expected an areas column...
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import Issue
from ._common import raise_issues, read_parquet, write_parquet
from .ratings import PASS_STARS

__all__ = ["AREA_COLUMNS", "check_areas", "read", "write"]

#: the columns of the table after the area key
AREA_COLUMNS = ("units", "rated", "mean_score", "grade", *(f"stars_{k}" for k in range(1, 6)),
                f"share_{PASS_STARS}star", "meets_target", "rank")


def check_areas(table, *, stage: str) -> None:
    """Check that ``table`` is an Areas table; raise once listing every missing column.

    Raises
    ------
    SchemaError
    """
    where = f"areas given to {stage}()"
    if not isinstance(table, pd.DataFrame):
        raise_issues([Issue(file=where, expected="a DataFrame (the areas)",
                            got=type(table).__name__, fix="make it with gz.rating.areas")], [])
    raise_issues([Issue(file=where, field=c, expected="an areas column",
                        fix="make it with gz.rating.areas")
                  for c in ("period", "area", *AREA_COLUMNS) if c not in table.columns], [])


def write(table: pd.DataFrame, path: str | Path) -> Path:
    """Write an Areas table to ``path`` (Parquet), atomically.

    Examples
    --------
    >>> import tempfile
    >>> t = pd.DataFrame({"period": ["2024-05"], "area": ["甲"], **{c: [1] for c in AREA_COLUMNS}})
    >>> read(write(t, Path(tempfile.mkdtemp()) / "areas.parquet")).equals(t)
    True
    """
    return write_parquet(table, path)


def read(path: str | Path) -> pd.DataFrame:
    """Read an Areas table :func:`write` saved, checked (``stage="read"``)."""
    return read_parquet(path, "areas", check_areas)
