"""Client `Order` records → polars frames shaped like the store's order tables (DESIGN.md §5).

Timestamps become UTC; each order and item also carries `order_date_kst`, the Korean business
day analysts group by. Money stays Decimal (polars Decimal(18,2)). Buyer data is not copied at all;
receiver name/phone/address go only to `cafe24_order_receivers`, the one personal-data table,
because fulfilment needs them to ship. The raw item JSON kept for audit goes through
`cafe24.personal.without_personal` (refund account and any buyer/receiver field dropped).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import polars as pl

from cafe24_pipeline.cafe24.models import Order, OrderItem, Receiver
from cafe24_pipeline.cafe24.personal import without_personal

KST = ZoneInfo("Asia/Seoul")
MONEY = pl.Decimal(18, 2)
UTC_TS = pl.Datetime("us", "UTC")

ORDER_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
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

ITEM_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
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

RECEIVER_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
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

    Built column by column (DESIGN.md §8: local work is never the bottleneck): timestamps travel
    as UTC epoch microseconds and money as its exact decimal text, and polars casts whole columns;
    handing polars Python datetimes and Decimals one by one costs several microseconds a value.
    """
    synced_at = synced_at.astimezone(timezone.utc)
    by_id: dict[tuple[int, str], Order] = {}
    for order in orders:
        if order.order_date is None:
            raise OrderRecordError(f"order {order.order_id} (shop {order.shop_no}) has no order_date")
        by_id[(order.shop_no, order.order_id)] = order

    oc: dict[str, list[Any]] = {name: [] for name in _ORDER_BUILT}
    ic: dict[str, list[Any]] = {name: [] for name in _ITEM_BUILT}
    receiver_rows: list[tuple[Any, ...]] = []
    dumps = json.dumps
    encode_raw = encode_raw_json
    for order in by_id.values():
        amounts = order.actual_order_amount or order.initial_order_amount or {}
        ordered_us = _epoch_us(order.order_date)
        oc["shop_no"].append(order.shop_no)
        oc["order_id"].append(order.order_id)
        oc["order_date"].append(ordered_us)
        oc["payment_date"].append(_epoch_us(order.payment_date))
        oc["paid"].append(_flag(order.paid))
        oc["canceled"].append(_flag(order.canceled))
        oc["order_price_amount"].append(_money_text(amounts.get("order_price_amount")))
        oc["shipping_fee"].append(_money_text(amounts.get("shipping_fee")))
        oc["payment_amount"].append(_money_text(order.payment_amount))
        oc["currency"].append(order.currency)
        oc["payment_method"].append(dumps(list(order.payment_method)))
        oc["order_place_id"].append(order.order_place_id)
        oc["order_place_name"].append(order.order_place_name)
        oc["shipping_status"].append(order.shipping_status)
        oc["first_order"].append(order.first_order)
        seen_items: set[str] = set()
        for item in order.items:
            if item.order_item_code in seen_items:
                continue
            seen_items.add(item.order_item_code)
            ic["order_item_code"].append(item.order_item_code)
            ic["shop_no"].append(order.shop_no)
            ic["order_id"].append(order.order_id)
            ic["item_no"].append(item.item_no)
            ic["product_no"].append(item.product_no)
            ic["product_code"].append(item.product_code)
            ic["variant_code"].append(item.variant_code)
            ic["sku"].append(item.custom_variant_code or item.custom_product_code or None)
            ic["product_name"].append(item.product_name)
            ic["option_value"].append(item.option_value)
            ic["quantity"].append(item.quantity)
            ic["product_price"].append(_money_text(item.product_price))
            ic["option_price"].append(_money_text(item.option_price))
            ic["additional_discount_price"].append(_money_text(item.additional_discount_price))
            ic["payment_amount"].append(_money_text(item.payment_amount))
            ic["order_status"].append(item.order_status)
            ic["status_text"].append(item.status_text)
            ic["shipping_code"].append(item.shipping_code)
            ic["tracking_no"].append(item.tracking_no)
            ic["shipping_company_code"].append(item.shipping_company_code)
            ic["shipping_company_name"].append(item.shipping_company_name)
            ic["order_date"].append(ordered_us)
            ic["shipbegin_date"].append(_epoch_us(item.shipped_date))
            ic["shipend_date"].append(_epoch_us(item.delivered_date))
            ic["cancel_date"].append(_epoch_us(item.cancel_date or item.cancel_request_date))
            ic["return_date"].append(_epoch_us(item.return_confirmed_date or item.return_request_date))
            ic["exchange_date"].append(_epoch_us(item.exchange_request_date))
            ic["purchaseconfirmation_date"].append(_epoch_us(item.purchaseconfirmation_date))
            ic["raw"].append(encode_raw(without_personal(item.raw)) if item.raw else None)
        for receiver in order.receivers:
            receiver_rows.append(_receiver_row(mall_id, order, receiver))

    receivers = pl.DataFrame(receiver_rows, schema=_RECEIVER_BUILT, orient="row").with_columns(
        _constant("synced_at", synced_at, UTC_TS, len(receiver_rows))
    )
    receivers = receivers.unique(subset=["mall_id", "shop_no", "order_id", "shipping_code"], keep="last")
    common = {"mall_id": mall_id, "imported_backfill": imported_backfill, "synced_at": synced_at}
    return OrderFrames(
        orders=_with_hash(_columns_frame(oc, ORDER_SCHEMA, common)),
        items=_with_hash(_columns_frame(ic, ITEM_SCHEMA, common)),
        receivers=receivers,
    )


