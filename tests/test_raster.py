"""Tests for geozz.raster: density GeoTIFFs, hot spots, zonal statistics, map overlays.

Checked against hand-made rasters and points with known answers, and on the embedded
Longgang records and the San Francisco 311 sample (real data, data/sf311).
"""

from __future__ import annotations

import base64
import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from PIL import Image
from pyproj import Transformer
from rasterio.transform import from_origin

import geozz as gz
from geozz.errors import InputError
from geozz.raster import Surface
from geozz.units import grid

UTM = "EPSG:32650"


def points(xy, crs=UTM, **cols):
    return gpd.GeoDataFrame(cols, geometry=[shapely.Point(x, y) for x, y in xy], crs=crs)


@pytest.fixture(scope="module")
def longgang():
    units = gz.build_units(gz.datasets.longgang())
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    ratings = gz.rate(gz.assign(problems, units), units)
    return units, problems, ratings


# ---------------------------------------------------------------- density


def test_round_trip_keeps_crs_transform_values_and_labels(tmp_path):
    pts = points([(800_130, 2_500_270), (800_130, 2_500_270), (800_610, 2_500_020)],
                 category=["a", "a", "b"])
    tif = tmp_path / "d.tif"
    s = gz.raster.density(pts, cell_size=20, bandwidth=100, by="category", path=tif,
                          bounds=(800_000, 2_500_000, 801_000, 2_500_500))
    with rasterio.open(tif) as src:
        assert src.crs.to_epsg() == 32650
        assert src.transform == from_origin(800_000, 2_500_500, 20, 20)
        assert (src.width, src.height, src.count) == (50, 25, 2)
        assert src.descriptions == ("a", "b")
        assert src.profile["tiled"] and src.compression.name == "deflate"
        np.testing.assert_array_equal(src.read(), s.values)
        assert src.tags()["geozz_points"] == "3"
    back = gz.raster.read(tif)
    assert back.crs == UTM and back.labels == ["a", "b"] and back.units == "problems per km²"
    np.testing.assert_array_equal(back.values, s.values)


def test_a_point_peaks_in_the_pixel_that_holds_it():
    x, y = 800_437.0, 2_500_161.0
    s = gz.raster.density(points([(x, y)]), cell_size=10, bandwidth=55,
                          bounds=(800_000, 2_500_000, 801_000, 2_500_500))
    row, col = np.unravel_index(np.argmax(s.values[0]), s.shape)
    assert (row, col) == tuple(int(v) for v in s.index(x, y))
    assert (row, col) == (33, 43)  # (2,500,500 - 2,500,161) / 10 and (800,437 - 800,000) / 10
    # the surface integrates to the one point, in problems per km²
    assert s.values.sum() * 10 * 10 / 1e6 == pytest.approx(1.0, rel=1e-5)
    # the quartic kernel reaches the bandwidth and no further
    assert s.values[0, 33, 43 + 5] > 0 and s.values[0, 33, 43 + 6] == 0


def test_gaussian_kernel_and_weights():
    pts = points([(800_505, 2_500_505)] * 2, report_count=[1, 3])
    s = gz.raster.density(pts, cell_size=10, bandwidth=30, kernel_shape="gaussian",
                          weight="report_count", bounds=(800_000, 2_500_000, 801_000,
                                                          2_501_000))
    assert s.values.sum() * 1e-4 == pytest.approx(4.0, rel=1e-4)
    assert s.values[0, 49, 50] == s.values.max()


def test_every_point_is_counted_once(longgang):
    _, problems, _ = longgang
    odd = pd.concat([problems.iloc[:5],
                     problems.iloc[:2].set_geometry([None, shapely.Point()], crs=4326)])
    s = gz.raster.density(odd, cell_size=50, bandwidth=200,
                          bounds=(0, 0, 1000, 1000), crs=UTM)  # far from the points
    m = s.meta
    assert (m["points"], m["used"], m["outside"], m["no_position"]) == (7, 0, 5, 2)
    assert not s.values.any()


def test_bands_per_category_and_period_add_up(longgang):
    _, problems, _ = longgang
    s = gz.raster.density(problems, cell_size=100, bandwidth=300, by=["category", "period"])
    months = problems["found_at"].dt.tz_localize(None).dt.strftime("%Y-%m")
    want = (problems["category"] + "|" + months).value_counts()
    assert sorted(s.labels) == sorted(want.index)
    # far from the frame's edges nothing spills: each band integrates to its count
    total = s.values.sum(axis=(1, 2)) * 100 * 100 / 1e6
    got = pd.Series(total, index=s.labels)
    assert np.allclose(got[want.index].to_numpy(), want.to_numpy(), rtol=1e-4)
    assert s.meta["used"] == len(problems) and s.meta["unlabelled"] == 0


