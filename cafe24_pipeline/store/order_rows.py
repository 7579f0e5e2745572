"""The SQL of the order sync (`sync/orders.py`): what the store holds about a batch of orders before the
batch is written, the open orders a status sweep re-polls, and the OMS re-map's reads and writes.

A page's reads run inside the page's write transaction (`conn`), so what is compared is what the
batch then overwrites. Lookups by a page's ids use `among`: one array (or JSON) parameter instead of
one placeholder per id (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import polars as pl
import sqlalchemy as sa

from cafe24_pipeline.store import schema
from cafe24_pipeline.store.key_lists import among
from cafe24_pipeline.store.store import Store, StoreConnection


class OrderRows:
    """Named reads and writes of the order tables over one store, for one mall."""

    def __init__(self, store: Store, mall_id: str) -> None:
        self.store = store
        self.mall_id = mall_id

    def among(self, column: sa.ColumnElement[str], values: Sequence[str]) -> sa.ColumnElement[bool]:
        """`column IN (values)` with one parameter (store/key_lists.py)."""
        return among(self.store.dialect, column, values)

    # --- a batch: what the store holds ---------------------------------------------------------

    def stored_orders(self, conn: StoreConnection, shops: Sequence[int], order_ids: Sequence[str]) -> pl.DataFrame:
        """(shop_no, order_id, content_hash, imported_backfill, raw_hash) of these orders.

        shop_no narrows the read to the primary key (mall_id, shop_no, order_id): by order_id alone the
        database walks every order of the mall, once per page (quadratic over an import).
        """
        o = schema.cafe24_orders
        return self.store.read(
            sa.select(o.c.shop_no, o.c.order_id, o.c.content_hash, o.c.imported_backfill, o.c.raw_hash).where(
                o.c.mall_id == self.mall_id, o.c.shop_no.in_(list(shops)), self.among(o.c.order_id, order_ids)
            ),
            conn=conn,
        )

    def raw_hashes(self, shops: Sequence[int], order_ids: Sequence[str]) -> pl.DataFrame:
        """(shop_no, order_id, raw_hash) of these orders where a raw hash is stored (sync/raw_skip.py).

        Read on the page-building thread, outside the write transaction: an order it calls unchanged
        is one the store already holds exactly as this page has it.
        """
        o = schema.cafe24_orders
        return self.store.read(
            sa.select(o.c.shop_no, o.c.order_id, o.c.raw_hash).where(
                o.c.mall_id == self.mall_id,
                o.c.shop_no.in_(list(shops)),
                self.among(o.c.order_id, order_ids),
                o.c.raw_hash.is_not(None),
            )
        )

    def stored_items(self, conn: StoreConnection, order_ids: Sequence[str]) -> pl.DataFrame:
        """The items of these orders with what the sync compares (hash, mapping) and carries over
        (status and when it last changed, the backfill flag)."""
        i = schema.cafe24_order_items
        return self.store.read(
            sa.select(
                i.c.order_id, i.c.order_item_code, i.c.content_hash, i.c.oms_status, i.c.order_status,
                i.c.status_changed_at, i.c.imported_backfill,
            ).where(i.c.mall_id == self.mall_id, self.among(i.c.order_id, order_ids)),
            conn=conn,
        )  # fmt: skip

    def stored_receivers(
        self, conn: StoreConnection, shops: Sequence[int], order_ids: Sequence[str], fields: Sequence[str]
    ) -> pl.DataFrame:
        """`fields` of these orders' receivers: they carry no hash, so the sync compares the fields (an
        address edit must reach fulfilment)."""
        r = schema.cafe24_order_receivers
        return self.store.read(
            sa.select(*[r.c[c] for c in fields]).where(
                r.c.mall_id == self.mall_id, r.c.shop_no.in_(list(shops)), self.among(r.c.order_id, order_ids)
            ),
            conn=conn,
        )

    def oms_items(self, conn: StoreConnection, order_ids: Sequence[str]) -> pl.DataFrame:
        """The OMS side of these orders' items (status, timestamps, shipping): the mapping keeps what
        OMS actions set and what Cafe24 cannot tell."""
        t = schema.oms_order_items
        return self.store.read(
            sa.select(
                t.c.order_item_code,
                t.c.status,
                t.c.created_at,
                t.c.status_changed_at,
                t.c.shipping_code,
                t.c.tracking_number,
                t.c.carrier,
                t.c.shipped_at,
                t.c.delivered_at,
            ).where(t.c.mall_id == self.mall_id, self.among(t.c.order_id, order_ids)),
            conn=conn,
        )

    def oms_created(self, conn: StoreConnection, order_ids: Sequence[str]) -> pl.DataFrame:
        """(order_id, created_at) of these orders' `oms_orders` rows: an OMS order keeps its first creation time."""
        t = schema.oms_orders
        return self.store.read(
            sa.select(t.c.order_id, t.c.created_at).where(t.c.mall_id == self.mall_id, self.among(t.c.order_id, order_ids)),
            conn=conn,
        )

    def oms_stock(self, conn: StoreConnection, skus: Sequence[str]) -> pl.DataFrame:
        """(sku, stock) of these SKUs' active, not deleted `oms_products` rows: what decides New vs Partial."""
        t = schema.oms_products
        return self.store.read(
            sa.select(t.c.sku, t.c.stock).where(self.among(t.c.sku, skus), t.c.deleted == sa.false(), t.c.active == sa.true()),
            conn=conn,
        )

    # --- the status sweep ---------------------------------------------------------------------

    def open_orders(self, open_codes: Iterable[str], since: datetime) -> pl.DataFrame:
        """(shop_no, order_id) of the mall's orders placed at or after `since` with an item in one of
        `open_codes`: Cafe24 has no "updated since", so these are re-polled by id."""
        items = schema.cafe24_order_items
        stmt = (
            sa.select(items.c.shop_no, items.c.order_id)
            .where(
                items.c.mall_id == self.mall_id,
                items.c.order_status.in_(sorted(open_codes)),
                items.c.order_date >= since,
            )
            .distinct()
            .order_by(items.c.shop_no, items.c.order_id)
        )
        return self.store.read(stmt)

    # --- the OMS re-map -------------------------------------------------------------------------

    def orders_of_days(self, conn: StoreConnection, days: Sequence[date]) -> pl.DataFrame:
        """The mall's mirrored orders of these KST days, whole."""
        o = schema.cafe24_orders
        return self.store.read(sa.select(o).where(o.c.mall_id == self.mall_id, o.c.order_date_kst.in_(list(days))), conn=conn)

    def items_of_orders(self, conn: StoreConnection, order_ids: Sequence[str]) -> pl.DataFrame:
        """The mirrored items of these orders, whole."""
        i = schema.cafe24_order_items
        return self.store.read(sa.select(i).where(i.c.mall_id == self.mall_id, i.c.order_id.in_(list(order_ids))), conn=conn)

    def set_item_oms_statuses(self, conn: StoreConnection, statuses: Sequence[tuple[str, str | None]]) -> None:
        """Set `cafe24_order_items.oms_status` of these (order_item_code, status) pairs, one executemany:
        the mirror notes what each item maps to, so an unmapped item is found again by the next poll."""
        if not statuses:
            return
        i = schema.cafe24_order_items
        conn.execute(
            sa.update(i)
            .where(i.c.mall_id == self.mall_id, i.c.order_item_code == sa.bindparam("c"))
            .values(oms_status=sa.bindparam("s")),
            [{"c": code, "s": status} for code, status in statuses],
        )
