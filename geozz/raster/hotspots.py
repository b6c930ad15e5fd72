"""Where problems concentrate: classes of a surface, Getis-Ord Gi* of grid cells, and runs.

* :func:`classes` — the pixels of a density surface in ``k`` classes by a mapclassify
  scheme (natural breaks by default), fitted on the non-zero pixels;
* :func:`gistar` — the local Getis-Ord Gi* statistic (PySAL's :class:`esda.G_Local`,
  ``star=True``) of the problems found per grid cell in each period, over queen
  contiguity (libpysal), with the confidence bins of GIS hot-spot analysis: hot or cold
  at 90 / 95 / 99 % (two-sided normal p of the z-score below 0.10 / 0.05 / 0.01);
* :func:`hot_runs` — the cells hot in several consecutive periods: the 回潮 view, where
  the rectification keeps not holding;
* :func:`grid_surface` — per-cell values on the grid-aligned frame, for the maps and
  GeoTIFFs (one pixel per cell); :func:`hotspot_surface` — the Gi* classes of every
  period as one band each.

Examples
--------
>>> import geozz as gz
>>> units = gz.build_units(gz.datasets.longgang())
>>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
>>> ratings = gz.rate(gz.assign(problems, units), units)
>>> gi = gz.raster.gistar(ratings, units, period="2024-05")
>>> sorted(set(gi["hotspot"]) - set(HOTSPOT_CLASSES))
[]
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import InputError, Issue
from .surface import Surface, grid_frame

__all__ = ["classes", "gistar", "hot_runs", "grid_surface", "hotspot_surface",
           "HOTSPOT_CLASSES", "HOTSPOT_CODES"]

#: hot-spot bins, hottest first, as GIS hot-spot analysis names them
HOTSPOT_CLASSES = ("hot 99%", "hot 95%", "hot 90%", "not significant", "cold 90%",
                   "cold 95%", "cold 99%")
#: the code of each bin in rasters and maps (3 hot 99% … -3 cold 99%)
HOTSPOT_CODES = dict(zip(HOTSPOT_CLASSES, (3, 2, 1, 0, -1, -2, -3)))


def classes(surface: Surface, *, k: int = 5, scheme: str = "NaturalBreaks",
            band: str | None = None, sample: int = 20_000, seed: int = 0) -> Surface:
    """The pixels of one band in ``k`` classes (1 lowest … k highest; 0 where zero).

    The breaks are fitted by ``mapclassify.classify(values, scheme, k=k)`` on the
    non-zero pixels (a random ``sample`` of them when there are more, so natural breaks
    stay quick on millions of pixels) and applied to all of them.

    Returns
    -------
    Surface
        One uint8 band; ``meta["bins"]`` the upper bounds of the classes,
        ``meta["scheme"]``.

    Examples
    --------
    >>> import numpy as np
    >>> from rasterio.transform import from_origin
    >>> v = np.array([[[0, 1, 1.2, 9, 10, 30]]], "float32")
    >>> c = classes(Surface(v, from_origin(0, 1, 1, 1), "EPSG:32650", ["all"]), k=3)
    >>> c.values[0].tolist()
    [[0, 1, 1, 2, 2, 3]]
    """
    import mapclassify

    values = surface.band(band) if band is not None else surface.values[0]
    valid = np.isfinite(values)
    if surface.nodata is not None:
        valid &= values != surface.nodata
    pos = valid & (values > 0)
    y = values[pos].astype(float)
    out = np.zeros(values.shape, dtype=np.uint8)
    bins: list[float] = []
    if len(y):
        fit = y
        if len(y) > sample:
            fit = np.random.default_rng(seed).choice(y, size=sample, replace=False)
        kk = int(min(k, len(np.unique(fit))))
        if kk >= 2:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cls = mapclassify.classify(fit, scheme, k=kk)
            bins = [float(b) for b in cls.bins]
            bins[-1] = max(bins[-1], float(y.max()))
        else:
            bins = [float(y.max())]
        out[pos] = np.minimum(np.searchsorted(np.asarray(bins), y, side="left"),
                              len(bins) - 1) + 1
    meta = dict(surface.meta, scheme=scheme, k=len(bins), bins=bins)
    return Surface(out[None], surface.transform, surface.crs,
                   [f"class of {band or surface.labels[0]}"], 0, "class", meta)


def _grid_cells(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    cells = units[units["unit_type"] == "grid"] if "unit_type" in units else units
    if len(cells) < 2:
        raise InputError(Issue(field="units", expected="at least two grid cells (unit_type "
                               "'grid')", got=len(cells),
                               fix="build a grid: gz.build_units(area, types=['grid'])"))
    return cells


def _weights(cells: gpd.GeoDataFrame):
    from libpysal.weights import Queen

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands are reported by the statistic itself
        return Queen.from_dataframe(cells, use_index=True, silence_warnings=True)


def _bin(z: np.ndarray) -> list[str]:
    from scipy.stats import norm  # here: scipy loads when a statistic is computed

    p = 2 * norm.sf(np.abs(z))
    out = []
    for zi, pi in zip(z, p):
        if not np.isfinite(zi) or pi >= 0.10:
            out.append("not significant")
            continue
        level = "99%" if pi < 0.01 else "95%" if pi < 0.05 else "90%"
        out.append(("hot " if zi > 0 else "cold ") + level)
    return out


def gistar(ratings: pd.DataFrame, units: gpd.GeoDataFrame, *, period: str | None = None,
           column: str = "found", permutations: int = 0, seed: int = 0,
           weights=None) -> pd.DataFrame:
    """Local Getis-Ord Gi* of a per-cell count (problems found) in one or every period.

    Parameters
    ----------
    ratings : DataFrame
        From :func:`geozz.rate` (``unit_id``, ``period`` and ``column``).
    units : GeoDataFrame
        The units; only grid cells (``unit_type == "grid"``) take part.
    period : str, optional
        One period; default every rated period.
    column : str, default "found"
        The count to test (``"found"``: problems found in the period; ``"overdue"`` …).
    permutations : int, default 0
        Conditional permutations for a pseudo p-value ``p_sim`` beside the normal one
        (0: none, quicker).
    seed : int, default 0
    weights : libpysal W, optional
        Spatial weights over the cells (default queen contiguity, binary).

    Returns
    -------
    DataFrame
        ``unit_id``, ``period``, ``value``, ``z``, ``p`` (two-sided normal), ``p_sim``
        (with ``permutations``), ``hotspot`` (:data:`HOTSPOT_CLASSES`) and ``code``
        (:data:`HOTSPOT_CODES`). A period with no problem at all gives NaN z, not
        significant.
    """
    from esda import G_Local
    from scipy.stats import norm

    for col in ("unit_id", "period", column):
        if col not in ratings:
            raise InputError(Issue(field="ratings", expected=f"a column {col!r}",
                                   got=list(ratings.columns)[:8],
                                   fix="pass the ratings of gz.rate"))
    cells = _grid_cells(units)
    w = weights if weights is not None else _weights(cells)
    w.transform = "B"
    ids = cells.index.astype(str)
    periods = [period] if period is not None else sorted(ratings["period"].astype(str).unique())
    known = set(ratings["period"].astype(str))
    missing = [p for p in periods if p not in known]
    if missing:
        raise InputError(Issue(field="period", expected=f"a rated period ({sorted(known)[:6]}"
                               " …)", got=missing[0], fix="pick one of the rated periods"))
    r = ratings.assign(unit_id=ratings["unit_id"].astype(str),
                       period=ratings["period"].astype(str))
    frames = []
    for p in periods:
        vals = r[r["period"] == p].set_index("unit_id")[column]
        y = pd.to_numeric(vals.reindex(ids), errors="coerce").fillna(0).to_numpy(float)
        z = np.full(len(y), np.nan)
        psim = np.full(len(y), np.nan)
        if y.sum() > 0 and np.ptp(y) > 0:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                g = G_Local(y, w, transform="B", star=True, permutations=permutations,
                            seed=seed, keep_simulations=False, n_jobs=1)
            z = np.asarray(g.Zs, dtype=float)
            if permutations:
                psim = np.asarray(g.p_sim, dtype=float)
        hot = _bin(z)
        frames.append(pd.DataFrame({"unit_id": ids, "period": p, "value": y, "z": z,
                                    "p": 2 * norm.sf(np.abs(z)), "p_sim": psim,
                                    "hotspot": hot,
                                    "code": [HOTSPOT_CODES[h] for h in hot]}))
    return pd.concat(frames, ignore_index=True)


def hot_runs(ratings: pd.DataFrame, units: gpd.GeoDataFrame, *, min_run: int = 3,
             level: int = 2, column: str = "found", gi: pd.DataFrame | None = None
             ) -> pd.DataFrame:
    """Cells that are hot spots in several consecutive periods (回潮: the problem returns).

    Parameters
    ----------
    ratings, units
        As for :func:`gistar` (every period is tested).
    min_run : int, default 3
        Consecutive hot periods that make a cell ``persistent``.
    level : {1, 2, 3}, default 2
        The least code that counts as hot (1: 90 %, 2: 95 %, 3: 99 %).
    gi : DataFrame, optional
        A :func:`gistar` result over every period, to reuse.

    Returns
    -------
    DataFrame
        Per grid cell: ``hot_periods`` (how many), ``longest_run``, ``current_run``
        (ending in the last period), ``last_hot`` (period or empty), ``persistent``.

    Examples
    --------
    >>> import geozz as gz
    >>> units = gz.build_units(gz.datasets.longgang())
    >>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> runs = gz.raster.hot_runs(gz.rate(gz.assign(problems, units), units), units)
    >>> bool((runs["longest_run"] >= runs["current_run"]).all())
    True
    """
    gi = gistar(ratings, units, column=column) if gi is None else gi
    periods = sorted(gi["period"].unique())
    hot = gi.assign(hot=gi["code"] >= level).pivot(index="unit_id", columns="period",
                                                    values="hot")[periods]
    h = hot.to_numpy(dtype=bool)
    run = np.zeros(len(h), dtype=int)
    longest = np.zeros(len(h), dtype=int)
    for k in range(h.shape[1]):
        run = np.where(h[:, k], run + 1, 0)
        longest = np.maximum(longest, run)
    last = [periods[np.flatnonzero(row)[-1]] if row.any() else "" for row in h]
    out = pd.DataFrame({"hot_periods": h.sum(axis=1), "longest_run": longest,
                        "current_run": run, "last_hot": last,
                        "persistent": longest >= int(min_run)}, index=hot.index)
    out.index.name = "unit_id"
    return out


def grid_surface(values: pd.Series, units: gpd.GeoDataFrame, *, label: str = "value",
                 units_text: str = "", cell_size: float | None = None) -> Surface:
    """Per-unit ``values`` (indexed by unit id) as a raster, for maps and GeoTIFFs.

    Without ``cell_size`` the units must hold a geozz square grid: the raster takes the
    grid's frame, one pixel per cell. With ``cell_size`` any polygons (census tracts, an
    office's own units) are burnt into pixels of that size in their CRS by
    :func:`rasterio.features.rasterize` (a pixel takes the unit holding its centre).
    Pixels of no unit, or of units without a value, are NaN (the nodata).

    Examples
    --------
    >>> import geopandas as gpd, shapely, pandas as pd
    >>> from geozz.units import grid
    >>> cells = grid(gpd.GeoSeries([shapely.box(800000, 2500000, 800200, 2500100)],
    ...                            crs=32650), size=100)
    >>> s = grid_surface(pd.Series({"G100-E8000-N25000": 3.0}), cells)
    >>> s.values[0].tolist()
    [[3.0, nan]]
    >>> grid_surface(pd.Series({"G100-E8000-N25000": 3.0}), cells, cell_size=50).shape
    (2, 4)
    """
    idx = {str(k): v for k, v in values.items()}
    if cell_size is None:
        frame = grid_frame(_grid_cells(units) if "unit_type" in units else units)
        out = np.full((frame.height, frame.width), np.nan, dtype=np.float32)
        for uid, (r, c) in frame.cells.items():
            if uid in idx and pd.notna(idx[uid]):
                out[r, c] = float(idx[uid])
        return Surface(out[None], frame.transform, frame.crs, [label], float("nan"),
                       units_text)
    from rasterio.features import rasterize

    from .surface import frame_around

    if units.crs is None or not units.crs.is_projected:
        raise InputError(Issue(field="units.crs", expected="a metric CRS with cell_size=",
                               got=str(units.crs), fix="units.to_crs(units.estimate_utm_crs())"))
    epsg = units.crs.to_epsg()
    frame = frame_around(units.total_bounds, cell_size=cell_size,
                         crs=f"EPSG:{epsg}" if epsg else units.crs.to_wkt())
    shapes = [(g, float(idx[str(u)])) for u, g in zip(units.index, units.geometry.values)
              if str(u) in idx and pd.notna(idx[str(u)]) and g is not None and not g.is_empty]
    out = rasterize(shapes, out_shape=(frame.height, frame.width), transform=frame.transform,
                    fill=np.nan, dtype="float32") if shapes else \
        np.full((frame.height, frame.width), np.nan, dtype=np.float32)
    return Surface(out[None], frame.transform, frame.crs, [label], float("nan"), units_text)


def hotspot_surface(gi: pd.DataFrame, units: gpd.GeoDataFrame, *,
                    cell_size: float | None = None) -> Surface:
    """The Gi* classes of :func:`gistar` as a raster: one band per period, for GeoTIFFs.

    Each band holds the :data:`HOTSPOT_CODES` (3 hot 99 % … -3 cold 99 %) of the cells of
    one period, laid out as :func:`grid_surface` lays them (``cell_size`` as there: None
    for a geozz grid, one pixel per cell; a size in metres to burn other polygons).
    The bands are labelled with the periods, in order.

    Examples
    --------
    >>> import geopandas as gpd, shapely, pandas as pd
    >>> from geozz.units import grid
    >>> cells = grid(gpd.GeoSeries([shapely.box(800000, 2500000, 800200, 2500100)],
    ...                            crs=32650), size=100)
    >>> gi = pd.DataFrame({"unit_id": list(cells.index) * 2, "period": ["2024-02"] * 2
    ...                    + ["2024-01"] * 2, "code": [3, 0, -1, 1]})
    >>> s = hotspot_surface(gi, cells)
    >>> s.labels, s.values[:, 0].tolist()
    (['2024-01', '2024-02'], [[-1.0, 1.0], [3.0, 0.0]])
    """
    periods = sorted(gi["period"].unique())
    if not periods:
        raise InputError(Issue(field="gi", expected="Gi* rows of at least one period",
                               got="no rows", fix="pass the result of gz.raster.gistar"))
    bands = [grid_surface(gi[gi["period"] == p].set_index("unit_id")["code"], units,
                          label=str(p), units_text="Gi* class", cell_size=cell_size)
             for p in periods]
    return Surface(np.concatenate([b.values for b in bands]), bands[0].transform,
                   bands[0].crs, [b.labels[0] for b in bands], bands[0].nodata, "Gi* class")
