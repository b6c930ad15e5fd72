"""``bulletin``: the period's bulletin (通报) as an editable ``.docx`` and the same as ``.pdf``.

The document is made with python-docx, Chinese text set in Noto Sans CJK (the East Asian
font of every style and run); the PDF is the very same ``.docx`` converted by LibreOffice
(``soffice --headless --convert-to pdf``), so what the office edits and what it prints
agree. See ``docs/reports.md``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .._io import atomic_path
from ..errors import InputError, Issue, OutputError
from ..tables.ratings import TARGET
from ._content import Content, clean_text, content, display_width, out_file

__all__ = ["bulletin", "FONT", "SHOWN"]

#: the font of the document (the East Asian and the Latin font of every style and run)
FONT = "Noto Sans CJK SC"
#: rows shown per list or table in the bulletin (the workbook has them all)
SHOWN = 10
_SOFFICE_TIMEOUT_S = 300
_NUMERALS = "一二三四五六七八九十"
_TEXT_WIDTH_CM = 17.0


def _type_label(t) -> str:
    from ..tables.unit_types import LABELS

    return LABELS.get(str(t), str(t))


def _stars(n) -> str:
    from ..rating.engine import star_label

    return star_label(n)


def _fmt(v, digits: int = 2) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "—"
    if isinstance(v, str):
        return v
    return f"{float(v):.{digits}f}".rstrip("0").rstrip(".") if digits else f"{int(v)}"


class _Doc:
    """A python-docx document with the CJK font set everywhere."""

    def __init__(self):
        from docx import Document
        from docx.enum.style import WD_STYLE_TYPE
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Cm, Pt

        self.Cm, self.Pt, self.align = Cm, Pt, WD_ALIGN_PARAGRAPH
        self.doc = Document()
        sec = self.doc.sections[0]
        sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)  # A4
        sec.left_margin = sec.right_margin = Cm(2.0)
        sec.top_margin = sec.bottom_margin = Cm(2.0)
        for style in self.doc.styles:  # paragraph, character and table styles
            if style.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER,
                              WD_STYLE_TYPE.TABLE):
                self._set_font(style.element.get_or_add_rPr())
        defaults = self.doc.styles.element.find(self._qn("w:docDefaults"))
        if defaults is not None:
            rpr = defaults.find(self._qn("w:rPrDefault") + "/" + self._qn("w:rPr"))
            if rpr is not None:
                self._set_font(rpr)
        self.doc.styles["Normal"].font.size = Pt(10.5)

    @staticmethod
    def _qn(tag: str) -> str:
        from docx.oxml.ns import qn

        return qn(tag)

    def _set_font(self, rpr) -> None:
        """Every script of ``rpr`` in :data:`FONT`; the theme fonts (which would win) go."""
        from docx.oxml import OxmlElement

        fonts = rpr.find(self._qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(self._qn(attr), None)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(self._qn(attr), FONT)

    def run(self, par, text, *, bold: bool = False, size: float | None = None,
            colour: str | None = None):
        from docx.shared import RGBColor

        r = par.add_run(clean_text(text))
        r.bold = bold or None
        if size:
            r.font.size = self.Pt(size)
        if colour:
            r.font.color.rgb = RGBColor.from_string(colour.lstrip("#").upper())
        self._set_font(r._element.get_or_add_rPr())
        return r

    def heading(self, text: str, level: int = 1):
        h = self.doc.add_heading(level=level)
        self.run(h, text)
        return h

    def para(self, *parts, style: str | None = None):
        """A paragraph of text parts: a string, or ``(text, {"bold": …, "colour": …})``."""
        p = self.doc.add_paragraph(style=style)
        for part in parts:
            if isinstance(part, tuple):
                self.run(p, part[0], **part[1])
            else:
                self.run(p, part)
        return p

    def table(self, head: list[str], rows: list[list], *, fills: dict | None = None,
              widths: list[float] | None = None):
        """A table with a header row; ``fills`` maps (row, col) to a cell colour."""
        from docx.oxml import OxmlElement

        t = self.doc.add_table(rows=1 + len(rows), cols=len(head))
        t.style = self.doc.styles["Table Grid"]
        for j, h in enumerate(head):
            cell = t.rows[0].cells[j]
            self.run(cell.paragraphs[0], h, bold=True, size=9)
            self._shade(cell, "#E8E8E8", OxmlElement)
        for i, row in enumerate(rows):
            cells = t.rows[i + 1].cells
            for j, v in enumerate(row):
                self.run(cells[j].paragraphs[0], v, size=9)
                colour = (fills or {}).get((i, j))
                if colour:
                    self._shade(cells[j], colour, OxmlElement)
        if widths is None:  # share the text width by the columns' widest text (CJK 2)
            need = [max([4, *(display_width(line) for v in [h, *(r[j] for r in rows)]
                              for line in clean_text(v).split("\n"))]) for j, h in enumerate(head)]
            need = [min(n, 28) for n in need]
            widths = [_TEXT_WIDTH_CM * n / sum(need) for n in need]
        t.autofit = False
        for j, wd in enumerate(widths):  # the grid (LibreOffice reads it) and the cells
            t.columns[j].width = self.Cm(wd)
        for row in t.rows:
            for j, wd in enumerate(widths):
                row.cells[j].width = self.Cm(wd)
        self.doc.add_paragraph()
        return t

    def _shade(self, cell, colour: str, OxmlElement) -> None:
        tcpr = cell._element.get_or_add_tcPr()
        shd = OxmlElement("w:shd")
        shd.set(self._qn("w:val"), "clear")
        shd.set(self._qn("w:color"), "auto")
        shd.set(self._qn("w:fill"), colour.lstrip("#").upper())
        tcpr.append(shd)


def _more(doc: _Doc, n: int) -> None:
    if n > SHOWN:
        doc.para((f"另有 {n - SHOWN} 个单元，见台账。 {n - SHOWN} more in the workbook.",
                  {"size": 9}))


def _unit_rows(frame: pd.DataFrame, cols) -> list[list[str]]:
    return [[f(row) for f in cols] for _, row in frame.head(SHOWN).iterrows()]


def _write(doc: _Doc, c: Content, *, map_png: Path | None, simulated: bool) -> None:
    from ..maps.star import STAR_COLOURS, STAR_LABELS
    from ..tables.problems import category_label

    sections = iter(_NUMERALS)
    t = doc.doc.add_heading(level=0)
    doc.run(t, f"{c.title} 整脏治乱星级评价通报".strip())
    doc.para(("评价期 Period: ", {"bold": True}), c.period,
             ("    上期 Previous: ", {"bold": True}), c.previous or "—")
    if simulated:
        doc.para(("问题点为模拟数据 The problem records are simulated.", {"colour": "#C62828"}))

    # star distribution and the target
    doc.heading(f"{next(sections)}、星级分布 Star distribution")
    types = c.unit_types
    rows, fills = [], {}
    for i, (_, r) in enumerate(c.distribution.iterrows()):
        k = int(r["stars"])
        share = f"{r['total'] / c.rated:.1%}" if k and c.rated else ""
        rows.append([STAR_LABELS[k] if k else "无评分 No score", str(int(r["total"])),
                     *(str(int(r[t_])) for t_ in types), share])
        if k:
            fills[(i, 0)] = STAR_COLOURS[k]
    rows.append(["合计 Total", str(int(c.distribution["total"].sum())),
                 *(str(int(c.distribution[t_].sum())) for t_ in types), ""])
    doc.table(["星级 Stars", "合计 Total", *(_type_label(t_) for t_ in types), "占比 Share"],
              rows, fills=fills)
    share = "—" if not c.rated else f"{c.share:.1%}"
    doc.para("三星及以上 Units at 3★ or better: ", (f"{c.good} / {c.rated} = {share}",
                                                   {"bold": True}),
             f"；目标 target {c.target:.0%}：",
             ("达标 met" if c.meets else "未达标 not met",
              {"bold": True, "colour": None if c.meets else "#C62828"}))

    # areas ranked
    if c.areas is not None and len(c.areas):
        doc.heading(f"{next(sections)}、辖区排名 Areas ranked")
        rows = [[_fmt(a["rank"], 0), a["area"] or "—", str(int(a["units"])),
                 _fmt(a["mean_score"]), a["grade"] or "—",
                 "—" if pd.isna(a["share_3star"]) else f"{a['share_3star']:.1%}",
                 "达标 met" if a["meets_target"] else "未达标 not met"]
                for _, a in c.areas.iterrows()]
        doc.table(["名次 Rank", "辖区 Area", "单元 Units", "平均分 Mean", "等级 Grade",
                   "三星及以上 3★+", "目标 Target"], rows)

    # red and black lists
    doc.heading(f"{next(sections)}、红榜与黑榜 Red and black lists")
    for frame, label in ((c.red, "红榜 Red list (best)"), (c.black, "黑榜 Black list (worst)")):
        doc.heading(label, level=2)
        if frame.empty:
            doc.para("无 None.")
            continue
        for t_ in types:
            part = frame[frame["unit_type"].astype(str) == t_]
            if part.empty:
                continue
            shown = part.head(SHOWN)
            rows = _unit_rows(shown, [lambda x: _fmt(x["rank"], 0), lambda x: x["name"] or "—",
                                      lambda x: x["unit_id"], lambda x: x["admin"] or "—",
                                      lambda x: _fmt(x["score"]), lambda x: _stars(x["stars"])])
            fills = {(i, 5): STAR_COLOURS[int(s)] for i, s in enumerate(shown["stars"])
                     if pd.notna(s)}
            doc.para((_type_label(t_), {"bold": True}), f"（{len(part)}）")
            doc.table(["排名 Rank", "名称 Name", "编号 Id", "辖区 Area", "得分 Score",
                       "星级 Stars"], rows, fills=fills)
            _more(doc, len(part))

    # rose or fell
    doc.heading(f"{next(sections)}、星级升降 Units that rose or fell")
    if c.previous is None:
        doc.para("无上期评价，无从比较。 No previous period to compare with.")
    for frame, label in ((c.risen, "升星 Rose"), (c.fallen, "降星 Fell")):
        if c.previous is None:
            break
        doc.para((f"{label}: {len(frame)}", {"bold": True}))
        if frame.empty:
            continue
        rows = _unit_rows(frame, [lambda x: x["name"] or "—", lambda x: _type_label(x["unit_type"]),
                                  lambda x: x["admin"] or "—",
                                  lambda x: f"{_stars(x['prev_stars'])} → {_stars(x['stars'])}",
                                  lambda x: _fmt(x["score"]),
                                  lambda x: "—" if pd.isna(x["score_delta"])
                                  else f"{float(x['score_delta']):+.2f}"])
        doc.table(["名称 Name", "类型 Type", "辖区 Area", "星级 Stars", "得分 Score",
                   "变化 Change"], rows)
        _more(doc, len(frame))

    # overdue problems by unit
    doc.heading(f"{next(sections)}、逾期问题 Overdue problems by unit")
    total = int(c.overdue["overdue"].sum()) if len(c.overdue) else 0
    doc.para(f"期末逾期未整改 Problems overdue at the period's end: {total}，"
             f"涉及 in {len(c.overdue)} 个单元 units（按单元计：一个问题在网格和路段中各计一次 "
             "counted per unit: a problem in a grid cell and a road corridor counts in both）.")
    if len(c.overdue):
        rows = _unit_rows(c.overdue, [lambda x: x["name"] or "—",
                                      lambda x: _type_label(x["unit_type"]),
                                      lambda x: x["admin"] or "—",
                                      lambda x: x["responsible"] or "—",
                                      lambda x: str(int(x["overdue"]))])
        doc.table(["名称 Name", "类型 Type", "辖区 Area", "责任主体 Responsible",
                   "逾期 Overdue"], rows)
        _more(doc, len(c.overdue))

    # recurrence
    doc.heading(f"{next(sections)}、回潮 Recurrence")
    n_rec = int(len(c.recurrence_by_category) and c.recurrence_by_category["recurred"].sum())
    doc.para(f"本期回潮问题 Problems found again where one was rectified in the previous 90 "
             f"days: {n_rec}.")
    if len(c.recurrence_by_category):
        rows = [[category_label(r["category"]), str(int(r["recurred"]))]
                for _, r in c.recurrence_by_category.iterrows()]
        doc.table(["问题类型 Category", "回潮 Recurred"], rows)
    if len(c.recurrence):
        rows = _unit_rows(c.recurrence, [lambda x: x["name"] or "—",
                                         lambda x: _type_label(x["unit_type"]),
                                         lambda x: x["admin"] or "—",
                                         lambda x: str(int(x["recurred"]))])
        doc.table(["名称 Name", "类型 Type", "辖区 Area", "回潮 Recurred"], rows)
        _more(doc, len(c.recurrence))

    # the map
    if map_png is not None:
        doc.heading(f"{next(sections)}、星级地图 Star map")
        doc.doc.add_picture(str(map_png), width=doc.Cm(17))
        doc.doc.paragraphs[-1].alignment = doc.align.CENTER


def _soffice() -> str:
    """The LibreOffice program that converts the ``.docx`` to PDF, or an OutputError
    naming the package to install."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise OutputError(Issue(field="pdf", expected="LibreOffice (soffice) to convert the "
                            "bulletin to PDF", got=None,
                            fix="apt-get install -y --no-install-recommends "
                                "libreoffice-writer-nogui (or pass pdf=False)"))


