"""`cafe24-pipeline sync all [--mall M] [--since DATE]`: every pull stream of one mall, in order, and one summary.

Catalogue first (categories, brands, products and variants: orders link their items to SKUs), then
today's stock snapshot, new orders, and status changes. Each stream is its own Dagster run, printed
as it finishes; a failed stream does not stop the next (they are independent). The summary says per
stream ok / warnings / failed with its run id, and the command exits 1 if any failed.
"""

from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

from cafe24_pipeline.commands.common import console, load_settings
from cafe24_pipeline.commands.malls import connected_mall
from cafe24_pipeline.commands.sync import sync_app
from cafe24_pipeline.commands.sync_catalog import print_report, run_catalog_job, run_inventory_job
from cafe24_pipeline.commands.sync_orders import _since, print_order_report, run_order_job


def register(app: typer.Typer) -> None:  # noqa: ARG001 - hangs off the shared `sync` group
    @sync_app.command("all")
    def sync_all(
        mall: Optional[str] = typer.Option(None, "--mall", help="Mall id (default: CAFE24_MALL_ID)."),
        since: Optional[str] = typer.Option(
            None, "--since", help="YYYY-MM-DD: (re-)import every KST order day from this date first (idempotent)."
        ),
    ) -> None:
        """Catalogue (changes), today's stock snapshot, new orders, order status changes; one summary."""
        settings = load_settings()
        since_day = _since(since)
        mall_id = connected_mall(settings, mall, "sync all")
        console.print(f"[bold]sync all[/] {mall_id}: catalog, inventory, orders, order-status", highlight=False)
        outcomes: list[tuple[str, str, str]] = []  # stream, run id, outcome

        for stream, run in (
            ("catalog", lambda: run_catalog_job(settings, mall_id)),
            ("inventory", lambda: run_inventory_job(settings, mall_id)),
        ):
            report = run()
            warned = print_report(report)
            outcomes.append((stream, report.run_id, "failed" if not report.ok else ("warnings" if warned else "ok")))
        for job_name, stream in (("orders_new_job", "orders"), ("order_status_job", "order-status")):
            order_report = run_order_job(settings, mall_id, job_name, since=since_day if stream == "orders" else None)
            warned = print_order_report(order_report)
            failed = not order_report.success or bool(order_report.unmapped)
            outcomes.append((stream, order_report.run_id, "failed" if failed else ("warnings" if warned else "ok")))

        table = Table(title=f"sync all: {mall_id}", title_justify="left")
        for column in ("stream", "run", "result"):
            table.add_column(column)
        colour = {"ok": "green", "warnings": "yellow", "failed": "bold red"}
        for stream, run_id, outcome in outcomes:
            table.add_row(stream, run_id[:8], f"[{colour[outcome]}]{outcome}[/]")
        console.print(table)
        failed_streams = [s for s, _, o in outcomes if o == "failed"]
        if failed_streams:
            console.print(f"[bold red]sync all: {', '.join(failed_streams)} failed[/] (details above)", highlight=False)
            raise typer.Exit(1)
        console.print("[green]sync all: OK[/]")
