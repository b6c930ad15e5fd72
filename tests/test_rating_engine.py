"""rate as an assessment engine: periods, validity, extras, ranks, lists, adjustments."""

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import geozz as gz
from geozz.errors import InputError
from geozz.rubric import load_rubric

TZ = "Asia/Shanghai"


def make_units(ids, **cols):
    n = len(ids)
    data = {"unit_type": ["grid"] * n, "name": list(ids), "admin": [""] * n}
    data.update(cols)
    return gpd.GeoDataFrame(data, geometry=[box(i, 0, i + 1, 1) for i in range(n)],
                            crs=32650, index=pd.Index(list(ids), name="unit_id"))


def ledger_of(rows, **cols):
    """rows: (unit_id, category, found_at) tuples, all grid."""
    led = pd.DataFrame({
        "problem_id": [f"p{i}" for i in range(len(rows))],
        "unit_id": [r[0] for r in rows], "unit_type": "grid",
        "category": [r[1] for r in rows],
        "found_at": pd.to_datetime([r[2] for r in rows]).tz_localize(TZ),
        "status": "open"})
    for k, v in cols.items():
        led[k] = v
    return led


def rubric(**changes):
    return dataclasses.replace(load_rubric("default"), **changes)


def by(r, *keys):
    return r.set_index(list(keys) if len(keys) > 1 else keys[0])


def test_floor_stops_the_score(units=None):
    units = make_units("AB")
    rows = [("A", c, "2024-05-10") for c in ("exposed_garbage", "piles", "sewage")
            for _ in range(30)]  # 25 + 20 + 15 = 60 points off: 40, floored at 55
    r = by(gz.rate(ledger_of(rows), units, rubric=rubric(floor=55.0)), "unit_id")
    assert r.loc["A", "score"] == 55 and r.loc["A", "deduction"] == 45
    assert r.loc["A", ["ded_exposed_garbage", "ded_piles", "ded_sewage"]].tolist() == \
        [25, 20, 15]
    r0 = by(gz.rate(ledger_of(rows), units), "unit_id")
    assert r0.loc["A", "score"] == 40


def test_overdue_extra_deducts_each_month_until_closed():
    units = make_units("A")
    led = ledger_of([("A", "piles", "2024-05-20 09:00"), ("A", "piles", "2024-07-02 09:00")])
    led["deadline"] = pd.to_datetime(["2024-05-25 18:00", "2024-07-03 18:00"]).tz_localize(TZ)
    led["rectified_at"] = pd.to_datetime(["2024-06-10 10:00", None]).tz_localize(TZ)
    led["status"] = ["rectified", "open"]
    rb = rubric(extra={"overdue": 2.0, "open_at_end": 0.5})
    r = by(gz.rate(led, units, rubric=rb, as_of="2024-07-31"), "period")
    # May: 1 found (-1), overdue since the 25th (-2), open at the end (-0.5)
    assert r.loc["2024-05", ["score", "ded_extra", "overdue", "open_at_end", "due"]] \
        .tolist() == [96.5, 2.5, 1, 1, 1]
    # June: nothing found, still overdue until closed on the 10th (-2)
    assert r.loc["2024-06", ["score", "overdue", "closed", "on_time", "due"]].tolist() == \
        [98, 1, 1, 0, 1]
    assert r.loc["2024-06", "closure_rate"] == 1.0
    # July: the second problem's deadline passed on the 3rd and it is open: -1 -2 -0.5
    assert r.loc["2024-07", ["score", "overdue", "open_at_end"]].tolist() == [96.5, 1, 1]
    assert r.loc["2024-07", "closure_rate"] == 0.0
    assert r.loc["2024-06", "median_hours_to_rectify"] == pytest.approx(21 * 24 + 1)
    # August: the open one is still due and overdue, with nothing found
    aug = gz.rate(led, units, rubric=rb, as_of="2024-08-31", periods=["2024-08"]).iloc[0]
    assert aug[["found", "due", "overdue", "score"]].tolist() == [0, 1, 1, 98]


def test_quarter_mean_over_the_months_a_unit_existed():
    units = make_units("AB", valid_from=["2024-05-15", None])
    rows = [("A", "piles", "2024-05-20")] * 3 + [("A", "piles", "2024-04-20")] * 9 + \
        [("B", "piles", "2024-04-02")] * 6
    led = ledger_of(rows)
    m = by(gz.rate(led, units), "unit_id", "period")
    assert np.isnan(m.loc[("A", "2024-04"), "score"])
    assert pd.isna(m.loc[("A", "2024-04"), "stars"]) and pd.isna(m.loc[("A", "2024-04"), "rank"])
    assert m.loc[("A", "2024-04"), "found"] == 9  # the facts stay
    assert m.loc[("A", "2024-05"), "score"] == 97  # created mid-May: May is rated
    q = by(gz.rate(led, units, freq="Q", as_of="2024-06-30"), "unit_id")
    assert q.loc["A", "score"] == pytest.approx((97 + 100) / 2)  # not (91 + 97 + 100) / 3
    assert q.loc["B", "score"] == pytest.approx(round((94 + 100 + 100) / 3, 2))
    assert q.loc["A", "rank"] == 1 and q.loc["B", "rank"] == 2
    # judged at the latest record (May 20), June is not rated yet: May alone for A
    q = by(gz.rate(led, units, freq="Q"), "unit_id")
    assert q.loc["A", "score"] == 97 and q.loc["B", "score"] == 97
    assert q.loc["A", "rank"] == q.loc["B", "rank"] == 1  # (94 + 100) / 2 = 97: a tie


