"""Sanity checks of a run: do the problems, the units and the time zone belong together?

Problems of one city joined to the units of another all land ``outside_units`` and every
unit scores full marks; times read in a time zone far from the coordinates are shifted by
hours. Nothing in such input is malformed, so no reader rejects it: these checks look at
the whole and return :class:`Finding` objects. They never raise; the command line turns an
``error`` finding into exit code 3 unless ``--force`` is given, a ``warning`` is printed.

- :func:`check_extents`: the problems' extent and the units' extent do not meet (error).
- :func:`check_outside`: more than ``max_share`` (50 %) of the located problems fall
  outside every unit (error).
- :func:`check_time_zone`: the time zone's UTC offset differs from the problems'
  longitude / 15 hours by more than ``tolerance`` (3.5 h) (warning).
- :func:`check_recurrence`: more than ``max_share`` (30 %) of the problems are flagged
  recurrent (回潮) (warning: the records are too dense for the rule, or simulated).
- :func:`sanity_checks`: those that apply to what is given.

Examples
--------
>>> import geopandas as gpd, pandas as pd
>>> from shapely.geometry import Point
>>> p = gpd.GeoDataFrame({"found_at": pd.to_datetime(["2024-05-01 09:00"])
...                       .tz_localize("Asia/Shanghai")},
...                      geometry=[Point(-73.95, 40.7)], crs=4326)
>>> [f.check for f in check_time_zone(p)]
['time_zone']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Finding", "sanity_checks", "check_extents", "check_outside",
           "check_time_zone", "check_recurrence", "OUTSIDE_SHARE", "TZ_TOLERANCE_H",
           "RECURRENCE_SHARE"]

#: share of located problems outside every unit above which a run is refused
OUTSIDE_SHARE = 0.5
#: hours the time zone's UTC offset may differ from longitude / 15
TZ_TOLERANCE_H = 3.5
#: share of problems flagged recurrent above which it looks implausible
RECURRENCE_SHARE = 0.3


@dataclass(frozen=True)
class Finding:
    """One thing a sanity check found.

    Parameters
    ----------
    check : str
        ``extents``, ``outside_units``, ``time_zone`` or ``recurrence``.
    severity : str
        ``error`` (the command line refuses to go on without ``--force``) or ``warning``.
    message : str
        What was found and what to do, in plain words.
    value : float or None
        The measured value (a share, hours).
    """

    check: str
    severity: str
    message: str
    value: float | None = None

    def __str__(self) -> str:
        return f"{self.severity.upper()} [{self.check}] {self.message}"


def _wgs84_bounds(frame) -> tuple[float, float, float, float] | None:
    geo = frame.geometry
    geo = geo[~(geo.isna() | geo.is_empty)]
    if not len(geo) or frame.crs is None:
        return None
    b = geo.to_crs(4326).total_bounds
    return None if not np.isfinite(b).all() else tuple(float(v) for v in b)


def _fmt(b) -> str:
    return f"{b[0]:.3f},{b[1]:.3f} … {b[2]:.3f},{b[3]:.3f}"


def check_extents(problems, units) -> list[Finding]:
    """An ``error`` when the WGS-84 boxes of the problems and of the units do not meet.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> u = gpd.GeoDataFrame(geometry=[box(114.0, 22.5, 114.3, 22.8)], crs=4326)
    >>> p = gpd.GeoDataFrame(geometry=[Point(-73.9, 40.7)], crs=4326)
    >>> check_extents(p, u)[0].severity, check_extents(u, u)
    ('error', [])
    """
    pb, ub = _wgs84_bounds(problems), _wgs84_bounds(units)
    if pb is None or ub is None:
        return []
    if pb[0] > ub[2] or pb[2] < ub[0] or pb[1] > ub[3] or pb[3] < ub[1]:
        return [Finding("extents", "error",
                        f"the problems ({_fmt(pb)}, lon/lat) and the units ({_fmt(ub)}) do "
                        "not overlap at all: are they of the same city, and are the "
                        "problems' coordinates read in the right system (--coords)?")]
    return []


def check_outside(ledger, *, max_share: float = OUTSIDE_SHARE) -> list[Finding]:
    """An ``error`` when more than ``max_share`` of the located problems of a ledger are
    ``outside_units`` (problems without a location do not count).

    Examples
    --------
    >>> led = pd.DataFrame({"problem_id": ["a", "b", "c"], "unit_id": [None, None, "G"],
    ...                     "reason": ["outside_units", "outside_units", "inside"]})
    >>> f = check_outside(led)
    >>> f[0].check, round(f[0].value, 2)
    ('outside_units', 0.67)
    """
    if ledger is None or not len(ledger) or "reason" not in ledger:
        return []
    located = ledger[ledger["reason"] != "no_location"]
    n = located["problem_id"].nunique()
    if not n:
        return []
    out = located.loc[located["reason"] == "outside_units", "problem_id"].nunique()
    share = out / n
    if share > max_share:
        return [Finding("outside_units", "error",
                        f"{out} of {n} located problems ({share:.0%}) fall outside every "
                        f"unit (more than {max_share:.0%}): the units do not cover where the "
                        "problems are; every unit would be rated without them",
                        float(share))]
    return []


def _offset_hours(tz: str, when) -> float:
    ts = pd.Timestamp(when)
    ts = ts.tz_convert(tz) if ts.tzinfo is not None else ts.tz_localize(tz)
    return ts.utcoffset().total_seconds() / 3600


def check_time_zone(problems, tz: str | None = None, *,
                    tolerance: float = TZ_TOLERANCE_H) -> list[Finding]:
    """A ``warning`` when the UTC offset of ``tz`` (default: the zone of ``found_at``) at
    the problems' median time differs from their median longitude / 15 by more than
    ``tolerance`` hours (around the date line the shorter way).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> p = gpd.GeoDataFrame({"found_at": pd.to_datetime(["2024-05-01"])
    ...                       .tz_localize("America/New_York")},
    ...                      geometry=[Point(-73.95, 40.7)], crs=4326)
    >>> check_time_zone(p), len(check_time_zone(p, "Asia/Shanghai"))
    ([], 1)
    """
    if problems is None or not len(problems) or problems.crs is None:
        return []
    found = problems["found_at"] if "found_at" in problems else None
    if tz is None and found is not None and \
            pd.api.types.is_datetime64_any_dtype(found) and found.dt.tz is not None:
        tz = str(found.dt.tz)
    if tz is None:
        return []
    geo = problems.geometry
    geo = geo[~(geo.isna() | geo.is_empty)]
    if not len(geo):
        return []
    lon = float(np.median(geo.to_crs(4326).centroid.x if geo.geom_type.ne("Point").any()
                          else geo.to_crs(4326).x))
    when = found.dropna().sort_values().iloc[len(found.dropna()) // 2] \
        if found is not None and found.notna().any() else pd.Timestamp("2024-01-01")
    offset = _offset_hours(tz, when)
    solar = lon / 15
    diff = abs((offset - solar + 12) % 24 - 12)
    if diff > tolerance:
        return [Finding("time_zone", "warning",
                        f"times are read in {tz} (UTC{offset:+g}), but the problems lie "
                        f"at longitude {lon:.1f}, about UTC{solar:+.0f}: "
                        f"{diff:.0f} hours apart; give the time zone of the place (--tz, "
                        "e.g. America/New_York)", float(diff))]
    return []


def check_recurrence(problems, *, max_share: float = RECURRENCE_SHARE) -> list[Finding]:
    """A ``warning`` when more than ``max_share`` of the problems are ``recurrent``.

    Examples
    --------
    >>> check_recurrence(pd.DataFrame({"recurrent": [True, True, False]}))[0].check
    'recurrence'
    """
    if problems is None or not len(problems) or "recurrent" not in problems:
        return []
    share = float(problems["recurrent"].fillna(False).astype(bool).mean())
    if share > max_share:
        return [Finding("recurrence", "warning",
                        f"{share:.0%} of the problems are flagged recurrent (回潮: the same "
                        "category within 50 m of one rectified in the 90 days before); more "
                        f"than {max_share:.0%} is implausible: the records are probably too "
                        "dense for the rule to tell a return from a neighbour, or simulated; "
                        "check some pairs (recurrence_of), narrow the rule "
                        "(read_problems(recurrence={'distance': 20})) or leave it out "
                        "(geozz problems --no-recurrence)", share)]
    return []


def sanity_checks(problems=None, units=None, ledger=None, *, tz: str | None = None,
                  max_outside: float = OUTSIDE_SHARE,
                  tolerance: float = TZ_TOLERANCE_H) -> list[Finding]:
    """Every check that applies to what is given (errors first).

    Parameters
    ----------
    problems : GeoDataFrame, optional
        Problems as :func:`geozz.read_problems` returns them.
    units : GeoDataFrame, optional
        Units (any CRS).
    ledger : DataFrame, optional
        A ledger (:func:`geozz.assign`).
    tz : str, optional
        The time zone the times were read in (default: the zone of ``found_at``).

    Returns
    -------
    list of Finding
        Empty when nothing looks wrong.
    """
    found: list[Finding] = []
    if problems is not None and units is not None:
        found += check_extents(problems, units)
    found += check_outside(ledger, max_share=max_outside)
    if problems is not None:
        found += check_time_zone(problems, tz, tolerance=tolerance)
        found += check_recurrence(problems)
    return sorted(found, key=lambda f: f.severity != "error")
