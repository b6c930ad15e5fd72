"""Problem records from a database table or query (PostGIS), as a file's records.

The rows come from :func:`geozz._db.fetch` (a server-side cursor); this module makes them
the :class:`~geozz.problems.readers.RawTable` a file reader makes, so the same column
recognition, coordinate systems, category mapping and record-by-record rejects apply
(:func:`geozz.read_problems` with ``con=``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._db import CHUNKSIZE, fetch, key_text, to_wgs84
from .base import RawTable
from .gdal import _value

__all__ = ["read_raw_problems"]


def read_raw_problems(con: Any, table: str | None = None, *, sql: str | None = None,
                      chunksize: int = CHUNKSIZE):
    """Database rows as the raw records of a file (a
    :class:`~geozz.problems.readers.RawTable`), for :func:`geozz.read_problems`.

    The first geometry column (``geometry`` / ``geom`` preferred) gives ``lon`` and
    ``lat`` (transformed to WGS-84 from its SRID, as a GeoPackage's points are; SRID 0 is
    taken as ``coords=``); a row whose geometry is missing, empty or not a point is a
    ``bad_geometry`` reject. Without a geometry column the table's own longitude and
    latitude columns are read. Times become ISO text (a ``timestamptz`` with its offset),
    other values text or numbers, NULL ``None``. Each row's record number is its place in
    the result (primary-key order for a table).

    Returns
    -------
    raw : RawTable
    label : str
        ``db:<schema.table>`` or ``db:query``: the ``file`` of the rejects.
    stem : str
        What made ids start with.
    keys : list of str
        Each row's primary key as text (``case_id=17``), or None without a key.
    """
    rows = fetch(con, table, sql=sql, chunksize=chunksize, field="path")
    frame = rows.frame
    n = len(frame)
    marks: dict[int, tuple[str, str, str]] = {}
    if rows.geometry:
        import shapely

        g = rows.geometry[0]
        geoms = to_wgs84(frame[g].to_numpy(object), rows.srids[g])
        kinds = np.array([None if x is None else x.geom_type for x in geoms], dtype=object)
        empty = np.array([x is None or x.is_empty for x in geoms], bool)
        point = (kinds == "Point") & ~empty
        x = np.full(n, np.nan)
        y = np.full(n, np.nan)
        if point.any():
            x[point] = shapely.get_x(geoms[point])
            y[point] = shapely.get_y(geoms[point])
        frame = frame.drop(columns=rows.geometry)
        for c in frame.columns:
            frame[c] = frame[c].map(_value)
        frame["lon"] = [float(v) if ok else None for v, ok in zip(x, point)]
        frame["lat"] = [float(v) if ok else None for v, ok in zip(y, point)]
        marks = {int(i): ("bad_geometry", g, "no geometry" if empty[i]
                          else f"a {kinds[i]}, not a Point") for i in np.flatnonzero(~point)}
    else:
        for c in frame.columns:
            frame[c] = frame[c].map(_value)
    raw = RawTable(frame=frame.reset_index(drop=True), rows=np.arange(1, n + 1),
                   lines=None, n_records=n, marks=marks)
    return raw, rows.label, rows.stem, key_text(rows.frame, rows.keys)
