"""``workbook``: the office's ledger workbook (台账) of one period, an ``.xlsx``.

Sheets: ``汇总 Summary`` (star distribution, share at 3★ or better against the target,
areas ranked), one per unit type present (``网格 Grid`` …: every unit's score, deductions
by category, grade, stars, rank and change since the previous period), ``问题 Problems``
(the period's ledger rows with their state at the period's end), ``退回 Rejects`` and
``红榜 Red list`` / ``黑榜 Black list``. See ``docs/reports.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .._io import atomic_path, neutralise_cells
from ..errors import InputError, Issue, OutputError
from ..tables.ratings import TARGET
from ._content import (
    INTERNAL_PROBLEM_FIELDS,
    STATE_LABELS,
    Content,
    clean_text,
    content,
    display_width,
    out_file,
)

__all__ = ["workbook"]

_MAX_WIDTH = 60
_CELL_LIMIT = 32767  # characters Excel holds in a cell
_WIDTH_ROWS = 1000  # rows a column width is measured on


@dataclass(frozen=True)
class Col:
    """One column of a sheet: the frame column, its Chinese and English header, its kind
    (``text``, ``int``, ``score``, ``share``, ``time``, ``stars``, ``delta``)."""

    key: str
    zh: str
    en: str
    kind: str = "text"


def _header(col: Col) -> str:
    return f"{col.zh}\n{col.en}"


class _Writer:
    """The workbook's formats, and the one way a value reaches a cell."""

    def __init__(self, wb, star_colours: dict[int, str], none_colour: str):
        base = {"font_name": "Noto Sans CJK SC", "font_size": 10, "valign": "top"}
        self.wb = wb
        self.f = {
            "header": wb.add_format({**base, "bold": True, "text_wrap": True,
                                     "bg_color": "#e8e8e8", "border": 1, "valign": "vcenter"}),
            "text": wb.add_format(base),
            "int": wb.add_format({**base, "num_format": "0"}),
            "score": wb.add_format({**base, "num_format": "0.00"}),
            "delta": wb.add_format({**base, "num_format": "+0.00;-0.00;0.00"}),
            "stardelta": wb.add_format({**base, "num_format": "+0;-0;0"}),
            "share": wb.add_format({**base, "num_format": "0.0%"}),
            "time": wb.add_format({**base, "num_format": "yyyy-mm-dd hh:mm"}),
            "title": wb.add_format({**base, "bold": True, "font_size": 14}),
            "bold": wb.add_format({**base, "bold": True}),
            "red": wb.add_format({**base, "bold": True, "font_color": "#c62828"}),
        }
        self.stars = {n: wb.add_format({**base, "num_format": '0"★"', "bg_color": c,
                                        "align": "center", "border": 1})
                      for n, c in star_colours.items()}
        self.no_stars = wb.add_format({**base, "bg_color": none_colour, "align": "center",
                                       "border": 1})

    def put(self, ws, r: int, c: int, value, kind: str = "text") -> str:
        """Write one cell; return the text it shows (for the column width)."""
        missing = value is None or (not isinstance(value, str) and pd.isna(value))
        if kind == "stars":
            if missing:
                ws.write_string(r, c, "—", self.no_stars)
                return "—"
            n = int(value)
            ws.write_number(r, c, n, self.stars.get(n, self.f["int"]))
            return f"{n}★"
        if missing:
            ws.write_blank(r, c, None, self.f["text"])
            return ""
        if kind == "text":
            text = clean_text(value)[:_CELL_LIMIT]
            ws.write_string(r, c, text, self.f["text"])
            return text
        if kind == "time":
            t = pd.Timestamp(value)
            if t.tzinfo is not None:
                t = t.tz_localize(None)  # the wall time where it was recorded
            ws.write_datetime(r, c, t.to_pydatetime(), self.f["time"])
            return "2024-05-03 10:00"
        if kind == "bool":
            text = "是 yes" if bool(value) else ""
            ws.write_string(r, c, text, self.f["text"])
            return text
        number = float(value)
        ws.write_number(r, c, number, self.f[kind])
        if kind == "share":
            return f"{number:.1%}"
        if kind in ("int", "stardelta"):
            return f"+{number:.0f}"
        return f"+{number:.2f}"


