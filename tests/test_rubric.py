"""load_rubric: the bundled rubric, and every kind of bad rubric file, all issues at once."""

import pytest

from _rubrics import default_text, write_rubric

from geozz.errors import RubricError
from geozz.rubric import KEYS, Rubric, load_rubric


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
    assert set(tomllib.loads(default_text())) == set(KEYS)


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
