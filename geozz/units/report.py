"""Coverage and quality report of a set of units (:func:`coverage_report`).

What an office checks before trusting its units: how much of the district each unit type
covers, the gaps between the cells of a type meant to tile the district (grid cells), the
overlaps between cells (a point there could go to either unit), the road and river length
each admin area answers for, and units too small to be meant.

Examples
--------
>>> import geozz as gz
>>> area = gz.datasets.longgang()
>>> rep = coverage_report(gz.build_units(area, grid_size=500), area.boundary)
>>> len(rep.overlaps), round(float(rep.coverage.loc["grid", "share"]), 6)
(0, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError, Issue
from ..tables.unit_types import REGISTRY, UNIT_TYPES
from ..tables.units import conform_units
from .base import _as_polygon, _number_issues

__all__ = ["UnitsReport", "coverage_report", "GAP_TOLERANCE_M2"]

#: gaps and overlaps smaller than this many square metres are rounding noise, not shown
GAP_TOLERANCE_M2 = 0.01


@dataclass(frozen=True)
class UnitsReport:
    """The coverage and quality of a set of units (see :func:`coverage_report`).

    Attributes
    ----------
    coverage : DataFrame
        Indexed by ``unit_type``: ``units``, ``area_m2`` (sum of the units' areas),
        ``covered_m2`` (their union, inside the boundary when one is given), ``share``
        (covered / the boundary's area, or / the union of every unit without a boundary),
        ``gap_m2`` and ``overlap_m2`` (types whose cells tile / do not use a centreline).
    gaps : GeoDataFrame
        One polygon per gap of a tiling type (grid cells): ``unit_type``, ``area_m2``.
        With a boundary, the boundary minus the union of the cells; without, the holes
        inside that union.
    overlaps : GeoDataFrame
        One polygon per pair of overlapping cells of an area type (rule ``half_open``):
        ``unit_type``, ``unit_a``, ``unit_b`` (``unit_a < unit_b``), ``area_m2``.
    lengths : DataFrame
        Per admin area (``by``) and corridor type: ``units`` and ``length_m``.
    small : DataFrame
        Units below the minimum size: ``unit_id``, ``unit_type``, ``area_m2``,
        ``length_m``, ``reason`` (``below_min_area`` or ``below_min_length``).
    boundary_m2 : float or None
        The boundary's area, when one was given.
    """

    coverage: pd.DataFrame
    gaps: gpd.GeoDataFrame
    overlaps: gpd.GeoDataFrame
    lengths: pd.DataFrame
    small: pd.DataFrame
    boundary_m2: float | None
    min_area: float
    min_length: float

    @property
    def summary(self) -> str:
        """A few lines for a terminal or a closing note."""
        out = []
        for utype, r in self.coverage.iterrows():
            line = (f"{REGISTRY[utype].label if utype in REGISTRY else utype}: "
                    f"{int(r['units'])} units, covered {r['covered_m2'] / 1e6:.3f} km²")
            if pd.notna(r["share"]):
                line += f" ({r['share']:.1%} of the {'boundary' if self.boundary_m2 else 'units'})"
            if pd.notna(r.get("gap_m2")):
                line += f", gaps {r['gap_m2']:.1f} m²"
            if pd.notna(r.get("overlap_m2")):
                line += f", overlaps {r['overlap_m2']:.1f} m²"
            out.append(line)
        by_type = self.lengths.groupby("unit_type")["length_m"].sum() if len(self.lengths) \
            else pd.Series(dtype=float)
        for utype, metres in by_type.items():
            areas = int((self.lengths["unit_type"] == utype).sum())
            label = REGISTRY[utype].label if utype in REGISTRY else utype
            out.append(f"{label} length: {metres / 1000:.1f} km in {areas} admin area(s)")
        out.append(f"gaps: {len(self.gaps)} polygon(s), {self.gaps['area_m2'].sum():.1f} m²; "
                   f"overlaps: {len(self.overlaps)} pair(s), "
                   f"{self.overlaps['area_m2'].sum():.1f} m²")
        counts = self.small["reason"].value_counts()
        out.append(f"small units: {int(counts.get('below_min_area', 0))} under "
                   f"{self.min_area:g} m², {int(counts.get('below_min_length', 0))} under "
                   f"{self.min_length:g} m")
        return "\n".join(out)


def _overlaps(geoms: np.ndarray, ids: np.ndarray) -> list[tuple[str, str, object]]:
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    out = []
    for i, j in zip(left[keep], right[keep]):
        part = shapely.intersection(geoms[i], geoms[j])
        polys = [p for p in shapely.get_parts(part)
                 if p.geom_type in ("Polygon", "MultiPolygon")]
        if not polys:
            continue
        part = shapely.union_all(polys)
        if part.area > GAP_TOLERANCE_M2:
            a, b = sorted((str(ids[i]), str(ids[j])))
            out.append((a, b, part))
    return out


def coverage_report(units: gpd.GeoDataFrame, boundary=None, *, min_area: float = 100.0,
                    min_length: float = 50.0, by: str = "admin") -> UnitsReport:
    """Coverage and quality of units: shares, gaps, overlaps, lengths per admin area,
    small units.

    Parameters
    ----------
    units : GeoDataFrame
        Units (from :func:`~geozz.units.read_units` or :func:`~geozz.build_units`), any
        CRS; the work is done in metres.
    boundary : GeoDataFrame, GeoSeries, shapely geometry or bbox tuple, optional
        The district. Without it shares are of the union of all units and gaps are the
        holes inside the union of the cells.
    min_area : float, default 100
        Area units (no centreline) under this many square metres are listed as small.
    min_length : float, default 50
        Corridors and reaches shorter than this many metres are listed as small.
    by : str, default "admin"
        The column naming the admin area lengths are summed for.

    Returns
    -------
    UnitsReport
        ``coverage``, ``gaps``, ``overlaps``, ``lengths``, ``small`` and a ``summary``
        text.

    Raises
    ------
    InputError, SchemaError, CRSError
        Bad units (see :func:`geozz.tables.units.check_units`), boundary or options.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> cells = gpd.GeoDataFrame({"unit_type": ["grid"] * 2, "admin": ["A", "A"]},
    ...     geometry=[box(0, 0, 10, 10), box(8, 0, 18, 10)], crs=32650,
    ...     index=pd.Index(["W", "E"], name="unit_id"))
    >>> district = gpd.GeoSeries([box(0, 0, 20, 10)], crs=32650)
    >>> rep = coverage_report(cells, district, min_area=90)
    >>> rep.overlaps[["unit_a", "unit_b", "area_m2"]].values.tolist()
    [['E', 'W', 20.0]]
    >>> rep.gaps["area_m2"].tolist(), float(rep.coverage.loc["grid", "share"])
    ([20.0], 0.9)
    """
    issues = _number_issues({"min_area": min_area, "min_length": min_length},
                            zero_ok=("min_area", "min_length"))
    if not isinstance(by, str):
        issues.append(Issue(field="by", expected="a column name", got=by,
                            fix="e.g. by='admin'"))
    if issues:
        raise InputError(issues)

    units = conform_units(units, stage="coverage_report")
    crs = units.crs
    poly = None
    if boundary is not None:
        poly, _ = _as_polygon(boundary, crs)
    present = [t for t in UNIT_TYPES if t in set(units["unit_type"])]
    geoms_all = np.asarray(units.geometry.values, dtype=object)
    everything = shapely.union_all(geoms_all) if len(units) else shapely.Polygon()
    whole = poly.area if poly is not None else everything.area
    types = units["unit_type"].to_numpy()
    ids = units.index.to_numpy()

    rows, gaps, overlaps = {}, [], []
    for utype in present:
        kind = REGISTRY[utype]
        at = types == utype
        geoms = geoms_all[at]
        union = shapely.union_all(geoms)
        covered = shapely.intersection(union, poly) if poly is not None else union
        row = {"units": int(at.sum()), "area_m2": float(shapely.area(geoms).sum()),
               "covered_m2": float(covered.area),
               "share": float(covered.area / whole) if whole > 0 else np.nan,
               "gap_m2": np.nan, "overlap_m2": np.nan}
        if kind.tiles:
            if poly is not None:
                hole = shapely.difference(poly, union)
            else:
                hole = shapely.union_all([shapely.Polygon(r) for p in shapely.get_parts(union)
                                          for r in p.interiors])
            parts = [p for p in shapely.get_parts(hole)
                     if p.geom_type == "Polygon" and p.area > GAP_TOLERANCE_M2]
            gaps += [(utype, p) for p in parts]
            row["gap_m2"] = float(sum(p.area for p in parts))
        if kind.rule == "half_open":
            found = _overlaps(geoms, ids[at])
            overlaps += [(utype, a, b, g) for a, b, g in found]
            row["overlap_m2"] = float(sum(g.area for _, _, g in found))
        rows[utype] = row
    coverage = pd.DataFrame.from_dict(rows, orient="index",
                                      columns=["units", "area_m2", "covered_m2", "share",
                                               "gap_m2", "overlap_m2"])
    coverage.index.name = "unit_type"

    gap_frame = gpd.GeoDataFrame({"unit_type": [t for t, _ in gaps],
                                  "area_m2": [g.area for _, g in gaps]},
                                 geometry=[g for _, g in gaps], crs=crs)
    overlap_frame = gpd.GeoDataFrame(
        {"unit_type": [o[0] for o in overlaps], "unit_a": [o[1] for o in overlaps],
         "unit_b": [o[2] for o in overlaps], "area_m2": [o[3].area for o in overlaps]},
        geometry=[o[3] for o in overlaps], crs=crs)

    corridor = units["unit_type"].map(
        lambda t: REGISTRY[t].rule == "nearest_centerline").to_numpy(dtype=bool)
    lengths = _lengths(units[corridor], by)
    small = _small(units, corridor, min_area, min_length)
    return UnitsReport(coverage=coverage, gaps=gap_frame, overlaps=overlap_frame,
                       lengths=lengths, small=small,
                       boundary_m2=float(poly.area) if poly is not None else None,
                       min_area=float(min_area), min_length=float(min_length))


def _length_of(units: gpd.GeoDataFrame) -> pd.Series:
    """Centreline length in metres, else the ``length_m`` column."""
    own = units["length_m"] if "length_m" in units else pd.Series(np.nan, index=units.index)
    if "centerline" in units:
        line = gpd.GeoSeries(units["centerline"], index=units.index).length
        return line.where(units["centerline"].notna(), own).astype(float)
    return own.astype(float)


def _lengths(corridors: gpd.GeoDataFrame, by: str) -> pd.DataFrame:
    cols = [by, "unit_type", "units", "length_m"]
    if corridors.empty:
        return pd.DataFrame(columns=cols)
    area = corridors[by].fillna("").astype(str) if by in corridors else \
        pd.Series("", index=corridors.index)
    frame = pd.DataFrame({by: area.to_numpy(), "unit_type": corridors["unit_type"].to_numpy(),
                          "length_m": _length_of(corridors).to_numpy()})
    out = frame.groupby([by, "unit_type"], sort=True).agg(
        units=("length_m", "size"), length_m=("length_m", "sum")).reset_index()
    return out[cols]


def _small(units: gpd.GeoDataFrame, corridor: np.ndarray, min_area: float,
           min_length: float) -> pd.DataFrame:
    area = units.geometry.area.to_numpy()
    length = _length_of(units).to_numpy()
    tiny_area = ~corridor & (area < min_area)
    short = corridor & (np.nan_to_num(length, nan=0.0) < min_length)
    pick = tiny_area | short
    out = pd.DataFrame({"unit_id": units.index[pick].astype(str),
                        "unit_type": units["unit_type"].to_numpy()[pick],
                        "area_m2": area[pick], "length_m": length[pick],
                        "reason": np.where(tiny_area[pick], "below_min_area",
                                           "below_min_length")})
    return out.sort_values(["unit_type", "unit_id"], kind="stable").reset_index(drop=True)
