"""The rating engine: :func:`rate` scores every unit for every period.

Examples
--------
>>> import geozz as gz
>>> units = gz.build_units(gz.datasets.longgang())
>>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
>>> ratings = gz.rate(gz.assign(problems, units), units, freq="M")
>>> len(ratings) == len(units) * ratings["period"].nunique()
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import InputError, Issue
from ..rubric import NORMALISE, Rubric, load_rubric
from ..tables.ledger import check_ledger
from ..tables.ratings import deduction_columns
from ..tables.units import check_units
from . import ranks as _ranks
from .indicators import CLOSED, Problems, count, counts_by_category, ns
from .periods import FREQS, custom_range, label_bounds, plan, wanted_periods

__all__ = ["COUNT_COLUMNS", "FREQS", "RATE_COLUMNS", "Setup", "Summary", "combine", "finish",
           "prepare", "rate", "score", "star_label", "summarise"]

#: whole-number indicator columns of the ratings
COUNT_COLUMNS = ("found", "due", "closed", "on_time", "overdue", "open_at_end", "reopened",
                 "recurred", "recurrence", "not_rated")
#: indicator rates (NaN where the denominator is 0)
RATE_COLUMNS = ("closure_rate", "on_time_rate", "rework_rate", "recurrence_rate",
                "complaint_share", "median_hours_to_rectify")


def star_label(stars) -> str:
    """Display label for a star count: ``3 -> '★★★☆☆'``; missing -> ``'—'``.

    Examples
    --------
    >>> star_label(3)
    '★★★☆☆'
    """
    if stars is None or pd.isna(stars):
        return "—"
    n = int(stars)
    return "★" * n + "☆" * (5 - n)


def _as_of(value, found_at: pd.Series, tz, issues: list) -> pd.Timestamp:
    """The moment of judgement: ``as_of`` in the ledger's zone, or the latest time
    (``found_at`` or ``rectified_at``) of the ledger."""
    if value is None:
        return found_at.max() if found_at.notna().any() else pd.NaT
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        ts = pd.NaT
    if pd.isna(ts):
        issues.append(Issue(field="as_of", expected="a date or time, e.g. '2024-12-31 18:00'",
                            got=value, fix="pass a date, a datetime or a pd.Timestamp"))
        return pd.NaT
    if tz is None:
        return ts
    return ts.tz_localize(tz) if ts.tz is None else ts.tz_convert(tz)


def _judged(wanted: list[pd.Period] | None, rng, freq, found_at: pd.Series,
            as_of: pd.Timestamp, tz, issues: list) -> None:
    """Check that every period asked for lies in the time the ledger judges.

    That time runs from the start of the period holding the first record of the ledger
    to ``as_of``. A period asked for that begins after ``as_of`` has no score yet; one
    that ends before the first record is not covered by the ledger (every unit would
    score full marks from no records at all). Either is an issue naming the periods; a
    ledger with no records and no ``as_of`` judges no time at all.

    Parameters
    ----------
    wanted : list of Period or None
        The periods asked for (``periods=``), or None with a custom range.
    rng : (Timestamp, Timestamp) or None
        The custom range (first and last day, naive), or None.
    freq : str or tuple
        ``freq=`` as given (the field named for a custom range).
    found_at : Series
        The ledger's ``found_at``.
    as_of : Timestamp
        The moment of judgement (NaT: none).
    tz : tzinfo or None
        The ledger's time zone.
    issues : list of Issue
        Appended to.

    Examples
    --------
    >>> found = pd.Series(pd.to_datetime(["2024-05-10 09:00"]).tz_localize("Asia/Shanghai"))
    >>> issues = []
    >>> _judged([pd.Period("2024-04", "M"), pd.Period("2024-05", "M"),
    ...          pd.Period("2024-06", "M")], None, "M", found, found.max(),
    ...         found.dt.tz, issues)
    >>> [(i.field, i.got) for i in issues]
    [('periods', ['2024-06']), ('periods', ['2024-04'])]
    """
    from .periods import week_label

    field = "periods" if rng is None else "freq"
    if rng is not None:
        first_day, last_day = rng
        spans = [(f"{first_day:%Y-%m-%d}..{last_day:%Y-%m-%d}", first_day,
                  last_day + pd.Timedelta(days=1))]
    else:
        spans = [(week_label(p) if freq == "W" else str(p), p.start_time,
                  (p + 1).start_time) for p in wanted]
    if tz is not None:
        spans = [(label, a.tz_localize(tz, ambiguous=False, nonexistent="shift_forward"),
                  b.tz_localize(tz, ambiguous=False, nonexistent="shift_forward"))
                 for label, a, b in spans]
    if pd.isna(as_of):
        labels = ", ".join(label for label, _, _ in spans)
        issues.append(Issue(field="as_of", expected=f"a moment of judgement to rate {labels} "
                            "at: the ledger has no records to take it from",
                            fix="pass as_of= (e.g. the end of the period) to rate a period "
                                "without problems"))
        return
    first = found_at.min()
    after = [label for label, a, _ in spans if a > as_of]
    before = [label for label, _, b in spans if pd.notna(first) and b <= first]
    if after:
        issues.append(Issue(field=field, expected="periods that begin by the moment of "
                            f"judgement, as_of {as_of:%Y-%m-%d %H:%M} (a later period has "
                            "no score yet)", got=after,
                            fix="rate it once its records are in, or pass as_of= a moment "
                                "within it"))
    if before:
        issues.append(Issue(field=field, expected="periods the ledger covers: it holds no "
                            f"record before {first:%Y-%m-%d %H:%M}, so every unit would "
                            "score full marks unseen", got=before,
                            fix="rate it with the ledger that holds the records of that "
                                "period"))


def _validity(units: pd.DataFrame, tz, issues: list) -> tuple[np.ndarray, np.ndarray]:
    """``valid_from`` / ``valid_to`` as ns (UTC); open ends as the int64 extremes.

    ``valid_from`` is the first moment (a date: its midnight), ``valid_to`` the last day
    (a date: the whole day counts), in the ledger's time zone when naive.
    """
    n = len(units)
    lo = np.full(n, np.iinfo(np.int64).min)
    hi = np.full(n, np.iinfo(np.int64).max)
    for col, out in (("valid_from", lo), ("valid_to", hi)):
        if col not in units:
            continue
        raw = units[col]
        blank = raw.isna() | raw.astype(str).str.strip().isin(("", "NaT", "None", "nan"))
        try:
            t = pd.to_datetime(raw.where(~blank), errors="coerce", format="mixed")
        except (ValueError, TypeError):
            t = pd.Series(pd.NaT, index=raw.index)
        bad = t.isna() & ~blank
        if bad.any():
            issues.append(Issue(field=col, expected="dates such as 2024-05-15 (or empty)",
                                got=f"{int(bad.sum())} values, e.g. "
                                    f"{raw[bad].astype(str).head(3).tolist()}",
                                fix=f"write {col} as a date"))
            continue
        if t.dt.tz is None and tz is not None:
            t = t.dt.tz_localize(tz, ambiguous=False, nonexistent="shift_forward")
        elif t.dt.tz is not None and tz is not None:
            t = t.dt.tz_convert(tz)
        if col == "valid_to":  # the whole last day counts
            t = t.dt.normalize() + pd.Timedelta(days=1)
        v = ns(t)
        have = ~t.isna().to_numpy()
        out[have] = v[have]
    return lo, hi


def _exposure(units: pd.DataFrame, mode: str, issues: list) -> np.ndarray:
    """The divisor of each unit's counts: km of a corridor or km² of a cell (else 1)."""
    n = len(units)
    if mode == "none":
        return np.ones(n)
    corridor = units["unit_type"].isin(("road", "river")).to_numpy()
    if mode == "per_km":
        if "length_m" not in units:
            issues.append(Issue(field="length_m", expected="a length_m column on the units "
                                "(normalise='per_km')", fix="build the units with geozz"))
            return np.ones(n)
        size = pd.to_numeric(units["length_m"], errors="coerce").to_numpy(float) / 1000
        which = corridor
    else:
        area = pd.to_numeric(units["area_m2"], errors="coerce") if "area_m2" in units \
            else units.geometry.area
        size = area.to_numpy(float) / 1e6
        which = ~corridor
    bad = which & ~(size > 0)
    if bad.any():
        issues.append(Issue(field="length_m" if mode == "per_km" else "area_m2",
                            expected="a size above 0 for every unit normalised",
                            got=f"{int(bad.sum())} units, e.g. "
                                f"{list(units.index[bad][:5])}",
                            fix="rebuild the units or rate with normalise='none'"))
        return np.ones(n)
    return np.where(which, size, 1.0)


