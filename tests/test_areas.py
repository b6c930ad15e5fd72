"""Tests for geozz.rating.areas: admin-area tables (mean score, stars, 80 % target, rank).

Hand-made units and ratings where every expected number follows from the table written
in the test, and the Longgang demo rated by month and aggregated by street over a
hand-made admin layer of two streets (the layer of tests/test_admin.py).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import geozz as gz
from geozz.errors import InputError, RubricError, SchemaError
from geozz.rating import areas
from geozz.units.admin import apply_admin, read_admin

UTM50 = 32650


def _units(streets, communities=None, county="龙岗区", **extra) -> gpd.GeoDataFrame:
    n = len(streets)
    ids = [f"u{i:02d}" for i in range(n)]
    data = {"unit_type": "grid", "name": ids, "admin": list(communities or streets),
            "admin_county": county, "admin_street": list(streets),
            "admin_community": list(communities or [""] * n), **extra}
    return gpd.GeoDataFrame(data, geometry=[box(i, 0, i + 1, 1) for i in range(n)],
                            crs=UTM50, index=pd.Index(ids, name="unit_id"))


def _ratings(units, scores, period="2024-05") -> pd.DataFrame:
    rb = gz.rubric.load_rubric("default")
    s = np.array(scores, dtype=float)
    stars = pd.array([rb.stars_for(v) if not np.isnan(v) else pd.NA for v in s],
                     dtype="Int64")
    return pd.DataFrame({"unit_id": units.index[:len(s)], "period": period,
                         "unit_type": "grid", "score": s, "stars": stars})


def _row(table, area, period="2024-05") -> pd.Series:
    rows = table[(table["area"] == area) & (table["period"] == period)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# --------------------------------------------------------------------------------------
# the 80 % target


def test_an_area_at_exactly_80_percent_meets_the_target():
    # 甲: 4 of 5 at 3★+ (80, 85, 90, 95 and a 79.99) -> exactly 80 %
    # 乙: 7 of 10 at 3★+ ... then 8 of 10 in June: 70 % fails, 80 % meets
    streets = ["甲"] * 5 + ["乙"] * 10
    units = _units(streets)
    may = _ratings(units, [80, 85, 90, 95, 79.99] + [80] * 7 + [60] * 3)
    june = _ratings(units, [80, 85, 90, 95, 79.99] + [80] * 8 + [60] * 2, period="2024-06")
    t = areas(pd.concat([may, june]), units)
    jia, yi = _row(t, "甲"), _row(t, "乙")
    assert (jia["rated"], jia["stars_3"] + jia["stars_4"] + jia["stars_5"]) == (5, 4)
    assert jia["share_3star"] == 0.8 and bool(jia["meets_target"]) is True
    assert yi["share_3star"] == pytest.approx(0.7) and bool(yi["meets_target"]) is False
    assert bool(_row(t, "乙", "2024-06")["meets_target"]) is True  # 8 of 10
    # 12 of 15 is 80 % too, though 0.8 * 15 is not exactly 12 in binary
    units15 = _units(["丙"] * 15)
    t15 = areas(_ratings(units15, [85] * 12 + [50] * 3), units15)
    assert bool(_row(t15, "丙")["meets_target"]) is True
    # 0.56 * 25 is 14.000000000000002 in binary: 14 of 25 still meets a 56 % target
    units25 = _units(["丁"] * 25)
    t25 = areas(_ratings(units25, [85] * 14 + [50] * 11), units25, target=0.56)
    assert bool(_row(t25, "丁")["meets_target"]) is True
    # the target is an option: 70 % meets a 70 % target, 80 % does not meet 81 %
    assert bool(_row(areas(may, units, target=0.7), "乙")["meets_target"]) is True
    assert bool(_row(areas(may, units, target=0.81), "甲")["meets_target"]) is False


def test_star_counts_mean_and_grade_are_those_of_the_area_units():
    units = _units(["甲"] * 6)
    t = areas(_ratings(units, [100, 96, 91, 85, 75, 40]), units)
    row = _row(t, "甲")
    assert [row[f"stars_{k}"] for k in range(1, 6)] == [1, 1, 1, 1, 2]
    assert row["mean_score"] == pytest.approx(81.17)  # 487 / 6 rounded to 2 decimals
    assert row["grade"] == "达标"  # 70 <= 81.17 < 90 in the default rubric
    assert row["share_3star"] == pytest.approx(4 / 6)
    # the grade follows the rubric given: 81.17 is 较好 in the four-level quarterly rubric
    if "quarterly4" in gz.rubric.available_rubrics():
        assert _row(areas(_ratings(units, [100, 96, 91, 85, 75, 40]), units,
                          rubric="quarterly4"), "甲")["grade"] == "较好"


# --------------------------------------------------------------------------------------
# ranks


def test_ties_share_the_best_rank_and_the_next_rank_is_skipped():
    units = _units(["A", "A", "B", "B", "C", "D", "D"])
    # means: A 90, B 85, C 85, D 80  (B: 84 and 86; D: 70 and 90)
    t = areas(_ratings(units, [88, 92, 84, 86, 85, 70, 90]), units)
    assert {a: int(_row(t, a)["rank"]) for a in "ABCD"} == {"A": 1, "B": 2, "C": 2, "D": 4}
    assert t["area"].tolist() == ["A", "B", "C", "D"]  # by rank, then name
    # ranks are counted per period
    june = _ratings(units, [60, 60, 84, 86, 85, 70, 90], period="2024-06")
    t2 = areas(pd.concat([_ratings(units, [88, 92, 84, 86, 85, 70, 90]), june]), units)
    assert int(_row(t2, "A", "2024-06")["rank"]) == 4
    assert int(_row(t2, "A", "2024-05")["rank"]) == 1


def test_ties_are_judged_on_the_rounded_mean():
    units = _units(["A", "A", "A", "B"])
    # A: (90 + 90 + 90.01) / 3 = 90.00333 -> 90.0, the same as B's 90.0
    t = areas(_ratings(units, [90, 90, 90.01, 90]), units)
    assert _row(t, "A")["rank"] == _row(t, "B")["rank"] == 1


# --------------------------------------------------------------------------------------
# units without a score, units outside every area


def test_units_without_score_are_counted_but_not_averaged():
    units = _units(["甲", "甲", "甲", "乙", "乙"])
    r = _ratings(units, [90, 70, np.nan, np.nan, np.nan])
    r.loc[2, "stars"] = 5  # a stale star value on a row without score does not count
    t = areas(r, units)
    jia, yi = _row(t, "甲"), _row(t, "乙")
    assert (jia["units"], jia["rated"], jia["mean_score"]) == (3, 2, 80.0)
    assert jia["stars_5"] == 0 and jia["stars_2"] == 1 and jia["stars_4"] == 1
    assert jia["share_3star"] == 0.5
    # nothing rated: no mean, no share, no grade, not ranked, not meeting the target
    assert (yi["units"], yi["rated"]) == (2, 0)
    assert np.isnan(yi["mean_score"]) and np.isnan(yi["share_3star"])
    assert pd.isna(yi["grade"]) and pd.isna(yi["rank"])
    assert bool(yi["meets_target"]) is False
    assert int(jia["rank"]) == 1


def test_units_outside_every_area_form_an_unranked_row():
    units = _units(["甲", "甲", "", ""])
    t = areas(_ratings(units, [80, 80, 99, 99]), units)
    outside = _row(t, "")
    assert outside["units"] == 2 and pd.isna(outside["rank"])
    assert int(_row(t, "甲")["rank"]) == 1
    assert t.groupby("period")["units"].sum().tolist() == [4]


def test_community_names_are_grouped_within_their_street():
    units = _units(["甲", "甲", "乙", "乙"], communities=["新村", "新村", "新村", "老村"])
    t = areas(_ratings(units, [80, 90, 60, 100]), units, level="community")
    assert t[["admin_street", "area", "units", "mean_score", "rank"]].values.tolist() == [
        ["乙", "老村", 1, 100.0, 1], ["甲", "新村", 2, 85.0, 2], ["乙", "新村", 1, 60.0, 3]]
    county = areas(_ratings(units, [80, 90, 60, 100]), units, level="county")
    assert county[["area", "units", "mean_score"]].values.tolist() == [["龙岗区", 4, 82.5]]


def test_any_units_column_and_ratings_admin_column_name_areas():
    units = _units(["甲", "乙", "乙"], nhood=["Mission", "Mission", "Marina"])
    t = areas(_ratings(units, [90, 70, 80]), units, level="nhood")
    assert t[["area", "units", "mean_score"]].values.tolist() == [
        ["Marina", 1, 80.0], ["Mission", 2, 80.0]]  # a tie: both rank 1, by name
    assert t["rank"].tolist() == [1, 1]
    # a level the units lack but the ratings carry (gz.rate copies `admin`)
    bare = units.drop(columns=["admin"])
    r = _ratings(units, [90, 70, 80]).assign(admin=["x", "y", "y"])
    assert areas(r, bare, level="admin")["area"].tolist() == ["x", "y"]


def test_ratings_read_back_from_csv_aggregate_the_same(tmp_path):
    units = _units(["甲", "甲", "乙"])
    r = _ratings(units, [95, np.nan, 70])
    r.to_csv(tmp_path / "r.csv", index=False)
    back = pd.read_csv(tmp_path / "r.csv")  # stars float with NaN, score NaN
    pd.testing.assert_frame_equal(areas(back, units), areas(r, units))


# --------------------------------------------------------------------------------------
# mistakes


def test_bad_level_and_target_are_reported_together():
    units = _units(["甲"]).drop(columns=["admin_street"])
    with pytest.raises(InputError, match="2 problems") as err:
        areas(_ratings(units, [90]), units, level="street", target=80)
    text = str(err.value)
    assert "field 'level': expected units with a column 'admin_street'" in text
    assert "apply_admin" in text
    assert "field 'target'" in text and "target=0.8" in text
    with pytest.raises(InputError, match="field 'level'.*a column 'nhood'"):
        areas(_ratings(units, [90]), units, level="nhood")
    with pytest.raises(InputError, match="field 'level'"):
        areas(_ratings(units, [90]), units, level="period")
    with pytest.raises(InputError, match="field 'target'"):
        areas(_ratings(units, [90]), units, level="admin", target=True)


def test_unknown_unit_ids_and_bad_ratings_are_refused():
    units = _units(["甲", "乙"])
    r = _ratings(units, [90, 80])
    r.loc[1, "unit_id"] = "nope"
    with pytest.raises(InputError, match="1 unknown ids, e.g. \\['nope'\\]"):
        areas(r, units)
    with pytest.raises(SchemaError, match="field 'stars': expected a ratings column"):
        areas(_ratings(units, [90, 80]).drop(columns="stars"), units)
    bad = _ratings(units, [90, 80]).astype({"score": object})
    bad.loc[0, "score"] = "九十"
    with pytest.raises(SchemaError, match="field 'score': expected numbers.*rows \\[1\\]"):
        areas(bad, units)
    with pytest.raises(SchemaError, match="field 'ratings'"):
        areas("ratings.csv", units)
    with pytest.raises(InputError, match="field 'units'"):
        areas(_ratings(units, [90, 80]), "units.gpkg")
    with pytest.raises(RubricError, match="defualt"):
        areas(_ratings(units, [90, 80]), units, rubric="defualt")


# --------------------------------------------------------------------------------------
# the Longgang demo, by month and by street


def _two_streets(crs) -> gpd.GeoDataFrame:
    """Street 甲 west of x = 213130 (UTM 50N), street 乙 east of it (tests/test_admin.py)."""
    x0, y0, x1, y1, xb = 205_000, 2_505_000, 220_000, 2_518_000, 213_130
    table = gpd.GeoDataFrame({"区县": "龙岗区", "街道": ["甲街道", "乙街道"],
                              "统计代码": ["440307001000", "440307002000"]},
                             geometry=[box(x0, y0, xb, y1), box(xb, y0, x1, y1)], crs=UTM50)
    return read_admin(table.to_crs(crs), levels={"county": "区县", "street": "街道"},
                      code="统计代码")


@pytest.fixture(scope="module")
def longgang():
    area = gz.datasets.longgang()
    units = apply_admin(gz.build_units(area, grid_size=200), _two_streets(4326))
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    ratings = gz.rate(gz.assign(problems, units), units, freq="M")
    return units, ratings


def test_longgang_by_month_and_street_matches_the_unit_ratings(longgang):
    units, ratings = longgang
    t = areas(ratings, units, level="street")
    periods = sorted(ratings["period"].unique())
    assert t["period"].unique().tolist() == periods
    assert set(t["area"]) == {"甲街道", "乙街道"}  # every unit lies in one of the two
    street = units["admin_street"].reindex(ratings["unit_id"]).to_numpy()
    for (period, name), rows in ratings.groupby(["period", street]):
        row = _row(t, name, period)
        scored = rows[rows["score"].notna()]
        assert row["units"] == len(rows) and row["rated"] == len(scored)
        assert row["mean_score"] == pytest.approx(round(scored["score"].mean(), 2))
        assert [row[f"stars_{k}"] for k in range(1, 6)] == \
            [int((scored["stars"] == k).sum()) for k in range(1, 6)]
        good = int((scored["stars"] >= 3).sum())
        assert row["share_3star"] == pytest.approx(good / len(scored))
        assert bool(row["meets_target"]) == (good >= 0.8 * len(scored))
    for period, rows in t.groupby("period"):
        assert sorted(rows["rank"].tolist()) in ([1, 2], [1, 1])
        assert rows["units"].sum() == (ratings["period"] == period).sum()
