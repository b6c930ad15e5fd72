"""The one exception hierarchy of geozz.

Every exception geozz raises derives from :class:`GeozzError`. Errors caused by
the caller's input also derive from :class:`ValueError`, so code written
against the standard library keeps working. Input checks collect every
problem they find and raise once: each problem is an :class:`Issue` naming the
file, the row, the field, what was expected and how to fix it.

Examples
--------
>>> from geozz.errors import InputError, Issue
>>> err = InputError([Issue(file="a.csv", row=3, field="lon", expected="a number",
...                         got="abc", fix="write the longitude in decimal degrees")])
>>> isinstance(err, ValueError)
True
>>> print(err)  # doctest: +NORMALIZE_WHITESPACE
1 problem in the input:
  a.csv, row 3, field 'lon': expected a number, got 'abc'. Fix: write the longitude in decimal degrees
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

__all__ = [
    "GeozzError",
    "InputError",
    "Issue",
    "SchemaError",
    "CRSError",
    "OSMError",
    "RubricError",
    "InvariantError",
    "OutputError",
]


@dataclass(frozen=True)
class Issue:
    """One problem found in the input.

    Parameters
    ----------
    file : str or None
        The file the problem is in, if it came from a file.
    row : int or None
        The 1-based data row (header not counted), or ``None`` for the whole file.
    field : str or None
        The column or option at fault.
    expected : str
        What was expected there.
    got : object
        What was found.
    fix : str
        How to fix it.
    line : int or None
        The 1-based physical line of a text file where the record starts, when it differs
        from the row (quoted fields over several lines, title rows).
    """

    file: str | None = None
    row: int | None = None
    field: str | None = None
    expected: str = ""
    got: Any = None
    fix: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = [p for p in (
            self.file,
            f"row {self.row}" if self.row is not None else None,
            f"line {self.line}" if self.line is not None else None,
            f"field {self.field!r}" if self.field else None,
        ) if p]
        text = ", ".join(where) + ": " if where else ""
        text += f"expected {self.expected}" if self.expected else "invalid"
        if self.got is not None:
            got = repr(self.got)
            text += f", got {got[:80]}"
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


class GeozzError(Exception):
    """Base class of every exception geozz raises."""


class InputError(GeozzError, ValueError):
    """Bad input: carries every :class:`Issue` found, reported together.

    Parameters
    ----------
    issues : Issue, str or iterable of them
        The problems found. A plain string is taken as a one-line message.
    """

    def __init__(self, issues: Issue | str | Iterable[Issue | str]):
        if isinstance(issues, (Issue, str)):
            issues = [issues]
        self.issues: list[Issue | str] = list(issues)
        super().__init__(self._message())

    _where = "in the input"

    def _message(self) -> str:
        n = len(self.issues)
        if n == 1 and isinstance(self.issues[0], str):
            return self.issues[0]
        head = f"{n} problem{'s' if n != 1 else ''} {self._where}:"
        shown = [f"  {i}" for i in self.issues[:20]]
        if n > 20:
            shown.append(f"  … and {n - 20} more")
        return "\n".join([head, *shown])


class SchemaError(InputError):
    """A table lacks a column, or a column holds the wrong kind of value."""


class CRSError(InputError):
    """A coordinate reference system is missing, unknown or unsuitable."""


class OSMError(InputError):
    """An OpenStreetMap file cannot be read or holds nothing usable."""


class RubricError(InputError):
    """A rubric file or name is invalid."""


class InvariantError(GeozzError, AssertionError):
    """An internal count check failed: a record would have been lost.

    This is a bug in geozz, never the caller's fault; please report it.
    """


class OutputError(GeozzError, OSError):
    """An output cannot be written: the folder is not writable, is a file, or is not one
    geozz made. The message names the path and the fix; the previous output is intact.

    Examples
    --------
    >>> err = OutputError(Issue(file="public/", expected="a writable folder",
    ...                         fix="choose another folder"))
    >>> isinstance(err, OSError), "public/" in str(err)
    (True, True)
    """

    _where = "with the output"

    def __init__(self, issues: Issue | str | Iterable[Issue | str]):
        if isinstance(issues, (Issue, str)):
            issues = [issues]
        self.issues: list[Issue | str] = list(issues)
        super().__init__(InputError._message(self))
