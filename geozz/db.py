"""The office's database: units and problems read from PostGIS, ratings written back.

Reading. :func:`geozz.read_units` and :func:`geozz.read_problems` take ``con=`` (a
SQLAlchemy engine or connection, or a ``postgresql://`` URL) with a table name
(``"cases"``, ``"grid.units"``) or a query (``sql=``, or a first argument starting with
``SELECT`` / ``WITH``). The rows are turned into the raw records the file readers make —
a geometry column becomes ``lon`` / ``lat`` as a GeoPackage's points do, every other value
text, a number or ``None`` — and go through the same column recognition, coordinate
systems, category mapping and record-by-record rejects as a file
(:mod:`geozz.problems.readers.postgis`, :func:`geozz.units.io.read_units_frame`). Rows are
fetched through a server-side cursor, ``chunksize`` rows at a time (:mod:`geozz._db`). A
reject names the row's primary key (column ``key`` of the rejects, e.g. ``case_id=17``).

Writing. :func:`write` creates the schema and its tables (primary keys, a GIST index on
each geometry, an index on ``period``, a COMMENT on every table and column) and replaces
the rows of the periods it is given (and the units it is given) in one transaction: a
month written again replaces that month, and a write that fails anywhere leaves the rows
as they were. Every table it writes is public: personal and internal fields (reporter,
phone, photo paths … :data:`geozz.problems.PERSONAL_FIELDS`,
:data:`~geozz.problems.INTERNAL_FIELDS`, phone columns of units) are never written.
:func:`read` reads a written table back (one period's rows with ``period=``).

Safety. Schema, table and column names are checked (:func:`check_name`) and quoted by
SQLAlchemy; values are bound parameters or rows of a ``COPY`` stream, never SQL text.
Credentials come from the URL, the ``PG*`` environment variables or ``~/.pgpass`` (libpq
reads them when the URL leaves them out); a URL shown in a message has its password
masked (:func:`mask`), and driver errors are shown with it removed.

See ``docs/db.md``.

Examples
--------
>>> sorted(TABLES)
['areas', 'ledger', 'problems', 'ratings', 'units']
>>> mask("postgresql://office:s3cret@db.example:5432/city")
'postgresql://office:***@db.example:5432/city'
>>> import geozz as gz
>>> units = gz.read_units("grid.units", con="postgresql://office@db/city")  # doctest: +SKIP
>>> counts = gz.db.write("postgresql://office@db/city", ratings=ratings)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping

import numpy as np
import pandas as pd

from ._db import CHUNKSIZE, borrowed, check_name, connect, db_error, is_query, mask
from .errors import InputError, InvariantError, Issue, OutputError, SchemaError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = ["write", "read", "connect", "mask", "check_name", "is_query", "TABLES",
           "SCHEMA", "CHUNKSIZE"]

#: the schema :func:`write` writes to by default
SCHEMA = "geozz"


# ---- writing --------------------------------------------------------------------------------

#: the tables :func:`write` writes: primary key, and what the table holds (its COMMENT)
TABLES: Mapping[str, dict] = {
    "units": {"key": ("unit_id",), "period": False,
              "comment": "geozz responsibility units (grid cells, road corridors, river "
                         "reaches); public: no personal fields"},
    "problems": {"key": ("problem_id",), "period": True,
                 "comment": "geozz problems (merged reports), WGS-84 points, period = month "
                            "found; public: no reporter, phone, address, agency, photo"},
    "ledger": {"key": ("problem_id", "layer"), "period": True,
               # a problem outside every unit has no unit_type: the key takes '' for it
               "computed": {"layer": "coalesce(unit_type, '')"},
               "comment": "geozz ledger: one row per problem per unit layer, period = month "
                          "found; public: no personal fields"},
    "ratings": {"key": ("period", "unit_id"), "period": True,
                "comment": "geozz ratings: score, grade, stars, rank and indicators of each "
                           "unit per period; public"},
    "areas": {"key": ("period", "area"), "period": True,
              "comment": "geozz admin areas per period: share of units at 3 stars or "
                         "better, grade, rank; public"},
}

_COMMENTS = {
    "unit_id": "stable unit id (G200-E…-N… grid cell, R-… road section, W-… river reach)",
    "problem_id": "the problem's id (the first report's)",
    "unit_type": "grid, road, river … (geozz.tables.unit_types)",
    "period": "the period: 2024-05 (month), 2024Q2, 2024",
    "geometry": "the unit's polygon / the problem's point",
    "centerline": "road or river centreline (corridors only)",
    "score": "score of the period (rubric)", "grade": "grade of the period",
    "stars": "1 to 5 stars", "rank": "rank within the unit type",
    "category": "canonical problem category", "found_at": "when the problem was found",
    "area": "admin area", "share_3star": "share of units at 3 stars or better",
}


def _personal() -> frozenset[str]:
    from .tables.problems import INTERNAL_FIELDS, PERSONAL_FIELDS
    from .units.io import PHONE_COLUMNS

    return frozenset({*PERSONAL_FIELDS, *INTERNAL_FIELDS,
                      *(c.casefold() for c in PHONE_COLUMNS)})


def _sql_type(series: pd.Series, srid: int | None):
    import sqlalchemy as sa
    from geoalchemy2 import Geometry

    dtype = series.dtype
    if getattr(dtype, "name", "") == "geometry":
        return Geometry("GEOMETRY", srid=srid or 0, spatial_index=True)
    if isinstance(dtype, pd.DatetimeTZDtype):
        return sa.DateTime(timezone=True)
    if pd.api.types.is_datetime64_dtype(dtype):
        return sa.DateTime(timezone=False)
    if pd.api.types.is_bool_dtype(dtype):
        return sa.Boolean()
    if pd.api.types.is_integer_dtype(dtype):
        return sa.BigInteger()
    if pd.api.types.is_float_dtype(dtype):
        return sa.Float(precision=53)
    return sa.Text()


def _prepared(name: str, frame: pd.DataFrame, *, freq: str) -> tuple[pd.DataFrame, list[str]]:
    """The table's rows as they are written: index as columns, the ledger's and problems'
    period from ``found_at``, personal and internal columns left out (returned)."""
    import geopandas as gpd

    out = frame.reset_index() if frame.index.name is not None or \
        isinstance(frame.index, pd.MultiIndex) else frame.reset_index(drop=True)
    if name in ("ledger", "problems") and "period" not in out:
        if "found_at" not in out:
            raise SchemaError(Issue(field=name, expected="a found_at column (the period is "
                                    "its month)", got=list(out.columns)[:20],
                                    fix=f"pass the {name} geozz made"))
        found = out["found_at"]
        local = found.dt.tz_localize(None) if getattr(found.dt, "tz", None) else found
        out.insert(0, "period", local.dt.to_period(freq).astype(str))
    personal = _personal()
    dropped = [c for c in out.columns if str(c).strip().casefold() in personal]
    out = out.drop(columns=dropped)
    computed = TABLES[name].get("computed", {})
    rowkey = [k if k not in computed else "unit_type" for k in TABLES[name]["key"]]
    need = [k for k in rowkey if k not in out.columns]
    if need:
        raise SchemaError(Issue(field=name, expected=f"the columns {list(TABLES[name]['key'])}",
                                got=list(out.columns)[:20], fix=f"pass the {name} geozz made"))
    for c in out.columns:
        if not isinstance(c, str) or not c or len(c.encode("utf-8")) > 63 or "\x00" in c:
            raise InputError(Issue(field=f"{name} column", expected="a column name of at "
                                   "most 63 bytes", got=c, fix="rename the column"))
    dup = out.duplicated(rowkey)
    if dup.any():
        raise SchemaError(Issue(field=name, expected=f"one row per {tuple(rowkey)}",
                                got=out.loc[dup, rowkey].head(3).to_dict("records"),
                                fix="drop the repeated rows"))
    if isinstance(frame, gpd.GeoDataFrame):
        out = gpd.GeoDataFrame(out, geometry=frame.geometry.name, crs=frame.crs)
    return out, dropped


def _srid(frame: pd.DataFrame, column: str) -> int:
    crs = getattr(frame[column], "crs", None)
    if crs is None:
        return 0
    code = crs.to_epsg()
    if code is None:
        raise InputError(Issue(field=column, expected="a CRS with an EPSG code (PostGIS "
                               "SRID)", got=crs.to_string()[:80],
                               fix="to_crs() an EPSG CRS before writing"))
    return int(code)


def _table(metadata, name: str, frame: pd.DataFrame):
    import sqlalchemy as sa

    spec = TABLES[name]
    cols = []
    for c in frame.columns:
        srid = _srid(frame, c) if getattr(frame[c].dtype, "name", "") == "geometry" else None
        cols.append(sa.Column(c, _sql_type(frame[c], srid), nullable=c not in spec["key"],
                              comment=_COMMENTS.get(c)))
    for c, expression in spec.get("computed", {}).items():  # fixed SQL, not input
        cols.append(sa.Column(c, sa.Text(), sa.Computed(sa.text(expression), persisted=True),
                              nullable=False,
                              comment="key part: unit_type, '' outside every unit"))
    # the key in its order: (period, unit_id) serves the period query
    key = sa.PrimaryKeyConstraint(*spec["key"], name=f"{name}_pkey")
    table = sa.Table(name, metadata, *cols, key, comment=spec["comment"])
    if spec["period"] and "period" in frame.columns and spec["key"][0] != "period":
        sa.Index(f"{name}_period_idx", table.c.period)
    return table


def _cell(v: object) -> object:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v


def _copy_rows(conn, schema: str, name: str, frame: pd.DataFrame) -> int:
    """The rows of ``frame`` streamed into ``schema.name`` by ``COPY`` (identifiers quoted
    by psycopg, values as data), in the connection's transaction."""
    import shapely
    from psycopg import sql as psql

    personal = _personal()
    leak = [c for c in frame.columns if str(c).casefold() in personal]
    if leak:  # _prepared left them out: a table marked public never gets them
        raise InvariantError(f"personal columns {leak} about to be written to {name}")
    columns = list(frame.columns)
    data = []
    for c in columns:
        if getattr(frame[c].dtype, "name", "") == "geometry":
            geoms = np.asarray(frame[c].to_numpy(), dtype=object)
            geoms = shapely.set_srid(geoms, _srid(frame, c))
            data.append(shapely.to_wkb(geoms, hex=True, include_srid=True).tolist())
        else:
            data.append([_cell(v) for v in frame[c].astype(object).tolist()])
    statement = psql.SQL("COPY {}.{} ({}) FROM STDIN").format(
        psql.Identifier(schema), psql.Identifier(name),
        psql.SQL(", ").join(psql.Identifier(c) for c in columns))
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy(statement) as copy:
            for row in zip(*data):
                copy.write_row(row)
    return len(frame)


