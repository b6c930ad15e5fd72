"""load_rubric: the bundled rubric, and every kind of bad rubric file, all issues at once."""

import numpy as np
import pandas as pd
import pytest
from _rubrics import default_text, write_rubric

from geozz.errors import InputError, RubricError
from geozz.rubric import KEYS, Rubric, available_rubrics, load_rubric


def fields(err):
    return [i.field for i in err.value.issues]


def test_default_rubric_values():
    rb = load_rubric()
    assert (rb.name, rb.full_score, rb.points_per_problem) == ("default", 100.0, 1.0)
    assert rb.grades == [(90.0, "优秀", "excellent"), (70.0, "达标", "pass"),
                         (0.0, "不达标", "fail")]
    assert rb.stars == [(95.0, 5), (90.0, 4), (80.0, 3), (70.0, 2), (0.0, 1)]
    assert {t: sum(s.values()) for t, s in rb.shares.items()} == \
        {"grid": 100.0, "road": 100.0, "river": 100.0}
    assert load_rubric(rb) is rb


MINI = """
full_score = 10
[shares.grid]
piles = 10
{grades}
{stars}
"""
LOW_FIRST = """
[[stars]]
stars = 1
min = 0
[[stars]]
stars = 3
min = 5
[[stars]]
stars = 5
min = 9.5
"""


def test_small_rubric_in_any_order_named_after_its_file(tmp_path):
    grades = '[[grades]]\nlabel = "low"\nmin = 0\n[[grades]]\nlabel = "high"\nmin = 8\n'
    rb = load_rubric(write_rubric(tmp_path, MINI.format(grades=grades, stars=LOW_FIRST),
                           name="strict.toml"))
    assert rb.name == "strict"
    assert rb.stars == [(9.5, 5), (5.0, 3), (0.0, 1)]
    assert rb.grades == [(8.0, "high", ""), (0.0, "low", "")]
    assert rb.shares == {"grid": {"piles": 10.0}}
    assert list(rb.stars_for([9.5, 9.49, 5, 4.99, 0])) == [5, 3, 3, 1, 1]


def test_bom_is_accepted(tmp_path):
    f = tmp_path / "bom.toml"
    f.write_bytes(b"\xef\xbb\xbf" + default_text().encode("utf-8"))
    assert load_rubric(f).shares == load_rubric().shares


def test_every_problem_is_listed_at_once(tmp_path):
    text = (default_text()
            .replace("full_score = 100", "full_score = 100\npionts = 2")
            .replace("points_per_problem = 1", "points_per_problem = true")
            .replace('label = "达标"\n', "")
            .replace("stars = 3\nmin = 80", "stars = 3\nmin = 180")
            .replace("[shares.river]", "[shares.lake]\npiles = 100\n\n[shares.river]"))
    with pytest.raises(RubricError) as err:
        load_rubric(write_rubric(tmp_path, text))
    assert fields(err) == ["pionts", "points_per_problem", "shares.lake", "grades[2].label",
                           "stars[3].min"]
    msg = str(err.value)
    assert "5 problems in the input" in msg
    assert "'pionts': expected only the keys" in msg
    assert "'points_per_problem': expected a number, got True" in msg
    assert "'stars[3].min': expected a number from 0 to full_score (100), got 180" in msg


@pytest.mark.parametrize("value", ['"100"', "true", "[100]", "{ a = 1 }", "1979-05-27",
                                   "nan", "inf", "-100", "0"])
def test_full_score_must_be_a_positive_number(tmp_path, value):
    text = default_text().replace("full_score = 100", f"full_score = {value}")
    with pytest.raises(RubricError) as err:
        load_rubric(write_rubric(tmp_path, text))
    assert fields(err) == ["full_score"]
    assert "expected a" in str(err.value) and "number" in str(err.value)


def test_points_per_problem_zero_is_allowed(tmp_path):
    text = default_text().replace("points_per_problem = 1", "points_per_problem = 0")
    assert load_rubric(write_rubric(tmp_path, text)).points_per_problem == 0.0


def test_stars_must_rise_with_the_threshold(tmp_path):
    text = default_text().replace("stars = 5\nmin = 95", "stars = 5\nmin = 85")
    with pytest.raises(RubricError, match="more stars for higher thresholds"):
        load_rubric(write_rubric(tmp_path, text))


