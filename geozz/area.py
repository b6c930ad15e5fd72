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

import shapely

from .errors import CRSError, InputError, Issue, SchemaError

__all__ = ["Area", "read_area", "boundary_frame"]

LAYERS = ("boundary", "roads", "rivers")


def boundary_frame(boundary, *, name: str = "",
                   error: type[InputError] = InputError) -> gpd.GeoDataFrame:
    """Any accepted form of a boundary as a GeoDataFrame with ``name`` and ``geometry``.

    Parameters
    ----------
    boundary : GeoDataFrame, GeoSeries, shapely geometry or (minlon, minlat, maxlon, maxlat)
        A bare geometry or box is taken as WGS-84; a GeoDataFrame or GeoSeries keeps its
        own CRS, which must be set.
    name : str
        Used where the input has no ``name`` column.
    error : InputError subclass
        The exception raised for a bad boundary (the caller's stage's own); by default
        a missing CRS raises :class:`~geozz.errors.CRSError`.

    Examples
    --------
    >>> boundary_frame((114.1, 22.6, 114.2, 22.7), name="x").total_bounds.tolist()
    [114.1, 22.6, 114.2, 22.7]
    """
    if isinstance(boundary, (tuple, list)) and len(boundary) == 4:
        boundary = shapely.box(*map(float, boundary))
    if isinstance(boundary, shapely.Geometry):
        return gpd.GeoDataFrame({"name": [name]}, geometry=[boundary], crs=4326)
    if isinstance(boundary, gpd.GeoSeries):
        boundary = gpd.GeoDataFrame(geometry=boundary)
    if not isinstance(boundary, gpd.GeoDataFrame):
        raise error(Issue(field="boundary", expected="a polygon, GeoDataFrame, GeoSeries or "
                          "(minlon, minlat, maxlon, maxlat)", got=type(boundary).__name__,
                          fix="pass the district boundary"))
    if boundary.crs is None:
        raise (CRSError if error is InputError else error)(Issue(field="boundary", expected="a GeoDataFrame with a CRS",
                          fix="call .set_crs(4326) (or the right EPSG code) on the boundary"))
    out = boundary[[boundary.geometry.name]]
    if out.geometry.name != "geometry":
        out = out.rename_geometry("geometry")
    out.insert(0, "name", boundary["name"].values if "name" in boundary else name)
    return out.reset_index(drop=True)


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
