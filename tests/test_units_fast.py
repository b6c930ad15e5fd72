"""The array helpers of the unit builders against the plain, one-at-a-time code they replace.

``build_units`` must give the same units, to the bit, however it is computed: each helper
here is checked against a straightforward reference on random and awkward inputs (ties,
repeated vertices, multi-part lines, lines right at the distance limit).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity
from shapely.geometry import LineString, MultiLineString, box

import geozz as gz
from geozz.units import apply_admin, read_admin
from geozz.units.road import _SEGMENT, _beside, _main_class, _main_classes, _reach, _segments


def _random_lines(rng, n, *, multi=True):
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.integers(1, 4) if multi else 1):
            xy = np.cumsum(rng.normal(0, 15, size=(rng.integers(2, 7), 2)), axis=0)
            if rng.random() < 0.3:  # a repeated vertex: a zero-length segment
                k = rng.integers(0, len(xy))
                xy = np.insert(xy, k, xy[k], axis=0)
            parts.append(xy)
        out.append(LineString(parts[0]) if len(parts) == 1 else MultiLineString(parts))
    return out


def _segments_reference(geoms):
    """The segments one part at a time (the code _segments replaced)."""
    segs, owner = [], []
    for i, g in enumerate(geoms):
        for part in shapely.get_parts(shapely.segmentize(g, _SEGMENT)):
            xy = shapely.get_coordinates(part)
            for a, b in zip(xy[:-1], xy[1:]):
                seg = LineString([a, b])
                if seg.length > 0:
                    segs.append(seg)
                    owner.append(i)
    return segs, owner


def test_segments_match_one_part_at_a_time():
    rng = np.random.default_rng(7)
    geoms = _random_lines(rng, 60)
    segs, owner = _segments(geoms)
    ref, ref_owner = _segments_reference(geoms)
    assert owner.tolist() == ref_owner
    assert [s.wkb for s in segs] == [s.wkb for s in ref]
    assert all(len(s.coords) == 2 and s.length <= _SEGMENT + 1e-9 for s in segs)
    empty, none = _segments([])
    assert len(empty) == 0 and len(none) == 0


def _beside_reference(line, other, distance):
    pts = shapely.points(shapely.get_coordinates(shapely.segmentize(line, _SEGMENT / 2)))
    return bool(shapely.distance(pts, other).max() <= distance + 1e-9)


def test_beside_matches_point_by_point():
    rng = np.random.default_rng(11)
    lines = np.array(_random_lines(rng, 80, multi=False), dtype=object)
    # others: shifted copies (some beside, some not) and unrelated lines
    shift = rng.uniform(0, 40, size=len(lines))
    others = np.array([shapely.affinity.translate(g, 0, d) if k % 3 else o for k, (g, d, o)
                       in enumerate(zip(lines, shift, _random_lines(rng, len(lines))))],
                      dtype=object)
    for distance in (0.0, 10.0, 30.0):
        got = _beside(lines, others, distance)
        want = [_beside_reference(a, b, distance) for a, b in zip(lines, others)]
        assert got.tolist() == want
    assert 0 < sum(_beside(lines, others, 30.0)) < len(lines)  # both outcomes tried


def test_beside_looks_between_the_vertices():
    # both vertices are within 10 m of the arc's ends; the middle of the line is 20 m away
    line = LineString([(0, 0), (100, 0)])
    arc = LineString([(0, 5), (10, 20), (90, 20), (100, 5)])
    assert not _beside(np.array([line]), np.array([arc]), 10)[0]
    assert _beside(np.array([line]), np.array([arc]), 20)[0]
    assert _reach(np.array([line]), np.array([arc]))[0] == pytest.approx(20.0)


def test_main_classes_match_one_section_at_a_time():
    rng = np.random.default_rng(3)
    names = np.array(["primary", "secondary", "service", "residential", "trunk_link"],
                     dtype=object)
    for _ in range(200):
        m = int(rng.integers(0, 30))
        n = int(rng.integers(1, 6))
        classes = names[rng.integers(0, len(names), m)]
        lengths = rng.choice([5.0, 10.0, 2.5, 7.5], m)  # equal lengths: many ties
        section = np.sort(rng.integers(0, n, m)) if rng.random() < 0.5 else \
            rng.integers(0, n, m)
        want = [_main_class(classes[section == k], lengths[section == k]) for k in range(n)]
        assert _main_classes(classes, lengths, section, n) == want


def test_main_classes_tie_goes_to_the_first_name():
    classes = np.array(["service", "primary", "service", "primary"], dtype=object)
    lengths = np.array([5.0, 5.0, 5.0, 5.0])
    assert _main_classes(classes, lengths, np.array([0, 0, 1, 1]), 2) == ["primary"] * 2


def test_apply_admin_gives_each_unit_what_it_gets_alone():
    """All units at once, in any order, as each unit on its own."""
    units = gz.build_units(gz.datasets.longgang(), grid_size=500)
    x0, y0, x1, y1 = units.total_bounds
    mx, my = 214800, (y0 + y1) / 2
    admin = read_admin(gpd.GeoDataFrame(
        {"street": ["西南", "东南", "北"], "street_code": ["440307001", "440307002",
                                                          "440307003"],
         "county": "龙岗区", "county_code": "440307"},
        geometry=[box(x0, y0, mx, my), box(mx, y0, x1, my), box(x0, my, x1 - 800, y1)],
        crs=units.crs))
    rng = np.random.default_rng(5)
    shuffled = units.iloc[rng.permutation(len(units))]
    together = apply_admin(shuffled, admin)
    alone = pd.concat([apply_admin(shuffled.iloc[[i]], admin) for i in range(len(shuffled))])
    assert together.index.tolist() == alone.index.tolist()
    assert together.index.str.contains("/").any()  # some units were split
    assert (together["admin_street"] == "").any()  # and some lie outside every area
    pd.testing.assert_frame_equal(together.drop(columns=["geometry", "centerline"]),
                                  alone.drop(columns=["geometry", "centerline"]))
    for col in ("geometry", "centerline"):
        assert [None if g is None else g.wkb for g in together[col]] == \
            [None if g is None else g.wkb for g in alone[col]]


def test_apply_admin_inside_one_area_needs_the_centreline_inside_too():
    """A corridor drawn inside one area whose centreline runs on out of it is cut."""
    admin = read_admin(gpd.GeoDataFrame({"street": ["A", "B"]}, crs=32650,
                                         geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)]))
    units = gpd.GeoDataFrame({"unit_type": ["road"], "name": ["x"], "admin": [""],
                              "length_m": [120.0], "area_m2": [1600.0], "responsible": [""]},
                             geometry=[box(10, 40, 90, 60)], index=["R-1"], crs=32650)
    units["centerline"] = gpd.GeoSeries([LineString([(20, 50), (140, 50)])],
                                        index=units.index, crs=32650)
    out = apply_admin(units, admin)
    assert out.index.tolist() == ["R-1/1", "R-1/2"]
    assert out["admin_street"].tolist() == ["A", ""]
    assert out["length_m"].tolist() == [80.0, 40.0]
