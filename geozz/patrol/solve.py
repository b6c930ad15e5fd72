"""Daily patrol routes (日巡查): a prize-collecting vehicle routing problem on real streets.

Each unit with a prize (its expected problems, or its open problems) is a stop a patrol may
visit; each officer walks (or drives) a closed route from a start, at most ``budget_m``
metres long. The routes collect the largest total prize the solver finds in its time
limit (PyVRP's hybrid genetic search, prize-collecting with optional clients), or, with
:func:`greedy`, the baseline an office would do by hand: the nearest hot unit next.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import CRSError, InputError, Issue, SchemaError
from .network import StreetNetwork, street_network

__all__ = ["routes", "greedy", "open_problems", "METHODS"]

METHODS = ("solver", "greedy")

#: what a unit of average prize is worth to the solver, in officer budgets of distance
#: (0.1: a detour of a tenth of the budget for an average unit; on Longgang 0.03–0.1 collected
#: more in 3 s than 0.3–1, where the search spends its time on over-budget routes)
PRIZE_WEIGHT = 0.1
#: solutions between two updates of PyVRP's penalty for a route over budget (its default
#: 500 is too slow to make the search feasible within a few seconds)
PENALTY_UPDATES = 50


def open_problems(ledger: pd.DataFrame, *, as_of=None) -> pd.Series:
    """Open problems per unit, a prize for :func:`routes` (go where problems wait).

    Parameters
    ----------
    ledger : DataFrame
        From :func:`geozz.assign` (``unit_id``, ``rectified_at``, ``status``, …).
    as_of : str or Timestamp, keyword-only
        Count the problems found by then and not rectified by then; default the latest
        ``found_at`` of the ledger.

    Returns
    -------
    Series
        Indexed by ``unit_id``, named ``open``: the count of open problems, units with
        none left out.

    Examples
    --------
    >>> import pandas as pd
    >>> ledger = pd.DataFrame({"unit_id": ["a", "a", "b"], "status": ["open", "rectified", "open"],
    ...     "found_at": pd.to_datetime(["2024-05-01"] * 3).tz_localize("Asia/Shanghai"),
    ...     "rectified_at": pd.to_datetime([None, "2024-05-02", None]).tz_localize("Asia/Shanghai")})
    >>> open_problems(ledger, as_of="2024-05-03").to_dict()
    {'a': 1, 'b': 1}
    """
    missing = [c for c in ("unit_id", "found_at", "rectified_at") if c not in ledger.columns]
    if missing:
        raise SchemaError(Issue(field=missing[0], expected="a ledger from gz.assign "
                                "(unit_id, found_at, rectified_at)", got=list(ledger.columns),
                                fix="pass the ledger gz.assign(problems, units) returns"))
    found = pd.to_datetime(ledger["found_at"])
    done = pd.to_datetime(ledger["rectified_at"])
    if as_of is None:
        when = found.max()
    else:
        when = pd.Timestamp(as_of)
        if when.tzinfo is None and found.dt.tz is not None:
            when = when.tz_localize(found.dt.tz)
    is_open = (found <= when) & ~(done.notna() & (done <= when))
    if "status" in ledger.columns:
        is_open |= (found <= when) & ledger["status"].astype(object).eq("reopened")
    counts = ledger.loc[is_open.to_numpy(), "unit_id"].value_counts().sort_index()
    counts.index.name = "unit_id"
    return counts.rename("open").astype(int)


def _prizes(risk, prize: str, units: gpd.GeoDataFrame) -> tuple[pd.Series, dict]:
    """The prize of every unit (0 where the risk table has none) and what was ignored."""
    if isinstance(risk, pd.DataFrame):
        if prize not in risk.columns:
            raise SchemaError(Issue(field="prize", expected=f"a column of risk among "
                                    f"{list(risk.columns)}", got=prize,
                                    fix='pass prize="expected" (gz.forecast.risk), '
                                        'prize="p_recur", or the column holding the prize'))
        if "unit_id" in risk.columns and risk.index.name != "unit_id":
            risk = risk.set_index("unit_id")
        values = risk[prize]
    elif isinstance(risk, pd.Series):
        values = risk
    else:
        raise InputError(Issue(field="risk", expected="a DataFrame or Series indexed by unit_id",
                               got=type(risk).__name__,
                               fix="pass gz.forecast.risk(ledger, units), or "
                                   "gz.patrol.open_problems(ledger)"))
    numeric = pd.to_numeric(values, errors="coerce")
    bad = values[numeric.isna() & values.notna()]
    issues = [Issue(field=f"risk[{prize!r}]", row=None, expected="a number >= 0",
                    got=f"{k}: {v!r}", fix="give every unit a finite, non-negative prize")
              for k, v in bad.head(5).items()]
    neg = numeric[(numeric < 0) | np.isinf(numeric)]
    issues += [Issue(field=f"risk[{prize!r}]", expected="a number >= 0", got=f"{k}: {v!r}",
                     fix="give every unit a finite, non-negative prize")
               for k, v in neg.head(5).items()]
    if issues:
        raise InputError(issues)
    numeric = numeric.groupby(level=0).sum()
    unknown = numeric.index.difference(units.index)
    out = numeric.reindex(units.index).fillna(0.0).astype(float)
    return out, {"unknown_ids": len(unknown)}


def _start_points(starts, units: gpd.GeoDataFrame, officers: int) -> np.ndarray:
    """Start of every officer as ``(x, y)`` in the units' CRS."""
    if starts is None:
        minx, miny, maxx, maxy = units.total_bounds
        return np.tile([(minx + maxx) / 2, (miny + maxy) / 2], (officers, 1))
    if isinstance(starts, (gpd.GeoSeries, gpd.GeoDataFrame)):
        if starts.crs is None:
            raise CRSError(Issue(field="starts", expected="a GeoSeries with a CRS",
                                 fix="call .set_crs(4326) on the starts"))
        geoms = starts.to_crs(units.crs).geometry.values
        pts = shapely.get_coordinates(shapely.centroid(geoms))
    else:
        if isinstance(starts, shapely.Geometry) or (
                len(starts) == 2 and all(isinstance(v, (int, float)) for v in starts)):
            starts = [starts]
        rows = []
        for s in starts:
            xy = shapely.get_coordinates(s.centroid)[0] if isinstance(s, shapely.Geometry) \
                else np.asarray(s, dtype=float).ravel()
            if xy.shape != (2,) or not np.isfinite(xy).all():
                raise InputError(Issue(field="starts", expected="(lon, lat) or (x, y) pairs",
                                       got=s, fix="pass starts=[(114.21, 22.69)]"))
            rows.append(xy)
        pts = np.asarray(rows, dtype=float)
        if (np.abs(pts[:, 0]) <= 180).all() and (np.abs(pts[:, 1]) <= 90).all():
            from pyproj import Transformer

            tr = Transformer.from_crs(4326, units.crs, always_xy=True)
            pts = np.column_stack(tr.transform(pts[:, 0], pts[:, 1]))
    if len(pts) == 1:
        return np.tile(pts[0], (officers, 1))
    if len(pts) != officers:
        raise InputError(Issue(field="starts", expected=f"1 start or {officers} (one per "
                               "officer)", got=f"{len(pts)} starts",
                               fix="give one office for all, or one start per officer"))
    return pts


