"""read_problems: column detection, conversion, rejects, the count invariant."""

from pathlib import Path

import pandas as pd
import pytest

import geozz as gz
from geozz import coords
from geozz.errors import InputError, SchemaError

HEADER = "编号,问题类型,发现时间,来源,状态,经度,纬度,坐标系,上报人,联系电话\n"


def write(tmp_path, body, name="p.csv", header=HEADER):
    f = tmp_path / name
    f.write_text(header + body, encoding="utf-8")
    return f


def test_malformed_rows_go_to_rejects_not_a_crash(tmp_path):
    f = write(tmp_path, "\n".join([
        "A1,暴露垃圾,2024-05-01 08:00,巡查,待整改,114.20,22.69,wgs84,王伟,13800000000",
        "A2,暴露垃圾,2024-05-01 08:00,巡查,待整改,,22.69,wgs84,王伟,13800000000",
        "A3,其他,2024-05-01 08:00,巡查,待整改,114.20,22.69,wgs84,王伟,13800000000",
        "A4,乱堆乱放,2024-13-45 25:00,巡查,待整改,114.20,22.69,wgs84,王伟,13800000000",
        "A5,乱堆乱放,2024-05-02 08:00,巡查,待整改,abc,22.69,wgs84,王伟,13800000000",
        "A6,乱堆乱放,2024-05-02 08:00,巡查,待整改,114.2,95,wgs84,王伟,13800000000",
        "A1,乱堆乱放,2024-05-02 08:00,巡查,待整改,114.2,22.6,wgs84,王伟,13800000000",
        "A8,乱堆乱放,2024-05-02 08:00,巡查,不知道,114.2,22.6,wgs84,王伟,13800000000",
        "A9,乱堆乱放,2024-05-02 08:00,巡查,待整改,114.2,22.6,mercator,王伟,13800000000",
    ]) + "\n")
    problems, rejects = gz.read_problems(f, merge=False)
    # an unknown status costs no record: A8 stays, with a kind="field" reject
    assert problems.index.tolist() == ["A1", "A8"]
    assert rejects["row"].tolist() == [2, 3, 4, 5, 6, 7, 8, 9]
    assert rejects["line"].tolist() == [3, 4, 5, 6, 7, 8, 9, 10]
    assert rejects["reason"].tolist() == [
        "missing_coordinates", "unmapped_category", "bad_time", "bad_coordinates",
        "bad_coordinates", "duplicate_id", "unmapped_status", "bad_coord_system"]
    assert rejects["kind"].tolist() == ["record"] * 6 + ["field", "record"]
    assert list(rejects.columns[:7]) == ["file", "row", "line", "kind", "reason", "field",
                                         "value"]
    assert rejects.loc[1, "value"] == "其他"
    assert rejects.loc[3, "field"] == "经度" and rejects.loc[4, "field"] == "纬度"
    assert problems.loc["A8", "status"] is pd.NA
    assert problems.loc["A8", "status_raw"] == "不知道"
    assert len(problems) + (rejects["kind"] == "record").sum() == 9


def test_strict_raises_once_with_every_row(tmp_path):
    f = write(tmp_path, "B1,其他,2024-05-01,巡查,待整改,114.2,22.69,wgs84,,\n"
                        "B2,暴露垃圾,nope,巡查,待整改,114.2,22.69,wgs84,,\n")
    with pytest.raises(InputError) as err:
        gz.read_problems(f, strict=True, merge=False)
    text = str(err.value)
    assert "2 problems" in text and "row 1" in text and "row 2" in text
    assert "问题类型" in text and "categories=" in text
    assert isinstance(err.value, ValueError)


def test_categories_mapping_extends_vocabulary(tmp_path):
    f = write(tmp_path, "C1,其他,2024-05-01,巡查,待整改,114.2,22.69,wgs84,,\n")
    problems, rejects = gz.read_problems(f, categories={"其他": "piles"}, merge=False)
    assert problems["category"].tolist() == ["piles"] and rejects.empty
    assert problems["raw_category"].tolist() == ["其他"]
    with pytest.raises(InputError, match="canonical"):
        gz.read_problems(f, categories={"其他": "rubbish"}, merge=False)


