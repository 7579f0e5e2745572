"""Process one mall's webhook inbox for real: events → targeted re-fetches through the polling code.

`drain` (sync/webhook_events.py) decides what the pending events point at; this module gives it the
re-fetches:
- orders by id (bulk events' comma lists included) through `OrderSync.refetch_orders`, which writes
  with the very code the 5- and 30-minute polls use (mirror, items, status history with
  source `webhook`, receivers, OMS orders and items);
- products by number through the catalogue sync's targeted mode (`sync_products(product_nos=…)`,
  which stores through `_store_product_page`), then the SKU links and the OMS master are refreshed
  as the catalogue jobs do, when anything changed.
No high-water mark moves: polling stays the safety net and still reads its own windows.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cafe24_pipeline.store import Store
from cafe24_pipeline.store.connections import SqlConnectionRegistry
from cafe24_pipeline.store.leases import LeaseTable
from cafe24_pipeline.store.webhooks import WebhookInbox
from cafe24_pipeline.sync import catalog
from cafe24_pipeline.sync.lease import holder_alive
from cafe24_pipeline.sync.orders import OrderSync, OrderSyncConfig, SyncReport, utcnow
from cafe24_pipeline.sync.webhook_events import DrainResult, drain

STREAM = "webhooks.drain"


@dataclass
class ProcessResult:
    """What one drain did: the events' fate, and what the re-fetches stored."""

    mall_id: str
    drain: DrainResult
    orders: SyncReport
    products_fetched: int = 0
    products_stored: int = 0
    variants_stored: int = 0
    products_not_found: list[int] = field(default_factory=list)
    listings_refreshed: bool = False

    def as_metadata(self) -> dict[str, Any]:
        d = self.drain
        return {
            "events": d.events,
            "orders_refetched": d.orders,
            "products_refetched": d.products,
            "echoes": d.echoes,
            "ignored": d.ignored,
            "failed": d.failed,
            "orders_stored": self.orders.stored_orders,
            "order_items_stored": self.orders.stored_items,
            "history_rows": self.orders.history_rows,
            "oms_orders": self.orders.oms_orders,
            "orders_unchanged": self.orders.unchanged,
            "orders_skipped": len(self.orders.skipped),
            "products_fetched": self.products_fetched,
            "products_stored": self.products_stored,
            "variants_stored": self.variants_stored,
            "products_not_found": len(self.products_not_found),
        }

    def summary(self) -> str:
        d = self.drain
        return (
            f"{d.events} event(s): {d.orders} order(s) and {d.products} product(s) re-fetched, "
            f"{d.echoes} echo(es) of our pushes, {d.ignored} ignored, {d.failed} failed; stored "
            f"{self.orders.stored_orders} order(s) / {self.orders.stored_items} item(s), "
            f"{self.orders.history_rows} status change(s), {self.products_stored} product(s) / "
            f"{self.variants_stored} variant(s)"
        )


def process_inbox(
    store: Store,
    client: Any,
    mall_id: str,
    *,
    limit: int = 500,
    now: datetime | None = None,
    order_config: OrderSyncConfig | None = None,
    clock: Callable[[], datetime] | None = None,
) -> ProcessResult:
    """Drain the mall's pending events (up to `limit`) with real re-fetches through `client`."""
    now = now or datetime.now(UTC)
    sync = OrderSync(store, client, mall_id, config=order_config or OrderSyncConfig.from_env(), clock=clock or utcnow)
    orders = SyncReport(mall_id, "orders.refetch")
    outcome: dict[str, Any] = {"fetched": 0, "stored": 0, "variants": 0, "missing": []}

    def refetch_orders(shop_no: int, order_ids: Sequence[str]) -> None:
        orders.absorb(sync.refetch_orders(shop_no, order_ids))

    def refetch_products(shop_no: int, product_nos: Sequence[int]) -> None:
        result = catalog.sync_products(store, client, mall_id, product_nos=list(product_nos), shop_nos=[shop_no], now=now)
        outcome["fetched"] += result.fetched
        outcome["stored"] += result.stored
        outcome["variants"] += result.details.get("variants_stored", 0) + result.details.get("variants_deleted", 0)
        outcome["missing"] += result.details.get("not_found_product_nos", [])

    drained = drain(store, mall_id, refetch_orders=refetch_orders, refetch_products=refetch_products, now=now, limit=limit)
    result = ProcessResult(
        mall_id,
        drained,
        orders,
        products_fetched=outcome["fetched"],
        products_stored=outcome["stored"],
        variants_stored=outcome["variants"],
        products_not_found=outcome["missing"],
    )
    if result.products_stored or result.variants_stored:
        # the same follow-up steps as the catalogue jobs: SKU links (confirmed stock/prices), OMS master
        catalog.link_listings(store, mall_id, now=now)
        catalog.build_oms_products(store, mall_id, now=now)
        result.listings_refreshed = True
    if drained.events:
        store.record_sync(
            mall_id,
            STREAM,
            success=drained.failed == 0,
            rows=drained.events,
            error="; ".join(drained.errors)[:500] or None,
            details=result.as_metadata(),
        )
    return result


def pending_malls(store: Store) -> list[str]:
    """Malls with events waiting (for the sensor and the serving process)."""
    return WebhookInbox(store).pending_malls()


def why_not_now(store: Store, mall_id: str, *, now: datetime | None = None) -> str | None:
    """Why a drain of `mall_id` would fail at once (not connected, re-authorization needed, the mall's
    lease held by a live process), or None. Lets the sensor and the serving process wait instead of
    launching runs that can only fail — e.g. every few seconds during a long initial import."""
    connection = SqlConnectionRegistry(store).load(mall_id)
    if connection is None:
        return "not connected"
    if connection.status != "active":
        return f"{connection.status}: run `cafe24-pipeline connect {mall_id}` again"
    held = LeaseTable(store).current(mall_id)
    now = now or datetime.now(UTC)
    if held is not None and held.expires_at > now and holder_alive(held, socket.gethostname()):
        return f"busy: {held.purpose} holds the mall"
    return None
