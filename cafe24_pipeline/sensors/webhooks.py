"""The webhook sensor: pending `webhook_inbox` events → one `webhook_drain_job` run per mall.

Every tick (default 15 s, CAFE24_WEBHOOK_SENSOR_INTERVAL_SECONDS, 5–3600) it costs one query: the
malls with pending events. A mall gets a run unless it is not connected (named in the skip
reason, its events wait), or a drain or order run of it is already queued or running (that run, or
the next tick, takes the events). No run key: the inbox itself says what is left, so a run that
failed (the mall was busy, Cafe24 was down) is simply followed by another one on a later tick,
and the drain's own attempt count (5) ends retries of an event that keeps failing.

Use it when the Dagster daemon runs and `webhooks serve --no-process` only receives; without
`--no-process` the serving process drains in process and the sensor finds nothing left.
"""

import dagster as dg

from cafe24_pipeline.assets.webhooks import DRAIN_STREAM, STREAM_TAG, webhook_drain_job
from cafe24_pipeline.partitions import MALLS_PARTITION_NAME
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.schedules.orders import IN_FLIGHT, mall_busy
from cafe24_pipeline.settings import Settings
from cafe24_pipeline.store.webhooks import WebhookInbox
from cafe24_pipeline.sync.webhook_process import why_not_now

DEFAULT_INTERVAL = 15
ENV_INTERVAL = "CAFE24_WEBHOOK_SENSOR_INTERVAL_SECONDS"
MALL_TAG = "cafe24/mall_id"


def webhook_interval(settings: Settings) -> int:
    return settings.whole_seconds(ENV_INTERVAL, DEFAULT_INTERVAL)


def drain_in_flight(instance: dg.DagsterInstance, mall_id: str) -> bool:
    runs = instance.get_runs(
        filters=dg.RunsFilter(tags={MALL_TAG: mall_id, STREAM_TAG: DRAIN_STREAM}, statuses=IN_FLIGHT), limit=1
    )
    return bool(runs)


def evaluate(store, instance: dg.DagsterInstance, connected: list[str]) -> tuple[list[dg.RunRequest], list[str]]:
    """(run requests, notes) for one tick; plain so tests can call it directly."""
    requests: list[dg.RunRequest] = []
    notes: list[str] = []
    for mall in WebhookInbox(store).pending_malls():
        if mall not in connected:
            notes.append(f"{mall}: events waiting but the mall is not connected")
            continue
        if drain_in_flight(instance, mall) or mall_busy(instance, mall):
            notes.append(f"{mall}: a run is in progress; its events wait for the next tick")
            continue
        reason = why_not_now(store, mall)
        if reason is not None:
            notes.append(f"{mall}: {reason}; its events wait")
            continue
        requests.append(dg.RunRequest(partition_key=mall, tags={MALL_TAG: mall, "cafe24/trigger": "webhook_sensor"}))
    return requests, notes


def build_webhook_sensor(settings: Settings) -> dg.SensorDefinition:
    @dg.sensor(
        name="webhook_sensor",
        job_name=webhook_drain_job.name,  # by name: an op job object would be re-bound (a Dagster beta warning)
        minimum_interval_seconds=webhook_interval(settings),
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Launches webhook_drain_job for each mall with pending webhook events (orders and "
        "products re-fetched by id). Finds nothing when `webhooks serve` drains in process.",
    )
    def webhook_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
        connected = sorted(context.instance.get_dynamic_partitions(MALLS_PARTITION_NAME))
        requests, notes = evaluate(store.get_store(), context.instance, connected)
        if requests:
            return requests
        return dg.SkipReason("; ".join(notes) if notes else "no webhook event waiting")

    return webhook_sensor