def test_naive_times_are_local_and_aware_times_are_converted(tmp_path):
    f = write(tmp_path, "D1,暴露垃圾,2024-05-31 23:30,巡查,待整改,114.2,22.69,wgs84,,\n"
                        "D2,暴露垃圾,2024-05-31T16:30:00Z,巡查,待整改,114.2,22.69,wgs84,,\n")
    problems, _ = gz.read_problems(f, merge=False)
    assert str(problems["found_at"].dt.tz) == "Asia/Shanghai"
    # 16:30 UTC is 00:30 on June 1st in Shanghai: a June problem, not a May one
    assert problems.loc["D2", "found_at"] == pd.Timestamp("2024-06-01 00:30", tz="Asia/Shanghai")
    assert problems.loc["D1", "found_at"].month == 5


def test_gcj02_rows_are_converted_to_wgs84(tmp_path):
    lon, lat = 114.20, 22.69
    glon, glat = coords.convert(lon, lat, src="wgs84", dst="gcj02")
    f = write(tmp_path, f"E1,暴露垃圾,2024-05-01,巡查,待整改,{float(glon):.7f},{float(glat):.7f},gcj02,,\n"
                        f"E2,暴露垃圾,2024-05-01,巡查,待整改,{lon},{lat},,,\n")
    problems, _ = gz.read_problems(f, merge=False)
    assert problems.loc["E1"].geometry.x == pytest.approx(lon, abs=1e-6)
    assert problems.loc["E1"].geometry.y == pytest.approx(lat, abs=1e-6)
    assert problems.loc["E2"].geometry.x == lon  # empty coordinate system: coords= default
    assert problems["coord_sys"].tolist() == ["gcj02", "wgs84"]
    # the whole file in GCJ-02 with no coordinate-system column
    g = write(tmp_path, f"E3,暴露垃圾,2024-05-01,{float(glon):.7f},{float(glat):.7f}\n",
              name="g.csv", header="编号,问题类型,发现时间,lon,lat\n")
    p2, _ = gz.read_problems(g, coords="gcj02", merge=False)
    assert p2.geometry.x.iloc[0] == pytest.approx(lon, abs=1e-6)


def test_english_columns_and_missing_columns(tmp_path):
    f = write(tmp_path, "1,Illegal Postings,2015-03-01 10:00,-122.41,37.77\n",
              header="CaseID,Category,Opened,Long,Lat\n")
    problems, rejects = gz.read_problems(f, tz="America/Los_Angeles", merge=False)
    assert problems["category"].tolist() == ["illegal_ads"] and rejects.empty
    assert str(problems["found_at"].dt.tz) == "America/Los_Angeles"
    bad = write(tmp_path, "1,2\n", name="bad.csv", header="foo,bar\n")
    with pytest.raises(SchemaError) as err:
        gz.read_problems(bad, merge=False)
    assert "4 problems" in str(err.value) and "bad.csv" in str(err.value)


def test_column_names_match_without_case_spaces_and_punctuation(tmp_path):
    # NYC 311 headers: "Created Date" is the vocabulary's created_date, "Unique Key"
    # matches columns={"unique_key": ...}, "LONGITUDE" / "latitude" the usual names
    f = write(tmp_path, "17,Illegal Postings,2024-05-01 10:00,-73.95,40.7\n",
              header="Unique Key,COMPLAINT-TYPE,Created Date,LONGITUDE,latitude\n")
    problems, rejects = gz.read_problems(f, tz="America/New_York", merge=False,
                                         columns={"unique_key": "problem_id"})
    assert rejects.empty and problems.index.tolist() == ["17"]
    assert str(problems["found_at"].iloc[0]) == "2024-05-01 10:00:00-04:00"
    # a mapping written in another case and punctuation names the same column
    g = write(tmp_path, "a,piles,2024-05-01 10:00,114.2,22.7\n", name="g.csv",
              header="id,category,When Seen,lon,lat\n")
    problems, _ = gz.read_problems(g, merge=False, columns={"WHEN_SEEN": "found_at"})
    assert str(problems["found_at"].iloc[0]) == "2024-05-01 10:00:00+08:00"
    # an exact name is preferred to one that is equal only after normalising
    h = write(tmp_path, "a,piles,2024-05-01 10:00,2024-05-02 10:00,114.2,22.7\n",
              name="h.csv", header="id,category,Found At,found_at,lon,lat\n")
    problems, _ = gz.read_problems(h, merge=False)
    assert str(problems["found_at"].iloc[0]).startswith("2024-05-02")