def _adjustments(adjustments, units_index: pd.Index, issues: list) -> pd.DataFrame | None:
    """Adjustments as a table unit_id, period, points, reason (or None)."""
    if adjustments is None:
        return None
    if isinstance(adjustments, (str, Path)):
        from ..adjustments import read_adjustments
        adj, rejects = read_adjustments(adjustments, units=units_index)
        for r in rejects.head(20).itertuples():
            issues.append(Issue(file=str(adjustments), row=r.row, field=r.field,
                                expected="a usable adjustment", got=r.reason,
                                fix="correct the row or remove it"))
        if len(rejects) > 20:
            issues.append(Issue(file=str(adjustments), expected="usable adjustments",
                                got=f"{len(rejects)} rejected rows in all",
                                fix="read them with geozz.adjustments.read_adjustments"))
        return adj
    need = ("unit_id", "period", "points", "reason")
    if not isinstance(adjustments, pd.DataFrame) or any(c not in adjustments for c in need):
        issues.append(Issue(field="adjustments", expected=f"a path or a DataFrame with "
                            f"columns {list(need)}", got=type(adjustments).__name__,
                            fix="read them with geozz.adjustments.read_adjustments"))
        return None
    adj = adjustments[list(need)].copy()
    adj["unit_id"] = adj["unit_id"].astype(str)
    pts = pd.to_numeric(adj["points"], errors="coerce")
    unknown = ~adj["unit_id"].isin(units_index)
    if pts.isna().any() or unknown.any():
        issues.append(Issue(field="adjustments", expected="numeric points for units rated",
                            got=f"{int(pts.isna().sum())} bad points, "
                                f"{int(unknown.sum())} unknown units "
                                f"{adj.loc[unknown, 'unit_id'].head(5).tolist()}",
                            fix="read them with read_adjustments(path, units=units)"))
        return None
    adj["points"] = pts.astype(float)
    return adj


