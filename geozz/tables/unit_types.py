"""The unit types geozz knows, and every fact about each in one place.

A unit type (``grid``, ``road``, ``river``, or one an office registers) carries its
canonical name (the value of the ``unit_type`` column), its Chinese and English labels,
the rule :func:`geozz.assign` applies where a problem point falls in several units of the
type, the prefix of its unit ids and its default map style. Other code reads these facts
from :data:`REGISTRY` rather than typing the names out, so a type added with
:func:`register` is read by :func:`~geozz.units.read_units`, joined by
:func:`geozz.assign`, rated by :func:`geozz.rate` (given a rubric with shares for it) and
drawn by :func:`geozz.star_map` like the built-in three.

:data:`REGISTRY`, :data:`UNIT_TYPES` and :data:`LABELS` are live read-only views: a module
that imported them sees every later :func:`register` and :func:`unregister`.

Examples
--------
>>> UNIT_TYPES
('grid', 'road', 'river')
>>> REGISTRY["road"].label, REGISTRY["road"].rule
('路段 Road', 'nearest_centerline')
>>> [t.name for t in REGISTRY.values() if t.rule == "half_open"]
['grid']
>>> block = register(UnitType(name="block", zh="片区", en="Block", rule="half_open",
...                           id_prefix="B"))
>>> UNIT_TYPES, LABELS["block"]
(('grid', 'road', 'river', 'block'), '片区 Block')
>>> unregister("block").name, UNIT_TYPES
('block', ('grid', 'road', 'river'))
"""

from __future__ import annotations

import re
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterator, Mapping

from ..errors import InputError, Issue

__all__ = ["UnitType", "REGISTRY", "UNIT_TYPES", "LABELS", "GRID", "ROAD", "RIVER",
           "RULES", "register", "unregister", "unit_type_named", "type_labels"]

#: the assignment rules a unit type can have (see :mod:`geozz.assignment`)
RULES = ("half_open", "nearest_centerline")


@dataclass(frozen=True)
class UnitType:
    """The facts about one unit type.

    Parameters
    ----------
    name : str
        Canonical name, the value of the ``unit_type`` column: lower-case ASCII letters,
        digits and ``_``, starting with a letter (it names files such as
        ``stars_<name>.html`` and rubric tables ``[shares.<name>]``).
    zh, en : str
        Chinese and English labels (网格 / Grid). A file's ``unit_type`` column may hold
        either label instead of the name.
    rule : {"half_open", "nearest_centerline"}
        How :func:`geozz.assign` picks one unit where a point lies in several:
        ``half_open`` areas (polygons without a centreline; on a shared border the unit
        east, then north, of it) or the nearest centreline (corridors and reaches).
    id_prefix : str
        First letters of the unit ids geozz builds for the type (``G200-…``, ``R-…``,
        ``W-…``); unique among the registered types.
    style : mapping
        Default map style of the layer (Leaflet path options such as ``weight``).
    tiles : bool, default False
        The units are meant to tile the district with no gap and no overlap (grid
        cells): the coverage report lists the gaps of such a type. Blocks such as markets
        or residential compounds do not.

    Examples
    --------
    >>> GRID.label, dict(GRID.style), GRID.tiles
    ('网格 Grid', {'weight': 0.5}, True)
    """

    name: str
    zh: str
    en: str
    rule: str
    id_prefix: str
    style: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    tiles: bool = False

    @property
    def label(self) -> str:
        """Both labels, Chinese first, as shown on maps (``"网格 Grid"``)."""
        return f"{self.zh} {self.en}"


GRID = UnitType(name="grid", zh="网格", en="Grid", rule="half_open", id_prefix="G",
                style=MappingProxyType({"weight": 0.5}), tiles=True)
ROAD = UnitType(name="road", zh="路段", en="Road", rule="nearest_centerline", id_prefix="R",
                style=MappingProxyType({"weight": 1}))
RIVER = UnitType(name="river", zh="河段", en="River", rule="nearest_centerline",
                 id_prefix="W", style=MappingProxyType({"weight": 1}))

_BUILTIN = (GRID, ROAD, RIVER)
_TYPES: dict[str, UnitType] = {t.name: t for t in _BUILTIN}

#: every unit type by name, grid, road, river first, then registered ones in the order
#: they were registered (a live read-only view)
REGISTRY: Mapping[str, UnitType] = MappingProxyType(_TYPES)


class _Names(Sequence):
    """The registered names as a live tuple-like sequence (compares equal to a tuple)."""

    def __getitem__(self, i):
        names = tuple(_TYPES)
        return names[i]

    def __len__(self) -> int:
        return len(_TYPES)

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(_TYPES))

    def __contains__(self, value) -> bool:
        return isinstance(value, str) and value in _TYPES

    def __eq__(self, other) -> bool:
        return tuple(self) == (tuple(other) if isinstance(other, (_Names, tuple, list))
                               else other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(_TYPES))

    def __array__(self, dtype=None, copy=None):
        import numpy as np

        return np.array(tuple(_TYPES), dtype=object if dtype is None else dtype)


