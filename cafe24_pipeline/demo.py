"""The main job: run the whole pipeline against a local Cafe24 sandbox and summarise it.

This is the one module of the pipeline allowed to import `cafe24_sandbox` (besides tests): the demo
starts a sandbox, points the configuration at it, connects a mall through the real OAuth flow
(authorize -> code -> token, stored encrypted) and runs the same Dagster jobs the schedules run,
on the persistent local instance, so the runs are visible in `dagster dev` afterwards.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from cafe24_pipeline.settings import Settings

DEMO_MALL = "demomall"
DEMO_REDIRECT_URI = "https://127.0.0.1/cafe24-pipeline/oauth/callback"


class DemoError(RuntimeError):
    """A demo step failed; the message says which and why."""


@dataclass
class DemoStep:
    name: str
    ok: bool
    seconds: float
    detail: str = ""


@dataclass
class DemoSummary:
    mall_id: str
    store_url: str
    dagster_home: str
    sandbox_url: str
    steps: list[DemoStep] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)
    sku_conflicts: int = 0
    api_calls: int | None = None
    rate_limited: int | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)


def point_settings_at_sandbox(server: Any, mall_id: str) -> Settings:
    """Set the §4 variables for the sandbox (the Dagster definitions read them) and reload Settings."""
    os.environ["CAFE24_API_BASE_URL"] = server.api_base_template
    os.environ["CAFE24_CLIENT_ID"] = server.client_id
    os.environ["CAFE24_CLIENT_SECRET"] = server.client_secret
    os.environ["CAFE24_MALL_ID"] = mall_id
    return Settings.from_env()


def oauth_consent_code(settings: Settings, mall_id: str, redirect_uri: str = DEMO_REDIRECT_URI) -> str:
    """Walk the browser step of OAuth: open the consent URL and read the code from the redirect."""
    from cafe24_pipeline.cafe24.auth import authorize_url

    url, state = authorize_url(settings, mall_id, redirect_uri, state=secrets.token_urlsafe(12))
    response = httpx.get(url, follow_redirects=False, timeout=10.0)
    if response.status_code != 302 or "location" not in response.headers:
        raise DemoError(f"the consent page answered {response.status_code}, not a redirect with a code")
    query = parse_qs(urlparse(response.headers["location"]).query)
    if query.get("state", [None])[0] != state:
        raise DemoError("the consent redirect carried a different state: refusing the code")
    code = query.get("code", [None])[0]
    if not code:
        raise DemoError(f"the consent redirect carried no code: {query.get('error', ['?'])[0]}")
    return code


def connect_demo_mall(settings: Settings, mall_id: str) -> str:
    """Full OAuth connect against the sandbox; returns a one-line description."""
    from cafe24_pipeline.mall_access import connect
    from cafe24_pipeline.store import Store

    code = oauth_consent_code(settings, mall_id)
    settings.ensure_home()
    with Store.open(settings.database_url) as store:
        connection = connect(settings, store, mall_id, code=code, redirect_uri=DEMO_REDIRECT_URI)
    return f"shops {list(connection.shop_nos)}, {len(connection.scopes)} scopes, tokens stored encrypted"


def sandbox_stats(server: Any, mall_id: str) -> dict[str, Any]:
    response = httpx.get(f"{server.base_url}/_sandbox/{mall_id}/stats", timeout=10.0)
    response.raise_for_status()
    return response.json()


class _Steps:
    """Runs named steps, timing them and recording failures instead of raising."""

    def __init__(self, summary: DemoSummary, announce: Callable[[str], Any]) -> None:
        self.summary = summary
        self.announce = announce

    @contextmanager
    def step(self, name: str) -> Iterator[DemoStep]:
        record = DemoStep(name=name, ok=True, seconds=0.0)
        self.announce(name)
        started = time.monotonic()
        try:
            yield record
        except Exception as exc:  # noqa: BLE001 - every failure becomes a failed step with its reason
            record.ok = False
            record.detail = f"{type(exc).__name__}: {exc}"
        finally:
            record.seconds = time.monotonic() - started
            self.summary.steps.append(record)


def run_demo(
    *,
    products: int = 200,
    orders: int = 500,
    seed: int = 24,
    leak_rate: float = 2.0,
    mall_id: str = DEMO_MALL,
    announce: Callable[[str], Any] = lambda _name: None,
) -> DemoSummary:
    """Sandbox -> OAuth connect -> catalogue import -> 90 days of orders; never raises on a step failure."""
    from cafe24_sandbox.config import SandboxConfig
    from cafe24_sandbox.server import SandboxServer

    from cafe24_pipeline.commands.dagster_runs import dagster_home, ensure_mall_partition, local_instance
    from cafe24_pipeline.store import Store

    started = time.monotonic()
    config = SandboxConfig(malls=[mall_id], products=products, orders=orders, seed=seed, leak_rate=leak_rate)
    with SandboxServer(config) as server:
        settings = point_settings_at_sandbox(server, mall_id)
        summary = DemoSummary(
            mall_id=mall_id,
            store_url=settings.database_url,
            dagster_home=str(dagster_home(settings)),
            sandbox_url=server.base_url,
        )
        steps = _Steps(summary, announce)
        with steps.step("Connect the mall (OAuth authorize -> code -> token)") as step:
            step.detail = connect_demo_mall(settings, mall_id)
            instance = local_instance(settings)
            ensure_mall_partition(instance, mall_id)
        if summary.ok:
            for name, action in _sync_steps(settings, mall_id):
                with steps.step(name) as step:
                    step.detail = action()
                if not step.ok:
                    break
        if summary.ok:
            from cafe24_pipeline.demo_push import push_round_trip

            with steps.step("Push round trip (oms set -> push_job -> Cafe24 answers the new values)") as step:
                step.detail = push_round_trip(settings, mall_id)
        if summary.ok:
            from cafe24_pipeline.demo_fulfilment import fulfil_one_order

            with steps.step("A new order: Sync Orders, then Ready to Ship (AWB, label, Cafe24 shipment) and ship") as step:
                step.detail = fulfil_one_order(settings, mall_id, server.base_url)
        with steps.step("Read the sandbox's call counters") as step:
            stats = sandbox_stats(server, mall_id)
            summary.api_calls = int(stats["total_calls"])
            summary.rate_limited = int(stats["throttled_429"])
            step.detail = f"{summary.api_calls} Admin API calls, {summary.rate_limited} answered 429"
    with Store.open(settings.database_url) as store:
        summary.row_counts = store.row_counts()
    summary.sku_conflicts = summary.row_counts.get("sku_conflicts", 0)
    summary.elapsed = time.monotonic() - started
    return summary


def _sync_steps(settings: Settings, mall_id: str) -> list[tuple[str, Callable[[], str]]]:
    """The syncs the demo runs, in order; each returns a one-line result or raises DemoError."""
    from cafe24_pipeline.commands.initial_import import initial_import_steps

    return initial_import_steps(settings, mall_id)
