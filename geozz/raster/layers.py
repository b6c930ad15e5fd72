"""The rasters a publication carries: density and Gi* hot spots, as files and map layers.

:func:`publication_rasters` is what ``geozz demo`` and ``geozz run`` (``[publish]
rasters = true``) add to a public folder: ``density.tif`` (problems per km², one band per
period), ``hotspots.tif`` and ``hotspots.csv`` (Gi* of the grid cells per period, with the
cells hot several periods running), the two surfaces of the period shown as switchable
layers of the overview, and the density of that period for the printed overview.

Examples
--------
>>> import geozz as gz, tempfile, pathlib
>>> units = gz.datasets.sf311_tracts()
>>> problems, _ = gz.datasets.sf311_problems()
>>> ratings = gz.rate(gz.assign(problems, units), units, freq="Y", rubric="annual")
>>> made = publication_rasters(problems, units, ratings, pathlib.Path(tempfile.mkdtemp()),
...                            shown="2015", freq="Y")
>>> sorted(made.files), len(made.overlays), made.printed.labels
(['density.tif', 'hotspots.csv', 'hotspots.tif'], 2, ['2015'])
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

__all__ = ["PublicationRasters", "publication_rasters", "CELL_SIZE", "BANDWIDTH"]

#: pixel size (m) and kernel bandwidth (m) of the density surfaces
CELL_SIZE, BANDWIDTH = 50.0, 300.0


@dataclasses.dataclass
class PublicationRasters:
    """What :func:`publication_rasters` made."""

    #: file name in the publication -> where it was written
    files: dict[str, Path]
    #: image layers of the period shown (for ``publish(overlays=)``)
    overlays: list
    #: the density surface, one band per period
    density: object
    #: the Gi* table of the grid cells per period, and the cells' hot runs
    gi: pd.DataFrame
    runs: pd.DataFrame
    #: the density of the period shown alone (for ``publish(static_raster=)``), or None
    printed: object


def publication_rasters(problems, units, ratings, folder: Path, *, shown: str, freq: str,
                        cell_size: float = CELL_SIZE,
                        bandwidth: float = BANDWIDTH) -> PublicationRasters:
    """Density and Gi* hot spots of a run, written to ``folder``, and their layers.

    Parameters
    ----------
    problems, units, ratings
        Of :func:`geozz.read_problems`, :func:`geozz.build_units`, :func:`geozz.rate`.
    folder : Path
        Where the three files are written.
    shown : str
        The period the maps show.
    freq : {"M", "Q", "Y"}
        The ratings' periods.
    cell_size, bandwidth : float
        Of the density surfaces, metres.
    """
    from .._io import write_csv
    from ..errors import InputError
    from .density import density as make_density
    from .hotspots import gistar, hot_runs, hotspot_surface
    from .overlay import image_layer
    from .surface import Surface, grid_frame, write

    folder = Path(folder)
    density = make_density(problems, cell_size=cell_size, bandwidth=bandwidth, by="period",
                           freq=freq, crs=units.crs, path=folder / "density.tif")
    cells = units[units["unit_type"] == "grid"]
    gi = gistar(ratings, cells)
    runs = hot_runs(ratings, cells, gi=gi)
    write_csv(folder / "hotspots.csv", gi.merge(runs.reset_index(), on="unit_id",
                                                 how="left"))
    try:  # a geozz grid: one pixel per cell; an office's polygons: burnt at cell_size
        regular = len(grid_frame(cells).cells) == len(cells)
    except InputError:
        regular = False
    hot = hotspot_surface(gi, cells, cell_size=None if regular else cell_size)
    write(hot, folder / "hotspots.tif")
    overlays = []
    if shown in density.labels:
        overlays.append(image_layer(density, band=shown, show=False,
                                    name=f"问题密度 Density {shown}"))
    if shown in hot.labels:
        overlays.append(image_layer(hot, band=shown, kind="hotspot", show=False,
                                    name=f"热点 Gi* hot spots {shown}"))
    at = density.labels.index(shown) if shown in density.labels else None
    printed = None if at is None else Surface(density.values[at:at + 1], density.transform,
                                              density.crs, [shown], None, density.units)
    files = {n: folder / n for n in ("density.tif", "hotspots.tif", "hotspots.csv")}
    return PublicationRasters(files, overlays, density, gi, runs, printed)
