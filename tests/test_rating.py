"""rate and the rubric: deductions floored at 0, periods, quarters, stars, ranks."""

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from _rubrics import default_text, write_rubric

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
    q = gz.rate(ledger_of(rows), units, freq="Q", as_of="2024-06-30 23:00") \
        .set_index("unit_id")
    assert q.loc["A", "period"] == "2024Q2"
    assert q.loc["A", "score"] == pytest.approx((94 + 97 + 100) / 3, abs=0.01)
    # judged in May (the latest record), June has not been seen: it is not a 100-point month
    early = gz.rate(ledger_of(rows), units, freq="Q").set_index("unit_id")
    assert early.loc["A", "score"] == pytest.approx((94 + 97) / 2)
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
                   .replace("sand_mining = 10", "sand_mining = 10\nsand_minning = 0"),
                   encoding="utf-8")
    with pytest.raises(RubricError) as err:
        load_rubric(bad)
    # a misspelt category is refused with the right one (a new one, rubbish, would be
    # a category of the rubric's own)
    assert "shares.grid" in str(err.value) and "write 'sand_mining'" in str(err.value)
    with pytest.raises(RubricError, match="default"):
        load_rubric("nope")
    with pytest.raises(InputError, match="freq"):
        gz.rate(ledger_of(rows), units, freq="D")


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


# ---- hand-computed indicators, each against one plausible mistake ------------------

def test_recurrence_counts_categories_found_again_the_next_month(units):
    rows = [("A", "grid", "illegal_ads", "2024-03-05"),
            ("A", "grid", "piles", "2024-04-05"),
            ("A", "grid", "piles", "2024-05-05"), ("A", "grid", "piles", "2024-05-06"),
            ("A", "grid", "illegal_ads", "2024-05-07"),  # not in April: no recurrence
            ("A", "grid", "exposed_garbage", "2024-05-08"),
            ("A", "grid", "exposed_garbage", "2024-06-08"),
            ("A", "grid", "piles", "2024-06-09"),
            ("B", "grid", "piles", "2024-06-01")]  # B had nothing in May
    r = gz.rate(ledger_of(rows), units).set_index(["unit_id", "period"])["recurrence"]
    assert r.loc["A"].tolist() == [0, 0, 1, 2]
    assert r.loc["B"].tolist() == [0, 0, 0, 0]
    q = gz.rate(ledger_of(rows), units, freq="Q").set_index(["unit_id", "period"])
    assert q.loc[("A", "2024Q1"), "recurrence"] == 0
    assert q.loc[("A", "2024Q2"), "recurrence"] == 0 + 1 + 2  # April looks at March too


def deadline_ledger(done, *, deadline="2024-05-10 18:00", status="rectified"):
    t = pd.Timestamp("2024-05-08 09:00", tz=TZ)
    return pd.DataFrame({
        "problem_id": [f"p{i}" for i in range(len(done))], "unit_id": "A",
        "unit_type": "grid", "category": "piles", "found_at": t, "status": status,
        "deadline": pd.Timestamp(deadline, tz=TZ),
        "rectified_at": pd.to_datetime(list(done), format="ISO8601").tz_localize(TZ)})


def test_rectified_exactly_at_the_deadline_is_on_time(units):
    led = deadline_ledger(["2024-05-10 18:00", "2024-05-10 18:00:01", "2024-05-09 12:00"])
    r = gz.rate(led, units).set_index("unit_id")
    assert r.loc["A", ["closed", "on_time", "overdue"]].tolist() == [3, 2, 1]


def test_overdue_when_open_and_deadline_before_as_of(units):
    led = deadline_ledger([None, None, None], status="open")
    led["deadline"] = pd.to_datetime(["2024-05-10 18:00", "2024-05-20 18:00",
                                      "2024-05-25 18:00"]).tz_localize(TZ)
    at = pd.Timestamp("2024-05-20 18:00", tz=TZ)  # equal to the second deadline: not late
    r = gz.rate(led, units, as_of=at).set_index("unit_id")
    assert r.loc["A", ["closed", "on_time", "overdue"]].tolist() == [0, 0, 1]
    r = gz.rate(led, units, as_of=at + pd.Timedelta(seconds=1)).set_index("unit_id")
    assert r.loc["A", "overdue"] == 2
    # a naive as_of is a time in the ledger's zone (12:00 in UTC is 20:00 there: 2 late)
    r = gz.rate(led, units, as_of="2024-05-20 12:00").set_index("unit_id")
    assert r.loc["A", "overdue"] == 1
    r = gz.rate(led, units, as_of="2024-05-20 10:00:01+00:00").set_index("unit_id")
    assert r.loc["A", "overdue"] == 2


