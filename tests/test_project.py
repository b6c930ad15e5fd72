"""Project files and ``geozz run``: an office's month, re-run, resumed."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

import geozz as gz
from geozz import project, tables
from geozz.cli import main
from geozz.errors import InputError

#: what the tests skip of a publication (drawn by the maps' own tests)
LIGHT = {"publish.unit_pages": "false", "publish.static": "false", "reports.pdf": "false"}


@pytest.fixture(scope="module")
def sf_project(tmp_path_factory):
    return project.init(tmp_path_factory.mktemp("sf") / "sf311", district="sf311")


def test_init_writes_a_commented_project_and_the_records_by_period(sf_project, tmp_path):
    text = (sf_project / "geozz.toml").read_text(encoding="utf-8")
    assert "# geozz project: San Francisco 311" in text and 'freq = "Y"' in text
    files = sorted(p.name for p in (sf_project / "problems").iterdir())
    assert files[0] == "sf311-2008.csv" and files[-1] == "sf311-2016.csv"
    # every record is in one of the files, once
    raw = pd.read_csv(gz.datasets.sf311_path() / "cases_sample.csv.gz", dtype=str)
    split = pd.concat([pd.read_csv(sf_project / "problems" / f, dtype=str) for f in files])
    assert sorted(split["CaseID"]) == sorted(raw["CaseID"])
    with pytest.raises(InputError, match="--force"):
        project.init(sf_project, district="sf311")
    longgang = project.init(tmp_path / "lg", district="longgang")
    assert (longgang / "zones_simulated.geojson").is_file()
    assert len(list((longgang / "problems").glob("longgang-2024-*.csv"))) == 12


@pytest.mark.parametrize("name", project.DISTRICTS)
def test_init_copies_the_bundled_project_file_the_demo_runs(name, tmp_path):
    """The demo's project file is in the repository (data/<name>/geozz.toml); init copies it
    with the files it names, and only the records' path changes (to the monthly files)."""
    bundled = gz.datasets.project_path(name)
    folder = project.init(tmp_path / name, district=name)
    mine, theirs = project.load(folder), project.load(bundled)
    for section in ("district", "units", "rating", "publish", "reports"):
        assert getattr(mine, section) == getattr(theirs, section), section
    assert mine.problems[0]["path"] == "problems/*.csv"
    assert {k: v for k, v in mine.problems[0].items() if k != "path"} == \
        {k: v for k, v in theirs.problems[0].items() if k != "path"}
    for key in ("area", "admin"):  # the files it names are there
        if theirs.district[key]:
            assert (folder / theirs.district[key]).is_file()
    # the SF 311 categories of gz.datasets are the project file's
    if name == "sf311":
        assert theirs.problems[0]["categories"] == gz.datasets.SF311_CATEGORIES
        assert theirs.problems[0]["tz"] == gz.datasets.SF311_TZ


def test_a_bundled_project_runs_with_its_tables_kept_elsewhere(tmp_path):
    """`geozz demo` runs the bundled project file in place: its tables go to `work=`."""
    bundled = gz.datasets.project_path("sf311")
    before = sorted(p.name for p in bundled.parent.iterdir())
    proj = project.load(bundled, work=tmp_path / "work",
                        overrides={**LIGHT, "publish.out": str(tmp_path / "public"),
                                   "publish.rasters": "false", "reports.workbook": "false",
                                   "reports.bulletin": "false"})
    done = project.run(proj, period="2015")
    assert (tmp_path / "work" / "state.json").is_file()
    assert (tmp_path / "public" / "index.html").is_file() and done.counts["units"] == 195
    assert sorted(p.name for p in bundled.parent.iterdir()) == before  # nothing written there