def test_unit_created_mid_year_and_ended():
    units = make_units("ABC", valid_from=["2024-07-01", "", ""],
                       valid_to=["", "2024-02-29", ""])
    rows = [("A", "illegal_ads", f"2024-{m:02d}-10") for m in range(1, 13)] + \
        [("C", "piles", "2024-01-05")]
    y = by(gz.rate(ledger_of(rows), units, freq="Y"), "unit_id")
    assert y.loc["A", "period"] == "2024"
    assert y.loc["A", "score"] == 99  # July to December, one problem a month each
    assert y.loc["B", "score"] == 100 and y.loc["A", "found"] == 12
    m = by(gz.rate(ledger_of(rows), units), "unit_id", "period")
    assert m.loc["A", "score"].isna().tolist() == [True] * 6 + [False] * 6
    assert m.loc["B", "score"].notna().tolist() == [True] * 2 + [False] * 10  # Feb whole


def test_weeks_are_iso_and_local():
    units = make_units("A")
    rows = [("A", "piles", "2024-05-12 23:30"),  # Sunday night: week 19
            ("A", "piles", "2024-05-13 00:10"), ("A", "piles", "2024-05-19 12:00")]
    r = by(gz.rate(ledger_of(rows), units, freq="W"), "period")
    assert r.index.tolist() == ["2024-W19", "2024-W20"]
    assert r["found"].tolist() == [1, 2] and r["score"].tolist() == [99, 98]
    assert r.loc["2024-W20", "score_delta"] == -1
    one = gz.rate(ledger_of(rows), units, freq="W", periods=["2024-W20"])
    assert one["score_delta"].tolist() == [-1] and one["recurrence"].tolist() == [1]
    with pytest.raises(InputError, match="periods of freq 'W'"):
        gz.rate(ledger_of(rows), units, freq="W", periods=["2024-05"])


def test_custom_range_is_one_period():
    units = make_units("A")
    rows = [("A", "piles", "2024-05-01 00:00"), ("A", "piles", "2024-06-30 23:59"),
            ("A", "piles", "2024-07-01 00:00")]
    r = gz.rate(ledger_of(rows), units, freq=("2024-05-01", "2024-06-30"))
    assert r["period"].tolist() == ["2024-05-01..2024-06-30"]
    assert r[["found", "score"]].values.tolist() == [[2, 98]]
    with pytest.raises(InputError, match="pair of dates"):
        gz.rate(ledger_of(rows), units, freq=("2024-07-01", "2024-06-30"))


def test_ranks_tie_on_the_rounded_score_and_within_admin_areas():
    units = make_units("ABCDE", admin_street=["s1", "s1", "s1", "s2", "s2"])
    rb = rubric(per_problem={"piles": 0.001})
    rows = [("A", "piles", "2024-05-10")] * 2 + [("B", "piles", "2024-05-10")] * 4 + \
        [("C", "piles", "2024-05-10")] * 10 + [("D", "piles", "2024-05-10")] * 10
    r = by(gz.rate(ledger_of(rows), units, rubric=rb), "unit_id")
    # 99.998 and 99.996 both round to 100.0: tied with E
    assert r["rank"].to_dict() == {"A": 1, "B": 1, "E": 1, "C": 4, "D": 4}
    assert r["rank_admin"].to_dict() == {"A": 1, "B": 1, "C": 3, "E": 1, "D": 2}


def test_red_and_black_lists():
    units = make_units("ABCDEF")
    counts = {"A": 0, "B": 1, "C": 1, "D": 3, "E": 5, "F": 5}
    rows = [(u, "piles", "2024-05-10") for u, n in counts.items() for _ in range(n)]
    r = by(gz.rate(ledger_of(rows), units, lists=1), "unit_id")
    assert r["list"].to_dict() == {"A": "red", "B": "", "C": "", "D": "", "E": "black",
                                   "F": "black"}
    r2 = by(gz.rate(ledger_of(rows), units, lists=2), "unit_id")
    assert r2["list"].to_dict() == {"A": "red", "B": "red", "C": "red", "D": "",
                                    "E": "black", "F": "black"}
    assert gz.rate(ledger_of(rows), units, lists=0)["list"].eq("").all()
    with pytest.raises(InputError, match="lists"):
        gz.rate(ledger_of(rows), units, lists=-1)


