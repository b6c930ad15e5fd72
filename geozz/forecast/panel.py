"""The history of every unit by period, the features of a forecast, and the models.

:func:`build` turns a ledger into a :class:`Panel`: per unit and period the problems
found, the recurrent ones (回潮, the ledger's ``recurrent``), and those open and overdue
at the period's end. Every number of period *s* is computed from what was known at the
end of *s*: problems found before it, and a rectification counts only if it happened
before it. So a forecast made at the end of *s* reads columns ``0..s`` and nothing else:
that is how the backtest never sees the future (``tests/test_forecast.py`` perturbs the
later periods and checks that earlier forecasts do not move).

:func:`features` builds one row per unit for an origin *s* (forecasting *s + 1*), in the
groups of :data:`GROUPS`; :func:`predict` runs one method.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..rating.indicators import ns
from ..rating.periods import plan, week_label
from ..tables.unit_types import REGISTRY

__all__ = ["GROUPS", "METHODS", "MODELS", "Panel", "build", "features", "predict"]

#: the forecasting methods: three naive baselines, then two models that must beat them
METHODS = ("last", "mean3", "kde", "glm", "hgb")
#: the methods that learn from the features
MODELS = ("glm", "hgb")
#: feature groups, named in a forecast's ``reason``
GROUPS = ("own history", "neighbours", "recurrence", "open & overdue", "season",
          "type & size")


@dataclass
class Panel:
    """Counts per unit (rows, in the units' order) and period (columns)."""

    freq: str
    labels: list[str]
    next_label: str
    unit_ids: pd.Index
    unit_type: np.ndarray
    corridor: np.ndarray  # ranked per km (roads, rivers) rather than per km²
    size: np.ndarray  # km² of a cell, km of a corridor
    xy: np.ndarray  # a point inside each unit (metres)
    found: np.ndarray
    recur: np.ndarray
    open_end: np.ndarray
    overdue_end: np.ndarray
    lag: object  # row-standardised neighbour weights, scipy sparse (within a layer)
    season: np.ndarray  # (periods + 1, 2): sin and cos of the season of each period

    @property
    def layers(self) -> list[tuple[str, np.ndarray]]:
        """``("cells", mask)`` and ``("corridors", mask)``: the layers ranked apart."""
        out = [("cells", ~self.corridor), ("corridors", self.corridor)]
        return [(name, m) for name, m in out if m.any()]


def _season(periods: pd.PeriodIndex, freq: str) -> np.ndarray:
    if freq == "M":
        phase = (periods.month.to_numpy() - 1) / 12
    elif freq == "Q":
        phase = (periods.quarter.to_numpy() - 1) / 4
    elif freq == "W":
        phase = np.array([p.start_time.isocalendar()[1] - 1 for p in periods]) / 52
    else:  # a year has no season
        return np.zeros((len(periods), 2))
    return np.c_[np.sin(2 * np.pi * phase), np.cos(2 * np.pi * phase)]


def _spread(lo: np.ndarray, hi: np.ndarray, unit: np.ndarray, n_u: int, n_p: int
            ) -> np.ndarray:
    """Count, per unit and period, the rows whose interval ``[lo, hi)`` covers it."""
    ok = hi > lo
    diff = np.zeros((n_u, n_p + 1), dtype=np.int64)
    np.add.at(diff, (unit[ok], lo[ok]), 1)
    np.add.at(diff, (unit[ok], hi[ok]), -1)
    return np.cumsum(diff, axis=1)[:, :n_p]


def _weights(units, corridor: np.ndarray):
    """Queen contiguity within each layer, row-standardised; islands get their nearest
    unit of the layer."""
    from libpysal.weights import KNN, Queen
    from scipy import sparse

    n = len(units)
    rows, cols = [], []
    for mask in (~corridor, corridor):
        pos = np.flatnonzero(mask)
        if len(pos) < 2:
            continue
        part = units.iloc[pos].reset_index(drop=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = Queen.from_dataframe(part, use_index=False, silence_warnings=True)
            knn = KNN.from_array(_points(part), k=1, silence_warnings=True) \
                if w.islands else None
        for i, nb in w.neighbors.items():
            if not nb and knn is not None:
                nb = knn.neighbors[i]
            rows += [pos[i]] * len(nb)
            cols += [pos[j] for j in nb]
    m = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    deg = np.asarray(m.sum(axis=1)).ravel()
    return sparse.diags(np.where(deg > 0, 1 / np.where(deg > 0, deg, 1), 0)) @ m


def _points(units) -> np.ndarray:
    import shapely

    return shapely.get_coordinates(shapely.point_on_surface(units.geometry.to_numpy()))


def _label(p: pd.Period, freq: str) -> str:
    return week_label(p) if freq == "W" else str(p)


def build(ledger: pd.DataFrame, units, freq: str) -> Panel:
    """The :class:`Panel` of ``ledger`` over ``units`` (checked already) by ``freq``."""
    ids = units.index.astype(str)
    utype = units["unit_type"].astype(str).to_numpy()
    corridor = np.array([REGISTRY[t].rule == "nearest_centerline" if t in REGISTRY else False
                         for t in utype])
    if "length_m" in units:
        length = pd.to_numeric(units["length_m"], errors="coerce").to_numpy(float) / 1000
    else:
        length = np.full(len(units), np.nan)
    area = (pd.to_numeric(units["area_m2"], errors="coerce").to_numpy(float)
            if "area_m2" in units else units.geometry.area.to_numpy()) / 1e6
    geom_len = units.geometry.length.to_numpy() / 2000  # half the outline: a corridor's km
    size = np.where(corridor, np.where(length > 0, length, geom_len), area)
    size = np.where(size > 0, size, np.nanmedian(size[size > 0]) if (size > 0).any() else 1.0)
    tz = ledger["found_at"].dt.tz
    pl = plan(ledger["found_at"], freq, tz=tz)
    labels = pl.labels[1:]  # the first is the context period before the first record
    edges = ns(pl.out_edges)[1:]
    pfreq = {"W": "W-SUN", "M": "M", "Q": "Q", "Y": "Y"}[freq]
    first = ledger["found_at"].min().tz_localize(None).to_period(pfreq)
    periods = pd.period_range(first, periods=len(labels) + 1, freq=pfreq)
    n_u, n_p = len(units), len(labels)
    unit = ids.get_indexer(ledger["unit_id"].astype("string").fillna("").astype(str))
    found_ns = ns(ledger["found_at"])
    p0 = np.searchsorted(edges, found_ns, side="right") - 1
    ok = (unit >= 0) & (p0 >= 0) & (p0 < n_p) & ledger["found_at"].notna().to_numpy()
    unit, p0, found_ns = unit[ok], p0[ok], found_ns[ok]
    rows = ledger[ok]
    found = np.zeros((n_u, n_p), dtype=np.int64)
    np.add.at(found, (unit, p0), 1)
    recur = np.zeros((n_u, n_p), dtype=np.int64)
    flag = rows["recurrent"].astype("boolean").fillna(False).to_numpy(bool)
    np.add.at(recur, (unit[flag], p0[flag]), 1)
    ends = edges[1:]
    never = np.iinfo(np.int64).max
    if "rectified_at" in rows:
        done = ns(rows["rectified_at"])
        done = np.where(rows["rectified_at"].isna().to_numpy(), never, done)
    else:
        done = np.full(len(rows), never)
    # open at the end of s: found in p0 <= s, not rectified by the end of s (end_s < done)
    k = np.minimum(np.searchsorted(ends, done, side="left"), n_p)
    open_end = _spread(p0, k, unit, n_u, n_p)
    if "deadline" in rows:
        dl = ns(rows["deadline"])
        has = rows["deadline"].notna().to_numpy()
        q0 = np.where(has, np.searchsorted(ends, np.where(has, dl, never), side="right"), n_p)
        overdue_end = _spread(np.maximum(p0, q0), k, unit, n_u, n_p)
    else:
        overdue_end = np.zeros_like(open_end)
    return Panel(freq=freq, labels=labels, next_label=_label(periods[-1], freq),
                 unit_ids=pd.Index(ids, name="unit_id"), unit_type=utype, corridor=corridor,
                 size=size, xy=_points(units), found=found, recur=recur,
                 open_end=open_end, overdue_end=overdue_end,
                 lag=_weights(units, corridor), season=_season(periods, freq))


# ---- features -------------------------------------------------------------------------

def _mean_last(a: np.ndarray, s: int, k: int) -> np.ndarray:
    return a[:, max(0, s - k + 1):s + 1].mean(axis=1)


def features(panel: Panel, s: int) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Feature rows of every unit at origin ``s`` (end of period ``s``, forecasting
    ``s + 1``): the matrix, its column names and the group of each column."""
    lag = panel.lag
    f, r = panel.found, panel.recur
    last, mean3, allm = f[:, s], _mean_last(f, s, 3), _mean_last(f, s, s + 1)
    types = sorted(set(panel.unit_type))
    cols = {
        "own_last": (np.log1p(last), 0), "own_mean3": (np.log1p(mean3), 0),
        "own_all": (np.log1p(allm), 0),
        "nb_last": (np.log1p(lag @ last), 1), "nb_mean3": (np.log1p(lag @ mean3), 1),
        "recur_last": (np.log1p(r[:, s]), 2), "recur_mean3": (np.log1p(_mean_last(r, s, 3)), 2),
        "open_end": (np.log1p(panel.open_end[:, s]), 3),
        "overdue_end": (np.log1p(panel.overdue_end[:, s]), 3),
        "season_sin": (np.full(len(last), panel.season[s + 1, 0]), 4),
        "season_cos": (np.full(len(last), panel.season[s + 1, 1]), 4),
        "log_size": (np.log(panel.size), 5),
    }
    for t in types[1:]:
        cols[f"type_{t}"] = ((panel.unit_type == t).astype(float), 5)
    names = list(cols)
    X = np.column_stack([cols[c][0] for c in names])
    groups = np.array([cols[c][1] for c in names])
    return X, names, groups


# ---- methods --------------------------------------------------------------------------

def _bandwidth(xy: np.ndarray) -> float:
    """1.5 × the median distance from a unit's point to the nearest other one."""
    from scipy.spatial import cKDTree

    if len(xy) < 2:
        return 1.0
    d, _ = cKDTree(xy).query(xy, k=2)
    return float(1.5 * np.median(d[:, 1])) or 1.0


def _kde(panel: Panel, counts: np.ndarray, s: int, bandwidth: float | None) -> np.ndarray:
    """Gaussian kernel density of every past problem (periods 0..s, each at its unit's
    point), evaluated at each unit of the same layer; scaled so that a layer's expected
    total is its mean total of the last three periods."""
    out = np.zeros(len(panel.size))
    past = counts[:, :s + 1].sum(axis=1).astype(float)
    recent = _mean_last(counts, s, 3)
    for _, m in panel.layers:
        xy = panel.xy[m]
        h = bandwidth if bandwidth is not None else _bandwidth(xy)
        d2 = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
        dens = np.exp(-d2 / (2 * h * h)) @ past[m]  # per unit point, up to a constant
        mass = dens * panel.size[m]
        total = recent[m].sum()
        out[m] = mass / mass.sum() * total if mass.sum() > 0 else 0.0
    return out


def _model(method: str, seed: int):
    if method == "glm":
        from sklearn.linear_model import PoissonRegressor
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), PoissonRegressor(alpha=1e-3, max_iter=300))
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(loss="poisson", learning_rate=0.05, max_iter=100,
                                         max_leaf_nodes=15, min_samples_leaf=20,
                                         early_stopping=False, random_state=seed)


