"""The dask engine's plumbing: which engine, and the ``distributed`` client it runs on.

Nothing here imports dask or distributed at the top: ``import geozz`` and the single-process
stages never load them. :func:`client` gives the client the work runs on: the one given,
one connected to a scheduler's address (``"tcp://host:8786"``), the client already current
in this process, or a new :class:`distributed.LocalCluster` (one worker process per CPU,
one thread each), closed again when the work is done.

Examples
--------
>>> check_engine(None) is None, check_engine("dask")
(True, 'dask')
>>> check_engine("spark")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
geozz.errors.InputError: 1 problem in the input:
  field 'engine': expected None (one process) or 'dask', got 'spark'...
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from ._parallel import cpus
from .errors import InputError, Issue

__all__ = ["ENGINES", "check_engine", "client", "is_dask"]

#: the engines of assign and rate: None (one process) and "dask"
ENGINES = (None, "dask")


def check_engine(engine: Any) -> str | None:
    """``engine`` if it is one of :data:`ENGINES`, else an InputError with the fix."""
    if engine in ENGINES and (engine is None or isinstance(engine, str)):
        return engine
    raise InputError(Issue(field="engine", expected="None (one process) or 'dask'",
                           got=engine, fix='leave it out, or pass engine="dask"'))


def is_dask(obj: Any) -> bool:
    """Whether ``obj`` is a dask collection (without importing dask when it is not loaded)."""
    import sys

    if "dask" not in sys.modules:
        return False
    from dask import is_dask_collection

    return is_dask_collection(obj)


@contextlib.contextmanager
def client(scheduler: Any = None, *, workers: int | None = None) -> Iterator[Any]:
    """The :class:`distributed.Client` the dask engine runs on, for the ``with`` block.

    Parameters
    ----------
    scheduler : str, Client or None
        A scheduler's address (``"tcp://10.0.0.5:8786"``: any ``distributed`` cluster
        whose workers can import geozz and read the paths given), a ``Client``, or None:
        the client current in this process if there is one, else a new ``LocalCluster``
        closed after the block.
    workers : int, optional
        Workers of a new LocalCluster (default one per CPU, one thread each).

    Raises
    ------
    InputError
        ``scheduler`` is neither an address nor a client, or no scheduler answers there.
    """
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler is None:
        try:
            from distributed import get_client

            yield get_client()
            return
        except ValueError:  # no client in this process: start a local cluster
            pass
        n = workers or cpus()
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as c:
            yield c
        return
    if not isinstance(scheduler, str):
        raise InputError(Issue(field="scheduler", expected="a scheduler address such as "
                               "'tcp://127.0.0.1:8786', a distributed.Client or None",
                               got=type(scheduler).__name__,
                               fix="pass the address `dask scheduler` printed"))
    try:
        c = Client(scheduler, timeout="20s")
    except OSError as exc:
        raise InputError(Issue(field="scheduler", expected="a dask scheduler answering at "
                               "that address", got=f"{scheduler}: {exc}"[:200],
                               fix="start one with `dask scheduler` and `dask worker "
                                   "<address>`, or leave scheduler out for a local "
                                   "cluster")) from None
    with c:
        yield c

