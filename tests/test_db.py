"""geozz.db and ``con=`` of read_units / read_problems, against a real PostGIS server.

The server is the one ``dev/postgis.sh`` sets up (the README's test command runs it); its
URL is ``GEOZZ_TEST_PG`` (default below). Without a reachable server the tests marked
``postgis`` are skipped, saying why — except when ``CI`` is set: CI always has the server,
so there they fail. Each test writes to a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import time
import uuid

import numpy as np
import pandas as pd
import pytest

import geozz as gz
from geozz._db import _scrub
from geozz.errors import InputError, OutputError

DEFAULT_URL = "postgresql://geozz:geozz@localhost:5432/geozz_test"
URL = os.environ.get("GEOZZ_TEST_PG", DEFAULT_URL)
HOSTILE = "'); DROP TABLE x; --"


def server_or_skip(url: str, *, ci: bool) -> None:
    """Skip (or, under CI, fail) when no PostGIS server answers at ``url``."""
    reason = None
    try:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"),
                             connect_timeout=5) as c:
            c.execute("SELECT postgis_version()")
    except ImportError as exc:
        reason = f"psycopg not installed ({exc}): pip install -e '.[dev]'"
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        reason = (f"no PostGIS server at {gz.db.mask(url)} ({type(exc).__name__}: "
                  f"{_scrub(str(exc).strip().splitlines()[0] if str(exc) else '', url)})"
                  "; run `bash dev/postgis.sh` as root or set GEOZZ_TEST_PG")
    if reason:
        if ci:
            pytest.fail("CI is set, so the PostGIS server must be there: " + reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def pg():
    server_or_skip(URL, ci=bool(os.environ.get("CI")))
    engine = gz.db.connect(URL)
    yield engine
    engine.dispose()


@pytest.fixture
def schema(pg):
    name = f"t_{uuid.uuid4().hex[:10]}"
    yield name
    with pg.begin() as c:
        c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def scalar(engine, query: str, **params):
    import sqlalchemy as sa

    with engine.connect() as c:
        return c.execute(sa.text(query), params).scalar()


def count(engine, schema: str, table: str, period: str | None = None) -> int:
    import sqlalchemy as sa

    t = sa.table(table, sa.column("period"), schema=schema)
    stmt = sa.select(sa.func.count()).select_from(t)
    if period is not None:
        stmt = stmt.where(t.c.period == period)
    with engine.connect() as c:
        return c.execute(stmt).scalar()


@pytest.fixture(scope="module")
def month():
    """The Longgang demo: units, problems, ledger, ratings and the zones' results."""
    area = gz.datasets.longgang()
    units = gz.build_units(area, grid_size=200, admin=gz.datasets.zones("longgang"))
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    ledger = gz.assign(problems, units)
    ratings = gz.rate(ledger, units, freq="M")
    areas = gz.rating.areas(ratings, units, level="street")
    return dict(units=units, problems=problems, ledger=ledger, ratings=ratings, areas=areas)


def by_key(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys).reset_index(drop=True)


# ---- without a server -----------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["cases; DROP TABLE x", "a.b.c", "1cases", "x" * 64, "",
                                 'ca"ses', "cases--"])
def test_a_bad_table_name_is_an_input_error_naming_it(bad):
    with pytest.raises(InputError) as err:
        gz.read_problems(bad, con="postgresql://u@127.0.0.1:1/db")
    assert repr(bad)[:40] in str(err.value) and "Fix:" in str(err.value)
    assert err.value.issues[0].field == "table"


def test_a_bad_schema_name_is_an_input_error_before_any_connection():
    with pytest.raises(InputError) as err:
        gz.db.write("postgresql://u@127.0.0.1:1/db", ratings=pd.DataFrame(),
                    schema="geozz; DROP SCHEMA public")
    assert err.value.issues[0].field == "schema" and "DROP SCHEMA" in str(err.value)


def test_a_password_never_shows_in_an_error():
    url = "postgresql://office:Sup3rSecret@127.0.0.1:1/city"  # nothing listens on port 1
    with pytest.raises(InputError) as err:
        gz.read_units("grid.units", con=url)
    assert "Sup3rSecret" not in str(err.value) and "***" in str(err.value)
    assert gz.db.mask(url) == "postgresql://office:***@127.0.0.1:1/city"


