"""Catalogue jobs and their cadences: incremental every 30 minutes, a full scan daily, a daily
inventory snapshot. Each schedule fans out one run per connected mall (the dynamic `malls`
partition), tagged `cafe24/mall_id` so the instance runs at most one job per mall at a time.

Cadences are cron strings from the environment (Asia/Seoul time), read when the definitions are
built:
    CAFE24_CATALOG_INCREMENTAL_CRON   default "*/30 * * * *"
    CAFE24_CATALOG_FULL_SCAN_CRON     default "30 3 * * *"   (03:30 KST, quiet hours)
    CAFE24_INVENTORY_SNAPSHOT_CRON    default "50 23 * * *"  (23:50 KST, the day's closing stock)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._utils.schedules import is_valid_cron_string

from cafe24_pipeline.assets.catalog import (
    BRANDS,
    CATEGORIES,
    INVENTORY_SNAPSHOTS,
    OMS_LISTINGS,
    OMS_PRODUCTS,
    PRODUCT_SYNC_OP,
    PRODUCTS,
    VARIANTS,
)
from cafe24_pipeline.partitions import (
    KST,
    MALLS_PARTITION_NAME,
)

MALL_TAG = "cafe24/mall_id"
DEFAULT_INCREMENTAL_CRON = "*/30 * * * *"
DEFAULT_FULL_SCAN_CRON = "30 3 * * *"
DEFAULT_INVENTORY_CRON = "50 23 * * *"

CATALOG_ASSETS = [CATEGORIES, BRANDS, PRODUCTS, VARIANTS, OMS_LISTINGS, OMS_PRODUCTS]


def product_sync_config(mode: str, product_nos: list[int] | None = None, **extra: int) -> dict:
    """Run config selecting how the product step fetches (full, incremental, auto, or chosen products);
    `extra` sets other ProductSyncConfig fields (overlap_minutes, safety_lag_seconds)."""
    config = {"mode": mode, "product_nos": list(product_nos or []), **extra}
    return {"ops": {PRODUCT_SYNC_OP: {"config": config}}}


catalog_job = dg.define_asset_job(
    "catalog_job",
    selection=dg.AssetSelection.assets(*CATALOG_ASSETS),
    config=product_sync_config("full"),
    tags={"cafe24/stream": "catalog_full"},
    description="Full catalogue scan of one mall: categories, brands, every product and variant (deletions "
    "concluded only from a complete scan), then SKU links and the OMS master.",
)

catalog_incremental_job = dg.define_asset_job(
    "catalog_incremental_job",
    selection=dg.AssetSelection.assets(BRANDS, PRODUCTS, VARIANTS, OMS_LISTINGS, OMS_PRODUCTS),
    config=product_sync_config("auto"),
    tags={"cafe24/stream": "catalog_incremental"},
    description="Products changed since the last run (updated-date window with overlap; the full import when "
    "the mall was never synced), brands, then SKU links and the OMS master.",
)

inventory_snapshot_job = dg.define_asset_job(
    "inventory_snapshot_job",
    selection=dg.AssetSelection.assets(INVENTORY_SNAPSHOTS),
    tags={"cafe24/stream": "inventory_snapshot"},
    description="Today's (KST) stock per variant of one mall.",
)

catalog_jobs = [catalog_job, catalog_incremental_job, inventory_snapshot_job]


def _malls(context: dg.ScheduleEvaluationContext) -> list[str]:
    return sorted(context.instance.get_dynamic_partitions(MALLS_PARTITION_NAME))


def _per_mall_schedule(name: str, job: dg.UnresolvedAssetJobDefinition, cron: str, description: str) -> dg.ScheduleDefinition:
    @dg.schedule(name=name, job=job, cron_schedule=cron, execution_timezone=KST,
                 default_status=dg.DefaultScheduleStatus.RUNNING, description=description)
    def _schedule(context: dg.ScheduleEvaluationContext):
        malls = _malls(context)
        if not malls:
            return dg.SkipReason("no mall connected yet (the dynamic 'malls' partition is empty)")
        tick = context.scheduled_execution_time.isoformat() if context.scheduled_execution_time else "manual"
        return [
            dg.RunRequest(run_key=f"{name}:{mall}:{tick}", partition_key=mall, tags={MALL_TAG: mall})
            for mall in malls
        ]

    return _schedule


def _inventory_schedule(cron: str) -> dg.ScheduleDefinition:
    @dg.schedule(name="inventory_snapshot_schedule", job=inventory_snapshot_job, cron_schedule=cron,
                 execution_timezone=KST, default_status=dg.DefaultScheduleStatus.RUNNING,
                 description="Daily stock snapshot of every connected mall for the current KST day.")
    def _schedule(context: dg.ScheduleEvaluationContext):
        malls = _malls(context)
        if not malls:
            return dg.SkipReason("no mall connected yet (the dynamic 'malls' partition is empty)")
        when = context.scheduled_execution_time or datetime.now(ZoneInfo(KST))
        day = when.astimezone(ZoneInfo(KST)).date().isoformat()
        return [
            dg.RunRequest(
                run_key=f"inventory_snapshot:{mall}:{day}",
                partition_key=dg.MultiPartitionKey({"mall": mall, "day": day}),
                tags={MALL_TAG: mall},
            )
            for mall in malls
        ]

    return _schedule


def build_catalog_schedules(env: Mapping[str, str] | None = None) -> list[dg.ScheduleDefinition]:
    """The three catalogue schedules with cadences from `env` (os.environ by default)."""
    env = os.environ if env is None else env

    def cron(name: str, default: str) -> str:
        value = (env.get(name) or "").strip() or default
        if len(value.split()) != 5 or not is_valid_cron_string(value):
            raise ValueError(f"{name}={value!r} is not a 5-field cron string (e.g. {default!r})")
        return value

    return [
        _per_mall_schedule("catalog_incremental_schedule", catalog_incremental_job,
                           cron("CAFE24_CATALOG_INCREMENTAL_CRON", DEFAULT_INCREMENTAL_CRON),
                           "Pull Cafe24 product edits into the mirror and the OMS master."),
        _per_mall_schedule("catalog_full_scan_schedule", catalog_job,
                           cron("CAFE24_CATALOG_FULL_SCAN_CRON", DEFAULT_FULL_SCAN_CRON),
                           "Full catalogue scan: catches edits that do not bump updated_date and detects deletions."),
        _inventory_schedule(cron("CAFE24_INVENTORY_SNAPSHOT_CRON", DEFAULT_INVENTORY_CRON)),
    ]
