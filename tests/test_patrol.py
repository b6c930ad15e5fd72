"""Daily patrol routes (gz.patrol): budget, streets, one-ways, solver against greedy, GPX,
the offline route page (in Chromium) and the CLI."""

from __future__ import annotations

import warnings

import geopandas as gpd
import gpxpy
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import geozz as gz
from geozz.errors import InputError, SchemaError
from geozz.patrol import street_network

from _browser import open_offline

HOSTILE = "</script><img src=x onerror=alert(1)>{{ 7*7 }}<!--"


@pytest.fixture(scope="module")
def district():
    area = gz.datasets.longgang()
    units = gz.build_units(area, grid_size=200)
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    ledger = gz.assign(problems, units)
    counts = ledger.groupby("unit_id").size() / 12  # problems per month
    osm = gz.datasets.path("longgang") / "shenzhen_longgang.osm.pbf"
    return {"area": area, "units": units, "ledger": ledger, "counts": counts, "osm": osm,
            "walk": street_network(osm, mode="walk", crs=units.crs),
            "drive": street_network(osm, mode="drive", crs=units.crs)}


@pytest.fixture(scope="module")
def walked(district):
    d = district
    return gz.patrol.routes(d["osm"], d["units"], d["counts"], officers=3, budget_m=10_000,
                            time_limit=2, network=d["walk"])


def _edges(net) -> set:
    m = net.matrix.tocoo()
    xy = np.round(net.xy, 3)
    return {(tuple(xy[u]), tuple(xy[v])) for u, v in zip(m.row, m.col)}


def _pairs(line) -> list:
    c = np.round(shapely.get_coordinates(line), 3)
    return [(tuple(a), tuple(b)) for a, b in zip(c[:-1], c[1:])]


def test_budget_respected(district, walked):
    assert len(walked) == 3 and walked["officer"].tolist() == [1, 2, 3]
    assert (walked["distance_m"] <= 10_000).all()
    assert (walked["distance_m"] > 5_000).all()  # the budget is used, not ignored
    line_len = [g.length for g in walked.geometry]
    assert np.allclose(line_len, walked["distance_m"], atol=0.05)
    d = district
    short = gz.patrol.routes(d["osm"], d["units"], d["counts"], officers=2, budget_m=1_500,
                             time_limit=0.5, network=d["walk"])
    g = gz.patrol.greedy(d["osm"], d["units"], d["counts"], officers=2, budget_m=1_500,
                         network=d["walk"])
    for r in (short, g):
        assert (r["distance_m"] <= 1_500).all() and r["n_stops"].sum() > 0


def test_routes_follow_street_edges(district, walked):
    d = district
    walk_edges = _edges(d["walk"])
    for line in walked.geometry:
        pairs = _pairs(line)
        assert pairs and all(p in walk_edges for p in pairs)
        assert shapely.get_coordinates(line)[0].tolist() == \
            shapely.get_coordinates(line)[-1].tolist()  # back at the start
    drove = gz.patrol.routes(d["osm"], d["units"], d["counts"], officers=2, budget_m=8_000,
                             mode="drive", time_limit=1, network=d["drive"])
    drive_edges = _edges(d["drive"])  # directed: (from, to) of the one-ways only
    for line in drove.geometry:
        assert all(p in drive_edges for p in _pairs(line))


def test_stops_are_the_units_in_order(district, walked):
    units = district["units"]
    for row in walked.itertuples():
        assert len(row.stops) == len(set(row.stops)) == row.n_stops
        assert row.prize == pytest.approx(district["counts"].reindex(row.stops).sum())
        assert row.names == units.loc[row.stops, "name"].tolist()
        # every stop's street node is on the route line
        assert all(shapely.dwithin(shapely.Point(xy), row.geometry, 1e-6) for xy in row.stop_xy)
    everyone = [s for ids in walked["stops"] for s in ids]
    assert len(everyone) == len(set(everyone))  # no unit visited twice
    st = gz.patrol.stops(walked)
    assert len(st) == walked["n_stops"].sum()


def _tiny(oneway: str | None):
    """A 100 m square: start at (0, 0), the unit at (100, 0); the direct street is one-way
    from the unit to the start, so a vehicle goes round by (0, 100), (100, 100)."""
    x0, y0 = 500_000.0, 2_500_000.0
    p = lambda x, y: (x0 + x, y0 + y)  # noqa: E731
    roads = gpd.GeoDataFrame({"highway": ["residential"] * 4,
                              "oneway": [oneway, None, None, None]}, crs=32650, geometry=[
        shapely.LineString([p(100, 0), p(0, 0)]), shapely.LineString([p(0, 0), p(0, 100)]),
        shapely.LineString([p(0, 100), p(100, 100)]),
        shapely.LineString([p(100, 100), p(100, 0)])])
    units = gpd.GeoDataFrame({"unit_type": ["grid"], "name": ["东门"]}, crs=32650,
                             geometry=[shapely.box(*p(90, -10), *p(110, 10))],
                             index=pd.Index(["U1"], name="unit_id"))
    return roads, units, [p(0, 0)]