def test_default_as_of_is_the_latest_found_at_of_the_whole_ledger(units):
    led = deadline_ledger([None, None], status="open")
    led["deadline"] = pd.Timestamp("2024-05-30 12:00", tz=TZ)
    later = led.iloc[[0]].assign(problem_id="late", unit_id=pd.NA, unit_type=pd.NA,
                                 found_at=pd.Timestamp("2024-06-02 08:00", tz=TZ))
    # ^ outside every unit, yet the last record
    led = pd.concat([led, later], ignore_index=True)
    for periods in (None, ["2024-05"]):
        r = gz.rate(led, units, periods=periods).set_index(["unit_id", "period"])
        assert r.loc[("A", "2024-05"), "overdue"] == 2


def test_each_category_floored_at_zero_on_its_own(units):
    rows = [("A", "grid", "illegal_ads", "2024-05-10")] * 12 + \
           [("A", "grid", "damaged_facilities", "2024-05-10")] * 7 + \
           [("A", "grid", "sewage", "2024-05-10")] * 14 + \
           [("B", "grid", "sewage", "2024-05-10")] * 16
    r = gz.rate(ledger_of(rows), units).set_index("unit_id")
    assert r.loc["A", ["ded_illegal_ads", "ded_damaged_facilities", "ded_sewage"]].tolist() \
        == [10, 5, 14]
    assert r.loc["A", "score"] == 100 - 10 - 5 - 14
    assert r.loc["B", "ded_sewage"] == 15 and r.loc["B", "score"] == 85


def test_ranks_share_the_best_place_on_ties():
    units = gpd.GeoDataFrame({"unit_type": "grid", "name": list("ABCD"), "admin": ""},
                             geometry=[box(i, 0, i + 1, 1) for i in range(4)], crs=32650,
                             index=pd.Index(list("ABCD"), name="unit_id"))
    rows = [("A", "grid", "piles", "2024-05-10")] * 3 + \
           [("B", "grid", "piles", "2024-05-10")] * 3 + \
           [("C", "grid", "piles", "2024-05-10")] * 7
    r = gz.rate(ledger_of(rows), units).set_index("unit_id")
    assert r["rank"].to_dict() == {"D": 1, "A": 2, "B": 2, "C": 4}
    assert r["score"].to_dict() == {"D": 100, "A": 97, "B": 97, "C": 93}


@pytest.mark.parametrize("n, score, stars, grade", [
    (5, 95, 5, "优秀"), (6, 94, 4, "优秀"), (10, 90, 4, "优秀"), (11, 89, 3, "达标"),
    (30, 70, 2, "达标"), (31, 69, 1, "不达标")])
def test_stars_and_grade_at_the_boundary_through_rate(units, n, score, stars, grade):
    cats = ["exposed_garbage", "piles", "illegal_construction", "sewage"]
    rows = [("A", "grid", cats[i % 4], "2024-05-10") for i in range(n)]
    r = gz.rate(ledger_of(rows), units).set_index("unit_id")
    assert r.loc["A", ["score", "stars", "grade"]].tolist() == [score, stars, grade]


def test_boundary_with_fractional_points(tmp_path, units):
    text = (gz.rubric.resources.files("geozz.resources") / "default.toml").read_text("utf-8")
    f = tmp_path / "cents.toml"
    f.write_text(text.replace("points_per_problem = 1", "points_per_problem = 0.01"),
                 encoding="utf-8")
    rows = [("A", "grid", "exposed_garbage", "2024-05-10")] * 500 + \
           [("B", "grid", "exposed_garbage", "2024-05-10")] * 501
    r = gz.rate(ledger_of(rows), units, rubric=f).set_index("unit_id")
    assert r.loc[["A", "B"], "score"].tolist() == [95.0, 94.99]
    assert r.loc[["A", "B"], "stars"].tolist() == [5, 4]


def test_quarter_averages_deductions_and_sums_indicators(units):
    rows = [("A", "grid", "piles", "2024-04-05")] * 6 + \
           [("A", "grid", "piles", "2024-05-05")] * 3 + \
           [("A", "grid", "illegal_ads", "2024-06-05")] * 12
    q = gz.rate(ledger_of(rows), units, freq="Q").set_index("unit_id")
    assert q.loc["A", "ded_piles"] == pytest.approx(3.0)
    assert q.loc["A", "ded_illegal_ads"] == pytest.approx(10 / 3)
    assert q.loc["A", "score"] == pytest.approx(round((94 + 97 + 90) / 3, 2))
    assert q.loc["A", ["found", "recurrence"]].tolist() == [21, 1]


