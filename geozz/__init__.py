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

from . import adjustments, datasets, errors, problems, raster, reports, rubric, units  # noqa: F401
from .area import Area, read_area
from .assignment import assign
from .errors import GeozzError
from .maps import publish, star_map
from .osm import read_osm, read_place
from .problems import read_problems
from .rating import rate
from .reports import bulletin, workbook
from .units import build_units, read_units

__version__ = "0.1.0"

__all__ = ["Area", "GeozzError", "assign", "build_units", "bulletin", "datasets", "errors",
           "publish", "raster", "rate", "read_area", "read_osm", "read_place", "read_problems",
           "read_units", "reports", "star_map", "workbook",
           "__version__"]
