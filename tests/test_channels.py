"""read_problems from every channel: GBK / BOM CSV, merged-header XLSX, Open311 JSON,
folders of geotagged photos, and the vocabulary tables. Every file is made in the test."""

import json

import pandas as pd
import pytest
from openpyxl import Workbook
from PIL import Image

import geozz as gz
from geozz.errors import InputError, SchemaError
from geozz.problems.readers import excel as excel_mod
from geozz.tables import problems as fields_mod

SH = "Asia/Shanghai"


def ts(text, tz=SH):
    return pd.Timestamp(text, tz=tz)


def record_rejects(rejects):
    return rejects[rejects["kind"] == "record"]


def assert_counted(problems, rejects, n):
    assert len(problems) + len(record_rejects(rejects)) == n


# ------------------------------------------------------------------ CSV in GBK and with BOM

CSV_HEADER = "编号,问题类型,发现时间,来源,状态,经度,纬度,坐标系,问题描述,上报人,联系电话"


def test_gbk_csv_with_chinese_records_and_bad_ones(tmp_path):
    lines = [
        CSV_HEADER,
        ("LG-001,暴露垃圾,2024-05-06 09:12,日常巡查,待整改,114.2471,22.7203,wgs84,"
         "龙城街道爱联社区垃圾堆放,张伟,13800138000"),
        ("LG-002,占道经营、马路市场、流动摊点,2024/05/07 18:40,市民投诉,整改中,114.2510,"
         "22.7188,gcj02,布吉街道流动摊贩,李娜,13900139000"),
        "LG-003,其它问题,2024-05-07 10:00,巡查,待整改,114.25,22.71,wgs84,不明问题,王芳,",
        "LG-004,乱堆乱放,2024-05-08 11:00,巡查,待整改,,22.71,wgs84,缺经度,赵强,",
        "LG-005,乱搭乱建,五月八日,巡查,待整改,114.25,22.71,wgs84,时间写成中文,刘洋,",
        "LG-006,污水横流,2024-05-09 08:00,巡查,待整改,114.25,22.71,wgs84,多了一列,陈静,,多余",
        "LG-007,设施破损,2024-05-09 08:30,第三方暗访,已整改,114.26,22.72,wgs84,垃圾桶破损,,",
    ]
    f = tmp_path / "台账_gbk.csv"
    f.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["LG-001", "LG-002", "LG-007"]
    assert problems["category"].tolist() == ["exposed_garbage", "street_vending",
                                             "damaged_facilities"]
    assert problems["source"].tolist() == ["patrol", "complaint", "third_party"]
    assert problems.loc["LG-001", "description"] == "龙城街道爱联社区垃圾堆放"
    assert problems.loc["LG-002", "found_at"] == ts("2024-05-07 18:40")
    assert rejects[["row", "line", "reason"]].values.tolist() == [
        [3, 4, "unmapped_category"], [4, 5, "missing_coordinates"], [5, 6, "bad_time"],
        [6, 7, "malformed_record"]]
    assert rejects["value"].fillna("").tolist()[:3] == ["其它问题", "", "五月八日"]
    assert rejects.loc[3, "value"] == "12 fields where the header has 11"
    assert_counted(problems, rejects, 7)
    summary = gz.problems.summarize_rejects(rejects)
    assert summary.set_index(["reason", "value"]).loc[("unmapped_category", "其它问题"),
                                                      "count"] == 1


def test_utf8_bom_csv_keeps_its_first_column_and_reads_bad_records(tmp_path):
    lines = [
        CSV_HEADER,
        "HD-1,河面漂浮物,2024-06-01 07:00,随手拍,待处理,116.30,39.96,bd09,昆玉河漂浮物,,",
        "HD-2,乱张贴,2024-06-01 07:05,12345,已核查,116.31,39.97,wgs84,小广告,,",
        "HD-1,非法采砂,2024-06-02 07:00,巡查,待整改,116.32,39.98,wgs84,重复编号,,",
        "HD-4,非法采砂,2024-06-02 08:00,热线,待整改,116.32,39.98,utm50,坐标系不对,,",
        "HD-5,暴露垃圾,2024-06-02 09:00,热线,待整改,116.33,39.99,wgs84,来源不认识,,",
    ]
    f = tmp_path / "bom.csv"
    f.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode("utf-8"))
    problems, rejects = gz.read_problems(f, merge=False)
    # the BOM is not part of the first column's name: 编号 is found, ids are the file's
    assert problems.index.tolist() == ["HD-1", "HD-2", "HD-5"]
    assert problems["source"].tolist()[:2] == ["photo", "complaint"]
    assert problems.loc["HD-5", "source_raw"] == "热线"
    assert problems.loc["HD-2", "status"] == "verified"
    assert problems.loc["HD-1", "coord_sys"] == "bd09"
    assert rejects[["row", "kind", "reason", "value"]].values.tolist() == [
        [3, "record", "duplicate_id", "HD-1"], [4, "record", "bad_coord_system", "utm50"],
        [5, "field", "unmapped_source", "热线"]]
    assert_counted(problems, rejects, 5)


