"""Road corridors of one layer partition the ground: overlaps go to the nearest centreline.

Before the split (``geozz.units._split``), Longgang's 55 road corridors overlapped over
2.10 km² (159 pairs; 龙岗大道's unfolded carriageways alone ~0.1 km² a pair), and their
``area_m2`` summed to 5.15 km² for a union of 3.44 km².
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, box

import geozz as gz
import geozz.units.road as road_module
from geozz.units import road_corridors

UTM50 = 32650
X0, Y0 = 500_000, 2_500_000


def _pairs_overlap(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    return left, right, shapely.intersection(geoms[left], geoms[right])


@pytest.fixture(scope="module")
def before_after(longgang, request):
    """The Longgang road corridors without the split (as on main) and with it."""
    mp = pytest.MonkeyPatch()
    mp.setattr(road_module, "split_overlaps", lambda g, c, r: np.array(g, dtype=object))
    before = road_corridors(longgang.roads, longgang.boundary)
    mp.undo()
    after = road_corridors(longgang.roads, longgang.boundary)
    return before, after


def test_longgang_corridors_no_longer_overlap(before_after):
    before, after = before_after
    *_, was = _pairs_overlap(before.geometry.values)
    *_, now = _pairs_overlap(after.geometry.values)
    assert shapely.area(was).sum() > 2.0e6  # 2.10 km² before
    assert shapely.area(now).sum() < 1.0  # m²
    union_before = shapely.union_all(before.geometry.values).area
    union_after = shapely.union_all(after.geometry.values).area
    assert union_after == pytest.approx(union_before, rel=1e-3)
    assert after["area_m2"].sum() == pytest.approx(union_after, rel=1e-3)  # no ground twice


def test_longgang_split_keeps_ids_lengths_centrelines(before_after):
    before, after = before_after
    assert after.index.tolist() == before.index.tolist()
    assert after["length_m"].tolist() == before["length_m"].tolist()
    assert all(a.equals_exact(b, 0) for a, b in zip(after["centerline"], before["centerline"]))
    geoms = after.geometry.values
    assert not shapely.is_empty(geoms).any() and shapely.is_valid(geoms).all()
    assert set(shapely.get_type_id(geoms)) <= {3, 6}  # Polygon, MultiPolygon
    parts = shapely.get_parts(geoms)
    assert shapely.area(parts).min() >= 1.0  # no sliver left as a part of its own
    assert np.allclose(after["area_m2"], shapely.area(geoms))
    # units without an overlap are untouched, byte for byte
    left, right, inter = _pairs_overlap(before.geometry.values)
    touched = set(left[shapely.area(inter) > 0]) | set(right[shapely.area(inter) > 0])
    for k in set(range(len(before))) - touched:
        assert shapely.to_wkb(after.geometry.iloc[k]) == shapely.to_wkb(before.geometry.iloc[k])


def test_points_in_former_overlaps_go_to_the_unit_holding_them(before_after):
    before, after = before_after
    *_, inter = _pairs_overlap(before.geometry.values)
    overlap = shapely.union_all(inter[shapely.area(inter) > 0])
    rng = np.random.default_rng(7)
    x0, y0, x1, y1 = overlap.bounds
    xy = rng.uniform((x0, y0), (x1, y1), size=(20_000, 2))
    pts = shapely.points(xy)
    pts = pts[shapely.contains_xy(overlap, xy)][:400]
    assert len(pts) == 400
    problems = gpd.GeoDataFrame(
        {"category": ["piles"] * len(pts),
         "found_at": pd.Timestamp("2024-05-01 09:00", tz="Asia/Shanghai")},
        geometry=list(pts), crs=after.crs,
        index=pd.Index([f"P{k:04d}" for k in range(len(pts))], name="problem_id"))
    ledger = gz.assign(problems, after).set_index("problem_id")
    holder = {}
    tree = shapely.STRtree(after.geometry.values)
    p, u = tree.query(pts, predicate="intersects")
    for a, b in zip(p, u):
        holder.setdefault(problems.index[a], []).append(after.index[b])
    assert all(len(v) == 1 for v in holder.values())  # one unit holds each point
    wrong = [pid for pid, units in holder.items() if ledger.loc[pid, "unit_id"] != units[0]]
    # the dividing line is that of the centrelines sampled every few metres: a point
    # within a few centimetres of it may fall on the other side (none of these 400)
    assert wrong == []


def test_crossing_roads_become_four_arms_meeting_on_the_diagonals():
    lines = gpd.GeoDataFrame(
        {"name": ["东西路", "南北路"], "highway": ["primary", "primary"]},
        geometry=[LineString([(X0 - 500, Y0), (X0, Y0), (X0 + 500, Y0)]),
                  LineString([(X0, Y0 - 500), (X0, Y0), (X0, Y0 + 500)])], crs=UTM50)
    boundary = gpd.GeoSeries([box(X0 - 2000, Y0 - 2000, X0 + 2000, Y0 + 2000)], crs=UTM50)
    r = road_corridors(lines, boundary).sort_values("name")  # 东西路, 南北路
    ew = r[r["name"].str.startswith("东西路")].geometry.iloc[0]
    ns = r[r["name"].str.startswith("南北路")].geometry.iloc[0]
    assert shapely.intersection(ew, ns).area < 1e-6
    # each keeps its band less the two triangles of the junction square beyond the diagonals
    assert ew.area == pytest.approx(1000 * 100 - 5000, abs=1)
    assert ns.area == pytest.approx(1000 * 100 - 5000, abs=1)
    assert r["area_m2"].tolist() == pytest.approx([95000, 95000], abs=1)
    for dx, dy in [(30, 10), (-30, 10), (30, -10), (-45, -40), (20.5, 20), (-49, 48)]:
        assert ew.contains(shapely.Point(X0 + dx, Y0 + dy))
        assert ns.contains(shapely.Point(X0 + dy, Y0 + dx))
    # the flat caps stay: the ends square at the stakes
    assert ew.bounds == pytest.approx((X0 - 500, Y0 - 50, X0 + 500, Y0 + 50), abs=1e-6)
    assert ns.bounds == pytest.approx((X0 - 50, Y0 - 500, X0 + 50, Y0 + 500), abs=1e-6)
