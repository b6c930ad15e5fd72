"""Published pages in a real headless Chromium with the network off: the overview's period
switcher and popups, the index's filters and links, each unit's page, Chinese text drawn
with a real font; and the compact page data read back exactly."""

from __future__ import annotations

import base64
import json
import re
import zlib
from urllib.parse import unquote

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import geozz as gz
from geozz.maps.encode import SCORE_OFFSET, encode_geometry, encode_ratings
from geozz.maps.pages import books, problem_points

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


def _read(buf, ref, n):
    """An array of the packed buffer, as the page reads it (byte planes)."""
    kind = {(1, 0): "u1", (2, 0): "<u2", (1, 1): "i1", (2, 1): "<i2"}[ref["w"], ref.get("s", 0)]
    planes = np.frombuffer(buf[ref["b"]:ref["b"] + n * ref["w"]], np.uint8).reshape(ref["w"], n)
    return planes.T.copy().view(kind).ravel().astype(int)


def test_ratings_encoding_reads_back_every_score_star_and_deduction(world):
    units, _, _, ratings = world
    ids = units.index.tolist()
    n = len(ids)
    cats = [c[4:] for c in ratings.columns if c.startswith("ded_") and c != "ded_extra"]
    periods = sorted(ratings["period"].unique())
    enc = encode_ratings(ratings, ids, periods, cats)
    buf = zlib.decompress(base64.b64decode(enc[0]["packed"]))
    kinds = set()
    for p, e in zip(periods, enc):
        r = ratings[ratings["period"] == p].set_index("unit_id").reindex(ids)
        score = _read(buf, e["score"], n) - SCORE_OFFSET
        np.testing.assert_array_equal(score, np.rint(r["score"].to_numpy() * 100))
        levels = [c[0] for c in e["cuts"]]
        stars = [next(st for lv, st in e["cuts"] if s >= lv) for s in score]
        assert stars == r["stars"].astype(int).tolist() and levels == sorted(levels)[::-1]
        np.testing.assert_array_equal(_read(buf, e["found"], n), r["found"].to_numpy())
        got, rest = {}, None
        for c, d in zip(cats, e["ded"]):
            if d is None:
                got[c] = np.zeros(n, int)
            elif "d" in d:
                got[c] = _read(buf, d["d"], n)
            elif "s" in d:
                got[c] = np.zeros(n, int)
                got[c][np.cumsum(d["s"][0::2]) - 1] = d["s"][1::2]
            else:
                rest = c, _read(buf, d["rest"], n)
            kinds.update(k for k in (d or {"none": 0}))
        if rest is not None:  # what the score lost that the other categories do not explain
            others = sum(got.values())
            got[rest[0]] = 10000 - score - others - rest[1]
            assert not rest[1].any()  # the default rubric's deductions add up to the score
        for c in cats:
            want = np.rint(r[f"ded_{c}"].to_numpy() * 100).astype(int)
            np.testing.assert_array_equal(got[c], want, err_msg=f"{p} {c}")
    assert {"d", "s", "rest"} <= kinds


def test_grid_cells_become_runs_and_carry_their_projection(world):
    """A UTM grid goes to the page as runs and the parameters of its transverse Mercator,
    which put every run's first corner where pyproj does (to 1e-9 degrees, 0.1 mm)."""
    from pyproj import Transformer

    from geozz.maps import tmerc

    units = world[0]
    cells = units[units["unit_type"] == "grid"]
    enc = encode_geometry(cells.geometry, cells.index, names=cells["name"].to_numpy())
    full = cells.geometry.area.to_numpy() >= 200 * 200 - 1e-3
    assert enc["n_grid"] == int(full.sum()) and len(enc["shapes"]) == int((~full).sum())
    g = enc["grids"][0]
    assert sum(r[2] for r in g["runs"]) == g["n"] and g["names"][0] == "网格"
    assert cells.crs.to_epsg() == 32650 and "lon" not in g and g["shift"] is None
    assert g["tm"] == {"a": 6378137.0, "f": 1 / 298.257223563, "lat0": 0.0, "lon0": 117.0,
                       "k0": 0.9996, "x0": 500000.0, "y0": 0.0}
    x = np.array([run[1] * 200.0 for run in g["runs"]])  # each run's south-west corner
    y = np.array([run[0] * 200.0 for run in g["runs"]])
    lon, lat = tmerc.inverse(g["tm"], x, y)
    want = Transformer.from_crs(32650, 4326, always_xy=True).transform(x, y)
    assert np.abs(lon - want[0]).max() < 1e-9 and np.abs(lat - want[1]).max() < 1e-9
    assert min(g["i0"], g["j0"]) > 0 and g["i0"] == min(r[1] for r in g["runs"])


AEA = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +ellps=WGS84 +units=m +no_defs"


def county(crs, km=44.8, size=400.0, lon=114.2, lat=22.7):
    """A geozz grid of ``km`` across in ``crs``, its south-west corner at lon/lat
    (Longgang: 3° west of UTM zone 50's central meridian, where the zone bends most)."""
    from pyproj import Transformer
    from shapely import box

    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)
    x0, y0 = np.floor(x / size) * size, np.floor(y / size) * size
    return gz.units.grid(gpd.GeoSeries([box(x0, y0, x0 + km * 1000, y0 + km * 1000)],
                                       crs=crs), size=size)


