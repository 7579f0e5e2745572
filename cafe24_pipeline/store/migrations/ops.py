"""Small DDL helpers for migrations that work the same on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def add_column(conn: Connection, table: str, column: sa.Column) -> None:
    """ALTER TABLE … ADD COLUMN; the column must be nullable or carry a server_default."""
    if not column.nullable and column.server_default is None:
        raise ValueError(f"{table}.{column.name}: a column added to existing rows needs a server_default")
    ddl = sa.schema.CreateColumn(column).compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE {_quote(conn, table)} ADD COLUMN {ddl}")


def create_index(conn: Connection, name: str, table: str, columns: list[str], unique: bool = False) -> None:
    cols = ", ".join(_quote(conn, c) for c in columns)
    kind = "UNIQUE INDEX" if unique else "INDEX"
    conn.exec_driver_sql(f"CREATE {kind} IF NOT EXISTS {_quote(conn, name)} ON {_quote(conn, table)} ({cols})")


def create_table(conn: Connection, table: sa.Table) -> None:
    """Create a table (with its indexes) described on a migration-local MetaData."""
    table.create(conn, checkfirst=False)
