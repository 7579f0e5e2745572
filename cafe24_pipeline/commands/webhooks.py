"""`cafe24-pipeline webhooks serve|sweep`: receive Cafe24's webhooks, and recover missed ones by hand.

`webhooks serve [--host 127.0.0.1] [--port 8025] [--no-process]` serves `POST /webhooks/cafe24`
(X-API-Key = CAFE24_WEBHOOK_KEY; `GET /health`) with uvicorn. By default the same process also
drains the inbox: each new event wakes it, and it executes `webhook_drain_job` in process on the
Dagster instance (DAGSTER_HOME, else the CLI's local one), so every drain is a run in the UI. With
`--no-process` it only receives, and the `webhook_sensor` (Dagster daemon) launches the drains.
Pending events are also retried every CAFE24_WEBHOOK_RETRY_SECONDS (default 10) — a drain that
found the mall busy with a poll, or Cafe24 failing, tries again.

`webhooks sweep [--mall M]` runs `webhook_sweep_job` once: failed deliveries from Cafe24's delivery
log back into the inbox, then drained.

It binds to loopback unless told otherwise; put it behind an HTTPS reverse proxy (README, Webhooks).
Neither the key nor any body is ever printed or logged.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import typer

from cafe24_pipeline.commands.common import (
    console,
    err_console,
    load_settings,
    user_errors,
)
from cafe24_pipeline.settings import Settings, SettingsError

DEFAULT_PORT = 8025
ENV_RETRY = "CAFE24_WEBHOOK_RETRY_SECONDS"
ENV_MAX_BODY = "CAFE24_WEBHOOK_MAX_BODY_BYTES"
ENV_HMAC = "CAFE24_WEBHOOK_VERIFY_HMAC"
LOOPBACK = ("127.0.0.1", "::1", "localhost")

webhooks_app = typer.Typer(
    help="Receive Cafe24 webhooks (orders and stock in seconds) and sweep missed ones.", no_args_is_help=True
)


def receiver_config(settings: Settings) -> Any:
    """The receiver's checks from the settings; SettingsError names what is missing."""
    from cafe24_pipeline.webhooks.receiver import DEFAULT_MAX_BODY, ReceiverConfig

    key = settings.require_webhook_key("webhooks serve")
    hmac_on = (settings.value(ENV_HMAC) or "false").lower()
    if hmac_on not in ("true", "false", "1", "0", "yes", "no"):
        raise SettingsError(f"{ENV_HMAC} must be true or false, got {settings.value(ENV_HMAC)!r}")
    secret = None
    if hmac_on in ("true", "1", "yes"):
        if not settings.client_secret:
            raise SettingsError(f"{ENV_HMAC}=true needs CAFE24_CLIENT_SECRET (the HMAC key of Cafe24's signature)")
        secret = settings.client_secret
    max_body = int(settings.number(ENV_MAX_BODY, DEFAULT_MAX_BODY, 1024, 16 * 1024 * 1024))
    return ReceiverConfig(key=key, hmac_secret=secret, max_body=max_body)


class Drainer:
    """Runs `webhook_drain_job` in process for every connected mall with pending events."""

    def __init__(self, settings: Settings, store: Any) -> None:
        from cafe24_pipeline.commands.dagster_runs import local_instance
        from cafe24_pipeline.definitions import defs
        from cafe24_pipeline.store.webhooks import WebhookInbox

        defs.resolve_job_def("webhook_drain_job")  # load the definitions now, not on the first event
        self.instance = local_instance(settings)
        self.store = store
        self.inbox = WebhookInbox(store)
        self._warned: dict[str, str] = {}

    def drain_pending(self) -> int:
        """One drain run per mall with pending events; returns how many runs failed."""
        from cafe24_pipeline.commands.dagster_runs import ensure_mall_partition, run_job
        from cafe24_pipeline.commands.job_report import (
            MALL_TAG,
            TRIGGER_TAG,
            step_failures,
            step_output_metadata,
        )
        from cafe24_pipeline.sync.webhook_process import why_not_now

        failed = 0
        for mall in self.inbox.pending_malls():
            reason = why_not_now(self.store, mall)
            if reason is not None:
                if self._warned.get(mall) != reason:  # say it once per reason, not every retry
                    err_console.print(f"{time.strftime('%H:%M:%S')} {mall}: events wait ({reason})", highlight=False)
                    self._warned[mall] = reason
                continue
            self._warned.pop(mall, None)
            ensure_mall_partition(self.instance, mall)
            run_id = str(uuid.uuid4())
            result = run_job(
                "webhook_drain_job",
                instance=self.instance,
                partition_key=mall,
                run_id=run_id,
                tags={MALL_TAG: mall, TRIGGER_TAG: "webhooks_serve"},
            )
            meta = step_output_metadata(result, "drain_webhook_inbox")
            stamp = time.strftime("%H:%M:%S")
            if result.success:
                console.print(
                    f"{stamp} {mall}: run {run_id[:8]}: {meta.get('events', 0)} event(s), "
                    f"{meta.get('orders_refetched', 0)} order(s) / {meta.get('products_refetched', 0)} "
                    f"product(s) re-fetched, {meta.get('echoes', 0)} echo(es), "
                    f"{meta.get('orders_stored', 0)} order(s) stored",
                    highlight=False,
                )
            else:
                failed += 1
                for line in step_failures(result) or ["failed"]:
                    err_console.print(
                        f"{stamp} {mall}: run {run_id[:8]} [bold red]failed[/] {line} (pending events are retried)",
                        highlight=False,
                    )
        return failed

    def close(self) -> None:
        self.instance.dispose()


