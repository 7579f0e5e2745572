"""Version 8: `cafe24_orders.raw_hash`, a hash of the order's raw JSON as Cafe24 last sent it.

A poll re-reads whole windows, and most orders in them have not changed. With the hash the sync
recognises those before parsing them (sync/raw_skip.py). NULL means "rebuild it next time": rows
written before this version, orders written from a typed route, and orders with an unmapped item.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cafe24_pipeline.store.migrations import ops


def upgrade(conn: Connection) -> None:
    ops.add_column(conn, "cafe24_orders", sa.Column("raw_hash", sa.String(32)))
