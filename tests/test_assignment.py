"""assign: borders, overlapping corridors, outside points, the ledger invariant."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

import geozz as gz
from geozz import coords
from geozz import units as gu
from geozz.assignment import grid as grid_path
from geozz.assignment import ledger as ledger_mod

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
    built = gu.road_corridors(roads, gpd.GeoSeries([box(-50, -100, 1050, 150)], crs=CRS))
    # an office's own corridors may overlap: each its centre line buffered 30 m
    corridors = built.set_geometry(gpd.GeoSeries(built["centerline"], crs=CRS).buffer(30))
    p = pts((500, 15), (500, 25), (500, -20))
    ledger = gz.assign(p, corridors).set_index("problem_id")
    names = corridors["name"]
    assert names[ledger.loc["p0", "unit_id"]] == "甲路 K0+000–K1+000"
    assert names[ledger.loc["p1", "unit_id"]] == "乙路 K0+000–K1+000"
    assert ledger.loc["p0", "reason"] == "nearest_centerline"
    assert ledger.loc["p0", "distance_m"] == pytest.approx(15)
    assert ledger.loc["p1", "distance_m"] == pytest.approx(15)
    assert ledger.loc["p2", "reason"] == "inside"
    # geozz's own corridors split such an overlap by the same rule: one unit holds each point
    own = gz.assign(p, built).set_index("problem_id")
    assert (own["unit_id"] == ledger["unit_id"]).all() and (own["reason"] == "inside").all()


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
    # metres from a centreline (primary roads: 50 m corridors, widened by merged lanes),
    # not millions
    assert utm.loc[both, "distance_m"].max() < 150


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
    with pytest.raises(gz.errors.SchemaError, match="expected the Problems GeoDataFrame"):
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
    monkeypatch.setattr(ledger_mod, "unplaced", lambda rows: np.zeros(len(rows), dtype=bool))
    with pytest.raises(gz.errors.InvariantError, match=r"lost 1 problems, e.g. \['p1'\]"):
        gz.assign(pts((800050, 2500050), (0, 0)), cells)


# ---- grid cells found by index arithmetic, against the spatial index ---------------

def grid_of(units):
    return units[units["unit_type"] == "grid"]


def regular(units):
    cells = grid_of(units)
    return grid_path.regular(cells.geometry.to_numpy(), cells.index.to_numpy())


def renamed(units):
    """The same units with cell ids that do not parse: every cell takes the spatial index."""
    out = units.copy()
    out.index = pd.Index([f"X{u}" if t == "grid" else u
                          for u, t in zip(out.index, out["unit_type"])], name="unit_id")
    return out


def slow(problems, units):
    ledger = gz.assign(problems, renamed(units))
    ledger["unit_id"] = ledger["unit_id"].str.removeprefix("X")
    assert regular(renamed(units)).pos.size == 0
    return ledger


def oracles(xy, cells):
    """Brute force over the closed cells holding each point: the half-open winner (largest
    (i, j) of the id) and the centroid winner (furthest east, then north), and the count."""
    geoms = cells.geometry.to_numpy()
    p, c = shapely.STRtree(geoms).query(shapely.points(xy), predicate="intersects")
    ij = cells.index.str.extract(r"E(-?\d+)-N(-?\d+)$").astype(int).to_numpy()
    cen = np.round(shapely.get_coordinates(shapely.centroid(geoms)), 6)
    half, cent, count = {}, {}, {}
    for k in np.unique(p):
        held = c[p == k]
        half[k] = cells.index[max(held, key=lambda h: tuple(ij[h]))]
        cent[k] = cells.index[max(held, key=lambda h: tuple(cen[h]))]
        count[k] = len(held)
    return half, cent, count


def border_points(cells, size, rng, n=400):
    """Cell vertices (grid corners, clipped edges), points on grid lines, and points on the
    clipped boundaries."""
    verts = shapely.get_coordinates(cells.geometry.to_numpy())
    x0, y0, x1, y1 = cells.total_bounds
    i = rng.integers(int(x0 // size), int(x1 // size) + 1, n)
    j = rng.integers(int(y0 // size), int(y1 // size) + 1, n)
    on_v = np.column_stack([i * size, (j + rng.random(n)) * size])
    on_h = np.column_stack([(i + rng.random(n)) * size, j * size])
    rings = shapely.boundary(cells.geometry.to_numpy())
    along = shapely.get_coordinates(shapely.line_interpolate_point(
        rings, rng.random(len(rings)), normalized=True))
    return np.unique(np.vstack([verts, on_v, on_h, along]), axis=0)


def problems_xy(xy):
    return gpd.GeoDataFrame({"category": "piles"}, geometry=shapely.points(xy), crs=CRS,
                            index=pd.Index([f"q{k:05d}" for k in range(len(xy))],
                                           name="problem_id"))


def test_longgang_grid_takes_the_fast_path_with_full_and_clipped_cells(longgang):
    units, _ = longgang
    reg = regular(units)
    assert reg.pos.size == len(grid_of(units))  # every cell geozz built
    assert 0 < reg.full.sum() < reg.pos.size  # whole boxes and clipped edge cells
    assert set(reg.size) == {200.0}
    cells = grid_of(units).iloc[reg.pos]
    box_of = shapely.box(reg.i * 200, reg.j * 200, (reg.i + 1) * 200, (reg.j + 1) * 200)
    assert shapely.equals(cells.geometry.to_numpy()[reg.full], box_of[reg.full]).all()


def test_fast_and_polygon_paths_give_identical_ledgers_on_longgang(longgang):
    units, problems = longgang
    rng = np.random.default_rng(7)
    x0, y0, x1, y1 = grid_of(units).total_bounds
    extra = problems_xy(np.column_stack([rng.uniform(x0 - 500, x1 + 500, 3000),
                                         rng.uniform(y0 - 500, y1 + 500, 3000)]))
    for probs in (problems, extra):
        fast = gz.assign(probs, units)
        pd.testing.assert_frame_equal(fast, slow(probs, units))
    assert (fast["reason"] == "outside_units").sum() > 100
    assert fast["unit_type"].eq("grid").sum() > 1500


def test_points_on_borders_corners_and_clipped_edges_follow_the_half_open_rule(longgang):
    units, _ = longgang
    units = cells = grid_of(units)  # the grid alone: a point in no cell is outside_units
    xy = border_points(cells, 200, np.random.default_rng(3))
    probs = problems_xy(xy)
    fast = gz.assign(probs, units)
    fast = fast[fast["unit_type"].fillna("grid") == "grid"].set_index("problem_id")
    other = slow(probs, units)
    other = other[other["unit_type"].fillna("grid") == "grid"].set_index("problem_id")
    half, cent, count = oracles(xy, cells)
    ids = probs.index
    want = pd.Series({ids[k]: u for k, u in half.items()}, dtype=object).reindex(ids)
    assert fast["unit_id"].fillna("").to_dict() == want.fillna("").to_dict()
    shared = {ids[k] for k, n in count.items() if n > 1}
    assert set(fast.index[fast["reason"] == "shared_border"]) == shared
    assert set(fast.index[fast["reason"] == "outside_units"]) == set(ids) - set(
        ids[list(half)])
    # the spatial index applies the centroid form of the rule; the two agree except on a
    # horizontal line between two clipped cells whose centroids are not one above the other
    got = pd.Series({ids[k]: u for k, u in cent.items()}, dtype=object).reindex(ids)
    assert other["unit_id"].fillna("").to_dict() == got.fillna("").to_dict()
    clipped = set(cells.index[~shapely.equals(cells.geometry.to_numpy(), shapely.envelope(
        cells.geometry.to_numpy()))])
    differ = want.fillna("") != got.fillna("")
    for north, south in zip(want[differ], got[differ]):
        (ni, nj), (si, sj) = (map(int, u.split("-E")[1].split("-N")) for u in (north, south))
        assert ni == si and nj == sj + 1 and {north, south} & clipped
    assert 0 < differ.sum() < 0.1 * len(ids)
    assert fast["reason"].equals(other["reason"])
    # the test set really holds borders: corners of 4 cells, edges of 2, clipped edges
    assert sum(n == 4 for n in count.values()) > 100 and len(shared) > 500
    assert sum(want.isin(clipped)) > 300


@pytest.fixture
def l_shape():
    # 100 m cells over an L: (1, 1) is clipped to its west half, (1, 0) is a whole box
    x, y = 800000, 2500000
    outline = Polygon([(x, y), (x + 200, y), (x + 200, y + 100), (x + 150, y + 100),
                       (x + 150, y + 200), (x, y + 200)])
    return gu.grid(gpd.GeoSeries([outline], crs=CRS), size=100)


def test_clipped_cells_are_tested_against_their_geometry(l_shape):
    reg = regular(l_shape)
    assert sorted(l_shape.index[reg.pos[~reg.full]]) == ["G100-E8001-N25001"]
    p = pts((800150, 2500150), (800160, 2500150), (800100, 2500150), (800199, 2500199),
            (800150, 2500100), (800200, 2500050), (800200, 2500100))
    got = gz.assign(p, l_shape).set_index("problem_id")[["unit_id", "reason"]]
    assert got.astype(object).where(got.notna(), None).values.tolist() == [
        ["G100-E8001-N25001", "inside"],  # on the clipped cell's own east edge
        [None, "outside_units"],  # in the box of (1, 1) but cut away
        ["G100-E8001-N25001", "shared_border"],  # west border: the cell east wins
        [None, "outside_units"],
        ["G100-E8001-N25001", "shared_border"],  # north wins, though clipped
        ["G100-E8001-N25000", "inside"],  # the grid's east edge: no cell east of it
        ["G100-E8001-N25000", "inside"],  # the L's outer corner, where (1, 1) is cut away
    ]
    # the spatial index's centroid rule sends the north border point south here: the
    # clipped cell's centroid lies west of the whole box's
    other = slow(p, l_shape).set_index("problem_id")["unit_id"]
    assert other["p4"] == "G100-E8001-N25000"
    assert other.drop("p4").fillna("").equals(got["unit_id"].drop("p4").fillna(""))


def test_a_point_in_a_hole_of_a_cell_is_outside():
    x, y = 800000, 2500000
    outline = box(x, y, x + 300, y + 300).difference(box(x + 120, y + 120, x + 180, y + 180))
    cells = gu.grid(gpd.GeoSeries([outline], crs=CRS), size=100)
    assert "G100-E8001-N25001" in cells.index[regular(cells).pos[~regular(cells).full]]
    p = pts((x + 150, y + 150), (x + 120, y + 150), (x + 110, y + 150), (x + 100, y + 150))
    got = gz.assign(p, cells)
    assert got[["unit_id", "reason"]].astype(object).where(got.notna(), None) \
        .values.tolist() == [[None, "outside_units"], ["G100-E8001-N25001", "inside"],
                             ["G100-E8001-N25001", "inside"],
                             ["G100-E8001-N25001", "shared_border"]]
    pd.testing.assert_frame_equal(got, slow(p, cells))


def test_a_reprojected_grid_takes_the_spatial_index_and_agrees(longgang):
    units, _ = longgang
    cells = grid_of(units)
    cgcs = cells.to_crs(4547)  # metric, so kept as it is: the cells are no longer boxes
    assert regular(cgcs).pos.size == 0
    # a grid moved to lon/lat comes back to its UTM zone: boxes again, the fast path
    assert regular(gz.tables.units.conform_units(cells.to_crs(4326))).pos.size == len(cells)
    rng = np.random.default_rng(5)
    x0, y0, x1, y1 = cells.total_bounds
    xy = np.column_stack([rng.uniform(x0, x1, 4000), rng.uniform(y0, y1, 4000)])
    off = np.minimum(np.abs(xy / 200 - np.round(xy / 200)).min(axis=1) * 200, 1e9)
    probs = problems_xy(xy[off > 1])  # reprojection bends borders by centimetres
    utm, moved = gz.assign(probs, cells), gz.assign(probs, cgcs)
    pd.testing.assert_frame_equal(utm, moved)
    assert utm["unit_id"].notna().sum() > 3000


def test_regular_cells_and_office_polygons_mix_in_one_layer(cells):
    office = gpd.GeoDataFrame({"unit_type": ["grid"]}, geometry=[box(800150, 2500020,
                              800260, 2500080)], crs=CRS,
                              index=pd.Index(["office-7"], name="unit_id"))
    mixed = pd.concat([cells, office])
    assert regular(mixed).pos.size == 4
    annex = gpd.GeoDataFrame({"unit_type": ["grid"]}, geometry=[box(800100, 2500120,
                             800190, 2500180)], crs=CRS,
                             index=pd.Index(["annex-1"], name="unit_id"))
    mixed = pd.concat([mixed, annex])
    p = pts((800170, 2500050), (800120, 2500050), (800255, 2500050), (800050, 2500050),
            (800150, 2500150))
    got = gz.assign(p, mixed)
    # centroid rule between a cell and an office polygon: the office's centroid (800205)
    # lies east of the cell's (800150); the annex's (800145) lies west of it
    assert got[["unit_id", "reason"]].values.tolist() == [
        ["office-7", "shared_border"], ["G100-E8001-N25000", "inside"],
        ["office-7", "inside"], ["G100-E8000-N25000", "inside"],
        ["G100-E8001-N25001", "shared_border"]]
    pd.testing.assert_frame_equal(got, slow(p, mixed))


def test_cells_whose_ids_or_geometry_do_not_fit_take_the_spatial_index():
    geoms = np.array([box(0, 0, 10, 10), box(0, 0, 10, 10), box(10, 0, 20, 10),
                      box(20, 0, 31, 10), box(30, 0, 40, 10), box(40, 0, 50, 10),
                      box(49, 0, 60, 10), box(60, -1, 70, 10), box(70, 0, 80, 11)])
    ids = np.array(["G10-E0-N0", "G10-E00-N0", "G10-E1-N0x", "G10-E2-N0", "G10.0-E3-N0",
                    "G10-E4-N0", "G10-E5-N0", "G10-E6-N0", "G10-E7-N0"])
    reg = grid_path.regular(geoms, ids)
    # a repeated (size, i, j), an id that does not parse, cells larger than their box
    assert ids[reg.pos].tolist() == ["G10.0-E3-N0", "G10-E4-N0"]
    assert reg.full.tolist() == [True, True] and reg.size.tolist() == [10.0, 10.0]
    near = np.array([box(1e-7, -1e-7, 10, 10), box(0, 0, 10 - 1e-5, 10)])
    assert grid_path.regular(near, np.array(["G10-E0-N0", "G10-E0-N1"])).full.tolist() == \
        [True]


def test_arithmetic_keeps_exact_half_open_boxes_for_fractional_sizes():
    # 0.3 m cells: floor(x / 0.3) lands one cell off for some points on a border (x = i*s)
    # or just below one; the products i * size that built the boxes decide
    cells = pd.concat([gu.grid(gpd.GeoSeries([box(x, y, x + 3, y + 3)], crs=CRS), size=0.3,
                               min_area=0) for x, y in ((800000, 2500000), (2500000, 800000))])
    assert regular(cells).pos.size == len(cells) == 242
    corners = np.unique(shapely.get_coordinates(cells.geometry.to_numpy()), axis=0)
    x, y = corners.T
    below = np.column_stack([np.nextafter(x, 0), np.nextafter(y, 0)])
    xy = np.vstack([corners, below, np.column_stack([x, below[:, 1]]),
                    np.column_stack([below[:, 0], y])])
    i, j = (np.floor(v / 0.3) for v in xy.T)
    edge_x, edge_y = i * 0.3, j * 0.3
    off = (xy[:, 0] < edge_x) | (xy[:, 0] >= edge_x + 0.3) | (xy[:, 1] < edge_y) \
        | (xy[:, 1] >= edge_y + 0.3)
    assert off.sum() > 100  # floor alone would put these in the wrong cell
    probs = problems_xy(xy)
    pd.testing.assert_frame_equal(gz.assign(probs, cells), slow(probs, cells))


def test_cells_far_apart_are_found_through_sorted_keys():
    # two blocks of cells 1000 km apart: too sparse for a dense table of (i, j)
    blocks = [gu.grid(gpd.GeoSeries([box(x, 2500000, x + 200, 2500200)], crs=CRS), size=100)
              for x in (300000, 1300000)]
    cells = pd.concat(blocks)
    assert regular(cells).pos.size == 8
    table = grid_path._Table(regular(cells).i, regular(cells).j, np.arange(8))
    assert not table.dense
    p = pts((300100, 2500100), (1300050, 2500150), (1300200, 2500200), (800000, 2500100),
            (1300250, 2500100))
    got = gz.assign(p, cells)
    assert got["unit_id"].fillna("").tolist() == [
        "G100-E3001-N25001", "G100-E13000-N25001", "G100-E13001-N25001", "", ""]
    assert got["reason"].tolist() == ["shared_border", "inside", "inside", "outside_units",
                                      "outside_units"]


# ---- corridors --------------------------------------------------------------------

def test_a_wider_corridor_holding_the_point_beats_a_nearer_centerline_that_does_not():
    lines = [LineString([(0, 0), (1000, 0)]), LineString([(0, 30), (1000, 30)])]
    units = gpd.GeoDataFrame({"unit_type": ["road", "road"]},
                             geometry=[lines[0].buffer(5), lines[1].buffer(20)], crs=CRS,
                             index=pd.Index(["R-narrow", "R-wide"], name="unit_id"))
    units["centerline"] = gpd.GeoSeries(lines, index=units.index, crs=CRS)
    got = gz.assign(pts((500, 12), (500, 4)), units)
    assert got[["unit_id", "reason", "distance_m"]].values.tolist() == [
        ["R-wide", "inside", 18.0], ["R-narrow", "inside", 4.0]]


def test_random_corridors_agree_with_brute_force():
    rng = np.random.default_rng(11)
    n = 60
    start = rng.uniform(0, 1000, (n, 2))
    end = start + rng.uniform(-300, 300, (n, 2))
    lines = shapely.linestrings(np.stack([start, end], axis=1))
    half = rng.choice([5.0, 10.0, 25.0], n)
    ids = [f"R-{k:03d}" for k in rng.permutation(n)]
    units = gpd.GeoDataFrame({"unit_type": "road"}, geometry=shapely.buffer(lines, half),
                             crs=CRS, index=pd.Index(ids, name="unit_id"))
    units["centerline"] = gpd.GeoSeries(lines, index=units.index, crs=CRS)
    units.loc[ids[:3], "centerline"] = None  # measured to their polygon
    xy = np.vstack([rng.uniform(0, 1000, (3000, 2)), shapely.get_coordinates(lines)])
    probs = problems_xy(xy)
    got = gz.assign(probs, units).set_index("problem_id")
    centre = units["centerline"].where(units["centerline"].notna(), units.geometry)
    want, reasons = {}, {}
    for pid, pt in zip(probs.index, probs.geometry):
        held = [u for u, g in zip(units.index, units.geometry) if g.intersects(pt)]
        if held:
            want[pid] = min(held, key=lambda u: (centre[u].distance(pt), u))
            reasons[pid] = "nearest_centerline" if len(held) > 1 else "inside"
    placed = got[got["unit_id"].notna()]
    assert placed["unit_id"].to_dict() == want
    assert placed["reason"].to_dict() == reasons
    assert sum(r == "nearest_centerline" for r in reasons.values()) > 50
    for pid in list(want)[:200]:
        assert placed.loc[pid, "distance_m"] == pytest.approx(
            centre[want[pid]].distance(probs.geometry[pid]))


# ---- the ledger's columns -----------------------------------------------------------

def test_ledger_width_does_not_grow_with_the_input_columns(cells):
    p = pts((800050, 2500050), (800150, 2500150))
    for c in ("category", "found_at", "source", "status", "deadline", "rectified_at",
              "report_count"):
        p[c] = 1
    narrow = gz.assign(p, cells)
    extra = pd.DataFrame({f"extra_{k}": k for k in range(200)} | {
        "raw_category": "其他", "description": "门口", "photo": "/tmp/a.jpg",
        "reporter": "张三", "phone": "13800000000", "source_raw": "微信"}, index=p.index)
    wide = pd.concat([extra, p.iloc[:, ::-1]], axis=1).set_geometry("geometry")
    ledger = gz.assign(wide, cells)
    assert list(ledger.columns) == list(narrow.columns) == [
        *gz.assignment.LEDGER_COLUMNS, "category", "found_at", "source", "status",
        "deadline", "rectified_at", "report_count"]
    pd.testing.assert_frame_equal(ledger, narrow)
    assert set(gz.assignment.LEDGER_FIELDS) == {
        "category", "found_at", "source", "status", "deadline", "rectified_at",
        "deadline_source", "report_count", "recurrence_of", "recurrent"}
