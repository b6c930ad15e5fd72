"""Connections to the office's database (PostGIS) and rows read from it, safely.

The one place geozz opens a database: :func:`connect` (a SQLAlchemy engine or connection,
or a ``postgresql://`` URL), :func:`check_name` (schema and table names: letters, digits
and ``_``, quoted by SQLAlchemy, never SQL text), :func:`mask` (a URL's password hidden in
every message) and the server-side cursor that fetches a table or a query ``chunksize``
rows at a time. The readers of units (:func:`geozz.read_units` with ``con=``) and problems
(:func:`geozz.read_problems` with ``con=``) take their rows from here and treat them as a
file's records; the sink (:mod:`geozz.db`) writes through the same connections. It imports
nothing from geozz but its errors, so every layer may use it.

Examples
--------
>>> mask("postgresql://office:s3cret@db.example:5432/city")
'postgresql://office:***@db.example:5432/city'
>>> check_name("grid.units", field="table")
('grid', 'units')
>>> check_name("cases; DROP TABLE x", field="table")
Traceback (most recent call last):
...
geozz.errors.InputError: 1 problem in the input:
  field 'table': expected a name of letters, digits and _ ...
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import InputError, Issue, SchemaError

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.engine import Connection, Engine

__all__ = ["CHUNKSIZE", "borrowed", "check_name", "connect", "db_error", "fetch", "is_query", "key_text", "mask",
           "to_wgs84"]

#: rows fetched at a time from a server-side cursor
CHUNKSIZE = 50_000
_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
_NAME = re.compile(r"^[^\W\d]\w*$")
_QUERY = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)


# ---- names, URLs, connections --------------------------------------------------------------

def mask(url: object) -> str:
    """The URL with its password replaced by ``***`` (for messages).

    Examples
    --------
    >>> mask("postgresql://u:p%40ss@h/db"), mask("postgresql://u@h/db")
    ('postgresql://u:***@h/db', 'postgresql://u@h/db')
    """
    text = url if isinstance(url, str) else str(getattr(url, "url", url))
    if not isinstance(url, str) and hasattr(url, "url"):
        return url.url.render_as_string(hide_password=True)
    return re.sub(r"(//[^/@:]*:)[^@/]*@", r"\1***@", text)


def _scrub(text: str, con: object) -> str:
    """``text`` (a driver's message) without the password of ``con``."""
    password = None
    try:
        from sqlalchemy.engine import make_url

        url = con.url if hasattr(con, "url") else make_url(str(con))
        password = url.password
    except Exception:  # noqa: BLE001 - a URL we cannot parse has no password to remove
        pass
    if password:
        text = text.replace(str(password), "***")
    return re.sub(r"(//[^/@:]*:)[^@/]*@", r"\1***@", text)


def is_query(text: object) -> bool:
    """Whether ``text`` is a query (it starts with ``SELECT`` or ``WITH``), not a table.

    Examples
    --------
    >>> is_query("  select * from cases"), is_query("cases")
    (True, False)
    """
    return isinstance(text, str) and bool(_QUERY.match(text))


def check_name(name: object, *, field: str = "table", parts: int = 2) -> tuple[str, ...]:
    """A schema, table or ``schema.table`` name checked: each part letters (Chinese
    too), digits and ``_``, not starting with a digit, at most 63 bytes (PostgreSQL's
    limit). Returns the parts; an :class:`~geozz.errors.InputError` names a bad one.

    Examples
    --------
    >>> check_name("案件", field="table")
    ('案件',)
    >>> check_name("a.b.c", field="table")
    Traceback (most recent call last):
    ...
    geozz.errors.InputError: 1 problem in the input:
      field 'table': expected a name of letters, digits and _ ...
    """
    kind = "schema" if parts == 1 else "table"
    bad = not isinstance(name, str)
    split = [] if bad else name.split(".")
    if not bad and not 1 <= len(split) <= parts:
        bad = True
    if not bad:
        bad = not all(_NAME.match(p) and len(p.encode("utf-8")) <= 63 for p in split)
    if bad:
        fix = (f"name the {kind} with letters, digits and _ only, e.g. "
               + ("'geozz'" if parts == 1 else "'cases' or 'grid.units'"))
        if parts > 1:
            fix += ("; for a table with another name, pass a query: sql='SELECT * FROM "
                    "\"odd name\"'")
        raise InputError(Issue(field=field, expected="a name of letters, digits and _ (not "
                               "starting with a digit, at most 63 bytes)"
                               + (", optionally schema.table" if parts > 1 else ""),
                               got=name, fix=fix))
    return tuple(split)


def connect(con: Any) -> "Engine | Connection":
    """An engine for ``con``: a SQLAlchemy engine or connection is used as it is; a URL
    ``postgresql://[user[:password]@][host][:port]/[database]`` gets an engine with the
    psycopg 3 driver. Whatever the URL leaves out libpq takes from ``PGHOST``,
    ``PGUSER``, ``PGPASSWORD`` … and ``~/.pgpass``.

    Examples
    --------
    >>> connect("postgresql://u:pw@localhost/db").url.drivername
    'postgresql+psycopg'
    >>> connect("mysql://u@h/db")
    Traceback (most recent call last):
    ...
    geozz.errors.InputError: 1 problem in the input:
      field 'con': expected a SQLAlchemy engine or a postgresql:// URL, got 'mysql://u@h/db'...
    """
    try:
        import sqlalchemy as sa
    except ImportError:  # pragma: no cover - the [db] extra not installed
        raise InputError(Issue(field="con", expected="SQLAlchemy and psycopg installed",
                               got="not installed", fix='pip install "geozz[db]"')) from None
    if isinstance(con, (sa.engine.Engine, sa.engine.Connection)):
        return con
    if isinstance(con, str):
        scheme = con.split("://", 1)[0].lower() if "://" in con else ""
        if scheme in _SCHEMES:
            try:
                url = sa.engine.make_url(con).set(drivername="postgresql+psycopg")
                return sa.create_engine(url, pool_pre_ping=False)
            except (sa.exc.ArgumentError, ValueError) as exc:
                raise InputError(Issue(field="con", expected="a postgresql:// URL",
                                       got=mask(con), fix="write it as postgresql://user@"
                                       f"host:5432/database ({_scrub(str(exc), con)})")) \
                    from None
    raise InputError(Issue(field="con", expected="a SQLAlchemy engine or a postgresql:// "
                           "URL", got=mask(con) if isinstance(con, str) else type(con).__name__,
                           fix="pass con='postgresql://user@host/database' or "
                               "sqlalchemy.create_engine(...)"))


def db_error(exc: Exception, con: Any, what: str, cls=InputError) -> Exception:
    """A driver error as a geozz error: the server's first line, no password."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0][:300]
    where = mask(con) if isinstance(con, str) else mask(getattr(con, "engine", con))
    return cls(Issue(file=where, field="con", expected=what,
                     fix=f"the server said: {_scrub(first, con)} -- check the server, the "
                         "database, the user and their rights (a password goes in the URL, "
                         "PGPASSWORD or ~/.pgpass)"))


# ---- reading --------------------------------------------------------------------------------

@dataclass
class _Rows:
    """Rows read from the database: values, geometry columns decoded, where they came from."""

    frame: pd.DataFrame               #: one row per database row, geometries as shapely
    geometry: list[str]               #: geometry columns, the first one the geometry
    srids: dict[str, np.ndarray]      #: column -> SRID of each row (0 where unknown)
    keys: list[str]                   #: the primary key's columns (a table) or []
    label: str                        #: ``db:schema.table`` or ``db:query``
    stem: str                         #: for made ids: the table's name, or ``query``


def _source(first: object, sql: str | None, field: str) -> tuple[str | None, tuple | None]:
    """(query, (schema, table)) from the first argument and ``sql=``."""
    if sql is not None:
        if not isinstance(sql, str) or not sql.strip():
            raise InputError(Issue(field="sql", expected="a query (text)", got=sql,
                                   fix="pass sql='SELECT * FROM cases'"))
        if first is not None:
            raise InputError(Issue(field=field, expected=f"no {field} when sql= is given",
                                   got=first, fix="give the table or the query, not both"))
        return sql, None
    if is_query(first):
        return str(first), None
    if first is None:
        raise InputError(Issue(field=field, expected="a table name or a query",
                               fix="pass 'cases', 'grid.units' or sql='SELECT …'"))
    return None, check_name(str(first) if hasattr(first, "__fspath__") else first,
                            field="table")


def fetch(con: Any, first: object, *, sql: str | None, chunksize: int,
           field: str) -> _Rows:
    """Run the query, or select the table's rows (in primary-key order), through a
    server-side cursor; geometry and geography columns decoded with their SRIDs."""
    import shapely
    import sqlalchemy as sa

    query, name = _source(first, sql, field)
    if not isinstance(chunksize, (int, np.integer)) or isinstance(chunksize, bool) \
            or chunksize < 1:
        raise InputError(Issue(field="chunksize", expected="a positive whole number",
                               got=chunksize, fix="pass chunksize=50000"))
    engine = connect(con)
    keys: list[str] = []
    try:
        with (engine.connect() if isinstance(engine, sa.engine.Engine)
              else borrowed(engine)) as conn:
            if name is not None:
                schema, table = (name if len(name) == 2 else (None, name[0]))
                inspector = sa.inspect(conn)
                if not (inspector.has_table(table, schema=schema)
                        or table in inspector.get_view_names(schema=schema)):
                    there = sorted(inspector.get_table_names(schema=schema))
                    raise InputError(Issue(field="table", expected="an existing table or "
                                           "view" + (f" of schema {schema!r}" if schema else ""),
                                           got=".".join(name), fix=f"use one of {there[:20]}"
                                           if there else "check the name and the schema"))
                keys = list(inspector.get_pk_constraint(table, schema=schema)
                            .get("constrained_columns") or [])
                t = sa.table(table, schema=schema)
                stmt = sa.select(sa.literal_column("*")).select_from(t)
                if keys:
                    stmt = stmt.order_by(*(sa.column(k) for k in keys))
                label, stem = "db:" + ".".join(name), table
            else:
                label, stem = "db:query", "query"
            oids = {r[0] for r in conn.execute(sa.text(
                "SELECT oid FROM pg_type WHERE typname IN ('geometry', 'geography')"))}
            if query is None:  # identifiers quoted by SQLAlchemy; no values in it
                query = str(stmt.compile(dialect=conn.dialect))
            # a server-side (named) cursor of the driver, run without parameters: the
            # query's text goes to the server as written (a '%' or ':x' in it is not a
            # placeholder), chunksize rows at a time
            raw = conn.connection.driver_connection
            with raw.cursor(name=f"geozz_read_{uuid.uuid4().hex[:8]}") as cur:
                cur.itersize = chunksize
                cur.execute(query)
                names = [d.name for d in cur.description]
                geo = [d.name for d in cur.description if d.type_code in oids]
                chunks = []
                while rows := cur.fetchmany(chunksize):
                    chunks.append(pd.DataFrame([tuple(r) for r in rows], columns=names,
                                               dtype=object))
    except InputError:
        raise
    except Exception as exc:  # SQLAlchemy's errors, and psycopg's from its cursor
        if not (isinstance(exc, sa.exc.SQLAlchemyError)
                or type(exc).__module__.startswith("psycopg")):
            raise
        raise db_error(exc, con, "a query the database runs" if sql is not None
                        or is_query(first) else "a table the database reads") from None
    if len(set(names)) != len(names):
        dups = sorted({n for n in names if names.count(n) > 1})
        raise SchemaError(Issue(file=label, field="columns", expected="distinct column "
                                "names", got=dups, fix="name the columns apart (AS …)"))
    frame = pd.concat(chunks, ignore_index=True) if chunks else \
        pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
    srids = {}
    for g in geo:
        values = frame[g].to_numpy(object)
        given = np.array([v is not None for v in values], bool)
        geoms = np.full(len(values), None, dtype=object)
        if given.any():
            hexes = [v.hex() if isinstance(v, (bytes, memoryview)) else str(v)
                     for v in values[given]]
            geoms[given] = shapely.from_wkb(hexes, on_invalid="ignore")
        srid = np.zeros(len(values), dtype=np.int64)
        ok = np.array([x is not None for x in geoms], bool)
        if ok.any():
            srid[ok] = shapely.get_srid(geoms[ok])
        frame[g] = geoms
        srids[g] = srid
    preferred = sorted(geo, key=lambda c: (c.lower() not in ("geometry", "geom", "the_geom",
                                                             "wkb_geometry", "shape"),
                                           geo.index(c)))
    return _Rows(frame=frame, geometry=preferred, srids=srids, keys=keys, label=label,
                 stem=stem)


class borrowed:
    """A connection given by the caller: used, never closed."""

    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        return self.conn

    def __exit__(self, *exc):
        return False


def to_wgs84(geoms: np.ndarray, srid: np.ndarray) -> np.ndarray:
    """Geometries with an SRID other than 0 or 4326 transformed to WGS-84 (as a point
    file's features are); those with SRID 0 kept as they are."""
    import geopandas as gpd

    out = geoms.copy()
    for code in np.unique(srid):
        if code in (0, 4326):
            continue
        pick = srid == code
        out[pick] = gpd.GeoSeries(geoms[pick], crs=int(code)).to_crs(4326).to_numpy()
    return out


def key_text(frame: pd.DataFrame, keys: list[str]) -> list[str | None]:
    """``pk=value`` (``a=1, b=2`` for a composite key) of every row, or None without one."""
    if not keys:
        return [None] * len(frame)
    cols = [frame[k].tolist() for k in keys]
    return [", ".join(f"{k}={v}" for k, v in zip(keys, vals)) for vals in zip(*cols)]
