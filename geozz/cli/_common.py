"""What every ``geozz`` command shares: the stage progress bar, options, error handling."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Iterator

import click

__all__ = ["Stages", "stages", "pairs", "echo_for", "print_rejects", "parse_bbox",
           "load_problems"]


class Stages:
    """A progress bar over a command's stages (on stderr, hidden when not a terminal)."""

    def __init__(self, names: list[str], quiet: bool):
        from tqdm import tqdm

        self.bar = tqdm(total=len(names), unit="stage", disable=quiet or None,
                        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}]",
                        file=sys.stderr)

    def step(self, name: str) -> None:
        self.bar.set_description(name.ljust(10))

    def done(self) -> None:
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


@contextlib.contextmanager
def stages(names: list[str], quiet: bool) -> Iterator[Stages]:
    """The stage bar; a :class:`~geozz.errors.GeozzError` becomes a one-message CLI error
    (exit code 1) instead of a traceback."""
    from ..errors import GeozzError

    bar = Stages(names, quiet)
    try:
        yield bar
    except GeozzError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        bar.close()


def pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    """``("raw=code", ...)`` -> ``{"raw": "code"}``; the last ``=`` splits (raw text may hold
    one)."""
    out = {}
    for v in values:
        raw, sep, code = v.rpartition("=")
        if not sep or not raw.strip() or not code.strip():
            raise click.BadParameter(f"{v!r}: write RAW=CODE, e.g. '垃圾=exposed_garbage'",
                                     param_hint=option)
        out[raw.strip()] = code.strip()
    return out


def parse_bbox(text: str | None, option: str) -> tuple[float, ...] | None:
    """``"minx,miny,maxx,maxy"`` -> a tuple of four floats."""
    if not text:
        return None
    try:
        box = tuple(float(v) for v in text.split(","))
    except ValueError:
        box = ()
    if len(box) != 4:
        raise click.BadParameter("four numbers: minlon,minlat,maxlon,maxlat",
                                 param_hint=option)
    return box


def echo_for(ctx: click.Context):
    """``click.echo``, or a no-op under ``geozz -q``."""
    return (lambda *a, **k: None) if ctx.obj.get("quiet") else click.echo


def print_rejects(echo, rejects) -> None:
    """One line per reject reason (and raw value, for unmapped values), most frequent
    first."""
    import geozz as gz

    for _, row in gz.problems.summarize_rejects(rejects).iterrows():
        value = f" {row['value']!r}" if row["value"] else ""
        kind = "" if row["kind"] == "record" else " (field set aside, record kept)"
        echo(f"  rejected {row['count']:>6} {row['reason']}{value}{kind}")


def out_path(value: Path, suffixes: tuple[str, ...], option: str) -> Path:
    """Check an output file's suffix against the formats a command writes."""
    if not value.name.lower().endswith(suffixes):
        raise click.BadParameter(f"{value}: the file name must end in one of "
                                 f"{', '.join(suffixes)}", param_hint=option)
    return value


def load_problems(path: Path, tz: str):
    """``(problems, rejects)`` of a file written by ``geozz problems`` (no rejects: they
    were written beside it) or of raw records, read with :func:`geozz.read_problems`."""
    import pandas as pd

    import geozz as gz

    if gz.problems.store.is_saved(path):
        return gz.problems.load(path, tz=tz), pd.DataFrame()
    return gz.read_problems(path, tz=tz)
