"""geozz.reports on the bundled Longgang district: the workbook (台账) read back with openpyxl,
the bulletin (通报) with python-docx and its PDF with pypdf, and ``geozz report``.

Every count is checked against the ratings and the ledger it came from (count in = count
out); hostile unit names must stay text; personal data appear only in an internal workbook.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import geozz as gz
from geozz._io import write_csv
from geozz.cli import main
from geozz.cli.units import write_units
from geozz.errors import InputError, OutputError
from geozz.maps.star import STAR_COLOURS
from geozz.reports._content import display_width

bulletin_module = importlib.import_module("geozz.reports.bulletin")

PERIOD = "2024-05"
HYPERLINK = '=HYPERLINK("http://x","y")'
CMD = "+cmd|' /C calc'!A0"
AT = "@SUM(1+1)"
TEMPLATE = "{{ 7*7 }} <script>x</script>"
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
SHEETS = ["汇总 Summary", "网格 Grid", "路段 Road", "河段 River", "问题 Problems",
          "退回 Rejects", "红榜 Red list", "黑榜 Black list"]
TABLES = SHEETS[1:]
TYPE_SHEETS = {"grid": "网格 Grid", "road": "路段 Road", "river": "河段 River"}


def require_soffice():
    """Skip (or fail on CI) when LibreOffice, which converts the bulletin to PDF, is missing."""
    if shutil.which("soffice") or shutil.which("libreoffice"):
        return
    if os.environ.get("CI"):
        pytest.fail("soffice is not installed: the README test command must install "
                    "libreoffice-writer-nogui")
    pytest.skip("LibreOffice not installed (apt-get install libreoffice-writer-nogui)")


@pytest.fixture(scope="module")
def rated():
    units = gz.build_units(gz.datasets.longgang(), admin=gz.datasets.zones("longgang"))
    grid = units.index[units["unit_type"] == "grid"]
    units.loc[grid[0], "name"] = HYPERLINK
    units.loc[grid[1], "name"] = CMD
    units.loc[grid[2], "responsible"] = AT
    units.loc[grid[3], "name"] = TEMPLATE
    problems, rejects = gz.read_problems(gz.datasets.problems_path("longgang"))
    ledger = gz.assign(problems, units)
    ratings = gz.rate(ledger, units, freq="M")
    return units, problems, rejects, ledger, ratings


@pytest.fixture(scope="module")
def books(rated, tmp_path_factory):
    units, problems, rejects, ledger, ratings = rated
    d = tmp_path_factory.mktemp("books")
    public = gz.reports.workbook(units, ratings, ledger, d, period=PERIOD, rejects=rejects,
                                 problems=problems)
    internal = gz.reports.workbook(units, ratings, ledger, d / "internal.xlsx",
                                   period=PERIOD, rejects=rejects, problems=problems,
                                   internal=True)
    return public, internal


@pytest.fixture(scope="module")
def loaded(books):
    """The two workbooks read back once (openpyxl takes a while on the problems sheet)."""
    return openpyxl.load_workbook(books[0]), openpyxl.load_workbook(books[1])


def values(wb) -> list:
    return [v for ws in wb for row in ws.iter_rows(values_only=True) for v in row
            if v is not None]


@pytest.fixture(scope="module")
def now(rated):
    ratings = rated[4]
    return ratings[ratings["period"] == PERIOD]


def rows_of(ws) -> list[tuple]:
    return [r for r in ws.iter_rows(min_row=2, values_only=True)]


def header(ws) -> list[str]:
    return list(next(ws.iter_rows(min_row=1, max_row=1, values_only=True)))


def column(ws, english: str) -> int:
    """0-based position of the column whose header's English line is ``english``."""
    return [h.split("\n")[1] for h in header(ws)].index(english)


def xml_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8") for n in z.namelist()
                         if n.endswith(".xml"))


# ---- the workbook -------------------------------------------------------------------------

