"""Version 2: the `cafe24_shops` table, a text `cursor` on `sync_state`, and indexes for analyst queries.

Multi-shop malls are looped per shop (DESIGN.md §7), so the shops themselves are mirrored; catalogue
scans page by `since_product_no`, a cursor that is not a timestamp; and the common analyst questions
(orders per day, sales per SKU, items per status, stock history per SKU) get indexes.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cafe24_pipeline.store.migrations import ops
from cafe24_pipeline.store.types import JsonText, UtcDateTime


def upgrade(conn: Connection) -> None:
    metadata = sa.MetaData()
    shops = sa.Table(
        "cafe24_shops",
        metadata,
        sa.Column("mall_id", sa.String(50), primary_key=True),
        sa.Column("shop_no", sa.Integer, primary_key=True, server_default=sa.text("1")),
        sa.Column("shop_name", sa.Text),
        sa.Column("currency_code", sa.String(3)),
        sa.Column("language_code", sa.String(10)),
        sa.Column("default_shop", sa.Boolean),
        sa.Column("active", sa.Boolean),
        sa.Column("raw", JsonText()),
        sa.Column("synced_at", UtcDateTime()),
    )
    ops.create_table(conn, shops)
    ops.add_column(conn, "sync_state", sa.Column("cursor", sa.Text))
    ops.create_index(conn, "ix_cafe24_orders_date", "cafe24_orders", ["mall_id", "order_date"])
    ops.create_index(conn, "ix_cafe24_orders_day", "cafe24_orders", ["mall_id", "order_date_kst"])
    ops.create_index(conn, "ix_cafe24_order_items_sku", "cafe24_order_items", ["mall_id", "sku"])
    ops.create_index(conn, "ix_cafe24_order_items_status", "cafe24_order_items", ["mall_id", "order_status"])
    ops.create_index(conn, "ix_cafe24_inventory_sku", "cafe24_inventory_snapshots", ["mall_id", "sku", "snapshot_date"])
