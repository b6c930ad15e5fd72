"""Tests of geozz.problems.positions: systems, Gauss-Krüger zones, swapped pairs, far points.

The Gauss-Krüger truth is an independent scalar transcription of the ellipsoidal
Transverse Mercator series (Snyder, *Map Projections: A Working Manual*, USGS PP 1395,
eqs. 8-9/8-10): the test projects a known WGS-84 (= CGCS2000) point forward and checks
that ``locate`` brings the easting/northing back within 1 m.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box as shapely_box

from geozz import coords
from geozz.errors import CRSError, InputError
from geozz.problems import positions
from geozz.problems.positions import check_extent, check_system, locate, option_issues

# CGCS2000 ellipsoid
A_CGCS = 6378137.0
F_CGCS = 1 / 298.257222101


def tm_forward(lon: float, lat: float, *, cm: float, false_easting: float) -> tuple[float, float]:
    """Snyder's ellipsoidal Transverse Mercator, k0 = 1 (Gauss-Krüger), false northing 0."""
    e2 = 2 * F_CGCS - F_CGCS ** 2
    ep2 = e2 / (1 - e2)
    phi, dlam = math.radians(lat), math.radians(lon - cm)
    n = A_CGCS / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    t = math.tan(phi) ** 2
    c = ep2 * math.cos(phi) ** 2
    a = dlam * math.cos(phi)
    m = A_CGCS * ((1 - e2 / 4 - 3 * e2 ** 2 / 64 - 5 * e2 ** 3 / 256) * phi
                  - (3 * e2 / 8 + 3 * e2 ** 2 / 32 + 45 * e2 ** 3 / 1024) * math.sin(2 * phi)
                  + (15 * e2 ** 2 / 256 + 45 * e2 ** 3 / 1024) * math.sin(4 * phi)
                  - (35 * e2 ** 3 / 3072) * math.sin(6 * phi))
    x = n * (a + (1 - t + c) * a ** 3 / 6
             + (5 - 18 * t + t * t + 72 * c - 58 * ep2) * a ** 5 / 120)
    y = m + n * math.tan(phi) * (a * a / 2 + (5 - t + 9 * c + 4 * c * c) * a ** 4 / 24
                                 + (61 - 58 * t + t * t + 600 * c - 330 * ep2) * a ** 6 / 720)
    return false_easting + x, y


def metres(lon1, lat1, lon2, lat2) -> float:
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * r * math.asin(math.sqrt(h))


def s(*values) -> pd.Series:
    return pd.Series(list(values), dtype="string")


# A point in Longgang, Shenzhen (WGS-84 = CGCS2000 to a few centimetres).
LON, LAT = 114.2468, 22.7213
E_CM114, N_CM114 = tm_forward(LON, LAT, cm=114, false_easting=500_000)
E_Z38, _ = tm_forward(LON, LAT, cm=114, false_easting=38_500_000)   # 3-degree zone 38
E_Z20, N_Z20 = tm_forward(LON, LAT, cm=117, false_easting=20_500_000)  # 6-degree zone 20


def test_oracle_is_a_gauss_krueger_projection():
    # the oracle itself: 0.2468 deg east of CM 114 at 22.7 N is about 25.3 km east
    assert E_CM114 - 500_000 == pytest.approx(25_340, abs=20)
    assert N_CM114 == pytest.approx(2_513_840, abs=500)
    assert E_Z38 - E_CM114 == 38_000_000


# --- projected systems -----------------------------------------------------------


def test_epsg_4547_lands_within_a_metre():
    got = locate(s(f"{E_CM114:.3f}"), s(f"{N_CM114:.3f}"), s("EPSG:4547"),
                 default="wgs84", file="p.csv")
    assert got.reason.isna().all() and got.notes.empty
    assert metres(got.lon[0], got.lat[0], LON, LAT) < 1.0
    assert got.system.tolist() == ["EPSG:4547"]


