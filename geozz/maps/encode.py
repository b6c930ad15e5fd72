"""Compact page data for star maps: geometry written once, ratings of every period as data.

A map of 50,000 cells written as GeoJSON is tens of megabytes that the browser must parse
before it draws anything. The pages geozz writes carry instead:

* **regular grid cells** (a geozz grid, the whole square: :func:`geozz.assignment.grid.
  regular`) as runs of columns per row, ``[row, first column, count]``, and how the page
  finds a corner's longitude and latitude from its column and row: in a transverse
  Mercator CRS (UTM, Gauss-Krüger) the projection's parameters (``tm``), with which the
  page computes every corner exactly at any extent (:mod:`geozz.maps.tmerc`; used when
  they reproduce pyproj's transformation to WGS-84 within :data:`MAX_TM_ERROR` degrees,
  so not for a CRS on another datum); in any other CRS a quadratic map from grid index to
  longitude and latitude fitted on the cells' corners (``lon``, ``lat``; the largest error
  of any corner must stay under :data:`MAX_FIT_ERROR` degrees, which holds over about
  ten kilometres); else the cells are written as polygons. The browser makes each square
  from its column and row.
* **every other shape** (clipped edge cells, corridors, reaches, hexagons, an office's
  polygons) as rings of integer coordinates in units of ``10**-decimals`` degrees,
  delta-encoded: ``[x0, y0, dx1, dy1, …]``.
* **text per unit** (names, admin areas, responsible bodies) as a table of the distinct
  values and one index per unit; names sharing a prefix per unit type store it once.
* **ratings of every period** as base64 of 16-bit integers (score × 100, problem counts),
  stars as the score thresholds they follow, deductions per category dense or sparse,
  whichever is shorter (:func:`encode_ratings`). Ranks and trends are worked out in the
  page.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> from geozz.units import grid
>>> cells = grid(gpd.GeoSeries([box(800000, 2500000, 800400, 2500200)], crs=32650), size=100)
>>> enc = encode_geometry(cells.geometry, cells.index)
>>> enc["grids"][0]["runs"], len(enc["shapes"])
([[25000, 8000, 4], [25001, 8000, 4]], 0)
>>> tm = enc["grids"][0]["tm"]
>>> tm["lon0"], tm["k0"], tm["x0"], "lon" in enc["grids"][0]
(117.0, 0.9996, 500000.0, False)
"""

from __future__ import annotations

import base64
import re

import numpy as np
import pandas as pd
import shapely

from ..assignment.grid import regular
from ..errors import InputError, Issue
from . import tmerc

__all__ = ["MAX_FIT_ERROR", "MAX_TM_ERROR", "Packer", "encode_geometry", "encode_ratings",
           "encode_text", "shift_geometry"]

#: largest error (degrees, about 0.1 m) of the quadratic grid-index -> lon/lat fit
MAX_FIT_ERROR = 1e-6
#: largest difference (degrees, about 0.1 mm) between the page's transverse Mercator and
#: pyproj's transformation to WGS-84 at a grid's corners for the page to use it
MAX_TM_ERROR = 1e-9
#: shifts the page applies itself (to the corners it computes), by name
PAGE_SHIFTS = ("gcj02",)


def _design(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones_like(i), i, j, i * i, i * j, j * j])


def _grid_fit(size: float, i: np.ndarray, j: np.ndarray, crs, shift=None):
    """Quadratic coefficients of lon and lat over grid corner indices (relative to
    ``i0, j0``), or None when the fit is not within :data:`MAX_FIT_ERROR`."""
    from pyproj import Transformer

    i0, j0 = int(i.min()), int(j.min())
    ci = np.concatenate([i, i + 1, i, i + 1]).astype(float)
    cj = np.concatenate([j, j, j + 1, j + 1]).astype(float)
    keys = np.unique(np.column_stack([ci, cj]), axis=0)
    ci, cj = keys[:, 0], keys[:, 1]
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(ci * size, cj * size)
    if shift is not None:
        lon, lat = shift(np.asarray(lon), np.asarray(lat))
    a = _design(ci - i0, cj - j0)
    cx, *_ = np.linalg.lstsq(a, lon, rcond=None)
    cy, *_ = np.linalg.lstsq(a, lat, rcond=None)
    err = max(np.abs(a @ cx - lon).max(), np.abs(a @ cy - lat).max())
    if not np.isfinite(err) or err > MAX_FIT_ERROR:
        return None
    return i0, j0, cx.tolist(), cy.tolist()


