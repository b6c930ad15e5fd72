"""geozz problems / geozz assign / geozz vocabulary on real and hand-made files.

Counts printed are checked against the files written, and those against counts made here
with the standard library.
"""

import csv
import gzip
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import geozz as gz
from geozz.cli import main

SF = Path(__file__).resolve().parents[1] / "data" / "sf311"
#: the 整脏治乱 categories the SF311 categories stand for (SOURCE.md of the data)
SF_CATEGORIES = gz.datasets.SF311_CATEGORIES
HEADER = "编号,问题类型,发现时间,经度,纬度,上报人,联系电话\n"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def sf_category_args() -> list[str]:
    return [a for raw, code in SF_CATEGORIES.items() for a in ("--category", f"{raw}={code}")]


def sf_expected() -> tuple[int, int]:
    """SF311 rows, and rows whose Category is mapped (all have coordinates), counted with
    the csv module."""
    with gzip.open(SF / "cases_sample.csv.gz", "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return len(rows), sum(r["Category"] in SF_CATEGORIES for r in rows)


def test_problems_command_sf311_counts_match_the_files_written(tmp_path):
    out = tmp_path / "sf.gpkg"
    code, text = run("problems", str(SF / "cases_sample.csv.gz"), "-o", str(out),
                     "--tz", "America/Los_Angeles", *sf_category_args())
    assert code == 0, text
    n_rows, n_mapped = sf_expected()
    records, read, rejected = (int(v) for v in re.search(
        r"(\d+) records: (\d+) read, (\d+) rejected", text).groups())
    assert (records, read, rejected) == (n_rows, n_mapped, n_rows - n_mapped)
    problems = gz.problems.load(out, tz="America/Los_Angeles")
    rejects = pd.read_csv(tmp_path / "sf_rejects.csv", dtype=str)
    # every mapped row with coordinates is a report of a problem; repeats merged
    assert problems["report_count"].sum() == n_mapped
    n_merged = n_mapped - len(problems)
    assert n_merged > 0 and f"{len(problems)} problems after merging repeat reports" in text
    assert (rejects["kind"] == "record").sum() == n_rows - n_mapped
    assert set(problems["category"]) == set(SF_CATEGORIES.values())
    assert str(problems["found_at"].dt.tz) == "America/Los_Angeles"
    # the unmapped values are counted per value, most frequent first
    assert re.search(r"rejected +391 unmapped_category 'Abandoned Vehicle'", text)


def test_assign_command_puts_every_sf311_problem_in_a_tract(tmp_path):
    saved = tmp_path / "sf.parquet"
    code, _ = run("problems", str(SF / "cases_sample.csv.gz"), "-o", str(saved),
                  *sf_category_args())
    assert code == 0
    ledger_path = tmp_path / "ledger.csv"
    code, text = run("assign", str(SF / "tracts.geojson"), str(saved), "-o",
                     str(ledger_path), "--unit-column", "geoid=unit_id",
                     "--unit-type", "grid")
    assert code == 0, text
    ledger = pd.read_csv(ledger_path, dtype={"unit_id": str, "problem_id": str},
                         encoding="utf-8-sig")
    n = len(gz.problems.load(saved))
    assert ledger["problem_id"].nunique() == len(ledger) == n
    assert ledger["unit_id"].notna().all()  # the sample lies inside the tracts
    assert ledger["unit_id"].str.fullmatch(r"06075\d{6}").all()
    assert re.search(rf"grid +{n} problems in \d+ units", text)
    assert f"ledger: {n} rows, {n} problems" in text


def test_problems_command_goes_on_past_a_bad_file_and_keeps_personal_data_out(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "A1,暴露垃圾,2024-05-06 09:00,114.25,22.72,张三,13800000000\n"
                    "A2,暴露垃圾,2024-05-06 10:00,114.25,,李四,13900000000\n",
                    encoding="gbk")
    bad = tmp_path / "bad.csv"
    bad.write_text("编号,备注\n1,x\n", encoding="utf-8")
    out = tmp_path / "p.gpkg"
    code, text = run("problems", str(good), str(bad), "-o", str(out))
    assert code == 0
    assert f"{bad}: not read" in text and "category" in text
    assert "total: 2 inputs (1 not read), 1 problems, 1 records rejected" in text
    back = gz.problems.load(out)
    assert back.index.tolist() == ["A1"]
    assert not {"reporter", "phone"} & set(back.columns)
    rejects = pd.read_csv(tmp_path / "p_rejects.csv", dtype=str, encoding="utf-8-sig")
    assert rejects[["row", "reason"]].values.tolist() == [["2", "missing_coordinates"]]


def test_problems_command_fails_only_when_nothing_is_read(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "A1,暴露垃圾,not a time,114.25,22.72,,\n", encoding="utf-8")
    code, text = run("problems", str(bad), "-o", str(tmp_path / "p.gpkg"))
    assert code == 1
    assert "no problem could be read" in text
    assert not (tmp_path / "p.gpkg").exists()
    assert pd.read_csv(tmp_path / "p_rejects.csv")["reason"].tolist() == ["bad_time"]


def test_problems_command_rejects_an_id_repeated_in_a_later_file(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(HEADER + "A1,暴露垃圾,2024-05-06 09:00,114.25,22.72,,\n",
                     encoding="utf-8")
    second.write_text(HEADER + "A1,乱堆乱放,2024-05-07 09:00,114.26,22.73,,\n"
                      "B1,乱堆乱放,2024-05-07 09:00,114.27,22.74,,\n", encoding="utf-8")
    out = tmp_path / "p.parquet"
    code, text = run("problems", str(first), str(second), "-o", str(out))
    assert code == 0
    back = gz.problems.load(out)
    assert back.index.tolist() == ["A1", "B1"]
    assert back.loc["A1", "category"] == "exposed_garbage"  # the first file's A1 stays
    rejects = pd.read_csv(tmp_path / "p_rejects.csv", dtype=str)
    assert rejects[["file", "reason", "value"]].values.tolist() == [
        [str(second), "duplicate_id", "A1"]]


def test_problems_command_two_files_of_one_name_without_ids_lose_nothing(tmp_path):
    # two months exported as records.csv into two folders, with no id column: each file
    # makes records-1, records-2 ...; the second file's made ids avoid the first's
    for month, n in (("05", 2), ("06", 1)):
        (tmp_path / month).mkdir()
        (tmp_path / month / "records.csv").write_text(
            "问题类型,发现时间,经度,纬度\n" + "".join(
                f"暴露垃圾,2024-{month}-0{i + 1} 09:00,114.2{i},22.7{i}\n" for i in range(n)),
            encoding="utf-8")
    out = tmp_path / "p.parquet"
    code, text = run("problems", str(tmp_path / "05" / "records.csv"),
                     str(tmp_path / "06" / "records.csv"), "-o", str(out))
    assert code == 0
    assert "3 problems, 0 records rejected" in text
    assert gz.problems.load(out).index.tolist() == ["records-1", "records-2", "records-1.1"]
    assert not (tmp_path / "p_rejects.csv").exists()


def test_problems_command_an_id_of_an_earlier_file_costs_one_record_with_its_line(tmp_path):
    # b.csv: A1 repeats a.csv's A1; A2 is a repeat report of the same place and time.
    # Merged first and rejected after, A2 would go with A1 and be counted nowhere.
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(HEADER + "A1,暴露垃圾,2024-05-06 09:00,114.25,22.72,,\n",
                     encoding="utf-8")
    second.write_text(HEADER + "A1,暴露垃圾,2024-05-06 09:00,114.25,22.72,,\n"
                      "A2,暴露垃圾,2024-05-06 10:00,114.25,22.72,,\n", encoding="utf-8")
    out = tmp_path / "p.parquet"
    code, text = run("problems", str(first), str(second), "-o", str(out))
    assert code == 0
    assert f"{second}: 2 records: 1 read, 1 rejected" in text
    back = gz.problems.load(out)
    assert back.index.tolist() == ["A1", "A2"]
    assert int(back["report_count"].sum()) + 1 == 3  # count in = count out
    rejects = pd.read_csv(tmp_path / "p_rejects.csv", dtype=str)
    assert rejects[["file", "row", "line", "reason", "value"]].values.tolist() == [
        [str(second), "1", "2", "duplicate_id", "A1"]]


def test_problems_command_refuses_an_unknown_output_format(tmp_path):
    result = CliRunner().invoke(main, ["problems", str(SF / "cases_sample.csv.gz"), "-o",
                                       str(tmp_path / "p.shp")])
    assert result.exit_code == 2
    assert "must end in one of .gpkg, .parquet" in result.output


def test_problems_command_refuses_a_malformed_mapping(tmp_path):
    result = CliRunner().invoke(main, ["problems", str(SF / "cases_sample.csv.gz"),
                                       "--category", "Graffiti"])
    assert result.exit_code == 2
    assert "write RAW=CODE" in result.output


def test_vocabulary_command_lists_what_is_recognised():
    code, text = run("vocabulary", "categories")
    assert code == 0
    assert re.search(r"exposed_garbage +.*暴露垃圾", text)
    assert text.startswith(f"categories ({len(gz.problems.CATEGORIES)})")
    code, text = run("vocabulary", "columns")
    assert re.search(r"category +.*问题类型", text)


def test_load_refuses_a_file_save_did_not_write(tmp_path):
    other = tmp_path / "x.gpkg"
    import geopandas as gpd
    from shapely.geometry import Point
    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=4326).to_file(other)
    with pytest.raises(gz.errors.InputError, match="written by gz.problems.save"):
        gz.problems.load(other)


def test_problems_command_extent_and_lifecycle_options(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(HEADER + "A1,暴露垃圾,2024-05-06 09:00,114.25,22.72,,\n"
                    "A2,暴露垃圾,2024-05-06 10:00,114.2501,22.7201,,\n"   # a repeat of A1
                    "A3,暴露垃圾,2024-05-06 10:00,22.73,114.26,,\n"       # swapped
                    "A4,暴露垃圾,2024-05-06 10:00,116.40,39.90,,\n",      # Beijing
                    encoding="utf-8")
    out = tmp_path / "p.parquet"
    code, text = run("problems", str(path), "-o", str(out),
                     "--extent", "114.0,22.5,114.4,22.8")
    assert code == 0
    assert "4 records: 3 read, 1 rejected; 2 problems after merging repeat reports" in text
    back = gz.problems.load(out)
    assert back["report_count"].tolist() == [2, 1]
    assert back["deadline_source"].tolist() == ["rules", "rules"]
    rejects = pd.read_csv(tmp_path / "p_rejects.csv", dtype=str)
    assert rejects[["row", "reason"]].values.tolist() == [["3", "swapped_coordinates"],
                                                          ["4", "far_outside"]]
    code, text = run("problems", str(path), "-o", str(out), "--no-merge", "--no-deadlines")
    back = gz.problems.load(out)
    assert len(back) == 4 and back["deadline"].isna().all()  # no extent: Beijing is kept


def test_errors_name_the_flags_not_python(tmp_path):
    f = tmp_path / "nyc.csv"
    f.write_text("Unique Key,Complaint Type,Opened On,Longitude,Latitude\n"
                 "1,Illegal Postings,05/06/2024 10:00,-73.95,40.7\n", encoding="utf-8")
    code, text = run("problems", str(f), "-o", str(tmp_path / "p.gpkg"))
    assert code == 1
    assert '--column "<name>=found_at"' in text and "columns=" not in text
    code, text = run("problems", str(f), "-o", str(tmp_path / "p.gpkg"), "--tz",
                     "America/New_York", "--column", "OPENED-ON=found_at")
    assert code == 1  # 05/06/2024: day or month first?
    assert "--dayfirst" in text and "--monthfirst" in text and "dayfirst=" not in text
    code, text = run("problems", str(f), "-o", str(tmp_path / "p.gpkg"), "--tz",
                     "America/New_York", "--column", "opened on=found_at", "--monthfirst")
    assert code == 0, text
    assert str(gz.problems.load(tmp_path / "p.gpkg", tz="America/New_York")
               ["found_at"].iloc[0]) == "2024-05-06 10:00:00-04:00"
    code, text = run("problems", str(f), "-o", str(tmp_path / "p.gpkg"), "--tz",
                     "Shanghai", "--monthfirst")
    assert code == 1 and "--tz Asia/Shanghai" in text and 'tz="' not in text


def test_verbosity_flags_after_the_subcommand(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text(HEADER + "A1,暴露垃圾,2024-05-06 09:00,114.25,22.72,张三,1\n",
                 encoding="utf-8")
    for flags in (["-q", "problems"], ["problems", "-q"], ["problems", "--quiet"]):
        code, text = run(*flags, str(f), "-o", str(tmp_path / "p.gpkg"))
        assert code == 0 and text == "", (flags, text)
    code, text = run("problems", str(f), "-o", str(tmp_path / "p.gpkg"), "-v")
    assert code == 0 and "problems written" in text
    import logging
    code, _ = run("problems", str(f), "-o", str(tmp_path / "p.gpkg"), "-vv")
    assert code == 0 and logging.getLogger().level == logging.DEBUG
    code, _ = run("-v", "problems", str(f), "-o", str(tmp_path / "p.gpkg"))
    assert logging.getLogger().level == logging.INFO


def test_categories_beyond_the_vocabulary_from_a_map_and_a_rubric(tmp_path):
    """A 311-like file (noise, parking, vehicles): a category map and a rubric that rates
    noise and parking carry them through problems, assign and rate."""
    import geopandas as gpd
    from shapely.geometry import box

    from geozz.cli.units import write_units

    f = tmp_path / "nyc311.csv"
    f.write_text(
        "Unique Key,Created Date,Complaint Type,Longitude,Latitude\n"
        "1,2024-05-01 10:00,Noise - Residential,-73.990,40.730\n"
        "2,2024-05-02 11:00,Illegal Parking,-73.991,40.731\n"
        "3,2024-05-03 12:00,Derelict Vehicle,-73.989,40.729\n"
        "4,2024-05-04 13:00,Dirty Conditions,-73.990,40.731\n"
        "5,2024-05-05 14:00,Graffiti,-73.990,40.730\n", encoding="utf-8")
    (tmp_path / "map.toml").write_text(
        'new = ["abandoned_vehicle"]\n[categories]\n"Noise - Residential" = "noise"\n'
        '"Illegal Parking" = "parking"\n"Derelict Vehicle" = "abandoned_vehicle"\n'
        '"Dirty Conditions" = "exposed_garbage"\n', encoding="utf-8")
    (tmp_path / "city.toml").write_text(
        'full_score = 100\n[shares.grid]\nexposed_garbage = 40\nnoise = 30\nparking = 30\n'
        '[[grades]]\nmin = 90\nlabel = "good"\n[[grades]]\nmin = 0\nlabel = "poor"\n'
        '[[stars]]\nmin = 95\nstars = 5\n[[stars]]\nmin = 0\nstars = 1\n', encoding="utf-8")
    base = ["problems", str(f), "-o", str(tmp_path / "p.gpkg"), "--tz", "America/New_York"]
    # without the rubric, noise and parking are not codes the map may use
    code, text = run(*base, "--categories", str(tmp_path / "map.toml"))
    assert code == 1 and "'noise'" in text and "new_categories" not in text
    assert "--rubric FILE (a rubric that rates it) or new = [...] in the --categories" in text
    code, text = run(*base, "--categories", str(tmp_path / "map.toml"),
                     "--rubric", str(tmp_path / "city.toml"))
    assert code == 0, text
    assert re.search(r"rejected +1 unmapped_category 'Graffiti'", text)
    assert "--categories map.toml" in text
    problems = gz.problems.load(tmp_path / "p.gpkg", tz="America/New_York")
    assert sorted(problems["category"]) == ["abandoned_vehicle", "exposed_garbage", "noise",
                                            "parking"]
    # a misspelt built-in code in the map is refused, with the right one
    (tmp_path / "bad.toml").write_text('new = ["exposed_garbge"]\n[categories]\n'
                                       '"x" = "exposed_garbge"\n', encoding="utf-8")
    code, text = run(*base, "--categories", str(tmp_path / "bad.toml"))
    assert code == 1 and "write 'exposed_garbage'" in text
    cells = gpd.GeoDataFrame({"unit_type": ["grid"]}, geometry=[box(-74.0, 40.72, -73.98, 40.74)],
                             crs=4326, index=pd.Index(["C1"], name="unit_id")).to_crs(32618)
    write_units(cells, tmp_path / "units.gpkg")
    code, text = run("assign", str(tmp_path / "units.gpkg"), str(tmp_path / "p.gpkg"), "-o",
                     str(tmp_path / "ledger.csv"), "--tz", "America/New_York")
    assert code == 0, text
    code, text = run("rate", str(tmp_path / "ledger.csv"), str(tmp_path / "units.gpkg"), "-o",
                     str(tmp_path / "r.csv"), "--rubric", str(tmp_path / "city.toml"),
                     "--tz", "America/New_York")
    assert code == 0, text
    r = pd.read_csv(tmp_path / "r.csv", encoding="utf-8-sig").iloc[0]
    assert (r["ded_noise"], r["ded_parking"], r["ded_exposed_garbage"]) == (1, 1, 1)
    assert r["score"] == 97 and r["not_rated"] == 1  # the vehicle: no share in the rubric
