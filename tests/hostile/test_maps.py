"""Hostile text through every output, and publishing that cannot be hijacked or half-done.

Template payloads ({{ … }}, {% raw %}, {#), script breakers (<!--<script>, </script>),
markup, U+2028 and spreadsheet formulas go through every text field that reaches a page or a
published table: unit name, admin, title, credit, unit-type label, period, problem id and
category, reject values. They must come out as the literal text, never evaluated.
"""

import html
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, box

import geozz as gz
import geozz._io as gio
from geozz._io import MARKER, neutralise_cells, script_json
from geozz.errors import InputError, OutputError

from _browser import COUNT_JS, open_offline

EVAL = "{{ 'gz' ~ 'pwned' }}"  # evaluated by Jinja it would read gzpwned


def payloads(flag: Path) -> dict[str, str]:
    return {
        "jinja": "{{ 7*7 }}",
        "concat": EVAL,
        "popen": "{{ cycler.__init__.__globals__.os.popen('touch " + str(flag)
                 + "').read() }}",
        "raw": "{% raw %}",
        "endraw": "x{% endraw %}y",
        "comment": "{# open",
        "comment_script": "<!--<script>",
        "close_script": "</script><script>window.pwned=1</script>",
        "img": "<img src=x onerror=window.pwned=2>",
        "line_sep": "a\u2028b\u2029c",
        "formula": '=HYPERLINK("http://example.invalid/?q=1","click")',
    }


def hostile_data(name: str, *, admin: str | None = None, period: str = "2024-05",
                 unit_type: str = "grid"):
    """Two grid cells (5★ and 1★), a road (3★) and a river reach (unrated), all named
    ``name``; ratings with a negative score; a ledger and rejects carrying the name."""
    geoms = [box(800000, 2500000, 800200, 2500200), box(800200, 2500000, 800400, 2500200),
             LineString([(800000, 2500300), (800400, 2500300)]).buffer(15),
             LineString([(800000, 2500400), (800400, 2500450)]).buffer(20)]
    ids = ["G-a", "G-b", "R-c", "W-d"]
    units = gpd.GeoDataFrame(
        {"unit_type": [unit_type, unit_type, "road", "river"], "name": name,
         "admin": admin if admin is not None else name, "responsible": ""},
        geometry=geoms, crs=32650, index=pd.Index(ids, name="unit_id"))
    ratings = pd.DataFrame({
        "unit_id": ids[:3], "period": period, "unit_type": [unit_type, unit_type, "road"],
        "name": name, "admin": admin if admin is not None else name,
        "score": [97.0, -3.0, 85.0], "grade": ["优秀", "不达标", "达标"],
        "stars": [5, 1, 3], "rank": [1, 3, 2], "found": [3, 103, 15]})
    ledger = pd.DataFrame({"problem_id": [name, "P2"], "unit_id": ["G-a", None],
                           "unit_type": [unit_type, None],
                           "reason": ["inside", "outside_units"], "category": [name, "piles"],
                           "found_at": pd.to_datetime(["2024-05-03", "2024-05-04"]).tz_localize("Asia/Shanghai"),
                           "reporter": ["张三", "李四"], "phone": ["13800000000", "13900000000"]})
    rejects = pd.DataFrame({"file": ["/home/someone/complaints.csv"] * 2, "row": [4, 9],
                            "reason": ["bad_time", "bad_coordinates"],
                            "field": ["found_at", "phone"], "value": [name, "13700000000"]})
    return units, ratings, ledger, rejects


def as_page_data(text: str) -> str:
    """How ``text`` appears inside the page's data (a JSON string, escaped)."""
    return script_json(text)[1:-1]


# ---- the one data writer -------------------------------------------------------------------

@pytest.mark.parametrize("key", list(payloads(Path("/tmp/x"))))
def test_script_json_is_inert_and_reads_back(key):
    text = payloads(Path("/tmp/x"))[key]
    out = script_json({"n": text, "nested": [{"a": text}]})
    assert json.loads(out) == {"n": text, "nested": [{"a": text}]}
    for bad in ("<", ">", "&", "\u2028", "\u2029", "{{", "{%", "{#"):
        assert bad not in out