def _grid_tm(size: float, i: np.ndarray, j: np.ndarray, crs) -> dict | None:
    """The transverse Mercator parameters of ``crs`` (:func:`geozz.maps.tmerc.params`)
    when the page's projection with them lands within :data:`MAX_TM_ERROR` degrees of
    pyproj's WGS-84 at the grid's corners (the four corners of its extent and those of up
    to 2,000 of its cells, spread over it); else None."""
    from pyproj import Transformer

    p = tmerc.params(crs)
    if p is None or not len(i):
        return None
    pick = np.unique(np.linspace(0, len(i) - 1, min(len(i), 2000)).astype(np.int64))
    ci = np.concatenate([[i.min(), i.max() + 1, i.min(), i.max() + 1], i[pick],
                         i[pick] + 1]).astype(float)
    cj = np.concatenate([[j.min(), j.min(), j.max() + 1, j.max() + 1], j[pick],
                         j[pick] + 1]).astype(float)
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(ci * size, cj * size)
    got_lon, got_lat = tmerc.inverse(p, ci * size, cj * size)
    d_lon = (np.asarray(got_lon) - np.asarray(lon) + 180) % 360 - 180
    err = max(np.abs(d_lon).max(), np.abs(np.asarray(got_lat) - np.asarray(lat)).max())
    return p if np.isfinite(err) and err <= MAX_TM_ERROR else None


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


_GRID_NAME = re.compile(r"^(.*\S) (\d{3,})-(\d{3,})$")


def _name_rule(names, pos, i, j):
    """``[prefix, i0, j0]`` when every cell is named ``"<prefix> CCC-RRR"`` by its column
    and row counted from ``(i0, j0)`` (as :func:`geozz.units.grid` names them), so that
    the page can write the names itself; else None."""
    if names is None or not len(pos):
        return None
    m = _GRID_NAME.match(str(names[pos[0]]))
    if not m:
        return None
    prefix, ni0, nj0 = m.group(1), int(i[0]) - int(m.group(2)) + 1, int(j[0]) - int(m.group(3)) + 1
    want = [f"{prefix} {a - ni0 + 1:03d}-{b - nj0 + 1:03d}" for a, b in zip(i.tolist(), j.tolist())]
    got = [str(names[k]) for k in pos.tolist()]
    return [prefix, ni0, nj0] if want == got else None