def test_changes_against_the_previous_period():
    units = make_units("A")
    rows = [("A", "piles", "2024-04-10")] * 2 + [("A", "piles", "2024-05-10")] * 12
    r = by(gz.rate(ledger_of(rows), units), "period")
    assert np.isnan(r.loc["2024-04", "score_delta"]) and pd.isna(r.loc["2024-04", "stars_change"])
    assert r.loc["2024-05", ["score_delta", "stars_change"]].tolist() == [-10, -1]  # 98 -> 88


def test_adjustments_are_added_and_shown(tmp_path):
    units = make_units("AB")
    rows = [("A", "piles", "2024-05-10")] * 24 + [("B", "piles", "2024-06-10")]
    adj = pd.DataFrame({"unit_id": ["A", "A", "B"], "period": ["2024-05", "2024-05", "2024-06"],
                        "points": [2.0, 3.0, 5.0], "reason": ["创新示范", "夜间巡查", "奖励"]})
    r = by(gz.rate(ledger_of(rows), units, adjustments=adj), "unit_id", "period")
    assert r.loc[("A", "2024-05"), ["score", "deduction", "adjustment"]].tolist() == [85, 20, 5]
    assert r.loc[("A", "2024-05"), "adjustment_reason"] == "创新示范; 夜间巡查"
    assert r.loc[("A", "2024-05"), "stars"] == 3  # 80 + 5 = 85
    assert r.loc[("B", "2024-06"), "score"] == 100  # 99 + 5, not above full marks
    q = by(gz.rate(ledger_of(rows), units, adjustments=adj, freq="Q"), "unit_id")
    assert q.loc["A", "score"] == pytest.approx(round((80 + 100 + 100) / 3, 2) + 5)
    f = tmp_path / "adj.csv"
    f.write_text("单元编号,考核期,分值,原因\nA,2024Q2,-5,重大事故\n", encoding="utf-8")
    with pytest.raises(InputError, match="within one rated period"):
        gz.rate(ledger_of(rows), units, adjustments=f)
    q = by(gz.rate(ledger_of(rows), units, adjustments=f, freq="Q"), "unit_id")
    assert q.loc["A", ["adjustment", "adjustment_reason"]].tolist() == [-5, "重大事故"]
    f.write_text("单元编号,考核期,分值,原因\nZ,2024-05,-5,重大事故\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown_unit"):
        gz.rate(ledger_of(rows), units, adjustments=f)


def test_exposure_normalisation_per_km():
    units = make_units("AB")
    units["unit_type"] = "road"
    units["length_m"] = [4000.0, 500.0]
    rows = [("A", "piles", "2024-05-10")] * 8 + [("B", "piles", "2024-05-10")] * 2
    led = ledger_of(rows).assign(unit_type="road")
    r = by(gz.rate(led, units, normalise="per_km"), "unit_id")
    assert r["score"].to_dict() == {"A": 98, "B": 96}  # 8 / 4 km, 2 / 0.5 km
    assert r.loc["A", "found"] == 8
    raw = by(gz.rate(led, units), "unit_id")
    assert raw["score"].to_dict() == {"A": 92, "B": 98}
    with pytest.raises(InputError, match="normalise"):
        gz.rate(led, units, normalise="per_m")


def test_indicator_rates():
    units = make_units("A")
    t = pd.Timestamp("2024-05-10 09:00", tz=TZ)
    led = pd.DataFrame({
        "problem_id": list("abcd"), "unit_id": "A", "unit_type": "grid",
        "category": "piles", "found_at": t,
        "status": ["verified", "rectified", "open", "reopened"],
        "source": ["complaint", "patrol", "patrol", "complaint"],
        "recurrent": [True, False, False, False],
        "deadline": t + pd.Timedelta(days=3),
        "rectified_at": [t + pd.Timedelta(hours=10), t + pd.Timedelta(hours=30), pd.NaT,
                         pd.NaT]})
    r = gz.rate(led, units, as_of="2024-05-31").iloc[0]
    assert r[["found", "due", "closed", "on_time", "overdue", "reopened", "recurred"]] \
        .tolist() == [4, 4, 2, 2, 2, 1, 1]
    assert r["closure_rate"] == 0.5 and r["on_time_rate"] == 1.0
    assert r["rework_rate"] == 0.5 and r["recurrence_rate"] == 0.25
    assert r["complaint_share"] == 0.5 and r["median_hours_to_rectify"] == 20


def test_warning_below_the_rubric_threshold():
    units = make_units("AB")
    rows = [("A", c, "2024-05-10") for c in ("exposed_garbage", "piles") for _ in range(20)]
    r = by(gz.rate(ledger_of(rows), units, rubric=rubric(warn_below=70.0)), "unit_id")
    assert r["warning"].to_dict() == {"A": True, "B": False}  # 60 < 70
