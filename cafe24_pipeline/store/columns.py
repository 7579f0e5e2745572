"""The store's tables described as plain facts (no SQLAlchemy for the caller): each column's name,
type, nullability and keys, and each table's primary key and multi-column unique constraints.

`assets/describe.py` builds the Dagster column schema of every asset from these, so what the UI
shows is the shape `store/schema.py` (and therefore the migrations) gives the table.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from cafe24_pipeline.store import schema
from cafe24_pipeline.store.types import JsonText, Money, UtcDateTime


@dataclass(frozen=True)
class ColumnFacts:
    name: str
    type: str
    nullable: bool
    primary_key: bool
    unique: bool
    references: tuple[str, ...] = ()
    comment: str | None = None


@dataclass(frozen=True)
class TableFacts:
    name: str
    columns: tuple[ColumnFacts, ...]
    primary_key: tuple[str, ...]
    unique_together: tuple[tuple[str, ...], ...]


def _type_name(kind: sa.types.TypeEngine) -> str:
    if isinstance(kind, Money):
        return "decimal (exact KRW)"
    if isinstance(kind, UtcDateTime):
        return "timestamp (UTC)"
    if isinstance(kind, JsonText):
        return "json"
    return str(kind).lower()


def table_facts(table: str | sa.Table) -> TableFacts:
    """The facts of a store table (by name), or of any `sa.Table` given."""
    t = schema.metadata.tables[table] if isinstance(table, str) else table
    pk = tuple(c.name for c in t.primary_key.columns)
    single_unique = {
        next(iter(c.columns)).name for c in t.constraints if isinstance(c, sa.UniqueConstraint) and len(c.columns) == 1
    }
    columns = tuple(
        ColumnFacts(
            name=c.name,
            type=_type_name(c.type),
            nullable=bool(c.nullable) and c.name not in pk,
            primary_key=c.name in pk,
            unique=c.unique is True or c.name in single_unique or pk == (c.name,),
            references=tuple(fk.target_fullname for fk in c.foreign_keys),
            comment=c.comment,
        )
        for c in t.columns
    )
    together = tuple(
        tuple(c.name for c in con.columns)
        for con in t.constraints
        if isinstance(con, sa.UniqueConstraint) and len(con.columns) > 1
    )
    return TableFacts(t.name, columns, pk, together)


def table_names() -> set[str]:
    return set(schema.metadata.tables)
