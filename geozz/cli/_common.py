"""What every ``geozz`` command shares: the stage progress bar, options, error handling."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Iterator

import click

__all__ = ["Stages", "stages", "pairs", "echo_for", "print_rejects", "parse_bbox",
           "load_problems", "cli_terms", "CHECK_FAILED", "report_findings", "force_option"]

#: exit code of a command refused by a sanity check (pass --force to go on)
CHECK_FAILED = 3


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
        raise click.ClickException(cli_terms(str(exc))) from exc
    finally:
        bar.close()


def _options_of_command() -> set[str]:
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return set()
    return {o for p in ctx.command.params for o in getattr(p, "opts", [])
            + getattr(p, "secondary_opts", [])}


def _column_flag(name: str, field: str, have: set[str]) -> str:
    from geozz.problems import COLUMN_NAMES

    if field in COLUMN_NAMES:  # a field of problem records
        flag = f'--column "{name}={field}"'
        return flag if "--column" in have or not have else \
            f"read the records with geozz problems FILE {flag} first"
    return f'--unit-column "{name}={field}"'


def cli_terms(message: str, options: set[str] | None = None) -> str:
    """A library message in the terms of the command line: the keyword arguments its fixes
    prescribe (``columns={'Created Date': 'found_at'}``, ``dayfirst=False``, ``tz="…"``)
    become the flags that do the same (``--column "Created Date=found_at"``,
    ``--monthfirst``, ``--tz …``).

    Examples
    --------
    >>> cli_terms("Fix: pass dayfirst=True (13/05) or dayfirst=False (05/13)", {"--dayfirst"})
    'Fix: pass --dayfirst (13/05) or --monthfirst (05/13)'
    >>> cli_terms("Fix: rename the column or pass columns={'<name>': 'found_at'}", {"--column"})
    'Fix: rename the column or pass --column "<name>=found_at"'
    >>> cli_terms("Fix: e.g. columns={'网格编码': 'unit_id'}", {"--unit-column"})
    'Fix: e.g. --unit-column "网格编码=unit_id"'
    """
    import re

    have = _options_of_command() if options is None else options
    text = re.sub(r"columns=\{'([^']*)': '([^']*)'\}",
                  lambda m: _column_flag(m.group(1), m.group(2), have), message)
    column = "--column" if "--column" in have or not have else "--unit-column"
    text = text.replace("the columns= mapping", f"the {column} NAME=FIELD options")
    text = re.sub(r"pass dayfirst=True or dayfirst=False", "pass --dayfirst or --monthfirst",
                  text)
    text = text.replace("dayfirst=True", "--dayfirst").replace("dayfirst=False",
                                                                "--monthfirst")
    text = re.sub(r"""\b(?:write |pass )?tz=["']([^"']+)["']""", r"pass --tz \1", text)
    text = re.sub(r"""\bencoding=["']([^"']+)["'] or ["']([^"']+)["']""",
                  r"--encoding \1 or --encoding \2", text)
    text = re.sub(r"""\bfreq=["']([^"']+)["'] or freq=\(["']([^"']+)["'], ["']([^"']+)["']\)""",
                  r"--freq \1 or --freq \2..\3", text)
    text = re.sub(r"""\bperiods=\[["']([^"']+)["']\]""", r"--periods \1", text)
    text = text.replace("leave periods=None", "leave --periods out")
    text = re.sub(r"""\blevel=["']([^"']+)["']""", r"--areas \1", text)
    text = text.replace("new_categories=[...], a rubric that rates it, or new = [...] in a "
                        "category map", "--rubric FILE (a rubric that rates it) or "
                        "new = [...] in the --categories map")
    text = text.replace("as_of=", "--as-of ")
    text = text.replace("sheet=", "--sheet ")
    return text


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

    if gz.tables.problems.is_saved(path):
        return gz.problems.load(path, tz=tz), pd.DataFrame()
    return gz.read_problems(path, tz=tz)


def ledger_tz_option(func):
    """``--tz``: the zone a ledger's periods are counted in (:func:`geozz.tables.read_ledger`)."""
    return click.option("--tz", default=None,
                        help="IANA time zone of the periods [default: a Parquet ledger's "
                             "own, else Asia/Shanghai].")(func)