# ---- rendering: no template engine ever sees input text ----------------------------------

FIELDS = ["name", "admin", "title", "credit", "period"]


def render_with(field: str, text: str, *, jupyter: bool = False) -> str:
    kwargs, period = {}, "2024-05"
    units, ratings, _, _ = hostile_data("plain name")
    if field in ("name", "admin"):
        units, ratings, _, _ = hostile_data("plain" if field == "admin" else text,
                                            admin=text if field == "admin" else "区")
    elif field in ("title", "credit"):
        kwargs[field] = text
    elif field == "unit_type":
        units, ratings, _, _ = hostile_data("plain", unit_type=text)
        kwargs["unit_types"] = [text]
    elif field == "period":
        units, ratings, _, _ = hostile_data("plain", period=text)
        period = text
    m = gz.star_map(units, ratings, period=period, **kwargs)
    if jupyter:
        srcdoc = re.search(r'srcdoc="([^"]*)"', m._repr_html_()).group(1)
        return html.unescape(srcdoc)
    return m.get_root().render()


@pytest.mark.parametrize("jupyter", [False, True], ids=["save", "jupyter"])
@pytest.mark.parametrize("field", FIELDS)
def test_no_field_reaches_a_template(field, jupyter, tmp_path):
    flag = tmp_path / "executed"
    texts = payloads(flag)
    for key in ("concat", "popen", "raw", "endraw", "comment", "comment_script",
                "close_script"):
        page = render_with(field, texts[key], jupyter=jupyter)
        assert as_page_data(texts[key]) in page, key  # the literal text, escaped as data
        assert "gzpwned" not in page, key
        assert not flag.exists(), key
        assert "window.pwned=1</script>" not in page and "<!--<script>" not in page, key


def test_page_is_never_a_template_even_with_weaker_data_escaping(tmp_path, monkeypatch):
    """The page elements are raw text: even if the data writer let template syntax
    through, nothing would be evaluated (two independent defences)."""
    flag = tmp_path / "executed"
    monkeypatch.setattr(gz.maps.page, "script_json",
                        lambda obj: json.dumps(obj).replace("<", "\\u003c"))
    for text in (EVAL, payloads(flag)["popen"], "{% raw %}"):
        units, ratings, _, _ = hostile_data(text)
        page = gz.star_map(units, ratings, title=text).get_root().render()
        assert json.dumps(text) in page
        assert "gzpwned" not in page and not flag.exists()


# ---- published tables ----------------------------------------------------------------------

def test_published_tables_neutralise_formulas_and_keep_numbers(tmp_path):
    formula = payloads(tmp_path)["formula"]
    units, ratings, ledger, rejects = hostile_data(formula)
    out = gz.publish(units, ratings, ledger, tmp_path / "pub", rejects=rejects,
                     credit=formula, title=formula)
    safe = "'" + formula
    raw = {k: out[k].read_bytes() for k in ("ratings", "ledger", "rejects")}
    assert all(b.startswith(b"\xef\xbb\xbf") for b in raw.values())  # UTF-8 with BOM
    got = {k: pd.read_csv(out[k], dtype=str, encoding="utf-8-sig", keep_default_na=False)
           for k in raw}
    assert got["ratings"]["name"].tolist() == [safe] * 3
    assert got["ratings"]["admin"].tolist() == [safe] * 3
    assert got["ledger"]["problem_id"].tolist() == [safe, "P2"]
    assert got["ledger"]["category"].tolist() == [safe, "piles"]
    assert got["rejects"]["value"].tolist() == [safe, ""]  # personal field: no value
    assert got["rejects"]["file"].tolist() == ["complaints.csv"] * 2  # no local path
    assert list(got["rejects"].columns) == ["file", "row", "reason", "field", "value"]
    # the negative score stays a number
    assert pd.read_csv(out["ratings"])["score"].tolist() == [97.0, -3.0, 85.0]
    assert b"\n" + b"G-b," + formula.encode() not in raw["ratings"]
    text = b"".join(raw.values()).decode("utf-8-sig")
    assert "13800000000" not in text and "张三" not in text and "13700000000" not in text