def test_workbook_sheets_headers_frozen_filters(books, loaded):
    public, _ = books
    assert public.name == f"workbook-{PERIOD}.xlsx"
    wb = loaded[0]
    assert wb.sheetnames == SHEETS
    for name in TABLES:
        ws = wb[name]
        heads = header(ws)
        assert heads and all(isinstance(h, str) and "\n" in h for h in heads), name
        for h in heads:
            zh, en = h.split("\n")
            assert re.search(r"[\u4e00-\u9fff]", zh) and re.fullmatch(r"[ -~★]+", en), h
        assert ws.freeze_panes is not None and ws.freeze_panes[-1] == "2", name  # row 1 frozen
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), name
        last = ws.auto_filter.ref.split(":")[1]
        assert re.sub(r"\d", "", last) == openpyxl.utils.get_column_letter(len(heads))
        assert int(re.sub(r"\D", "", last)) == max(ws.max_row, 2)
    assert wb["汇总 Summary"].freeze_panes == "A2"


def test_workbook_unit_sheets_equal_the_ratings(books, now, loaded):
    wb = loaded[0]
    for unit_type, name in TYPE_SHEETS.items():
        ws = wb[name]
        want = now[now["unit_type"] == unit_type].set_index("unit_id")
        got = rows_of(ws)
        assert len(got) == len(want) > 0
        ids = [r[column(ws, "Unit id")] for r in got]
        assert sorted(ids) == sorted(want.index)
        for r in got:
            w = want.loc[r[column(ws, "Unit id")]]
            assert r[column(ws, "Score")] == pytest.approx(float(w["score"]))
            assert r[column(ws, "Stars")] == int(w["stars"])
            assert r[column(ws, "Rank")] == int(w["rank"])
            assert r[column(ws, "Grade")] == w["grade"]
            assert r[column(ws, "Ded. exposed garbage")] == pytest.approx(
                float(w["ded_exposed_garbage"]))
            assert r[column(ws, "Deductions")] == pytest.approx(float(w["deduction"]))
            if pd.isna(w["score_delta"]):
                assert r[column(ws, "Score change")] is None
            else:
                assert r[column(ws, "Score change")] == pytest.approx(float(w["score_delta"]))
    # number formats
    ws = wb["网格 Grid"]
    assert ws.cell(2, column(ws, "Score") + 1).number_format == "0.00"


def test_workbook_star_changes_against_the_previous_period(rated, books, loaded):
    ratings = rated[4]
    before = ratings[ratings["period"] == "2024-04"].set_index("unit_id")["stars"]
    after = ratings[ratings["period"] == PERIOD].set_index("unit_id")["stars"]
    ws = loaded[0]["路段 Road"]
    seen = 0
    for r in rows_of(ws):
        uid = r[column(ws, "Unit id")]
        assert r[column(ws, "Stars change")] == int(after[uid]) - int(before[uid])
        seen += r[column(ws, "Stars change")] != 0
    assert seen > 0  # the month has units that moved


def test_workbook_summary_counts_and_target(books, now, loaded):
    ws = loaded[0]["汇总 Summary"]
    cells = {r[0]: r[1:] for r in ws.iter_rows(values_only=True) if r[0] is not None}
    counts = now["stars"].value_counts()
    for k, label in ((5, "五星 5★"), (4, "四星 4★"), (3, "三星 3★"), (2, "二星 2★"),
                     (1, "一星 1★")):
        total, *per_type = cells[label][:4]
        assert total == int(counts.get(k, 0))
        for t, n in zip(("grid", "road", "river"), per_type):
            assert n == int(((now["unit_type"] == t) & (now["stars"] == k)).sum())
    assert cells["合计 Total"][0] == len(now)
    good = int((now["stars"] >= 3).sum())
    assert cells["三星及以上 Units at 3★ or better"][0] == good
    assert cells["占比 Share at 3★+"][0] == pytest.approx(good / len(now))
    assert cells["目标 Target"][0] == pytest.approx(0.8)
    assert cells["是否达标 Target met"][0] == ("达标 met" if good >= 0.8 * len(now)
                                            else "未达标 not met")


