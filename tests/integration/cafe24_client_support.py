"""Helpers for the client's integration tests: a real sandbox on loopback, settings, consent codes.

The sandbox runs as a real uvicorn HTTP server in a thread of the test process; the client only
reaches it over HTTP (child processes in the concurrency tests connect to the same port).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn

from cafe24_pipeline.settings import Settings
from cafe24_sandbox.app import Sandbox
from cafe24_sandbox.config import SandboxConfig

REDIRECT_URI = "https://app.example.com/cafe24/callback"


@dataclass
class RunningSandbox:
    sandbox: Sandbox
    base_url: str

    @property
    def config(self) -> SandboxConfig:
        return self.sandbox.config

    @property
    def api_base_template(self) -> str:
        return self.base_url + "/{mall_id}"

    def control(self, method: str, path: str, json: Any = None) -> Any:
        response = httpx.request(method, f"{self.base_url}/_sandbox/{path.lstrip('/')}", json=json, timeout=30)
        response.raise_for_status()
        return response.json()

    def fault(self, kind: str, path: str, count: int = 1, **extra: Any) -> None:
        self.control("POST", "faults", {"kind": kind, "path": path, "count": count, **extra})

    def stats(self, mall_id: str) -> dict[str, Any]:
        return self.control("GET", f"{mall_id}/stats")

    def logs(self, mall_id: str, limit: int = 100000) -> list[dict[str, Any]]:
        return self.control("GET", f"{mall_id}/logs?limit={limit}")["logs"]


@contextmanager
def running_sandbox(**overrides: Any) -> Iterator[RunningSandbox]:
    config = SandboxConfig(**{"malls": ["shopa"], "products": 60, "orders": 80, **overrides})
    sandbox = Sandbox(config)
    server = uvicorn.Server(uvicorn.Config(sandbox.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("sandbox did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield RunningSandbox(sandbox, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def settings_for(sb: RunningSandbox, home: Path, database_url: str | None = None, **env: str) -> Settings:
    values = {
        "CAFE24_PIPELINE_HOME": str(home),
        "CAFE24_API_BASE_URL": sb.api_base_template,
        "CAFE24_CLIENT_ID": sb.config.client_id,
        "CAFE24_CLIENT_SECRET": sb.config.client_secret,
        **env,
    }
    if database_url:
        values["CAFE24_PIPELINE_DATABASE_URL"] = database_url
    return Settings.from_env(values)


def consent_code(sb: RunningSandbox, settings: Settings, mall_id: str, scopes: tuple[str, ...] | None = None) -> str:
    """Play the merchant: open the consent URL and read the code from the redirect."""
    from cafe24_pipeline.cafe24.auth import DEFAULT_SCOPES, authorize_url

    url, state = authorize_url(settings, mall_id, REDIRECT_URI, scopes=scopes or DEFAULT_SCOPES)
    response = httpx.get(url, follow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == [state]
    return query["code"][0]
