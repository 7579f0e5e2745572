"""The one Definitions object: assets, checks, jobs, schedules, sensors and resources.

Each feature module exposes its own lists; this file only gathers them and wires resources
from `Settings`, so `dagster dev` and the CLI load exactly the same graph.

Every job runs its steps one after another in the run's process (`in_process_executor`): the steps
of a run work on one mall, whose rate limit and lease they share, so parallel steps would only wait
for each other. `CAFE24_DAGSTER_EXECUTOR=celery` hands the steps to Celery workers instead (executors.py).
"""

from __future__ import annotations

from dagster import Definitions

from cafe24_pipeline.assets.catalog import catalog_assets
from cafe24_pipeline.assets.connections import cafe24_connections
from cafe24_pipeline.assets.describe import describe
from cafe24_pipeline.assets.fulfilment import fulfilment_assets, fulfilment_jobs
from cafe24_pipeline.assets.listing import listing_assets, listing_jobs
from cafe24_pipeline.assets.orders import order_assets
from cafe24_pipeline.assets.push import push_assets, push_job
from cafe24_pipeline.assets.webhooks import webhook_jobs
from cafe24_pipeline.checks.catalog import catalog_checks
from cafe24_pipeline.checks.orders import order_checks
from cafe24_pipeline.checks.token_expiry import refresh_token_expiry
from cafe24_pipeline.executors import build_executor
from cafe24_pipeline.resources import build_resources
from cafe24_pipeline.schedules.catalog import build_catalog_schedules, catalog_jobs
from cafe24_pipeline.schedules.orders import build_order_schedules, order_jobs
from cafe24_pipeline.schedules.token_keepalive import token_keepalive_job, token_keepalive_schedule
from cafe24_pipeline.schedules.webhooks import build_webhook_schedules
from cafe24_pipeline.sensors.listing import build_bulk_inbox_sensor
from cafe24_pipeline.sensors.push import build_push_sensor
from cafe24_pipeline.sensors.webhooks import build_webhook_sensor
from cafe24_pipeline.sensors.wms import wms_picked_sensor
from cafe24_pipeline.settings import Settings

settings = Settings.from_env()

defs = Definitions(
    assets=describe([cafe24_connections, *catalog_assets, *order_assets, *push_assets, *fulfilment_assets, *listing_assets]),
    asset_checks=[refresh_token_expiry, *catalog_checks, *order_checks],
    jobs=[token_keepalive_job, *catalog_jobs, *order_jobs, push_job, *fulfilment_jobs, *listing_jobs, *webhook_jobs],
    schedules=[token_keepalive_schedule, *build_catalog_schedules(), *build_order_schedules(), *build_webhook_schedules()],
    sensors=[build_push_sensor(settings), wms_picked_sensor, build_bulk_inbox_sensor(settings), build_webhook_sensor(settings)],
    resources=build_resources(settings),
    executor=build_executor(settings),
)
