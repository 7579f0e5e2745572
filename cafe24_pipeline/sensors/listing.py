"""The bulk-upload inbox sensor: a workbook dropped into CAFE24_BULK_INBOX becomes a bulk_upload_job run.

`<inbox>/<mall_id>/x.xlsx` uploads to that mall, `<inbox>/x.xlsx` to CAFE24_MALL_ID. One run per file, keyed by
the file's content hash (and drop time), so a tick that sees the file again while its run is queued launches
nothing new. The run moves the file to done/ or failed/ with its result workbook beside it
(sync/listing_inbox.py).
"""

import time

import dagster as dg

from cafe24_pipeline.assets.listing import BULK_OP, bulk_upload_job
from cafe24_pipeline.partitions import MALLS_PARTITION_NAME
from cafe24_pipeline.settings import Settings
from cafe24_pipeline.sync.listing_inbox import inbox_path, pending_files


def inbox_requests(
    settings: Settings, known_malls: set[str], *, now: float | None = None, settle_seconds: float = 5.0
) -> tuple[list[dg.RunRequest], list[str]]:
    """Run requests for the files waiting in the inbox (plain, for tests), and notes on the rest."""
    files, notes = pending_files(
        inbox_path(settings),
        default_mall=settings.mall_id,
        settle_seconds=settle_seconds,
        now=time.time() if now is None else now,
    )
    requests = []
    for item in files:
        if item.mall_id not in known_malls:
            notes.append(f"{item.path.name}: mall {item.mall_id} is not connected")
            continue
        requests.append(
            dg.RunRequest(
                run_key=item.run_key,
                partition_key=item.mall_id,
                run_config={"ops": {BULK_OP: {"config": {"path": str(item.path), "inbox": True}}}},
                tags={"cafe24/mall_id": item.mall_id, "cafe24/trigger": "bulk_inbox_sensor", "cafe24/file": item.path.name[:200]},
            )
        )
    return requests, notes


def build_bulk_inbox_sensor(settings: Settings) -> dg.SensorDefinition:
    @dg.sensor(
        name="bulk_inbox_sensor",
        job=bulk_upload_job,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Uploads listing workbooks dropped into the bulk inbox ({inbox_path(settings)}, "
        "CAFE24_BULK_INBOX): <inbox>/<mall_id>/file.xlsx. Processed files move to done/ or failed/ with their "
        "result workbook beside them.",
    )
    def bulk_inbox_sensor(context: dg.SensorEvaluationContext):
        malls = set(context.instance.get_dynamic_partitions(MALLS_PARTITION_NAME))
        requests, notes = inbox_requests(settings, malls)
        if requests:
            return requests
        return dg.SkipReason("; ".join(notes[:5]) if notes else "no workbook waiting in the inbox")

    return bulk_inbox_sensor