@pytest.mark.parametrize("crs", [32650, 32750, 4547,
                                 "+proj=tmerc +lat_0=30 +lon_0=114 +k=0.9999 +x_0=300000 "
                                 "+y_0=-200000 +ellps=GRS80 +units=m",
                                 "+proj=tmerc +lat_0=-20 +lon_0=10 +R=6371000 +units=m"])
def test_the_pages_transverse_mercator_matches_pyproj_across_a_zone(crs):
    """The series the page uses (geozz.maps.tmerc, its Python twin) against pyproj, both
    ways, 300 km either side of the central meridian and 3,000 km along it: UTM north and
    south, CGCS2000 Gauss-Krüger, an origin off the equator, a sphere."""
    from pyproj import Transformer

    from geozz.maps import tmerc

    p = tmerc.params(crs)
    rng = np.random.default_rng(7)
    x = p["x0"] + rng.uniform(-300e3, 300e3, 5000)
    y = p["y0"] + rng.uniform(-3e6, 3e6, 5000)
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
    ok = np.isfinite(lon) & (np.abs(lat) < 85)
    got_lon, got_lat = tmerc.inverse(p, x, y)
    assert np.abs(((got_lon - lon + 180) % 360 - 180)[ok]).max() < 1e-11
    sphere = p["f"] == 0  # pyproj's own formula for a sphere: apart by some micrometres
    assert np.abs((got_lat - lat)[ok]).max() < (1e-9 if sphere else 1e-12)
    fx, fy = tmerc.forward(p, lon[ok], lat[ok])
    tol = 1e-4 if sphere else 1e-7  # metres
    assert np.abs(fx - x[ok]).max() < tol and np.abs(fy - y[ok]).max() < tol


@pytest.fixture(scope="module")
def small_page(tmp_path_factory):
    """A star map of four cells: the page script, to call its functions."""
    cells = county(32650, km=0.8)
    f = tmp_path_factory.mktemp("small") / "small.html"
    gz.star_map(cells, county_ratings(cells)).save(str(f))
    return f


def test_the_page_projects_as_pyproj_does_in_every_transverse_mercator(browser, small_page):
    """The page's own transverse Mercator (both ways) and GCJ-02 (both ways) against
    pyproj and geozz.coords, on random points: UTM north and south, CGCS2000
    Gauss-Krüger, an origin off the equator with a negative false northing, a sphere;
    GCJ-02 over all of China."""
    from pyproj import Transformer

    from geozz.coords import convert
    from geozz.maps import tmerc

    context, page, errors, *_ = open_offline(browser, small_page)
    run = """([p, xy, ll]) => { const tm = window.geozzTransverseMercator(p), o = [0, 0];
        return [xy.map(([x, y]) => { tm.inverse(x, y, o); return [o[0], o[1]]; }),
                ll.map(([lon, lat]) => { tm.forward(lon, lat, o); return [o[0], o[1]]; })]; }"""
    rng = np.random.default_rng(11)
    for crs in (32650, 32750, 4547, "+proj=tmerc +lat_0=30 +lon_0=114 +k=0.9999 +x_0=300000 "
                "+y_0=-200000 +ellps=GRS80 +units=m", "+proj=tmerc +lat_0=-20 +lon_0=10 "
                "+R=6371000 +units=m"):
        p = tmerc.params(crs)
        x = p["x0"] + rng.uniform(-300e3, 300e3, 2000)
        y = p["y0"] + rng.uniform(-3e6, 3e6, 2000)
        lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
        got_ll, got_xy = (np.array(v) for v in page.evaluate(
            run, [p, np.c_[x, y].tolist(), np.c_[lon, lat].tolist()]))
        sphere = p["f"] == 0
        assert np.abs((got_ll[:, 0] - lon + 180) % 360 - 180).max() < 1e-11, crs
        assert np.abs(got_ll[:, 1] - lat).max() < (1e-9 if sphere else 1e-12), crs
        tol = 1e-4 if sphere else 1e-7  # metres
        assert np.abs(got_xy - np.c_[x, y]).max() < tol, crs
    lon, lat = rng.uniform(73, 135, 5000), rng.uniform(4, 53, 5000)
    lon[:3], lat[:3] = [105, 60, 114], [35, 30, 60]  # x = 0 (sqrt|x|); outside the box
    to = page.evaluate("""(ll) => ll.map(p => { const o = p.slice(); window.geozzGcj.to(o);
        return o; })""", np.c_[lon, lat].tolist())
    want = np.c_[convert(lon, lat, src="wgs84", dst="gcj02")]  # (n, 2)
    assert np.abs(np.array(to) - want).max() < 1e-12
    back = page.evaluate("""(ll) => ll.map(p => { const o = p.slice(); window.geozzGcj.from(o);
        return o; })""", want.tolist())
    want_back = np.c_[convert(want[:, 0], want[:, 1], src="gcj02", dst="wgs84")]
    assert np.abs(np.array(back) - want_back).max() < 1e-11
    assert np.abs(np.array(back) - np.c_[lon, lat]).max() < 1e-10
    assert errors == []
    context.close()


