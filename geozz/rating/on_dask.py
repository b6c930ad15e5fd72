"""The dask engine of :func:`geozz.rate`: the same ratings, row for row, from a ledger
too large for one process.

Rating a unit needs all of its rows, and ranks need all units; so the work is split the
way the single-process engine already splits it (:mod:`geozz.rating.engine`):

1. each ledger partition is checked (:func:`~geozz.tables.ledger.check_ledger`) and
   summarised (:func:`~geozz.rating.engine.summarise`: its first and last times, the
   unit ids it names that are not in the units); the summaries are combined and the
   options checked once, in this process, exactly as ``engine=None`` checks them
   (:func:`~geozz.rating.engine.prepare`: the periods, the moment of judgement);
2. each partition keeps the columns rating reads and splits its rows into groups of
   consecutive units (a task-based shuffle: no unit's rows are in two groups);
3. each group of units is scored by :func:`~geozz.rating.engine.score`, the code the
   single-process engine runs on all units at once, with the same periods and moment of
   judgement;
4. the groups' rows, one after the other, are the rows of all units: ranks, lists and
   the order are made here by :func:`~geozz.rating.engine.finish`.

The ratings (units × periods) come back to this process; the ledger never does.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .._dask import client, is_dask
from ..rubric import load_rubric
from ..tables.ledger import check_ledger
from ..tables.units import check_units
from .engine import (
    _check_freq,
    _empty,
    _unit_codes,
    combine,
    finish,
    prepare,
    score,
    summarise,
)

__all__ = ["UNITS_PER_GROUP", "rate_dask"]

#: units scored by one task (their counts per period and category fit in a few MB)
UNITS_PER_GROUP = 25_000
#: the ledger columns a score task reads
_READ = ("unit_id", "unit_type", "category", "found_at", "status", "deadline",
         "rectified_at", "recurrent", "source")


def _summary(part: pd.DataFrame, units: pd.DataFrame):
    check_ledger(part, stage="rate")
    return summarise(part, units)


def _split(part: pd.DataFrame, index: pd.Index, size: int, k: int) -> list[pd.DataFrame]:
    """A partition's rows in ``k`` groups of consecutive units (``size`` units each)."""
    part = part[[c for c in _READ if c in part.columns]]
    code = _unit_codes(part["unit_id"], index)
    group = np.where(code >= 0, code // size, -1)
    return [part[group == g] for g in range(k)]


def _score(pieces: list[pd.DataFrame], setup, lo: int, hi: int) -> pd.DataFrame:
    rows = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]
    return score(rows, setup, lo, hi)


def _lazy(ledger, *, partition_rows: int = 1_000_000):
    import dask.dataframe as dd

    if isinstance(ledger, (str, Path)):
        from ..tables.ledger import read_lazy

        return read_lazy(ledger)
    if is_dask(ledger):
        return ledger
    if isinstance(ledger, pd.DataFrame):
        return dd.from_pandas(ledger, npartitions=max(1, math.ceil(len(ledger) /
                                                                   partition_rows)),
                              sort=False)
    check_ledger(ledger, stage="rate")  # raises: not a table
    return ledger


def rate_dask(ledger, units: gpd.GeoDataFrame, *, freq="M", rubric="default",
              periods=None, as_of=None, adjustments=None, normalise=None, lists=5,
              scheduler=None, units_per_group: int | None = None) -> pd.DataFrame:
    """:func:`geozz.rate` on dask (``engine="dask"``): the same parameters and result.

    Parameters
    ----------
    ledger : dask DataFrame, DataFrame, or str / Path
        A ledger's partitions (any partitioning), a ledger, or a ledger dataset folder
        (:func:`geozz.tables.ledger.write_partitioned`, ``assign(..., out=)``).
    units : GeoDataFrame
        As for :func:`geozz.rate`; sent once to every worker (without geometry).
    scheduler : str, distributed.Client or None
        Where it runs (:func:`geozz._dask.client`): a scheduler's address, a client,
        or None for the current client or a new LocalCluster.
    units_per_group : int, optional
        Units scored by one task (default :data:`UNITS_PER_GROUP`).

    Examples
    --------
    >>> import geozz as gz
    >>> from distributed import Client
    >>> units = gz.build_units(gz.datasets.longgang(), grid_size=500, unit_types=["grid"])
    >>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> ledger = gz.assign(problems, units)
    >>> with Client(processes=False, n_workers=1, dashboard_address=None) as c:
    ...     got = gz.rate(ledger, units, engine="dask", scheduler=c)
    >>> got.equals(gz.rate(ledger, units))
    True
    """
    import dask

    if isinstance(freq, str):
        _check_freq(freq)
    check_units(units, stage="rate")
    frame = _lazy(ledger)
    light = pd.DataFrame({"unit_type": units["unit_type"].to_numpy()}, index=units.index)
    with client(scheduler) as c:
        parts = frame.to_delayed()
        ref = c.scatter(light, broadcast=True, hash=False)
        summaries = c.compute([dask.delayed(_summary)(p, ref) for p in parts], sync=True)
        setup = prepare(combine(list(summaries)), units, freq=freq, rubric=rubric,
                        periods=periods, as_of=as_of, adjustments=adjustments,
                        normalise=normalise, lists=lists)
        if setup is None:
            return _empty(load_rubric(rubric).categories())
        keep = [c_ for c_ in setup.units.columns
                if c_ in ("name", "admin") or c_.startswith("admin")]
        small = replace(setup, units=pd.DataFrame(setup.units[keep]))
        sref = c.scatter(small, broadcast=True, hash=False)
        n = len(setup.units)
        size = max(1, int(units_per_group or UNITS_PER_GROUP))
        k = max(1, math.ceil(n / size))
        index = setup.units.index
        iref = c.scatter(index, broadcast=True, hash=False)
        split = [dask.delayed(_split, nout=k)(p, iref, size, k) for p in parts]
        groups = [dask.delayed(_score)([s[g] for s in split], sref, g * size,
                                       min(n, (g + 1) * size)) for g in range(k)]
        outs = c.compute(groups, sync=True)
    out = pd.concat(outs, ignore_index=True) if len(outs) > 1 else outs[0]
    return finish(out, setup)
