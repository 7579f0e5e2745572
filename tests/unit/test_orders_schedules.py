"""Order schedules: env-configurable cadences, one run per mall, a busy mall is skipped."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from cafe24_pipeline.partitions import MALLS_PARTITION_NAME
from cafe24_pipeline.schedules.orders import MALL_TAG, STREAM_TAG, build_order_schedules


def _repo():
    from cafe24_pipeline.definitions import defs

    return defs.get_repository_def()


def _any_job() -> dg.JobDefinition:
    @dg.op
    def noop() -> None:
        pass

    @dg.job
    def order_status_job() -> None:
        noop()

    return order_status_job


def _kst_today_at(hour: int, minute: int) -> datetime:
    """Today (KST) at a time: the order day calendar rolls with the load, so fixed dates age out of it."""
    return datetime.combine(datetime.now(ZoneInfo("Asia/Seoul")).date(), time(hour, minute), tzinfo=ZoneInfo("Asia/Seoul"))


def _by_name(schedules):
    return {s.name: s for s in schedules}


def test_default_and_env_cadences():
    defaults = _by_name(build_order_schedules({}))
    assert defaults["orders_new_schedule"].cron_schedule == "*/5 * * * *"
    assert defaults["order_status_schedule"].cron_schedule == "*/30 * * * *"
    custom = _by_name(build_order_schedules({"CAFE24_ORDERS_NEW_CRON": "*/2 * * * *", "CAFE24_ORDER_STATUS_CRON": "0 * * * *"}))
    assert custom["orders_new_schedule"].cron_schedule == "*/2 * * * *"
    assert custom["order_status_schedule"].cron_schedule == "0 * * * *"


def test_bad_cron_is_refused_naming_the_variable():
    with pytest.raises(ValueError, match="CAFE24_ORDERS_NEW_CRON"):
        build_order_schedules({"CAFE24_ORDERS_NEW_CRON": "every five minutes"})


def test_one_run_per_mall_and_busy_mall_skipped():
    schedule = _by_name(build_order_schedules({}))["order_status_schedule"]
    when = _kst_today_at(10, 30)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(MALLS_PARTITION_NAME, ["mall_a", "mall_b"])
        ctx = dg.build_schedule_context(instance=instance, scheduled_execution_time=when, repository_def=_repo())
        requests = schedule.evaluate_tick(ctx).run_requests
        today = when.date().isoformat()
        assert sorted((r.partition_key, r.tags[MALL_TAG]) for r in requests) == [
            (dg.MultiPartitionKey({"mall": "mall_a", "day": today}), "mall_a"),
            (dg.MultiPartitionKey({"mall": "mall_b", "day": today}), "mall_b"),
        ]

        # a status run for mall_a is still going: the next tick leaves mall_a alone
        instance.create_run_for_job(
            _any_job(),  # the busy check reads the run's tags only (the real job's resources need env)
            run_config={},
            tags={MALL_TAG: "mall_a", STREAM_TAG: "order_status"},
            status=dg.DagsterRunStatus.STARTED,
        )
        requests = schedule.evaluate_tick(
            dg.build_schedule_context(instance=instance, scheduled_execution_time=when, repository_def=_repo())
        ).run_requests
        assert [r.partition_key for r in requests] == [dg.MultiPartitionKey({"mall": "mall_b", "day": today})]


def test_reconciliation_targets_the_previous_kst_day():
    schedule = _by_name(build_order_schedules({}))["order_reconciliation_schedule"]
    when = _kst_today_at(1, 30)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(MALLS_PARTITION_NAME, ["mall_a"])
        requests = schedule.evaluate_tick(
            dg.build_schedule_context(instance=instance, scheduled_execution_time=when, repository_def=_repo())
        ).run_requests
        assert [r.partition_key for r in requests] == [
            dg.MultiPartitionKey({"mall": "mall_a", "day": (when.date() - timedelta(days=1)).isoformat()})
        ]