def test_how_a_county_grid_goes_to_the_page_in_each_kind_of_crs():
    """Each grid by the one rule: a transverse Mercator that reproduces pyproj is placed by
    its projection at any extent; any other CRS by the quadratic fit while it holds (to
    1e-6 degrees), else its cells are polygons."""
    from pyproj import Transformer

    from geozz.maps import tmerc
    from geozz.maps.encode import MAX_FIT_ERROR

    def enc(crs, km, shift=None):
        cells = county(crs, km)
        e = encode_geometry(cells.geometry, cells.index, shift=shift)
        return cells, e, (e["grids"][0] if e["grids"] else None)

    for crs in (32650, 4547):  # UTM, CGCS2000 Gauss-Krüger: by the projection, 44.8 km
        cells, e, g = enc(crs, 44.8)
        assert e["n_grid"] == len(cells) == 112 * 112 and e["shapes"] == []
        assert g["tm"] == tmerc.params(crs) and "lon" not in g and g["shift"] is None
    # the page shifts the corners to GCJ-02 itself; a shift it does not know: the fit
    _, e, g = enc(32650, 44.8, shift="gcj02")
    assert g["tm"]["lon0"] == 117.0 and g["shift"] == "gcj02"
    cells, e, g = enc(32650, 8, shift=lambda lon, lat: (lon + 0.001, lat))
    assert "tm" not in g and e["n_grid"] == len(cells)
    with pytest.raises(gz.errors.InputError, match="field 'shift'"):
        encode_geometry(cells.geometry, cells.index, shift="bd09")
    # Albers (not a transverse Mercator): the fit, which holds over 44.8 km there
    cells, e, g = enc(AEA, 44.8)
    assert "tm" not in g and e["n_grid"] == len(cells)
    i, j = np.meshgrid([0, 56, 112], [0, 56, 112])
    i, j = i.ravel(), j.ravel()
    lon = np.array([np.dot(g["lon"], [1, a, b, a * a, a * b, b * b]) for a, b in zip(i, j)])
    lat = np.array([np.dot(g["lat"], [1, a, b, a * a, a * b, b * b]) for a, b in zip(i, j)])
    want = Transformer.from_crs(AEA, 4326, always_xy=True).transform(
        (g["i0"] + i) * 400.0, (g["j0"] + j) * 400.0)
    assert np.abs(lon - want[0]).max() <= MAX_FIT_ERROR
    assert np.abs(lat - want[1]).max() <= MAX_FIT_ERROR
    # Beijing 1954 Gauss-Krüger: a transverse Mercator, but pyproj shifts its datum (tens
    # of metres), which the page does not: the fit over 8 km, polygons over 44.8 km
    assert tmerc.params(2435) is not None
    cells, e, g = enc(2435, 8)
    assert "tm" not in g and "lon" in g and e["n_grid"] == len(cells)
    cells, e, g = enc(2435, 44.8)
    assert g is None and e["n_grid"] == 0 and len(e["shapes"]) == len(cells)


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
    assert href == "units/" + gz.maps.page_name(worst["unit_id"])  # readable: the id itself
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
    assert all((folder / unquote(h)).is_file() for h in hrefs) and len(set(hrefs)) == len(units)
    # the red list: every unit of it, the first ten shown and the ties folded
    red = int((last["list"] == "red").sum())
    assert page.locator("#gz-list-red li").count() == red and red > 10
    assert page.locator("#gz-list-red li:visible").count() == 10
    page.click("#gz-list-red summary")
    assert page.locator("#gz-list-red li:visible").count() == red
    assert errors == []
    context.close()


def test_the_unit_pages_list_is_what_the_ratings_count(world):
    """Every unit's problem list of a period holds the problems its counts count: found
    in the period (found), closed in it (closed), past the deadline (overdue), found and
    not closed by its end (open_at_end); those carried over from earlier periods too."""
    _, problems, ledger, ratings = world
    for period in ("2024-03", "2024-12"):
        got = books(problems, ledger, period)
        g = got.assign(here=~got["carried"],
                       open_end=~got["carried"] & (got["state"] != 2)).groupby("unit_id")
        have = pd.DataFrame({"found": g["here"].sum(), "closed": g["closed_here"].sum(),
                             "overdue": g["late"].sum(), "open_at_end": g["open_end"].sum()})
        want = ratings[ratings["period"] == period].set_index("unit_id")[list(have.columns)]
        pd.testing.assert_frame_equal(have.reindex(want.index).fillna(0).astype(int),
                                      want.astype(int), check_names=False)
        assert got["carried"].any() and got["late"].any() and got["closed_here"].any()


def _unit_page_shows(page, world, uid, period):
    """The unit page's heading count, list rows and map markers are its books, and its
    counts (found / closed / overdue) are the ratings'."""
    _, problems, ledger, ratings = world
    row = ratings[(ratings["period"] == period) & (ratings["unit_id"] == uid)].iloc[0]
    mine = books(problems, ledger, period)
    mine = mine[mine["unit_id"] == uid]
    title = page.inner_text("#gz-problems-title")
    assert f"Problems in {period}: {len(mine)} " in title
    assert f"found in the period {int(row['found'])}," in title
    assert f"carried over {int(mine['carried'].sum())})" in title
    rows = page.eval_on_selector_all("#gz-problems tbody tr", "els => els.map(e => e.innerText)")
    assert len(rows) == max(len(mine), 1)
    if len(mine):
        assert [r.split("\t")[0] for r in rows] == mine["found"].tolist()
        assert sum("past its deadline" in r for r in rows) == int(row["overdue"])
        assert sum("closed in the period" in r for r in rows) == int(row["closed"])
    else:
        assert rows == ["无 none"]
    inside = page.evaluate("""() => { const m = window.geozzUnit.map, b = m.getBounds();
        let n = 0, out = 0; m.eachLayer(l => { if (l instanceof L.CircleMarker) {
          n += 1; if (!b.contains(l.getLatLng())) out += 1; } }); return [n, out]; }""")
    assert inside == [len(mine), 0]  # every listed problem is on the map, in view
    counts = f"{int(row['found'])} / {int(row['closed'])} / {int(row['overdue'])}"
    assert counts in page.inner_text("#gz-info")