def _place_adjustments(adj: pd.DataFrame, edges: pd.DatetimeIndex, n_out: int,
                       tz, issues: list) -> np.ndarray:
    """The output period of each adjustment; -1 when outside every rated period."""
    e = ns(edges)
    where = np.full(len(adj), -1)
    bad = []
    for i, label in enumerate(adj["period"].astype(str)):
        bounds = label_bounds(label, tz, kinds="MQY")
        if bounds is None:
            bad.append(label)
            continue
        a, b = ns(pd.DatetimeIndex([bounds[0], bounds[1]]))
        k = int(np.searchsorted(e, a, side="right")) - 1
        if b <= e[0] or a >= e[-1]:
            continue  # another period than those rated now
        if k < 0 or k >= n_out or b > e[k + 1]:
            bad.append(label)
            continue
        where[i] = k
    if bad:
        issues.append(Issue(field="adjustments.period", expected="periods each within one "
                            "rated period (a month within a quarter, not a quarter in "
                            "monthly ratings)", got=sorted(set(bad))[:10],
                            fix="give adjustments per rated period or rate with a longer freq"))
    return where


def _check_freq(freq: str) -> None:
    if freq not in FREQS:
        raise InputError(Issue(field="freq", expected=f"one of {FREQS} or a pair of "
                               "dates (first, last)", got=freq,
                               fix="use 'W', 'M', 'Q', 'Y' or ('2024-05-01', "
                                   "'2024-06-30')"))