def test_bundled_records_count_in_equals_count_out():
    path = gz.datasets.problems_path("longgang")
    n = len(pd.read_csv(path))
    problems, rejects = gz.read_problems(path, merge=False)
    assert len(problems) + (rejects["kind"] == "record").sum() == n
    # the simulator breaks one row in 200, in turn three ways (data/build_districts.py)
    assert (len(problems), len(rejects)) == (29862, 138)
    assert rejects["reason"].value_counts().to_dict() == {
        "missing_coordinates": 46, "unmapped_category": 46, "bad_time": 46}
    assert problems.index.is_unique and problems.index.name == "problem_id"
    assert set(problems["category"]) <= set(gz.problems.CATEGORIES)
    assert set(problems["status"]) <= set(gz.problems.STATUSES)
    share = (problems["coord_sys"] == "gcj02").mean()
    assert 0.03 < share < 0.07
    summary = gz.problems.summarize_rejects(rejects)
    assert summary["count"].sum() == len(rejects)


SF311 = {"Street and Sidewalk Cleaning": "exposed_garbage",
         "Graffiti Public Property": "illegal_ads", "Graffiti Private Property": "illegal_ads",
         "Sewer Issues": "sewage", "Litter Receptacles": "damaged_facilities",
         "Illegal Postings": "illegal_ads", "Blocked Street or SideWalk": "piles"}
SF311_PATH = Path(__file__).resolve().parents[1] / "data" / "sf311" / "cases_sample.csv.gz"


def test_sf311_every_mapped_record_is_a_problem():
    raw = pd.read_csv(SF311_PATH, dtype=str, keep_default_na=False)
    problems, rejects = gz.read_problems(SF311_PATH, categories=SF311, tz="America/Los_Angeles", merge=False)
    mapped = raw["Category"].isin(list(SF311))
    assert len(raw) == 4984 and mapped.sum() == 3034
    assert len(problems) == 3034
    assert sorted(problems.index) == sorted(raw.loc[mapped, "CaseID"])
    rec = rejects[rejects["kind"] == "record"]
    assert len(rec) == 1950 and set(rec["reason"]) == {"unmapped_category"}
    assert len(problems) + len(rec) == 4984
    # a channel the vocabulary does not know costs no record: kept raw, noted per field
    fld = rejects[rejects["kind"] == "field"]
    assert fld["reason"].value_counts().to_dict() == {"unmapped_source": 1176}
    assert fld["value"].value_counts().to_dict() == {
        "Open311": 568, "Web Self Service": 416, "Integrated Agency": 160, "Twitter": 32}
    assert problems["source_raw"].isin(["Open311", "Web Self Service", "Integrated Agency",
                                        "Twitter"]).sum() == 1176
    assert problems["source"].isna().sum() == 1176
    assert set(problems["source"].dropna()) == {"complaint"}  # Voice In and e-mail In
    assert problems["status"].value_counts().to_dict() == \
        raw.loc[mapped, "Status"].map({"Closed": "rectified", "Open": "open"}) \
        .value_counts().to_dict()
    # Opened: ISO local times; Closed: ISO or "NA" (empty, no reject)
    by_id = raw.set_index("CaseID")
    opened = pd.to_datetime(by_id.loc[problems.index, "Opened"])
    assert (problems["found_at"].dt.tz_localize(None) == opened.to_numpy()).all()
    closed = by_id.loc[problems.index, "Closed"]
    assert problems["rectified_at"].isna().sum() == (closed == "NA").sum() == 86
    summary = gz.problems.summarize_rejects(rejects)
    assert summary.loc[0].tolist() == ["field", "unmapped_source", "Open311", 568]
    assert summary.loc[2].tolist() == ["record", "unmapped_category", "Abandoned Vehicle", 391]
    assert summary["count"].sum() == len(rejects)


