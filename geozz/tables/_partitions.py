"""Tables kept as a folder of Parquet files, one sub-folder per period (hive style).

::

    problems/                        ledger/
      .geozz-publication  (kind, freq, tz)
      period=2024-04/part-00000.parquet
      period=2024-05/part-00000.parquet
      period=2024-05/part-00001.parquet   (one file per partition that wrote the period)

A row's period is its ``found_at`` in local wall time (``tz``, default the zone of the
times) at ``freq`` (``"M"``: ``2024-05``, ``"Q"``: ``2024Q2``, ``"Y"``: ``2024``, ``"D"``:
``2024-05-03``); a row without a time goes to ``period=none``. The folder is written as a
whole (:func:`geozz._io.atomic_dir`: a reader sees the previous dataset or the new one) and
its marker file says what it holds, so a folder of another kind is refused with its name.
Any Parquet reader (pyarrow, dask, DuckDB, Spark) reads it; the files are plain
(Geo)Parquet. Reading with ``periods=`` opens only those sub-folders (filter pushdown by
folder); :func:`rows` counts rows from the files' footers without reading them.

The tables' own modules (:mod:`geozz.tables.problems`, :mod:`geozz.tables.ledger`) give
the public readers and writers; this module is what they share.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from .._io import MARKER, as_path, atomic_dir
from .._times import check_tz
from ..errors import InputError, Issue

__all__ = ["FREQS", "NONE", "files", "info", "labels", "periods_of", "rows", "write",
           "write_lazy", "write_part"]

#: the partition frequencies and their pandas period codes
FREQS = {"D": "D", "M": "M", "Q": "Q", "Y": "Y"}
#: the period folder of rows without a time
NONE = "none"
_DIR = re.compile(r"^period=(.+)$")


def labels(times: pd.Series, *, freq: str, tz: str | None = None) -> pd.Series:
    """The period label of each time, in the wall time of ``tz`` (default its own zone).

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2024-04-30 23:30", None]).tz_localize("Asia/Shanghai"))
    >>> labels(t, freq="M").tolist(), labels(t, freq="M", tz="UTC").tolist()
    (['2024-04', 'none'], ['2024-04', 'none'])
    >>> labels(t.dt.tz_convert("UTC"), freq="Q", tz="Asia/Shanghai").tolist()
    ['2024Q2', 'none']
    """
    if freq not in FREQS:
        raise InputError(Issue(field="freq", expected=f"one of {list(FREQS)}", got=freq,
                               fix='partition by month: freq="M"'))
    times = pd.Series(times)
    if getattr(times.dt, "tz", None) is not None:
        if tz is not None:
            times = times.dt.tz_convert(tz)
        times = times.dt.tz_localize(None)
    codes, uniq = pd.factorize(times.dt.to_period(FREQS[freq]), use_na_sentinel=True)
    names = [str(p) for p in uniq] + [NONE]
    return pd.Series(pd.array(names, dtype=object)[codes], index=times.index, dtype=object)


def _check_periods(periods, freq: str | None) -> list[str] | None:
    if periods is None:
        return None
    if isinstance(periods, str):
        periods = [periods]
    out = []
    for p in periods:
        try:
            out.append(str(pd.Period(str(p), freq=FREQS.get(freq or "M", "M"))))
        except (ValueError, TypeError):
            raise InputError(Issue(field="periods", expected=f"period labels such as "
                                   f"'2024-05' (the dataset is by {freq})", got=p,
                                   fix="write the periods as the folder names show them, "
                                       "without 'period='")) from None
    return out


def write_part(frame: pd.DataFrame, folder: str | Path, *, part: int, freq: str = "M",
               tz: str | None = None, time_column: str = "found_at",
               writer: Callable | None = None) -> list[str]:
    """Write one partition's rows into ``folder/period=<label>/part-<part>.parquet``.

    Used by every writer: the pandas one (part 0) and the dask one (a part per
    partition, written by the workers). Returns the periods written.
    """
    folder = Path(folder)
    if tz is not None:
        tz = check_tz(tz)
    per = labels(frame[time_column], freq=freq, tz=tz)
    written = []
    for label, rows in frame.groupby(per.to_numpy(), sort=True):
        sub = folder / f"period={label}"
        sub.mkdir(parents=True, exist_ok=True)
        (writer or _write_parquet)(rows, sub / f"part-{int(part):05d}.parquet")
        written.append(str(label))
    return written


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False)


def marker(kind: str, freq: str, tz: str | None) -> str:
    """The marker text of a dataset: what it holds, by what period, in which zone."""
    return json.dumps({"geozz": "partitioned", "kind": kind, "freq": freq, "tz": tz}) + "\n"


def write(frame: pd.DataFrame, folder: str | Path, *, kind: str, freq: str = "M",
          tz: str | None = None, time_column: str = "found_at",
          writer: Callable | None = None) -> Path:
    """Write ``frame`` as a dataset partitioned by period, replacing ``folder`` whole."""
    if freq not in FREQS:
        raise InputError(Issue(field="freq", expected=f"one of {list(FREQS)}", got=freq,
                               fix='partition by month: freq="M"'))
    tz = check_tz(tz) if tz is not None else None
    target = as_path(folder, field="folder", what="folder")
    with atomic_dir(target, marker_text=marker(kind, freq, tz)) as tmp:
        write_part(frame, tmp, part=0, freq=freq, tz=tz, time_column=time_column,
                   writer=writer)
    return target


def info(folder: str | Path, *, kind: str) -> dict:
    """What the marker of ``folder`` says; an InputError when it is not a dataset of
    ``kind`` written by geozz."""
    folder = as_path(folder, field="folder", what="folder")
    mark = folder / MARKER
    try:
        meta = json.loads(mark.read_text(encoding="utf-8"))
        ok = isinstance(meta, dict) and meta.get("geozz") == "partitioned"
    except (OSError, ValueError):
        ok, meta = False, None
    if not folder.is_dir() or not ok:
        raise InputError(Issue(file=str(folder), expected=f"a {kind} dataset partitioned "
                               "by period (written by geozz: period=…/ folders and a "
                               f"{MARKER} marker)", got="a missing folder" if not
                               folder.is_dir() else "another folder",
                               fix=f"write it with geozz.tables.{kind}.write_partitioned"))
    if meta.get("kind") != kind:
        raise InputError(Issue(file=str(folder), expected=f"a {kind} dataset",
                               got=f"a {meta.get('kind')} dataset",
                               fix=f"pass the {kind} folder"))
    return meta


def periods_of(folder: Path) -> list[str]:
    """The period labels of a dataset's folders, sorted."""
    return sorted(m.group(1) for d in Path(folder).iterdir()
                  if d.is_dir() and (m := _DIR.match(d.name)))


