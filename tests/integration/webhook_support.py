"""Set-up shared by the webhook processing tests: a sandbox mall connected to a real store, its catalogue
imported, the sandbox's webhooks pointed at a receiver, and the webhook jobs with real resources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dagster as dg
import httpx

from cafe24_pipeline.assets.webhooks import webhook_jobs
from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.resources.store import StoreResource
from tests.integration.catalog_support import MALL, CatalogWorld, make_world

KEY = "7d3b1c9e-5f2a-4e8b-b0c4-webhook-test-key"


@dataclass
class HookWorld:
    world: CatalogWorld
    jobs: dg.Definitions
    receiver_url: str = ""

    @property
    def server(self) -> Any:
        return self.world.server

    @property
    def store(self) -> Any:
        return self.world.store

    def control(self, method: str, path: str, json: Any = None) -> Any:
        return self.world.control(method, path, json)

    def hooks(self, **switches: Any) -> dict:
        """Change the sandbox's webhook switches (url, key, fail, hold, duplicate_rate)."""
        r = httpx.post(f"{self.server.base_url}/_sandbox/webhooks", json=switches, timeout=30)
        r.raise_for_status()
        return r.json()

    def release(self, order: str = "reverse") -> dict:
        r = httpx.post(f"{self.server.base_url}/_sandbox/webhooks/release", json={"order": order}, timeout=30)
        r.raise_for_status()
        return r.json()

    def settle(self) -> list[dict]:
        """Wait until every queued delivery is done; the sandbox's delivery log."""
        r = httpx.get(f"{self.server.base_url}/_sandbox/{MALL}/webhooks/logs", params={"wait": 20}, timeout=60)
        r.raise_for_status()
        return r.json()["logs"]

    def drain(self, job: str = "webhook_drain_job") -> dg.ExecuteInProcessResult:
        return self.jobs.resolve_job_def(job).execute_in_process(
            instance=self.world.instance, partition_key=MALL, raise_on_error=False
        )

    def place_order(self, status: str = "N10", **extra: Any) -> dict:
        return self.control("POST", "orders", {"count": 1, "status": status, **extra})["orders"][0]

    def inbox(self) -> list[dict]:
        return self.store.read_table("webhook_inbox").sort("id").to_dicts()

    def items(self, order_id: str) -> list[dict]:
        return self.store.read_table("cafe24_order_items", {"mall_id": MALL, "order_id": order_id}).to_dicts()


def make_hook_world(sandbox_factory: Any, database_url: str, tmp_path: Any, monkeypatch: Any, **sandbox: Any) -> HookWorld:
    server = sandbox_factory(malls=[MALL], products=8, orders=0, webhook_key=KEY, webhook_resend_delay=0.01, **sandbox)
    world = make_world(server, database_url, tmp_path, monkeypatch)
    assert world.run("catalog_job", mode="full").success
    jobs = dg.Definitions(
        jobs=webhook_jobs,
        resources={
            "store": StoreResource(database_url=world.settings.database_url),
            "cafe24": Cafe24Resource(database_url=world.settings.database_url, max_calls_per_second=50.0),
        },
    )
    return HookWorld(world, jobs)
