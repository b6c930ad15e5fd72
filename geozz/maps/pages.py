"""The data of published pages: unit pages, the index, the problem and admin-area layers.

* :func:`problem_points`: each problem of the ledger placed in its rating period with its
  state at the period's end (or ``as_of``, the earlier): ``rectified`` when rectified by
  then, ``overdue`` when its deadline passed before, ``open`` otherwise. Only position,
  period, state and category are kept: no reporter, phone, description or photo.
* :func:`books`: the problems a period's rating counts: found in it, or carried over
  into it (found before, not closed before it began), each with its state at the end.
* :func:`unit_page`: one unit's page (shape with its neighbours greyed, stars, score,
  deductions, score history, responsible body, and the list of the problems of the
  period, from :func:`books`, on the map and in a table, by state).
* :func:`index_page`: every unit of the period in a sortable, filterable table, the share
  at 3★ or better against the target, and the red and black lists.
* :func:`areas_layer`: admin areas (units dissolved by area) coloured by that share.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import polylabel

from ..rating.indicators import CLOSED
from ..rating.periods import label_bounds
from ..tables.problems import category_label
from ..tables.ratings import passing
from ..tables.unit_types import type_labels
from .encode import _rings
from .page import standalone
from .star import NO_RATING_COLOUR, STAR_COLOURS, page_href

__all__ = ["STATES", "areas_layer", "books", "index_page", "period_of", "period_states",
           "problem_points", "unit_page"]

#: problem states on the maps, in the order of the page scripts' colours
STATES = ("open", "overdue", "rectified")
COLOURS = [NO_RATING_COLOUR] + [STAR_COLOURS[n] for n in (1, 2, 3, 4, 5)]


def period_of(found_at: pd.Series, periods: list[str]) -> np.ndarray:
    """Index into ``periods`` of each time (-1 outside every period)."""
    out = np.full(len(found_at), -1, dtype=np.int64)
    tz = found_at.dt.tz
    for k, label in enumerate(periods):
        b = label_bounds(label, tz)
        if b is None:
            continue
        inside = (found_at >= b[0]) & (found_at < b[1])
        out[inside.to_numpy(bool) & (out < 0)] = k
    return out


def _placed_rows(problems: gpd.GeoDataFrame, ledger: pd.DataFrame):
    """The ledger rows with a time and a position, and their WGS-84 points."""
    rows = ledger.dropna(subset=["found_at"])
    rows = rows[rows["problem_id"].astype(str).isin(problems.index.astype(str))]
    geo = problems.geometry.set_axis(problems.index.astype(str)).to_crs(4326)
    pts = geo.reindex(rows["problem_id"].astype(str)).to_numpy()
    ok = np.array([g is not None and not g.is_empty for g in pts], dtype=bool)
    return rows[ok], pts[ok]


def _default_as_of(ledger: pd.DataFrame):
    """The moment :func:`geozz.rate` judges by default: the ledger's latest time."""
    latest = ledger["found_at"].max() if ledger["found_at"].notna().any() else pd.NaT
    if "rectified_at" in ledger and ledger["rectified_at"].notna().any() \
            and getattr(ledger["rectified_at"].dtype, "tz", None) is not None:
        done = ledger["rectified_at"].dt.tz_convert(ledger["found_at"].dt.tz).max()
        latest = done if pd.isna(latest) or done > latest else latest
    return latest


def _closing(rows: pd.DataFrame, as_of):
    """When each problem is closed as the rating counts it (status rectified or verified,
    at ``rectified_at``, or at ``found_at`` when that is unknown; not after ``as_of``),
    NaT when it is not."""
    done = rows["rectified_at"] if "rectified_at" in rows else \
        pd.Series(pd.NaT, index=rows.index, dtype=rows["found_at"].dtype)
    at = done.where(done.notna(), rows["found_at"])
    status = rows["status"].astype(str) if "status" in rows else pd.Series("", index=rows.index)
    shut = status.isin(CLOSED)
    if as_of is not None and pd.notna(as_of):
        shut &= at <= as_of
    return at.where(shut)


