"""Excel workbooks (``.xlsx`` / ``.xlsm``) read with openpyxl: titles, merged headers.

A workbook below :data:`READ_ONLY_FROM` bytes is loaded in openpyxl's normal mode, which
knows the sheet's merged cells; a larger one in read-only mode (streamed, far less
memory), which does not: there merged cells read as one value and empty cells, so a
merged two-row header must be unmerged (or the sheet saved as CSV) first.

Examples
--------
>>> _cell(45413.0), _cell(45413.5), _cell("  ")
('45413', '45413.5', None)
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from pathlib import Path

import numpy as np

from ...errors import InputError, Issue
from ...tables.problems import column_key
from .base import RawTable, _fail, _frame, _names

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
#: workbooks from this size (bytes) on are streamed read-only, without merged-cell ranges
READ_ONLY_FROM = 30 * 1024 * 1024
#: the header is looked for in this many non-empty rows from the top
HEADER_SEARCH_ROWS = 50


def _cell(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, (date, time)):
        return v.isoformat()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    text = str(v)
    return text if text.strip() else None


def _fill_merged(texts: list[list[str | None]],
                 merged: list[tuple[int, int, int, int]]) -> None:
    """Write each merged range's value (its top-left cell) into every cell of it.

    ``merged`` holds 0-based, inclusive (first row, last row, first col, last col).
    """
    for r0, r1, c0, c1 in merged:
        if r0 >= len(texts) or c0 >= len(texts[r0]):
            continue
        v = texts[r0][c0]
        for r in range(r0, min(r1, len(texts) - 1) + 1):
            row = texts[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                row[c] = v


def _header_block(head: int, merged: list[tuple[int, int, int, int]]) -> int:
    """The last row of the header block starting at ``head``: the rows that merged
    ranges touching the block span (a name merged over two rows makes a two-row header).
    """
    end = head
    grown = True
    while grown:
        grown = False
        for r0, r1, _, _ in merged:
            if r0 <= end and r1 >= head and r1 > end:
                end, grown = r1, True
    return end


def _column_names(texts: list[list[str | None]], head: int, end: int, width: int,
                  known_names: set[str]) -> list[str | None]:
    """Per column, the lowest non-empty name of the header block, preferring the lowest
    recognised one (``位置`` over ``经度`` / ``纬度`` gives 经度 and 纬度)."""
    out: list[str | None] = []
    keys = {column_key(n) for n in known_names}
    for k in range(width):
        names = [texts[r][k].strip() for r in range(head, end + 1)
                 if texts[r][k] is not None and texts[r][k].strip()]
        known = [n for n in names if column_key(n) in keys]
        out.append(known[-1] if known else (names[-1] if names else None))
    return out


def read_xlsx(path: Path, *, sheet: str | int | None = None,
              known_names: set[str] = frozenset()) -> RawTable:
    """Read the first sheet (or ``sheet``) of a workbook with openpyxl.

    Merged cells (workbooks below :data:`READ_ONLY_FROM` bytes) first get their value in
    every cell they cover. The header row is the first of the first 50 non-empty rows
    holding at least two recognised column names (the first non-empty row if none does);
    rows above it are titles. A merged range in the header row that reaches further down
    makes those rows part of the header (a two-row header: ``编号`` merged over rows 3-4,
    ``位置`` over two columns with ``经度`` / ``纬度`` under it); each column is named by
    the lowest recognised name of the block, else its lowest name. Each non-empty row
    below the header block is a record; its line is the sheet row number.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    file = str(path)
    try:
        read_only = path.stat().st_size >= READ_ONLY_FROM
        wb = openpyxl.load_workbook(path, read_only=read_only, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError,
            TypeError, EOFError, AttributeError, IndexError) as exc:
        raise _fail(file, "an .xlsx workbook Excel can open", "open the file in Excel "
                    "and save it again as .xlsx or CSV UTF-8",
                    got=f"{type(exc).__name__}: {exc}"[:200]) from None
    try:
        names = wb.sheetnames
        if sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(sheet, int) and not isinstance(sheet, bool) and \
                -len(names) <= sheet < len(names):
            ws = wb.worksheets[sheet]
        elif isinstance(sheet, str) and sheet in names:
            ws = wb[sheet]
        else:
            raise InputError(Issue(file=file, field="sheet", expected=f"one of {names} "
                                   f"or a number below {len(names)}", got=sheet,
                                   fix="name a sheet of the workbook"))
        try:
            cells = [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]
            merged = [] if read_only else \
                [(r.min_row - 1, r.max_row - 1, r.min_col - 1, r.max_col - 1)
                 for r in ws.merged_cells.ranges]
        except (ValueError, TypeError, KeyError, zipfile.BadZipFile) as exc:
            raise _fail(file, "a readable sheet", "save the workbook again",
                        got=str(exc)[:200]) from None
    finally:
        wb.close()
    width = max((len(r) for r in cells), default=0)
    texts = [[_cell(v) for v in r] + [None] * (width - len(r)) for r in cells]
    _fill_merged(texts, merged)
    nonempty = [i for i, r in enumerate(texts) if any(v is not None for v in r)]
    if not nonempty:
        raise _fail(file, "a sheet with a header row and records", "fill in the sheet "
                    "or name another one with sheet=", got="an empty sheet")
    head = nonempty[0]
    keys = {column_key(n) for n in known_names}
    for i in nonempty[:HEADER_SEARCH_ROWS]:
        if sum(1 for v in texts[i] if v is not None and column_key(v) in keys) >= 2:
            head = i
            break
    end = _header_block(head, merged)
    header = _names(_column_names(texts, head, end, width, known_names))
    body = [i for i in nonempty if i > end]
    frame = _frame([texts[i] for i in body], header)
    keep = [c for c in frame.columns if not (c.startswith("Unnamed: ")
                                             and frame[c].isna().all())]
    return RawTable(frame=frame[keep], rows=np.arange(1, len(body) + 1),
                    lines=np.array([i + 1 for i in body], dtype=int),
                    n_records=len(body), serial_dates=True)