def _width(texts) -> int:
    return min(_MAX_WIDTH, max([6, *(display_width(line) + 2 for t in texts
                                     for line in str(t).split("\n"))]))


def _table(w: _Writer, ws, frame: pd.DataFrame, cols: list[Col], *, first_row: int = 0,
           freeze_cols: int = 0, filters: bool = True) -> None:
    """A table sheet: one header row (Chinese, English beneath), frozen, with filters."""
    text_cols = [c.key for c in cols if c.kind == "text" and c.key in frame]
    safe = neutralise_cells(frame[text_cols].astype(object)) if text_cols else frame
    shown: list[list[str]] = [[_header(c)] for c in cols]
    ws.set_row(first_row, 32)
    for j, c in enumerate(cols):
        ws.write_string(first_row, j, _header(c), w.f["header"])
    for j, c in enumerate(cols):
        if c.key not in frame:
            values = [None] * len(frame)
        else:
            values = (safe if c.kind == "text" else frame)[c.key].astype(object).tolist()
        for i, value in enumerate(values):
            text = w.put(ws, first_row + 1 + i, j, value, c.kind)
            if i < _WIDTH_ROWS:  # widths from the first rows are enough
                shown[j].append(text)
    for j, texts in enumerate(shown):
        ws.set_column(j, j, _width(texts))
    ws.freeze_panes(first_row + 1, freeze_cols)
    if filters and cols:
        ws.autofilter(first_row, 0, first_row + max(len(frame), 1), len(cols) - 1)


def _type_label(t: str) -> str:
    from ..tables.unit_types import LABELS

    return LABELS.get(str(t), str(t))


def _sheet_name(text: str, used: set[str]) -> str:
    name = "".join("_" if ch in "[]:*?/\\" else ch for ch in clean_text(text)).strip("'")
    name = (name or "sheet")[:31]
    base, k = name, 2
    while name.lower() in used:
        suffix = f" {k}"
        name, k = base[:31 - len(suffix)] + suffix, k + 1
    used.add(name.lower())
    return name


def _unit_columns(c: Content) -> list[Col]:
    from ..tables.problems import vocabulary

    vocab = vocabulary()["categories"]
    cols = [Col("unit_id", "单元编号", "Unit id"), Col("name", "名称", "Name"),
            Col("admin", "所属辖区", "Admin area"), Col("responsible", "责任主体", "Responsible"),
            Col("score", "得分", "Score", "score")]
    for cat in c.categories:
        v = vocab.get(cat)
        cols.append(Col(f"ded_{cat}", f"扣分·{v['zh']}" if v else f"扣分·{cat}",
                        f"Ded. {v['en'].lower()}" if v else f"Ded. {cat}", "score"))
    if "ded_extra" in c.now:
        cols.append(Col("ded_extra", "其他扣分", "Ded. extra", "score"))
    if "deduction" in c.now:
        cols.append(Col("deduction", "扣分合计", "Deductions", "score"))
    cols += [Col("grade", "等级", "Grade"), Col("stars", "星级", "Stars", "stars"),
             Col("rank", "排名", "Rank", "int"),
             Col("stars_diff", "星级变化", "Stars change", "stardelta"),
             Col("score_delta", "得分变化", "Score change", "delta"),
             Col("list_label", "红黑榜", "List")]
    return cols


_LIST_LABELS = {"red": "红榜 red", "black": "黑榜 black"}