def test_unit_page_shows_its_shape_deductions_history_and_problems(browser, world, folder):
    _, _, _, ratings = world
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
        if row[c] > 0:  # each by its Chinese and English name, with its points
            names = gz.problems.vocabulary()["categories"][c[4:]]
            assert f"{names['zh']} {names['en']}\t-{row[c]:g}" in deds
    # one point in the history per rated month
    assert page.locator("#gz-history circle").count() == int(
        ratings.loc[ratings["unit_id"] == uid, "score"].notna().sum())
    _unit_page_shows(page, world, uid, "2024-12")
    # a unit that found nothing in December but carries overdue problems over: it lists
    # them (it used to say its count and list none); and one with nothing at all
    carried = last[(last["found"] == 0) & (last["overdue"] > 0)].iloc[0]["unit_id"]
    empty = last[(last["found"] == 0) & (last["due"] == 0) & (last["closed"] == 0)]
    for other in (carried, empty.iloc[0]["unit_id"]):
        page.goto((folder / "units" / gz.maps.page_name(other)).as_uri())
        page.wait_for_function("() => window.geozzUnit !== undefined")
        _unit_page_shows(page, world, other, "2024-12")
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


#: ids a page name must cope with: geozz's own, path and URL characters, Windows' reserved
#: names, case twins, CJK and accented letters, combining marks, jamo, controls
NAME_IDS = ["G200-E1-N2", "G200-E1076-N12549", "R-4806e014-K0+000-K1+110",
            "R-1132200E-K0+000-K0+350", "W-71042fa7-001", "8a2a1072b59ffff", "8A2A1072B59FFFF",
            "R-1/2 龙.x", ".hidden", "..", "a~b", "K1+000", "龙岗河/01", "龙岗河\\01",
            "C:x", "a?b#c%d", "tab\tnl\n", "con", "CON", "Con.x", "nul", "com1", "LPT9.a",
            "console", "A", "a", "Ab", "aB", "ab", "AB", "Straße", "STRASSE", "é", "e\u0301",
            "Ä", "ä", "ΣΑ", "σα", "Ａ", "ａ", "각", "\u1100\u1161\u11a8", "K\u212a",
            "~x1", "a~x1", "x" * 70, "X" * 70, "-", "_", "+", " ", "", "…", "١٢٣"]


def test_page_names_are_readable_safe_and_never_collide():
    """The name keeps the id where that is safe anywhere, and no two ids share a name on
    a case-insensitive, normalising file system (NTFS, APFS) either."""
    import unicodedata

    from geozz.maps.star import page_href

    page_name = gz.maps.page_name
    for uid in ["G200-E1076-N12549", "R-4806e014-K0+000-K1+110", "W-71042fa7-001",
                "8a2a1072b59ffff", "K1+000", "A", "网格-001", "R-深南大道-K1+000", "ä-1"]:
        assert page_name(uid) == uid + ".html"  # readable: the id itself
    assert page_name("龙岗河/01") == "龙岗河~2f01.html"
    assert page_href("龙岗河/01") == "%E9%BE%99%E5%B2%97%E6%B2%B3~2f01.html"
    rng = np.random.default_rng(7)
    alphabet = list("aAbBeEfFxXsS019-_.+~/\\:?#% ") + ["龙", "é", "É", "\u0301", "ß", "Σ", "σ",
                                                      "\u1100", "\u1161", "\x00", "\n"]
    ids = set(NAME_IDS) | {"".join(rng.choice(alphabet, size=rng.integers(1, 9)))
                           for _ in range(20000)}
    ids |= {"con" + x for x in ("", ".a", ".A", "1")} | {"CON" + x for x in ("", ".a", "1")}
    seen = {}
    for uid in ids:
        name = page_name(uid)
        stem = name.removesuffix(".html")
        assert not name.startswith(".") and stem.split(".")[0].lower() not in {
            "con", "prn", "aux", "nul", "com1", "lpt9"}, uid
        assert not any(c in name for c in '/\\:?#%*"<>| ') and all(
            c.isprintable() for c in name), uid
        key = unicodedata.normalize("NFD", name).casefold()  # what NTFS / APFS compare
        assert seen.setdefault(key, uid) == uid, (uid, seen[key], name)


def test_page_names_are_the_same_in_the_page_script(browser, tmp_path):
    """The overview links to units/<name>.html with the name its script computes."""
    from geozz.maps.page import inline
    from geozz.maps.star import page_href

    page_file = tmp_path / "p.html"
    page_file.write_text("<html><body>" + inline(["leaflet.js", "starmap.js"]) + "</body></html>",
                         encoding="utf-8")
    context, page, *_ = open_offline(browser, page_file)
    got = page.evaluate("ids => ids.map(id => [window.geozzPageName(id), window.geozzPageHref(id)])",
                        NAME_IDS)
    assert got == [[gz.maps.page_name(u), page_href(u)] for u in NAME_IDS]
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
    assert osm["geometry"] == plain["geometry"]
    assert osm["tiles"].startswith("https://tile.openstreetmap.org/")
    assert "autonavi" in gcj["tiles"] and "高德" in gcj["credit"]
    # the whole cells: the same grid, which the page shifts to GCJ-02 (browser tests)
    g0, g1 = plain["geometry"]["grids"][0], gcj["geometry"]["grids"][0]
    assert g0["shift"] is None and g1["shift"] == "gcj02"
    assert {**g1, "shift": None} == g0
    # the clipped edge cells: shifted here
    x0, y0 = plain["geometry"]["shapes"][0][0][0][:2]
    x1, y1 = gcj["geometry"]["shapes"][0][0][0][:2]
    want = convert(np.array([x0 / 1e5]), np.array([y0 / 1e5]), src="wgs84", dst="gcj02")
    assert abs(x1 / 1e5 - want[0][0]) < 2e-5 and abs(y1 / 1e5 - want[1][0]) < 2e-5
    assert abs(x1 - x0) > 100  # Shenzhen: about 500 m apart
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
    raw = _read(zlib.decompress(base64.b64decode(enc["packed"])), enc["score"], 3)
    assert raw[1] == 65535 and (raw[[0, 2]] - enc["offset"]).tolist() == [-300, 10000]
    assert enc["cuts"] == [[10000, 5], [-300, 1]]


