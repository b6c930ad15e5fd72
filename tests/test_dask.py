"""The dask engine: the same ledger and the same ratings as one process, row for row;
partitioned datasets; the memory check; a scheduler started in another process.

Small inputs (Longgang: grid cells, overlapping road corridors, river reaches, 28 k
problems with repeats merged and recurrences over 2024) plus points placed on cell
borders and corners, in no unit and without a location. The in-process cluster has two
workers (threads); one test starts ``dask scheduler`` and ``dask worker`` processes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

pytest.importorskip("dask_geopandas")
distributed = pytest.importorskip("distributed")

import geozz as gz  # noqa: E402
from geozz.errors import InputError, SchemaError  # noqa: E402
from geozz.tables import ledger as ledger_table  # noqa: E402
from geozz.tables import problems as problems_table  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Sending large graph:UserWarning")


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with distributed.Client(processes=False, n_workers=2, threads_per_worker=1,
                                dashboard_address=None) as c:
            yield c


@pytest.fixture(scope="module")
def units(longgang):
    """Longgang's units, the road corridors widened to overlap (as an office's own corridors
    may: geozz's own split their overlaps), so points lie in several corridors."""
    units = gz.build_units(longgang, grid_size=200)
    roads = units["unit_type"] == "road"
    wide = gpd.GeoSeries(units.loc[roads, "centerline"], crs=units.crs).buffer(40, cap_style="flat")
    units.loc[roads, "geometry"] = wide.to_numpy()
    return units


@pytest.fixture(scope="module")
def problems(units):
    """Longgang's problems in the units' CRS, and the hard cases added: points on shared
    borders and corners of cells, points far from every unit, points without a location."""
    base, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    base = base.to_crs(units.crs)
    cells = units[units["unit_type"] == "grid"]
    b = cells.geometry.bounds
    rng = np.random.default_rng(7)
    pick = rng.choice(len(cells), 120, replace=False)
    xy = np.r_[np.c_[b["minx"].to_numpy()[pick], b["miny"].to_numpy()[pick]],  # corners
               np.c_[b["minx"].to_numpy()[pick],  # west borders
                     (b["miny"].to_numpy()[pick] + b["maxy"].to_numpy()[pick]) / 2],
               np.c_[(b["minx"].to_numpy()[pick] + b["maxx"].to_numpy()[pick]) / 2,
                     b["maxy"].to_numpy()[pick]]]  # north borders
    x0, y0, x1, y1 = units.total_bounds
    far = np.c_[np.full(20, x1 + 5000.0), np.linspace(y0, y1, 20)]
    xy = np.r_[xy, far]
    donor = base.iloc[rng.integers(0, len(base), len(xy) + 10)]
    geoms = list(shapely.points(xy)) + [None] * 10
    extra = donor.copy()
    extra.index = pd.Index([f"X{k:04d}" for k in range(len(extra))], name="problem_id",
                           dtype=base.index.dtype)
    extra = extra.set_geometry(gpd.GeoSeries(geoms, index=extra.index, crs=units.crs))
    return pd.concat([base, extra])


@pytest.fixture(scope="module")
def single(problems, units):
    ledger = gz.assign(problems, units)
    return ledger, gz.rate(ledger, units)


def test_the_inputs_hold_the_hard_cases(single):
    ledger, ratings = single
    reasons = set(ledger["reason"])
    assert {"inside", "shared_border", "nearest_centerline", "outside_units",
            "no_location"} <= reasons
    assert ledger["recurrent"].any() and (ledger["report_count"] > 1).any()
    assert ratings["recurrence"].gt(0).any()  # categories found again month after month


def test_assign_on_dask_is_the_same_ledger_row_for_row(problems, units, single, client):
    mixed = problems.sample(frac=1, random_state=3)  # partitions not in id order
    got = gz.assign(mixed, units, engine="dask", scheduler=client, partition_rows=3000)
    pd.testing.assert_frame_equal(got, single[0])


def test_assign_is_the_same_whatever_the_partitioning(problems, units, single, client,
                                                      tmp_path):
    import dask_geopandas

    spatial = dask_geopandas.from_geopandas(problems[problems.geometry.notna()].reset_index(),
                                            npartitions=4)
    spatial = spatial.spatial_shuffle(npartitions=5)  # neighbours together, ids mixed
    got = gz.assign(spatial, units, engine="dask", scheduler=client)
    want = gz.assign(problems[problems.geometry.notna()], units)
    pd.testing.assert_frame_equal(got, want)
    # by period: a dataset written by month, read by the workers, ledger written by them
    folder = problems_table.write_partitioned(problems, tmp_path / "problems")
    out = gz.assign(str(folder), str(_units_file(units, tmp_path)), engine="dask",
                    scheduler=client, out=tmp_path / "ledger")
    assert out == tmp_path / "ledger"
    assert len(list(out.glob("period=*"))) == 12
    pd.testing.assert_frame_equal(ledger_table.read_partitioned(out), single[0])


def _units_file(units, tmp_path):
    from geozz.tables.units import write_units

    return write_units(units, tmp_path / "units.parquet")