def test_grid_aligned_pixels_are_the_grid_cells(longgang, tmp_path):
    units, problems, _ = longgang
    cells = units[units["unit_type"] == "grid"]
    s = gz.raster.density(problems, bandwidth=300, align=cells, path=tmp_path / "g.tif")
    frame = gz.raster.grid_frame(cells)
    assert s.transform == frame.transform and s.transform.a == 200
    assert len(frame.cells) == len(cells)
    t = s.transform
    for uid, (r, c) in frame.cells.items():
        pixel = shapely.box(t.c + c * t.a, t.f + (r + 1) * t.e, t.c + (c + 1) * t.a,
                            t.f + r * t.e)
        cell = cells.geometry[uid]
        assert pixel.covers(cell), uid
        if abs(cell.area - 200 * 200) < 1e-6:
            assert pixel.symmetric_difference(cell).area < 1e-6, uid
    # a point in a cell counts in that cell's pixel
    x, y = cells.geometry.iloc[0].representative_point().coords[0]
    one = gz.raster.density(points([(x, y)]), bandwidth=1, align=cells)
    r, c = frame.cells[cells.index[0]]
    assert one.values[0, r, c] == pytest.approx(1e6 / 200 ** 2)
    with pytest.raises(InputError, match="cell size"):
        gz.raster.density(problems, cell_size=100, align=cells)
    with pytest.raises(InputError, match="G\\{size\\}"):
        gz.raster.density(problems, align=units[units["unit_type"] == "road"])


def test_bad_options_are_reported_together():
    with pytest.raises(InputError) as err:
        gz.raster.density(points([(0, 0)]), cell_size=-1, bandwidth=0, kernel_shape="box")
    text = str(err.value)
    assert "cell_size" in text and "bandwidth" in text and "kernel_shape" in text


def test_a_million_points_on_2000_by_2000_pixels():
    rng = np.random.default_rng(0)
    xy = rng.normal(0, 15_000, size=(1_000_000, 2)) + [800_000, 2_500_000]
    pts = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=UTM)
    s = gz.raster.density(pts, cell_size=20, bandwidth=300,
                          bounds=(780_000, 2_480_000, 820_000, 2_520_000))
    assert s.shape == (2000, 2000)
    assert s.meta["used"] + s.meta["outside"] == 1_000_000
    # what the kernel spreads beyond the frame's edges is lost, and only that
    total = s.values.sum(dtype=np.float64) * 4e-4
    assert 0.99 * s.meta["used"] < total < s.meta["used"]


# ---------------------------------------------------------------- zonal


@pytest.fixture
def known():
    """A 4 × 4 raster of 100 m pixels in UTM, values 0..15, pixel (1, 2) nodata."""
    v = np.arange(16, dtype="float32").reshape(1, 4, 4)
    v[0, 1, 2] = -9999
    return Surface(v, from_origin(800_000, 2_500_400, 100, 100), UTM, ["pop"], nodata=-9999)


def test_zonal_against_hand_made_values(known):
    units = gpd.GeoDataFrame(
        geometry=[shapely.box(800_000, 2_500_200, 800_200, 2_500_400),   # pixels 0 1 4 5
                  shapely.box(800_200, 2_500_200, 800_400, 2_500_400),   # 2 3 (6 nodata) 7
                  shapely.box(800_010, 2_500_010, 800_030, 2_500_030),   # inside pixel 12
                  shapely.box(800_150, 2_500_000, 800_250, 2_500_100),   # halves of 13, 14
                  shapely.box(900_000, 2_500_000, 900_100, 2_500_100)],  # off the raster
        index=["a", "b", "tiny", "half", "off"], crs=UTM)
    z = gz.raster.zonal(known, units)
    assert z.loc["a", "mean"] == pytest.approx(2.5)
    assert z.loc["a", "sum"] == pytest.approx(10)
    assert (z.loc["a", "count"], z.loc["a", "max"], z.loc["a", "min"]) == (4, 5, 0)
    assert z.loc["b", "mean"] == pytest.approx((2 + 3 + 7) / 3)
    assert (z.loc["b", "count"], z.loc["b", "nodata"]) == (3, 1)
    # a unit smaller than a pixel gets that pixel's value and its share of the pixel
    assert z.loc["tiny", "mean"] == 12 and z.loc["tiny", "count"] == 1
    assert z.loc["tiny", "sum"] == pytest.approx(12 * 400 / 10_000)
    assert z.loc["half", "mean"] == pytest.approx(13.5)
    assert z.loc["half", "sum"] == pytest.approx(13.5)
    assert z.loc["half", "coverage"] == pytest.approx(1.0)
    assert np.isnan(z.loc["off", "mean"]) and z.loc["off", "count"] == 0


