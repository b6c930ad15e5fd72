"""Hostile input handed to assign, rate and the rubric loader: each case ends in one
exact geozz error (class and a phrase naming the field or file), or an exact outcome."""

import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from _rubrics import default_text, write_rubric

import geozz as gz
from geozz.errors import CRSError, InputError, RubricError, SchemaError
from geozz.rubric import load_rubric
from geozz.units import UNIT_TYPES

TZ = "Asia/Shanghai"
UTM = 32650
X0, Y0 = 800000, 2500000  # Shenzhen, in UTM 50N metres


def grid_units(ids=("A", "B"), types=None, crs=UTM):
    geoms = [box(X0 + 100 * i, Y0, X0 + 100 * (i + 1), Y0 + 100) for i in range(len(ids))]
    return gpd.GeoDataFrame({"unit_type": list(types or ["grid"] * len(ids)),
                             "name": list(ids), "admin": ""},
                            geometry=geoms, crs=crs, index=pd.Index(list(ids), name="unit_id"))


def problems_at(*xy, crs=UTM):
    return gpd.GeoDataFrame({"category": "piles"}, geometry=[Point(x, y) for x, y in xy],
                            crs=crs, index=pd.Index([f"p{i}" for i in range(len(xy))],
                                                    name="problem_id"))


def ledger(unit_ids=("A",), when="2024-05-10 09:00"):
    return pd.DataFrame({"problem_id": [f"p{i}" for i in range(len(unit_ids))],
                         "unit_id": list(unit_ids), "unit_type": "grid", "category": "piles",
                         "found_at": pd.Timestamp(when, tz=TZ), "status": "open"})


# ---- rubric files -------------------------------------------------------------------

def test_negative_share(tmp_path):
    text = default_text().replace("piles = 20\nillegal_construction = 15\nsewage",
                                  "piles = -20\nillegal_construction = 55\nsewage")
    with pytest.raises(RubricError, match=r"shares\.grid\.piles': expected a number of 0 "
                                          r"or more, got -20"):
        load_rubric(write_rubric(tmp_path, text))


def test_negative_points_per_problem(tmp_path):
    text = default_text().replace("points_per_problem = 1", "points_per_problem = -1")
    with pytest.raises(RubricError, match="'points_per_problem': expected a number of 0 or more"):
        load_rubric(write_rubric(tmp_path, text))


def test_full_score_with_a_unit_is_not_a_number(tmp_path):
    text = default_text().replace("full_score = 100", 'full_score = "100分"')
    with pytest.raises(RubricError) as err:
        load_rubric(write_rubric(tmp_path, text))
    assert "'full_score': expected a number, got '100分'" in str(err.value)
    assert len(err.value.issues) == 1  # the shares are not blamed for it


def test_grade_without_min(tmp_path):
    text = default_text().replace('en = "pass"\nmin = 70\n', 'en = "pass"\n')
    with pytest.raises(RubricError, match=r"'grades\[2\]\.min': expected a min"):
        load_rubric(write_rubric(tmp_path, text))


def test_six_stars(tmp_path):
    text = default_text().replace("stars = 5\n", "stars = 6\n")
    with pytest.raises(RubricError, match=r"'stars\[1\]\.stars': expected a whole number of "
                                          r"stars from 1 to 5, got 6"):
        load_rubric(write_rubric(tmp_path, text))


def test_shares_not_adding_up(tmp_path):
    text = default_text().replace("sand_mining = 10", "sand_mining = 15")
    with pytest.raises(RubricError, match=r"'shares\.river': expected shares adding up to "
                                          r"full_score 100, got 105"):
        load_rubric(write_rubric(tmp_path, text))


def test_toml_syntax_error_names_file_and_line(tmp_path):
    text = default_text().replace("full_score = 100", "full_score = = 100")
    f = write_rubric(tmp_path, text)
    with pytest.raises(RubricError) as err:
        load_rubric(f)
    line = text.splitlines().index("full_score = = 100") + 1
    assert err.value.issues[0].line == line
    assert f"{f}, line {line}: expected valid TOML" in str(err.value)


def test_rubric_path_is_a_directory(tmp_path):
    folder = tmp_path / "rubric.toml"
    folder.mkdir()
    with pytest.raises(RubricError, match="rubric.toml: expected a rubric .toml file, not a "
                                          "folder"):
        load_rubric(folder)


def test_rubric_not_utf8(tmp_path):
    f = tmp_path / "gbk.toml"
    f.write_bytes(default_text().encode("gbk"))
    with pytest.raises(RubricError, match="gbk.toml: expected UTF-8 text, got 'byte 0x"):
        gz.rate(ledger(), grid_units(), rubric=f)


# ---- assign -------------------------------------------------------------------------

def test_units_without_crs():
    units = grid_units().set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match=r"units given to assign\(\), field 'crs': expected "
                                       r"units with a CRS"):
        gz.assign(problems_at((X0 + 50, Y0 + 50)), units)


def test_units_4326_holding_metres():
    units = grid_units().set_crs(4326, allow_override=True)
    with pytest.raises(CRSError, match="the data says EPSG:4326 but holds metres"):
        gz.assign(problems_at((X0 + 50, Y0 + 50)), units)


