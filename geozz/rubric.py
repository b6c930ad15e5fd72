"""Rubrics: how problems become scores, grades and stars.

A rubric is a TOML file (the bundled ``default`` is the practice of the campaign
documents, see ``geozz/resources/default.toml``): a full score per unit per period,
the points each problem deducts, the share of the score each category may take per unit
type, and the thresholds of grades and stars. Nothing of it is a constant in code.

Examples
--------
>>> r = load_rubric("default")
>>> r.full_score, r.shares["grid"]["exposed_garbage"]
(100.0, 25.0)
>>> r.stars_for(93.0), r.grade_for(93.0)
(4, '优秀')
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ._io import read_config_text
from .errors import Issue, RubricError

__all__ = ["Rubric", "load_rubric", "available_rubrics", "KEYS"]

#: The top-level keys a rubric file may have.
KEYS = ("name", "description", "full_score", "points_per_problem", "grades", "stars",
        "shares")


def available_rubrics() -> list[str]:
    """Names of the bundled rubrics.

    Examples
    --------
    >>> available_rubrics()
    ['default']
    """
    files = resources.files("geozz.resources")
    # a bundled TOML file is a rubric when it has the rubric's [shares] table (the
    # vocabulary, deadline rules and road widths live beside them)
    return sorted(p.name[:-5] for p in files.iterdir()
                  if p.name.endswith(".toml")
                  and "shares" in tomllib.loads(p.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Rubric:
    """A parsed, validated rubric (see :func:`load_rubric`)."""

    name: str
    full_score: float
    points_per_problem: float
    shares: dict[str, dict[str, float]]
    grades: list[tuple[float, str, str]]  # (min, label, en), highest first
    stars: list[tuple[float, int]]  # (min, stars), highest first
    description: str = ""

    def categories(self) -> list[str]:
        """Every category any unit type rates, in first-seen order."""
        seen: dict[str, None] = {}
        for shares in self.shares.values():
            seen.update(dict.fromkeys(shares))
        return list(seen)

    def stars_for(self, score):
        """Star rating (int 1–5) for a score or an array of scores."""
        s = np.asarray(score, dtype=float)
        out = np.full(s.shape, self.stars[-1][1], dtype=int)
        for threshold, n in reversed(self.stars):
            out = np.where(s >= threshold, n, out)
        return out if out.ndim else int(out)

    def grade_for(self, score):
        """Grade label (优秀 / 达标 / 不达标 by default) for a score or an array of them."""
        s = np.asarray(score, dtype=float)
        out = np.full(s.shape, self.grades[-1][1], dtype=object)
        for threshold, label, _ in reversed(self.grades):
            out = np.where(s >= threshold, label, out)
        return out if out.ndim else str(out)


def load_rubric(rubric: str | Path | Rubric = "default") -> Rubric:
    """Load a rubric by bundled name or from a TOML file, and validate it.

    Parameters
    ----------
    rubric : str, Path or Rubric
        A bundled name (see :func:`available_rubrics`) or the path of a TOML file laid
        out like ``default.toml``.

    Returns
    -------
    Rubric

    Raises
    ------
    RubricError
        Naming the file: an unknown name (with the valid names), a folder, an unreadable
        or non-UTF-8 file, a TOML syntax error (with its line). Otherwise listing every
        problem at once with the key to fix: unknown top-level keys; missing
        ``full_score``, ``shares``, ``grades`` or ``stars``; ``full_score``,
        ``points_per_problem``, shares and thresholds that are not plain non-negative
        numbers (``true`` and ``"100分"`` are not numbers); unknown unit types or
        categories; shares not adding up to ``full_score``; a ``[[grades]]`` entry
        without ``min`` or ``label``, a ``[[stars]]`` entry without ``min`` or with stars
        other than a whole number 1–5; thresholds outside ``[0, full_score]``, repeated,
        without one at 0, or (stars) not rising with the threshold. Entries are counted
        from 1: ``grades[2].min`` is the ``min`` of the second ``[[grades]]``.

    Examples
    --------
    >>> load_rubric("defualt")
    Traceback (most recent call last):
    ...
    geozz.errors.RubricError: 1 problem in the input:
      field 'rubric': expected a bundled rubric name (['default']) or a .toml file, got 'defualt'. Fix: check the spelling or give the path of your rubric file
    >>> import os, tempfile
    >>> f = os.path.join(tempfile.mkdtemp(), "mine.toml")
    >>> _ = open(f, "w", encoding="utf-8").write(
    ...     'full_score = "100分"\\n[[grades]]\\nlabel = "ok"\\n')
    >>> load_rubric(f)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozz.errors.RubricError: 4 problems in the input:
      ...mine.toml, field 'shares': expected a 'shares' entry. Fix: ...
      ...mine.toml, field 'stars': expected a 'stars' entry. Fix: ...
      ...mine.toml, field 'full_score': expected a number, got '100分'. Fix: ...
      ...mine.toml, field 'grades[1].min': expected a min (the lowest score that earns it)...
    """
    if isinstance(rubric, Rubric):
        return rubric
    text, where, stem = _read(rubric)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise RubricError(Issue(file=where, line=int(line.group(1)) if line else None,
                                expected="valid TOML", got=str(exc),
                                fix="fix the TOML syntax (copy the layout of the bundled "
                                    "default.toml)")) from None
    issues: list[Issue] = []

    def bad(field: str, expected: str, got=None, fix: str = "") -> None:
        issues.append(Issue(file=where, field=field, expected=expected, got=got,
                            fix=fix or "copy the layout of the bundled default.toml"))

    for key in sorted(set(data) - set(KEYS)):
        bad(key, f"only the keys {list(KEYS)}", key, "remove it or correct its spelling")
    for key in ("full_score", "shares", "grades", "stars"):
        if key not in data:
            bad(key, f"a {key!r} entry")
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            bad(key, "a text", data[key], f'write {key} = "..."')
    full = _number(data["full_score"], "full_score", bad, positive=True) \
        if "full_score" in data else None
    points = _number(data.get("points_per_problem", 1), "points_per_problem", bad)
    shares = _shares(data.get("shares", {}), full, bad)
    grades = _thresholds(data.get("grades"), "grades", full, bad)
    stars = _thresholds(data.get("stars"), "stars", full, bad)
    if issues:
        raise RubricError(issues)
    return Rubric(name=str(data.get("name", stem)), full_score=full,
                  points_per_problem=points, shares=shares,
                  grades=[(m, e["label"], str(e.get("en", ""))) for m, e in grades],
                  stars=[(m, e["stars"]) for m, e in stars],
                  description=str(data.get("description", "")))


def _read(rubric) -> tuple[str, str, str]:
    """The text of a bundled rubric or a rubric file, its name in messages, and its stem."""
    names = available_rubrics()
    if isinstance(rubric, str) and rubric in names:
        text = resources.files("geozz.resources").joinpath(f"{rubric}.toml").read_text("utf-8")
        return text, f"{rubric} (bundled)", rubric
    if not isinstance(rubric, (str, Path)):
        raise RubricError(Issue(field="rubric", expected="a rubric name, a path or a Rubric",
                                got=type(rubric).__name__, fix=f"pass one of {names} or a "
                                                               ".toml file"))
    path = Path(rubric)
    if not path.exists():
        raise RubricError(Issue(field="rubric", expected=f"a bundled rubric name ({names}) "
                                "or a .toml file", got=str(rubric),
                                fix="check the spelling or give the path of your rubric file"))
    text = read_config_text(path, what="rubric .toml file", error=RubricError)
    return text, str(path), path.stem


def _number(value, field: str, bad, *, positive: bool = False, hi: float | None = None):
    """``value`` as a float if it is a finite non-negative number (never a bool or text)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        bad(field, "a number", value, f"write {field} as a plain number, without units or quotes")
        return None
    if value < 0 or (positive and value == 0):
        bad(field, "a positive number" if positive else "a number of 0 or more", value,
            "scores and deductions are counted in points of 0 or more")
        return None
    if hi is not None and value > hi:
        bad(field, f"a number from 0 to full_score ({hi:g})", value, "lower it")
        return None
    return float(value)