def encode_geometry(geoms, ids, *, decimals: int = 5, names=None, shift=None) -> dict:
    """Page geometry of units: regular grid cells as runs, other shapes as integer rings.

    Parameters
    ----------
    geoms : GeoSeries
        The units' geometries, in their own CRS (a geozz grid in its metric CRS).
    ids : Index or array of str
        Their unit ids (the grid index of a regular cell is read from its id).
    decimals : int, default 5
        Decimal places of the degrees of other shapes (5: about 1 m).
    names : array of str, optional
        Unit names; where a grid's cells are named by column and row the grid carries
        the rule (``names``) instead of the names.
    shift : "gcj02" or callable, optional
        ``shift(lon, lat) -> (lon, lat)`` on arrays, applied to WGS-84 coordinates before
        they are written; ``"gcj02"`` (for a base map drawn in GCJ-02: the page shifts
        the corners it computes for a grid placed by its projection itself, as the grid's
        ``shift`` says) or a function (then grids are fitted on the shifted corners, or go
        as polygons).

    Returns
    -------
    dict
        ``order`` (positions of the units in page order: grid cells first, then shapes),
        ``grids`` (``size``, ``i0``, ``j0``, ``runs``, and either ``tm`` (projection
        parameters) and ``shift`` (None or ``"gcj02"``) or ``lon``, ``lat`` (coefficients
        of the fit)) and ``shapes`` (one list of polygons of rings per other unit),
        ``scale``.
    """
    page_shift = shift if isinstance(shift, str) else None
    if page_shift is not None:
        if page_shift not in PAGE_SHIFTS:
            raise InputError(Issue(field="shift", expected=f"one of {PAGE_SHIFTS} or a "
                                   "function", got=shift, fix="use shift='gcj02'"))
        shift = _gcj02
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
            tm = _grid_tm(float(s), i[of], j[of], crs) if shift is None or page_shift \
                else None
            if tm is not None:
                place = {"i0": int(i[of].min()), "j0": int(j[of].min()), "tm": tm,
                         "shift": page_shift}
            else:
                fit = _grid_fit(float(s), i[of], j[of], crs, shift)
                if fit is None:
                    continue
                place = dict(zip(("i0", "j0", "lon", "lat"), fit))
            srt = np.lexsort((i[of], j[of]))
            p, ii, jj = pos[of][srt], i[of][srt], j[of][srt]
            grids.append({"size": float(s), **place, "runs": _runs(ii, jj),
                          "n": int(len(p)), "names": _name_rule(names, p, ii, jj)})
            order.extend(p.tolist())
            is_grid[p] = True
    rest = np.flatnonzero(~is_grid)
    wgs = geoms.iloc[rest].to_crs(4326).to_numpy() if len(rest) else []
    if shift is not None and len(rest):
        wgs = shift_geometry(wgs, shift)
    shapes = [_rings(g, decimals) if g is not None and not g.is_empty else [] for g in wgs]
    order.extend(rest.tolist())
    return {"order": order, "grids": grids, "shapes": shapes, "scale": 10 ** decimals,
            "n_grid": int(is_grid.sum())}


def _gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from ..coords import convert

    return convert(lon, lat, src="wgs84", dst="gcj02")


def shift_geometry(geoms: np.ndarray, shift) -> np.ndarray:
    """Shapely geometries with ``shift(lon, lat) -> (lon, lat)`` applied to every vertex."""
    def moved(xy):
        lon, lat = shift(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geoms, moved)


