"""The Problems table: its fields and codes, its check, its write and read.

Problems are a GeoDataFrame of WGS-84 points indexed by ``problem_id`` (unique, never
empty), one row per record :func:`geozz.read_problems` could place, date and categorise.
This module holds what a problem record is: the reject reasons and their kinds
(:data:`REJECT_KINDS`), the codes of :data:`SOURCES` and :data:`STATUSES`, the fields that
never reach a public output (:data:`PERSONAL_FIELDS`, :data:`INTERNAL_FIELDS`), the column
names recognised in raw files (:data:`COLUMN_NAMES`), the bundled :func:`vocabulary` with
its :data:`CATEGORIES`; the check a stage makes where problems enter it
(:func:`check_problems`); and the file a project keeps them in (:func:`save`,
:func:`load`, :func:`is_saved`: GeoParquet or GeoPackage, without personal fields).

Examples
--------
>>> REJECT_KINDS["duplicate_id"], "piles" in CATEGORIES
('record', True)
>>> import tempfile, geozz as gz
>>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
>>> path = save(problems, Path(tempfile.mkdtemp()) / "problems.gpkg")
>>> back = load(path)
>>> back.index.equals(problems.index), "reporter" in back
(True, False)
"""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._io import as_path, atomic_path
from ..errors import CRSError, InputError, Issue, OutputError, SchemaError
from ._common import plausibility_issues

#: reject reason -> kind: "record" (the record is not a problem) or "field" (it is)
REJECT_KINDS: dict[str, str] = {
    "malformed_record": "record",
    "field_too_long": "record",
    "bad_geometry": "record",
    "missing_coordinates": "record",
    "bad_coordinates": "record",
    "bad_coord_system": "record",
    "bad_zone": "record",
    "far_outside": "record",
    "missing_category": "record",
    "unmapped_category": "record",
    "bad_time": "record",
    "duplicate_id": "record",
    "unmapped_source": "field",
    "unmapped_status": "field",
    "bad_deadline": "field",
    "bad_rectified_at": "field",
    "nonexistent_time": "field",
    "ambiguous_time": "field",
    "bad_encoding": "field",
    "swapped_coordinates": "field",
    "missing_photo": "record",
}
REJECT_REASONS = tuple(REJECT_KINDS)
#: the columns every rejects table starts with (the raw record's fields follow)
REJECT_COLUMNS = ["file", "row", "line", "kind", "reason", "field", "value"]
SOURCES = ("patrol", "complaint", "photo", "inspection", "third_party")
STATUSES = ("open", "rectifying", "rectified", "verified", "reopened")
#: fields that never reach a public output
PERSONAL_FIELDS = ("reporter", "phone")
#: fields kept on Problems for the office that never reach the ledger or a public output:
#: the address and agency as written (free text), links to and paths of photos
INTERNAL_FIELDS = ("address", "agency", "media_url", "photo")
#: fields a record cannot be a problem without (damage there rejects the record)
REQUIRED_FIELDS = ("problem_id", "category", "found_at", "lon", "lat", "coord_sys")

#: canonical field -> the column names it is found under, first match wins
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "problem_id": ("problem_id", "编号", "问题编号", "id", "ID", "CaseID", "case_id",
                   "service_request_id"),
    "category": ("category", "问题类型", "问题分类", "类型", "Category", "Complaint Type",
                 "complaint_type", "service_name", "Request Type", "Request.Type"),
    "found_at": ("found_at", "发现时间", "上报时间", "时间", "Opened", "requested_datetime",
                 "created_date", "date", "time"),
    "lon": ("lon", "经度", "lng", "longitude", "Longitude", "Long", "long", "x", "X"),
    "lat": ("lat", "纬度", "latitude", "Latitude", "Lat", "y", "Y"),
    "coord_sys": ("coord_sys", "坐标系", "coords", "crs"),
    "source": ("source", "来源", "问题来源", "Source"),
    "status": ("status", "状态", "处理状态", "Status"),
    "deadline": ("deadline", "整改期限", "期限", "expected_datetime"),
    "rectified_at": ("rectified_at", "整改完成时间", "整改时间", "Closed", "closed_date"),
    "description": ("description", "问题描述", "描述", "Description", "Request.Details"),
    "reporter": ("reporter", "上报人", "举报人", "Reporter"),
    "phone": ("phone", "联系电话", "电话", "Phone"),
    "address": ("address", "地址", "问题地址", "详细地址", "Address"),
    "agency": ("agency", "agency_responsible", "责任单位", "Agency"),
    "media_url": ("media_url", "图片链接", "照片链接"),
    "photo": ("photo", "照片"),
}
_KEY_DROP = re.compile(r"[\W_]+")