def files(folder: str | Path, *, kind: str, periods: Iterable[str] | str | None = None
          ) -> list[Path]:
    """The Parquet files of the periods asked for (default all), in period then part
    order; an InputError naming the periods that are not in the dataset."""
    meta = info(folder, kind=kind)
    folder = Path(folder)
    have = periods_of(folder)
    wanted = _check_periods(periods, meta.get("freq"))
    if wanted is not None:
        missing = [p for p in wanted if p not in have]
        if missing:
            raise InputError(Issue(file=str(folder), field="periods",
                                   expected=f"periods of the dataset ({', '.join(have[:3])}"
                                            f"{' …' if len(have) > 3 else ''})",
                                   got=missing, fix="ask for periods the dataset holds"))
        have = [p for p in have if p in set(wanted)]
    return [f for p in have for f in sorted((folder / f"period={p}").glob("*.parquet"))]


def rows(paths: Iterable[Path]) -> int:
    """Rows in the Parquet files, from their footers (nothing else is read)."""
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for p in paths)


def _write_part(frame, folder: str, kind: str, freq: str, tz, partition_info=None):
    """One partition of a lazy table written into the dataset being built."""
    part = partition_info["number"] if partition_info else 0
    written = write_part(frame, folder, part=part, freq=freq, tz=tz)
    return pd.DataFrame({"period": pd.array(written, dtype=object)})


def write_lazy(table, folder, *, kind: str, freq: str = "M", tz: str | None = None,
               on=None):
    """Write a dask frame as a dataset partitioned by period: each partition's rows by its
    own task (on the workers, into the folder being built), the folder swapped in whole
    when every task is done. The folder must be one the workers can write (the same
    machine, or a shared file system). ``on``: the client to run on (default dask's
    current scheduler)."""
    import dask

    if freq not in FREQS:
        raise InputError(Issue(field="freq", expected=f"one of {list(FREQS)}",
                               got=freq, fix='partition by month: freq="M"'))
    tz = check_tz(tz) if tz is not None else None
    target = as_path(folder, field="folder", what="folder")
    with atomic_dir(target, marker_text=marker(kind, freq, tz)) as tmp:
        done = table.map_partitions(_write_part, str(tmp), kind, freq, tz,
                                    meta=pd.DataFrame({"period": pd.Series(dtype=object)}))
        if on is not None:
            on.compute(done, sync=True)
        else:
            dask.compute(done)
    return target


def files_that_fit(folder, *, kind: str, periods, check_memory: bool, bytes_per_row: int,
                   what: str) -> list:
    """:func:`files` of the dataset; with ``check_memory``, an InputError naming
    ``engine="dask"`` first when their rows (counted from the footers) will not fit."""
    paths = files(folder, kind=kind, periods=periods)
    if check_memory:
        from .._memory import check_fits

        n = rows(paths)
        check_fits(n * bytes_per_row, what=what.format(n=n), field="engine")
    return paths
