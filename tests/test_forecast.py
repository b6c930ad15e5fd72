"""gz.forecast: the measures on hand-made examples, the backtest that never sees the
future, the risk table, the ``geozz forecast`` command and the risk layer of the maps.

The real data is the San Francisco 311 sample by census tract and year (small and fast);
the Longgang demo is run by ``benchmarks/forecast_backtest.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import geozz as gz
from geozz._io import write_csv
from geozz.cli import main
from geozz.errors import InputError, SchemaError
from geozz.forecast import measures

LA = "America/Los_Angeles"


@pytest.fixture(scope="module")
def sf():
    units = gz.datasets.sf311_tracts()
    problems, _ = gz.datasets.sf311_problems()
    ledger = gz.assign(problems, units)
    ledger = ledger[ledger["found_at"] < pd.Timestamp("2016-01-01", tz=LA)]  # whole years
    return units, problems, ledger.reset_index(drop=True)


# ---- measures ------------------------------------------------------------------------

def test_measures_hand_example():
    # 4 equal cells; the forecast ranks A > B > C > D, the problems were 1, 5, 0, 4
    m = measures([4.0, 3.0, 2.0, 1.0], [1, 5, 0, 4], [1.0] * 4, shares=(0.25, 0.5, 1.0))
    assert m["flagged"].tolist() == [1, 2, 4]
    assert m["caught"].tolist() == [1, 6, 10]
    assert m["hit_rate"].tolist() == pytest.approx([0.1, 0.6, 1.0])
    assert m["pai"].tolist() == pytest.approx([0.4, 1.2, 1.0])
    # perfect hindsight flags B (5 of 10 in a quarter: PAI 2), then B and D (9/10: 1.8)
    assert m["pei"].tolist() == pytest.approx([0.2, 1.2 / 1.8, 1.0])


def test_measures_by_size_and_the_crossing_unit():
    # corridors of 3, 1, 1, 5 km: 10 % of 10 km is reached by the first unit flagged
    # (it crosses the line and is flagged whole: 30 % flagged)
    m = measures([9.0, 1.0, 2.0, 0.5], [3, 2, 0, 5], [3.0, 1.0, 1.0, 5.0], shares=[0.1])
    row = m.iloc[0]
    assert (row["flagged"], row["area_share"], row["caught"]) == (1, pytest.approx(0.3), 3)
    assert row["pai"] == pytest.approx(0.3 / 0.3)
    # best by density: B (2 per km, 1 km: 10 % of the length, 20 % of the problems)
    assert row["pei"] == pytest.approx(1.0 / 2.0)


def test_measures_without_problems_are_nan_and_bad_input_is_refused():
    m = measures([1.0, 2.0], [0, 0], [1.0, 1.0], shares=[0.5])
    assert m[["hit_rate", "pai", "pei"]].isna().all(axis=None)
    with pytest.raises(InputError, match="size"):
        measures([1.0], [1], [0.0])
    with pytest.raises(InputError, match="shares"):
        measures([1.0], [1], [1.0], shares=[0])
    with pytest.raises(InputError, match="same length"):
        measures([1.0, 2.0], [1], [1.0])


# ---- backtest -------------------------------------------------------------------------

def test_backtest_columns_and_ranges(sf):
    units, _, ledger = sf
    bt = gz.forecast.backtest(ledger, units, freq="Y", methods=["last", "mean3", "kde"])
    for c in ("method", "period", "layer", "share", "n", "hit_rate", "pai", "pei", "mae",
              "brier"):
        assert c in bt
    assert sorted(bt["period"].unique()) == [str(y) for y in range(2011, 2016)]
    assert set(bt["share"]) == {0.01, 0.05, 0.10}
    assert bt["pei"].between(0, 1 + 1e-9).all()
    assert bt["hit_rate"].between(0, 1).all()
    # n is what the ledger holds in the year
    n15 = (ledger["found_at"].dt.year == 2015).sum()
    assert (bt.loc[bt["period"] == "2015", "n"] == n15).all()
    s = gz.forecast.summary(bt)
    assert set(s["method"]) == {"last", "mean3", "kde"}


def _perturb_future(ledger: pd.DataFrame, cut: pd.Timestamp, units) -> pd.DataFrame:
    """Everything after ``cut`` changed: later problems moved to other units and doubled,
    and rectifications after it moved later (or undone)."""
    rng = np.random.default_rng(1)
    later = ledger["found_at"] >= cut
    moved = ledger[later].copy()
    moved["unit_id"] = rng.choice(units.index.astype(str), len(moved))
    moved["recurrent"] = ~moved["recurrent"].astype(bool)
    extra = moved.assign(problem_id=moved["problem_id"] + "-x")
    early = ledger[~later].copy()
    done_later = (early["rectified_at"] >= cut).to_numpy()
    undone = done_later & (np.arange(len(early)) % 2 == 0)
    early.loc[done_later, "rectified_at"] = early.loc[done_later, "rectified_at"] \
        + pd.Timedelta(days=400)
    early.loc[undone, "rectified_at"] = pd.NaT
    assert undone.sum() > 3
    return pd.concat([early, moved, extra], ignore_index=True)


def test_backtest_never_sees_the_future(sf):
    units, _, ledger = sf
    cut = pd.Timestamp("2014-01-01", tz=LA)
    other = _perturb_future(ledger, cut, units)
    methods = ["last", "mean3", "kde", "glm", "hgb"]
    a = gz.forecast.backtest(ledger, units, freq="Y", methods=methods)
    b = gz.forecast.backtest(other, units, freq="Y", methods=methods)
    # forecasts of 2011-2013 were made from years before 2014: identical
    early = ["2011", "2012", "2013"]
    pd.testing.assert_frame_equal(a[a["period"].isin(early)].reset_index(drop=True),
                                  b[b["period"].isin(early)].reset_index(drop=True))
    # the later ones did change (the test can tell)
    assert not a[a["period"] == "2015"]["caught"].equals(b[b["period"] == "2015"]["caught"])
    # and so does not the risk layer made at the end of 2013
    ra = gz.forecast.risk(ledger, units, freq="Y", origin="2013", method="hgb")
    rb = gz.forecast.risk(other, units, freq="Y", origin="2013", method="hgb")
    pd.testing.assert_frame_equal(ra.drop(columns="geometry"), rb.drop(columns="geometry"))


# ---- risk ----------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["glm", "hgb", "mean3", "last", "kde"])
def test_risk_shape_columns_and_ranges(sf, method):
    units, _, ledger = sf
    r = gz.forecast.risk(ledger, units, freq="Y", method=method)
    assert isinstance(r, gpd.GeoDataFrame) and r.crs == units.crs
    assert r.index.name == "unit_id" and r.index.equals(units.index.astype(str))
    assert list(r.columns) == gz.forecast.RISK_COLUMNS + ["geometry"]
    assert (r["period"] == "2016").all() and (r["method"] == method).all()
    assert r["expected"].ge(0).all() and np.isfinite(r["expected"]).all()
    assert r["p_recur"].between(0, 1).all()
    assert sorted(r["risk_rank"]) == list(range(1, len(r) + 1))
    assert r["flag_share"].between(0, 1 + 1e-9).all()
    top = r.sort_values("risk_rank")
    assert top["density"].is_monotonic_decreasing
    assert (r["reason"].str.len() > 0).all()


def test_risk_reason_names_the_model_factors(sf):
    units, _, ledger = sf
    r = gz.forecast.risk(ledger, units, freq="Y", method="glm")
    top = r.sort_values("risk_rank").iloc[0]
    assert "×" in top["reason"] and "own history" in r["reason"].str.cat()


def test_risk_errors(sf):
    units, _, ledger = sf
    with pytest.raises(InputError, match="freq"):
        gz.forecast.risk(ledger, units, freq="A")
    with pytest.raises(InputError, match="method"):
        gz.forecast.risk(ledger, units, freq="Y", method="prophet")
    with pytest.raises(InputError, match="origin"):
        gz.forecast.risk(ledger, units, freq="Y", origin="1999")
    with pytest.raises(SchemaError, match="link_recurrence"):
        gz.forecast.risk(ledger.drop(columns="recurrent"), units, freq="Y")
    with pytest.raises(InputError, match="min_history"):
        gz.forecast.backtest(ledger, units, freq="Y", min_history=20)


# ---- the command ---------------------------------------------------------------------

def test_cli_forecast_end_to_end(sf, tmp_path: Path):
    units, _, ledger = sf
    small = ledger[ledger["found_at"] >= pd.Timestamp("2011-01-01", tz=LA)]
    write_csv(tmp_path / "ledger.csv", small)
    gz.tables.write("units", units, tmp_path / "units.parquet")
    res = CliRunner().invoke(main, ["forecast", str(tmp_path / "ledger.csv"),
                                    str(tmp_path / "units.parquet"), "--freq", "Y",
                                    "--tz", LA, "--min-history", "2", "--method", "mean3",
                                    "-o", str(tmp_path / "bt.csv"),
                                    "--risk", str(tmp_path / "risk.geojson")])
    assert res.exit_code == 0, res.output
    bt = pd.read_csv(tmp_path / "bt.csv", encoding="utf-8-sig", dtype={"period": str})
    assert sorted(bt["period"].unique()) == ["2013", "2014", "2015"]
    assert set(bt["method"]) == set(gz.forecast.METHODS)
    layer = gpd.read_file(tmp_path / "risk.geojson")
    assert len(layer) == len(units) and layer.crs.to_epsg() == 4326
    assert {"unit_id", "expected", "p_recur", "reason"} <= set(layer.columns)
    assert "risk of 2016 (mean3)" in res.output and "best PAI" in res.output


# ---- maps ----------------------------------------------------------------------------

def _layers(html: str) -> list[str]:
    return [k for k in ("risk", "areas", "problems") if f'"kind": "{k}"' in html
            or f'"kind":"{k}"' in html]


def test_star_map_risk_layer(sf):
    units, _, ledger = sf
    ratings = gz.rate(ledger, units, freq="Y", rubric="annual")
    r = gz.forecast.risk(ledger, units, freq="Y")
    plain = gz.star_map(units, ratings).get_root().render()
    assert "risk" not in _layers(plain)
    units = units.copy()
    top = r.sort_values("risk_rank").index[0]
    units.loc[top, "name"] = "<img src=x onerror=alert(1)>"
    html = gz.star_map(units, ratings, risk=r).get_root().render()
    assert "risk" in _layers(html)
    assert "<img src=x" not in html  # input text stays page data
    assert "Forecast risk 2016" in html
    with pytest.raises(InputError, match="risk"):
        gz.star_map(units, ratings, risk=r.drop(columns="p_recur"))


def test_publish_risk_on_overview_and_unit_pages(sf, tmp_path: Path):
    units, _, ledger = sf
    ratings = gz.rate(ledger, units, freq="Y", rubric="annual")
    r = gz.forecast.risk(ledger, units, freq="Y")
    out = gz.publish(units, ratings, ledger, tmp_path / "pub", risk=r)
    overview = Path(out["overview"]).read_text(encoding="utf-8")
    assert "risk" in _layers(overview)
    top = r.sort_values("risk_rank").index[0]
    page = [p for p in Path(out["units"]).glob("*.html") if top in p.name][0]
    text = page.read_text(encoding="utf-8")
    assert "预测原因 Why" in text and "Forecast 2016" in text
    plain = gz.publish(units, ratings, ledger, tmp_path / "plain")
    assert "risk" not in _layers(Path(plain["overview"]).read_text(encoding="utf-8"))
    json.dumps(list(out))  # the keys are plain names


def test_the_risk_file_of_geozz_forecast_reaches_geozz_publish(sf, tmp_path: Path):
    """The risk layer has one home (geozz.tables.risk): geozz forecast writes it, geozz
    publish --risk reads it back and shows it."""
    units, _, ledger = sf
    r = gz.forecast.risk(ledger, units, freq="Y", method="mean3")
    for name in ("risk.geojson", "risk.parquet"):
        back = gz.tables.risk.read(gz.tables.risk.write(r, tmp_path / name))
        assert back.index.equals(r.index) and list(back.index[:1]) == list(r.index[:1])
        assert np.allclose(back["expected"], r["expected"])
    with pytest.raises(InputError, match="risk.csv"):
        gz.tables.risk.write(r, tmp_path / "risk.csv")
    write_csv(tmp_path / "ledger.csv", ledger)
    gz.tables.write("units", units, tmp_path / "units.parquet")
    res = CliRunner().invoke(main, ["publish", str(tmp_path / "units.parquet"),
                                    str(tmp_path / "ledger.csv"), "--freq", "Y",
                                    "--rubric", "annual", "--tz", LA,
                                    "--risk", str(tmp_path / "risk.geojson"),
                                    "-o", str(tmp_path / "pub")])
    assert res.exit_code == 0, res.output
    assert "risk" in _layers((tmp_path / "pub" / "overview.html").read_text(encoding="utf-8"))


def test_a_project_with_forecast_publishes_the_risk_layer(tmp_path: Path):
    from geozz import project

    folder = project.init(tmp_path / "sf", district="sf311")
    light = {"publish.unit_pages": "false", "publish.static": "false",
             "publish.rasters": "false", "reports.workbook": "false",
             "reports.bulletin": "false"}
    done = project.run(project.load(folder, overrides={**light, "publish.forecast": "true"}),
                       period="2015")
    assert "risk" in _layers((done.outputs["public"] / "overview.html")
                             .read_text(encoding="utf-8"))
    plain = project.run(project.load(folder, overrides=light), period="2015")
    assert "risk" not in _layers((plain.outputs["public"] / "overview.html")
                                 .read_text(encoding="utf-8"))
