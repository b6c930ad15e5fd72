"""rate and the rubric: deductions floored at 0, periods, quarters, stars, ranks."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import geozz as gz
from geozz.errors import InputError, RubricError
from geozz.rubric import load_rubric

TZ = "Asia/Shanghai"


@pytest.fixture
def units():
    return gpd.GeoDataFrame(
        {"unit_type": ["grid", "grid", "river"], "name": ["A", "B", "R"], "admin": "x"},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 2, 2)], crs=32650,
        index=pd.Index(["A", "B", "R"], name="unit_id"))


def ledger_of(rows):
    """rows: (unit_id, unit_type, category, found_at) tuples."""
    return pd.DataFrame({
        "problem_id": [f"p{i}" for i in range(len(rows))],
        "unit_id": [r[0] for r in rows], "unit_type": [r[1] for r in rows],
        "category": [r[2] for r in rows],
        "found_at": pd.to_datetime([r[3] for r in rows]).tz_localize(TZ),
        "status": "open",
    })


def test_category_floored_at_zero(units):
    # 40 exposed-garbage problems in A: the category's 25 points are gone, no more
    rows = [("A", "grid", "exposed_garbage", "2024-05-10")] * 40 + \
           [("A", "grid", "piles", "2024-05-11")] * 3
    r = gz.rate(ledger_of(rows), units).set_index("unit_id")
    assert r.loc["A", "ded_exposed_garbage"] == 25
    assert r.loc["A", "ded_piles"] == 3
    assert r.loc["A", "score"] == 72
    assert r.loc["A", "grade"] == "达标" and r.loc["A", "stars"] == 2
    assert r.loc["B", "score"] == 100 and r.loc["B", "stars"] == 5
    assert r.loc["A", "rank"] == 2 and r.loc["B", "rank"] == 1
    assert r.loc["A", "found"] == 43


def test_category_outside_the_rubric_is_not_rated(units):
    rows = [("R", "river", "street_vending", "2024-05-10")] * 4 + \
           [("R", "river", "floating_debris", "2024-05-10")] * 2
    r = gz.rate(ledger_of(rows), units).set_index("unit_id")
    assert r.loc["R", "score"] == 98
    assert r.loc["R", "not_rated"] == 4 and r.loc["R", "found"] == 6


def test_every_unit_in_every_month_and_local_periods(units):
    rows = [("A", "grid", "piles", "2024-03-31 23:30"),  # local time: March, not April
            ("B", "grid", "piles", "2024-06-01 00:10")]
    r = gz.rate(ledger_of(rows), units)
    assert sorted(r["period"].unique()) == ["2024-03", "2024-04", "2024-05", "2024-06"]
    assert len(r) == 3 * 4
    a = r.set_index(["unit_id", "period"])
    assert a.loc[("A", "2024-03"), "found"] == 1
    assert a.loc[("A", "2024-04"), "found"] == 0


def test_quarter_is_mean_of_months(units):
    rows = [("A", "grid", "piles", "2024-04-05")] * 6 + [("A", "grid", "piles", "2024-05-05")] * 3
    q = gz.rate(ledger_of(rows), units, freq="Q").set_index("unit_id")
    assert q.loc["A", "period"] == "2024Q2"
    assert q.loc["A", "score"] == pytest.approx((94 + 97 + 100) / 3, abs=0.01)
    assert q.loc["A", "found"] == 9
    assert q.loc["A", "stars"] == 5


def test_stars_and_grades_at_thresholds():
    rb = load_rubric()
    scores = [100, 95, 94.99, 90, 89.99, 80, 79.99, 70, 69.99, 0]
    assert list(rb.stars_for(scores)) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert list(rb.grade_for(scores)) == ["优秀"] * 4 + ["达标"] * 4 + ["不达标"] * 2


def test_custom_rubric_file_and_errors(tmp_path, units):
    text = (gz.rubric.resources.files("geozz.resources") / "default.toml").read_text("utf-8")
    f = tmp_path / "strict.toml"
    f.write_text(text.replace("points_per_problem = 1", "points_per_problem = 5"),
                 encoding="utf-8")
    rows = [("A", "grid", "piles", "2024-05-10")] * 2
    r = gz.rate(ledger_of(rows), units, rubric=f).set_index("unit_id")
    assert r.loc["A", "score"] == 90
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("exposed_garbage = 25", "exposed_garbage = 26")
                   .replace("sand_mining = 10", "sand_mining = 10\nrubbish = 0"),
                   encoding="utf-8")
    with pytest.raises(RubricError) as err:
        load_rubric(bad)
    assert "shares.grid" in str(err.value) and "rubbish" in str(err.value)
    with pytest.raises(RubricError, match="default"):
        load_rubric("nope")
    with pytest.raises(InputError, match="freq"):
        gz.rate(ledger_of(rows), units, freq="W")


def test_indicators(units):
    t = pd.Timestamp("2024-05-10 09:00", tz=TZ)
    ledger = pd.DataFrame({
        "problem_id": ["a", "b", "c", "d"], "unit_id": "A", "unit_type": "grid",
        "category": "piles", "found_at": t,
        "status": ["verified", "rectified", "open", "reopened"],
        "deadline": t + pd.Timedelta(days=3),
        "rectified_at": [t + pd.Timedelta(days=1), t + pd.Timedelta(days=5), pd.NaT, pd.NaT],
    })
    r = gz.rate(ledger, units, as_of=t + pd.Timedelta(days=10)).set_index("unit_id")
    assert r.loc["A", ["closed", "on_time", "overdue", "reopened"]].tolist() == [2, 1, 3, 1]


def test_real_district_ratings():
    units = gz.build_units(gz.datasets.longgang())
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    ratings = gz.rate(gz.assign(problems, units), units)
    assert ratings["period"].nunique() == 12
    assert len(ratings) == 12 * len(units)
    assert not ratings.duplicated(["unit_id", "period"]).any()
    assert ratings["stars"].dtype.kind == "i" and ratings["stars"].between(1, 5).all()
    assert (ratings["score"] >= 0).all() and (ratings["score"] <= 100).all()
    assert ratings["stars"].nunique() >= 3  # the simulated district is not all 5★