@pytest.fixture(scope="module")
def fine(world, tmp_path_factory):
    """Longgang in 25 m cells: 22,332 cells, a grid large enough for the canvas; rated
    with 6 points a problem (at 1 point, as the default rubric says, every cell this
    small stays at 5 stars)."""
    from _rubrics import default_text, write_rubric

    units = gz.build_units(gz.datasets.longgang(), grid_size=25, unit_types=["grid"])
    strict = write_rubric(tmp_path_factory.mktemp("rubric"), default_text().replace(
        "points_per_problem = 1\n", "points_per_problem = 6\n"))
    ratings = gz.rate(gz.assign(world[1], units), units, rubric=strict)
    assert ratings["stars"].nunique() >= 3
    return units, ratings


def test_a_large_grid_is_one_canvas_that_draws_finds_and_recolours_every_cell(
        browser, fine, tmp_path):
    """A large grid drawn as one canvas: the pixel at every cell's centre has its star
    colour, the cell found under any point of a cell is that cell (2 m from its corners
    too: the position projected back to column and row), the period switcher repaints,
    and hovering and clicking a cell give its tooltip and popup."""
    from geozz.maps.star import CANVAS_CELLS, NO_RATING_COLOUR, STAR_COLOURS

    units, ratings = fine
    f = tmp_path / "canvas.html"
    gz.star_map(units, ratings).save(str(f))
    cells = units[units.area >= 25 * 25 - 1e-4]  # whole cells (one clipped by 0.0002 m²)
    assert len(cells) >= CANVAS_CELLS
    centre = cells.geometry.centroid.to_crs(4326)
    probe = [[uid, p.y, p.x] for uid, p in zip(cells.index, centre)]
    context, page, errors, requests, _ = open_offline(browser, f)
    assert page.evaluate(COUNT_JS)["shapes"] == len(units)
    assert page.evaluate("() => window.geozzMap.canvases.length") == 1
    assert page.evaluate("() => getComputedStyle(document.querySelector("
                         "'.leaflet-gzGrid-pane canvas')).opacity") == "0.7"
    assert page.evaluate("() => window.geozzMap.groups[0].getLayers().length") == \
        1 + len(units) - len(cells)  # the clipped edge cells: polygons
    # close enough that a cell is 12 px wide (its centre pixel wholly inside it)
    shown = ratings[ratings["period"] == "2024-03"].set_index("unit_id")
    uid = shown.loc[cells.index, "found"].idxmax()  # the busiest cell, in the middle
    lat0, lon0 = probe[cells.index.get_loc(uid)][1:]
    page.evaluate(f"() => {{ window.geozzMap.map.setView([{lat0}, {lon0}], 16, {{animate: false}}); }}")
    read = """(probe) => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => {
        const gm = window.geozzMap, m = gm.map, r = window.devicePixelRatio || 1;
        const cv = document.querySelector('.leaflet-gzGrid-pane canvas'), ctx = cv.getContext('2d');
        done(probe.map(([id, lat, lon]) => {
          const k = gm.cellAt(lat, lon), p = m.latLngToContainerPoint([lat, lon]);
          const inView = p.x > 8 && p.y > 8 && p.x * r < cv.width - 8 && p.y * r < cv.height - 8;
          const px = inView ? Array.from(ctx.getImageData(Math.floor(p.x * r), Math.floor(p.y * r), 1, 1).data) : null;
          return [k >= 0 ? gm.idOf(k) : null, px];
        }));
      })))"""

    def colour(stars):
        hexa = STAR_COLOURS.get(int(stars), NO_RATING_COLOUR) if pd.notna(stars) \
            else NO_RATING_COLOUR
        return [int(hexa[k:k + 2], 16) for k in (1, 3, 5)]

    for period in ("2024-12", "2024-03"):
        assert page.evaluate(f"() => window.geozzMap.setPeriod('{period}')")
        got = page.evaluate(read, probe)
        stars = ratings[ratings["period"] == period].set_index("unit_id")["stars"]
        assert [g[0] for g in got] == cells.index.tolist()  # found by arithmetic
        seen = [(cell, px) for (cell, _, _), (_, px) in zip(probe, got) if px is not None]
        assert len(seen) > 3000
        for cell, px in seen:
            want = colour(stars[cell])
            assert max(abs(a - b) for a, b in zip(px[:3], want)) <= 2, (period, cell, px, want)
            assert px[3] == 255
    assert len({tuple(px) for _, px in seen}) > 1  # not one colour everywhere
    assert page.evaluate("() => window.geozzMap.cellAt(10, 10)") == -1
    # 2 m inside each corner of every cell: still that cell (projected back exactly)
    b = cells.geometry.bounds.to_numpy()
    near = []
    for fx, fy in ((0.01, 0.01), (0.99, 0.01), (0.99, 0.99), (0.01, 0.99)):
        pts = gpd.GeoSeries(gpd.points_from_xy(b[:, 0] + fx * (b[:, 2] - b[:, 0]),
                                               b[:, 1] + fy * (b[:, 3] - b[:, 1])),
                            crs=cells.crs).to_crs(4326)
        near += [[p.y, p.x] for p in pts]
    found = page.evaluate("""(pts) => pts.map(([lat, lon]) => {
        const k = window.geozzMap.cellAt(lat, lon); return k >= 0 ? window.geozzMap.idOf(k) : null; })""", near)
    assert found == cells.index.tolist() * 4
    # hover and click the busiest cell
    lat, lon = lat0, lon0
    xy = page.evaluate(f"""() => {{ const m = window.geozzMap.map;
        const p = m.latLngToContainerPoint([{lat}, {lon}]);
        const r = m.getContainer().getBoundingClientRect();
        return [p.x + r.left, p.y + r.top]; }}""")
    page.mouse.move(xy[0] - 1, xy[1] - 1)
    page.mouse.move(*xy)
    page.wait_for_selector(".leaflet-tooltip")
    tip = page.inner_text(".leaflet-tooltip")
    row = ratings[(ratings["period"] == "2024-03") & (ratings["unit_id"] == uid)].iloc[0]
    assert uid in tip and "★" * int(row["stars"]) in tip
    page.mouse.click(*xy)
    page.wait_for_selector(".leaflet-popup-content")
    popup = page.inner_text(".leaflet-popup-content")
    assert "2024-03" in popup and str(int(row["score"])) in popup
    assert errors == [] and [u for u in requests if not u.startswith(("file:", "data:"))] == []
    context.close()