def _ensure(conn, table, frame: pd.DataFrame, schema: str) -> None:
    """Create the table (with its indexes and comments) or add the columns it lacks; an
    existing geometry column must have the frame's SRID."""
    import sqlalchemy as sa
    from sqlalchemy.schema import CreateColumn

    inspector = sa.inspect(conn)
    if not inspector.has_table(table.name, schema=schema):
        table.create(conn)
        return
    have = {c["name"]: c for c in inspector.get_columns(table.name, schema=schema)}
    prep = conn.dialect.identifier_preparer
    for col in table.columns:
        if col.name not in have:
            conn.exec_driver_sql(f"ALTER TABLE {prep.format_table(table)} ADD COLUMN "
                                 f"{CreateColumn(col).compile(dialect=conn.dialect)}")
            if col.comment:
                conn.execute(sa.schema.SetColumnComment(col))
        elif getattr(col.type, "srid", None) is not None:
            old = conn.execute(sa.text(
                "SELECT srid FROM geometry_columns WHERE f_table_schema = :s AND "
                "f_table_name = :t AND f_geometry_column = :c"),
                {"s": schema, "t": table.name, "c": col.name}).scalar()
            if old not in (None, 0) and col.type.srid not in (0, old):
                raise InputError(Issue(field=f"{table.name}.{col.name}",
                                       expected=f"geometries in SRID {old}, as the table "
                                       f"{schema}.{table.name} holds", got=col.type.srid,
                                       fix=f"to_crs({old}) before writing, or write to "
                                       "another schema="))


