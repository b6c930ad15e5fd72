"""Hostile text from an OSM file and a records file, through the whole pipeline.

read_osm → build_units → read_problems → assign → rate → publish, then every published page
opened offline in headless Chromium. The road names (``tests/data/hostile/hostile.osm``), the
area name, the title, the credit, the records file's name, problem ids, raw categories and
free text carry template syntax, script breakers and spreadsheet formulas. Nothing may run,
nothing may be evaluated, every text shows literally, and the published tables are safe to
open in a spreadsheet.
"""

import csv
from pathlib import Path

import pandas as pd
import pytest

import geozz as gz

HOSTILE_OSM = Path(__file__).parent.parent / "data" / "hostile" / "hostile.osm"
FLAG = Path("/tmp/geozz-pwned")  # the popen payload in hostile.osm would create it

TITLE = "{{ 7*7 }}</script><!--<script>标题"
CREDIT = "{% raw %}© <b>OSM</b> contributors"
FORMULA = '=HYPERLINK("http://evil.example","x")'
BAD_CATEGORY = "{% raw %}<script>window.pwned=1</script>"
# lon, lat on road 100 ({{ 7*7 }}, lat 22.681) and road 104 (</script>…, lat 22.685)
ON_ROAD_100 = ("114.2050", "22.6810")
ON_ROAD_104 = ("114.2060", "22.6850")


def write_records(folder: Path) -> Path:
    path = folder / "{{ 7*7 }}<b>records.csv"
    rows = [
        ["problem_id", "问题类型", "发现时间", "经度", "纬度", "问题描述", "上报人", "联系电话"],
        [FORMULA, "暴露垃圾", "2024-05-03 09:00", *ON_ROAD_100, "</script><!--", "张三",
         "13800000000"],
        ["{{ 7*7 }}", "乱堆乱放", "2024-05-04 10:00", *ON_ROAD_104, "{{ 7*7 }}", "李四",
         "13900000000"],
        ["P3", BAD_CATEGORY, "2024-05-05 11:00", *ON_ROAD_100, "x", "王五", "13700000000"],
        ["P4", "乱张贴", "{{ 7*7 }}", *ON_ROAD_104, "x", "赵六", "13600000000"],
        ["+SUM(A1:A9)", "乱张贴", "2024-05-06 12:00", *ON_ROAD_104, "@cmd", "", ""],
    ]
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    FLAG.unlink(missing_ok=True)
    folder = tmp_path_factory.mktemp("e2e")
    area = gz.read_osm(HOSTILE_OSM, name=TITLE)
    units = gz.build_units(area, grid_size=500)
    problems, rejects = gz.read_problems(write_records(folder))
    ledger = gz.assign(problems, units)
    ratings = gz.rate(ledger, units, freq="M")
    out = gz.publish(units, ratings, ledger, folder / "public", title=area.name,
                     credit=CREDIT, rejects=rejects)
    return area, units, problems, rejects, ledger, ratings, out


def test_records_and_rejects_are_exact(published):
    _, units, problems, rejects, ledger, _, _ = published
    assert sorted(problems.index) == sorted([FORMULA, "{{ 7*7 }}", "+SUM(A1:A9)"])
    assert rejects[["row", "reason"]].values.tolist() == [[3, "unmapped_category"],
                                                          [4, "bad_time"]]
    assert rejects["value"].tolist() == [BAD_CATEGORY, "{{ 7*7 }}"]
    roads = units[units["unit_type"] == "road"]
    by_problem = ledger[ledger["unit_type"] == "road"].set_index("problem_id")["unit_id"]
    # road units are named with their stake range, the OSM name kept as written
    assert roads.loc[by_problem[FORMULA], "name"] == "{{ 7*7 }} K0+000–K1+337"
    assert roads.loc[by_problem["{{ 7*7 }}"], "name"] == \
        "</script><script>window.pwned=1</script> K0+000–K1+337"


