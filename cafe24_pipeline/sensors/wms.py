"""The WMS sensor: "picked" events in `wms_events` → the Ready to Ship job for those orders.

A WMS (or anything standing in for one) appends a row per picked order to `wms_events`; each tick
(30 s) groups the pending rows per mall into one `ready_to_ship_job` run, keyed by the event ids,
so one event is acted on once. The run settles the rows (done, or failed with the reason).
"""

from datetime import datetime, timezone

import dagster as dg

from cafe24_pipeline.assets.fulfilment import fulfilment_jobs
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.store.fulfilment import FulfilmentTables

READY_TO_SHIP_JOB = next(j for j in fulfilment_jobs if j.name == "ready_to_ship_job")


def wms_requests(store, now: datetime | None = None) -> list[dg.RunRequest]:  # noqa: ANN001
    """One Ready to Ship run request per mall with pending picked events (plain, for tests)."""
    del now
    by_mall: dict[str, list[dict]] = {}
    for event in FulfilmentTables(store).pending_wms_events():
        if event["event_type"] == "picked":
            by_mall.setdefault(event["mall_id"], []).append(event)
    requests = []
    for mall, events in sorted(by_mall.items()):
        ids = [e["id"] for e in events]
        items = sorted({c for e in events for c in (e["order_item_codes"] or [])})
        requests.append(
            dg.RunRequest(
                run_key=f"wms:{mall}:{','.join(map(str, ids))}",
                partition_key=mall,
                run_config={
                    "ops": {
                        "oms_fulfilment": {
                            "config": {
                                "action": "ready_to_ship",
                                "order_ids": sorted({e["order_id"] for e in events}),
                                "items": items,
                                "actor": "wms",
                                "wms_event_ids": ids,
                            }
                        }
                    }
                },
                tags={"cafe24/mall_id": mall, "cafe24/trigger": "wms_sensor"},
            )
        )
    return requests


@dg.sensor(
    name="wms_picked_sensor",
    job=READY_TO_SHIP_JOB,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Running (the default), it reads every 30 s the 'picked' events a WMS writes to wms_events and "
    "launches ready_to_ship_job for those orders (AWB, label, Cafe24 shipment), once per event. With no WMS "
    "feeding that table it does nothing; stopping it leaves picked orders waiting for a manual Ready to Ship.",
)
def wms_picked_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
    requests = wms_requests(store.get_store(), datetime.now(timezone.utc))
    return requests or dg.SkipReason("no picked event waiting")
