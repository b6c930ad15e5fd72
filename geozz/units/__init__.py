"""Responsibility units: grid cells, road corridors and river reaches.

Every function here returns a *Units* GeoDataFrame: a projected
metric CRS, an index named ``unit_id`` (stable for the same input, never from Python's
``hash()``), and the columns ``unit_type``, ``name``, ``admin``, ``length_m``,
``area_m2``, ``responsible``, ``geometry`` and ``centerline`` (roads and rivers; empty
for grid cells).

The table itself (its columns, check, write and read) lives in :mod:`geozz.tables.units`,
the unit types and their facts in :mod:`geozz.tables.unit_types` (both re-exported here).
The package holds one module per concern: :mod:`~geozz.units.base` (option checks, the
frame builder),
:mod:`~geozz.units.grid`, :mod:`~geozz.units.road`, :mod:`~geozz.units.river`,
:mod:`~geozz.units.build` (:func:`build_units`, :func:`coverage`),
:mod:`~geozz.units.admin` (admin hierarchy: :func:`read_admin`, :func:`apply_admin`,
:func:`hierarchical_codes`), :mod:`~geozz.units.io` (:func:`read_units`),
:mod:`~geozz.units.roster` (:func:`read_roster`) and :mod:`~geozz.units.report`
(:func:`coverage_report`). Every name is importable from
``geozz.units``.

Examples
--------
>>> import geozz as gz
>>> area = gz.datasets.longgang()
>>> units = gz.build_units(area, grid_size=200)
>>> units.crs.to_epsg(), units.index.name
(32650, 'unit_id')
>>> sorted(units["unit_type"].unique())
['grid', 'river', 'road']
"""

from __future__ import annotations

from ..tables.unit_types import (  # noqa: F401
                   GRID,
                   LABELS,
                   REGISTRY,
                   RIVER,
                   ROAD,
                   UNIT_TYPES,
                   UnitType,
                   register,
                   unit_type_named,
                   unregister,
)
from ..tables.units import ADMIN_COLUMNS, COLUMNS, write_units
from .admin import apply_admin, hierarchical_codes, read_admin

# private helpers are re-exported too: they stayed importable from geozz.units before the split
from .base import (  # noqa: F401
                   _EXAMPLES,
                   _as_polygon,
                   _check_name_column,
                   _frame,
                   _lines,
                   _number_issues,
                   _stable_hash,
                   metric_crs,
)
from .build import build_units, coverage
from .grid import GRID_SHAPES, grid, h3_resolution_for  # noqa: F401
from .io import _check_bounds, _crs_option, _open_units_file, read_units  # noqa: F401
from .report import UnitsReport, coverage_report
from .river import _cut, river_reaches  # noqa: F401
from .road import EXCLUDED_HIGHWAYS, road_corridors, road_widths  # noqa: F401
from .roster import read_roster

__all__ = [
                   "ADMIN_COLUMNS",
                   "COLUMNS",
                   "LABELS",
                   "REGISTRY",
                   "UNIT_TYPES",
                   "UnitType",
                   "UnitsReport",
                   "apply_admin",
                   "build_units",
                   "coverage",
                   "coverage_report",
                   "grid",
                   "hierarchical_codes",
                   "metric_crs",
                   "read_admin",
                   "read_roster",
                   "read_units",
                   "register",
                   "river_reaches",
                   "road_corridors",
                   "road_widths",
                   "unit_type_named",
                   "unregister",
                   "write_units",
]