def _targets(units: gpd.GeoDataFrame) -> np.ndarray:
    """Where a unit is visited: the middle of its centreline, else its centroid."""
    pts = shapely.centroid(units.geometry.values)
    if "centerline" in units.columns:
        lines = np.asarray(units["centerline"].to_numpy(), dtype=object)
        has = np.array([isinstance(g, shapely.Geometry) and not g.is_empty for g in lines])
        if has.any():
            cl = gpd.GeoSeries(list(lines[has]), crs=units.crs).geometry.values
            pts[has] = shapely.line_interpolate_point(cl, 0.5, normalized=True)
    return shapely.get_coordinates(pts)


def _check(units, officers, budget_m, method, time_limit):
    issues = []
    if not isinstance(units, gpd.GeoDataFrame):
        raise InputError(Issue(field="units", expected="a units GeoDataFrame indexed by unit_id",
                               got=type(units).__name__, fix="pass gz.build_units(area)"))
    if units.crs is None or units.crs.is_geographic:
        raise CRSError(Issue(field="units", expected="units in a projected CRS (metres)",
                             got=str(units.crs), fix="pass gz.build_units(area) (UTM) or "
                                                     "units.to_crs(units.estimate_utm_crs())"))
    if isinstance(officers, bool) or not isinstance(officers, int) or officers < 1:
        issues.append(Issue(field="officers", expected="a whole number >= 1", got=officers,
                            fix="pass officers=3"))
    if isinstance(budget_m, bool) or not isinstance(budget_m, (int, float)) or \
            not math.isfinite(budget_m) or budget_m <= 0:
        issues.append(Issue(field="budget_m", expected="metres > 0", got=budget_m,
                            fix="pass budget_m=10_000 (10 km per officer)"))
    if method not in METHODS:
        issues.append(Issue(field="method", expected=f"one of {list(METHODS)}", got=method,
                            fix='pass method="solver" or method="greedy"'))
    if not isinstance(time_limit, (int, float)) or not time_limit > 0:
        issues.append(Issue(field="time_limit", expected="seconds > 0", got=time_limit,
                            fix="pass time_limit=3"))
    if issues:
        raise InputError(issues)


