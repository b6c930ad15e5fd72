"""Delimited text records: CSV / TXT / TSV, optionally gzipped, in UTF-8 or GB18030.

See the module docstring of :mod:`geozz.problems` for the rules on encodings, malformed
records and unbalanced quotes.

Examples
--------
>>> _split_line('a,"b,c"', ",")
['a', 'b,c']
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
from pathlib import Path

import numpy as np

from ...errors import InputError, Issue
from .base import RawTable, _fail, _frame, _names

TEXT_SUFFIXES = (".csv", ".csv.gz", ".txt", ".txt.gz", ".tsv", ".tsv.gz")

def decode(data: bytes, encoding: str | None, file: str) -> tuple[str, bool]:
    """Decode the bytes of a text file; return the text and whether bytes were replaced.

    A file that decodes as UTF-8 (with or without BOM) is UTF-8. Otherwise, if the
    valid multi-byte UTF-8 characters outnumber the undecodable sequences, it is a UTF-8
    file with stray bytes: those become U+FFFD. Otherwise GB18030 (a superset of GBK)
    is tried; failing that, the encoding with fewer replaced bytes wins.

    Examples
    --------
    >>> decode("编号,a".encode("gb18030"), None, "a.csv")
    ('编号,a', False)
    >>> decode("编号,问题".encode() + b"\\xff", None, "a.csv")
    ('编号,问题�', True)
    """
    if encoding:
        try:
            return data.decode(encoding), False
        except LookupError:
            raise InputError(Issue(file=file, field="encoding", expected="an encoding "
                                   "Python knows", got=encoding,
                                   fix='write encoding="utf-8" or "gb18030"')) from None
        except UnicodeDecodeError:
            return data.decode(encoding, errors="replace"), True
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    as_utf8 = data.decode("utf-8", errors="replace")
    n_bad = as_utf8.count("\ufffd")
    n_multi = sum(1 for ch in as_utf8 if ord(ch) > 127) - n_bad
    if n_multi < n_bad:
        try:
            return data.decode("gb18030"), False
        except UnicodeDecodeError:
            as_gb = data.decode("gb18030", errors="replace")
            if as_gb.count("\ufffd") < n_bad:
                return as_gb, True
    return as_utf8, True


def _read_bytes(path: Path) -> bytes:
    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                return fh.read()
        return path.read_bytes()
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise _fail(str(path), "a readable (gzip) file", "check the file or export it "
                    "again", got=str(exc)[:200]) from None


def _split_line(line: str, delimiter: str) -> list[str] | None:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return None


def _scan_long_record(lines: list[str], s: int, delimiter: str,
                      ncol: int, limit: int) -> tuple[int, int, int] | None:
    """Where the record starting on line ``s`` ends, and its longest field.

    For a record the :mod:`csv` module refused because a field is longer than its
    ``field_size_limit``: the record is followed the way the :mod:`csv` module reads it
    (default dialect, not strict: ``"`` opens a quoted field at the start of a field,
    ``""`` inside is one quote, a quoted field runs over line ends), without a limit.

    Parameters
    ----------
    lines : list of str
        The physical lines of the file, each with its line end.
    s : int
        Index of the record's first line.
    delimiter : str
        The field separator.
    ncol : int
        Fields in the header.
    limit : int
        The longest field the :mod:`csv` module reads (``csv.field_size_limit()``).

    Returns
    -------
    tuple of int or None
        ``(end, field, length)``: the index of the line after the record, the 0-based
        position of its first field over ``limit`` and that field's length in
        characters. None when the record is not one: a quoted field runs over several
        lines and a later line, read alone, has the header's number of fields, or the
        record spans lines or ends the file inside quotes without having the header's
        number of fields (an unbalanced quote: only line ``s`` is bad), or no field is
        over ``limit``.

    Examples
    --------
    >>> _scan_long_record(['a,"b\\n', 'cc"" d"\\n', 'x,y\\n'], 0, ",", 2, 3)
    (2, 1, 7)
    >>> _scan_long_record(['a,"bbbb\\n', 'x,y\\n'], 0, ",", 2, 3) is None
    True
    """
    special = re.compile('"|' + re.escape(delimiter) + r"|\r\n|\r|\n")
    start, unquoted, quoted, after_quote = range(4)
    state, length, fields, longest = start, 0, 0, None
    k, n = s, len(lines)

    def end_field() -> None:
        nonlocal state, length, fields, longest
        if longest is None and length > limit:
            longest = (fields, length)
        fields += 1
        state, length = start, 0

    while k < n:
        text, pos, done = lines[k], 0, False
        for m in special.finditer(text):
            plain, tok = m.start() - pos, m.group()
            pos = m.end()
            if plain:
                length += plain
                if state != quoted:
                    state = unquoted  # text after a closing quote is taken as it is
            if state == quoted:
                if tok == '"':
                    state = after_quote
                else:  # a separator or a line end inside the quotes is text
                    length += len(tok)
            elif tok == '"':
                if state == start:
                    state = quoted
                else:  # '""' in a quoted field, or a quote inside an unquoted one
                    length += 1
                    state = quoted if state == after_quote else state
            elif tok == delimiter:
                end_field()
            else:  # a line end outside quotes ends the record
                done = True
                break
        if not done:
            length += len(text) - pos
            if state != start and state != quoted:
                state = unquoted
        k += 1
        if done or state != quoted:
            break
        if k < n:  # the quote runs on: is the next line a record of its own?
            alone = _split_line(lines[k], delimiter)
            if alone is not None and len(alone) == ncol:
                return None
    open_quote = state == quoted  # the file ended inside a quoted field
    end_field()
    if fields != ncol and (k - s > 1 or open_quote):
        return None
    if longest is None:  # no field over the limit after all: not ours to place
        return None
    return k, longest[0], longest[1]


def read_text(path: Path, *, encoding: str | None = None) -> RawTable:
    """Read a delimited text file record by record (stdlib :mod:`csv`).

    See the module docstring of :mod:`geozz.problems` for the rules on malformed
    records and unbalanced quotes.
    """
    file = str(path)
    text, damaged = decode(_read_bytes(path), encoding, file)
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
        damaged = True
    lines = io.StringIO(text, newline="").readlines()
    name = path.name.lower().removesuffix(".gz")
    h = 0
    while h < len(lines) and not lines[h].strip():
        h += 1
    if h == len(lines):
        raise _fail(file, "a header row naming the columns", "export the records again",
                    got="only blank lines")
    if name.endswith(".tsv"):
        delim = "\t"
    elif name.endswith(".txt"):
        try:
            delim = csv.Sniffer().sniff(lines[h][:10000], delimiters=",\t;|").delimiter
        except csv.Error:
            delim = ","
    else:
        delim = ","
    header = _split_line(lines[h], delim)
    if not header or len(header) < 2:
        raise _fail(file, f"a header row of column names separated by {delim!r}",
                    "save the file as CSV (comma-separated)", got=lines[h][:80])
    names = _names(header)
    ncol = len(names)
    records: list[list[str]] = []
    starts: list[int] = []
    rownums: list[int] = []
    malformed: list[dict] = []
    row = 0

    def bad(line_no: int, why: str, reason: str = "malformed_record",
            column: str | None = None) -> None:
        nonlocal row
        row += 1
        malformed.append({"row": row, "line": line_no + 1, "reason": reason,
                          "field": column, "value": why})

    limit = csv.field_size_limit()

    pos = h + 1
    n = len(lines)
    while pos < n:
        reader = csv.reader((lines[k] for k in range(pos, n)), delimiter=delim)
        base = pos
        pos = n
        while True:
            before = reader.line_num
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                s = base + before
                pos = s + 1
                got = _scan_long_record(lines, s, delim, ncol, limit) \
                    if "field limit" in str(exc) else None
                if got is not None:  # the whole record, however many lines, and no more
                    pos, at, size = got
                    column = names[at] if at < ncol else f"field {at + 1}"
                    bad(s, f"{size:,} characters in {column}, over the limit of {limit:,} "
                        "(csv.field_size_limit())", "field_too_long", column)
                elif "field limit" in str(exc):
                    bad(s, "unbalanced quote: a quoted field runs on past the csv module's "
                        f"limit of {limit:,} characters; the following lines are read as "
                        "records of their own")
                else:
                    bad(s, f"unreadable record: {exc}")
                break
            s, e = base + before, base + reader.line_num
            if not "".join(fields).strip():
                continue  # a blank line (or only separators) is no record
            if e - s > 1:
                cont = [_split_line(ln, delim) for ln in lines[s + 1:e]]
                if len(fields) != ncol or any(c is not None and len(c) == ncol
                                              for c in cont):
                    bad(s, f"unbalanced quote: a quoted field runs over {e - s} lines; "
                        "the following lines are read as records of their own")
                    pos = s + 1
                    break
            if len(fields) > ncol and not any(f.strip() for f in fields[ncol:]):
                fields = fields[:ncol]
            if len(fields) != ncol:
                bad(s, f"{len(fields)} fields where the header has {ncol}")
                continue
            row += 1
            records.append(fields)
            starts.append(s + 1)
            rownums.append(row)
    frame = _frame(records, names).replace({"": None})
    return RawTable(frame=frame, rows=np.array(rownums, dtype=int),
                    lines=np.array(starts, dtype=int), n_records=row, malformed=malformed,
                    damaged=damaged)


