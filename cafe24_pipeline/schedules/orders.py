"""Order jobs and their cadences.

- `orders_new_job` (every 5 min) and `order_status_job` (every 30 min) run over the mall partitions:
  one op per run calls the sync core (`sync/orders.py`), which keeps its high-water marks in
  `sync_state`, and reports materializations of the mall × day partitions it touched, so the UI
  shows freshness per day without a run per day.
- `orders_import_job` is the mall × day backfill path (90 partitions on connect, one single run).
- `order_reconciliation_job` checks the previous KST day of each mall every night.

Runs for one mall never overlap: every run is tagged `cafe24/mall_id` (the instance's run queue
limits that tag to one run per mall, see deploy/dagster.yaml), a schedule skips a mall whose order
run is still queued or running, and the sync core holds a per-mall lease in `sync_state` that also
covers CLI runs.

Cadences are cron strings from the environment (Asia/Seoul time), read when the definitions load:
    CAFE24_ORDERS_NEW_CRON         default "*/5 * * * *"
    CAFE24_ORDER_STATUS_CRON       default "*/30 * * * *"
    CAFE24_ORDER_RECONCILE_CRON    default "30 1 * * *"   (01:30 KST, for the previous day)
"""


import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date

import dagster as dg
from dagster import OpExecutionContext

from cafe24_pipeline.assets.orders import (
    MIRROR_KEYS,
    OMS_ORDERS_KEY,
    RECONCILIATION_KEY,
    cafe24_order_days,
    oms_orders,
)
from cafe24_pipeline.partitions import malls_partitions
from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.schedules.common import MALL_TAG, STREAM_TAG, cron_from_env, mall_day_schedule, mall_schedule
from cafe24_pipeline.sync.orders import STREAM_NEW, STREAM_STATUS, OrderSync, OrderSyncConfig, SyncReport

ORDER_STREAMS = ("orders_new", "order_status", "orders_import", "order_reconciliation")
DEFAULT_NEW_CRON = "*/5 * * * *"
DEFAULT_STATUS_CRON = "*/30 * * * *"
DEFAULT_RECONCILE_CRON = "30 1 * * *"
IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


class OrdersSyncConfig(dg.Config):
    """Run config of the manual "Sync Orders" (UI launchpad or `cafe24-pipeline sync orders --since`)."""

    since: str | None = None
    """YYYY-MM-DD: (re-)import every KST day from this date to today before polling new orders."""


def _report_days(context: OpExecutionContext, mall_id: str, report: SyncReport, keys) -> None:  # noqa: ANN001
    for day in sorted(report.touched_days):
        partition = dg.MultiPartitionKey({"mall": mall_id, "day": day})
        for key in keys:
            context.log_event(dg.AssetMaterialization(asset_key=key, partition=partition, metadata={"run_stream": report.stream}))


def _output(report: SyncReport) -> dg.Output:
    meta = report.as_metadata()
    if report.skipped:
        meta["skipped_sample"] = dg.MetadataValue.json(report.skipped[:20])
    if report.unmapped:
        meta["unmapped_sample"] = dg.MetadataValue.json(report.unmapped[:20])
    return dg.Output(report.as_metadata(), metadata=meta)


@contextmanager
def _leased_sync(context: OpExecutionContext, store: StoreResource, cafe24: Cafe24Resource,
                 stream: str) -> Iterator[OrderSync]:
    """The mall's order sync, holding the per-mall lease; a failure is recorded on `stream` before it propagates."""
    mall_id = context.partition_key
    sync_config = OrderSyncConfig.from_env()
    with cafe24.client(mall_id) as client:
        sync = OrderSync(store.get_store(), client, mall_id, config=sync_config)
        with sync.lease():
            try:
                yield sync
            except Exception as exc:
                sync.record_failure(stream, exc)
                raise


def _finish(context: OpExecutionContext, report: SyncReport, summary: str) -> dg.Output:
    """Log the run's summary, mark the mall × day partitions it touched, and return its metadata."""
    context.log.info(f"mall {context.partition_key}: {summary}")
    _report_days(context, context.partition_key, report, (*MIRROR_KEYS, OMS_ORDERS_KEY))
    return _output(report)


