"""Run the project's Dagster jobs from the CLI, on a persistent local instance.

Every `sync`/`push` command runs the same job that schedules and sensors run, so its runs show in
the UI. The instance lives in DAGSTER_HOME when set, else `<CAFE24_PIPELINE_HOME>/dagster_home`
(the folder `make dev` points the UI at).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from dagster import DagsterInstance

from cafe24_pipeline.files import private_dir
from cafe24_pipeline.settings import Settings, SettingsError


def dagster_home(settings: Settings) -> Path:
    env_home = os.environ.get("DAGSTER_HOME")
    home = Path(env_home) if env_home else settings.ensure_home() / "dagster_home"
    try:
        private_dir(home)
    except OSError as exc:
        raise SettingsError(
            f"the Dagster home {home} cannot be created ({exc.strerror or exc}); "
            "set DAGSTER_HOME (or CAFE24_PIPELINE_HOME) to a folder you can write"
        ) from None
    return home


LOCAL_INSTANCE_YAML = """\
# Local Dagster instance of cafe24-pipeline (written by the CLI on first use): SQLite storage in
# this folder. For production use deploy/dagster.yaml (PostgreSQL) instead.
telemetry:
  enabled: false

# A run whose process died (kill -9, a crash) is marked failed instead of staying STARTED: the
# daemon of `make dev` polls STARTED runs and the launcher tells it when the process is gone.
run_launcher:
  module: cafe24_pipeline.run_monitoring
  class: Cafe24RunLauncher

run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  cancel_timeout_seconds: 180
  max_resume_run_attempts: 0
  poll_interval_seconds: 30
  max_runtime_seconds: 21600
"""
_MONITORING_MARKER = "run_monitoring:"


def local_instance(settings: Settings) -> DagsterInstance:
    """The persistent instance the CLI and `dagster dev` share (an existing dagster.yaml is kept)."""
    home = dagster_home(settings)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(LOCAL_INSTANCE_YAML)
    elif _MONITORING_MARKER not in config.read_text() and _written_by_us(config):
        config.write_text(LOCAL_INSTANCE_YAML)  # an older CLI's file: add run monitoring
    os.environ["DAGSTER_HOME"] = str(home)
    return DagsterInstance.get()


def _written_by_us(config: Path) -> bool:
    return config.read_text().startswith("# Local Dagster instance of cafe24-pipeline (written by the CLI")


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
    run_id: str | None = None,
):
    """Execute a job of the project's Definitions in process; returns the ExecuteInProcessResult.

    Failures do not raise: callers read `result.success` and report what failed.
    """
    from cafe24_pipeline.definitions import defs
    from cafe24_pipeline.run_monitoring import HOST_TAG, fail_dead_runs

    job = defs.resolve_job_def(job_name)
    tags = {**(tags or {}), HOST_TAG: socket.gethostname()}
    mall = tags.get("cafe24/mall_id")
    # no daemon watches the CLI's runs: a killed earlier run of this mall is marked failed here
    fail_dead_runs(instance, tags={"cafe24/mall_id": mall} if mall else None)
    config = dict(run_config or {})
    # The CLI prints its own summary; Dagster's step-by-step log stays in the run's event log (UI).
    config.setdefault("loggers", {"console": {"config": {"log_level": os.environ.get("CAFE24_PIPELINE_LOG_LEVEL", "WARNING")}}})
    return job.execute_in_process(
        instance=instance,
        partition_key=partition_key,
        tags=tags,
        run_config=config,
        raise_on_error=False,
        run_id=run_id,
    )