# ------------------------------------------------------------------ XLSX with merged header

def merged_workbook(path):
    """A ledger as offices type it: a merged title, a note, a two-row merged header."""
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "龙岗区2024年5月整脏治乱问题台账"
    ws.merge_cells("A1:G1")
    ws["A2"] = "填报单位：龙城街道办"
    for col, name in zip("ABCF", ["编号", "问题类型", "发现时间", "状态"]):
        ws[f"{col}3"] = name
        ws.merge_cells(f"{col}3:{col}4")
    ws["D3"] = "位置"
    ws.merge_cells("D3:E3")
    ws["D4"], ws["E4"] = "经度", "纬度"
    ws["G3"], ws["G4"] = "备注", "问题描述"
    ws["H3"], ws["H4"], ws["I4"] = "时间", "整改期限", "整改完成时间"  # 时间 is recognised too
    ws.merge_cells("H3:I3")
    ws["J3"], ws["J4"], ws["K4"] = "附件", "现场照片", "整改照片"  # none recognised
    ws.merge_cells("J3:K3")
    rows = [
        ["X1", "暴露垃圾", 45413.5, 114.2471, 22.7203, "待整改", "serial date", 45420, 45419.5],
        ["X2", "乱堆乱放", pd.Timestamp("2024-05-02 10:30").to_pydatetime(), 114.25, 22.72,
         "已整改", "a date cell"],
        ["X3", "乱搭乱建", 45414.25, 114.26, 22.73, "整改中", "merged category below"],
        ["X4", None, 45414.75, 114.27, 22.74, "待整改", "gets X3's merged category"],
        ["X5", "污水横流", 45415, None, 22.75, "待整改", "no longitude", None, None,
         "a.jpg", "b.jpg"],
    ]
    for r, values in enumerate(rows, start=5):
        for c, v in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=v)
    ws.merge_cells("B7:B8")
    wb.save(path)
    return path


def test_xlsx_merged_two_row_header_titles_and_serial_dates(tmp_path):
    f = merged_workbook(tmp_path / "台账.xlsx")
    problems, rejects = gz.read_problems(f, merge=False, deadlines=False)
    assert problems.index.tolist() == ["X1", "X2", "X3", "X4"]
    # 45413.5 is 2024-05-01 12:00; 45414.25 is 2024-05-02 06:00
    assert problems["found_at"].tolist() == [ts("2024-05-01 12:00"), ts("2024-05-02 10:30"),
                                             ts("2024-05-02 06:00"), ts("2024-05-02 18:00")]
    assert problems["category"].tolist() == ["exposed_garbage", "piles",
                                             "illegal_construction", "illegal_construction"]
    assert problems.geometry.x.tolist() == [114.2471, 114.25, 114.26, 114.27]
    assert problems["status"].tolist() == ["open", "rectified", "rectifying", "open"]
    # 备注 over 问题描述: the recognised, lower name names the column
    assert problems.loc["X1", "description"] == "serial date"
    # 时间 over 整改期限 / 整改完成时间: the lowest recognised name wins
    assert problems.loc["X1", ["deadline", "rectified_at"]].tolist() == [
        ts("2024-05-08 00:00"), ts("2024-05-07 12:00")]
    assert problems["deadline"].isna().sum() == 3
    assert rejects[["row", "line", "reason", "field"]].values.tolist() == [
        [5, 9, "missing_coordinates", "经度"]]
    # unrecognised names: the lowest one names the column
    assert rejects.loc[0, ["现场照片", "整改照片"]].tolist() == ["a.jpg", "b.jpg"]
    assert_counted(problems, rejects, 5)


