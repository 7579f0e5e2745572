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
from cafe24_pipeline.commands.job_report import RunReport, run_mall_job, step_failures, step_output_metadata
from cafe24_pipeline.commands.sync import sync_app
from cafe24_pipeline.settings import Settings

OP_BY_JOB = {"orders_new_job": "poll_new_orders", "order_status_job": "poll_order_status"}


@dataclass
class OrderRunReport(RunReport):
    """What an order job run did: the sync's counts, and samples of skipped and unmapped items."""

    summary: dict[str, Any] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    unmapped: list[dict[str, str]] = field(default_factory=list)


def run_order_job(settings: Settings, mall: str, job_name: str, *, since: date | None = None) -> OrderRunReport:
    """Run one order job for one mall in process on the local instance and summarise it."""
    run_config = None
    if job_name == "orders_new_job":
        run_config = {"ops": {"poll_new_orders": {"config": {"since": since.isoformat() if since else None}}}}
    result = run_mall_job(settings, mall, job_name, run_config=run_config)
    summary = step_output_metadata(result, OP_BY_JOB[job_name])
    return OrderRunReport(
        job_name=job_name,
        run_id=result.run_id,
        success=result.success,
        errors=step_failures(result),
        skipped=list(summary.pop("skipped_sample", [])),
        unmapped=list(summary.pop("unmapped_sample", [])),
        summary=summary,
    )


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
