"""Named reads for the Dagster and CLI layers, so SQL stays in `store/` (docs/architecture.md).

Each function answers one question an asset, a check or a command asks; they take a `Store` and
return polars frames (or counts) decoded with the store's column types.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import polars as pl
import sqlalchemy as sa

from cafe24_pipeline.store import schema as tables
from cafe24_pipeline.store.store import Store


def live_row_count(store: Store, table: str, mall_id: str) -> int:
    """Rows of a mall in `table`, not counting tombstones (`deleted_at` set)."""
    t = store.table(table)
    stmt = sa.select(sa.func.count()).select_from(t).where(t.c.mall_id == mall_id)
    if "deleted_at" in t.c:
        stmt = stmt.where(t.c.deleted_at.is_(None))
    with store.engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def mall_rows(store: Store, table: str, mall_id: str | None, *, live: bool = False) -> pl.DataFrame:
    """A table's rows, of one mall (or all when `mall_id` is None), tombstones left out if `live`."""
    t = store.table(table)
    stmt = sa.select(t)
    if mall_id is not None:
        stmt = stmt.where(t.c.mall_id == mall_id)
    if live and "deleted_at" in t.c:
        stmt = stmt.where(t.c.deleted_at.is_(None))
    return store.read(stmt)


def order_day_rows(
    store: Store, table: str, columns: Sequence[str], malls: Sequence[str] | None, days: Sequence[date] | None
) -> pl.DataFrame:
    """`columns` of an order table for the given malls and KST order days (everything when None)."""
    t = store.table(table)
    stmt = sa.select(*[t.c[c] for c in columns])
    if malls is not None:
        stmt = stmt.where(t.c.mall_id.in_(list(malls)), t.c.order_date_kst.in_(list(days or [])))
    return store.read(stmt)


def orders_without_oms_order(store: Store, malls: Sequence[str] | None, days: Sequence[date] | None) -> pl.DataFrame:
    """Mirrored orders (mall_id, order_id) with no `oms_orders` row, minus those held back because an
    item's status code is unknown (those are reported by the mapping check instead)."""
    o, oms, i = tables.cafe24_orders, tables.oms_orders, tables.cafe24_order_items
    stmt = (
        sa.select(o.c.mall_id, o.c.order_id)
        .select_from(o.outerjoin(oms, sa.and_(oms.c.mall_id == o.c.mall_id, oms.c.order_id == o.c.order_id)))
        .where(oms.c.order_id.is_(None))
    )
    if malls is not None:
        stmt = stmt.where(o.c.mall_id.in_(list(malls)), o.c.order_date_kst.in_(list(days or [])))
    missing = store.read(stmt)
    held = store.read(sa.select(i.c.mall_id, i.c.order_id).where(i.c.oms_status.is_(None)).distinct())
    return missing.join(held, on=["mall_id", "order_id"], how="anti") if held.height else missing


ORDER_FACTS = ("order_id", "shop_no", "order_date", "payment_amount")
ITEM_FACTS = ("order_item_code", "order_id", "order_status", "quantity", "product_price")


def orders_placed_between(store: Store, mall_id: str, start: datetime, end: datetime) -> pl.DataFrame:
    """The reconciliation facts of a mall's orders placed in [start, end)."""
    o = tables.cafe24_orders
    return store.read(
        sa.select(*[o.c[c] for c in ORDER_FACTS]).where(o.c.mall_id == mall_id, o.c.order_date >= start, o.c.order_date < end)
    )


def orders_by_id(store: Store, mall_id: str, order_ids: Sequence[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The reconciliation facts of the given orders and of their items."""
    o, i = tables.cafe24_orders, tables.cafe24_order_items
    ids = list(order_ids)
    orders = store.read(sa.select(*[o.c[c] for c in ORDER_FACTS]).where(o.c.mall_id == mall_id, o.c.order_id.in_(ids)))
    items = store.read(sa.select(*[i.c[c] for c in ITEM_FACTS]).where(i.c.mall_id == mall_id, i.c.order_id.in_(ids)))
    return orders, items


def oms_order_days_updated_since(store: Store, mall_id: str, since: datetime) -> list[date]:
    """KST order days of the mall whose OMS orders were written at or after `since`."""
    o = tables.oms_orders
    frame = store.read(
        sa.select(o.c.order_date_kst)
        .where(o.c.mall_id == mall_id, o.c.updated_at >= since, o.c.order_date_kst.is_not(None))
        .distinct()
    )
    return sorted(frame["order_date_kst"].to_list()) if frame.height else []
