"""Set-up shared by the order integration tests: a real sandbox on loopback, a connected mall, a store.

The pipeline reaches the sandbox only over HTTP (OAuth consent, token exchange, Admin API); the tests
read the sandbox's own state as the ground truth to compare with.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx

from cafe24_pipeline.cafe24.options import ClientOptions
from cafe24_pipeline.mall_access import connect as connect_mall, open_client
from cafe24_pipeline.cafe24.governor import GovernorConfig
from cafe24_pipeline.settings import Settings
from cafe24_pipeline.store import Store
from cafe24_pipeline.sync.orders import OrderSync, OrderSyncConfig
from cafe24_sandbox.config import SandboxConfig
from cafe24_sandbox.server import SandboxServer

KST = ZoneInfo("Asia/Seoul")
MALL = "ordermall"
REDIRECT = "https://app.example.com/callback"
FAST = GovernorConfig(leak_rate=200.0, max_calls_per_second=500.0, headroom=0)


@dataclass
class OrdersEnv:
    server: SandboxServer
    settings: Settings
    store: Store
    mall: str = MALL

    def control(self, method: str, path: str, body: dict | None = None) -> dict:
        response = httpx.request(method, f"{self.server.base_url}/_sandbox/{self.mall}{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def client(self):  # noqa: ANN201
        return open_client(self.settings, self.store, self.mall, options=ClientOptions(governor=FAST))

    @contextmanager
    def sync(self, config: OrderSyncConfig | None = None) -> Iterator[OrderSync]:
        with self.client() as client:
            yield OrderSync(self.store, client, self.mall, config=config)

    def sandbox_orders(self, first_day: date | None = None) -> dict[tuple[int, str], dict]:
        """The sandbox's own orders (optionally from a KST day on): {(shop_no, order_id): facts}."""
        mall = self.server.state.mall(self.mall)
        out = {}
        for order in mall.orders:
            day = datetime.fromtimestamp(order.order_ts, timezone.utc).astimezone(KST).date()
            if first_day is not None and day < first_day:
                continue
            out[(order.shop_no, order.order_id)] = {
                "day": day,
                "items": {i.order_item_code: i.status for i in order.items},
            }
        return out

    def today(self) -> date:
        return self.now().astimezone(KST).date()

    def now(self) -> datetime:
        return (
            self.server.sandbox.clock.now()
            if hasattr(self.server.sandbox.clock, "now")
            else datetime.fromtimestamp(self.server.sandbox.clock.ts(), timezone.utc)
        )


def authorization_code(server: SandboxServer, mall: str) -> str:
    """Consent in the sandbox (what the merchant's browser does) and read the code off the redirect."""
    response = httpx.get(
        f"{server.api_base(mall)}/api/v2/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": server.client_id,
            "redirect_uri": REDIRECT,
            "state": "s",
            "scope": "mall.read_order,mall.read_store,mall.read_product",
        },
        follow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


@contextmanager
def orders_env(tmp_path: Path, store_url: str, **sandbox_overrides) -> Iterator[OrdersEnv]:
    config = SandboxConfig(
        malls=[MALL],
        **{"products": 30, "orders": 400, "seed": 7, "leak_rate": 200.0, "bucket_capacity": 400, **sandbox_overrides},
    )
    with SandboxServer(config) as server:
        settings = Settings(
            home=tmp_path / "home",
            database_url=store_url,
            api_base_url=server.api_base_template,
            client_id=server.client_id,
            client_secret=server.client_secret,
            secret_key=None,
        )
        settings.ensure_home()
        store = Store.open(store_url)
        try:
            connect_mall(settings, store, MALL, code=authorization_code(server, MALL), redirect_uri=REDIRECT)
            yield OrdersEnv(server=server, settings=settings, store=store)
        finally:
            store.close()


def stored_orders(store: Store, mall: str = MALL) -> dict[tuple[int, str], dict]:
    orders = store.read("select shop_no, order_id, order_date_kst from cafe24_orders where mall_id = :m", {"m": mall})
    items = store.read("select order_id, order_item_code, order_status from cafe24_order_items where mall_id = :m", {"m": mall})
    by_order: dict[str, dict] = {}
    for order_id, code, status in items.iter_rows():
        by_order.setdefault(order_id, {})[code] = status
    return {
        (shop_no, order_id): {"day": day, "items": by_order.get(order_id, {})} for shop_no, order_id, day in orders.iter_rows()
    }


def counts(store: Store) -> dict[str, int]:
    c = store.row_counts()
    return {
        k: c[k]
        for k in (
            "cafe24_orders",
            "cafe24_order_items",
            "cafe24_order_status_history",
            "cafe24_order_receivers",
            "oms_orders",
            "oms_order_items",
        )
    }


def minutes_ago(env: OrdersEnv, minutes: float) -> str:
    return (env.now() - timedelta(minutes=minutes)).astimezone(KST).isoformat(timespec="seconds")