def test_only_postgresql_urls_are_taken():
    with pytest.raises(InputError, match="postgresql://"):
        gz.read_problems("cases", con="sqlite:///x.db")


def test_without_a_server_the_tests_skip_but_fail_under_ci():
    url = "postgresql://u:pw@127.0.0.1:1/db"
    with pytest.raises(pytest.skip.Exception, match="no PostGIS server"):
        server_or_skip(url, ci=False)
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        server_or_skip(url, ci=True)


# ---- the Longgang month in PostGIS ----------------------------------------------------------

@pytest.mark.postgis
def test_longgang_month_written_and_read_back(pg, schema, month, capsys):
    t = time.perf_counter()
    counts = gz.db.write(pg, schema=schema, **month)
    wrote = time.perf_counter() - t
    t = time.perf_counter()
    back = gz.db.read(pg, "ratings", schema=schema)
    read = time.perf_counter() - t
    keys = ["period", "unit_id"]
    pd.testing.assert_frame_equal(by_key(back, keys), by_key(month["ratings"], keys),
                                  check_dtype=False)
    may = gz.db.read(pg, "ratings", schema=schema, period="2024-05")
    assert set(may["period"]) == {"2024-05"} and len(may) == len(month["units"])
    units = gz.read_units(f"{schema}.units", con=pg)
    assert set(units.index) == set(month["units"].index) and units.crs == month["units"].crs
    assert np.allclose(units.loc[month["units"].index, "area_m2"], month["units"]["area_m2"])
    # the units read back from the database rate the same ledger to the same stars
    again = gz.rate(month["ledger"], units, freq="M")
    pd.testing.assert_series_equal(by_key(again, keys)["stars"],
                                   by_key(month["ratings"], keys)["stars"])
    assert counts == {name: count(pg, schema, name) for name in counts}
    assert counts["ledger"] == len(month["ledger"])
    with capsys.disabled():
        print(f"\n[db] Longgang month: write {wrote:.2f} s ({counts}), read ratings "
              f"{read:.2f} s")


@pytest.mark.postgis
def test_writing_a_month_again_replaces_it(pg, schema, month):
    may = {k: v for k, v in month.items() if k != "problems"}
    gz.db.write(pg, schema=schema, period="2024-05", **may)
    first = {t: count(pg, schema, t) for t in ("units", "ledger", "ratings", "areas")}
    assert first["ratings"] == len(month["units"])  # only May was written
    gz.db.write(pg, schema=schema, period="2024-05", **may)
    assert {t: count(pg, schema, t) for t in first} == first
    gz.db.write(pg, schema=schema, period="2024-04", **may)  # another month beside it
    assert count(pg, schema, "ratings", "2024-05") == count(pg, schema, "ratings", "2024-04") \
        == len(month["units"])


def _changed(month):
    """The month with every score, name and found time changed: a partial write shows."""
    ratings = month["ratings"].assign(score=month["ratings"]["score"] - 1)
    units = month["units"].assign(name="renamed")
    return {**month, "ratings": ratings, "units": units}


def _snapshot(pg, schema):
    r = gz.db.read(pg, "ratings", schema=schema, period="2024-05")
    u = gz.db.read(pg, "units", schema=schema)
    return {t: count(pg, schema, t) for t in ("units", "ledger", "ratings", "areas")}, \
        r["score"].sum(), set(u["name"])


@pytest.mark.postgis
def test_a_write_failing_after_the_first_table_leaves_the_previous_rows(pg, schema, month,
                                                                        monkeypatch):
    may = {k: v for k, v in month.items() if k != "problems"}
    gz.db.write(pg, schema=schema, period="2024-05", **may)
    before = _snapshot(pg, schema)
    real, done = gz.db._copy_rows, []

    def copy_then_fail(conn, schema_, name, frame):
        real(conn, schema_, name, frame)
        done.append(name)
        raise RuntimeError(f"injected after writing {name}")

    monkeypatch.setattr(gz.db, "_copy_rows", copy_then_fail)
    with pytest.raises(RuntimeError, match="injected after writing units"):
        gz.db.write(pg, schema=schema, period="2024-05", **_changed(may))
    assert done == ["units"]
    monkeypatch.undo()
    assert _snapshot(pg, schema) == before
    gz.db.write(pg, schema=schema, period="2024-05", **_changed(may))  # and it can be done
    assert _snapshot(pg, schema) != before