def county_ratings(cells, periods=("2024-01", "2024-02")):
    rng = np.random.default_rng(3)
    rows = []
    for p in periods:
        score = np.clip(100 - rng.gamma(0.6, 8.0, len(cells)), 0, 100).round(2)
        rows.append(pd.DataFrame({"unit_id": cells.index, "period": p, "unit_type": "grid",
                                  "score": score, "found": np.rint(100 - score).astype(int)}))
    r = pd.concat(rows, ignore_index=True)
    r["stars"] = np.select([r["score"] >= 95, r["score"] >= 85, r["score"] >= 70,
                            r["score"] >= 50], [5, 4, 3, 2], 1)
    return r


@pytest.mark.parametrize("crs, tiles, how", [(32650, None, "tm"), (32650, "gaode", "tm"),
                                             (AEA, None, "fit"), (2435, None, "polygons")],
                         ids=["utm", "utm-gaode", "albers", "beijing1954"])
def test_a_county_grid_puts_its_far_corners_where_pyproj_does(browser, tmp_path, crs, tiles,
                                                               how):
    """A grid 44.8 km across (12,544 cells of 400 m, 3° west of its UTM zone's central
    meridian) on one canvas: the page's corners of the four cells at the corners of the
    extent are within 0.1 mm of pyproj's (0.5 m by the fit in a CRS that is not a
    transverse Mercator; GCJ-02 over the gaode base map), and the cell found 4 m inside
    any corner of the cells near the extent's corners is that cell, under the mouse too.
    A transverse Mercator on another datum (Beijing 1954) goes as polygons."""
    from pyproj import Geod, Transformer

    from geozz.coords import convert

    cells = county(crs)
    f = tmp_path / "county.html"
    gz.star_map(cells, county_ratings(cells), tiles=tiles).save(str(f))
    context, page, errors, requests, _ = open_offline(browser, f)
    assert len(cells) == 112 * 112
    info = page.evaluate("""() => { const gm = window.geozzMap, c = gm.canvases[0];
        return {canvases: gm.canvases.length, layers: gm.groups[0].getLayers().length,
                tm: !!(c && c.g.tm), fit: !!(c && c.g.lon), n: c ? c.n : 0}; }""")
    if how == "polygons":
        assert info == {"canvases": 0, "layers": len(cells), "tm": False, "fit": False, "n": 0}
        assert errors == [] and [u for u in requests if not u.startswith(("file:", "data:"))] == []
        context.close()
        return
    assert info == {"canvases": 1, "layers": 1, "tm": how == "tm", "fit": how == "fit",
                    "n": len(cells)}
    ij = np.array([[int(v) for v in uid.split("-E")[1].split("-N")] for uid in cells.index])
    (i0, j0), (i1, j1) = ij.min(axis=0), ij.max(axis=0)
    to_wgs = Transformer.from_crs(crs, 4326, always_xy=True)

    def lonlat(x, y):
        lon, lat = to_wgs.transform(np.asarray(x, float), np.asarray(y, float))
        return convert(lon, lat, src="wgs84", dst="gcj02") if tiles == "gaode" else (lon, lat)

    # the corners the page computes (and draws) of the extent's four corner cells
    far = [f"G400-E{i}-N{j}" for i, j in ((i0, j0), (i1, j0), (i1, j1), (i0, j1))]
    got = page.evaluate("""(ids) => { const gm = window.geozzMap, c = gm.canvases[0], out = {};
        for (let k = c.first; k < c.first + c.n; k++) { const id = gm.idOf(k);
          if (ids.includes(id)) out[id] = c.corners(k); }
        return out; }""", far)
    geod, worst = Geod(ellps="WGS84"), 0.0
    for uid in far:
        i, j = (int(v) for v in uid.split("-E")[1].split("-N"))
        lon, lat = lonlat([i * 400, (i + 1) * 400, (i + 1) * 400, i * 400],
                          [j * 400, j * 400, (j + 1) * 400, (j + 1) * 400])
        ll = np.array(got[uid])
        worst = max(worst, geod.inv(lon, lat, ll[:, 1], ll[:, 0])[2].max())
    assert worst < (1e-4 if how == "tm" else 0.5), worst
    # 4 m inside each corner of the cells near the extent's corners: that cell; 4 m out: none
    near = [(i, j) for a, b in ((i0, j0), (i1, j0), (i1, j1), (i0, j1))
            for i in range(a - 1, a + 2) for j in range(b - 1, b + 2)
            if i0 <= i <= i1 and j0 <= j <= j1]
    x = np.array([(i + fx) * 400 for i, j in near for fx, fy in
                  ((0.01, 0.01), (0.99, 0.01), (0.99, 0.99), (0.01, 0.99))])
    y = np.array([(j + fy) * 400 for i, j in near for fx, fy in
                  ((0.01, 0.01), (0.99, 0.01), (0.99, 0.99), (0.01, 0.99))])
    out_x = np.array([i0 * 400 - 4, (i1 + 1) * 400 + 4, (i1 + 1) * 400 + 4, i0 * 400 - 4])
    out_y = np.array([j0 * 400 - 4, j0 * 400 - 4, (j1 + 1) * 400 + 4, (j1 + 1) * 400 + 4])
    lon, lat = lonlat(np.r_[x, out_x], np.r_[y, out_y])
    found = page.evaluate("""(pts) => pts.map(([lat, lon]) => {
        const k = window.geozzMap.cellAt(lat, lon); return k >= 0 ? window.geozzMap.idOf(k) : null; })""",
                          [[b, a] for a, b in zip(lon, lat)])
    assert found == [f"G400-E{i}-N{j}" for i, j in near for _ in range(4)] + [None] * 4
    # the mouse over the north-east corner cell: its tooltip and outline
    clon, clat = lonlat([(i1 + 0.5) * 400], [(j1 + 0.5) * 400])
    page.evaluate(f"() => window.geozzMap.map.setView([{clat[0]}, {clon[0]}], 15, {{animate: false}})")
    xy = page.evaluate(f"""() => {{ const m = window.geozzMap.map;
        const p = m.latLngToContainerPoint([{clat[0]}, {clon[0]}]);
        const r = m.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }}""")
    page.mouse.move(xy[0] - 1, xy[1] - 1)
    page.mouse.move(*xy)
    page.wait_for_selector(".leaflet-tooltip")
    assert far[2] in page.inner_text(".leaflet-tooltip")
    assert errors == []
    hosts = {u.split("/")[2] for u in requests if not u.startswith(("file:", "data:"))}
    assert all(h.endswith(".is.autonavi.com") for h in hosts) if tiles == "gaode" \
        else hosts == set()  # only the base map's tiles (which fail: offline)
    context.close()


