"""Asset checks on the order tables; they read the store (not IO-manager inputs, STYLE.md D5).

Run with a mall × day partition they look at that mall and day (a range: those days); run alone
they look at the whole store. Each failure lists the offending rows in its metadata.
"""

from datetime import date

import dagster as dg
from dagster import AssetCheckExecutionContext
import polars as pl

from cafe24_pipeline.assets.orders import OMS_ORDERS_KEY, ORDER_ITEMS_KEY, ORDERS_KEY, mall_day_of
from cafe24_pipeline.checks.order_schemas import (
    failures,
    order_items_mapped_schema,
    order_items_unique_schema,
    order_totals_frame,
    order_totals_schema,
)
from cafe24_pipeline.oms.status_map import STATUS_MAP_VERSION, unknown_codes
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.store.queries import order_day_rows, orders_without_oms_order


def _scope(context: AssetCheckExecutionContext) -> tuple[list[str] | None, list[date] | None]:
    op = context.op_execution_context
    keys: list[str] = []
    if op.has_partition_key:
        keys = [op.partition_key, *_days_this_run_wrote(context)]
    elif op.has_partition_key_range:
        keys = list(op.partition_keys)
    if not keys:
        return None, None
    malls, days = set(), set()
    for key in keys:
        dims = mall_day_of(key)
        malls.add(dims["mall"])
        days.add(date.fromisoformat(dims["day"]))
    return sorted(malls), sorted(days)


def _days_this_run_wrote(context: AssetCheckExecutionContext) -> list[str]:
    """A poll run (the 5-minute new orders, the status sweep) targets today's partition but also
    materializes every other day it wrote or imported (the 90 days of a first run): its checks
    look at all of those days, not at today alone."""
    from dagster import DagsterEventType

    records = context.instance.all_logs(context.run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
    return sorted(
        {r.dagster_event.partition for r in records if r.dagster_event is not None and r.dagster_event.partition is not None}
    )


def _items(store, context, columns) -> pl.DataFrame:  # noqa: ANN001
    malls, days = _scope(context)
    return order_day_rows(store, "cafe24_order_items", columns, malls, days)


def _sample(frame: pl.DataFrame, n: int = 20) -> dg.MetadataValue:
    return dg.MetadataValue.json(frame.head(n).with_columns(pl.all().cast(pl.String)).to_dicts())


@dg.asset_check(
    asset=ORDER_ITEMS_KEY,
    name="no_duplicate_order_item_code",
    blocking=True,
    description="order_item_code is unique within each mall (the item's natural key)",
)
def no_duplicate_order_item_code(context: AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    frame = _items(store.get_store(), context, ["mall_id", "order_item_code"])
    bad = failures(order_items_unique_schema, frame)
    return dg.AssetCheckResult(
        passed=bad.height == 0,
        metadata={"items": frame.height, "duplicates": bad.height, **({"sample": _sample(bad)} if bad.height else {})},
    )


@dg.asset_check(
    asset=ORDER_ITEMS_KEY,
    name="every_item_mapped",
    blocking=True,
    description="every Cafe24 status code is in the status table and got an OMS status (never defaulted)",
)
def every_item_mapped(context: AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    frame = _items(store.get_store(), context, ["mall_id", "order_item_code", "order_status", "oms_status"])
    bad = failures(order_items_mapped_schema, frame.select("order_item_code", "order_status", "oms_status"))
    unknown = unknown_codes(frame["order_status"].to_list())
    return dg.AssetCheckResult(
        passed=bad.height == 0,
        metadata={
            "items": frame.height,
            "unmapped_items": bad.height,
            "unknown_codes": dg.MetadataValue.json([str(c) for c in unknown]),
            "status_map_version": STATUS_MAP_VERSION,
            **({"sample": _sample(bad)} if bad.height else {}),
        },
    )


@dg.asset_check(
    asset=ORDERS_KEY,
    name="order_totals_consistent",
    description="order_price_amount = Σ (product_price + option_price) × quantity of live items; "
    "every order has items and every item its order",
)
def order_totals_consistent(context: AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    s = store.get_store()
    malls, days = _scope(context)
    orders = order_day_rows(s, "cafe24_orders", ["mall_id", "shop_no", "order_id", "order_price_amount"], malls, days)
    items = _items(s, context, ["mall_id", "order_id", "order_status", "product_price", "option_price", "quantity"])
    facts = order_totals_frame(orders, items)
    bad = failures(order_totals_schema, facts)
    return dg.AssetCheckResult(
        passed=bad.height == 0,
        metadata={"orders": orders.height, "inconsistent": bad.height, **({"sample": _sample(bad)} if bad.height else {})},
    )


@dg.asset_check(
    asset=OMS_ORDERS_KEY, name="oms_orders_cover_mirror", description="every mirrored order with mapped items has an OMS order"
)
def oms_orders_cover_mirror(context: AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    s = store.get_store()
    malls, days = _scope(context)
    # Orders held back because of an unknown status code are reported by every_item_mapped instead.
    missing = orders_without_oms_order(s, malls, days)
    return dg.AssetCheckResult(
        passed=missing.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"missing_oms_orders": missing.height, **({"sample": _sample(missing)} if missing.height else {})},
    )


order_checks = [no_duplicate_order_item_code, every_item_mapped, order_totals_consistent, oms_orders_cover_mirror]
