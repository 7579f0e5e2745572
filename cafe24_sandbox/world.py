"""What the world does to orders outside the app (played through the control API): the carrier delivers,
the buyer confirms the purchase or asks to cancel, and a sales channel or the merchant registers a shipment
in Cafe24 itself ("shipped by sales channel"), so its tracking number shows up on the order for the app."""

from __future__ import annotations

from typing import Any

from cafe24_sandbox.api_claims import BEFORE_SHIPPING
from cafe24_sandbox.api_orders import _target_items, create_shipment
from cafe24_sandbox.errors import ApiError
from cafe24_sandbox.flows import move_items, restore_stock
from cafe24_sandbox.models import Item, Order, Shipment
from cafe24_sandbox.params import text_value
from cafe24_sandbox.state import MallState


class WorldError(Exception):
    """The world cannot do that (nothing in transit, nothing delivered): the control API answers 409."""


def deliver(mall: MallState, server: Any, order: Order, shipping_code: str | None = None, ts: float | None = None) -> list[Item]:
    """The carrier delivers: items in transit (N30) of one shipment, or of all, become N40; shipments `shipped`."""
    shipments = [s for s in order.shipments or [] if shipping_code in (None, s.shipping_code)]
    if shipping_code is not None and not shipments:
        raise KeyError(f"unknown shipment {shipping_code!r}")
    codes = {s.shipping_code for s in shipments}
    items = [i for i in order.items if i.shipping_code in codes and i.status == "N30"]
    if not items:
        raise WorldError("no item of the order is in transit (N30)")
    with mall.lock:
        for shipment in shipments:
            if any(i.shipping_code == shipment.shipping_code for i in items):
                shipment.status = "shipped"
    move_items(mall, server, items, "N40", ts)
    return items


def confirm_purchase(mall: MallState, server: Any, order: Order, codes: Any = None, ts: float | None = None) -> list[Item]:
    """The buyer confirms the purchase: delivered items (N40) become N50."""
    items, named = _target_items(order, codes)
    if named and any(i.status != "N40" for i in items):
        raise WorldError("only delivered items (N40) can be confirmed")
    items = [i for i in items if i.status == "N40"]
    if not items:
        raise WorldError("no item of the order is delivered (N40)")
    move_items(mall, server, items, "N50", ts)
    return items


def channel_shipment(mall: MallState, server: Any, order: Order, request: dict[str, Any]) -> Shipment:
    """A sales channel (or the merchant in the Cafe24 admin) ships with its own tracking number. Same rules as
    `POST /orders/{id}/shipments`; status `shipped` also delivers it at once."""
    status = request.get("status", "shipping")
    shipment = create_shipment(mall, server, order, {**request, "status": "shipping" if status == "shipped" else status})
    if status == "shipped":
        deliver(mall, server, order, shipment.shipping_code)
    return shipment


def request_cancellation(mall: MallState, server: Any, order: Order, codes: Any, reason: str | None) -> dict[str, Any]:
    """The buyer asks to cancel. Paid items go to C00 (requested) with a claim code and wait for the merchant
    (`POST /orders/{id}/cancellation` finishes them); unpaid items are cancelled at once (C47, by the buyer)
    and give back the stock the order took."""
    items, named = _target_items(order, codes)
    if not named:
        items = [i for i in items if i.status in BEFORE_SHIPPING]
    for item in items:
        if item.status not in BEFORE_SHIPPING:
            raise ApiError(
                422,
                f"The order item {item.order_item_code} in status {item.status} cannot be cancelled "
                "by the buyer. (parameter.items)",
                {},
            )
    if not items:
        raise ApiError(422, "There is no order item that can be cancelled. (parameter.items)", {})
    if reason is not None:
        text_value("reason", reason, max_length=2000)
    claim_code = mall.next_claim_code()
    with mall.lock:
        for item in items:
            item.status_before_claim = item.status
            item.claim_code = claim_code
    unpaid = [i for i in items if i.status in ("N00", "N02")]
    paid = [i for i in items if i not in unpaid]
    if unpaid:
        restore_stock(mall, server, unpaid)
        move_items(mall, server, unpaid, "C47")
    if paid:
        move_items(mall, server, paid, "C00")
    return {
        "order_id": order.order_id,
        "claim_code": claim_code,
        "items": [{"order_item_code": i.order_item_code, "order_status": i.status} for i in items],
    }