@pytest.mark.postgis
def test_a_connection_killed_midway_leaves_the_previous_rows(pg, schema, month, monkeypatch):
    may = {k: v for k, v in month.items() if k != "problems"}
    gz.db.write(pg, schema=schema, period="2024-05", **may)
    before = _snapshot(pg, schema)
    real, killed = gz.db._copy_rows, []

    def copy_then_kill(conn, schema_, name, frame):
        n = real(conn, schema_, name, frame)
        if name == "ledger":  # units and the ledger written, ratings and areas not yet
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            killed.append(scalar(pg, "SELECT pg_terminate_backend(:pid)", pid=pid))
        return n

    monkeypatch.setattr(gz.db, "_copy_rows", copy_then_kill)
    with pytest.raises(OutputError) as err:
        gz.db.write(pg, schema=schema, period="2024-05", **_changed(may))
    assert killed == [True] and "nothing was written" in str(err.value)
    assert "geozz:geozz@" not in str(err.value)  # the password is masked
    monkeypatch.undo()
    assert _snapshot(pg, schema) == before


@pytest.mark.postgis
def test_tables_have_keys_gist_indexes_and_comments(pg, schema, month):
    gz.db.write(pg, schema=schema, units=month["units"], ratings=month["ratings"],
                ledger=month["ledger"])
    import sqlalchemy as sa

    with pg.connect() as c:
        indexes = c.execute(sa.text("SELECT tablename, indexdef FROM pg_indexes WHERE "
                                    "schemaname = :s"), {"s": schema}).fetchall()
        comment = c.execute(sa.text("SELECT obj_description(to_regclass(:t), 'pg_class')"),
                            {"t": f"{schema}.ratings"}).scalar()
        srid = c.execute(sa.text("SELECT srid FROM geometry_columns WHERE f_table_schema "
                                 "= :s AND f_table_name = 'units' AND f_geometry_column "
                                 "= 'geometry'"), {"s": schema}).scalar()
    gist = {t for t, d in indexes if "USING gist" in d}
    assert gist == {"units"}
    assert any(t == "ratings" and "ratings_pkey" in d and "(period, unit_id)" in d
               for t, d in indexes)
    assert any(t == "ledger" and "(period)" in d for t, d in indexes)
    assert "public" in comment and srid == 32650


@pytest.mark.postgis
def test_the_period_query_uses_an_index(pg, schema, month, capsys):
    gz.db.write(pg, schema=schema, ratings=month["ratings"])
    import sqlalchemy as sa

    with pg.connect() as c:
        c.exec_driver_sql(f'ANALYZE "{schema}".ratings')
        query = f"EXPLAIN SELECT * FROM \"{schema}\".ratings WHERE period = '2024-05'"
        natural = [r[0] for r in c.exec_driver_sql(query)]
        c.execute(sa.text("SET enable_seqscan = off"))
        forced = [r[0] for r in c.exec_driver_sql(query)]
    assert any("Index" in line and "ratings_pkey" in line for line in forced), forced
    with capsys.disabled():
        print("\n[db] " + "\n[db] ".join(natural) + "\n[db] seqscan off:\n[db] "
              + "\n[db] ".join(forced))


@pytest.mark.postgis
def test_personal_fields_never_reach_a_public_table(pg, schema, month):
    problems = month["problems"].head(50).copy()
    problems["reporter"], problems["phone"] = "张三", "13800138000"
    ledger = month["ledger"].head(50).assign(reporter="张三", phone="13800138000")
    units = month["units"].assign(联系电话="13800138000")
    gz.db.write(pg, schema=schema, problems=problems, ledger=ledger, units=units)
    import sqlalchemy as sa

    with pg.connect() as c:
        cols = {r[0] for r in c.execute(sa.text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = :s"),
            {"s": schema})}
        text = " ".join(str(v) for v in c.execute(sa.text(
            f'SELECT p::text FROM "{schema}".problems p')).scalars())
    assert cols.isdisjoint({"reporter", "phone", "address", "agency", "photo", "media_url",
                            "联系电话"})
    assert "13800138000" not in text and "张三" not in text


# ---- problems and units read from the database -----------------------------------------------