def routes(area, units: gpd.GeoDataFrame, risk, *, prize: str = "expected", officers: int = 3,
           budget_m: float = 10_000, starts=None, mode: Literal["walk", "drive"] = "walk",
           method: Literal["solver", "greedy"] = "solver", time_limit: float = 3.0,
           seed: int = 0, candidates: int = 400, max_snap_m: float = 500.0,
           network: StreetNetwork | None = None) -> gpd.GeoDataFrame:
    """Patrol routes along real streets that visit the units most likely to hold problems.

    A team orienteering problem: every officer walks (``mode="walk"``) or drives a closed
    route from a start and back, at most ``budget_m`` long, and the routes together visit
    the units with the largest total prize. Each unit is visited at the street node
    nearest the middle of its centreline (road sections, river reaches) or its centroid
    (grid cells). Distances are shortest paths on the street network
    (:func:`geozz.patrol.network.street_network`; one-way streets respected by vehicle);
    the routing is PyVRP's prize-collecting solver, stopped after ``time_limit`` seconds.

    Parameters
    ----------
    area : Area, GeoDataFrame or path
        The streets: an :class:`~geozz.area.Area`, road lines, or the OSM file (which
        keeps the one-way streets a vehicle must respect; an Area from a GeoPackage has
        lost them).
    units : GeoDataFrame
        Indexed by ``unit_id`` in a projected CRS (:func:`geozz.build_units`); ``name``
        and ``centerline`` used when present.
    risk : DataFrame or Series
        The prize per ``unit_id``: ``gz.forecast.risk(ledger, units)`` (columns
        ``expected``, problems expected next period, and ``p_recur``), a Series, or the
        open problems per unit (:func:`open_problems`). Units it lacks have no prize.
    prize : str, keyword-only
        The column of a DataFrame ``risk`` used as prize (``"expected"``, ``"p_recur"`` …).
    officers : int, keyword-only
        Officers (routes).
    budget_m : float, keyword-only
        The longest route of an officer in metres, start and return included. Enforced.
    starts : point, (lon, lat), list of them or GeoSeries, keyword-only
        The office (one start for all) or one start per officer, in WGS-84 degrees or
        the units' CRS; snapped to the nearest street node. Default the street node
        nearest the centre of the units' extent.
    mode : {"walk", "drive"}, keyword-only
    method : {"solver", "greedy"}, keyword-only
        ``"greedy"`` is the baseline of :func:`greedy`.
    time_limit : float, keyword-only
        Seconds the solver searches.
    seed : int, keyword-only
        The solver's random seed (the same seed and time give similar routes; the search
        is stopped by time, so not always identical ones).
    candidates : int, keyword-only
        Only the units with the largest prizes are offered to the solver (bounds the
        distance matrix on a large district).
    max_snap_m : float, keyword-only
        A unit farther than this from every street node of the network is left out
        (counted in ``attrs["patrol"]["too_far"]``).
    network : StreetNetwork, keyword-only
        A network built already (for several calls on one area).

    Returns
    -------
    GeoDataFrame
        One row per officer, in the units' CRS: ``officer`` (1, 2 …), ``stops`` (the
        unit ids in visiting order), ``names``, ``n_stops``, ``prize`` (collected),
        ``distance_m`` (along the line), ``budget_m``, ``stop_prizes``, ``stop_xy`` (the street node of each
        stop) and a LineString along the streets from the start back to it (None for an
        officer with no stop). ``attrs["patrol"]`` holds the method, mode, solver time in
        seconds (``time_s``), ``fallback`` (True when the solver's routes collected less
        than the greedy baseline it starts from, which is then returned), the total and
        available prize, and the counts of units
        without a prize, too far from a street and offered to the solver.

    Raises
    ------
    InputError
        A bad option (every one found listed), a risk table with a negative or
        non-numeric prize, or a start list whose length is neither 1 nor ``officers``.
    SchemaError
        ``prize`` is not a column of ``risk``.
    CRSError
        Units not in a projected CRS.

    Examples
    --------
    >>> import geozz as gz
    >>> area = gz.datasets.longgang()
    >>> units = gz.build_units(area, grid_size=200)
    >>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> ledger = gz.assign(problems, units)
    >>> counts = ledger.groupby("unit_id").size() / 12   # problems per month
    >>> r = gz.patrol.routes(area, units, counts, officers=2, budget_m=5_000, time_limit=1)
    >>> len(r), bool((r["distance_m"] <= 5_000).all())
    (2, True)
    >>> g = gz.patrol.greedy(area, units, counts, officers=2, budget_m=5_000)
    >>> bool(r["prize"].sum() >= g["prize"].sum())
    True
    """
    _check(units, officers, budget_m, method, time_limit)
    t0 = time.perf_counter()
    prizes, meta = _prizes(risk, prize, units)
    if network is None:
        minx, miny, maxx, maxy = units.total_bounds
        margin = max(1000.0, float(budget_m) / 4)
        clip = shapely.box(minx - margin, miny - margin, maxx + margin, maxy + margin)
        network = street_network(area, mode=mode, crs=units.crs, clip=clip)
    elif network.mode != mode:
        raise InputError(Issue(field="network", expected=f"a {mode} network", got=network.mode,
                               fix=f"build it with street_network(..., mode={mode!r})"))
    t_net = time.perf_counter()
    start_xy = _start_points(starts, units, officers)
    main = network.component()
    start_node, _ = network.nearest(start_xy, main)
    unit_node, snap = network.nearest(_targets(units), main)
    far = snap > max_snap_m
    offered = np.flatnonzero((prizes.to_numpy() > 0) & ~far)
    offered = offered[np.argsort(-prizes.to_numpy()[offered], kind="stable")][:candidates]
    depots = list(dict.fromkeys(start_node.tolist()))
    locs = np.asarray(depots + unit_node[offered].tolist(), dtype=np.int64)
    dist = network.distances(np.unique(locs))
    row = {n: i for i, n in enumerate(np.unique(locs).tolist())}
    d = dist[[row[n] for n in locs.tolist()]][:, locs]
    values = prizes.to_numpy()[offered]
    officer_depot = np.array([depots.index(n) for n in start_node.tolist()])
    t_solve = time.perf_counter()
    # whole metres rounded up: a route within the budget in them is within it in real metres
    dm = np.ceil(d - 1e-6).astype(np.int64)
    np.fill_diagonal(dm, 0)
    budget_int = int(math.floor(budget_m))
    plans = _greedy(dm, values, officer_depot, len(depots), budget_int)
    fallback = False
    if method == "solver":
        baseline = plans
        plans = _pyvrp(dm, values, officer_depot, len(depots), budget_int,
                       float(time_limit), seed, network.xy[locs], initial=baseline)
        # the solver also weighs distance: never hand back less prize than the baseline
        got = sum(values[j] for plan in plans for j in plan)
        if got < sum(values[j] for plan in baseline for j in plan) - 1e-9:
            plans, fallback = baseline, True
    solve_s = time.perf_counter() - t_solve
    out = _frame(plans, network, locs, start_node, offered, units, prizes, float(budget_m))
    out.attrs["patrol"] = {
        "method": method, "fallback": fallback, "mode": mode, "officers": officers, "budget_m": float(budget_m),
        "time_s": round(solve_s, 3), "network_s": round(t_net - t0, 3),
        "total_s": round(time.perf_counter() - t0, 3),
        "prize": float(out["prize"].sum()), "prize_available": float(prizes.sum()),
        "units": len(units), "with_prize": int((prizes > 0).sum()),
        "too_far": int(((prizes.to_numpy() > 0) & far).sum()), "offered": len(offered),
        "starts": [[round(float(x), 2), round(float(y), 2)] for x, y in network.xy[start_node]],
        "network": {"nodes": network.n_nodes, "edges": network.n_edges, **network.meta},
        **meta}
    return out


