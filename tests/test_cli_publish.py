"""``geozz publish`` and ``geozz map``: the same pages as the API, from saved files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import geozz as gz
from geozz._io import MARKER, write_csv
from geozz.cli import main
from geozz.cli.units import write_units


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    units = gz.build_units(gz.datasets.longgang())
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    ledger = gz.assign(problems, units)
    write_units(units, d / "units.gpkg")
    write_csv(d / "ledger.csv", ledger)
    gz.problems.save(problems, d / "problems.gpkg")
    return d, units, ledger


def test_publish_writes_the_folder_the_api_writes(files):
    d, units, ledger = files
    code, text = run("publish", str(d / "units.gpkg"), str(d / "ledger.csv"), "--problems",
                     str(d / "problems.gpkg"), "-o", str(d / "public"), "--simulated",
                     "--period", "2024-06", "--title", "龙岗区")
    assert code == 0, text
    out = d / "public"
    names = {p.name for p in out.iterdir()}
    assert {"index.html", "overview.html", "areas.html", "units", "assets", "ratings.csv",
            "ledger.csv", MARKER} <= names
    assert json.loads((out / MARKER).read_text(encoding="utf-8"))["period"] == "2024-06"
    assert len(list((out / "units").iterdir())) == len(units)
    ratings = pd.read_csv(out / "ratings.csv", dtype={"unit_id": str})
    expected = gz.rate(ledger, units)
    assert len(ratings) == len(expected)
    assert ratings["score"].sum() == pytest.approx(expected["score"].sum())
    overview = (out / "overview.html").read_text(encoding="utf-8")
    assert "问题点为模拟数据" in overview and '"kind":"problems"' in overview
    assert f"ratings: {len(expected)} rows" in text


def test_map_writes_one_page_with_the_problem_points(files, browser):
    from _browser import COUNT_JS, open_offline

    d, units, _ = files
    page_file = d / "stars.html"
    code, text = run("map", str(d / "units.gpkg"), str(d / "ledger.csv"), "--problems",
                     str(d / "problems.gpkg"), "-o", str(page_file), "--unit-types", "grid")
    assert code == 0, text
    context, page, errors, requests, _ = open_offline(browser, page_file)
    assert page.evaluate(COUNT_JS)["shapes"] == int((units["unit_type"] == "grid").sum())
    assert page.locator(".marker-cluster").count() > 0  # the problems, clustered
    legend = page.inner_text(".gz-problem-legend")  # shown with them: the status colours
    assert all(s in legend for s in ("未整改 open", "逾期 overdue", "已整改 rectified"))
    page.click(".leaflet-control-layers label:has-text(\"问题点\") input")
    assert not page.is_visible(".gz-problem-legend")
    assert errors == [] and [u for u in requests if not u.startswith(("file:", "data:"))] == []
    context.close()
    code, text = run("map", str(d / "units.gpkg"), str(d / "ledger.csv"), "-o",
                     str(d / "stars.svg"))
    assert code == 2 and "ends in .html" in text
    code, text = run("map", str(d / "units.gpkg"), str(d / "ledger.csv"), "-o",
                     str(d / "x.html"), "--tiles", "nowhere")
    assert code == 1 and "field 'tiles'" in text and "Traceback" not in text


def test_map_prints_a_static_map_and_one_signboard(files, tmp_path):
    from PIL import Image

    d, units, _ = files
    density = gz.raster.density(gz.read_problems(gz.datasets.problems_path("longgang"))[0],
                                cell_size=100, bandwidth=300, path=tmp_path / "d.tif")
    code, text = run("map", str(d / "units.gpkg"), str(d / "ledger.csv"), "-o",
                     str(tmp_path / "stars.png"), "--raster", str(tmp_path / "d.tif"),
                     "--title", "龙岗区")
    assert code == 0, text and density
    assert Image.open(tmp_path / "stars.png").size[0] > 1000
    uid = units.index[0]
    code, text = run("map", str(d / "units.gpkg"), str(d / "ledger.csv"), "-o",
                     str(tmp_path / "board.pdf"), "--signboard", uid, "--base-url",
                     "https://e.gov.cn/p/", "--contact", "12345")
    assert code == 0, text
    assert (tmp_path / "board.pdf").read_bytes().startswith(b"%PDF")
    assert f"signboard of {uid}" in text
    code, text = run("map", str(d / "units.gpkg"), str(d / "ledger.csv"), "-o",
                     str(tmp_path / "b.png"), "--signboard", "nope", "--base-url", "x")
    assert code == 2 and "'nope' is not a unit id" in text


def test_publish_takes_the_ratings_rate_wrote_with_its_adjustments(files, tmp_path):
    d, units, ledger = files
    _, rejects = gz.read_problems(gz.datasets.problems_path("longgang"))
    write_csv(tmp_path / "rejects.csv", rejects)
    unit = units.index[units["unit_type"] == "grid"][3]
    (tmp_path / "adj.csv").write_text("unit_id,period,points,reason\n"
                                      f"{unit},2024-06,-7,夜间倾倒\n", encoding="utf-8")
    code, text = run("rate", str(d / "ledger.csv"), str(d / "units.gpkg"), "-o",
                     str(tmp_path / "ratings.csv"), "--adjustments", str(tmp_path / "adj.csv"))
    assert code == 0, text
    rated = pd.read_csv(tmp_path / "ratings.csv", dtype={"unit_id": str, "period": str},
                        encoding="utf-8-sig").set_index(["unit_id", "period"])
    plain = gz.rate(ledger, units).set_index(["unit_id", "period"])
    want = rated.loc[(unit, "2024-06"), "score"]
    assert want == pytest.approx(max(0, plain.loc[(unit, "2024-06"), "score"] - 7))
    out = tmp_path / "public"
    code, text = run("publish", str(d / "units.gpkg"), str(d / "ledger.csv"), "--ratings",
                     str(tmp_path / "ratings.csv"), "--rejects", str(tmp_path / "rejects.csv"),
                     "-o", str(out), "--no-unit-pages", "--simulated")
    assert code == 0, text
    assert f"from {tmp_path / 'ratings.csv'}" in text
    public = pd.read_csv(out / "ratings.csv", dtype={"unit_id": str, "period": str},
                         encoding="utf-8-sig").set_index(["unit_id", "period"])
    assert public.loc[(unit, "2024-06"), "score"] == pytest.approx(want)
    assert public.loc[(unit, "2024-06"), "score"] != \
        pytest.approx(plain.loc[(unit, "2024-06"), "score"])  # not re-rated
    assert public["score"].sum() == pytest.approx(rated["score"].sum())
    assert public["stars"].tolist() == rated["stars"].tolist()
    published = pd.read_csv(out / "rejects.csv", dtype=str, encoding="utf-8-sig")
    assert len(published) == len(rejects) and len(published) > 0
    assert set(published["reason"]) == set(rejects["reason"])
    # ratings of other units are refused, naming the file
    other = tmp_path / "other.csv"
    rated.reset_index().assign(unit_id="X1").head(1).to_csv(other, index=False)
    code, text = run("publish", str(d / "units.gpkg"), str(d / "ledger.csv"), "--ratings",
                     str(other), "-o", str(tmp_path / "p2"), "--no-unit-pages")
    assert code == 1 and "other.csv" in text and "--ratings" in text