def test_repeated_threshold_and_no_zero(tmp_path):
    text = default_text().replace("min = 70\n\n[[grades]]", "min = 90\n\n[[grades]]") \
        .replace("stars = 1\nmin = 0", "stars = 1\nmin = 10")
    with pytest.raises(RubricError) as err:
        load_rubric(write_rubric(tmp_path, text))
    assert fields(err) == ["grades", "stars"]
    assert "a different min for every entry, got [90.0, 90.0, 0.0]" in str(err.value)
    assert "one entry with min = 0" in str(err.value)


def test_float_star_count_and_text_min(tmp_path):
    text = default_text().replace("stars = 4\n", "stars = 4.0\n") \
        .replace("stars = 2\nmin = 70", 'stars = 2\nmin = "70"')
    with pytest.raises(RubricError) as err:
        load_rubric(write_rubric(tmp_path, text))
    assert fields(err) == ["stars[2].stars", "stars[4].min"]


def test_entries_that_are_not_tables(tmp_path):
    text = "grades = [90, 70, 0]\n" + MINI.format(grades="", stars=LOW_FIRST)
    with pytest.raises(RubricError) as err:
        load_rubric(write_rubric(tmp_path, text))
    assert fields(err) == ["grades[1]", "grades[2]", "grades[3]"]
    text = "grades = []\n" + MINI.format(grades="", stars=LOW_FIRST)
    with pytest.raises(RubricError, match=r"'grades': expected a list of \[\[grades\]\] "
                                          "tables with min and label, got \\[\\]"):
        load_rubric(write_rubric(tmp_path, text))


def test_shares_not_a_table_and_unknown_entry_keys(tmp_path):
    text = default_text().replace('en = "excellent"', 'en = "excellent"\nmax = 100')
    text = text[:text.index("[shares.grid]")].replace("points_per_problem = 1",
                                                      "points_per_problem = 1\nshares = 5")
    with pytest.raises(RubricError) as err:
        load_rubric(write_rubric(tmp_path, text))
    assert fields(err) == ["shares", "grades[1].max"]


def test_missing_keys_and_missing_file(tmp_path):
    with pytest.raises(RubricError) as err:
        load_rubric(write_rubric(tmp_path, 'name = "x"\n'))
    assert fields(err) == ["full_score", "shares", "grades", "stars"]
    with pytest.raises(RubricError, match="check the spelling"):
        load_rubric(tmp_path / "absent.toml")
    with pytest.raises(RubricError, match="expected a rubric name, a path or a Rubric, got "
                                          "'int'"):
        load_rubric(5)


def test_known_keys_are_those_of_the_default():
    import tomllib
    # the optional keys without a default value are shown commented out
    assert set(tomllib.loads(default_text())) | {"maps", "cap", "warn_below"} == set(KEYS)


def test_rubric_passthrough_type():
    assert isinstance(load_rubric("default"), Rubric)


GRADES = '[[grades]]\nlabel = "low"\nmin = 0\n[[grades]]\nlabel = "top"\nmin = {top}\n'


def test_defaults_and_the_name_and_description_given(tmp_path):
    rb = load_rubric(write_rubric(tmp_path, MINI.format(grades=GRADES.format(top=8),
                                                         stars=LOW_FIRST)))
    assert (rb.points_per_problem, rb.description) == (1.0, "")
    text = 'name = "村庄"\ndescription = "每月百分制"\n' + \
        MINI.format(grades=GRADES.format(top=8), stars=LOW_FIRST)
    rb = load_rubric(write_rubric(tmp_path, text))
    assert (rb.name, rb.description) == ("村庄", "每月百分制")


def test_a_threshold_may_equal_but_not_pass_the_full_score(tmp_path):
    ok = load_rubric(write_rubric(tmp_path, MINI.format(grades=GRADES.format(top=10),
                                                         stars=LOW_FIRST)))
    assert ok.grade_for(10) == "top" and ok.grade_for(9.99) == "low"
    with pytest.raises(RubricError, match=r"grades\[2\]\.min") as err:
        load_rubric(write_rubric(tmp_path, MINI.format(grades=GRADES.format(top=10.5),
                                                       stars=LOW_FIRST)))
    assert "full_score (10)" in str(err.value)