def test_neutralise_touches_text_cells_only():
    df = pd.DataFrame({"t": ["=1", "+1", "-1", "@x", "\tx", "\rx", "ok", None],
                       "n": [-1.0, 2, 3, 4, 5, 6, 7, 8]})
    out = neutralise_cells(df)
    assert out["t"].tolist()[:7] == ["'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "ok"]
    assert pd.isna(out["t"].iloc[7])
    assert out["n"].tolist() == [-1.0, 2, 3, 4, 5, 6, 7, 8]


def test_publish_with_every_payload_everywhere(tmp_path):
    flag = tmp_path / "executed"
    for key, text in payloads(flag).items():
        units, ratings, ledger, rejects = hostile_data(text, period="2024-05")
        out = gz.publish(units, ratings, ledger, tmp_path / "pub", rejects=rejects,
                         title=text, credit=text)
        for page in ("overview", "grid", "road", "river"):
            body = out[page].read_text(encoding="utf-8")
            assert as_page_data(text) in body, (key, page)
            assert "gzpwned" not in body and body.rstrip().endswith("</html>"), (key, page)
        assert not flag.exists(), key


# ---- in a real browser ----------------------------------------------------------------------

NAME = "</script><script>window.pwned=1</script><!--<script>{{ 7*7 }}{% raw %}\u2028"
ADMIN = "<img src=x onerror=window.pwned=2>"

LAYERS_JS = """() => {
  const key = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
  const map = window[key];
  const out = [];
  map.eachLayer(l => { if (l.feature) out.push({id: l.feature.properties.s,
      fill: l.options.fillColor, name: l.feature.properties.n}); });
  const legend = [...document.querySelectorAll('#gz-legend .gz-n')].map(e => +e.textContent);
  return {layers: out, legend, pwned: window.pwned === undefined ? null : window.pwned,
          control: document.querySelector('.leaflet-control-layers').innerText,
          attribution: document.querySelector('.leaflet-control-attribution').innerText,
          title: document.querySelector('#gz-legend .gz-title').textContent};
}"""


def hover_unit(page, stars: int) -> str:
    key = page.evaluate(COUNT_JS)["key"]
    xy = page.evaluate(f"""() => {{
        const m = window['{key}']; let pt = null;
        m.eachLayer(l => {{ if (l.feature && l.feature.properties.s === {stars})
            pt = m.latLngToContainerPoint(l.getBounds().getCenter()); }});
        const r = m.getContainer().getBoundingClientRect();
        return [pt.x + r.left, pt.y + r.top]; }}""")
    page.mouse.move(*xy)
    page.wait_for_timeout(250)
    return page.inner_text(".leaflet-tooltip")


def test_hostile_page_draws_and_shows_text_literally(browser, tmp_path):
    units, ratings, ledger, rejects = hostile_data(NAME, admin=ADMIN)
    out = gz.publish(units, ratings, ledger, tmp_path / "pub", title=NAME, credit=ADMIN,
                     rejects=rejects)
    context, page, errors, _, dialogs = open_offline(browser, out["overview"])
    got = page.evaluate(COUNT_JS)
    assert got["shapes"] == len(units) == 4 and got["painted"] > 0 and got["legend"]
    state = page.evaluate(LAYERS_JS)
    assert state["pwned"] is None and dialogs == [] and errors == []
    assert page.evaluate("() => document.querySelectorAll('img[src=x]').length") == 0
    assert {x["name"] for x in state["layers"]} == {NAME}
    assert state["title"] == f"{NAME} 星级评价 overview"
    assert ADMIN in state["attribution"]
    assert "网格 Grid" in state["control"] and "河段 River" in state["control"]
    tip = hover_unit(page, 5)
    assert "</script><script>window.pwned=1</script><!--<script>{{ 7*7 }}{% raw %}" in tip
    assert ADMIN in tip and "★★★★★" in tip and "97.0" in tip
    context.close()


@pytest.mark.parametrize("option", [False, True], ids=["column", "unit_types="])
def test_hostile_unit_type_is_refused_before_rendering(option):
    # unit-type labels on the page come from the registry, never from the data: an
    # unknown unit type (here a template) is a contract error, not a layer name
    label = "<b>{{ 7*7 }}</b>"
    if option:
        units, ratings, _, _ = hostile_data("n")
        with pytest.raises(gz.errors.InputError, match="unit_types") as err:
            gz.star_map(units, ratings, unit_types=[label])
    else:
        units, ratings, _, _ = hostile_data("n", unit_type=label)
        with pytest.raises(gz.errors.SchemaError, match="unit_type") as err:
            gz.star_map(units, ratings)
    assert label in str(err.value) and "49" not in str(err.value)


def test_star_colours_and_legend_counts_in_the_browser(browser, tmp_path):
    units, ratings, ledger, _ = hostile_data("n")
    out = gz.publish(units, ratings, ledger, tmp_path / "pub")
    context, page, errors, _, _ = open_offline(browser, out["overview"])
    state = page.evaluate(LAYERS_JS)
    fills = sorted((x["id"], x["fill"]) for x in state["layers"])
    # the design's colours, written out here: 5★ green, 3★ yellow, 1★ red, none grey
    assert fills == [(0, "#bdbdbd"), (1, "#d73027"), (3, "#fee08b"), (5, "#1a9850")]
    # legend rows are 5★ 4★ 3★ 2★ 1★ none; compare with the ratings themselves
    stars = ratings.set_index("unit_id")["stars"].reindex(units.index)
    expected = [int((stars == n).sum()) for n in (5, 4, 3, 2, 1)] + [int(stars.isna().sum())]
    assert state["legend"] == expected == [1, 0, 1, 0, 1, 1]
    assert errors == []
    context.close()


def test_legend_counts_on_the_real_district(browser, tmp_path):
    units = gz.build_units(gz.datasets.longgang())
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    ledger = gz.assign(problems, units)
    ratings = gz.rate(ledger, units)
    f = tmp_path / "m.html"
    gz.star_map(units, ratings, period="2024-05").save(str(f))
    context, page, _, _, _ = open_offline(browser, f)
    state = page.evaluate(LAYERS_JS)
    counts = ratings.loc[ratings["period"] == "2024-05", "stars"].value_counts()
    assert state["legend"][:5] == [int(counts.get(n, 0)) for n in (5, 4, 3, 2, 1)]
    assert sum(state["legend"]) == len(units)
    colour = {5: "#1a9850", 4: "#91cf60", 3: "#fee08b", 2: "#fc8d59", 1: "#d73027"}
    by_stars = {x["id"]: x["fill"] for x in state["layers"]}
    assert by_stars == {n: colour[n] for n in counts.index}
    context.close()


# ---- publishing as a whole ----------------------------------------------------------------

PERIODS = ("2024-05", "2024-06")
FILES = sorted([".geozz-publication", "index.html", "overview.html", "areas.html",
                "stars_grid.html", "stars_road.html", "stars_river.html", "ratings.csv",
                "ledger.csv", "areas.csv", "units", "assets"])


def snapshot(target: Path) -> dict[str, bytes]:
    """Every file of a folder, by its path inside it."""
    return {str(p.relative_to(target)): p.read_bytes() for p in sorted(target.rglob("*"))
            if p.is_file()}


def two_periods():
    units, ratings, ledger, _ = hostile_data("u")
    later = ratings.assign(period="2024-06", score=ratings["score"] - 1)
    return units, pd.concat([ratings, later], ignore_index=True), ledger


def assert_one_publication(target: Path) -> str:
    """The folder is one complete publication; returns its period."""
    assert sorted(p.name for p in target.iterdir()) == FILES
    period = json.loads((target / MARKER).read_text(encoding="utf-8"))["period"]
    other = [p for p in PERIODS if p != period]
    for name in FILES:
        if name.endswith(".html"):
            text = (target / name).read_text(encoding="utf-8")
            assert text.rstrip().endswith("</html>"), name
            assert f"Period: {period}" in text, name
            if name == "index.html":  # the pages of one period (the maps carry them all)
                assert f"Period: {other[0]}" not in text
    units_dir = target / "units"
    ids = pd.read_csv(target / "ratings.csv", dtype=str)["unit_id"].unique()
    assert set(map(gz.maps.page_name, ids)) <= {p.name for p in units_dir.iterdir()}
    assert len(pd.read_csv(target / "ratings.csv")) == 6
    return period


def _slowly(func):
    def slow(*args, **kwargs):
        time.sleep(0.01)
        out = func(*args, **kwargs)
        time.sleep(0.01)
        return out
    return slow


def _publish_forever(units, ratings, ledger, target, exchange, once=False):  # in a child
    if not exchange:
        gio._RENAMEAT2 = None
    # widen every moment between steps on folders (this process only), so that kills
    # land there often: a gap without a complete publication could not hide
    os.rename, shutil.rmtree = _slowly(os.rename), _slowly(shutil.rmtree)
    gio._exchange = _slowly(gio._exchange)
    pub = gz.maps.publication  # and the writes inside the folder being built
    pub.write_text = _slowly(pub.write_text)  # pages and tables
    i = 1
    while True:
        gz.publish(units, ratings, ledger, target, period=PERIODS[i % 2])
        i += 1
        if once:
            return


@pytest.mark.skipif(sys.platform != "linux", reason="fork and SIGKILL")
@pytest.mark.parametrize("exchange,kills", [(True, 24), (False, 12)],
                         ids=["renameat2", "rename-aside"])
def test_killed_publish_leaves_one_complete_publication(tmp_path, exchange, kills):
    units, ratings, ledger = two_periods()
    target = tmp_path / "public"
    ctx = multiprocessing.get_context("fork")
    # a few slowed publishes, however fast or busy the machine: timed in a child as slowed
    probe = ctx.Process(target=_publish_forever,
                        args=(units, ratings, ledger, target, exchange, True))
    start = time.monotonic()
    probe.start()
    probe.join()
    window = 0.1 + 3 * (time.monotonic() - start)
    assert probe.exitcode == 0
    gz.publish(units, ratings, ledger, target, period=PERIODS[0])  # what the kills start from
    rng = random.Random(20240601 + exchange)
    seen, leftovers = set(), 0
    for n in range(1, 5 * kills + 1):  # at least `kills`; more while a kind of moment is missing
        child = ctx.Process(target=_publish_forever,
                            args=(units, ratings, ledger, target, exchange))
        child.start()
        time.sleep(rng.uniform(0.02, window))
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        assert child.exitcode == -signal.SIGKILL  # it was still publishing when killed
        siblings = [p for p in tmp_path.iterdir() if p.name != "public"]
        leftovers += bool(siblings)
        if not exchange and not target.exists():
            # killed between moving the old one aside and the new one in: recoverable
            (aside,) = [p for p in siblings if p.name.startswith(".public.geozz-old-")]
            assert_one_publication(aside)
            gio._recover(target, locked=True)
        assert all(p.name.startswith(".public.geozz-") for p in siblings)
        seen.add(assert_one_publication(target))
        if n >= kills and leftovers > 0 and seen == set(PERIODS):
            break  # on a busy machine a publish may need more than `kills` tries to finish
    assert leftovers > 0  # some kills hit a publish midway
    assert seen == set(PERIODS)  # and publishes completed between kills
    gz.publish(units, ratings, ledger, target, period=PERIODS[1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]  # stale ones removed
    assert assert_one_publication(target) == PERIODS[1]


def published(tmp_path):
    units, ratings, ledger = two_periods()
    target = tmp_path / "public"
    gz.publish(units, ratings, ledger, target, period=PERIODS[0])
    before = snapshot(target)
    return (units, ratings, ledger), target, before


def test_foreign_folder_is_never_replaced(tmp_path):
    units, ratings, ledger = two_periods()
    target = tmp_path / "public"
    target.mkdir()
    (target / "index.html").write_text("someone's site")
    with pytest.raises(OutputError, match="did not make") as err:
        gz.publish(units, ratings, ledger, target)
    assert str(target) in str(err.value) and "Fix:" in str(err.value)
    assert [p.name for p in target.iterdir()] == ["index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_target_is_a_file(tmp_path):
    units, ratings, ledger = two_periods()
    target = tmp_path / "public"
    target.write_text("a file")
    with pytest.raises(OutputError, match="is a file") as err:
        gz.publish(units, ratings, ledger, target)
    assert str(target) in str(err.value)
    assert target.read_text() == "a file"


def test_parent_is_a_file(tmp_path):
    units, ratings, ledger = two_periods()
    (tmp_path / "blocker").write_text("x")
    target = tmp_path / "blocker" / "sub" / "public"
    with pytest.raises(OutputError, match="is a file") as err:
        gz.publish(units, ratings, ledger, target)
    assert str(target) in str(err.value)
    assert (tmp_path / "blocker").read_text() == "x"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes to any folder regardless of its mode")
def test_parent_not_writable_chmod(tmp_path):
    data, target, before = published(tmp_path)
    os.chmod(tmp_path, 0o555)
    try:
        with pytest.raises(OutputError, match="not writable") as err:
            gz.publish(*data, target, period=PERIODS[1])
    finally:
        os.chmod(tmp_path, 0o755)
    assert str(target) in str(err.value)
    assert snapshot(target) == before


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
def test_parent_not_writable_even_for_root():
    units, ratings, ledger = two_periods()
    target = Path("/proc/geozz-publication-test")
    with pytest.raises(OutputError, match="cannot be written") as err:
        gz.publish(units, ratings, ledger, target)
    assert str(target) in str(err.value)


def test_failure_while_writing_keeps_the_old_publication(tmp_path, monkeypatch):
    data, target, before = published(tmp_path)

    real = gz.maps.publication.write_text

    def disk_full(path, text, **kw):
        if Path(path).suffix == ".csv":  # the tables, written after the pages
            raise OSError(28, "No space left on device")
        return real(path, text, **kw)

    monkeypatch.setattr(gz.maps.publication, "write_text", disk_full)
    with pytest.raises(OutputError, match="No space left") as err:
        gz.publish(*data, target, period=PERIODS[1])
    assert str(target) in str(err.value)
    assert snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_a_folder_in_a_files_place_is_replaced_whole(tmp_path):
    data, target, _ = published(tmp_path)
    (target / "overview.html").unlink()
    (target / "overview.html").mkdir()
    (target / "overview.html" / "x").write_text("in the way")
    gz.publish(*data, target, period=PERIODS[1])
    assert (target / "overview.html").is_file()
    assert assert_one_publication(target) == PERIODS[1]


def test_bad_input_changes_nothing(tmp_path):
    data, target, before = published(tmp_path)
    with pytest.raises(InputError, match="period"):
        gz.publish(*data, target, period="1999-01")
    with pytest.raises(InputError, match="extra"):
        gz.publish(*data, target, extra={"../escape.txt": __file__})
    assert snapshot(target) == before


def test_stale_leftovers_are_cleared_by_the_next_publish(tmp_path):
    data, target, _ = published(tmp_path)
    stale_new = tmp_path / ".public.geozz-new-dead1"
    stale_new.mkdir()
    (stale_new / ".tmp-overview.abc.html").write_text("<html>half")
    stale_old = tmp_path / ".public.geozz-old-dead2"
    stale_old.mkdir()
    gz.publish(*data, target, period=PERIODS[1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]
    assert assert_one_publication(target) == PERIODS[1]


def test_rename_aside_recovers_a_folder_left_aside(tmp_path, monkeypatch):
    data, target, before = published(tmp_path)
    aside = tmp_path / ".public.geozz-old-killed"
    os.rename(target, aside)  # as if killed between the two renames
    gio._recover(target, locked=True)
    assert snapshot(target) == before
    monkeypatch.setattr(gio, "_RENAMEAT2", None)
    gz.publish(*data, target, period=PERIODS[1])
    assert assert_one_publication(target) == PERIODS[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]
