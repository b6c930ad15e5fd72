"""The unit types geozz knows, and every fact about each in one place.

A unit type (``grid``, ``road``, ``river``) carries its canonical name (the value of the
``unit_type`` column), its Chinese and English labels, the rule :func:`geozz.assign` applies
where a problem point falls in several units of the type, the prefix of its unit ids and
its default map style. Other code reads these facts from :data:`REGISTRY` rather than
typing the names out.

Examples
--------
>>> UNIT_TYPES
('grid', 'road', 'river')
>>> REGISTRY["road"].label, REGISTRY["road"].rule
('路段 Road', 'nearest_centerline')
>>> [t.name for t in REGISTRY.values() if t.rule == "half_open"]
['grid']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

__all__ = ["UnitType", "REGISTRY", "UNIT_TYPES", "GRID", "ROAD", "RIVER"]

#: the assignment rules a unit type can have (see :mod:`geozz.assignment`)
RULES = ("half_open", "nearest_centerline")


@dataclass(frozen=True)
class UnitType:
    """The facts about one unit type.

    Parameters
    ----------
    name : str
        Canonical name, the value of the ``unit_type`` column.
    zh, en : str
        Chinese and English labels (网格 / Grid).
    rule : {"half_open", "nearest_centerline"}
        How :func:`geozz.assign` picks one unit where a point lies in several:
        ``half_open`` cells (the cell east, then north, of a shared border) or the
        nearest centreline.
    id_prefix : str
        First letter of the unit ids geozz builds for the type (``G200-…``, ``R-…``,
        ``W-…``).
    style : mapping
        Default map style of the layer (Leaflet path options such as ``weight``).

    Examples
    --------
    >>> GRID.label, dict(GRID.style)
    ('网格 Grid', {'weight': 0.5})
    """

    name: str
    zh: str
    en: str
    rule: str
    id_prefix: str
    style: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def label(self) -> str:
        """Both labels, Chinese first, as shown on maps (``"网格 Grid"``)."""
        return f"{self.zh} {self.en}"


GRID = UnitType(name="grid", zh="网格", en="Grid", rule="half_open", id_prefix="G",
                style=MappingProxyType({"weight": 0.5}))
ROAD = UnitType(name="road", zh="路段", en="Road", rule="nearest_centerline", id_prefix="R",
                style=MappingProxyType({"weight": 1}))
RIVER = UnitType(name="river", zh="河段", en="River", rule="nearest_centerline",
                 id_prefix="W", style=MappingProxyType({"weight": 1}))

#: every unit type by name, in the canonical order grid, road, river (read-only)
REGISTRY: Mapping[str, UnitType] = MappingProxyType({t.name: t for t in (GRID, ROAD, RIVER)})

#: the canonical unit type names, in order
UNIT_TYPES: tuple[str, ...] = tuple(REGISTRY)


def _unit_type_fix() -> str:
    """Fix text for a missing or unknown ``unit_type=``: ``pass unit_type='grid' (or …)``."""
    first, *rest = UNIT_TYPES
    return f"pass unit_type={first!r} (or {', '.join(repr(t) for t in rest)})"