def _shares(table, full, bad) -> dict[str, dict[str, float]]:
    from .problems import CATEGORIES
    from .units import UNIT_TYPES
    if not isinstance(table, dict):
        bad("shares", "a table per unit type ([shares.grid] ...)", type(table).__name__)
        return {}
    out = {}
    for utype, cats in table.items():
        if utype not in UNIT_TYPES:
            bad(f"shares.{utype}", f"a unit type from {UNIT_TYPES}", utype,
                "use the canonical unit type names")
        if not isinstance(cats, dict):
            bad(f"shares.{utype}", "a table of category = points", cats)
            continue
        values = {}
        for cat, v in cats.items():
            if cat not in CATEGORIES:
                bad(f"shares.{utype}.{cat}", f"a category code from {CATEGORIES}", cat,
                    "use the canonical category codes")
            v = _number(v, f"shares.{utype}.{cat}", bad)
            if v is not None:
                values[cat] = v
        total = sum(values.values())
        if full is not None and len(values) == len(cats) and abs(total - full) > 1e-9:
            bad(f"shares.{utype}", f"shares adding up to full_score {full:g}", total,
                "adjust the shares")
        out[utype] = values
    return out


def _thresholds(entries, key: str, full, bad) -> list[tuple[float, dict]]:
    """``[[grades]]`` / ``[[stars]]``: each with a ``min``, highest first, one reaching 0."""
    what = "label" if key == "grades" else "stars"
    if entries is None:
        return []
    if not isinstance(entries, list) or not entries:
        bad(key, f"a list of [[{key}]] tables with min and {what}", entries)
        return []
    out = []
    for i, entry in enumerate(entries, start=1):
        field = f"{key}[{i}]"
        if not isinstance(entry, dict):
            bad(field, f"a [[{key}]] table with min and {what}", entry)
            continue
        for extra in sorted(set(entry) - {"min", what, "en"}):
            bad(f"{field}.{extra}", f"only min, {what}" + (" and en" if key == "grades" else ""),
                extra, "remove it or correct its spelling")
        ok = True
        if "min" not in entry:
            bad(f"{field}.min", "a min (the lowest score that earns it)", None,
                f"add min = ... to the {i}. [[{key}]] entry")
            ok = False
        else:
            m = _number(entry["min"], f"{field}.min", bad, hi=full)
            ok = m is not None
        v = entry.get(what)
        if key == "grades":
            if not isinstance(v, str) or not v.strip():
                bad(f"{field}.label", "a label (e.g. 优秀)", v, "add label = \"...\"")
                ok = False
            if "en" in entry and not isinstance(entry["en"], str):
                bad(f"{field}.en", "a text", entry["en"])
        elif isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 5:
            bad(f"{field}.stars", "a whole number of stars from 1 to 5", v,
                "use 1, 2, 3, 4 or 5")
            ok = False
        if ok:
            out.append((m, entry))
    if len(out) != len(entries):
        return out
    out.sort(key=lambda t: t[0], reverse=True)
    mins = [m for m, _ in out]
    if len(set(mins)) != len(mins):
        bad(key, "a different min for every entry", mins, "remove the repeated threshold")
    if mins[-1] != 0:
        bad(key, "one entry with min = 0, so that every score gets one", mins,
            "set the lowest min to 0")
    if key == "stars":
        counts = [e["stars"] for _, e in out]
        if counts != sorted(set(counts), reverse=True):
            bad(key, "more stars for higher thresholds, each star count once",
                list(zip(mins, counts)), "order the thresholds")
    return out
