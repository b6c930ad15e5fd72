"""The unit-type registry: facts of the built-in types, register/unregister, and a fourth
type (block, 片区) run through read_units -> assign -> rate -> star_map -> publish."""

import geopandas as gpd
import pandas as pd
import pytest
from _browser import COUNT_JS, open_offline
from _rubrics import default_text, write_rubric
from shapely.geometry import Point, box

import geozz as gz
from geozz.errors import InputError, RubricError
from geozz.tables import unit_types as reg
from geozz.tables.unit_types import (
    LABELS,
    REGISTRY,
    UNIT_TYPES,
    UnitType,
    register,
    unit_type_named,
    unregister,
)

UTM50 = 32650
X0, Y0 = 800_000.0, 2_500_000.0
BLOCK = UnitType(name="block", zh="片区", en="Block", rule="half_open", id_prefix="B",
                 style={"weight": 2})


@pytest.fixture
def block():
    """The block type registered for one test, removed after it whatever happens."""
    t = register(BLOCK)
    try:
        yield t
    finally:
        if "block" in REGISTRY:
            unregister("block")


def test_builtin_types_in_order_with_their_facts():
    assert UNIT_TYPES == ("grid", "road", "river")
    assert [(t.zh, t.en, t.rule, t.id_prefix, t.tiles) for t in REGISTRY.values()] == [
        ("网格", "Grid", "half_open", "G", True),
        ("路段", "Road", "nearest_centerline", "R", False),
        ("河段", "River", "nearest_centerline", "W", False)]
    assert dict(LABELS) == {"grid": "网格 Grid", "road": "路段 Road", "river": "河段 River"}


def test_registered_type_is_seen_by_modules_that_imported_the_views(block):
    from geozz import maps
    from geozz.assignment import ledger
    from geozz.tables import units as schema

    assert schema.UNIT_TYPES == ("grid", "road", "river", "block")
    assert "block" in ledger.UNIT_TYPES and ledger.UNIT_TYPES.index("block") == 3
    assert maps.UNIT_TYPE_LABELS["block"] == "片区 Block"
    assert REGISTRY["block"].style["weight"] == 2
    with pytest.raises(TypeError):  # the registered style is read-only
        REGISTRY["block"].style["weight"] = 3
    unregister("block")
    assert UNIT_TYPES == ("grid", "road", "river") and "block" not in maps.UNIT_TYPE_LABELS


def test_register_lists_every_problem_at_once():
    bad = UnitType(name="Block-1", zh=" ", en="Road", rule="inside", id_prefix="G",
                   tiles="yes")
    with pytest.raises(InputError) as err:
        register(bad)
    assert [i.field for i in err.value.issues] == ["name", "zh", "en", "rule", "id_prefix",
                                                   "tiles"]
    msg = str(err.value)
    assert "'grid' ids start with 'G'" in msg
    assert "expected a label no other unit type uses, got 'Road'" in msg
    assert UNIT_TYPES == ("grid", "road", "river")


@pytest.mark.parametrize("kwargs,field,phrase", [
    (dict(name="grid"), "name", "cannot be replaced"),
    (dict(rule="nearest_centerline", tiles=True), "tiles", "only 'half_open' areas"),
    (dict(id_prefix="b"), "id_prefix", "upper-case ASCII letter"),
    (dict(zh="网格"), "zh", "a label no other unit type uses"),
])
def test_register_refuses(kwargs, field, phrase):
    fields = dict(name="block", zh="片区", en="Block", rule="half_open", id_prefix="B")
    with pytest.raises(InputError) as err:
        register(UnitType(**{**fields, **kwargs}))
    assert [i.field for i in err.value.issues] == [field]
    assert phrase in str(err.value)


def test_register_twice_needs_replace(block):
    with pytest.raises(InputError, match="pass replace=True"):
        register(BLOCK)
    again = register(UnitType(name="block", zh="片区", en="Block", rule="half_open",
                              id_prefix="K"), replace=True)
    assert REGISTRY["block"] is again and again.id_prefix == "K"


def test_unregister_builtin_or_unknown():
    for name in ("grid", "lake"):
        with pytest.raises(InputError, match="a registered unit type that is not built in"):
            unregister(name)
    assert UNIT_TYPES == ("grid", "road", "river")


def test_unit_type_named_reads_names_and_labels(block):
    assert [unit_type_named(v) for v in ("网格", " Road ", "河段 River", "片区", "BLOCK",
                                          "lake", None, 3)] == [
        "grid", "road", "river", "block", "block", None, None, None]
    assert reg._unit_type_fix() == "pass unit_type='grid' (or 'road', 'river', 'block')"