def test_zone_prefixed_eastings_land_within_a_metre():
    got = locate(s(f"{E_Z38:.3f}", f"{E_Z38:.3f}", f"{E_Z20:.3f}", f"{E_Z38:.3f}"),
                 s(f"{N_CM114:.3f}", f"{N_CM114:.3f}", f"{N_Z20:.3f}", f"{N_CM114:.3f}"),
                 s(None, "CGCS2000 3度带", "cgcs2000_6deg", "EPSG:4526"),
                 default="cgcs2000_3deg", file="p.csv")
    assert got.reason.isna().all()
    # zone 38 of the 3-degree series is EPSG:4526, zone 20 of the 6-degree one EPSG:4498
    assert got.system.tolist() == ["EPSG:4526", "EPSG:4526", "EPSG:4498", "EPSG:4526"]
    for lon, lat in zip(got.lon, got.lat):
        assert metres(lon, lat, LON, LAT) < 1.0


def test_eastings_without_or_with_a_wrong_zone_are_bad_zone():
    e6, n = f"{E_CM114:.1f}", f"{N_CM114:.1f}"
    got = locate(s(e6, f"99{e6}", e6, f"{E_Z38 + 1e6:.1f}", f"{E_Z38:.1f}"),
                 s(n, n, n, n, n),
                 s("cgcs2000_3deg", "cgcs2000_3deg", "EPSG:4526", "EPSG:4526", "cgcs2000_6deg"),
                 default="wgs84", file="p.csv", fields={"lon": "X坐标"})
    assert got.reason.tolist() == ["bad_zone"] * 5
    assert got.field.tolist() == ["X坐标"] * 5
    assert got.value.tolist() == [e6, f"99{e6}", e6, f"{E_Z38 + 1e6:.1f}", f"{E_Z38:.1f}"]
    assert np.isnan(got.lon).all() and np.isnan(got.lat).all()


def test_survey_tables_with_x_northing_y_easting_are_swapped():
    n, e, ez = f"{N_CM114:.3f}", f"{E_CM114:.3f}", f"{E_Z38:.3f}"
    got = locate(s(n, n, e, n), s(e, ez, n, e), s("EPSG:4547", "cgcs2000_3deg", "EPSG:4547",
                                                   "EPSG:3857"),
                 default="wgs84", file="p.csv", fields={"lon": "X"})
    # rows 0 and 1 swapped (7-digit first value, 6 or 8-digit second); row 2 as written;
    # row 3 is Web Mercator, not Transverse Mercator: the digit rule does not apply
    assert got.reason.tolist()[:3] == [pd.NA] * 3
    for i in range(3):
        assert metres(got.lon[i], got.lat[i], LON, LAT) < 1.0
    assert got.system.tolist()[:2] == ["EPSG:4547", "EPSG:4526"]
    assert got.notes.to_dict("list") == {
        "pos": [0, 1], "reason": ["swapped_coordinates"] * 2, "field": ["X", "X"],
        "value": [f"{n}, {e}", f"{n}, {ez}"]}
    assert metres(got.lon[3], got.lat[3], LON, LAT) > 1e6


def test_non_finite_or_unconvertible_projected_values_are_bad_coordinates():
    got = locate(s("inf", f"{E_CM114:.1f}", "1e300"), s("2500000", "-inf", "2500000"),
                 s("EPSG:4547", "EPSG:4547", "EPSG:4547"), default="wgs84", file="p.csv")
    assert got.reason.tolist() == ["bad_coordinates"] * 3
    assert got.field.tolist() == ["lon", "lat", "lon"]
    assert got.value.tolist() == ["inf", "-inf", "1e300"]


# --- geographic systems -----------------------------------------------------------


def test_gcj02_and_bd09_per_row_are_converted_as_before():
    glon, glat = coords.convert(LON, LAT, src="wgs84", dst="gcj02")
    blon, blat = coords.convert(LON, LAT, src="wgs84", dst="bd09")
    g, b = (f"{float(glon):.7f}", f"{float(glat):.7f}"), (f"{float(blon):.7f}",
                                                          f"{float(blat):.7f}")
    got = locate(s(g[0], g[0], b[0], b[0], g[0], str(LON), str(LON)),
                 s(g[1], g[1], b[1], b[1], g[1], str(LAT), str(LAT)),
                 s("gcj02", "国测局", "BD-09", "百度", "火星坐标", "CGCS2000", None),
                 default="wgs84", file="p.csv")
    assert got.reason.isna().all() and got.notes.empty
    assert got.system.tolist() == ["gcj02", "gcj02", "bd09", "bd09", "gcj02", "cgcs2000",
                                   "wgs84"]
    ref_g = coords.convert(float(g[0]), float(g[1]), src="gcj02", dst="wgs84")
    ref_b = coords.convert(float(b[0]), float(b[1]), src="bd09", dst="wgs84")
    assert [got.lon[i] for i in (0, 1, 4)] == [float(ref_g[0])] * 3
    assert [got.lat[i] for i in (0, 1, 4)] == [float(ref_g[1])] * 3
    assert [got.lon[i] for i in (2, 3)] == [float(ref_b[0])] * 2
    assert [got.lat[i] for i in (2, 3)] == [float(ref_b[1])] * 2
    # CGCS2000 longitude/latitude is taken as WGS-84, unchanged
    assert got.lon[5] == LON and got.lat[5] == LAT and got.lon[6] == LON