def column_key(name) -> str:
    """A column name as it is matched: case, spaces and punctuation left out, so that
    ``Created Date``, ``created_date`` and ``CREATED-DATE`` are one name.

    Examples
    --------
    >>> column_key("Created Date") == column_key("created_date") == column_key("CREATED-DATE")
    True
    >>> column_key(" 发现 时间 "), column_key("Request.Type")
    ('发现时间', 'requesttype')
    """
    key = _KEY_DROP.sub("", str(name).casefold())
    return key or str(name).strip()


def match_column(names, wanted) -> str | None:
    """The first of ``names`` (a file's columns) that is one of ``wanted``: an exact match
    first (in the order of ``wanted``), else one equal after :func:`column_key`.

    Examples
    --------
    >>> match_column(["ID", "Created Date"], ("found_at", "created_date"))
    'Created Date'
    >>> match_column(["lat", "Lat"], ("Lat",)), match_column(["a"], ("b",)) is None
    ('Lat', True)
    """
    names = list(names)
    have = set(names)
    for w in wanted:
        if w in have:
            return w
    keys: dict[str, str] = {}
    for n in names:
        keys.setdefault(column_key(n), n)
    for w in wanted:
        hit = keys.get(column_key(w))
        if hit is not None:
            return hit
    return None


OUT_COLUMNS = ["category", "raw_category", "found_at", "source", "source_raw", "status",
               "status_raw", "deadline", "rectified_at", "description", "reporter",
               "phone", "address", "agency", "media_url", "photo", "coord_sys", "geometry"]
#: values that mean "empty" in the fields below (R and database exports write them)
_NA_TOKENS = ("na", "n/a", "nan", "null", "none", "nat", "-", "--", "#n/a")
_NA_FIELDS = {"category", "found_at", "lon", "lat", "coord_sys", "source", "status",
              "deadline", "rectified_at"}


@functools.cache
def vocabulary() -> dict:
    """The bundled vocabulary: categories (zh, en, aliases), sources and statuses.

    Examples
    --------
    >>> vocabulary()["categories"]["piles"]["zh"]
    '乱堆乱放'
    """
    text = resources.files("geozz.resources").joinpath("vocabulary.toml").read_text("utf-8")
    return tomllib.loads(text)


CATEGORIES = tuple(vocabulary()["categories"])
#: the tables :func:`vocabulary_table` makes
VOCABULARY_KINDS = ("columns", "categories", "sources", "statuses")


def category_label(code: str) -> str:
    """How a category is shown on maps and pages: its Chinese name and its English one,
    or the code itself for a category the vocabulary does not know (a rubric's own).

    Examples
    --------
    >>> category_label("exposed_garbage"), category_label("my_category")
    ('暴露垃圾 Exposed garbage', 'my_category')
    """
    v = vocabulary()["categories"].get(str(code))
    return f"{v['zh']} {v['en']}" if v else str(code)