def test_an_unknown_unit_type_does_not_stop_checking_the_others(tmp_path):
    text = default_text().replace("[shares.grid]", "[shares.lake]\npiles = 100\n\n"
                                  "[shares.grid]").replace("exposed_garbage = 25",
                                                           "exposed_garbage = 26", 1)
    with pytest.raises(RubricError) as err:
        load_rubric(write_rubric(tmp_path, text))
    assert {"shares.lake", "shares.grid"} <= set(fields(err))


# --- the rubric schema of issue 16: maps, per_problem, extra, floor, cap, ... ---------

STARS5 = "".join(f"[[stars]]\nstars = {n}\nmin = {m}\n"
                 for n, m in [(5, 95), (4, 90), (3, 80), (2, 70), (1, 0)])
GRADES3 = '[[grades]]\nlabel = "ok"\nmin = 60\n[[grades]]\nlabel = "bad"\nmin = 0\n'

# grid: two rubric categories fed by three problem categories; road: identity
SCHEMA = """
full_score = 100
points_per_problem = 2
{settings}
[per_problem]
clean = 3
[extra]
overdue = 1.5
open_at_end = 1
recurrence = 0.5
reopened = 2
[shares.grid]
clean = 60
build = 40
[maps.grid]
exposed_garbage = "clean"
piles = "clean"
illegal_construction = "build"
[shares.road]
exposed_garbage = 70
street_vending = 30
""" + GRADES3 + STARS5


def schema(tmp_path, settings="", name="schema.toml"):
    return load_rubric(write_rubric(tmp_path, SCHEMA.format(settings=settings), name=name))


def test_new_fields_read_from_the_file(tmp_path):
    rb = schema(tmp_path, 'floor = 20\ncap = 70\nperiod_mean = "sum"\n'
                          'normalise = "per_km"\nwarn_below = 65\n')
    assert rb.maps == {"grid": {"exposed_garbage": "clean", "piles": "clean",
                                "illegal_construction": "build"},
                       "road": {"exposed_garbage": "exposed_garbage",
                                "street_vending": "street_vending"}}
    assert rb.per_problem == {"clean": 3.0, "build": 2.0, "exposed_garbage": 2.0,
                              "street_vending": 2.0}
    assert rb.extra == {"overdue": 1.5, "open_at_end": 1.0, "recurrence": 0.5,
                        "reopened": 2.0}
    assert (rb.floor, rb.cap, rb.period_mean, rb.normalise, rb.warn_below) == \
        (20.0, 70.0, "sum", "per_km", 65.0)
    assert rb.categories() == ["clean", "build", "exposed_garbage", "street_vending"]


def test_defaults_of_the_new_fields_are_todays_behaviour():
    rb = load_rubric()
    assert rb.maps["road"] == {c: c for c in rb.shares["road"]}
    assert set(rb.per_problem.values()) == {1.0} and set(rb.per_problem) == \
        set(rb.categories())
    assert rb.extra == dict.fromkeys(("overdue", "open_at_end", "recurrence", "reopened"),
                                     0.0)
    assert (rb.floor, rb.cap, rb.period_mean, rb.normalise, rb.warn_below) == \
        (0.0, None, "mean", "none", None)
    # a Rubric built in code gets the same defaults
    built = Rubric(name="x", full_score=10.0, points_per_problem=0.5,
                   shares={"grid": {"piles": 10.0}}, grades=[(0.0, "g", "")],
                   stars=[(0.0, 1)])
    assert (built.maps, built.per_problem, built.extra["reopened"]) == \
        ({"grid": {"piles": "piles"}}, {"piles": 0.5}, 0.0)


