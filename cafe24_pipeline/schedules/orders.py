"""Order jobs and their cadences.

- `orders_new_job` (every 5 min) and `order_status_job` (every 30 min) are asset jobs over the order
  assets, launched on today's mall × day partition with config `mode: new` / `mode: status`: the
  sync core (`sync/orders.py`) keeps its high-water marks in `sync_state`; the run materializes
  today's partition with the full metadata, runs the order checks, and records materializations
  of the other days it wrote, so the UI shows freshness per day without a run per day.
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
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from cafe24_pipeline.assets.orders import MODE_NEW, MODE_STATUS, RECONCILIATION_KEY, cafe24_order_days, oms_orders
from cafe24_pipeline.partitions import KST
from cafe24_pipeline.schedules.common import MALL_TAG, STREAM_TAG, cron_from_env, mall_day_schedule

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


def poll_config(mode: str, since: str | None = None) -> dict:
    """Run config of a poll run of the order days (`mode` new or status; `since` only for new)."""
    config: dict = {"mode": mode}
    if mode == MODE_NEW:
        config["since"] = since
    return {"ops": {"cafe24_order_days": {"config": config}}}


def today_partition(mall_id: str, now: datetime | None = None) -> dg.MultiPartitionKey:
    """The mall × KST day partition a poll run of `mall_id` targets: today in Korea."""
    day = (now or datetime.now(ZoneInfo(KST))).astimezone(ZoneInfo(KST)).date()
    return dg.MultiPartitionKey({"mall": mall_id, "day": day.isoformat()})


orders_new_job = dg.define_asset_job(
    "orders_new_job",
    selection=dg.AssetSelection.assets(cafe24_order_days, oms_orders),
    config=poll_config(MODE_NEW),
    tags={STREAM_TAG: "orders_new"},
    description="Sync Orders: new Cafe24 orders of one mall (placed since the last run; the first run imports "
    "the last 90 days) into the mirror and the OMS tables, then the order checks. Launch it on today's "
    "mall × day partition; it also records every other day it wrote.",
)

order_status_job = dg.define_asset_job(
    "order_status_job",
    selection=dg.AssetSelection.assets(cafe24_order_days, oms_orders),
    config=poll_config(MODE_STATUS),
    tags={STREAM_TAG: "order_status"},
    description="Cafe24 order status changes of one mall (cancellations, returns, exchanges, shipping, delivery): "
    "event-date sweeps since the last run plus a re-poll of open orders, then the order checks. Launch it on "
    "today's mall × day partition.",
)


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
        runs = instance.get_runs(filters=dg.RunsFilter(tags={MALL_TAG: mall_id, STREAM_TAG: stream}, statuses=IN_FLIGHT), limit=1)
        if runs:
            return True
    return False


def build_order_schedules(env: Mapping[str, str] | None = None) -> list[dg.ScheduleDefinition]:
    """The three order schedules with cadences from `env` (os.environ by default)."""
    env = os.environ if env is None else env
    return [
        mall_day_schedule(
            "orders_new_schedule",
            orders_new_job,
            cron_from_env(env, "CAFE24_ORDERS_NEW_CRON", DEFAULT_NEW_CRON),
            "Starting it polls every connected mall for new Cafe24 orders (one orders_new_job run per "
            "mall on today's partition; a mall whose order run is still going is skipped).",
            run_key_prefix="orders_new",
            per_tick=True,
            busy=mall_busy,
            busy_reason="an order run",
        ),
        mall_day_schedule(
            "order_status_schedule",
            order_status_job,
            cron_from_env(env, "CAFE24_ORDER_STATUS_CRON", DEFAULT_STATUS_CRON),
            "Starting it polls every connected mall for order status changes (cancellations, returns, "
            "shipping) in one order_status_job run per mall on today's partition.",
            run_key_prefix="order_status",
            per_tick=True,
            busy=mall_busy,
            busy_reason="an order run",
        ),
        mall_day_schedule(
            "order_reconciliation_schedule",
            order_reconciliation_job,
            cron_from_env(env, "CAFE24_ORDER_RECONCILE_CRON", DEFAULT_RECONCILE_CRON),
            "Starting it compares, every night, the previous KST day's orders of every connected mall "
            "with Cafe24 (order_reconciliation_job); findings fail its check.",
            run_key_prefix="order_reconciliation",
            days_back=1,
        ),
    ]
