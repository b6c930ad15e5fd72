"""Duplicate reports merged into one problem, and recurrence (回潮) linked."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geozz.errors import InputError, SchemaError
from geozz.problems.repeats import link_recurrence, merge_duplicates

TZ = "Asia/Shanghai"
UTM = 32650  # Shenzhen
X0, Y0 = 800_000.0, 2_510_000.0


def frame(rows):
    """rows: (id, category, east_m, north_m, found_at, rectified_at, status, deadline);
    points given in metres from a base point, returned in WGS-84 like read_problems."""
    index = pd.Index([r[0] for r in rows], name="problem_id")

    def times(k):
        return pd.Series(pd.to_datetime([r[k] for r in rows]), index=index) \
            .astype("datetime64[ns]").dt.tz_localize(TZ)

    return gpd.GeoDataFrame({
        "category": pd.array([r[1] for r in rows], dtype="string"),
        "found_at": times(4), "source": "patrol",
        "status": pd.array([r[6] for r in rows], dtype="string"),
        "deadline": times(7), "rectified_at": times(5),
    }, geometry=[Point(X0 + r[2], Y0 + r[3]) for r in rows], crs=UTM,
        index=index).to_crs(4326)


def report(pid, east, north, found, *, cat="piles", done=None, status="open", deadline=None):
    return (pid, cat, east, north, found, done, status, deadline)


SITES = [
    # one problem reported three times: B 20 m and 3 days after A, C 6 days after B
    # (9 after A: the window runs from the group's latest report) and 30 m from A
    report("A", 0, 0, "2024-05-01 09:00", status=None, deadline="2024-05-02 09:00"),
    report("B", 20, 0, "2024-05-04 10:00", status="rectifying"),
    report("C", 0, 30, "2024-05-10 08:00", done="2024-05-11 10:00", status="verified",
           deadline="2024-05-03 09:00"),
    # 60 m from A, a day later: another problem
    report("D", 0, -60, "2024-05-02 09:00"),
    # 45 m from B but 65 m from A, the group's first report: another problem
    report("E", 65, 0, "2024-05-05 09:00"),
    # same spot as A, other category
    report("F", 0, 0, "2024-05-01 10:00", cat="sewage"),
    # a site reported again after 8 days: two problems
    report("G", 1000, 0, "2024-05-01 09:00"),
    report("H", 1000, 0, "2024-05-09 09:30"),
    # a site rectified before it was reported again: two problems
    report("I", 2000, 0, "2024-05-01 09:00", done="2024-05-02 09:00", status="rectified"),
    report("J", 2000, 10, "2024-05-03 09:00"),
]


def test_three_reports_become_one_problem():
    out = merge_duplicates(frame(SITES))
    assert out.index.tolist() == ["A", "D", "E", "F", "G", "H", "I", "J"]
    assert out["report_count"].tolist() == [3, 1, 1, 1, 1, 1, 1, 1]
    assert out["report_ids"].tolist() == ["A;B;C", "D", "E", "F", "G", "H", "I", "J"]
    assert out["report_count"].dtype == np.int64 and out["report_count"].sum() == len(SITES)
    a = out.loc["A"]
    # A's own deadline kept; its empty status and rectified_at filled from the earliest
    # later report that has them (B's status, C's rectification)
    assert (a["status"], str(a["deadline"]), str(a["rectified_at"])) == \
        ("rectifying", "2024-05-02 09:00:00+08:00", "2024-05-11 10:00:00+08:00")
    assert str(a["found_at"]) == "2024-05-01 09:00:00+08:00"
    assert a.geometry.equals(frame(SITES).geometry["A"])
    assert out.crs == frame(SITES).crs and out["source"].tolist() == ["patrol"] * 8
    assert str(out["rectified_at"].dtype) == "datetime64[ns, Asia/Shanghai]"


def test_order_of_input_rows_does_not_matter():
    shuffled = frame(SITES).iloc[[9, 2, 5, 1, 0, 3, 4, 6, 8, 7]]
    out = merge_duplicates(shuffled)
    assert sorted(out["report_ids"]) == ["A;B;C", "D", "E", "F", "G", "H", "I", "J"]


def test_options_change_the_groups():
    # a window of 9 days keeps H with G; 70 m brings D and E in as well
    out = merge_duplicates(frame(SITES), distance=70, window="9D")
    assert out["report_ids"].tolist() == ["A;D;B;E;C", "F", "G;H", "I", "J"]
    # a 2-day window breaks the chain A -> B (3 days) and B -> C (6 days); B now starts
    # a group, and E (45 m from B, a day later) joins it
    out = merge_duplicates(frame(SITES), window=pd.Timedelta("2D"))
    assert out.loc[["A", "B", "C"], "report_ids"].tolist() == ["A", "B;E", "C"]
    out = merge_duplicates(frame(SITES), window="6D")
    assert out.loc["A", "report_ids"] == "A;B;C"


def test_a_rectified_first_report_does_not_take_later_reports():
    rows = [report("P", 0, 0, "2024-05-01 09:00"), report("Q", 45, 0, "2024-05-01 10:00"),
            report("R", 30, 0, "2024-05-02 09:00")]
    # Q is 45 m from P: it joins P; two groups only when P is rectified before Q
    assert merge_duplicates(frame(rows))["report_ids"].tolist() == ["P;Q;R"]
    rows[0] = report("P", 0, 0, "2024-05-01 09:00", done="2024-05-01 09:30")
    out = merge_duplicates(frame(rows))
    assert out["report_ids"].tolist() == ["P", "Q;R"]


def test_a_report_joins_the_nearest_group_and_a_group_closes_when_rectified():
    rows = [report("X", 0, 0, "2024-05-01 09:00"), report("Y", 80, 0, "2024-05-01 10:00"),
            report("Z", 45, 0, "2024-05-02 09:00")]
    # Z is 45 m from X and 35 m from Y: it joins Y, the nearer
    assert merge_duplicates(frame(rows))["report_ids"].tolist() == ["X", "Y;Z"]
    # a later report of the group rectified before the next one closes the group
    rows = [report("U", 0, 0, "2024-05-01 09:00"),
            report("V", 10, 0, "2024-05-02 09:00", done="2024-05-02 12:00"),
            report("W", 20, 0, "2024-05-03 09:00")]
    out = merge_duplicates(frame(rows))
    assert out["report_ids"].tolist() == ["U;V", "W"]
    assert str(out.loc["U", "rectified_at"]) == "2024-05-02 12:00:00+08:00"


def test_empty_problems():
    out = merge_duplicates(frame(SITES).iloc[:0])
    assert len(out) == 0 and {"report_count", "report_ids"} <= set(out.columns)
    out = link_recurrence(frame(SITES).iloc[:0])
    assert len(out) == 0 and {"recurrence_of", "recurrent"} <= set(out.columns)


def test_bad_options_and_frames():
    with pytest.raises(InputError) as err:
        merge_duplicates(frame(SITES), distance=-5, window="a week")
    assert [i.field for i in err.value.issues] == ["distance", "window"]
    assert "a duration for merge_duplicates() such as '7D'" in str(err.value)
    with pytest.raises(InputError, match="metres as a number"):
        link_recurrence(frame(SITES), distance="50m")
    no_crs = frame(SITES).set_crs(None, allow_override=True)
    with pytest.raises(SchemaError, match="problems with a CRS"):
        merge_duplicates(no_crs)
    bad = frame(SITES)
    bad.loc["B", "category"] = "垃圾"
    with pytest.raises(SchemaError, match="category codes from") as err:
        merge_duplicates(bad)
    assert err.value.issues[0].got == ["垃圾"]
    twice = pd.concat([frame(SITES), frame(SITES).iloc[:1]])
    with pytest.raises(SchemaError, match="unique problem ids"):
        merge_duplicates(twice)
    with pytest.raises(SchemaError, match="a 'rectified_at' column"):
        link_recurrence(frame(SITES).drop(columns="rectified_at"))


RECUR = [
    # rectified on 2 May, found again 10 m away 30 days later: a recurrence
    report("K", 0, 0, "2024-05-01 09:00", done="2024-05-02 09:00", status="verified"),
    report("L", 10, 0, "2024-06-01 09:00"),
    # rectified 1 May, found again 100 days later: outside 90 days
    report("M", 1000, 0, "2024-04-30 09:00", done="2024-05-01 09:00", status="verified"),
    report("N", 1000, 0, "2024-08-09 09:00"),
    # two earlier problems rectified: the latest is named
    report("O", 2000, 0, "2024-03-01 09:00", done="2024-03-02 09:00", status="verified"),
    report("P", 2000, 20, "2024-04-01 09:00", done="2024-04-03 09:00", status="verified"),
    report("Q", 2000, 40, "2024-05-01 09:00"),
    # still open when found again (a duplicate, not a recurrence); other category
    report("R", 3000, 0, "2024-05-01 09:00", done="2024-05-20 09:00", status="rectified"),
    report("S", 3000, 0, "2024-05-10 09:00"),
    report("T", 0, 0, "2024-06-02 09:00", cat="sewage"),
]


def test_recurrence_linked_within_90_days():
    out = link_recurrence(frame(RECUR))
    assert out["recurrence_of"].fillna("-").tolist() == \
        ["-", "K", "-", "-", "-", "O", "P", "-", "-", "-"]
    assert out["recurrent"].tolist() == [False, True, False, False, False, True, True,
                                         False, False, False]
    assert out.index.tolist() == [r[0] for r in RECUR]
    assert list(out.columns[:-2]) == list(frame(RECUR).columns)


def test_recurrence_options():
    out = link_recurrence(frame(RECUR), window="100D", distance=15)
    # N now in the window; Q's neighbours are 20 and 40 m away
    assert out["recurrence_of"].fillna("-").tolist() == \
        ["-", "K", "-", "M", "-", "-", "-", "-", "-", "-"]


def test_merge_boundaries_are_inclusive_by_default():
    """Found at the very instant the first report was rectified, and exactly 7 days after
    the latest report, still join; 50.5 m away, or 7 days and a second later, do not."""
    rows = [
        report("K", 3000, 0, "2024-05-01 09:00:00", done="2024-05-08 09:00:00"),
        report("L", 3000, 10, "2024-05-08 09:00:00"),       # at the rectification instant
        report("M", 3050.5, 0, "2024-05-02 09:00:00"),       # 50.5 m from K
        report("P", 5000, 0, "2024-05-01 09:00:00"),
        report("Q", 5000, 10, "2024-05-08 09:00:00"),       # exactly 7 days after P
        report("R", 5000, 20, "2024-05-15 09:00:01"),       # 7 days and 1 s after Q
    ]
    merged = merge_duplicates(frame(rows))
    assert merged.index.tolist() == ["K", "M", "P", "R"]
    assert merged["report_ids"].tolist() == ["K;L", "M", "P;Q", "R"]


def test_bad_frames_name_the_function():
    bad = frame([report("A", 0, 0, "2024-05-01 09:00")]).set_crs(None, allow_override=True)
    with pytest.raises(SchemaError, match=r"problems with a CRS for merge_duplicates\(\)"):
        merge_duplicates(bad)
    with pytest.raises(SchemaError, match=r"problems with a CRS for link_recurrence\(\)"):
        link_recurrence(bad)


def test_recurrence_in_any_input_order_and_at_the_instant_of_rectification():
    """Rows shuffled give the same links (time order, not row order, decides); a problem
    found at the very instant the earlier one was rectified is no recurrence (rectified
    strictly before); with several candidates the latest earlier problem is named."""
    rows = RECUR + [
        report("U", 5000, 0, "2024-05-01 09:00", done="2024-05-02 09:00"),
        report("V", 5000, 5, "2024-05-02 09:00"),                       # at the instant
        report("W", 6000, 0, "2024-01-01 09:00", done="2024-01-02 09:00"),
        report("X", 6000, 5, "2024-02-01 09:00", done="2024-02-02 09:00"),
        report("Y", 6000, 10, "2024-03-01 09:00", done="2024-03-02 09:00"),
        report("Z", 6000, 15, "2024-03-20 09:00"),                      # W, X, Y before it
    ]
    shuffled = frame(rows).iloc[::-1]
    out = link_recurrence(shuffled)
    assert out.loc["V", "recurrence_of"] is pd.NA
    assert out.loc["Z", "recurrence_of"] == "Y"
    assert out.loc["Y", "recurrence_of"] == "X" and out.loc["X", "recurrence_of"] == "W"
    assert out.loc["Q", "recurrence_of"] == "P" and out.loc["L", "recurrence_of"] == "K"


def test_zero_distance_and_zero_window_are_allowed():
    rows = [report("A", 0, 0, "2024-05-01 09:00"), report("B", 0, 0, "2024-05-01 09:00"),
            report("C", 1, 0, "2024-05-01 09:00")]
    merged = merge_duplicates(frame(rows), distance=0, window=pd.Timedelta(0))
    assert merged["report_ids"].tolist() == ["A;B", "C"]


def test_frames_with_unplaced_points_or_naive_rectification_times_are_refused():
    empty = frame(SITES)
    empty.loc["B", "geometry"] = Point()
    with pytest.raises(SchemaError, match=r"field 'geometry': expected a point for every "
                                          r"problem given to merge_duplicates\(\), got \['B'\]"):
        merge_duplicates(empty)
    naive = frame(SITES)
    naive["rectified_at"] = naive["rectified_at"].dt.tz_localize(None)
    with pytest.raises(SchemaError, match="rectified_at"):
        link_recurrence(naive)


def _reference_groups(rows, distance, span):
    """The documented rule, report by report, with no index: the oracle for merge."""
    order = sorted(range(len(rows)), key=lambda k: (pd.Timestamp(rows[k][4]), k))
    groups = []  # [first, last time, earliest rectification, members]
    for k in order:
        pid, cat, x, y, found, done = rows[k][:6]
        t = pd.Timestamp(found)
        best = None
        for g in groups:
            first = rows[g[0]]
            d = np.hypot(first[2] - x, first[3] - y)
            if first[1] != cat or d > distance or t - g[1] > span or g[2] < t:
                continue
            if best is None or d < best[0]:
                best = (d, g)
        if best is None:
            groups.append([k, t, pd.Timestamp(done) if done else pd.Timestamp.max, [k]])
        else:
            g = best[1]
            g[1] = t
            g[3].append(k)
            if done and pd.Timestamp(done) < g[2]:
                g[2] = pd.Timestamp(done)
    return sorted(";".join(rows[m][0] for m in g[3]) for g in groups)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_merge_agrees_with_the_rule_applied_report_by_report(seed):
    """Random dense reports over two months (time slices, chains, rectified groups)."""
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2024-05-01 08:00")
    for k in range(300):
        found = start + pd.Timedelta(minutes=int(rng.integers(0, 60 * 24 * 60)))
        done = found + pd.Timedelta(hours=int(rng.integers(1, 24 * 20))) \
            if rng.random() < 0.4 else None
        rows.append(report(f"r{k:03d}", float(rng.uniform(0, 300)), float(rng.uniform(0, 300)),
                           str(found), cat=["piles", "sewage", "illegal_ads"][k % 3],
                           done=None if done is None else str(done)))
    got = merge_duplicates(frame(rows), distance=40, window="5D")
    want = _reference_groups(rows, 40, pd.Timedelta("5D"))
    assert sorted(got["report_ids"]) == want
    assert got["report_count"].sum() == len(rows) and (got["report_count"] > 1).sum() > 20


@pytest.mark.parametrize("seed", [3, 4])
def test_recurrence_agrees_with_the_rule_applied_pair_by_pair(seed):
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2024-01-01 08:00")
    for k in range(250):
        found = start + pd.Timedelta(hours=int(rng.integers(0, 24 * 300)))
        done = found + pd.Timedelta(hours=int(rng.integers(1, 24 * 30))) \
            if rng.random() < 0.6 else None
        rows.append(report(f"r{k:03d}", float(rng.uniform(0, 200)), float(rng.uniform(0, 200)),
                           str(found), cat=["piles", "sewage"][k % 2],
                           done=None if done is None else str(done)))
    got = link_recurrence(frame(rows), distance=30, window="40D")
    span = pd.Timedelta("40D")
    key = {r[0]: (pd.Timestamp(r[4]), k) for k, r in enumerate(rows)}
    want = {}
    for j in rows:
        tj = pd.Timestamp(j[4])
        cands = [i for i in rows if i[1] == j[1] and i[5] is not None
                 and key[i[0]] < key[j[0]]
                 and np.hypot(i[2] - j[2], i[3] - j[3]) <= 30
                 and pd.Timestamp(i[5]) < tj and tj - pd.Timestamp(i[5]) <= span]
        want[j[0]] = max(cands, key=lambda i: key[i[0]])[0] if cands else "-"
    assert got["recurrence_of"].fillna("-").to_dict() == want
    assert 10 < got["recurrent"].sum() < len(rows)


def test_recurrence_means_back_after_a_rectification_at_the_same_spot():
    """回潮: the same category at the same spot, found again after the earlier problem was
    rectified, within the window; not a second report while it is open, nor one after a
    rectification that failed its check (reopened)."""
    rows = [
        # rectified on the 2nd, back on the 20th 10 m away: recurrence
        report("A1", 0, 0, "2024-05-01 09:00", done="2024-05-02 09:00", status="verified"),
        report("A2", 10, 0, "2024-05-20 09:00"),
        # still open when reported again 10 days later (not merged: > 7 days): no
        report("B1", 1000, 0, "2024-05-01 09:00"),
        report("B2", 1000, 10, "2024-05-11 09:00"),
        # rectified only after the second report was found: no
        report("C1", 2000, 0, "2024-05-01 09:00", done="2024-05-15 09:00",
               status="rectified"),
        report("C2", 2000, 10, "2024-05-12 09:00"),
        # "rectified" but sent back after a failed check (重新交办): no
        report("D1", 3000, 0, "2024-05-01 09:00", done="2024-05-02 09:00",
               status="reopened"),
        report("D2", 3000, 10, "2024-05-20 09:00"),
        # another category at the same spot, or 60 m away, or 91 days later: no
        report("E1", 4000, 0, "2024-05-01 09:00", done="2024-05-02 09:00",
               status="rectified"),
        report("E2", 4000, 0, "2024-05-20 09:00", cat="sewage"),
        report("E3", 4060, 0, "2024-05-20 09:00"),
        report("E4", 4000, 10, "2024-08-01 10:00"),
    ]
    out = link_recurrence(frame(rows))
    assert out.loc[out["recurrent"]].index.tolist() == ["A2"]
    assert out.loc["A2", "recurrence_of"] == "A1"
