"""Engines for the store: SQLite tuned for several processes, PostgreSQL through psycopg 3.

SQLite: WAL (readers never block the writer), a 30 s busy timeout (writers queue instead of failing
with "database is locked"), foreign keys on, and transactions begun by us: reads with `BEGIN`, writes
with `BEGIN IMMEDIATE` so a writer takes the write lock up front and never has to upgrade a read
lock mid-transaction (the case busy_timeout cannot help). PostgreSQL: pool_pre_ping, and named
advisory locks for work that must not run twice at once (migrations, token refresh).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, URL, make_url

SQLITE_BUSY_TIMEOUT_MS = 30_000
_BEGIN_OPTION = "cafe24_sqlite_begin"


class StoreError(RuntimeError):
    """The store cannot be opened or used as asked; the message says what to do."""


def create_store_engine(database_url: str | URL) -> Engine:
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        if url.drivername != "postgresql+psycopg":
            raise StoreError(f"PostgreSQL driver {url.drivername!r} is not supported; use postgresql+psycopg://")
        return sa.create_engine(url, pool_pre_ping=True, hide_parameters=True)
    raise StoreError(f"unsupported store database {backend!r}: use sqlite:///path or postgresql+psycopg://")


def _sqlite_engine(url: URL) -> Engine:
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        raise StoreError("the store needs a SQLite file (sqlite:///path/store.sqlite3), not an in-memory database")
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        _set_wal(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _set_wal(cursor) -> None:  # noqa: ANN001
    """Switch to WAL; a brand-new file being set up by another process can report busy briefly."""
    for attempt in range(50):
        try:
            mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() == "wal":
                return
        except Exception as exc:  # sqlite3.OperationalError: database is locked
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        time.sleep(0.05 * (attempt + 1))
    raise StoreError("could not switch the SQLite store to WAL mode (is it on a network file system?)")


@contextmanager
def write_transaction(engine: Engine, lock: str | None = None) -> Iterator[Connection]:
    """One write transaction; commits on success, rolls back on error.

    SQLite: BEGIN IMMEDIATE, so concurrent writers (daemon, sensors, runs) queue on the busy timeout
    and every write transaction is serialised. PostgreSQL: ordinary READ COMMITTED, plus a
    transaction-scoped advisory lock when `lock` names one (e.g. "oauth:mymall") to serialise a
    critical section across processes.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        with conn.begin():
            if lock is not None and engine.dialect.name == "postgresql":
                conn.execute(
                    sa.text("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':' || :k))"),
                    {"k": lock},
                )
            yield conn