def write(con: Any, *, units: "gpd.GeoDataFrame | None" = None,
          problems: "gpd.GeoDataFrame | None" = None, ledger: pd.DataFrame | None = None,
          ratings: pd.DataFrame | None = None, areas: pd.DataFrame | None = None,
          schema: str = SCHEMA, period: str | Iterable[str] | None = None,
          freq: str = "M") -> dict[str, int]:
    """Write units, problems, the ledger, ratings and area results to PostGIS, in one
    transaction.

    The schema and each table are created when missing: primary keys (see
    :data:`TABLES`), a GIST index on every geometry column, an index on ``period``, a
    COMMENT on the tables and their columns; a column a table lacks is added. The rows of
    the periods written (those in the tables given, or ``period=``) are deleted and
    written again, so writing a month twice leaves it once; units are replaced by id
    (units not given are kept: ratings of past periods may name them). Either everything
    is written or nothing is: a failure (a lost connection, a bad value, a killed
    process) leaves the previous rows.

    Parameters
    ----------
    con : Engine, Connection or str
        A SQLAlchemy engine (or connection: the caller's transaction is used) or a
        ``postgresql://`` URL (:func:`connect`).
    units, problems, ledger, ratings, areas : DataFrame, optional
        As geozz makes them (:func:`geozz.build_units` / :func:`geozz.read_units`,
        :func:`geozz.read_problems`, :func:`geozz.assign`, :func:`geozz.rate`,
        :func:`geozz.rating.areas`). Personal and internal columns (reporter, phone,
        address, agency, photo, media_url, phone columns of units) are never written:
        every table here is public.
    schema : str, default "geozz"
        The schema (created when missing).
    period : str or list of str, optional
        Write only these periods' rows of problems, ledger, ratings and areas (default:
        every period they hold).
    freq : str, default "M"
        The period of a problem and of its ledger rows: the ``freq`` of ``found_at``.

    Returns
    -------
    dict
        Rows written per table.

    Raises
    ------
    InputError
        A bad name, a CRS without an EPSG code, a connection refused.
    OutputError
        The database refused the write; nothing was written.

    Examples
    --------
    >>> import geozz as gz
    >>> counts = gz.db.write("postgresql://office@db/city", units=units, ledger=ledger,
    ...                      ratings=ratings, period="2024-05")  # doctest: +SKIP
    >>> counts  # doctest: +SKIP
    {'units': 520, 'ledger': 3619, 'ratings': 520}
    """
    import sqlalchemy as sa

    (schema,) = check_name(schema, field="schema", parts=1)
    given = {"units": units, "problems": problems, "ledger": ledger, "ratings": ratings,
             "areas": areas}
    given = {k: v for k, v in given.items() if v is not None}
    if not given:
        raise InputError(Issue(field="write", expected="at least one of units=, problems=, "
                               "ledger=, ratings=, areas=", fix="pass the tables to write"))
    for k, v in given.items():
        if not isinstance(v, pd.DataFrame):
            raise InputError(Issue(field=k, expected="a DataFrame", got=type(v).__name__,
                                   fix=f"pass the {k} geozz made"))
    try:
        pd.Period("2024-01-01", freq=freq)
    except (ValueError, TypeError, AttributeError):
        raise InputError(Issue(field="freq", expected="a pandas period frequency", got=freq,
                               fix='freq="M"')) from None
    only = None if period is None else ({period} if isinstance(period, str)
                                        else {str(p) for p in period})
    frames = {}
    for name, frame in given.items():
        out, _ = _prepared(name, frame, freq=freq)
        if only is not None and "period" in out:
            out = out[out["period"].astype(str).isin(only)]
        frames[name] = out
    engine = connect(con)
    metadata = sa.MetaData(schema=schema)
    tables = {name: _table(metadata, name, frame) for name, frame in frames.items()}
    counts: dict[str, int] = {}
    try:
        with (engine.begin() if isinstance(engine, sa.engine.Engine)
              else borrowed(engine)) as conn:
            conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
            for name, frame in frames.items():
                table = tables[name]
                _ensure(conn, table, frame, schema)
                if name == "units":
                    ids = frame["unit_id"].astype(str).tolist()
                    conn.execute(table.delete().where(table.c.unit_id == sa.any_(
                        sa.bindparam("ids", ids, type_=sa.ARRAY(sa.Text())))))
                else:
                    periods = sorted(set(frame["period"].astype(str))) if only is None \
                        else sorted(only)
                    conn.execute(table.delete().where(table.c.period == sa.any_(
                        sa.bindparam("periods", periods, type_=sa.ARRAY(sa.Text())))))
                counts[name] = _copy_rows(conn, schema, name, frame)
    except (InputError, InvariantError):
        raise
    except sa.exc.SQLAlchemyError as exc:
        raise db_error(exc, con, "a database that takes the write (nothing was "
                        "written)", cls=OutputError) from None
    except Exception as exc:  # psycopg's own errors from COPY
        if type(exc).__module__.startswith("psycopg"):
            raise db_error(exc, con, "a database that takes the write (nothing was "
                            "written)", cls=OutputError) from None
        raise
    return counts


