"""The dask engine of :func:`geozz.assign`: the same ledger, row for row, for problems
too many for one process.

A problem's rows depend only on the problem and the units, so the ledger of a partition
of the problems is the ledger of those problems: each partition is assigned by
:func:`geozz.assign` itself (the single-process code, not a second algorithm: grid cells
by index arithmetic, other polygons and corridors through their spatial index), against
the units sent once to every worker (conformed once, here). The partitions' ledgers,
put in ledger order (:func:`geozz.tables.ledger.in_order`), are the ledger of all the
problems; written as a dataset (``out=``), each worker writes its own partitions' rows,
a file per partition and period, and nothing comes back.

How the problems are partitioned does not change the ledger: by period (a dataset from
:func:`geozz.tables.problems.write_partitioned`), by id (a GeoDataFrame handed in is
split in id order) or spatially (``dask_geopandas``' ``spatial_shuffle()``).
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .._dask import client, is_dask
from ..errors import InputError, Issue
from ..tables.ledger import in_order
from ..tables.units import conform_units

__all__ = ["PARTITION_ROWS", "assign_dask"]

#: problems per partition when a GeoDataFrame is split
PARTITION_ROWS = 1_000_000


def _assign(part: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.DataFrame:
    from . import assign

    return assign(part, units, check_memory=False)


def _by_id(part: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return part.set_index("problem_id")


def _lazy(problems, partition_rows: int):
    import dask.dataframe as dd
    import dask_geopandas  # noqa: F401 - registers GeoDataFrame partitions with dask

    if isinstance(problems, (str, Path)):
        from ..tables.problems import read_lazy

        return read_lazy(problems)
    if is_dask(problems):
        if "problem_id" in problems.columns:  # e.g. after spatial_shuffle() set its own
            return problems.map_partitions(_by_id)
        return problems
    if isinstance(problems, gpd.GeoDataFrame):
        n = max(1, math.ceil(len(problems) / max(1, int(partition_rows))))
        return dd.from_pandas(problems, npartitions=n, sort=False)
    raise InputError(Issue(field="problems", expected="a GeoDataFrame, a dask-geopandas "
                           "GeoDataFrame or a problems dataset folder",
                           got=type(problems).__name__,
                           fix="read them with gz.read_problems or "
                               "gz.tables.problems.read_lazy"))


def assign_dask(problems, units, *, scheduler=None, out=None, freq: str = "M",
                tz: str | None = None, partition_rows: int = PARTITION_ROWS):
    """:func:`geozz.assign` on dask (``engine="dask"``).

    Parameters
    ----------
    problems : GeoDataFrame, dask-geopandas GeoDataFrame, or str / Path
        Problems, their partitions (indexed by ``problem_id``, or with a ``problem_id``
        column: ``spatial_shuffle()`` sets its own index), or a problems dataset folder
        (:func:`geozz.tables.problems.write_partitioned`; read by the workers).
    units : GeoDataFrame or str / Path
        Units (a GeoParquet file read here): conformed once and sent to every worker.
    scheduler : str, distributed.Client or None
        A scheduler's address (``"tcp://host:8786"``), a client, or None: the current
        client or a new LocalCluster (:func:`geozz._dask.client`).
    out : str or Path, optional
        Write the ledger as a dataset partitioned by period there (by the workers) and
        return the folder; default: return the ledger.
    freq, tz : str
        The partitions of ``out`` (:func:`geozz.tables.ledger.write_partitioned`).
    partition_rows : int
        Problems per partition when a GeoDataFrame is split.

    Returns
    -------
    DataFrame or Path
        The ledger, equal row for row to ``gz.assign(problems, units)``; or ``out``.

    Examples
    --------
    >>> import geozz as gz
    >>> from distributed import Client
    >>> units = gz.build_units(gz.datasets.longgang(), grid_size=500)
    >>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> with Client(processes=False, n_workers=1, dashboard_address=None) as c:
    ...     ledger = gz.assign(problems, units, engine="dask", scheduler=c,
    ...                        partition_rows=5000)
    >>> ledger.equals(gz.assign(problems, units))
    True
    """
    if isinstance(units, (str, Path)):
        from ..tables.units import read as read_units

        units = read_units(units)
    units = conform_units(units, stage="assign")
    frame = _lazy(problems, partition_rows)
    with client(scheduler) as c:
        ref = c.scatter(units, broadcast=True, hash=False)
        meta = _assign(frame._meta, units)
        ledger = frame.map_partitions(_assign, ref, meta=meta, align_dataframes=False)
        if out is not None:
            from ..tables._partitions import write_lazy

            return write_lazy(ledger, out, kind="ledger", freq=freq, tz=tz, on=c)
        parts = c.compute(ledger.to_delayed(), sync=True)
    table = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return in_order(table)