def test_nothing_ran_and_tables_are_spreadsheet_safe(published):
    *_, out = published
    assert not FLAG.exists()
    tables = {k: pd.read_csv(out[k], dtype=str, encoding="utf-8-sig", keep_default_na=False)
              for k in ("ratings", "ledger", "rejects")}
    assert "'" + FORMULA in set(tables["ledger"]["problem_id"])
    assert "'+SUM(A1:A9)" in set(tables["ledger"]["problem_id"])
    assert "'" + '=HYPERLINK("http://evil.example","x") K0+000–K1+337' in set(
        tables["ratings"]["name"])
    assert set(tables["rejects"]["value"]) == {BAD_CATEGORY, "{{ 7*7 }}"}
    assert set(tables["rejects"]["file"]) == {"{{ 7*7 }}<b>records.csv"}
    for table in tables.values():  # no cell a spreadsheet would run
        cells = table.to_numpy().ravel()
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    folder = out["overview"].parent
    text = "".join(p.read_text(encoding="utf-8-sig") for p in sorted(folder.rglob("*"))
                   if p.is_file())
    for personal in ("张三", "13800000000", "李四", "13900000000", "@cmd"):
        assert personal not in text
    # no template was evaluated: the text is in the tables as written, in the pages as data
    assert "{{ 7*7 }}" in set(tables["ledger"]["problem_id"])
    from geozz._io import script_json

    for key in ("overview", "road", "grid", "river"):
        page = out[key].read_text(encoding="utf-8")
        assert script_json(TITLE)[1:-1] in page and "{{" not in page.split("</style>")[-1]


TOOLTIP_JS = """(name) => {
  const key = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
  const m = window[key];
  let pt = null;
  m.eachLayer(l => { if (!pt && l.feature && l.feature.properties.n.startsWith(name + ' K'))
      pt = m.latLngToContainerPoint(l.getBounds().getCenter()); });
  const r = m.getContainer().getBoundingClientRect();
  return pt && [pt.x + r.left, pt.y + r.top];
}"""


@pytest.mark.parametrize("page_name", ["overview", "road", "river", "grid"])
def test_pages_draw_and_show_text_literally(published, browser, page_name):
    from _browser import COUNT_JS, open_offline

    _, units, *_, out = published
    context, page, errors, requests, dialogs = open_offline(browser, out[page_name])
    got = page.evaluate(COUNT_JS)
    expected = len(units) if page_name == "overview" else \
        int((units["unit_type"] == page_name).sum())
    assert got["shapes"] == expected and got["painted"] > 0
    assert errors == [] and dialogs == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert page.evaluate("() => window.pwned") is None
    legend = page.inner_text("#gz-legend")
    assert TITLE in legend and CREDIT in legend
    assert page.evaluate("() => document.querySelectorAll('#gz-legend script').length") == 0
    if page_name == "road":  # (on the overview the river reaches lie on top of roads)
        for name in ("{{ 7*7 }}", "</script><script>window.pwned=1</script>", "<!--<script>",
                     "{% raw %}"):
            xy = page.evaluate(TOOLTIP_JS, name)
            page.mouse.move(*xy)
            page.wait_for_timeout(150)
            assert name in page.inner_text(".leaflet-tooltip")
    context.close()


def test_rejects_csv_never_publishes_personal_or_free_text(tmp_path):
    """Damaged bytes in the 上报人 (reporter) and 问题描述 (description) columns make
    field rejects whose value is that text: the public rejects.csv keeps where and why."""
    header = "编号,问题类型,发现时间,经度,纬度,问题描述,上报人,联系电话\n".encode()
    good = "P{i},暴露垃圾,2024-05-0{d} 08:00,114.205,22.681,正常描述,王{i},1380000000{i}\n"
    body = b"".join(good.format(i=i, d=1 + i % 5).encode() for i in range(1, 9))
    damaged = ("P9,暴露垃圾,2024-05-02 08:00,114.205,22.681,".encode() + "描述".encode()
               + b"\xff" + ",".encode() + "张".encode() + b"\xfe" + "三,13912345678\n".encode())
    path = tmp_path / "records.csv"
    path.write_bytes(header + body + damaged)
    problems, rejects = gz.read_problems(path, merge=False)  # nine reports of one pile
    assert len(problems) == 9
    damaged_rejects = rejects[rejects["reason"] == "bad_encoding"]
    assert sorted(damaged_rejects["field"]) == ["上报人", "问题描述"]
    assert all("\ufffd" in v for v in damaged_rejects["value"])
    units = gz.build_units(gz.read_osm(HOSTILE_OSM), grid_size=500)
    ledger = gz.assign(problems, units)
    out = gz.publish(units, gz.rate(ledger, units), ledger, tmp_path / "pub", rejects=rejects)
    public = pd.read_csv(out["rejects"], dtype=str, encoding="utf-8-sig",
                         keep_default_na=False)
    assert sorted(public["field"]) == ["上报人", "问题描述"]
    assert public["value"].tolist() == ["", ""]
    folder = out["overview"].parent
    text = "".join(p.read_text(encoding="utf-8-sig") for p in sorted(folder.rglob("*"))
                   if p.is_file())
    # (the pages name the category 乱张贴, so the reporter is looked for as 张\ufffd三)
    assert "张\ufffd" not in text and "张三" not in text and "王1" not in text \
        and "1391234" not in text
