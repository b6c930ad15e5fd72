"""Score every unit for every period with a rubric: score, grade, stars, rank, indicators.

:func:`rate` (:mod:`geozz.rating.engine`) rates units per period; :func:`areas`
(:mod:`geozz.rating.areas`) aggregates the ratings by admin area.

Examples
--------
>>> from geozz.rating import FREQS, star_label
>>> FREQS, star_label(3)
(('W', 'M', 'Q', 'Y'), '★★★☆☆')
"""

from __future__ import annotations

from .areas import areas
from .engine import FREQS, rate, star_label

__all__ = ["FREQS", "areas", "rate", "star_label"]