def read(con: Any, table: str, *, schema: str = SCHEMA,
         period: str | Iterable[str] | None = None) -> pd.DataFrame:
    """A table :func:`write` wrote, read back (one or some periods with ``period=``).

    Geometry columns come back as geometries (a GeoDataFrame for units and problems),
    times tz-aware, ids and periods as text; ``units`` is indexed by ``unit_id`` and
    ``problems`` by ``problem_id``; rows in primary-key order.

    Examples
    --------
    >>> may = gz.db.read("postgresql://office@db/city", "ratings",
    ...                  period="2024-05")  # doctest: +SKIP
    """
    import geopandas as gpd
    import sqlalchemy as sa

    if table not in TABLES:
        raise InputError(Issue(field="table", expected=f"one of {tuple(TABLES)}", got=table,
                               fix="read a table gz.db.write wrote"))
    (schema,) = check_name(schema, field="schema", parts=1)
    engine = connect(con)
    keys = TABLES[table]["key"]
    try:
        with (engine.connect() if isinstance(engine, sa.engine.Engine)
              else borrowed(engine)) as conn:
            inspector = sa.inspect(conn)
            if not inspector.has_table(table, schema=schema):
                raise InputError(Issue(field="table", expected=f"a table {schema}.{table} "
                                       "written by gz.db.write", got="no such table",
                                       fix="write it first, or pass schema="))
            t = sa.Table(table, sa.MetaData(), schema=schema, autoload_with=conn)
            geo = [c.name for c in t.columns if type(c.type).__name__ in ("Geometry",
                                                                          "Geography")]
            computed = TABLES[table].get("computed", {})
            cols = [sa.func.ST_AsEWKB(t.c[c]).label(c) if c in geo else t.c[c]
                    for c in t.columns.keys() if c not in computed]
            stmt = sa.select(*cols).order_by(*(t.c[k] for k in keys))
            if period is not None:
                wanted = [period] if isinstance(period, str) else [str(p) for p in period]
                stmt = stmt.where(t.c.period.in_(wanted))
            rows = conn.execute(stmt)
            frame = pd.DataFrame(rows.fetchall(), columns=list(rows.keys()))
    except InputError:
        raise
    except sa.exc.SQLAlchemyError as exc:
        raise db_error(exc, con, "a database to read from") from None
    import shapely

    for c in frame.columns:
        if c in geo:
            frame[c] = gpd.GeoSeries(shapely.from_wkb([None if v is None else bytes(v)
                                                       for v in frame[c]]))
        elif frame[c].dtype == object and len(frame) and all(
                isinstance(v, pd.Timestamp) or hasattr(v, "tzinfo") for v in frame[c].dropna()) \
                and frame[c].notna().any():
            frame[c] = pd.to_datetime(frame[c], utc=True)
    if geo:
        g = "geometry" if "geometry" in geo else geo[0]
        srid = int(shapely.get_srid(frame[g].dropna().iloc[0])) if frame[g].notna().any() \
            else 0
        frame = gpd.GeoDataFrame(frame, geometry=g, crs=srid or None)
        for other in geo:
            if other != g:
                frame[other] = gpd.GeoSeries(frame[other], crs=srid or None)
    index = {"units": "unit_id", "problems": "problem_id"}.get(table)
    if index:
        frame = frame.set_index(index)
    return frame