def test_sf311_updated_is_read_month_first():
    # Updated is "MM/DD/YYYY hh:mm:ss AM"; values such as 12/31 prove month first.
    # For closed cases it is the closing time, so it must equal Closed to the second.
    raw = pd.read_csv(SF311_PATH, dtype=str, keep_default_na=False).set_index("CaseID")
    days = raw["Updated"].str.extract(r"^(\d\d)/(\d\d)/")
    assert (days[0].astype(int) <= 12).all() and (days[1].astype(int) > 12).any()
    problems, rejects = gz.read_problems(SF311_PATH, categories=SF311,
                                         tz="America/Los_Angeles",
                                         columns={"Updated": "rectified_at"}, merge=False)
    assert not (rejects["reason"] == "bad_rectified_at").any()
    closed = raw.loc[problems.index, "Closed"]
    has = (closed != "NA").to_numpy()
    assert has.sum() == 2948
    same = problems["rectified_at"].dt.tz_localize(None)[has] == \
        pd.to_datetime(closed[has]).to_numpy()
    assert same.all()
    assert raw.loc["3600300", "Updated"] == "04/30/2014 03:49:58 PM"
    assert problems.loc["3600300", "rectified_at"] == pd.Timestamp("2014-04-30 15:49:58",
                                                                   tz="America/Los_Angeles")


def test_read_problems_merges_repeat_reports_fills_deadlines_and_links_recurrence(tmp_path):
    """The lifecycle steps run by default: three reports of one pile are one problem,
    the deadline comes from the working-time rules, a pile back after rectification
    recurs."""
    path = tmp_path / "records.csv"
    path.write_text(
        "编号,问题类型,发现时间,经度,纬度,状态,整改完成时间\n"
        "R1,乱堆乱放,2024-05-06 09:00,114.2500,22.7200,已整改,2024-05-10 10:00\n"
        "R2,乱堆乱放,2024-05-07 09:00,114.2501,22.7201,,\n"    # 15 m away, R1 still open
        "R3,乱堆乱放,2024-05-09 16:00,114.2502,22.7200,,\n"    # 21 m away, in the chain
        "R4,乱堆乱放,2024-06-03 09:00,114.2500,22.7200,,\n"    # after rectification: back
        "R5,暴露垃圾,2024-05-06 09:30,114.2500,22.7200,,\n",   # another category
        encoding="utf-8")
    problems, rejects = gz.read_problems(path)
    assert rejects.empty
    assert problems.index.tolist() == ["R1", "R4", "R5"]
    assert problems["report_count"].tolist() == [3, 1, 1]
    assert problems.loc["R1", "report_ids"] == "R1;R2;R3"
    assert problems.loc["R4", "recurrence_of"] == "R1"
    assert problems["recurrent"].tolist() == [False, True, False]
    # piles: 1 working day (7 h of 08:30-12:00, 14:00-17:30) from Monday 09:00
    assert problems.loc["R1", "deadline"] == pd.Timestamp("2024-05-07 09:00",
                                                          tz="Asia/Shanghai")
    # exposed garbage: 4 working hours from 09:30 -> 12:00 gives 2.5 h, 14:00 + 1.5 h
    assert problems.loc["R5", "deadline"] == pd.Timestamp("2024-05-06 15:30",
                                                          tz="Asia/Shanghai")
    assert set(problems["deadline_source"]) == {"rules"}
    kept, _ = gz.read_problems(path, merge=False, recurrence=False, deadlines=False)
    assert len(kept) == 5 and kept["deadline"].isna().all()
    assert not {"report_count", "recurrence_of"} & set(kept.columns)
    apart, _ = gz.read_problems(path, merge={"distance": 10})
    assert apart["report_count"].tolist() == [1, 1, 1, 1, 1]


@pytest.mark.parametrize("option", [{"merge": "yes"}, {"recurrence": {"radius": 50}}])
def test_read_problems_refuses_bad_lifecycle_options_before_reading(option):
    with pytest.raises(InputError, match=f"field '{next(iter(option))}'"):
        gz.read_problems("no-such-file.csv", **option)
