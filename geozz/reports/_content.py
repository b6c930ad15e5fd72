"""What the workbook and the bulletin of one period say, computed once for both.

Everything here is a plain table (pandas), so the two writers only lay it out: the period
and the one before it, the star distribution, the share at 3★ or better against the
target, the areas ranked (:func:`geozz.rating.areas`), the red and black lists (the
``list`` column the rating engine sets, as the index page shows them), the units that
rose or fell, the period's problems with their state at the period's end
(:func:`geozz.maps.pages.period_states`, as the maps place them), overdue problems and
recurrence (回潮) by unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import InputError, Issue, OutputError
from ..tables.ratings import TARGET

__all__ = ["Content", "content", "display_width", "STATE_LABELS", "clean_text"]

#: how the states of :data:`geozz.maps.pages.STATES` are written in the reports
STATE_LABELS = {"open": "未整改 open", "overdue": "逾期 overdue", "rectified": "已整改 rectified"}
#: problem fields only an internal workbook shows (joined from ``problems=``)
INTERNAL_PROBLEM_FIELDS = ("reporter", "phone", "description", "address", "agency")


def display_width(text: str) -> int:
    """Width of ``text`` in a spreadsheet column: CJK and other wide characters count 2.

    Examples
    --------
    >>> display_width("网格 001"), display_width("abc")
    (8, 3)
    """
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in str(text))


def clean_text(value) -> str:
    """``value`` as text without the control characters an XML document cannot hold
    (a ``.docx`` or ``.xlsx`` is XML); tabs and line breaks are kept.

    Examples
    --------
    >>> clean_text("a\\x00b\\x0bc\\nd")
    'abc\\nd'
    """
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) \
        else str(value)
    return "".join(c for c in text if c in "\t\n\r" or (ord(c) >= 0x20 and c not in
                                                      "\ufffe\uffff"))


@dataclass
class Content:
    """The tables of one period's reports (see the module docstring)."""

    period: str
    previous: str | None
    title: str
    target: float
    now: pd.DataFrame                       # the period's ratings with unit fields
    distribution: pd.DataFrame              # stars 5..1, no score, per unit type
    rated: int
    good: int
    areas: pd.DataFrame | None
    area_column: str | None
    red: pd.DataFrame
    black: pd.DataFrame
    risen: pd.DataFrame
    fallen: pd.DataFrame
    problems: pd.DataFrame                  # ledger rows found in the period, with state
    overdue: pd.DataFrame                   # units with overdue problems, most first
    recurrence: pd.DataFrame                # units with recurrent problems, most first
    recurrence_by_category: pd.DataFrame
    unit_types: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        """Share of rated units at 3★ or better (NaN when none is rated)."""
        return self.good / self.rated if self.rated else float("nan")

    @property
    def meets(self) -> bool:
        """Whether the share reaches the target (whole units, as the index page counts)."""
        return bool(self.rated) and self.good >= self.target * self.rated - 1e-9


def out_file(path, *, suffix: str, stem: str, period: str) -> Path:
    """The file to write: ``path`` itself when it ends in ``suffix``, else
    ``<path>/<stem>-<period><suffix>`` (``path`` is then a folder)."""
    from .._io import as_path

    p = as_path(path, field="path")
    if p.suffix.lower() == suffix:
        out = p
    elif p.suffix and not p.is_dir():
        raise OutputError(Issue(file=str(p), field="path", expected=f"a {suffix} file or a "
                                "folder", got=p.suffix, fix=f"name the file e.g. "
                                f"{stem}-{period}{suffix}"))
    else:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(period))
        out = p / f"{stem}-{safe}{suffix}"
    if out.parent.exists() and not out.parent.is_dir():
        raise OutputError(Issue(file=str(out.parent), expected="a folder",
                                fix="choose another path"))
    return out


def _unit_fields(units: gpd.GeoDataFrame, ids: pd.Series, col: str) -> pd.Series:
    if col not in units:
        return pd.Series("", index=ids.index, dtype=object)
    s = pd.Series(units[col].to_numpy(), index=units.index.astype(str))
    s = s[~s.index.duplicated()]
    return pd.Series(s.reindex(ids.to_numpy()).to_numpy(), index=ids.index) \
        .fillna("").astype(str)