def vocabulary_table(kind: str = "categories") -> pd.DataFrame:
    """What :func:`~geozz.problems.read_problems` recognises, as a printable table.

    Parameters
    ----------
    kind : {"columns", "categories", "sources", "statuses"}
        ``"columns"``: each canonical field and the column names it is found under (the
        first present wins); ``"categories"``: code, ``zh``, ``en`` and the raw values
        that map to it; ``"sources"`` / ``"statuses"``: code and raw values. Raw values
        are matched ignoring case and surrounding spaces; ``categories=`` (etc.) given
        to ``read_problems`` add to them.

    Returns
    -------
    DataFrame
        One row per field or code; list cells are joined with ", ".

    Examples
    --------
    >>> t = vocabulary_table("categories")
    >>> t.columns.tolist(), t.loc[0, "code"], t.loc[0, "zh"]
    (['code', 'zh', 'en', 'aliases'], 'exposed_garbage', '暴露垃圾')
    >>> vocabulary_table("statuses").set_index("code").loc["rectified", "aliases"]
    '已整改, 已处理, rectified, closed'
    >>> vocabulary_table("columns").set_index("field").loc["lat", "names"]
    'lat, 纬度, latitude, Latitude, Lat, y, Y'
    """
    vocab = vocabulary()
    if kind == "columns":
        return pd.DataFrame({"field": list(COLUMN_NAMES),
                             "names": [", ".join(v) for v in COLUMN_NAMES.values()]})
    if kind == "categories":
        cats = vocab["categories"]
        return pd.DataFrame({"code": list(cats), "zh": [v["zh"] for v in cats.values()],
                             "en": [v["en"] for v in cats.values()],
                             "aliases": [", ".join(v["aliases"]) for v in cats.values()]})
    if kind in ("sources", "statuses"):
        codes = SOURCES if kind == "sources" else STATUSES
        return pd.DataFrame({"code": list(codes),
                             "aliases": [", ".join(vocab[kind].get(c, [])) for c in codes]})
    raise InputError(Issue(field="kind", expected=f"one of {VOCABULARY_KINDS}", got=kind,
                           fix='pass kind="categories", for example'))


#: how a category code outside the built-in vocabulary may be written (a rubric's own,
#: or one declared with ``new_categories=``): it becomes the rating column ``ded_<code>``
CATEGORY_NAME = re.compile(r"[a-z][a-z0-9_]*")


def near_builtin(code: str) -> str | None:
    """The built-in category a new code is probably a misspelling of, or None.

    Examples
    --------
    >>> near_builtin("exposed_garbge"), near_builtin("noise")
    ('exposed_garbage', None)
    """
    import difflib

    if code in CATEGORIES:
        return None
    close = difflib.get_close_matches(code, CATEGORIES, n=1, cutoff=0.85)
    return close[0] if close else None


def is_category_code(code) -> bool:
    """A built-in category code, or a name a new category may have (lower-case letters,
    digits and ``_``, starting with a letter).

    Examples
    --------
    >>> is_category_code("piles"), is_category_code("noise"), is_category_code("Noise")
    (True, True, False)
    """
    return isinstance(code, str) and (code in CATEGORIES or
                                      CATEGORY_NAME.fullmatch(code) is not None)


def new_category_issues(codes, what: str = "new_categories") -> list[Issue]:
    """Issues of category codes declared beyond the built-in ones: a name that cannot be a
    code, or one a letter or two from a built-in code (a misspelling)."""
    issues = []
    for code in codes:
        if not isinstance(code, str) or not CATEGORY_NAME.fullmatch(code):
            issues.append(Issue(field=what, expected="category codes of lower-case letters, "
                                "digits and _ (e.g. noise)", got=code,
                                fix="rename it, e.g. illegal_parking"))
        elif (near := near_builtin(code)) is not None:
            issues.append(Issue(field=what, expected="a new category, not a misspelt "
                                "built-in one", got=code, fix=f"write {near!r}"))
    return issues


