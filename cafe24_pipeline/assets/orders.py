"""Order assets (thin: the work is in `sync/orders.py`).

- `cafe24/orders`, `cafe24/order_items`, `cafe24/order_status_history`: one multi-asset partitioned by
  mall × KST order day. Materializing a range (e.g. the 90 days of a new mall) runs as ONE run that
  imports the days newest first, in windows, committing page by page.
- `oms/orders`: the same partitions, re-derived from the stored items with the §6 status map and
  current OMS stock (no API calls), so a stock change can turn Partial orders into New.
- `cafe24/order_reconciliation`: one mall × day, Cafe24 vs our tables; its findings are an asset check.

The 5-minute and 30-minute polls are asset jobs over the same assets (`schedules/orders.py`): a poll
run targets today's mall × day partition with config `mode: new` or `mode: status`, so its
materializations carry the same metadata and its checks run like an import's; the other days its
window wrote (late orders of yesterday, status changes of old orders) get materializations too.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from collections.abc import Mapping

import dagster as dg
from dagster import AssetExecutionContext, OpExecutionContext
import polars as pl

from cafe24_pipeline.assets.describe import row_count_metadata
from cafe24_pipeline.assets.mall_work import mall_client
from cafe24_pipeline.cafe24.models import Order
from cafe24_pipeline.oms.order_reconciliation import day_window, reconcile, summarize
from cafe24_pipeline.partitions import mall_order_day_partitions, order_days_partitions
from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.store.queries import oms_order_days_updated_since, orders_by_id, orders_placed_between
from cafe24_pipeline.sync.order_frames import order_frames
from cafe24_pipeline.sync.result import SyncResult, Timed
from cafe24_pipeline.sync.orders import KST, STREAM_NEW, STREAM_STATUS, OrderSync, OrderSyncConfig, SyncReport

ORDERS_KEY = dg.AssetKey(["cafe24", "orders"])
ORDER_ITEMS_KEY = dg.AssetKey(["cafe24", "order_items"])
ORDER_HISTORY_KEY = dg.AssetKey(["cafe24", "order_status_history"])
ORDER_RECEIVERS_KEY = dg.AssetKey(["cafe24", "order_receivers"])
OMS_ORDERS_KEY = dg.AssetKey(["oms", "orders"])
RECONCILIATION_KEY = dg.AssetKey(["cafe24", "order_reconciliation"])
MIRROR_KEYS = (ORDERS_KEY, ORDER_ITEMS_KEY, ORDER_HISTORY_KEY, ORDER_RECEIVERS_KEY)
RECONCILIATION_CHECK = "no_reconciliation_findings"

GROUP = "orders"
MODE_DAYS, MODE_NEW, MODE_STATUS = "days", "new", "status"
MODES = (MODE_DAYS, MODE_NEW, MODE_STATUS)
# API-calling steps share the instance's `cafe24_api` pool (deploy/dagster.yaml), like the catalogue's.
API_POOL = "cafe24_api"
API_RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def mall_day_of(key: str) -> Mapping[str, str]:
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


class OrderDaysConfig(dg.Config):
    """What one run of the order days does: import the run's KST days (`days`, the backfill path),
    poll new orders (`new`, the 5-minute poll and "Sync Orders") or poll status changes
    (`status`, every 30 minutes). Polls run on today's partition of the mall and also record the
    other days whose orders they wrote."""

    mode: str = MODE_DAYS
    since: str | None = None
    """mode `new` only, YYYY-MM-DD: (re-)import every KST day from this date to today before polling."""


def _poll(
    context: AssetExecutionContext, config: OrderDaysConfig, store: StoreResource, cafe24: Cafe24Resource, mall_id: str
) -> SyncReport:
    """One poll of the mall (new orders or status changes), holding its lease; a failure is recorded
    on the stream in sync_state before it propagates."""
    stream = STREAM_NEW if config.mode == MODE_NEW else STREAM_STATUS
    since = _since(config.since)
    with mall_client(context, store.get_store(), cafe24, mall_id, f"cafe24/{stream}") as client:
        sync = OrderSync(store.get_store(), client, mall_id, config=OrderSyncConfig.from_env())
        spent = SyncResult(mall_id, stream)
        try:
            with Timed(spent, client):
                if stream == STREAM_STATUS:
                    report = sync.sync_status_changes()
                else:
                    report = SyncReport(mall_id, STREAM_NEW)
                    if since is not None:
                        report.absorb(sync.initial_import(since=since))
                    new = sync.sync_new_orders()
                    report.absorb(new)
                    report.high_water_mark = new.high_water_mark
        except Exception as exc:
            sync.record_failure(stream, exc)
            raise
        return _with_cost(report, spent)


def _with_cost(report: SyncReport, spent: SyncResult) -> SyncReport:
    """The report with the API calls, 429s and time measured around it (OrderSync does not count them)."""
    report.api_calls += spent.api_calls
    report.rate_limited_429 += spent.rate_limited_429
    report.duration_s += spent.duration_s
    return report


def _since(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise dg.Failure(description=f"since must be a date like 2026-01-31, got {value!r}", allow_retries=False) from None


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ORDERS_KEY,
            description="Cafe24 orders (one row per order, UTC times + KST order day)",
            kinds={"cafe24", "sql"},
            group_name=GROUP,
        ),
        dg.AssetSpec(
            ORDER_ITEMS_KEY,
            description="Cafe24 order items: status per item, SKU, exact KRW amounts",
            kinds={"cafe24", "sql"},
            group_name=GROUP,
            deps=[ORDERS_KEY],
        ),
        dg.AssetSpec(
            ORDER_HISTORY_KEY,
            description="One row per observed change of an item's Cafe24 status",
            kinds={"cafe24", "sql"},
            group_name=GROUP,
            deps=[ORDER_ITEMS_KEY],
        ),
        dg.AssetSpec(
            ORDER_RECEIVERS_KEY,
            description="PERSONAL DATA: who receives each shipment (name, phones, "
            "address) for labels and delivery; restricted (docs/personal-data.md)",
            kinds={"cafe24", "sql"},
            group_name=GROUP,
            deps=[ORDERS_KEY],
        ),
    ],
    partitions_def=mall_order_day_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    retry_policy=API_RETRY,
    can_subset=False,
    pool=API_POOL,
    name="cafe24_order_days",
)
def cafe24_order_days(context: AssetExecutionContext, config: OrderDaysConfig, store: StoreResource, cafe24: Cafe24Resource):
    """Import the selected KST days of the selected malls (all shops), newest day first — or, in
    mode `new`/`status`, poll the mall and report every day the poll wrote."""
    if config.mode not in MODES:
        raise dg.Failure(description=f"unknown mode {config.mode!r}; use one of {', '.join(MODES)}", allow_retries=False)
    db = store.get_store()
    total = SyncReport("*", "orders.import" if config.mode == MODE_DAYS else config.mode)
    run_days = mall_days(context)
    for mall_id, days in run_days.items():
        if config.mode == MODE_DAYS:
            with mall_client(context, db, cafe24, mall_id, "cafe24/orders import") as client:
                spent = SyncResult(mall_id, "orders.import")
                with Timed(spent, client):
                    report = OrderSync(db, client, mall_id, config=OrderSyncConfig.from_env()).import_days(days)
                report = _with_cost(report, spent)
        else:
            report = _poll(context, config, store, cafe24, mall_id)
        context.log.info(
            f"mall {mall_id} ({config.mode}): {len(days)} day(s), fetched {report.fetched}, stored {report.stored_orders} "
            f"orders / {report.stored_items} items, {report.history_rows} status changes, "
            f"skipped {len(report.skipped)}, mark {report.high_water_mark}"
        )
        total.absorb(report)
        total.high_water_mark = report.high_water_mark
    meta = report_metadata(total)
    # the other days first, so the asset's latest materialization is the run's own partition
    _record_other_days(context, db, total, run_days, meta, MIRROR_KEYS)
    per_key = {
        ORDERS_KEY: {"stored": total.stored_orders},
        ORDER_ITEMS_KEY: {"stored": total.stored_items},
        ORDER_HISTORY_KEY: {"stored": total.history_rows},
        ORDER_RECEIVERS_KEY: {"stored": total.stored_orders},
    }
    for key in MIRROR_KEYS:
        counts = _row_counts(db, key, run_days)
        yield dg.MaterializeResult(asset_key=key, metadata={**meta, **counts, "rows_written": per_key[key]["stored"]})


def _row_counts(db, key: dg.AssetKey, run_days: dict[str, list[date]]) -> dict[str, int]:  # noqa: ANN001
    """Whole-table rows and the rows of the run's mall × day partitions (summed over its malls)."""
    counts: dict[str, int] = {}
    for mall_id, days in run_days.items():
        part = row_count_metadata(db, key, mall_id=mall_id, days=days)
        counts["dagster/row_count"] = part.get("dagster/row_count", 0)
        counts["dagster/partition_row_count"] = counts.get("dagster/partition_row_count", 0) + part.get(
            "dagster/partition_row_count", 0
        )
    return counts


