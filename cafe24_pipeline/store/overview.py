"""What the store holds, gathered for `cafe24-pipeline status` and the demo summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import sqlalchemy as sa

from cafe24_pipeline.store.store import Store

OPEN_PUSH_RESULTS = ("failed", "unknown")


@dataclass(frozen=True)
class StoreOverview:
    url: str
    dialect: str
    schema_version: int
    connections: pl.DataFrame  # mall_id, shop_nos, status, status_reason, access/refresh_expires_at, updated_at
    syncs: pl.DataFrame  # sync_state rows
    push_backlog: pl.DataFrame  # mall_id, open_failures, last_failure_at, last_error
    sku_conflicts: pl.DataFrame  # mall_id, open_conflicts
    row_counts: dict[str, int]


def store_overview(store: Store, mall_id: str | None = None) -> StoreOverview:
    """Connections, last syncs, push backlog, SKU conflicts and row counts (of one mall if given)."""
    where = {"mall_id": mall_id} if mall_id else None
    connections = store.read_table(
        "connections",
        where,
        columns=["mall_id", "shop_nos", "status", "status_reason", "access_expires_at", "refresh_expires_at", "updated_at"],
    )
    syncs = store.read_table("sync_state", where, order_by=["mall_id", "stream"])

    push = store.table("push_log")
    backlog = (
        sa.select(
            push.c.mall_id,
            sa.func.count().label("open_failures"),
            sa.func.max(push.c.created_at).label("last_failure_at"),
        )
        .where(push.c.result.in_(OPEN_PUSH_RESULTS), push.c.resolved_at.is_(None))
        .group_by(push.c.mall_id)
        .order_by(push.c.mall_id)
    )
    conflicts_table = store.table("sku_conflicts")
    conflicts = (
        sa.select(conflicts_table.c.mall_id, sa.func.count().label("open_conflicts"))
        .where(conflicts_table.c.resolved_at.is_(None))
        .group_by(conflicts_table.c.mall_id)
        .order_by(conflicts_table.c.mall_id)
    )
    if mall_id:
        backlog = backlog.where(push.c.mall_id == mall_id)
        conflicts = conflicts.where(conflicts_table.c.mall_id == mall_id)
    backlog_df = store.read(backlog)
    last_errors = _last_errors(store, mall_id)
    backlog_df = (
        backlog_df.join(last_errors, on="mall_id", how="left")
        if backlog_df.height
        else backlog_df.with_columns(pl.lit(None, dtype=pl.String).alias("last_error"))
    )
    return StoreOverview(
        url=store.url,
        dialect=store.dialect,
        schema_version=store.schema_version(),
        connections=connections,
        syncs=syncs,
        push_backlog=backlog_df,
        sku_conflicts=store.read(conflicts),
        row_counts=_row_counts(store, mall_id),
    )


def _last_errors(store: Store, mall_id: str | None) -> pl.DataFrame:
    push = store.table("push_log")
    latest = (
        sa.select(push.c.mall_id, sa.func.max(push.c.id).label("id"))
        .where(push.c.result.in_(OPEN_PUSH_RESULTS), push.c.resolved_at.is_(None))
        .group_by(push.c.mall_id)
        .subquery()
    )
    stmt = sa.select(push.c.mall_id, push.c.error.label("last_error")).join(latest, push.c.id == latest.c.id)
    if mall_id:
        stmt = stmt.where(push.c.mall_id == mall_id)
    return store.read(stmt)


def _row_counts(store: Store, mall_id: str | None) -> dict[str, int]:
    if not mall_id:
        return store.row_counts()
    counts: dict[str, int] = {}
    with store.engine.connect() as conn:
        for name, table in sorted(store.tables.tables.items()):
            if "mall_id" not in table.c:
                continue
            stmt = sa.select(sa.func.count()).select_from(table).where(table.c.mall_id == mall_id)
            counts[name] = int(conn.execute(stmt).scalar_one())
    return counts


DAY_COLUMNS = ("order_date_kst", "snapshot_date")


def table_row_counts(
    store: Store, table_name: str, *, mall_id: str | None = None, days: Sequence[Any] | None = None
) -> tuple[int, int | None]:
    """(rows of the whole table, rows of the mall — and of those KST days when the table has a day
    column — or None without a mall or for a table without `mall_id`). Soft-deleted rows count."""
    table = store.table(table_name)
    with store.engine.connect() as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
        if mall_id is None or "mall_id" not in table.c:
            return total, None
        stmt = sa.select(sa.func.count()).select_from(table).where(table.c.mall_id == mall_id)
        day_column = next((c for c in DAY_COLUMNS if c in table.c), None)
        if days is not None and day_column is not None:
            stmt = stmt.where(table.c[day_column].in_(list(days)))
        return total, int(conn.execute(stmt).scalar_one())