def test_the_areas_page_opens_on_the_areas_with_their_shares_and_target(browser, tmp_path):
    zones = gz.datasets.zones("longgang")
    units = gz.build_units(gz.datasets.longgang(), admin=zones)
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    ledger = gz.assign(problems, units)
    ratings = gz.rate(ledger, units)
    out = tmp_path / "public"
    gz.publish(units, ratings, ledger, out, simulated=True, title="龙岗区", unit_pages=False)
    table = gz.rating.areas(ratings, units, level="street")
    context, page, errors, requests, _ = open_offline(browser, out / "areas.html")
    # the units are in the layer control but off: the areas alone, with the share legend
    assert page.evaluate(COUNT_JS)["shapes"] == 0
    legend = page.inner_text(".gz-area-legend")
    assert "target 80%" in legend and "≥ 90%" in legend and "< 60%" in legend
    labels = lambda: sorted(page.eval_on_selector_all(  # noqa: E731
        ".gz-area-label", "els => els.map(e => e.textContent)"))
    for period in ("2024-05", "2024-12"):
        page.select_option("#gz-period", label=period)
        rows = table[table["period"] == period]
        want = sorted(f"{r.area} {round(100 * r.share_3star)}%"
                      + ("" if r.meets_target else " ✗") for r in rows.itertuples())
        assert labels() == want
    page.select_option("#gz-period", label="2024-05")
    assert "爱联片区（模拟） 79% ✗" in labels()
    # switching the areas off hides their labels and legend; the units come back on demand
    page.click(".leaflet-control-layers label:has-text(\"辖区达标\") input")
    page.wait_for_function("() => !document.querySelector('.gz-area-label')", timeout=5000)
    assert not page.is_visible(".gz-area-legend")
    page.click(".leaflet-control-layers label:has-text(\"网格\") input")
    assert page.evaluate(COUNT_JS)["shapes"] == (units["unit_type"] == "grid").sum()
    assert errors == [] and [u for u in requests if not u.startswith(("file:", "data:"))] == []
    context.close()


