"""read_adjustments: manual 加分 / 扣分 per unit and period, and the rows it rejects."""

import datetime as dt

import pandas as pd
import pytest

from geozz.adjustments import REJECT_REASONS, parse_period, read_adjustments
from geozz.errors import InputError

GOOD_AND_BAD = (
    "单元编号,考核期,分值,原因\n"
    "G1,2024-05,+2,创新示范\n"          # 1 ok
    "G2,2024Q2,−5,重大安全事故\n"        # 2 ok (unicode minus)
    ",2024-05,1,x\n"                     # 3 no_unit
    "G9,2024-05,1,x\n"                   # 4 unknown_unit
    "G1,2024-13,1,x\n"                   # 5 bad_period
    "G1,五月,1,x\n"                      # 6 bad_period
    "G1,2024-05,三分,x\n"                # 7 bad_points
    "G1,2024-05,0,x\n"                   # 8 bad_points (0 adjusts nothing)
    "G1,2024-05,-1.5分,  \n"             # 9 no_reason
    "G2,2024年第3季度,-1.5分,夜间倾倒\n"  # 10 ok
    "G1,2024-05,1,x,extra\n"             # 11 malformed (one field too many)
)


def write(tmp_path, text, name="adj.csv", encoding="utf-8"):
    f = tmp_path / name
    f.write_bytes(text.encode(encoding))
    return f


def test_good_rows_and_every_reject_reason(tmp_path):
    units = pd.DataFrame({"unit_type": ["grid", "grid"]}, index=["G1", "G2"])
    adj, rejects = read_adjustments(write(tmp_path, GOOD_AND_BAD), units=units)
    assert adj.to_dict("list") == {"unit_id": ["G1", "G2", "G2"],
                                   "period": ["2024-05", "2024Q2", "2024Q3"],
                                   "points": [2.0, -5.0, -1.5],
                                   "reason": ["创新示范", "重大安全事故", "夜间倾倒"]}
    assert rejects["row"].tolist() == [3, 4, 5, 6, 7, 8, 9, 11]
    assert rejects["reason"].tolist() == ["no_unit", "unknown_unit", "bad_period",
                                          "bad_period", "bad_points", "bad_points",
                                          "no_reason", "malformed"]
    assert rejects["field"].tolist()[:7] == ["unit_id", "unit_id", "period", "period",
                                             "points", "points", "reason"]
    assert rejects["value"].tolist()[:7] == [None, "G9", "2024-13", "五月", "三分", "0",
                                             "  "]
    assert rejects["line"].tolist() == [4, 5, 6, 7, 8, 9, 10, 12]
    assert set(rejects["reason"]) <= set(REJECT_REASONS)
    assert len(adj) + len(rejects) == 11  # count in = count out


def test_without_units_any_id_is_accepted_and_the_first_reason_wins(tmp_path):
    text = "unit_id,period,points,reason\nG9,2024-05,1,ok\nG8,bad,bad,\n"
    adj, rejects = read_adjustments(write(tmp_path, text))
    assert adj["unit_id"].tolist() == ["G9"]
    assert rejects[["row", "reason", "field", "raw_reason", "period"]].values.tolist() \
        == [[2, "bad_period", "period", None, "bad"]]
    _, rejects = read_adjustments(write(tmp_path, text, name="b.csv"), units=["G1"])
    assert rejects["reason"].tolist() == ["unknown_unit", "unknown_unit"]


def test_gbk_csv_with_a_title_row(tmp_path):
    text = ("2024年5月考核加扣分表,,,\n"
            "网格编号,月份,加扣分,事由\n"
            "G1,2024年5月,3,创建示范村\n"
            "G2,2024/6,-2分,\n"
            "G2,2024/6,-2分,x,y\n")
    adj, rejects = read_adjustments(write(tmp_path, text, encoding="gbk"),
                                    units=["G1", "G2"])
    assert adj.values.tolist() == [["G1", "2024-05", 3.0, "创建示范村"]]
    assert rejects[["row", "line", "reason"]].values.tolist() == [[2, 4, "no_reason"],
                                                                  [3, 5, "malformed"]]


def test_xlsx_with_title_rows_and_typed_cells(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["龙岗区整脏治乱考核"])
    ws.append(["加扣分明细"])
    ws.append(["单元编号", "考核期", "分值", "原因"])
    ws.append(["G1", dt.datetime(2024, 5, 1), 2, "创新"])    # a month Excel made a date
    ws.append(["G2", "2024Q2", -3.5, "事故"])
    ws.append(["G2", dt.datetime(2024, 5, 2), 1, "日期不是月份"])
    f = tmp_path / "adj.xlsx"
    wb.save(f)
    adj, rejects = read_adjustments(f, units=["G1", "G2"])
    assert adj.values.tolist() == [["G1", "2024-05", 2.0, "创新"],
                                   ["G2", "2024Q2", -3.5, "事故"]]
    assert rejects[["row", "line", "reason", "value"]].values.tolist() == \
        [[3, 6, "bad_period", "2024-05-02 00:00:00"]]


def test_missing_columns_are_all_listed_and_columns_maps_names(tmp_path):
    f = write(tmp_path, "村编码,period,points,备注\nV1,2024,5,奖励\n")
    with pytest.raises(InputError) as err:
        read_adjustments(f)
    assert [i.field for i in err.value.issues] == ["unit_id", "reason"]
    assert "expected a column named one of ['unit_id', '单元编号'" in str(err.value)
    assert "pass columns={'<name>': 'unit_id'}" in str(err.value)
    adj, rejects = read_adjustments(f, columns={"村编码": "unit_id", "备注": "reason"})
    assert adj.values.tolist() == [["V1", "2024", 5.0, "奖励"]] and rejects.empty
    with pytest.raises(InputError, match=r"columns\['备注'\]\": expected one of \['unit_id'"):
        read_adjustments(f, columns={"备注": "note"})


def test_files_that_cannot_be_adjustments(tmp_path):
    with pytest.raises(InputError, match="expected a .csv or .xlsx file of adjustments"):
        read_adjustments(write(tmp_path, "{}", name="adj.json"))
    with pytest.raises(InputError, match="an existing file"):
        read_adjustments(tmp_path / "absent.csv")
    with pytest.raises(InputError, match="the units .* or a list of unit ids"):
        read_adjustments(write(tmp_path, GOOD_AND_BAD), units="G1")


@pytest.mark.parametrize("value, period", [
    ("2024-05", "2024-05"), ("2024-5", "2024-05"), ("2024年5月", "2024-05"),
    ("2024/05", "2024-05"), ("2024-05-01 00:00:00", "2024-05"), ("2024Q2", "2024Q2"),
    ("2024-Q4", "2024Q4"), ("2024年第1季度", "2024Q1"), ("2024", "2024"), ("2024年", "2024"),
    ("2024-00", None), ("2024Q5", None), ("2024-05-15", None), ("24-05", None), ("", None),
    (None, None)])
def test_parse_period(value, period):
    assert parse_period(value) == period