def test_zonal_in_another_crs(known):
    """The raster in lon/lat, the units in UTM: the same pixels are found."""
    to_ll = Transformer.from_crs(UTM, 4326, always_xy=True)
    w, n = to_ll.transform(800_000, 2_500_400)
    e, s = to_ll.transform(800_400, 2_500_000)
    ll = Surface(known.values, from_origin(w, n, (e - w) / 4, (n - s) / 4), "EPSG:4326",
                 ["pop"], nodata=-9999)
    # the centres of pixels 5 and 10, as small boxes in UTM
    units = gpd.GeoDataFrame(geometry=[shapely.box(800_140, 2_500_240, 800_160, 2_500_260),
                                       shapely.box(800_240, 2_500_140, 800_260, 2_500_160)],
                             index=["p5", "p10"], crs=UTM)
    z = gz.raster.zonal(ll, units, stats=["mean", "count"])
    assert z["mean"].tolist() == [5, 10] and z["count"].tolist() == [1, 1]


def test_zonal_reads_files_and_checks_its_options(known, tmp_path):
    tif = gz.raster.write(known, tmp_path / "pop.tif")
    units = gpd.GeoDataFrame(geometry=[shapely.box(800_000, 2_500_000, 800_400, 2_500_400)],
                             index=["all"], crs=UTM)
    z = gz.raster.zonal(tif, units, stats="sum")
    assert z.loc["all", "sum"] == pytest.approx(sum(range(16)) - 6)
    with pytest.raises(InputError, match="stats"):
        gz.raster.zonal(known, units, stats=["median"])
    with pytest.raises(InputError, match="band"):
        gz.raster.zonal(known, units, band="nope")


def test_zonal_sums_of_a_tiling_equal_the_raster_total(longgang):
    units, problems, _ = longgang
    cells = units[units["unit_type"] == "grid"]
    s = gz.raster.density(problems, cell_size=37, bandwidth=250,
                          bounds=tuple(cells.total_bounds))
    z = gz.raster.zonal(s, cells, stats=["sum", "coverage"])
    # the cells tile the boundary: their coverage adds up to its area in pixels
    area = cells.geometry.union_all().area
    assert z["coverage"].sum() == pytest.approx(area / 37 ** 2, rel=1e-6)


def test_problems_per_residents(longgang):
    units, _, ratings = longgang
    x0, y0, x1, y1 = units.total_bounds
    pop = Surface(np.full((1, 10, 10), 500.0, "float32"),
                  from_origin(x0, y1, (x1 - x0) / 10, (y1 - y0) / 10), UTM, ["residents"])
    out = gz.raster.per_residents(ratings, units, pop)
    cell_px = (x1 - x0) / 10 * (y1 - y0) / 10
    row = out[out["found"] > 0].iloc[0]
    uid = row["unit_id"]
    residents = units.geometry[uid].area / cell_px * 500
    assert row["residents"] == pytest.approx(residents, rel=1e-6)
    assert row["found_per_10000"] == pytest.approx(row["found"] / residents * 10_000)


# ---------------------------------------------------------------- hot spots


def _square_grid(n=10, size=100):
    cells = grid(gpd.GeoSeries([shapely.box(800_000, 2_500_000, 800_000 + n * size,
                                            2_500_000 + n * size)], crs=UTM), size=size)
    return cells


def test_gistar_finds_a_planted_cluster():
    cells = _square_grid()
    frame = gz.raster.grid_frame(cells)
    found = {uid: (10 if 4 <= r <= 6 and 4 <= c <= 6 else (r * 7 + c * 3) % 2)
             for uid, (r, c) in frame.cells.items()}
    ratings = pd.DataFrame({"unit_id": list(found), "period": "2024-05",
                            "found": list(found.values())})
    gi = gz.raster.gistar(ratings, cells, period="2024-05").set_index("unit_id")
    centre = next(u for u, rc in frame.cells.items() if rc == (5, 5))
    corner = next(u for u, rc in frame.cells.items() if rc == (0, 0))
    assert gi.loc[centre, "hotspot"] == "hot 99%" and gi.loc[centre, "code"] == 3
    assert gi.loc[corner, "code"] <= 0
    hot = {u for u in gi.index if gi.loc[u, "code"] > 0}
    assert hot <= {u for u, (r, c) in frame.cells.items() if 3 <= r <= 7 and 3 <= c <= 7}
    # the z-score is esda's Gi* with the focal cell included
    from esda import G_Local
    from libpysal.weights import Queen
    w = Queen.from_dataframe(cells, use_index=True)
    y = np.array([found[u] for u in cells.index.astype(str)], dtype=float)
    ref = G_Local(y, w, transform="B", star=True, permutations=0)
    assert np.allclose(gi.loc[cells.index.astype(str), "z"], ref.Zs)