def test_swapped_lon_lat_is_fixed_per_row():
    glon, glat = coords.convert(LON, LAT, src="wgs84", dst="gcj02")
    gx, gy = f"{float(glon):.7f}", f"{float(glat):.7f}"
    got = locate(s(str(LAT), gy, "114.2", "10", "95", "-22.5"),
                 s(str(LON), gx, "95", "200", "114.2", "-114.2"),
                 s(None, "gcj02", None, None, None, None), default="wgs84", file="p.csv",
                 fields={"lon": "经度", "lat": "纬度"})
    assert got.reason.tolist() == [pd.NA, pd.NA, "bad_coordinates", "bad_coordinates",
                                   "bad_coordinates", pd.NA]
    # row 2: lon 114.2 is no latitude; row 3: 200 is no longitude; row 4: 95 is no latitude
    assert got.field.tolist()[2:5] == ["纬度", "纬度", "纬度"]
    assert got.value.tolist()[2:5] == ["95", "200", "114.2"]
    assert (got.lon[0], got.lat[0]) == (LON, LAT)
    ref = coords.convert(float(gx), float(gy), src="gcj02", dst="wgs84")  # swapped, converted
    assert (got.lon[1], got.lat[1]) == (float(ref[0]), float(ref[1]))
    assert (got.lon[5], got.lat[5]) == (-114.2, -22.5)
    assert got.notes.to_dict("list") == {
        "pos": [0, 1, 5], "reason": ["swapped_coordinates"] * 3, "field": ["经度"] * 3,
        "value": [f"{LAT}, {LON}", f"{gy}, {gx}", "-22.5, -114.2"]}


def test_bad_system_names_are_rejected_per_row_after_bad_numbers():
    got = locate(s("114.2", "114.2", "114.2", "114.2", "abc", "114.2"),
                 s("22.7", "22.7", "22.7", "22.7", "22.7", "22.7"),
                 s("mercator", "EPSG:99999", "EPSG:5773", "wgs", "mercator", " Wgs-84 "),
                 default="gcj02", file="p.csv", fields={"coord_sys": "坐标系"})
    assert got.reason.tolist() == ["bad_coord_system"] * 4 + ["bad_coordinates", pd.NA]
    assert got.field.tolist()[:4] == ["坐标系"] * 4
    assert got.value.tolist()[:5] == ["mercator", "EPSG:99999", "EPSG:5773", "wgs", "abc"]
    assert got.system.isna().tolist() == [True] * 5 + [False]
    assert got.system[5] == "wgs84"
    assert got.lon[5] == 114.2 and np.isnan(got.lon[:5]).all()


def test_missing_then_bad_numbers_first_reason_wins():
    got = locate(s(None, "114.2", "x", "y", "181"), s("22.7", None, "22.7", "z", "-91"),
                 None, default="wgs84", file="p.csv")
    assert got.reason.tolist() == ["missing_coordinates", "missing_coordinates",
                                   "bad_coordinates", "bad_coordinates", "bad_coordinates"]
    assert got.field.tolist() == ["lon", "lon", "lon", "lon", "lon"]
    assert got.value.tolist() == [pd.NA, pd.NA, "x", "y", "181"]


# --- extent -----------------------------------------------------------------------

BOX = (114.0, 22.5, 114.4, 22.8)