def read_category_map(path) -> tuple[dict[str, str], tuple[str, ...]]:
    """Read a category mapping file: raw category -> geozz category.

    A TOML file with a ``[categories]`` table of ``"raw value" = "code"`` lines and, above
    it, optionally ``new = ["noise", ...]``: the codes beyond the built-in vocabulary it
    maps to (a rubric's own categories need not be listed when the rubric is given).

    Returns
    -------
    mapping : dict
        Raw value -> code, for ``read_problems(categories=...)``.
    new : tuple of str
        The new codes, for ``read_problems(new_categories=...)``.

    Raises
    ------
    InputError
        A file that is not such TOML, naming the key to fix.

    Examples
    --------
    >>> import os, tempfile
    >>> f = os.path.join(tempfile.mkdtemp(), "map.toml")
    >>> _ = open(f, "w", encoding="utf-8").write(
    ...     'new = ["noise"]\\n[categories]\\n"Noise - Residential" = "noise"\\n'
    ...     '"Dirty Conditions" = "exposed_garbage"\\n')
    >>> read_category_map(f)
    ({'Noise - Residential': 'noise', 'Dirty Conditions': 'exposed_garbage'}, ('noise',))
    """
    from pathlib import Path

    file = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(Issue(file=file, expected="a TOML category map ([categories] "
                               'lines "raw" = "code")', got=str(exc)[:200],
                               fix="write it as in docs/problem-records.md")) from None
    issues = []
    table = data.get("categories")
    if not isinstance(table, dict) or not table or \
            not all(isinstance(v, str) for v in table.values()):
        issues.append(Issue(file=file, field="categories", expected='a [categories] table '
                            'of "raw value" = "code" lines', got=table,
                            fix='add [categories] and lines such as "Noise" = "noise"'))
    new = data.get("new", [])
    if not isinstance(new, list):
        issues.append(Issue(file=file, field="new", expected="a list of codes", got=new,
                            fix='write new = ["noise", "parking"]'))
        new = []
    for key in set(data) - {"categories", "new"}:
        issues.append(Issue(file=file, field=key, expected="only new and [categories]",
                            got=key, fix="remove it or correct its spelling"))
    issues += [Issue(file=file, field="new", expected=i.expected, got=i.got, fix=i.fix)
               for i in new_category_issues(new)]
    if issues:
        raise InputError(issues)
    return {str(k): v.strip() for k, v in table.items()}, tuple(new)


def _norm(value) -> str:
    return str(value).strip().casefold()


def _lookup(codes: tuple[str, ...], aliases: Mapping[str, list[str]],
            extra: Mapping[str, str] | None, what: str,
            new: tuple[str, ...] = ()) -> dict[str, str]:
    table = {_norm(c): c for c in codes}
    for code, names in aliases.items():
        for name in names:
            table[_norm(name)] = code
    if extra is not None and not isinstance(extra, Mapping):
        raise InputError(Issue(field=what, expected="a mapping raw value -> code",
                               got=type(extra).__name__, fix=f"pass {what}={{'raw': 'code'}}"))
    allowed = set(codes) | set(new)
    hint = " (or declare a new one: new_categories=[...], a rubric that rates it, or "\
        "new = [...] in a category map)" if what == "categories" else ""
    bad = [Issue(field=what, expected=f"codes from {codes}" + (f" or {new}" if new else ""),
                 got=code, fix=f"map {raw!r} to one of the canonical codes{hint}")
           for raw, code in (extra or {}).items() if code not in allowed]
    if bad:
        raise InputError(bad)
    for raw, code in (extra or {}).items():
        table[_norm(raw)] = code
    return table


def _clean(values: pd.Series, *, blanks: tuple[str, ...] = ()) -> pd.Series:
    """Values as stripped text, NA where empty or (casefolded) in ``blanks``; computed
    once per distinct value."""
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    out = []
    for v in uniq:
        t = str(v).strip()
        out.append(None if not t or t.casefold() in blanks else t)
    arr = np.array(out + [None], dtype=object)[codes]
    return pd.Series(arr, index=values.index, dtype="string")


