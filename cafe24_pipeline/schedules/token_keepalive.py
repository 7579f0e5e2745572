"""The keep-alive schedule: materialize `cafe24_connections` (refreshing quiet malls) every 6 hours."""

from __future__ import annotations

import dagster as dg

from cafe24_pipeline.partitions import KST
from cafe24_pipeline.schedules.common import DEFAULT_SCHEDULE_STATUS, STREAM_TAG

token_keepalive_job = dg.define_asset_job(
    "token_keepalive_job",
    selection=dg.AssetSelection.assets("cafe24_connections"),
    description="Refresh the tokens of quiet malls and check refresh-token expiry.",
    tags={STREAM_TAG: "token_keepalive"},
)

token_keepalive_schedule = dg.ScheduleDefinition(
    name="token_keepalive",
    job=token_keepalive_job,
    cron_schedule="17 */6 * * *",
    execution_timezone=KST,
    default_status=DEFAULT_SCHEDULE_STATUS,
    description="Starting it refreshes, every 6 hours, the tokens of malls quiet for 3 days, so their 14-day "
    "refresh tokens never lapse, and checks refresh-token expiry (materializes cafe24_connections).",
)