def _summary(w: _Writer, ws, c: Content, *, simulated: bool) -> None:
    from ..maps.star import STAR_LABELS

    ws.write_string(0, 0, clean_text(f"{c.title} 整脏治乱台账 Workbook".strip()), w.f["title"])
    widths = {0: [""], 1: [""], 2: [""]}
    r = 1
    lines = [("评价期 Period", c.period), ("上期 Previous period", c.previous or "—")]
    if simulated:
        lines.append(("说明 Note", "问题点为模拟数据 The problem records are simulated."))
    for zh, value in lines:
        ws.write_string(r, 0, zh, w.f["bold"])
        ws.write_string(r, 1, clean_text(value), w.f["text"])
        widths[0].append(zh)
        r += 1
    r += 1
    # star distribution
    types = c.unit_types
    head = ["星级\nStars", "合计\nTotal", *(_type_label(t).replace(" ", "\n", 1) for t in types),
            "占比\nShare"]
    ws.set_row(r, 32)
    for j, h in enumerate(head):
        ws.write_string(r, j, h, w.f["header"])
        widths.setdefault(j, []).append(h)
    dist_row = r
    r += 1
    for _, row in c.distribution.iterrows():
        k = int(row["stars"])
        if k:
            ws.write_string(r, 0, STAR_LABELS[k], w.stars[k])
            label = STAR_LABELS[k]
        else:
            ws.write_string(r, 0, "无评分 No score", w.no_stars)
            label = "无评分 No score"
        widths[0].append(label)
        w.put(ws, r, 1, int(row["total"]), "int")
        for j, t in enumerate(types):
            w.put(ws, r, 2 + j, int(row[t]), "int")
        if k:
            w.put(ws, r, 2 + len(types), row["total"] / c.rated if c.rated else None, "share")
        r += 1
    ws.write_string(r, 0, "合计 Total", w.f["bold"])
    w.put(ws, r, 1, int(c.distribution["total"].sum()), "int")
    for j, t in enumerate(types):
        w.put(ws, r, 2 + j, int(c.distribution[t].sum()), "int")
    r += 2
    good = [("三星及以上 Units at 3★ or better", c.good, "int"),
            ("已评分 Rated", c.rated, "int"),
            ("占比 Share at 3★+", c.share if c.rated else None, "share"),
            ("目标 Target", c.target, "share")]
    for label, value, kind in good:
        ws.write_string(r, 0, label, w.f["bold"])
        widths[0].append(label)
        w.put(ws, r, 1, value, kind)
        r += 1
    ws.write_string(r, 0, "是否达标 Target met", w.f["bold"])
    ws.write_string(r, 1, "达标 met" if c.meets else "未达标 not met",
                    w.f["text"] if c.meets else w.f["red"])
    r += 2
    # areas ranked
    if c.areas is not None and len(c.areas):
        ws.write_string(r, 0, "辖区排名 Areas ranked", w.f["title"])
        r += 1
        table = c.areas.assign(meets=c.areas["meets_target"].map(
            lambda v: "达标 met" if v else "未达标 not met"))
        cols = [Col("rank", "名次", "Rank", "int"), Col("area", "辖区", "Area"),
                Col("units", "单元数", "Units", "int"), Col("rated", "已评分", "Rated", "int"),
                Col("mean_score", "平均分", "Mean score", "score"),
                Col("grade", "等级", "Grade"),
                *(Col(f"stars_{k}", f"{k}星", f"{k}★", "int") for k in (5, 4, 3, 2, 1)),
                Col("share_3star", "三星及以上占比", "Share at 3★+", "share"),
                Col("meets", "是否达标", "Target met")]
        safe = neutralise_cells(table[["area", "grade", "meets"]].astype(object))
        ws.set_row(r, 32)
        for j, col in enumerate(cols):
            ws.write_string(r, j, _header(col), w.f["header"])
            widths.setdefault(j, []).append(_header(col))
        for i, idx in enumerate(table.index):
            for j, col in enumerate(cols):
                v = safe.at[idx, col.key] if col.kind == "text" else table.at[idx, col.key]
                widths.setdefault(j, []).append(w.put(ws, r + 1 + i, j, v, col.kind))
        ws.autofilter(r, 0, r + len(table), len(cols) - 1)
    for j, texts in widths.items():
        ws.set_column(j, j, _width(texts))
    ws.freeze_panes(1, 0)
    _ = dist_row


def _problem_frame(c: Content, *, internal: bool) -> tuple[pd.DataFrame, list[Col]]:
    from ..tables.problems import category_label

    p = c.problems.copy()
    p["type_label"] = p["unit_type"].map(lambda t: _type_label(t) if pd.notna(t) else "")
    p["category_label"] = p["category"].map(lambda v: category_label(v) if pd.notna(v) else "")
    p["state_label"] = p["state"].map(STATE_LABELS)
    cols = [Col("problem_id", "问题编号", "Problem id"), Col("unit_id", "单元编号", "Unit id"),
            Col("unit_name", "单元名称", "Unit name"), Col("type_label", "单元类型", "Unit type"),
            Col("category_label", "问题类型", "Category"), Col("found_at", "发现时间", "Found",
                                                              "time"),
            Col("status", "状态", "Status"), Col("deadline", "整改期限", "Deadline", "time"),
            Col("rectified_at", "整改完成", "Rectified", "time"),
            Col("state_label", "期末状态", "State at period end"),
            Col("overdue_now", "逾期", "Overdue", "bool"),
            Col("recurrent", "回潮", "Recurrent", "bool")]
    if "reason" in p:
        cols.insert(4, Col("reason", "归属", "Assigned"))
    if internal:
        labels = {"reporter": ("上报人", "Reporter"), "phone": ("联系电话", "Phone"),
                  "description": ("问题描述", "Description"), "address": ("地址", "Address"),
                  "agency": ("处置单位", "Agency")}
        cols += [Col(f, *labels[f]) for f in INTERNAL_PROBLEM_FIELDS if f in p]
    return p, cols