def _log_to_stderr() -> None:
    """The receiver's own lines (accepted / duplicate / rejected + reason + client address; never a
    body or a key) on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("cafe24_pipeline.webhooks")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


@webhooks_app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (loopback by default; use a reverse proxy for HTTPS)."),
    port: int = typer.Option(DEFAULT_PORT, "--port", help="Port to bind (0: any free port)."),
    no_process: bool = typer.Option(
        False, "--no-process", help="Only receive; the webhook_sensor (Dagster daemon) processes the inbox."
    ),
) -> None:
    """Serve POST /webhooks/cafe24 and (unless --no-process) process the events in Dagster runs."""
    from cafe24_pipeline.store import Store
    from cafe24_pipeline.store.webhooks import WebhookInbox
    from cafe24_pipeline.webhooks.receiver import PATH, build_app
    from cafe24_pipeline.webhooks.server import ReceiverServer

    settings = load_settings()
    with user_errors():
        config = receiver_config(settings)
        retry = settings.number(ENV_RETRY, 10.0, 1.0, 3600.0)
    if not 0 <= port <= 65535:
        err_console.print(f"[bold red]Error:[/] --port must be between 0 and 65535, got {port}")
        raise typer.Exit(2)
    store = Store.open(settings.database_url)
    wake = threading.Event()
    drainer = None
    try:
        if not no_process:
            drainer = Drainer(settings, store)
        app = build_app(config, WebhookInbox(store), on_event=lambda _event: wake.set())
        server = ReceiverServer(app, host, port)
        try:
            server.start()
        except OSError as exc:
            err_console.print(
                f"[bold red]Error:[/] cannot listen on {host}:{port} ({exc.strerror or exc}); "
                "choose another --port or stop what uses it"
            )
            raise typer.Exit(1) from None
        _log_to_stderr()
        mode = "receiving only (webhook_sensor processes)" if no_process else "processing in Dagster runs"
        console.print(f"Receiving Cafe24 webhooks on http://{host}:{server.port}{PATH} ({mode}); Ctrl-C stops.", highlight=False)
        if host not in LOOPBACK:
            err_console.print(
                f"[yellow]Listening on {host}: serve it only behind an HTTPS reverse proxy (README, Webhooks).[/]",
                highlight=False,
            )
        stop = threading.Event()

        def on_signal(*_: object) -> None:
            stop.set()
            wake.set()

        # our own handlers (not KeyboardInterrupt); the drains run off the main thread, where Dagster
        # installs no handler of its own, so Ctrl-C during a drain lets that run finish and then stops
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, on_signal)
        try:
            wake.set()  # events that waited while we were down
            while server.alive() and not stop.is_set():
                woken = wake.wait(timeout=retry)
                wake.clear()
                if stop.is_set():
                    break
                if drainer is not None:
                    if woken:
                        time.sleep(0.05)  # let a burst of deliveries land in one run
                    try:
                        _off_main_thread(drainer.drain_pending)
                    except Exception as exc:  # noqa: BLE001 - keep receiving; the events stay pending
                        err_console.print(
                            f"{time.strftime('%H:%M:%S')} [bold red]drain failed[/] "
                            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
                            "(pending events are retried)",
                            highlight=False,
                        )
            if not stop.is_set():
                err_console.print("[bold red]Error:[/] the webhook receiver stopped unexpectedly")
                raise typer.Exit(1)
            console.print("Stopping.")
        finally:
            server.stop()
    finally:
        if drainer is not None:
            drainer.close()
        store.close()


def _off_main_thread(work: Callable[[], object]) -> None:
    """Run `work` in a thread and wait for it, re-raising its error here. Dagster's in-process runs
    replace SIGINT's handler when they run on the main thread and a Ctrl-C then went nowhere (the
    receiver had to be killed); off it they leave signals to us."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            failure.append(exc)

    thread = threading.Thread(target=run, name="webhook-drain")
    thread.start()
    thread.join()  # a signal runs our handler (main thread) and the wait goes on until the run ends
    if failure:
        raise failure[0]


@webhooks_app.command("sweep")
def sweep_command(mall: str | None = typer.Option(None, "--mall", help="Mall id (default: CAFE24_MALL_ID).")) -> None:
    """Feed deliveries Cafe24 could not make (its delivery log) back into the inbox and process them."""
    from cafe24_pipeline.commands.job_report import (
        run_mall_job,
        step_failures,
        step_output_metadata,
    )
    from cafe24_pipeline.commands.malls import connected_mall

    settings = load_settings()
    mall_id = connected_mall(settings, mall, "webhooks sweep")
    run_id = str(uuid.uuid4())
    result = run_mall_job(settings, mall_id, "webhook_sweep_job", run_id=run_id)
    swept = step_output_metadata(result, "sweep_webhook_log")
    drained = step_output_metadata(result, "drain_after_sweep")
    console.print(
        f"run {run_id[:8]} ({mall_id}): {swept.get('read', 0)} failed deliveries read, "
        f"{swept.get('recovered', 0)} recovered, {swept.get('duplicates', 0)} already received, "
        f"{swept.get('unreadable', 0)} unreadable; {drained.get('events', 0)} event(s) processed, "
        f"{drained.get('orders_refetched', 0)} order(s) / {drained.get('products_refetched', 0)} product(s) "
        "re-fetched",
        highlight=False,
    )
    failures = step_failures(result)
    for line in failures:
        err_console.print(f"  [bold red]failed[/] {line}", highlight=False)
    if not result.success:
        raise typer.Exit(1)
    console.print("[green]OK[/]")


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks_app, name="webhooks")