def test_confidence_bins_follow_the_two_sided_normal_p():
    from geozz.raster.hotspots import _bin

    z = np.array([2.7, 2.0, 1.7, 1.5, np.nan, -1.7, -2.0, -2.7])
    assert _bin(z) == ["hot 99%", "hot 95%", "hot 90%", "not significant",
                       "not significant", "cold 90%", "cold 95%", "cold 99%"]


def test_an_empty_period_has_no_hot_spot():
    cells = _square_grid(4)
    ratings = pd.DataFrame({"unit_id": cells.index, "period": "2024-05", "found": 0})
    gi = gz.raster.gistar(ratings, cells)
    assert set(gi["hotspot"]) == {"not significant"} and gi["z"].isna().all()


def test_hot_runs_count_consecutive_hot_periods():
    cells = _square_grid(2)
    ids = list(cells.index.astype(str))
    codes = {ids[0]: [3, 3, 3, 0, 2], ids[1]: [2, 0, 2, 2, 0], ids[2]: [1, 1, 1, 1, 1],
             ids[3]: [0, 0, 0, 0, 3]}
    periods = ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    gi = pd.DataFrame([{"unit_id": u, "period": p, "code": c[k]}
                       for u, c in codes.items() for k, p in enumerate(periods)])
    runs = gz.raster.hot_runs(None, cells, gi=gi, min_run=3)
    assert runs.loc[ids[0]].tolist() == [4, 3, 1, "2024-05", True]
    assert runs.loc[ids[1]].tolist() == [3, 2, 0, "2024-04", False]
    assert runs.loc[ids[2], "hot_periods"] == 0  # 90 % is below the default level 2
    assert runs.loc[ids[3]].tolist() == [1, 1, 1, "2024-05", False]


def test_natural_breaks_classes(longgang):
    _, problems, _ = longgang
    s = gz.raster.density(problems, cell_size=50, bandwidth=300)
    c = gz.raster.classes(s, k=5)
    v, k = s.values[0], c.values[0]
    assert c.meta["k"] == 5 and k.max() == 5 and (k[v == 0] == 0).all()
    # classes are ordered like the values: every pixel of class q is below class q+1's
    for q in range(1, 5):
        assert v[k == q].max() <= v[k == q + 1].min()
    assert c.meta["bins"] == sorted(c.meta["bins"])


# ---------------------------------------------------------------- maps


def test_image_layer_is_placed_at_the_surface_in_lon_lat(longgang):
    units, problems, ratings = longgang
    s = gz.raster.density(problems, cell_size=50, bandwidth=300)
    layer = gz.raster.image_layer(s, name="<b>密度</b>")
    (south, west), (north, east) = layer["bounds"]
    to_ll = Transformer.from_crs(UTM, 4326, always_xy=True)
    x0, y0, x1, y1 = s.bounds
    lons, lats = to_ll.transform([x0, x1, x0, x1], [y0, y0, y1, y1])
    assert west == pytest.approx(min(lons), abs=2e-4) and east == pytest.approx(max(lons),
                                                                               abs=2e-4)
    assert south == pytest.approx(min(lats), abs=2e-4) and north == pytest.approx(max(lats),
                                                                                 abs=2e-4)
    img = Image.open(io.BytesIO(base64.b64decode(layer["url"].split(",", 1)[1])))
    alpha = np.asarray(img)[:, :, 3]
    assert img.mode == "RGBA" and 0 < (alpha > 0).mean() < 1  # zero density transparent
    gcj = gz.raster.image_layer(s, shift=gz.maps.star._to_gcj)
    assert 0.002 < gcj["bounds"][0][1] - west < 0.01  # GCJ-02 is a few hundred m east
    m = gz.star_map(units, ratings, overlays=[layer])
    html = m.get_root().render()
    assert "<b>密度</b>" not in html  # the label is data, escaped


