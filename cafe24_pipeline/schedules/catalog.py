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

import dagster as dg

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
from cafe24_pipeline.schedules.common import STREAM_TAG, cron_from_env, mall_day_schedule, mall_schedule

DEFAULT_INCREMENTAL_CRON = "*/30 * * * *"
DEFAULT_FULL_SCAN_CRON = "30 3 * * *"
DEFAULT_INVENTORY_CRON = "50 23 * * *"

CATALOG_ASSETS = [CATEGORIES, BRANDS, PRODUCTS, VARIANTS, OMS_LISTINGS, OMS_PRODUCTS]


def product_sync_config(mode: str, product_nos: list[int] | None = None, **extra: int) -> dict:
    """Run config selecting how the product step fetches (full, incremental, auto, or chosen products);
    `extra` sets other ProductSyncConfig fields (overlap_minutes, safety_lag_seconds)."""
    config = {"mode": mode, "product_nos": list(product_nos or []), **extra}
    return {"ops": {PRODUCT_SYNC_OP: {"config": config}}}


def _product_scan_job(name: str, assets: list[dg.AssetKey], mode: str, stream: str, description: str):
    """An asset job whose product step fetches in `mode`, tagged with its stream."""
    return dg.define_asset_job(
        name,
        selection=dg.AssetSelection.assets(*assets),
        config=product_sync_config(mode),
        tags={STREAM_TAG: stream},
        description=description,
    )


catalog_job = _product_scan_job(
    "catalog_job",
    CATALOG_ASSETS,
    "full",
    "catalog_full",
    "Full catalogue scan of one mall: categories, brands, every product and variant (deletions "
    "concluded only from a complete scan), then SKU links and the OMS master.",
)

catalog_incremental_job = _product_scan_job(
    "catalog_incremental_job",
    [BRANDS, PRODUCTS, VARIANTS, OMS_LISTINGS, OMS_PRODUCTS],
    "auto",
    "catalog_incremental",
    "Products changed since the last run (updated-date window with overlap; the full import when "
    "the mall was never synced), brands, then SKU links and the OMS master.",
)

inventory_snapshot_job = dg.define_asset_job(
    "inventory_snapshot_job",
    selection=dg.AssetSelection.assets(INVENTORY_SNAPSHOTS),
    tags={STREAM_TAG: "inventory_snapshot"},
    description="Today's (KST) stock per variant of one mall.",
)

catalog_jobs = [catalog_job, catalog_incremental_job, inventory_snapshot_job]


def build_catalog_schedules(env: Mapping[str, str] | None = None) -> list[dg.ScheduleDefinition]:
    """The three catalogue schedules with cadences from `env` (os.environ by default)."""
    env = os.environ if env is None else env
    return [
        mall_schedule(
            "catalog_incremental_schedule",
            catalog_incremental_job,
            cron_from_env(env, "CAFE24_CATALOG_INCREMENTAL_CRON", DEFAULT_INCREMENTAL_CRON),
            "Starting it pulls, for every connected mall, Cafe24 product and brand edits into the mirror and the "
            "OMS master (catalog_incremental_job, one run per mall).",
        ),
        mall_schedule(
            "catalog_full_scan_schedule",
            catalog_job,
            cron_from_env(env, "CAFE24_CATALOG_FULL_SCAN_CRON", DEFAULT_FULL_SCAN_CRON),
            "Starting it scans every connected mall's whole catalogue nightly (catalog_job): catches edits that "
            "do not bump updated_date and concludes deletions.",
        ),
        mall_day_schedule(
            "inventory_snapshot_schedule",
            inventory_snapshot_job,
            cron_from_env(env, "CAFE24_INVENTORY_SNAPSHOT_CRON", DEFAULT_INVENTORY_CRON),
            "Starting it snapshots every connected mall's stock per variant for the current KST day "
            "(inventory_snapshot_job on the mall × day partition).",
            run_key_prefix="inventory_snapshot",
        ),
    ]