def test_deductions_hand_computed(tmp_path):
    rb = schema(tmp_path)
    counts = pd.DataFrame({
        # row 0 grid: clean = (4 + 3) problems x 3 = 21; build = 5 x 2 = 10
        # row 1 grid: clean = 25 x 3 = 75 -> share 60; sand_mining not in the grid map
        # row 2 road: exposed_garbage 10 x 2 = 20, street_vending 20 x 2 = 40 -> 30;
        #             piles not in the road map
        "exposed_garbage": [4, 25, 10],
        "piles": [3, 0, 2],
        "illegal_construction": [5, 0, 0],
        "street_vending": [0, 0, 20],
        "sand_mining": [0, 7, 0],
    }, index=[10, 11, 12])
    extras = pd.DataFrame({"overdue": [2, 0, 0], "open_at_end": [1, 0, 0],
                           "recurrence": [1, 0, 0], "reopened": [0, 0, 1]},
                          index=[10, 11, 12])
    d = rb.deductions(np.array(["grid", "grid", "road"]), counts, extras)
    assert list(d.index) == [10, 11, 12]
    assert list(d.columns) == ["ded_clean", "ded_build", "ded_exposed_garbage",
                               "ded_street_vending", "ded_extra", "deduction", "score",
                               "not_rated"]
    assert d["ded_clean"].tolist() == [21.0, 60.0, 0.0]
    assert d["ded_build"].tolist() == [10.0, 0.0, 0.0]
    assert d["ded_exposed_garbage"].tolist() == [0.0, 0.0, 20.0]
    assert d["ded_street_vending"].tolist() == [0.0, 0.0, 30.0]
    # 2 x 1.5 + 1 x 1 + 1 x 0.5 = 4.5; road: 1 reopened x 2
    assert d["ded_extra"].tolist() == [4.5, 0.0, 2.0]
    assert d["deduction"].tolist() == [35.5, 60.0, 52.0]
    assert d["score"].tolist() == [64.5, 40.0, 48.0]
    assert d["not_rated"].tolist() == [0.0, 7.0, 2.0]


def test_floor_and_cap(tmp_path):
    counts = pd.DataFrame({"exposed_garbage": [100, 10, 0], "illegal_construction": [100, 0, 0]})
    extras = pd.DataFrame({"overdue": [10, 0, 0], "reopened": [0, 0, 0]})
    types = ["grid"] * 3
    # without floor and cap: 60 + 40 + 15 = 115 -> everything, score 0
    plain = schema(tmp_path, name="plain.toml").deductions(types, counts, extras)
    assert plain["deduction"].tolist() == [100.0, 30.0, 0.0]
    assert plain["score"].tolist() == [0.0, 70.0, 100.0]
    floored = schema(tmp_path, "floor = 40", name="floored.toml") \
        .deductions(types, counts, extras)
    assert floored["ded_extra"].tolist() == [15.0, 0.0, 0.0]  # shown in full
    assert floored["deduction"].tolist() == [60.0, 30.0, 0.0]
    assert floored["score"].tolist() == [40.0, 70.0, 100.0]
    capped = schema(tmp_path, "cap = 25", name="capped.toml").deductions(types, counts, extras)
    assert capped["deduction"].tolist() == [25.0, 25.0, 0.0]
    assert capped["score"].tolist() == [75.0, 75.0, 100.0]
    both = schema(tmp_path, "cap = 70\nfloor = 40", name="both.toml") \
        .deductions(types, counts, extras)
    assert both["score"].tolist() == [40.0, 70.0, 100.0]


def test_deductions_default_matches_the_practice():
    rb = load_rubric()
    counts = pd.DataFrame({"piles": [0, 3, 30], "floating_debris": [5, 5, 5]})
    d = rb.deductions(["grid", "grid", "river"], counts)
    assert d["ded_piles"].tolist() == [0.0, 3.0, 0.0]  # river does not rate piles
    assert d["ded_floating_debris"].tolist() == [0.0, 0.0, 5.0]
    assert d["score"].tolist() == [100.0, 97.0, 95.0]
    assert d["not_rated"].tolist() == [5.0, 5.0, 30.0]
    assert d["ded_extra"].tolist() == [0.0, 0.0, 0.0]


