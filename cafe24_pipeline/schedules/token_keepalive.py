"""The keep-alive schedule: materialize `cafe24_connections` (refreshing quiet malls) every 6 hours."""

from __future__ import annotations

import dagster as dg

from cafe24_pipeline.partitions import KST
from cafe24_pipeline.schedules.common import STREAM_TAG

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
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Keeps every connected mall's 14-day refresh token alive.",
)