def _unit_codes(ids: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each ledger unit id in ``index`` (-1: none); ids compared as text."""
    codes = index.get_indexer(ids)
    miss = (codes < 0) & ids.notna().to_numpy()
    if miss.any():
        codes[miss] = index.get_indexer(ids[miss].astype(str))
    return codes


def rate(ledger: pd.DataFrame, units: gpd.GeoDataFrame, *, freq="M",
         rubric: str | Rubric = "default", periods: Iterable[str] | None = None,
         as_of=None, adjustments=None, normalise: str | None = None,
         lists: int = 5, engine: str | None = None, scheduler=None,
         check_memory: bool = True) -> pd.DataFrame:
    """Rate every unit in every period.

    Per unit and *base* period (a week, a month, or the custom range) the problems found
    deduct through the rubric (:meth:`geozz.rubric.Rubric.deductions`): per problem from
    its category's share, never below 0 (扣完为止), a category outside a unit type's
    rubric deducts nothing and is counted in ``not_rated``; then the extra points for
    problems overdue, still open at the period end, recurrent (ledger ``recurrent``) and
    reopened; floor and cap. A quarter or year combines its *rated* months: their mean
    (``period_mean = "mean"``) or their deductions added up. Manual adjustments come
    after, and the score stays within floor and full score. Indicators follow
    :mod:`geozz.rating.indicators`, ranks and lists :mod:`geozz.rating.ranks`.

    Parameters
    ----------
    ledger : DataFrame
        From :func:`geozz.assign`.
    units : GeoDataFrame
        The units the ledger was made with; every unit is rated, with or without
        problems. Optional ``valid_from`` / ``valid_to`` (dates, the last day included):
        a unit has no score (NaN, no stars, no rank) in a period it does not overlap; a
        quarter is then the mean over the months it existed in.
    freq : {"W", "M", "Q", "Y"} or (first, last), default "M"
        ISO weeks Monday–Sunday (``"2024-W19"``), months (``"2024-05"``), quarters
        (``"2024Q2"``), years (``"2024"``), or one custom range of dates, both included
        (``"2024-05-01..2024-06-30"``).
    rubric : str, Path or Rubric, default "default"
        A bundled rubric name or a TOML file (:func:`geozz.rubric.load_rubric`).
    periods : str or iterable of str, optional
        The periods to rate, written like the labels above; default every period from
        the first to the last problem's. A period rated here is identical to the same
        period of a full run (the period before is computed for recurrence and changes,
        and ``as_of`` defaults to the same moment). Each must lie in the time the ledger
        judges, from the start of the period of its first record to ``as_of``: a period
        there without problems is rated (every unit full score, ``found`` 0); a period
        that begins after ``as_of`` has no score yet and one that ends before the first
        record is not covered by the ledger: both are an ``InputError`` naming them (so
        is a custom range ``freq=`` outside that time). A ledger without records needs
        ``as_of``.
    as_of : datetime-like, optional
        The moment of judgement (overdue, closed, still open); a period is judged at its
        end or at ``as_of``, the earlier. Default the latest ``found_at`` or
        ``rectified_at`` in the whole ledger. A naive time is taken in the ledger's time zone.
    adjustments : DataFrame or path, optional
        Manual points per unit and period (:func:`geozz.adjustments.read_adjustments`):
        added to the period they fall in (a month's to its quarter), shown in
        ``adjustment`` and ``adjustment_reason``.
    normalise : {"none", "per_km", "per_km2"}, optional
        Default the rubric's. ``per_km`` divides the problem counts of roads and rivers
        by their ``length_m`` in km, ``per_km2`` those of the other units (cells) by
        their ``area_m2`` in km², before they deduct; extras and indicators stay counts.
    lists : int, default 5
        Size of the red (best) and black (worst) lists per unit type and period.
    engine : {None, "dask"}, default None
        None: this process. ``"dask"``: the same ratings, row for row, computed on a
        ``distributed`` cluster from a ledger's partitions (:mod:`geozz.rating.on_dask`);
        ``ledger`` may then also be a dask DataFrame or a ledger dataset folder
        (:func:`geozz.tables.ledger.write_partitioned`).
    scheduler : str or distributed.Client, optional
        With ``engine="dask"``: a scheduler's address (``"tcp://host:8786"``) or a
        client; default the current client or a new LocalCluster.
    check_memory : bool, default True
        With one process: refuse up front (``InputError`` naming ``engine="dask"``) a
        ledger the memory available cannot rate; False tries anyway. ``ledger`` may be a
        ledger dataset folder here too (read whole, checked first).

    Returns
    -------
    DataFrame
        One row per unit per period: ``unit_id``, ``period``, ``unit_type``, ``name``,
        ``admin``, ``score``, ``grade``, ``stars`` (Int64 1–5), ``rank`` (Int64, 1 =
        best within unit type and period), ``rank_admin``, ``score_delta``,
        ``stars_change``, ``list``, ``warning`` (score below the rubric's
        ``warn_below``), ``adjustment``, ``adjustment_reason``, the counts
        :data:`COUNT_COLUMNS` (``on_time``: closed by the deadline; ``recurrence``:
        categories found again after the previous month or week; ``recurred``: ledger
        problems marked recurrent), the rates :data:`RATE_COLUMNS`, one
        ``ded_<category>`` per rubric category, ``ded_extra`` and ``deduction``.

    Raises
    ------
    SchemaError, CRSError
        Units or ledger that break their contract (:mod:`geozz.tables`).
    RubricError
        A rubric that cannot be loaded (:func:`geozz.rubric.load_rubric`).
    InputError
        Listing together: a bad ``freq``, ``periods``, ``as_of``, ``normalise`` or
        ``lists``; periods asked for outside the time the ledger judges; unit types the rubric does not rate; ledger unit ids missing from
        ``units`` (rows of unit types ``units`` does not have are left out);
        ``valid_from`` / ``valid_to`` that are not dates; units without a size to
        normalise by; adjustments that are rejected or do not fit one rated period.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame({"unit_type": ["grid"], "name": ["A"], "admin": [""]},
    ...     geometry=[box(0, 0, 1, 1)], crs=32650, index=pd.Index(["A"], name="unit_id"))
    >>> t = pd.Timestamp("2024-05-03 10:00", tz="Asia/Shanghai")
    >>> ledger = pd.DataFrame({"problem_id": [f"p{i}" for i in range(30)], "unit_id": "A",
    ...     "unit_type": "grid", "category": "illegal_ads", "found_at": t, "status": "open"})
    >>> r = rate(ledger, units)
    >>> r[["period", "score", "ded_illegal_ads", "stars", "grade"]].values.tolist()
    [['2024-05', 90.0, 10.0, 4, '优秀']]
    """
    if engine is not None:
        from .._dask import check_engine

        if check_engine(engine) == "dask":
            from .on_dask import rate_dask

            return rate_dask(ledger, units, freq=freq, rubric=rubric, periods=periods,
                             as_of=as_of, adjustments=adjustments, normalise=normalise,
                             lists=lists, scheduler=scheduler)
    if isinstance(ledger, (str, Path)):  # a partitioned ledger folder, read whole
        from ..tables.ledger import read_partitioned

        ledger = read_partitioned(ledger, check_memory=check_memory)
    if isinstance(freq, str):
        _check_freq(freq)
    check_units(units, stage="rate")
    check_ledger(ledger, stage="rate")
    if check_memory:
        from .._memory import check_fits

        check_fits(len(ledger) * RATE_BYTES_PER_ROW, what=f"rating a ledger of "
                   f"{len(ledger):,} rows", field="engine")
    setup = prepare(summarise(ledger, units), units, freq=freq, rubric=rubric,
                    periods=periods, as_of=as_of, adjustments=adjustments,
                    normalise=normalise, lists=lists)
    if setup is None:
        return _empty(load_rubric(rubric).categories())
    return finish(score(ledger, setup, 0, len(setup.units)), setup)


#: bytes of working memory rating takes per ledger row, beyond the ledger itself
#: (measured on 1 M rows: the columns rating reads, their codes and the period bins)
RATE_BYTES_PER_ROW = 160


@dataclass
class Summary:
    """What :func:`rate` needs to know of the whole ledger before it scores any unit:
    made from the ledger at once (:func:`summarise`) or from its parts
    (:func:`combine`, the dask engine)."""

    tz: object            #: the time zone of ``found_at``
    first: pd.Timestamp   #: the earliest ``found_at`` (NaT: none)
    last: pd.Timestamp    #: the latest ``found_at``
    latest: pd.Timestamp  #: the latest ``found_at`` or ``rectified_at``
    strange: list         #: placed unit ids that are not in the units (sorted, unique)
    dtype: object         #: the dtype of ``found_at``


def summarise(ledger: pd.DataFrame, units: pd.DataFrame) -> Summary:
    """The :class:`Summary` of a (part of a) ledger checked by ``check_ledger``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame({"unit_type": ["grid"]}, geometry=[box(0, 0, 1, 1)],
    ...     crs=32650, index=pd.Index(["A"], name="unit_id"))
    >>> t = pd.to_datetime(["2024-05-03 10:00", "2024-06-01 09:00"]).tz_localize("Asia/Shanghai")
    >>> s = summarise(pd.DataFrame({"unit_id": ["A", "B"], "unit_type": "grid",
    ...                             "found_at": t}), units)
    >>> str(s.first), str(s.latest), s.strange
    ('2024-05-03 10:00:00+08:00', '2024-06-01 09:00:00+08:00', ['B'])
    """
    found = ledger["found_at"]
    tz = found.dt.tz
    latest = found.max() if found.notna().any() else pd.NaT
    if "rectified_at" in ledger and ledger["rectified_at"].notna().any() \
            and getattr(ledger["rectified_at"].dtype, "tz", None) is not None:
        done = ledger["rectified_at"].dt.tz_convert(tz).max()
        latest = done if pd.isna(latest) or done > latest else latest
    ids = units.index.astype(str)
    placed = ledger["unit_id"].notna() & ledger["unit_type"].isin(set(units["unit_type"]))
    strange = pd.Index(ledger.loc[placed, "unit_id"].astype(str).unique()).difference(ids)
    return Summary(tz=tz, first=found.min() if found.notna().any() else pd.NaT,
                   last=found.max() if found.notna().any() else pd.NaT,
                   latest=latest, strange=list(strange), dtype=found.dtype)


def combine(parts: list[Summary]) -> Summary:
    """One :class:`Summary` of the ledger from those of its parts (in any order)."""
    def pick(values, fn):
        values = [v for v in values if pd.notna(v)]
        return fn(values) if values else pd.NaT

    return Summary(tz=parts[0].tz, first=pick([p.first for p in parts], min),
                   last=pick([p.last for p in parts], max),
                   latest=pick([p.latest for p in parts], max),
                   strange=sorted(set().union(*(p.strange for p in parts))),
                   dtype=parts[0].dtype)


@dataclass
class Setup:
    """Everything :func:`score` and :func:`finish` share: checked options, the periods
    (:class:`~geozz.rating.periods.Plan`), the moment of judgement and the units' own
    values (types, validity, size, adjustments), one element per unit."""

    rb: Rubric
    pl: object
    freq: object
    wanted: list | None
    lists: int
    as_of: pd.Timestamp
    first_found: int
    units: gpd.GeoDataFrame  #: indexed by the ids as text
    utypes: np.ndarray
    vfrom: np.ndarray
    vto: np.ndarray
    size: np.ndarray
    adj: pd.DataFrame | None  #: with ``unit`` (position) and ``where`` (output period)


def prepare(summary: Summary, units: gpd.GeoDataFrame, *, freq="M",
            rubric: str | Rubric = "default", periods=None, as_of=None, adjustments=None,
            normalise: str | None = None, lists: int = 5) -> Setup | None:
    """Check the options of :func:`rate` against the ledger's :class:`Summary` and the
    units; raise every issue at once. None when there is no period to rate."""
    issues: list[Issue] = []
    rng = None
    if isinstance(freq, str):
        _check_freq(freq)
    else:
        rng = custom_range(freq, issues)
        if periods is not None:
            issues.append(Issue(field="periods", expected="no periods with a custom range",
                                got=periods, fix="leave periods out; the range is the period"))
    rb = load_rubric(rubric)
    mode = rb.normalise if normalise is None else normalise
    if mode not in NORMALISE:
        issues.append(Issue(field="normalise", expected=f"one of {list(NORMALISE)}",
                            got=normalise, fix="use normalise='none' for raw counts"))
        mode = "none"
    if isinstance(lists, bool) or not isinstance(lists, (int, np.integer)) or lists < 0:
        issues.append(Issue(field="lists", expected="a whole number of 0 or more",
                            got=lists, fix="e.g. lists=5 (0: no red and black lists)"))
        lists = 0
    utypes = units["unit_type"].set_axis(units.index.astype(str))
    unknown = sorted(set(utypes) - set(rb.shares))
    if unknown:
        issues.append(Issue(field="unit_type", expected=f"unit types the rubric rates "
                            f"({sorted(rb.shares)})", got=unknown,
                            fix="add shares for them to the rubric"))
    strange = summary.strange
    if len(strange):
        issues.append(Issue(field="unit_id", expected="ledger unit ids that are in units",
                            got=f"{len(strange)} unknown ids, e.g. {list(strange[:5])}",
                            fix="rate the ledger with the units it was assigned to"))
    wanted = wanted_periods(periods, freq, issues) if rng is None else None
    tz = summary.tz
    bounds = pd.Series([summary.first, summary.last], dtype=summary.dtype)
    as_of = _as_of(as_of, pd.Series([summary.latest], dtype=summary.dtype), tz, issues)
    if wanted is not None or rng is not None:
        _judged(wanted, rng, freq, bounds, as_of, tz, issues)
    units = units.set_axis(units.index.astype(str), axis=0)  # ids compared as text
    vfrom, vto = _validity(units, tz, issues)
    size = _exposure(units, mode, issues)
    adj = _adjustments(adjustments, units.index, issues)
    if issues:
        raise InputError(issues)

    pl = plan(bounds, rng if rng is not None else freq, tz=tz, wanted=wanted)
    if len(pl.labels) == 0:
        return None
    if adj is not None and len(adj):
        where = _place_adjustments(adj, pl.out_edges, len(pl.labels), tz, issues)
        if issues:
            raise InputError(issues)
        adj = adj.assign(where=where, unit=units.index.get_indexer(adj["unit_id"]))
        adj = adj[adj["where"] >= 0]
    first_found = ns(bounds.dropna()).min() if bounds.notna().any() \
        else np.iinfo(np.int64).max
    return Setup(rb=rb, pl=pl, freq=freq, wanted=wanted, lists=int(lists), as_of=as_of,
                 first_found=first_found, units=units,
                 utypes=utypes.reindex(units.index).to_numpy(), vfrom=vfrom, vto=vto,
                 size=size, adj=adj)


def score(ledger: pd.DataFrame, setup: Setup, lo: int, hi: int) -> pd.DataFrame:
    """The scores and indicators of the units ``lo:hi`` (positions in ``setup.units``)
    in every output period, context period included, before ranks: one row per unit and
    period, unit by unit. ``ledger`` may hold other units' rows too (left out); every
    row of these units must be in it. The rows of consecutive ranges, put one after the
    other, are the rows of the whole range."""
    rb, pl, as_of = setup.rb, setup.pl, setup.as_of
    units = setup.units.iloc[lo:hi]
    cats = rb.categories()
    n_u, n_o, n_b = len(units), len(pl.labels), len(pl.base_edges) - 1
    size = setup.size[lo:hi]
    unit_types = setup.utypes[lo:hi]
    # ---- the problems, as integer codes
    code = _unit_codes(ledger["unit_id"], units.index)
    cat_all, cat_names = pd.factorize(ledger["category"])
    keep = (code >= 0) & (cat_all >= 0)
    need = [c for c in ("found_at", "status", "deadline", "rectified_at", "recurrent",
                        "source") if c in ledger]
    rows = ledger[need][keep]  # only the columns rating reads
    cat_code, code = cat_all[keep], code[keep]

    def flag(col, values):
        if col not in rows:
            return None
        codes, names = pd.factorize(rows[col])
        hit = np.isin(np.asarray(names, dtype=object), values)
        return np.r_[hit, False][codes]  # code -1 (missing) -> False

    closed_status = flag("status", list(CLOSED))
    reopened_status = flag("status", ["reopened"])
    recurrent = rows["recurrent"].fillna(False).astype(bool).to_numpy() \
        if "recurrent" in rows else None
    complaint = flag("source", ["complaint"])

    def times(col):
        return rows[col] if col in rows and rows[col].notna().any() else None

    probs = Problems(unit=code, found=rows["found_at"], category=cat_code, closed_status=closed_status,
                     reopened_status=reopened_status,
                     deadline=times("deadline"), done=times("rectified_at"),
                     recurrent=recurrent, complaint=complaint)
    # ---- scores per base period
    counts = counts_by_category(probs, pl.base_edges, n_u, len(cat_names))
    present = counts > 0
    recurrence = np.zeros((n_u, n_b), dtype=np.int64)
    recurrence[:, 1:] = (present[:, 1:] & present[:, :-1]).sum(axis=2)
    base = count(probs, pl.base_edges, n_units=n_u, as_of=as_of,
                 medians=pl.freq not in ("Q", "Y"))
    rep_size = np.repeat(size, n_b)
    norm = pd.DataFrame(counts.reshape(n_u * n_b, -1) / rep_size[:, None],
                        columns=[str(c) for c in cat_names])
    extras = pd.DataFrame({"overdue": base["overdue"], "open_at_end": base["open_at_end"],
                           "recurrence": base["recurred"], "reopened": base["reopened"]})
    ded = rb.deductions(np.repeat(unit_types, n_b), norm, extras)
    be = ns(pl.base_edges)
    exists = (setup.vfrom[lo:hi, None] < be[None, 1:]) & (setup.vto[lo:hi, None] > be[None, :-1])
    if pd.notna(as_of):  # a month (week) that begins after the moment of judgement has
        # not been seen yet: it has no score, so a quarter is not lifted by empty months
        exists &= be[None, :-1] <= ns(pd.Series([as_of]))[0]
    ded_cols = deduction_columns(cats)
    vals = ded[ded_cols].to_numpy(float).reshape(n_u, n_b, -1)
    not_rated = np.rint(ded["not_rated"].to_numpy() * rep_size).reshape(n_u, n_b)
    # ---- combine base periods into output periods
    starts = np.flatnonzero(np.r_[True, np.diff(pl.base_out) != 0])
    n_rated = np.add.reduceat(exists.astype(int), starts, axis=1)
    sums = np.add.reduceat(np.where(exists[:, :, None], vals, 0.0), starts, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if rb.period_mean == "mean" or pl.freq not in ("Q", "Y"):
            agg = sums / n_rated[:, :, None]
        else:  # deductions add up, floored and capped like one month
            agg = sums
            limit = rb.full_score - rb.floor if rb.cap is None \
                else min(rb.cap, rb.full_score - rb.floor)
            agg[:, :, -1] = np.minimum(agg[:, :, -1], limit)
    agg[n_rated == 0] = np.nan
    score = np.round(rb.full_score - agg[:, :, -1], 2)
    out_rec = np.add.reduceat(recurrence, starts, axis=1)
    out_not_rated = np.add.reduceat(not_rated, starts, axis=1)
    if pl.freq in ("Q", "Y"):
        ind = count(probs, pl.out_edges, n_units=n_u, as_of=as_of, medians=True)
    else:
        ind = base
    # ---- adjustments
    adj_points = np.zeros((n_u, n_o))
    adj_reason = np.full(n_u * n_o, "", dtype=object)
    adj = setup.adj
    if adj is not None and len(adj):
        adj = adj[(adj["unit"] >= lo) & (adj["unit"] < hi)]
    if adj is not None and len(adj):
        flat = (adj["unit"].to_numpy() - lo) * n_o + adj["where"].to_numpy()
        np.add.at(adj_points.reshape(-1), flat, adj["points"].to_numpy())
        text = pd.Series(adj["reason"].astype(str).to_numpy()).groupby(flat).agg("; ".join)
        adj_reason[text.index.to_numpy()] = text.to_numpy()
        score = np.clip(score + adj_points, rb.floor, rb.full_score)
    stars = np.where(np.isnan(score), np.nan, rb.stars_for(np.nan_to_num(score)))
    has_prev = setup.first_found < ns(pl.out_edges)[:-1]
    delta, change = _ranks.changes(score, stars, has_prev)
    # ---- the table, one row per unit and output period
    uix = np.repeat(np.arange(n_u), n_o)
    out = pd.DataFrame({"unit_id": units.index.to_numpy()[uix],
                        "period": np.tile(np.array(pl.labels, dtype=object), n_u)})
    out["unit_type"] = unit_types[uix]
    for col in ("name", "admin"):
        out[col] = units[col].to_numpy()[uix] if col in units else ""
    flat_score = score.reshape(-1)
    out["score"] = flat_score
    rated = ~np.isnan(flat_score)
    out["grade"] = pd.Series(rb.grade_for(np.nan_to_num(flat_score)), dtype=object) \
        .where(rated, None)
    out["stars"] = pd.array(np.where(rated, stars.reshape(-1), 0).astype(int),
                            dtype="Int64")
    out.loc[~rated, "stars"] = pd.NA
    out["score_delta"] = delta.reshape(-1)
    ch = change.reshape(-1)
    out["stars_change"] = pd.array(np.nan_to_num(ch).astype(int), dtype="Int64")
    out.loc[np.isnan(ch), "stars_change"] = pd.NA
    out["warning"] = (flat_score < rb.warn_below) if rb.warn_below is not None \
        else np.zeros(len(out), bool)
    out["adjustment"] = adj_points.reshape(-1)
    out["adjustment_reason"] = adj_reason
    for c in ("found", "due", "closed", "on_time", "overdue", "open_at_end", "reopened",
              "recurred"):
        out[c] = ind[c].to_numpy()
    out["recurrence"] = out_rec.reshape(-1)
    out["not_rated"] = out_not_rated.reshape(-1).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = lambda a, b: np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)
        out["closure_rate"] = f(ind["due_closed"].to_numpy(), ind["due"].to_numpy())
        out["on_time_rate"] = f(ind["on_time"].to_numpy(), ind["closed"].to_numpy())
        out["rework_rate"] = f(ind["reopened"].to_numpy(), ind["closed"].to_numpy())
        out["recurrence_rate"] = f(ind["recurred"].to_numpy(), ind["found"].to_numpy())
        out["complaint_share"] = f(ind["complaints"].to_numpy(), ind["found"].to_numpy())
    out["median_hours_to_rectify"] = ind["median_hours_to_rectify"].to_numpy()
    dv = agg.reshape(n_u * n_o, -1)
    for i, c in enumerate(ded_cols):
        out[c] = dv[:, i]
    return out


def finish(out: pd.DataFrame, setup: Setup) -> pd.DataFrame:
    """The ratings from the rows :func:`score` made for all the units (in units order):
    the context period and periods not asked for dropped, ranks and lists, sorted."""
    pl, wanted, freq, units = setup.pl, setup.wanted, setup.freq, setup.units
    n_o = len(pl.labels)
    keep = out["period"] != pl.labels[0]
    if wanted is not None:
        labels = {pl.labels[i] for i in range(1, n_o)
                  if _is_wanted(pl.labels[i], wanted, freq)}
        keep &= out["period"].isin(labels)
    out = out[keep].reset_index(drop=True)
    out.insert(8, "rank", _ranks.rank(out, ["period", "unit_type"]))
    acol = _ranks.admin_column(units)
    if acol is not None:
        area = pd.Series(units[acol].fillna("").astype(str).to_numpy(), index=units.index) \
            .reindex(out["unit_id"]).to_numpy()
        tmp = out.assign(_area=area)
        ra = _ranks.rank(tmp, ["period", "unit_type", "_area"])
        ra[(area == "")] = pd.NA
        out.insert(9, "rank_admin", ra.to_numpy())
    else:
        out.insert(9, "rank_admin", pd.array([pd.NA] * len(out), dtype="Int64"))
    out.insert(12, "list", _ranks.lists(out, setup.lists).to_numpy())
    out = out.sort_values(["period", "unit_type", "rank", "unit_id"], kind="stable",
                          na_position="last")
    return out.reset_index(drop=True)


def _is_wanted(label: str, wanted, freq: str) -> bool:
    from .periods import week_label
    return label in {week_label(p) if freq == "W" else str(p) for p in wanted}


def _empty(cats: list[str]) -> pd.DataFrame:
    cols = (["unit_id", "period", "unit_type", "name", "admin", "score", "grade", "stars",
             "rank", "rank_admin", "score_delta", "stars_change", "list", "warning",
             "adjustment", "adjustment_reason"] + list(COUNT_COLUMNS) + list(RATE_COLUMNS)
            + deduction_columns(cats))
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