def test_workbook_areas_ranked(rated, books, loaded):
    units, _, _, _, ratings = rated
    table = gz.rating.areas(ratings, units, level="street")
    table = table[table["period"] == PERIOD]
    ws = loaded[0]["汇总 Summary"]
    rows = list(ws.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r[0] == "名次\nRank")
    shown = [r for r in rows[at + 1:] if r[0] is not None]
    assert [(r[0], r[1], r[2]) for r in shown] == list(
        zip(table["rank"].astype(int), table["area"], table["units"].astype(int)))
    assert "未达标 not met" in {r[-1] for r in shown} or table["meets_target"].all()
    assert sum(r[2] for r in shown) == int((ratings["period"] == PERIOD).sum())


def test_workbook_problems_are_the_ledger_rows_of_the_period(rated, books, loaded):
    _, _, _, ledger, _ = rated
    start = pd.Timestamp("2024-05-01", tz="Asia/Shanghai")
    end = pd.Timestamp("2024-06-01", tz="Asia/Shanghai")
    rows = ledger[(ledger["found_at"] >= start) & (ledger["found_at"] < end)]
    ws = loaded[0]["问题 Problems"]
    got = rows_of(ws)
    at = {en: column(ws, en) for en in ("Problem id", "Overdue", "State at period end",
                                        "Recurrent", "Found")}
    assert len(got) == len(rows) > 1000  # count in = count out
    assert sorted(r[at["Problem id"]] for r in got) == sorted(rows["problem_id"])
    # overdue at the period's end as gz.rate judges it: closed only with status rectified
    # or verified (at rectified_at, else when found), judged at the period's end or the
    # ledger's latest time, the earlier; overdue when not closed by then and the
    # deadline passed (by the latest time too)
    latest = max(ledger["found_at"].max(), ledger["rectified_at"].max())
    judge = min(end, latest)
    done = rows["rectified_at"].where(rows["rectified_at"].notna(), rows["found_at"])
    closed = rows["status"].isin(["rectified", "verified"]) & (done <= latest)
    rectified = closed & (done <= judge)
    overdue = ~rectified & rows["deadline"].notna() & (rows["deadline"] < judge) & \
        (rows["deadline"] <= latest)
    flags = [r[at["Overdue"]] for r in got]
    assert sum(f == "是 yes" for f in flags) == int(overdue.sum()) > 0
    states = [r[at["State at period end"]] for r in got]
    assert sum(s == "逾期 overdue" for s in states) == int(overdue.sum())
    assert sum(r[at["Recurrent"]] == "是 yes" for r in got) == \
        int(rows["recurrent"].sum())
    # times are dates, shown with a date format
    found = got[0][at["Found"]]
    assert hasattr(found, "year") and ws.cell(2, at["Found"] + 1).number_format \
        == "yyyy-mm-dd hh:mm"


def test_workbook_red_and_black_lists_are_the_ratings(books, now, loaded):
    wb = loaded[0]
    for which, name in (("red", "红榜 Red list"), ("black", "黑榜 Black list")):
        ws = wb[name]
        got = sorted(r[column(ws, "Unit id")] for r in rows_of(ws))
        assert got == sorted(now.loc[now["list"] == which, "unit_id"])
        assert got


def test_workbook_rejects_where_and_why_only(rated, books, loaded):
    rejects = rated[2]
    wb = loaded[0]
    ws = wb["退回 Rejects"]
    assert len(rows_of(ws)) == len(rejects)
    assert [h.split("\n")[1] for h in header(ws)] == ["File", "Row", "Line", "Kind",
                                                       "Reason", "Field", "Value"]
    internal = loaded[1]["退回 Rejects"]
    assert len(rows_of(internal)) == len(rejects)
    assert "联系电话" in header(internal)[-1] or any("联系电话" in h for h in header(internal))


def test_workbook_star_cells_are_coloured_like_the_maps(books, loaded):
    wb = loaded[0]
    for name in TYPE_SHEETS.values():
        ws = wb[name]
        j = column(ws, "Stars") + 1
        seen = set()
        for i in range(2, ws.max_row + 1):
            cell = ws.cell(i, j)
            colour = cell.fill.fgColor.rgb
            assert colour[-6:].lower() == STAR_COLOURS[cell.value].lstrip("#").lower()
            seen.add(cell.value)
        assert seen
    summary = wb["汇总 Summary"]
    fives = [c for row in summary.iter_rows() for c in row if c.value == "五星 5★"]
    assert fives[0].fill.fgColor.rgb[-6:].lower() == STAR_COLOURS[5][1:]