def greedy(area, units: gpd.GeoDataFrame, risk, **options) -> gpd.GeoDataFrame:
    """The baseline: each officer in turn goes to the nearest hot unit next.

    Officer 1 leaves the start for the nearest unvisited unit among the hot ones (a prize
    at least the median of the positive prizes) from which the start can still be reached
    within the budget; when none is left, the nearest unit with any prize; then officer 2
    does the same with what is left. The options are those of :func:`routes`.

    Examples
    --------
    >>> import geozz as gz
    >>> area = gz.datasets.longgang()
    >>> units = gz.build_units(area, grid_size=200)
    >>> risk = pd.Series(1.0, index=units.index[:40])
    >>> g = greedy(area, units, risk, officers=1, budget_m=3_000)
    >>> g.attrs["patrol"]["method"], bool(g["distance_m"].iloc[0] <= 3_000)
    ('greedy', True)
    """
    options.pop("method", None)
    return routes(area, units, risk, method="greedy", **options)


def _greedy(d: np.ndarray, values: np.ndarray, officer_depot: np.ndarray, n_depots: int,
            budget: int) -> list[list[int]]:
    """Client indices (0-based among the offered units) per officer."""
    n = len(values)
    visited = np.zeros(n, dtype=bool)
    positive = values[values > 0]
    hot = values >= (np.median(positive) if len(positive) else np.inf)
    plans = []
    for depot in officer_depot.tolist():
        here, used, plan = depot, 0, []
        while True:
            leg = d[here, n_depots:]
            back = d[n_depots:, depot]
            fits = ~visited & (values > 0) & (used + leg + back <= budget)
            pool = fits & hot if (fits & hot).any() else fits
            if not pool.any():
                break
            cand = np.flatnonzero(pool)
            # nearest first; between equally near units (the same street node) the larger prize
            j = int(cand[np.lexsort((-values[cand], leg[cand]))[0]])
            used += int(leg[j])
            visited[j] = True
            plan.append(j)
            here = n_depots + j
        plans.append(plan)
    return plans