class _Labels(MappingABC):
    """Map label of each registered type (``"网格 Grid"``), a live read-only mapping."""

    def __getitem__(self, name: str) -> str:
        return _TYPES[name].label

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(_TYPES))

    def __len__(self) -> int:
        return len(_TYPES)

    def __repr__(self) -> str:
        return repr(dict(self))


#: the canonical unit type names, in registry order (a live tuple-like view)
UNIT_TYPES: Sequence[str] = _Names()

#: the map label of each unit type by name (a live read-only mapping)
LABELS: Mapping[str, str] = _Labels()

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_PREFIX = re.compile(r"^[A-Z][A-Za-z0-9]{0,7}$")


def _issues_of(new: UnitType, *, replace: bool) -> list[Issue]:
    where = "register(UnitType(...))"
    issues: list[Issue] = []

    def bad(fieldname: str, expected: str, got, fix: str) -> None:
        issues.append(Issue(file=where, field=fieldname, expected=expected, got=got, fix=fix))

    if not isinstance(new, UnitType):
        bad("unit_type", "a geozz.units.UnitType", type(new).__name__,
            "register(UnitType(name='block', zh='片区', en='Block', rule='half_open', "
            "id_prefix='B'))")
        return issues
    others = [t for t in _TYPES.values() if t.name != new.name]
    if not isinstance(new.name, str) or not _NAME.match(new.name):
        bad("name", "lower-case ASCII letters, digits or _, starting with a letter "
            "(at most 32)", new.name, "e.g. name='block'")
    elif new.name in {t.name for t in _BUILTIN}:
        bad("name", "a name that is not built in", new.name,
            f"the built-in types {[t.name for t in _BUILTIN]} cannot be replaced; choose "
            "another name")
    elif new.name in _TYPES and not replace:
        bad("name", "a name not registered yet", new.name,
            "unregister it first, or pass replace=True")
    for attr in ("zh", "en"):
        value = getattr(new, attr)
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            bad(attr, "a non-empty label without surrounding spaces", value,
                f"e.g. {attr}={'片区' if attr == 'zh' else 'Block'!r}")
        elif any(value.casefold() in (t.zh.casefold(), t.en.casefold(), t.name)
                 for t in others):
            bad(attr, "a label no other unit type uses", value, "choose another label")
    if new.rule not in RULES:
        bad("rule", f"one of {RULES}", new.rule,
            "'half_open' for areas (polygons), 'nearest_centerline' for corridors with a "
            "centreline")
    if not isinstance(new.id_prefix, str) or not _PREFIX.match(new.id_prefix):
        bad("id_prefix", "an upper-case ASCII letter, then up to 7 letters or digits",
            new.id_prefix, "e.g. id_prefix='B'")
    else:
        clash = [t.name for t in others if t.id_prefix[0] == new.id_prefix[0]]
        if clash:
            bad("id_prefix", "a first letter no other unit type's ids start with",
                new.id_prefix, f"{clash[0]!r} ids start with {new.id_prefix[0]!r}; choose "
                "another letter")
    if not isinstance(new.tiles, bool):
        bad("tiles", "True or False", new.tiles, "tiles=True only for cells that tile the "
            "district")
    elif new.tiles and new.rule != "half_open":
        bad("tiles", "tiles=False for a type with a centreline", new.tiles,
            "only 'half_open' areas can tile the district")
    if not isinstance(new.style, MappingABC) or not all(isinstance(k, str)
                                                      for k in new.style):
        bad("style", "a mapping of Leaflet path options, e.g. {'weight': 1}",
            type(new.style).__name__, "pass style={'weight': 1} or leave it out")
    return issues


def register(unit_type: UnitType, *, replace: bool = False) -> UnitType:
    """Add a unit type, so that every stage of geozz handles it.

    Parameters
    ----------
    unit_type : UnitType
        The new type. Its name, labels and id prefix must not be used by another type.
    replace : bool, default False
        Replace a type registered earlier under the same name (never a built-in one).

    Returns
    -------
    UnitType
        The registered type (with a read-only copy of its style).

    Raises
    ------
    InputError
        Listing every problem at once: a name that is not a plain lower-case identifier,
        built in or already registered, empty or clashing labels, an unknown rule, an id
        prefix whose first letter another type uses.

    Examples
    --------
    >>> t = register(UnitType(name="market", zh="市场", en="Market", rule="half_open",
    ...                       id_prefix="M", style={"weight": 2}))
    >>> REGISTRY["market"].style["weight"], "market" in UNIT_TYPES
    (2, True)
    >>> register(UnitType(name="market", zh="集市", en="Fair", rule="inside",
    ...                   id_prefix="M"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozz.errors.InputError: 2 problems in the input:...
    >>> _ = unregister("market")
    """
    issues = _issues_of(unit_type, replace=replace)
    if issues:
        raise InputError(issues)
    frozen = UnitType(name=unit_type.name, zh=unit_type.zh, en=unit_type.en,
                      rule=unit_type.rule, id_prefix=unit_type.id_prefix,
                      style=MappingProxyType(dict(unit_type.style)),
                      tiles=unit_type.tiles)
    _TYPES[frozen.name] = frozen
    return frozen


