"""The Risk table: per unit, the problems expected next period and the chance of 回潮.

:func:`geozz.forecast.risk` makes it; the maps (``risk=`` of :func:`geozz.star_map` and
:func:`geozz.publish`: a switchable layer and each unit's forecast on its page) and the
patrol routes (:func:`geozz.patrol.routes`: the prizes) read it. A GeoDataFrame indexed by
``unit_id`` with :data:`RISK_COLUMNS` and the units' geometry. :func:`check_risk` is the
contract a reader relies on; :func:`write` / :func:`read` keep it as GeoJSON (WGS-84, for
any GIS) or GeoParquet (the units' CRS), as ``geozz forecast --risk`` writes it.

Examples
--------
>>> import pandas as pd
>>> check_risk(pd.DataFrame({"expected": [1.0]}), stage="publish")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
geozz.errors.InputError: ... field 'risk': expected the table of gz.forecast.risk() ...
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._io import as_path, atomic_path
from ..errors import InputError, Issue
from ._common import read_file

__all__ = ["RISK_COLUMNS", "RISK_REQUIRED", "SUFFIXES", "check_risk", "read", "write"]

#: the columns of the table besides the units' geometry (index ``unit_id``)
RISK_COLUMNS = ["unit_type", "period", "method", "expected", "p_recur", "density", "per",
                "risk_rank", "flag_share", "reason"]
#: what the maps read of it
RISK_REQUIRED = ("period", "expected", "p_recur", "risk_rank", "flag_share", "reason")
#: the files :func:`write` writes and :func:`read` reads
SUFFIXES = (".geojson", ".parquet")


def check_risk(risk, *, stage: str, units=None) -> None:
    """``risk`` is what :func:`geozz.forecast.risk` returns (for ``units``, when given)."""
    if not isinstance(risk, pd.DataFrame) or any(c not in risk for c in RISK_REQUIRED):
        raise InputError(Issue(field="risk", expected=f"the table of gz.forecast.risk() for "
                               f"{stage}() (columns {list(RISK_REQUIRED)})",
                               got=type(risk).__name__,
                               fix="pass risk=gz.forecast.risk(ledger, units)"))
    if units is not None:
        unknown = pd.Index(risk.index.astype(str)).difference(units.index.astype(str))
        if len(unknown):
            raise InputError(Issue(field="risk", expected="unit ids of the units drawn",
                                   got=f"{len(unknown)} other ids, e.g. {list(unknown[:3])}",
                                   fix="forecast with the same units"))


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(Issue(file=str(path), field="risk", expected=f"a file ending in "
                               f"{' or '.join(SUFFIXES)}", got=path.suffix or path.name,
                               fix="name it risk.geojson or risk.parquet"))
    return suffix


def write(risk, path: str | Path) -> Path:
    """Write the risk table: GeoJSON (WGS-84) or GeoParquet (the units' CRS), atomically."""
    out = as_path(path, field="path")
    suffix = _suffix(out)
    check_risk(risk, stage="write")
    with atomic_path(out) as tmp:
        if suffix == ".geojson":
            risk.to_crs(4326).reset_index().to_file(tmp, driver="GeoJSON")
        else:
            risk.reset_index().to_parquet(tmp, index=False)
    return out


def read(path: str | Path):
    """Read a risk table :func:`write` wrote (``geozz forecast --risk``), indexed by
    ``unit_id``, checked.

    Examples
    --------
    >>> import tempfile, geozz as gz
    >>> units = gz.datasets.sf311_tracts()
    >>> problems, _ = gz.datasets.sf311_problems()
    >>> risk = gz.forecast.risk(gz.assign(problems, units), units, freq="Y", origin="2014")
    >>> back = read(write(risk, Path(tempfile.mkdtemp()) / "risk.parquet"))
    >>> back.index.equals(risk.index), back["expected"].equals(risk["expected"])
    (True, True)
    """
    import geopandas as gpd

    src = as_path(path, field="path")
    reader = gpd.read_file if _suffix(src) == ".geojson" else gpd.read_parquet
    table = read_file(src, "risk", reader)
    if "unit_id" in table.columns:
        table = table.set_index(table["unit_id"].astype(str).rename("unit_id")) \
            .drop(columns="unit_id")
    check_risk(table, stage="read")
    return table
