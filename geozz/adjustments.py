"""Manual adjustments: points added or deducted by hand per unit and period (加分 / 扣分).

An office adds points for an innovation award or deducts them for a serious incident,
always with a reason. :func:`read_adjustments` reads them from CSV or XLSX (any encoding
and title rows above the header, as :func:`geozz.read_problems` reads them) into a table
``unit_id``, ``period``, ``points``, ``reason`` and a rejects table of the rows that
cannot be used; :func:`geozz.rate` shows them beside the computed deductions.

The columns are found by name (a ``columns=`` mapping adds names of your own):

=========  ===========================================================================
field      names
=========  ===========================================================================
unit_id    unit_id, 单元编号, 单元ID, 编号, 网格编号
period     period, 期间, 考核期, 考核周期, 周期, 月份, 季度
points     points, 分值, 加扣分, 加减分, 调整分, 分数
reason     reason, 原因, 事由, 说明, 理由
=========  ===========================================================================

A period is a month (``2024-05``, ``2024-5``, ``2024年5月``, or the first of the month as
Excel stores a typed month, ``2024-05-01 00:00:00``), a quarter (``2024Q2``,
``2024-Q2``, ``2024年第2季度``, ``2024年Q2``) or a year (``2024``, ``2024年``) and is
written back as ``2024-05``, ``2024Q2`` or ``2024``. Points are a number, ``+`` for a
bonus and ``-`` for a penalty (``+2``, ``-5``, ``−5``, ``-5分``), never 0.

Examples
--------
>>> import os, tempfile
>>> f = os.path.join(tempfile.mkdtemp(), "adj.csv")
>>> _ = open(f, "w", encoding="utf-8").write(
...     "单元编号,考核期,分值,原因\\nG1,2024-05,+2,创新示范\\nG2,2024Q2,-5,重大事故\\n"
...     "G9,2024-05,-1,夜间倾倒\\nG1,2024-13,1,x\\nG2,2024-06,5分,\\n")
>>> adj, rejects = read_adjustments(f, units=["G1", "G2"])
>>> adj
  unit_id   period  points reason
0      G1  2024-05     2.0   创新示范
1      G2   2024Q2    -5.0   重大事故
>>> rejects[["row", "reason", "field", "value"]]
   row        reason    field    value
0    3  unknown_unit  unit_id       G9
1    4    bad_period   period  2024-13
2    5     no_reason   reason     None
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, Issue

__all__ = ["ADJUSTMENT_COLUMNS", "REJECT_REASONS", "parse_period", "read_adjustments"]

#: The fields of an adjustments file and the column names each is found under.
ADJUSTMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "unit_id": ("unit_id", "单元编号", "单元ID", "编号", "网格编号"),
    "period": ("period", "期间", "考核期", "考核周期", "周期", "月份", "季度"),
    "points": ("points", "分值", "加扣分", "加减分", "调整分", "分数"),
    "reason": ("reason", "原因", "事由", "说明", "理由"),
}

#: Why a row of an adjustments file is rejected.
REJECT_REASONS = ("malformed", "no_unit", "unknown_unit", "bad_period", "bad_points",
                  "no_reason")

_MONTH = re.compile(r"(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*月?"
                    r"(?:(?:-|/)0?1(?:[ T]00:00(?::00)?)?)?")
_QUARTER = re.compile(r"(\d{4})\s*(?:-|年)?\s*(?:Q|q|第)\s*([1-4])\s*(?:季度)?")
_YEAR = re.compile(r"(\d{4})\s*年?(?:度)?")
_POINTS = re.compile(r"[+\-]?(?:\d+(?:\.\d*)?|\.\d+)")


def parse_period(value: object) -> str | None:
    """The canonical period text (``2024-05``, ``2024Q2``, ``2024``) or None.

    Examples
    --------
    >>> [parse_period(v) for v in ["2024-5", "2024年第2季度", "2024-05-01 00:00:00",
    ...                            "2024", "2024-13", "May"]]
    ['2024-05', '2024Q2', '2024-05', '2024', None, None]
    """
    if value is None:
        return None
    text = str(value).strip()
    m = _MONTH.fullmatch(text)
    if m:
        month = int(m.group(2))
        return f"{m.group(1)}-{month:02d}" if 1 <= month <= 12 else None
    m = _QUARTER.fullmatch(text)
    if m:
        return f"{m.group(1)}Q{m.group(2)}"
    m = _YEAR.fullmatch(text)
    if m:
        return m.group(1)
    return None


def _points(value: object) -> float | None:
    """A non-zero finite number from ``+2``, ``−5``, ``-5分``; None otherwise."""
    if value is None:
        return None
    text = str(value).strip().replace("−", "-").replace("＋", "+").replace("－", "-")
    text = text.removesuffix("分").strip()
    if not _POINTS.fullmatch(text):
        return None
    number = float(text)
    return number if math.isfinite(number) and number != 0 else None


def _unit_ids(units) -> set[str] | None:
    if units is None:
        return None
    if isinstance(units, pd.DataFrame):
        ids = units["unit_id"] if "unit_id" in units.columns else units.index.to_series()
        return set(ids.astype(str))
    if isinstance(units, (str, bytes)) or not isinstance(units, Iterable):
        raise InputError(Issue(field="units", expected="the units (a GeoDataFrame "
                               "indexed by unit_id) or a list of unit ids",
                               got=type(units).__name__, fix="pass the units you rate"))
    return {str(u) for u in units}


def _header(frame: pd.DataFrame, names: Mapping[str, str]) -> tuple[pd.DataFrame, int]:
    """Find the header among the first rows of a text file with title rows above it.

    Returns the frame under its real header and the number of title rows dropped
    (workbooks are already read from their header row).
    """
    def known(values) -> int:
        return sum(1 for v in values if v is not None and str(v).strip() in names)

    if known(frame.columns) >= 2:
        return frame, 0
    for i in range(min(len(frame), 50)):
        row = frame.iloc[i].tolist()
        if known(row) >= 2:
            from .problems.readers.base import _names
            body = frame.iloc[i + 1:].copy()
            body.columns = _names(row)
            return body, i + 1
    return frame, 0


def read_adjustments(path: str | Path, *, units=None,
                     columns: Mapping[str, str] | None = None,
                     encoding: str | None = None,
                     sheet: str | int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read manual adjustments (加分 / 扣分) per unit and period from CSV or XLSX.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` / ``.txt`` / ``.tsv`` (any common encoding, see
        :func:`geozz.read_problems`) or an ``.xlsx`` workbook; title rows above the
        header are skipped.
    units : GeoDataFrame or iterable of str, optional
        The units rated (ids in the index, or a ``unit_id`` column) or their ids: a row
        naming another unit is rejected as ``unknown_unit``. None accepts any id.
    columns : mapping, optional
        ``{"column in the file": "field"}`` for names the table above does not know,
        e.g. ``{"村名编码": "unit_id"}``.
    encoding : str, optional
        The text encoding, when the guess is wrong.
    sheet : str or int, optional
        The sheet of a workbook (default the first).

    Returns
    -------
    adjustments : DataFrame
        ``unit_id``, ``period`` (``2024-05``, ``2024Q2`` or ``2024``), ``points``
        (float, + bonus, - penalty) and ``reason``, one row per usable row in file
        order.
    rejects : DataFrame
        ``file``, ``row`` (1-based record number under the header), ``line`` (line or
        sheet row), ``reason`` (one of :data:`REJECT_REASONS`, the first that applies),
        ``field``, ``value`` and the row's raw columns (``raw_reason`` for a column
        ``reason`` and the like). Rows of adjustments plus rows of rejects equal the
        records of the file (title rows are not records).

    Raises
    ------
    InputError
        A file that cannot be read (see :func:`geozz.read_problems`), a file without the
        ``unit_id``, ``period``, ``points`` or ``reason`` column (listing every missing
        one with the names looked for), an unknown field in ``columns``, or ``units``
        that are neither units nor ids.

    Examples
    --------
    >>> import os, tempfile
    >>> f = os.path.join(tempfile.mkdtemp(), "adj.csv")
    >>> _ = open(f, "w", encoding="utf-8").write("unit,period,points\\nG1,2024-05,2\\n")
    >>> read_adjustments(f)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozz.errors.InputError: 2 problems in the input:
      ...adj.csv, field 'unit_id': expected a column named one of ['unit_id', '单元编号', ...
      ...adj.csv, field 'reason': expected a column named one of ['reason', '原因', ...
    """
    from .problems.readers import read_raw

    file = str(path)
    columns = dict(columns or {})
    wrong = {k: v for k, v in columns.items() if v not in ADJUSTMENT_COLUMNS}
    if wrong:
        raise InputError([Issue(field=f"columns[{k!r}]", expected=f"one of "
                                f"{list(ADJUSTMENT_COLUMNS)}", got=v,
                                fix="map each column to one of the fields")
                          for k, v in wrong.items()])
    ids = _unit_ids(units)
    names = {n: f for f, ns in ADJUSTMENT_COLUMNS.items() for n in ns}
    names.update(columns)
    p = Path(path)
    suffix = p.name.lower().removesuffix(".gz")
    if not suffix.endswith((".csv", ".txt", ".tsv", ".xlsx", ".xlsm")):
        raise InputError(Issue(file=file, expected="a .csv or .xlsx file of adjustments",
                               got=p.suffix or p.name,
                               fix="save the adjustments as CSV (UTF-8) or .xlsx"))
    raw = read_raw(p, encoding=encoding, sheet=sheet, known_names=set(names))
    frame, titles = _header(raw.frame, names)
    rows = np.asarray(raw.rows)[titles:] - titles
    lines = np.asarray(raw.lines)[titles:] if raw.lines is not None \
        else np.full(len(frame), None)
    n_records = raw.n_records - titles
    found: dict[str, str] = {}
    for col in frame.columns:
        f = names.get(str(col).strip())
        if f is not None and f not in found:
            found[f] = col
    missing = [f for f in ADJUSTMENT_COLUMNS if f not in found]
    if missing:
        raise InputError([Issue(file=file, field=f, expected=f"a column named one of "
                                f"{list(ADJUSTMENT_COLUMNS[f])}",
                                got=list(map(str, frame.columns)),
                                fix=f"rename the column or pass columns={{'<name>': '{f}'}}")
                          for f in missing])
    frame = frame.reset_index(drop=True)
    unit = frame[found["unit_id"]].map(lambda v: None if v is None or not str(v).strip()
                                       else str(v).strip())
    period = frame[found["period"]].map(parse_period)
    points = frame[found["points"]].map(_points)
    reason = frame[found["reason"]].map(lambda v: None if v is None or not str(v).strip()
                                        else str(v).strip())
    why = pd.Series(None, index=frame.index, dtype=object)
    field = pd.Series(None, index=frame.index, dtype=object)
    checks = [("no_unit", "unit_id", unit.isna()),
              ("unknown_unit", "unit_id",
               unit.notna() & ~unit.isin(ids) if ids is not None
               else pd.Series(False, index=frame.index)),
              ("bad_period", "period", period.isna()),
              ("bad_points", "points", points.isna()),
              ("no_reason", "reason", reason.isna())]
    for code, f, mask in checks:
        take = mask.to_numpy(dtype=bool) & why.isna().to_numpy()
        why[take] = code
        field[take] = f
    ok = why.isna().to_numpy()
    adjustments = pd.DataFrame({"unit_id": unit[ok].astype(str),
                                "period": period[ok].astype(str),
                                "points": points[ok].astype(float),
                                "reason": reason[ok].astype(str)}).reset_index(drop=True)
    bad = ~ok
    value = [frame.at[i, found[f]] for i, f in zip(frame.index[bad], field[bad])]
    rejects = pd.DataFrame({"file": file, "row": rows[bad], "line": lines[bad],
                            "reason": why[bad].to_numpy(), "field": field[bad].to_numpy(),
                            "value": value})
    raw_cols = frame[bad].reset_index(drop=True)
    raw_cols.columns = [f"raw_{c}" if c in rejects.columns else c for c in raw_cols.columns]
    rejects = pd.concat([rejects, raw_cols], axis=1)
    if raw.malformed:
        mal = pd.DataFrame([{"file": file, "row": m.get("row"), "line": m.get("line"),
                             "reason": "malformed", "field": m.get("field"),
                             "value": m.get("value")} for m in raw.malformed])
        mal["row"] = mal["row"] - titles
        rejects = pd.concat([rejects, mal], ignore_index=True)
    rejects = rejects.sort_values("row", kind="stable").reset_index(drop=True)
    rejects["value"] = rejects["value"].astype(object).where(rejects["value"].notna(), None)
    if len(adjustments) + len(rejects) != n_records:
        from .errors import InvariantError
        raise InvariantError(f"{file}: {n_records} records read, {len(adjustments)} "
                             f"adjustments and {len(rejects)} rejects")
    return adjustments, rejects