def _pyvrp(dm: np.ndarray, values: np.ndarray, officer_depot: np.ndarray, n_depots: int,
           budget: int, time_limit: float, seed: int, xy: np.ndarray,
           initial: list[list[int]]) -> list[list[int]]:
    """PyVRP's prize-collecting routes, started from ``initial`` (the greedy plans); client
    indices (0-based among the offered units) per officer."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    n = len(values)
    if n == 0:
        return [[] for _ in officer_depot]
    locations = [pyvrp.Location(x=float(x), y=float(y)) for x, y in xy]
    depots = [pyvrp.Depot(location=i) for i in range(n_depots)]
    # integer prizes on the scale of the distances: a unit of average prize is worth a
    # tenth of an officer's budget (PRIZE_WEIGHT; lower weights searched better in 3 s)
    positive = values[values > 0]
    scale = PRIZE_WEIGHT * budget / float(positive.mean()) if len(positive) else 1.0
    clients = [pyvrp.Client(location=n_depots + i, prize=max(1, int(round(v * scale))),
                            required=False) for i, v in enumerate(values.tolist())]
    per_depot = np.bincount(officer_depot, minlength=n_depots)
    type_depot = [k for k in range(n_depots) if per_depot[k]]
    types = [pyvrp.VehicleType(num_available=int(per_depot[k]), start_depot=k, end_depot=k,
                               max_distance=budget) for k in type_depot]
    data = pyvrp.ProblemData(locations=locations, clients=clients, depots=depots,
                             vehicle_types=types, distance_matrices=[dm],
                             duration_matrices=[np.zeros_like(dm)])
    start = pyvrp.Solution(data, [pyvrp.Route(data, plan, type_depot.index(k))
                                  for plan, k in zip(initial, officer_depot.tolist()) if plan])
    params = pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(
        solutions_between_updates=PENALTY_UPDATES, penalty_increase=2.0))
    with warnings.catch_warnings():  # "penalty bound": the search is from a feasible start
        warnings.simplefilter("ignore", pyvrp.exceptions.PenaltyBoundWarning)
        result = pyvrp.solve(data, stop=MaxRuntime(time_limit), seed=seed, display=False,
                             collect_stats=False, params=params, initial_solution=start)
    if not result.is_feasible():  # pragma: no cover - the greedy start is feasible
        return initial
    by_depot: dict[int, list[list[int]]] = {k: [] for k in range(n_depots)}
    for route in result.best.routes():
        # a client's activity idx is its index among the clients (PyVRP 0.14)
        by_depot[type_depot[route.vehicle_type()]].append([a.idx for a in route
                                                            if a.is_client()])
    return [by_depot[k].pop(0) if by_depot[k] else [] for k in officer_depot.tolist()]


def _path(pred_row: np.ndarray, src: int, dst: int) -> list[int]:
    if src == dst:
        return [src]
    out = [dst]
    while out[-1] != src:
        p = int(pred_row[out[-1]])
        if p < 0:  # pragma: no cover - the nodes are in one strongly connected component
            raise InputError(f"no street path from node {src} to {dst}")
        out.append(p)
    return out[::-1]


def _frame(plans, network: StreetNetwork, locs: np.ndarray, start_node: np.ndarray,
           offered: np.ndarray, units: gpd.GeoDataFrame, prizes: pd.Series,
           budget: float) -> gpd.GeoDataFrame:
    n_depots = len(locs) - len(offered)
    seqs = [[int(start_node[k])] + [int(locs[n_depots + j]) for j in plan] + [int(start_node[k])]
            for k, plan in enumerate(plans)]
    sources = sorted({s for seq in seqs for s in seq[:-1]})
    pred = {}
    if sources and any(len(p) for p in plans):
        _d, p = network.distances(np.asarray(sources), predecessors=True)
        pred = {s: p[i] for i, s in enumerate(sources)}
    names = units["name"].astype(object) if "name" in units.columns else \
        pd.Series(units.index, index=units.index)
    rows = []
    for k, (plan, seq) in enumerate(zip(plans, seqs)):
        ids = [units.index[offered[j]] for j in plan]
        geom, length = None, 0.0
        if plan:
            nodes = [seq[0]]
            for a, b in zip(seq[:-1], seq[1:]):
                nodes += _path(pred[a], a, b)[1:]
            xy = network.xy[nodes]
            length = float(np.hypot(*np.diff(xy, axis=0).T).sum())
            geom = shapely.LineString(xy) if len(xy) >= 2 else None
        rows.append({"officer": k + 1, "stops": ids,
                     "names": ["" if pd.isna(names[i]) else str(names[i]) for i in ids],
                     "n_stops": len(ids), "prize": float(prizes[ids].sum()) if ids else 0.0,
                     "distance_m": round(length, 2), "budget_m": budget,
                     "stop_prizes": [float(prizes[i]) for i in ids],
                     "stop_xy": [[float(x), float(y)] for x, y in network.xy[seq[1:-1]]],
                     "start_xy": [float(v) for v in network.xy[seq[0]]],
                     "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=units.crs)