def _rejects_frame(rejects: pd.DataFrame, *, internal: bool) -> tuple[pd.DataFrame, list[Col]]:
    from ..maps.publication import _public_rejects

    labels = {"file": ("文件", "File"), "row": ("行", "Row"), "line": ("物理行", "Line"),
              "kind": ("类别", "Kind"), "reason": ("原因", "Reason"), "field": ("字段", "Field"),
              "value": ("值", "Value")}
    frame = rejects.copy() if internal else _public_rejects(rejects)
    cols = []
    for key in frame.columns:
        zh, en = labels.get(str(key), (str(key), "Record field"))  # a raw record column
        kind = "int" if key in ("row", "line") else "text"
        cols.append(Col(key, zh, en, kind))
    if not internal:
        return frame, cols
    # internal: every column of the record as text (numbers stay as they came)
    frame = frame.astype(object)
    for key in ("row", "line"):
        if key in frame:
            frame[key] = pd.to_numeric(frame[key], errors="coerce")
    return frame, cols


def _list_columns() -> list[Col]:
    return [Col("type_label", "单元类型", "Unit type"), Col("rank", "排名", "Rank", "int"),
            Col("unit_id", "单元编号", "Unit id"), Col("name", "名称", "Name"),
            Col("admin", "所属辖区", "Admin area"), Col("responsible", "责任主体", "Responsible"),
            Col("score", "得分", "Score", "score"), Col("grade", "等级", "Grade"),
            Col("stars", "星级", "Stars", "stars")]


