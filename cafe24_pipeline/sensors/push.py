"""The push sensor: OMS changes → one push run per mall for exactly the current differences.

Every tick (default 30 s, CAFE24_PUSH_SENSOR_INTERVAL_SECONDS) it looks at each connected mall:
a mall in `reauth_required` is skipped and named; a mall whose OMS, listings, mirror and push
state have not moved since the last tick (and has no retry due) costs one cheap query; otherwise
the diff is computed and, when not empty, a run is requested with a run key derived from the diff
— so one diff is pushed once, a failed push is retried only when its back-off has passed (the retry
attempt is part of the key), and nothing loops. The push itself runs in the run, never in the tick.
"""

import json
from datetime import datetime, timezone

import dagster as dg

from cafe24_pipeline.assets.push import push_job
from cafe24_pipeline.oms.push_diff import compute_diff
from cafe24_pipeline.partitions import MALLS_PARTITION_NAME
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.settings import Settings
from cafe24_pipeline.store.connections import SqlConnectionRegistry
from cafe24_pipeline.store.push import PushTables

DEFAULT_INTERVAL = 30
ENV_INTERVAL = "CAFE24_PUSH_SENSOR_INTERVAL_SECONDS"


def push_interval(settings: Settings) -> int:
    return settings.whole_seconds(ENV_INTERVAL, DEFAULT_INTERVAL)


def evaluate(store, malls: list[str], cursor: dict[str, str], now: datetime):  # noqa: ANN001, ANN201
    """(run requests, skip notes, new cursor) for one tick; plain so tests can call it directly."""
    tables = PushTables(store)
    registry = SqlConnectionRegistry(store)
    requests: list[dg.RunRequest] = []
    notes: list[str] = []
    new_cursor = dict(cursor)
    for mall in malls:
        connection = registry.load(mall)
        if connection is None:
            notes.append(f"{mall}: not connected")
            continue
        if connection.status != "active":
            notes.append(f"{mall}: {connection.status} — run `cafe24-pipeline connect {mall}` again; nothing pushed")
            continue
        mark = tables.watermark(mall)
        retry_due = tables.retry_due(mall, now)
        if cursor.get(mall) == mark and not retry_due:
            continue
        diff = compute_diff(tables.push_inputs(mall), now=now, orders_through=tables.orders_through(mall))
        new_cursor[mall] = mark
        if diff.empty:
            continue
        digest = diff.digest(tables.attempts(mall))
        requests.append(
            dg.RunRequest(
                run_key=f"push:{mall}:{digest}",
                partition_key=mall,
                run_config={"ops": {"oms_push": {"config": {"manual": False, "expected_digest": digest}}}},
                tags={"cafe24/mall_id": mall, "cafe24/trigger": "push_sensor"},
            )
        )
    return requests, notes, new_cursor


def build_push_sensor(settings: Settings) -> dg.SensorDefinition:
    @dg.sensor(
        name="push_sensor",
        job=push_job,
        minimum_interval_seconds=push_interval(settings),
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Running (the default), it watches the OMS tables every 30 s and pushes each mall's new "
        "differences (stock, prices, display/selling, deletes) to Cafe24 in one push_job run per mall; a mall "
        "in reauth_required is skipped and named. Stopping it stops automatic pushes; `cafe24-pipeline push` "
        "and launching push_job by hand still work.",
    )
    def push_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
        malls = sorted(context.instance.get_dynamic_partitions(MALLS_PARTITION_NAME))
        if not malls:
            return dg.SkipReason("no mall connected yet")
        cursor = json.loads(context.cursor) if context.cursor else {}
        requests, notes, new_cursor = evaluate(store.get_store(), malls, cursor, datetime.now(timezone.utc))
        context.update_cursor(json.dumps(new_cursor, sort_keys=True))
        if requests:
            return requests
        return dg.SkipReason("; ".join(notes) if notes else "no OMS change to push")

    return push_sensor