def test_deductions_refuse_unknown_types_and_bad_counts():
    rb = load_rubric()
    counts = pd.DataFrame({"piles": [1, 2]})
    with pytest.raises(RubricError, match=r"expected unit types the rubric rates .*"
                                          r"got \['lake'\]"):
        rb.deductions(["grid", "lake"], counts)
    with pytest.raises(RubricError, match="one unit type per row of counts"):
        rb.deductions(["grid"], counts)
    with pytest.raises(InputError, match="counts of 0 or more"):
        rb.deductions(["grid", "grid"], pd.DataFrame({"piles": [1, -1]}))
    with pytest.raises(InputError, match="numbers of problems"):
        rb.deductions(["grid", "grid"], pd.DataFrame({"piles": ["a", "1"]}))
    with pytest.raises(RubricError, match="one row per row of counts"):
        rb.deductions(["grid", "grid"], counts, pd.DataFrame({"overdue": [1]}))


def test_bundled_rubrics_are_listed_and_a_wrong_name_lists_them():
    assert available_rubrics() == ["annual", "default", "quarterly4", "village"]
    with pytest.raises(RubricError) as err:
        load_rubric("vilage")
    assert "['annual', 'default', 'quarterly4', 'village']" in str(err.value)
    assert "check the spelling" in str(err.value)


def test_quarterly4_grades_four_levels():
    rb = load_rubric("quarterly4")
    assert [g[1] for g in rb.grades] == ["好", "较好", "一般", "差"]
    assert list(rb.grade_for([100, 90, 89.99, 80, 79.99, 70, 69.99, 0])) == \
        ["好", "好", "较好", "较好", "一般", "一般", "差", "差"]
    assert rb.period_mean == "mean"
    assert rb.shares == load_rubric().shares


def test_village_rubric_maps_warns_and_grades():
    rb = load_rubric("village")
    assert (rb.full_score, rb.warn_below, rb.extra["overdue"]) == (100.0, 70.0, 1.0)
    assert {t: sum(s.values()) for t, s in rb.shares.items()} == \
        {"grid": 100.0, "road": 100.0, "river": 100.0}
    counts = pd.DataFrame({"exposed_garbage": [10, 0], "piles": [25, 0],
                           "sewage_outfall": [3, 0], "street_vending": [4, 0]})
    d = rb.deductions(["grid", "road"], counts, pd.DataFrame({"overdue": [5, 0]}))
    # garbage: 35 problems -> share 40 caps at 35; sewage 3; extra 5 x 1
    assert d.loc[0, ["ded_garbage", "ded_sewage", "ded_extra", "score", "not_rated"]] \
        .tolist() == [35.0, 3.0, 5.0, 57.0, 4.0]
    assert list(rb.grade_for([90, 70, 69.5])) == ["优秀", "合格", "不合格"]


def test_every_schema_mistake_is_listed_with_its_key_and_fix(tmp_path):
    text = (SCHEMA.format(settings='floor = 100\ncap = 0\nperiod_mean = "median"\n'
                                   'normalise = "per_m"\nwarn_below = 101\n')
            .replace("clean = 3\n", "clean = 3\ncleen = 1\n")
            .replace("reopened = 2\n", "reopened = 2\nlate = 1\n")
            .replace('piles = "clean"\n', 'piles = "cleaning"\npile = "clean"\n')
            .replace("[shares.road]", "[maps.river]\npiles = \"x\"\n[shares.road]"))
    with pytest.raises(RubricError) as err:
        load_rubric(write_rubric(tmp_path, text))
    assert fields(err) == ["maps.grid.piles", "maps.grid.pile", "maps.river",
                           "per_problem.cleen", "extra.late", "floor", "cap", "warn_below",
                           "period_mean", "normalise"]
    msg = str(err.value)
    assert "10 problems in the input" in msg
    assert ("'maps.grid.piles': expected a category of [shares.grid] (['build', 'clean'])"
            ", got 'cleaning'. Fix: map it to one of them or add it to [shares.grid]") in msg
    assert "'maps.grid.pile': expected a problem category code from" in msg
    assert "'maps.river': expected a unit type with a [shares.river] table" in msg
    assert "'per_problem.cleen': expected a rubric category of the shares" in msg
    assert "'extra.late': expected one of ['overdue', 'open_at_end', 'recurrence', " \
           "'reopened'], got 'late'. Fix: remove it or correct its spelling" in msg
    assert "'floor': expected a number below full_score (100), got 100.0" in msg
    assert "'cap': expected a positive number, got 0" in msg
    assert "'warn_below': expected a number from 0 to full_score (100), got 101" in msg
    assert "'period_mean': expected one of ['mean', 'sum'], got 'median'. " \
           "Fix: write period_mean = \"mean\"" in msg
    assert "'normalise': expected one of ['none', 'per_km', 'per_km2'], got 'per_m'" in msg


