"""geozz rate on the San Francisco 311 sample (by quarter per tract) and the Longgang demo
(by month and by street): what is printed is checked against the files written, and those
against the ledger and units the command was given.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box
from test_cli_problems import SF, sf_category_args

import geozz as gz
from geozz._io import write_csv
from geozz.cli import main
from geozz.cli.rate import read_ledger
from geozz.cli.units import write_units
from geozz.errors import InputError
from geozz.units.admin import apply_admin, read_admin

LA = "America/Los_Angeles"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"unit_id": str, "period": str}, encoding="utf-8-sig")


def _star_lines(text: str) -> dict[str, list[int]]:
    """period -> [5★, 4★, 3★, 2★, 1★, no score] from the printed star distribution."""
    return {m.group(1): [int(v) for v in m.group(2).split()]
            for m in re.finditer(r"^  (\d{4}(?:Q\d|-\d\d)?)\s+((?:\d+\s+){6})[\d.]+$", text,
                                 flags=re.MULTILINE)}


def _worst_lines(text: str) -> list[tuple[str, float]]:
    block = text.split("worst ", 1)[1].split("\n")[1:]
    out = []
    for line in block:
        m = re.match(r"^  (\S+)\s+\w+\s+([\d.]+) ", line)
        if not m:
            break
        out.append((m.group(1), float(m.group(2))))
    return out


def _check_summary(text: str, ratings: pd.DataFrame) -> None:
    """The printed star distribution and worst units are those of the ratings file."""
    printed = _star_lines(text)
    periods = sorted(ratings["period"].unique())
    assert sorted(printed) == periods[-12:]
    for p, counts in printed.items():
        rows = ratings[ratings["period"] == p]
        scored = rows[rows["score"].notna()]
        assert counts == [int((scored["stars"] == k).sum()) for k in range(5, 0, -1)] \
            + [int(rows["score"].isna().sum())]
    last = ratings[(ratings["period"] == periods[-1]) & ratings["score"].notna()]
    worst = last.sort_values(["score", "unit_id"], kind="stable").head(5)
    assert _worst_lines(text) == list(zip(worst["unit_id"], worst["score"]))


# --------------------------------------------------------------------------------------
# San Francisco 311: quarters per census tract


@pytest.fixture(scope="module")
def sf_ledger(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sf")
    saved = folder / "sf.parquet"
    code, text = run("problems", str(SF / "cases_sample.csv.gz"), "-o", str(saved),
                     "--tz", LA, *sf_category_args())
    assert code == 0, text
    ledger = folder / "ledger.csv"
    code, text = run("assign", str(SF / "tracts.geojson"), str(saved), "-o", str(ledger),
                     "--unit-column", "geoid=unit_id", "--unit-type", "grid", "--tz", LA)
    assert code == 0, text
    return ledger


def test_rate_sf311_by_quarter_per_tract(sf_ledger, tmp_path):
    out = tmp_path / "ratings.csv"
    code, text = run("rate", str(sf_ledger), str(SF / "tracts.geojson"), "-o", str(out),
                     "--freq", "Q", "--tz", LA, "--unit-column", "geoid=unit_id",
                     "--unit-type", "grid", "--areas", "nhood")
    assert code == 0, text
    ratings = _read(out)
    ledger = pd.read_csv(sf_ledger, dtype=str, encoding="utf-8-sig")
    found = pd.to_datetime(ledger["found_at"], utc=True).dt.tz_convert(LA) \
        .dt.tz_localize(None).dt.to_period("Q")
    quarters = pd.period_range(found.min(), found.max(), freq="Q").astype(str).tolist()
    # every tract in every quarter from the first problem's to the last one's
    assert sorted(ratings["period"].unique()) == quarters
    assert len(ratings) == 195 * len(quarters)
    assert ratings["unit_id"].str.fullmatch(r"06075\d{6}").all()
    # every problem is found in its tract and quarter
    per = ledger.assign(period=found.astype(str)).groupby(["unit_id", "period"]).size()
    got = ratings.set_index(["unit_id", "period"])["found"]
    assert got[got > 0].sort_index().to_dict() == per.sort_index().to_dict()
    assert ratings["found"].sum() == len(ledger)
    assert f"ratings: {len(ratings)} rows, 195 units x {len(quarters)} periods" in text
    _check_summary(text, ratings)
    # the areas table: one row per neighbourhood and quarter, its counts those of the tracts
    areas = _read(tmp_path / "ratings_areas.csv")
    nhood = gpd.read_file(SF / "tracts.geojson").set_index("geoid")["nhood"]
    assert len(areas) == nhood.nunique() * len(quarters)
    assert (areas.groupby("period")["units"].sum() == 195).all()
    last = areas[areas["period"] == quarters[-1]]
    assert f"areas (nhood) in {quarters[-1]}: {int(last['meets_target'].sum())} of " \
           f"{len(last)} at the target" in text
    tracts = ratings[ratings["period"] == quarters[-1]].assign(
        nhood=lambda r: nhood.reindex(r["unit_id"]).to_numpy())
    mission = tracts[tracts["nhood"] == "Mission"]
    row = last[last["area"] == "Mission"].iloc[0]
    assert row["units"] == len(mission)
    assert row["mean_score"] == pytest.approx(round(mission["score"].mean(), 2))
    assert row["share_3star"] == pytest.approx((mission["stars"] >= 3).mean())


def test_rate_parquet_ledger_keeps_its_zone_and_writes_parquet(sf_ledger, tmp_path):
    ledger = read_ledger(sf_ledger, tz=LA)
    assert str(ledger["found_at"].dt.tz) == LA
    pq = tmp_path / "ledger.parquet"
    ledger.to_parquet(pq, index=False)
    out = tmp_path / "r.parquet"
    code, text = run("rate", str(pq), str(SF / "tracts.geojson"), "-o", str(out),
                     "--freq", "Q", "--unit-column", "geoid=unit_id", "--unit-type", "grid",
                     "--periods", "2015Q3,2015Q4")
    assert code == 0, text
    got = pd.read_parquet(out)
    assert sorted(got["period"].unique()) == ["2015Q3", "2015Q4"]
    units = gz.read_units(SF / "tracts.geojson", columns={"geoid": "unit_id"},
                          unit_type="grid")
    expected = gz.rate(ledger, units, freq="Q", periods=["2015Q3", "2015Q4"])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected,
                                  check_dtype=False)
    assert not (tmp_path / "r_areas.parquet").exists()  # no --areas, no areas table


# --------------------------------------------------------------------------------------
# the Longgang demo: months, by street


def _two_streets() -> gpd.GeoDataFrame:
    """Street 甲 west of x = 213130 (UTM 50N), street 乙 east of it (tests/test_admin.py)."""
    table = gpd.GeoDataFrame(
        {"区县": "龙岗区", "街道": ["甲街道", "乙街道"],
         "统计代码": ["440307001000", "440307002000"]},
        geometry=[box(205_000, 2_505_000, 213_130, 2_518_000),
                  box(213_130, 2_505_000, 220_000, 2_518_000)], crs=32650)
    return read_admin(table, levels={"county": "区县", "street": "街道"}, code="统计代码")


def test_rate_longgang_by_month_and_street(tmp_path):
    units = apply_admin(gz.build_units(gz.datasets.longgang(), grid_size=200),
                        _two_streets())
    units_file = tmp_path / "units.parquet"
    write_units(units, units_file)
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    ledger = gz.assign(problems, units)
    ledger_file = write_csv(tmp_path / "ledger.csv", ledger)
    out = tmp_path / "month.csv"
    code, text = run("rate", str(ledger_file), str(units_file), "-o", str(out),
                     "--areas", "street", "--areas-out", str(tmp_path / "streets.csv"))
    assert code == 0, text
    ratings = _read(out)
    # the same ratings as the API on the ledger in memory
    expected = gz.rate(ledger, units, freq="M")
    assert ratings["unit_id"].tolist() == expected["unit_id"].tolist()
    np.testing.assert_allclose(ratings["score"], expected["score"])
    assert ratings["found"].sum() == ledger["unit_id"].notna().sum()
    _check_summary(text, ratings)
    streets = _read(tmp_path / "streets.csv")
    months = sorted(ratings["period"].unique())
    assert len(streets) == 2 * len(months)
    assert set(streets["area"]) == {"甲街道", "乙街道"}
    assert (streets.groupby("period")["units"].sum() == len(units)).all()
    last = streets[streets["period"] == months[-1]]
    for _, row in last.iterrows():
        assert re.search(rf"^ +{row['rank']} {row['area']} +{row['mean_score']:.2f} ", text,
                         flags=re.MULTILINE)


# --------------------------------------------------------------------------------------
# read_ledger and mistakes


def test_read_ledger_round_trip_undoes_the_formula_quote(tmp_path):
    t = pd.Timestamp("2024-05-03 10:00", tz="Asia/Shanghai")
    ledger = pd.DataFrame({"problem_id": ["=1+1", "-2"], "unit_id": ["A", None],
                           "unit_type": ["grid", None], "distance_m": [0.0, np.nan],
                           "reason": ["inside", "outside_units"], "category": "piles",
                           "found_at": [t, t + pd.Timedelta(days=40)],
                           "deadline": [t + pd.Timedelta(hours=4), pd.NaT],
                           "recurrent": [True, False]})
    path = write_csv(tmp_path / "l.csv", ledger)
    assert "'=1+1" in path.read_text(encoding="utf-8-sig")
    back = read_ledger(path)
    times = ["found_at", "deadline"]
    pd.testing.assert_frame_equal(back.drop(columns=times), ledger.drop(columns=times),
                                  check_dtype=False)
    for col in times:  # the same instants (the resolution may differ)
        assert back[col].tolist() == ledger[col].tolist()
    assert str(back["found_at"].dt.tz) == "Asia/Shanghai"
    assert read_ledger(path, tz="UTC")["found_at"].iloc[0] == t


def test_read_ledger_bad_times_and_files_name_the_fix(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("problem_id,unit_id,unit_type,category,found_at\n"
                   "p1,A,grid,piles,2024-05-03 10:00+08:00\np2,A,grid,piles,soon\n",
                   encoding="utf-8")
    with pytest.raises(InputError, match=r"field 'found_at'.*rows \[2\]: \['soon'\]"):
        read_ledger(bad)
    with pytest.raises(InputError, match="Etc/Nowhere"):
        read_ledger(bad, tz="Etc/Nowhere")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    with pytest.raises(InputError, match="a ledger written by geozz assign"):
        read_ledger(broken)


def test_rate_command_reports_mistakes_without_traceback(sf_ledger, tmp_path):
    tracts = str(SF / "tracts.geojson")
    units = ("--unit-column", "geoid=unit_id", "--unit-type", "grid")
    code, text = run("rate", str(sf_ledger), tracts, "-o", str(tmp_path / "r.xlsx"), *units)
    assert code == 2 and ".csv, .parquet" in text
    code, text = run("rate", str(sf_ledger), tracts, "-o", str(tmp_path / "r.csv"),
                     "--freq", "D", *units)
    assert code == 1 and "field 'freq'" in text and "Traceback" not in text
    code, text = run("rate", str(sf_ledger), tracts, "-o", str(tmp_path / "r.csv"),
                     "--areas", "street", *units)
    assert code == 1 and "admin_street" in text
    assert not (tmp_path / "r.csv").exists()  # nothing written when a stage fails
    code, text = run("rate", str(sf_ledger), tracts, "-o", str(tmp_path / "r.csv"),
                     "--rubric", "defualt", *units)
    assert code == 1 and "defualt" in text