def test_workbook_hostile_text_stays_text(books, loaded):
    public, _ = books
    ws = loaded[0]["网格 Grid"]
    names = {r[column(ws, "Name")] for r in rows_of(ws)}
    responsible = {r[column(ws, "Responsible")] for r in rows_of(ws)}
    assert "'" + HYPERLINK in names and "'" + CMD in names and TEMPLATE in names
    assert "'" + AT in responsible
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    body = xml_text(public)
    assert "<f>" not in body and "<f " not in body  # no formula anywhere in the file


def test_workbook_personal_data_only_when_internal(rated, loaded):
    _, problems, rejects, _, _ = rated
    phones = set(problems["phone"].dropna().astype(str)) | set(
        rejects["联系电话"].dropna().astype(str))
    reporters = set(problems["reporter"].dropna().astype(str))
    numbers = {int(p) for p in phones if p.isdigit()}
    shown = values(loaded[0])
    texts = [v for v in shown if isinstance(v, str)]
    assert not [t for t in texts if PHONE.search(t)]
    assert not numbers & {v for v in shown if isinstance(v, (int, float))}
    assert not set(texts) & reporters
    assert not any(r in t for t in texts for r in list(reporters)[:50])
    inner = [str(v) for v in values(loaded[1])]
    assert len(set(inner) & phones) > 100 and len(set(inner) & reporters) > 100
    ws = loaded[1]["问题 Problems"]
    english = [h.split("\n")[1] for h in header(ws)]
    assert "Phone" in english and "Reporter" in english
    assert "Phone" not in [h.split("\n")[1] for h in header(loaded[0]["问题 Problems"])]


def test_workbook_column_widths_fit_cjk(books, now, loaded):
    ws = loaded[0]["网格 Grid"]
    letter = openpyxl.utils.get_column_letter(column(ws, "Admin area") + 1)
    longest = max(display_width(a) for a in now["admin"])
    assert longest >= 20  # e.g. 龙岗体育中心片区（模拟）
    assert ws.column_dimensions[letter].width >= longest
    assert ws.column_dimensions["A"].width >= display_width("G200-E1054-N12550")


def test_workbook_rejects_bad_options(rated, tmp_path):
    units, _, _, ledger, ratings = rated
    with pytest.raises(InputError, match="period"):
        gz.reports.workbook(units, ratings, ledger, tmp_path, period="2031-01")
    with pytest.raises(InputError, match="target"):
        gz.reports.workbook(units, ratings, ledger, tmp_path, target=8)
    with pytest.raises(OutputError, match=r"\.xlsx"):
        gz.reports.workbook(units, ratings, ledger, tmp_path / "book.csv")
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary left


# ---- the bulletin -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bulletin(rated, tmp_path_factory):
    require_soffice()
    units, problems, _, ledger, ratings = rated
    d = tmp_path_factory.mktemp("bulletin")
    return gz.reports.bulletin(units, ratings, ledger, d / "通报.docx", period=PERIOD,
                               problems=problems, title=TEMPLATE + " 龙岗区")


def _doc_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def test_bulletin_writes_docx_and_pdf(bulletin):
    assert set(bulletin) == {"docx", "pdf"}
    assert bulletin["docx"].name == "通报.docx" and bulletin["pdf"].name == "通报.pdf"
    assert bulletin["pdf"].read_bytes().startswith(b"%PDF")
    assert not [p for p in bulletin["docx"].parent.iterdir() if p.name.startswith(".tmp")]