def _to_pdf(docx: Path, pdf: Path) -> Path:
    """Convert ``docx`` to ``pdf`` with LibreOffice headless (its own profile, so
    conversions running side by side do not wait on each other)."""
    program = _soffice()
    with tempfile.TemporaryDirectory(prefix="geozz-soffice-") as work:
        work = Path(work)
        profile = (work / "profile").as_uri()
        cmd = [program, "--headless", "--norestore", "--nologo", "--nolockcheck",
               f"-env:UserInstallation={profile}", "--convert-to", "pdf",
               "--outdir", str(work), str(docx)]
        env = {**os.environ, "HOME": str(work)}
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, env=env,
                                  timeout=_SOFFICE_TIMEOUT_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise OutputError(Issue(file=str(pdf), expected="LibreOffice to convert the "
                                    f"bulletin within {_SOFFICE_TIMEOUT_S} s", got="timeout",
                                    fix="check that soffice runs (soffice --headless "
                                        "--version)")) from None
        made = work / (docx.stem + ".pdf")
        if done.returncode != 0 or not made.is_file():
            raise OutputError(Issue(file=str(pdf), expected="LibreOffice to convert the "
                                    "bulletin to PDF", got=(done.stderr or done.stdout)[-300:],
                                    fix="check that soffice runs (soffice --headless "
                                        "--version)"))
        with atomic_path(pdf) as tmp:
            shutil.copyfile(made, tmp)
    return pdf


