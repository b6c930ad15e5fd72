"""Lifecycle: working-time deadlines (weekends, China's holidays, make-up workdays), rules
files, and the state of every problem as of a date."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from geozz.errors import InputError, RubricError, SchemaError
from geozz.problems.lifecycle import (STATES, WorkCalendar, add_working_time, fill_deadlines,
                                      load_deadline_rules, states)

TZ = "Asia/Shanghai"


def stamps(*texts, tz=TZ):
    """Local times as read_problems gives them (nanoseconds, tz-aware)."""
    return pd.Series(pd.to_datetime(list(texts))).astype("datetime64[ns]").dt.tz_localize(tz)


def problems(rows, *, deadline=True):
    """rows: (id, category, found_at[, deadline])."""
    index = pd.Index([r[0] for r in rows], name="problem_id")
    frame = pd.DataFrame({
        "category": pd.array([r[1] for r in rows], dtype="string"),
        "found_at": stamps(*[r[2] for r in rows]).set_axis(index),
        "source": "patrol"}, index=index)
    if deadline:
        frame["deadline"] = stamps(*[r[3] if len(r) > 3 else None for r in rows]
                                   ).set_axis(index)
    return frame


def text(series):
    return [None if pd.isna(v) else v.strftime("%Y-%m-%d %H:%M %a") for v in series]


# ---------------------------------------------------------------- working time


def test_friday_evening_report_ends_on_monday():
    # 17:00-17:30 on Friday is half an hour; 3.5 more hours run 08:30-12:00 on Monday
    out = fill_deadlines(problems([("a", "exposed_garbage", "2024-05-17 17:00")]))
    assert text(out["deadline"]) == ["2024-05-20 12:00 Mon"]
    assert out["deadline_source"].tolist() == ["rules"]
    assert str(out["deadline"].dtype) == "datetime64[ns, Asia/Shanghai]"


def test_national_day_holiday_and_make_up_workdays():
    out = fill_deadlines(problems([
        # Thursday before National Day 2024: 2 working days run into Sunday 29 Sept,
        # a make-up working day (调休), Saturday 28 Sept is a day off
        ("thu", "illegal_ads", "2024-09-26 16:00"),
        # Monday 30 Sept: 1.5 h that day, then 1-7 Oct are off (4 and 7 Oct are holidays
        # moved from the make-up days), so the rest is on Tuesday 8 Oct
        ("mon", "street_vending", "2024-09-30 16:00"),
        # Friday 11 Oct after hours: Saturday 12 Oct is a make-up working day
        ("fri", "exposed_garbage", "2024-10-11 17:00"),
        # found during the holiday: counting starts 08:30 on 8 Oct
        ("hol", "exposed_garbage", "2024-10-03 10:00"),
    ]))
    assert text(out["deadline"]) == ["2024-09-29 16:00 Sun", "2024-10-08 16:00 Tue",
                                     "2024-10-12 12:00 Sat", "2024-10-08 14:30 Tue"]


def test_reports_outside_working_hours_start_at_the_next_working_moment():
    start = stamps("2024-05-18 03:00", "2024-05-21 12:30", "2024-05-21 07:00",
                   "2024-05-21 17:30", "2024-05-21 08:30")
    # Saturday night -> Monday 08:30 + 4 h (lunch skipped); lunch -> 14:00 + 3.5 h ends at
    # 17:30 exactly; before work and at closing time; a start at 08:30 sharp
    assert text(add_working_time(start, hours=[4, 3.5, 1, 1, 3.5])) == [
        "2024-05-20 14:30 Mon", "2024-05-21 17:30 Tue", "2024-05-21 09:30 Tue",
        "2024-05-22 09:30 Wed", "2024-05-21 12:00 Tue"]


def test_days_are_working_days_of_the_calendar_length():
    start = stamps("2024-05-21 10:00", "2024-05-21 10:00")
    assert text(add_working_time(start, days=[1, 20])) == ["2024-05-22 10:00 Wed",
                                                           "2024-06-19 10:00 Wed"]
    # 20 working days over Dragon Boat Festival (Monday 10 June 2024) take one day more
    assert text(add_working_time(stamps("2024-06-03 10:00"), days=20)) == \
        ["2024-07-02 10:00 Tue"]


def test_missing_start_or_amount_gives_nat_and_the_zone_is_kept():
    start = pd.Series(pd.to_datetime(["2024-05-21 10:00", None, "2024-05-21 10:00"])
                      ).dt.tz_localize("Europe/Berlin")
    out = add_working_time(start, hours=[1, 1, np.nan])
    assert str(out.dtype) == "datetime64[ns, Europe/Berlin]"
    assert text(out) == ["2024-05-21 11:00 Tue", None, None]


def brute_force(start: dt.datetime, minutes: int, cal: WorkCalendar) -> dt.datetime:
    """Minute by minute: the first instant with ``minutes`` working minutes since start."""
    workdays = {}
    t, left = start, minutes
    while True:
        day = t.date()
        if day not in workdays:
            workdays[day] = bool(cal.is_workday([day])[0])
        tod = t.hour * 60 + t.minute
        if workdays[day] and any(a <= tod < b for a, b in cal.intervals):
            left -= 1
        t += dt.timedelta(minutes=1)
        if left == 0:
            return t


def test_working_time_matches_minute_by_minute_counting():
    rng = np.random.default_rng(7)
    cal = WorkCalendar()
    base = dt.datetime(2024, 9, 20)
    starts = [base + dt.timedelta(minutes=int(m)) for m in rng.integers(0, 60 * 24 * 30, 40)]
    minutes = rng.choice([1, 30, 210, 211, 420, 839, 2940], 40)
    got = add_working_time(pd.Series(starts), hours=minutes / 60, calendar=cal)
    expected = [brute_force(s, int(m), cal) for s, m in zip(starts, minutes)]
    assert [t.to_pydatetime() for t in got] == expected


# ---------------------------------------------------------------- rules files


def test_bundled_rules():
    rules = load_deadline_rules()
    assert rules.limits == {
        "exposed_garbage": ("hours", 4), "street_vending": ("days", 1),
        "illegal_ads": ("days", 2), "illegal_construction": ("days", 20),
        "piles": ("days", 1), "sewage": ("days", 1), "damaged_facilities": ("days", 5),
        "floating_debris": ("days", 1), "sewage_outfall": ("days", 5),
        "sand_mining": ("days", 1)}
    assert rules.calendar == WorkCalendar(intervals=((510, 720), (840, 1050)),
                                          weekmask="1111100", country="CN")
    assert load_deadline_rules(rules) is rules


def test_user_toml_replaces_limits_and_calendar(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[limits]\nexposed_garbage = { hours = 2 }\n'
                    '[calendar]\nholidays = [2024-05-20]\nworkdays = ["2024-05-18"]\n',
                    encoding="utf-8")
    frame = problems([("a", "exposed_garbage", "2024-05-17 17:00"),
                      ("b", "piles", "2024-05-17 17:00"),
                      ("c", "exposed_garbage", "2024-05-19 09:00"),
                      ("d", "sewage", "2024-05-17 09:00", "2024-05-30 12:00")])
    out = fill_deadlines(frame, rules=path)
    # Saturday 18 May is now a working day, Monday 20 May a day off; piles lost its limit
    assert text(out["deadline"]) == ["2024-05-18 10:00 Sat", None, "2024-05-21 10:30 Tue",
                                     "2024-05-30 12:00 Thu"]
    assert out["deadline_source"].tolist() == ["rules", pd.NA, "rules", "file"]
    # the working day kept the bundled one (no [day] section given)
    assert load_deadline_rules(path).calendar.intervals == ((510, 720), (840, 1050))
    # columns and index carried through unchanged
    assert list(out.columns) == list(frame.columns) + ["deadline_source"]
    assert out.index.tolist() == ["a", "b", "c", "d"] and out["source"].tolist() == ["patrol"] * 4


def test_rules_as_dict_with_own_working_day_and_no_country():
    rules = {"limits": {"sewage": {"hours": 1}},
             "day": {"intervals": [["09:00", "17:00"]]},
             "calendar": {"country": "", "weekmask": "Mon Tue Wed Thu Fri Sat"}}
    out = fill_deadlines(problems([("a", "sewage", "2024-10-01 16:30")]), rules=rules)
    # without a country 1 Oct is a working day; Saturday too by the weekmask
    assert text(out["deadline"]) == ["2024-10-02 09:30 Wed"]
    out = fill_deadlines(problems([("a", "sewage", "2024-10-05 16:30")]), rules=rules)
    assert text(out["deadline"]) == ["2024-10-07 09:30 Mon"]


def test_bad_rules_file_lists_every_problem(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        'nmae = "x"\n'
        '[limits]\nexposed_garbge = { hours = 4 }\npiles = { hours = "4" }\n'
        'sewage = { weeks = 1 }\nsand_mining = { days = 0 }\n'
        '[day]\nintervals = [["14:00", "12:00"]]\n'
        '[calendar]\nweekmask = "Mon Tue Fry"\ncountry = "XX"\n'
        'holidays = [2024-10-08, "8 Oct"]\nworkdays = [2024-10-08]\nextra = 1\n',
        encoding="utf-8")
    with pytest.raises(RubricError) as err:
        load_deadline_rules(path)
    issues = err.value.issues
    assert [i.field for i in issues] == [
        "nmae", "calendar.extra", "limits.exposed_garbge", "limits.piles.hours", "limits.sewage",
        "limits.sand_mining.days", "day.intervals[1]", "calendar.weekmask",
        "calendar.country", "calendar.holidays[2]", "calendar.holidays"]
    assert all(i.file == str(path) for i in issues)
    assert "11 problems in the input" in str(err.value)
    assert issues[2].fix == "write 'exposed_garbage'"
    assert issues[-1].got == "2024-10-08" and issues[-1].fix == "keep the date in one list only"


def test_rules_file_syntax_missing_and_wrong_type(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[limits]\npiles = {days = }\n", encoding="utf-8")
    with pytest.raises(RubricError, match="valid TOML") as err:
        load_deadline_rules(path)
    assert err.value.issues[0].line == 2 and err.value.issues[0].file == str(path)
    with pytest.raises(RubricError, match="an existing deadline rules file"):
        load_deadline_rules(tmp_path / "nope.toml")
    (tmp_path / "gbk.toml").write_bytes("name = '期限'".encode("gbk"))
    with pytest.raises(RubricError, match="UTF-8 text"):
        load_deadline_rules(tmp_path / "gbk.toml")
    with pytest.raises(RubricError, match="a TOML path, a dict or None"):
        load_deadline_rules(42)
    with pytest.raises(RubricError, match="field 'limits': expected a \\[limits\\] table"):
        load_deadline_rules({"limits": ["piles"]})


# ---------------------------------------------------------------- bad arguments


def test_bad_arguments_raise_input_errors():
    start = stamps("2024-05-21 10:00")
    with pytest.raises(InputError, match="exactly one of hours= or days="):
        add_working_time(start, hours=1, days=1)
    with pytest.raises(InputError, match="positive numbers"):
        add_working_time(start, hours=-1)
    with pytest.raises(InputError, match="field 'hours': expected a positive number"):
        add_working_time(start, hours="4h")
    with pytest.raises(InputError, match="a positive number or 1 of them"):
        add_working_time(start, hours=[1, 2])
    with pytest.raises(SchemaError, match="datetimes in the 'start'"):
        add_working_time(pd.Series(["2024-05-21"]), hours=1)
    with pytest.raises(InputError, match="a pandas Series"):
        add_working_time("2024-05-21", hours=1)


def test_bad_problems_raise_schema_errors():
    frame = problems([("a", "Garbage!", "2024-05-21 10:00")])
    with pytest.raises(SchemaError, match="category codes from") as err:
        fill_deadlines(frame)
    assert err.value.issues[0].got == ["Garbage!"]
    # a new category (one a rubric defines: noise) gets no deadline from the rules
    new = fill_deadlines(problems([("a", "noise", "2024-05-21 10:00")]))
    assert new["deadline"].isna().all() and new["deadline_source"].isna().all()
    with pytest.raises(SchemaError) as err:
        fill_deadlines(frame.drop(columns=["category", "found_at"]))
    assert [i.field for i in err.value.issues] == ["category", "found_at"]
    naive = problems([("a", "piles", "2024-05-21 10:00")])
    naive["found_at"] = naive["found_at"].dt.tz_localize(None)
    with pytest.raises(SchemaError, match="tz-aware datetimes in the 'found_at'"):
        fill_deadlines(naive)


# ---------------------------------------------------------------- states


def lifecycle_frame():
    rows = [  # id, deadline, rectified_at, status
        ("on_time", "2024-06-10 12:00", "2024-06-09 12:00", "verified"),
        ("exactly", "2024-06-10 12:00", "2024-06-10 12:00", "rectified"),
        ("late", "2024-06-10 12:00", "2024-06-11 12:00", "rectified"),
        ("overdue", "2024-06-10 12:00", None, "open"),
        ("pending", "2024-06-20 12:00", None, "rectifying"),
        ("none", None, "2024-06-01 12:00", "rectified"),
        ("future_fix", "2024-06-10 12:00", "2024-06-16 12:00", "rectified"),
        ("reopened", "2024-06-10 12:00", "2024-06-09 12:00", "reopened"),
        ("reopened_early", "2024-06-20 12:00", "2024-06-09 12:00", "reopened"),
        ("no_time", "2024-06-10 12:00", None, "verified"),
    ]
    index = pd.Index([r[0] for r in rows], name="problem_id")
    return pd.DataFrame({
        "deadline": stamps(*[r[1] for r in rows]).set_axis(index),
        "rectified_at": stamps(*[r[2] for r in rows]).set_axis(index),
        "status": pd.array([r[3] for r in rows], dtype="string"),
    }, index=index)


def test_states_as_of_a_date_all_five():
    out = states(lifecycle_frame(), as_of="2024-06-15")
    assert out["state"].tolist() == ["on_time", "on_time", "late", "overdue", "pending",
                                     "no_deadline", "overdue", "overdue", "pending", "overdue"]
    assert set(out["state"]) == set(STATES)
    assert out["overdue"].tolist() == [False, False, True, True, False, False, True, True,
                                       False, True]
    assert out["on_time"].tolist() == [True, True] + [False] * 8
    assert out["overdue"].dtype == bool and out["on_time"].dtype == bool
    assert out.index.equals(lifecycle_frame().index)


def test_states_move_with_as_of():
    frame = lifecycle_frame()
    early = states(frame, as_of=pd.Timestamp("2024-06-10 11:00", tz=TZ))["state"]
    assert early.tolist() == ["on_time", "pending", "pending", "pending", "pending",
                              "no_deadline", "pending", "pending", "pending", "pending"]
    # a naive as_of is local time: 12:00 local is not yet past a 12:00 deadline
    noon = states(frame, as_of="2024-06-10 12:00")["state"]
    assert noon["overdue"] == "pending" and noon["exactly"] == "on_time"
    assert states(frame, as_of="2024-06-10 04:30Z")["state"]["overdue"] == "overdue"


def test_states_bad_arguments():
    with pytest.raises(InputError, match="field 'as_of': expected a date or time"):
        states(lifecycle_frame(), as_of="someday")
    with pytest.raises(SchemaError, match="a 'rectified_at' column"):
        states(lifecycle_frame().drop(columns="rectified_at"), as_of="2024-06-15")