def test_bulletin_docx_text_tables_and_map(bulletin, rated, now):
    import docx

    doc = docx.Document(bulletin["docx"])
    text = _doc_text(doc)
    for words in (TEMPLATE + " 龙岗区", f"评价期 Period: {PERIOD}", "上期 Previous: 2024-04",
                  "星级分布", "辖区排名", "红榜", "黑榜", "升星", "降星", "逾期", "回潮",
                  "星级地图"):
        assert words in text, words
    # star distribution: header, 5..1, no score, total; counts equal the ratings
    dist = doc.tables[0]
    assert len(dist.rows) == 8
    counts = now["stars"].value_counts()
    for row, k in zip(dist.rows[1:6], (5, 4, 3, 2, 1)):
        assert int(row.cells[1].text) == int(counts.get(k, 0))
    assert int(dist.rows[7].cells[1].text) == len(now)
    good = int((now["stars"] >= 3).sum())
    assert f"{good} / {len(now)} = {good / len(now):.1%}" in text
    # areas ranked: one row per area
    units, _, _, _, ratings = rated
    areas = gz.rating.areas(ratings, units, level="street")
    areas = areas[areas["period"] == PERIOD]
    assert len(doc.tables[1].rows) == 1 + len(areas)
    assert [r.cells[1].text for r in doc.tables[1].rows[1:]] == list(areas["area"])
    # rose and fell: the rating's changes
    change = now["stars_change"]
    assert f"升星 Rose: {int((change > 0).sum())}" in text
    assert f"降星 Fell: {int((change < 0).sum())}" in text
    # the map: one picture, a PNG
    assert len(doc.inline_shapes) == 1
    images = [r for r in doc.part.rels.values() if "image" in r.reltype]
    assert len(images) == 1 and images[0].target_part.blob[:8] == b"\x89PNG\r\n\x1a\n"


def test_bulletin_lists_show_the_first_and_count_the_rest(bulletin, now):
    import docx

    doc = docx.Document(bulletin["docx"])
    text = _doc_text(doc)
    red_grid = now[(now["list"] == "red") & (now["unit_type"] == "grid")]
    assert len(red_grid) > bulletin_module.SHOWN
    assert f"网格 Grid（{len(red_grid)}）" in text
    assert f"另有 {len(red_grid) - bulletin_module.SHOWN} 个单元" in text
    black = now[now["list"] == "black"]
    for uid in black["unit_id"].head(3):
        assert uid in text
    # overdue by unit: the rating's count, the worst unit first
    worst = now.sort_values(["overdue", "unit_id"], ascending=[False, True]).iloc[0]
    assert f"Problems overdue at the period's end: {int(now['overdue'].sum())}" in text
    table = next(t for t in doc.tables if t.rows[0].cells[-1].text == "逾期 Overdue")
    assert int(table.rows[1].cells[-1].text) == int(worst["overdue"])


def test_bulletin_east_asian_font_everywhere(bulletin):
    import docx
    from docx.oxml.ns import qn

    doc = docx.Document(bulletin["docx"])
    runs = [r for p in doc.paragraphs for r in p.runs]
    runs += [r for t in doc.tables for row in t.rows for c in row.cells
             for p in c.paragraphs for r in p.runs]
    runs = [r for r in runs if r.text]  # (the map's run holds a picture, no text)
    assert len(runs) > 100
    for r in runs:
        fonts = r._element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) == "Noto Sans CJK SC"
    for name in ("Normal", "Heading 1", "Heading 2", "Title"):
        fonts = doc.styles[name].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) == "Noto Sans CJK SC", name
        assert fonts.get(qn("w:eastAsiaTheme")) is None, name


def test_bulletin_pdf_has_the_chinese_text_and_the_font(bulletin, now):
    import pypdf

    reader = pypdf.PdfReader(bulletin["pdf"])
    text = "\n".join(p.extract_text() for p in reader.pages)
    for words in ("星级分布", "辖区排名", "红榜", "黑榜", "回潮", "龙口片区", PERIOD,
                  "★★★★★", TEMPLATE.split(" <")[0]):
        assert words in text, words
    assert "\ufffd" not in text and "□" not in text  # no missing glyphs
    fonts = set()
    for page in reader.pages:
        for f in page["/Resources"].get("/Font", {}).values():
            fonts.add(str(f.get_object()["/BaseFont"]))
    assert any("NotoSansCJK" in f for f in fonts), fonts
    assert len(reader.pages) >= 3


