"""`cafe24-pipeline demo` (the main job) and `cafe24-pipeline dev` (the UI over the sandbox)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer
from rich.table import Table

from cafe24_pipeline.commands.common import console, err_console, load_settings

# Tables shown first in the summary, in lineage order.
SUMMARY_TABLES = (
    "connections", "cafe24_categories", "cafe24_brands", "cafe24_products", "cafe24_variants",
    "cafe24_inventory_snapshots", "oms_products", "oms_listings", "sku_conflicts",
    "cafe24_orders", "cafe24_order_items", "cafe24_order_status_history", "oms_orders", "oms_order_items",
)

SAMPLE_QUERY = (
    "select order_date_kst, count(*) as items, sum(cast(payment_amount as bigint)) as krw "
    "from cafe24_order_items group by order_date_kst order by order_date_kst desc limit 7;"
)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
    app.command("dev")(dev_command)


def demo_command(
    products: int = typer.Option(200, help="Products the sandbox seeds."),
    orders: int = typer.Option(500, help="Orders the sandbox seeds (over the last 120 days, two shops)."),
    seed: int = typer.Option(24, help="Sandbox seed (same seed, same store)."),
    leak_rate: float = typer.Option(2.0, help="Sandbox bucket leak rate in calls/s (Cafe24: 2)."),
) -> None:
    """Start the sandbox, connect a demo mall over OAuth, run every sync, and print a summary."""
    from cafe24_pipeline.demo import run_demo

    load_settings()  # fail early on a malformed configuration
    console.print("[bold]cafe24-pipeline demo[/]: a local Cafe24 sandbox, the real OAuth flow, the real jobs.")
    status = console.status("Starting the Cafe24 sandbox ...")
    status.start()
    try:
        summary = run_demo(
            products=products, orders=orders, seed=seed, leak_rate=leak_rate,
            announce=lambda name: status.update(name + " ..."),
        )
    finally:
        status.stop()
    _print_summary(summary)
    if not summary.ok:
        raise typer.Exit(1)


def _print_summary(summary) -> None:  # noqa: ANN001
    for step in summary.steps:
        mark = "[green]ok[/]" if step.ok else "[red]FAILED[/]"
        console.print(f"{mark} {step.name} ({step.seconds:.1f} s): {step.detail}", highlight=False)
    table = Table(title="Rows per table", show_edge=False)
    table.add_column("table")
    table.add_column("rows", justify="right")
    shown = [t for t in SUMMARY_TABLES if t in summary.row_counts]
    for name in shown:
        table.add_row(name, str(summary.row_counts[name]))
    console.print(table)
    console.print(
        f"SKU conflicts quarantined: {summary.sku_conflicts}   API calls: {summary.api_calls}   "
        f"429s: {summary.rate_limited}   elapsed: {summary.elapsed:.1f} s",
        highlight=False,
    )
    console.print(f"Store: {summary.store_url}", highlight=False)
    console.print(f"Dagster runs: DAGSTER_HOME={summary.dagster_home}  (`make dev` opens them in the UI)", highlight=False)
    if summary.store_url.startswith("sqlite:///"):
        path = summary.store_url[len("sqlite:///"):]
        console.print("Query it, e.g.:", highlight=False)
        console.print(f'  sqlite3 {path} "{SAMPLE_QUERY}"', highlight=False, soft_wrap=True)
    if summary.ok:
        console.print("[bold green]Demo finished: every step succeeded.[/]")
    else:
        err_console.print("[bold red]Demo failed[/]: see the failed step above.")


def dev_command(
    port: int = typer.Option(8024, help="Port of the sandbox the UI's jobs talk to."),
    ui_port: int = typer.Option(3000, help="Port of the Dagster UI."),
    products: int = typer.Option(200), orders: int = typer.Option(500), seed: int = typer.Option(24),
) -> None:
    """`dagster dev` with the sandbox beside it, configured so schedules and sensors work at once."""
    from cafe24_sandbox.config import SandboxConfig
    from cafe24_sandbox.server import SandboxServer

    from cafe24_pipeline.commands.dagster_runs import dagster_home, ensure_mall_partition, local_instance
    from cafe24_pipeline.demo import DEMO_MALL, connect_demo_mall, point_settings_at_sandbox

    load_settings()
    config = SandboxConfig(malls=[DEMO_MALL], products=products, orders=orders, seed=seed, port=port)
    with SandboxServer(config) as server:
        settings = point_settings_at_sandbox(server, DEMO_MALL)
        console.print(f"Sandbox on {server.base_url}; connecting {DEMO_MALL} over OAuth ...", highlight=False)
        console.print(connect_demo_mall(settings, DEMO_MALL), highlight=False)
        home = dagster_home(settings)
        instance = local_instance(settings)
        ensure_mall_partition(instance, DEMO_MALL)
        instance.dispose()
        env = {**os.environ, "DAGSTER_HOME": str(home)}
        workspace = Path(__file__).resolve().parents[2] / "workspace.yaml"
        cmd = [sys.executable, "-m", "dagster", "dev", "-p", str(ui_port)]
        cmd += ["-w", str(workspace)] if workspace.exists() else ["-m", "cafe24_pipeline.definitions"]
        console.print(f"Dagster UI on http://127.0.0.1:{ui_port} (DAGSTER_HOME={home}); Ctrl-C stops both.", highlight=False)
        proc = subprocess.Popen(cmd, env=env)
        try:
            code = proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            code = proc.wait(timeout=30)
    raise typer.Exit(code)