@pytest.mark.parametrize("freq", ["M", "Q"])
def test_rate_on_dask_gives_the_same_ratings_row_for_row(single, units, client, freq,
                                                         monkeypatch):
    import geozz.rating.on_dask as on_dask

    monkeypatch.setattr(on_dask, "UNITS_PER_GROUP", 50)  # 9 groups of units
    ledger, _ = single
    want = gz.rate(ledger, units, freq=freq)
    lazy = ledger_table.in_order(ledger.sample(frac=1, random_state=1))  # any order
    import dask.dataframe as dd

    parts = dd.from_pandas(ledger.sample(frac=1, random_state=2), npartitions=7)
    for given in (ledger, parts, lazy):
        got = gz.rate(given, units, freq=freq, engine="dask", scheduler=client)
        pd.testing.assert_frame_equal(got, want)


def test_rate_on_dask_splits_units_into_groups_and_keeps_every_option(single, units,
                                                                      client):
    from geozz.rating.on_dask import rate_dask

    ledger, _ = single
    some = units.index[units["unit_type"] == "road"][:3]
    adj = pd.DataFrame({"unit_id": list(some), "period": "2024-05", "points": [2.0, -3, 1],
                        "reason": ["a", "b", "c"]})
    kw = dict(periods=["2024-05", "2024-06"], as_of="2024-06-20", adjustments=adj, lists=3)
    want = gz.rate(ledger, units, **kw)
    got = rate_dask(ledger, units, scheduler=client, units_per_group=37, **kw)
    pd.testing.assert_frame_equal(got, want)


def test_rate_from_a_ledger_dataset(single, units, client, tmp_path):
    ledger, ratings = single
    folder = ledger_table.write_partitioned(ledger, tmp_path / "ledger")
    got = gz.rate(folder, units, engine="dask", scheduler=client)
    pd.testing.assert_frame_equal(got, ratings)
    pd.testing.assert_frame_equal(gz.rate(folder, units), ratings)  # one process, whole


def test_dask_engine_raises_what_one_process_raises(single, units, client):
    ledger, _ = single
    bad = ledger.copy()
    bad.loc[bad["unit_type"] == "grid", "unit_id"] = bad["unit_id"].where(
        bad["unit_id"] != bad["unit_id"].dropna().iloc[0], "G200-NOWHERE")
    with pytest.raises(InputError) as one:
        gz.rate(bad, units, periods=["2030-01"])
    with pytest.raises(InputError) as many:
        gz.rate(bad, units, periods=["2030-01"], engine="dask", scheduler=client)
    assert str(many.value) == str(one.value)
    naive = ledger.assign(found_at=ledger["found_at"].dt.tz_localize(None))
    with pytest.raises(SchemaError, match="tz-aware"):
        gz.rate(naive, units, engine="dask", scheduler=client)
    with pytest.raises(InputError, match="engine"):
        gz.rate(ledger, units, engine="spark")
    with pytest.raises(InputError, match='engine="dask"'):
        gz.assign(ledger, units, out="somewhere")


# ---- partitioned datasets -----------------------------------------------------------

def test_problems_dataset_round_trip_and_period_pushdown(problems, tmp_path, monkeypatch):
    located = problems[problems.geometry.notna()].to_crs(4326)
    folder = problems_table.write_partitioned(located, tmp_path / "p")
    names = sorted(p.name for p in folder.iterdir() if p.is_dir())
    assert names == [f"period=2024-{m:02d}" for m in range(1, 13)]
    back = problems_table.read_partitioned(folder)
    kept = located.drop(columns=[c for c in (*problems_table.PERSONAL_FIELDS,
                                             *problems_table.INTERNAL_FIELDS)
                                 if c in located.columns])
    assert set(located.columns) - set(back.columns) == {"reporter", "phone", "address",
                                                        "agency", "media_url", "photo"} \
        & set(located.columns)
    pd.testing.assert_frame_equal(back.sort_index(), kept.sort_index())
    opened = []
    real = problems_table._from_file
    monkeypatch.setattr(problems_table, "_from_file",
                        lambda p, filters=None: opened.append(Path(p).parent.name) or
                        real(p, filters))
    may = problems_table.read_partitioned(folder, periods=["2024-05"])
    assert set(opened) == {"period=2024-05"}
    assert set(may["found_at"].dt.month) == {5}
    lazy = problems_table.read_lazy(folder, periods=["2024-05", "2024-06"])
    assert lazy.npartitions == 2 and len(lazy) == len(
        located[located["found_at"].dt.month.isin([5, 6])])


def test_a_dataset_of_another_kind_or_a_missing_period_is_refused(single, tmp_path):
    folder = ledger_table.write_partitioned(single[0], tmp_path / "ledger")
    with pytest.raises(InputError, match="a problems dataset"):
        problems_table.read_partitioned(folder)
    with pytest.raises(InputError, match="2031-01"):
        ledger_table.read_partitioned(folder, periods=["2031-01"])
    with pytest.raises(InputError, match="partitioned"):
        ledger_table.read_partitioned(tmp_path)