def test_a_window_of_periods_matches_the_same_periods_of_a_full_run(units):
    rows = [("A", "grid", "piles", "2024-03-05"), ("A", "grid", "piles", "2024-04-05"),
            ("B", "grid", "sewage", "2024-06-05"), ("R", "river", "sand_mining", "2024-07-01")]
    led = ledger_of(rows)
    for freq, period in (("M", "2024-04"), ("M", "2024-06"), ("Q", "2024Q2")):
        full = gz.rate(led, units, freq=freq)
        one = gz.rate(led, units, freq=freq, periods=[period])
        pd.testing.assert_frame_equal(one, full[full["period"] == period]
                                      .reset_index(drop=True))
    assert gz.rate(led, units, periods="2024-04").set_index("unit_id") \
        .loc["A", "recurrence"] == 1


@pytest.fixture(scope="module")
def longgang():
    units = gz.build_units(gz.datasets.longgang())
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    return units, gz.assign(problems, units)


@pytest.mark.parametrize("freq, period", [("M", "2024-05"), ("M", "2024-01"), ("Q", "2024Q2")])
def test_longgang_window_equals_full_run(longgang, freq, period):
    units, led = longgang
    full = gz.rate(led, units, freq=freq)
    one = gz.rate(led, units, freq=freq, periods=[period])
    pd.testing.assert_frame_equal(one, full[full["period"] == period].reset_index(drop=True))
    if period == "2024-05":
        assert one["recurrence"].sum() > 0 and one["overdue"].sum() > 0


def test_ids_as_numbers_and_rating_one_unit_type_with_the_whole_ledger(units):
    rows = [("A", "grid", "piles", "2024-05-10"), ("R", "river", "sand_mining", "2024-05-10")]
    grid = units[units["unit_type"] == "grid"]
    r = gz.rate(ledger_of(rows), grid).set_index("unit_id")
    assert r["score"].to_dict() == {"B": 100, "A": 99}
    numbered = grid.set_axis(pd.Index([1, 2], name="unit_id"))
    led = ledger_of([(1, "grid", "piles", "2024-05-10")] * 2)
    r = gz.rate(led, numbered).set_index("unit_id")
    assert r["score"].to_dict() == {"2": 100, "1": 98}
    with pytest.raises(InputError, match="1 unknown ids"):
        gz.rate(ledger_of([("C", "grid", "piles", "2024-05-10")]), grid)


def test_star_label_of_missing_and_of_each_count():
    assert [gz.rating.star_label(v) for v in (None, float("nan"), pd.NA)] == ["—"] * 3
    assert gz.rating.star_label(1) == "★☆☆☆☆" and gz.rating.star_label(5.0) == "★★★★★"


def test_a_rubric_without_shares_for_a_unit_type_present_is_an_error(tmp_path, units):
    # the units hold a river reach; a rubric that rates grids only cannot rate it
    text = default_text()
    river = text[text.index("[shares.river]"):]
    f = write_rubric(tmp_path, text.replace(river, ""))
    rows = [("A", "grid", "piles", "2024-05-10")]
    with pytest.raises(InputError, match="unit types the rubric rates") as err:
        gz.rate(ledger_of(rows), units, rubric=f)
    assert "river" in str(err.value)
    # the same rubric rates the grid cells alone
    grid = units[units["unit_type"] == "grid"]
    assert gz.rate(ledger_of(rows), grid, rubric=f)["unit_id"].tolist() == ["B", "A"]


def test_periods_as_period_objects_must_have_the_frequency(units):
    rows = [("A", "grid", "piles", "2024-05-10")]
    got = gz.rate(ledger_of(rows), units, periods=[pd.Period("2024-05", freq="M")])
    assert got["period"].unique().tolist() == ["2024-05"]
    with pytest.raises(InputError, match="periods of freq 'M'") as err:
        gz.rate(ledger_of(rows), units, periods=[pd.Period("2024Q2", freq="Q")])
    assert "2024Q2" in str(err.value)


def test_three_way_tie_shares_first_place():
    units = gpd.GeoDataFrame({"unit_type": "grid", "name": list("ABCD"), "admin": ""},
                             geometry=[box(i, 0, i + 1, 1) for i in range(4)], crs=32650,
                             index=pd.Index(list("ABCD"), name="unit_id"))
    r = gz.rate(ledger_of([("D", "grid", "piles", "2024-05-10")]), units)
    assert r.set_index("unit_id")["rank"].to_dict() == {"A": 1, "B": 1, "C": 1, "D": 4}


