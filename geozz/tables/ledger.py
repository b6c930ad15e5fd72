"""The Ledger table: one row per problem per unit layer it falls in.

:func:`geozz.assign` makes it, :func:`geozz.rate` and the maps and reports read it. Its
columns are :data:`LEDGER_COLUMNS` (the join: which unit, how far, why) and those of
:data:`LEDGER_FIELDS` the problems have (what rating reads), nothing else: the ledger is
as wide for a file of 3 columns as for one of 300, and carries no personal field. A row's
``reason`` is one of :data:`REASONS`. :func:`check_ledger` is the contract a stage checks
where a ledger enters it; :func:`write` / :func:`read` keep it as Parquet (a project's
``.geozz/ledger.parquet``), :func:`read_ledger` reads back the CSV a person was given
(``geozz assign -o ledger.csv``).

Examples
--------
>>> LEDGER_COLUMNS
['problem_id', 'unit_id', 'unit_type', 'distance_m', 'reason']
>>> "description" in LEDGER_FIELDS, "reporter" in LEDGER_FIELDS
(False, False)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pandas.api import types as ptypes

from .._times import check_tz, parse_column
from ..errors import InputError, Issue, SchemaError
from ._common import (
    SHOWN,
    few,
    flags,
    is_aware,
    raise_issues,
    read_parquet,
    table_file,
    unquote,
    write_parquet,
)
from .unit_types import UNIT_TYPES

__all__ = ["LEDGER_COLUMNS", "LEDGER_FIELDS", "LEDGER_REQUIRED", "REASONS", "TIE_REASONS",
           "check_ledger", "in_order", "read", "read_lazy", "read_ledger", "read_partitioned",
           "write", "write_partitioned"]

#: the columns of the join, first in every ledger
LEDGER_COLUMNS = ["problem_id", "unit_id", "unit_type", "distance_m", "reason"]
#: the problem fields the ledger carries (those the problems have): what rating reads
LEDGER_FIELDS = ("category", "found_at", "source", "status", "deadline", "rectified_at",
                 "deadline_source", "report_count", "recurrence_of", "recurrent")
#: why a problem is in the unit of its row (``outside_units`` / ``no_location``: in none)
REASONS = ("inside", "shared_border", "nearest_centerline", "outside_units", "no_location")
#: the reason of a row whose unit won a tie, by the unit type's rule
TIE_REASONS = {"half_open": "shared_border", "nearest_centerline": "nearest_centerline"}
#: Columns :func:`geozz.rate` reads from a ledger (``status``, ``deadline`` and
#: ``rectified_at`` are optional).
LEDGER_REQUIRED = ("problem_id", "unit_id", "unit_type", "category", "found_at")
#: columns read back from a CSV as times, numbers and flags (the rest is text)
TIME_COLUMNS = ("found_at", "deadline", "rectified_at")
NUMBER_COLUMNS = ("distance_m", "report_count")
FLAG_COLUMNS = ("recurrent",)



def check_ledger(ledger, *, stage: str = "rate") -> None:
    """Check that ``ledger`` keeps the Ledger contract rating relies on; raise once.

    Checked: a DataFrame with the columns of :data:`LEDGER_REQUIRED`; ``problem_id``
    never empty; ``found_at`` tz-aware datetimes, present wherever a unit is;
    ``deadline`` and ``rectified_at``, when present and not empty, tz-aware datetimes;
    ``unit_type`` values from :data:`geozz.tables.unit_types.UNIT_TYPES` (or empty, outside every
    unit); a ``category`` for every row assigned to a unit.

    Parameters
    ----------
    ledger : DataFrame
        From :func:`geozz.assign`.
    stage : str, default "rate"
        Quoted in error messages.

    Raises
    ------
    SchemaError
        Listing every missing column and every column holding the wrong kind of value.

    Examples
    --------
    >>> import pandas as pd
    >>> ledger = pd.DataFrame({"problem_id": ["p1"], "unit_id": ["A"], "unit_type": ["grid"],
    ...     "category": ["piles"], "found_at": pd.to_datetime(["2024-05-01 10:00"])})
    >>> check_ledger(ledger)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozz.errors.SchemaError: 1 problem in the input:
      ledger given to rate(), field 'found_at': expected tz-aware datetimes, got 'naive...
    >>> ledger["found_at"] = ledger["found_at"].dt.tz_localize("Asia/Shanghai")
    >>> check_ledger(ledger)
    """
    where = f"ledger given to {stage}()"
    if not isinstance(ledger, pd.DataFrame):
        raise SchemaError(Issue(file=where, expected="a DataFrame (the ledger)",
                                got=type(ledger).__name__, fix="make the ledger with gz.assign"))
    issues = [Issue(file=where, field=c, expected=f"a {c!r} column",
                    fix="make the ledger with gz.assign")
              for c in LEDGER_REQUIRED if c not in ledger.columns]
    placed = ledger["unit_id"].notna() if "unit_id" in ledger else \
        pd.Series(True, index=ledger.index)
    if "problem_id" in ledger and ledger["problem_id"].isna().any():
        issues.append(Issue(file=where, field="problem_id", expected="a problem id on every row",
                            got=f"{int(ledger['problem_id'].isna().sum())} empty",
                            fix="make the ledger with gz.assign"))
    for col in ("found_at", "deadline", "rectified_at"):
        if col not in ledger:
            continue
        values = ledger[col]
        if col != "found_at" and values.isna().all():
            continue
        if not is_aware(values):
            kind = "naive datetimes" if ptypes.is_datetime64_dtype(values) else str(values.dtype)
            issues.append(Issue(file=where, field=col, expected="tz-aware datetimes",
                                got=kind, fix=f"ledger[{col!r}] = pd.to_datetime(ledger[{col!r}])"
                                              ".dt.tz_localize('Asia/Shanghai') (the local zone)"))
    if "found_at" in ledger:
        gap = ledger["found_at"].isna() & placed
        if gap.any():
            ids = few(ledger.loc[gap, "problem_id"]) if "problem_id" in ledger else ""
            issues.append(Issue(file=where, field="found_at",
                                expected="a time for every problem in a unit",
                                got=f"{int(gap.sum())} empty, e.g. {ids}",
                                fix="read the records with gz.read_problems (undated ones are "
                                    "rejects)"))
    if "unit_type" in ledger:
        types = ledger["unit_type"]
        bad = types.notna() & ~types.isin(UNIT_TYPES)
        if bad.any():
            issues.append(Issue(file=where, field="unit_type",
                                expected=f"unit types from {UNIT_TYPES}",
                                got=sorted({str(v) for v in types[bad]})[:SHOWN],
                                fix="make the ledger with gz.assign on gz units"))
    if "category" in ledger:
        gap = ledger["category"].isna() & placed
        if gap.any():
            issues.append(Issue(file=where, field="category",
                                expected="a category for every problem in a unit",
                                got=f"{int(gap.sum())} empty",
                                fix="read the records with gz.read_problems (uncategorised "
                                    "ones are rejects)"))
    raise_issues(issues, [])


def write(ledger: pd.DataFrame, path: str | Path) -> Path:
    """Write ``ledger`` to ``path`` (Parquet), atomically; times keep their zone.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> ledger = pd.DataFrame({"problem_id": ["p1"], "unit_id": ["A"], "unit_type": ["grid"],
    ...     "category": ["piles"],
    ...     "found_at": pd.to_datetime(["2024-05-01 10:00"]).tz_localize("Asia/Shanghai")})
    >>> p = write(ledger, Path(tempfile.mkdtemp()) / "ledger.parquet")
    >>> read(p).equals(ledger)
    True
    """
    return write_parquet(ledger, path)


def read(path: str | Path) -> pd.DataFrame:
    """Read a ledger :func:`write` saved, checked (:func:`check_ledger`, ``stage="read"``).

    Raises
    ------
    InputError
        The file is missing or damaged (the file and the fix named).
    SchemaError
        The table breaks the Ledger contract.
    """
    return read_parquet(path, "ledger", check_ledger)


def read_ledger(path: str | Path, *, tz: str | None = None):
    """Read a ledger written by ``geozz assign`` (or :func:`geozz.assign` and saved).

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (as :func:`geozz._io.write_csv` writes it: UTF-8 with BOM, formula-like
        cells quoted) or a ``.parquet`` file.
    tz : str, optional
        The IANA time zone the times are returned in (periods are counted in its wall
        time). Default: the zone stored in a Parquet ledger, ``Asia/Shanghai`` for CSV (or a
        Parquet ledger with naive times).

    Returns
    -------
    DataFrame
        The ledger: ids and categories as text, ``found_at`` / ``deadline`` /
        ``rectified_at`` tz-aware, ``distance_m`` and ``report_count`` numbers,
        ``recurrent`` booleans.

    Raises
    ------
    InputError
        A file that cannot be read as a table, a time zone that is not an IANA name,
        or times that cannot be read (listing the column, rows and values).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from geozz._io import write_csv
    >>> p = Path(tempfile.mkdtemp()) / "ledger.csv"
    >>> _ = write_csv(p, pd.DataFrame({"problem_id": ["-7"], "unit_id": ["A"],
    ...     "unit_type": ["grid"], "category": ["piles"],
    ...     "found_at": pd.to_datetime(["2024-05-03 10:00"]).tz_localize("Asia/Shanghai")}))
    >>> back = read_ledger(p)
    >>> back.loc[0, "problem_id"], str(back.loc[0, "found_at"])
    ('-7', '2024-05-03 10:00:00+08:00')
    """
    path = Path(path)
    if tz is not None:
        tz = check_tz(tz)
    ledger = table_file(path, "a ledger written by geozz assign",
                         "write it again with geozz assign -o ledger.csv")
    issues = []
    for col in ledger.columns:
        if col in TIME_COLUMNS:
            values = ledger[col]
            if pd.api.types.is_datetime64_any_dtype(values):
                zone = getattr(values.dt, "tz", None)
                want = tz or (str(zone) if zone is not None else "Asia/Shanghai")
                ledger[col] = values.dt.tz_convert(want) if zone is not None \
                    else values.dt.tz_localize(want, nonexistent="shift_forward",
                                               ambiguous="NaT")
                continue
            parsed = parse_column(values, tz=tz or "Asia/Shanghai", column=col,
                                  file=str(path))
            if parsed.bad.any():
                rows = (pd.Series(range(1, len(values) + 1))[parsed.bad.to_numpy()]).tolist()
                issues.append(Issue(file=str(path), field=col, expected="ISO times such as "
                                    "2024-05-03 10:00:00+08:00",
                                    got=f"{len(rows)} rows, e.g. rows {rows[:5]}: "
                                        f"{values[parsed.bad].head(3).tolist()}",
                                    fix="write the ledger again with geozz assign"))
            ledger[col] = parsed.parsed
        elif ledger[col].dtype == object or isinstance(ledger[col].dtype, pd.StringDtype):
            text = unquote(ledger[col])
            if col in NUMBER_COLUMNS:
                ledger[col] = pd.to_numeric(text, errors="coerce")
            elif col in FLAG_COLUMNS:
                ledger[col] = flags(text)
            else:
                ledger[col] = text
    if issues:
        raise InputError(issues)
    return ledger


# ---- a dataset partitioned by period: a province's ledger ------------------------------

#: bytes a ledger row takes in memory (ids, type, reason, times, fields; measured on 1 M
#: rows of a synthetic ledger)
BYTES_PER_ROW = 300


def in_order(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger's rows in the order :func:`geozz.assign` gives them: by problem id,
    then unit type (grid, road, river), on a fresh index. The rows of one problem stay
    together in every partition, so a stable sort by id is enough.

    Examples
    --------
    >>> t = pd.DataFrame({"problem_id": ["b", "a", "b"], "unit_type": ["grid", "grid", "road"]})
    >>> in_order(t).values.tolist()
    [['a', 'grid'], ['b', 'grid'], ['b', 'road']]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = pa.array(ledger["problem_id"].astype("string").to_numpy(dtype=object),
                   type=pa.large_string())
    order = pc.sort_indices(ids).to_numpy()  # stable
    return ledger.take(order).reset_index(drop=True)


def write_partitioned(ledger, folder: str | Path, *, freq: str = "M",
                      tz: str | None = None) -> Path:
    """Write a ledger as a Parquet dataset partitioned by period (``period=2024-05/``).

    Parameters
    ----------
    ledger : DataFrame or dask DataFrame
        From :func:`geozz.assign` (either engine); a dask frame is written by its
        workers, a file per partition and period.
    folder : str or Path
        Replaced as a whole.
    freq : {"M", "Q", "Y", "D"}, default "M"
        The period of a sub-folder, in the local wall time of ``found_at``.
    tz : str, optional
        The zone whose wall time decides a row's period; default the times' own.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile
    >>> t = pd.to_datetime(["2024-04-30 23:00", "2024-05-01 08:00"]).tz_localize("Asia/Shanghai")
    >>> ledger = pd.DataFrame({"problem_id": ["p1", "p2"], "unit_id": ["A", "A"],
    ...     "unit_type": ["grid", "grid"], "category": ["piles", "piles"], "found_at": t})
    >>> folder = write_partitioned(ledger, Path(tempfile.mkdtemp()) / "ledger")
    >>> read_partitioned(folder).equals(ledger), len(read_partitioned(folder, periods="2024-05"))
    (True, 1)
    """
    from .._dask import is_dask
    from . import _partitions

    if is_dask(ledger):
        from ._partitions import write_lazy

        return write_lazy(ledger, folder, kind="ledger", freq=freq, tz=tz)
    return _partitions.write(ledger, folder, kind="ledger", freq=freq, tz=tz)


def read_partitioned(folder: str | Path, *, periods=None,
                     check_memory: bool = True) -> pd.DataFrame:
    """Read a ledger dataset :func:`write_partitioned` wrote, in ledger order
    (:func:`in_order`), checked (:func:`check_ledger`).

    Only the sub-folders of ``periods`` are opened. Before reading, the rows are counted
    from the files' footers: more than this machine has memory for is an
    :class:`~geozz.errors.InputError` naming :func:`read_lazy` and ``engine="dask"``.

    Parameters
    ----------
    folder : str or Path
    periods : str or list of str, optional
        Period labels as the folders name them; default all.
    check_memory : bool, default True
        False reads whatever the size.

    Raises
    ------
    InputError
        Not a ledger dataset, periods it does not hold, or more rows than fit.
    """
    from . import _partitions

    paths = _partitions.files_that_fit(folder, kind="ledger", periods=periods,
                                       check_memory=check_memory,
                                       bytes_per_row=BYTES_PER_ROW,
                                       what="reading a ledger of {n:,} rows at once")
    if not paths:
        raise InputError(Issue(file=str(folder), expected="a ledger dataset with rows",
                               got="no files", fix="assign the problems again"))
    parts = [pd.read_parquet(p) for p in paths]
    table = in_order(pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0])
    check_ledger(table, stage="read")
    return table


def read_lazy(folder: str | Path, *, periods=None):
    """A ledger dataset as a dask DataFrame, one partition per file (the dask engine's
    input to :func:`geozz.rate`)."""
    import dask.dataframe as dd

    from . import _partitions

    paths = _partitions.files(folder, kind="ledger", periods=periods)
    if not paths:
        raise InputError(Issue(file=str(folder), expected="a ledger dataset with rows",
                               got="no files", fix="assign the problems again"))
    meta = pd.read_parquet(paths[0], filters=[("problem_id", "==", "\x00")])
    return dd.from_map(pd.read_parquet, [str(p) for p in paths], meta=meta,
                       enforce_metadata=False)
