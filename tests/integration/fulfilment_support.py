"""A connected mall with catalogue and orders synced, for the fulfilment tests: the sandbox over HTTP,
a store, orders placed through the sandbox's control API, and the fulfilment actions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from cafe24_pipeline.sync.fulfilment import Fulfilment
from cafe24_pipeline.sync.orders import OrderSync
from tests.integration.push_support import PushWorld, push_world


@dataclass
class FulfilmentWorld:
    world: PushWorld
    home: Path

    @property
    def mall(self) -> str:
        return self.world.mall

    @property
    def store(self):  # noqa: ANN201
        return self.world.store

    def control(self, method: str, path: str, body: Any = None) -> Any:
        return self.world.control(method, f"{self.mall}/{path.lstrip('/')}", body)

    def in_stock_variant(self, minimum: int = 5) -> dict[str, Any]:
        linked = (
            self.store.read_table("oms_listings", {"mall_id": self.mall})
            .join(self.store.read_table("oms_products"), on="sku")
            .filter((pl.col("stock") >= minimum) & pl.col("active"))
        )
        return linked.sort("product_no", "variant_code").row(0, named=True)

    def place_order(self, *variants: dict[str, Any], quantity: int = 1, status: str = "N10") -> dict[str, Any]:
        items = [{"variant_code": v["variant_code"], "quantity": quantity} for v in variants]
        return self.control("POST", "orders", {"items": items, "status": status})["orders"][0]

    def sync_orders(self) -> None:
        with self.world.client() as client:
            sync = OrderSync(self.store, client, self.mall)
            sync.sync_new_orders()
            sync.sync_status_changes()

    def fulfilment(self, client: Any, *, shipping: Any = None, **kw: Any) -> Fulfilment:
        from cafe24_pipeline.shipping.service import shipping_for

        return Fulfilment(
            self.store,
            client,
            self.mall,
            shipping=shipping or shipping_for(self.world.settings),
            labels_dir=self.home / "labels",
            **kw,
        )

    def cafe24_shipments(self, order_id: str) -> list[dict[str, Any]]:
        from tests.fixtures.sandbox import sandbox_client

        with sandbox_client(self.world.server, self.mall) as http:
            return http.get(f"orders/{order_id}/shipments").json()["shipments"]

    def oms(self, order_id: str) -> dict[str, str]:
        items = self.store.read_table("oms_order_items", {"mall_id": self.mall, "order_id": order_id})
        return dict(zip(items["order_item_code"], items["status"]))

    def oms_order(self, order_id: str) -> str:
        return self.store.read_table("oms_orders", {"mall_id": self.mall, "order_id": order_id})["status"][0]

    def cafe24(self, order_id: str) -> dict[str, str]:
        """Item statuses as Cafe24 (the sandbox) answers them over the Admin API."""
        from tests.fixtures.sandbox import sandbox_client

        with sandbox_client(self.world.server, self.mall) as http:
            body = http.get(f"orders/{order_id}/items").json()
        return {i["order_item_code"]: i["order_status"] for i in body["items"]}

    def writes(self) -> int:
        return self.world.control("GET", f"{self.mall}/stats")["total_writes"]

    def stock(self, sku: str) -> int:
        return int(self.store.read_table("oms_products", {"sku": sku})["stock"][0])


@contextmanager
def fulfilment_world(tmp_path: Path, store_url: str, **sandbox: Any) -> Iterator[FulfilmentWorld]:
    with push_world(tmp_path, store_url, **{"orders": 20, **sandbox}) as world:
        fw = FulfilmentWorld(world, tmp_path / "home")
        fw.sync_orders()
        yield fw


__all__ = ["FulfilmentWorld", "fulfilment_world", "httpx"]
