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

import contextlib
import html
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

import shapely

from .errors import CRSError, InputError, Issue, SchemaError

__all__ = ["Area", "read_area", "boundary_frame"]

LAYERS = ("boundary", "roads", "rivers")
#: layers an Area may also carry (read from OSM; empty when the source has none)
OPTIONAL_LAYERS = ("admin", "water", "landuse")
_OPTIONAL_COLUMNS = {"admin": ["osm_id", "name", "admin_level", "code"],
                     "water": ["osm_id", "name", "water"],
                     "landuse": ["osm_id", "name", "landuse"]}


def _empty_layer(layer: str) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame({c: [] for c in _OPTIONAL_COLUMNS[layer]},
                             geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    if layer == "admin":
        frame["admin_level"] = frame["admin_level"].astype("Int64")
    return frame


_BBOX_FIX = ("pass (minlon, minlat, maxlon, maxlat) in WGS-84 degrees, west/south first, "
             "e.g. (114.18, 22.67, 114.23, 22.70)")


def _bbox_issues(bbox) -> list[Issue]:
    """Every problem of a ``(minlon, minlat, maxlon, maxlat)`` box, collected."""
    names = ("minlon", "minlat", "maxlon", "maxlat")
    limits = {"minlon": 180, "maxlon": 180, "minlat": 90, "maxlat": 90}
    issues: list[Issue] = []
    values: dict[str, float] = {}
    for key, value in zip(names, bbox):
        if isinstance(value, bool) or not isinstance(value, (int, float, numbers.Real)):
            issues.append(Issue(field=f"boundary {key}", expected="a number (degrees)",
                                got=value, fix=_BBOX_FIX))
            continue
        v = float(value)
        if not math.isfinite(v) or abs(v) > limits[key]:
            issues.append(Issue(field=f"boundary {key}",
                                expected=f"a finite number in [-{limits[key]}, {limits[key]}]",
                                got=value, fix=_BBOX_FIX))
            continue
        values[key] = v
    for lo, hi in (("minlon", "maxlon"), ("minlat", "maxlat")):
        if lo in values and hi in values and not values[lo] < values[hi]:
            issues.append(Issue(field="boundary", expected=f"{lo} < {hi}",
                                got=f"{lo}={values[lo]:g}, {hi}={values[hi]:g}",
                                fix=_BBOX_FIX))
    return issues


def _polygon_issues(geom, field: str) -> list[Issue]:
    """A boundary must be a non-empty polygon (or several) with an area."""
    if geom is None or geom.is_empty:
        return [Issue(field=field or "boundary", expected="a polygon with an area",
                      got="nothing (empty)", fix="pass the district polygon or a bbox")]
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts or sum(g.area for g in parts) <= 0:
        return [Issue(field=field or "boundary", expected="a polygon with an area",
                      got=geom.geom_type, fix="pass the district polygon or a bbox, not "
                                              "points or lines")]
    return []


def _degree_issues(bounds) -> list[Issue]:
    minx, miny, maxx, maxy = bounds
    if -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90:
        return []
    return [Issue(field="boundary", expected="WGS-84 longitudes and latitudes in degrees",
                  got=f"bounds ({minx:.6g}, {miny:.6g}, {maxx:.6g}, {maxy:.6g})",
                  fix="a bare geometry or a box is taken as WGS-84; for metres pass a "
                      "GeoSeries/GeoDataFrame with its CRS set")]


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
        issues = _bbox_issues(boundary)
        if issues:
            raise error(issues)
        boundary = shapely.box(*map(float, boundary))
    if isinstance(boundary, shapely.Geometry):
        issues = _polygon_issues(boundary, "boundary")
        if issues:
            raise error(issues)
        issues = _degree_issues(boundary.bounds)  # metres handed in as a bare geometry
        if issues:
            raise (CRSError if error is InputError else error)(issues)
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
    union = shapely.union_all(boundary.geometry.values) if len(boundary) else None
    issues = _polygon_issues(union, "boundary")
    if not issues and boundary.crs.is_geographic:
        issues = _degree_issues(union.bounds)
    if issues:
        raise error(issues)
    out = boundary[[boundary.geometry.name]]
    if out.geometry.name != "geometry":
        out = out.rename_geometry("geometry")
    out.insert(0, "name", boundary["name"].values if "name" in boundary else name)
    return out.reset_index(drop=True)


@dataclass
class Area:
    """A district: boundary polygon(s), road lines and river lines, in WGS-84.

    An Area read from OpenStreetMap (:func:`geozz.read_osm`) also carries its admin areas,
    water areas and land use, clipped to the boundary; each may be empty.

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
    credit : str
        The data's credit line.
    meta : dict
        Notes on how it was made; ``meta["boundary"]`` says where the boundary came from.
    admin : geopandas.GeoDataFrame
        Admin polygons: ``osm_id``, ``name``, ``admin_level`` (integer), ``code``.
    water : geopandas.GeoDataFrame
        Water polygons (lakes, ponds, reservoirs, riverbanks): ``osm_id``, ``name``,
        ``water`` (the kind).
    landuse : geopandas.GeoDataFrame
        Land-use polygons: ``osm_id``, ``name``, ``landuse``.

    Examples
    --------
    >>> import shapely
    >>> b = boundary_frame((114.1, 22.6, 114.2, 22.7), name="x")
    >>> area = Area("x", b, b.iloc[:0], b.iloc[:0])
    >>> list(area.admin.columns), len(area.water)
    (['osm_id', 'name', 'admin_level', 'code', 'geometry'], 0)
    """

    name: str
    boundary: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    rivers: gpd.GeoDataFrame
    source: str = ""
    credit: str = "© OpenStreetMap contributors"
    meta: dict = field(default_factory=dict)
    admin: gpd.GeoDataFrame = field(default_factory=lambda: _empty_layer("admin"))
    water: gpd.GeoDataFrame = field(default_factory=lambda: _empty_layer("water"))
    landuse: gpd.GeoDataFrame = field(default_factory=lambda: _empty_layer("landuse"))

    def __repr__(self) -> str:
        return (f"Area({self.name!r}: {len(self.boundary)} boundary polygon(s), "
                f"{len(self.roads)} road lines, {len(self.rivers)} river lines)")

    def _repr_html_(self) -> str:
        """A small table for Jupyter: name, features per layer, extent, source, credit.

        Every text is escaped (``<``, ``>``, ``&``, quotes, and ``{`` so that no template
        syntax appears): a name such as ``</table>{{ 7*7 }}`` shows as written.
        """
        def text(value) -> str:
            return html.escape(str(value)).replace("{", "&#123;")

        rows = [(layer, f"{len(getattr(self, layer)):,}")
                for layer in LAYERS + OPTIONAL_LAYERS
                if layer in LAYERS or not getattr(self, layer).empty]
        with contextlib.suppress(Exception):  # no CRS, empty or broken: left out
            b = self.boundary.to_crs(4326)
            x0, y0, x1, y1 = (float(v) for v in b.total_bounds)
            if all(math.isfinite(v) for v in (x0, y0, x1, y1)):
                km2 = float(b.to_crs(b.estimate_utm_crs()).area.sum()) / 1e6
                rows.append(("extent (WGS-84)",
                             f"{x0:.4f}, {y0:.4f} – {x1:.4f}, {y1:.4f} ({km2:,.1f} km²)"))
        rows += [(k, v) for k, v in (("source", self.source), ("credit", self.credit)) if v]
        body = "".join(f"<tr><th style=\"text-align:left\">{text(k)}</th>"
                       f"<td style=\"text-align:left\">{text(v)}</td></tr>" for k, v in rows)
        return (f"<table><caption style=\"text-align:left\"><b>Area</b> {text(self.name)}"
                f"</caption><tbody>{body}</tbody></table>")

    def to_file(self, path: str | Path) -> Path:
        """Write the layers to one GeoPackage (atomically).

        ``boundary``, ``roads`` and ``rivers`` always; ``admin``, ``water`` and
        ``landuse`` when they are not empty.

        Parameters
        ----------
        path : str or Path
            The ``.gpkg`` file to write; replaced if it exists.
        """
        from ._io import atomic_path

        path = Path(path)
        with atomic_path(path) as tmp:
            for layer in LAYERS + OPTIONAL_LAYERS:
                gdf = getattr(self, layer)
                if layer in OPTIONAL_LAYERS and gdf.empty:
                    continue
                if layer == "boundary" and "name" not in gdf:
                    gdf = gdf.assign(name=self.name)
                gdf.to_file(tmp, layer=layer, driver="GPKG")
        return path


def read_area(path: str | Path, *, name: str | None = None, source: str = "") -> Area:
    """Read an :class:`Area` from a GeoPackage with layers boundary, roads, rivers.

    The layers admin, water and landuse are read too when the file has them.

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
    layers = {layer: gpd.read_file(path, layer=layer).to_crs(4326)
              for layer in LAYERS + tuple(x for x in OPTIONAL_LAYERS if x in have)}
    if "admin" in layers and "admin_level" in layers["admin"]:
        layers["admin"]["admin_level"] = layers["admin"]["admin_level"].astype("Int64")
    if name is None:
        b = layers["boundary"]
        name = str(b["name"].iloc[0]) if "name" in b and len(b) else path.stem
    return Area(name=name, source=source or str(path.name), **layers)