def workbook(units: gpd.GeoDataFrame, ratings: pd.DataFrame, ledger: pd.DataFrame,
             path: str | Path, *, period: str | None = None,
             problems: gpd.GeoDataFrame | None = None, rejects: pd.DataFrame | None = None,
             areas: pd.DataFrame | None = None, internal: bool = False, target: float = TARGET,
             title: str | None = None, simulated: bool = False) -> Path:
    """Write the ledger workbook (台账) of one period as an ``.xlsx``.

    Sheets (headers in Chinese with English beneath, the header row frozen, filters on,
    columns as wide as their text with CJK counted twice, stars filled in the maps'
    colours):

    * ``汇总 Summary``: the star distribution (in total and per unit type), the share at
      3★ or better against ``target``, and the areas ranked when the units carry admin
      areas (:func:`geozz.rating.areas`, or ``areas``);
    * one sheet per unit type present (``网格 Grid``, ``路段 Road``, ``河段 River``): unit id,
      name, admin area, responsible body, score, deductions by category, grade, stars,
      rank, change in stars and score since the previous period, red or black list;
    * ``问题 Problems``: every ledger row found in the period (a problem counts once per
      unit layer it lies in, as in the ledger) — unit, category, times, state at the
      period's end and whether overdue; personal fields (reporter, phone) and free text
      only with ``internal=True`` and ``problems``;
    * ``退回 Rejects`` (with ``rejects``: where and why only, unless ``internal``);
    * ``红榜 Red list`` and ``黑榜 Black list``: the units the rating put on them (the
      ``list`` column, as the published index page shows them), by unit type and rank.

    Every text cell from the input is written as text (``write_string``), after
    :func:`geozz._io.neutralise_cells`: a unit name such as ``=HYPERLINK(…)`` is shown,
    never run. The file is written whole (atomically).

    Parameters
    ----------
    units, ratings, ledger
        From :func:`geozz.build_units`, :func:`geozz.rate`, :func:`geozz.assign`.
    path : str or Path
        An ``.xlsx`` file, or a folder to write ``workbook-<period>.xlsx`` into.
    period : str, optional
        The period; default the latest rated.
    problems : GeoDataFrame, optional
        From :func:`geozz.read_problems`: the source of the personal and free-text fields
        of an internal workbook (never read otherwise).
    rejects : DataFrame, optional
        The rejects of :func:`geozz.read_problems`, for the rejects sheet.
    areas : DataFrame, optional
        A table of :func:`geozz.rating.areas` to show instead of the default one.
    internal : bool, default False
        Include personal data (reporter, phone, description) and the rejects' raw values:
        for the office only, never to publish.
    target : float, default 0.8
        Share of units at 3★ or better to reach.
    title : str, optional
        Title on the summary sheet (default the district's name).
    simulated : bool, default False
        Say on the summary sheet that the problem records are simulated.

    Returns
    -------
    Path
        The ``.xlsx`` written.

    Raises
    ------
    InputError
        Bad units, ratings, ledger or options (a period not rated, a target that is not a
        share), listing every problem.
    OutputError
        The file cannot be written (the message names it).

    Examples
    --------
    >>> import tempfile, geozz as gz
    >>> units = gz.build_units(gz.datasets.longgang()).iloc[:30]
    >>> problems, rejects = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> ledger = gz.assign(problems, units)
    >>> ratings = gz.rate(ledger, units)
    >>> out = gz.reports.workbook(units, ratings, ledger, tempfile.mkdtemp(), period="2024-05")
    >>> out.name
    'workbook-2024-05.xlsx'
    >>> import openpyxl
    >>> openpyxl.load_workbook(out).sheetnames[:2]
    ['汇总 Summary', '网格 Grid']
    """
    import xlsxwriter

    from ..maps.star import NO_RATING_COLOUR, STAR_COLOURS

    c = content(units, ratings, ledger, period=period, problems=problems if internal else None,
                areas=areas, target=target, title=title, stage="workbook")
    if rejects is not None and not isinstance(rejects, pd.DataFrame):
        raise InputError(Issue(field="rejects", expected="the rejects DataFrame of "
                               "gz.read_problems", got=type(rejects).__name__,
                               fix="pass rejects=rejects (or leave it out)"))
    out = out_file(path, suffix=".xlsx", stem="workbook", period=c.period)
    try:
        with atomic_path(out) as tmp:
            wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                                "strings_to_urls": False,
                                                "strings_to_numbers": False,
                                                "nan_inf_to_errors": False})
            wb.set_properties({"title": clean_text(f"{c.title} {c.period}"),
                               "subject": "整脏治乱台账 geozz workbook", "author": "geozz"})
            w = _Writer(wb, STAR_COLOURS, NO_RATING_COLOUR)
            used: set[str] = set()
            _summary(w, wb.add_worksheet(_sheet_name("汇总 Summary", used)), c,
                     simulated=simulated)
            cols = _unit_columns(c)
            now = c.now.assign(list_label=c.now["list"].map(_LIST_LABELS).fillna(""))
            for t in c.unit_types:
                ws = wb.add_worksheet(_sheet_name(_type_label(t), used))
                _table(w, ws, now[now["unit_type"].astype(str) == t], cols, freeze_cols=2)
            frame, pcols = _problem_frame(c, internal=internal)
            _table(w, wb.add_worksheet(_sheet_name("问题 Problems", used)), frame, pcols,
                   freeze_cols=1)
            if rejects is not None:
                frame, rcols = _rejects_frame(rejects, internal=internal)
                _table(w, wb.add_worksheet(_sheet_name("退回 Rejects", used)), frame, rcols)
            for which, label in (("red", "红榜 Red list"), ("black", "黑榜 Black list")):
                lst = getattr(c, which)
                lst = lst.assign(type_label=lst["unit_type"].map(_type_label))
                _table(w, wb.add_worksheet(_sheet_name(label, used)), lst, _list_columns())
            wb.close()
    except (OSError, xlsxwriter.exceptions.XlsxWriterException) as exc:
        raise OutputError(Issue(file=str(out), expected="a writable .xlsx file",
                                got=str(exc)[:200], fix="close the file if a spreadsheet "
                                "has it open, or choose another path")) from None
    return out

