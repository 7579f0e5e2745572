"""The one Definitions object: assets, checks, jobs, schedules, sensors and resources.

Each feature module exposes its own lists; this file only gathers them and wires resources
from `Settings`, so `dagster dev` and the CLI load exactly the same graph.
"""

from __future__ import annotations

from dagster import Definitions

from cafe24_pipeline.assets.catalog import catalog_assets
from cafe24_pipeline.assets.connections import cafe24_connections
from cafe24_pipeline.assets.orders import order_assets
from cafe24_pipeline.checks.catalog import catalog_checks
from cafe24_pipeline.checks.orders import order_checks
from cafe24_pipeline.checks.token_expiry import refresh_token_expiry
from cafe24_pipeline.resources import build_resources
from cafe24_pipeline.schedules.catalog import build_catalog_schedules, catalog_jobs
from cafe24_pipeline.schedules.orders import build_order_schedules, order_jobs
from cafe24_pipeline.schedules.token_keepalive import token_keepalive_job, token_keepalive_schedule
from cafe24_pipeline.settings import Settings

settings = Settings.from_env()

defs = Definitions(
    assets=[cafe24_connections, *catalog_assets, *order_assets],
    asset_checks=[refresh_token_expiry, *catalog_checks, *order_checks],
    jobs=[token_keepalive_job, *catalog_jobs, *order_jobs],
    schedules=[token_keepalive_schedule, *build_catalog_schedules(), *build_order_schedules()],
    sensors=[],
    resources=build_resources(settings),
)