def test_a_run_rates_what_reading_the_whole_file_rates(sf_project):
    done = project.run(project.load(sf_project, overrides={**LIGHT, "reports.pdf": "true"}),
                       period="2016")
    assert done.period == "2016" and len(done.read) == 9
    problems, rejects = gz.datasets.sf311_problems()
    units = gz.datasets.sf311_tracts()
    want = gz.rate(gz.assign(problems, units), units, freq="Y", rubric="annual")
    got = tables.read("ratings", done.outputs["ratings"])
    cols = ["unit_id", "period", "score", "stars", "rank", "found"]
    pd.testing.assert_frame_equal(got[cols].reset_index(drop=True),
                                  want[cols].reset_index(drop=True), check_dtype=False)
    # count in = count out: every record a problem (merged reports counted) or a reject
    assert done.counts["rejects"] == len(rejects)
    published = pd.read_csv(done.outputs["public"] / "ratings.csv", dtype={"unit_id": str})
    assert set(published["period"].astype(str)) == {str(y) for y in range(2008, 2017)}
    # [reports]: the workbook and the bulletin of the period, from the same tables
    from docx import Document
    from openpyxl import load_workbook

    book = load_workbook(done.outputs["workbook"], read_only=True)
    assert len(book.sheetnames) >= 5
    text = "\n".join(p.text for p in Document(done.outputs["bulletin_docx"]).paragraphs)
    assert "2016" in text and done.outputs["bulletin_pdf"].stat().st_size > 10_000
    # [publish] rasters = true: the density and hot spots, files and overview layers
    assert gz.raster.read(done.outputs["public"] / "density.tif").labels[-1] == "2016"
    page = (done.outputs["public"] / "overview.html").read_text(encoding="utf-8")
    assert "问题密度 Density 2016" in page and "热点 Gi* hot spots 2016" in page


def test_the_next_month_reads_only_its_new_file(tmp_path):
    root = project.init(tmp_path / "lg", district="longgang")
    later = tmp_path / "later"
    later.mkdir()
    for f in (root / "problems").iterdir():
        if f.name > "longgang-2024-02.csv":
            shutil.move(f, later / f.name)
    first = project.run(project.load(root, overrides=LIGHT), period="2024-02")
    assert [p.name for p in first.read] == ["longgang-2024-01.csv", "longgang-2024-02.csv"]
    assert all(s["ran"] for s in first.stages.values())
    shutil.move(later / "longgang-2024-03.csv", root / "problems")
    second = project.run(project.load(root, overrides=LIGHT), period="2024-03")
    assert [p.name for p in second.read] == ["longgang-2024-03.csv"]
    assert not second.stages["units"]["ran"] and second.stages["rate"]["ran"]
    ratings = tables.read("ratings", second.outputs["ratings"])
    assert sorted(ratings["period"].unique()) == ["2024-01", "2024-02", "2024-03"]
    assert len(ratings) == 3 * second.counts["units"]
    # the same period again: nothing is read or made again
    third = project.run(project.load(root, overrides=LIGHT), period="2024-03")
    assert third.read == [] and not any(s["ran"] for s in third.stages.values())
    assert set(third.stages) == {"units", "problems", "assign", "rate", "publish", "reports"}
    assert third.outputs["workbook"].name == "workbook-2024-03.xlsx"
    # a records file taken away: the period is assigned and rated again without it
    (root / "problems" / "longgang-2024-02.csv").unlink()
    fourth = project.run(project.load(root, overrides=LIGHT), period="2024-03")
    assert fourth.stages["assign"]["ran"] and fourth.counts["problems"] < third.counts["problems"]