def _record_days_written_this_run(
    context: AssetExecutionContext,
    db,
    run_days: dict[str, list[date]],  # noqa: ANN001
    meta: dict,
) -> None:
    """A poll writes the OMS orders of every day its window held, in the import's transaction: the
    days of the mall whose OMS orders this run updated (besides its own partition) get their
    materialization here, from the asset that owns the table."""
    if len(run_days) != 1:
        return
    ((mall_id, days),) = run_days.items()
    record = context.instance.get_run_record_by_id(context.run.run_id)
    started = record.start_time if record is not None else None
    if started is None:
        return
    own = {d.isoformat() for d in days}
    since = datetime.fromtimestamp(started, tz=timezone.utc)
    for day in oms_order_days_updated_since(db, mall_id, since):
        if day.isoformat() in own or not order_days_partitions.has_partition_key(day.isoformat()):
            continue
        partition = dg.MultiPartitionKey({"mall": mall_id, "day": day.isoformat()})
        counts = row_count_metadata(db, OMS_ORDERS_KEY, mall_id=mall_id, days=[day])
        context.log_event(
            dg.AssetMaterialization(
                asset_key=OMS_ORDERS_KEY,
                partition=partition,
                metadata={**meta, **counts, "recorded_with_partition": sorted(own)[0]},
            )
        )


