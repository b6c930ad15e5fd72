"""Compact page data for star maps: geometry written once, ratings of every period as data.

A map of 50,000 cells written as GeoJSON is tens of megabytes that the browser must parse
before it draws anything. The pages geozz writes carry instead:

* **regular grid cells** (a geozz grid, the whole square: :func:`geozz.assignment.grid.
  regular`) as runs of columns per row, ``[row, first column, count]``, with a quadratic
  map from grid index to longitude and latitude fitted on the cells' corners (checked: the
  largest error of any corner must stay under :data:`MAX_FIT_ERROR` degrees, else the
  cells are written as polygons). The browser makes each square from its column and row.
* **every other shape** (clipped edge cells, corridors, reaches, hexagons, an office's
  polygons) as rings of integer coordinates in units of ``10**-decimals`` degrees,
  delta-encoded: ``[x0, y0, dx1, dy1, …]``.
* **text per unit** (names, admin areas, responsible bodies) as a table of the distinct
  values and one index per unit; names sharing a prefix per unit type store it once.
* **ratings of every period** sparse: per period the score most units share (the full
  score) and its stars, then only the units that differ: ``[index step, score × 100,
  stars]`` (score ``-1`` for no score), their problem counts and their non-zero
  deductions per category. Ranks and trends are worked out in the page.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> from geozz.units import grid
>>> cells = grid(gpd.GeoSeries([box(800000, 2500000, 800400, 2500200)], crs=32650), size=100)
>>> enc = encode_geometry(cells.geometry, cells.index)
>>> enc["grids"][0]["runs"], len(enc["shapes"])
([[25000, 8000, 4], [25001, 8000, 4]], 0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from ..assignment.grid import regular

__all__ = ["MAX_FIT_ERROR", "encode_geometry", "encode_ratings", "encode_text"]

#: largest error (degrees, about 0.1 m) of the quadratic grid-index -> lon/lat fit
MAX_FIT_ERROR = 1e-6


def _design(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones_like(i), i, j, i * i, i * j, j * j])


def _grid_fit(size: float, i: np.ndarray, j: np.ndarray, crs):
    """Quadratic coefficients of lon and lat over grid corner indices (relative to
    ``i0, j0``), or None when the fit is not within :data:`MAX_FIT_ERROR`."""
    from pyproj import Transformer

    i0, j0 = int(i.min()), int(j.min())
    ci = np.concatenate([i, i + 1, i, i + 1]).astype(float)
    cj = np.concatenate([j, j, j + 1, j + 1]).astype(float)
    keys = np.unique(np.column_stack([ci, cj]), axis=0)
    ci, cj = keys[:, 0], keys[:, 1]
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(ci * size, cj * size)
    a = _design(ci - i0, cj - j0)
    cx, *_ = np.linalg.lstsq(a, lon, rcond=None)
    cy, *_ = np.linalg.lstsq(a, lat, rcond=None)
    err = max(np.abs(a @ cx - lon).max(), np.abs(a @ cy - lat).max())
    if not np.isfinite(err) or err > MAX_FIT_ERROR:
        return None
    return i0, j0, cx.tolist(), cy.tolist()


def _runs(i: np.ndarray, j: np.ndarray) -> list[list[int]]:
    """``[row, first column, count]`` for cells sorted by row then column."""
    out: list[list[int]] = []
    for a, b in zip(j.tolist(), i.tolist()):
        if out and out[-1][0] == a and out[-1][1] + out[-1][2] == b:
            out[-1][2] += 1
        else:
            out.append([a, b, 1])
    return out


def _rings(geom, decimals: int) -> list[list[list[int]]]:
    """Polygons (lines: one 'polygon' of one open ring) as delta-encoded integer rings."""
    scale = 10 ** decimals
    polys = []
    parts = shapely.get_parts(geom)
    for part in parts:
        if part.geom_type == "Polygon":
            rings = [part.exterior, *part.interiors]
        else:  # a line
            rings = [part]
        out = []
        for ring in rings:
            xy = np.rint(np.asarray(ring.coords)[:, :2] * scale).astype(np.int64)
            keep = np.r_[True, np.any(np.diff(xy, axis=0) != 0, axis=1)]
            xy = xy[keep]
            if part.geom_type == "Polygon" and len(xy) > 1 and (xy[0] == xy[-1]).all():
                xy = xy[:-1]  # the page closes rings itself
            d = np.vstack([xy[:1], np.diff(xy, axis=0)]) if len(xy) else xy
            out.append(d.reshape(-1).tolist())
        polys.append(out)
    return polys


def encode_geometry(geoms, ids, *, decimals: int = 5) -> dict:
    """Page geometry of units: regular grid cells as runs, other shapes as integer rings.

    Parameters
    ----------
    geoms : GeoSeries
        The units' geometries, in their own CRS (a geozz grid in its metric CRS).
    ids : Index or array of str
        Their unit ids (the grid index of a regular cell is read from its id).
    decimals : int, default 5
        Decimal places of the degrees of other shapes (5: about 1 m).

    Returns
    -------
    dict
        ``order`` (positions of the units in page order: grid cells first, then shapes),
        ``grids`` (``size``, ``i0``, ``j0``, ``lon``, ``lat`` coefficients, ``runs``) and
        ``shapes`` (one list of polygons of rings per other unit), ``scale``.
    """
    ids = np.asarray([str(v) for v in ids], dtype=object)
    geo = geoms.to_numpy()
    n = len(geo)
    is_grid = np.zeros(n, bool)
    grids, order = [], []
    crs = geoms.crs
    if crs is not None and crs.is_projected and n:
        reg = regular(geo, ids)
        pos = reg.pos[reg.full]
        size, i, j = reg.size[reg.full], reg.i[reg.full], reg.j[reg.full]
        for s in np.unique(size):
            of = size == s
            fit = _grid_fit(float(s), i[of], j[of], crs)
            if fit is None:
                continue
            srt = np.lexsort((i[of], j[of]))
            p, ii, jj = pos[of][srt], i[of][srt], j[of][srt]
            i0, j0, cx, cy = fit
            grids.append({"size": float(s), "i0": i0, "j0": j0, "lon": cx, "lat": cy,
                          "runs": _runs(ii, jj), "n": int(len(p))})
            order.extend(p.tolist())
            is_grid[p] = True
    rest = np.flatnonzero(~is_grid)
    wgs = geoms.iloc[rest].to_crs(4326).to_numpy() if len(rest) else []
    shapes = [_rings(g, decimals) if g is not None and not g.is_empty else [] for g in wgs]
    order.extend(rest.tolist())
    return {"order": order, "grids": grids, "shapes": shapes, "scale": 10 ** decimals,
            "n_grid": int(is_grid.sum())}


def encode_text(values, *, groups=None) -> dict:
    """Distinct values and an index per unit; a prefix shared within a group stored once.

    Examples
    --------
    >>> encode_text(["网格 A-1", "网格 B-2", "网格 A-1"])
    {'values': ['A-1', 'B-2'], 'codes': [0, 1, 0], 'prefix': ['网格 '], 'group': [0, 0, 0]}
    """
    text = pd.Series(["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
                      for v in values], dtype=object)
    grp = np.zeros(len(text), dtype=np.int64) if groups is None else \
        pd.factorize(pd.Series(list(groups)))[0]
    prefixes, rest = [], text.copy()
    for g in range(int(grp.max()) + 1 if len(grp) else 0):
        sel = grp == g
        pre = _common_prefix(text[sel].tolist())
        prefixes.append(pre)
        if pre:
            rest[sel] = text[sel].str.slice(len(pre))
    codes, uniques = pd.factorize(rest)
    return {"values": [str(u) for u in uniques], "codes": codes.tolist(),
            "prefix": prefixes, "group": grp.tolist()}


def _common_prefix(items: list[str]) -> str:
    if len(items) < 2:
        return ""
    lo, hi = min(items), max(items)
    k = 0
    while k < len(lo) and k < len(hi) and lo[k] == hi[k]:
        k += 1
    return lo[:k]


def encode_ratings(ratings: pd.DataFrame, ids: list[str], periods: list[str],
                   categories: list[str]) -> list[dict]:
    """Per period: the common score and stars, and the units that differ (sparse).

    Parameters
    ----------
    ratings : DataFrame
        From :func:`geozz.rate`.
    ids : list of str
        Unit ids in page order (the indices of the encoding).
    periods : list of str
        The periods to encode, in order.
    categories : list of str
        Rubric categories of the ``ded_<category>`` columns to carry.

    Returns
    -------
    list of dict
        One per period: ``base`` ``[score × 100, stars]``; ``diff`` flat ``[index step,
        score × 100 (-1: none), stars (0: none), …]``; ``found`` flat ``[index step,
        count, …]``; ``ded`` flat ``[index step, category index, points × 100, …]``.
    """
    pos = pd.Series(np.arange(len(ids)), index=pd.Index(ids))
    r = ratings.assign(_p=ratings["period"].astype(str), _u=ratings["unit_id"].astype(str))
    r = r[r["_u"].isin(pos.index)]
    out = []
    ded_cols = [f"ded_{c}" for c in categories if f"ded_{c}" in r]
    for period in periods:
        rows = r[r["_p"] == period]
        idx = pos.reindex(rows["_u"]).to_numpy()
        score = pd.to_numeric(rows["score"], errors="coerce").to_numpy(float)
        s100 = np.where(np.isnan(score), -1, np.rint(score * 100)).astype(np.int64)
        stars = pd.to_numeric(rows["stars"], errors="coerce").fillna(0).to_numpy(np.int64)
        full = np.full(len(ids), -1, dtype=np.int64)
        full_st = np.zeros(len(ids), dtype=np.int64)
        full[idx], full_st[idx] = s100, stars
        vals, cnt = np.unique(full, return_counts=True)
        base = int(vals[np.argmax(cnt)]) if len(vals) else -1
        base_st = int(full_st[full == base][0]) if (full == base).any() else 0
        uniform = (full_st[full == base] == base_st).all()
        differ = (full != base) | (full_st != base_st) if uniform else np.ones(len(ids), bool)
        out.append({"base": [base, base_st],
                    "diff": _sparse(differ, full, full_st),
                    "found": _sparse_counts(idx, rows["found"] if "found" in rows else None,
                                            len(ids)),
                    "ded": _sparse_ded(idx, rows, ded_cols, len(ids))})
    return out


def _steps(where: np.ndarray) -> np.ndarray:
    return np.diff(np.r_[-1, where])


def _sparse(mask, a, b) -> list[int]:
    where = np.flatnonzero(mask)
    return np.column_stack([_steps(where), a[where], b[where]]).reshape(-1).tolist()


def _sparse_counts(idx, values, n) -> list[int]:
    if values is None:
        return []
    full = np.zeros(n, dtype=np.int64)
    full[idx] = pd.to_numeric(values, errors="coerce").fillna(0).to_numpy(np.int64)
    where = np.flatnonzero(full)
    return np.column_stack([_steps(where), full[where]]).reshape(-1).tolist()


def _sparse_ded(idx, rows, cols, n) -> list[int]:
    if not cols:
        return []
    vals = np.rint(rows[cols].apply(pd.to_numeric, errors="coerce").fillna(0)
                   .to_numpy(float) * 100).astype(np.int64)
    full = np.zeros((n, len(cols)), dtype=np.int64)
    full[idx] = vals
    u, c = np.nonzero(full)
    order = np.lexsort((c, u))
    u, c = u[order], c[order]
    return np.column_stack([_steps(u), c, full[u, c]]).reshape(-1).tolist()
