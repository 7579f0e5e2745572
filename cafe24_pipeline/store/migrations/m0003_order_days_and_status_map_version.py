"""Version 3: the KST order day on order items and OMS orders, and the status-map version on OMS orders.

Analysts group items by the Korean business day without joining orders, and every OMS order says
which version of the Cafe24 → OMS status table (oms/status_map.py) produced its status.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cafe24_pipeline.store.migrations import ops


def upgrade(conn: Connection) -> None:
    ops.add_column(conn, "cafe24_order_items", sa.Column("order_date_kst", sa.Date))
    ops.add_column(conn, "oms_orders", sa.Column("order_date_kst", sa.Date))
    ops.add_column(conn, "oms_orders", sa.Column("status_map_version", sa.String(20)))
    ops.create_index(conn, "ix_cafe24_order_items_day", "cafe24_order_items", ["mall_id", "order_date_kst"])
    ops.create_index(conn, "ix_oms_orders_day", "oms_orders", ["mall_id", "order_date_kst"])
