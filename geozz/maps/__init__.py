"""Colour-coded star-rating maps and the public pages of an assessment, offline.

* :func:`star_map` (:mod:`geozz.maps.star`): the notebook view, a folium map of units
  coloured by stars with every rated period in one page and a period switcher;
* :func:`publish` (:mod:`geozz.maps.publication`): the public folder — index, overview,
  admin-area map, one page per unit, tables — written whole and swapped in at once;
* :func:`static_map` and :func:`signboards` (:mod:`geozz.maps.printed`): the overview as
  a PNG/PDF for printed bulletins, and a board with a QR code per unit at 3★ or better.

Every page carries (or, in a published folder, loads from ``assets/``) Leaflet and its
own constant scripts, draws on a canvas and needs no network. Geometry is written once
and compactly (:mod:`geozz.maps.encode`). Text that came from input (unit names, admin
names, titles, credits, periods) never reaches a template engine or an HTML parser: it
goes into the page only as data written by :func:`geozz._io.script_json`, and the page's
script puts it into the document with ``textContent`` (:mod:`geozz.maps.page`). So a
name such as ``{{ 7*7 }}`` or ``<!--<script>`` shows as exactly that text, in a saved
page and inline in Jupyter alike.

Examples
--------
>>> import geozz as gz
>>> units = gz.build_units(gz.datasets.longgang())
>>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
>>> ratings = gz.rate(gz.assign(problems, units), units)
>>> m = gz.star_map(units, ratings, period="2024-05")
>>> "cdn.jsdelivr" in m.get_root().render()
False
"""

from __future__ import annotations

from ..tables.unit_types import LABELS
from . import publication
from .printed import signboards, static_map
from .publication import publish
from .star import NO_RATING_COLOUR, OSM_CREDIT, STAR_COLOURS, STAR_LABELS, page_name, star_map

#: map label of each unit type ("网格 Grid" …): the unit-type registry's live view, so a
#: type registered later has its label too
UNIT_TYPE_LABELS = LABELS

__all__ = ["star_map", "publish", "static_map", "signboards", "page_name", "STAR_COLOURS", "NO_RATING_COLOUR",
           "STAR_LABELS", "OSM_CREDIT", "UNIT_TYPE_LABELS"]
