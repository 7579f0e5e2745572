"""The `Store`: one object over SQLite or PostgreSQL for every part of the pipeline.

`Store.open(url)` creates the engine, applies pending migrations, and then offers batch upserts from
polars, reads into polars, transactions, row counts and the `sync_state` helpers. Plain Python: no
Dagster imports (the Dagster resource in `resources/store.py` wraps it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, TypeAlias

import polars as pl
import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

from cafe24_pipeline.store import schema
from cafe24_pipeline.store.engine import StoreError, create_store_engine, write_transaction
from cafe24_pipeline.store.frames import (
    RawDecodeError,
    check_frame,
    encode_frame,
    raw_rows_to_frame,
    raw_select,
    rows_to_frame,
)
from cafe24_pipeline.store.migrate import current_version, migrate
from cafe24_pipeline.store.statistics import TableGrowth, analyze, postgres_table_size
from cafe24_pipeline.store.types import JsonText, StoreValueError, encode_json

StoreConnection: TypeAlias = Connection
"""The connection of an open `Store.transaction()`. Code outside `store/` only holds it and passes it to
store functions, so several of them write in one transaction without importing SQLAlchemy."""

SQLITE_BATCH_ROWS = 5_000
POSTGRES_COPY_ROWS = 50_000
READ_CHUNK_ROWS = 20_000  # rows decoded per step of a read (bounds the Python tuples held at once)


@dataclass(frozen=True)
class SyncState:
    """Where a stream of one mall stands; `high_water_mark` is None before the first success."""

    mall_id: str
    stream: str
    high_water_mark: datetime | None
    cursor: str | None
    last_success_at: datetime | None
    last_run_at: datetime | None
    last_status: str | None
    last_error: str | None
    rows_last_run: int | None
    details: str | None  # JSON text


class Store:
    """Tables of DESIGN.md §5 over SQLite or PostgreSQL, with one code path for both."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.tables: sa.MetaData = schema.metadata
        self._types_by_name = _unambiguous_column_types(schema.metadata)
        # PostgreSQL: tables an import fills are ANALYZEd as they grow (store/statistics.py)
        self._growth = TableGrowth(postgres_table_size(engine)) if engine.dialect.name == "postgresql" else None

    # --- life cycle ---------------------------------------------------------------------------

    @classmethod
    def open(cls, database_url: str, *, run_migrations: bool = True) -> "Store":
        """Open (creating or upgrading) the store at `database_url`."""
        engine = create_store_engine(database_url)
        try:
            if run_migrations:
                migrate(engine)
        except Exception:
            engine.dispose()
            raise
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        """The database URL with any password masked (safe to print)."""
        return make_url(self.engine.url).render_as_string(hide_password=True)

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return current_version(conn)

    def table(self, name: str) -> sa.Table:
        try:
            return self.tables.tables[name]
        except KeyError:
            raise StoreError(f"no table {name!r} in the store; tables: {sorted(self.tables.tables)}") from None

    # --- transactions -------------------------------------------------------------------------

    @contextmanager
    def transaction(self, lock: str | None = None, *, bulk: bool = False) -> Iterator[Connection]:
        """A write transaction (commit on success, rollback on error).

        SQLite takes the write lock up front (BEGIN IMMEDIATE), so writers from several processes
        queue instead of failing. On PostgreSQL, `lock` (e.g. f"oauth:{mall_id}") takes a
        transaction-scoped advisory lock: use it to let only one process refresh a mall's token.

        `bulk=True` (PostgreSQL) lets the commit return before its WAL reaches disk
        (`synchronous_commit = off` for this transaction only): for re-fetchable bulk pages such as
        the order sync's. A crash can lose the last such commits, never half of one, and never one
        that a later ordinary commit (a high-water mark) depends on, because WAL is flushed in order.
        """
        with write_transaction(self.engine, lock=lock) as conn:
            if bulk and self.dialect == "postgresql":
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            yield conn
        if self._growth is not None:
            analyze(self.engine, [self.table(name) for name in self._growth.due()])

    @contextmanager
    def _write(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.transaction() as own:
                yield own

    # --- writes -------------------------------------------------------------------------------

    def upsert(
        self,
        table_name: str,
        df: pl.DataFrame,
        *,
        update_columns: Sequence[str] | None = None,
        key_columns: Sequence[str] | None = None,
        conn: Connection | None = None,
    ) -> int:
        """INSERT … ON CONFLICT (key) DO UPDATE for every row of `df`; returns rows inserted or updated.

        `key_columns` defaults to the primary key (pass a unique constraint's columns otherwise);
        `update_columns` defaults to every non-key column of the frame, and `[]` means insert only
        new keys (DO NOTHING). Columns absent from the frame are left untouched on update. Pass
        `conn` to make the upsert part of a larger transaction (e.g. with `record_sync`).
        """
        table = self.table(table_name)
        keys = list(key_columns) if key_columns is not None else [c.name for c in table.primary_key.columns]
        if key_columns is None and any(c.autoincrement is True for c in table.primary_key.columns):
            raise StoreValueError(
                f"{table_name} has a generated id: use append() for new rows, or pass key_columns= naming a unique constraint"
            )
        check_frame(table, df, keys)
        if df.height == 0:
            return 0
        updates = [c for c in df.columns if c not in keys] if update_columns is None else list(update_columns)
        bad = [c for c in updates if c not in df.columns or c in keys]
        if bad:
            raise StoreValueError(f"{table_name}: update_columns {bad} are not non-key columns of the frame")
        missing_required = _missing_required_columns(table, df, keys)
        encoded = encode_frame(table, df, self.dialect)
        with self._write(conn) as c:
            if missing_required:
                # A partial frame cannot insert (NOT NULL columns would be empty): it can only update
                # rows that exist, and every one of its rows must.
                if not updates:
                    return 0
                written = self._update_existing(c, table, encoded, keys, updates)
                if written < df.height:
                    raise StoreValueError(
                        f"{table_name}: {df.height - written} of {df.height} rows are not in the table, and the "
                        f"frame lacks the required columns {missing_required} to insert them"
                    )
                return written
            if self.dialect == "postgresql":
                return self._upsert_postgres(c, table, encoded, keys, updates)
            return self._upsert_sqlite(c, table, encoded, keys, updates)

    def _update_existing(
        self, conn: Connection, table: sa.Table, encoded: pl.DataFrame, keys: Sequence[str], updates: Sequence[str]
    ) -> int:
        """UPDATE … SET the `updates` columns of the rows whose keys are in the frame."""
        q = self.engine.dialect.identifier_preparer.quote
        if self.dialect == "postgresql":
            staging = f"_update_{uuid.uuid4().hex[:12]}"
            cols = ", ".join(q(c) for c in encoded.columns)
            conn.exec_driver_sql(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS SELECT {cols} FROM {q(table.name)} WITH NO DATA"
            )
            with _psycopg_connection(conn).cursor() as cursor:
                with cursor.copy(f"COPY {staging} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                    for chunk in encoded.iter_slices(POSTGRES_COPY_ROWS):
                        copy.write(chunk.write_csv(include_header=False))
            sets = ", ".join(f"{q(c)} = s.{q(c)}" for c in updates)
            match = " AND ".join(f"t.{q(k)} = s.{q(k)}" for k in keys)
            result = conn.exec_driver_sql(f"UPDATE {q(table.name)} AS t SET {sets} FROM {staging} AS s WHERE {match}")
            conn.exec_driver_sql(f"DROP TABLE {staging}")
            return max(result.rowcount, 0)
        sets = ", ".join(f"{q(c)} = ?" for c in updates)
        match = " AND ".join(f"{q(k)} = ?" for k in keys)
        sql = f"UPDATE {q(table.name)} SET {sets} WHERE {match}"
        ordered = encoded.select([*updates, *keys])
        written = 0
        for chunk in ordered.iter_slices(SQLITE_BATCH_ROWS):
            written += max(conn.exec_driver_sql(sql, chunk.rows()).rowcount, 0)
        return written

    def append(self, table_name: str, df: pl.DataFrame, *, conn: Connection | None = None) -> int:
        """Plain INSERT of every row (history and log tables with an autoincrement id)."""
        table = self.table(table_name)
        check_frame(table, df, [])
        if df.height == 0:
            return 0
        encoded = encode_frame(table, df, self.dialect)
        with self._write(conn) as c:
            if self.dialect == "postgresql":
                return self._upsert_postgres(c, table, encoded, None, [])
            return self._upsert_sqlite(c, table, encoded, None, [])

    def append_history(self, history: pl.DataFrame, *, conn: Connection | None = None) -> int:
        """Append status-history rows; a change already recorded (same `transition_key`) is skipped."""
        return self.upsert(
            "cafe24_order_status_history", history, key_columns=["mall_id", "transition_key"], update_columns=[], conn=conn
        )

    def _conflict_clause(self, keys: Sequence[str] | None, updates: Sequence[str]) -> str:
        if keys is None:
            return ""
        q = self.engine.dialect.identifier_preparer.quote
        target = ", ".join(q(k) for k in keys)
        if not updates:
            return f" ON CONFLICT ({target}) DO NOTHING"
        sets = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in updates)
        return f" ON CONFLICT ({target}) DO UPDATE SET {sets}"

    def _upsert_sqlite(
        self, conn: Connection, table: sa.Table, encoded: pl.DataFrame, keys: Sequence[str] | None, updates: Sequence[str]
    ) -> int:
        q = self.engine.dialect.identifier_preparer.quote
        cols = ", ".join(q(c) for c in encoded.columns)
        marks = ", ".join("?" for _ in encoded.columns)
        sql = f"INSERT INTO {q(table.name)} ({cols}) VALUES ({marks}){self._conflict_clause(keys, updates)}"
        written = 0
        for chunk in encoded.iter_slices(SQLITE_BATCH_ROWS):
            result = conn.exec_driver_sql(sql, chunk.rows())  # one executemany per chunk
            written += max(result.rowcount, 0)
        return written

    def _upsert_postgres(
        self, conn: Connection, table: sa.Table, encoded: pl.DataFrame, keys: Sequence[str] | None, updates: Sequence[str]
    ) -> int:
        """COPY the rows into the table's staging table, then one INSERT … SELECT … ON CONFLICT.

        The staging table is a session-local temporary copy of the table's columns, created once per
        connection and emptied at every commit (ON COMMIT DELETE ROWS), so a page costs one COPY and one
        INSERT, not a CREATE and DROP of a table each time.
        """
        q = self.engine.dialect.identifier_preparer.quote
        staging = self._staging_table(conn, table)
        cols = ", ".join(q(c) for c in encoded.columns)
        dbapi = _psycopg_connection(conn)
        try:
            with dbapi.cursor() as cursor:
                with cursor.copy(f"COPY {staging} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                    for chunk in encoded.iter_slices(POSTGRES_COPY_ROWS):
                        copy.write(chunk.write_csv(include_header=False))
        except psycopg.Error as exc:
            # Only the type-level message: COPY's context line would quote row values (maybe secrets).
            primary = exc.diag.message_primary or type(exc).__name__
            raise StoreValueError(f"{table.name}: PostgreSQL refused the rows ({exc.sqlstate}): {primary}") from None
        result = conn.exec_driver_sql(
            f"INSERT INTO {q(table.name)} ({cols}) SELECT {cols} FROM {staging}{self._conflict_clause(keys, updates)}"
        )
        # emptied now, not only at commit: the same transaction may upsert into this table again
        conn.exec_driver_sql(f"DELETE FROM {staging}")
        written = max(result.rowcount, 0)
        if self._growth is not None:
            self._growth.wrote(table.name, written)
        return written

    def _staging_table(self, conn: Connection, table: sa.Table) -> str:
        """The connection's temporary staging table for `table`, created on first use in the session.

        `IF NOT EXISTS` every time rather than remembering it: a transaction that created it and then
        rolled back takes the table with it.
        """
        q = self.engine.dialect.identifier_preparer.quote
        staging = f"_stage_{table.name}"
        conn.exec_driver_sql("SET LOCAL client_min_messages = warning")  # no "already exists" notices
        conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS SELECT * FROM {q(table.name)} WITH NO DATA"
        )
        return staging

    # --- reads --------------------------------------------------------------------------------

    def read(
        self,
        query: str | sa.Select | sa.TextClause,
        params: Mapping[str, Any] | None = None,
        *,
        types: Mapping[str, sa.types.TypeEngine] | None = None,
        conn: Connection | None = None,
    ) -> pl.DataFrame:
        """Run a query and return a polars frame with Decimal money and tz-aware UTC datetimes.

        For SQL text, result columns named like a store column (e.g. `payment_amount`, `order_date`)
        are decoded with that column's type; name others explicitly with `types={"last": UtcDateTime()}`.
        """
        statement = sa.text(query) if isinstance(query, str) else query
        if conn is None:
            with self.engine.connect() as own:
                return self._read(own, statement, params, types)
        return self._read(conn, statement, params, types)

    def _read(self, conn, statement, params, types) -> pl.DataFrame:  # noqa: ANN001
        if isinstance(statement, sa.Select) and not types:
            result = conn.execute(raw_select(statement, self.dialect), dict(params or {}))
            names = list(result.keys())
            declared = [c.type for c in statement.selected_columns]
            try:
                return self._fast_frame(result, names, declared)
            except RawDecodeError:
                result.close()  # a value in an unexpected shape (e.g. written by another tool): decode row by row
        result = conn.execute(statement, dict(params or {}))
        names = list(result.keys())
        rows = result.fetchall()
        types = dict(types or {})
        if isinstance(statement, (sa.Select, sa.CompoundSelect)):
            declared = [col.type for col in statement.selected_columns]
            col_types = [types.get(n, t) for n, t in zip(names, declared)]
            decode = [n in types for n in names]
        else:
            col_types = [types.get(n) or self._types_by_name.get(n) for n in names]
            decode = [t is not None for t in col_types]
        if any(decode):
            processors = [_decoder(t, conn.dialect) if d and t is not None else None for t, d in zip(col_types, decode)]
            rows = [tuple(p(v) if p is not None else v for p, v in zip(processors, row)) for row in rows]
        return rows_to_frame(names, rows, col_types)

    def _fast_frame(self, result: sa.CursorResult, names: list[str], declared: list[sa.types.TypeEngine]) -> pl.DataFrame:
        """Decode a result READ_CHUNK_ROWS rows at a time, so a whole-mall read holds one chunk of
        Python tuples at once, not every row (200,000 variants as tuples took 1 GiB)."""
        parts: list[pl.DataFrame] = []
        while True:
            rows = result.fetchmany(READ_CHUNK_ROWS)
            if not rows and parts:
                break
            parts.append(raw_rows_to_frame(names, rows, declared, self.dialect))
            if len(rows) < READ_CHUNK_ROWS:
                break
        return parts[0] if len(parts) == 1 else pl.concat(parts, how="vertical_relaxed")

    def read_table(
        self,
        name: str,
        where: Mapping[str, Any] | None = None,
        *,
        columns: Sequence[str] | None = None,
        order_by: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        """A table (or the rows matching equality filters `where`) as a polars frame."""
        table = self.table(name)
        selected = [table.c[c] for c in columns] if columns else list(table.c)
        stmt = sa.select(*selected)
        for column, value in (where or {}).items():
            stmt = stmt.where(table.c[column] == value)
        order = order_by if order_by is not None else [c.name for c in table.primary_key.columns]
        stmt = stmt.order_by(*[table.c[c] for c in order])
        return self.read(stmt)

    def row_counts(self) -> dict[str, int]:
        """Rows per table, in table-name order."""
        with self.engine.connect() as conn:
            return {
                name: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
                for name, table in sorted(self.tables.tables.items())
            }

    # --- sync_state ---------------------------------------------------------------------------

    def get_sync_state(self, mall_id: str, stream: str, *, conn: Connection | None = None) -> SyncState | None:
        table = schema.sync_state
        stmt = sa.select(table).where(table.c.mall_id == mall_id, table.c.stream == stream)
        if conn is None:
            with self.engine.connect() as own:
                row = own.execute(stmt).mappings().first()
        else:
            row = conn.execute(stmt).mappings().first()
        return SyncState(**row) if row else None

    def record_sync(
        self,
        mall_id: str,
        stream: str,
        *,
        success: bool,
        high_water_mark: datetime | None = None,
        cursor: str | None = None,
        rows: int | None = None,
        error: str | None = None,
        details: Any = None,
        at: datetime | None = None,
        conn: Connection | None = None,
    ) -> SyncState:
        """Record one run of a stream. A success may move the high-water mark / cursor (None keeps
        the previous value); a failure records the error and leaves them where they were.

        Pass `conn` (the transaction that wrote the rows) so the mark never gets ahead of the data.
        """
        now = at or datetime.now(timezone.utc)
        table = schema.sync_state
        values: dict[str, Any] = {
            "last_run_at": now,
            "last_status": "success" if success else "failed",
            "last_error": None if success else (error or "failed"),
            "rows_last_run": rows,
        }
        if details is not None:
            values["details"] = encode_json(details, "sync_state.details")
        if success:
            values["last_success_at"] = now
            if high_water_mark is not None:
                values["high_water_mark"] = high_water_mark
            if cursor is not None:
                values["cursor"] = cursor
        stmt = _upsert_statement(
            self.dialect,
            table,
            {"mall_id": mall_id, "stream": stream, **values},
            index_elements=["mall_id", "stream"],
            set_=values,
        )
        with self._write(conn) as c:
            c.execute(stmt)
            state = self.get_sync_state(mall_id, stream, conn=c)
        assert state is not None
        return state


def _decoder(sa_type: sa.types.TypeEngine, dialect: sa.engine.Dialect) -> Callable[[Any], Any] | None:
    """Turn a raw driver value of a SQL-text query into what a typed select would return."""
    if isinstance(sa_type, sa.types.TypeDecorator):
        return lambda v: sa_type.process_result_value(v, dialect)
    if isinstance(sa_type, sa.Boolean):
        return lambda v: None if v is None else bool(v)
    if isinstance(sa_type, sa.Date) and not isinstance(sa_type, sa.DateTime):
        return lambda v: date.fromisoformat(v) if isinstance(v, str) else v
    return None


def _missing_required_columns(table: sa.Table, df: pl.DataFrame, keys: Sequence[str]) -> list[str]:
    """NOT NULL columns without a default that the frame does not carry (so it cannot insert)."""
    return [
        c.name
        for c in table.columns
        if not c.nullable
        and c.name not in df.columns
        and c.name not in keys
        and c.default is None
        and c.server_default is None
        and c.autoincrement is not True
    ]


def _upsert_statement(
    dialect: str, table: sa.Table, values: Mapping[str, Any], *, index_elements: Sequence[str], set_: Mapping[str, Any]
) -> sa.Insert:
    """INSERT … ON CONFLICT (index_elements) DO UPDATE SET set_, in the dialect's own insert construct."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).values(**values).on_conflict_do_update(index_elements=index_elements, set_=set_)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table).values(**values).on_conflict_do_update(index_elements=index_elements, set_=set_)


def _psycopg_connection(conn: Connection) -> psycopg.Connection[Any]:
    """The psycopg 3 connection under a PostgreSQL store connection (COPY goes through it directly)."""
    dbapi = conn.connection.dbapi_connection
    if not isinstance(dbapi, psycopg.Connection):
        # create_store_engine only builds postgresql+psycopg engines, so this means a foreign engine
        raise StoreError(f"PostgreSQL store needs a psycopg 3 connection, got {type(dbapi).__name__}")
    return dbapi


def _unambiguous_column_types(metadata: sa.MetaData) -> dict[str, sa.types.TypeEngine]:
    """Column name -> type for names whose decoding is the same in every table (for SQL-text reads)."""
    seen: dict[str, set[type]] = {}
    first: dict[str, sa.types.TypeEngine] = {}
    for table in metadata.tables.values():
        for column in table.c:
            kind = type(column.type)
            if isinstance(column.type, (sa.String, sa.Text)) and not isinstance(column.type, JsonText):
                kind = sa.String
            seen.setdefault(column.name, set()).add(kind)
            first.setdefault(column.name, column.type)
    return {
        name: first[name] for name, kinds in seen.items() if len(kinds) == 1 and next(iter(kinds)) not in (sa.String, sa.Integer)
    }
