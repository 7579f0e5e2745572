"""Client `Order` records → polars frames shaped like the store's order tables (DESIGN.md §5).

Timestamps become UTC; each order and item also carries `order_date_kst`, the Korean business
day analysts group by. Money stays Decimal (polars Decimal(18,2)). Buyer data is not copied at all;
receiver name/phone/address go only to `cafe24_order_receivers`, the one personal-data table,
because fulfilment needs them to ship.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from cafe24_pipeline.cafe24.models import Order, OrderItem, Receiver

KST = ZoneInfo("Asia/Seoul")
MONEY = pl.Decimal(18, 2)
UTC_TS = pl.Datetime("us", "UTC")

ORDER_SCHEMA: dict[str, pl.DataType] = {
    "mall_id": pl.String,
    "shop_no": pl.Int64,
    "order_id": pl.String,
    "order_date": UTC_TS,
    "order_date_kst": pl.Date,
    "payment_date": UTC_TS,
    "paid": pl.Boolean,
    "canceled": pl.Boolean,
    "order_price_amount": MONEY,
    "shipping_fee": MONEY,
    "payment_amount": MONEY,
    "currency": pl.String,
    "payment_method": pl.String,  # JSON list, e.g. ["card"]
    "order_place_id": pl.String,
    "order_place_name": pl.String,
    "shipping_status": pl.String,
    "member_id": pl.String,
    "first_order": pl.Boolean,
    "imported_backfill": pl.Boolean,
    "synced_at": UTC_TS,
    "content_hash": pl.String,
}

ITEM_SCHEMA: dict[str, pl.DataType] = {
    "mall_id": pl.String,
    "order_item_code": pl.String,
    "shop_no": pl.Int64,
    "order_id": pl.String,
    "item_no": pl.Int64,
    "product_no": pl.Int64,
    "product_code": pl.String,
    "variant_code": pl.String,
    "sku": pl.String,
    "product_name": pl.String,
    "option_value": pl.String,
    "quantity": pl.Int64,
    "product_price": MONEY,
    "option_price": MONEY,
    "additional_discount_price": MONEY,
    "payment_amount": MONEY,
    "order_status": pl.String,
    "status_text": pl.String,
    "oms_status": pl.String,
    "shipping_code": pl.String,
    "tracking_no": pl.String,
    "shipping_company_code": pl.String,
    "shipping_company_name": pl.String,
    "order_date": UTC_TS,
    "order_date_kst": pl.Date,
    "shipbegin_date": UTC_TS,
    "shipend_date": UTC_TS,
    "cancel_date": UTC_TS,
    "return_date": UTC_TS,
    "exchange_date": UTC_TS,
    "purchaseconfirmation_date": UTC_TS,
    "status_changed_at": UTC_TS,
    "imported_backfill": pl.Boolean,
    "synced_at": UTC_TS,
    "content_hash": pl.String,
    "raw": pl.String,
}

RECEIVER_SCHEMA: dict[str, pl.DataType] = {
    "mall_id": pl.String,
    "shop_no": pl.Int64,
    "order_id": pl.String,
    "shipping_code": pl.String,
    "name": pl.String,
    "phone": pl.String,
    "cellphone": pl.String,
    "zipcode": pl.String,
    "address1": pl.String,
    "address2": pl.String,
    "address_full": pl.String,
    "country_code": pl.String,
    "shipping_message": pl.String,
    "synced_at": UTC_TS,
}


class OrderRecordError(ValueError):
    """An order the API returned that cannot be stored as is (e.g. no order date)."""


@dataclass(frozen=True)
class OrderFrames:
    orders: pl.DataFrame
    items: pl.DataFrame
    receivers: pl.DataFrame

    @property
    def order_ids(self) -> list[str]:
        return self.orders["order_id"].to_list()


def to_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:  # the client always attaches a zone; Cafe24 wall-clock times are KST
        value = value.replace(tzinfo=KST)
    return value.astimezone(timezone.utc)


def kst_day(value: datetime | None) -> date | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=KST)
    return value.astimezone(KST).date()


def item_sku(item: OrderItem) -> str | None:
    """DESIGN.md §5: the variant's custom_variant_code, else the product's custom_product_code."""
    return item.custom_variant_code or item.custom_product_code or None


def order_frames(
    mall_id: str,
    orders: Iterable[Order],
    *,
    synced_at: datetime,
    imported_backfill: bool = False,
) -> OrderFrames:
    """Frames for one batch of orders. An order listed twice (overlapping windows) keeps its last copy.

    `oms_status` and `status_changed_at` are left null here: they depend on OMS stock and on what
    the store already holds, and the sync fills them in (`sync/orders.py`).
    """
    synced_at = synced_at.astimezone(timezone.utc)
    by_id: dict[tuple[int, str], Order] = {}
    for order in orders:
        if order.order_date is None:
            raise OrderRecordError(f"order {order.order_id} (shop {order.shop_no}) has no order_date")
        by_id[(order.shop_no, order.order_id)] = order

    order_rows: list[dict[str, Any]] = []
    item_rows: list[dict[str, Any]] = []
    receiver_rows: list[dict[str, Any]] = []
    for order in by_id.values():
        amounts = order.actual_order_amount or order.initial_order_amount or {}
        ordered_utc = to_utc(order.order_date)
        row = {
            "mall_id": mall_id,
            "shop_no": order.shop_no,
            "order_id": order.order_id,
            "order_date": ordered_utc,
            "order_date_kst": kst_day(order.order_date),
            "payment_date": to_utc(order.payment_date),
            "paid": _flag(order.paid),
            "canceled": _flag(order.canceled),
            "order_price_amount": amounts.get("order_price_amount"),
            "shipping_fee": amounts.get("shipping_fee"),
            "payment_amount": order.payment_amount,
            "currency": order.currency,
            "payment_method": json.dumps(list(order.payment_method)),
            "order_place_id": order.order_place_id,
            "order_place_name": order.order_place_name,
            "shipping_status": order.shipping_status,
            "member_id": None,  # personal data: not needed for analysis or fulfilment
            "first_order": order.first_order,
            "imported_backfill": imported_backfill,
            "synced_at": synced_at,
        }
        order_rows.append(row)
        seen_items: set[str] = set()
        for item in order.items:
            if item.order_item_code in seen_items:
                continue
            seen_items.add(item.order_item_code)
            irow = {
                "mall_id": mall_id,
                "order_item_code": item.order_item_code,
                "shop_no": order.shop_no,
                "order_id": order.order_id,
                "item_no": item.item_no,
                "product_no": item.product_no,
                "product_code": item.product_code,
                "variant_code": item.variant_code,
                "sku": item_sku(item),
                "product_name": item.product_name,
                "option_value": item.option_value,
                "quantity": item.quantity,
                "product_price": item.product_price,
                "option_price": item.option_price,
                "additional_discount_price": item.additional_discount_price,
                "payment_amount": item.payment_amount,
                "order_status": item.order_status,
                "status_text": item.status_text,
                "oms_status": None,
                "shipping_code": item.shipping_code,
                "tracking_no": item.tracking_no,
                "shipping_company_code": item.shipping_company_code,
                "shipping_company_name": item.shipping_company_name,
                "order_date": ordered_utc,
                "order_date_kst": kst_day(order.order_date),
                "shipbegin_date": to_utc(item.shipped_date),
                "shipend_date": to_utc(item.delivered_date),
                "cancel_date": to_utc(item.cancel_date or item.cancel_request_date),
                "return_date": to_utc(item.return_confirmed_date or item.return_request_date),
                "exchange_date": to_utc(item.exchange_request_date),
                "purchaseconfirmation_date": to_utc(item.purchaseconfirmation_date),
                "status_changed_at": None,
                "imported_backfill": imported_backfill,
                "synced_at": synced_at,
            }
            irow["raw"] = json.dumps(item.raw, ensure_ascii=False, default=str) if item.raw else None
            item_rows.append(irow)
        for receiver in order.receivers:
            receiver_rows.append(_receiver_row(mall_id, order, receiver, synced_at))

    receivers = pl.DataFrame(receiver_rows, schema=RECEIVER_SCHEMA, orient="row")
    receivers = receivers.unique(subset=["mall_id", "shop_no", "order_id", "shipping_code"], keep="last")
    return OrderFrames(
        orders=_with_hash(pl.DataFrame(order_rows, schema=ORDER_SCHEMA, orient="row")),
        items=_with_hash(pl.DataFrame(item_rows, schema=ITEM_SCHEMA, orient="row")),
        receivers=receivers,
    )


def _receiver_row(mall_id: str, order: Order, receiver: Receiver, synced_at: datetime) -> dict[str, Any]:
    return {
        "mall_id": mall_id,
        "shop_no": order.shop_no,
        "order_id": order.order_id,
        "shipping_code": receiver.shipping_code or "",
        "name": receiver.name,
        "phone": receiver.phone,
        "cellphone": receiver.cellphone,
        "zipcode": receiver.zipcode,
        "address1": receiver.address1,
        "address2": receiver.address2,
        "address_full": receiver.address_full,
        "country_code": receiver.country_code,
        "shipping_message": receiver.shipping_message,
        "synced_at": synced_at,
    }


def _flag(value: str | None) -> bool | None:
    """Cafe24's T/F/M order flags: M (partly) counts as True, the column means "at least partly"."""
    if value is None:
        return None
    return value in ("T", "M")


