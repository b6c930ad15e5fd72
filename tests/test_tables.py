"""The contracts where data enters a stage: check_units, conform_units, check_ledger,
check_ratings. Each case asserts the exact issues (field and phrase) or the exact result."""

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from geozz.errors import CRSError, InputError, SchemaError
from geozz.tables.ledger import LEDGER_REQUIRED, check_ledger
from geozz.tables.ratings import RATINGS_REQUIRED, check_ratings
from geozz.tables.units import check_units, conform_units

UTM = 32650
X0, Y0 = 800000, 2500000
TZ = "Asia/Shanghai"


def cells(n=3, crs=UTM):
    return gpd.GeoDataFrame({"unit_type": "grid"},
                            geometry=[box(X0 + 100 * i, Y0, X0 + 100 * (i + 1), Y0 + 100)
                                      for i in range(n)],
                            crs=crs, index=pd.Index([f"C{i}" for i in range(n)], name="unit_id"))


def road(crs=UTM):
    line = LineString([(X0, Y0), (X0 + 1000, Y0 + 500)])
    out = gpd.GeoDataFrame({"unit_type": ["road"]}, geometry=[line.buffer(15)], crs=UTM,
                           index=pd.Index(["R-1"], name="unit_id"))
    out["centerline"] = gpd.GeoSeries([line], index=out.index, crs=UTM)
    return out.to_crs(crs) if crs != UTM else out


def issues(exc):
    return [(i.field, i.expected) for i in exc.value.issues]


# ---- check_units --------------------------------------------------------------------

def test_good_units_pass_and_stage_is_named():
    assert check_units(cells(), stage="star_map") is None
    bad = cells()
    bad.index.name = "id"
    with pytest.raises(SchemaError, match=r"units given to star_map\(\), field 'unit_id': "
                                          r"expected an index named 'unit_id', got 'id'"):
        check_units(bad, stage="star_map")


def test_not_a_geodataframe():
    with pytest.raises(SchemaError, match="expected a GeoDataFrame of units, got 'DataFrame'"):
        check_units(pd.DataFrame({"unit_type": ["grid"]}))


def test_unit_id_as_column_is_told_to_become_the_index():
    units = cells().reset_index()
    with pytest.raises(SchemaError, match=r"Fix: units.set_index\('unit_id'\)"):
        check_units(units)


def test_empty_ids_and_geometry_counted():
    units = cells(5)
    units.index = pd.Index(["C0", "", " ", "C3", "C4"], name="unit_id")
    units.loc["C3", "geometry"] = None
    units.loc["C4", "geometry"] = Polygon()
    with pytest.raises(SchemaError) as err:
        check_units(units)
    assert issues(err) == [("unit_id", "non-empty unit ids"),
                           ("geometry", "a geometry for every unit")]
    assert "got '2 empty ids'" in str(err.value)
    assert "2 null or empty, e.g. ['C3', 'C4']" in str(err.value)


def test_points_and_missing_unit_type():
    units = cells(2).drop(columns="unit_type")
    units.loc["C1", "geometry"] = Point(X0, Y0)
    with pytest.raises(SchemaError) as err:
        check_units(units)
    assert issues(err) == [("unit_type", "a unit_type column"), ("geometry", "polygons")]
    assert "1 of type ['Point']" in str(err.value)


def test_projected_far_outside_its_area_of_use():
    units = cells()
    units = units.set_geometry(units.geometry.translate(0, -30_000_000))
    with pytest.raises(CRSError, match="'crs': expected coordinates near the area of use of "
                                       "EPSG:32650"):
        check_units(units)


def test_toy_units_near_the_origin_are_fine():
    units = gpd.GeoDataFrame({"unit_type": ["grid"]}, geometry=[box(0, 0, 1, 1)], crs=UTM,
                             index=pd.Index(["A"], name="unit_id"))
    assert check_units(units) is None


def test_centerline_of_text_is_rejected():
    units = road()
    units["centerline"] = pd.Series(["LINESTRING (0 0, 1 1)"], index=units.index)
    with pytest.raises(SchemaError, match="'centerline': expected shapely geometries.*"
                                          "gpd.GeoSeries.from_wkt"):
        check_units(units)


def test_centerline_with_its_own_crs_holding_metres_in_degrees():
    units = road()
    units["centerline"] = units["centerline"].set_crs(4326, allow_override=True)
    with pytest.raises(CRSError, match="'centerline': .*the data says EPSG:4326 but holds "
                                       "metres"):
        check_units(units)


# ---- conform_units ------------------------------------------------------------------

def test_conform_units_reprojects_the_centerline_too():
    orig = road()
    odd = orig.to_crs(4326)
    back = conform_units(odd)
    assert back.crs.to_epsg() == UTM and back["centerline"].crs.to_epsg() == UTM
    assert back["centerline"].iloc[0].equals_exact(orig["centerline"].iloc[0], 1e-6)
    assert back.geometry.iloc[0].symmetric_difference(orig.geometry.iloc[0]).area < 1e-3
    # the input is untouched
    assert odd.crs.to_epsg() == 4326 and odd["centerline"].crs.to_epsg() == UTM