# Columns filled per row; the rest are batch-wide constants, derived, or left for the sync to fill.
_ORDER_BUILT = [
    c for c in ORDER_SCHEMA
    if c not in ("mall_id", "order_date_kst", "member_id", "imported_backfill", "synced_at", "content_hash")
]  # fmt: skip
_ITEM_BUILT = [
    c for c in ITEM_SCHEMA
    if c not in ("mall_id", "order_date_kst", "oms_status", "status_changed_at", "imported_backfill", "synced_at",
                 "content_hash")
]  # fmt: skip
# json.dumps(raw, ensure_ascii=False, default=str) for what orjson cannot encode (ints beyond 64 bits).
_RAW_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def encode_raw_json(raw: Any) -> str:
    """The item's raw JSON as compact UTF-8 text (orjson: about 10x json.dumps)."""
    try:
        return orjson.dumps(raw, default=str).decode()
    except (TypeError, orjson.JSONEncodeError):
        return _RAW_JSON.encode(raw)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_US = timedelta(microseconds=1)


def _epoch_us(value: datetime | None) -> int | None:
    """UTC epoch microseconds (exact integer arithmetic); naive values are KST like `to_utc`."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=KST)
    return (value - _EPOCH) // _ONE_US


def _money_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _columns_frame(
    columns: Mapping[str, list[Any] | pl.Series],
    schema: Mapping[str, pl.DataType | type[pl.DataType]],
    common: Mapping[str, Any],
) -> pl.DataFrame:
    """One frame in `schema` order from built columns, batch-wide constants and derived columns."""
    height = len(columns["order_id"])
    series: list[pl.Series] = []
    for name, dtype in schema.items():
        values = columns.get(name)
        if isinstance(values, pl.Series):  # built as a column (order_columns.py)
            s = values.alias(name)
            if s.dtype != dtype:
                s = s.cast(dtype)
        elif values is not None:
            if dtype == UTC_TS:
                s = pl.Series(name, values, dtype=pl.Int64).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
            elif dtype == MONEY:
                s = pl.Series(name, values, dtype=pl.String).cast(MONEY)
            else:
                s = pl.Series(name, values, dtype=dtype)
        elif name in common:
            s = _constant(name, common[name], dtype, height)
        else:
            s = pl.Series(name, [None] * height, dtype=dtype)
        series.append(s)
    frame = pl.DataFrame(series)
    # The Korean business day of the order (KST), from the UTC timestamp, for the whole column at once.
    return frame.with_columns(pl.col("order_date").dt.convert_time_zone("Asia/Seoul").dt.date().alias("order_date_kst"))


_RECEIVER_BUILT = {c: t for c, t in RECEIVER_SCHEMA.items() if c != "synced_at"}


def _constant(name: str, value: Any, dtype: pl.DataType | type[pl.DataType], height: int) -> pl.Series:
    """A column holding one value `height` times (converted from Python once, not per row)."""
    if height == 0:
        return pl.Series(name, [], dtype=dtype)
    return pl.Series(name, [value], dtype=dtype).extend_constant(value, height - 1)


def _receiver_row(mall_id: str, order: Order, receiver: Receiver) -> tuple[Any, ...]:
    return (
        mall_id,
        order.shop_no,
        order.order_id,
        receiver.shipping_code or "",
        receiver.name,
        receiver.phone,
        receiver.cellphone,
        receiver.zipcode,
        receiver.address1,
        receiver.address2,
        receiver.address_full,
        receiver.country_code,
        receiver.shipping_message,
    )


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


def combine_pages(pages: Sequence[OrderFrames]) -> OrderFrames:
    """Consecutive pages as one batch. An order on two pages (Cafe24's offset paging shifts when an
    order arrives mid-scan) keeps its later copy whole: order, items and receivers of that page."""
    if len(pages) == 1:
        return pages[0]
    key = ["shop_no", "order_id"]
    kept: list[OrderFrames] = []
    later = pl.DataFrame(schema={"shop_no": ORDER_SCHEMA["shop_no"], "order_id": pl.String})
    for page in reversed(pages):
        if later.height:
            page = OrderFrames(
                orders=page.orders.join(later, on=key, how="anti"),
                items=page.items.join(later, on=key, how="anti"),
                receivers=page.receivers.join(later, on=key, how="anti"),
            )
        kept.append(page)
        later = pl.concat([later, page.orders.select(key)], how="vertical_relaxed")
    kept.reverse()
    return OrderFrames(
        orders=pl.concat([p.orders for p in kept], how="vertical_relaxed"),
        items=pl.concat([p.items for p in kept], how="vertical_relaxed"),
        receivers=pl.concat([p.receivers for p in kept], how="vertical_relaxed"),
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
