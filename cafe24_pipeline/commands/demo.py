"""`cafe24-pipeline demo` (the main job) and `cafe24-pipeline dev` (the UI over the sandbox)."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.table import Table

from cafe24_pipeline.commands.common import console, err_console, load_settings

# Tables shown first in the summary, in lineage order.
SUMMARY_TABLES = (
    "connections",
    "cafe24_categories",
    "cafe24_brands",
    "cafe24_products",
    "cafe24_variants",
    "cafe24_inventory_snapshots",
    "oms_products",
    "oms_listings",
    "sku_conflicts",
    "cafe24_orders",
    "cafe24_order_items",
    "cafe24_order_status_history",
    "oms_orders",
    "oms_order_items",
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
            products=products,
            orders=orders,
            seed=seed,
            leak_rate=leak_rate,
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
        path = summary.store_url[len("sqlite:///") :]
        console.print("Query it, e.g.:", highlight=False)
        console.print(f'  sqlite3 {path} "{SAMPLE_QUERY}"', highlight=False, soft_wrap=True)
    if summary.ok:
        console.print("[bold green]Demo finished: every step succeeded.[/]")
    else:
        err_console.print("[bold red]Demo failed[/]: see the failed step above.")


def dev_command(
    port: int = typer.Option(8024, help="Port of the sandbox the UI's jobs talk to."),
    ui_port: int = typer.Option(3000, help="Port of the Dagster UI."),
    products: int = typer.Option(200),
    orders: int = typer.Option(500),
    seed: int = typer.Option(24),
) -> None:
    """`dagster dev` with the sandbox beside it, configured so schedules and sensors work at once."""
    from cafe24_pipeline.commands.dagster_runs import (
        dagster_home,
        ensure_mall_partition,
        local_instance,
    )
    from cafe24_pipeline.demo import (
        DEMO_MALL,
        connect_demo_mall,
        point_settings_at_sandbox,
    )
    from cafe24_sandbox.config import SandboxConfig
    from cafe24_sandbox.server import SandboxServer

    load_settings()
    config = SandboxConfig(malls=[DEMO_MALL], products=products, orders=orders, seed=seed, port=port)
    # Handlers before anything starts: the sandbox is stopped by the `with` on any Ctrl-C, and `dagster
    # dev` is exec'd with SIGINT at its default (an exec keeps an *ignored* signal ignored: started from
    # a shell's background job, it would otherwise ignore the SIGINT we send it and wait for the SIGKILL).
    with _interrupt_on_signals(), SandboxServer(config) as server:
        settings = point_settings_at_sandbox(server, DEMO_MALL)
        console.print(f"Sandbox on {server.base_url}; connecting {DEMO_MALL} over OAuth ...", highlight=False)
        console.print(connect_demo_mall(settings, DEMO_MALL), highlight=False)
        home = dagster_home(settings)
        instance = local_instance(settings)
        ensure_mall_partition(instance, DEMO_MALL)
        instance.dispose()
        # `dagster dev` warns about itself (Dagster now steers to `dg dev`, another package): that line
        # is about the command, not the definitions, and would only teach operators to ignore warnings.
        env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONWARNINGS": "ignore:Function `dev_command` is superseded"}
        exports = second_terminal_env(settings, home)
        env_file = settings.ensure_home() / "dev.env"
        env_file.write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in exports.items()))
        env_file.chmod(0o600)
        workspace = Path(__file__).resolve().parents[2] / "workspace.yaml"
        cmd = [sys.executable, "-m", "dagster", "dev", "-h", "127.0.0.1", "-p", str(ui_port)]
        cmd += ["-w", str(workspace)] if workspace.exists() else ["-m", "cafe24_pipeline.definitions"]
        console.print(
            f"Dagster UI on [bold]http://127.0.0.1:{ui_port}[/] (DAGSTER_HOME={home}); Ctrl-C stops both.", highlight=False
        )
        console.print(
            f"In a second terminal, [bold]source {env_file}[/] (or export these) and any command works "
            "against this sandbox and instance, e.g. `cafe24-pipeline sync orders`:",
            highlight=False,
        )
        for name, value in exports.items():
            console.print(f"  export {name}={shlex.quote(value)}", highlight=False, soft_wrap=True)
        console.print("The schedules start stopped: switch them on under Automation in the UI.", highlight=False)
        proc = subprocess.Popen(cmd, env=env, start_new_session=True)
        code = _wait_for(proc)
    raise typer.Exit(code)


def second_terminal_env(settings, home: Path) -> dict[str, str]:  # noqa: ANN001
    """The variables a second terminal needs to reach this sandbox, store and Dagster instance
    (the sandbox's own demo credentials: they open nothing but the local sandbox)."""
    names = (
        "CAFE24_PIPELINE_HOME",
        "CAFE24_PIPELINE_DATABASE_URL",
        "CAFE24_API_BASE_URL",
        "CAFE24_CLIENT_ID",
        "CAFE24_CLIENT_SECRET",
        "CAFE24_MALL_ID",
    )
    exports = {name: os.environ[name] for name in names if os.environ.get(name)}
    exports["CAFE24_PIPELINE_HOME"] = str(settings.ensure_home().resolve())
    exports["DAGSTER_HOME"] = str(home.resolve())
    return exports


@contextlib.contextmanager
def _interrupt_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise KeyboardInterrupt for the block, set explicitly: a shell that starts us in
    the background hands us SIGINT ignored (and Python then installs no handler of its own)."""

    def _interrupt(signum, frame):  # noqa: ANN001, ARG001 - a SIGTERM stops it like Ctrl-C
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _wait_for(proc: subprocess.Popen) -> int:
    """Wait for `dagster dev`; on Ctrl-C stop its whole process group (webserver, daemon, code
    servers): SIGINT, then SIGKILL after 30 s (it does not always honour SIGTERM, STYLE.md D13).
    Runs inside `_interrupt_on_signals()`."""
    try:
        return proc.wait()
    except KeyboardInterrupt:
        console.print("Stopping the Dagster UI and daemon ...", highlight=False)
        try:
            os.killpg(proc.pid, signal.SIGINT)
            return proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            return proc.wait()
        except ProcessLookupError:
            return proc.wait()