def test_a_dask_frame_is_written_by_partition(problems, tmp_path, client):
    import dask_geopandas

    located = problems[problems.geometry.notna()]
    lazy = dask_geopandas.from_geopandas(located, npartitions=3)
    folder = problems_table.write_partitioned(lazy, tmp_path / "p")
    parts = sorted(p.name for p in (folder / "period=2024-05").iterdir())
    assert parts[0].startswith("part-") and len(parts) >= 2
    assert len(problems_table.read_partitioned(folder)) == len(located)


# ---- memory ------------------------------------------------------------------------

def test_one_process_refuses_up_front_what_will_not_fit(single, units, problems, tmp_path,
                                                        monkeypatch):
    import geozz._memory as memory

    ledger, ratings = single
    folder = problems_table.write_partitioned(problems[problems.geometry.notna()],
                                              tmp_path / "p")
    monkeypatch.setattr(memory, "available_bytes", lambda: 1_000_000)  # a 1 MB machine
    for call in (lambda: gz.assign(problems, units),
                 lambda: gz.rate(ledger, units),
                 lambda: problems_table.read_partitioned(folder),
                 lambda: gz.assign(folder, units)):
        with pytest.raises(InputError) as exc:
            call()
        assert 'engine="dask"' in str(exc.value) and exc.value.issues[0].field == "engine"
    pd.testing.assert_frame_equal(gz.rate(ledger, units, check_memory=False), ratings)


# ---- a scheduler in another process ----------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_scheduler_started_in_another_process(problems, units, single, tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(Path(gz.__file__).parents[1]), env.get("PYTHONPATH")) if p)
    log = open(tmp_path / "cluster.log", "w")
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                               "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0"],
                              env=env, stdout=log, stderr=subprocess.STDOUT)]
    try:
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers",
             "2", "--nthreads", "1", "--no-dashboard", "--memory-limit", "2GiB"],
            env=env, stdout=log, stderr=subprocess.STDOUT))
        with distributed.Client(address, timeout="60s") as c:
            c.wait_for_workers(2, timeout=120)
            pids = c.run(os.getpid)
            assert os.getpid() not in pids.values()  # the work runs elsewhere
        folder = problems_table.write_partitioned(problems, tmp_path / "problems")
        out = gz.assign(str(folder), units, engine="dask", scheduler=address,
                        out=tmp_path / "ledger")
        pd.testing.assert_frame_equal(ledger_table.read_partitioned(out), single[0])
        got = gz.rate(str(out), units, engine="dask", scheduler=address)
        pd.testing.assert_frame_equal(got, single[1])
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()


def test_no_scheduler_at_the_address_is_an_input_error(single, units):
    port = _free_port()
    t = time.perf_counter()
    with pytest.raises(InputError, match="scheduler"):
        gz.rate(single[0], units, engine="dask", scheduler=f"tcp://127.0.0.1:{port}")
    assert time.perf_counter() - t < 60


def test_geozz_run_takes_engine_and_scheduler(monkeypatch, tmp_path):
    from click.testing import CliRunner

    import geozz.project as project
    from geozz.cli import main
    from geozz.errors import GeozzError

    seen = {}
    monkeypatch.setattr(project, "load", lambda path, overrides=None: object())

    def fake_run(proj, **kw):
        seen.update(kw)
        raise GeozzError("stop here")

    monkeypatch.setattr(project, "run", fake_run)
    out = CliRunner().invoke(main, ["run", "--engine", "dask", "--scheduler",
                                    "tcp://127.0.0.1:8786", "--project", str(tmp_path)])
    assert "stop here" in out.output
    assert seen["engine"] == "dask" and seen["scheduler"] == "tcp://127.0.0.1:8786"
    out = CliRunner().invoke(main, ["run", "--scheduler", "tcp://x:1",
                                    "--project", str(tmp_path)])
    assert out.exit_code != 0 and "--engine dask" in out.output


def test_read_problems_opens_a_dataset_lazily_or_by_period(problems, tmp_path, monkeypatch):
    """gz.read_problems of a partitioned dataset: only the periods asked for, or a lazy
    frame (nothing read), and a refusal up front naming the way out when it will not fit."""
    import geozz._memory as memory
    from geozz.tables import problems as table

    folder = table.write_partitioned(problems, tmp_path / "problems", freq="M")
    may, rejects = gz.read_problems(folder, periods="2024-05")
    assert len(rejects) == 0 and len(may) > 0
    months = may["found_at"].dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m")
    assert set(months) == {"2024-05"}
    lazy, _ = gz.read_problems(folder, lazy=True)
    assert hasattr(lazy, "npartitions") and lazy.npartitions >= 12
    assert int(lazy.map_partitions(len).sum().compute()) == len(problems)
    monkeypatch.setattr(memory, "available_bytes", lambda: 1_000_000)  # a 1 MB machine
    with pytest.raises(gz.errors.InputError, match='engine="dask"'):
        gz.read_problems(folder)
    lazy, _ = gz.read_problems(folder, lazy=True)  # nothing read: nothing refused