def test_conform_units_to_a_chosen_crs_and_a_centerline_without_crs():
    units = road()
    units["centerline"] = pd.Series(list(units["centerline"]), index=units.index,
                                    dtype=object)  # plain shapely objects, in the units' CRS
    out = conform_units(units, crs=4547)  # CGCS2000 3-degree zone, central meridian 114E
    assert out.crs.to_epsg() == 4547 and out["centerline"].crs.to_epsg() == 4547
    expected = road()["centerline"].to_crs(4547).iloc[0]
    assert out["centerline"].iloc[0].equals_exact(expected, 1e-6)
    middle = out["centerline"].iloc[0].interpolate(0.5, normalized=True)
    assert out.geometry.iloc[0].contains(middle)


def test_conform_units_keeps_metric_units_as_they_are():
    units = cells()
    out = conform_units(units)
    assert out is not units and out.crs == units.crs
    assert out.geometry.geom_equals(units.geometry).all()


# ---- check_ledger -------------------------------------------------------------------

def ledger():
    t = pd.Timestamp("2024-05-01 10:00", tz=TZ)
    return pd.DataFrame({"problem_id": ["p1", "p2"], "unit_id": ["A", pd.NA],
                         "unit_type": ["grid", pd.NA], "category": ["piles", "piles"],
                         "found_at": [t, t], "deadline": [t, pd.NaT],
                         "rectified_at": pd.NaT, "status": "open"})


def test_good_ledger_with_an_outside_row_passes():
    assert check_ledger(ledger()) is None


def test_ledger_missing_every_column():
    with pytest.raises(SchemaError) as err:
        check_ledger(pd.DataFrame({"x": [1]}), stage="publish")
    assert [i.field for i in err.value.issues] == list(LEDGER_REQUIRED)
    assert "ledger given to publish()" in str(err.value)


def test_ledger_wrong_kinds_of_value_all_listed():
    led = ledger()
    led["deadline"] = led["deadline"].dt.tz_localize(None)
    led["found_at"] = led["found_at"].astype(str).astype("str")
    led.loc[0, "unit_type"] = "lake"
    led.loc[0, "category"] = None
    led.loc[1, "problem_id"] = None
    with pytest.raises(SchemaError) as err:
        check_ledger(led)
    assert [i.field for i in err.value.issues] == ["problem_id", "found_at", "deadline",
                                                   "unit_type", "category"]
    msg = str(err.value)
    assert "'found_at': expected tz-aware datetimes, got 'str'" in msg
    assert "'deadline': expected tz-aware datetimes, got 'naive datetimes'" in msg
    assert "got ['lake']" in msg


def test_ledger_empty_found_at_in_a_unit():
    led = ledger()
    led.loc[0, "found_at"] = pd.NaT
    with pytest.raises(SchemaError, match=r"'found_at': expected a time for every problem in "
                                          r"a unit, got \"1 empty, e.g. \['p1'\]\""):
        check_ledger(led)


# ---- check_ratings ------------------------------------------------------------------

def ratings():
    return pd.DataFrame({"unit_id": ["A", "B", "C"], "period": "2024-05",
                         "unit_type": "grid", "score": [96.0, 90.0, 50.0],
                         "stars": pd.array([5, 4, pd.NA], dtype="Int64")})


def test_good_ratings_pass_with_a_missing_star():
    assert check_ratings(ratings()) is None


@pytest.mark.parametrize("stars", [[5, 4, 0], [5, 4, 6], [5, 4.5, 1], [True, False, True]])
def test_stars_out_of_range(stars):
    r = ratings()
    r["stars"] = stars
    with pytest.raises(SchemaError) as err:
        check_ratings(r, stage="publish")
    assert issues(err) == [("stars", "whole numbers from 1 to 5, or missing")]
    assert "ratings given to publish()" in str(err.value)


def test_ratings_columns_scores_and_duplicates():
    r = ratings()
    r.loc[2, "unit_id"] = "A"
    r["score"] = ["96", "90", "50"]
    r["unit_type"] = ["grid", "grid", "pond"]
    with pytest.raises(SchemaError) as err:
        check_ratings(r.drop(columns="stars"))
    assert [i.field for i in err.value.issues] == ["stars", "unit_id", "unit_type", "score"]
    with pytest.raises(SchemaError) as err:
        check_ratings(pd.DataFrame())
    assert [i.field for i in err.value.issues] == list(RATINGS_REQUIRED)


def test_mixed_problems_raise_one_input_error():
    units = cells().set_crs(None, allow_override=True)
    units.index.name = None
    with pytest.raises(InputError) as err:
        check_units(units)
    assert type(err.value) is InputError
    assert [i.field for i in err.value.issues] == ["unit_id", "crs"]


@pytest.mark.parametrize("kind", ["units", "problems", "rejects", "ledger", "ratings", "areas"])
def test_a_missing_saved_table_is_named_with_the_fix(kind, tmp_path):
    import geozz as gz

    missing = tmp_path / f"{kind}.parquet"
    with pytest.raises(InputError, match=rf"{kind}\.parquet.*saved {kind} table.*run the "
                                         "stage that writes it again"):
        gz.tables.read(kind, missing)
