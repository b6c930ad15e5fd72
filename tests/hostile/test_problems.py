"""read_problems against hostile and broken files: every case asserts the exact outcome."""

import gzip
import json

import pandas as pd
import pytest

import geozz as gz
from geozz.errors import InputError, InvariantError, SchemaError

HEADER = ["编号", "问题类型", "发现时间", "来源", "状态", "整改期限", "整改完成时间", "经度",
          "纬度", "坐标系", "问题描述", "上报人", "联系电话"]


def rec(i, **kw):
    """One CSV record as a list of 13 fields; keyword arguments override fields."""
    r = {"编号": f"H{i}", "问题类型": "暴露垃圾", "发现时间": "2024-05-01 08:00",
         "来源": "巡查", "状态": "待整改", "整改期限": "", "整改完成时间": "",
         "经度": "114.2", "纬度": "22.69", "坐标系": "wgs84", "问题描述": f"描述{i}",
         "上报人": f"人{i}", "联系电话": f"1380000000{i}"}
    r.update(kw)
    return [r[h] for h in HEADER]


def line(fields):
    return ",".join(fields)


def write(tmp_path, lines, name="p.csv", header=HEADER, encoding="utf-8"):
    f = tmp_path / name
    text = "\n".join([line(header), *lines]) + "\n"
    f.write_bytes(text.encode(encoding))
    return f


def records(rejects):
    return rejects[rejects["kind"] == "record"]


# ------------------------------------------------------------------ malformed text records

def test_row_with_one_field_too_many_is_rejected_alone(tmp_path):
    f = write(tmp_path, [line(rec(1)), line(rec(2)) + ",多余", line(rec(3))])
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["H1", "H3"]
    assert rejects[["row", "line", "kind", "reason"]].values.tolist() == [
        [2, 3, "record", "malformed_record"]]
    assert rejects.loc[0, "value"] == "14 fields where the header has 13"
    assert rejects["上报人"].isna().all()  # no field lands in the wrong column


def test_trailing_empty_fields_as_spreadsheets_write_them_are_accepted(tmp_path):
    f = write(tmp_path, [line(rec(1)) + ",,", line(rec(2))])
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["H1", "H2"] and rejects.empty


def test_row_with_a_field_missing_is_rejected(tmp_path):
    f = write(tmp_path, [line(rec(1)[:-1]), line(rec(2))])
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["H2"]
    assert rejects[["row", "line", "reason"]].values.tolist() == [[1, 2, "malformed_record"]]
    assert rejects.loc[0, "value"] == "12 fields where the header has 13"


def test_unbalanced_quote_does_not_swallow_the_next_records(tmp_path):
    # record 2 opens a quote it never closes; record 6's quoted description closes it.
    # Read whole, records 2-6 would merge into one with record 6's reporter and phone.
    rows = [rec(1), rec(2, 问题描述='"垃圾未清'), rec(3), rec(4), rec(5),
            rec(6, 问题描述='"满溢"'), rec(7), rec(8)]
    f = write(tmp_path, [line(r) for r in rows])
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["H1", "H3", "H4", "H5", "H6", "H7", "H8"]
    assert rejects[["row", "line", "kind", "reason"]].values.tolist() == [
        [2, 3, "record", "malformed_record"]]
    assert "unbalanced quote" in rejects.loc[0, "value"]
    # personal fields stay with their own record
    assert problems["reporter"].tolist() == ["人1", "人3", "人4", "人5", "人6", "人7", "人8"]
    assert problems.loc["H6", "phone"] == "13800000006"
    assert problems.loc["H6", "description"] == "满溢"
    assert len(problems) + len(records(rejects)) == 8


def test_unbalanced_quote_on_the_last_record(tmp_path):
    f = write(tmp_path, [line(rec(1)), line(rec(2, 问题描述='"未闭合'))])
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["H1"]
    assert rejects[["row", "line", "reason"]].values.tolist() == [[2, 3, "malformed_record"]]


def test_unbalanced_quote_running_to_the_end_of_the_file(tmp_path):
    rows = [rec(1, 问题描述='"开了引号'), rec(2), rec(3)]
    f = write(tmp_path, [line(r) for r in rows])
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["H2", "H3"]
    assert rejects[["row", "line", "reason"]].values.tolist() == [[1, 2, "malformed_record"]]


