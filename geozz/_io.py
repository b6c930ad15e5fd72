"""Small file helpers shared by the stages.

- :func:`atomic_path` / :func:`write_text`: one file written atomically.
- :func:`script_json`: data for a page's ``<script>``, inert in HTML and in templates.
- :func:`write_csv`: a published table, atomic, UTF-8 with BOM, safe to open in Excel.
- :func:`atomic_dir`: a whole published folder swapped in at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from .errors import InputError, InvariantError, Issue, OutputError

__all__ = ["as_path", "atomic_path", "write_text", "read_config_text", "script_json", "neutralise_cells", "write_csv",
           "atomic_dir", "MARKER"]


def as_path(value: Any, *, field: str = "path", what: str = "file") -> Path:
    """``value`` as a :class:`~pathlib.Path`, or an :class:`InputError` naming ``field``.

    Examples
    --------
    >>> as_path("a/b.csv").name
    'b.csv'
    >>> as_path(None, field="out_dir", what="folder")
    Traceback (most recent call last):
    ...
    geozz.errors.InputError: 1 problem in the input:
      field 'out_dir': expected a folder path (str or os.PathLike), got 'NoneType'. Fix: pass the folder as a string or a pathlib.Path
    """
    if isinstance(value, (str, os.PathLike)) and str(value) != "":
        return Path(value)
    got = "an empty string" if isinstance(value, str) else type(value).__name__
    raise InputError(Issue(field=field, expected=f"a {what} path (str or os.PathLike)",
                           got=got,
                           fix=f"pass the {what} as a string or a pathlib.Path"))


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` on success.

    A crash (or exception) inside the block leaves ``path`` as it was and removes the
    temporary file, so a reader never sees half a file.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.stem}.", suffix=path.suffix,
                               dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # writers such as GDAL want to create the file themselves
    tmp = Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically and return the path.

    Examples
    --------
    >>> import tempfile
    >>> p = write_text(Path(tempfile.mkdtemp()) / "x.txt", "hi")
    >>> p.read_text()
    'hi'
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding=encoding)
    return path


def read_config_text(path: Path, *, what: str, error: type = InputError) -> str:
    """The UTF-8 text (a BOM is allowed) of a configuration file such as a rubric, or
    ``error`` naming the file and the fix: a folder, a missing or unreadable file, bytes
    that are not UTF-8.

    Examples
    --------
    >>> read_config_text(Path("no-such.toml"), what="rubric file")
    Traceback (most recent call last):
    ...
    geozz.errors.InputError: 1 problem in the input:
      no-such.toml: expected an existing rubric file. Fix: check the path
    """
    path = Path(path)
    if path.is_dir():
        raise error(Issue(file=str(path), expected=f"a {what}, not a folder",
                          fix="give the path of the .toml file inside it"))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(Issue(file=str(path), expected=f"an existing {what}",
                          fix="check the path")) from None
    except OSError as exc:
        raise error(Issue(file=str(path), expected=f"a readable {what}", got=exc.strerror,
                          fix="check the file's permissions")) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(Issue(file=str(path), expected="UTF-8 text",
                          got=f"byte {raw[exc.start]:#04x} at position {exc.start}",
                          fix=f"save the {what} as UTF-8")) from None


# ---- data inside a page ------------------------------------------------------------------

_HTML_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                 ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_TEMPLATE_SYNTAX = re.compile(r"\{[{%#]")


def _brace_escape(match: re.Match) -> str:
    s = match.group(0)
    return s.replace("{", "\\u007b") if "{" in s else s


def script_json(obj: Any) -> str:
    """``obj`` as a JavaScript literal that is inert inside ``<script>`` and in templates.

    The one way geozz puts data into a page. ``<``, ``>``, ``&``, U+2028 and U+2029 are
    written as ``\\u003c`` … so no text can close the script, open a comment or break a
    line; ``{`` inside strings is written as ``\\u007b`` so that no Jinja syntax
    (``{{``, ``{%``, ``{#``) can appear anywhere in the output, even if a page engine
    renders it as a template again. The browser reads back exactly the original text.

    Examples
    --------
    >>> script_json({"name": "</script><!--{{ 7*7 }}"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003c!--\\\\u007b\\\\u007b 7*7 }}"}'
    >>> json.loads(script_json(["{% raw %}", "\\u2028"])) == ["{% raw %}", "\\u2028"]
    True
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in _HTML_ESCAPES:
        text = text.replace(raw, escaped)
    if "{" in text:
        text = _JSON_STRING.sub(_brace_escape, text)
    if _TEMPLATE_SYNTAX.search(text):  # pragma: no cover - impossible in compact JSON
        raise InvariantError("template syntax in page data: please report this bug")
    return text


# ---- published tables --------------------------------------------------------------------

#: first characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cells(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` where text cells that a spreadsheet would run as a formula are
    prefixed with a single quote (OWASP CSV injection). Numbers are left as numbers.

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["=HYPERLINK(1)", "-x", "ok"], "score": [-3.0, 1.0, 2.0]})
    >>> out = neutralise_cells(df)
    >>> out["id"].tolist(), out["score"].tolist()
    (["'=HYPERLINK(1)", "'-x", 'ok'], [-3.0, 1.0, 2.0])
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s) \
                or pd.api.types.is_datetime64_any_dtype(s):
            continue
        values = s.astype(object)
        hit = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START))
        if hit.any():
            out[col] = values.where(~hit, "'" + values[hit].astype(str))
    return out


def write_csv(path: str | Path, df: pd.DataFrame) -> Path:
    """Write a published table: atomically, UTF-8 with BOM (Excel reads Chinese text
    right), formula-like text cells neutralised by :func:`neutralise_cells`.

    Examples
    --------
    >>> import tempfile
    >>> p = write_csv(Path(tempfile.mkdtemp()) / "t.csv", pd.DataFrame({"a": ["=1+1"]}))
    >>> p.read_bytes()
    b"\\xef\\xbb\\xbfa\\n'=1+1\\n"
    """
    return write_text(path, csv_text(df), encoding="utf-8-sig")


def csv_text(df: pd.DataFrame) -> str:
    """The text :func:`write_csv` writes (before the BOM), formula-like cells neutralised.

    Examples
    --------
    >>> csv_text(pd.DataFrame({"a": ["@SUM(A1)", "x"]})).splitlines()
    ['a', "'@SUM(A1)", 'x']
    """
    return neutralise_cells(df).to_csv(index=False, lineterminator="\n")


# ---- whole folders -----------------------------------------------------------------------

#: the file that marks a folder as a geozz publication (so geozz may replace it)
MARKER = ".geozz-publication"
_STALE_AGE_S = 600  # without flock: siblings older than this are from dead runs


def _sibling_prefix(target: Path) -> str:
    return f".{target.name}.geozz-"


def _out_error(target: Path, what: str, fix: str) -> OutputError:
    return OutputError(f"cannot publish to {target}: {what}. Fix: {fix}. "
                       "Nothing in that folder was changed.")


def _exchange_function():
    """``renameat2`` from the C library, or None where it does not exist."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                     ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


_RENAMEAT2 = _exchange_function() if os.name == "posix" else None
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    system or the file system cannot."""
    if _RENAMEAT2 is None:
        return False
    rc = _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[bool]:
    """Hold an exclusive lock on ``folder`` (flock; released if the process dies)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield False
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # a folder we may write but not read: go on without the lock
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without locks
            yield False
        else:
            yield True
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _recover(target: Path, *, locked: bool) -> None:
    """Clear what killed runs left beside ``target``; restore a publication moved aside."""
    prefix = _sibling_prefix(target)
    now = time.time()
    try:
        leftovers = sorted(p for p in target.parent.iterdir() if p.name.startswith(prefix))
    except OSError:
        return
    for p in leftovers:
        try:
            if not locked and now - p.lstat().st_mtime < _STALE_AGE_S:
                continue  # may belong to a run still going
            if p.name.startswith(prefix + "old-") and not target.exists() \
                    and (p / MARKER).exists():
                os.rename(p, target)  # killed between moving aside and moving in
            elif p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink()
        except OSError:
            continue  # cleared next time


def _preflight(target: str | Path) -> Path:
    """The target as an absolute path; OutputError for every reason it cannot be
    published to, before anything is written."""
    target = Path(target).expanduser()
    if target.is_symlink():
        target = target.resolve()
    target = target.absolute()
    parent = target.parent
    fix_other = "choose another folder (--out) or remove what is in the way"
    if target.exists() and not target.is_dir():
        raise _out_error(target, "it is a file, not a folder", fix_other)
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise _out_error(target, f"a part of {parent} is a file, not a folder",
                         fix_other) from None
    except OSError as exc:
        raise _out_error(target, f"its parent folder cannot be created ({exc.strerror})",
                         "choose a folder you can write to") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise _out_error(target, f"its parent folder {parent} is not writable",
                         "choose a folder you can write to, or change its permissions")
    if target.is_dir():
        try:
            entries = os.listdir(target)
        except OSError as exc:
            raise _out_error(target, f"it cannot be read ({exc.strerror})",
                             "choose a folder you can read and write") from None
        if entries and MARKER not in entries:
            raise _out_error(
                target, f"it is a folder geozz did not make (no {MARKER} file) and is "
                "not empty, so publishing would replace files geozz does not own",
                "choose a new or empty folder, or remove this one")
    return target


@contextlib.contextmanager
def atomic_dir(target: str | Path, *, marker_text: str = "") -> Iterator[Path]:
    """Build a folder in a temporary sibling and swap it in for ``target`` as a whole.

    Readers see the previous folder complete until the swap and the new one complete
    after: on Linux the swap is one ``renameat2(RENAME_EXCHANGE)``; elsewhere the old
    folder is renamed aside and the new one in, and a later call recovers a folder left
    aside by a killed run. Temporary siblings of killed runs are removed by the next
    call. Every folder made carries a :data:`MARKER` file; an existing non-empty folder
    without one is never replaced.

    Parameters
    ----------
    target : str or Path
        The folder to (re)place.
    marker_text : str
        Content of the marker file (e.g. what was published).

    Raises
    ------
    OutputError
        The target is a file, a foreign folder, or its parent is not writable; raised
        before anything is written. An ``OSError`` inside the block also becomes an
        ``OutputError``; the previous folder is intact in every case.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "public"
    >>> with atomic_dir(target) as tmp:
    ...     _ = (tmp / "a.txt").write_text("one")
    >>> sorted(p.name for p in target.iterdir())
    ['.geozz-publication', 'a.txt']
    """
    target = _preflight(target)
    parent = target.parent
    with _locked(parent) as locked:
        _recover(target, locked=locked)
        target = _preflight(target)  # again: the state may have changed while waiting
        try:
            tmp = Path(tempfile.mkdtemp(prefix=_sibling_prefix(target) + "new-",
                                        dir=parent))
        except OSError as exc:
            raise _out_error(target, f"its parent folder cannot be written "
                             f"({exc.strerror})", "choose a folder you can write to") \
                from None
        try:
            try:
                yield tmp
                (tmp / MARKER).write_text(marker_text or "geozz publication\n",
                                          encoding="utf-8")
                os.chmod(tmp, 0o755)  # mkdtemp makes it 0700; a public folder is readable
                if not target.exists():
                    os.rename(tmp, target)
                elif _exchange(tmp, target):
                    shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old one
                else:
                    aside = Path(tempfile.mkdtemp(prefix=_sibling_prefix(target) + "old-",
                                                  dir=parent))
                    aside.rmdir()  # a free name beside the target
                    os.rename(target, aside)
                    try:
                        os.rename(tmp, target)
                    except OSError:
                        os.rename(aside, target)  # put the previous one back
                        raise
                    shutil.rmtree(aside, ignore_errors=True)
                _fsync_dir(parent)
            except OutputError:
                raise
            except OSError as exc:
                raise _out_error(target, f"writing failed ({exc.strerror or exc})",
                                 "check free space and permissions, then publish again") \
                    from exc
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