def _states(rows: pd.DataFrame, closing: pd.Series, judge: pd.Series, as_of) -> np.ndarray:
    """The state of each problem at ``judge``: rectified (closed by then), overdue (its
    deadline passed before it and by ``as_of``), or open."""
    rectified = (closing.notna() & (closing <= judge)).to_numpy(bool)
    deadline = rows["deadline"] if "deadline" in rows else \
        pd.Series(pd.NaT, index=rows.index, dtype=rows["found_at"].dtype)
    late = deadline.notna() & (deadline < judge)
    if as_of is not None and pd.notna(as_of):
        late &= deadline <= as_of
    overdue = ~rectified & late.to_numpy(bool)
    return np.where(rectified, 2, np.where(overdue, 1, 0))


def period_states(rows: pd.DataFrame, periods: list[str], *, as_of=None,
                  ledger: pd.DataFrame | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The period (index into ``periods``, -1 outside every period) each ledger row was
    found in, and its state then, judged as :func:`geozz.rate` judges it: at the period's
    end, or ``as_of`` when earlier (by default the latest time of ``ledger``, or of
    ``rows``): index into :data:`STATES` (-1 outside every period).

    Examples
    --------
    >>> t = lambda s: pd.to_datetime(pd.Series(s)).dt.tz_localize("Asia/Shanghai")
    >>> rows = pd.DataFrame({"found_at": t(["2024-05-03", "2024-05-04", "2024-07-01"]),
    ...                      "deadline": t(["2024-05-05", "2024-06-10", None]),
    ...                      "rectified_at": t([None, None, None]),
    ...                      "status": ["open", "open", "open"]})
    >>> per, state = period_states(rows, ["2024-05", "2024-06"])
    >>> per.tolist(), [STATES[k] if k >= 0 else None for k in state]
    ([0, 0, -1], ['overdue', 'open', None])
    """
    found = rows["found_at"]
    per = period_of(found, periods)
    state = np.full(len(rows), -1, dtype=np.int64)
    keep = per >= 0
    if not keep.any():
        return per, state
    sub = rows[keep]
    tz = found.dt.tz
    if as_of is None:
        as_of = _default_as_of(rows if ledger is None else ledger)
    elif tz is not None:
        as_of = pd.Timestamp(as_of)
        as_of = as_of.tz_localize(tz) if as_of.tz is None else as_of.tz_convert(tz)
    ends = []
    for label in periods:
        b = label_bounds(label, tz)
        ends.append(b[1] if b else pd.NaT)
    judge = pd.Series(pd.DatetimeIndex([ends[k] for k in per[keep]]), index=sub.index)
    if pd.notna(as_of):
        judge = judge.clip(upper=as_of)
    state[keep] = _states(sub, _closing(sub, as_of), judge, as_of)
    return per, state


def problem_points(problems: gpd.GeoDataFrame, ledger: pd.DataFrame, periods: list[str], *,
                   as_of=None) -> pd.DataFrame:
    """Public problem points: ``lon``, ``lat`` (WGS-84), ``period`` (index), ``state``
    (index into :data:`STATES`), ``category`` and ``unit_id`` of each ledger row, in
    the period it was found in, its state judged as :func:`geozz.rate` judges it
    (:func:`period_states`: at the period's end, or ``as_of`` when earlier: by default
    the ledger's latest time)."""
    rows, pts = _placed_rows(problems, ledger)
    per, state = period_states(rows, periods, as_of=as_of, ledger=ledger)
    keep = per >= 0
    rows, pts, per, state = rows[keep], pts[keep], per[keep], state[keep]
    xy = shapely.get_coordinates(pts) if len(pts) else np.empty((0, 2))
    return pd.DataFrame({"lon": xy[:, 0], "lat": xy[:, 1], "period": per, "state": state,
                         "category": rows["category"].astype(str).to_numpy(),
                         "unit_id": rows["unit_id"].astype(str).to_numpy()
                         if "unit_id" in rows else ""})


def books(problems: gpd.GeoDataFrame, ledger: pd.DataFrame, period: str, *,
          as_of=None) -> pd.DataFrame:
    """Every problem a unit's rating of ``period`` counts: found in the period, or found
    before it and not closed before it began (carried over: still open, overdue, or
    closed in the period). The problem list of the unit pages, so that it holds what the
    page's counts (found, closed, still overdue) count.

    Columns: ``lon``, ``lat``, ``state`` (at the period's end, or ``as_of``: by default
    the ledger's latest time, as :func:`geozz.rate`), ``category``, ``unit_id``,
    ``found`` (the date, ``YYYY-MM-DD``), ``carried`` (found before the period),
    ``closed_here`` (closed within the period) and ``late`` (its deadline passed before
    it was closed, by the period's end: the rating's ``overdue``); sorted by unit and
    time found.
    """
    rows, pts = _placed_rows(problems, ledger)
    tz = rows["found_at"].dt.tz
    b = label_bounds(period, tz)
    cols = ["lon", "lat", "state", "category", "unit_id", "found", "carried", "closed_here",
            "late"]
    if b is None or not len(rows):
        return pd.DataFrame({c: [] for c in cols})
    start, end = b
    if as_of is None:
        as_of = _default_as_of(ledger)
    elif tz is not None:
        as_of = pd.Timestamp(as_of)
        as_of = as_of.tz_localize(tz) if as_of.tz is None else as_of.tz_convert(tz)
    judge = end if pd.isna(as_of) else min(end, as_of)
    closing = _closing(rows, as_of)
    on = ((rows["found_at"] < end) & ~(closing < start)).to_numpy(bool)
    rows, pts, closing = rows[on], pts[on], closing[on]
    state = _states(rows, closing, pd.Series(judge, index=rows.index), as_of)
    deadline = rows["deadline"] if "deadline" in rows else \
        pd.Series(pd.NaT, index=rows.index, dtype=rows["found_at"].dtype)
    late = deadline.notna() & (deadline < judge) & ~(closing.notna() & (closing <= deadline))
    if pd.notna(as_of):
        late &= deadline <= as_of
    xy = shapely.get_coordinates(pts) if len(pts) else np.empty((0, 2))
    out = pd.DataFrame({"lon": xy[:, 0], "lat": xy[:, 1], "state": state,
                        "category": rows["category"].astype(str).to_numpy(),
                        "unit_id": rows["unit_id"].astype(str).to_numpy(),
                        "found": rows["found_at"].dt.strftime("%Y-%m-%d").to_numpy(),
                        "carried": (rows["found_at"] < start).to_numpy(bool),
                        "closed_here": (closing.notna() & (closing >= start)
                                        & (closing < end)).to_numpy(bool),
                        "late": late.to_numpy(bool),
                        "_t": rows["found_at"].to_numpy()})
    return out.sort_values(["unit_id", "_t"], kind="stable").drop(columns="_t") \
        .reset_index(drop=True)


def points_layer(points: pd.DataFrame, categories: list[str], *, decimals: int = 5) -> dict:
    """The problem layer of a star map: points delta-encoded, one row of five per point
    (``dx, dy, period, state, category``)."""
    pts = points.drop_duplicates(subset=["lon", "lat", "period", "state", "category"]) \
        if len(points) else points
    scale = 10 ** decimals
    x = np.rint(pts["lon"].to_numpy(float) * scale).astype(np.int64)
    y = np.rint(pts["lat"].to_numpy(float) * scale).astype(np.int64)
    cat = pd.Categorical(pts["category"], categories=categories).codes
    flat = np.column_stack([np.diff(np.r_[0, x]), np.diff(np.r_[0, y]),
                            pts["period"].to_numpy(), pts["state"].to_numpy(), cat])
    return {"kind": "problems", "label": "问题点 Problems", "heat_label": "热力图 Heat map",
            "scale": scale, "points": flat.reshape(-1).tolist(),
            "categories": [category_label(c) for c in categories],
            "show": False}


def _polys(geom_wgs) -> list:
    return _rings(geom_wgs, 5) if geom_wgs is not None and not geom_wgs.is_empty else []


def areas_layer(units: gpd.GeoDataFrame, table: pd.DataFrame, periods: list[str], *,
                column: str, target: float, show: bool = False, shift=None) -> dict:
    """Admin areas (the units of each area dissolved) coloured by their share at 3★+."""
    names = units[column].fillna("").astype(str).str.strip()
    keep = names != ""
    merged = units[keep].geometry.groupby(names[keep].to_numpy()).agg(
        lambda g: shapely.union_all(shapely.make_valid(g.to_numpy())))
    shapes = gpd.GeoSeries(merged.to_numpy(), crs=units.crs).to_crs(4326)
    if shift is not None:
        from .encode import shift_geometry

        shapes = gpd.GeoSeries(shift_geometry(shapes.to_numpy(), shift), crs=4326)
    area_names = [str(a) for a in merged.index]
    values = []
    for period in periods:
        rows = table[table["period"] == period].set_index("area")
        per = []
        for a in area_names:
            if a in rows.index:
                r = rows.loc[a]
                r = r.iloc[0] if isinstance(r, pd.DataFrame) else r
                share = None if pd.isna(r["share_3star"]) else float(r["share_3star"])
                mean = None if pd.isna(r["mean_score"]) else float(r["mean_score"])
                rank = None if pd.isna(r["rank"]) else int(r["rank"])
                per.append([share, mean, bool(r["meets_target"]), rank])
            else:
                per.append([None, None, False, None])
        values.append(per)
    return {"kind": "areas", "label": "辖区达标 Areas: share at 3★+", "names": area_names,
            "shapes": [_polys(g) for g in shapes.to_numpy()], "scale": 10 ** 5,
            "label_at": _label_points(shapes.to_numpy()),
            "values": values, "target": float(target), "show": show}


def _label_points(geoms) -> list:
    """Where each area's label goes, ``[lat, lon]``: the pole of inaccessibility of its
    largest part (inside it, unlike the centre of its box), or None for an empty area."""
    out = []
    for g in geoms:
        if g is None or g.is_empty:
            out.append(None)
            continue
        parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
        if not parts:
            p = shapely.point_on_surface(g)
        else:
            big = max(parts, key=lambda p: p.area)
            p = polylabel(big, tolerance=max(big.length, 1e-9) / 1000)
        out.append([round(p.y, 5), round(p.x, 5)])
    return out


def _fmt(v) -> str:
    if v is None or pd.isna(v):
        return "—"
    return f"{float(v):.2f}".rstrip("0").rstrip(".")


def page_shapes(units_wgs: gpd.GeoDataFrame) -> list[dict]:
    """Every unit's shape as unit pages carry it (integer rings), computed once."""
    return [{"polys": _polys(g), "line": g is not None and g.geom_type in
             ("LineString", "MultiLineString")} for g in units_wgs.geometry.to_numpy()]


def unit_page(unit_id: str, units_wgs: gpd.GeoDataFrame, neighbours: list[int],
              history: pd.DataFrame, period: str, points: pd.DataFrame, *,
              categories: list[str], title: str, notes: list, credit: str,
              tiles: str | None, shapes: list[dict] | None = None,
              labels: dict[str, str] | None = None, forecast: list | None = None) -> str:
    """One unit's page (see the module docstring); ``history`` its ratings, by period;
    ``points`` the problems of the period as :func:`books` lists them (those of
    ``unit_id`` are listed and drawn: every problem the period's counts count);
    ``shapes`` from :func:`page_shapes` (computed here when not given); ``labels`` the
    unit types' labels (:func:`geozz.tables.unit_types.type_labels`); ``forecast`` rows
    ``[label, text]`` added to the unit's table (:func:`risk_of`)."""
    u = units_wgs.loc[unit_id]
    rows = history.set_index(history["period"].astype(str))
    r = rows.loc[period] if period in rows.index else None
    stars = 0 if r is None or pd.isna(r["stars"]) else int(r["stars"])

    def value(col):
        return None if r is None or col not in r or pd.isna(r[col]) else r[col]

    utype = str(u["unit_type"])
    size = (f"{float(u['length_m']) / 1000:.2f} km" if "length_m" in u and pd.notna(u["length_m"])
            else f"{float(u['area_m2']) / 1e4:.2f} ha" if "area_m2" in u
            and pd.notna(u["area_m2"]) else "—")
    delta = value("score_delta")
    if labels is None:
        labels = type_labels(units_wgs)
    info = [["编号 ID", str(unit_id)], ["类型 Type", labels.get(utype, utype)],
            ["辖区 Admin", str(u.get("admin", "") or "—")],
            ["责任人 Responsible", str(u.get("responsible", "") or "—")],
            ["规模 Size", size], ["评价期 Period", period],
            ["得分 Score", _fmt(value("score"))], ["等级 Grade", str(value("grade") or "—")],
            ["排名 Rank", "—" if value("rank") is None else str(int(value("rank")))],
            ["趋势 Trend", "—" if delta is None else (f"▲ +{_fmt(delta)}" if delta > 0 else
                                                      f"▼ {_fmt(delta)}" if delta < 0 else "= 0")],
            ["问题 Problems found / closed / overdue",
             " / ".join(str(int(value(c) or 0)) for c in ("found", "closed", "overdue"))]]
    info += [[str(a), str(b)] for a, b in (forecast or [])]
    deds = [[category_label(c), _fmt(value(f"ded_{c}"))] for c in categories
            if value(f"ded_{c}") is not None and float(value(f"ded_{c}")) > 0]
    if value("ded_extra") is not None and float(value("ded_extra")) > 0:
        deds.append(["附加扣分 extra (overdue, open, recurrence, reopened)",
                     _fmt(value("ded_extra"))])
    srt = rows.sort_index()
    hist = [[str(p), None if pd.isna(sc) else round(float(sc), 2),
             0 if pd.isna(st) else int(st)]
            for p, sc, st in zip(srt.index, srt["score"], srt["stars"])]
    pos = units_wgs.index.get_loc(unit_id)
    if shapes is None:
        shapes = page_shapes(units_wgs)

    mine = points[(points["unit_id"] == str(unit_id))] if len(points) else points
    scale = 10 ** 5
    x = np.rint(mine["lon"].to_numpy(float) * scale).astype(np.int64)
    y = np.rint(mine["lat"].to_numpy(float) * scale).astype(np.int64)
    cat = pd.Categorical(mine["category"], categories=categories).codes

    def flag(c):
        return mine[c].astype(bool).astype(int).tolist() if c in mine else [0] * len(mine)

    # one row per problem: position (delta), state, category, date found, carried over,
    # closed in the period, past its deadline
    probs = [[int(dx), int(dy), int(st), int(ct), str(fd), cr, ch, lt]
             for dx, dy, st, ct, fd, cr, ch, lt in zip(np.diff(np.r_[0, x]), np.diff(np.r_[0, y]), mine["state"], cat,
                    mine["found"] if "found" in mine else [""] * len(mine),
                    flag("carried"), flag("closed_here"), flag("late"))]
    name = str(u.get("name", "") or unit_id)
    data = {"heading": f"{name} — {title}", "unit_id": str(unit_id), "period": period,
            "stars": stars, "colours": COLOURS, "info": info, "deductions": deds,
            "history": hist, "shape": shapes[pos], "neighbours": [shapes[k] for k in neighbours],
            "problems": probs, "categories": [category_label(c) for c in categories],
            "scale": scale,
            "credit": credit, "tiles": tiles, "notes": notes,
            "nav": [["« 总览 Overview", "../overview.html"], ["单元列表 All units", "../index.html"]]}
    return standalone(f"{name} {period}", "geozzUnitPage", data,
                      scripts=["starmap.js", "unitpage.js"],
                      assets_prefix="../assets/")


def index_page(units: gpd.GeoDataFrame, ratings: pd.DataFrame, period: str, *, title: str,
               target: float, notes: list, labels: dict[str, str] | None = None) -> str:
    """The index of every unit in ``period`` (see the module docstring)."""
    if labels is None:
        labels = type_labels(units)
    r = ratings[ratings["period"].astype(str) == period].copy()
    r["unit_id"] = r["unit_id"].astype(str)
    names = units["name"].set_axis(units.index.astype(str)) if "name" in units else None
    admin = units["admin"].set_axis(units.index.astype(str)) if "admin" in units else None
    rows = []
    for _, x in r.iterrows():
        uid = x["unit_id"]
        rows.append([uid, str(names.get(uid, "")) if names is not None else uid,
                     labels.get(str(x["unit_type"]), str(x["unit_type"])),
                     str(admin.get(uid, "")) if admin is not None else "",
                     None if pd.isna(x["score"]) else round(float(x["score"]), 2),
                     0 if pd.isna(x["stars"]) else int(x["stars"]),
                     None if pd.isna(x.get("rank")) else int(x["rank"]),
                     page_href(uid), str(x.get("list", "") or "")])
    rated = r["stars"].notna()
    good = int(passing(r.loc[rated, "stars"]).sum())
    share = good / int(rated.sum()) if rated.any() else float("nan")
    meets = rated.any() and good >= target * int(rated.sum()) - 1e-9
    summary = [[f"评价期 Period: {period}", False],
               [f"三星及以上 Units at 3★ or better: {good} / {int(rated.sum())} = "
                + ("—" if np.isnan(share) else f"{share:.1%}")
                + f"; 目标 target {target:.0%}: " + ("达标 met" if meets else "未达标 not met"),
                not meets]]
    data = {"heading": f"{title} — 单元星级 Units {period}", "rows": rows, "pages": "units/",
            "colours": COLOURS, "summary": summary, "notes": notes,
            "nav": [["总览地图 Overview map", "overview.html"],
                    ["辖区地图 Areas map", "areas.html"]]}
    return standalone(f"{title} {period}", "geozzIndexPage", data, scripts=["unitpage.js"],
                      assets_prefix="assets/")


def neighbours_of(units: gpd.GeoDataFrame, *, distance: float = 300.0, limit: int = 60):
    """For each unit, the positions of up to ``limit`` other units within ``distance``
    (metres, in the units' metric CRS) of it, nearest first."""
    geoms = units.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    src, dst = tree.query(geoms, predicate="dwithin", distance=distance)
    other = src != dst
    src, dst = src[other], dst[other]
    d = shapely.distance(geoms[src], geoms[dst])
    order = np.lexsort((d, src))
    src, dst = src[order], dst[order]
    out = [[] for _ in range(len(geoms))]
    for s, t in zip(src.tolist(), dst.tolist()):
        if len(out[s]) < limit:
            out[s].append(t)
    return out


#: the classes of the risk layer: (largest ``flag_share``, colour, label); units beyond
#: the last are not drawn
RISK_CLASSES = ((0.01, "#67000d", "前 1% top 1 % of the area"),
                (0.05, "#cb181d", "前 5% top 5 %"),
                (0.10, "#fb6a4a", "前 10% top 10 %"),
                (0.25, "#fcbba1", "前 25% top 25 %"))


def risk_of(risk: pd.DataFrame | None, unit_id: str) -> list[list[str]]:
    """The rows a unit page shows of its forecast: ``[label, text]``."""
    if risk is None or unit_id not in risk.index:
        return []
    r = risk.loc[unit_id]
    per = "km" if r.get("per") == "km" else "km²"
    return [[f"预测 Forecast {r['period']}",
             f"{float(r['expected']):.1f} 个问题 problems expected "
             f"({float(r.get('density', np.nan)):.1f} / {per}), "
             f"回潮概率 p(recurrence) {float(r['p_recur']):.0%}, "
             f"风险排名 risk rank {int(r['risk_rank'])} "
             f"(前 top {float(r['flag_share']):.0%} of the area)"],
            ["预测原因 Why", str(r["reason"])]]


def risk_layer(risk: pd.DataFrame, units: gpd.GeoDataFrame, *, shift=None,
               show: bool = False) -> dict:
    """The risk layer of a star map: the units in the top 25 % of their layer's area
    (:data:`RISK_CLASSES`), coloured by class, with their forecast and its reason."""
    r = risk.set_axis(risk.index.astype(str))
    r = r[r["flag_share"] <= RISK_CLASSES[-1][0] + 1e-12].sort_values("flag_share")
    ids = units.index.astype(str)
    geoms = gpd.GeoSeries(units.geometry.to_numpy(), index=ids, crs=units.crs) \
        .reindex(r.index).to_crs(4326)
    if shift is not None:
        from .encode import shift_geometry

        geoms = gpd.GeoSeries(shift_geometry(geoms.to_numpy(), shift), crs=4326)
    names = units["name"].set_axis(ids).reindex(r.index).fillna("").astype(str).tolist() \
        if "name" in units else [""] * len(r)
    cls = np.searchsorted([c[0] + 1e-12 for c in RISK_CLASSES], r["flag_share"].to_numpy())
    period = str(r["period"].iloc[0]) if len(r) else ""
    return {"kind": "risk", "label": f"预测风险 Forecast risk {period}".strip(),
            "period": period, "ids": r.index.tolist(), "names": names,
            "shapes": [_polys(g) for g in geoms.to_numpy()], "scale": 10 ** 5,
            "values": [[round(float(e), 2), round(float(p), 3), int(k), int(c)]
                       for e, p, k, c in zip(r["expected"], r["p_recur"], r["risk_rank"], cls)],
            "reasons": r["reason"].astype(str).tolist(),
            "classes": [[c[1], c[2]] for c in RISK_CLASSES], "show": show}