def test_rubric_shares_for_a_type_only_once_registered(tmp_path, block):
    text = default_text() + "\n[shares.block]\nexposed_garbage = 60\nillegal_ads = 40\n"
    f = write_rubric(tmp_path, text)
    assert gz.rubric.load_rubric(f).shares["block"] == {"exposed_garbage": 60.0,
                                                        "illegal_ads": 40.0}
    unregister("block")
    with pytest.raises(RubricError, match="shares.block"):
        gz.rubric.load_rubric(f)


def _block_world(tmp_path):
    """Two grid cells (400 x 200 m) and two blocks (片区) inside them, as an office's
    file with Chinese columns, and four problem records."""
    cells = gpd.GeoDataFrame(
        {"网格编码": ["G-A", "G-B"], "类型": ["网格", "网格"]},
        geometry=[box(X0, Y0, X0 + 200, Y0 + 200), box(X0 + 200, Y0, X0 + 400, Y0 + 200)],
        crs=UTM50)
    blocks = gpd.GeoDataFrame(
        {"网格编码": ["B-market", "B-court"], "网格名称": ["布吉农批市场", "{{ 7*7 }}花园"],
         "类型": ["片区", "片区"]},
        geometry=[box(X0 + 20, Y0 + 20, X0 + 120, Y0 + 120),
                  box(X0 + 120, Y0 + 20, X0 + 220, Y0 + 120)], crs=UTM50)
    f = tmp_path / "office_units.geojson"
    pd.concat([cells, blocks]).to_crs(4326).to_file(f)
    pts = gpd.GeoSeries([Point(X0 + 50, Y0 + 50), Point(X0 + 150, Y0 + 60),
                         Point(X0 + 300, Y0 + 150), Point(X0 + 210, Y0 + 60)],
                        crs=UTM50).to_crs(4326)
    records = pd.DataFrame({
        "problem_id": ["p1", "p2", "p3", "p4"],
        "category": ["exposed_garbage", "illegal_ads", "exposed_garbage", "illegal_ads"],
        "found_at": ["2024-05-03 09:00", "2024-05-04 10:00", "2024-05-05 11:00",
                     "2024-05-06 12:00"],
        "lon": pts.x.round(8), "lat": pts.y.round(8)})
    rec = tmp_path / "records.csv"
    records.to_csv(rec, index=False)
    return f, rec


def test_fourth_type_block_runs_through_the_whole_pipeline(tmp_path, block, browser):
    units_file, records = _block_world(tmp_path)
    units = gz.read_units(units_file)
    assert units.groupby("unit_type").size().to_dict() == {"block": 2, "grid": 2}
    problems, rejects = gz.read_problems(records, merge=False, recurrence=False)
    assert len(problems) == 4 and len(rejects) == 0
    ledger = gz.assign(problems, units)
    blocks = ledger[ledger["unit_type"] == "block"].set_index("problem_id")
    # p1 inside the market, p2 and p4 inside the court (p4 also in grid cell G-B),
    # p3 in no block (a grid row only)
    assert blocks["unit_id"].to_dict() == {"p1": "B-market", "p2": "B-court",
                                           "p4": "B-court"}
    assert set(blocks["reason"]) == {"inside"}
    assert (ledger["unit_type"] == "grid").sum() == 4

    with pytest.raises(InputError, match=r"unit types the rubric rates"):
        gz.rate(ledger, units)  # the default rubric has no shares for blocks
    text = default_text() + "\n[shares.block]\nexposed_garbage = 60\nillegal_ads = 40\n"
    ratings = gz.rate(ledger, units, rubric=write_rubric(tmp_path, text))
    got = ratings[ratings["unit_type"] == "block"].set_index("unit_id")
    assert got["score"].to_dict() == {"B-court": 98.0, "B-market": 99.0}
    assert got["rank"].to_dict() == {"B-market": 1, "B-court": 2}

    m = gz.star_map(units, ratings, unit_types=["block"])
    html = m.get_root().render()
    assert "片区 Block" in html and "布吉农批市场" in html
    assert "49花园" not in html  # the name is data, never a template
    out = gz.publish(units, ratings, ledger, tmp_path / "public", problems=problems)
    assert {"block", "grid", "index", "overview", "units"} <= set(out)
    assert {p.name for p in out["units"].iterdir()} == {
        gz.maps.page_name(u) for u in units.index}  # blocks have their pages too
    assert out["block"].name == "stars_block.html"
    context, page, errors, _, _ = open_offline(browser, out["block"])
    try:
        got = page.evaluate(COUNT_JS)
        assert errors == [] and got["legend"]
        assert got["shapes"] == 2  # the two blocks, drawn offline
        assert "片区 Block" in page.content()
    finally:
        context.close()
    with pytest.raises(InputError, match="stars_block.html"):
        gz.publish(units, ratings, ledger, tmp_path / "public2",
                   extra={"stars_block.html": records})
