"""Which Dagster executor runs the steps of a run: in the run's own process (default) or on Celery.

    CAFE24_DAGSTER_EXECUTOR   in_process (default) | celery

`celery` (needs `pip install dagster-celery`) sends each step to the Celery workers of
deploy/celery/ — the way to spread the work of one instance over several machines without
Kubernetes; the broker and result backend come from CAFE24_CELERY_BROKER_URL and
CAFE24_CELERY_BACKEND_URL, resolved at launch. Everything else (the run queue, one run per mall,
pools) stays with the instance (deploy/celery/dagster.yaml).
"""

from __future__ import annotations

from dagster import ExecutorDefinition, in_process_executor

from cafe24_pipeline.settings import Settings, SettingsError

ENV_EXECUTOR = "CAFE24_DAGSTER_EXECUTOR"
EXECUTORS = ("in_process", "celery")


def build_executor(settings: Settings) -> ExecutorDefinition:
    choice = (settings.value(ENV_EXECUTOR) or "in_process").lower()
    if choice not in EXECUTORS:
        raise SettingsError(f"{ENV_EXECUTOR} must be one of {', '.join(EXECUTORS)} (got {choice!r})")
    if choice == "in_process":
        return in_process_executor
    try:
        from dagster_celery import celery_executor
    except ImportError:
        raise SettingsError(f"{ENV_EXECUTOR}=celery needs dagster-celery: pip install dagster-celery") from None
    return celery_executor.configured(
        {
            "broker": {"env": "CAFE24_CELERY_BROKER_URL"},
            "backend": {"env": "CAFE24_CELERY_BACKEND_URL"},
            "config_source": {"worker_prefetch_multiplier": 1, "task_acks_late": True},
        },
        name="celery",
    )
