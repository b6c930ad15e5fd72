"""The raster side beside the units: density surfaces, hot spots and zonal statistics.

* :func:`density` — kernel density of problem points in problems per km², for all
  problems or per category and period, vectorised (counts binned, one FFT convolution
  per band), optionally aligned to a geozz grid so that one pixel is one cell;
* :func:`write` / :func:`read` — tiled, compressed (Cloud-Optimized where GDAL can)
  GeoTIFFs with CRS, transform, nodata, band labels and run counts, via rasterio;
* :func:`classes` — natural-breaks classes of a surface (mapclassify);
  :func:`gistar` — local Getis-Ord Gi* of the problems per grid cell (PySAL esda);
  :func:`hot_runs` — cells hot in consecutive periods (回潮);
  :func:`grid_surface` — per-cell values as a grid-aligned raster;
* :func:`zonal` — mean, sum, max, min, count of valid pixels … of any raster per unit,
  pixel-coverage weighted (units smaller than a pixel, nodata, another CRS);
  :func:`per_residents` — problems per 10,000 residents from a population raster;
* :func:`image_layer` — a surface as an image layer of :func:`geozz.star_map`
  (``overlays=``), placed in Web Mercator, with its legend;
* :func:`publication_rasters` — the density and hot-spot files and layers a public folder
  carries (``geozz demo``, ``geozz run`` with ``[publish] rasters = true``).

Examples
--------
>>> import geozz as gz, tempfile, pathlib
>>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
>>> tif = pathlib.Path(tempfile.mkdtemp()) / "density.tif"
>>> s = gz.raster.density(problems, cell_size=50, bandwidth=300, path=tif)
>>> back = gz.raster.read(tif)
>>> back.crs, back.transform == s.transform, back.units
('EPSG:32650', True, 'problems per km²')
"""

from __future__ import annotations

from .density import density, kernel
from .hotspots import (HOTSPOT_CLASSES, HOTSPOT_CODES, classes, gistar, grid_surface,
                       hot_runs, hotspot_surface)
from .layers import publication_rasters
from .overlay import image_layer
from .surface import Surface, cog_available, grid_frame, read, write
from .zonal import STATS, per_residents, zonal

__all__ = ["Surface", "density", "kernel", "write", "read", "grid_frame", "cog_available",
           "classes", "gistar", "hot_runs", "grid_surface", "hotspot_surface",
           "HOTSPOT_CLASSES", "HOTSPOT_CODES", "zonal", "per_residents", "STATS", "image_layer",
           "publication_rasters"]
