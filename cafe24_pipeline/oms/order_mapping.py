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
from datetime import datetime

import polars as pl

from cafe24_pipeline.oms.order_state import merge_observed, order_status_of
from cafe24_pipeline.oms.status_map import STATUS_MAP_VERSION, ItemNeed, is_known, map_code, order_in_stock

OMS_ITEM_SCHEMA = {
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

OMS_ORDER_SCHEMA = {
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


def map_orders(
    orders: pl.DataFrame,
    items: pl.DataFrame,
    *,
    stock_by_sku: Mapping[str, int],
    current_items: Mapping[str, Mapping[str, object]],
    current_created_at: Mapping[str, datetime],
    now: datetime,
) -> OmsMapping:
    """OMS rows for `orders` (cafe24_orders shape) and their `items` (cafe24_order_items shape).

    `current_items` holds the stored OMS items by order_item_code (`status`, `created_at`,
    `status_changed_at`, and the shipping fields kept when Cafe24 has none) and `current_created_at` the OMS orders' creation times by order_id; both
    may be empty. Creation and change times are carried over so re-runs rewrite identical rows.
    """
    order_rows = {r["order_id"]: r for r in orders.iter_rows(named=True)}
    by_order: dict[str, list[dict]] = {}
    for item in items.iter_rows(named=True):
        by_order.setdefault(item["order_id"], []).append(item)

    oms_items: list[dict] = []
    oms_orders: list[dict] = []
    item_status: dict[str, str | None] = {}
    unmapped: list[dict[str, str]] = []
    for order_id, its in by_order.items():
        bad = [i for i in its if not is_known(i["order_status"])]
        if bad:
            for i in bad:
                unmapped.append(
                    {"order_id": order_id, "order_item_code": i["order_item_code"], "order_status": str(i["order_status"])}
                )
            for i in its:
                item_status[i["order_item_code"]] = None
            continue
        in_stock = order_in_stock(
            (ItemNeed(i["sku"], int(i["quantity"] or 0), i["order_status"]) for i in its), stock_by_sku
        )
        statuses = []
        for i in its:
            code = i["order_item_code"]
            observed = map_code(i["order_status"], in_stock=in_stock, where=code)
            stored = current_items.get(code) or {}
            previous = stored.get("status")
            status = merge_observed(previous, observed)  # type: ignore[arg-type]
            statuses.append(status)
            item_status[code] = status
            oms_items.append(
                {
                    "mall_id": i["mall_id"],
                    "order_item_code": code,
                    "order_id": order_id,
                    "shop_no": i["shop_no"],
                    "sku": i["sku"],
                    "quantity": i["quantity"],
                    "status": status,
                    # Cafe24's value when it has one; else keep what the OMS recorded (e.g. a tracking
                    # number generated by fulfilment and not pushed yet).
                    "shipping_code": i["shipping_code"] or stored.get("shipping_code"),
                    "tracking_number": i["tracking_no"] or stored.get("tracking_number"),
                    "carrier": i["shipping_company_code"] or stored.get("carrier"),
                    "shipped_at": i["shipbegin_date"] or stored.get("shipped_at"),
                    "delivered_at": i["shipend_date"] or stored.get("delivered_at"),
                    "status_changed_at": now if previous != status else stored.get("status_changed_at"),
                    "created_at": stored.get("created_at") or now,
                    "updated_at": now,
                }
            )
        order = order_rows.get(order_id)
        if order is None:
            raise ValueError(f"items of order {order_id} given without the order")
        oms_orders.append(
            {
                "mall_id": order["mall_id"],
                "order_id": order_id,
                "shop_no": order["shop_no"],
                "status": order_status_of(statuses),
                "order_date": order["order_date"],
                "order_date_kst": order["order_date_kst"],
                "payment_amount": order["payment_amount"],
                "currency": order["currency"],
                "imported_backfill": order["imported_backfill"],
                "status_map_version": STATUS_MAP_VERSION,
                "created_at": current_created_at.get(order_id, now),
                "updated_at": now,
            }
        )
    return OmsMapping(
        items=pl.DataFrame(oms_items, schema=OMS_ITEM_SCHEMA, orient="row"),
        orders=pl.DataFrame(oms_orders, schema=OMS_ORDER_SCHEMA, orient="row"),
        item_oms_status=item_status,
        unmapped=unmapped,
    )
