"""What every per-mall schedule shares: cron cadences from the environment, the connected malls (the
dynamic `malls` partition), and the fan-out of one run per mall (or per mall × KST day), each run
tagged `cafe24/mall_id` so the instance runs at most one job per mall at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Union
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._utils.schedules import is_valid_cron_string

from cafe24_pipeline.partitions import KST, MALLS_PARTITION_NAME

MALL_TAG = "cafe24/mall_id"
STREAM_TAG = "cafe24/stream"
# Every schedule starts STOPPED: a fresh deployment calls no store until an operator switches the
# cadences on (the UI's Automation page, or `dagster schedule start`), as the README says.
DEFAULT_SCHEDULE_STATUS = dg.DefaultScheduleStatus.STOPPED
NO_MALL_CONNECTED = "no mall connected yet (the dynamic 'malls' partition is empty)"

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

AnyJob = Union[dg.JobDefinition, "UnresolvedAssetJobDefinition"]
MallBusy = Callable[[dg.DagsterInstance, str], bool]


def cron_from_env(env: Mapping[str, str], name: str, default: str) -> str:
    """The cron string in `env[name]` (blank or unset: `default`); anything but a valid 5-field cron
    is refused with an error naming the variable, so a typo fails at load instead of never firing."""
    value = (env.get(name) or "").strip() or default
    if len(value.split()) != 5 or not is_valid_cron_string(value):
        raise ValueError(f"{name}={value!r} is not a 5-field cron string (e.g. {default!r})")
    return value


def connected_malls(context: dg.ScheduleEvaluationContext) -> list[str]:
    """Every mall registered in the dynamic `malls` partition, sorted."""
    return sorted(context.instance.get_dynamic_partitions(MALLS_PARTITION_NAME))


def _per_mall(
    name: str,
    job: AnyJob,
    cron: str,
    description: str,
    requests: Callable[[dg.ScheduleEvaluationContext, list[str]], list[dg.RunRequest] | dg.SkipReason],
) -> dg.ScheduleDefinition:
    """A KST schedule, stopped until an operator starts it, that skips while no mall is connected
    and otherwise asks `requests`."""

    @dg.schedule(
        name=name,
        job=job,
        cron_schedule=cron,
        execution_timezone=KST,
        default_status=DEFAULT_SCHEDULE_STATUS,
        description=description,
    )
    def _schedule(context: dg.ScheduleEvaluationContext):
        malls = connected_malls(context)
        if not malls:
            return dg.SkipReason(NO_MALL_CONNECTED)
        return requests(context, malls)

    return _schedule


def mall_schedule(
    name: str, job: AnyJob, cron: str, description: str, *, busy: MallBusy | None = None, busy_reason: str = "a run"
) -> dg.ScheduleDefinition:
    """One run per connected mall on the `malls` partition, keyed by schedule, mall and tick.

    `busy(instance, mall)` true leaves that mall out of this tick; when every mall is busy the tick
    is skipped with "`busy_reason` is still in progress for ...".
    """

    def requests(context: dg.ScheduleEvaluationContext, malls: list[str]):
        tick = context.scheduled_execution_time.isoformat() if context.scheduled_execution_time else "manual"
        idle = [m for m in malls if busy is None or not busy(context.instance, m)]
        if not idle:
            return dg.SkipReason(f"{busy_reason} is still in progress for {', '.join(malls)}")
        return [dg.RunRequest(run_key=f"{name}:{mall}:{tick}", partition_key=mall, tags={MALL_TAG: mall}) for mall in idle]

    return _per_mall(name, job, cron, description, requests)


def mall_day_schedule(
    name: str,
    job: AnyJob,
    cron: str,
    description: str,
    *,
    run_key_prefix: str,
    days_back: int = 0,
    per_tick: bool = False,
    busy: MallBusy | None = None,
    busy_reason: str = "a run",
) -> dg.ScheduleDefinition:
    """One run per connected mall on the mall × KST day partition of the tick's day minus `days_back`.

    The run key names mall and day, so a day is requested once however often the schedule ticks —
    unless `per_tick` (polls: every tick is a new run on today's partition). `busy(instance, mall)`
    true leaves that mall out of this tick, as in `mall_schedule`.
    """

    def requests(context: dg.ScheduleEvaluationContext, malls: list[str]):
        when = context.scheduled_execution_time or datetime.now(ZoneInfo(KST))
        day = (when.astimezone(ZoneInfo(KST)).date() - timedelta(days=days_back)).isoformat()
        tick = f":{when.isoformat()}" if per_tick else ""
        idle = [m for m in malls if busy is None or not busy(context.instance, m)]
        if not idle:
            return dg.SkipReason(f"{busy_reason} is still in progress for {', '.join(malls)}")
        return [
            dg.RunRequest(
                run_key=f"{run_key_prefix}:{mall}:{day}{tick}",
                partition_key=dg.MultiPartitionKey({"mall": mall, "day": day}),
                tags={MALL_TAG: mall},
            )
            for mall in idle
        ]

    return _per_mall(name, job, cron, description, requests)
