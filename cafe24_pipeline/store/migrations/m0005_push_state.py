"""Version 5: what the push side knows, per mall and SKU, and explicit delete requests.

`oms_push_state` holds, per variant, the values Cafe24 answered to our writes (with when), the retry bookkeeping of
failed pushes, and open price conflicts; the push diff overlays it on the catalogue mirror to know
what Cafe24 holds now. `oms_products.delete_requested_at` is set only by an explicit OMS action
(`cafe24-pipeline oms delete`): a deletion is never inferred from a missing row. The mirror's
`seen_at` is the last time a catalogue read confirmed a row (whether or not it changed), so the push
knows whether Cafe24's answer to a push or a later read is the newer word.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cafe24_pipeline.store.migrations import ops
from cafe24_pipeline.store.types import Money, UtcDateTime


def upgrade(conn: Connection) -> None:
    metadata = sa.MetaData()
    state = sa.Table(
        "oms_push_state",
        metadata,
        sa.Column("mall_id", sa.String(50), primary_key=True),
        sa.Column("shop_no", sa.Integer, primary_key=True, server_default=sa.text("1")),
        sa.Column("variant_code", sa.String(30), primary_key=True),
        sa.Column("product_no", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(100)),
        sa.Column("stock", sa.Integer),
        UtcDateTime_column("stock_at"),
        sa.Column("additional_amount", Money()),
        UtcDateTime_column("additional_at"),
        sa.Column("variant_display", sa.Boolean),
        sa.Column("variant_selling", sa.Boolean),
        UtcDateTime_column("variant_status_at"),
        sa.Column("product_price", Money()),
        sa.Column("retail_price", Money()),
        UtcDateTime_column("product_price_at"),
        sa.Column("product_display", sa.Boolean),
        sa.Column("product_selling", sa.Boolean),
        UtcDateTime_column("product_status_at"),
        sa.Column("failures", sa.Integer, nullable=False, server_default=sa.text("0")),
        UtcDateTime_column("next_attempt_at"),
        UtcDateTime_column("gave_up_at"),
        sa.Column("last_error", sa.Text),
        sa.Column("conflict_price", Money()),
        UtcDateTime_column("conflict_at"),
        UtcDateTime_column("deleted_at"),
        UtcDateTime_column("updated_at", nullable=False),
        sa.Index("ix_oms_push_state_sku", "mall_id", "sku"),
    )
    ops.create_table(conn, state)
    ops.add_column(conn, "oms_products", sa.Column("delete_requested_at", UtcDateTime()))
    ops.add_column(conn, "cafe24_products", sa.Column("seen_at", UtcDateTime()))
    ops.add_column(conn, "cafe24_variants", sa.Column("seen_at", UtcDateTime()))


def UtcDateTime_column(name: str, nullable: bool = True) -> sa.Column:  # noqa: N802 - reads like a type
    return sa.Column(name, UtcDateTime(), nullable=nullable)
