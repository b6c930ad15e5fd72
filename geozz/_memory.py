"""Will it fit? The single-process engine refuses, up front, work larger than the memory
this machine has free, and names the dask engine instead: never an out-of-memory kill.

The estimate is rows × bytes per row (each stage measures its own, on 1 M rows) against
the memory available now (``psutil.virtual_memory().available``, or ``/proc/meminfo``'s
``MemAvailable`` without psutil), less a margin for the rest of the process.

Examples
--------
>>> check_fits(1000, what="a small job", field="engine")
>>> check_fits(10**18, what="a province", field="engine")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
geozz.errors.InputError: 1 problem in the input:
  field 'engine': expected a job that fits in memory...
"""

from __future__ import annotations

import os

from .errors import InputError, Issue

__all__ = ["available_bytes", "check_fits", "gib"]

#: share of the available memory one process may plan to use
SHARE = 0.8


def available_bytes() -> int:
    """The memory available to new work now, in bytes."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:  # pragma: no cover - psutil is a dependency
        try:
            with open("/proc/meminfo", encoding="ascii") as f:
                for line in f:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"))


def gib(n: float) -> str:
    """``n`` bytes as GiB text: ``gib(3 * 2**30) -> '3.0 GiB'``."""
    return f"{n / 2**30:.1f} GiB"


def check_fits(nbytes: float, *, what: str, field: str = "engine",
               available: int | None = None) -> None:
    """Raise an :class:`~geozz.errors.InputError` naming ``engine="dask"`` when ``nbytes``
    will not fit in the memory available (``available``, default :func:`available_bytes`).

    Parameters
    ----------
    nbytes : float
        The estimated peak memory of the work.
    what : str
        The work, as the message names it ("assigning 20,000,000 problems").
    field : str, default "engine"
        The option the message names.
    available : int, optional
        The bytes available; default measured now.
    """
    free = available_bytes() if available is None else available
    if nbytes <= SHARE * free:
        return
    raise InputError(Issue(
        field=field, expected=f"a job that fits in memory: {what} needs about "
        f"{gib(nbytes)}, this machine has {gib(free)} available",
        got="engine=None (one process)",
        fix='pass engine="dask" (partitions of the data, on a LocalCluster or a scheduler\'s '
            'address: scheduler="tcp://…"), or check_memory=False to try anyway'))