def unregister(name: str) -> UnitType:
    """Remove a unit type added with :func:`register` (the built-in ones stay).

    Parameters
    ----------
    name : str
        The type's name.

    Returns
    -------
    UnitType
        The removed type.

    Raises
    ------
    InputError
        For a built-in or an unknown name.

    Examples
    --------
    >>> unregister("grid")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozz.errors.InputError: ...field 'name': expected a registered unit type that is not built in...
    """
    if not isinstance(name, str) or name not in _TYPES or name in {t.name for t in _BUILTIN}:
        added = [t for t in _TYPES if t not in {b.name for b in _BUILTIN}]
        raise InputError(Issue(file="unregister()", field="name",
                               expected="a registered unit type that is not built in",
                               got=name, fix=f"registered by you: {added}" if added
                               else "nothing was registered"))
    return _TYPES.pop(name)


def unit_type_named(value) -> str | None:
    """The canonical name of a unit type given by its name or by a label, or None.

    Case and surrounding spaces are ignored: ``"网格"``, ``"Grid"``, ``" grid "`` and
    ``"网格 Grid"`` all give ``"grid"``.

    Examples
    --------
    >>> unit_type_named("河段"), unit_type_named("Road "), unit_type_named("lake")
    ('river', 'road', None)
    """
    if not isinstance(value, str):
        return None
    key = " ".join(value.split()).casefold()
    for t in _TYPES.values():
        if key in (t.name, t.zh.casefold(), t.en.casefold(), t.label.casefold()):
            return t.name
    return None


def type_labels(units=None, labels: Mapping[str, str] | None = None) -> dict[str, str]:
    """The label each unit type shows on one map or publication, by name.

    For each registered type: ``labels[name]`` when given (the caller's word: census tracts
    stored as ``grid`` units shown as ``"普查区 Census tract"``), else the most common
    non-empty value of the units' ``type_label`` column among the units of that type (the
    data's word), else the registry's label (``"网格 Grid"``). The labels are text shown
    as it is, never markup.

    Parameters
    ----------
    units : DataFrame, optional
        Units, read for a ``type_label`` column.
    labels : mapping of str to str, optional
        Labels by unit type name (registered types only).

    Raises
    ------
    InputError
        ``labels`` is not a mapping of registered type names to non-empty text.

    Examples
    --------
    >>> type_labels(labels={"grid": "普查区 Census tract"})["grid"], LABELS["grid"]
    ('普查区 Census tract', '网格 Grid')
    >>> type_labels()["road"]
    '路段 Road'
    """
    out = dict(LABELS)
    if units is not None and "type_label" in units and "unit_type" in units:
        text = units["type_label"].where(units["type_label"].notna(), "").astype(str).str.strip()
        for name in out:
            given = text[(units["unit_type"] == name).to_numpy() & (text != "").to_numpy()]
            if len(given):
                out[name] = str(given.value_counts(sort=True).index[0])
    if labels is None:
        return out
    if not isinstance(labels, MappingABC):
        raise InputError(Issue(field="labels", expected="a mapping of unit type to label, "
                               "e.g. {'grid': '普查区 Census tract'}",
                               got=type(labels).__name__, fix="pass a dict (or leave it out)"))
    issues = []
    for name, value in labels.items():
        if name not in _TYPES:
            issues.append(Issue(field="labels", expected=f"unit types from {tuple(_TYPES)}",
                                got=name, fix="label only registered unit types"))
        elif not isinstance(value, str) or not value.strip():
            issues.append(Issue(field="labels", expected=f"a non-empty text for {name!r}",
                                got=value, fix="e.g. '普查区 Census tract'"))
        else:
            out[name] = value.strip()
    if issues:
        raise InputError(issues)
    return out


def _unit_type_fix() -> str:
    """Fix text for a missing or unknown ``unit_type=``: ``pass unit_type='grid' (or …)``."""
    first, *rest = UNIT_TYPES
    return f"pass unit_type={first!r} (or {', '.join(repr(t) for t in rest)})"
