"""Asset checks on the order tables; they read the store (not IO-manager inputs, STYLE.md D5).

Run with a mall × day partition they look at that mall and day (a range: those days); run alone
they look at the whole store. Each failure lists the offending rows in its metadata.
"""


from datetime import date

import dagster as dg
from dagster import AssetCheckExecutionContext
import polars as pl
import sqlalchemy as sa

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
from cafe24_pipeline.store import schema as tables


def _scope(context: AssetCheckExecutionContext) -> tuple[list[str] | None, list[date] | None]:
    op = context.op_execution_context
    keys: list[str] = []
    if op.has_partition_key:
        keys = [op.partition_key]
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


def _items(store, context, columns) -> pl.DataFrame:  # noqa: ANN001
    malls, days = _scope(context)
    t = tables.cafe24_order_items
    stmt = sa.select(*[t.c[c] for c in columns])
    if malls is not None:
        stmt = stmt.where(t.c.mall_id.in_(malls), t.c.order_date_kst.in_(days))
    return store.read(stmt)


def _sample(frame: pl.DataFrame, n: int = 20) -> dg.MetadataValue:
    return dg.MetadataValue.json(frame.head(n).with_columns(pl.all().cast(pl.String)).to_dicts())


@dg.asset_check(asset=ORDER_ITEMS_KEY, name="no_duplicate_order_item_code", blocking=True,
                description="order_item_code is unique within each mall (the item's natural key)")
def no_duplicate_order_item_code(context: AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    frame = _items(store.get_store(), context, ["mall_id", "order_item_code"])
    bad = failures(order_items_unique_schema, frame)
    return dg.AssetCheckResult(
        passed=bad.height == 0,
        metadata={"items": frame.height, "duplicates": bad.height, **({"sample": _sample(bad)} if bad.height else {})},
    )


@dg.asset_check(asset=ORDER_ITEMS_KEY, name="every_item_mapped", blocking=True,
                description="every Cafe24 status code is in the status table and got an OMS status (never defaulted)")
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


@dg.asset_check(asset=ORDERS_KEY, name="order_totals_consistent",
                description="order_price_amount = Σ (product_price + option_price) × quantity of live items; "
                            "every order has items and every item its order")
def order_totals_consistent(context: AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    s = store.get_store()
    malls, days = _scope(context)
    o = tables.cafe24_orders
    stmt = sa.select(o.c.mall_id, o.c.shop_no, o.c.order_id, o.c.order_price_amount)
    if malls is not None:
        stmt = stmt.where(o.c.mall_id.in_(malls), o.c.order_date_kst.in_(days))
    orders = s.read(stmt)
    items = _items(s, context, ["mall_id", "order_id", "order_status", "product_price", "option_price", "quantity"])
    facts = order_totals_frame(orders, items)
    bad = failures(order_totals_schema, facts)
    return dg.AssetCheckResult(
        passed=bad.height == 0,
        metadata={"orders": orders.height, "inconsistent": bad.height, **({"sample": _sample(bad)} if bad.height else {})},
    )


@dg.asset_check(asset=OMS_ORDERS_KEY, name="oms_orders_cover_mirror",
                description="every mirrored order with mapped items has an OMS order")
def oms_orders_cover_mirror(context: AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    s = store.get_store()
    malls, days = _scope(context)
    o, oms = tables.cafe24_orders, tables.oms_orders
    stmt = (
        sa.select(o.c.mall_id, o.c.order_id)
        .select_from(o.outerjoin(oms, sa.and_(oms.c.mall_id == o.c.mall_id, oms.c.order_id == o.c.order_id)))
        .where(oms.c.order_id.is_(None))
    )
    if malls is not None:
        stmt = stmt.where(o.c.mall_id.in_(malls), o.c.order_date_kst.in_(days))
    missing = s.read(stmt)
    # Orders held back because of an unknown status code are reported by every_item_mapped instead.
    i = tables.cafe24_order_items
    held = s.read(sa.select(i.c.mall_id, i.c.order_id).where(i.c.oms_status.is_(None)).distinct())
    missing = missing.join(held, on=["mall_id", "order_id"], how="anti") if held.height else missing
    return dg.AssetCheckResult(
        passed=missing.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"missing_oms_orders": missing.height, **({"sample": _sample(missing)} if missing.height else {})},
    )


order_checks = [no_duplicate_order_item_code, every_item_mapped, order_totals_consistent, oms_orders_cover_mirror]
