"""gz.problems.save / load: a round trip, and saved files changed by hand refused with the
field and the fix."""

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pytest

import geozz as gz
from geozz.errors import InputError, SchemaError
from geozz.tables import problems as store


@pytest.fixture(scope="module")
def problems():
    found, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    return found


@pytest.mark.parametrize("name", ["p.gpkg", "p.parquet"])
def test_round_trip_keeps_ids_times_and_lifecycle_but_no_personal_fields(tmp_path, problems,
                                                                          name):
    path = store.save(problems, tmp_path / name)
    assert store.is_saved(path)
    back = gz.problems.load(path)
    assert back.index.equals(problems.index) and back.index.name == "problem_id"
    for col in ("found_at", "deadline", "rectified_at"):
        assert str(back[col].dt.tz) == "Asia/Shanghai"
        a, b = back[col], problems[col]
        assert ((a == b) | (a.isna() & b.isna())).all()
        assert a.notna().sum() > 0
    assert back["report_count"].tolist() == problems["report_count"].tolist()
    assert back["category"].tolist() == problems["category"].tolist()
    assert not {"reporter", "phone", "photo", "media_url", "address"} & set(back.columns)
    assert back.geometry.geom_equals_exact(problems.geometry, tolerance=1e-9).all()
    if name.endswith(".gpkg"):  # times stored as GeoPackage wants them: UTC, ending in Z
        import sqlite3
        with sqlite3.connect(path) as db:
            text = db.execute("select found_at from geozz_problems limit 1").fetchone()[0]
        assert text.endswith("Z") and text[:4] == "2024"
    # other time zones on the way out
    utc = gz.problems.load(path, tz="UTC")
    assert (utc["found_at"] == problems["found_at"]).all()


def test_save_refuses_what_is_not_problems_and_names_it(tmp_path, problems):
    with pytest.raises(InputError, match=r"p\.csv: expected a problems file to write "
                                         r"ending in \.gpkg, \.parquet"):
        store.save(problems, tmp_path / "p.csv")
    with pytest.raises(SchemaError, match=r"expected problems from gz\.read_problems .*got "
                                          r"'DataFrame'.*Fix: save what read_problems"):
        store.save(pd.DataFrame(problems.drop(columns="geometry")), tmp_path / "p.gpkg")
    with pytest.raises(InputError, match="problems file path"):
        store.save(problems, None)


def _tampered(tmp_path, problems, change) -> str:
    path = store.save(problems, tmp_path / "p.parquet")
    frame = gpd.read_parquet(path)
    frame = change(frame)
    frame.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("change, field, fix", [
    (lambda f: f.drop(columns="raw_category"), None, None),  # no longer a saved file
    (lambda f: f.assign(category=f["category"].where(f.index > 0, "其他")), "category",
     "read the raw records again with gz.read_problems"),
    (lambda f: f.assign(problem_id=f["problem_id"].where(f.index > 0, f["problem_id"][1])),
     "problem_id", "save the problems again"),
    (lambda f: f.assign(found_at="whenever"), "found_at", "save the problems again"),
])
def test_load_refuses_a_saved_file_changed_by_hand(tmp_path, problems, change, field, fix):
    path = _tampered(tmp_path, problems, change)
    with pytest.raises(InputError) as err:
        gz.problems.load(path)
    if field is None:
        assert "expected a problems file written by gz.problems.save" in str(err.value)
        assert "Fix: read raw records with gz.read_problems" in str(err.value)
        assert not store.is_saved(path)
    else:
        assert isinstance(err.value, SchemaError)
        assert f"field '{field}'" in str(err.value) and f"Fix: {fix}" in str(err.value)


def test_load_names_a_missing_id_column(tmp_path, problems):
    path = _tampered(tmp_path, problems, lambda f: f.rename(columns={"problem_id": "pid"}))
    with pytest.raises(SchemaError, match=r"field 'problem_id': expected the column save "
                                          r"wrote\. Fix: save the problems again"):
        gz.problems.load(path)


def test_is_saved_is_false_for_other_files(tmp_path):
    other = tmp_path / "x.parquet"
    pd.DataFrame({"category": ["piles"], "found_at": ["2024-05-01"]}).to_parquet(other)
    assert not store.is_saved(other)  # raw_category is what only save writes
    pq.write_table(pq.read_table(other).append_column(
        "raw_category", pq.read_table(other).column("category")), other)
    assert store.is_saved(other)
    assert not store.is_saved(tmp_path / "missing.gpkg")
    assert not store.is_saved(tmp_path)
