"""The migration runner: brings a store to the latest schema version, one migration per transaction.

Applied versions are recorded in `schema_migrations`. Every step re-reads the version under a lock
(SQLite BEGIN IMMEDIATE, PostgreSQL advisory lock), so several processes starting at once apply each
migration exactly once, and a crash part-way leaves the store at a consistent earlier version.
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from cafe24_pipeline.store.engine import StoreError, write_transaction
from cafe24_pipeline.store.migrations import Migration, discover
from cafe24_pipeline.store.types import UtcDateTime

MIGRATION_LOCK = "cafe24_pipeline:schema_migrations"

_bookkeeping = sa.MetaData()
schema_migrations = sa.Table(
    "schema_migrations",
    _bookkeeping,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("applied_at", UtcDateTime(), nullable=False),
)


class StoreSchemaError(StoreError):
    """The store's schema cannot be used by this version of the code."""


def latest_version() -> int:
    return discover()[-1].version


def current_version(conn: Connection) -> int:
    """The store's schema version; 0 for an empty database."""
    if not sa.inspect(conn).has_table("schema_migrations"):
        return 0
    value = conn.execute(sa.select(sa.func.max(schema_migrations.c.version))).scalar()
    return int(value or 0)


def migrate(engine: Engine, target: int | None = None) -> list[int]:
    """Apply pending migrations up to `target` (default: latest); return the versions applied."""
    migrations = discover()
    latest = migrations[-1].version
    target = latest if target is None else target
    if not 0 <= target <= latest:
        raise StoreSchemaError(f"target schema version {target} is not between 0 and {latest}")
    with engine.connect() as conn:  # the common case, up to date: no write lock taken
        if target <= current_version(conn) <= latest:
            return []
    applied: list[int] = []
    while True:
        with write_transaction(engine, lock=MIGRATION_LOCK) as conn:
            schema_migrations.create(conn, checkfirst=True)
            current = current_version(conn)
            if current > latest:
                raise StoreSchemaError(
                    f"the store is at schema version {current}, newer than this cafe24-pipeline knows "
                    f"({latest}); upgrade cafe24-pipeline instead of opening it with an older one"
                )
            if current >= target:
                return applied
            _apply(conn, migrations[current])
            applied.append(current + 1)


def _apply(conn: Connection, migration: Migration) -> None:
    try:
        migration.upgrade(conn)
    except Exception as exc:
        raise StoreSchemaError(f"migration {migration.version:04d}_{migration.name} failed and was rolled back: {exc}") from exc
    conn.execute(
        schema_migrations.insert().values(
            version=migration.version,
            name=migration.name,
            applied_at=datetime.now(timezone.utc),
        )
    )