def test_oneway_makes_the_drive_longer():
    roads, units, start = _tiny("yes")
    risk = pd.Series({"U1": 2.0})
    walk = gz.patrol.routes(roads, units, risk, officers=1, budget_m=1_000, starts=start,
                            mode="walk", time_limit=0.2)
    drive = gz.patrol.routes(roads, units, risk, officers=1, budget_m=1_000, starts=start,
                             mode="drive", time_limit=0.2)
    assert walk["stops"].iloc[0] == drive["stops"].iloc[0] == ["U1"]
    assert walk["distance_m"].iloc[0] == pytest.approx(200)
    assert drive["distance_m"].iloc[0] == pytest.approx(400)
    # the same street two-way: no detour by vehicle either
    roads2, *_ = _tiny("no")
    both = gz.patrol.routes(roads2, units, risk, officers=1, budget_m=1_000, starts=start,
                            mode="drive", time_limit=0.2)
    assert both["distance_m"].iloc[0] == pytest.approx(200)
    # a budget the detour does not fit: the unit is left out, by both methods
    for method in ("solver", "greedy"):
        tight = gz.patrol.routes(roads, units, risk, officers=1, budget_m=399, starts=start,
                                 mode="drive", method=method, time_limit=0.2)
        assert tight["n_stops"].iloc[0] == 0 and tight["distance_m"].iloc[0] == 0


def test_solver_collects_at_least_greedy(district, walked):
    d = district
    g = gz.patrol.greedy(d["osm"], d["units"], d["counts"], officers=3, budget_m=10_000,
                         network=d["walk"])
    assert walked["prize"].sum() >= g["prize"].sum()
    assert not walked.attrs["patrol"]["fallback"]  # the solver's own routes, not greedy's
    assert walked["prize"].sum() > 1.2 * g["prize"].sum()
    assert g.attrs["patrol"]["method"] == "greedy"
    assert (g["distance_m"] <= 10_000).all()


def test_prize_sources_and_errors(district):
    d = district
    open_ = gz.patrol.open_problems(d["ledger"])
    assert open_.name == "open" and (open_ > 0).all()
    risk = pd.DataFrame({"expected": d["counts"], "p_recur": 0.5})
    r = gz.patrol.routes(d["osm"], d["units"], risk, prize="p_recur", officers=1,
                         budget_m=2_000, time_limit=0.3, network=d["walk"])
    assert r["prize"].iloc[0] == pytest.approx(0.5 * r["n_stops"].iloc[0])
    with pytest.raises(SchemaError) as err:
        gz.patrol.routes(d["osm"], d["units"], risk, prize="nope", network=d["walk"])
    assert err.value.issues[0].field == "prize"
    with pytest.raises(InputError) as err:
        gz.patrol.routes(d["osm"], d["units"], d["counts"], officers=0, budget_m=-1,
                         network=d["walk"])
    assert {i.field for i in err.value.issues} == {"officers", "budget_m"}
    with pytest.raises(InputError):
        gz.patrol.routes(d["osm"], d["units"], -d["counts"], network=d["walk"])
    with pytest.raises(InputError):
        gz.patrol.routes(d["osm"], d["units"], d["counts"], starts=[(114.2, 22.69)] * 2,
                         officers=3, network=d["walk"])


def test_starts_per_officer(district):
    d = district
    starts = [(114.195, 22.680), (114.215, 22.690)]
    r = gz.patrol.routes(d["osm"], d["units"], d["counts"], officers=2, budget_m=3_000,
                         starts=starts, time_limit=0.5, network=d["walk"])
    first = [shapely.get_coordinates(g)[0] for g in r.geometry]
    assert np.hypot(*(first[0] - first[1])) > 1_000  # two offices, two starts
    assert (r["distance_m"] <= 3_000).all()


def test_gpx_readable(tmp_path, walked):
    for row in walked.itertuples():
        path = gz.patrol.write_gpx(walked, tmp_path / f"o{row.officer}.gpx",
                                   officer=row.officer)
        gpx = gpxpy.parse(path.read_text("utf-8"))
        points = gpx.tracks[0].segments[0].points
        assert len(points) == len(shapely.get_coordinates(row.geometry))
        assert len(gpx.waypoints) == row.n_stops
        assert gpx.waypoints[0].name.startswith("1. ")
        assert 22.6 < points[0].latitude < 22.8 and 114.1 < points[0].longitude < 114.3
        # the track's length on the ellipsoid matches the route's (UTM) length
        assert gpx.length_2d() == pytest.approx(row.distance_m, rel=0.01)