def _record_other_days(
    context: AssetExecutionContext,
    db,
    report: SyncReport,  # noqa: ANN001
    run_days: dict[str, list[date]],
    meta: dict,
    keys,
) -> None:  # noqa: ANN001
    """A poll writes whatever days its window held (yesterday's late orders, a status change of an
    order placed weeks ago, the 90 days of a first run — days without orders included, they were
    imported too): each such mall × day partition outside the run's own gets a materialization with
    the same metadata (the OMS orders too: the core writes them in the same transaction), so the UI
    shows every day the run changed or imported."""
    if len(run_days) != 1:
        return
    ((mall_id, days),) = run_days.items()
    own = {d.isoformat() for d in days}
    for day in sorted((set(report.touched_days) | set(report.days)) - own):
        if not order_days_partitions.has_partition_key(day):
            continue  # before the calendar's first day: the rows are stored, the UI shows no day for them
        partition = dg.MultiPartitionKey({"mall": mall_id, "day": day})
        for key in keys:
            counts = row_count_metadata(db, key, mall_id=mall_id, days=[date.fromisoformat(day)])
            context.log_event(
                dg.AssetMaterialization(
                    asset_key=key, partition=partition, metadata={**meta, **counts, "recorded_with_partition": sorted(own)[0]}
                )
            )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            OMS_ORDERS_KEY,
            deps=[ORDER_ITEMS_KEY],
            group_name=GROUP,
            kinds={"sql"},
            description="OMS orders and items with the DESIGN.md §6 status (New vs Partial by OMS stock)",
        ),
    ],
    partitions_def=mall_order_day_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    name="oms__orders",
)
def oms_orders(context: AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    """Re-derive the OMS orders of the run's days from the stored items (no API calls)."""
    total = SyncReport("*", "oms.orders")
    db = store.get_store()
    run_days = mall_days(context)
    for mall_id, days in run_days.items():
        total.absorb(OrderSync(db, None, mall_id).remap_oms(days))
    _record_days_written_this_run(context, db, run_days, report_metadata(total))
    return dg.MaterializeResult(
        metadata={**report_metadata(total), **_row_counts(db, OMS_ORDERS_KEY, run_days), "rows_written": total.oms_orders}
    )


@dg.asset(
    key=RECONCILIATION_KEY,
    deps=[ORDERS_KEY, ORDER_ITEMS_KEY],
    partitions_def=mall_order_day_partitions,
    group_name=GROUP,
    kinds={"cafe24", "sql"},
    retry_policy=API_RETRY,
    pool=API_POOL,
    description="Cafe24 vs our tables for one KST day (1-hour edge buffer): missing orders, status drift, amounts",
    check_specs=[
        dg.AssetCheckSpec(
            RECONCILIATION_CHECK, asset=RECONCILIATION_KEY, description="Cafe24 and our order tables agree for the day"
        )
    ],
)
def cafe24_order_reconciliation(
    context: AssetExecutionContext, store: StoreResource, cafe24: Cafe24Resource
) -> dg.MaterializeResult:
    dims = mall_day_of(context.partition_key)
    mall_id, day = dims["mall"], date.fromisoformat(dims["day"])
    with mall_client(context, store.get_store(), cafe24, mall_id, "cafe24/order_reconciliation") as client:
        findings, counts = reconcile_day(store.get_store(), client, mall_id, day)
    passed = findings.height == 0
    preview = findings.head(50)
    meta: dict[str, dg.MetadataValue | int | str] = {
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
    fetched: list[Order] = []
    for shop_no in sync.shop_nos():
        pages = client.iter_orders(
            shop_no,
            window.read_start.astimezone(KST).date(),
            (window.read_end - timedelta(microseconds=1)).astimezone(KST).date(),
            date_type="order_date",
            embed=("items",),
        )
        for page in pages:
            fetched.extend(o for o in page.records if o.order_date is not None)
    theirs = order_frames(mall_id, fetched, synced_at=window.end)
    ours_orders = orders_placed_between(store, mall_id, window.read_start, window.read_end)
    candidate_ids = sorted(set(ours_orders["order_id"].to_list()) | set(theirs.orders["order_id"].to_list()))
    ours_any, ours_items = orders_by_id(store, mall_id, candidate_ids)
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
