"""Version 7: the OMS stock allocation ledger — what each order item took off OMS stock, and when it gave it back.

One row per (mall, order item) that took stock (oms/allocation.py): `quantity` is what was really
taken, so a cancellation gives back exactly that, once (`released_at`).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cafe24_pipeline.store.migrations import ops
from cafe24_pipeline.store.types import UtcDateTime


def upgrade(conn: Connection) -> None:
    for table in tables(sa.MetaData()):
        ops.create_table(conn, table)


def tables(metadata: sa.MetaData) -> list[sa.Table]:
    return [
        sa.Table(
            "oms_stock_allocations",
            metadata,
            sa.Column("mall_id", sa.String(50), primary_key=True),
            sa.Column("order_item_code", sa.String(40), primary_key=True),
            sa.Column("order_id", sa.String(40), nullable=False),
            sa.Column("sku", sa.String(100), nullable=False),
            sa.Column("quantity", sa.Integer, nullable=False),
            sa.Column("allocated_at", UtcDateTime(), nullable=False),
            sa.Column("released_at", UtcDateTime()),
            sa.Index("ix_oms_stock_allocations_sku", "sku"),
        ),
    ]
