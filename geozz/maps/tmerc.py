"""The transverse Mercator projection (UTM, Gauss-Krüger) as the star map page computes it.

A geozz grid lives in a metric CRS, usually a UTM zone; a cell's corners are whole
multiples of its size there. The page places the cells of a regular grid by projecting
those corners back to longitude and latitude itself, with Krüger's series to sixth order
in the third flattening ``n`` (Karney 2011, "Transverse Mercator with an accuracy of a
few nanometers", J. Geodesy 85: the method of PROJ's ``tmerc`` and of GeographicLib):
within a zone it agrees with pyproj to well under a micrometre. It needs only the
projection's parameters (:func:`params`), so the page carries seven numbers for a grid
of any extent, not a fitted map that holds only over a few kilometres.

This module is the Python twin of the page's code (``geozz/static/starmap.js``,
``TransverseMercator``): :func:`params` reads the parameters from a CRS and
:func:`geozz.maps.encode.encode_geometry` checks with :func:`inverse` that they
reproduce pyproj's own transformation to WGS-84 before it lets the page use them (a
CRS on another datum, such as Beijing 1954, does not: pyproj shifts its datum).

Examples
--------
>>> p = params(32650)
>>> p["lon0"], p["k0"], p["x0"], p["y0"]
(117.0, 0.9996, 500000.0, 0.0)
>>> lon, lat = inverse(p, 800000.0, 2500000.0)
>>> print(f"{float(lon):.9f} {float(lat):.9f}")
119.917517763 22.580346054
>>> from pyproj import Transformer
>>> want = Transformer.from_crs(32650, 4326, always_xy=True).transform(800000.0, 2500000.0)
>>> bool(abs(lon - want[0]) < 1e-12 and abs(lat - want[1]) < 1e-12)
True
>>> x, y = forward(p, lon, lat)
>>> print(f"{float(x):.6f} {float(y):.6f}")
800000.000000 2500000.000000
"""

from __future__ import annotations

import numpy as np

__all__ = ["forward", "inverse", "params"]

#: projection method names (PROJ / EPSG) that are this projection
METHODS = {"transverse mercator"}


def params(crs) -> dict | None:
    """The parameters of a transverse Mercator CRS, or None for any other CRS.

    Parameters
    ----------
    crs : anything :class:`pyproj.CRS` accepts
        A projected CRS in metres.

    Returns
    -------
    dict or None
        ``a`` (semi-major axis, m), ``f`` (flattening), ``lon0``, ``lat0`` (degrees),
        ``k0`` (scale factor), ``x0``, ``y0`` (false easting and northing, m); None when
        the CRS is not a transverse Mercator in metres on Greenwich.

    Examples
    --------
    >>> params("EPSG:4547")["lon0"], params(3857)
    (114.0, None)
    """
    from pyproj import CRS

    crs = CRS.from_user_input(crs)
    op = crs.coordinate_operation
    if not crs.is_projected or op is None or op.method_name.lower() not in METHODS:
        return None
    if any(abs(a.unit_conversion_factor - 1.0) > 1e-12 for a in crs.axis_info) \
            or crs.prime_meridian.longitude != 0:
        return None
    got = {}
    for p in op.params:
        name = p.name.lower()
        if p.unit_category == "angular":
            got[name] = float(p.value) if p.unit_name == "degree" else \
                float(np.degrees(p.value * p.unit_conversion_factor))
        else:
            got[name] = float(p.value * p.unit_conversion_factor)
    keys = {"lat0": "latitude of natural origin", "lon0": "longitude of natural origin",
            "k0": "scale factor at natural origin", "x0": "false easting",
            "y0": "false northing"}
    if not set(keys.values()) <= set(got):
        return None
    inv_f = crs.ellipsoid.inverse_flattening
    out = {"a": float(crs.ellipsoid.semi_major_metre), "f": 1.0 / inv_f if inv_f else 0.0}
    out.update({k: got[v] for k, v in keys.items()})
    return out