def units_file_options(func):
    """``--unit-column NAME=FIELD`` (repeatable) and ``--unit-type``: how a units file's
    columns are read (:func:`read_units_file`)."""
    func = click.option("--unit-type", default=None,
                        help="Unit type of units files without a unit_type column (grid, "
                             "road, river).")(func)
    return click.option("--unit-column", "unit_columns", multiple=True, metavar="NAME=FIELD",
                        help="A units file column and the field it holds, e.g. "
                             "'网格编码=unit_id'.")(func)


def read_units_file(path: Path, unit_columns: tuple[str, ...], unit_type: str | None):
    """The units of ``path`` as :func:`units_file_options` say to read them."""
    import geozz as gz

    return gz.read_units(path, columns=pairs(unit_columns, "--unit-column") or None,
                         unit_type=unit_type)


def ledger_and_units(ctx: click.Context, bar, ledger_file: Path, units_file: Path, *,
                     tz: str | None, force: bool, unit_columns: tuple[str, ...],
                     unit_type: str | None):
    """The steps ``ledger`` and ``units`` of ``geozz rate`` and ``geozz forecast``: the
    ledger read back and its sanity checked (exit 3 unless ``--force``), the units read."""
    import geozz as gz
    from geozz.tables import read_ledger

    bar.step("ledger")
    ledger = read_ledger(ledger_file, tz=tz)
    report_findings(ctx, gz.assignment.sanity_checks(ledger=ledger), force=force)
    bar.done()
    bar.step("units")
    units = read_units_file(units_file, unit_columns, unit_type)
    bar.done()
    return ledger, units


def force_option(func):
    """``--force``: go on past the sanity checks (:mod:`geozz.assignment.checks`)."""
    return click.option("--force", is_flag=True,
                        help="Go on even when the sanity checks fail (problems outside "
                             "the units, extents that do not meet); exit code 3 "
                             "otherwise.")(func)


def report_findings(ctx: click.Context, findings, *, force: bool) -> None:
    """Print the findings of :func:`geozz.assignment.sanity_checks` on stderr (errors even
    under ``-q``); an error finding without ``--force`` ends the command with exit code
    :data:`CHECK_FAILED` (3) before anything is written."""
    errors = [f for f in findings if f.severity == "error"]
    for f in findings:
        if f.severity == "error" or not ctx.obj.get("quiet"):
            click.secho(str(f), err=True, fg="red" if f.severity == "error" else "yellow")
    if errors and not force:
        click.secho(f"refused: {len(errors)} sanity check{'s' if len(errors) > 1 else ''} "
                    f"failed, nothing written (exit code {CHECK_FAILED}); pass --force to "
                    "go on anyway", err=True, fg="red")
        ctx.exit(CHECK_FAILED)
    if errors:
        click.secho("--force: going on despite the failed checks", err=True, fg="red")


def tz_note(ctx: click.Context, tz: str | None, name: str = "tz") -> str:
    """``Asia/Shanghai (the default of --tz)`` or ``Europe/Paris (--tz)``."""
    try:
        from click.core import ParameterSource
        default = ctx.get_parameter_source(name) in (ParameterSource.DEFAULT, None)
    except (ImportError, AttributeError):  # pragma: no cover - old click
        default = False
    return f"{tz} (the default of --tz)" if default else f"{tz} (--tz)"


def crs_name(crs) -> str:
    """``EPSG:32650 (WGS 84 / UTM zone 50N)``."""
    from pyproj import CRS

    if crs is None:
        return "none"
    c = CRS.from_user_input(crs)
    code = c.to_epsg()
    return f"EPSG:{code} ({c.name})" if code else c.name
