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
from cafe24_pipeline.commands.sync import sync_app
from cafe24_pipeline.settings import Settings

MALL_TAG = "cafe24/mall_id"


@dataclass
class JobReport:
    """What a catalogue job run did, per asset and per check; `ok` is False on any failure."""

    job_name: str
    run_id: str
    success: bool
    assets: list[dict[str, Any]] = field(default_factory=list)
    failed_checks: list[dict[str, Any]] = field(default_factory=list)
    warned_checks: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.success and not self.failed_checks


def _metadata_value(entry: Any) -> Any:
    return getattr(entry, "value", entry)


def _report(job_name: str, result: Any) -> JobReport:
    report = JobReport(job_name=job_name, run_id=result.run_id, success=result.success)
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            mat = event.event_specific_data.materialization
            meta = {k: _metadata_value(v) for k, v in mat.metadata.items()}
            report.assets.append({"asset": mat.asset_key.to_user_string(), **meta})
        elif event.event_type_value == "STEP_FAILURE":
            data = event.step_failure_data
            message = data.error.message.strip().splitlines()[-1] if data and data.error else "failed"
            if data and data.error and data.error.cause:
                message = data.error.cause.message.strip().splitlines()[-1]
            report.errors.append(f"{event.step_key}: {message}")
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            continue
        item = {
            "check": f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}",
            "offending_rows": _metadata_value(evaluation.metadata.get("offending_rows_count", 0)),
        }
        if evaluation.severity.value == "ERROR":
            report.failed_checks.append(item)
        else:
            report.warned_checks.append(item)
    return report


def run_catalog_job(
    settings: Settings, mall: str, *, full: bool = False, product_nos: list[int] | None = None
) -> JobReport:
    """Run `catalog_job` (full) or `catalog_incremental_job` (auto / chosen products) for one mall."""
    from cafe24_pipeline.commands.dagster_runs import ensure_mall_partition, local_instance, run_job
    from cafe24_pipeline.schedules.catalog import product_sync_config

    job_name = "catalog_job" if full and not product_nos else "catalog_incremental_job"
    mode = "products" if product_nos else ("full" if full else "auto")
    instance = local_instance(settings)
    try:
        ensure_mall_partition(instance, mall)
        result = run_job(
            job_name,
            instance=instance,
            partition_key=mall,
            tags={MALL_TAG: mall, "cafe24/trigger": "cli"},
            run_config=product_sync_config(mode, product_nos),
        )
        return _report(job_name, result)
    finally:
        instance.dispose()


def run_inventory_job(settings: Settings, mall: str) -> JobReport:
    """Snapshot today's (KST) stock of one mall."""
    from dagster import MultiPartitionKey

    from cafe24_pipeline.commands.dagster_runs import ensure_mall_partition, local_instance, run_job

    day = datetime.now(ZoneInfo("Asia/Seoul")).date().isoformat()
    instance = local_instance(settings)
    try:
        ensure_mall_partition(instance, mall)
        result = run_job(
            "inventory_snapshot_job",
            instance=instance,
            partition_key=MultiPartitionKey({"mall": mall, "day": day}),
            tags={MALL_TAG: mall, "cafe24/trigger": "cli"},
        )
        return _report("inventory_snapshot_job", result)
    finally:
        instance.dispose()


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