def _prev_stars(ratings: pd.DataFrame, previous: str | None, ids: pd.Series) -> pd.Series:
    if previous is None:
        return pd.Series(np.nan, index=ids.index)
    p = ratings[ratings["period"].astype(str) == previous]
    s = pd.Series(pd.to_numeric(p["stars"], errors="coerce").to_numpy(float),
                  index=p["unit_id"].astype(str))
    return pd.Series(s.reindex(ids.to_numpy()).to_numpy(), index=ids.index)


def content(units: gpd.GeoDataFrame, ratings: pd.DataFrame, ledger: pd.DataFrame, *,
            period: str | None, problems: gpd.GeoDataFrame | None = None,
            areas: pd.DataFrame | None = None, target: float = TARGET,
            title: str | None = None, stage: str = "workbook") -> Content:
    """Compute the reports' tables for ``period`` (default the latest rated)."""
    from ..maps.pages import STATES, period_states
    from ..maps.publication import _area_column
    from ..maps.star import _periods
    from ..tables.ledger import check_ledger
    from ..tables.ratings import check_ratings
    from ..tables.units import check_units

    check_units(units, stage=stage)
    check_ratings(ratings, stage=stage)
    check_ledger(ledger, stage=stage)
    from ..tables.ratings import check_target

    target = check_target(target)
    if problems is not None and not isinstance(problems, gpd.GeoDataFrame):
        raise InputError(Issue(field="problems", expected="the problems GeoDataFrame of "
                               "gz.read_problems", got=type(problems).__name__,
                               fix="pass problems=problems (or leave it out)"))
    if areas is not None and (not isinstance(areas, pd.DataFrame) or not {"period", "area",
                                                                            "rank"} <= set(areas)):
        raise InputError(Issue(field="areas", expected="the table of gz.rating.areas",
                               got=type(areas).__name__, fix="pass areas=gz.rating.areas("
                               "ratings, units) or leave it out"))
    periods, at = _periods(ratings, period)
    if not periods:
        raise InputError(Issue(field="ratings", expected="at least one rated period", got=0,
                               fix="rate some problems first (gz.rate)"))
    shown = periods[at]
    previous = periods[at - 1] if at > 0 else None
    name = title or (str(units["admin_county"].iloc[0]) if "admin_county" in units
                     and len(units) and str(units["admin_county"].iloc[0]).strip()
                     else str(units["admin"].iloc[0]) if "admin" in units and len(units)
                     else "")

    now = ratings[ratings["period"].astype(str) == shown].copy()
    now["unit_id"] = now["unit_id"].astype(str)
    for col in ("name", "admin", "responsible"):
        from_units = _unit_fields(units, now["unit_id"], col)
        if col in now:
            given = now[col].fillna("").astype(str)
            now[col] = from_units.where(from_units.str.strip() != "", given)
        else:
            now[col] = from_units
    now["score"] = pd.to_numeric(now["score"], errors="coerce")
    now["stars"] = pd.to_numeric(now["stars"], errors="coerce")
    prev = _prev_stars(ratings, previous, now["unit_id"])
    now["prev_stars"] = prev
    now["stars_diff"] = now["stars"] - prev
    if "stars_change" not in now:  # ratings from elsewhere: the change from the stars
        now["stars_change"] = np.sign(now["stars_diff"])
    if "score_delta" not in now:
        now["score_delta"] = np.nan
    if "list" not in now:
        now["list"] = ""
    now["list"] = now["list"].fillna("").astype(str)
    order = {t: k for k, t in enumerate(("grid", "road", "river"))}
    now["_type_order"] = now["unit_type"].map(lambda t: order.get(str(t), 9))
    rank = pd.to_numeric(now["rank"], errors="coerce") if "rank" in now \
        else pd.Series(np.nan, index=now.index)
    now["rank"] = rank
    now = now.sort_values(["_type_order", "rank", "unit_id"], kind="stable",
                          na_position="last").drop(columns="_type_order")
    types = list(dict.fromkeys(now["unit_type"].astype(str)))

    # star distribution, in total and per unit type
    stars = now["stars"]
    dist = {"stars": [5, 4, 3, 2, 1, 0]}
    dist["total"] = [int((stars == k).sum()) for k in (5, 4, 3, 2, 1)] + [int(stars.isna().sum())]
    for t in types:
        s = stars[now["unit_type"].astype(str) == t]
        dist[t] = [int((s == k).sum()) for k in (5, 4, 3, 2, 1)] + [int(s.isna().sum())]
    distribution = pd.DataFrame(dist)
    rated = int(stars.notna().sum())
    from ..tables.ratings import passing

    good = int(passing(stars).sum())

    # areas ranked: the caller's table, or gz.rating.areas as publish makes it
    area_col = _area_column(units, None)
    table = None
    if areas is not None:
        table = areas[areas["period"].astype(str) == shown].copy()
    elif area_col is not None:
        from ..rating import areas as area_table

        level = area_col.removeprefix("admin_") if area_col in ("admin_county",
                                                                "admin_street") else area_col
        table = area_table(ratings, units, level=level, target=target)
        table = table[table["period"].astype(str) == shown]
    if table is not None:
        table = table.reset_index(drop=True)

    # red and black lists: the engine's ``list`` column, as the index page shows them
    red = now[now["list"] == "red"]
    black = now[now["list"] == "black"]

    change = pd.to_numeric(now["stars_change"], errors="coerce")
    risen = now[change > 0].sort_values(["stars_diff", "score_delta"],
                                        ascending=False, kind="stable")
    fallen = now[change < 0].sort_values(["stars_diff", "score_delta"], kind="stable")

    # the period's problems: every ledger row found in it, its state at the period's end
    rows = ledger[ledger["found_at"].notna()]
    per, state = period_states(rows, periods, ledger=ledger)  # judged as gz.rate judges
    rows = rows[per == at].copy()
    rows["state"] = [STATES[k] for k in state[per == at]]
    rows["overdue_now"] = rows["state"] == "overdue"
    rows["unit_id"] = rows["unit_id"].astype(object).where(rows["unit_id"].notna(), None)
    ids = rows["unit_id"].fillna("").astype(str)
    rows["unit_name"] = _unit_fields(units, ids, "name").where(ids != "", "")
    if problems is not None:
        pid = rows["problem_id"].astype(str)
        pindex = problems.index.astype(str)
        for f in INTERNAL_PROBLEM_FIELDS:
            if f in problems:
                s = pd.Series(problems[f].to_numpy(), index=pindex)
                s = s[~s.index.duplicated()]
                rows[f] = s.reindex(pid.to_numpy()).to_numpy()
    sort = [c for c in ("unit_type", "unit_id", "found_at") if c in rows]
    rows = rows.sort_values(sort, kind="stable", na_position="last").reset_index(drop=True)

    # overdue problems by unit (the rating's count: due, past the deadline, not closed)
    def top(col: str) -> pd.DataFrame:
        if col not in now:
            return now.iloc[0:0].assign(**{col: []})
        n = pd.to_numeric(now[col], errors="coerce").fillna(0)
        out = now[n > 0].assign(**{col: n[n > 0].astype(int)})
        return out.sort_values([col, "unit_id"], ascending=[False, True], kind="stable")

    overdue = top("overdue")
    recurrence = top("recurred")
    rec = rows[rows["recurrent"].fillna(False).astype(bool)] if "recurrent" in rows \
        else rows.iloc[0:0]
    rec = rec.drop_duplicates("problem_id")
    by_cat = rec.groupby("category").size().rename("recurred").reset_index() \
        .sort_values(["recurred", "category"], ascending=[False, True]).reset_index(drop=True) \
        if len(rec) else pd.DataFrame({"category": [], "recurred": []})
    cats = [c.removeprefix("ded_") for c in now.columns
            if c.startswith("ded_") and c != "ded_extra"]
    return Content(period=shown, previous=previous, title=name, target=target, now=now,
                   distribution=distribution, rated=rated, good=good, areas=table,
                   area_column=area_col, red=red, black=black, risen=risen, fallen=fallen,
                   problems=rows, overdue=overdue, recurrence=recurrence,
                   recurrence_by_category=by_cat, unit_types=types, categories=cats)