@dg.op(retry_policy=dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL),
       description="Orders placed since the last run (overlapping window ending now − safety lag)")
def poll_new_orders(context: OpExecutionContext, config: OrdersSyncConfig, store: StoreResource,
                    cafe24: Cafe24Resource) -> dg.Output[dict]:
    since = date.fromisoformat(config.since) if config.since else None
    with _leased_sync(context, store, cafe24, STREAM_NEW) as sync:
        report = SyncReport(context.partition_key, STREAM_NEW)
        if since is not None:
            report.absorb(sync.initial_import(since=since))
        new = sync.sync_new_orders()
        report.absorb(new)
        report.high_water_mark = new.high_water_mark
    return _finish(context, report,
                   f"fetched {report.fetched}, stored {report.stored_orders} orders / {report.stored_items} items, "
                   f"{report.history_rows} status changes, skipped {len(report.skipped)}, mark {report.high_water_mark}")


@dg.op(retry_policy=dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL),
       description="Sweep event-date types since the last sweep, then re-poll still-open orders by id")
def poll_order_status(context: OpExecutionContext, store: StoreResource, cafe24: Cafe24Resource) -> dg.Output[dict]:
    with _leased_sync(context, store, cafe24, STREAM_STATUS) as sync:
        report = sync.sync_status_changes()
    return _finish(context, report,
                   f"fetched {report.fetched} in {report.windows} windows, re-polled {report.repolled}, "
                   f"{report.history_rows} status changes, skipped {len(report.skipped)}, mark {report.high_water_mark}")


@dg.job(partitions_def=malls_partitions, tags={STREAM_TAG: "orders_new"},
        description="Sync Orders: new Cafe24 orders of one mall into the mirror and the OMS tables")
def orders_new_job():
    poll_new_orders()


@dg.job(partitions_def=malls_partitions, tags={STREAM_TAG: "order_status"},
        description="Cafe24 order status changes (cancellations, returns, exchanges, shipping) of one mall")
def order_status_job():
    poll_order_status()


orders_import_job = dg.define_asset_job(
    "orders_import_job",
    selection=dg.AssetSelection.assets(cafe24_order_days, oms_orders),
    tags={STREAM_TAG: "orders_import"},
    description="Import whole KST order days of a mall (backfill; a range runs as one run, newest day first)",
)

order_reconciliation_job = dg.define_asset_job(
    "order_reconciliation_job",
    selection=dg.AssetSelection.assets(RECONCILIATION_KEY),
    tags={STREAM_TAG: "order_reconciliation"},
    description="Compare one KST day of Cafe24 orders with our tables",
)

order_jobs = [orders_new_job, order_status_job, orders_import_job, order_reconciliation_job]


def mall_busy(instance: dg.DagsterInstance, mall_id: str) -> bool:
    """True while an order run for this mall is queued or running."""
    for stream in ORDER_STREAMS:
        runs = instance.get_runs(
            filters=dg.RunsFilter(tags={MALL_TAG: mall_id, STREAM_TAG: stream}, statuses=IN_FLIGHT), limit=1
        )
        if runs:
            return True
    return False


def build_order_schedules(env: Mapping[str, str] | None = None) -> list[dg.ScheduleDefinition]:
    """The three order schedules with cadences from `env` (os.environ by default)."""
    env = os.environ if env is None else env
    return [
        mall_schedule("orders_new_schedule", orders_new_job, cron_from_env(env, "CAFE24_ORDERS_NEW_CRON", DEFAULT_NEW_CRON),
                      "New Cafe24 orders of every connected mall.", busy=mall_busy, busy_reason="an order run"),
        mall_schedule("order_status_schedule", order_status_job,
                      cron_from_env(env, "CAFE24_ORDER_STATUS_CRON", DEFAULT_STATUS_CRON),
                      "Cafe24 order status changes of every connected mall.", busy=mall_busy, busy_reason="an order run"),
        mall_day_schedule("order_reconciliation_schedule", order_reconciliation_job,
                          cron_from_env(env, "CAFE24_ORDER_RECONCILE_CRON", DEFAULT_RECONCILE_CRON),
                          "Reconcile the previous KST day's orders of every connected mall.",
                          run_key_prefix="order_reconciliation", days_back=1),
    ]