def test_overlay_in_a_browser(longgang, tmp_path, browser):
    from _browser import open_offline

    units, problems, ratings = longgang
    cells = units[units["unit_type"] == "grid"]
    gi = gz.raster.gistar(ratings, units, period="2024-05")
    hot = gz.raster.grid_surface(gi.set_index("unit_id")["code"], cells, label="Gi*")
    layers = [gz.raster.image_layer(gz.raster.density(problems, cell_size=50,
                                                      bandwidth=300), name="密度 Density"),
              gz.raster.image_layer(hot, kind="hotspot", name="热点 Hot spots", show=False)]
    path = tmp_path / "m.html"
    gz.star_map(units, ratings, period="2024-05", overlays=layers).save(path)
    context, page, errors, requests, _ = open_offline(browser, path)
    try:
        info = page.evaluate("""() => {
          const L = window.geozzImageLayers;
          const box = L[0].layer.getBounds();
          return {n: L.length, img: document.querySelectorAll('img.leaflet-image-layer').length,
                  bounds: [box.getSouth(), box.getWest(), box.getNorth(), box.getEast()],
                  legend0: getComputedStyle(L[0].legend).display,
                  legend1: getComputedStyle(L[1].legend).display,
                  title: L[1].legend.querySelector('.gz-title').textContent,
                  loaded: document.querySelector('img.leaflet-image-layer').complete
                    && document.querySelector('img.leaflet-image-layer').naturalWidth};
        }""")
        assert info["n"] == 2 and info["img"] == 1 and info["loaded"] > 0
        assert info["bounds"] == pytest.approx(sum(layers[0]["bounds"], []), abs=1e-9)
        assert info["legend0"] != "none" and info["legend1"] == "none"
        assert info["title"] == "热点 Hot spots"
        page.evaluate("() => { window.geozzImageLayers[1].layer.addTo(window.geozzMap.map); }")
        assert page.evaluate("() => getComputedStyle(window.geozzImageLayers[1].legend)"
                             ".display") != "none"
        assert errors == [] and all(r.startswith(("file:", "data:")) for r in requests)
    finally:
        context.close()


# ---------------------------------------------------------------- real data and CLI


def test_sf311_density_zonal_and_hot_spots_by_tract(tmp_path):
    problems, _ = gz.datasets.sf311_problems()
    tracts = gz.datasets.sf311_tracts()
    s = gz.raster.density(problems, cell_size=100, bandwidth=400, path=tmp_path / "sf.tif")
    assert s.crs == "EPSG:32610" and s.meta["used"] == len(problems) > 3000
    assert gz.raster.read(tmp_path / "sf.tif").crs == "EPSG:32610"
    z = gz.raster.zonal(s, tracts, stats=["mean", "max", "count"])
    assert len(z) == len(tracts) and (z["count"] > 0).all()
    # the densest tract by the surface holds more problems than the median tract
    ledger = gz.assign(problems, tracts)
    per_tract = ledger["unit_id"].value_counts().reindex(tracts.index, fill_value=0)
    assert per_tract[z["mean"].idxmax()] > per_tract.median()
    # Gi* over the tracts' queen contiguity: the hot tracts are the busy ones
    ratings = gz.rate(ledger, tracts, freq="Y")
    gi = gz.raster.gistar(ratings, tracts, period=ratings["period"].max()).set_index("unit_id")
    hot = gi.index[gi["code"] >= 2]
    assert len(hot) and gi.loc[hot, "value"].mean() > gi["value"].mean()
    codes = gz.raster.grid_surface(gi["code"], tracts, cell_size=100, label="Gi*")
    for uid in hot[:5]:
        x, y = tracts.geometry[uid].representative_point().coords[0]
        r, c = codes.index(x, y)
        assert codes.values[0, r, c] == gi.loc[uid, "code"]


def test_density_command(tmp_path, longgang):
    from click.testing import CliRunner

    from geozz.cli import main

    units, _, _ = longgang
    from geozz.cli.units import write_units

    units_file = tmp_path / "u.gpkg"
    write_units(units, units_file)
    out = tmp_path / "d.tif"
    result = CliRunner().invoke(main, ["density", str(gz.datasets.problems_path("longgang")),
                                       "-o", str(out), "--units", str(units_file), "--align",
                                       "--zonal", str(tmp_path / "z.csv"), "--hotspots",
                                       str(tmp_path / "hot")])
    assert result.exit_code == 0, result.output
    assert "on the surface" in result.output and "hot spots" in result.output
    back = gz.raster.read(out)
    assert back.transform.a == 200
    hot = gz.raster.read(tmp_path / "hot.tif")
    assert len(hot.labels) == 12 and np.nanmax(hot.values) == 3
    z = pd.read_csv(tmp_path / "z.csv", encoding="utf-8-sig")
    assert len(z) == len(units)
    bad = CliRunner().invoke(main, ["density", str(gz.datasets.problems_path("longgang")),
                                    "--zonal", str(tmp_path / "z.csv")])
    assert bad.exit_code != 0 and "--units" in bad.output