def test_units_without_problems_have_zero_indicators_and_carry_names(units):
    t = pd.Timestamp("2024-05-10 09:00", tz=TZ)
    ledger = pd.DataFrame({"problem_id": ["a"], "unit_id": "A", "unit_type": "grid",
                           "category": "piles", "found_at": t, "status": "verified",
                           "deadline": t, "rectified_at": t})
    r = gz.rate(ledger, units).set_index("unit_id")
    counts = ["found", "closed", "on_time", "overdue", "reopened", "recurrence", "not_rated"]
    assert r.loc["B", counts].tolist() == [0] * 7
    assert r.loc["A", counts].tolist() == [1, 1, 1, 0, 0, 0, 0]
    assert all(str(r[c].dtype) == "int64" for c in counts)
    assert all(str(r[c].dtype) == "Int64" for c in ["stars", "rank"])  # NA: no score
    assert r["name"].to_dict() == {"A": "A", "B": "B", "R": "R"}
    assert r["admin"].tolist() == ["x"] * 3


def test_a_ledger_without_lifecycle_columns_counts_nothing_closed(units):
    ledger = ledger_of([("A", "grid", "piles", "2024-05-10")]).drop(columns="status")
    r = gz.rate(ledger, units).set_index("unit_id")
    assert r.loc["A", ["found", "closed", "on_time", "overdue", "reopened"]].tolist() == \
        [1, 0, 0, 0, 0]
    no_names = units.drop(columns=["name", "admin"])
    r = gz.rate(ledger, no_names)
    assert r["name"].eq("").all() and r["admin"].eq("").all()


def test_a_period_without_problems_in_the_judged_time_is_rated_full(units):
    # records in May and July: June has none, yet it is judged (as_of is July 10th)
    led = ledger_of([("A", "grid", "piles", "2024-05-10"), ("A", "grid", "piles", "2024-07-10")])
    june = gz.rate(led, units, periods=["2024-06"])
    assert june[["unit_id", "period", "score", "stars", "grade", "rank", "found"]] \
        .values.tolist() == [["A", "2024-06", 100, 5, "优秀", 1, 0],
                             ["B", "2024-06", 100, 5, "优秀", 1, 0],
                             ["R", "2024-06", 100, 5, "优秀", 1, 0]]
    full = gz.rate(led, units)
    pd.testing.assert_frame_equal(june, full[full["period"] == "2024-06"]
                                  .reset_index(drop=True))
    # August after its end: judged, nothing found
    aug = gz.rate(led, units, periods=["2024-08"], as_of="2024-08-31 23:59")
    assert aug["score"].tolist() == [100] * 3 and aug["found"].tolist() == [0] * 3
    assert aug["stars"].notna().all()


def test_a_period_outside_the_judged_time_is_refused_by_name(units):
    led = ledger_of([("A", "grid", "piles", "2024-05-10"), ("A", "grid", "piles", "2024-07-10")])
    with pytest.raises(InputError) as err:
        gz.rate(led, units, periods=["2024-06", "2024-08"])
    assert [(i.field, i.got) for i in err.value.issues] == [("periods", ["2024-08"])]
    assert "as_of 2024-07-10 00:00 (a later period has no score yet)" in str(err.value)
    with pytest.raises(InputError) as err:  # before the ledger's first record
        gz.rate(led, units, periods=["2024-03", "2024-05"])
    assert [(i.field, i.got) for i in err.value.issues] == [("periods", ["2024-03"])]
    assert "no record before 2024-05-10 00:00" in str(err.value)
    with pytest.raises(InputError) as err:  # a quarter, as_of given: Q3 begins after
        gz.rate(led, units, freq="Q", periods=["2024Q3"], as_of="2024-06-30")
    assert [(i.field, i.got) for i in err.value.issues] == [("periods", ["2024Q3"])]
    with pytest.raises(InputError) as err:  # a custom range is asked for too
        gz.rate(led, units, freq=("2024-08-01", "2024-08-31"))
    assert [(i.field, i.got) for i in err.value.issues] == [("freq", ["2024-08-01..2024-08-31"])]
    with pytest.raises(InputError, match="field 'as_of': expected a moment of judgement "
                                         "to rate 2024-06"):
        gz.rate(led.iloc[:0], units, periods=["2024-06"])
    assert gz.rate(led.iloc[:0], units, periods=["2024-06"], as_of="2024-06-30")[
        "score"].tolist() == [100] * 3