def _cases(pg, schema):
    """A problems table written as an office's system might: good rows and bad ones."""
    import sqlalchemy as sa

    rows = [  # case_id, geometry (EWKT), category, found_at, reporter
        (101, "SRID=4326;POINT(114.2 22.69)", "暴露垃圾", "2024-05-01 08:00", "张三"),
        (102, None, "暴露垃圾", "2024-05-01 09:00", None),
        (103, "SRID=4326;POINT(114.21 22.70)", "暴露垃圾", "not a time", None),
        (104, "SRID=4326;POINT(114.21 22.70)", "飞碟", "2024-05-02 10:00", None),
        (105, "SRID=4326;POINT(114.22 22.70)", HOSTILE, "2024-05-02 11:00", None),
        (106, "SRID=4326;POINT(114.22 22.71)", "<script>alert(1)</script>",
         "2024-05-03 11:00", None),
        (107, "SRID=4326;LINESTRING(114.2 22.7, 114.3 22.7)", "暴露垃圾",
         "2024-05-03 12:00", None),
        (108, "SRID=3857;POINT(12712756 2595345)", "乱堆乱放", "2024-05-04 08:00", None),
        (109, "SRID=4326;POINT(114.23 22.71)", "占道经营", "2024-05-04 09:00", HOSTILE),
    ]
    with pg.begin() as c:
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        c.exec_driver_sql(f'CREATE TABLE "{schema}".cases (case_id int PRIMARY KEY, '
                          "geom geometry, 问题类型 text, 发现时间 text, reporter text)")
        c.execute(sa.text(f'INSERT INTO "{schema}".cases VALUES (:i, ST_GeomFromEWKT(:g), '
                          ":c, :t, :r)"),
                  [dict(i=i, g=g, c=cat, t=t, r=r) for i, g, cat, t, r in rows])
    return rows


@pytest.mark.postgis
def test_bad_rows_are_rejects_naming_their_key(pg, schema):
    rows = _cases(pg, schema)
    problems, rejects = gz.read_problems(f"{schema}.cases", con=URL, merge=False)
    record = rejects[rejects["kind"] == "record"]
    assert len(problems) + len(record) == len(rows)  # count in = count out
    got = dict(zip(record["key"], record["reason"]))
    assert got == {"case_id=102": "bad_geometry", "case_id=103": "bad_time",
                   "case_id=104": "unmapped_category", "case_id=105": "unmapped_category",
                   "case_id=106": "unmapped_category", "case_id=107": "bad_geometry"}
    assert set(record["file"]) == {f"db:{schema}.cases"}
    assert set(record.loc[record["key"] == "case_id=105", "value"]) == {HOSTILE}
    assert sorted(problems.index) == ["101", "108", "109"]  # the id column is case_id
    # the SRID 3857 point came back to WGS-84, as a point file's would
    assert problems.loc["108"].geometry.x == pytest.approx(114.2, abs=1e-3)
    assert problems.loc["109", "reporter"] == HOSTILE  # data, stored and read as text
    assert scalar(pg, "SELECT count(*) FROM pg_tables WHERE schemaname = :s",
                  s=schema) == 1


@pytest.mark.postgis
def test_a_query_with_lon_lat_columns_reads_like_a_csv(pg, schema, tmp_path):
    _cases(pg, schema)
    query = (f'SELECT case_id AS "编号", ST_X(geom) AS "经度", ST_Y(geom) AS "纬度", '
             f'问题类型, 发现时间 FROM "{schema}".cases WHERE GeometryType(geom) = \'POINT\' '
             "AND ST_SRID(geom) = 4326 AND 问题类型 LIKE '%' ORDER BY case_id")
    from_db, rej_db = gz.read_problems(query, con=pg, merge=False)
    frame = pd.read_sql(query.replace("%", "%%"), URL.replace("postgresql", "postgresql+psycopg"))
    csv = tmp_path / "cases.csv"
    frame.to_csv(csv, index=False)
    from_csv, rej_csv = gz.read_problems(csv, merge=False)
    assert list(from_db.index) == list(from_csv.index) == ["101", "109"]
    pd.testing.assert_series_equal(from_db["found_at"], from_csv["found_at"])
    assert list(rej_db["reason"]) == list(rej_csv["reason"])
    again, _ = gz.read_problems(con=pg, sql=query, merge=False, chunksize=1)
    pd.testing.assert_frame_equal(again, from_db)