def test_large_workbooks_are_read_only_and_do_not_see_merged_headers(tmp_path, monkeypatch):
    f = merged_workbook(tmp_path / "big.xlsx")
    monkeypatch.setattr(excel_mod, "READ_ONLY_FROM", 0)
    with pytest.raises(SchemaError) as err:
        gz.read_problems(f, merge=False)
    text = str(err.value)
    assert "field 'lon'" in text and "field 'lat'" in text and "位置" in text


# ------------------------------------------------------------------ Open311 GeoReport v2

def open311_requests():
    return [
        {"service_request_id": "638344", "status": "closed", "service_name": "Illegal Postings",
         "service_code": "024", "description": "Posters on the pole", "agency_responsible":
         "DPW", "requested_datetime": "2024-05-01T08:00:00-07:00",
         "updated_datetime": "2024-05-03T16:30:00-07:00",
         "expected_datetime": "2024-05-08T08:00:00-07:00", "address": "8TH ST & HOWARD ST",
         "lat": 37.7757, "long": -122.4108, "media_url": "https://example.org/p/638344.jpg"},
        {"service_request_id": "638345", "status": "open", "service_name": None,
         "service_code": "STREET_CLEAN", "requested_datetime": "2024-05-02T09:15:00-07:00",
         "updated_datetime": "2024-05-02T09:20:00-07:00", "lat": "37.7800",
         "long": "-122.4200"},
        42,
        {"service_request_id": "638347", "status": "open", "service_name": "Graffiti",
         "requested_datetime": "2024-05-02T10:00:00-07:00", "address": "1 Main St"},
        "not a request",
        {"service_request_id": "638349", "status": "closed", "service_name": "Illegal Postings",
         "requested_datetime": "2024-05-04T10:00:00-07:00", "updated_datetime": "soon",
         "lat": 37.77, "long": -122.41, "attributes": [{"code": "WHERE", "value": "pole"}]},
    ]


def test_open311_request_list(tmp_path):
    f = tmp_path / "requests.json"
    f.write_text(json.dumps(open311_requests()), encoding="utf-8")
    problems, rejects = gz.read_problems(
        f, tz="America/Los_Angeles",
        categories={"Illegal Postings": "illegal_ads", "STREET_CLEAN": "exposed_garbage"}, merge=False)
    assert problems.index.tolist() == ["638344", "638345", "638349"]
    # service_name, else service_code
    assert problems["raw_category"].tolist() == ["Illegal Postings", "STREET_CLEAN",
                                                 "Illegal Postings"]
    assert problems["category"].tolist() == ["illegal_ads", "exposed_garbage", "illegal_ads"]
    assert problems["status"].tolist() == ["rectified", "open", "rectified"]
    la = "America/Los_Angeles"
    assert problems.loc["638344", "found_at"] == ts("2024-05-01 08:00", la)
    assert problems.loc["638344", "deadline"] == ts("2024-05-08 08:00", la)
    # closed: updated_datetime is the rectification time; open: none
    assert problems.loc["638344", "rectified_at"] == ts("2024-05-03 16:30", la)
    assert pd.isna(problems.loc["638345", "rectified_at"])
    assert pd.isna(problems.loc["638349", "rectified_at"])
    assert problems.loc["638345"].geometry.coords[0] == (-122.42, 37.78)
    assert problems.loc["638344", ["media_url", "address", "agency", "description"]] \
        .tolist() == ["https://example.org/p/638344.jpg", "8TH ST & HOWARD ST", "DPW",
                      "Posters on the pole"]
    # GeoReport v2 has no source: none is invented, and none is reported as unmapped
    assert problems["source"].isna().all() and problems["source_raw"].isna().all()
    assert rejects[["row", "line", "kind", "reason", "value"]].fillna("").values.tolist() == [
        [3, 3, "record", "malformed_record", "a JSON number, not a request object"],
        [4, 4, "record", "missing_coordinates", ""],
        [5, 5, "record", "malformed_record", "a JSON string, not a request object"],
        [6, 6, "field", "bad_rectified_at", "soon"]]
    assert json.loads(rejects.loc[3, "attributes"]) == [{"code": "WHERE", "value": "pole"}]
    assert_counted(problems, rejects, 6)


