"""The Ratings table: one row per unit per period, its score, grade, stars and rank.

:func:`geozz.rate` makes it; the maps, the area table, the reports and the publication
read it. Besides :data:`RATINGS_REQUIRED` it carries the deductions by category
(:func:`deduction_columns`: ``ded_<category>``, then ``ded_extra`` and the total
``deduction``), the counts and rates of the period, ranks, changes since the period before
and the red or black ``list``. A unit *passes* at :data:`PASS_STARS` stars or more; an area
meets its ``target`` when that share of its rated units passes (:func:`check_target`,
:func:`passing`). :func:`check_ratings` is the contract a stage checks where ratings enter
it; :func:`write` / :func:`read` keep them as Parquet, :func:`read_ratings` reads back the
CSV ``geozz rate -o`` wrote.

Examples
--------
>>> deduction_columns(["piles", "ads"])
['ded_piles', 'ded_ads', 'ded_extra', 'deduction']
>>> deduction_categories(["score", "ded_piles", "ded_extra", "deduction"])
['piles']
>>> passing(pd.Series([5, 3, 2, None])).tolist()
[True, True, False, False]
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from ..errors import InputError, Issue, SchemaError
from ._common import (
    SHOWN,
    few,
    flags,
    raise_issues,
    read_parquet,
    table_file,
    unquote,
    write_parquet,
)
from .unit_types import UNIT_TYPES

__all__ = ["PASS_STARS", "RATINGS_REQUIRED", "TARGET", "check_ratings", "check_target",
           "deduction_categories", "deduction_columns", "numeric_ratings", "passing", "read",
           "read_ratings", "write"]

#: Columns every consumer of ratings (maps, publications) relies on.
RATINGS_REQUIRED = ("unit_id", "period", "unit_type", "score", "stars")
#: a unit passes at this many stars or more (三星及以上)
PASS_STARS = 3
#: the default share of an area's rated units that should pass
TARGET = 0.8


def deduction_columns(categories: Iterable[str]) -> list[str]:
    """The deduction columns of ratings rated on ``categories``, in table order."""
    return [f"ded_{c}" for c in categories] + ["ded_extra", "deduction"]


def deduction_categories(columns: Iterable[str]) -> list[str]:
    """The categories whose deduction columns are among ``columns``, in their order."""
    return [c[4:] for c in columns if c.startswith("ded_") and c != "ded_extra"]


def passing(stars: pd.Series) -> pd.Series:
    """True where a unit passes (:data:`PASS_STARS` or more; not rated is not passing)."""
    return pd.to_numeric(stars, errors="coerce").fillna(0).ge(PASS_STARS)


def check_target(target) -> float:
    """``target`` as a share above 0 and at most 1, or an InputError with the fix.

    Examples
    --------
    >>> check_target(0.8)
    0.8
    >>> check_target(80)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozz.errors.InputError: ... Fix: target=0.8 (a share, not a percentage)
    """
    try:
        t = float(target) if not isinstance(target, bool) else float("nan")
    except (TypeError, ValueError):
        t = float("nan")
    if not 0 < t <= 1:
        fix = f"target={t / 100:g} (a share, not a percentage)" if 1 < t <= 100 \
            else "a share such as target=0.8"
        raise InputError(Issue(field="target", expected="a share above 0 and at most 1",
                               got=target, fix=fix))
    return t


def check_ratings(ratings, *, stage: str = "star_map") -> None:
    """Check that ``ratings`` keep the Ratings contract; raise once listing every problem.

    Checked: a DataFrame with the columns of :data:`RATINGS_REQUIRED`; ``unit_id`` and
    ``period`` never empty and unique together; ``unit_type`` values known; ``score``
    numeric; ``stars`` whole numbers from 1 to 5, or missing (no rating).

    Parameters
    ----------
    ratings : DataFrame
        From :func:`geozz.rate`.
    stage : str, default "star_map"
        Quoted in error messages.

    Raises
    ------
    SchemaError

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"unit_id": ["A"], "period": ["2024-05"], "unit_type": ["grid"],
    ...                   "score": [96.0], "stars": [6]})
    >>> check_ratings(r, stage="publish")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozz.errors.SchemaError: 1 problem in the input:
      ratings given to publish(), field 'stars': expected whole numbers from 1 to 5...
    """
    where = f"ratings given to {stage}()"
    if not isinstance(ratings, pd.DataFrame):
        raise SchemaError(Issue(file=where, expected="a DataFrame (the ratings)",
                                got=type(ratings).__name__, fix="make the ratings with gz.rate"))
    issues = [Issue(file=where, field=c, expected=f"a {c!r} column",
                    fix="make the ratings with gz.rate")
              for c in RATINGS_REQUIRED if c not in ratings.columns]
    for col in ("unit_id", "period"):
        if col in ratings and ratings[col].isna().any():
            issues.append(Issue(file=where, field=col, expected=f"a {col} on every row",
                                got=f"{int(ratings[col].isna().sum())} empty",
                                fix="make the ratings with gz.rate"))
    if "unit_id" in ratings and "period" in ratings:
        dup = ratings.duplicated(["unit_id", "period"])
        if dup.any():
            issues.append(Issue(file=where, field="unit_id", expected="one row per unit per period",
                                got=f"{int(dup.sum())} repeated, e.g. "
                                    f"{few(ratings.loc[dup, 'unit_id'])}",
                                fix="rate each period once (concatenate distinct periods only)"))
    if "unit_type" in ratings:
        bad = ~ratings["unit_type"].isin(UNIT_TYPES)
        if bad.any():
            issues.append(Issue(file=where, field="unit_type",
                                expected=f"unit types from {UNIT_TYPES}",
                                got=sorted({str(v) for v in ratings.loc[bad, 'unit_type']})[:5],
                                fix="rate gz units"))
    if "score" in ratings:
        s = ratings["score"]
        if ptypes.is_bool_dtype(s) or not ptypes.is_numeric_dtype(s):
            issues.append(Issue(file=where, field="score", expected="numeric scores",
                                got=str(s.dtype), fix="make the ratings with gz.rate"))
    if "stars" in ratings:
        s = ratings["stars"]
        ok = not ptypes.is_bool_dtype(s) and ptypes.is_numeric_dtype(s)
        if ok:
            v = s.dropna().to_numpy(dtype=float)
            ok = bool(np.all((v == np.round(v)) & (v >= 1) & (v <= 5)))
        if not ok:
            got = sorted({str(v) for v in s.dropna().unique()})[:SHOWN] \
                if not ptypes.is_bool_dtype(s) else "bool"
            issues.append(Issue(file=where, field="stars",
                                expected="whole numbers from 1 to 5, or missing",
                                got=got, fix="make the ratings with gz.rate"))
    raise_issues(issues, [])


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
    table = table_file(path, "a ratings table written by geozz rate",
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
        text = unquote(values.astype("string"))
        if col in RATINGS_TEXT:
            table[col] = text.fillna("").astype(str)
        elif col in RATINGS_FLAGS:
            table[col] = flags(text)
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



def numeric_ratings(ratings, *, stage: str) -> pd.DataFrame:
    """Ratings with ``score`` and ``stars`` as numbers (text read from a CSV made numbers),
    or a SchemaError naming every missing column and every row that is not a number.

    The looser check of a stage that takes ratings read back by hand (:func:`geozz.rating.areas`).

    Examples
    --------
    >>> r = numeric_ratings(pd.DataFrame({"unit_id": ["A"], "period": ["2024-05"],
    ...     "score": ["96.5"], "stars": ["5"]}), stage="areas")
    >>> r["score"].tolist(), r["stars"].tolist()
    ([96.5], [5.0])
    """
    where = f"ratings given to {stage}()"
    if not isinstance(ratings, pd.DataFrame):
        raise SchemaError(Issue(file=where, field="ratings", expected="a DataFrame from gz.rate",
                                got=type(ratings).__name__,
                                fix="read a ratings file first, e.g. read_ratings(path)"))
    issues = [Issue(file=where, field=c, expected="a ratings column",
                    fix="pass the table gz.rate returns (or its CSV read back)")
              for c in ("unit_id", "period", "score", "stars") if c not in ratings]
    out = {}
    for col in ("score", "stars"):
        if col not in ratings:
            continue
        s = ratings[col]
        num = pd.to_numeric(s, errors="coerce") if not ptypes.is_bool_dtype(s) \
            else pd.Series(np.nan, index=s.index)
        bad = num.isna() & s.notna()
        if bad.any():
            rows = (np.flatnonzero(bad.to_numpy()) + 1).tolist()
            issues.append(Issue(file=where, field=col, expected="numbers (or empty)",
                                got=f"rows {rows[:5]}: {s[bad].head(5).tolist()}",
                                fix="pass the ratings gz.rate made"))
        out[col] = num.astype(float)
    if issues:
        raise SchemaError(issues)
    return ratings.assign(**out)


def write(ratings: pd.DataFrame, path: str | Path) -> Path:
    """Write ``ratings`` to ``path`` (Parquet), atomically.

    Examples
    --------
    >>> import tempfile
    >>> r = pd.DataFrame({"unit_id": ["A"], "period": ["2024-05"], "unit_type": ["grid"],
    ...                   "score": [96.0], "stars": [5]})
    >>> read(write(r, Path(tempfile.mkdtemp()) / "ratings.parquet")).equals(r)
    True
    """
    return write_parquet(ratings, path)


def read(path: str | Path) -> pd.DataFrame:
    """Read ratings :func:`write` saved, checked (:func:`check_ratings`, ``stage="read"``)."""
    return read_parquet(path, "ratings", check_ratings)