def encode_text(values, *, groups=None) -> dict:
    """Distinct values and an index per unit; a prefix shared within a group stored once.

    Examples
    --------
    >>> encode_text(["网格 A-1", "网格 B-2", "网格 A-1"])
    {'n': 3, 'values': ['A-1', 'B-2'], 'codes': 'AAABAAAA', 'prefix': ['网格 '], 'group': 0}
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
    return {"n": len(text), "values": [str(u) for u in uniques], "codes": _ints(codes),
            "prefix": prefixes, "group": _ints(grp)}


def _ints(values) -> int | str | list[int]:
    """Small whole numbers per unit: one number when all are equal, else base64 uint16
    (or a list when they do not fit)."""
    v = np.asarray(values, dtype=np.int64)
    if len(v) and (v == v[0]).all():
        return int(v[0])
    if len(v) and v.min() >= 0 and v.max() < NONE16:
        return _b64(v)
    return v.tolist()


def _common_prefix(items: list[str]) -> str:
    if len(items) < 2:
        return ""
    lo, hi = min(items), max(items)
    k = 0
    while k < len(lo) and k < len(hi) and lo[k] == hi[k]:
        k += 1
    return lo[:k]


def _b64(values: np.ndarray) -> str:
    """Little-endian uint16 values as base64 text (2 bytes a value, 4/3 in text)."""
    return base64.b64encode(np.asarray(values, dtype="<u2").tobytes()).decode("ascii")


#: uint16 code of "no score" / "no value" in the page data
NONE16 = 65535
#: scores × 100 are written plus this offset, so that scores below 0 (a rubric whose floor
#: is negative, an adjustment) survive: -200 … 455.34 points
SCORE_OFFSET = 20000


def _star_cuts(s100: np.ndarray, stars: np.ndarray, rated: np.ndarray
               ) -> list[list[int]] | None:
    """``[[lowest score × 100, stars], …]`` best first, when stars follow the score as
    thresholds do (every rubric does); None when they do not (then stars go as digits)."""
    if not rated.any():
        return []
    cuts = sorted({int(st): int(s100[rated & (stars == st)].min())
                   for st in np.unique(stars[rated])}.items(), key=lambda kv: -kv[1])
    levels = np.array([c[1] for c in cuts])
    got = np.array([c[0] for c in cuts])[np.argmax(s100[rated][:, None] >= levels[None, :],
                                                    axis=1)]
    ok = (s100[rated][:, None] >= levels[None, :]).any(axis=1).all() \
        and (got == stars[rated]).all()
    return [[lv, st] for st, lv in cuts] if ok else None


class Packer:
    """Whole numbers of many arrays in one deflate-compressed buffer (base64 in the page).

    Each array is written as byte planes (all low bytes, then all high bytes), which
    deflate packs far better than interleaved 16-bit values; the page inflates the buffer
    once with the browser's own ``DecompressionStream("deflate")`` and reads every array
    by its offset.

    Examples
    --------
    >>> import zlib
    >>> pk = Packer()
    >>> pk.add(np.array([1, 300]), width=2), pk.add(np.array([-2, 5]), width=2, signed=True)
    ({'b': 0, 'w': 2}, {'b': 4, 'w': 2, 's': 1})
    >>> list(zlib.decompress(base64.b64decode(pk.text())))
    [1, 44, 0, 1, 254, 5, 255, 0]
    >>> pk.add(np.array([70000]), width=2)
    Traceback (most recent call last):
    ...
    geozz.errors.InputError: 1 problem in the input:
      field 'map data': expected whole numbers in 0…65535, got '70000…70000'. Fix: ...
    """

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, values, *, width: int = 2, signed: bool = False) -> dict:
        """Append ``values`` (``width`` bytes each, two's complement when ``signed``);
        returns the page's reference to them."""
        kind = {(1, False): "<u1", (2, False): "<u2", (1, True): "<i1", (2, True): "<i2"}
        values = np.asarray(values)
        info = np.iinfo(kind[width, signed])
        if len(values) and (values.min() < info.min or values.max() > info.max):
            raise InputError(Issue(field="map data", expected=f"whole numbers in {info.min}"
                                   f"…{info.max}", got=f"{values.min()}…{values.max()}",
                                   fix="check the ratings: a score or count is out of range"))
        raw = np.ascontiguousarray(values.astype(kind[width, signed]))
        planes = raw.view(np.uint8).reshape(-1, width).T.tobytes()
        ref = {"b": self.size, "w": width}
        if signed:
            ref["s"] = 1
        self.parts.append(planes)
        self.size += len(planes)
        return ref

    def text(self) -> str:
        """The buffer, deflate-compressed (zlib format), as base64."""
        import zlib

        return base64.b64encode(zlib.compress(b"".join(self.parts), 9)).decode("ascii")


def _width(values: np.ndarray) -> int:
    return 1 if not len(values) or int(values.max()) < 255 else 2


def encode_ratings(ratings: pd.DataFrame, ids: list[str], periods: list[str],
                   categories: list[str], *, packer: Packer | None = None) -> list[dict]:
    """Per period: scores, stars, problem counts and deductions of every unit, compactly.

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
    packer : Packer, optional
        Where the arrays go (the page data then refers to them by offset); default one
        :class:`Packer` for this call, whose text is returned as the ``packed`` entry of
        the first period.

    Returns
    -------
    list of dict
        One per period: ``score`` (uint16 of score × 100 + :data:`SCORE_OFFSET`,
        65535: no score); ``cuts`` (``[[score × 100, stars], …]``: the stars of a score
        are those of the first cut it reaches) or ``stars`` (one digit per unit, 0: none);
        ``found`` (problem counts); ``ded``: per category either ``{"d": points × 100 of
        every unit}``, ``{"s": [index step, points × 100, …]}`` (few units lost points
        there), ``{"rest": …}`` (the category with most units: its points are what the
        score lost that the other categories do not explain, ``100 - score - others -
        rest``, so ``rest`` is all zeros when the deductions add up to the score) or None
        when no unit lost points there. Arrays are references ``{"b": offset, "w": bytes
        a value}`` into the packed buffer.

    Examples
    --------
    >>> r = pd.DataFrame({"unit_id": ["a", "b"], "period": "2024-05", "score": [96.5, None],
    ...                   "stars": [5, None], "found": [3, 0], "ded_piles": [3.5, 0]})
    >>> pk = Packer()
    >>> enc = encode_ratings(r, ["a", "b"], ["2024-05"], ["piles"], packer=pk)[0]
    >>> enc["cuts"], enc["ded"], enc["found"]
    ([[9650, 5]], [{'rest': {'b': 6, 'w': 1, 's': 1}}], {'b': 4, 'w': 1})
    """
    own = packer is None
    packer = Packer() if own else packer
    pos = pd.Series(np.arange(len(ids)), index=pd.Index(ids))
    r = ratings.assign(_p=ratings["period"].astype(str), _u=ratings["unit_id"].astype(str))
    r = r[r["_u"].isin(pos.index)]
    out = []
    n = len(ids)
    for period in periods:
        rows = r[r["_p"] == period]
        idx = pos.reindex(rows["_u"]).to_numpy()
        score = pd.to_numeric(rows["score"], errors="coerce").to_numpy(float)
        none = np.ones(n, dtype=bool)
        none[idx] = np.isnan(score)
        s100 = np.zeros(n, dtype=np.int64)
        s100[idx] = np.rint(np.nan_to_num(score) * 100).astype(np.int64)
        stars = np.zeros(n, dtype=np.int64)
        stars[idx] = pd.to_numeric(rows["stars"], errors="coerce").fillna(0).to_numpy(np.int64)
        kept = np.clip(s100 + SCORE_OFFSET, 0, NONE16 - 1)  # as the page reads it
        enc = {"score": packer.add(np.where(none, NONE16, kept)), "offset": SCORE_OFFSET}
        cuts = _star_cuts(s100, stars, ~none)
        if cuts is None:
            enc["stars"] = "".join(map(str, stars.tolist()))
        else:
            enc["cuts"] = cuts
        found = np.zeros(n, dtype=np.int64)
        if "found" in rows:
            found[idx] = pd.to_numeric(rows["found"], errors="coerce").fillna(0) \
                .to_numpy(np.int64)
        found = np.clip(found, 0, NONE16)
        enc["found"] = packer.add(found, width=_width(found))
        values = []
        for c in categories:
            col = f"ded_{c}"
            v = np.zeros(n, dtype=np.int64)
            if col in rows:
                v[idx] = np.rint(pd.to_numeric(rows[col], errors="coerce").fillna(0)
                                 .to_numpy(float) * 100).astype(np.int64)
            values.append(np.clip(v, 0, NONE16))
        enc["ded"] = _deductions(values, np.where(none, 10000, kept - SCORE_OFFSET), packer)
        out.append(enc)
    if own and out:
        out[0]["packed"] = packer.text()
    return out


def _deductions(values: list[np.ndarray], s100: np.ndarray, packer: Packer) -> list:
    """The deductions of one period per category (see :func:`encode_ratings`)."""
    n = len(s100)
    counts = [int(np.count_nonzero(v)) for v in values]
    dense = [k for k, c in enumerate(counts) if c and c * 7 >= n * 8 / 3]
    rest = max(dense, key=lambda k: counts[k]) if dense else None
    out: list = []
    for k, v in enumerate(values):
        where = np.flatnonzero(v)
        if not len(where):
            out.append(None)
        elif k == rest:
            others = sum(values[q] for q in range(len(values)) if q != k)
            resid = 10000 - s100 - others - v
            if resid.min() < -32768 or resid.max() > 32767:  # cannot happen with points
                out.append({"d": packer.add(v, width=_width(v))})
            else:
                out.append({"rest": packer.add(resid, width=1 if resid.min() >= -128
                                               and resid.max() < 128 else 2, signed=True)})
        elif k in dense:
            out.append({"d": packer.add(v, width=_width(v))})
        else:
            out.append({"s": np.column_stack([_steps(where), v[where]]).reshape(-1).tolist()})
    return out


def _steps(where: np.ndarray) -> np.ndarray:
    return np.diff(np.r_[-1, where])
