"""Score every unit for every period with a rubric: score, grade, stars, rank, indicators.

Examples
--------
>>> import geozz as gz
>>> units = gz.build_units(gz.datasets.longgang())
>>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
>>> ratings = gz.rate(gz.assign(problems, units), units, freq="M")
>>> len(ratings) == len(units) * ratings["period"].nunique()
True
"""

from __future__ import annotations

from .areas import areas
from .engine import FREQS, rate, star_label

__all__ = ["FREQS", "areas", "rate", "star_label"]
