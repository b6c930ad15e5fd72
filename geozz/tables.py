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

The published tables a person reads come back too: :func:`read_ledger` (``geozz assign
-o ledger.csv``) and :func:`read_ratings` (``geozz rate -o ratings.csv``) undo the CSV's
text: times tz-aware, numbers, flags, ids and periods kept as text, formula quotes removed.

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

from ._io import FORMULA_START, as_path, atomic_path
from .errors import InputError, Issue

__all__ = ["KINDS", "write", "read", "read_ledger", "read_ratings"]

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
        from .units.io import write_units

        return write_units(table, out)
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


# ---- the published CSV tables (``geozz assign -o``, ``geozz rate -o``) read back --------

#: ledger columns read back as times, numbers and flags (the rest is text)
TIME_COLUMNS = ("found_at", "deadline", "rectified_at")
NUMBER_COLUMNS = ("distance_m", "report_count")
FLAG_COLUMNS = ("recurrent",)


def _flags(text: pd.Series) -> pd.Series:
    """``true``/``1`` → True, anything else (``false``, ``0``, empty) → False."""
    return text.str.lower().map({"true": True, "1": True, "false": False,
                                 "0": False}).fillna(False).astype(bool)


def _table_file(path: Path, what: str, fix: str) -> pd.DataFrame:
    """A ``.parquet`` table, or a CSV as :func:`geozz._io.write_csv` writes it (every cell
    text, empty cells missing)."""
    import pyarrow as pa

    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False,
                           na_values=[""])
    except (ValueError, OSError, UnicodeError, pa.ArrowException) as exc:
        raise InputError(Issue(file=str(path), expected=f"{what} (.csv or .parquet)",
                               got=str(exc)[:200], fix=fix)) from None


def _unquote(text):
    """Undo the quote :func:`geozz._io.write_csv` puts before formula-like text cells."""
    quoted = (text.str.startswith("'") & text.str[1:2].isin(list(FORMULA_START))) \
        .fillna(False).astype(bool)
    return text.where(~quoted, text.str[1:]) if quoted.any() else text


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
    from .problems.times import check_tz, parse_column

    path = Path(path)
    if tz is not None:
        tz = check_tz(tz)
    ledger = _table_file(path, "a ledger written by geozz assign",
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
            text = _unquote(ledger[col])
            if col in NUMBER_COLUMNS:
                ledger[col] = pd.to_numeric(text, errors="coerce")
            elif col in FLAG_COLUMNS:
                ledger[col] = _flags(text)
            else:
                ledger[col] = text
    if issues:
        raise InputError(issues)
    return ledger


#: ratings columns read back as text, whole numbers (may be empty) and flags
RATINGS_TEXT = ("unit_id", "period", "unit_type", "name", "admin", "grade", "list",
                "adjustment_reason", "area", "responsible")
RATINGS_INTEGERS = ("stars", "rank", "rank_admin", "stars_change")
RATINGS_FLAGS = ("warning",)


def read_ratings(path: str | Path):
    """Read a ratings table written by ``geozz rate`` (CSV or Parquet) for publishing.

    Ids, periods, names and grades stay text (``06075012345`` and ``2024`` are not
    numbers), ``stars`` / ``rank`` / ``stars_change`` are whole numbers (empty where not
    rated), ``warning`` a flag, every other column that holds numbers a number.

    Raises
    ------
    InputError
        A file that cannot be read, or one without ``unit_id``, ``period``, ``score`` and
        ``stars`` (not a ratings table).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from geozz._io import write_csv
    >>> p = Path(tempfile.mkdtemp()) / "ratings.csv"
    >>> _ = write_csv(p, pd.DataFrame({"unit_id": ["06075"], "period": ["2024"],
    ...     "unit_type": ["grid"], "score": [92.5], "stars": [4], "warning": [False],
    ...     "adjustment_reason": ["=x"]}))
    >>> r = read_ratings(p)
    >>> r.loc[0, "unit_id"], r.loc[0, "period"], r.loc[0, "adjustment_reason"]
    ('06075', '2024', '=x')
    >>> float(r.loc[0, "score"]), str(r["stars"].dtype), bool(r.loc[0, "warning"])
    (92.5, 'Int64', False)
    """
    path = Path(path)
    table = _table_file(path, "a ratings table written by geozz rate",
                        "write it again with geozz rate -o ratings.csv")
    missing = [c for c in ("unit_id", "period", "score", "stars") if c not in table]
    if missing:
        raise InputError(Issue(file=str(path), field=", ".join(missing),
                               expected="a ratings table written by geozz rate",
                               got=list(table.columns)[:12],
                               fix="pass the file geozz rate -o wrote as --ratings"))
    for col in table.columns:
        values = table[col]
        if not (values.dtype == object or isinstance(values.dtype, pd.StringDtype)):
            if col in RATINGS_TEXT:
                table[col] = values.astype("string").astype(str).where(values.notna(), "")
            continue
        text = _unquote(values.astype("string"))
        if col in RATINGS_TEXT:
            table[col] = text.fillna("").astype(str)
        elif col in RATINGS_FLAGS:
            table[col] = _flags(text)
        else:
            num = pd.to_numeric(text, errors="coerce")
            if num[text.notna()].isna().any():
                table[col] = text  # not a number column
            elif col in RATINGS_INTEGERS:
                table[col] = num.round().astype("Int64")
            else:
                table[col] = num
    if "rank_admin" in table and not table["rank_admin"].isna().any():
        table["rank_admin"] = table["rank_admin"].astype("int64")
    return table