def test_units_utm_holding_degrees():
    units = grid_units().to_crs(4326).set_crs(UTM, allow_override=True)
    with pytest.raises(CRSError, match="the data says EPSG:32650 but holds degrees"):
        gz.assign(problems_at((X0 + 50, Y0 + 50)), units)


def test_duplicate_unit_ids():
    units = grid_units(ids=("A", "A", "B", "B", "C"))
    with pytest.raises(SchemaError, match=r"'unit_id': expected unique unit ids, got "
                                          r"\['A', 'B'\]"):
        gz.assign(problems_at((X0 + 50, Y0 + 50)), units)


def test_unknown_unit_type():
    units = grid_units(ids=("A", "B", "C"), types=["grid", "lake", "pond"])
    with pytest.raises(SchemaError, match=re.escape(
            f"'unit_type': expected unit types from {UNIT_TYPES}, got \"2 units of type "
            "['lake', 'pond']\"")):
        gz.assign(problems_at((X0 + 50, Y0 + 50)), units)


def test_every_units_problem_listed_at_once():
    units = grid_units(ids=("A", "A"), types=["grid", "lake"]).set_crs(None,
                                                                       allow_override=True)
    units.index.name = None
    with pytest.raises(InputError) as err:
        gz.assign(problems_at((X0 + 50, Y0 + 50)), units)
    fields = [i.field for i in err.value.issues]
    assert fields == ["unit_id", "unit_id", "unit_type", "crs"]
    assert type(err.value) is InputError  # schema and CRS problems together


def test_centerline_in_another_crs_works():
    # a road corridor in lon/lat whose centerline column stayed in UTM metres
    line = LineString([(X0, Y0), (X0 + 1000, Y0)])
    road = gpd.GeoDataFrame({"unit_type": ["road"], "name": ["甲路"], "admin": [""]},
                            geometry=[line.buffer(15)], crs=UTM,
                            index=pd.Index(["R-1"], name="unit_id"))
    road["centerline"] = gpd.GeoSeries([line], index=road.index, crs=UTM)
    odd = road.to_crs(4326)
    assert odd["centerline"].crs.to_epsg() == UTM and odd.crs.to_epsg() == 4326
    got = gz.assign(problems_at((X0 + 500, Y0 + 12)), odd)
    assert got[["unit_id", "reason"]].values.tolist() == [["R-1", "inside"]]
    assert got["distance_m"].iloc[0] == pytest.approx(12, abs=0.01)


def test_centerline_without_crs_far_from_the_units():
    line = LineString([(114.2, 22.6), (114.21, 22.6)])  # degrees, in metre units
    road = gpd.GeoDataFrame({"unit_type": ["road"]},
                            geometry=[LineString([(X0, Y0), (X0 + 1000, Y0)]).buffer(15)],
                            crs=UTM, index=pd.Index(["R-1"], name="unit_id"))
    road["centerline"] = pd.Series([line], index=road.index, dtype=object)
    with pytest.raises(CRSError, match="'centerline': expected centre lines in the units' "
                                       "CRS"):
        gz.assign(problems_at((X0 + 500, Y0 + 12)), road)


def test_problems_4326_holding_metres():
    with pytest.raises(CRSError, match=r"problems given to assign\(\).*holds metres"):
        gz.assign(problems_at((X0 + 50, Y0 + 50), crs=4326), grid_units())


# ---- rate ---------------------------------------------------------------------------

def test_ledger_missing_found_at():
    with pytest.raises(SchemaError, match=r"ledger given to rate\(\), field 'found_at': "
                                          r"expected a 'found_at' column"):
        gz.rate(ledger().drop(columns="found_at"), grid_units())


def test_naive_found_at():
    led = ledger()
    led["found_at"] = led["found_at"].dt.tz_localize(None)
    with pytest.raises(SchemaError, match="'found_at': expected tz-aware datetimes, got "
                                          "'naive datetimes'"):
        gz.rate(led, grid_units())


def test_freq_day():
    with pytest.raises(InputError, match=r"'freq': expected one of \('W', 'M', 'Q', 'Y'\) or a pair of dates.*got 'D'"):
        gz.rate(ledger(), grid_units(), freq="D")


def test_period_month_13():
    with pytest.raises(InputError, match=r"'periods': expected periods of freq 'M' like "
                                         r"'2024-05', got \['2024-13'\]"):
        gz.rate(ledger(), grid_units(), periods=["2024-05", "2024-13"])


def test_quarter_asked_of_monthly_rating():
    with pytest.raises(InputError, match=r"got \['2024Q2'\]"):
        gz.rate(ledger(), grid_units(), periods=["2024Q2"])


def test_as_of_yesterday():
    with pytest.raises(InputError, match="'as_of': expected a date or time.*got 'yesterday'"):
        gz.rate(ledger(), grid_units(), as_of="yesterday")


def test_ledger_from_other_units():
    led = ledger(unit_ids=("A", "Z1", "Z2", "Z2"))
    with pytest.raises(InputError, match=r"'unit_id': expected ledger unit ids that are in "
                                         r"units, got \"2 unknown ids, e.g. \['Z1', 'Z2'\]\""):
        gz.rate(led, grid_units())


def test_bad_options_listed_together():
    led = ledger(unit_ids=("Z1",))
    with pytest.raises(InputError) as err:
        gz.rate(led, grid_units(), periods=["2024-13"], as_of="yesterday")
    assert [i.field for i in err.value.issues] == ["unit_id", "periods", "as_of"]