def test_open311_wrapped_list_with_its_own_closing_time(tmp_path):
    reqs = [{"service_request_id": "A", "status": "closed", "service_name": "垃圾",
             "requested_datetime": "2024-05-01 08:00", "updated_datetime": "2024-05-09 08:00",
             "closed_date": "2024-05-02 08:00", "lat": 22.7, "long": 114.2},
            {"service_request_id": "B", "status": "closed", "service_name": "垃圾",
             "requested_datetime": "2024-05-01 09:00", "updated_datetime": "2024-05-09 09:00",
             "lat": 22.7, "long": 114.2}]
    for key in ("service_requests", "requests"):
        f = tmp_path / f"{key}.json"
        f.write_text(json.dumps({key: reqs}, ensure_ascii=False), encoding="utf-8")
        problems, rejects = gz.read_problems(f, merge=False)
        assert rejects.empty
        # closed_date is the file's own rectification time: updated_datetime is not used
        assert problems.loc["A", "rectified_at"] == ts("2024-05-02 08:00")
        assert pd.isna(problems.loc["B", "rectified_at"])


def test_open311_empty_list_error_response_and_bad_json(tmp_path):
    f = tmp_path / "empty.json"
    f.write_text("[]", encoding="utf-8")
    problems, rejects = gz.read_problems(f, merge=False)
    assert len(problems) == 0 and len(rejects) == 0
    err_file = tmp_path / "error.json"
    err_file.write_text(json.dumps([{"code": 403, "description": "Invalid api_key"}]))
    with pytest.raises(InputError, match="Open311 error response: 403 Invalid api_key"):
        gz.read_problems(err_file, merge=False)
    bad = tmp_path / "bad.json"
    bad.write_text('[{"service_request_id": 1,', encoding="utf-8")
    with pytest.raises(InputError, match="a JSON file: Open311 GeoReport v2 requests or "
                                         "GeoJSON"):
        gz.read_problems(bad, merge=False)


def test_geojson_in_a_json_file_still_goes_to_gdal(tmp_path):
    f = tmp_path / "points.json"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.2, 22.7]},
         "properties": {"编号": "G1", "问题类型": "暴露垃圾", "发现时间": "2024-05-01 08:00"}},
        {"type": "Feature", "geometry": None,
         "properties": {"编号": "G2", "问题类型": "暴露垃圾", "发现时间": "2024-05-01 08:00"}},
    ]}, ensure_ascii=False), encoding="utf-8")
    problems, rejects = gz.read_problems(f, merge=False)
    assert problems.index.tolist() == ["G1"]
    assert rejects["reason"].tolist() == ["bad_geometry"]


# ------------------------------------------------------------------ folders of photos

