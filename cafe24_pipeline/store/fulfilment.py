"""The fulfilment side's reads and writes: an order's items as the OMS sees them, shipments, the
transition history, the WMS inbox and outbox, per-mall settings and AWB sequences.

OMS order state (`oms_order_items.status`, `oms_orders.status`) has two sources by design
(oms/order_state.py): Cafe24 observations, written by the order sync, and OMS actions, written here
by `set_item_statuses`; every change made here is also a row of `oms_order_transitions`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import polars as pl
import sqlalchemy as sa

from cafe24_pipeline.oms.order_state import order_status_of
from cafe24_pipeline.store import schema
from cafe24_pipeline.store.stock_ledger import StockLedger
from cafe24_pipeline.store.store import Store

SHIPPING_MODES = ("self", "channel")


class FulfilmentTables:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- reads --------------------------------------------------------------------------------

    def order_items(self, mall_id: str, order_id: str) -> pl.DataFrame:
        """The order's items: OMS status, Cafe24 status and shipping fields, SKU, quantity, name."""
        o, c = schema.oms_order_items, schema.cafe24_order_items
        query = (
            sa.select(
                c.c.order_item_code,
                c.c.shop_no,
                c.c.order_id,
                c.c.sku,
                c.c.quantity,
                c.c.product_name,
                c.c.option_value,
                c.c.order_status,
                c.c.shipping_code,
                c.c.tracking_no,
                c.c.shipping_company_code,
                o.c.status.label("oms_status"),
            )
            .select_from(c.outerjoin(o, sa.and_(o.c.mall_id == c.c.mall_id, o.c.order_item_code == c.c.order_item_code)))
            .where(c.c.mall_id == mall_id, c.c.order_id == order_id)
            .order_by(c.c.order_item_code)
        )
        return self.store.read(query)

    def receiver(self, mall_id: str, order_id: str) -> dict[str, Any] | None:
        r = schema.cafe24_order_receivers
        frame = self.store.read(sa.select(r).where(r.c.mall_id == mall_id, r.c.order_id == order_id).order_by(r.c.shipping_code))
        return frame.row(0, named=True) if frame.height else None

    def shipments(self, mall_id: str, order_id: str) -> list[dict[str, Any]]:
        t = schema.oms_shipments
        frame = self.store.read(
            sa.select(t).where(t.c.mall_id == mall_id, t.c.order_id == order_id).order_by(t.c.created_at, t.c.shipment_id)
        )
        rows = frame.to_dicts()
        for row in rows:
            row["order_item_codes"] = _json_list(row["order_item_codes"])
        return rows

    def settings(self, mall_id: str) -> dict[str, Any]:
        t = schema.mall_settings
        frame = self.store.read(sa.select(t).where(t.c.mall_id == mall_id))
        return frame.row(0, named=True) if frame.height else {"mall_id": mall_id, "shipping_mode": "self", "carrier": None}

    def transitions(self, mall_id: str, order_id: str | None = None) -> pl.DataFrame:
        t = schema.oms_order_transitions
        query = sa.select(t).where(t.c.mall_id == mall_id)
        if order_id is not None:
            query = query.where(t.c.order_id == order_id)
        return self.store.read(query.order_by(t.c.id))

    def outbox(self, mall_id: str) -> pl.DataFrame:
        return self.store.read_table("wms_outbox", {"mall_id": mall_id})

    # --- writes -------------------------------------------------------------------------------

    def set_settings(self, mall_id: str, *, shipping_mode: str | None, carrier: str | None, now: datetime) -> None:
        if shipping_mode is not None and shipping_mode not in SHIPPING_MODES:
            raise ValueError(f"shipping mode must be one of {', '.join(SHIPPING_MODES)}, got {shipping_mode!r}")
        current = self.settings(mall_id)
        frame = pl.DataFrame(
            [
                {
                    "mall_id": mall_id,
                    "shipping_mode": shipping_mode or current["shipping_mode"],
                    "carrier": carrier if carrier is not None else current.get("carrier"),
                    "updated_at": now,
                }
            ],
            schema={
                "mall_id": pl.String,
                "shipping_mode": pl.String,
                "carrier": pl.String,
                "updated_at": pl.Datetime("us", "UTC"),
            },
        )
        self.store.upsert("mall_settings", frame)

    def next_sequence(self, carrier: str, *, start: int = 1) -> int:
        """The next AWB sequence number of `carrier` (atomic across processes)."""
        t = schema.tracking_sequences
        with self.store.transaction(lock=f"awb:{carrier}") as conn:
            row = conn.execute(
                sa.select(t.c.next_value).where(t.c.carrier == carrier).with_for_update()
                if self.store.dialect == "postgresql"
                else sa.select(t.c.next_value).where(t.c.carrier == carrier)
            ).first()
            value = int(row[0]) if row else start
            if row:
                conn.execute(t.update().where(t.c.carrier == carrier).values(next_value=value + 1))
            else:
                conn.execute(t.insert().values(carrier=carrier, next_value=value + 1))
        return value

    def save_shipment(self, row: Mapping[str, Any]) -> None:
        values = dict(row)
        values["order_item_codes"] = json.dumps(list(values["order_item_codes"]))
        frame = pl.DataFrame([values], schema=_shipment_schema(values))
        self.store.upsert("oms_shipments", frame)

    def record(
        self,
        mall_id: str,
        transitions: Sequence[Mapping[str, Any]],
        *,
        statuses: Mapping[str, str] | None = None,
        outbox: Mapping[str, Any] | None = None,
        give_back: Sequence[str] = (),
        at: datetime,
    ) -> dict[str, int]:
        """One transaction: history rows, the items' new OMS statuses (and their orders'), an outbox row,
        and for a seller cancellation (`give_back`: its item codes) the OMS stock those items took
        (store/stock_ledger.py; units per SKU returned)."""
        with self.store.transaction() as conn:
            if transitions:
                rows = [
                    {
                        **t,
                        "mall_id": mall_id,
                        "at": at,
                        "cafe24_request": _dumps(t.get("cafe24_request")),
                        "cafe24_response": _dumps(t.get("cafe24_response")),
                    }
                    for t in transitions
                ]
                self.store.append("oms_order_transitions", pl.DataFrame(rows, schema=_TRANSITION_SCHEMA), conn=conn)
            if statuses:
                self._set_item_statuses(conn, mall_id, statuses, at)
            if outbox:
                values = {
                    **outbox,
                    "mall_id": mall_id,
                    "created_at": at,
                    "order_item_codes": json.dumps(list(outbox["order_item_codes"])),
                }
                t = schema.wms_outbox
                exists = conn.execute(
                    sa.select(t.c.id).where(t.c.mall_id == mall_id, t.c.shipment_id == values["shipment_id"])
                ).first()
                if exists is None:
                    conn.execute(t.insert().values(**values))
            return StockLedger(self.store).give_back(conn, mall_id, give_back, at=at) if give_back else {}

    def _set_item_statuses(self, conn: sa.Connection, mall_id: str, statuses: Mapping[str, str], at: datetime) -> None:
        items, orders = schema.oms_order_items, schema.oms_orders
        for code, status in statuses.items():
            conn.execute(
                items.update()
                .where(items.c.mall_id == mall_id, items.c.order_item_code == code)
                .values(status=status, status_changed_at=at, updated_at=at)
            )
        order_ids = {
            r[0]
            for r in conn.execute(
                sa.select(items.c.order_id).where(items.c.mall_id == mall_id, items.c.order_item_code.in_(list(statuses)))
            ).all()
        }
        for order_id in order_ids:
            current = [
                r[0]
                for r in conn.execute(
                    sa.select(items.c.status).where(items.c.mall_id == mall_id, items.c.order_id == order_id)
                ).all()
            ]
            conn.execute(
                orders.update()
                .where(orders.c.mall_id == mall_id, orders.c.order_id == order_id)
                .values(status=order_status_of(current), updated_at=at)
            )

    def set_tracking(self, mall_id: str, codes: Sequence[str], *, shipment: Mapping[str, Any], at: datetime) -> None:
        """Tracking number, carrier and label of a shipment on its OMS items."""
        items = schema.oms_order_items
        with self.store.transaction() as conn:
            conn.execute(
                items.update()
                .where(items.c.mall_id == mall_id, items.c.order_item_code.in_(list(codes)))
                .values(
                    shipping_code=shipment.get("cafe24_shipping_code"),
                    tracking_number=shipment.get("tracking_number"),
                    carrier=shipment.get("shipping_company_code"),
                    label_path=shipment.get("label_path"),
                    label_format="pdf" if shipment.get("label_path") else None,
                    packed_at=at,
                    updated_at=at,
                )
            )

    # --- the WMS inbox --------------------------------------------------------------------------

    def add_wms_event(
        self,
        mall_id: str,
        order_id: str,
        *,
        event_type: str = "picked",
        order_item_codes: Sequence[str] | None = None,
        dedupe_key: str | None = None,
        at: datetime,
    ) -> bool:
        t = schema.wms_events
        key = dedupe_key or f"{event_type}:{order_id}:{','.join(sorted(order_item_codes or []))}"
        with self.store.transaction() as conn:
            if conn.execute(sa.select(t.c.id).where(t.c.mall_id == mall_id, t.c.dedupe_key == key)).first():
                return False
            conn.execute(
                t.insert().values(
                    mall_id=mall_id,
                    event_type=event_type,
                    order_id=order_id,
                    order_item_codes=json.dumps(list(order_item_codes)) if order_item_codes else None,
                    dedupe_key=key,
                    status="pending",
                    received_at=at,
                )
            )
        return True

    def pending_wms_events(self, mall_id: str | None = None, *, limit: int = 200) -> list[dict[str, Any]]:
        t = schema.wms_events
        query = sa.select(t).where(t.c.status == "pending")
        if mall_id is not None:
            query = query.where(t.c.mall_id == mall_id)
        rows = self.store.read(query.order_by(t.c.id).limit(limit)).to_dicts()
        for row in rows:
            row["order_item_codes"] = _json_list(row["order_item_codes"]) or None
        return rows

    def finish_wms_event(self, event_id: int, *, status: str, error: str | None, at: datetime) -> None:
        t = schema.wms_events
        with self.store.transaction() as conn:
            conn.execute(t.update().where(t.c.id == event_id).values(status=status, error=error, processed_at=at))


_TRANSITION_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "order_id": pl.String,
    "order_item_code": pl.String,
    "action": pl.String,
    "actor": pl.String,
    "from_status": pl.String,
    "to_status": pl.String,
    "shipment_id": pl.String,
    "cafe24_request": pl.String,
    "cafe24_response": pl.String,
    "result": pl.String,
    "error": pl.String,
    "run_id": pl.String,
    "mall_id": pl.String,
    "at": pl.Datetime("us", "UTC"),
}


def _shipment_schema(values: Mapping[str, Any]) -> dict[str, pl.DataType | type[pl.DataType]]:
    types: dict[str, pl.DataType | type[pl.DataType]] = {}
    for key in values:
        if key == "shop_no":
            types[key] = pl.Int64
        elif key.endswith("_at"):
            types[key] = pl.Datetime("us", "UTC")
        else:
            types[key] = pl.String
    return types


def _dumps(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _json_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    decoded = json.loads(value)
    return [str(v) for v in decoded] if isinstance(decoded, list) else []