def test_a_failed_run_resumes_and_gives_the_same_outputs(sf_project, tmp_path, monkeypatch):
    clean = tmp_path / "clean"
    shutil.copytree(sf_project, clean, ignore=shutil.ignore_patterns(".geozz", "public"))
    broken = tmp_path / "broken"
    shutil.copytree(clean, broken)
    project.run(project.load(clean, overrides=LIGHT), period="2015")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(gz.maps, "publish", disk_full)
        with pytest.raises(OSError):
            project.run(project.load(broken, overrides=LIGHT), period="2015")
    assert not (broken / "public").exists()
    resumed = project.run(project.load(broken, overrides=LIGHT), period="2015")
    assert {k for k, s in resumed.stages.items() if s["ran"]} == {"publish", "reports"}
    for name in ("ratings.csv", "ledger.csv", "rejects.csv", "index.html"):
        assert (broken / "public" / name).read_bytes() == \
            (clean / "public" / name).read_bytes(), name
    same = [pd.read_excel(root / "reports" / "2015" / "workbook-2015.xlsx", sheet_name=None)
            for root in (clean, broken)]
    assert same[0].keys() == same[1].keys()
    for sheet in same[0]:
        pd.testing.assert_frame_equal(same[0][sheet], same[1][sheet])


def test_a_project_file_with_mistakes_names_each(tmp_path):
    (tmp_path / "geozz.toml").write_text(
        '[district]\nosm = "missing.pbf"\ncolour = "red"\n[rating]\nfreq = "W"\n',
        encoding="utf-8")
    with pytest.raises(InputError) as err:
        project.load(tmp_path)
    text = str(err.value)
    for part in ("district.osm", "district.colour", "rating.freq", "problems",
                 str(tmp_path / "geozz.toml")):
        assert part in text, part
    (tmp_path / "geozz.toml").write_text("[district\n", encoding="utf-8")
    with pytest.raises(InputError, match="TOML"):
        project.load(tmp_path)


def test_last_complete_period():
    found = pd.Series(pd.to_datetime(["2024-05-03", "2024-06-01"]).tz_localize("Asia/Shanghai"))
    assert project.last_complete(found, "M", today=pd.Timestamp("2024-06-15")) == "2024-05"
    assert project.last_complete(found, "M", today=pd.Timestamp("2025-01-01")) == "2024-06"


def test_the_command_line_init_and_run(tmp_path, monkeypatch):
    runner = CliRunner()
    result = runner.invoke(main, ["init", "--district", "sf311", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(tmp_path / "p")
    args = ["run", "--period", "2014"] + [a for k, v in LIGHT.items()
                                          for a in ("--set", f"{k}={v}")]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "period 2014" in result.output and "records files read this run: 9" in result.output
    assert (tmp_path / "p" / "public" / "index.html").is_file()
    result = runner.invoke(main, ["run", "--set", "rating.colour=red"])
    assert result.exit_code == 1 and "rating.colour" in result.output
    result = runner.invoke(main, ["run", "--set", "nonsense"])
    assert result.exit_code == 2
    result = runner.invoke(main, ["init", str(tmp_path / "q")])
    assert result.exit_code == 2 and "--district" in result.output


def test_publish_takes_the_settings_as_one_object(tmp_path):
    units = gz.datasets.sf311_tracts()
    problems, _ = gz.datasets.sf311_problems()
    ledger = gz.assign(problems, units)
    ratings = gz.rate(ledger, units, freq="Y", rubric="annual")
    settings = {"title": "Project title", "unit_pages": False, "period": "2014",
                "labels": {"grid": "普查区 Census tract"}}
    gz.publish(units, ratings, ledger, tmp_path / "a", settings=settings)
    page = (tmp_path / "a" / "index.html").read_text(encoding="utf-8")
    assert "Project title" in page and "Period: 2014" in (
        tmp_path / "a" / "overview.html").read_text(encoding="utf-8")
    assert not (tmp_path / "a" / "units").exists()
    # a keyword given (not left at its default) wins over the setting
    gz.publish(units, ratings, ledger, tmp_path / "b", title="Keyword title", settings=settings)
    assert "Keyword title" in (tmp_path / "b" / "index.html").read_text(encoding="utf-8")
    with pytest.raises(InputError, match="rasters"):
        gz.publish(units, ratings, ledger, tmp_path / "c", settings={"rasters": True})
