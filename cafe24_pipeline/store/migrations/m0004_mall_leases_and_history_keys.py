"""Version 4: one per-mall lease table, and a unique key on every observed status change.

Every sync that reads or writes a mall holds the mall's lease (`mall_leases`, renewed by a heartbeat)
instead of a lock row hidden in `sync_state` (the old `orders.lock` rows are removed). Each status
history row carries `transition_key` (item, old → new status, and when the old status was first
seen), unique per mall, so two syncs observing the same change at once record it once.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cafe24_pipeline.store.migrations import ops
from cafe24_pipeline.store.types import UtcDateTime


def upgrade(conn: Connection) -> None:
    metadata = sa.MetaData()
    leases = sa.Table(
        "mall_leases",
        metadata,
        sa.Column("mall_id", sa.String(50), primary_key=True),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(80), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("pid_started", sa.String(40)),
        sa.Column("run_id", sa.String(64)),
        sa.Column("acquired_at", UtcDateTime(), nullable=False),
        sa.Column("heartbeat_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
    )
    ops.create_table(conn, leases)
    ops.add_column(conn, "cafe24_order_status_history", sa.Column("transition_key", sa.String(200)))
    q = conn.dialect.identifier_preparer.quote
    conn.exec_driver_sql(
        f"UPDATE {q('cafe24_order_status_history')} SET {q('transition_key')} = 'legacy:' || CAST(id AS VARCHAR(20))"
    )
    ops.create_index(
        conn, "uq_cafe24_status_history_transition", "cafe24_order_status_history", ["mall_id", "transition_key"], unique=True
    )
    conn.exec_driver_sql(f"DELETE FROM {q('sync_state')} WHERE {q('stream')} = 'orders.lock'")
