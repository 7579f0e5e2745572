"""Run the sandbox as a real HTTP server (uvicorn) on a background thread.

Stopping: uvicorn runs on a thread, where it installs no signal handlers, so the process that serves
(`serve_forever`, the CLI) handles SIGINT and SIGTERM itself (`StopSignals`). It installs its handlers
explicitly because a shell starts background jobs with SIGINT *ignored*, and a Python process that
inherits SIGINT ignored gets no KeyboardInterrupt: Ctrl-C or `kill -INT` would then do nothing at all.
The shutdown is uvicorn's graceful one, bounded by `shutdown_grace` seconds for requests in flight
(an injected `latency` fault stalls one for as long as the test asked).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
import time
from types import FrameType
from typing import Any

import uvicorn

from cafe24_sandbox.app import Sandbox
from cafe24_sandbox.config import SandboxConfig
from cafe24_sandbox.state import SandboxState


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _QuietCancelOnStop(logging.Filter):
    """A request still in flight when the grace period ends is cancelled by uvicorn, which then logs a
    traceback of the CancelledError: one line says it instead (a stop is not an error of the app)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            return False
        if record.getMessage().startswith("Cancel ") and "graceful shutdown" in record.getMessage():
            record.msg, record.args = "stopping: %s request(s) still in flight were cancelled", (record.getMessage().split()[1],)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


_QUIET = _QuietCancelOnStop()
logging.getLogger("uvicorn.error").addFilter(_QUIET)  # the same object each import: added once


class StopSignals:
    """`with StopSignals(on_stop) as stop:` SIGINT and SIGTERM set `stop.requested` (and call `on_stop`
    with the count of signals so far) instead of raising or killing; the previous dispositions come back
    at the end. Installed whatever the process inherited, SIG_IGN included. Main thread only (elsewhere
    it does nothing). The handler only sets attributes: no locks, so it cannot deadlock the code it
    interrupts."""

    def __init__(self, on_stop: Any = None) -> None:
        self.on_stop = on_stop
        self.received: list[int] = []
        self._previous: dict[int, Any] = {}

    @property
    def requested(self) -> bool:
        return bool(self.received)

    def _handle(self, signum: int, frame: FrameType | None) -> None:  # noqa: ARG002
        self.received.append(signum)
        if self.on_stop is not None:
            self.on_stop(len(self.received))

    def __enter__(self) -> "StopSignals":
        if threading.current_thread() is threading.main_thread():
            self._previous = {sig: signal.signal(sig, self._handle) for sig in STOP_SIGNALS}
        return self

    def __exit__(self, *exc: Any) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous = {}


class SandboxServer:
    """`with SandboxServer(SandboxConfig(...)) as server:` serves on `server.base_url` until the block ends."""

    def __init__(self, config: SandboxConfig | None = None, shutdown_grace: float = 2.0) -> None:
        self.config = config or SandboxConfig()
        self.shutdown_grace = shutdown_grace  # seconds a request in flight may take to finish on stop
        self.sandbox = Sandbox(self.config)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port: int | None = None

    # ---- what clients need ------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the sandbox is not started")
        return f"http://{self.config.host}:{self.port}"

    @property
    def api_base_template(self) -> str:
        """The value for CAFE24_API_BASE_URL: `http://127.0.0.1:PORT/{mall_id}`."""
        return self.base_url + "/{mall_id}"

    def api_base(self, mall_id: str) -> str:
        return f"{self.base_url}/{mall_id}"

    @property
    def client_id(self) -> str:
        return self.config.client_id

    @property
    def client_secret(self) -> str:
        return self.config.client_secret

    @property
    def state(self) -> SandboxState:
        return self.sandbox.state

    # ---- lifecycle --------------------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> "SandboxServer":
        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # accepted sockets inherit TCP_NODELAY: small JSON replies must not wait on Nagle + delayed ACK
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self.config.host, self.config.port))
        self.port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(
            self.sandbox.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            loop="asyncio",
            http="httptools",
            timeout_graceful_shutdown=max(1, round(self.shutdown_grace)),
        )
        # on its thread uvicorn leaves the signals alone (capture_signals skips non-main threads)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"cafe24-sandbox-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        return self

    def request_stop(self, force: bool = False) -> None:
        """Ask uvicorn to stop (safe from a signal handler: it only sets flags); `force` skips the grace."""
        server = self._server
        if server is not None:
            server.should_exit = True
            if force:
                server.force_exit = True

    def stop(self) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout=self.shutdown_grace + 5)
        if self._socket is not None:
            self._socket.close()
        self.sandbox.webhooks.stop()
        self._server = self._thread = self._socket = None

    def stop_signals(self) -> StopSignals:
        """SIGINT/SIGTERM stop this server gracefully; a second one skips the grace period."""
        return StopSignals(self.on_stop_signal)

    def on_stop_signal(self, count: int) -> None:
        self.request_stop(force=count > 1)

    def serve_forever(self, signals: StopSignals | None = None) -> None:
        """Blocking run for the CLI: returns once SIGINT or SIGTERM (Ctrl-C, `kill`) stopped it.

        A CLI that entered `StopSignals()` before building the server (seeding takes a moment) passes
        it here, so a signal that came meanwhile stops the server at once."""
        if signals is None:
            with self.stop_signals() as own:
                return self.serve_forever(own)
        if signals.on_stop is None:
            signals.on_stop = self.on_stop_signal
        try:
            self.start()
            # poll, not Event.wait: a handler that set an Event could deadlock on the Event's own lock
            while not signals.requested and self._thread is not None and self._thread.is_alive():
                time.sleep(0.1)
        finally:
            self.stop()

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:  # never shows the client secret
        where = self.base_url if self.port else "not started"
        return f"SandboxServer({where}, malls={self.config.malls})"
