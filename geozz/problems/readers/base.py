"""What every reader returns (:class:`RawTable`) and the helpers they share.

Examples
--------
>>> _names(["a", "", "a"])
['a', 'Unnamed: 1', 'a.1']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...errors import InputError, Issue


@dataclass
class RawTable:
    """The records of one file before validation."""

    frame: pd.DataFrame                 #: one row per record with fields; str or None
    rows: np.ndarray                    #: 1-based record number of each frame row
    lines: np.ndarray | None            #: physical line / sheet row / feature number
    n_records: int                      #: records in the file, malformed ones included
    #: records without usable fields: dicts with row, line, reason, field, value
    malformed: list[dict] = field(default_factory=list)
    #: frame position -> (reason, field, value) found while reading (e.g. bad geometry)
    marks: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    damaged: bool = False               #: bytes were replaced by U+FFFD when decoding
    serial_dates: bool = False          #: plain numbers in time columns are Excel serials


def _fail(file: str, expected: str, fix: str, got: object = None) -> InputError:
    return InputError(Issue(file=file, expected=expected, got=got, fix=fix))


def _names(header: list) -> list[str]:
    """Column names: stripped, ``Unnamed: i`` for blanks, ``name.1`` for repeats."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        h = str(h).strip() if h is not None else ""
        h = h or f"Unnamed: {i}"
        if h in seen:
            seen[h] += 1
            h = f"{h}.{seen[h]}"
        else:
            seen[h] = 0
        out.append(h)
    return out


def _frame(records: list[list], names: list[str]) -> pd.DataFrame:
    """An object frame of ``records`` under ``names`` (empty columns when no records)."""
    if records:
        return pd.DataFrame(records, columns=names, dtype=object)
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in names})
