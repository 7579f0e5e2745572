"""`cafe24-pipeline sync catalog` and `sync inventory`: run the catalogue jobs by hand.

They launch the same Dagster jobs the schedules launch (on the local instance, so the runs show in
the UI), print what each asset fetched, stored and skipped (with reasons) and every failed check,
and exit non-zero when anything failed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional
from zoneinfo import ZoneInfo

import typer

from cafe24_pipeline.commands.common import (
    console,
    err_console,
    fail,
    load_settings,
)
from cafe24_pipeline.commands.job_report import (
    RunReport,
    check_outcomes,
    materializations,
    run_mall_job,
    step_failures,
)
from cafe24_pipeline.commands.progress_bar import progress_bar
from cafe24_pipeline.commands.result_lines import print_results
from cafe24_pipeline.commands.malls import connected_mall
from cafe24_pipeline.commands.sync import sync_app
from cafe24_pipeline.settings import Settings


@dataclass
class JobReport(RunReport):
    """What a catalogue job run did, per asset and per check; `ok` is False on any failure."""

    assets: list[dict[str, Any]] = field(default_factory=list)
    failed_checks: list[dict[str, Any]] = field(default_factory=list)
    warned_checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.success and not self.failed_checks


def _report(job_name: str, result: Any) -> JobReport:
    failed, warned = check_outcomes(result)
    return JobReport(
        job_name=job_name,
        run_id=result.run_id,
        success=result.success,
        errors=step_failures(result),
        assets=materializations(result),
        failed_checks=failed,
        warned_checks=warned,
    )


def run_catalog_job(
    settings: Settings,
    mall: str,
    *,
    full: bool = False,
    product_nos: list[int] | None = None,
    run_id: str | None = None,
) -> JobReport:
    """Run `catalog_job` (full) or `catalog_incremental_job` (auto / chosen products) for one mall."""
    from cafe24_pipeline.schedules.catalog import product_sync_config

    job_name = "catalog_job" if full and not product_nos else "catalog_incremental_job"
    mode = "products" if product_nos else ("full" if full else "auto")
    result = run_mall_job(settings, mall, job_name, run_config=product_sync_config(mode, product_nos), run_id=run_id)
    return _report(job_name, result)


def run_inventory_job(settings: Settings, mall: str, run_id: str | None = None) -> JobReport:
    """Snapshot today's (KST) stock of one mall."""
    from dagster import MultiPartitionKey

    day = datetime.now(ZoneInfo("Asia/Seoul")).date().isoformat()
    result = run_mall_job(
        settings, mall, "inventory_snapshot_job", partition_key=MultiPartitionKey({"mall": mall, "day": day}), run_id=run_id
    )
    return _report("inventory_snapshot_job", result)


def print_report(report: JobReport) -> bool:
    """Print the run; True when it had warnings (malformed records left out, warned checks)."""
    return print_results(
        report.job_name,
        report.run_id,
        report.assets,
        failed_checks=report.failed_checks,
        warned_checks=report.warned_checks,
        errors=report.errors,
        success=report.success,
    )


def sync_catalog_command(
    mall: Optional[str] = typer.Option(None, "--mall", help="Mall id (default: CAFE24_MALL_ID)."),
    product_no: Optional[list[int]] = typer.Option(
        None, "--product-no", help="Re-sync only these products (repeatable); a variation group is one product."
    ),
    full: bool = typer.Option(False, "--full", help="Full scan (also concludes deletions) instead of changes only."),
) -> None:
    """Pull the catalogue from Cafe24 into the mirror and the OMS master."""
    settings = load_settings()
    bad = [n for n in product_no or [] if n < 1]
    if bad:
        fail(f"--product-no must be a Cafe24 product number (1 or more), got {bad[0]}")
    mall_id = connected_mall(settings, mall, "sync catalog")
    if full and product_no:
        err_console.print("[red]Error:[/] --full and --product-no exclude each other")
        raise typer.Exit(2)
    run_id = str(uuid.uuid4())
    job = "catalog_job" if full and not product_no else "catalog_incremental_job"
    with progress_bar(console, run_id=run_id, label=f"{job} ({mall_id})"):
        report = run_catalog_job(settings, mall_id, full=full, product_nos=list(product_no or []), run_id=run_id)
    print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def sync_inventory_command(
    mall: Optional[str] = typer.Option(None, "--mall", help="Mall id (default: CAFE24_MALL_ID)."),
) -> None:
    """Snapshot today's stock per variant (a fresh full product scan first)."""
    settings = load_settings()
    mall_id = connected_mall(settings, mall, "sync inventory")
    run_id = str(uuid.uuid4())
    with progress_bar(console, run_id=run_id, label=f"inventory_snapshot_job ({mall_id})"):
        report = run_inventory_job(settings, mall_id, run_id=run_id)
    print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    sync_app.command("catalog")(sync_catalog_command)
    sync_app.command("inventory")(sync_inventory_command)
