"""Run the sandbox as a real HTTP server (uvicorn) on a background thread."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from cafe24_sandbox.app import Sandbox
from cafe24_sandbox.config import SandboxConfig
from cafe24_sandbox.state import SandboxState


class SandboxServer:
    """`with SandboxServer(SandboxConfig(...)) as server:` serves on `server.base_url` until the block ends."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
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
        config = uvicorn.Config(self.sandbox.app, log_level="warning", access_log=False, lifespan="off",
                                loop="asyncio", http="httptools")
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"cafe24-sandbox-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self.sandbox.webhooks.stop()
        self._server = self._thread = self._socket = None

    def serve_forever(self) -> None:
        """Blocking run for the CLI (Ctrl-C stops it)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:  # never shows the client secret
        where = self.base_url if self.port else "not started"
        return f"SandboxServer({where}, malls={self.config.malls})"
