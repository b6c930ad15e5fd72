"""The roster of responsible persons (责任人名册): who answers for each unit.

An office keeps its roster as a spreadsheet keyed by unit id (网格编码, 责任人, 电话, 职务
…). :func:`read_roster` joins it to the units: ``responsible`` gets the person's name
(the name is public, as on the signboards of 网格化管理), and a report lists the units left
without a responsible person and the roster rows that match no unit. Phone numbers are
personal: they are never read into the units, the report or any output.

Examples
--------
>>> import geozz as gz, tempfile, os
>>> units = gz.build_units(gz.datasets.longgang(), grid_size=2000, unit_types=["grid"])
>>> f = os.path.join(tempfile.mkdtemp(), "roster.csv")
>>> with open(f, "w", encoding="utf-8") as out:
...     _ = out.write(f"网格编码,责任人,电话\\n{units.index[0]},王伟,13800000000\\nX-9,李娜,139\\n")
>>> filled, report = read_roster(f, units)
>>> filled["responsible"].iloc[0], "13800000000" in filled.to_csv()
('王伟', False)
>>> report["reason"].value_counts().to_dict() == {"no_responsible": len(units) - 1,
...                                               "unknown_unit": 1}
True
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from .._io import as_path
from ..errors import InputError, Issue, SchemaError
from .io import COLUMN_ALIASES, PHONE_COLUMNS

__all__ = ["read_roster", "ROSTER_COLUMNS", "ROSTER_REASONS", "REPORT_COLUMNS"]

#: roster column names recognised out of the box, per field (``columns=`` for the rest)
ROSTER_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "unit_id": ("unit_id",) + COLUMN_ALIASES["unit_id"] + ("单元", "网格"),
    "responsible": ("responsible",) + COLUMN_ALIASES["responsible"] + ("姓名", "负责人"),
    "role": ("role", "职务", "岗位", "职责"),
})

#: why a line is in the roster report
ROSTER_REASONS = MappingProxyType({
    "no_responsible": "a unit no roster row (and not its own file) names a person for",
    "unknown_unit": "a roster row whose unit id matches no unit",
    "no_unit_id": "a roster row without a unit id",
    "no_person": "a roster row with a unit id but no person's name",
})

#: the columns of the roster report (never a phone number)
REPORT_COLUMNS = ["reason", "unit_id", "row", "line", "file"]

_SUFFIXES = (".csv", ".csv.gz", ".txt", ".tsv", ".xlsx", ".xlsm")


def _blank(values: pd.Series) -> np.ndarray:
    return (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()


def read_roster(path: str | Path, units: gpd.GeoDataFrame, *,
                columns: Mapping[str, str] | None = None, sheet: str | int | None = None,
                encoding: str | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Join a roster of responsible persons (CSV or XLSX, keyed by unit id) to the units.

    Several rows for one unit (a 网格长 and a 网格员) give ``responsible`` the names in
    row order joined by ``、``. Units the roster does not name keep the ``responsible``
    they had (from their own file). Unit ids are compared as text without surrounding
    spaces.

    Parameters
    ----------
    path : str or Path
        ``.csv`` / ``.txt`` / ``.tsv`` (UTF-8, UTF-8 with BOM or GBK, detected) or
        ``.xlsx`` (title rows above the header are skipped).
    units : GeoDataFrame
        Units indexed by ``unit_id``.
    columns : mapping, optional
        Renames from the roster's column names to ``unit_id``, ``responsible`` and
        ``role``; the usual names (网格编码, 责任人, 姓名, 职务 … :data:`ROSTER_COLUMNS`)
        are recognised without it.
    sheet : str or int, optional
        Sheet of a workbook (default the first).
    encoding : str, optional
        Force a text encoding.

    Returns
    -------
    units : GeoDataFrame
        A copy of ``units`` with ``responsible`` filled (and ``responsible_role`` when the
        roster has a role column). No phone number or other roster column is added.
    report : DataFrame
        One line per problem, columns :data:`REPORT_COLUMNS`: ``reason`` (see
        :data:`ROSTER_REASONS`), ``unit_id``, the roster ``row`` (1-based record number)
        and physical ``line`` (text line or sheet row), ``file``. Units without a person
        have no row. Never a phone number.

    Raises
    ------
    InputError
        The roster cannot be read, or has no unit id or person column (the message lists
        its columns); ``units`` is not a Units frame; bad ``columns=``.

    Examples
    --------
    >>> import geozz as gz
    >>> read_roster("no/such/roster.csv", gz.build_units(gz.datasets.longgang(),
    ...     grid_size=2000, unit_types=["grid"]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozz.errors.InputError: 1 problem in the input:...expected an existing file...
    """
    from ..problems.readers import read_text, read_xlsx

    path = as_path(path, what="roster file")
    f = str(path)
    issues: list[Issue] = []
    if not isinstance(units, gpd.GeoDataFrame) or units.index.name != "unit_id":
        issues.append(Issue(field="units", expected="Units: a GeoDataFrame indexed by unit_id",
                            got=type(units).__name__,
                            fix="pass the units of gz.read_units or gz.build_units"))
    if columns is not None and not (isinstance(columns, Mapping) and all(
            isinstance(k, str) and v in ROSTER_COLUMNS for k, v in columns.items())):
        issues.append(Issue(field="columns", expected="a mapping of roster column -> one of "
                            f"{list(ROSTER_COLUMNS)}", got=columns,
                            fix="e.g. columns={'Grid': 'unit_id', 'Leader': 'responsible'}"))
        columns = None
    if not path.exists() or path.is_dir():
        issues.append(Issue(file=f, expected="an existing file",
                            got="a directory" if path.exists() else "no such file",
                            fix="check the path"))
    elif not path.name.lower().endswith(_SUFFIXES):
        issues.append(Issue(file=f, expected=f"a roster ending in one of {', '.join(_SUFFIXES)}",
                            got=path.suffix or path.name,
                            fix="save the roster as .xlsx or CSV (UTF-8)"))
    if issues:
        raise InputError(issues)

    known = {n for names in ROSTER_COLUMNS.values() for n in names} | set(PHONE_COLUMNS) \
        | set(columns or {})
    try:
        if path.name.lower().endswith((".xlsx", ".xlsm")):
            raw = read_xlsx(path, sheet=sheet, known_names=known)
        else:
            raw = read_text(path, encoding=encoding)
    except InputError as exc:
        raise InputError([i if not isinstance(i, Issue) or i.file else
                          Issue(file=f, row=i.row, field=i.field, expected=i.expected,
                                got=i.got, fix=i.fix) for i in exc.issues]) from None
    table = raw.frame
    names = [c for c in table.columns]
    renames: dict[str, str] = {}
    for src, dst in (columns or {}).items():
        if src not in table.columns:
            issues.append(Issue(file=f, field=src, expected="a column of the roster named in "
                                "columns=", got=names, fix=f"map one of its columns to {dst!r}"))
        else:
            renames[src] = dst
    for field, aliases in ROSTER_COLUMNS.items():
        if field in renames.values():
            continue
        for alias in aliases:
            if alias in table.columns and alias not in renames:
                renames[alias] = field
                break
    for field in ("unit_id", "responsible"):
        if field not in renames.values():
            issues.append(Issue(file=f, field=field,
                                expected=f"a {'unit id' if field == 'unit_id' else 'person'} "
                                         f"column ({', '.join(ROSTER_COLUMNS[field][:4])} …)",
                                got=names, fix=f"pass columns={{'<its column>': {field!r}}}"))
    if issues:
        raise SchemaError(issues)
    phones = {c.casefold() for c in PHONE_COLUMNS}
    table = table[[c for c in renames if c.strip().casefold() not in phones]] \
        .rename(columns=renames)

    rows = np.asarray(raw.rows)
    lines = np.asarray(raw.lines) if raw.lines is not None else rows
    ids = table["unit_id"].astype("string").str.strip()
    persons = table["responsible"].astype("string").str.strip()
    no_id = _blank(table["unit_id"])
    no_person = _blank(table["responsible"]) & ~no_id
    unit_ids = pd.Index(units.index.astype(str))
    unknown = ~no_id & ~ids.isin(unit_ids).to_numpy()
    report = []
    for mask, reason in ((no_id, "no_unit_id"), (no_person, "no_person"),
                         (unknown & ~no_person, "unknown_unit")):
        for k in np.flatnonzero(mask):
            report.append({"reason": reason, "unit_id": None if no_id[k] else ids.iloc[k],
                           "row": int(rows[k]), "line": int(lines[k]), "file": f})
    for rec in raw.malformed:  # a record the text reader could not split into fields
        report.append({"reason": "no_unit_id", "unit_id": None, "row": rec.get("row"),
                       "line": rec.get("line"), "file": f})

    good = ~no_id & ~no_person & ~unknown
    named = pd.DataFrame({"unit_id": ids[good].to_numpy(dtype=object),
                          "person": persons[good].to_numpy(dtype=object)})
    joined = named.groupby("unit_id", sort=False)["person"].agg(
        lambda s: "、".join(dict.fromkeys(s)))
    out = units.copy()
    key = pd.Index(out.index.astype(str))
    before = out["responsible"] if "responsible" in out else pd.Series("", index=out.index)
    filled = pd.Series(key.map(joined), index=out.index, dtype=object)
    out["responsible"] = filled.where(filled.notna(), before.fillna("").to_numpy())
    if "role" in table.columns:
        roles = table["role"].astype("string").str.strip()
        role_by = pd.DataFrame({"unit_id": ids[good].to_numpy(dtype=object),
                                "role": roles[good].fillna("").to_numpy(dtype=object)}) \
            .groupby("unit_id", sort=False)["role"].agg(lambda s: "、".join(
                r for r in dict.fromkeys(s) if r))
        out["responsible_role"] = pd.Series(key.map(role_by), index=out.index,
                                            dtype=object).fillna("")
    nobody = _blank(out["responsible"])
    report += [{"reason": "no_responsible", "unit_id": str(u), "row": None, "line": None,
                "file": f} for u in out.index[nobody]]
    rep = pd.DataFrame(report, columns=REPORT_COLUMNS)
    rep["row"] = rep["row"].astype("Int64")
    rep["line"] = rep["line"].astype("Int64")
    return out, rep
