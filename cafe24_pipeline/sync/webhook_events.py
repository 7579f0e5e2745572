"""Turn pending webhook events into targeted re-fetches (events are hints, never the truth).

Per mall, the pending inbox rows are grouped: order events give order ids (comma lists for the bulk
events) to re-read through the order sync; product events give product numbers to re-read through
the catalogue sync. Our own pushes come back as events too (a stock write → 90075/90002): an event
about a variant whose stock Cafe24 answered us moments ago with the same value costs no re-fetch
and is marked `echo`. A failed re-fetch keeps its rows pending (retried on the next drain, up to 5
times, then `failed`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from cafe24_pipeline.store import Store
from cafe24_pipeline.store.push import PushTables
from cafe24_pipeline.store.webhooks import InboxRow, WebhookInbox
from cafe24_pipeline.webhooks.events import ORDER_EVENTS, PRODUCT_EVENTS

ECHO_WINDOW = timedelta(minutes=3)
OrderRefetch = Callable[[int, Sequence[str]], Any]
ProductRefetch = Callable[[int, Sequence[int]], Any]


@dataclass
class DrainResult:
    mall_id: str
    events: int = 0
    orders: int = 0
    products: int = 0
    echoes: int = 0
    ignored: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def drain(
    store: Store,
    mall_id: str,
    *,
    refetch_orders: OrderRefetch,
    refetch_products: ProductRefetch,
    now: datetime | None = None,
    limit: int = 500,
) -> DrainResult:
    """Re-fetch what the mall's pending events point at; mark them done, echo, ignored or failed."""
    now = now or datetime.now(timezone.utc)
    inbox = WebhookInbox(store)
    rows = inbox.pending(mall_id=mall_id, limit=limit)
    result = DrainResult(mall_id, events=len(rows))
    orders: dict[int, dict[str, list[int]]] = {}
    products: dict[int, dict[int, list[int]]] = {}
    echoes: list[int] = []
    ignored: list[int] = []
    answered = _recent_stock_answers(store, mall_id, now)  # our own pushes
    for row in rows:
        shop = int(row.hint.get("shop_no") or 1)
        if row.event_no in ORDER_EVENTS:
            for order_id in _ids(row, "order_id"):
                orders.setdefault(shop, {}).setdefault(order_id, []).append(row.id)
        elif row.event_no in PRODUCT_EVENTS:
            if _is_echo(row, answered):
                echoes.append(row.id)
                continue
            numbers = [int(n) for n in _ids(row, "product_no") if n.isdigit()]
            if not numbers:
                ignored.append(row.id)
            for number in numbers:
                products.setdefault(shop, {}).setdefault(number, []).append(row.id)
        else:
            ignored.append(row.id)  # app events: nothing to re-read
    inbox.finish(echoes, status="echo", at=now)
    inbox.finish(ignored, status="ignored", at=now)
    result.echoes, result.ignored = len(echoes), len(ignored)
    for shop, by_order in orders.items():
        ids = sorted({i for rows_ in by_order.values() for i in rows_})
        try:
            refetch_orders(shop, sorted(by_order))
        except Exception as exc:  # noqa: BLE001 - any failure keeps the events for the next drain
            inbox.retry_later(ids, error=f"{type(exc).__name__}: {exc}", at=now)
            result.failed += len(ids)
            result.errors.append(f"orders {', '.join(sorted(by_order))[:200]}: {exc}")
            continue
        inbox.finish(ids, status="done", at=now)
        result.orders += len(by_order)
    for shop, by_product in products.items():
        ids = sorted({i for rows_ in by_product.values() for i in rows_})
        try:
            refetch_products(shop, sorted(by_product))
        except Exception as exc:  # noqa: BLE001
            inbox.retry_later(ids, error=f"{type(exc).__name__}: {exc}", at=now)
            result.failed += len(ids)
            result.errors.append(f"products {sorted(by_product)}: {exc}")
            continue
        inbox.finish(ids, status="done", at=now)
        result.products += len(by_product)
    return result


def _ids(row: InboxRow, key: str) -> list[str]:
    raw = row.hint.get(key)
    return [part.strip() for part in str(raw).split(",") if part.strip()] if raw is not None else []


@dataclass(frozen=True)
class _Answers:
    stock: dict[str, int]
    """variant_code → stock Cafe24 answered to one of our pushes within the echo window."""
    products: set[int]
    """product numbers one of our pushes wrote within the echo window."""


def _recent_stock_answers(store: Store, mall_id: str, now: datetime) -> _Answers:
    state = PushTables(store).push_state(mall_id)
    stock: dict[str, int] = {}
    products: set[int] = set()
    stamps = ("stock_at", "additional_at", "variant_status_at", "product_price_at", "product_status_at")
    for row in state.iter_rows(named=True):
        recent = [row[c] for c in stamps if row.get(c) is not None and now - row[c] <= ECHO_WINDOW]
        if recent:
            products.add(int(row["product_no"]))
        if row.get("stock_at") is not None and now - row["stock_at"] <= ECHO_WINDOW and row.get("stock") is not None:
            stock[row["variant_code"]] = int(row["stock"])
    return _Answers(stock, products)


def _is_echo(row: InboxRow, answered: _Answers) -> bool:
    """Our own push coming back: a stock event carrying exactly the stock Cafe24 just answered us, or a
    product-updated event for a product we wrote moments ago."""
    code = row.hint.get("variant_code")
    if code and "quantity" in row.hint:
        try:
            return code in answered.stock and int(row.hint["quantity"]) == answered.stock[code]
        except (TypeError, ValueError):
            return False
    if code and row.event_no == 90075 and code in answered.stock:
        # 90075 carries no quantity, only which side of 0 the stock crossed to ("… less than or equal 0"
        # / "… more than 0"): an echo when that is the side of the stock Cafe24 answered us
        text = str(row.hint.get("status_text") or "").lower()
        if "less than or equal" in text:
            return answered.stock[code] <= 0
        if "more than" in text:
            return answered.stock[code] > 0
        return False
    if row.event_no == 90002:
        numbers = [int(n) for n in _ids(row, "product_no") if n.isdigit()]
        return bool(numbers) and all(n in answered.products for n in numbers)
    return False
