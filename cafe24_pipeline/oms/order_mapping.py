"""Cafe24 order items → OMS statuses for items and orders (DESIGN.md §6), given OMS stock.

Pure: frames and dicts in, frames out. Per order:
1. every item's Cafe24 code must be in the status table; an order with an unknown code is *not*
   mapped (its items keep `oms_status` null and the order is reported in `unmapped`), so the
   status-mapping check fails loudly instead of a default hiding the problem;
2. the FULFIL group (N10/N20/C11) becomes New when the OMS holds enough stock for every such item
   of the order, else Partial;
3. the observation is merged into the current OMS status (`order_state.merge_observed`) so OMS-owned
   progress (RFP, a pending Ready_to_Ship, a seller cancellation) is not undone;
4. the order's status is derived from its items (`order_state.order_status_of`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import cast

import polars as pl

from cafe24_pipeline.oms.order_state import merge_observed, order_status_of
from cafe24_pipeline.oms.status_map import STATUS_MAP_VERSION, ItemNeed, is_known, map_code, order_in_stock

OMS_ITEM_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "mall_id": pl.String,
    "order_item_code": pl.String,
    "order_id": pl.String,
    "shop_no": pl.Int64,
    "sku": pl.String,
    "quantity": pl.Int64,
    "status": pl.String,
    "shipping_code": pl.String,
    "tracking_number": pl.String,
    "carrier": pl.String,
    "shipped_at": pl.Datetime("us", "UTC"),
    "delivered_at": pl.Datetime("us", "UTC"),
    "status_changed_at": pl.Datetime("us", "UTC"),
    "created_at": pl.Datetime("us", "UTC"),
    "updated_at": pl.Datetime("us", "UTC"),
}

OMS_ORDER_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "mall_id": pl.String,
    "order_id": pl.String,
    "shop_no": pl.Int64,
    "status": pl.String,
    "order_date": pl.Datetime("us", "UTC"),
    "order_date_kst": pl.Date,
    "payment_amount": pl.Decimal(18, 2),
    "currency": pl.String,
    "imported_backfill": pl.Boolean,
    "status_map_version": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "updated_at": pl.Datetime("us", "UTC"),
}


@dataclass(frozen=True)
class OmsMapping:
    items: pl.DataFrame  # OMS_ITEM_SCHEMA
    orders: pl.DataFrame  # OMS_ORDER_SCHEMA
    item_oms_status: dict[str, str | None]  # order_item_code -> OMS status written back to cafe24_order_items
    unmapped: list[dict[str, str]]  # {"order_id", "order_item_code", "order_status"} with unknown codes


CURRENT_ITEM_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "order_item_code": pl.String,
    "status": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "status_changed_at": pl.Datetime("us", "UTC"),
    "shipping_code": pl.String,
    "tracking_number": pl.String,
    "carrier": pl.String,
    "shipped_at": pl.Datetime("us", "UTC"),
    "delivered_at": pl.Datetime("us", "UTC"),
}
CURRENT_CREATED_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "order_id": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
}


def map_orders(
    orders: pl.DataFrame,
    items: pl.DataFrame,
    *,
    stock_by_sku: Mapping[str, int],
    current_items: Mapping[str, Mapping[str, object]] | pl.DataFrame,
    current_created_at: Mapping[str, datetime] | pl.DataFrame,
    now: datetime,
) -> OmsMapping:
    """OMS rows for `orders` (cafe24_orders shape) and their `items` (cafe24_order_items shape).

    `current_items` holds the stored OMS items by order_item_code (`status`, `created_at`,
    `status_changed_at`, and the shipping fields kept when Cafe24 has none) and `current_created_at` the OMS orders' creation times by order_id; both
    may be empty, and both may be given as frames (CURRENT_ITEM_SCHEMA / CURRENT_CREATED_SCHEMA columns,
    as the store reads them). Creation and change times are carried over so re-runs rewrite identical rows.

    Only the status decisions run per item in Python (memoised: a page has few distinct cases);
    the rows themselves are assembled by polars joins, so a page of 1,000 orders costs milliseconds.
    """
    current = _current_items_frame(current_items)
    created = _current_created_frame(current_created_at)
    joined = items.join(
        current.rename({c: f"_cur_{c}" for c in current.columns if c != "order_item_code"}),
        on="order_item_code", how="left", maintain_order="left",
    )  # fmt: skip
    order_ids: list[str] = joined["order_id"].to_list()
    codes: list[str] = joined["order_item_code"].to_list()
    cafe24_status: list[object] = joined["order_status"].to_list()
    skus: list[str | None] = joined["sku"].to_list()
    quantities: list[int | None] = joined["quantity"].to_list()
    previous_status: list[str | None] = joined["_cur_status"].to_list()

    by_order: dict[str, list[int]] = {}
    for index, order_id in enumerate(order_ids):
        by_order.setdefault(order_id, []).append(index)

    item_status: dict[str, str | None] = {}
    unmapped: list[dict[str, str]] = []
    keep: list[int] = []  # rows of `joined` that become OMS items, grouped by order
    statuses: list[str] = []
    mapped_orders: list[str] = []
    order_statuses: list[str] = []
    merged: dict[tuple[str | None, str, bool], str] = {}
    for order_id, rows in by_order.items():
        bad = [r for r in rows if not is_known(cafe24_status[r])]
        if bad:
            for r in bad:
                unmapped.append({"order_id": order_id, "order_item_code": codes[r], "order_status": str(cafe24_status[r])})
            for r in rows:
                item_status[codes[r]] = None
            continue
        known = {r: cast(str, cafe24_status[r]) for r in rows}  # every code passed is_known() above
        needs = (ItemNeed(skus[r], int(quantities[r] or 0), known[r]) for r in rows)
        in_stock = order_in_stock(needs, stock_by_sku)
        its: list[str] = []
        for r in rows:
            key = (previous_status[r], known[r], in_stock)
            status = merged.get(key)
            if status is None:
                observed = map_code(known[r], in_stock=in_stock, where=codes[r])
                status = merge_observed(previous_status[r], observed)
                merged[key] = status
            its.append(status)
            item_status[codes[r]] = status
            keep.append(r)
        statuses.extend(its)
        mapped_orders.append(order_id)
        order_statuses.append(order_status_of(its))

    missing = set(mapped_orders) - set(orders["order_id"].to_list())
    if missing:
        raise ValueError(f"items of order {sorted(missing)[0]} given without the order")

    at = pl.lit(now.astimezone(timezone.utc), dtype=UTC)
    kept = joined[keep].with_columns(pl.Series("_status", statuses, dtype=pl.String))

    def cafe24_or_oms(cafe24: str, oms: str) -> pl.Expr:
        # Cafe24's value when it has one; else keep what the OMS recorded (e.g. a tracking
        # number generated by fulfilment and not pushed yet).
        value = pl.col(cafe24)
        if kept.schema[cafe24] == pl.String:
            return pl.when(value.is_not_null() & (value != "")).then(value).otherwise(pl.col(oms))
        return pl.coalesce(value, pl.col(oms))

    oms_items = kept.select(
        pl.col("mall_id").cast(pl.String),
        pl.col("order_item_code").cast(pl.String),
        pl.col("order_id").cast(pl.String),
        pl.col("shop_no").cast(pl.Int64),
        pl.col("sku").cast(pl.String),
        pl.col("quantity").cast(pl.Int64),
        pl.col("_status").alias("status"),
        cafe24_or_oms("shipping_code", "_cur_shipping_code").cast(pl.String).alias("shipping_code"),
        cafe24_or_oms("tracking_no", "_cur_tracking_number").cast(pl.String).alias("tracking_number"),
        cafe24_or_oms("shipping_company_code", "_cur_carrier").cast(pl.String).alias("carrier"),
        cafe24_or_oms("shipbegin_date", "_cur_shipped_at").cast(UTC).alias("shipped_at"),
        cafe24_or_oms("shipend_date", "_cur_delivered_at").cast(UTC).alias("delivered_at"),
        pl.when(pl.col("_cur_status").ne_missing(pl.col("_status"))).then(at)
        .otherwise(pl.col("_cur_status_changed_at")).cast(UTC).alias("status_changed_at"),
        pl.coalesce(pl.col("_cur_created_at"), at).cast(UTC).alias("created_at"),
        at.alias("updated_at"),
    )  # fmt: skip

    wanted = pl.DataFrame(
        {"order_id": mapped_orders, "_status": order_statuses}, schema={"order_id": pl.String, "_status": pl.String}
    )
    last_copy = orders.unique(subset=["order_id"], keep="last", maintain_order=True)
    oms_orders = (
        wanted.join(last_copy, on="order_id", how="left", maintain_order="left")
        .join(created.rename({"created_at": "_created_at"}), on="order_id", how="left", maintain_order="left")
        .select(
            pl.col("mall_id").cast(pl.String),
            pl.col("order_id").cast(pl.String),
            pl.col("shop_no").cast(pl.Int64),
            pl.col("_status").alias("status"),
            pl.col("order_date").cast(UTC),
            pl.col("order_date_kst").cast(pl.Date),
            pl.col("payment_amount").cast(pl.Decimal(18, 2)),
            pl.col("currency").cast(pl.String),
            pl.col("imported_backfill").cast(pl.Boolean),
            pl.lit(STATUS_MAP_VERSION, dtype=pl.String).alias("status_map_version"),
            pl.coalesce(pl.col("_created_at"), at).cast(UTC).alias("created_at"),
            at.alias("updated_at"),
        )
    )
    return OmsMapping(items=oms_items, orders=oms_orders, item_oms_status=item_status, unmapped=unmapped)


UTC = pl.Datetime("us", "UTC")


def _current_items_frame(current: Mapping[str, Mapping[str, object]] | pl.DataFrame) -> pl.DataFrame:
    if isinstance(current, pl.DataFrame):
        return current.select([pl.col(c).cast(t) if c in current.columns else pl.lit(None, dtype=t).alias(c)
                               for c, t in CURRENT_ITEM_SCHEMA.items()])  # fmt: skip
    rows = [(code, *(values.get(c) for c in list(CURRENT_ITEM_SCHEMA)[1:])) for code, values in current.items()]
    return pl.DataFrame(rows, schema=CURRENT_ITEM_SCHEMA, orient="row")


def _current_created_frame(current: Mapping[str, datetime] | pl.DataFrame) -> pl.DataFrame:
    if isinstance(current, pl.DataFrame):
        return current.select([pl.col(c).cast(t) for c, t in CURRENT_CREATED_SCHEMA.items()])
    return pl.DataFrame(list(current.items()), schema=CURRENT_CREATED_SCHEMA, orient="row")
