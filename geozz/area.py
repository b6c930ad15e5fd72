"""The study area: a boundary plus the road and river lines inside it.

An :class:`Area` is what :func:`geozz.read_osm` and the bundled datasets
(:mod:`geozz.datasets`) return and what :func:`geozz.build_units` takes.

Examples
--------
>>> import geozz as gz
>>> area = gz.datasets.longgang()
>>> area.name, area.boundary.crs.to_epsg()
('龙岗区', 4326)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from .errors import Issue, SchemaError

__all__ = ["Area", "read_area"]

LAYERS = ("boundary", "roads", "rivers")


@dataclass
class Area:
    """A district: boundary polygon(s), road lines and river lines, in WGS-84.

    Parameters
    ----------
    name : str
        Display name, used as the ``admin`` of the units built from it.
    boundary : geopandas.GeoDataFrame
        One or more polygons; their union is the area.
    roads, rivers : geopandas.GeoDataFrame
        Lines with at least a ``name`` column (may be empty).
    source : str
        Where the data came from (shown as a credit on maps).
    """

    name: str
    boundary: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    rivers: gpd.GeoDataFrame
    source: str = ""
    credit: str = "© OpenStreetMap contributors"
    meta: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"Area({self.name!r}: {len(self.boundary)} boundary polygon(s), "
                f"{len(self.roads)} road lines, {len(self.rivers)} river lines)")

    def to_file(self, path: str | Path) -> Path:
        """Write the three layers to one GeoPackage (atomically).

        Parameters
        ----------
        path : str or Path
            The ``.gpkg`` file to write; replaced if it exists.
        """
        from ._io import atomic_path

        path = Path(path)
        with atomic_path(path) as tmp:
            for layer in LAYERS:
                gdf = getattr(self, layer)
                if layer == "boundary" and "name" not in gdf:
                    gdf = gdf.assign(name=self.name)
                gdf.to_file(tmp, layer=layer, driver="GPKG")
        return path


def read_area(path: str | Path, *, name: str | None = None, source: str = "") -> Area:
    """Read an :class:`Area` from a GeoPackage with layers boundary, roads, rivers.

    Parameters
    ----------
    path : str or Path
        The GeoPackage.
    name : str, optional
        The area's name; defaults to the ``name`` of the first boundary row, else the
        file's stem.
    source : str
        A provenance note.

    Returns
    -------
    Area

    Examples
    --------
    >>> from geozz import datasets
    >>> area = read_area(datasets.path("longgang") / "longgang.gpkg")
    >>> sorted(area.rivers["name"].dropna().unique())
    ['龙岗河']
    """
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise SchemaError(Issue(file=str(path), expected="an existing GeoPackage",
                                fix="check the path"))
    have = {row[0] for row in pyogrio.list_layers(path)}
    missing = [layer for layer in LAYERS if layer not in have]
    if missing:
        raise SchemaError([Issue(file=str(path), field=f"layer {m}", expected="a layer named "
                                 f"{m!r}", got=sorted(have),
                                 fix="write the area with Area.to_file or add the layer")
                           for m in missing])
    layers = {layer: gpd.read_file(path, layer=layer).to_crs(4326) for layer in LAYERS}
    if name is None:
        b = layers["boundary"]
        name = str(b["name"].iloc[0]) if "name" in b and len(b) else path.stem
    return Area(name=name, source=source or str(path.name), **layers)
