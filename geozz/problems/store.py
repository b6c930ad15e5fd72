"""Problems saved to a file and loaded back: GeoPackage or GeoParquet.

:func:`save` writes validated problems (what :func:`geozz.read_problems` returns) without
the personal fields (reporter, phone) and the internal ones (photo path, media URL), so the
file can be handed on; the original records stay the place to look a reporter up.
:func:`load` reads such a file back with its times in their time zone, ready for
:func:`geozz.assign`, without validating the records a second time.

Examples
--------
>>> import tempfile, geozz as gz
>>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
>>> path = save(problems, Path(tempfile.mkdtemp()) / "problems.gpkg")
>>> back = load(path)
>>> back.index.equals(problems.index), "reporter" in back
(True, False)
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from .._io import as_path, atomic_path
from ..errors import InputError, Issue, OutputError, SchemaError
from .fields import CATEGORIES, INTERNAL_FIELDS, PERSONAL_FIELDS, is_category_code

__all__ = ["save", "load", "is_saved", "LAYER", "SUFFIXES"]

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
    from .times import check_tz

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
