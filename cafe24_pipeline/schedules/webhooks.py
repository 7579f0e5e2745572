"""The webhook safety net on a cadence: Cafe24's delivery log swept for failed deliveries.

`webhook_sweep_schedule` runs `webhook_sweep_job` for every connected mall (one run per mall and
tick); the run feeds failed deliveries since its cursor back into `webhook_inbox` and drains them.
The cadence is a cron string (Asia/Seoul time) read when the definitions load:
    CAFE24_WEBHOOK_SWEEP_CRON   default "*/10 * * * *"
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import dagster as dg

from cafe24_pipeline.assets.webhooks import webhook_sweep_job
from cafe24_pipeline.schedules.common import cron_from_env, mall_schedule
from cafe24_pipeline.schedules.orders import mall_busy

DEFAULT_SWEEP_CRON = "*/10 * * * *"


def build_webhook_schedules(env: Mapping[str, str] | None = None) -> list[dg.ScheduleDefinition]:
    env = os.environ if env is None else env
    return [
        mall_schedule(
            "webhook_sweep_schedule",
            webhook_sweep_job,
            cron_from_env(env, "CAFE24_WEBHOOK_SWEEP_CRON", DEFAULT_SWEEP_CRON),
            "Starting it sweeps Cafe24's webhook delivery log of every connected mall every 10 minutes "
            "(CAFE24_WEBHOOK_SWEEP_CRON): deliveries Cafe24 could not make go back into the inbox and are "
            "processed (orders and products re-fetched by id).",
            busy=mall_busy,
            busy_reason="an order run",
        ),
    ]
