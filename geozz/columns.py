"""Column names shared by the tables passed between stages, in one place.

The admin hierarchy is the first: units carry ``admin_county``, ``admin_street``,
``admin_community`` and ``admin_code`` (:func:`geozz.units.apply_admin`), the area table
ranks one level (:func:`geozz.rating.areas`), publications and reports pick the level they
show (:func:`geozz.publish`); all of them take the levels and their columns from here.
This module imports nothing from geozz, so any layer may use it.

Examples
--------
>>> admin_column("street"), admin_column("片区")
('admin_street', '片区')
"""

from __future__ import annotations

__all__ = ["ADMIN_LEVELS", "ADMIN_COLUMNS", "admin_column"]

#: the admin levels, coarsest first
ADMIN_LEVELS = ("county", "street", "community")
#: the columns units get for their admin areas (the levels' names and the lowest's code)
ADMIN_COLUMNS = (*(f"admin_{level}" for level in ADMIN_LEVELS), "admin_code")


def admin_column(level: str) -> str:
    """The units column of an admin ``level`` (``"street"`` → ``"admin_street"``); any
    other name is taken as a column of its own."""
    return f"admin_{level}" if level in ADMIN_LEVELS else level
