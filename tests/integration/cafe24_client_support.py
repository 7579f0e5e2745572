"""Helpers for the client's integration tests: a real sandbox on loopback, settings, consent codes.

The sandbox (cafe24_sandbox.SandboxServer) serves real HTTP on loopback from a thread of the test process;
the client only reaches it over HTTP (child processes in the concurrency tests connect to the same port).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from cafe24_pipeline.settings import Settings
from cafe24_sandbox import SandboxConfig, SandboxServer
from cafe24_sandbox.app import Sandbox

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
    """The project's SandboxServer (real HTTP on 127.0.0.1), small by default; overrides are SandboxConfig fields."""
    config = SandboxConfig(**{"malls": ["shopa"], "products": 60, "orders": 80, **overrides})
    with SandboxServer(config) as server:
        yield RunningSandbox(server.sandbox, server.base_url)


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
