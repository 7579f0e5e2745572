"""A connected mall with its catalogue synced, for the push tests: the sandbox on loopback, a store,
and helpers to edit the OMS, push, and read back what Cafe24 (the sandbox) now holds over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from cafe24_pipeline.cafe24.auth import authorize_url
from cafe24_pipeline.cafe24.governor import GovernorConfig
from cafe24_pipeline.cafe24.options import ClientOptions
from cafe24_pipeline.mall_access import connect, open_client
from cafe24_pipeline.settings import Settings
from cafe24_pipeline.store import Store
from cafe24_pipeline.store.push import PushTables
from cafe24_pipeline.sync import catalog
from cafe24_pipeline.sync.push import PushConfig, Pusher
from cafe24_sandbox.config import SandboxConfig
from cafe24_sandbox.server import SandboxServer
from tests.fixtures.sandbox import sandbox_client

MALL = "pushmall"
REDIRECT = "https://app.example.com/callback"
FAST = GovernorConfig(leak_rate=200.0, max_calls_per_second=500.0, headroom=0)


@dataclass
class PushWorld:
    server: SandboxServer
    settings: Settings
    store: Store
    mall: str = MALL

    @property
    def tables(self) -> PushTables:
        return PushTables(self.store)

    def client(self, **options: Any):  # noqa: ANN201
        return open_client(self.settings, self.store, self.mall, options=ClientOptions(governor=FAST, **options))

    def sync_catalog(self) -> None:
        with self.client() as client:
            catalog.sync_categories(self.store, client, self.mall)
            catalog.sync_brands(self.store, client, self.mall)
            catalog.sync_products(self.store, client, self.mall, mode="full")
        catalog.link_listings(self.store, self.mall)
        catalog.build_oms_products(self.store, self.mall)

    def push(self, client: Any = None, **config: Any):  # noqa: ANN201
        push_config = PushConfig(**{"backoff_base": __import__("datetime").timedelta(seconds=0), **config})
        if client is not None:
            return Pusher(self.store, client, self.mall, config=push_config, run_id="test").run()
        with self.client() as own:
            return Pusher(self.store, own, self.mall, config=push_config, run_id="test").run()

    def diff(self, **config: Any):  # noqa: ANN201
        return Pusher(self.store, None, self.mall, config=PushConfig(**config)).diff()

    def set(self, sku: str, **values: Any) -> None:
        self.tables.set_oms_values(sku, values, now=datetime.now(timezone.utc))

    def master(self) -> pl.DataFrame:
        return self.store.read_table("oms_products")

    def listing(self, sku: str) -> dict[str, Any]:
        frame = self.store.read_table("oms_listings", {"mall_id": self.mall, "sku": sku})
        return frame.row(0, named=True)

    # --- the sandbox (Cafe24) --------------------------------------------------------------

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.server.base_url}/_sandbox/{path.lstrip('/')}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def fault(self, kind: str, path: str, **spec: Any) -> None:
        self.control("POST", "faults", {"kind": kind, "path": path, "mall": self.mall, **spec})

    def reset_stats(self) -> None:
        self.control("DELETE", f"{self.mall}/stats")

    def write_calls(self) -> int:
        """Write calls (PUT/POST/DELETE) the Admin API received since the last reset, whatever their status."""
        calls = self.control("GET", f"{self.mall}/stats")["calls"]
        return sum(n for key, n in calls.items() if key.split()[0] in ("PUT", "POST", "DELETE"))

    def writes_applied(self) -> int:
        """Write calls Cafe24 accepted (200/201/207) since the last reset."""
        return self.control("GET", f"{self.mall}/stats")["total_writes"]

    def cafe24_product(self, product_no: int, shop_no: int = 1) -> dict[str, Any]:
        """What Cafe24 answers for the product, over the Admin API (price, retail, flags, variants)."""
        with sandbox_client(self.server, self.mall) as http:
            body = http.get(f"products/{product_no}", params={"shop_no": shop_no, "embed": "variants,inventories"})
            body.raise_for_status()
        return body.json()["product"]


def cafe24_variant(product: dict[str, Any], variant_code: str) -> dict[str, Any]:
    return next(v for v in product["variants"] if v["variant_code"] == variant_code)


def variant_price(product: dict[str, Any], variant_code: str) -> Decimal:
    return Decimal(product["price"]) + Decimal(cafe24_variant(product, variant_code)["additional_amount"])


def variant_quantity(variant: dict[str, Any]) -> int:
    if variant.get("quantity") is not None:
        return int(variant["quantity"])
    return int(variant["inventories"]["quantity"])


@contextmanager
def push_world(tmp_path: Path, store_url: str, **sandbox: Any) -> Iterator[PushWorld]:
    config = SandboxConfig(
        malls=[MALL], **{"products": 20, "orders": 0, "seed": 11, "leak_rate": 200.0, "bucket_capacity": 400, **sandbox}
    )
    with SandboxServer(config) as server:
        settings = Settings(
            home=tmp_path / "home",
            database_url=store_url,
            api_base_url=server.api_base_template,
            client_id=server.client_id,
            client_secret=server.client_secret,
        )
        settings.ensure_home()
        store = Store.open(store_url)
        try:
            url, _ = authorize_url(settings, MALL, REDIRECT)
            code = httpx.URL(httpx.get(url, follow_redirects=False, timeout=10).headers["location"]).params["code"]
            connect(settings, store, MALL, code=code, redirect_uri=REDIRECT)
            world = PushWorld(server=server, settings=settings, store=store)
            world.sync_catalog()
            yield world
        finally:
            store.close()
