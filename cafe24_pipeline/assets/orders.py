"""Order assets (thin: the work is in `sync/orders.py`).

- `cafe24/orders`, `cafe24/order_items`, `cafe24/order_status_history`: one multi-asset partitioned by
  mall × KST order day. Materializing a range (e.g. the 90 days of a new mall) runs as ONE run that
  imports the days newest first, in windows, committing page by page.
- `oms/orders`: the same partitions, re-derived from the stored items with the §6 status map and
  current OMS stock (no API calls), so a stock change can turn Partial orders into New.
- `cafe24/order_reconciliation`: one mall × day, Cafe24 vs our tables; its findings are an asset check.

The 5-minute and 30-minute polls are jobs over the mall partitions (`schedules/orders.py`) that run
the same core and report materializations of the day partitions they touched.
"""


from collections import defaultdict
from datetime import date, timedelta

import dagster as dg
from dagster import AssetExecutionContext, OpExecutionContext
import polars as pl
import sqlalchemy as sa

from cafe24_pipeline.oms.order_reconciliation import day_window, reconcile, summarize
from cafe24_pipeline.partitions import mall_order_day_partitions
from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.store import schema as tables
from cafe24_pipeline.sync.order_frames import order_frames
from cafe24_pipeline.sync.orders import KST, OrderSync, OrderSyncConfig, SyncReport

ORDERS_KEY = dg.AssetKey(["cafe24", "orders"])
ORDER_ITEMS_KEY = dg.AssetKey(["cafe24", "order_items"])
ORDER_HISTORY_KEY = dg.AssetKey(["cafe24", "order_status_history"])
OMS_ORDERS_KEY = dg.AssetKey(["oms", "orders"])
RECONCILIATION_KEY = dg.AssetKey(["cafe24", "order_reconciliation"])
MIRROR_KEYS = (ORDERS_KEY, ORDER_ITEMS_KEY, ORDER_HISTORY_KEY)
RECONCILIATION_CHECK = "no_reconciliation_findings"

GROUP = "orders"
API_RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def mall_day_of(key: str) -> dict[str, str]:
    """{"mall": ..., "day": ...} of a mall × day partition key (object or its string form)."""
    if not isinstance(key, dg.MultiPartitionKey):
        key = mall_order_day_partitions.get_partition_key_from_str(key)
    return key.keys_by_dimension


def mall_days(context: AssetExecutionContext | OpExecutionContext) -> dict[str, list[date]]:
    """The run's mall × day partitions grouped by mall (one key, or a single-run range)."""
    by_mall: dict[str, list[date]] = defaultdict(list)
    for key in context.partition_keys:
        dims = mall_day_of(key)
        by_mall[dims["mall"]].append(date.fromisoformat(dims["day"]))
    return dict(by_mall)


def report_metadata(report: SyncReport) -> dict[str, dg.MetadataValue | int | str | None]:
    meta: dict = dict(report.as_metadata())
    if report.skipped:
        meta["skipped_sample"] = dg.MetadataValue.json(report.skipped[:20])
    if report.unmapped:
        meta["unmapped_sample"] = dg.MetadataValue.json(report.unmapped[:20])
    return meta


@dg.multi_asset(
    specs=[
        dg.AssetSpec(ORDERS_KEY, description="Cafe24 orders (one row per order, UTC times + KST order day)",
                     kinds={"sql"}, group_name=GROUP, metadata={"dagster/table_name": "cafe24_orders"}),
        dg.AssetSpec(ORDER_ITEMS_KEY, description="Cafe24 order items: status per item, SKU, exact KRW amounts",
                     kinds={"sql"}, group_name=GROUP, deps=[ORDERS_KEY],
                     metadata={"dagster/table_name": "cafe24_order_items"}),
        dg.AssetSpec(ORDER_HISTORY_KEY, description="One row per observed change of an item's Cafe24 status",
                     kinds={"sql"}, group_name=GROUP, deps=[ORDER_ITEMS_KEY],
                     metadata={"dagster/table_name": "cafe24_order_status_history"}),
    ],
    partitions_def=mall_order_day_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    retry_policy=API_RETRY,
    can_subset=False,
    name="cafe24_order_days",
)
def cafe24_order_days(context: AssetExecutionContext, store: StoreResource, cafe24: Cafe24Resource):
    """Import the selected KST days of the selected malls (all shops), newest day first."""
    total = SyncReport("*", "orders.import")
    config = OrderSyncConfig.from_env()
    for mall_id, days in mall_days(context).items():
        with cafe24.client(mall_id) as client:
            sync = OrderSync(store.get_store(), client, mall_id, config=config)
            with sync.lease():
                report = sync.import_days(days)
        context.log.info(
            f"mall {mall_id}: {len(days)} day(s), fetched {report.fetched}, stored {report.stored_orders} orders / "
            f"{report.stored_items} items, {report.history_rows} status changes, skipped {len(report.skipped)}"
        )
        total.absorb(report)
    meta = report_metadata(total)
    yield dg.MaterializeResult(asset_key=ORDERS_KEY, metadata={**meta, "dagster/partition_row_count": total.stored_orders})
    yield dg.MaterializeResult(asset_key=ORDER_ITEMS_KEY, metadata={**meta, "dagster/partition_row_count": total.stored_items})
    yield dg.MaterializeResult(asset_key=ORDER_HISTORY_KEY, metadata={"history_rows": total.history_rows})


