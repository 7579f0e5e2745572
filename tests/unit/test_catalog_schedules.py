"""Catalogue schedules: cadences from the environment, one run per connected mall, clear errors."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from cafe24_pipeline.partitions import MALLS_PARTITION_NAME
from cafe24_pipeline.schedules.catalog import build_catalog_schedules


def _by_name(schedules):
    return {s.name: s for s in schedules}


def test_cadences_come_from_the_environment():
    s = _by_name(build_catalog_schedules({"CAFE24_CATALOG_INCREMENTAL_CRON": "*/15 * * * *"}))
    assert s["catalog_incremental_schedule"].cron_schedule == "*/15 * * * *"
    assert s["catalog_full_scan_schedule"].cron_schedule == "30 3 * * *"
    assert s["inventory_snapshot_schedule"].execution_timezone == "Asia/Seoul"


def test_bad_cron_names_the_variable():
    with pytest.raises(ValueError, match="CAFE24_CATALOG_FULL_SCAN_CRON"):
        build_catalog_schedules({"CAFE24_CATALOG_FULL_SCAN_CRON": "every day"})


def test_schedules_fan_out_per_mall_with_mall_tag():
    from cafe24_pipeline.definitions import defs

    s = _by_name(build_catalog_schedules({}))
    # Today, not a fixed date: the inventory day calendar rolls (its first day is a week before the load).
    today = datetime.now(ZoneInfo("Asia/Seoul")).date()
    with dg.instance_for_test() as instance:
        ctx = dg.build_schedule_context(
            instance=instance,
            repository_def=defs.get_repository_def(),
            scheduled_execution_time=datetime.combine(today, time(23, 50), tzinfo=ZoneInfo("Asia/Seoul")),
        )
        skipped = s["catalog_incremental_schedule"].evaluate_tick(ctx)
        assert not skipped.run_requests and skipped.skip_message
        instance.add_dynamic_partitions(MALLS_PARTITION_NAME, ["mall-a", "mall-b"])
        runs = s["catalog_incremental_schedule"].evaluate_tick(ctx).run_requests
        assert [r.partition_key for r in runs] == ["mall-a", "mall-b"]
        assert [r.tags["cafe24/mall_id"] for r in runs] == ["mall-a", "mall-b"]
        snaps = s["inventory_snapshot_schedule"].evaluate_tick(ctx).run_requests
        assert snaps[0].partition_key == dg.MultiPartitionKey({"mall": "mall-a", "day": today.isoformat()})


def test_definitions_load_with_catalogue_jobs():
    from cafe24_pipeline.definitions import defs

    dg.Definitions.validate_loadable(defs)
    for name in ("catalog_job", "catalog_incremental_job", "inventory_snapshot_job"):
        assert defs.resolve_job_def(name) is not None
