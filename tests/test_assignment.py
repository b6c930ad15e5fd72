"""assign: borders, overlapping corridors, outside points, the ledger invariant."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

import geozz as gz
from geozz import coords, units as gu

CRS = 32650


def pts(*xy, ids=None):
    ids = ids or [f"p{i}" for i in range(len(xy))]
    return gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in xy], crs=CRS,
                            index=pd.Index(ids, name="problem_id"))


@pytest.fixture
def cells():
    # a 2 x 2 block of 100 m cells from the real grid builder, in UTM 50N
    return gu.grid(gpd.GeoSeries([box(800000, 2500000, 800200, 2500200)], crs=CRS), size=100)


def test_point_on_shared_border_goes_east_then_north(cells):
    p = pts((800100, 2500050), (800050, 2500100), (800100, 2500100), (800050, 2500050))
    ledger = gz.assign(p, cells).set_index("problem_id")
    assert ledger.loc["p0", "unit_id"] == "G100-E8001-N25000"  # vertical border: east
    assert ledger.loc["p1", "unit_id"] == "G100-E8000-N25001"  # horizontal border: north
    assert ledger.loc["p2", "unit_id"] == "G100-E8001-N25001"  # corner: north-east
    assert ledger.loc["p3", "unit_id"] == "G100-E8000-N25000"
    assert ledger.loc[["p0", "p1", "p2"], "reason"].eq("shared_border").all()
    assert ledger.loc["p3", "reason"] == "inside"
    assert len(ledger) == 4  # exactly one cell each


def test_point_in_two_overlapping_corridors_goes_to_nearest_centerline():
    roads = gpd.GeoDataFrame({"name": ["甲路", "乙路"], "highway": ["primary"] * 2},
                             geometry=[LineString([(0, 0), (1000, 0)]),
                                       LineString([(0, 40), (1000, 40)])], crs=CRS)
    corridors = gu.road_corridors(roads, gpd.GeoSeries([box(-50, -100, 1050, 150)], crs=CRS))
    p = pts((500, 15), (500, 25), (500, -20))
    ledger = gz.assign(p, corridors).set_index("problem_id")
    names = corridors["name"]
    assert names[ledger.loc["p0", "unit_id"]] == "甲路"
    assert names[ledger.loc["p1", "unit_id"]] == "乙路"
    assert ledger.loc["p0", "reason"] == "nearest_centerline"
    assert ledger.loc["p0", "distance_m"] == pytest.approx(15)
    assert ledger.loc["p1", "distance_m"] == pytest.approx(15)
    assert ledger.loc["p2", "reason"] == "inside"


def test_outside_every_unit_keeps_one_row(cells):
    p = pts((800050, 2500050), (790000, 2500000))
    ledger = gz.assign(p, cells)
    out = ledger[ledger["problem_id"] == "p1"]
    assert len(out) == 1 and pd.isna(out["unit_id"].iloc[0])
    assert out["reason"].iloc[0] == "outside_units"


def test_gcj02_point_lands_in_right_cell_only_after_conversion(tmp_path):
    area = gz.datasets.longgang()
    units = gz.build_units(area, unit_types=["grid"])
    cell = units.iloc[len(units) // 2]
    centre = gpd.GeoSeries([cell.geometry.representative_point()], crs=units.crs).to_crs(4326)
    lon, lat = centre.x.iloc[0], centre.y.iloc[0]
    glon, glat = coords.convert(lon, lat, src="wgs84", dst="gcj02")
    f = tmp_path / "gcj.csv"
    f.write_text("编号,问题类型,发现时间,经度,纬度,坐标系\n"
                 f"X1,暴露垃圾,2024-05-01,{float(glon):.7f},{float(glat):.7f},gcj02\n",
                 encoding="utf-8")
    right, _ = gz.read_problems(f)
    naive = tmp_path / "naive.csv"  # the same record with no coordinate system: WGS-84
    naive.write_text("编号,问题类型,发现时间,经度,纬度\n"
                     f"X1,暴露垃圾,2024-05-01,{float(glon):.7f},{float(glat):.7f}\n",
                     encoding="utf-8")
    wrong, _ = gz.read_problems(naive)
    got = gz.assign(right, units)["unit_id"].iloc[0]
    assert got == cell.name
    assert gz.assign(wrong, units)["unit_id"].iloc[0] != cell.name


@pytest.mark.parametrize("district", ["longgang", "haidian"])
def test_real_district_ledger_invariants(district):
    units = gz.build_units(gz.datasets.load(district))
    problems, _ = gz.read_problems(gz.datasets.problems_path(district))
    ledger = gz.assign(problems, units)
    # every problem is in the ledger; at most one row per problem per layer
    assert set(ledger["problem_id"]) == set(problems.index)
    assert not ledger.duplicated(["problem_id", "unit_type"]).any()
    in_grid = ledger.loc[ledger["unit_type"] == "grid", "problem_id"].nunique()
    outside = (ledger["reason"] == "outside_units").sum()
    assert in_grid + outside == len(problems)
    assert outside > 0 and in_grid > 0.9 * len(problems)
    # a road/river row's unit really holds the point, at the distance recorded
    roads = ledger[ledger["unit_type"] == "road"].head(50)
    geo = problems.geometry.to_crs(units.crs)
    for _, row in roads.iterrows():
        unit = units.loc[row["unit_id"]]
        pt = geo.loc[row["problem_id"]]
        assert unit.geometry.intersects(pt)
        assert unit["centerline"].distance(pt) == pytest.approx(row["distance_m"])


@pytest.fixture(scope="module")
def longgang():
    units = gz.build_units(gz.datasets.longgang())
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    return units, problems


def test_units_in_lon_lat_give_the_same_ledger_in_metres(longgang):
    units, problems = longgang
    utm = gz.assign(problems, units)
    odd = units.to_crs(4326)  # the centerline column stays in UTM: assign must cope
    assert odd.crs.to_epsg() == 4326 and odd["centerline"].crs.to_epsg() == CRS
    wgs = gz.assign(problems, odd)
    pd.testing.assert_frame_equal(wgs.drop(columns="distance_m"),
                                  utm.drop(columns="distance_m"))
    both = utm["distance_m"].notna()
    assert both.sum() > 100 and wgs["distance_m"].notna().equals(both)
    assert np.abs(wgs["distance_m"] - utm["distance_m"])[both].max() < 0.5
    assert utm.loc[both, "distance_m"].max() < 100  # metres from a centreline, not millions


def test_units_in_another_metric_crs_keep_distances_in_metres():
    # a corridor in a CGCS2000 3-degree zone (EPSG:4547), problems in lon/lat
    line = LineString([(800000, 2500000), (801000, 2500000)])
    road = gpd.GeoDataFrame({"unit_type": ["road"]}, geometry=[line.buffer(20)], crs=CRS,
                            index=pd.Index(["R-1"], name="unit_id"))
    road["centerline"] = gpd.GeoSeries([line], index=road.index, crs=CRS)
    cgcs = road.to_crs(4547)
    cgcs["centerline"] = road["centerline"].to_crs(4547)
    p = pts((800500, 2500010)).to_crs(4326)
    got = gz.assign(p, cgcs)
    assert got["unit_id"].tolist() == ["R-1"]
    assert got["distance_m"].iloc[0] == pytest.approx(10, abs=0.05)


def test_problems_without_location_stay_in_the_ledger(cells):
    p = pts((800050, 2500050), (0, 0), (0, 0), ids=["here", "none", "empty"])
    p.loc["none", "geometry"] = None
    p.loc["empty", "geometry"] = Point()
    ledger = gz.assign(p, cells).set_index("problem_id")
    assert ledger["reason"].to_dict() == {"empty": "no_location", "here": "inside",
                                          "none": "no_location"}
    assert ledger.loc[["empty", "none"], "unit_id"].isna().all()
    assert "no_location" in gz.assignment.REASONS


def test_ledger_has_no_personal_fields_or_free_text(cells):
    p = pts((800050, 2500050))
    p["category"] = "piles"
    p["reporter"], p["phone"], p["description"] = "张三", "13800000000", "门口有垃圾"
    ledger = gz.assign(p, cells)
    assert list(ledger.columns) == ["problem_id", "unit_id", "unit_type", "distance_m",
                                    "reason", "category"]


def test_problem_ids_must_be_unique_and_present(cells):
    p = pts((800050, 2500050), (800060, 2500050), ids=["a", "a"])
    with pytest.raises(gz.errors.SchemaError, match=r"'problem_id': expected unique problem "
                                                    r"ids, got \['a'\]"):
        gz.assign(p, cells)
    with pytest.raises(gz.errors.CRSError, match="'crs': expected problems with a CRS"):
        gz.assign(pts((1, 1)).set_crs(None, allow_override=True), cells)
    with pytest.raises(gz.errors.SchemaError, match="expected a GeoDataFrame of problems"):
        gz.assign(pd.DataFrame({"x": [1]}), cells)


def test_ledger_rows_go_grid_road_river_whatever_the_units_order(monkeypatch):
    # a river reach listed first, then a road corridor, then a cell: one point in all three
    units = gpd.GeoDataFrame(
        {"unit_type": ["river", "road", "grid"], "name": ["河", "路", "格"]},
        geometry=[box(0, 0, 100, 100), box(0, 0, 100, 100), box(0, 0, 100, 100)],
        crs=CRS, index=pd.Index(["W-1", "R-1", "G-1"], name="unit_id"))
    units["centerline"] = gpd.GeoSeries([LineString([(0, 50), (100, 50)]), None, None],
                                        index=units.index, crs=CRS)
    ledger = gz.assign(pts((50, 60), (500, 500)), units)
    assert ledger[["problem_id", "unit_id", "unit_type"]].astype(object).where(
        ledger.notna(), None).values.tolist() == [
        ["p0", "G-1", "grid"], ["p0", "R-1", "road"], ["p0", "W-1", "river"],
        ["p1", None, None]]
    # distance to the river's centreline; the road has none, so to its polygon (inside: 0)
    d = ledger.set_index("unit_id")["distance_m"]
    assert d["W-1"] == pytest.approx(10.0) and d["R-1"] == 0.0
    assert list(ledger.index) == [0, 1, 2, 3]


def test_corridors_without_a_centerline_column_are_measured_to_their_polygon():
    units = gpd.GeoDataFrame(
        {"unit_type": ["road", "road"], "name": ["甲", "乙"]},
        geometry=[box(0, 0, 100, 30), box(0, 20, 100, 50)], crs=CRS,
        index=pd.Index(["R-a", "R-b"], name="unit_id"))
    ledger = gz.assign(pts((50, 25)), units)
    # inside both polygons: distance 0 to each, the smaller id wins the tie
    assert ledger[["unit_id", "reason"]].values.tolist() == [["R-a", "nearest_centerline"]]


def test_blank_unit_ids_are_refused(cells):
    bad = cells.copy()
    bad.index = pd.Index(["", *bad.index[1:]], name="unit_id")
    with pytest.raises(gz.errors.SchemaError, match="unit_id"):
        gz.assign(pts((800050, 2500050)), bad)


def test_the_count_check_catches_a_lost_problem(cells, monkeypatch):
    # a bug that forgets the problems outside every unit
    monkeypatch.setattr(np, "setdiff1d", lambda a, b: np.array([], dtype=int))
    with pytest.raises(gz.errors.InvariantError, match="lost 1 problem"):
        gz.assign(pts((800050, 2500050), (0, 0)), cells)