@dg.asset(
    key=OMS_ORDERS_KEY,
    deps=[ORDER_ITEMS_KEY],
    partitions_def=mall_order_day_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name=GROUP,
    kinds={"sql"},
    description="OMS orders and items with the DESIGN.md §6 status (New vs Partial by OMS stock)",
    metadata={"dagster/table_name": "oms_orders"},
)
def oms_orders(context: AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    total = SyncReport("*", "oms.orders")
    for mall_id, days in mall_days(context).items():
        total.absorb(OrderSync(store.get_store(), None, mall_id).remap_oms(days))
    return dg.MaterializeResult(metadata={**report_metadata(total), "dagster/partition_row_count": total.oms_orders})


@dg.asset(
    key=RECONCILIATION_KEY,
    deps=[ORDERS_KEY, ORDER_ITEMS_KEY],
    partitions_def=mall_order_day_partitions,
    group_name=GROUP,
    kinds={"sql"},
    retry_policy=API_RETRY,
    description="Cafe24 vs our tables for one KST day (1-hour edge buffer): missing orders, status drift, amounts",
    check_specs=[dg.AssetCheckSpec(RECONCILIATION_CHECK, asset=RECONCILIATION_KEY,
                                   description="Cafe24 and our order tables agree for the day")],
)
def cafe24_order_reconciliation(
    context: AssetExecutionContext, store: StoreResource, cafe24: Cafe24Resource
) -> dg.MaterializeResult:
    dims = mall_day_of(context.partition_key)
    mall_id, day = dims["mall"], date.fromisoformat(dims["day"])
    with cafe24.client(mall_id) as client:
        findings, counts = reconcile_day(store.get_store(), client, mall_id, day)
    passed = findings.height == 0
    preview = findings.head(50)
    meta = {
        **counts,
        "findings": findings.height,
        "day": day.isoformat(),
        "mall": mall_id,
    }
    if findings.height:
        meta["findings_sample"] = dg.MetadataValue.md(_markdown(preview))
    return dg.MaterializeResult(
        metadata=meta,
        check_results=[
            dg.AssetCheckResult(
                check_name=RECONCILIATION_CHECK,
                passed=passed,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={**counts, **({"findings_sample": dg.MetadataValue.md(_markdown(preview))} if not passed else {})},
            )
        ],
    )


def reconcile_day(store, client, mall_id: str, day: date) -> tuple[pl.DataFrame, dict[str, int]]:  # noqa: ANN001
    """Fetch Cafe24's orders for the buffered window of `day` and compare with the store."""
    window = day_window(day)
    sync = OrderSync(store, client, mall_id)
    fetched = []
    for shop_no in sync.shop_nos():
        pages = client.iter_orders(
            shop_no, window.read_start.astimezone(KST).date(), (window.read_end - timedelta(microseconds=1)).astimezone(KST).date(),
            date_type="order_date", embed=("items",),
        )
        for page in pages:
            fetched.extend(o for o in page.records if o.order_date is not None)
    theirs = order_frames(mall_id, fetched, synced_at=window.end)
    o, i = tables.cafe24_orders, tables.cafe24_order_items
    start_utc, end_utc = window.read_start, window.read_end
    ours_orders = store.read(
        sa.select(o.c.order_id, o.c.shop_no, o.c.order_date, o.c.payment_amount).where(
            o.c.mall_id == mall_id, o.c.order_date >= start_utc, o.c.order_date < end_utc
        )
    )
    candidate_ids = sorted(set(ours_orders["order_id"].to_list()) | set(theirs.orders["order_id"].to_list()))
    ours_any = store.read(
        sa.select(o.c.order_id, o.c.shop_no, o.c.order_date, o.c.payment_amount).where(
            o.c.mall_id == mall_id, o.c.order_id.in_(candidate_ids)
        )
    )
    ours_items = store.read(
        sa.select(i.c.order_item_code, i.c.order_id, i.c.order_status, i.c.quantity, i.c.product_price).where(
            i.c.mall_id == mall_id, i.c.order_id.in_(candidate_ids)
        )
    )
    if ours_any.height == 0:
        ours_any = theirs.orders.select("order_id", "shop_no", "order_date", "payment_amount").clear()
        ours_items = theirs.items.select("order_item_code", "order_id", "order_status", "quantity", "product_price").clear()
    findings = reconcile(theirs.orders, theirs.items, ours_any, ours_items, window)
    counts = summarize(findings)
    counts["cafe24_orders"] = theirs.orders.height
    counts["store_orders"] = ours_orders.height
    return findings, counts


def _markdown(frame: pl.DataFrame) -> str:
    cols = frame.columns
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.iter_rows():
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines)


order_assets = [cafe24_order_days, oms_orders, cafe24_order_reconciliation]
