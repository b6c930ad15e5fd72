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

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .errors import Issue, RubricError

__all__ = ["Rubric", "load_rubric", "available_rubrics"]


def available_rubrics() -> list[str]:
    """Names of the bundled rubrics.

    Examples
    --------
    >>> available_rubrics()
    ['default']
    """
    files = resources.files("geozz.resources")
    return sorted(p.name[:-5] for p in files.iterdir()
                  if p.name.endswith(".toml") and p.name != "vocabulary.toml")


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
        Listing every problem at once: an unknown name (with the valid names), missing
        keys, shares that do not add up to the full score, thresholds out of order.

    Examples
    --------
    >>> load_rubric("defualt")
    Traceback (most recent call last):
    ...
    geozz.errors.RubricError: 1 problem in the input:
      field 'rubric': expected a bundled rubric name (['default']) or a .toml file, got 'defualt'. Fix: check the spelling or give the path of your rubric file
    """
    if isinstance(rubric, Rubric):
        return rubric
    path = Path(str(rubric))
    if str(rubric) in available_rubrics():
        text = resources.files("geozz.resources").joinpath(f"{rubric}.toml").read_text("utf-8")
        where = f"{rubric} (bundled)"
    elif path.suffix == ".toml" and path.exists():
        text = path.read_text("utf-8")
        where = str(path)
    else:
        raise RubricError(Issue(field="rubric", expected=f"a bundled rubric name "
                                f"({available_rubrics()}) or a .toml file", got=str(rubric),
                                fix="check the spelling or give the path of your rubric file"))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(Issue(file=where, expected="valid TOML", got=str(exc),
                                fix="fix the TOML syntax")) from exc
    issues = []
    for key in ("full_score", "shares", "grades", "stars"):
        if key not in data:
            issues.append(Issue(file=where, field=key, expected=f"a {key!r} entry",
                                fix="copy the layout of geozz/resources/default.toml"))
    if issues:
        raise RubricError(issues)
    full = float(data["full_score"])
    shares = {t: {c: float(v) for c, v in s.items()} for t, s in data["shares"].items()}
    from .problems import CATEGORIES
    for utype, s in shares.items():
        if abs(sum(s.values()) - full) > 1e-9:
            issues.append(Issue(file=where, field=f"shares.{utype}",
                                expected=f"shares adding up to full_score {full:g}",
                                got=sum(s.values()), fix="adjust the shares"))
        for cat in s:
            if cat not in CATEGORIES:
                issues.append(Issue(file=where, field=f"shares.{utype}.{cat}",
                                    expected=f"a category code from {CATEGORIES}", got=cat,
                                    fix="use the canonical category codes"))
    grades = sorted(((float(g["min"]), str(g["label"]), str(g.get("en", "")))
                     for g in data["grades"]), reverse=True)
    stars = sorted(((float(s["min"]), int(s["stars"])) for s in data["stars"]), reverse=True)
    if [n for _, n in stars] != sorted((n for _, n in stars), reverse=True):
        issues.append(Issue(file=where, field="stars",
                            expected="more stars for higher thresholds", got=stars,
                            fix="order the thresholds"))
    if not all(1 <= n <= 5 for _, n in stars):
        issues.append(Issue(file=where, field="stars", expected="star counts from 1 to 5",
                            got=[n for _, n in stars], fix="use 1–5 stars"))
    if issues:
        raise RubricError(issues)
    return Rubric(name=str(data.get("name", path.stem)), full_score=full,
                  points_per_problem=float(data.get("points_per_problem", 1)),
                  shares=shares, grades=grades, stars=stars,
                  description=str(data.get("description", "")))