@dataclass
class Forecast:
    """One method's forecast at one origin: expected problems and expected recurrent
    problems of each unit in the next period, and the log factor of each feature group
    (models only: the prediction over the one with the group held at its mean)."""

    expected: np.ndarray
    expected_recur: np.ndarray
    factors: np.ndarray | None = None


def predict(panel: Panel, s: int, method: str, *, bandwidth: float | None = None,
            seed: int = 0, explain: bool = False) -> Forecast:
    """Forecast period ``s + 1`` from periods ``0..s`` of ``panel`` with ``method``."""
    f, r = panel.found, panel.recur
    if method == "last":
        return Forecast(f[:, s].astype(float), r[:, s].astype(float))
    if method == "mean3":
        return Forecast(_mean_last(f, s, 3), _mean_last(r, s, 3))
    if method == "kde":
        return Forecast(_kde(panel, f, s, bandwidth), _kde(panel, r, s, bandwidth))
    if s < 1:  # nothing to learn from yet: the mean of what there is
        return predict(panel, s, "mean3")
    from threadpoolctl import threadpool_limits

    # one thread: small fits, and BLAS/OpenMP threads fighting on a busy machine cost
    # 10-50x (0.2 s -> 0.005 s for a GLM here)
    with threadpool_limits(1):
        return _fit_predict(panel, s, method, seed, explain)


def _fit_predict(panel: Panel, s: int, method: str, seed: int, explain: bool) -> Forecast:
    f, r = panel.found, panel.recur
    train = [features(panel, q)[0] for q in range(s)]  # origins 0..s-1, targets 1..s
    X = np.vstack(train)
    Xs, names, groups = features(panel, s)
    out = []
    models = []
    for target in (f, r):
        y = np.concatenate([target[:, q + 1] for q in range(s)]).astype(float)
        if y.sum() == 0:
            out.append(np.zeros(len(Xs)))
            models.append(None)
            continue
        m = _model(method, seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.fit(X, y)
        out.append(np.maximum(m.predict(Xs), 0.0))
        models.append(m)
    factors = None
    if explain and models[0] is not None:
        base = np.log(np.maximum(out[0], 1e-9))
        mean = X.mean(axis=0)
        factors = np.zeros((len(Xs), len(GROUPS)))
        for g in range(len(GROUPS)):
            cols = groups == g
            if not cols.any():
                continue
            held = Xs.copy()
            held[:, cols] = mean[cols]
            factors[:, g] = base - np.log(np.maximum(models[0].predict(held), 1e-9))
    return Forecast(out[0], out[1], factors)