def test_far_outside_is_rejected_with_its_distance():
    got = locate(s("114.2", "114.2", "114.2", "116.4", "114.2"),
                 s("22.7", "23.2", "23.35", "39.9", "23.2"),
                 s(None, None, None, None, "mercator"), default="wgs84", extent=BOX,
                 file="p.csv")
    geod = positions._GEOD
    d_in = geod.inv(114.2, 23.2, 114.2, 22.8)[2]      # ~44 km north: kept
    d_far = geod.inv(114.2, 23.35, 114.2, 22.8)[2]    # ~61 km north: far
    d_bj = geod.inv(116.4, 39.9, 114.4, 22.8)[2]      # Beijing, from the box's NE corner
    assert 40_000 < d_in < 50_000 < d_far < 70_000
    assert d_bj == pytest.approx(metres(116.4, 39.9, 114.4, 22.8), rel=5e-3)
    assert got.reason.tolist() == [pd.NA, pd.NA, "far_outside", "far_outside",
                                   "bad_coord_system"]
    assert got.value.tolist()[2:4] == [f"{d_far / 1000:.1f} km", f"{d_bj / 1000:.1f} km"]
    assert got.lat[1] == 23.2 and np.isnan(got.lat[2:]).all()
    # far= moves the line; without extent nothing is far
    tight = locate(s("114.2"), s("23.2"), None, default="wgs84", extent=BOX, far=40_000,
                   file="p.csv")
    assert tight.reason.tolist() == ["far_outside"]
    assert tight.value.tolist() == [f"{d_in / 1000:.1f} km"]
    free = locate(s("116.4"), s("39.9"), None, default="wgs84", file="p.csv")
    assert free.reason.isna().all()


def test_extent_from_units_in_a_projected_crs():
    units = gpd.GeoDataFrame(geometry=[shapely_box(*BOX)], crs=4326).to_crs(32650)
    got_box = check_extent(units)
    # the WGS-84 box around the units' projected bounds: a little larger than BOX
    assert got_box[0] < BOX[0] and got_box[1] < BOX[1]
    assert got_box[2] > BOX[2] and got_box[3] > BOX[3]
    assert max(abs(a - b) for a, b in zip(got_box, BOX)) < 0.01
    got = locate(s("114.2", "114.2"), s("23.2", "23.35"), None, default="wgs84",
                 extent=units, file="p.csv")
    assert got.reason.tolist() == [pd.NA, "far_outside"]


def test_a_far_point_whose_swap_is_inside_is_swapped():
    kashgar = (75.8, 39.3, 76.2, 39.6)   # both values within +-90: only the extent tells
    got = locate(s("39.45", "39.45"), s("76.0", "76.0"), None, default="wgs84",
                 extent=kashgar, file="p.csv")
    assert got.reason.isna().all()
    assert got.lon.tolist() == [76.0, 76.0] and got.lat.tolist() == [39.45, 39.45]
    assert got.notes["pos"].tolist() == [0, 1]
    assert got.notes["value"].tolist() == ["39.45, 76.0"] * 2
    # a projected (Web Mercator) pair written the wrong way round
    x, y = 12_717_350.0, 2_597_800.0       # about 114.24 E, 22.71 N
    got = locate(s(str(y), str(x)), s(str(x), str(y)), s("EPSG:3857", "3857"),
                 default="wgs84", extent=BOX, file="p.csv")
    assert got.reason.isna().all() and got.notes["pos"].tolist() == [0]
    assert got.lon[0] == got.lon[1] and got.lat[0] == got.lat[1]
    assert 114.0 < got.lon[0] < 114.4 and 22.5 < got.lat[0] < 22.8
    assert got.system.tolist() == ["EPSG:3857", "EPSG:3857"]
    # without the extent nothing is swapped
    plain = locate(s("39.45"), s("76.0"), None, default="wgs84", file="p.csv")
    assert plain.lon.tolist() == [39.45] and plain.notes.empty


# --- names and options ---------------------------------------------------------------


@pytest.mark.parametrize("name,want", [
    ("WGS-84", "wgs84"), ("gps", "wgs84"), ("EPSG:4326", "wgs84"), ("4326", "wgs84"),
    ("GCJ02", "gcj02"), ("国测局", "gcj02"), ("火星坐标", "gcj02"), ("高德", "gcj02"),
    ("百度", "bd09"), ("BD-09", "bd09"), ("bd09ll", "bd09"), ("CGCS2000", "cgcs2000"),
    ("EPSG:4490", "cgcs2000"), ("cgcs2000_3deg", "cgcs2000_3deg"),
    ("CGCS2000 6度带", "cgcs2000_6deg"), ("EPSG:4547", "EPSG:4547"), ("epsg 4526", "EPSG:4526"),
    ("32650", "EPSG:32650")])
