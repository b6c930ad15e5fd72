"""Star maps and published folders: offline, escaped, public-safe, drawn in a real browser."""

import os
import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

import geozz as gz
from geozz._io import script_json


@pytest.fixture(scope="module")
def longgang():
    units = gz.build_units(gz.datasets.longgang())
    problems, rejects = gz.read_problems(gz.datasets.problems_path("longgang"))
    ledger = gz.assign(problems, units)
    return units, problems, ledger, gz.rate(ledger, units)


def test_map_is_offline_and_has_legend_and_credit(longgang):
    units, _, _, ratings = longgang
    page = gz.star_map(units, ratings, period="2024-05", simulated=True).get_root().render()
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert srcs == []  # nothing loaded from anywhere
    assert "L.map(" in page and "leaflet" in page.lower()
    for label in ("五星 5★", "一星 1★", "无评分 no rating", "模拟", "OpenStreetMap contributors",
                  "2024-05"):
        assert label in page


def test_unknown_period_is_an_error(longgang):
    units, _, _, ratings = longgang
    with pytest.raises(gz.errors.InputError, match="period"):
        gz.star_map(units, ratings, period="1999-01")


def test_publish_carries_no_personal_data(longgang, tmp_path):
    units, problems, ledger, ratings = longgang
    out = gz.publish(units, ratings, ledger, tmp_path, simulated=True, problems=problems)
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert any(p.parent.name == "units" for p in files)  # the unit pages are read too
    text = "".join(p.read_text(encoding="utf-8") for p in files)
    for person in problems["reporter"].dropna().unique()[:50]:
        assert person not in text
    for phone in problems["phone"].dropna().unique()[:200]:
        assert phone not in text
    for description in problems["description"].dropna().unique()[:200]:
        assert description not in text  # no free-text descriptions
    csv = pd.read_csv(out["ratings"])
    assert len(csv) == len(ratings)
    assert not any(c in csv.columns for c in ("reporter", "phone", "description"))


# ---- in a real browser ----------------------------------------------------------------

from _browser import COUNT_JS, open_offline  # noqa: E402


