"""`cafe24-pipeline sync orders [--since DATE]` and `sync order-status`: the manual "Sync Orders".

Both launch the same Dagster jobs the schedules launch (`orders_new_job`, `order_status_job`) on
the local instance, so the runs appear in the UI; they print what was fetched, stored and skipped
(with reasons) and exit non-zero when the run failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

import typer

from cafe24_pipeline.commands.common import console, err_console, load_settings, user_errors
from cafe24_pipeline.commands.sync import sync_app
from cafe24_pipeline.settings import Settings

MALL_TAG = "cafe24/mall_id"
OP_BY_JOB = {"orders_new_job": "poll_new_orders", "order_status_job": "poll_order_status"}


@dataclass
class OrderRunReport:
    job_name: str
    run_id: str
    success: bool
    summary: dict[str, Any] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    unmapped: list[dict[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def run_order_job(settings: Settings, mall: str, job_name: str, *, since: date | None = None) -> OrderRunReport:
    """Run one order job for one mall in process on the local instance and summarise it."""
    from cafe24_pipeline.commands.dagster_runs import ensure_mall_partition, local_instance, run_job

    run_config = None
    if job_name == "orders_new_job":
        run_config = {"ops": {"poll_new_orders": {"config": {"since": since.isoformat() if since else None}}}}
    instance = local_instance(settings)
    try:
        ensure_mall_partition(instance, mall)
        result = run_job(
            job_name,
            instance=instance,
            partition_key=mall,
            tags={MALL_TAG: mall, "cafe24/trigger": "cli"},
            run_config=run_config,
        )
        report = OrderRunReport(job_name=job_name, run_id=result.run_id, success=result.success)
        for event in result.all_events:
            if event.event_type_value == "STEP_OUTPUT" and event.step_key == OP_BY_JOB[job_name]:
                meta = event.event_specific_data.metadata if event.event_specific_data else {}
                for key, value in meta.items():
                    value = getattr(value, "value", value)
                    if key == "skipped_sample":
                        report.skipped = list(value)
                    elif key == "unmapped_sample":
                        report.unmapped = list(value)
                    else:
                        report.summary[key] = value
            elif event.event_type_value == "STEP_FAILURE":
                data = event.step_failure_data
                message = "failed"
                if data and data.error:
                    err = data.error.cause or data.error
                    message = err.message.strip().splitlines()[-1]
                report.errors.append(f"{event.step_key}: {message}")
        return report
    finally:
        instance.dispose()


def print_order_report(report: OrderRunReport) -> None:
    s = report.summary
    console.print(f"[bold]{report.job_name}[/] run {report.run_id}", highlight=False)
    if s:
        console.print(
            f"  fetched {s.get('fetched', 0)} orders in {s.get('windows', 0)} window(s) / {s.get('pages', 0)} page(s); "
            f"stored {s.get('stored_orders', 0)} orders, {s.get('stored_items', 0)} items "
            f"({s.get('unchanged', 0)} orders unchanged); "
            f"{s.get('history_rows', 0)} status-history row(s); re-polled {s.get('repolled', 0)}; "
            f"skipped {s.get('skipped', 0)}; high-water mark {s.get('high_water_mark')}",
            highlight=False,
        )
    for item in report.skipped:
        console.print(f"  skipped {item.get('id')}: {item.get('reason')}", highlight=False)
    for item in report.unmapped:
        err_console.print(
            f"  [yellow]unmapped[/] {item.get('order_item_code')}: unknown Cafe24 status {item.get('order_status')}",
            highlight=False,
        )
    for error in report.errors:
        err_console.print(f"  [bold red]failed[/] {error}", highlight=False)


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"--since must be a date like 2026-01-31, got {value!r}") from None


def register(app: typer.Typer) -> None:  # noqa: ARG001 - subcommands hang off the shared `sync` group
    @sync_app.command("orders")
    def sync_orders(
        mall: Optional[str] = typer.Option(None, "--mall", help="Mall id (default: CAFE24_MALL_ID)."),
        since: Optional[str] = typer.Option(
            None, "--since", help="YYYY-MM-DD: (re-)import every KST day from this date first (idempotent)."
        ),
    ) -> None:
        """Sync Orders: new Cafe24 orders (the first run imports the last 90 days)."""
        settings = load_settings()
        since_day = _since(since)
        with user_errors():
            mall_id = settings.require_mall(mall, "sync orders")
        report = run_order_job(settings, mall_id, "orders_new_job", since=since_day)
        print_order_report(report)
        if not report.success or report.unmapped:
            raise typer.Exit(1)

    @sync_app.command("order-status")
    def sync_order_status(
        mall: Optional[str] = typer.Option(None, "--mall", help="Mall id (default: CAFE24_MALL_ID)."),
    ) -> None:
        """Order status changes: cancellations, returns, exchanges, shipping and delivery."""
        settings = load_settings()
        with user_errors():
            mall_id = settings.require_mall(mall, "sync order-status")
        report = run_order_job(settings, mall_id, "order_status_job")
        print_order_report(report)
        if not report.success or report.unmapped:
            raise typer.Exit(1)
