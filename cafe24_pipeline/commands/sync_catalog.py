"""`cafe24-pipeline sync catalog` and `sync inventory`: run the catalogue jobs by hand.

They launch the same Dagster jobs the schedules launch (on the local instance, so the runs show in
the UI), print what each asset fetched, stored and skipped (with reasons) and every failed check,
and exit non-zero when anything failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional
from zoneinfo import ZoneInfo

import typer

from cafe24_pipeline.commands.common import console, err_console, load_settings, user_errors
from cafe24_pipeline.commands.job_report import RunReport, check_outcomes, materializations, run_mall_job, step_failures
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
    return JobReport(job_name=job_name, run_id=result.run_id, success=result.success, errors=step_failures(result),
                     assets=materializations(result), failed_checks=failed, warned_checks=warned)


def run_catalog_job(
    settings: Settings, mall: str, *, full: bool = False, product_nos: list[int] | None = None
) -> JobReport:
    """Run `catalog_job` (full) or `catalog_incremental_job` (auto / chosen products) for one mall."""
    from cafe24_pipeline.schedules.catalog import product_sync_config

    job_name = "catalog_job" if full and not product_nos else "catalog_incremental_job"
    mode = "products" if product_nos else ("full" if full else "auto")
    result = run_mall_job(settings, mall, job_name, run_config=product_sync_config(mode, product_nos))
    return _report(job_name, result)


def run_inventory_job(settings: Settings, mall: str) -> JobReport:
    """Snapshot today's (KST) stock of one mall."""
    from dagster import MultiPartitionKey

    day = datetime.now(ZoneInfo("Asia/Seoul")).date().isoformat()
    result = run_mall_job(settings, mall, "inventory_snapshot_job",
                          partition_key=MultiPartitionKey({"mall": mall, "day": day}))
    return _report("inventory_snapshot_job", result)


def print_report(report: JobReport) -> None:
    console.print(f"[bold]{report.job_name}[/] run {report.run_id}", highlight=False)
    for a in report.assets:
        reasons = a.get("skipped_by_reason") or {}
        why = ", ".join(f"{k} {v}" for k, v in reasons.items()) if isinstance(reasons, dict) and reasons else "-"
        console.print(
            f"  {a['asset']:<28} fetched {a.get('rows_fetched', '?'):>6}  stored {a.get('rows_stored', '?'):>6}  "
            f"skipped {a.get('rows_skipped', '?'):>6} ({why})  deleted {a.get('rows_deleted', 0)}  "
            f"API calls {a.get('api_calls', 0)}",
            highlight=False,
        )
        if a.get("sku_conflicts_open"):
            console.print(f"    [yellow]{a['sku_conflicts_open']} SKU conflicts open[/] (see `cafe24-pipeline status`)")
    for c in report.warned_checks:
        console.print(f"  [yellow]warning[/] {c['check']}: {c['offending_rows']} rows", highlight=False)
    for c in report.failed_checks:
        err_console.print(f"  [red]check failed[/] {c['check']}: {c['offending_rows']} rows", highlight=False)
    for e in report.errors:
        err_console.print(f"  [red]failed[/] {e}", highlight=False)
    if report.ok:
        console.print("[green]OK[/]")


def sync_catalog_command(
    mall: Optional[str] = typer.Option(None, "--mall", help="Mall id (default: CAFE24_MALL_ID)."),
    product_no: Optional[list[int]] = typer.Option(
        None, "--product-no", help="Re-sync only these products (repeatable); a variation group is one product."
    ),
    full: bool = typer.Option(False, "--full", help="Full scan (also concludes deletions) instead of changes only."),
) -> None:
    """Pull the catalogue from Cafe24 into the mirror and the OMS master."""
    settings = load_settings()
    with user_errors():
        mall_id = settings.require_mall(mall, "sync catalog")
    if full and product_no:
        err_console.print("[red]Error:[/] --full and --product-no exclude each other")
        raise typer.Exit(2)
    report = run_catalog_job(settings, mall_id, full=full, product_nos=list(product_no or []))
    print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def sync_inventory_command(
    mall: Optional[str] = typer.Option(None, "--mall", help="Mall id (default: CAFE24_MALL_ID)."),
) -> None:
    """Snapshot today's stock per variant (a fresh full product scan first)."""
    settings = load_settings()
    with user_errors():
        mall_id = settings.require_mall(mall, "sync inventory")
    report = run_inventory_job(settings, mall_id)
    print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    sync_app.command("catalog")(sync_catalog_command)
    sync_app.command("inventory")(sync_inventory_command)
