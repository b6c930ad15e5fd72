"""Published pages in a real headless Chromium with the network off: the overview's period
switcher and popups, the index's filters and links, each unit's page, Chinese text drawn
with a real font; and the compact page data read back exactly."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest

import geozz as gz
from geozz.maps.encode import SCORE_OFFSET, encode_geometry, encode_ratings
from geozz.maps.pages import problem_points

from _browser import COUNT_JS, open_offline


@pytest.fixture(scope="module")
def world():
    units = gz.build_units(gz.datasets.longgang())
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    ledger = gz.assign(problems, units)
    ratings = gz.rate(ledger, units)
    return units, problems, ledger, ratings


@pytest.fixture(scope="module")
def folder(world, tmp_path_factory):
    units, problems, ledger, ratings = world
    out = tmp_path_factory.mktemp("pub") / "public"
    gz.publish(units, ratings, ledger, out, problems=problems, simulated=True, title="龙岗区")
    return out


# --------------------------------------------------------------------------------------
# the page data, without a browser


def _u16(text):
    return np.frombuffer(base64.b64decode(text), dtype="<u2").astype(int)


def test_ratings_encoding_reads_back_every_score_star_and_deduction(world):
    units, _, _, ratings = world
    ids = units.index.tolist()
    cats = [c[4:] for c in ratings.columns if c.startswith("ded_") and c != "ded_extra"]
    periods = sorted(ratings["period"].unique())
    enc = encode_ratings(ratings, ids, periods, cats)
    for p, e in zip(periods, enc):
        r = ratings[ratings["period"] == p].set_index("unit_id").reindex(ids)
        score = _u16(e["score"]) - SCORE_OFFSET
        np.testing.assert_array_equal(score, np.rint(r["score"].to_numpy() * 100))
        levels = [c[0] for c in e["cuts"]]
        stars = [next(st for lv, st in e["cuts"] if s >= lv) for s in score]
        assert stars == r["stars"].astype(int).tolist() and levels == sorted(levels)[::-1]
        np.testing.assert_array_equal(_u16(e["found"]), r["found"].to_numpy())
        for c, d in zip(cats, e["ded"]):
            want = np.rint(r[f"ded_{c}"].to_numpy() * 100).astype(int)
            if d is None:
                assert not want.any()
            elif "d" in d:
                np.testing.assert_array_equal(_u16(d["d"]), want)
            else:
                got = np.zeros(len(ids), int)
                got[np.cumsum(d["s"][0::2]) - 1] = d["s"][1::2]
                np.testing.assert_array_equal(got, want)


def test_grid_cells_become_runs_and_the_fit_lands_on_their_corners(world):
    units = world[0]
    cells = units[units["unit_type"] == "grid"]
    enc = encode_geometry(cells.geometry, cells.index, names=cells["name"].to_numpy())
    full = cells.geometry.area.to_numpy() >= 200 * 200 - 1e-3
    assert enc["n_grid"] == int(full.sum()) and len(enc["shapes"]) == int((~full).sum())
    g = enc["grids"][0]
    assert sum(r[2] for r in g["runs"]) == g["n"] and g["names"][0] == "网格"
    # the south-west corner of every run's first cell, from the fit, within 0.1 m
    corner = [(run[1] - g["i0"], run[0] - g["j0"]) for run in g["runs"]]
    lon = [np.dot(g["lon"], [1, i, j, i * i, i * j, j * j]) for i, j in corner]
    lat = [np.dot(g["lat"], [1, i, j, i * i, i * j, j * j]) for i, j in corner]
    xy = gpd_points(lon, lat).to_crs(cells.crs)
    want = [(run[1] * 200, run[0] * 200) for run in g["runs"]]
    assert np.abs(np.c_[xy.x, xy.y] - np.array(want)).max() < 0.1


def gpd_points(lon, lat):
    import geopandas as gpd

    return gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326)


def test_problem_points_keep_the_count_and_judge_the_state(world):
    _, problems, ledger, ratings = world
    periods = sorted(ratings["period"].unique())
    pts = problem_points(problems, ledger, periods)
    placed = ledger[ledger["unit_id"].notna()]
    assert len(pts) == len(ledger) - ledger["problem_id"].isin(
        problems.index[problems.geometry.isna()]).sum()
    assert set(pts["state"]) == {0, 1, 2} and set(pts.columns) == {
        "lon", "lat", "period", "state", "category", "unit_id"}
    may = periods.index("2024-05")
    row = placed[placed["found_at"].dt.strftime("%Y-%m") == "2024-05"].iloc[0]
    got = pts[(pts["period"] == may) & (pts["unit_id"] == row["unit_id"])]
    assert len(got) == ((placed["unit_id"] == row["unit_id"]) &
                        (placed["found_at"].dt.strftime("%Y-%m") == "2024-05")).sum()


# --------------------------------------------------------------------------------------
# in a real browser


def test_overview_switches_period_and_opens_a_popup_with_the_unit_link(browser, world,
                                                                       folder):
    units, _, _, ratings = world
    context, page, errors, requests, _ = open_offline(browser, folder / "overview.html")
    assert page.evaluate(COUNT_JS)["shapes"] == len(units)
    assert page.title() == "龙岗区 星级评价 overview"
    assert page.inner_text("#gz-heading") == "龙岗区 星级评价 overview"
    legend = lambda: [int(x) for x in page.eval_on_selector_all(  # noqa: E731
        "#gz-legend .gz-n", "els => els.map(e => e.textContent)")]
    for period in ("2024-12", "2024-03"):
        page.select_option("#gz-period", label=period)
        stars = ratings.loc[ratings["period"] == period, "stars"]
        assert legend() == [int((stars == s).sum()) for s in (5, 4, 3, 2, 1)] + [0]
        fills = page.evaluate("""() => { const out = {}; window.geozzMap.groups.forEach(g =>
            g.eachLayer(l => { out[l.feature.properties.id] = l.feature.properties.s; }));
            return out; }""")
        want = ratings[ratings["period"] == period].set_index("unit_id")["stars"]
        assert fills == {k: int(v) for k, v in want.items()}
    # click the worst unit of March: its popup lists its deductions and links to its page
    worst = ratings[ratings["period"] == "2024-03"].sort_values("score").iloc[0]
    page.evaluate(f"""() => window.geozzMap.groups.forEach(g => g.eachLayer(l => {{
        if (l.feature.properties.id === {json.dumps(worst['unit_id'])})
          l.fire("click", {{latlng: l.getBounds().getCenter()}}, true); }}))""")
    page.wait_for_selector(".leaflet-popup-content")
    popup = page.inner_text(".leaflet-popup-content")
    assert "2024-03" in popup and f"{worst['score']:.1f}".rstrip("0").rstrip(".")[:2] in popup
    href = page.get_attribute(".leaflet-popup-content a", "href")
    assert href == "units/" + gz.maps.page_name(worst["unit_id"])
    assert (folder / href).is_file()
    assert errors == [] and [u for u in requests if not u.startswith(("file:", "data:"))] == []
    context.close()


def test_index_filters_sorts_and_links_every_unit(browser, world, folder):
    units, _, _, ratings = world
    context, page, errors, _, _ = open_offline(browser, folder / "index.html")
    last = ratings[ratings["period"] == "2024-12"]
    assert page.locator("#gz-units tbody tr").count() == len(units)
    share = (last["stars"] >= 3).mean()
    assert f"{share:.1%}" in page.inner_text("#gz-summary")
    page.select_option("#gz-f-type", label="路段 Road")
    assert page.locator("#gz-units tbody tr").count() == int((units["unit_type"] == "road").sum())
    page.select_option("#gz-f-type", value="")
    page.select_option("#gz-f-stars", value="1")
    assert page.locator("#gz-units tbody tr").count() == int((last["stars"] == 1).sum())
    page.select_option("#gz-f-stars", value="")
    page.click("#gz-units thead th:nth-child(5)")  # score, ascending
    first = page.inner_text("#gz-units tbody tr:first-child td:nth-child(5)")
    assert float(first) == pytest.approx(last["score"].min())
    hrefs = page.eval_on_selector_all("#gz-units tbody a", "els => els.map(e => e.getAttribute('href'))")
    assert all((folder / h).is_file() for h in hrefs) and len(set(hrefs)) == len(units)
    red = page.locator("#gz-list-red li").count()
    assert red == int((last["list"] == "red").sum())
    assert errors == []
    context.close()


def test_unit_page_shows_its_shape_deductions_history_and_problems(browser, world, folder):
    units, problems, ledger, ratings = world
    last = ratings[ratings["period"] == "2024-12"].sort_values("score")
    uid = last.iloc[0]["unit_id"]
    context, page, errors, _, _ = open_offline(browser, folder / "units" /
                                               gz.maps.page_name(uid))
    page.wait_for_function("() => window.geozzUnit !== undefined")
    info = page.inner_text("#gz-info")
    assert uid in info and "2024-12" in info
    stars = int(last.iloc[0]["stars"])
    assert page.inner_text("#gz-unit-stars") == "★" * stars + "☆" * (5 - stars)
    deds = page.inner_text("#gz-deductions")
    row = last.iloc[0]
    for c in [c for c in ratings.columns if c.startswith("ded_") and c != "ded_extra"]:
        if row[c] > 0:
            assert c[4:] in deds
    # one point in the history per rated month
    assert page.locator("#gz-history circle").count() == int(
        ratings.loc[ratings["unit_id"] == uid, "score"].notna().sum())
    pts = problem_points(problems, ledger, sorted(ratings["period"].unique()))
    mine = pts[(pts["unit_id"] == uid) & (pts["period"] == 11)]
    markers = page.evaluate("""() => { let n = 0; window.geozzUnit.map.eachLayer(l => {
        if (l instanceof L.CircleMarker) n += 1; }); return n; }""")
    assert markers == len(mine) and len(mine) == int(row["found"])
    assert errors == []
    context.close()


def test_chinese_text_is_drawn_with_a_font_not_boxes(browser, folder):
    context, page, *_ = open_offline(browser, folder / "overview.html")
    same = page.evaluate("""() => {
      function draw(t) { const c = document.createElement('canvas'); c.width = 60; c.height = 30;
        const x = c.getContext('2d'); x.font = '24px sans-serif'; x.fillText(t, 2, 24);
        return Array.from(x.getImageData(0, 0, 60, 30).data).join(','); }
      return [draw('网格'), draw('\\uE000\\uE001'), draw('路段')]; }""")
    assert same[0] != same[1] and same[2] != same[1]  # not the missing-glyph box
    shot = page.screenshot()
    assert len(set(shot[1000:20000])) > 50  # a picture, not a blank page
    context.close()


def test_star_map_of_one_period_carries_one(world):
    units, _, _, ratings = world
    page = gz.star_map(units, ratings, period="2024-05", all_periods=False).get_root().render()
    assert re.search(r'"periods":\["2024-05"\]', page)
    every = gz.star_map(units, ratings).get_root().render()
    assert len(every) > len(page)


def test_publish_refuses_a_problems_table_that_is_not_one(world, tmp_path):
    units, _, ledger, ratings = world
    with pytest.raises(gz.errors.InputError, match="field 'problems'"):
        gz.publish(units, ratings, ledger, tmp_path / "p", problems=pd.DataFrame())
    with pytest.raises(gz.errors.InputError, match="problems and ledger together"):
        gz.star_map(units, ratings, problems=world[1])


@pytest.mark.parametrize("uid", ["G200-E1-N2", "R-1/2 龙.x", ".hidden", "a~b", "K1+000"])
def test_page_names_are_the_same_in_the_page_script(browser, tmp_path, uid):
    """The overview links to units/<name>.html with the name its script computes."""
    from geozz.maps.page import inline

    page_file = tmp_path / "p.html"
    page_file.write_text("<html><body>" + inline(["leaflet.js", "starmap.js"]) + "</body></html>",
                         encoding="utf-8")
    context, page, *_ = open_offline(browser, page_file)
    assert page.evaluate("id => window.geozzPageName(id)", uid) == gz.maps.page_name(uid)
    context.close()


def test_gaode_tiles_shift_the_units_to_gcj02_and_osm_tiles_do_not(world):
    from geozz.coords import convert
    from geozz.maps.star import map_config

    units, _, _, ratings = world
    opts = dict(period=None, unit_types=["grid"], title=None, simulated=False, credit="c",
                decimals=5)
    plain, _, _ = map_config(units, ratings, tiles=None, **opts)
    osm, _, _ = map_config(units, ratings, tiles="openstreetmap", **opts)
    gcj, _, _ = map_config(units, ratings, tiles="gaode", **opts)
    assert osm["geometry"]["grids"] == plain["geometry"]["grids"]
    assert osm["tiles"].startswith("https://tile.openstreetmap.org/")
    assert "autonavi" in gcj["tiles"] and "高德" in gcj["credit"]
    g0, g1 = plain["geometry"]["grids"][0], gcj["geometry"]["grids"][0]
    lon, lat = g0["lon"][0], g0["lat"][0]  # the grid origin, WGS-84
    want = convert(np.array([lon]), np.array([lat]), src="wgs84", dst="gcj02")
    assert abs(g1["lon"][0] - want[0][0]) < 1e-6 and abs(g1["lat"][0] - want[1][0]) < 1e-6
    assert abs(g1["lon"][0] - lon) > 1e-3  # Shenzhen: about 500 m apart
    with pytest.raises(gz.errors.InputError, match="field 'tiles'"):
        map_config(units, ratings, tiles="nowhere", **opts)


def test_a_gaode_publication_shifts_unit_pages_and_points_too(world, tmp_path):
    units, problems, ledger, ratings = world
    plain = tmp_path / "plain"
    gcj = tmp_path / "gcj"
    gz.publish(units, ratings, ledger, plain, problems=problems)
    gz.publish(units, ratings, ledger, gcj, problems=problems, tiles="gaode")
    uid = units.index[0]

    def data(folder):
        text = (folder / "units" / gz.maps.page_name(uid)).read_text(encoding="utf-8")
        return json.loads(re.search(r"geozzUnitPage\((.*)\);</script>", text, re.S).group(1))

    a, b = data(plain), data(gcj)
    x0, y0 = a["shape"]["polys"][0][0][:2]
    x1, y1 = b["shape"]["polys"][0][0][:2]
    from geozz.coords import convert

    lon, lat = convert(np.array([x0 / 1e5]), np.array([y0 / 1e5]), src="wgs84", dst="gcj02")
    assert abs(x1 / 1e5 - lon[0]) < 2e-5 and abs(y1 / 1e5 - lat[0]) < 2e-5
    assert "autonavi" in b["tiles"] and a["tiles"] is None


def test_scores_below_zero_and_missing_ones_survive_the_encoding():
    r = pd.DataFrame({"unit_id": ["a", "b", "c"], "period": "2024-05",
                      "score": [-3.0, None, 100.0], "stars": [1, None, 5], "found": [103, 0, 0]})
    enc = encode_ratings(r, ["a", "b", "c"], ["2024-05"], [])[0]
    raw = _u16(enc["score"])
    assert raw[1] == 65535 and (raw[[0, 2]] - enc["offset"]).tolist() == [-300, 10000]
    assert enc["cuts"] == [[10000, 5], [-300, 1]]