_HASH_EXCLUDE = {"synced_at", "status_changed_at", "oms_status", "imported_backfill", "content_hash", "raw"}


def _with_hash(frame: pl.DataFrame) -> pl.DataFrame:
    """`content_hash`: SHA-256 of what Cafe24 said (not our bookkeeping), to tell real changes from repeats.

    The row's values are rendered to text by polars (vectorised; exact for Decimal and datetimes),
    then hashed; only the SHA-256 step is per row.
    """
    columns = [c for c in frame.columns if c not in _HASH_EXCLUDE]
    text = frame.select(
        pl.concat_str([pl.col(c).cast(pl.String).fill_null("\u2205") for c in columns], separator="\x1f")
    ).to_series()
    hashes = [hashlib.sha256(t.encode()).hexdigest() for t in text.to_list()]
    return frame.with_columns(pl.Series("content_hash", hashes, dtype=pl.String))


def empty_frames() -> OrderFrames:
    return OrderFrames(
        orders=pl.DataFrame(schema=ORDER_SCHEMA),
        items=pl.DataFrame(schema=ITEM_SCHEMA),
        receivers=pl.DataFrame(schema=RECEIVER_SCHEMA),
    )


def concat_frames(parts: Sequence[OrderFrames]) -> OrderFrames:
    if not parts:
        return empty_frames()
    return OrderFrames(
        orders=pl.concat([p.orders for p in parts]).unique(subset=["mall_id", "shop_no", "order_id"], keep="last"),
        items=pl.concat([p.items for p in parts]).unique(subset=["mall_id", "order_item_code"], keep="last"),
        receivers=pl.concat([p.receivers for p in parts]).unique(
            subset=["mall_id", "shop_no", "order_id", "shipping_code"], keep="last"
        ),
    )
