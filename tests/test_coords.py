"""Tests of geozz.coords: WGS-84 / GCJ-02 / BD-09 conversion.

The oracle is a plain scalar transcription (``math`` module, one point at a
time) of the published formulas, written independently of the vectorised,
trig-identity-based code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from geozz import coords
from geozz.coords import SYSTEMS, convert
from geozz.errors import InputError

A = 6378245.0
EE = 0.00669342162296594323
X_PI = math.pi * 3000.0 / 180.0


# --- scalar reference formulas (the widely published "coordtransform" code) --

def ref_out_of_china(lon: float, lat: float) -> bool:
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def ref_transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def ref_transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi)
            + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def ref_wgs2gcj(lon: float, lat: float) -> tuple[float, float]:
    if ref_out_of_china(lon, lat):
        return lon, lat
    dlat = ref_transform_lat(lon - 105.0, lat - 35.0)
    dlon = ref_transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (A / sqrtmagic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


def ref_gcj2wgs_crude(lon: float, lat: float) -> tuple[float, float]:
    """The common one-step inverse (NOT what geozz does): g - delta(g)."""
    glon, glat = ref_wgs2gcj(lon, lat)
    return 2 * lon - glon, 2 * lat - glat


def ref_gcj2bd(lon: float, lat: float) -> tuple[float, float]:
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def ref_bd2gcj(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def haversine_m(lon1, lat1, lon2, lat2) -> float:
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def china_grid(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random points well inside the China box (1 degree from its edges)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(73.1, 136.8, n), rng.uniform(1.9, 54.8, n)


# --- WGS-84 -> GCJ-02 ---------------------------------------------------------

def test_tiananmen_reference_pair():
    lon, lat = convert(116.391275, 39.906217, src="wgs84", dst="gcj02")
    # Published approximate GCJ-02 position of the point (to ~1 m).
    assert abs(lon - 116.397519) < 1e-5
    assert abs(lat - 39.907618) < 1e-5
    # The exact value of the Krasovsky formula, worked out by the scalar oracle.
    rlon, rlat = ref_wgs2gcj(116.391275, 39.906217)
    assert rlon == pytest.approx(116.397516005, abs=1e-9)
    assert rlat == pytest.approx(39.907618208, abs=1e-9)
    assert abs(lon - rlon) < 1e-12 and abs(lat - rlat) < 1e-12


def test_shenzhen_offset_magnitude_and_direction():
    lon, lat = convert(114.2, 22.69, src="wgs84", dst="gcj02")
    dist = haversine_m(114.2, 22.69, float(lon), float(lat))
    assert 300.0 < dist < 650.0, dist
    # In Shenzhen GCJ-02 lies east (about 500 m) and south (about 300 m) of WGS-84.
    assert 0.004 < lon - 114.2 < 0.006
    assert -0.004 < lat - 22.69 < -0.002


def test_forward_matches_scalar_formula_on_grid():
    lon, lat = china_grid(5000, seed=1)
    got_lon, got_lat = convert(lon, lat, src="wgs84", dst="gcj02")
    ref = np.array([ref_wgs2gcj(a, b) for a, b in zip(lon, lat)])
    # Agreement to ~1e-12 degree (0.1 micrometre): the same formula.
    np.testing.assert_allclose(got_lon, ref[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got_lat, ref[:, 1], rtol=0, atol=1e-12)
    # ...and the offset is really applied everywhere on the grid (it is a few
    # hundred metres typically, though close to zero at a few spots).
    assert np.all((got_lon != lon) | (got_lat != lat))
    assert np.median(np.hypot(got_lon - lon, got_lat - lat)) > 1e-3


def test_forward_matches_scalar_formula_across_blocks():
    # More points than one processing block, including the box's far corners.
    n = 2 * coords._BLOCK + 123
    rng = np.random.default_rng(7)
    lon = rng.uniform(72.004, 137.8347, n)
    lat = rng.uniform(0.8293, 55.8271, n)
    got_lon, got_lat = convert(lon, lat, src="wgs84", dst="gcj02")
    idx = np.r_[0:5, coords._BLOCK - 3:coords._BLOCK + 3, n - 5:n,
                rng.integers(0, n, 300)]
    for i in idx:
        rlon, rlat = ref_wgs2gcj(lon[i], lat[i])
        assert abs(got_lon[i] - rlon) < 1e-12 and abs(got_lat[i] - rlat) < 1e-12, i


def test_outside_china_passthrough():
    lon = np.array([-122.4, 2.35, 139.69, 100.5, 151.2])   # SF, Paris, Tokyo, south of box, Sydney
    lat = np.array([37.77, 48.86, 35.69, -0.5, -33.87])
    for src, dst in [("wgs84", "gcj02"), ("gcj02", "wgs84")]:
        out_lon, out_lat = convert(lon, lat, src=src, dst=dst)
        np.testing.assert_array_equal(out_lon, lon)
        np.testing.assert_array_equal(out_lat, lat)
    # San Francisco explicitly, as scalars.
    assert convert(-122.4, 37.77, src="wgs84", dst="gcj02") == (-122.4, 37.77)


def test_box_edge_inside_moves_outside_does_not():
    lon = np.array([72.004, 72.0039, 137.8347, 137.8348, 100.0, 100.0])
    lat = np.array([30.0, 30.0, 30.0, 30.0, 0.8293, 0.8292])
    out_lon, out_lat = convert(lon, lat, src="wgs84", dst="gcj02")
    moved = (out_lon != lon) | (out_lat != lat)
    np.testing.assert_array_equal(moved, [True, False, True, False, True, False])


# --- GCJ-02 -> WGS-84 ---------------------------------------------------------

def test_gcj_round_trip_on_grid_is_sub_micrometre():
    g_lon, g_lat = china_grid(200_000, seed=2)
    w_lon, w_lat = convert(g_lon, g_lat, src="gcj02", dst="wgs84")
    assert np.median(np.hypot(w_lon - g_lon, w_lat - g_lat)) > 1e-3  # really moved
    b_lon, b_lat = convert(w_lon, w_lat, src="wgs84", dst="gcj02")
    err = max(np.abs(b_lon - g_lon).max(), np.abs(b_lat - g_lat).max())
    assert err < 1e-7                      # the required bound
    assert err < 1e-11                     # what the iteration actually reaches


def test_wgs_round_trip_recovers_start():
    w_lon, w_lat = china_grid(50_000, seed=3)
    g = convert(w_lon, w_lat, src="wgs84", dst="gcj02")
    back_lon, back_lat = convert(*g, src="gcj02", dst="wgs84")
    assert np.abs(back_lon - w_lon).max() < 1e-11
    assert np.abs(back_lat - w_lat).max() < 1e-11


def test_inverse_is_better_than_crude_one_step():
    # The test above would catch the crude inverse: it is off by metres.
    g_lon, g_lat = china_grid(2000, seed=4)
    crude = np.array([ref_gcj2wgs_crude(a, b) for a, b in zip(g_lon, g_lat)])
    crude_back = np.array([ref_wgs2gcj(a, b) for a, b in crude])
    crude_err = np.abs(crude_back - np.c_[g_lon, g_lat]).max()
    assert crude_err > 1e-6
    w_lon, w_lat = convert(g_lon, g_lat, src="gcj02", dst="wgs84")
    ours = np.array([ref_wgs2gcj(a, b) for a, b in zip(w_lon, w_lat)])
    assert np.abs(ours - np.c_[g_lon, g_lat]).max() < 1e-11


def test_round_trip_near_lon_105_cusp():
    # sqrt|lon - 105| in the formula has an infinite slope at lon 105.
    w_lon = 105.0 + np.r_[np.linspace(-1e-3, 1e-3, 20001), 0.0, 1e-300, -5e-324]
    w_lat = np.full(w_lon.shape, 30.0)
    g = convert(w_lon, w_lat, src="wgs84", dst="gcj02")
    back = convert(*g, src="gcj02", dst="wgs84")
    again = convert(*back, src="wgs84", dst="gcj02")
    assert np.abs(again[0] - g[0]).max() < 1e-10
    assert np.abs(again[1] - g[1]).max() < 1e-10
    assert np.abs(back[0] - w_lon).max() < 1e-9


# --- BD-09 ---------------------------------------------------------------------

def test_gcj_to_bd_matches_baidu_formula():
    lon, lat = china_grid(1000, seed=5)
    b_lon, b_lat = convert(lon, lat, src="gcj02", dst="bd09")
    ref = np.array([ref_gcj2bd(a, b) for a, b in zip(lon, lat)])
    np.testing.assert_allclose(b_lon, ref[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(b_lat, ref[:, 1], rtol=0, atol=1e-12)
    g_lon, g_lat = convert(b_lon, b_lat, src="bd09", dst="gcj02")
    ref = np.array([ref_bd2gcj(a, b) for a, b in zip(b_lon, b_lat)])
    np.testing.assert_allclose(g_lon, ref[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(g_lat, ref[:, 1], rtol=0, atol=1e-12)


def test_bd_offset_and_round_trip():
    lon, lat = china_grid(100_000, seed=6)
    b_lon, b_lat = convert(lon, lat, src="gcj02", dst="bd09")
    # Baidu's shift is about 0.006-0.007 degrees (several hundred metres).
    shift = np.hypot(b_lon - lon, b_lat - lat)
    assert shift.min() > 0.005 and shift.max() < 0.012
    back_lon, back_lat = convert(b_lon, b_lat, src="bd09", dst="gcj02")
    # The standard inverse is approximate: a few 1e-6 degrees at most (< 0.5 m).
    assert np.abs(back_lon - lon).max() < 5e-6
    assert np.abs(back_lat - lat).max() < 5e-6


def test_bd_to_wgs_goes_through_gcj():
    lon, lat = china_grid(1000, seed=8)
    direct = convert(lon, lat, src="bd09", dst="wgs84")
    via = convert(*convert(lon, lat, src="bd09", dst="gcj02"), src="gcj02", dst="wgs84")
    np.testing.assert_array_equal(direct[0], via[0])
    np.testing.assert_array_equal(direct[1], via[1])
    w_lon, w_lat = china_grid(1000, seed=9)
    direct = convert(w_lon, w_lat, src="wgs84", dst="bd09")
    via = convert(*convert(w_lon, w_lat, src="wgs84", dst="gcj02"), src="gcj02", dst="bd09")
    np.testing.assert_array_equal(direct[0], via[0])
    # Tiananmen in BD-09, through the scalar oracle.
    b = convert(116.391275, 39.906217, src="wgs84", dst="bd09")
    r = ref_gcj2bd(*ref_wgs2gcj(116.391275, 39.906217))
    assert abs(b[0] - r[0]) < 1e-12 and abs(b[1] - r[1]) < 1e-12
    assert abs(b[0] - 116.40389) < 1e-5 and abs(b[1] - 39.91396) < 1e-5


# --- NaN, shapes, copies ---------------------------------------------------------

@pytest.mark.parametrize("src,dst", [("wgs84", "gcj02"), ("gcj02", "wgs84"),
                                     ("gcj02", "bd09"), ("bd09", "wgs84"),
                                     ("wgs84", "wgs84")])
def test_nan_in_nan_out(src, dst):
    lon = np.array([116.39, np.nan, 114.2, np.nan])
    lat = np.array([39.9, 30.0, np.nan, np.nan])
    out_lon, out_lat = convert(lon, lat, src=src, dst=dst)
    assert np.isnan(out_lon[[1, 3]]).all()
    assert np.isnan(out_lat[[2, 3]]).all()
    # The valid point is converted exactly as on its own.
    alone = convert(116.39, 39.9, src=src, dst=dst)
    assert out_lon[0] == alone[0] and out_lat[0] == alone[1]
    assert np.isfinite(out_lon[0]) and np.isfinite(out_lat[0])


def test_scalar_gives_0d_float64_arrays():
    lon, lat = convert(116, 40, src="wgs84", dst="gcj02")  # ints accepted
    for a in (lon, lat):
        assert isinstance(a, np.ndarray) and a.shape == () and a.dtype == np.float64
    assert float(lon) != 116.0


@pytest.mark.parametrize("order", ["C", "F"])
def test_2d_array_shape_and_values(order):
    lon, lat = china_grid(12, seed=10)
    lon2 = np.asarray(lon.reshape(3, 4), order=order)
    lat2 = np.asarray(lat.reshape(3, 4), order=order)
    out_lon, out_lat = convert(lon2, lat2, src="gcj02", dst="wgs84")
    assert out_lon.shape == (3, 4) and out_lat.shape == (3, 4)
    flat = convert(lon2.ravel(), lat2.ravel(), src="gcj02", dst="wgs84")
    np.testing.assert_array_equal(out_lon.ravel(), flat[0])
    np.testing.assert_array_equal(out_lat.ravel(), flat[1])
    assert np.all(out_lon != lon2)


def test_series_and_list_inputs():
    s_lon = pd.Series([116.391275, 114.2, -122.4], index=[10, 20, 30])
    s_lat = pd.Series([39.906217, 22.69, 37.77], index=[10, 20, 30])
    out_lon, out_lat = convert(s_lon, s_lat, src="wgs84", dst="gcj02")
    assert isinstance(out_lon, np.ndarray) and out_lon.shape == (3,)
    assert out_lat.dtype == np.float64
    l_lon, l_lat = convert(list(s_lon), list(s_lat), src="wgs84", dst="gcj02")
    np.testing.assert_array_equal(out_lon, l_lon)
    np.testing.assert_array_equal(out_lat, l_lat)
    assert out_lon[2] == -122.4 and out_lon[0] != 116.391275


def test_empty_input():
    lon, lat = convert([], [], src="bd09", dst="wgs84")
    assert lon.shape == (0,) and lat.dtype == np.float64


def test_inputs_not_mutated_and_same_system_returns_copies():
    lon = np.array([116.391275, 114.2])
    lat = np.array([39.906217, 22.69])
    keep = lon.copy(), lat.copy()
    for src in SYSTEMS:
        for dst in SYSTEMS:
            convert(lon, lat, src=src, dst=dst)
    np.testing.assert_array_equal(lon, keep[0])
    np.testing.assert_array_equal(lat, keep[1])
    out_lon, out_lat = convert(lon, lat, src="gcj02", dst="GCJ-02")
    np.testing.assert_array_equal(out_lon, lon)
    assert not np.shares_memory(out_lon, lon) and not np.shares_memory(out_lat, lat)
    out_lon[0] = 0.0
    assert lon[0] == 116.391275


# --- system names and errors ---------------------------------------------------------

def test_systems_constant():
    assert SYSTEMS == ("wgs84", "gcj02", "bd09")


@pytest.mark.parametrize("name", ["WGS84", "wgs-84", "EPSG:4326", "epsg:4326", " Wgs84 "])
def test_wgs84_aliases(name):
    ref = convert(114.2, 22.69, src="wgs84", dst="gcj02")
    assert convert(114.2, 22.69, src=name, dst="gcj02") == ref


def test_other_aliases():
    ref = convert(114.2, 22.69, src="gcj02", dst="bd09")
    assert convert(114.2, 22.69, src="GCJ-02", dst="BD-09") == ref
    assert convert(114.2, 22.69, src="Gcj02", dst="bd09") == ref


@pytest.mark.parametrize("bad", ["wgs", "gcj-2", "mars", "", "epsg:3857", None, 4326])
@pytest.mark.parametrize("field", ["src", "dst"])
def test_unknown_system_raises(bad, field):
    kwargs = {"src": "wgs84", "dst": "gcj02", field: bad}
    with pytest.raises(InputError) as info:
        convert(114.2, 22.69, **kwargs)
    assert isinstance(info.value, ValueError)
    msg = str(info.value)
    assert f"field {field!r}" in msg
    for name in SYSTEMS:
        assert repr(name) in msg


def test_unknown_system_is_a_value_error():
    with pytest.raises(ValueError, match="one of 'wgs84', 'gcj02', 'bd09'"):
        convert(1.0, 2.0, src="wgs84", dst="baidu")


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        convert(114.2, 22.69, "wgs84", "gcj02")  # type: ignore[misc]


def test_shape_mismatch_raises():
    with pytest.raises(InputError, match="same shape"):
        convert([114.2, 114.3], [22.69], src="wgs84", dst="gcj02")
    with pytest.raises(InputError):
        convert(np.zeros((2, 3)), np.zeros((3, 2)), src="gcj02", dst="wgs84")
    with pytest.raises(InputError):
        convert(114.2, [22.69], src="wgs84", dst="wgs84")


def test_non_numeric_raises():
    with pytest.raises(InputError, match="field 'lat'"):
        convert([114.2], ["abc"], src="wgs84", dst="gcj02")
