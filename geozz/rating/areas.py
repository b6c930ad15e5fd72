"""Admin-area tables of ratings: the county / street / community ranking offices publish.

One row per admin area and period, over every unit of the area whatever its type:

* ``units``: rating rows of the area in the period; ``rated``: those with a score (a unit
  that did not exist yet has no score and is counted in ``units`` only);
* ``mean_score``: mean of the rated units' scores, rounded to 2 decimals; ``grade``: the
  rubric's grade of that mean;
* ``stars_1`` … ``stars_5``: how many rated units hold each star count;
* ``share_3star``: share of rated units at 3★ or better; ``meets_target``: that share
  reaches ``target`` (80 % in the campaign practice; compared in whole units, so 4 of 5
  meets 80 % although 0.8 × 5 is not exactly 4 in binary);
* ``rank``: 1 = best mean within the period; ties (on the rounded mean) share the best
  place and the next place is skipped (90, 85, 85, 80 rank 1, 2, 2, 4). Areas with no
  rated unit, and the row of units outside every area (``area == ""``), have no rank.

Rows are ordered by period, rank (unranked last), then area name. Below the street level
the parent levels are columns too (``admin_street`` beside a community), and areas are
grouped within their parents, so two villages of one name in two streets stay apart.

Examples
--------
>>> import geopandas as gpd, pandas as pd
>>> from shapely.geometry import box
>>> units = gpd.GeoDataFrame({"unit_type": "grid", "admin_street": ["甲", "甲", "乙"]},
...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs=32650,
...     index=pd.Index(["a", "b", "c"], name="unit_id"))
>>> ratings = pd.DataFrame({"unit_id": ["a", "b", "c"], "period": "2024-05",
...     "unit_type": "grid", "score": [96.0, 78.0, 85.0], "stars": [5, 2, 3]})
>>> t = areas(ratings, units, level="street")
>>> t[["area", "mean_score", "share_3star", "meets_target", "rank"]].values.tolist()
[['甲', 87.0, 0.5, False, 1], ['乙', 85.0, 1.0, True, 2]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError, Issue
from ..rubric import Rubric, load_rubric
from ..tables.areas import AREA_COLUMNS
from ..tables.ratings import PASS_STARS, TARGET, check_target, numeric_ratings
from ..tables.units import ADMIN_LEVELS
from ..tables.units import admin_column as _column

__all__ = ["AREA_COLUMNS", "areas"]

#: the admin hierarchy, coarsest first (:data:`geozz.tables.units.ADMIN_LEVELS`)
HIERARCHY = ADMIN_LEVELS
#: columns that are not admin areas (refused as ``level``)
_NOT_AREAS = {"unit_id", "period", "unit_type", "score", "stars", "grade", "rank",
              "geometry", "centerline", "area_m2", "length_m"}


def _check_options(units, ratings, level, target, issues: list) -> str | None:
    col = _column(level) if isinstance(level, str) else None
    if col is None or col in _NOT_AREAS:
        issues.append(Issue(field="level", expected=f"one of {HIERARCHY}, 'admin' or a column "
                            "of the units naming areas", got=level,
                            fix="e.g. level='street'"))
        col = None
    elif col not in units.columns and not (col.startswith("admin") and col in ratings):
        fix = ("give the units their admin areas with gz.units.apply_admin (or "
               "build_units(admin=...))" if level in HIERARCHY else
               "use a column the units have: " + ", ".join(
                   map(repr, [c for c in units.columns if c not in _NOT_AREAS][:8])))
        issues.append(Issue(field="level", expected=f"units with a column {col!r}",
                            got=level, fix=fix))
        col = None
    try:
        check_target(target)
    except InputError as exc:
        issues += exc.issues
    return col


def areas(ratings: pd.DataFrame, units, *, level: str = "street", target: float = TARGET,
          rubric: str | Rubric = "default") -> pd.DataFrame:
    """Aggregate unit ratings by admin area: mean score, stars, share at 3★+, grade, rank.

    Parameters
    ----------
    ratings : DataFrame
        From :func:`geozz.rate` (or its CSV / Parquet read back): ``unit_id``, ``period``,
        ``score``, ``stars``.
    units : GeoDataFrame
        The units rated, indexed by ``unit_id``; they carry the areas.
    level : str, default "street"
        ``"county"``, ``"street"`` or ``"community"`` (the columns ``admin_county`` …
        that :func:`geozz.units.apply_admin` gives), ``"admin"``, or any column of the
        units naming areas (for example San Francisco tracts' ``nhood``).
    target : float, default 0.8
        Share of rated units at 3★ or better an area must reach (``meets_target``).
    rubric : str, Path or Rubric, default "default"
        Grades the area's mean score (:func:`geozz.rubric.load_rubric`).

    Returns
    -------
    DataFrame
        ``period``, the parent levels (below street), ``area``, then
        :data:`geozz.tables.areas.AREA_COLUMNS`; see the module docstring for the rules.

    Raises
    ------
    SchemaError
        Ratings that are not a table or miss a column, scores or stars that are not numbers.
    InputError
        Listing together: units that are not a GeoDataFrame, a ``level`` the units do not
        have, a ``target`` that is not a share, rating unit ids that are not in the units.
    RubricError
        An unknown rubric.

    Examples
    --------
    >>> import geozz as gz
    >>> units = gz.build_units(gz.datasets.longgang())
    >>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> ratings = gz.rate(gz.assign(problems, units), units)
    >>> t = areas(ratings, units, level="admin")
    >>> int(t.groupby("period")["units"].sum().iloc[0]) == len(units)
    True
    """
    ratings = numeric_ratings(ratings, stage="areas")
    if not isinstance(units, pd.DataFrame):
        raise InputError(Issue(field="units", expected="the units GeoDataFrame that was rated",
                               got=type(units).__name__, fix="load them with gz.read_units"))
    issues: list[Issue] = []
    col = _check_options(units, ratings, level, target, issues)
    ids = ratings["unit_id"].astype(str)
    uidx = units.index.astype(str)
    strange = pd.Index(ids.unique()).difference(uidx)
    if len(strange):
        issues.append(Issue(field="unit_id", expected="rating unit ids that are in units",
                            got=f"{len(strange)} unknown ids, e.g. {list(strange[:5])}",
                            fix="aggregate the ratings with the units they were made with"))
    rb = load_rubric(rubric)
    if issues:
        raise InputError(issues)

    level_name = level if level in HIERARCHY else None
    parents = [_column(lv) for lv in HIERARCHY[:HIERARCHY.index(level_name)]
               if _column(lv) in units.columns] if level_name == "community" else []
    key_cols = parents + [col]

    def text(values) -> np.ndarray:
        return pd.Series(values).fillna("").astype(str).str.strip().to_numpy(dtype=object)

    frame = pd.DataFrame({"period": ratings["period"].astype(str).to_numpy()})
    for c in key_cols:
        if c in units.columns:
            source = pd.Series(units[c].to_numpy(), index=uidx).reindex(ids)
        else:  # an admin column only the ratings carry
            source = ratings[c]
        frame[c] = text(source.to_numpy())
    score = ratings["score"].to_numpy(float)
    rated = ~np.isnan(score)
    stars = np.where(rated, ratings["stars"].to_numpy(float), np.nan)
    frame["_rated"] = rated.astype(np.int64)
    frame["_score"] = np.where(rated, score, 0.0)
    for k in range(1, 6):
        frame[f"stars_{k}"] = (stars == k).astype(np.int64)
    frame["_good"] = (stars >= PASS_STARS).astype(np.int64)

    g = frame.groupby(["period", *key_cols], sort=True, dropna=False)
    t = g.agg(units=("_rated", "size"), rated=("_rated", "sum"), _sum=("_score", "sum"),
              _good=("_good", "sum"), **{f"stars_{k}": (f"stars_{k}", "sum")
                                         for k in range(1, 6)}).reset_index()
    t = t.rename(columns={col: "area"})
    n = t["rated"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, t["_sum"].to_numpy() / np.where(n > 0, n, 1), np.nan)
        share = np.where(n > 0, t["_good"].to_numpy() / np.where(n > 0, n, 1), np.nan)
    t["mean_score"] = np.round(mean, 2)
    t[f"share_{PASS_STARS}star"] = share
    # whole units against the target: good >= target * rated, up to binary rounding
    t["meets_target"] = (n > 0) & (t["_good"].to_numpy() >= float(target) * n - 1e-9)
    has = n > 0
    grade = pd.Series(rb.grade_for(np.nan_to_num(mean)), dtype=object)
    t["grade"] = grade.where(has, None)
    rankable = has & (t["area"].to_numpy() != "")
    ranked = pd.Series(np.where(rankable, t["mean_score"], np.nan))
    t["rank"] = ranked.groupby(t["period"].to_numpy()).rank(method="min", ascending=False) \
        .astype("Int64")
    cols = ["period", *parents, "area", *AREA_COLUMNS]
    t = t[cols].sort_values(["period", "rank", "area", *parents], kind="stable",
                            na_position="last")
    for c in ("units", "rated", *(f"stars_{k}" for k in range(1, 6))):
        t[c] = t[c].astype(np.int64)
    t["meets_target"] = t["meets_target"].astype(bool)
    return t.reset_index(drop=True)
