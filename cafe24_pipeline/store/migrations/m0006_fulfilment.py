"""Version 6: fulfilment — shipments, the order transition history, the WMS inbox and outbox, mall settings.

`oms_shipments` holds each shipment the OMS creates or reads (its items, carrier, tracking number,
label, the Cafe24 shipping code and its progress); its tracking number is issued and committed before
Cafe24 is called, so a retried Ready to Ship reuses it and never creates a second shipment.
`oms_order_transitions` records every OMS status change (who, when, from, to, what was sent to Cafe24
and what it answered). `wms_events` is the inbox a WMS writes ("picked"), `wms_outbox` what the OMS
hands to the WMS (tracking number and label). `mall_settings` holds per-mall choices (shipping mode).
`tracking_sequences` numbers the AWBs each carrier issues.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cafe24_pipeline.store.migrations import ops
from cafe24_pipeline.store.types import JsonText, UtcDateTime


def upgrade(conn: Connection) -> None:
    for table in tables(sa.MetaData()):
        ops.create_table(conn, table)


def tables(metadata: sa.MetaData) -> list[sa.Table]:
    def ts(name: str, nullable: bool = True) -> sa.Column:
        return sa.Column(name, UtcDateTime(), nullable=nullable)

    return [
        sa.Table(
            "mall_settings",
            metadata,
            sa.Column("mall_id", sa.String(50), primary_key=True),
            sa.Column("shipping_mode", sa.String(10), nullable=False, server_default=sa.text("'self'")),
            sa.Column("carrier", sa.String(20)),
            ts("updated_at", nullable=False),
        ),
        sa.Table(
            "oms_shipments",
            metadata,
            sa.Column("mall_id", sa.String(50), primary_key=True),
            sa.Column("shipment_id", sa.String(64), primary_key=True),
            sa.Column("shop_no", sa.Integer, nullable=False, server_default=sa.text("1")),
            sa.Column("order_id", sa.String(40), nullable=False),
            sa.Column("order_item_codes", JsonText(), nullable=False),
            sa.Column("mode", sa.String(10), nullable=False),  # self | channel
            sa.Column("carrier", sa.String(20)),
            sa.Column("shipping_company_code", sa.String(10)),
            sa.Column("tracking_number", sa.String(60)),
            sa.Column("label_path", sa.Text),
            sa.Column("cafe24_shipping_code", sa.String(40)),
            sa.Column("status", sa.String(20), nullable=False),  # issued | standby | shipping | delivered
            sa.Column("last_error", sa.Text),
            ts("created_at", nullable=False),
            ts("standby_at"),
            ts("shipping_at"),
            ts("delivered_at"),
            ts("updated_at", nullable=False),
            sa.Index("ix_oms_shipments_order", "mall_id", "order_id"),
            sa.Index("uq_oms_shipments_tracking", "mall_id", "carrier", "tracking_number", unique=True),
        ),
        sa.Table(
            "oms_order_transitions",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("mall_id", sa.String(50), nullable=False),
            sa.Column("order_id", sa.String(40), nullable=False),
            sa.Column("order_item_code", sa.String(40), nullable=False),
            sa.Column("action", sa.String(30), nullable=False),
            sa.Column("actor", sa.String(40), nullable=False),  # cli | wms | sensor | sync | ui
            sa.Column("from_status", sa.String(40)),
            sa.Column("to_status", sa.String(40), nullable=False),
            sa.Column("shipment_id", sa.String(64)),
            sa.Column("cafe24_request", JsonText()),
            sa.Column("cafe24_response", JsonText()),
            sa.Column("result", sa.String(20), nullable=False),  # done | refused | failed | unknown
            sa.Column("error", sa.Text),
            sa.Column("run_id", sa.String(64)),
            ts("at", nullable=False),
            sa.Index("ix_oms_order_transitions_order", "mall_id", "order_id", "id"),
        ),
        sa.Table(
            "wms_events",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("mall_id", sa.String(50), nullable=False),
            sa.Column("event_type", sa.String(20), nullable=False),  # picked
            sa.Column("order_id", sa.String(40), nullable=False),
            sa.Column("order_item_codes", JsonText()),  # null: every item of the order
            sa.Column("dedupe_key", sa.String(200), nullable=False),
            sa.Column("status", sa.String(20), nullable=False, server_default=sa.text("'pending'")),
            sa.Column("error", sa.Text),
            ts("received_at", nullable=False),
            ts("processed_at"),
            sa.UniqueConstraint("mall_id", "dedupe_key", name="uq_wms_events_dedupe"),
            sa.Index("ix_wms_events_status", "status", "id"),
        ),
        sa.Table(
            "wms_outbox",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("mall_id", sa.String(50), nullable=False),
            sa.Column("shipment_id", sa.String(64), nullable=False),
            sa.Column("order_id", sa.String(40), nullable=False),
            sa.Column("order_item_codes", JsonText(), nullable=False),
            sa.Column("carrier", sa.String(20)),
            sa.Column("tracking_number", sa.String(60)),
            sa.Column("label_path", sa.Text),
            ts("created_at", nullable=False),
            ts("acknowledged_at"),
            sa.UniqueConstraint("mall_id", "shipment_id", name="uq_wms_outbox_shipment"),
        ),
        sa.Table(
            "tracking_sequences",
            metadata,
            sa.Column("carrier", sa.String(20), primary_key=True),
            sa.Column("next_value", sa.BigInteger, nullable=False),
        ),
    ]