def test_check_system_spellings(name, want):
    assert check_system(name) == want


@pytest.mark.parametrize("bad", ["mercator", "", "EPSG:99999", "EPSG:5773", "wgs", None, 4547])
def test_check_system_refuses_with_the_accepted_list(bad):
    with pytest.raises(InputError) as info:
        check_system(bad)
    msg = str(info.value)
    assert "field 'coords'" in msg and "say which system" in msg
    assert "cgcs2000_3deg" in msg and "EPSG:4547" in msg


def test_bad_options_are_collected_and_raised_once():
    assert [i.field for i in option_issues(coords="x", extent=(1, 2, 3), far=float("nan"))] \
        == ["coords", "extent", "far"]
    assert option_issues(coords="gcj02", extent=BOX, far=0) == []
    with pytest.raises(InputError) as info:
        locate(s("1"), s("2"), None, default="mars", extent=(114.4, 22.5, 114.0, 22.8),
               far=-1, file="p.csv")
    assert len(info.value.issues) == 3
    assert all(i.file == "p.csv" for i in info.value.issues)
    with pytest.raises(CRSError, match="set the CRS"):
        check_extent(gpd.GeoDataFrame(geometry=[shapely_box(*BOX)]))
    with pytest.raises(InputError, match="units with geometry"):
        check_extent(gpd.GeoDataFrame(geometry=[], crs=4326))
    for bad in ("114,22,115,23", (True, 0, 1, 1), (0, 0, 200, 1), None):
        with pytest.raises(InputError, match="field 'extent'"):
            check_extent(bad)


def test_transformers_are_cached_per_system():
    positions._transformer.cache_clear()
    locate(s(f"{E_CM114}", f"{E_CM114}"), s(f"{N_CM114}", f"{N_CM114}"), None,
           default="EPSG:4547", file="p.csv")
    locate(s(f"{E_CM114}"), s(f"{N_CM114}"), None, default="EPSG:4547", file="p.csv")
    info = positions._transformer.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_read_problems_repairs_swaps_converts_zones_and_rejects_far_points(tmp_path):
    """End to end through read_problems: per-row systems, swapped pairs and extent."""
    import geozz as gz
    from pyproj import Transformer

    path = tmp_path / "mixed.csv"
    path.write_text(
        "编号,问题类型,发现时间,经度,纬度,坐标系\n"
        "a,暴露垃圾,2024-05-06 09:00,22.69,114.2,\n"            # swapped lat/lon
        "b,暴露垃圾,2024-05-06 09:00,2513840.0,525340.0,EPSG:4547\n"  # X northing, Y easting
        "c,暴露垃圾,2024-05-06 09:00,116.4,39.9,\n"             # Beijing: far outside
        "d,暴露垃圾,2024-05-06 09:00,38525340,2513840,CGCS2000 3度带\n"
        "e,暴露垃圾,2024-05-06 09:00,114.2,22.7,百度\n", encoding="utf-8")
    problems, rejects = gz.read_problems(path, extent=(114.0, 22.5, 114.4, 22.8),
                                         merge=False)
    assert problems.index.tolist() == ["a", "b", "d", "e"]
    assert rejects[["row", "kind", "reason"]].values.tolist() == [
        [1, "field", "swapped_coordinates"], [2, "field", "swapped_coordinates"],
        [3, "record", "far_outside"]]
    assert rejects.loc[rejects["reason"] == "far_outside", "value"].str.endswith("km").all()
    truth = Transformer.from_crs(4547, 4326, always_xy=True).transform(525340.0, 2513840.0)
    for pid in ("b", "d"):  # zone 38 with prefix = CM 114E without: the same place
        p = problems.geometry[pid]
        assert abs(p.x - truth[0]) < 1e-8 and abs(p.y - truth[1]) < 1e-8
    assert problems.loc["a"].geometry.coords[0] == pytest.approx((114.2, 22.69))
    assert problems.loc["d", "coord_sys"] == "EPSG:4526"
    assert problems.geometry["e"].x < 114.2  # BD-09 converted westwards