def bulletin(units: gpd.GeoDataFrame, ratings: pd.DataFrame, ledger: pd.DataFrame,
             path: str | Path, *, period: str | None = None,
             problems: gpd.GeoDataFrame | None = None, title: str | None = None,
             target: float = TARGET, map: bool = True, pdf: bool = True,
             simulated: bool = False) -> dict[str, Path]:
    """Write the bulletin (通报) of one period: an editable ``.docx`` and the same as PDF.

    Sections: the period; the star distribution (in total and per unit type) and the
    share at 3★ or better against ``target``; the areas ranked (when the units carry admin
    areas, :func:`geozz.rating.areas`); the red and black lists (the rating's ``list``,
    as the published index shows them), per unit type; the units that rose or fell by a
    star or more since the previous period; the units with problems overdue at the
    period's end (the rating's ``overdue``); recurrence (回潮: problems flagged
    ``recurrent`` in the ledger, by category, and the rating's ``recurred`` by unit);
    and the printed star map (:func:`geozz.maps.static_map`). Long lists show the first
    :data:`SHOWN` rows and say how many more the workbook has. No personal data is
    read or written.

    Parameters
    ----------
    units, ratings, ledger
        From :func:`geozz.build_units`, :func:`geozz.rate`, :func:`geozz.assign`.
    path : str or Path
        A ``.docx`` file (the PDF goes beside it, same name), or a folder to write
        ``bulletin-<period>.docx`` and ``.pdf`` into.
    period : str, optional
        Default the latest rated.
    problems : GeoDataFrame, optional
        Accepted for symmetry with :func:`geozz.publish`; only checked (the bulletin
        counts from the ledger and the ratings).
    title : str, optional
        The district named in the title (default the units' county or admin area).
    target : float, default 0.8
        Share of units at 3★ or better to reach.
    map : bool, default True
        Insert the printed star map of the period.
    pdf : bool, default True
        Also write the PDF, converted from the ``.docx`` by LibreOffice (``soffice``).
    simulated : bool, default False
        Say that the problem records are simulated (in the text and on the map).

    Returns
    -------
    dict
        ``{"docx": Path, "pdf": Path}`` (no ``"pdf"`` with ``pdf=False``).

    Raises
    ------
    InputError
        Bad units, ratings, ledger or options, listing every problem.
    OutputError
        A file cannot be written, or LibreOffice is missing (the message names the
        package: ``libreoffice-writer-nogui``) or fails. Nothing is left half written.

    Examples
    --------
    >>> import tempfile, geozz as gz
    >>> units = gz.build_units(gz.datasets.longgang()).iloc[:30]
    >>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> ledger = gz.assign(problems, units)
    >>> ratings = gz.rate(ledger, units)
    >>> out = gz.reports.bulletin(units, ratings, ledger, tempfile.mkdtemp(),
    ...                           period="2024-05", map=False, pdf=False)
    >>> out["docx"].name
    'bulletin-2024-05.docx'
    >>> import docx
    >>> "星级分布" in "\\n".join(p.text for p in docx.Document(out["docx"]).paragraphs)
    True
    """
    if problems is not None and not isinstance(problems, gpd.GeoDataFrame):
        raise InputError(Issue(field="problems", expected="the problems GeoDataFrame of "
                               "gz.read_problems", got=type(problems).__name__,
                               fix="pass problems=problems (or leave it out)"))
    # the problems' personal fields are never read: the bulletin counts from the ledger
    c = content(units, ratings, ledger, period=period, problems=None, target=target,
                title=title, stage="bulletin")
    if not isinstance(map, bool) or not isinstance(pdf, bool):
        raise InputError(Issue(field="map" if not isinstance(map, bool) else "pdf",
                               expected="True or False", got=map if not isinstance(map, bool)
                               else pdf, fix="pass map=True/False, pdf=True/False"))
    docx_path = out_file(path, suffix=".docx", stem="bulletin", period=c.period)
    pdf_path = docx_path.with_suffix(".pdf")
    if pdf:
        _soffice()  # before anything is drawn: say what to install
    with tempfile.TemporaryDirectory(prefix="geozz-bulletin-") as work:
        work = Path(work)
        png = None
        if map:
            from ..maps.printed import static_map

            png = static_map(units, ratings, work / "map.png", period=c.period,
                             title=f"{c.title} 星级评价".strip(), simulated=simulated,
                             dpi=150)
        doc = _Doc()
        _write(doc, c, map_png=png, simulated=simulated)
        doc.doc.core_properties.title = clean_text(f"{c.title} {c.period}")[:250]
        doc.doc.core_properties.author = "geozz"
        draft = work / docx_path.name
        try:
            doc.doc.save(str(draft))
        except OSError as exc:
            raise OutputError(Issue(file=str(draft), expected="a writable file",
                                    got=str(exc)[:200], fix="free some disk space")) from None
        made_pdf = _to_pdf(draft, work / pdf_path.name) if pdf else None
        try:
            with atomic_path(docx_path) as tmp:
                shutil.copyfile(draft, tmp)
            if made_pdf is not None:
                with atomic_path(pdf_path) as tmp:
                    shutil.copyfile(made_pdf, tmp)
        except OSError as exc:
            raise OutputError(Issue(file=str(docx_path), expected="a writable file",
                                    got=str(exc)[:200], fix="close the document if it is "
                                    "open, or choose another path")) from None
    out = {"docx": docx_path}
    if made_pdf is not None:
        out["pdf"] = pdf_path
    return out
