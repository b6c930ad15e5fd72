"""Surfaces on the web maps: a PNG in Web Mercator placed by its lon/lat corners.

Leaflet stretches an image overlay linearly between two corners on its Web Mercator
display, so a surface is first warped to EPSG:3857 (rasterio, bilinear for densities,
nearest for classes) and its corners are given in lon/lat; over a GCJ-02 base map the
corners are shifted to GCJ-02 (the shift varies by metres across a district, far below
a pixel). The PNG (transparent where zero or nodata) goes into the page as a data URL,
so the page still opens with no network, and its legend is page data too: text from
input (a category name as band label) is shown with ``textContent``, never as markup.

Examples
--------
>>> import numpy as np
>>> from rasterio.transform import from_origin
>>> from geozz.raster.surface import Surface
>>> s = Surface(np.arange(16, dtype="float32").reshape(1, 4, 4),
...             from_origin(800000, 2500400, 100, 100), "EPSG:32650", ["all"])
>>> layer = image_layer(s, name="密度 Density")
>>> layer["kind"], layer["url"][:22], len(layer["legend"]) > 1
('image', 'data:image/png;base64,', True)
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image
from pyproj import Transformer
from rasterio.warp import Resampling, calculate_default_transform, reproject

from .hotspots import HOTSPOT_CLASSES, HOTSPOT_CODES
from .surface import Surface, rio_crs

__all__ = ["image_layer", "warp_to_web", "HOTSPOT_COLOURS", "rgba"]

#: colours of the hot-spot codes (-3 … 3); 0 (not significant) is left transparent
HOTSPOT_COLOURS = {3: "#d62f27", 2: "#ed7551", 1: "#fab984", -1: "#c0ccbe", -2: "#849eba",
                   -3: "#4575b5"}
#: the most pixels of an overlay on each side (larger surfaces are averaged down)
MAX_SIDE = 2048


def warp_to_web(surface: Surface, band: int = 0, *, categorical: bool = False):
    """``(values, (west, south, east, north))``: one band warped to EPSG:3857.

    Values are float64 with NaN where nodata or off the surface; the corners are lon/lat.
    """
    src = surface.values[band].astype(np.float64)
    if surface.nodata is not None and not np.isnan(surface.nodata):
        src = np.where(src == surface.nodata, np.nan, src)
    h, w = surface.shape
    left, bottom, right, top = surface.bounds
    dst_crs = rio_crs("EPSG:3857")
    scale = max(1.0, max(h, w) / MAX_SIDE)
    size = {} if scale == 1.0 else {"dst_width": max(1, int(w / scale)),
                                    "dst_height": max(1, int(h / scale))}
    transform, width, height = calculate_default_transform(
        rio_crs(surface.crs), dst_crs, w, h, left, bottom, right, top, **size)
    out = np.full((height, width), np.nan)
    reproject(src, out, src_transform=surface.transform, src_crs=rio_crs(surface.crs),
              dst_transform=transform, dst_crs=dst_crs, src_nodata=np.nan,
              dst_nodata=np.nan,
              resampling=Resampling.nearest if categorical else Resampling.bilinear)
    x0, y1 = transform @ (0, 0)
    x1, y0 = transform @ (width, height)
    to_ll = Transformer.from_crs(3857, 4326, always_xy=True)
    (west, east), (south, north) = to_ll.transform([x0, x1], [y0, y1])
    return out, (float(west), float(south), float(east), float(north))


def _hex(c: str) -> tuple[int, int, int]:
    c = c.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def rgba(values: np.ndarray, *, kind: str = "density", cmap: str = "YlOrRd",
         opacity: float = 0.75, bins=None) -> tuple[np.ndarray, list]:
    """``(rgba uint8 image, legend rows [[colour, label], …])`` of warped values."""
    img = np.zeros(values.shape + (4,), dtype=np.uint8)
    alpha = int(round(255 * opacity))
    if kind == "hotspot":
        legend = []
        for name in HOTSPOT_CLASSES:
            code = HOTSPOT_CODES[name]
            if code == 0:
                continue
            at = np.round(values) == code
            img[at, :3] = _hex(HOTSPOT_COLOURS[code])
            img[at, 3] = alpha
            legend.append([HOTSPOT_COLOURS[code], name])
        return img, legend
    import matplotlib

    cm = matplotlib.colormaps[cmap]
    ok = np.isfinite(values) & (values > 0)
    if not ok.any():
        return img, [["#ffffff", "0"]]
    if bins is None:  # five equal-count classes of the non-zero pixels
        bins = list(np.unique(np.quantile(values[ok], [0.2, 0.4, 0.6, 0.8, 1.0])))
    bins = np.asarray(bins, dtype=float)
    k = np.minimum(np.searchsorted(bins, values[ok], side="left"), len(bins) - 1)
    colours = [cm((q + 1) / len(bins)) for q in range(len(bins))]
    rgb = (np.array([c[:3] for c in colours]) * 255).round().astype(np.uint8)
    img[ok, :3] = rgb[k]
    img[ok, 3] = alpha
    lo = 0.0
    legend = []
    for q, b in enumerate(bins):
        hexc = "#%02x%02x%02x" % tuple(int(v) for v in rgb[q])
        legend.append([hexc, f"{lo:.3g}–{b:.3g}"])
        lo = float(b)
    return img, legend


def image_layer(surface: Surface, *, band: int | str = 0, name: str | None = None,
                kind: str = "density", opacity: float = 0.75, show: bool = True,
                shift=None, cmap: str = "YlOrRd") -> dict:
    """The page data of one band as an image layer of the star map.

    Parameters
    ----------
    surface : Surface
        A density (:func:`geozz.raster.density`), classes, or hot-spot codes
        (:func:`geozz.raster.grid_surface` of :func:`geozz.raster.gistar` codes, with
        ``kind="hotspot"``).
    band : int or str
        Position or label of the band.
    name : str, optional
        The layer's name in the layer control (as text); default the band label.
    kind : {"density", "classes", "hotspot"}
        Colours: a sequential ramp in five quantile classes (density), the class numbers
        as given by ``meta["bins"]`` (classes), or the hot/cold bins (hotspot).
    opacity : float, default 0.75
    show : bool, default True
        Shown when the page opens.
    shift : callable, optional
        ``(lon, lat) -> (lon, lat)`` for the corners (GCJ-02 base maps).

    Returns
    -------
    dict
        ``{"kind": "image", "label", "url", "bounds": [[s, w], [n, e]], "legend", "show",
        "units"}``.
    """
    b = band if isinstance(band, int) else surface.labels.index(band)
    values, (west, south, east, north) = warp_to_web(surface, b,
                                                     categorical=kind != "density")
    if kind == "classes":
        k = int(surface.meta.get("k", int(np.nanmax(values)) if np.isfinite(values).any()
                                 else 1))
        img, legend = rgba(values, kind="density", cmap=cmap, opacity=opacity,
                           bins=list(range(1, max(k, 1) + 1)))
        edges = [0.0] + list(surface.meta.get("bins", []))
        if len(edges) == len(legend) + 1:
            legend = [[c, f"{q + 1}: {edges[q]:.3g}–{edges[q + 1]:.3g}"]
                      for q, (c, _) in enumerate(legend)]
    else:
        img, legend = rgba(values, kind=kind, cmap=cmap, opacity=opacity)
    buf = io.BytesIO()
    Image.fromarray(img, mode="RGBA").save(buf, format="PNG", optimize=True)
    if shift is not None:
        (west, east), (south, north) = shift(np.array([west, east]), np.array([south, north]))
        west, east, south, north = (float(v) for v in (west, east, south, north))
    return {"kind": "image", "label": str(name if name is not None else surface.labels[b]),
            "url": "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode(),
            "bounds": [[south, west], [north, east]], "legend": legend,
            "units": str(surface.units), "opacity": float(opacity), "show": bool(show)}
