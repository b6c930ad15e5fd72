"""A raster in memory (:class:`Surface`), its GeoTIFF on disk, and grid-aligned frames.

A :class:`Surface` is a stack of bands on one north-up pixel frame: ``values`` of shape
``(bands, height, width)``, a rasterio ``transform``, a ``crs``, one label per band and
``nodata``. :func:`write` stores it with rasterio as a tiled, compressed GeoTIFF —
Cloud-Optimized (GDAL's ``COG`` driver, with overviews) where the GDAL build has it —
and :func:`read` brings one back. :func:`grid_frame` gives the frame whose pixels are
the cells of a geozz square grid (cell ``G{size}-E{i}-N{j}`` is pixel column
``i - i_min``, row ``j_max - j``), so that a surface made on it has one pixel per cell.

Examples
--------
>>> import numpy as np, tempfile, pathlib
>>> from rasterio.transform import from_origin
>>> s = Surface(np.arange(6, dtype="float32").reshape(1, 2, 3),
...             from_origin(800000, 2500200, 100, 100), "EPSG:32650", ["all"])
>>> path = write(s, pathlib.Path(tempfile.mkdtemp()) / "d.tif")
>>> back = read(path)
>>> back.values.tolist(), back.crs, back.labels
([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]], 'EPSG:32650', ['all'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from affine import Affine
from rasterio.crs import CRS as RioCRS
from rasterio.io import MemoryFile
from rasterio.transform import from_origin

from .._io import as_path, atomic_path
from ..errors import CRSError, InputError, Issue, OutputError

__all__ = ["Surface", "write", "read", "grid_frame", "Frame", "frame_around", "cog_available"]


@dataclass
class Surface:
    """Bands of one north-up pixel frame.

    Parameters
    ----------
    values : ndarray, shape (bands, height, width)
        The pixel values (float32 or an integer type); ``nodata`` or NaN where unknown.
    transform : affine.Affine
        Pixel (col, row) → CRS (x, y) of the pixel's top-left corner.
    crs : str
        The frame's CRS, as ``"EPSG:…"`` or WKT.
    labels : list of str
        One label per band ("all", a category, a period, "category|period" …).
    nodata : float, optional
        The value that marks unknown pixels (besides NaN).
    units : str
        What a value means (``"problems per km²"``, ``"class"`` …), kept in the GeoTIFF.
    meta : dict
        Counts and settings of the run that made it (points read, used, outside …).
    """

    values: np.ndarray
    transform: Affine
    crs: str
    labels: list[str]
    nodata: float | None = None
    units: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)`` in pixels."""
        return int(self.values.shape[1]), int(self.values.shape[2])

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` of the frame in its CRS."""
        h, w = self.shape
        x0, y0 = self.transform @ (0, 0)
        x1, y1 = self.transform @ (w, h)
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    def band(self, label: str) -> np.ndarray:
        """The 2-D values of the band labelled ``label``."""
        if label not in self.labels:
            raise InputError(Issue(field="label", expected=f"one of {self.labels[:10]}",
                                   got=label, fix="pick a band the surface has"))
        return self.values[self.labels.index(label)]

    def index(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """``(row, col)`` of the pixels holding CRS points ``(x, y)`` (may be outside)."""
        col, row = ~self.transform @ (np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.floor(row).astype(np.int64), np.floor(col).astype(np.int64)


def cog_available() -> bool:
    """Whether this GDAL build writes Cloud-Optimized GeoTIFFs (the ``COG`` driver)."""
    with rasterio.Env() as env:
        return "COG" in env.drivers()


def _profile(s: Surface) -> dict:
    h, w = s.shape
    dtype = s.values.dtype
    return {"driver": "GTiff", "width": w, "height": h, "count": len(s.labels),
            "dtype": dtype.name, "crs": s.crs, "transform": s.transform,
            "nodata": s.nodata, "tiled": True, "blockxsize": 256, "blockysize": 256,
            "compress": "deflate",
            "predictor": 3 if dtype.kind == "f" else 2}


def write(surface: Surface, path: str | Path, *, cog: bool | None = None) -> Path:
    """Write ``surface`` as a tiled, deflate-compressed GeoTIFF, atomically.

    Parameters
    ----------
    surface : Surface
        What to write; band labels become the band descriptions, ``units`` the band
        units, and ``meta`` the dataset tags (prefixed ``geozz_``).
    path : str or Path
        The ``.tif`` to write (replaced whole, never left half written).
    cog : bool, optional
        Write a Cloud-Optimized GeoTIFF (with overviews). Default: when the GDAL build
        has the ``COG`` driver; ``True`` without it raises :class:`OutputError`.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib, rasterio
    >>> from rasterio.transform import from_origin
    >>> s = Surface(np.ones((1, 300, 300), "float32"), from_origin(0, 3000, 10, 10),
    ...             "EPSG:32650", ["all"], units="problems per km²")
    >>> p = write(s, pathlib.Path(tempfile.mkdtemp()) / "d.tif")
    >>> with rasterio.open(p) as src:
    ...     src.profile["tiled"], src.compression.name, src.descriptions, src.units
    (True, 'deflate', ('all',), ('problems per km²',))
    """
    out = as_path(path, field="path")
    if surface.values.ndim != 3 or len(surface.labels) != surface.values.shape[0]:
        raise InputError(Issue(field="values", expected="an array (bands, height, width) "
                               "with one label per band", got=surface.values.shape,
                               fix="build the Surface with values[None] for one band"))
    want_cog = cog_available() if cog is None else bool(cog)
    if want_cog and not cog_available():
        raise OutputError(Issue(file=str(out), field="cog", expected="a GDAL with the COG "
                                "driver", got=rasterio.__gdal_version__,
                                fix="pass cog=False for a tiled GeoTIFF"))
    profile = _profile(surface)
    tags = {f"geozz_{k}": str(v) for k, v in surface.meta.items()}
    try:
        with atomic_path(out) as tmp:
            with MemoryFile() as mem:
                with mem.open(**profile) as dst:
                    dst.write(surface.values)
                    for b, label in enumerate(surface.labels, start=1):
                        dst.set_band_description(b, str(label))
                        dst.set_band_unit(b, surface.units)
                    dst.update_tags(**tags)
                    if not want_cog:
                        factors = [f for f in (2, 4, 8, 16, 32)
                                   if min(surface.shape) // f >= 256]
                        if factors:
                            dst.build_overviews(factors, rasterio.enums.Resampling.average)
                with mem.open() as src:
                    if want_cog:
                        rasterio.shutil.copy(src, tmp, driver="COG", compress="DEFLATE",
                                             predictor="YES", blocksize=256,
                                             overview_resampling="AVERAGE")
                    else:
                        rasterio.shutil.copy(src, tmp, driver="GTiff", tiled=True,
                                             blockxsize=256, blockysize=256,
                                             compress="DEFLATE",
                                             predictor=profile["predictor"],
                                             copy_src_overviews=True)
    except rasterio.errors.RasterioError as exc:
        raise OutputError(Issue(file=str(out), expected="a GeoTIFF written", got=str(exc),
                                fix="check the folder is writable")) from None
    return out


def read(path: str | Path) -> Surface:
    """Read a GeoTIFF (or any raster rasterio opens) into a :class:`Surface`.

    Nodata pixels keep their value (``nodata``); bands keep their descriptions as labels
    (``"band 1"`` … when there are none), and ``geozz_`` tags come back as ``meta``.

    Raises
    ------
    InputError
        The file does not exist or is not a raster.
    CRSError
        It has no CRS.
    """
    src_path = as_path(path, field="raster")
    if not src_path.exists():
        raise InputError(Issue(file=str(src_path), expected="a raster file", got="missing",
                               fix="check the path"))
    try:
        with rasterio.open(src_path) as src:
            values = src.read()
            crs = src.crs
            labels = [d or f"band {b}" for b, d in enumerate(src.descriptions, start=1)]
            meta = {k.removeprefix("geozz_"): v for k, v in src.tags().items()
                    if k.startswith("geozz_")}
            s = Surface(values, src.transform, "", labels, src.nodata,
                        (src.units or ("",))[0] or "", meta)
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(Issue(file=str(src_path), expected="a raster rasterio can open",
                               got=str(exc)[:120], fix="pass a GeoTIFF")) from None
    if crs is None:
        raise CRSError(Issue(file=str(src_path), field="crs", expected="a raster with a "
                             "CRS", got=None, fix="assign one, e.g. gdal_edit.py -a_srs "
                                                 "EPSG:4326 FILE"))
    epsg = crs.to_epsg()
    s.crs = f"EPSG:{epsg}" if epsg else crs.to_wkt()
    return s


@dataclass(frozen=True)
class Frame:
    """A north-up pixel frame: ``transform``, ``width``, ``height``, ``crs``."""

    transform: Affine
    width: int
    height: int
    crs: str
    #: the grid cell of each pixel (``None`` unless from :func:`grid_frame`)
    cells: dict | None = None

    @property
    def cell_size(self) -> float:
        return float(self.transform.a)


def frame_around(bounds, *, cell_size: float, crs: str) -> Frame:
    """The frame of ``cell_size`` pixels aligned to multiples of it that covers ``bounds``.

    Examples
    --------
    >>> f = frame_around((120, 40, 350, 90), cell_size=100, crs="EPSG:32650")
    >>> f.width, f.height, f.transform.c, f.transform.f
    (3, 1, 100.0, 100.0)
    """
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    c = float(cell_size)
    x0, y0 = math.floor(minx / c) * c, math.floor(miny / c) * c
    x1, y1 = math.ceil(maxx / c) * c, math.ceil(maxy / c) * c
    w, h = max(1, round((x1 - x0) / c)), max(1, round((y1 - y0) / c))
    return Frame(from_origin(x0, y0 + h * c, c, c), int(w), int(h), crs)


def grid_frame(units) -> Frame:
    """The frame whose pixels are the cells of the geozz square grid in ``units``.

    Only regular cells (id ``G{size}-E{i}-N{j}`` with the geometry of that box or a part
    of it) count; the frame spans them, so pixel ``(row, col)`` is cell
    ``(i_min + col, j_max - row)``. ``cells`` maps each cell's unit id to its
    ``(row, col)``.

    Raises
    ------
    InputError
        ``units`` holds no regular grid cell, or cells of several sizes.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from geozz.units import grid
    >>> cells = grid(gpd.GeoSeries([shapely.box(800000, 2500000, 800300, 2500200)],
    ...                            crs=32650), size=100)
    >>> f = grid_frame(cells)
    >>> f.width, f.height, f.cells["G100-E8000-N25001"]
    (3, 2, (0, 0))
    """
    from ..assignment.grid import regular

    geoms = units.geometry.to_numpy()
    ids = units.index.to_numpy()
    reg = regular(geoms, ids)
    sizes = np.unique(reg.size)
    if len(sizes) != 1:
        raise InputError(Issue(field="align", expected="units holding the square cells of "
                               "one geozz grid (ids G{size}-E{i}-N{j})",
                               got=f"{len(sizes)} cell sizes" if len(sizes) else
                               "no such cell", fix="pass the grid layer, e.g. "
                               "units[units.unit_type == 'grid'] from gz.build_units"))
    size = float(sizes[0])
    imin, jmax = int(reg.i.min()), int(reg.j.max())
    w, h = int(reg.i.max()) - imin + 1, jmax - int(reg.j.min()) + 1
    epsg = units.crs.to_epsg() if units.crs is not None else None
    crs = f"EPSG:{epsg}" if epsg else (units.crs.to_wkt() if units.crs else "")
    if not crs or not units.crs.is_projected:
        raise CRSError(Issue(field="units.crs", expected="the metric CRS the grid was made "
                             "in", got=str(units.crs), fix="use the units of "
                             "gz.build_units as they are"))
    cells = {str(ids[p]): (jmax - int(j), int(i) - imin)
             for p, i, j in zip(reg.pos, reg.i, reg.j)}
    return Frame(from_origin(imin * size, (jmax + 1) * size, size, size), w, h, crs, cells)


def rio_crs(crs: str) -> RioCRS:
    """The rasterio CRS of a frame's ``crs`` text."""
    return RioCRS.from_user_input(crs)