def test_overview_draws_every_unit_offline(browser, longgang, tmp_path):
    units, _, ledger, ratings = longgang
    out = gz.publish(units, ratings, ledger, tmp_path, simulated=True)
    context, page, errors, requests, _ = open_offline(browser, out["overview"])
    got = page.evaluate(COUNT_JS)
    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert got["legend"]
    assert got["shapes"] == len(units)
    assert got["painted"] > 0.1 * got["total"]  # the screenshot is not blank
    page.screenshot(path=str(tmp_path / "overview.png"))
    if os.environ.get("GEOZZ_SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["GEOZZ_SCREENSHOT_DIR"], "overview.png"))
    assert (tmp_path / "overview.png").stat().st_size > 10_000
    context.close()
    # the per-type maps hold that type's units only
    context, page, errors, _, _ = open_offline(browser, out["road"])
    assert page.evaluate(COUNT_JS)["shapes"] == (units["unit_type"] == "road").sum()
    assert errors == []
    context.close()


def test_hostile_names_show_as_text(browser, tmp_path):
    hostile = ['<script>alert("x")</script>', '<img src=x onerror=alert(1)>']
    units = gpd.GeoDataFrame(
        {"unit_type": "grid", "name": hostile, "admin": "<b>区</b>", "responsible": ""},
        geometry=[box(800000, 2500000, 800200, 2500200), box(800200, 2500000, 800400, 2500200)],
        crs=32650, index=pd.Index(["a", "b"], name="unit_id"))
    ratings = pd.DataFrame({"unit_id": ["a", "b"], "period": "2024-05", "unit_type": "grid", "score": [96.0, 71.0],
                            "stars": [5, 2], "found": [4, 29]})
    f = tmp_path / "hostile.html"
    gz.star_map(units, ratings, title="<i>title</i>").save(str(f))
    context, page, errors, _, dialogs = open_offline(browser, f)
    key = page.evaluate(COUNT_JS)["key"]
    for uid in ("a", "b"):
        xy = page.evaluate(f"""() => {{
            const m = window['{key}'];
            let pt = null;
            m.eachLayer(l => {{ if (l.feature && l.feature.properties.c === '71.0' && '{uid}' === 'b')
                pt = m.latLngToContainerPoint(l.getBounds().getCenter());
              if (l.feature && l.feature.properties.c === '96.0' && '{uid}' === 'a')
                pt = m.latLngToContainerPoint(l.getBounds().getCenter()); }});
            const r = m.getContainer().getBoundingClientRect();
            return [pt.x + r.left, pt.y + r.top]; }}""")
        page.mouse.move(*xy)
        page.wait_for_timeout(200)
    tip = page.inner_text(".leaflet-tooltip")
    assert hostile[1] in tip and "★★☆☆☆" in tip and "29" in tip
    assert dialogs == [] and errors == []
    assert page.evaluate("() => document.querySelectorAll('img[src=x]').length") == 0
    assert "<i>title</i>" in page.inner_text("#gz-legend")
    context.close()


@pytest.fixture
def small():
    units = gpd.GeoDataFrame(
        {"unit_type": "grid", "name": ["甲", "乙"], "admin": ["龙岗街道", "坪地街道"],
         "responsible": ""},
        geometry=[box(800000, 2500000, 800200, 2500200), box(800200, 2500000, 800400, 2500200)],
        crs=32650, index=pd.Index(["a", "b"], name="unit_id"))
    ratings = pd.DataFrame({"unit_id": ["a", "b"], "period": "2024-05", "unit_type": "grid",
                            "score": [96.0, 71.0], "stars": [5, 2], "found": [4, 29]})
    ledger = pd.DataFrame({"problem_id": ["p1"], "unit_id": ["a"], "unit_type": ["grid"],
                           "reason": ["inside"], "category": ["piles"],
                           "found_at": pd.to_datetime(["2024-05-03"]).tz_localize(
                               "Asia/Shanghai")})
    return units, ratings, ledger


def test_publish_defaults_name_the_area_and_do_not_claim_simulation(small, tmp_path):
    out = gz.publish(*small, tmp_path / "pub")
    page = out["overview"].read_text(encoding="utf-8")
    assert script_json("龙岗街道 星级评价 overview")[1:-1] in page  # the first unit's admin
    assert "模拟" not in page
    titled = gz.publish(*small, tmp_path / "pub2", title="坪山区")
    assert script_json("坪山区 星级评价 overview")[1:-1] in \
        titled["overview"].read_text(encoding="utf-8")


@pytest.mark.parametrize("name, why", [
    (".hidden", "does not start with '.'"), ("ratings.csv", "rename the extra file"),
    ("sub/x.txt", "a plain file name"), ("", "a plain file name")])
def test_extra_files_need_plain_new_names(small, tmp_path, name, why):
    src = tmp_path / "notes.txt"
    src.write_text("说明", encoding="utf-8")
    with pytest.raises(gz.errors.InputError, match=why):
        gz.publish(*small, tmp_path / "pub", extra={name: src})
    assert not (tmp_path / "pub").exists()


def test_extra_files_are_copied_and_missing_ones_refused(small, tmp_path):
    src = tmp_path / "notes.txt"
    src.write_text("说明", encoding="utf-8")
    out = gz.publish(*small, tmp_path / "pub", extra={"notes.txt": src})
    assert out["notes.txt"].read_text(encoding="utf-8") == "说明"
    with pytest.raises(gz.errors.InputError, match="an existing file"):
        gz.publish(*small, tmp_path / "pub", extra={"more.txt": tmp_path / "nope.txt"})
    assert (tmp_path / "pub" / "notes.txt").exists()  # the previous publication is intact


def test_publish_passes_its_options_to_every_page(small, tmp_path):
    url = "https://tiles.example.invalid/{z}/{x}/{y}.png"
    out = gz.publish(*small, tmp_path / "pub", simulated=True, tiles=url, title="坪山区",
                     period="2024-05")
    for key in ("overview", "grid"):
        page = out[key].read_text(encoding="utf-8")
        assert "问题点为模拟数据" in page and script_json(url)[1:-1] in page
        assert script_json("评价期 Period: 2024-05")[1:-1] in page
    grid_page = out["grid"].read_text(encoding="utf-8")
    assert script_json("坪山区 网格 Grid")[1:-1] in grid_page


def test_a_unit_types_label_comes_from_the_caller_or_the_data(small, tmp_path):
    """Census tracts held as grid units show as tracts on every page, not as 网格 Grid:
    ``labels=`` of publish and star_map, else a ``type_label`` column, else the registry."""
    units, ratings, ledger = small
    tract = "普查区 Census tract"
    out = gz.publish(units, ratings, ledger, tmp_path / "pub", title="SF", labels={"grid": tract})
    for key in ("overview", "grid", "index"):
        page = out[key].read_text(encoding="utf-8")
        assert script_json(tract)[1:-1] in page and "网格 Grid" not in page, key
    assert script_json("SF " + tract)[1:-1] in out["grid"].read_text(encoding="utf-8")
    unit_page = (out["units"] / gz.maps.page_name("a")).read_text(encoding="utf-8")
    assert script_json(tract)[1:-1] in unit_page and "网格 Grid" not in unit_page
    # from the data: a type_label column (text, shown as it is)
    odd = "<b>{{ 7*7 }}</b> tract"
    page = gz.star_map(units.assign(type_label=odd), ratings).get_root().render()
    assert script_json(odd)[1:-1] in page and "网格 Grid" not in page and "<b>{{" not in page
    # the caller's word wins over the data's; the registry's stays as it was
    page = gz.star_map(units.assign(type_label=odd), ratings,
                       labels={"grid": tract}).get_root().render()
    assert script_json(tract)[1:-1] in page and script_json(odd)[1:-1] not in page
    assert gz.maps.UNIT_TYPE_LABELS["grid"] == "网格 Grid"
    assert "网格 Grid" in gz.star_map(units, ratings).get_root().render()
    for bad, why in [({"tract": tract}, "unit types from"), ({"grid": " "}, "non-empty"),
                     ("tract", "a mapping")]:
        with pytest.raises(gz.errors.InputError, match=why):
            gz.publish(units, ratings, ledger, tmp_path / "bad", labels=bad)
    assert not (tmp_path / "bad").exists()
