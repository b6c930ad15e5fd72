"""Kernel density of problem points, in problems per km², as a :class:`Surface`.

The points are counted into the pixels of a metric frame (one :func:`numpy.bincount`),
and the counts are convolved with a discrete kernel by FFT (:func:`scipy.signal.fftconvolve`),
so the cost is that of two FFTs of the frame, whatever the number of points: a million
points onto 2,000 × 2,000 pixels takes about a second. The kernel is the quartic
(biweight) kernel of GIS heat maps, ``K(d) = 3/(π h²)·(1 − d²/h²)²`` for ``d < h``
(or a Gaussian of standard deviation ``h``, cut at ``3h``), sampled at pixel centres and
scaled so that it sums to one: the surface integrates to the number of points it was
made of (less what the kernel spreads beyond the frame), and a lone point has its peak
in the pixel that holds it. Positions are taken at pixel resolution (each point counts
at the centre of its pixel), which is exact for a grid-aligned surface: one pixel, one
cell.

Examples
--------
>>> import geopandas as gpd, shapely
>>> pts = gpd.GeoDataFrame(geometry=[shapely.Point(800050, 2500050)] * 3, crs=32650)
>>> s = density(pts, cell_size=10, bandwidth=30, bounds=(800000, 2500000, 800100, 2500100))
>>> s.shape, s.labels, s.meta["used"]
((10, 10), ['all'], 3)
>>> round(float(s.values.sum()) * (10 * 10) / 1e6, 6)   # problems: the integral
3.0
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import CRSError, InputError, Issue
from .surface import Surface, frame_around, grid_frame, write

__all__ = ["density", "kernel", "KERNELS", "MAX_CELLS"]

#: the kernels :func:`density` knows
KERNELS = ("quartic", "gaussian")
#: the most pixels (bands × height × width) one call may make: 1.6 GB of float32
MAX_CELLS = 400_000_000


def kernel(bandwidth: float, cell_size: float, *, shape: str = "quartic") -> np.ndarray:
    """The discrete kernel (odd square, sums to 1) of ``bandwidth`` on ``cell_size`` pixels.

    Examples
    --------
    >>> k = kernel(20, 10)
    >>> k.shape, round(float(k.sum()), 12), bool(k[2, 2] == k.max())
    ((5, 5), 1.0, True)
    """
    reach = bandwidth * (3.0 if shape == "gaussian" else 1.0)
    r = int(np.floor(reach / cell_size))
    off = np.arange(-r, r + 1) * float(cell_size)
    d2 = off[None, :] ** 2 + off[:, None] ** 2
    if shape == "gaussian":
        k = np.exp(-0.5 * d2 / bandwidth ** 2)
        k[d2 > reach ** 2] = 0.0
    else:
        k = np.clip(1.0 - d2 / bandwidth ** 2, 0.0, None) ** 2
    if k.sum() <= 0:  # bandwidth below half a pixel: the point stays in its pixel
        k = np.zeros((1, 1))
        k[0, 0] = 1.0
    return k / k.sum()


def _labels(problems: pd.DataFrame, by, freq: str) -> tuple[list[str], np.ndarray]:
    """Band labels and the band of each row (``-1`` where a ``by`` value is missing)."""
    from ..rating.periods import _label

    if by is None:
        return ["all"], np.zeros(len(problems), dtype=np.int64)
    cols = [by] if isinstance(by, str) else list(by)
    parts = []
    for col in cols:
        if col == "period":
            if "found_at" not in problems:
                raise InputError(Issue(field="by", expected="problems with found_at for "
                                       "by='period'", got=list(problems.columns)[:8],
                                       fix="read them with gz.read_problems"))
            t = pd.to_datetime(problems["found_at"])
            if t.dt.tz is not None:
                t = t.dt.tz_localize(None)  # the wall time of the records' own zone
            per = t.dt.to_period({"Y": "Y", "Q": "Q", "M": "M", "W": "W-SUN"}.get(freq, freq))
            parts.append(pd.Series([_label(p, freq) if not pd.isna(p) else None
                                    for p in per], index=problems.index, dtype="object"))
        elif col in problems:
            parts.append(problems[col].astype("object").where(problems[col].notna(), None))
        else:
            raise InputError(Issue(field="by", expected="columns of the problems or "
                                   "'period'", got=col,
                                   fix="e.g. by='category' or by=['category', 'period']"))
    key = parts[0].map(lambda v: None if v is None else str(v))
    for p in parts[1:]:
        key = pd.Series([None if a is None or b is None else f"{a}|{b}"
                         for a, b in zip(key, p)], index=problems.index, dtype="object")
    ok = key.notna().to_numpy()
    labels = sorted(set(key[ok]))
    code = np.full(len(key), -1, dtype=np.int64)
    if labels:
        code[ok] = pd.Categorical(key[ok], categories=labels).codes
    return labels, code


def _target_crs(problems: gpd.GeoDataFrame, crs, align):
    if align is not None:
        return None
    if crs is not None:
        from pyproj import CRS
        out = CRS.from_user_input(crs)
    elif problems.crs is not None and problems.crs.is_projected:
        out = problems.crs
    else:
        out = problems.estimate_utm_crs() if len(problems.geometry.dropna()) else None
    if out is None or not out.is_projected:
        raise CRSError(Issue(field="crs", expected="a metric (projected) CRS for the "
                             "density", got=str(out), fix="pass crs='EPSG:32650' or "
                             "align=units"))
    return out


def density(problems: gpd.GeoDataFrame, *, cell_size: float | None = None,
            bandwidth: float = 300.0, path: str | Path | None = None, by=None,
            freq: str = "M", align: gpd.GeoDataFrame | None = None, bounds=None,
            crs=None, kernel_shape: str = "quartic", weight: str | None = None,
            cog: bool | None = None) -> Surface:
    """A kernel density surface of the problems, in problems per km².

    Parameters
    ----------
    problems : GeoDataFrame
        Points (from :func:`geozz.read_problems`, any CRS). Rows without a position are
        counted in ``meta["no_position"]``, points off the frame in ``meta["outside"]``.
    cell_size : float
        Pixel size in metres. With ``align`` it defaults to (and must equal) the grid's
        cell size.
    bandwidth : float, default 300
        Kernel radius in metres (the standard deviation for ``kernel_shape="gaussian"``).
    path : str or Path, optional
        Also write the surface as a GeoTIFF there (:func:`geozz.raster.write`).
    by : str or list of str, optional
        One band per value of these columns: ``"category"``, ``"period"`` (the period of
        ``found_at`` at ``freq``), or both (labels ``"category|period"``). Default one
        band, ``"all"``.
    freq : {"M", "Q", "Y", "W"}, default "M"
        The period length for ``by="period"``.
    align : GeoDataFrame, optional
        A geozz square grid: the surface takes its frame, one pixel per cell.
    bounds : tuple, optional
        ``(minx, miny, maxx, maxy)`` in the surface CRS; default the points' extent
        grown by the bandwidth, aligned to multiples of ``cell_size``.
    crs : optional
        The metric CRS of the surface (default: the problems' CRS if projected, else
        their UTM zone; with ``align``, the grid's).
    kernel_shape : {"quartic", "gaussian"}
    weight : str, optional
        A numeric column to weigh each point by (e.g. ``"report_count"``).
    cog : bool, optional
        Passed to :func:`geozz.raster.write`.

    Returns
    -------
    Surface
        ``values`` float32 (bands, height, width); ``meta`` holds ``points``, ``used``,
        ``outside``, ``no_position`` (``points = used + outside + no_position``, and
        ``unlabelled`` of the used ones when a ``by`` value was missing), ``bandwidth``,
        ``kernel``.

    Examples
    --------
    >>> import geozz as gz
    >>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> s = gz.raster.density(problems, cell_size=100, bandwidth=300, by="category")
    >>> s.units, s.meta["points"] == s.meta["used"] + s.meta["outside"] + s.meta["no_position"]
    ('problems per km²', True)
    """
    issues = []
    if not isinstance(problems, gpd.GeoDataFrame):
        raise InputError(Issue(field="problems", expected="a GeoDataFrame of points",
                               got=type(problems).__name__, fix="use gz.read_problems"))
    if kernel_shape not in KERNELS:
        issues.append(Issue(field="kernel_shape", expected=f"one of {KERNELS}",
                            got=kernel_shape, fix="kernel_shape='quartic'"))
    if not isinstance(bandwidth, (int, float)) or not np.isfinite(bandwidth) or bandwidth <= 0:
        issues.append(Issue(field="bandwidth", expected="a positive number of metres",
                            got=bandwidth, fix="e.g. bandwidth=300"))
    if cell_size is not None and (not isinstance(cell_size, (int, float))
                                  or not np.isfinite(cell_size) or cell_size <= 0):
        issues.append(Issue(field="cell_size", expected="a positive number of metres",
                            got=cell_size, fix="e.g. cell_size=50"))
    if weight is not None and weight not in problems:
        issues.append(Issue(field="weight", expected="a column of the problems", got=weight,
                            fix="e.g. weight='report_count', or leave it out"))
    if cell_size is None and align is None:
        issues.append(Issue(field="cell_size", expected="a pixel size in metres",
                            got=None, fix="pass cell_size=50, or align=the grid units"))
    if issues:
        raise InputError(issues)
    labels, code = _labels(problems, by, freq)
    target = _target_crs(problems, crs, align)
    if align is not None:
        frame = grid_frame(align)
        if cell_size is not None and abs(float(cell_size) - frame.cell_size) > 1e-9:
            raise InputError(Issue(field="cell_size", expected=f"the grid's cell size "
                                   f"{frame.cell_size:g} with align=", got=cell_size,
                                   fix="leave cell_size out"))
        pts = problems.geometry.to_crs(frame.crs)
    else:
        pts = problems.geometry.to_crs(target)
    geoms = pts.to_numpy()
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    xy = np.full((len(geoms), 2), np.nan)
    if has.any():
        xy[has] = shapely.get_coordinates(geoms[has])[:, :2]
    has &= np.isfinite(xy).all(axis=1)
    if align is None:
        epsg = target.to_epsg()
        tcrs = f"EPSG:{epsg}" if epsg else target.to_wkt()
        if bounds is None:
            if not has.any():
                raise InputError(Issue(field="problems", expected="at least one point with "
                                       "a position, or bounds=", got=0,
                                       fix="pass bounds=(minx, miny, maxx, maxy)"))
            lo, hi = xy[has].min(axis=0), xy[has].max(axis=0)
            bounds = (lo[0] - bandwidth, lo[1] - bandwidth, hi[0] + bandwidth,
                      hi[1] + bandwidth)
        frame = frame_around(bounds, cell_size=cell_size, crs=tcrs)
    n_pix = len(labels) * frame.width * frame.height
    if n_pix > MAX_CELLS:
        raise InputError(Issue(field="cell_size", expected=f"at most {MAX_CELLS:,} pixels "
                               "over all bands", got=f"{len(labels)} bands × "
                               f"{frame.height} × {frame.width}",
                               fix="use a larger cell_size, fewer bands (by=) or bounds="))
    col, row = ~frame.transform @ (xy[:, 0], xy[:, 1])
    with np.errstate(invalid="ignore"):
        ci, ri = np.floor(col), np.floor(row)
    inside = has & (ci >= 0) & (ci < frame.width) & (ri >= 0) & (ri < frame.height)
    use = inside & (code >= 0)
    flat = (code[use] * frame.height + ri[use].astype(np.int64)) * frame.width \
        + ci[use].astype(np.int64)
    w = None if weight is None else pd.to_numeric(problems[weight], errors="coerce") \
        .fillna(0).to_numpy(dtype=float)[use]
    counts = np.bincount(flat, weights=w, minlength=n_pix).reshape(
        len(labels), frame.height, frame.width)
    from scipy.signal import fftconvolve  # here: importing scipy.signal takes seconds

    k = kernel(bandwidth, frame.cell_size, shape=kernel_shape)
    per_km2 = 1e6 / frame.cell_size ** 2
    values = np.zeros(counts.shape, dtype=np.float32)
    for b in range(len(labels)):
        if not counts[b].any():
            continue
        conv = fftconvolve(counts[b], k, mode="same") if k.size > 1 else counts[b]
        conv[conv < counts[b].sum() * 1e-12] = 0.0  # FFT round-off, not density
        values[b] = conv * per_km2
    meta = {"points": int(len(geoms)), "used": int(inside.sum()),
            "outside": int((has & ~inside).sum()), "no_position": int((~has).sum()),
            "unlabelled": int((inside & (code < 0)).sum()), "bandwidth": float(bandwidth),
            "kernel": kernel_shape, "cell_size": frame.cell_size}
    surface = Surface(values, frame.transform, frame.crs, labels, None,
                      "problems per km²", meta)
    if path is not None:
        write(surface, path, cog=cog)
    return surface