def test_legit_multiline_quoted_description_still_works(tmp_path):
    rows = [line(rec(1, 问题描述='"第一行\n第二行,有逗号\n第三行"')), line(rec(2)),
            line(rec(3, 问题描述='"引号""内"'))]
    f = write(tmp_path, rows)
    problems, rejects = gz.read_problems(f, strict=True, merge=False)
    assert problems.loc["H1", "description"] == "第一行\n第二行,有逗号\n第三行"
    assert problems.loc["H3", "description"] == '引号"内'
    assert problems.loc["H1", "reporter"] == "人1" and rejects.empty
    # record 1 takes physical lines 2-4, so record 4 starts on line 7
    g = write(tmp_path, rows + [line(rec(4, 经度="x"))], name="g.csv")
    _, rej = gz.read_problems(g, merge=False)
    assert rej[["row", "line", "reason"]].values.tolist() == [[4, 7, "bad_coordinates"]]


def test_200kb_field_in_a_txt_file(tmp_path):
    rows = [rec(1), rec(2, 问题描述="长" * 200_000), rec(3)]
    f = tmp_path / "p.txt"
    f.write_text("\n".join("\t".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["H1", "H3"]
    assert rejects[["row", "line", "reason", "field"]].values.tolist() == [
        [2, 3, "field_too_long", "问题描述"]]
    assert rejects.loc[0, "value"] == ("200,000 characters in 问题描述, over the limit of "
                                       "131,072 (csv.field_size_limit())")


def test_blank_lines_are_not_records(tmp_path):
    f = write(tmp_path, [line(rec(1)), "", ",,,,,,,,,,,,", line(rec(2, 经度=""))])
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["H1"]
    assert rejects[["row", "line", "reason"]].values.tolist() == [
        [2, 5, "missing_coordinates"]]


# ------------------------------------------------------------------ encodings

def test_stray_byte_in_a_utf8_file_damages_one_field_not_the_file(tmp_path):
    f = tmp_path / "p.csv"
    body = "\n".join(line(r) for r in [HEADER, rec(1), rec(2, 问题描述="XX"), rec(3)]) + "\n"
    f.write_bytes(body.encode("utf-8").replace(b"XX", b"\xff\xfe"))
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["H1", "H2", "H3"]  # no record lost
    assert problems.loc["H3", "reporter"] == "人3"  # no mojibake: the file stayed UTF-8
    assert problems.loc["H2", "description"] == "\ufffd\ufffd"
    assert rejects[["row", "kind", "reason", "field"]].values.tolist() == [
        [2, "field", "bad_encoding", "问题描述"]]


def test_stray_byte_that_gb18030_would_accept_does_not_switch_the_file(tmp_path):
    # read as GB18030 this whole file decodes without error, as mojibake: 上上下下 would
    # become 涓婁笂涓嬩笅. The valid UTF-8 characters outnumber the one stray byte.
    f = tmp_path / "p.csv"
    f.write_bytes("id,category,found_at,lon,lat,description,reporter\n"
                  "E1,litter,2024-05-01 08:00,114.2,22.69,上上下下,丁丁\n"
                  "E2,litter,2024-05-01 08:00,114.2,22.69,XXa,Wang\n".encode()
                  .replace(b"XX", b"\x81"))
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems["description"].tolist() == ["上上下下", "\ufffda"]
    assert problems["reporter"].tolist() == ["丁丁", "Wang"]
    assert rejects[["row", "kind", "reason", "field"]].values.tolist() == [
        [2, "field", "bad_encoding", "description"]]


def test_stray_byte_in_a_required_field_rejects_that_record(tmp_path):
    f = tmp_path / "p.csv"
    body = "\n".join(line(r) for r in [HEADER, rec(1), rec(2, 问题类型="暴露XX"), rec(3)])
    f.write_bytes(body.encode("utf-8").replace(b"XX", b"\xff"))
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["H1", "H3"]
    assert rejects[["row", "kind", "reason", "field"]].values.tolist() == [
        [2, "record", "malformed_record", "问题类型"]]
    assert rejects.loc[0, "value"] == "undecodable bytes in 问题类型"


def test_gbk_file_is_detected(tmp_path):
    f = write(tmp_path, [line(rec(1)), line(rec(2))], encoding="gbk")
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems["reporter"].tolist() == ["人1", "人2"] and rejects.empty


def test_utf8_with_bom(tmp_path):
    f = write(tmp_path, [line(rec(1))], encoding="utf-8-sig")
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["H1"] and rejects.empty


def test_unknown_encoding_name(tmp_path):
    f = write(tmp_path, [line(rec(1))])
    with pytest.raises(InputError, match="an encoding Python knows"):
        gz.read_problems(f, encoding="utf-99", merge=False)


# ------------------------------------------------------------------ files that are not records

def test_empty_file(tmp_path):
    f = tmp_path / "p.csv"
    f.write_bytes(b"")
    with pytest.raises(InputError, match=r"not an empty \(0-byte\) file"):
        gz.read_problems(f, merge=False)


def test_header_only_gives_nothing_and_no_error(tmp_path):
    f = write(tmp_path, [])
    problems, rejects = gz.read_problems(f, merge=False)
    assert len(problems) == 0 and len(rejects) == 0
    assert problems.index.name == "problem_id"


def test_only_blank_lines(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("\n\n  \n", encoding="utf-8")
    with pytest.raises(InputError, match="a header row naming the columns"):
        gz.read_problems(f, merge=False)


def test_a_directory(tmp_path):
    with pytest.raises(InputError, match="not a folder"):
        gz.read_problems(tmp_path, merge=False)


def test_missing_path(tmp_path):
    with pytest.raises(InputError, match="an existing file") as err:
        gz.read_problems(tmp_path / "nope.csv", merge=False)
    assert "nope.csv" in str(err.value)


def test_unknown_extension(tmp_path):
    f = tmp_path / "p.doc"
    f.write_text("x")
    with pytest.raises(InputError, match="export the records as CSV"):
        gz.read_problems(f, merge=False)


def test_old_xls_workbook(tmp_path):
    f = tmp_path / "p.xls"
    f.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match=r"save the workbook as \.xlsx"):
        gz.read_problems(f, merge=False)


def test_corrupt_gzip(tmp_path):
    f = tmp_path / "p.csv.gz"
    f.write_bytes(b"\x1f\x8b\x08\x00broken")
    with pytest.raises(InputError, match="a readable"):
        gz.read_problems(f, merge=False)


def test_gzipped_csv(tmp_path):
    f = tmp_path / "p.csv.gz"
    f.write_bytes(gzip.compress(("\n".join(line(r) for r in [HEADER, rec(1)])).encode()))
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["H1"] and rejects.empty


# ------------------------------------------------------------------ xlsx

def _xlsx(path, rows, sheet="记录"):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    wb.create_sheet("说明").append(["这张表不是记录"])
    wb.save(path)
    return path


def test_xlsx_with_title_rows_datetime_cells_and_serial_numbers(tmp_path):
    import datetime as dt
    head = ["编号", "问题类型", "发现时间", "整改期限", "经度", "纬度"]
    f = _xlsx(tmp_path / "p.xlsx", [
        ["龙岗区问题台账（2024年5月）"], [], head,
        ["X1", "暴露垃圾", dt.datetime(2024, 5, 1, 8, 30), 45418.5, 114.2, 22.69],
        [None] * 6,
        ["X2", "乱堆乱放", "2024-05-02 09:00", None, 114.21, 22.7],
        ["X3", "乱堆乱放", "2024-05-02 09:00", None, "东经114", 22.7],
    ])
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["X1", "X2"]
    assert problems.loc["X1", "found_at"] == pd.Timestamp("2024-05-01 08:30", tz="Asia/Shanghai")
    # Excel serial 45418.5 is 2024-05-06 12:00
    assert problems.loc["X1", "deadline"] == pd.Timestamp("2024-05-06 12:00", tz="Asia/Shanghai")
    assert problems.loc["X1"].geometry.x == 114.2
    # row = record number, line = the sheet row (title rows and the empty row counted)
    assert rejects[["row", "line", "reason"]].values.tolist() == [[3, 7, "bad_coordinates"]]


def test_xlsx_sheet_by_name_and_unknown_sheet(tmp_path):
    f = _xlsx(tmp_path / "p.xlsx", [["编号", "问题类型", "发现时间", "经度", "纬度"],
                                    ["X1", "暴露垃圾", "2024-05-01", 114.2, 22.69]])
    problems, _ = gz.read_problems(f, sheet="记录", merge=False)
    assert problems.index.tolist() == ["X1"]
    with pytest.raises(InputError, match="name a sheet of the workbook") as err:
        gz.read_problems(f, sheet="Sheet9", merge=False)
    assert "'sheet'" in str(err.value)
    with pytest.raises(SchemaError, match="经度"):  # the notes sheet has no record columns
        gz.read_problems(f, sheet=1, merge=False)


def test_corrupt_xlsx(tmp_path):
    f = tmp_path / "p.xlsx"
    f.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="an .xlsx workbook Excel can open"):
        gz.read_problems(f, merge=False)


# ------------------------------------------------------------------ GDAL point files

def _geojson(path, geoms):
    feats = [{"type": "Feature", "geometry": g,
              "properties": {"id": f"F{i + 1}", "category": "暴露垃圾",
                             "found_at": "2024-05-01 08:00"}} for i, g in enumerate(geoms)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


def test_geojson_null_and_line_geometries(tmp_path):
    f = _geojson(tmp_path / "p.geojson", [
        {"type": "Point", "coordinates": [114.2, 22.69]}, None,
        {"type": "LineString", "coordinates": [[114.2, 22.69], [114.3, 22.7]]},
        {"type": "Point", "coordinates": [114.25, 22.7]}])
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["F1", "F4"]
    assert rejects[["row", "line", "kind", "reason", "value"]].values.tolist() == [
        [2, 2, "record", "bad_geometry", "no geometry"],
        [3, 3, "record", "bad_geometry", "a LineString, not a Point"]]


def test_corrupt_geojson(tmp_path):
    f = tmp_path / "p.geojson"
    f.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(InputError, match="a point file GDAL reads"):
        gz.read_problems(f, merge=False)


# ------------------------------------------------------------------ times

def test_time_in_a_dst_gap_is_moved_forward_with_a_note(tmp_path):
    f = write(tmp_path, [line(rec(1, 发现时间="2024-03-10 02:30"))])
    problems, rejects = gz.read_problems(f, tz="America/Los_Angeles", merge=False)
    assert problems.loc["H1", "found_at"] == pd.Timestamp("2024-03-10 03:00",
                                                          tz="America/Los_Angeles")
    assert rejects[["row", "kind", "reason", "field"]].values.tolist() == [
        [1, "field", "nonexistent_time", "发现时间"]]


def test_repeated_time_at_fall_back_takes_the_earlier_instant(tmp_path):
    f = write(tmp_path, [line(rec(1, 发现时间="2024-11-03 01:30"))])
    problems, rejects = gz.read_problems(f, tz="America/Los_Angeles", merge=False)
    assert problems.loc["H1", "found_at"] == pd.Timestamp("2024-11-03 08:30", tz="UTC")
    assert rejects[["kind", "reason"]].values.tolist() == [["field", "ambiguous_time"]]


def test_deadline_9999_is_left_empty_with_a_field_reject(tmp_path):
    f = write(tmp_path, [line(rec(1, 整改期限="9999-12-31")), line(rec(2, 整改期限="2024-05-08"))])
    problems, rejects = gz.read_problems(f, merge=False, deadlines=False)
    assert problems.index.tolist() == ["H1", "H2"]
    assert pd.isna(problems.loc["H1", "deadline"])
    assert problems.loc["H2", "deadline"] == pd.Timestamp("2024-05-08", tz="Asia/Shanghai")
    assert rejects[["row", "kind", "reason", "value"]].values.tolist() == [
        [1, "field", "bad_deadline", "9999-12-31"]]


def test_unparseable_optional_times_never_cost_a_record(tmp_path):
    f = write(tmp_path, [line(rec(1, 整改期限="下周", 整改完成时间="昨天")),
                         line(rec(2, 整改完成时间="NA"))])
    problems, rejects = gz.read_problems(f, merge=False, deadlines=False)
    assert problems.index.tolist() == ["H1", "H2"]
    assert problems["deadline"].isna().all() and problems["rectified_at"].isna().all()
    assert rejects[["row", "kind", "reason", "field"]].values.tolist() == [
        [1, "field", "bad_deadline", "整改期限"], [1, "field", "bad_rectified_at", "整改完成时间"]]


def test_tz_beijing_is_refused_with_the_iana_name(tmp_path):
    f = write(tmp_path, [line(rec(1))])
    with pytest.raises(InputError) as err:
        gz.read_problems(f, tz="Beijing", merge=False)
    assert "field 'tz'" in str(err.value) and 'tz="Asia/Shanghai"' in str(err.value)


def test_date_column_read_one_way_day_first_proven_by_13(tmp_path):
    f = write(tmp_path, [line(rec(1, 发现时间="03/05/2024")), line(rec(2, 发现时间="13/05/2024"))])
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems["found_at"].dt.strftime("%Y-%m-%d").tolist() == ["2024-05-03",
                                                                      "2024-05-13"]
    assert rejects.empty


def test_date_column_month_first_proven_by_31(tmp_path):
    f = write(tmp_path, [line(rec(1, 发现时间="03/05/2024 10:00 PM")),
                         line(rec(2, 发现时间="12/31/2024 10:00 AM"))])
    problems, _ = gz.read_problems(f, merge=False)
    assert problems["found_at"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2024-03-05 22:00", "2024-12-31 10:00"]


def test_date_column_contradicting_itself_is_a_file_error(tmp_path):
    f = write(tmp_path, [line(rec(1, 发现时间="13/05/2024")), line(rec(2, 发现时间="05/13/2024"))])
    with pytest.raises(InputError) as err:
        gz.read_problems(f, merge=False)
    text = str(err.value)
    assert "field '发现时间'" in text and "dayfirst=" in text and "one way" in text


def test_ambiguous_date_column_asks_for_dayfirst(tmp_path):
    f = write(tmp_path, [line(rec(1, 发现时间="03/05/2024")), line(rec(2, 发现时间="2024-05-09"))])
    with pytest.raises(InputError, match="pass dayfirst=True"):
        gz.read_problems(f, merge=False)
    problems, _ = gz.read_problems(f, dayfirst=False, merge=False)
    assert problems["found_at"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-05",
                                                                      "2024-05-09"]
    problems, _ = gz.read_problems(f, dayfirst=True, merge=False)
    assert problems.loc["H1", "found_at"].strftime("%Y-%m-%d") == "2024-05-03"


# ------------------------------------------------------------------ vocabulary and options

def test_unknown_source_and_status_keep_the_record(tmp_path):
    f = write(tmp_path, [line(rec(1, 来源="微信", 状态="挂起")), line(rec(2))])
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["H1", "H2"]
    assert problems.loc["H1", ["source_raw", "status_raw"]].tolist() == ["微信", "挂起"]
    assert pd.isna(problems.loc["H1", "source"]) and pd.isna(problems.loc["H1", "status"])
    assert problems.loc["H2", ["source", "status"]].tolist() == ["patrol", "open"]
    assert rejects[["row", "kind", "reason", "value"]].values.tolist() == [
        [1, "field", "unmapped_source", "微信"], [1, "field", "unmapped_status", "挂起"]]


def test_bad_options_are_input_errors(tmp_path):
    f = write(tmp_path, [line(rec(1))])
    with pytest.raises(SchemaError, match="check the columns= mapping"):
        gz.read_problems(f, columns={"坐标X": "lon"}, merge=False)
    with pytest.raises(SchemaError, match="canonical fields"):
        gz.read_problems(f, columns={"经度": "longitude"}, merge=False)
    with pytest.raises(InputError, match="one of the canonical codes"):
        gz.read_problems(f, categories={"其他": "rubbish"}, merge=False)
    with pytest.raises(InputError, match="say which system"):
        gz.read_problems(f, coords="mercator", merge=False)
    with pytest.raises(InputError, match="field 'dayfirst'"):
        gz.read_problems(f, dayfirst="yes", merge=False)


def test_strict_lists_record_and_field_rejects_with_lines(tmp_path):
    f = write(tmp_path, [line(rec(1)) + ",x", line(rec(2, 来源="微信"))])
    with pytest.raises(InputError) as err:
        gz.read_problems(f, strict=True, merge=False)
    text = str(err.value)
    assert "2 problems in the input" in text
    assert "row 1, line 2" in text and "repair the line" in text
    assert "row 2, line 3, field '来源'" in text and "sources=" in text


def test_count_check_bites(tmp_path, monkeypatch):
    import geozz.problems as gp
    f = write(tmp_path, [line(rec(1))])
    real = gp.read_raw

    def lying(*a, **k):
        raw = real(*a, **k)
        raw.n_records += 1  # a record the validation never saw
        return raw

    monkeypatch.setattr(gp, "read_raw", lying)
    with pytest.raises(InvariantError, match="2 records in the file, 1 problems"):
        gz.read_problems(f, merge=False)


# ------------------------------------------------------------------ made ids (issue 27)

def test_a_made_id_never_takes_the_real_id_of_another_record(tmp_path):
    # p.csv: record 1 has no id, so it would be "p-1", the id record 2 carries; the same
    # for record 4 ("p-4", carried by record 3). Record 5 repeats record 2's real id.
    f = write(tmp_path, [line(rec(1, 编号="")), line(rec(2, 编号="p-1")),
                         line(rec(3, 编号="p-4")), line(rec(4, 编号="")),
                         line(rec(5, 编号="p-1"))])
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["p-1.1", "p-1", "p-4", "p-4.1"]
    assert problems["reporter"].tolist() == ["人1", "人2", "人3", "人4"]
    assert rejects[["row", "line", "kind", "reason", "field", "value"]].values.tolist() == [
        [5, 6, "record", "duplicate_id", "编号", "p-1"]]
    assert len(problems) + len(records(rejects)) == 5


def test_a_rejected_record_keeps_its_id_from_a_made_one(tmp_path):
    # record 2 carries "p-1" but is rejected: the made id of record 1 still avoids it,
    # so that the record, once repaired, does not clash with an id given away meanwhile
    f = write(tmp_path, [line(rec(1, 编号="")), line(rec(2, 编号="p-1", 经度="x"))])
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["p-1.1"]
    assert rejects[["row", "reason", "value"]].values.tolist() == [[2, "bad_coordinates", "x"]]


def test_made_ids_of_every_reader_avoid_the_real_ones(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    for r in (["编号", "问题类型", "发现时间", "经度", "纬度"],
              [None, "暴露垃圾", "2024-05-01 08:00", 114.2, 22.69],
              ["x-1", "乱堆乱放", "2024-05-01 09:00", 114.21, 22.7]):
        wb.active.append(r)
    wb.save(tmp_path / "x.xlsx")
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.2, 22.69]},
              "properties": {"id": i, "category": "暴露垃圾", "found_at": "2024-05-01 08:00"}}
             for i in (None, "g-1")]
    (tmp_path / "g.geojson").write_text(json.dumps({"type": "FeatureCollection",
                                                    "features": feats}))
    reqs = [{"service_request_id": i, "service_name": "垃圾", "lat": 22.7, "long": 114.2,
             "requested_datetime": "2024-05-01 08:00"} for i in (None, "o-1")]
    (tmp_path / "o.json").write_text(json.dumps(reqs, ensure_ascii=False), encoding="utf-8")
    for name, ids in (("x.xlsx", ["x-1.1", "x-1"]), ("g.geojson", ["g-1.1", "g-1"]),
                      ("o.json", ["o-1.1", "o-1"])):
        problems, rejects = gz.read_problems(tmp_path / name, merge=False,
                                             categories={"垃圾": "exposed_garbage"})
        assert problems.index.tolist() == ids, name
        assert rejects.empty, name