def test_on_a_phone_the_heading_control_and_legend_keep_apart(browser, world, folder):
    units, _, _, ratings = world
    uid = ratings["unit_id"].iloc[0]
    context = browser.new_context(offline=True, viewport={"width": 390, "height": 760})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((folder / "overview.html").as_uri())
    page.wait_for_function("() => window.geozzMap")
    boxes = {name: page.locator(sel).bounding_box() for name, sel in
             [("heading", "#gz-heading"), ("control", ".leaflet-control-layers"),
              ("legend", "#gz-legend")]}

    def apart(a, b):
        return a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"] \
            or a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]

    assert apart(boxes["heading"], boxes["control"])
    assert apart(boxes["control"], boxes["legend"])
    for b in boxes.values():  # all on the screen
        assert b["x"] >= 0 and b["x"] + b["width"] <= 390 and b["y"] + b["height"] <= 760
    page.goto((folder / "units" / gz.maps.page_name(uid)).as_uri())
    page.wait_for_function("() => window.geozzUnit !== undefined")
    m = page.locator("#gz-map").bounding_box()
    assert m["x"] >= 0 and m["x"] + m["width"] <= 390
    assert errors == []
    context.close()


def test_road_sections_are_drawn_as_their_square_ended_corridors(browser, world, tmp_path):
    """Corridors are drawn as their polygons (cut square at the stakes by road_corridors),
    not as thick lines, whose round ends would overlap the next section's."""
    units, _, _, ratings = world
    roads = units[units["unit_type"] == "road"]
    path = tmp_path / "roads.html"
    gz.star_map(roads, ratings).save(str(path))
    context, page, errors, *_ = open_offline(browser, path)
    kinds = page.evaluate("""() => { const out = []; window.geozzMap.groups.forEach(g =>
        g.eachLayer(l => out.push(l instanceof L.Polygon))); return out; }""")
    assert kinds == [True] * len(roads) and errors == []
    context.close()


@pytest.fixture(scope="module")
def zoned(tmp_path_factory):
    """The Longgang publication with its demo zones (the areas page has its labels)."""
    units = gz.build_units(gz.datasets.longgang(), admin=gz.datasets.zones("longgang"))
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    ledger = gz.assign(problems, units)
    out = tmp_path_factory.mktemp("zoned") / "public"
    gz.publish(units, gz.rate(ledger, units), ledger, out, problems=problems, simulated=True,
               title="龙岗区", unit_pages=False)
    return out


BOXES_JS = """() => {
  const m = window.geozzMap, map = m.map, r = map.getContainer().getBoundingClientRect();
  const a = map.latLngToContainerPoint(m.bounds[0]), b = map.latLngToContainerPoint(m.bounds[1]);
  const data = {x: Math.min(a.x, b.x) + r.left, y: Math.min(a.y, b.y) + r.top,
                width: Math.abs(b.x - a.x), height: Math.abs(b.y - a.y)};
  const boxes = {};
  for (const [name, sel] of [["control", ".leaflet-control-layers"], ["legend", "#gz-legend"],
      ["heading", "#gz-heading"], ["zoom", ".leaflet-control-zoom"],
      ["side legends", "#gz-raster-legends"]]) {
    const e = document.querySelector(sel);
    if (!e) continue;
    const q = e.getBoundingClientRect();
    if (q.width && q.height) boxes[name] = {x: q.x, y: q.y, width: q.width, height: q.height};
  }
  const labels = Array.from(document.querySelectorAll(".gz-area-label")).map(e => {
    const q = e.getBoundingClientRect(); return {x: q.x, y: q.y, width: q.width, height: q.height}; });
  return {data, boxes, labels, view: {width: r.width, height: r.height},
          collapsed: !document.querySelector(".leaflet-control-layers-expanded")};
}"""


def _apart(a, b):
    return a["y"] + a["height"] <= b["y"] + 0.5 or b["y"] + b["height"] <= a["y"] + 0.5 \
        or a["x"] + a["width"] <= b["x"] + 0.5 or b["x"] + b["width"] <= a["x"] + 0.5


@pytest.mark.parametrize("name", ["overview", "areas", "stars_road"])
def test_the_controls_and_legends_leave_the_units_clear_on_load(browser, zoned, name):
    """At a desktop size the units open in the part of the map no control, legend or
    heading covers (the layer control used to lie over the north-east, the legend over an
    area's label), as large as fits there."""
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((zoned / f"{name}.html").as_uri())
    page.wait_for_function("() => window.geozzMap")
    got = page.evaluate(BOXES_JS)
    data, boxes = got["data"], got["boxes"]
    assert {"control", "legend", "heading", "zoom"} <= set(boxes) and not got["collapsed"]
    for what, box in boxes.items():
        assert _apart(data, box), (what, box, data)
    if name == "areas":  # every area's label on the map, none under a box
        assert len(got["labels"]) == 5 and "side legends" in boxes
        for label in got["labels"]:
            assert all(_apart(label, box) for box in boxes.values()), label
    # not shrunk away: the units span most of the room left to them
    free_w = got["view"]["width"] - boxes["legend"]["x"] - boxes["legend"]["width"]
    assert data["width"] > 0.5 * free_w or data["height"] > 0.45 * got["view"]["height"]
    assert errors == []
    context.close()


def test_on_a_phone_the_layer_control_is_folded(browser, zoned):
    context = browser.new_context(offline=True, viewport={"width": 390, "height": 760})
    page = context.new_page()
    page.goto((zoned / "areas.html").as_uri())
    page.wait_for_function("() => window.geozzMap")
    got = page.evaluate(BOXES_JS)
    assert got["collapsed"] and got["boxes"]["control"]["width"] < 60
    for what in ("control", "legend", "heading"):
        assert _apart(got["data"], got["boxes"][what]), what
    context.close()
