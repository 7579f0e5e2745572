"""Run the project's Dagster jobs from the CLI, on a persistent local instance.

Every `sync`/`push` command runs the same job that schedules and sensors run, so its runs show in
the UI. The instance lives in DAGSTER_HOME when set, else `<CAFE24_PIPELINE_HOME>/dagster_home`
(the folder `make dev` points the UI at).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dagster import DagsterInstance

from cafe24_pipeline.settings import Settings


def dagster_home(settings: Settings) -> Path:
    env_home = os.environ.get("DAGSTER_HOME")
    home = Path(env_home) if env_home else settings.ensure_home() / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    return home


LOCAL_INSTANCE_YAML = """\
# Local Dagster instance of cafe24-pipeline (written by the CLI on first use): SQLite storage in
# this folder. For production use deploy/dagster.yaml (PostgreSQL) instead.
telemetry:
  enabled: false
"""


def local_instance(settings: Settings) -> DagsterInstance:
    """The persistent instance the CLI and `dagster dev` share (an existing dagster.yaml is kept)."""
    home = dagster_home(settings)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(LOCAL_INSTANCE_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return DagsterInstance.get()


def ensure_mall_partition(instance: DagsterInstance, mall_id: str) -> None:
    """Register the mall in the dynamic `malls` partition (idempotent)."""
    from cafe24_pipeline.partitions import MALLS_PARTITION_NAME

    if not instance.has_dynamic_partition(MALLS_PARTITION_NAME, mall_id):
        instance.add_dynamic_partitions(MALLS_PARTITION_NAME, [mall_id])


def run_job(
    job_name: str,
    *,
    instance: DagsterInstance,
    partition_key: str | None = None,
    tags: dict[str, str] | None = None,
    run_config: dict[str, Any] | None = None,
):
    """Execute a job of the project's Definitions in process; returns the ExecuteInProcessResult.

    Failures do not raise: callers read `result.success` and report what failed.
    """
    from cafe24_pipeline.definitions import defs

    job = defs.resolve_job_def(job_name)
    config = dict(run_config or {})
    # The CLI prints its own summary; Dagster's step-by-step log stays in the run's event log (UI).
    config.setdefault("loggers", {"console": {"config": {"log_level": os.environ.get("CAFE24_PIPELINE_LOG_LEVEL", "WARNING")}}})
    return job.execute_in_process(
        instance=instance,
        partition_key=partition_key,
        tags=tags or {},
        run_config=config,
        raise_on_error=False,
    )