def test_shares_of_a_mapped_type_must_each_receive_problems(tmp_path):
    text = SCHEMA.format(settings="").replace('illegal_construction = "build"\n', "")
    with pytest.raises(RubricError) as err:
        load_rubric(write_rubric(tmp_path, text))
    assert fields(err) == ["shares.grid.build"]
    assert "expected a category some problem category maps to in [maps.grid], got " \
           "'build'. Fix: add e.g. piles = \"build\" to [maps.grid]" in str(err.value)


def test_shares_of_a_mapped_type_are_free_names_of_an_unmapped_type_codes(tmp_path):
    text = SCHEMA.format(settings="").replace("clean = 60", "Clean-Up = 60") \
        .replace('"clean"', '"Clean-Up"').replace("clean = 3\n", "") \
        .replace("street_vending = 30", "street_vendng = 30")
    with pytest.raises(RubricError) as err:
        load_rubric(write_rubric(tmp_path, text))
    assert fields(err) == ["shares.grid.Clean-Up", "shares.road.street_vendng"]
    msg = str(err.value)
    assert "expected a rubric category name of lower-case letters, digits and _" in msg
    assert "got 'street_vendng'. Fix: write 'street_vending'" in msg
    # a new category of an unmapped type is a problem category of its own (noise)
    ok = load_rubric(write_rubric(tmp_path, text.replace("street_vendng", "noise")
                                  .replace("Clean-Up", "clean_up")))
    assert "noise" in ok.shares["road"] and "noise" in ok.problem_categories()


def test_tables_of_the_wrong_kind(tmp_path):
    text = SCHEMA.format(settings="maps = 3\nper_problem = 1\nextra = [1]\n") \
        .replace("[per_problem]\nclean = 3\n", "").replace(
            "[extra]\noverdue = 1.5\nopen_at_end = 1\nrecurrence = 0.5\nreopened = 2\n", "") \
        .replace('[maps.grid]\nexposed_garbage = "clean"\npiles = "clean"\n'
                 'illegal_construction = "build"\n', "")
    with pytest.raises(RubricError) as err:
        load_rubric(write_rubric(tmp_path, text))
    # without maps, grid's clean and build are problem categories of their own (new ones)
    assert fields(err) == ["maps", "per_problem", "extra"]
    assert "'per_problem': expected a table of rubric category = points" in str(err.value)


def test_annual_rubric_adds_up_the_months_of_a_year():
    import geozz as gz

    units = gz.datasets.sf311_tracts()
    problems, _ = gz.datasets.sf311_problems()
    ledger = gz.assign(problems, units)
    rb = load_rubric("annual")
    assert rb.period_mean == "sum" and rb.shares == load_rubric().shares
    monthly = gz.rate(ledger, units, freq="M")
    monthly["year"] = monthly["period"].astype(str).str[:4]
    lost = (100 - monthly["score"]).groupby([monthly["unit_id"], monthly["year"]]).sum()
    yearly = gz.rate(ledger, units, freq="Y", rubric="annual")
    yearly = yearly.set_index(["unit_id", yearly["period"].astype(str)])["score"]
    mean = gz.rate(ledger, units, freq="Y")
    mean = mean.set_index(["unit_id", mean["period"].astype(str)])["score"]
    lost.index = lost.index.set_names(yearly.index.names)
    small = lost[lost < 5]  # below the smallest share: no category hits its limit (扣完为止)
    assert len(small) > 1000
    assert np.allclose(100 - yearly.loc[small.index], small)
    # a whole year: the default takes the mean of twelve months, the annual rubric their sum
    whole = lost.index.get_level_values(1).isin([str(y) for y in range(2009, 2016)])
    hit = lost[(lost >= 2) & whole].index
    assert len(hit) > 500 and (yearly.loc[hit] < mean.loc[hit]).all()
    assert set(gz.rate(ledger, units, freq="Y", rubric="annual")["stars"]) == {1, 2, 3, 4, 5}
