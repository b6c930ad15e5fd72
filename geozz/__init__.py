"""geozz: GIS analysis for environmental rectification campaigns (整脏治乱).

Responsibility units (grid cells, road corridors, river reaches), problem points joined
to them, monthly scores, grades and star ratings, and colour-coded maps.

Examples
--------
>>> import geozz as gz
>>> area = gz.datasets.longgang()
>>> units = gz.build_units(area, grid_size=200)
>>> problems, rejects = gz.read_problems(gz.datasets.problems_path("longgang"))
>>> ledger = gz.assign(problems, units)
>>> ratings = gz.rate(ledger, units, freq="M")
>>> bool(ratings["stars"].between(1, 5).all())
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# ``import geozz`` imports none of geozz's modules (so none of pandas, geopandas, folium,
# rasterio, scipy, osmnx, matplotlib …): a name below is imported from its module the first
# time it is used (PEP 562), like ``gz.star_map`` → ``geozz.maps.star_map``, and any
# submodule is imported on first attribute access (``gz.maps``, ``gz.raster``, ``gz.coords``).
# To add a public name: put it in _LAZY (name → module it is imported from), in __all__ and
# in the TYPE_CHECKING block (which type checkers and IDEs read); a new subpackage needs
# nothing here unless it belongs in __all__. Import heavy libraries (folium, rasterio, scipy,
# osmnx, matplotlib …) inside the functions that use them or in modules only reached through
# this table, never at the top of a module every stage imports: tests/test_import.py checks
# in a fresh process that ``import geozz`` and ``geozz --help`` load none of them.
_LAZY = {
    "Area": "geozz.area",
    "read_area": "geozz.area",
    "assign": "geozz.assignment",
    "GeozzError": "geozz.errors",
    "publish": "geozz.maps",
    "star_map": "geozz.maps",
    "read_osm": "geozz.osm",
    "read_place": "geozz.osm",
    "read_problems": "geozz.problems",
    "rate": "geozz.rating",
    "build_units": "geozz.units",
    "read_units": "geozz.units",
    "bulletin": "geozz.reports",
    "workbook": "geozz.reports",
}

if TYPE_CHECKING:  # what the table gives, for type checkers and IDEs
    from . import (adjustments, datasets, db, errors, forecast, patrol,  # noqa: F401
                   problems, raster, reports, rubric, units)
    from .area import Area, read_area
    from .assignment import assign
    from .errors import GeozzError
    from .maps import publish, star_map
    from .osm import read_osm, read_place
    from .problems import read_problems
    from .rating import rate
    from .reports import bulletin, workbook
    from .units import build_units, read_units


def __getattr__(name: str):
    """Import a public name or a submodule of geozz the first time it is asked for."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name.startswith("__"):  # __path__, __wrapped__ … probed by tools: not submodules
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    else:
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":  # the submodule exists, an import in it failed
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value  # found once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = ["Area", "GeozzError", "assign", "build_units", "bulletin", "datasets", "db", "errors",
           "forecast", "patrol", "publish", "raster", "rate", "read_area", "read_osm",
           "read_place", "read_problems", "read_units", "reports", "star_map", "workbook",
           "__version__"]