@pytest.mark.postgis
def test_injection_strings_in_names_and_categories_are_stored_as_text(pg, schema, month):
    units = month["units"].head(20).copy()
    units["name"] = [HOSTILE, "<script>alert(1)</script>"] + list(units["name"][2:])
    problems = month["problems"].head(20).copy()
    problems["raw_category"] = HOSTILE
    gz.db.write(pg, schema=schema, units=units, problems=problems)
    back = gz.db.read(pg, "units", schema=schema)
    assert back.loc[units.index[0], "name"] == HOSTILE
    assert back.loc[units.index[1], "name"] == "<script>alert(1)</script>"
    read = gz.read_units(f"SELECT * FROM \"{schema}\".units", con=pg)
    assert read.loc[units.index[0], "name"] == HOSTILE
    assert set(gz.db.read(pg, "problems", schema=schema)["raw_category"]) == {HOSTILE}
    assert scalar(pg, "SELECT count(*) FROM pg_tables WHERE schemaname = :s",
                  s=schema) == 2


@pytest.mark.postgis
def test_a_missing_table_names_the_tables_there(pg, schema, month):
    gz.db.write(pg, schema=schema, ratings=month["ratings"].head(5))
    with pytest.raises(InputError) as err:
        gz.read_units(f"{schema}.nosuch", con=pg)
    assert "nosuch" in str(err.value) and "ratings" in str(err.value)


@pytest.mark.postgis
def test_a_wrong_password_is_masked(pg):
    import sqlalchemy as sa

    url = sa.engine.make_url(URL).set(password="Wr0ngPassword")
    text = url.render_as_string(hide_password=False)
    with pytest.raises(InputError) as err:
        gz.read_problems("cases", con=text)
    assert "Wr0ngPassword" not in str(err.value) and "password" in str(err.value)


# ---- a project reading its records from the database and writing its month there -----------

@pytest.mark.postgis
def test_a_project_reads_from_and_writes_to_the_database(pg, schema, tmp_path, monkeypatch):
    import sqlalchemy as sa

    folder = gz.project.init(tmp_path / "sf", district="sf311")
    records = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False)
                         for f in sorted((folder / "problems").glob("*.csv"))],
                        ignore_index=True)
    with pg.begin() as c:
        c.execute(sa.schema.CreateSchema(schema))
    records.to_sql("cases", pg, schema=schema, index=False)
    url = sa.engine.make_url(URL)
    monkeypatch.setenv("PGPASSWORD", url.password or "")  # not in the project file
    bare = sa.engine.URL.create("postgresql", username=url.username, host=url.host,
                                port=url.port, database=url.database).render_as_string()
    toml = folder / "geozz.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('path = "problems/*.csv"',
                                 f'con = "{bare}"\ntable = "{schema}.cases"')
                    + f'\n[database]\nurl = "{bare}"\nschema = "{schema}"\n', encoding="utf-8")
    quick = {"publish.static": False, "publish.rasters": False, "publish.unit_pages": False,
             "reports.workbook": False, "reports.bulletin": False}
    done = gz.project.run(gz.project.load(folder, overrides=quick), period="2015")
    assert done.stages["database"]["ran"]
    ratings = done.tables["ratings"]
    back = gz.db.read(pg, "ratings", schema=schema, period="2015")
    mine = ratings[ratings["period"] == "2015"]
    pd.testing.assert_frame_equal(by_key(back, ["unit_id"]), by_key(mine, ["unit_id"]),
                                  check_dtype=False)
    # the same records read from their files give the same problems
    from_files, _ = gz.read_problems(folder / "problems" / "sf311-2015.csv",
                                     **{k: v for k, v in gz.project.load(folder)
                                        .problems[0].items()
                                        if k in ("tz", "categories")}, merge=False)
    assert set(from_files.index) <= set(done.tables["problems"].index) | set(
        done.tables["problems"]["report_ids"].str.split(",").explode().str.strip())
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        f'url = "{bare}"', f'url = "{URL}"'), encoding="utf-8")
    if url.password:
        with pytest.raises(InputError, match="no password in the project file") as err:
            gz.project.load(folder)
        assert f":{url.password}@" not in str(err.value) and ":***@" in str(err.value)
