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
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ._io import read_config_text
from .errors import Issue, RubricError

__all__ = [
    "EXTRAS",
    "KEYS",
    "NORMALISE",
    "PERIOD_MEANS",
    "Rubric",
    "available_rubrics",
    "load_rubric",
]

#: The top-level keys a rubric file may have.
KEYS = ("name", "description", "full_score", "points_per_problem", "grades", "stars",
        "shares", "maps", "per_problem", "extra", "floor", "cap", "period_mean",
        "normalise", "warn_below")

#: The extra deductions per problem a rubric may set (``[extra]``): past its deadline,
#: still open at the end of the period, recurring, reopened after a failed check.
EXTRAS = ("overdue", "open_at_end", "recurrence", "reopened")

#: How a quarter or year combines the scores of its months.
PERIOD_MEANS = ("mean", "sum")

#: Exposure normalisation of the problem counts before they deduct.
NORMALISE = ("none", "per_km", "per_km2")


def available_rubrics() -> list[str]:
    """Names of the bundled rubrics.

    Examples
    --------
    >>> available_rubrics()
    ['annual', 'default', 'quarterly4', 'village']
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
    #: per unit type, problem category -> rubric category (default: identity over shares)
    maps: dict[str, dict[str, str]] = field(default_factory=dict)
    #: rubric category -> points per problem (default: points_per_problem)
    per_problem: dict[str, float] = field(default_factory=dict)
    #: extra points per problem: overdue, open_at_end, recurrence, reopened (default 0)
    extra: dict[str, float] = field(default_factory=dict)
    #: the lowest score (扣完为止: 0)
    floor: float = 0.0
    #: the largest total deduction per unit and period (None: no cap)
    cap: float | None = None
    #: how a quarter or year combines its months: "mean" or "sum"
    period_mean: str = "mean"
    #: "none" (raw counts), "per_km" or "per_km2"
    normalise: str = "none"
    #: a score below it is flagged (None: never)
    warn_below: float | None = None

    def __post_init__(self) -> None:
        # the defaults that depend on the other fields: identity maps over the shares,
        # points_per_problem for every rubric category, 0 for every extra
        maps = {t: dict(self.maps[t]) if t in self.maps else {c: c for c in shares}
                for t, shares in self.shares.items()}
        per = {c: float(self.per_problem.get(c, self.points_per_problem))
               for c in self.categories()}
        extra = {k: float(self.extra.get(k, 0.0)) for k in EXTRAS}
        object.__setattr__(self, "maps", maps)
        object.__setattr__(self, "per_problem", per)
        object.__setattr__(self, "extra", extra)

    def categories(self) -> list[str]:
        """Every category any unit type rates, in first-seen order."""
        seen: dict[str, None] = {}
        for shares in self.shares.values():
            seen.update(dict.fromkeys(shares))
        return list(seen)

    def problem_categories(self) -> list[str]:
        """Every problem category any unit type rates (the keys of its maps; the shares
        themselves where a type has no map), in first-seen order: what
        ``read_problems(new_categories=rubric)`` accepts beyond the built-in codes."""
        seen: dict[str, None] = {}
        for utype in self.shares:
            seen.update(dict.fromkeys(self.maps.get(utype, self.shares[utype])))
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

    def deductions(self, unit_types, counts: pd.DataFrame,
                   extras: pd.DataFrame | None = None) -> pd.DataFrame:
        """Deductions and score of unit-periods from their problem counts.

        Each problem category's count is mapped to its rubric category through
        ``maps[unit type]``, times ``per_problem`` of that category, and limited to the
        category's share (扣完为止). The extras (counts of problems overdue, still open at
        the period end, recurring, reopened) times ``extra`` points are added after, in
        ``ded_extra``, which no share limits. The total ``deduction`` is limited by
        ``cap`` and by ``full_score - floor``, so that ``score = full_score - deduction``
        never goes below ``floor``.

        Parameters
        ----------
        unit_types : array-like of str
            The unit type of each row; every one must have shares in the rubric.
        counts : DataFrame
            One column per problem category (missing categories count 0); one row per
            unit-period. Counts may be fractional (normalised by exposure).
        extras : DataFrame, optional
            Columns ``overdue``, ``open_at_end``, ``recurrence``, ``reopened`` (missing
            columns count 0), on the rows of ``counts``.

        Returns
        -------
        DataFrame
            On the index of ``counts``: ``ded_<rubric category>`` for every category of
            :meth:`categories` (0 where the unit type does not rate it), ``ded_extra``,
            ``deduction``, ``score`` and ``not_rated`` (problems in categories the unit
            type's map leaves out).

        Raises
        ------
        RubricError
            Unit types the rubric has no shares for, or ``unit_types`` not one per row.
        InputError
            Negative or non-numeric counts.

        Examples
        --------
        >>> rb = load_rubric("default")
        >>> counts = pd.DataFrame({"piles": [3, 30], "sand_mining": [0, 4]})
        >>> d = rb.deductions(["grid", "grid"], counts)
        >>> d[["ded_piles", "ded_extra", "deduction", "score", "not_rated"]]
           ded_piles  ded_extra  deduction  score  not_rated
        0        3.0        0.0        3.0   97.0        0.0
        1       20.0        0.0       20.0   80.0        4.0
        """
        utype = np.asarray(unit_types, dtype=object).reshape(-1)
        n = len(counts)
        if len(utype) != n:
            raise RubricError(Issue(field="unit_types", expected=f"one unit type per row "
                                    f"of counts ({n})", got=len(utype),
                                    fix="pass the unit type of every row"))
        unknown = sorted(set(map(str, utype)) - set(self.shares))
        if unknown:
            raise RubricError(Issue(field="shares", expected=f"unit types the rubric rates "
                                    f"({sorted(self.shares)})", got=unknown,
                                    fix=f"add [shares.<type>] tables for them to the "
                                        f"rubric {self.name!r}"))
        extras = pd.DataFrame(index=counts.index) if extras is None else extras
        num = _numeric_frame(counts, "counts")
        ext = _numeric_frame(extras, "extras")
        if len(ext) != n:
            raise RubricError(Issue(field="extras", expected=f"one row per row of counts "
                                    f"({n})", got=len(ext), fix="align extras with counts"))
        total = num.sum(axis=1).to_numpy(dtype=float) if num.shape[1] else np.zeros(n)
        rated = np.zeros(n)
        out = {f"ded_{c}": np.zeros(n) for c in self.categories()}
        for t, shares in self.shares.items():
            rows = utype == t
            if not rows.any():
                continue
            mapping = self.maps[t]
            for rc, share in shares.items():
                src = [pc for pc, r in mapping.items() if r == rc and pc in num]
                if not src:
                    continue
                c = num.loc[rows, src].to_numpy(dtype=float).sum(axis=1)
                out[f"ded_{rc}"][rows] = np.minimum(c * self.per_problem[rc], share)
            src = [pc for pc in mapping if pc in num]
            if src:
                rated[rows] = num.loc[rows, src].to_numpy(dtype=float).sum(axis=1)
        ded_extra = np.zeros(n)
        for k in EXTRAS:
            if k in ext and self.extra[k]:
                ded_extra += ext[k].to_numpy(dtype=float) * self.extra[k]
        frame = pd.DataFrame(out, index=counts.index)
        raw = frame.sum(axis=1).to_numpy() + ded_extra
        limit = self.full_score - self.floor
        if self.cap is not None:
            limit = min(limit, self.cap)
        deduction = np.minimum(raw, limit)
        frame["ded_extra"] = ded_extra
        frame["deduction"] = deduction
        frame["score"] = self.full_score - deduction
        frame["not_rated"] = total - rated
        return frame


def _numeric_frame(frame, name: str) -> pd.DataFrame:
    """``frame`` as floats; InputError for text, NaN or negative values."""
    from .errors import InputError
    if not isinstance(frame, pd.DataFrame):
        raise InputError(Issue(field=name, expected="a DataFrame", got=type(frame).__name__,
                               fix=f"pass {name} as a DataFrame"))
    try:
        num = frame.astype(float)
    except (TypeError, ValueError):
        bad = [c for c in frame if not pd.api.types.is_numeric_dtype(frame[c])]
        raise InputError(Issue(field=name, expected="numbers of problems",
                               got=f"columns {bad} not numeric",
                               fix="count problems as numbers")) from None
    arr = num.to_numpy()
    if arr.size and (np.isnan(arr).any() or (arr < 0).any()):
        raise InputError(Issue(field=name, expected="counts of 0 or more",
                               got="negative or missing values",
                               fix="fill missing counts with 0")) from None
    return num


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
      field 'rubric': expected a bundled rubric name (['annual', 'default', 'quarterly4', 'village']) or a .toml file, got 'defualt'. Fix: check the spelling or give the path of your rubric file
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
    maps_table = data.get("maps", {})
    if not isinstance(maps_table, dict):
        bad("maps", "a table per unit type ([maps.grid] ...)", maps_table,
            "write [maps.<unit type>] tables of problem category = rubric category")
        maps_table = {}
    shares = _shares(data.get("shares", {}), full, bad, mapped=set(maps_table))
    maps = _maps(maps_table, shares, bad)
    per_problem = _per_problem(data.get("per_problem", {}), shares, bad)
    extra = _extra(data.get("extra", {}), bad)
    floor = _number(data.get("floor", 0), "floor", bad)
    if floor is not None and full is not None and floor >= full:
        bad("floor", f"a number below full_score ({full:g})", floor,
            "floor is the lowest score a unit can get; 0 deducts until nothing is left")
    cap = None
    if "cap" in data:
        cap = _number(data["cap"], "cap", bad, positive=True, hi=full)
    warn_below = None
    if "warn_below" in data:
        warn_below = _number(data["warn_below"], "warn_below", bad, hi=full)
    period_mean = _choice(data, "period_mean", PERIOD_MEANS, bad)
    normalise = _choice(data, "normalise", NORMALISE, bad)
    grades = _thresholds(data.get("grades"), "grades", full, bad)
    stars = _thresholds(data.get("stars"), "stars", full, bad)
    if issues:
        raise RubricError(issues)
    return Rubric(name=str(data.get("name", stem)), full_score=full,
                  points_per_problem=points, shares=shares,
                  grades=[(m, e["label"], str(e.get("en", ""))) for m, e in grades],
                  stars=[(m, e["stars"]) for m, e in stars],
                  description=str(data.get("description", "")),
                  maps=maps, per_problem=per_problem, extra=extra, floor=floor, cap=cap,
                  period_mean=period_mean, normalise=normalise, warn_below=warn_below)


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


#: how a rubric category may be named: it becomes the column ``ded_<name>``
_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _shares(table, full, bad, *, mapped=frozenset()) -> dict[str, dict[str, float]]:
    """``[shares.<type>]``: category = points adding up to full_score, per unit type.

    The categories of a type with a ``[maps.<type>]`` table (``mapped``) are rubric
    categories of any name; otherwise they are the problem categories themselves.
    """
    from .tables.problems import CATEGORIES, near_builtin
    from .tables.unit_types import UNIT_TYPES
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
            if utype in mapped:
                if not _NAME.fullmatch(cat):
                    bad(f"shares.{utype}.{cat}", "a rubric category name of lower-case "
                        "letters, digits and _", cat, "rename it (e.g. sanitation)")
            elif cat not in CATEGORIES and (not _NAME.fullmatch(cat) or near_builtin(cat)):
                near = near_builtin(cat) if _NAME.fullmatch(cat) else None
                bad(f"shares.{utype}.{cat}", f"a category code from {CATEGORIES}, or a new "
                    "category of lower-case letters, digits and _", cat,
                    f"write {near!r}" if near else
                    f"use the canonical category codes, or map problem categories to it "
                    f"in [maps.{utype}]")
            v = _number(v, f"shares.{utype}.{cat}", bad)
            if v is not None:
                values[cat] = v
        total = sum(values.values())
        if full is not None and len(values) == len(cats) and abs(total - full) > 1e-9:
            bad(f"shares.{utype}", f"shares adding up to full_score {full:g}", total,
                "adjust the shares")
        out[utype] = values
    return out


def _maps(table: dict, shares: dict, bad) -> dict[str, dict[str, str]]:
    """``[maps.<type>]``: problem category = rubric category (one of the type's shares)."""
    from .tables.problems import CATEGORIES, near_builtin
    out = {}
    for utype, mapping in table.items():
        if utype not in shares:
            bad(f"maps.{utype}", f"a unit type with a [shares.{utype}] table "
                f"({sorted(shares)})", utype, "add its shares or remove the map")
            continue
        if not isinstance(mapping, dict):
            bad(f"maps.{utype}", "a table of problem category = rubric category", mapping,
                f'write [maps.{utype}] lines such as piles = "sanitation"')
            continue
        got = {}
        for pc, rc in mapping.items():
            ok = True
            if pc not in CATEGORIES and (not _NAME.fullmatch(pc) or near_builtin(pc)):
                near = near_builtin(pc) if _NAME.fullmatch(pc) else None
                bad(f"maps.{utype}.{pc}", f"a problem category code from {CATEGORIES}, or "
                    "a new one of lower-case letters, digits and _", pc,
                    f"write {near!r}" if near else "use the canonical category codes")
                ok = False
            if not isinstance(rc, str) or rc not in shares[utype]:
                bad(f"maps.{utype}.{pc}", f"a category of [shares.{utype}] "
                    f"({sorted(shares[utype])})", rc,
                    f"map it to one of them or add it to [shares.{utype}]")
                ok = False
            if ok:
                got[pc] = rc
        for rc in shares[utype]:
            if rc not in mapping.values():
                bad(f"shares.{utype}.{rc}", f"a category some problem category maps to in "
                    f"[maps.{utype}]", rc, f'add e.g. piles = "{rc}" to [maps.{utype}] '
                    f"or remove the share")
        out[utype] = got
    return out


def _per_problem(table, shares: dict, bad) -> dict[str, float]:
    """``[per_problem]``: rubric category = points each problem deducts."""
    if not isinstance(table, dict):
        bad("per_problem", "a table of rubric category = points", table,
            "write [per_problem] lines such as piles = 2")
        return {}
    known = {c for cats in shares.values() for c in cats}
    out = {}
    for cat, v in table.items():
        if cat not in known:
            bad(f"per_problem.{cat}", f"a rubric category of the shares ({sorted(known)})",
                cat, "correct its spelling or add it to the shares")
        v = _number(v, f"per_problem.{cat}", bad)
        if v is not None and cat in known:
            out[cat] = v
    return out


def _extra(table, bad) -> dict[str, float]:
    """``[extra]``: overdue, open_at_end, recurrence, reopened = points per problem."""
    if not isinstance(table, dict):
        bad("extra", f"a table of {list(EXTRAS)} = points per problem", table,
            "write [extra] lines such as overdue = 2")
        return {}
    out = {}
    for key, v in table.items():
        if key not in EXTRAS:
            bad(f"extra.{key}", f"one of {list(EXTRAS)}", key,
                "remove it or correct its spelling")
        v = _number(v, f"extra.{key}", bad)
        if v is not None and key in EXTRAS:
            out[key] = v
    return out


def _choice(data: dict, key: str, choices: tuple[str, ...], bad) -> str:
    """``data[key]`` if it is one of ``choices`` (default the first)."""
    value = data.get(key, choices[0])
    if value not in choices:
        bad(key, f"one of {list(choices)}", value, f'write {key} = "{choices[0]}"')
        return choices[0]
    return value


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
