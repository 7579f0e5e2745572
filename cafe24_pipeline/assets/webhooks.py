"""Webhook jobs (thin: the work is in `sync/webhook_process.py` and `sync/webhook_sweep.py`).

- `webhook_drain_job` (one mall): the mall's pending `webhook_inbox` events become targeted
  re-fetches (orders by id, products by number) written through the polling code; the events are
  marked done / echo / ignored / failed. Launched by the webhook sensor, or in process by
  `cafe24-pipeline webhooks serve`.
- `webhook_sweep_job` (one mall): Cafe24's delivery log of failed deliveries back into the inbox,
  then the same drain. On the `webhook_sweep_schedule`, or `cafe24-pipeline webhooks sweep`.

Both hold the mall's lease (assets/mall_work.py) while they call Cafe24, and report materializations
of what they wrote: the order day partitions touched, the mall's products/variants, listings and
OMS master, so the UI shows webhook freshness next to the polls'.
"""

import dagster as dg
from dagster import OpExecutionContext

from cafe24_pipeline.assets.catalog import (
    OMS_LISTINGS,
    OMS_PRODUCTS,
    PRODUCTS,
    VARIANTS,
)
from cafe24_pipeline.assets.mall_work import mall_client
from cafe24_pipeline.assets.orders import MIRROR_KEYS, OMS_ORDERS_KEY
from cafe24_pipeline.partitions import malls_partitions
from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.store.webhooks import WebhookInbox
from cafe24_pipeline.sync.lease import MallBusy
from cafe24_pipeline.sync.webhook_process import ProcessResult, process_inbox
from cafe24_pipeline.sync.webhook_sweep import sweep

STREAM_TAG = "cafe24/stream"
DRAIN_STREAM = "webhooks"
SWEEP_STREAM = "webhook_sweep"


class DrainConfig(dg.Config):
    """How much one drain run takes on."""

    limit: int = 500
    """At most this many pending events per run (the rest wait for the next run)."""


def _report(context: OpExecutionContext, mall: str, result: ProcessResult) -> dg.Output:
    for day in sorted(result.orders.touched_days):
        partition = dg.MultiPartitionKey({"mall": mall, "day": day})
        for key in (*MIRROR_KEYS, OMS_ORDERS_KEY):
            context.log_event(dg.AssetMaterialization(asset_key=key, partition=partition, metadata={"run_stream": "webhooks"}))
    if result.products_stored or result.variants_stored:
        for key in (PRODUCTS, VARIANTS):
            context.log_event(
                dg.AssetMaterialization(
                    asset_key=key,
                    partition=mall,
                    metadata={
                        "run_stream": "webhooks",
                        "products_stored": result.products_stored,
                        "variants_stored": result.variants_stored,
                    },
                )
            )
    if result.listings_refreshed:
        for key in (OMS_LISTINGS, OMS_PRODUCTS):
            context.log_event(dg.AssetMaterialization(asset_key=key, partition=mall, metadata={"run_stream": "webhooks"}))
    meta = result.as_metadata()
    if result.drain.errors:
        meta["errors"] = dg.MetadataValue.json(result.drain.errors[:20])
    if result.orders.skipped:
        meta["skipped_sample"] = dg.MetadataValue.json(result.orders.skipped[:20])
    context.log.info(f"mall {mall}: {result.summary()}")
    return dg.Output(result.as_metadata(), metadata=meta)


def _drain(
    context: OpExecutionContext, config: DrainConfig, store: StoreResource, cafe24: Cafe24Resource, *, busy_ok: bool = False
) -> dg.Output:
    mall = context.partition_key
    db = store.get_store()
    if not WebhookInbox(db).pending(mall_id=mall, limit=1):
        context.log.info(f"mall {mall}: no webhook event waiting")
        return dg.Output({"events": 0}, metadata={"events": 0})
    try:
        with mall_client(context, db, cafe24, mall, "webhooks/drain") as client:
            result = process_inbox(db, client, mall, limit=config.limit)
    except dg.Failure as failure:
        if not (busy_ok and isinstance(failure.__cause__, MallBusy)):
            raise
        # after a sweep: whoever holds the mall (a serving process's drain, a poll) leaves the
        # recovered events pending for the next drain; the sweep itself succeeded
        context.log.info(f"mall {mall}: busy ({failure.description}); the swept events wait for the next drain")
        return dg.Output({"events": 0, "busy": True}, metadata={"events": 0, "busy": True})
    output = _report(context, mall, result)
    if result.drain.failed:
        # the events stay pending (retried by the next drain, up to 5 attempts): fail the run visibly
        raise dg.Failure(
            description=f"{result.drain.failed} event(s) of mall {mall} could not be re-fetched: "
            + "; ".join(result.drain.errors)[:400],
            metadata=result.as_metadata(),
            allow_retries=False,
        )
    return output


@dg.op(description="Pending webhook events of the mall → targeted re-fetches (orders by id, products by number)")
def drain_webhook_inbox(
    context: OpExecutionContext, config: DrainConfig, store: StoreResource, cafe24: Cafe24Resource
) -> dg.Output[dict]:
    return _drain(context, config, store, cafe24)


@dg.op(
    ins={"start": dg.In(dg.Nothing)},
    description="Pending webhook events of the mall (the swept ones included) → targeted re-fetches",
)
def drain_after_sweep(
    context: OpExecutionContext, config: DrainConfig, store: StoreResource, cafe24: Cafe24Resource
) -> dg.Output[dict]:
    return _drain(context, config, store, cafe24, busy_ok=True)


@dg.op(
    retry_policy=dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL),
    description="Failed deliveries in Cafe24's webhook log since the last sweep → webhook_inbox",
)
def sweep_webhook_log(context: OpExecutionContext, store: StoreResource, cafe24: Cafe24Resource) -> dg.Output[dict]:
    mall = context.partition_key
    db = store.get_store()
    with mall_client(context, db, cafe24, mall, "webhooks/sweep") as client:
        result = sweep(db, client, mall)
    context.log.info(
        f"mall {mall}: read {result.read} failed deliveries, recovered {result.recovered}, "
        f"{result.duplicates} already received, {result.unreadable} unreadable"
    )
    return dg.Output(dict(result.__dict__), metadata=dict(result.__dict__))


@dg.job(
    partitions_def=malls_partitions,
    tags={STREAM_TAG: DRAIN_STREAM},
    description="Webhook events of one mall → targeted re-fetches through the polling code "
    "(launched by webhook_sensor, or in process by `cafe24-pipeline webhooks serve`)",
)
def webhook_drain_job():
    drain_webhook_inbox()


@dg.job(
    partitions_def=malls_partitions,
    tags={STREAM_TAG: SWEEP_STREAM},
    description="Cafe24's webhook delivery log: failed deliveries back into the inbox, then drained",
)
def webhook_sweep_job():
    drain_after_sweep(start=sweep_webhook_log())


webhook_jobs = [webhook_drain_job, webhook_sweep_job]
