"""Cafe24 webhook events: what an incoming body means, and what may be kept of it.

Events are hints, never the source of truth (cafe24-api.md §8): an order event says "re-read these
orders", a product event "re-read these products". Only the identifiers needed for that re-fetch are
kept (`hint`); a body's personal data (buyer names, e-mails, phones, addresses) is never stored.
Bulk events carry comma-joined ids.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

ORDER_EVENTS = {
    90023: "order placed",
    90024: "shipping status",
    90071: "shipping status (bulk)",
    90025: "payment",
    90026: "cancellation",
    90072: "cancellation (bulk)",
    90027: "return",
    90074: "return (bulk)",
    90028: "exchange",
    90029: "refund",
    90073: "refund (bulk)",
    90064: "recipient changed",
    90162: "tracking number changed",
}
PRODUCT_EVENTS = {
    90001: "product created",
    90002: "product updated",
    90003: "product deleted",
    90022: "product restored",
    90041: "products bulk-updated",
    90075: "variant stock crossed 0",
    90150: "sold-out state changed",
}
APP_EVENTS = {90077: "app deleted", 90078: "app expired", 90079: "app renewed"}
KNOWN_EVENTS = {**ORDER_EVENTS, **PRODUCT_EVENTS, **APP_EVENTS}

# identifiers a re-fetch needs; everything else in the body is dropped before storing
HINT_KEYS = (
    "mall_id",
    "event_shop_no",
    "order_id",
    "order_item_code",
    "shipping_code",
    "claim_code",
    "product_no",
    "product_code",
    "variant_code",
    "quantity",
    "sold_out",
    "status_text",
    "action",
)


class MalformedEvent(ValueError):
    """The body is not a Cafe24 webhook event; the message says what is wrong (never quotes the body)."""


@dataclass(frozen=True)
class WebhookEvent:
    event_no: int
    mall_id: str
    shop_no: int
    hint: dict[str, Any]
    dedupe_key: str

    @property
    def kind(self) -> str:
        if self.event_no in ORDER_EVENTS:
            return "order"
        if self.event_no in PRODUCT_EVENTS:
            return "product"
        if self.event_no in APP_EVENTS:
            return "app"
        return "unknown"

    def ids(self, key: str) -> list[str]:
        """The comma-joined ids under `key` (bulk events), as a list."""
        raw = self.hint.get(key)
        if raw is None:
            return []
        return [part.strip() for part in str(raw).split(",") if part.strip()]


def parse_event(body: bytes) -> WebhookEvent:
    """A webhook body → WebhookEvent; MalformedEvent when it is not one."""
    try:
        data = json.loads(body)
    except ValueError:
        raise MalformedEvent("the body is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedEvent("the body is not a JSON object")
    raw_event_no: Any = data.get("event_no")
    resource = data.get("resource")
    try:
        event_no = int(raw_event_no)
    except (TypeError, ValueError):
        raise MalformedEvent("event_no is missing or not a number") from None
    if not isinstance(resource, dict):
        raise MalformedEvent("resource is missing or not an object")
    mall_id = resource.get("mall_id")
    if not isinstance(mall_id, str) or not mall_id:
        raise MalformedEvent("resource.mall_id is missing")
    try:
        shop_no = int(resource.get("event_shop_no") or 1)
    except (TypeError, ValueError):
        raise MalformedEvent("resource.event_shop_no is not a number") from None
    hint = {k: resource[k] for k in HINT_KEYS if k in resource and resource[k] not in (None, "")}
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    dedupe = hashlib.sha256(canonical.encode()).hexdigest()
    return WebhookEvent(event_no=event_no, mall_id=mall_id, shop_no=shop_no, hint=hint, dedupe_key=dedupe)