def _map_codes(values: pd.Series, table: Mapping[str, str]) -> pd.Series:
    """Raw values -> codes through ``table`` (None where unknown), once per distinct value."""
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([table.get(_norm(v)) for v in uniq] + [None], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


# ---- ids


def _arrow(index: pd.Index):
    """The ids as one pyarrow array when they are stored as arrow strings, else None."""
    dtype = index.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    arr = pa.array(index.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def problem_order(index: pd.Index) -> tuple[np.ndarray, list]:
    """Positions of the problems in the order of their ids, and the ids that repeat.

    The order is stable (the given order when the ids are sorted already). Ids of mixed
    kinds that do not compare (``1`` and ``"a"``) are ordered as text.

    Examples
    --------
    >>> order, repeated = problem_order(pd.Index(["b", "a", "c", "a"]))
    >>> order.tolist(), repeated
    ([1, 3, 0, 2], ['a'])
    >>> problem_order(pd.Index([2, "a", 1]))[0].tolist()
    [2, 0, 1]
    """
    n = len(index)
    arr = _arrow(index)
    if arr is not None and arr.null_count == 0:
        if n < 2 or pc.all(pc.less(arr.slice(0, n - 1), arr.slice(1))).as_py():
            return np.arange(n), []
        order = pc.sort_indices(arr)
        ids = arr.take(order)
        same = pc.equal(ids.slice(1), ids.slice(0, n - 1))
        repeated = pc.unique(ids.slice(1).filter(same)).to_pylist()
        return order.to_numpy().astype(np.int64), repeated
    repeated = index[index.duplicated()].unique().tolist()
    try:
        if index.is_monotonic_increasing:
            return np.arange(n), repeated
        return np.asarray(index.argsort(kind="stable"), dtype=np.int64), repeated
    except TypeError:
        return np.argsort(index.astype(str).to_numpy(dtype=str), kind="stable"), repeated


def blank_ids(index: pd.Index) -> bool:
    """Whether any id is missing or only white space.

    Examples
    --------
    >>> blank_ids(pd.Index(["a", " "])), blank_ids(pd.Index(["a", "b"], dtype="str"))
    (True, False)
    """
    arr = _arrow(index)
    if arr is not None:
        return arr.null_count > 0 or bool(pc.any(pc.equal(pc.utf8_trim_whitespace(arr),
                                                          "")).as_py())
    ids = index.to_series()
    return bool(ids.isna().any() or ids.astype(str).str.strip().eq("").any())



# ---- the check


def time_issue(col: pd.Series, name: str, func: str, *, aware: bool) -> Issue | None:
    ok = pd.api.types.is_datetime64_any_dtype(col) and \
        (not aware or getattr(col.dtype, "tz", None) is not None)
    if ok:
        return None
    want = "tz-aware datetimes" if aware else "datetimes"
    return Issue(field=name, expected=f"{want} in the {name!r} given to {func}()",
                 got=str(col.dtype), fix="read the records with geozz.read_problems, or "
                                         "convert with pd.to_datetime(...).dt.tz_localize(tz)")


def check_problems(problems, *, stage: str, columns: Mapping[str, str] | None = None,
                   located: bool = False, bounds=None) -> None:
    """Check that ``problems`` keep the Problems contract a stage relies on; raise once.

    Parameters
    ----------
    problems : GeoDataFrame
        What :func:`geozz.read_problems` returned (or :func:`load` read).
    stage : str
        The stage (function) receiving them, quoted in every message.
    columns : mapping, optional
        Columns the stage reads and what they must hold: ``"time"`` (tz-aware datetimes),
        ``"category"`` (category codes) or ``"any"``.
    located : bool, default False
        The stage places them: a GeoDataFrame with a CRS the coordinates fit
        (``bounds``, the located points' bounds when known, saves reading them again),
        and problem ids that are never empty and never repeat.

    Raises
    ------
    SchemaError, CRSError, InputError
        Every missing column, wrong kind of value, bad id or CRS listed at once.

    Examples
    --------
    >>> import pandas as pd
    >>> check_problems(pd.DataFrame({"category": ["piles"]}), stage="states",
    ...                columns={"found_at": "time"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozz.errors.SchemaError: 1 problem in the input:
      field 'found_at': expected a 'found_at' column in the problems given to states()...
    """
    where = f"problems given to {stage}()"
    kind = gpd.GeoDataFrame if located else pd.DataFrame
    if not isinstance(problems, kind):
        raise SchemaError(Issue(file=where, field="problems",
                                expected="the Problems GeoDataFrame of gz.read_problems",
                                got=type(problems).__name__,
                                fix="pass what gz.read_problems returns"))
    issues, crs_issues = [], []
    for col, want in (columns or {}).items():
        if col not in problems.columns:
            issues.append(Issue(field=col, expected=f"a {col!r} column in the problems given "
                                f"to {stage}()", fix="pass what geozz.read_problems returns"))
        elif want == "time":
            issue = time_issue(problems[col], col, stage, aware=True)
            if issue:
                issues.append(issue)
        elif want == "category":
            codes = problems[col].dropna().unique()
            unknown = sorted(str(c) for c in codes if not is_category_code(c))
            if unknown:
                issues.append(Issue(field=col, expected=f"category codes from {CATEGORIES}, "
                                    "or new ones of lower-case letters, digits and _",
                                    got=unknown[:5], fix="map raw categories with "
                                    "read_problems(..., categories={'raw': 'code'})"))
    if located:
        if problems.crs is None:
            crs_issues.append(Issue(file=where, field="crs", expected="problems with a CRS",
                                    fix="use gz.read_problems, or .set_crs(4326) for lon/lat"))
        elif bounds is not None:
            crs_issues += plausibility_issues(problems.geometry, problems.crs, where=where,
                                              bounds=bounds)
        if blank_ids(problems.index):
            issues.append(Issue(file=where, field="problem_id", expected="non-empty problem "
                                "ids", fix="read the records with gz.read_problems"))
        if not problems.index.is_unique:
            repeated = problems.index[problems.index.duplicated()].unique().tolist()
            issues.append(Issue(field="problem_id", file=where, expected="unique problem ids",
                                got=repeated[:5], fix="read the records with gz.read_problems"))
    if crs_issues:
        raise (InputError if issues else CRSError)(issues + crs_issues)
    if issues:
        raise SchemaError(issues)


# ---- the saved file


#: the GeoPackage layer :func:`save` writes (and :func:`is_saved` looks for)
LAYER = "geozz_problems"
SUFFIXES = (".gpkg", ".parquet", ".geoparquet")
_TIMES = ("found_at", "deadline", "rectified_at")
_MARK = ("category", "raw_category", "found_at")  # the columns only geozz writes together


def _suffix_issue(path: Path, what: str) -> Issue:
    return Issue(file=str(path), expected=f"a {what} ending in {', '.join(SUFFIXES)}",
                 got=path.suffix or path.name, fix="name the file problems.gpkg or "
                 "problems.parquet")


def save(problems: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write problems to a GeoPackage (layer ``geozz_problems``) or GeoParquet file.

    Personal and internal fields are left out; the file is written beside the target
    and renamed over it, so a reader never sees half a file.

    Parameters
    ----------
    problems : GeoDataFrame
        Problems from :func:`geozz.read_problems` (index ``problem_id``).
    path : str or Path
        ``.gpkg``, ``.parquet`` or ``.geoparquet``.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, geozz as gz
    >>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> save(problems, Path(tempfile.mkdtemp()) / "p.parquet").suffix
    '.parquet'
    """
    path = as_path(path, what="problems file")
    if not path.name.lower().endswith(SUFFIXES):
        raise InputError(_suffix_issue(path, "problems file to write"))
    if not isinstance(problems, gpd.GeoDataFrame) or problems.index.name != "problem_id":
        raise SchemaError(Issue(file=str(path), expected="problems from gz.read_problems "
                                "(a GeoDataFrame indexed by problem_id)",
                                got=type(problems).__name__, fix="save what "
                                "read_problems returned"))
    drop = [c for c in (*PERSONAL_FIELDS, *INTERNAL_FIELDS) if c in problems.columns]
    out = problems.drop(columns=drop).reset_index()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_convert("UTC")  # what GeoPackage calls conformant
        elif isinstance(out[col].dtype, pd.StringDtype) or out[col].dtype == object:
            if col != out.geometry.name:
                out[col] = out[col].astype(object).where(out[col].notna(), None)
    try:
        with atomic_path(path) as tmp:
            if path.suffix.lower() == ".gpkg":
                out.to_file(tmp, layer=LAYER, driver="GPKG")
            else:
                out.to_parquet(tmp, index=False)
    except OSError as exc:
        raise OutputError(f"{path}: could not write the problems ({exc}); check the "
                          "folder exists and is writable") from None
    return path


def is_saved(path: str | Path) -> bool:
    """Whether ``path`` is a problems file :func:`save` wrote (and :func:`load` reads).

    Examples
    --------
    >>> is_saved("records.csv")
    False
    """
    path = Path(path)
    if not path.is_file() or not path.name.lower().endswith(SUFFIXES):
        return False
    try:
        if path.suffix.lower() == ".gpkg":
            import pyogrio

            return LAYER in {str(n) for n, _ in pyogrio.list_layers(path)}
        import pyarrow.parquet as pq

        return set(_MARK) <= set(pq.read_schema(path).names)
    except Exception:  # noqa: BLE001 - any unreadable file is simply not ours
        return False


def load(path: str | Path, *, tz: str = "Asia/Shanghai") -> gpd.GeoDataFrame:
    """Read problems written by :func:`save` (or ``geozz problems``).

    Parameters
    ----------
    path : str or Path
        A ``.gpkg`` with the ``geozz_problems`` layer, or a ``.parquet`` file from
        :func:`save`.
    tz : str, default "Asia/Shanghai"
        The time zone the times are returned in.

    Returns
    -------
    GeoDataFrame
        Indexed by ``problem_id``, WGS-84 points, times tz-aware.

    Raises
    ------
    InputError
        A file that is not a saved problems file, or whose columns were changed.

    Examples
    --------
    >>> load("records.csv")
    Traceback (most recent call last):
    ...
    geozz.errors.InputError: 1 problem in the input:
      records.csv: expected a saved problems file ending in .gpkg, .parquet, .geoparquet, got '.csv'. Fix: name the file problems.gpkg or problems.parquet
    """
    from .._times import check_tz

    path = as_path(path, what="problems file")
    tz = check_tz(tz)
    if not path.name.lower().endswith(SUFFIXES):
        raise InputError(_suffix_issue(path, "saved problems file"))
    if not is_saved(path):
        raise InputError(Issue(file=str(path), expected="a problems file written by "
                               "gz.problems.save / geozz problems", got="another file",
                               fix="read raw records with gz.read_problems"))
    if path.suffix.lower() == ".gpkg":
        frame = gpd.read_file(path, layer=LAYER, datetime_as_string=True)
    else:
        frame = gpd.read_parquet(path)
    issues = []
    for col in ("problem_id", *_MARK):
        if col not in frame.columns:
            issues.append(Issue(file=str(path), field=col, expected="the column save wrote",
                                fix="save the problems again"))
    if issues:
        raise SchemaError(issues)
    unknown = sorted(c for c in set(frame["category"].dropna()) if not is_category_code(c))
    if unknown or frame["category"].isna().any():
        issues.append(Issue(file=str(path), field="category", expected=f"codes from "
                            f"{CATEGORIES}", got=unknown[:5] or "empty values",
                            fix="read the raw records again with gz.read_problems"))
    for col in _TIMES:
        if col in frame:
            try:
                frame[col] = pd.to_datetime(frame[col], utc=True).dt.tz_convert(tz)
            except (ValueError, TypeError):
                issues.append(Issue(file=str(path), field=col, expected="times",
                                    got=str(frame[col].dtype),
                                    fix="save the problems again"))
    ids = frame["problem_id"].astype("string")
    if ids.isna().any() or ids.duplicated().any():
        issues.append(Issue(file=str(path), field="problem_id", expected="unique ids",
                            got=ids[ids.duplicated()].head(5).tolist(),
                            fix="save the problems again"))
    if issues:
        raise SchemaError(issues)
    frame.index = pd.Index(ids.to_numpy(), name="problem_id", dtype="str")
    frame = frame.drop(columns="problem_id")
    for col in frame.columns:
        if frame[col].dtype == object and col != frame.geometry.name:
            frame[col] = frame[col].astype("string")
    return frame


# ---- a dataset partitioned by period: a province's records ----------------------------

#: bytes a problem row takes in memory (a point, the id, the fields; measured on 1 M rows
#: of synthetic records read back from a dataset)
BYTES_PER_ROW = 420


def _stored(problems: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The problems as a dataset keeps them: no personal or internal field, the id a
    column (any GeoParquet reader sees it)."""
    if not isinstance(problems, gpd.GeoDataFrame) or problems.index.name != "problem_id":
        raise SchemaError(Issue(file="problems given to write_partitioned",
                                expected="problems from gz.read_problems (a GeoDataFrame "
                                "indexed by problem_id)", got=type(problems).__name__,
                                fix="write what read_problems returned"))
    drop = [c for c in (*PERSONAL_FIELDS, *INTERNAL_FIELDS) if c in problems.columns]
    return problems.drop(columns=drop).reset_index()


def _from_file(path, filters=None) -> gpd.GeoDataFrame:
    """One file of a problems dataset, as :func:`read_partitioned` returns its rows."""
    frame = gpd.read_parquet(path, filters=filters)
    return frame.set_index("problem_id")


def write_partitioned(problems: gpd.GeoDataFrame, folder: str | Path, *, freq: str = "M",
                      tz: str | None = None) -> Path:
    """Write problems as a GeoParquet dataset partitioned by period (``period=2024-05/``).

    Parameters
    ----------
    problems : GeoDataFrame or dask-geopandas GeoDataFrame
        Problems from :func:`geozz.read_problems` (index ``problem_id``); a dask frame is
        written by its workers, a file per partition and period.
    folder : str or Path
        Replaced as a whole (a reader sees the old dataset or the new one).
    freq : {"M", "Q", "Y", "D"}, default "M"
        The period of a sub-folder, in the local wall time of ``found_at``.
    tz : str, optional
        The zone whose wall time decides a row's period; default the times' own.

    Returns
    -------
    Path
        The folder. Personal and internal fields are left out, as in :func:`save`.

    Examples
    --------
    >>> import tempfile, geozz as gz
    >>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> folder = write_partitioned(problems, Path(tempfile.mkdtemp()) / "problems")
    >>> sorted(p.name for p in folder.iterdir())[1:4]
    ['period=2024-01', 'period=2024-02', 'period=2024-03']
    >>> read_partitioned(folder, periods=["2024-05"])["found_at"].dt.month.unique().tolist()
    [5]
    """
    from . import _partitions

    if _is_lazy(problems):
        from ._partitions import write_lazy

        return write_lazy(problems.map_partitions(_stored), folder, kind="problems",
                          freq=freq, tz=tz)
    return _partitions.write(_stored(problems), folder, kind="problems", freq=freq, tz=tz)


def _is_lazy(table) -> bool:
    from .._dask import is_dask

    return is_dask(table)


def read_partitioned(folder: str | Path, *, periods=None,
                     check_memory: bool = True) -> gpd.GeoDataFrame:
    """Read a problems dataset :func:`write_partitioned` wrote, whole or some periods.

    Only the sub-folders of ``periods`` are opened. Before reading, the rows are counted
    from the files' footers: more than this machine has memory for is an
    :class:`~geozz.errors.InputError` naming :func:`read_lazy` and ``engine="dask"``.

    Parameters
    ----------
    folder : str or Path
    periods : str or list of str, optional
        Period labels as the folders name them (``"2024-05"``); default all.
    check_memory : bool, default True
        False reads whatever the size.

    Returns
    -------
    GeoDataFrame
        Indexed by ``problem_id``, the columns as written, in period order.

    Raises
    ------
    InputError
        Not a problems dataset, periods it does not hold, or more rows than fit.
    """
    from . import _partitions

    paths = _partitions.files_that_fit(folder, kind="problems", periods=periods,
                                       check_memory=check_memory,
                                       bytes_per_row=BYTES_PER_ROW,
                                       what="reading {n:,} problems at once (read_lazy, or "
                                            "read_problems(..., lazy=True), reads none)")
    if not paths:
        return _empty_from(folder)
    parts = [_from_file(p) for p in paths]
    return pd.concat(parts) if len(parts) > 1 else parts[0]


def _empty_from(folder) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=4326),
                            index=pd.Index([], name="problem_id", dtype="str"))


def read_lazy(folder: str | Path, *, periods=None):
    """A problems dataset as a dask-geopandas GeoDataFrame: one partition per file,
    nothing read until computed (the dask engine's input).

    Examples
    --------
    >>> import tempfile, geozz as gz
    >>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> folder = write_partitioned(problems, Path(tempfile.mkdtemp()) / "problems")
    >>> lazy = read_lazy(folder, periods=["2024-05", "2024-06"])
    >>> lazy.npartitions, len(lazy.compute()) == len(read_partitioned(
    ...     folder, periods=["2024-05", "2024-06"]))
    (2, True)
    """
    import dask.dataframe as dd

    from . import _partitions

    paths = _partitions.files(folder, kind="problems", periods=periods)
    if not paths:
        raise InputError(Issue(file=str(folder), expected="a dataset with rows",
                               got="no files", fix="write the problems first"))
    meta = _from_file(paths[0], filters=[("problem_id", "==", "\x00")])
    return dd.from_map(_from_file, [str(p) for p in paths], meta=meta,
                       enforce_metadata=False)
