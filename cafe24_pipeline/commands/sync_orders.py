"""`cafe24-pipeline sync orders [--since DATE]` and `sync order-status`: the manual "Sync Orders".

Both launch the same Dagster jobs the schedules launch (`orders_new_job`, `order_status_job`) on
the local instance, so the runs appear in the UI; they print what was fetched, stored and skipped
(with reasons) and exit non-zero when the run failed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

import typer

from cafe24_pipeline.commands.common import (
    console,
    err_console,
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

MODE_BY_JOB = {"orders_new_job": "new", "order_status_job": "status"}


@dataclass
class OrderRunReport(RunReport):
    """What an order job run did: the sync's counts, and samples of skipped and unmapped items."""

    summary: dict[str, Any] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    unmapped: list[dict[str, str]] = field(default_factory=list)
    failed_checks: list[dict[str, Any]] = field(default_factory=list)


def run_order_job(
    settings: Settings, mall: str, job_name: str, *, since: date | None = None, run_id: str | None = None
) -> OrderRunReport:
    """Run one order poll job for one mall (today's KST partition) in process on the local instance
    and summarise it from the `cafe24/orders` materialization of today's partition."""
    from cafe24_pipeline.schedules.orders import poll_config, today_partition

    run_config = poll_config(MODE_BY_JOB[job_name], since.isoformat() if since else None)
    result = run_mall_job(settings, mall, job_name, partition_key=today_partition(mall), run_config=run_config, run_id=run_id)
    rows = [m for m in materializations(result) if m["asset"] == "cafe24/orders"]
    summary = dict(rows[0]) if rows else {}
    summary.pop("asset", None)
    failed, _ = check_outcomes(result)
    return OrderRunReport(
        job_name=job_name,
        run_id=result.run_id,
        success=result.success,
        errors=step_failures(result),
        skipped=list(summary.pop("skipped_sample", None) or []),
        unmapped=list(summary.pop("unmapped_sample", None) or []),
        summary=summary,
        failed_checks=failed,
    )


def print_order_report(report: OrderRunReport) -> bool:
    """Print the run (its `cafe24/orders` result and unmapped items); True when it had warnings."""
    rows = [{"asset": "cafe24/orders", **report.summary}] if report.summary else []
    warned = print_results(
        report.job_name,
        report.run_id,
        rows,
        failed_checks=report.failed_checks,
        errors=report.errors,
        success=report.success and not report.unmapped,
    )
    for item in report.unmapped:
        err_console.print(
            f"  [yellow]unmapped[/] {item.get('order_item_code')}: unknown Cafe24 status {item.get('order_status')}",
            highlight=False,
        )
    return warned


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
        mall_id = connected_mall(settings, mall, "sync orders")
        run_id = str(uuid.uuid4())
        with progress_bar(console, run_id=run_id, label=f"orders_new_job ({mall_id})"):
            report = run_order_job(settings, mall_id, "orders_new_job", since=since_day, run_id=run_id)
        print_order_report(report)
        if not report.success or report.unmapped:
            raise typer.Exit(1)

    @sync_app.command("order-status")
    def sync_order_status(
        mall: Optional[str] = typer.Option(None, "--mall", help="Mall id (default: CAFE24_MALL_ID)."),
    ) -> None:
        """Order status changes: cancellations, returns, exchanges, shipping and delivery."""
        settings = load_settings()
        mall_id = connected_mall(settings, mall, "sync order-status")
        run_id = str(uuid.uuid4())
        with progress_bar(console, run_id=run_id, label=f"order_status_job ({mall_id})"):
            report = run_order_job(settings, mall_id, "order_status_job", run_id=run_id)
        print_order_report(report)
        if not report.success or report.unmapped:
            raise typer.Exit(1)
