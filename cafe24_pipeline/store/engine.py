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
from sqlalchemy.engine import URL, Connection, Engine, make_url

from cafe24_pipeline.files import create_private_file, private_dir

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
        return _postgres_engine(url)
    raise StoreError(f"unsupported store database {backend!r}: use sqlite:///path or postgresql+psycopg://")


STORE_RANDOM_PAGE_COST = 1.1


def _postgres_engine(url: URL) -> Engine:
    engine = sa.create_engine(url, pool_pre_ping=True, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Every keyed read (`= ANY(:ids)`) is planned for its own execution. psycopg prepares a
        # statement after five runs and PostgreSQL then settles on one generic plan, chosen while the
        # table was still small: a sequential scan that compared each of a page's 1,000 ids with every
        # row. That made a 100,000-order first import quadratic (3 s a page at the end, 317 s in all).
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
            # PostgreSQL's default random_page_cost (4) prices an index probe as a disk seek. The
            # store's keyed reads probe a page's 1,000 keys into an index that is in memory, and at
            # that price the planner preferred a parallel scan of the whole table (26 ms instead of
            # 5 ms a page at 100,000 orders). 1.1 is the usual setting for SSDs and cached data;
            # a server already tuned lower keeps its own value.
            cursor.execute("SELECT current_setting('random_page_cost')::float8")
            row = cursor.fetchone()
            if row is not None and row[0] > STORE_RANDOM_PAGE_COST:
                cursor.execute(f"SET random_page_cost = {STORE_RANDOM_PAGE_COST}")
        dbapi_connection.commit()

    return engine


def _sqlite_engine(url: URL) -> Engine:
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        raise StoreError("the store needs a SQLite file (sqlite:///path/store.sqlite3), not an in-memory database")
    _create_private_sqlite_file(Path(database).expanduser())
    engine = sa.create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
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


def _create_private_sqlite_file(path: Path) -> None:
    """Create the store file 0600 in a 0700 folder before SQLite opens it (it holds receivers'
    names, phones and addresses); SQLite gives its -wal and -shm files the database file's mode."""
    try:
        private_dir(path.parent)
        create_private_file(path)
    except OSError as exc:
        raise StoreError(
            f"cannot create the SQLite store {path} ({exc.strerror or exc}); set CAFE24_PIPELINE_HOME "
            "(or CAFE24_PIPELINE_DATABASE_URL) to a place you can write"
        ) from None


def _set_wal(cursor) -> None:
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