def _series(f: float) -> tuple[float, list[float], list[float], float, float]:
    """``A`` (rectifying radius / a), ``alpha``, ``beta`` (Krüger's series to n⁶), e, e²."""
    n = f / (2 - f)
    n2 = n * n
    rect = (1 + n2 * (1 / 4 + n2 * (1 / 64 + n2 / 256))) / (1 + n)
    alpha = [
        n * (1 / 2 + n * (-2 / 3 + n * (5 / 16 + n * (41 / 180 + n * (-127 / 288
                                                                  + n * 7891 / 37800))))),
        n2 * (13 / 48 + n * (-3 / 5 + n * (557 / 1440 + n * (281 / 630
                                                            + n * -1983433 / 1935360)))),
        n2 * n * (61 / 240 + n * (-103 / 140 + n * (15061 / 26880 + n * 167603 / 181440))),
        n2 * n2 * (49561 / 161280 + n * (-179 / 168 + n * 6601661 / 7257600)),
        n2 * n2 * n * (34729 / 80640 + n * -3418889 / 1995840),
        n2 * n2 * n2 * 212378941 / 319334400,
    ]
    beta = [
        n * (1 / 2 + n * (-2 / 3 + n * (37 / 96 + n * (-1 / 360 + n * (-81 / 512
                                                                   + n * 96199 / 604800))))),
        n2 * (1 / 48 + n * (1 / 15 + n * (-437 / 1440 + n * (46 / 105
                                                            + n * -1118711 / 3870720)))),
        n2 * n * (17 / 480 + n * (-37 / 840 + n * (-209 / 4480 + n * 5569 / 90720))),
        n2 * n2 * (4397 / 161280 + n * (-11 / 504 + n * -830251 / 7257600)),
        n2 * n2 * n * (4583 / 161280 + n * -108847 / 3991680),
        n2 * n2 * n2 * 20648693 / 638668800,
    ]
    e2 = f * (2 - f)
    return rect, alpha, beta, float(np.sqrt(e2)), e2


def _clenshaw(c: list[float], xi, eta):
    """``Σ c[k-1] sin(2k ζ)`` for ζ = ξ + iη (k = 1…6), as (real, imaginary) parts."""
    s, co = np.sin(2 * xi), np.cos(2 * xi)
    sh, ch = np.sinh(2 * eta), np.cosh(2 * eta)
    ar, ai = 2 * co * ch, -2 * s * sh  # 2 cos 2ζ
    yr = yi = zr = zi = 0.0  # b(k+1), b(k+2)
    for ck in reversed(c):
        yr, yi, zr, zi = ar * yr - ai * yi - zr + ck, ar * yi + ai * yr - zi, yr, yi
    sr, si = s * ch, co * sh  # sin 2ζ
    return sr * yr - si * yi, sr * yi + si * yr


def _taup(tau, e):
    """tan of the conformal latitude from tan of the geodetic one."""
    t1 = np.sqrt(1 + tau * tau)
    sig = np.sinh(e * np.arctanh(e * tau / t1))
    return np.sqrt(1 + sig * sig) * tau - sig * t1


def _tau(taup, e, e2):
    """tan of the geodetic latitude from tan of the conformal one (Newton, Karney's)."""
    tau = taup / (1 - e2)
    for _ in range(5):
        tp = _taup(tau, e)
        tau = tau + (taup - tp) * (1 + (1 - e2) * tau * tau) / (
            (1 - e2) * np.sqrt(1 + tau * tau) * np.sqrt(1 + tp * tp))
    return tau


def _origin(p: dict, rect: float, alpha: list[float], e: float) -> float:
    """Northing of the equator on the central meridian (``y0`` less the arc to ``lat0``)."""
    chi = np.arctan(_taup(np.tan(np.radians(p["lat0"])), e))
    xi, _ = _clenshaw(alpha, chi, 0.0)
    return p["y0"] - p["k0"] * p["a"] * rect * float(chi + xi)


def inverse(p: dict, x, y):
    """Longitude and latitude (degrees) of projected ``x, y`` (metres)."""
    rect, alpha, beta, e, e2 = _series(p["f"])
    scale = p["k0"] * p["a"] * rect
    xi = (np.asarray(y, float) - _origin(p, rect, alpha, e)) / scale
    eta = (np.asarray(x, float) - p["x0"]) / scale
    dr, di = _clenshaw(beta, xi, eta)
    xi, eta = xi - dr, eta - di
    she, cxi = np.sinh(eta), np.cos(xi)
    taup = np.sin(xi) / np.sqrt(she * she + cxi * cxi)
    lam = np.arctan2(she, cxi)
    return p["lon0"] + np.degrees(lam), np.degrees(np.arctan(_tau(taup, e, e2)))


def forward(p: dict, lon, lat):
    """Projected ``x, y`` (metres) of longitude and latitude (degrees)."""
    rect, alpha, beta, e, e2 = _series(p["f"])
    scale = p["k0"] * p["a"] * rect
    lam = np.radians((np.asarray(lon, float) - p["lon0"] + 540) % 360 - 180)
    taup = _taup(np.tan(np.radians(np.asarray(lat, float))), e)
    cl = np.cos(lam)
    xi = np.arctan2(taup, cl)
    eta = np.arcsinh(np.sin(lam) / np.sqrt(taup * taup + cl * cl))
    dr, di = _clenshaw(alpha, xi, eta)
    return p["x0"] + scale * (eta + di), _origin(p, rect, alpha, e) + scale * (xi + dr)
