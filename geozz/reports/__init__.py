"""The office's paperwork of a period: the ledger workbook (台账, ``.xlsx``) and the
bulletin (通报, ``.docx`` and ``.pdf``).

* :func:`workbook`: summary, a sheet per unit type, the period's problems, rejects, the red
  and black lists (xlsxwriter);
* :func:`bulletin`: the period's star distribution, areas ranked, red and black lists,
  units that rose or fell, overdue problems, recurrence (回潮) and the printed map
  (python-docx; the PDF converted from the very same ``.docx`` by LibreOffice).

The writers import xlsxwriter, python-docx and matplotlib when called, not here, so
``import geozz`` stays light. See ``docs/reports.md``.
"""

from __future__ import annotations

from .bulletin import bulletin
from .workbook import workbook

__all__ = ["bulletin", "workbook"]