def _hostile(walked, district):
    r = walked.copy()
    r.at[0, "names"] = [HOSTILE] + list(r.at[0, "names"])[1:]
    return r


def test_hostile_names_escaped(tmp_path, walked, district):
    r = _hostile(walked, district)
    html = gz.patrol.route_page(r, officer=1, title=HOSTILE)
    assert "</script><img" not in html and "{{ 7*7 }}" not in html and "<!--" not in html
    gpx = gz.patrol.write_gpx(r, tmp_path / "h.gpx", officer=1)
    assert gpxpy.parse(gpx.read_text("utf-8")).waypoints[0].name == "1. " + HOSTILE


def test_route_page_offline_in_chromium(tmp_path, browser, walked, district):
    r = _hostile(walked, district)
    paths = gz.patrol.write(r, tmp_path / "out", streets=district["area"].roads)
    page_path = tmp_path / "out" / "officer_1.html"
    assert page_path in paths["html"] and len(paths["gpx"]) == 3
    context, page, errors, requests, dialogs = open_offline(browser, page_path)
    try:
        page.wait_for_function("() => window.geozzPatrol !== undefined")
        got = page.evaluate("""() => ({
            route: document.querySelectorAll('path.gz-route').length,
            d: (document.querySelector('path.gz-route') || {getAttribute: () => ''})
                 .getAttribute('d').length,
            numbers: Array.from(document.querySelectorAll('.gz-stop-number'))
                 .map(e => e.textContent),
            items: Array.from(document.querySelectorAll('#gz-stops li b'))
                 .map(e => e.textContent),
            imgs: document.querySelectorAll('img[src="x"]').length,
            title: document.title,
            latlngs: window.geozzPatrol.line.getLatLngs().length})""")
    finally:
        context.close()
    n = int(r["n_stops"].iloc[0])
    assert got["route"] == 1 and got["d"] > 100
    assert got["numbers"] == [str(i) for i in range(1, n + 1)]
    assert got["items"][0] == HOSTILE and len(got["items"]) == n
    assert got["imgs"] == 0 and not dialogs and not errors
    assert got["latlngs"] == len(shapely.get_coordinates(r.geometry.iloc[0]))
    assert all(u.startswith("file://") for u in requests)


def test_cli(tmp_path, district):
    from geozz.cli import main

    units = district["units"].drop(columns=["centerline"])
    units.to_file(tmp_path / "units.gpkg")
    risk = pd.DataFrame({"unit_id": district["counts"].index,
                         "expected": district["counts"].to_numpy()})
    risk.to_csv(tmp_path / "risk.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = CliRunner().invoke(main, [
            "patrol", str(tmp_path / "units.gpkg"), "--osm", str(district["osm"]),
            "--risk", str(tmp_path / "risk.csv"), "--officers", "2", "--budget-km", "3",
            "--time-limit", "0.5", "--mode", "drive", "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "officer 2:" in res.output and "total prize" in res.output
    out = tmp_path / "out"
    assert {p.name for p in out.iterdir()} >= {"routes.geojson", "stops.geojson",
                                               "officer_1.gpx", "officer_2.html"}
    back = gpd.read_file(out / "routes.geojson")
    assert len(back) == 2 and (back["distance_m"] <= 3_000).all()
    res = CliRunner().invoke(main, ["patrol", str(tmp_path / "units.gpkg"), "--osm",
                                    str(district["osm"]), "-o", str(out)])
    assert res.exit_code == 2 and "--risk" in res.output


def test_cli_takes_the_risk_layer_geozz_forecast_writes(tmp_path, district):
    """geozz forecast --risk risk.geojson → geozz patrol --risk risk.geojson: the prizes
    are the forecast's expected problems of each unit."""
    from geozz.cli import main

    units = district["units"]
    risk = gz.forecast.risk(district["ledger"], units, method="mean3")
    gz.tables.risk.write(risk, tmp_path / "risk.geojson")
    gz.tables.write("units", units, tmp_path / "units.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = CliRunner().invoke(main, [
            "patrol", str(tmp_path / "units.parquet"), "--osm", str(district["osm"]),
            "--risk", str(tmp_path / "risk.geojson"), "--officers", "1", "--budget-km", "3",
            "--time-limit", "0.5", "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    back = gpd.read_file(tmp_path / "out" / "stops.geojson")
    prizes = risk["expected"].reindex(back["unit_id"].astype(str)).to_numpy()
    assert len(back) > 0 and np.allclose(back["prize"].to_numpy(), prizes)
