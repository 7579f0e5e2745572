"""The one Definitions object: assets, checks, jobs, schedules, sensors and resources.

Each feature module exposes its own lists; this file only gathers them and wires resources
from `Settings`, so `dagster dev` and the CLI load exactly the same graph.
"""

from __future__ import annotations

from dagster import Definitions

from cafe24_pipeline.resources import build_resources
from cafe24_pipeline.settings import Settings

settings = Settings.from_env()

defs = Definitions(
    assets=[],
    asset_checks=[],
    jobs=[],
    schedules=[],
    sensors=[],
    resources=build_resources(settings),
)