def photo(path, *, gps=None, when=None, offset=None, gps_time=None, data=None):
    """An 8x8 image with EXIF written by Pillow: gps=(lat, lat_ref, lon, lon_ref) in
    (deg, min, sec); when = DateTimeOriginal; gps_time = (date, (h, m, s))."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if data is not None:
        path.write_bytes(data)
        return path
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"  # Make: PNG writes EXIF only with a top-level tag
    g = exif.get_ifd(0x8825)
    if gps:
        g[2], g[1], g[4], g[3] = gps
    if gps_time:
        g[29], g[7] = gps_time
    sub = exif.get_ifd(0x8769)
    if when:
        sub[0x9003] = when
    if offset:
        sub[0x9011] = offset
    Image.new("RGB", (8, 8), "white").save(path, exif=exif)
    return path


LONGGANG = ((22.0, 41.0, 24.0), "N", (114.0, 12.0, 0.0), "E")  # 22.69 N, 114.2 E


def photo_folder(root):
    photo(root / "暴露垃圾" / "IMG_1.jpg", gps=LONGGANG, when="2024:05:01 08:30:00",
          offset="+09:00")
    photo(root / "乱堆乱放" / "IMG_2.JPG", gps=((33.0, 52.0, 12.0), "S", (151.0, 12.0, 36.0),
                                            "W"), when="2024:05:02 09:15:00")
    photo(root / "IMG_3.jpeg", gps=LONGGANG, gps_time=("2024:05:03", (1.0, 2.0, 3.5)))
    photo(root / "暴露垃圾" / "IMG_4.jpg", when="2024:05:04 10:00:00")           # no GPS
    photo(root / "暴露垃圾" / "IMG_5.jpg", gps=LONGGANG)                          # no time
    photo(root / "broken.jpg", data=b"\xff\xd8 this is not a JPEG")
    photo(root / "IMG_6.jpg", gps=LONGGANG, when="2024:05:06 10:00:00")  # no category
    photo(root / "杂物" / "a.png", gps=LONGGANG, when="2024:05:07 10:00:00")
    photo(root / "杂物" / "b.jpg", gps=LONGGANG, when="2024:05:07 11:00:00")
    photo(root / ".thumbs" / "IMG_1.jpg", gps=LONGGANG, when="2024:05:01 08:30:00")
    (root / "readme.txt").write_text("not a photo", encoding="utf-8")
    (root / "说明.csv").write_text(
        "文件,问题类型,问题描述,来源\n"
        "IMG_3.jpeg,污水横流,门口污水,\n"
        "乱堆乱放/IMG_2.JPG,,楼道堆物,日常巡查\n"
        "img_1.JPG,,按文件名找到,\n"
        "gone.jpg,暴露垃圾,照片已删除,\n"
        "IMG_3.jpeg,乱堆乱放,重复一行,\n", encoding="utf-8")
    return root


def test_photo_folder_records_fields_and_rejects(tmp_path):
    root = photo_folder(tmp_path / "随手拍")
    problems, rejects = gz.read_problems(root, coords="gcj02", merge=False)
    assert problems.index.tolist() == ["IMG_3.jpeg", "乱堆乱放/IMG_2.JPG", "暴露垃圾/IMG_1.jpg"]
    assert problems["category"].tolist() == ["sewage", "piles", "exposed_garbage"]
    assert problems["raw_category"].tolist() == ["污水横流", "乱堆乱放", "暴露垃圾"]
    # GPS refs S / W are negative; phones write WGS-84, whatever coords= says
    assert problems.geometry.x.tolist() == pytest.approx([114.2, -151.21, 114.2], abs=1e-9)
    assert problems.geometry.y.tolist() == pytest.approx([22.69, -33.87, 22.69], abs=1e-9)
    assert problems["coord_sys"].tolist() == ["wgs84"] * 3
    # GPS stamp is UTC; DateTimeOriginal is local in tz= unless OffsetTimeOriginal says
    assert problems["found_at"].tolist() == [ts("2024-05-03 09:02:03.5"),
                                             ts("2024-05-02 09:15"), ts("2024-05-01 07:30")]
    assert problems["source"].tolist() == ["photo", "patrol", "photo"]
    assert problems["description"].tolist() == ["门口污水", "楼道堆物", "按文件名找到"]
    assert problems["photo"].tolist() == [str(root / "IMG_3.jpeg"),
                                          str(root / "乱堆乱放" / "IMG_2.JPG"),
                                          str(root / "暴露垃圾" / "IMG_1.jpg")]
    rec = record_rejects(rejects)
    # rows in sorted path order: IMG_3, IMG_6, broken, 乱堆乱放/IMG_2, 暴露垃圾/IMG_1,
    # 暴露垃圾/IMG_4, 暴露垃圾/IMG_5, 杂物/a.png, 杂物/b.jpg, then the sidecar's orphans
    # (the category column is the sidecar's 问题类型, filled from folder names)
    assert rec[["row", "line", "reason", "field"]].values.tolist() == [
        [2, 2, "missing_category", "问题类型"], [3, 3, "malformed_record", "photo"],
        [6, 6, "missing_coordinates", "lon"], [7, 7, "bad_time", "found_at"],
        [8, 8, "unmapped_category", "问题类型"], [9, 9, "unmapped_category", "问题类型"],
        [10, 10, "missing_photo", "photo"], [11, 11, "duplicate_id", "photo"]]
    assert rec["value"].fillna("").tolist()[2:] == [
        "", "", "杂物", "杂物", "gone.jpg: no such photo in the folder (说明.csv line 5)",
        "IMG_3.jpeg: a second sidecar row for the photo (说明.csv line 6)"]
    assert rec.loc[rec["row"] == 3, "value"].iloc[0].startswith(
        "broken.jpg: not an image Pillow can read (UnidentifiedImageError")
    assert rec.loc[rec["row"] == 10, "问题描述"].iloc[0] == "照片已删除"
    assert rec.loc[rec["row"] == 8, "problem_id"].iloc[0] == "杂物/a.png"
    # 9 image files (the hidden folder and readme.txt are not records) + 2 sidecar rows
    assert_counted(problems, rejects, 11)
    summary = gz.problems.summarize_rejects(rejects)
    assert summary.set_index(["reason", "value"]).loc[("unmapped_category", "杂物"),
                                                      "count"] == 2


def test_photo_folder_names_map_through_categories(tmp_path):
    root = photo_folder(tmp_path / "p")
    problems, rejects = gz.read_problems(root, categories={"杂物": "piles"}, merge=False)
    assert problems.loc[["杂物/a.png", "杂物/b.jpg"], "category"].tolist() == ["piles"] * 2
    assert len(problems) == 5 and len(record_rejects(rejects)) == 6


def test_photo_folder_internal_fields_are_declared():
    assert {"photo", "media_url"} <= set(fields_mod.INTERNAL_FIELDS)
    assert not set(fields_mod.INTERNAL_FIELDS) & set(fields_mod.PERSONAL_FIELDS)
    assert set(fields_mod.INTERNAL_FIELDS) <= set(fields_mod.OUT_COLUMNS)


def test_photo_folder_without_photos_or_with_a_foreign_csv(tmp_path):
    with pytest.raises(InputError, match="no image files and no sidecar CSV"):
        gz.read_problems(tmp_path, merge=False)
    photo(tmp_path / "IMG_1.jpg", gps=LONGGANG, when="2024:05:01 08:30:00")
    (tmp_path / "export.csv").write_text("编号,问题类型\n1,暴露垃圾\n", encoding="utf-8")
    with pytest.raises(InputError, match="a sidecar CSV with a file-name column") as err:
        gz.read_problems(tmp_path, merge=False)
    assert "export.csv" in str(err.value)


def test_photo_folder_malformed_sidecar_rows_and_heic_are_counted(tmp_path):
    photo(tmp_path / "暴露垃圾" / "IMG_1.jpg", gps=LONGGANG, when="2024:05:01 08:30:00")
    photo(tmp_path / "IMG_2.HEIC", data=b"\x00\x00\x00\x18ftypheic not really")
    (tmp_path / "side.csv").write_text("照片,问题描述\n"
                                       "暴露垃圾/IMG_1.jpg,桥下垃圾\n"
                                       "IMG_2.HEIC,一,二,三\n", encoding="utf-8")
    problems, rejects = gz.read_problems(tmp_path, merge=False)
    assert problems.index.tolist() == ["暴露垃圾/IMG_1.jpg"]
    assert problems["description"].tolist() == ["桥下垃圾"]
    assert rejects[["row", "reason"]].values.tolist() == [[1, "malformed_record"],
                                                          [3, "malformed_record"]]
    assert rejects.loc[0, "value"].startswith("IMG_2.HEIC: not an image Pillow can read")
    assert rejects.loc[1, "value"] == "side.csv line 3: 4 fields where the header has 2"
    assert_counted(problems, rejects, 3)


def test_a_single_photo_file_points_to_its_folder(tmp_path):
    f = photo(tmp_path / "IMG_1.jpg", gps=LONGGANG, when="2024:05:01 08:30:00")
    with pytest.raises(InputError, match="pass the folder that holds the photo"):
        gz.read_problems(f, merge=False)


# ------------------------------------------------------------------ vocabulary tables

def test_vocabulary_tables_come_from_the_vocabulary():
    vocab = gz.problems.vocabulary()
    cols = fields_mod.vocabulary_table("columns")
    assert cols["field"].tolist() == list(fields_mod.COLUMN_NAMES)
    assert cols.set_index("field").loc["deadline", "names"] == \
        ", ".join(fields_mod.COLUMN_NAMES["deadline"])
    cats = fields_mod.vocabulary_table("categories")
    assert cats["code"].tolist() == list(gz.problems.CATEGORIES)
    row = cats.set_index("code").loc["sand_mining"]
    assert row.tolist() == [vocab["categories"]["sand_mining"]["zh"], "Sand mining",
                            ", ".join(vocab["categories"]["sand_mining"]["aliases"])]
    src = fields_mod.vocabulary_table("sources")
    assert src["code"].tolist() == list(gz.problems.SOURCES)
    assert "随手拍" in src.set_index("code").loc["photo", "aliases"].split(", ")
    st = fields_mod.vocabulary_table("statuses")
    assert st.columns.tolist() == ["code", "aliases"] and len(st) == len(gz.problems.STATUSES)
    with pytest.raises(InputError, match="one of \\('columns', 'categories'"):
        fields_mod.vocabulary_table("colours")
