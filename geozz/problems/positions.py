"""Positions of problem records: coordinate systems, swapped pairs, far-away points.

:func:`locate` turns the raw text of a file's longitude / latitude (or easting / northing)
columns and its coordinate-system column into WGS-84 longitudes and latitudes, row by row,
with a reject reason for every row that cannot be placed and a field note for every row
whose coordinates were repaired. :func:`check_system` normalises one system name.

Coordinate systems (per file with ``coords=``, or per row in the coordinate-system
column; names are case-insensitive, spaces, ``-`` and ``_`` are ignored):

``"wgs84"`` (``WGS-84``, ``GPS``, ``EPSG:4326``, 地球坐标)
    GPS longitude / latitude.
``"gcj02"`` (``GCJ-02``, 国测局, 火星坐标, 高德, 腾讯)
    The obfuscated coordinates of Chinese web maps; converted with :mod:`geozz.coords`.
``"bd09"`` (``BD-09``, ``bd09ll``, ``Baidu``, 百度)
    Baidu's coordinates; converted with :mod:`geozz.coords`.
``"cgcs2000"`` (``CGCS2000``, ``EPSG:4490``, 2000国家大地坐标系)
    China's geodetic longitude / latitude. It is taken as WGS-84: the two frames differ
    by a few centimetres, far below the accuracy of a patrol's position.
``"cgcs2000_3deg"``, ``"cgcs2000_6deg"`` (CGCS2000 3度带 / 6度带)
    CGCS2000 Gauss-Krüger eastings / northings in metres whose zone is written in front of
    the easting: ``38512345.6`` is 3-degree zone 38 (EPSG:4526), easting 512345.6. An
    easting without its zone prefix is rejected (``bad_zone``): name the zone's central
    meridian variant instead, e.g. ``EPSG:4547`` (3-degree, central meridian 114°E).
``"EPSG:nnnn"`` or ``"nnnn"``
    Any geographic or projected CRS of the EPSG registry, converted with pyproj. A CRS on
    an older datum (Beijing 1954, Xian 1980) gets the transformation PROJ knows; where no
    parameters are published that is a "ballpark" one, off by up to some 100 m.

For a projected system the longitude column holds the easting and the latitude column the
northing. Coordinates are converted to WGS-84 once per system, vectorised.

Repairs (``kind="field"`` notes, reason ``swapped_coordinates``, value the raw pair):

- geographic: a latitude beyond ±90 with a longitude within ±90 is a swapped pair;
- Transverse Mercator (Gauss-Krüger, UTM): Chinese survey tables often write X = northing,
  Y = easting. A first value of 7 digits before the decimal point (a northing in China)
  with a second of 6 (an easting) or 8 (an easting with its zone prefix) is swapped;
- with ``extent=``: a point farther than ``far`` from the extent whose swapped pair lies
  within ``far`` of it.

Rejects (``kind="record"``), the first that applies wins: ``missing_coordinates``,
``bad_coordinates`` (not a number, out of range, or not convertible), ``bad_coord_system``,
``bad_zone`` and, with ``extent=``, ``far_outside`` (value: the distance in km).

Examples
--------
>>> import pandas as pd
>>> got = locate(pd.Series(["114.2", "22.69", "38512345.6", "x"]),
...              pd.Series(["22.69", "114.2", "2510000", "22.6"]),
...              pd.Series([None, "WGS-84", "CGCS2000 3度带", None]), default="gcj02",
...              file="p.csv")
>>> [f"{v:.4f}" for v in got.lon[:3]], got.system.tolist()
(['114.1951', '114.2000', '114.1201'], ['gcj02', 'wgs84', 'EPSG:4526', 'gcj02'])
>>> got.reason.tolist(), got.notes["reason"].tolist()
([<NA>, <NA>, <NA>, 'bad_coordinates'], ['swapped_coordinates'])
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyproj
from pyproj.exceptions import CRSError as _ProjCRSError
from pyproj.exceptions import ProjError as _ProjError

from .. import coords as _coords
from ..errors import CRSError, InputError, Issue

__all__ = ["NAMED_SYSTEMS", "REASONS", "Located", "check_extent", "check_system", "locate",
           "option_issues"]

#: The named coordinate systems (any ``"EPSG:nnnn"`` is accepted too).
NAMED_SYSTEMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09", "cgcs2000", "cgcs2000_3deg",
                                  "cgcs2000_6deg")

#: reason -> (kind, expected, fix) of every reject reason :func:`locate` gives.
REASONS: dict[str, tuple[str, str, str]] = {
    "missing_coordinates": ("record", "a longitude and a latitude",
                            "locate the problem or drop the row at the source"),
    "bad_coordinates": ("record",
                        ("decimal degrees within range (or metres of the row's projected "
                         "system)"),
                        "write lon/lat as decimal degrees (lon first: 114.2, lat 22.7)"),
    "bad_coord_system": ("record",
                         "wgs84, gcj02, bd09, cgcs2000, cgcs2000_3deg, cgcs2000_6deg or EPSG:nnnn",
                         ("write the system as wgs84, gcj02 (高德/腾讯), bd09 (百度), cgcs2000, "
                          "cgcs2000_3deg / cgcs2000_6deg (zone in the easting) or EPSG:nnnn")),
    "bad_zone": ("record",
                 ("a Gauss-Krüger easting with the zone number in front (e.g. 38512345.6 "
                  "for 3-degree zone 38)"),
                 ("write the easting with its zone prefix, or give the system as the zone's "
                  "central-meridian EPSG code (e.g. EPSG:4547 for 3-degree CM 114E)")),
    "far_outside": ("record",
                    "a position within far= (default 50 km) of extent= (value: its distance)",
                    "check the coordinates and their system, or widen extent= / far="),
    "swapped_coordinates": ("field",
                            ("longitude (easting) first, latitude (northing) second (the "
                             "pair was swapped)"),
                            "write the longitude / easting in the lon column"),
}

_ACCEPTED = ("wgs84, gcj02, bd09, cgcs2000, cgcs2000_3deg, cgcs2000_6deg or an EPSG code "
             "such as EPSG:4547 (case-insensitive)")

_ALIASES: dict[str, str] = {}
for _name, _spellings in {
    "wgs84": ("wgs84", "gps", "地球坐标", "地球坐标系"),
    "gcj02": ("gcj02", "gcj", "国测局", "国测局坐标", "国测局坐标系", "火星坐标", "火星坐标系",
              "高德", "高德坐标", "腾讯", "腾讯坐标"),
    "bd09": ("bd09", "bd09ll", "baidu", "百度", "百度坐标", "百度坐标系"),
    "cgcs2000": ("cgcs2000", "cgcs", "2000国家大地坐标系", "国家2000", "国家2000坐标系",
                 "2000坐标系"),
    "cgcs2000_3deg": ("cgcs20003deg", "cgcs20003度带", "cgcs2000三度带",
                      "2000国家大地坐标系3度带", "国家20003度带"),
    "cgcs2000_6deg": ("cgcs20006deg", "cgcs20006度带", "cgcs2000六度带",
                      "2000国家大地坐标系6度带", "国家20006度带"),
}.items():
    for _s in _spellings:
        _ALIASES[_s] = _name
_EPSG_NAMES = {4326: "wgs84", 4490: "cgcs2000"}
_EPSG_RE = re.compile(r"^(?:epsg:*)?(\d{4,6})$")

# CGCS2000 Gauss-Krüger zones written in front of the easting: width -> (first zone,
# last zone, EPSG code of the first zone); the codes of a width are consecutive.
_GK_ZONES = {3: (25, 45, 4513), 6: (13, 23, 4491)}

_GEOD = pyproj.Geod(ellps="WGS84")


@dataclass(frozen=True)
class _Spec:
    """What :func:`locate` needs to know about one normalised system."""

    name: str
    geographic: bool
    zone_width: int | None = None      # cgcs2000_3deg / _6deg: zone from the easting
    tm: bool = False                   # Transverse Mercator: the digit rule swaps X/Y
    zone: int | None = None            # a zone-prefixed TM CRS: the prefix it wants


@dataclass(frozen=True)
class Located:
    """The result of :func:`locate`, one entry per input row (positions 0..n-1).

    Attributes
    ----------
    lon, lat : numpy.ndarray
        WGS-84 degrees (float64), NaN where the row is rejected.
    system : pandas.Series
        The normalised system of each row (``"gcj02"``, ``"EPSG:4526"`` for a resolved
        Gauss-Krüger zone, ...), ``<NA>`` where the name is unknown. Same index as the input.
    reason, field, value : pandas.Series
        The record reject of each row (string dtype, ``<NA>`` where the row is fine);
        ``field`` is the column name given by ``fields=``.
    notes : pandas.DataFrame
        Field notes: ``pos`` (row position), ``reason``, ``field``, ``value``.
    """

    lon: np.ndarray
    lat: np.ndarray
    system: pd.Series
    reason: pd.Series
    field: pd.Series
    value: pd.Series
    notes: pd.DataFrame


# --- system names ------------------------------------------------------------


@lru_cache(maxsize=512)
def _normalise(value: str) -> str | None:
    """Normalised name of a system, or None if it is not one."""
    key = re.sub(r"[\s_\-]", "", value.casefold())
    if key in _ALIASES:
        return _ALIASES[key]
    match = _EPSG_RE.match(key)
    if not match:
        return None
    code = int(match.group(1))
    if code in _EPSG_NAMES:
        return _EPSG_NAMES[code]
    try:
        crs = pyproj.CRS.from_epsg(code)
    except _ProjCRSError:
        return None
    if not (crs.is_geographic or crs.is_projected):
        return None
    return f"EPSG:{code}"


@lru_cache(maxsize=512)
def _spec(name: str) -> _Spec:
    if name in _coords.SYSTEMS or name == "cgcs2000":
        return _Spec(name, geographic=True)
    if name in ("cgcs2000_3deg", "cgcs2000_6deg"):
        return _Spec(name, geographic=False, zone_width=int(name[9]), tm=True)
    crs = pyproj.CRS.from_user_input(name)
    if crs.is_geographic:
        return _Spec(name, geographic=True)
    op = crs.coordinate_operation
    tm = op is not None and op.method_name == "Transverse Mercator"
    zone = None
    if tm:
        fe = {p.name: p.value for p in op.params}.get("False easting", 500000.0)
        if fe > 1e6 and fe % 1e6 == 500000.0:
            zone = int(fe // 1e6)      # the zone number written in front of the easting
    return _Spec(name, geographic=False, tm=tm, zone=zone)


@lru_cache(maxsize=64)
def _transformer(name: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(name, "EPSG:4326", always_xy=True)


def check_system(value: Any, *, field: str = "coords") -> str:
    """Return the normalised name of a coordinate system, or raise InputError.

    Parameters
    ----------
    value : str
        A system name (see :mod:`geozz.problems.positions`), e.g. ``"GCJ-02"``,
        ``"百度"``, ``"CGCS2000"``, ``"EPSG:4547"``.
    field : str, default "coords"
        The option named in the error.

    Returns
    -------
    str
        ``"wgs84"``, ``"gcj02"``, ``"bd09"``, ``"cgcs2000"``, ``"cgcs2000_3deg"``,
        ``"cgcs2000_6deg"`` or ``"EPSG:nnnn"``.

    Raises
    ------
    geozz.errors.InputError
        Listing the accepted names.

    Examples
    --------
    >>> check_system("火星坐标"), check_system(" WGS-84 "), check_system("epsg:4547")
    ('gcj02', 'wgs84', 'EPSG:4547')
    >>> check_system("4490"), check_system("CGCS2000_3deg")
    ('cgcs2000', 'cgcs2000_3deg')
    """
    name = _normalise(value) if isinstance(value, str) else None
    if name is None:
        raise InputError(Issue(field=field, expected=_ACCEPTED, got=value,
                               fix="say which system the coordinates are in: e.g. 'gcj02' "
                                   "for 高德/腾讯, 'bd09' for 百度, 'EPSG:4547' for CGCS2000 "
                                   "Gauss-Krüger CM 114E"))
    return name


def check_extent(extent: Any, *, file: str | None = None) -> tuple[float, float, float, float]:
    """Return ``extent`` as a WGS-84 box (minlon, minlat, maxlon, maxlat), or raise.

    Parameters
    ----------
    extent : tuple of 4 numbers, GeoDataFrame or GeoSeries
        A box in WGS-84 degrees, or units (any CRS) whose bounds are taken.
    file : str, optional
        Named in the error.

    Examples
    --------
    >>> check_extent((114.0, 22.5, 114.4, 22.8))
    (114.0, 22.5, 114.4, 22.8)
    >>> try:
    ...     check_extent((114.4, 22.5, 114.0, 22.8))
    ... except InputError as err:
    ...     print(err.issues[0].field, "|", err.issues[0].fix)
    extent | pass a box such as (114.0, 22.5, 114.4, 22.8), or the units GeoDataFrame
    """
    fix = "pass a box such as (114.0, 22.5, 114.4, 22.8), or the units GeoDataFrame"
    if hasattr(extent, "total_bounds") and hasattr(extent, "crs"):
        if extent.crs is None:
            raise CRSError(Issue(file=file, field="extent", expected="units with a CRS",
                                 got="no CRS", fix="set the CRS of the units (set_crs)"))
        if len(extent) == 0 or not np.all(np.isfinite(extent.total_bounds)):
            raise InputError(Issue(file=file, field="extent", expected="units with geometry",
                                   got=f"{len(extent)} rows, no bounds", fix=fix))
        try:
            box = pyproj.Transformer.from_crs(extent.crs, "EPSG:4326", always_xy=True) \
                .transform_bounds(*extent.total_bounds, densify_pts=21)
        except (_ProjError, _ProjCRSError) as exc:
            raise CRSError(Issue(file=file, field="extent", expected="units in a CRS "
                                 "convertible to WGS-84", got=str(extent.crs),
                                 fix=f"reproject the units ({exc})")) from None
        if not np.all(np.isfinite(box)):
            raise CRSError(Issue(file=file, field="extent", expected="units in a CRS "
                                 "convertible to WGS-84", got=str(extent.crs), fix=fix))
        return tuple(float(v) for v in box)  # type: ignore[return-value]
    try:
        box = tuple(float(v) for v in extent) if not isinstance(extent, (str, bytes)) \
            else ()
    except (TypeError, ValueError):
        box = ()
    ok = (len(box) == 4 and all(math.isfinite(v) for v in box)
          and -180 <= box[0] <= box[2] <= 180 and -90 <= box[1] <= box[3] <= 90
          and not any(isinstance(v, bool) for v in extent))
    if not ok:
        raise InputError(Issue(file=file, field="extent", expected="(minlon, minlat, "
                               "maxlon, maxlat) in WGS-84 degrees with min <= max",
                               got=extent, fix=fix))
    return box  # type: ignore[return-value]


def option_issues(*, coords: Any, extent: Any = None, far: Any = 50_000) -> list[Issue]:
    """Every problem with the ``coords=``, ``extent=`` and ``far=`` options (to collect).

    Examples
    --------
    >>> [i.field for i in option_issues(coords="mercator", extent=(1, 2), far=-5)]
    ['coords', 'extent', 'far']
    >>> option_issues(coords="bd09", extent=None)
    []
    """
    issues: list[Issue] = []
    for check in (lambda: check_system(coords),
                  lambda: extent is None or check_extent(extent)):
        try:
            check()
        except InputError as exc:
            issues.extend(exc.issues)
    if isinstance(far, bool) or not isinstance(far, (int, float, np.integer, np.floating)) \
            or not math.isfinite(far) or far < 0:
        issues.append(Issue(field="far", expected="a distance in metres >= 0", got=far,
                            fix="pass far=50_000 (50 km) or another number of metres"))
    return issues


# --- conversion ----------------------------------------------------------------


def _convert(x: np.ndarray, y: np.ndarray, names: np.ndarray) -> tuple[np.ndarray, ...]:
    """WGS-84 lon/lat of rows whose resolved system is ``names`` (no NA)."""
    lon = np.full(len(x), np.nan)
    lat = np.full(len(x), np.nan)
    for name in pd.unique(names):
        m = names == name
        if name in ("wgs84", "cgcs2000"):
            lon[m], lat[m] = x[m], y[m]
        elif name in _coords.SYSTEMS:
            lon[m], lat[m] = _coords.convert(x[m], y[m], src=name, dst="wgs84")
        else:
            with np.errstate(invalid="ignore"):
                lon[m], lat[m] = _transformer(name).transform(x[m], y[m], errcheck=False)
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    lon[bad] = lat[bad] = np.nan
    return lon, lat


def _resolve(x: np.ndarray, spec_idx: np.ndarray,
             specs: list[_Spec]) -> tuple[np.ndarray, np.ndarray]:
    """Resolved system name per row (zones from the easting) and the bad-zone mask.

    Row ``i`` is in system ``specs[spec_idx[i]]``.
    """
    names = np.empty(len(x), dtype=object)
    bad = np.zeros(len(x), dtype=bool)
    with np.errstate(invalid="ignore"):
        prefix = np.where((x >= 1e7) & (x < 1e8), np.floor(x / 1e6), -1).astype(int)
    present = np.flatnonzero(np.bincount(spec_idx, minlength=len(specs)))
    for k in present:
        s = specs[k]
        m = spec_idx == k
        names[m] = s.name
        if s.zone_width is not None:
            first, last, code = _GK_ZONES[s.zone_width]
            fits = m & (prefix >= first) & (prefix <= last)
            names[fits] = np.array([f"EPSG:{c}" for c in range(code, code + last - first + 1)],
                                   dtype=object)[prefix[fits] - first]
            bad |= m & ~fits
        elif s.zone is not None:
            bad |= m & (prefix != s.zone)
    return names, bad


def _distance(lon: np.ndarray, lat: np.ndarray, box: tuple[float, ...]) -> np.ndarray:
    """Geodesic metres from each point to the nearest point of the lon/lat box."""
    near_lon = np.clip(lon, box[0], box[2])
    near_lat = np.clip(lat, box[1], box[3])
    out = np.full(len(lon), np.nan)
    ok = np.isfinite(lon) & np.isfinite(lat)
    out[ok & (near_lon == lon) & (near_lat == lat)] = 0.0   # inside the box
    ok &= np.isnan(out)
    if ok.any():
        out[ok] = _GEOD.inv(lon[ok], lat[ok], near_lon[ok], near_lat[ok])[2]
    return out


def locate(lon_text: pd.Series, lat_text: pd.Series, sys_text: pd.Series | None, *,
           default: str, extent: Any = None, far: float = 50_000, file: str,
           fields: Mapping[str, str] | None = None) -> Located:
    """Place each record: WGS-84 lon/lat, system, record reject and field notes per row.

    Parameters
    ----------
    lon_text, lat_text : pandas.Series
        Stripped text of the longitude (easting) and latitude (northing) columns, NA where
        empty; same index.
    sys_text : pandas.Series or None
        Stripped text of the coordinate-system column (NA: use ``default``), or None if the
        file has none.
    default : str
        The file's system (``coords=``); see :func:`check_system`.
    extent : tuple of 4 numbers, GeoDataFrame or GeoSeries, optional
        Where the records should be (see :func:`check_extent`). Without it nothing is far.
    far : float, default 50_000
        Metres from the extent beyond which a record is rejected as ``far_outside``.
    file : str
        Named in errors.
    fields : mapping, optional
        Canonical field (``lon``, ``lat``, ``coord_sys``) -> column name shown in
        ``field``.

    Returns
    -------
    Located

    Raises
    ------
    geozz.errors.InputError
        If ``default``, ``extent`` or ``far`` is not valid.

    Examples
    --------
    >>> import pandas as pd
    >>> s = lambda *v: pd.Series(v, dtype="string")
    >>> got = locate(s("114.2", "180.5", "114.2"), s("22.69", "22.6", "22.69"),
    ...              s(None, None, "mercator"), default="wgs84", file="p.csv")
    >>> got.reason.tolist(), got.value.tolist()
    ([<NA>, 'bad_coordinates', 'bad_coord_system'], [<NA>, '180.5', 'mercator'])
    >>> far = locate(s("116.4"), s("39.9"), None, default="wgs84", extent=(114.0, 22.5,
    ...              114.4, 22.8), file="p.csv")
    >>> far.reason.tolist(), far.value.tolist(), far.lon
    (['far_outside'], ['1905.4 km'], array([nan]))
    """
    issues = option_issues(coords=default, extent=extent, far=far)
    if issues:
        raise InputError([Issue(file=file, field=i.field, expected=i.expected, got=i.got,
                                fix=i.fix) for i in issues])
    default_name = check_system(default)
    box = None if extent is None else check_extent(extent, file=file)
    names = dict(fields or {})
    index = lon_text.index
    n = len(index)

    reason = np.full(n, None, dtype=object)
    field = np.full(n, None, dtype=object)
    value = np.full(n, None, dtype=object)
    lon_raw = lon_text.astype("string").to_numpy(dtype=object, na_value=None)
    lat_raw = lat_text.astype("string").to_numpy(dtype=object, na_value=None)
    sys_raw = (np.full(n, None, dtype=object) if sys_text is None else
               sys_text.astype("string").to_numpy(dtype=object, na_value=None))

    free = np.ones(n, dtype=bool)   # no reason yet

    def reject(mask: np.ndarray, why: str, fld: str, vals: np.ndarray | None = None) -> None:
        mask = mask & free  # the first reason wins
        free[mask] = False
        reason[mask] = why
        field[mask] = names.get(fld, fld)
        if vals is not None:
            value[mask] = vals[mask]

    # system per row: its own, else the file's
    codes, uniq = pd.factorize(pd.Series(sys_raw, dtype=object), use_na_sentinel=True)
    by_code = [_normalise(v) if isinstance(v, str) else None for v in uniq]
    sys_name = np.array(by_code + [default_name], dtype=object)[codes]
    known = ~pd.isna(sys_name)
    unknown = _Spec("?", geographic=True)  # judged as degrees, as before
    spec_num: dict[_Spec, int] = {}
    spec_idx = np.array([spec_num.setdefault(sp, len(spec_num)) for sp in
                         [_spec(v) if v is not None else unknown for v in by_code]
                         + [_spec(default_name)]], dtype=np.intp)[codes]
    specs = list(spec_num)
    geographic = np.array([sp.geographic for sp in specs], dtype=bool)[spec_idx]
    tm = np.array([sp.tm for sp in specs], dtype=bool)[spec_idx]

    x = pd.to_numeric(pd.Series(lon_raw, dtype=object), errors="coerce") \
        .to_numpy(dtype=float, na_value=np.nan, copy=True)
    y = pd.to_numeric(pd.Series(lat_raw, dtype=object), errors="coerce") \
        .to_numpy(dtype=float, na_value=np.nan, copy=True)
    reject(pd.isna(lon_raw) | pd.isna(lat_raw), "missing_coordinates", "lon")
    reject(np.isnan(x), "bad_coordinates", "lon", lon_raw)
    reject(np.isnan(y), "bad_coordinates", "lat", lat_raw)

    with np.errstate(invalid="ignore"):
        ax, ay = np.abs(x), np.abs(y)
        # geographic: a latitude beyond 90 with a longitude within 90 is a swapped pair
        swap = geographic & (ay > 90) & (ay <= 180) & (ax <= 90)
        # Transverse Mercator: X = northing (7 digits), Y = easting (6, or 8 with the zone)
        swap |= tm & (x >= 1e6) & (x < 1e7) & (((y >= 1e5) & (y < 1e6))
                                              | ((y >= 1e7) & (y < 1e8)))
    swap &= free
    x[swap], y[swap] = y[swap], x[swap]
    lon_in = np.where(swap, lat_raw, lon_raw)
    lat_in = np.where(swap, lon_raw, lat_raw)
    notes = [(np.flatnonzero(swap), "swapped_coordinates")]

    with np.errstate(invalid="ignore"):
        reject(geographic & ~((x >= -180) & (x <= 180)), "bad_coordinates", "lon", lon_in)
        reject(geographic & ~((y >= -90) & (y <= 90)), "bad_coordinates", "lat", lat_in)
    reject(~geographic & ~np.isfinite(x), "bad_coordinates", "lon", lon_in)
    reject(~geographic & ~np.isfinite(y), "bad_coordinates", "lat", lat_in)
    reject(~known, "bad_coord_system", "coord_sys", sys_raw)
    resolved, bad_zone = _resolve(x, spec_idx, specs)
    reject(bad_zone, "bad_zone", "lon", lon_in)

    ok = free.copy()
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    lon[ok], lat[ok] = _convert(x[ok], y[ok], resolved[ok])
    reject(ok & np.isnan(lon), "bad_coordinates", "lon", lon_in)

    if box is not None:
        dist = _distance(lon, lat, box)
        out = free & (dist > far)
        cand = np.flatnonzero(out & ~swap)
        if len(cand):
            sx, sy = y[cand], x[cand]
            c_names, c_bad = _resolve(sx, spec_idx[cand], specs)
            with np.errstate(invalid="ignore"):
                c_ok = ~c_bad & np.where(geographic[cand], (np.abs(sx) <= 180)
                                         & (np.abs(sy) <= 90), True)
            c_lon = np.full(len(cand), np.nan)
            c_lat = np.full(len(cand), np.nan)
            c_lon[c_ok], c_lat[c_ok] = _convert(sx[c_ok], sy[c_ok], c_names[c_ok])
            with np.errstate(invalid="ignore"):
                fits = _distance(c_lon, c_lat, box) <= far
            hit = cand[fits]
            lon[hit], lat[hit], resolved[hit] = c_lon[fits], c_lat[fits], c_names[fits]
            out[hit] = False
            notes.append((hit, "swapped_coordinates"))
        km = np.full(n, None, dtype=object)
        km[out] = [f"{d / 1000:.1f} km" for d in dist[out]]
        reject(out, "far_outside", "lon", km)

    bad = ~free
    lon[bad] = lat[bad] = np.nan
    system = np.where(known, resolved, None)
    pos = np.concatenate([p for p, _ in notes]).astype(int)
    note_frame = pd.DataFrame({
        "pos": pos,
        "reason": pd.array(np.concatenate([[r] * len(p) for p, r in notes]).astype(object),
                           dtype="string"),
        "field": pd.array([names.get("lon", "lon")] * len(pos), dtype="string"),
        "value": pd.array([f"{lon_raw[i]}, {lat_raw[i]}" for i in pos], dtype="string"),
    }).sort_values("pos", kind="stable").reset_index(drop=True)

    def series(a: np.ndarray) -> pd.Series:
        return pd.Series(pd.array(a, dtype="string"), index=index)

    return Located(lon=lon, lat=lat, system=series(system), reason=series(reason),
                   field=series(field), value=series(value), notes=note_frame)