def test_bulletin_without_libreoffice_says_what_to_install(rated, tmp_path, monkeypatch):
    units, _, _, ledger, ratings = rated
    monkeypatch.setattr(bulletin_module.shutil, "which", lambda name: None)
    with pytest.raises(OutputError, match="libreoffice-writer-nogui"):
        gz.reports.bulletin(units, ratings, ledger, tmp_path, period=PERIOD, map=False)
    assert list(tmp_path.iterdir()) == []
    out = gz.reports.bulletin(units, ratings, ledger, tmp_path, period=PERIOD, map=False,
                              pdf=False)
    assert set(out) == {"docx"} and out["docx"].name == f"bulletin-{PERIOD}.docx"


def test_reports_import_no_heavy_library_at_import_time():
    import ast

    heavy = {"matplotlib", "folium", "xlsxwriter", "docx"}
    folder = Path(gz.reports.__file__).parent
    for f in [*folder.glob("*.py"), Path(gz.cli.__file__).parent / "report.py"]:
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only: the functions import what they use
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not {n.split(".")[0] for n in names} & heavy, (f.name, names)
    assert gz.workbook is gz.reports.workbook and gz.bulletin is gz.reports.bulletin


# ---- geozz report -------------------------------------------------------------------------

def test_cli_report_writes_what_the_api_writes(rated, tmp_path):
    require_soffice()
    units, _, _, ledger, ratings = rated
    write_units(units, tmp_path / "units.gpkg")
    write_csv(tmp_path / "ledger.csv", ledger)
    write_csv(tmp_path / "ratings.csv", ratings)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", "--ratings", str(tmp_path / "ratings.csv"),
                                       "--ledger", str(tmp_path / "ledger.csv"),
                                       "--units", str(tmp_path / "units.gpkg"),
                                       "--period", PERIOD, "--out", str(out), "--no-map"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        f"bulletin-{PERIOD}.docx", f"bulletin-{PERIOD}.pdf", f"workbook-{PERIOD}.xlsx"]
    assert f"workbook-{PERIOD}.xlsx" in result.output
    wb = openpyxl.load_workbook(out / f"workbook-{PERIOD}.xlsx")
    now = ratings[ratings["period"] == PERIOD]
    for unit_type, name in TYPE_SHEETS.items():
        ws = wb[name]
        got = {r[column(ws, "Unit id")]: (r[column(ws, "Stars")], r[column(ws, "Score")],
                                          r[column(ws, "Stars change")])
               for r in rows_of(ws)}
        want = now[now["unit_type"] == unit_type]
        assert len(got) == len(want)
        for _, w in want.iterrows():
            stars, score, _change = got[w["unit_id"]]
            assert stars == int(w["stars"]) and score == pytest.approx(float(w["score"]))
    names = {r[column(wb["网格 Grid"], "Name")] for r in rows_of(wb["网格 Grid"])}
    assert "'" + HYPERLINK in names  # the CSV's quote undone, then set again for the sheet
    assert len(rows_of(wb["红榜 Red list"])) == int((now["list"] == "red").sum())


def test_cli_report_errors_name_the_period(rated, tmp_path):
    units, _, _, ledger, ratings = rated
    write_units(units.iloc[:40], tmp_path / "units.gpkg")
    small = ledger[ledger["unit_id"].isin(units.index[:40])]
    write_csv(tmp_path / "ledger.csv", small)
    write_csv(tmp_path / "ratings.csv", ratings[ratings["unit_id"].isin(units.index[:40])])
    result = CliRunner().invoke(main, ["report", "--ratings", str(tmp_path / "ratings.csv"),
                                       "--ledger", str(tmp_path / "ledger.csv"),
                                       "--units", str(tmp_path / "units.gpkg"),
                                       "--period", "2031-01", "--out", str(tmp_path / "o"),
                                       "--no-map", "--no-pdf"])
    assert result.exit_code == 1
    assert "period" in result.output and "2031-01" in result.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