def test_ids_taken_by_a_file_read_before(tmp_path):
    f = write(tmp_path, [line(rec(1)), line(rec(2, 编号="")), line(rec(3))])
    problems, rejects = gz.read_problems(f, merge=False, taken_ids={"H1", "p-2", "other"})
    assert problems.index.tolist() == ["p-2.1", "H3"]
    assert rejects[["row", "line", "kind", "reason", "value"]].values.tolist() == [
        [1, 2, "record", "duplicate_id", "H1"]]
    with pytest.raises(InputError, match="field 'taken_ids': expected a collection of ids"):
        gz.read_problems(f, taken_ids="H1")


# ------------------------------------------------------------------ over-long fields (issue 27)

BIG = {"one_line": "长" * 200_000,
       "megabytes": "x" * 3_000_000,
       # a quoted description over 20,000 lines, with separators inside
       "many_lines": '"' + "一行文字,带逗号\t和制表符\n" * 20_000 + '尾"'}


@pytest.mark.parametrize("suffix", ["csv", "tsv"])
@pytest.mark.parametrize("where", [0, 3, 6])  # the first, a middle, the last record
@pytest.mark.parametrize("big", list(BIG))
def test_an_over_long_field_rejects_its_own_record_only(tmp_path, suffix, where, big):
    sep = "," if suffix == "csv" else "\t"
    # every record's source is unknown: its field note tells its row and line
    rows = [rec(i + 1, 来源="微信") for i in range(7)]
    rows[where] = rec(where + 1, 来源="微信", 问题描述=BIG[big])
    f = tmp_path / f"p.{suffix}"
    f.write_text("\n".join(sep.join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    problems, rejects = gz.read_problems(f, merge=False)
    good = [f"H{i + 1}" for i in range(7) if i != where]
    assert problems.index.tolist() == good
    assert len(problems) + len(records(rejects)) == 7  # count in = count out
    span = BIG[big].count("\n")  # physical lines the bad record takes beyond its first
    expected = [[i + 1, i + 2 + (span if i > where else 0),
                 "record" if i == where else "field",
                 "field_too_long" if i == where else "unmapped_source",
                 "问题描述" if i == where else "来源"] for i in range(7)]
    assert rejects[["row", "line", "kind", "reason", "field"]].values.tolist() == expected
    value = rejects.loc[rejects["kind"] == "record", "value"].item()
    assert "问题描述" in value and "131,072" in value
    assert f"{len(BIG[big].strip(chr(34))):,} characters" in value
    assert problems["reporter"].tolist() == [f"人{h[1:]}" for h in good]


def test_an_unbalanced_quote_past_the_csv_limit_rejects_its_line_only(tmp_path):
    # record 2 opens a quote that record 4's quoted description closes: read whole,
    # records 2-4 would be one record of 13 fields with a 200,000-character field
    rows = [rec(1), rec(2, 问题描述='"' + "y" * 200_000), rec(3), rec(4, 问题描述='"满溢"'),
            rec(5, 经度="x")]
    f = write(tmp_path, [line(r) for r in rows])
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["H1", "H3", "H4"]
    assert problems.loc["H4", "description"] == "满溢"
    assert rejects[["row", "line", "reason"]].values.tolist() == [
        [2, 3, "malformed_record"], [5, 6, "bad_coordinates"]]
    assert rejects.loc[0, "value"].startswith("unbalanced quote")
    # the last record opens a quote that runs to the end of the file
    g = write(tmp_path, [line(rec(1)), line(rec(2, 问题描述='"' + "y" * 200_000))], name="g.csv")
    problems, rejects = gz.read_problems(g, merge=False)
    assert problems.index.tolist() == ["H1"]
    assert rejects[["row", "line", "reason"]].values.tolist() == [[2, 3, "malformed_record"]]
    assert rejects.loc[0, "value"].startswith("unbalanced quote")


def test_strict_names_the_over_long_field_and_the_limit(tmp_path):
    f = write(tmp_path, [line(rec(1, 问题描述="长" * 140_000))])
    with pytest.raises(InputError) as err:
        gz.read_problems(f, strict=True, merge=False)
    text = str(err.value)
    assert "row 1, line 2, field '问题描述'" in text and "field_size_limit" in text
