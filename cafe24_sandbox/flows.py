"""Order state changes shared by the Admin API and the control API, with their webhooks and stock effects."""

from __future__ import annotations

from typing import Any

from cafe24_sandbox import events
from cafe24_sandbox.models import Item, Order, Product, Variant
from cafe24_sandbox.state import MallState
from cafe24_sandbox.statuses import STATUSES, is_paid

_CLAIM_EVENTS = {"C": events.CANCELLATION, "R": events.RETURN, "E": events.EXCHANGE}


def move_items(mall: MallState, server: Any, items: list[Item], status: str, ts: float | None = None) -> None:
    """Move items to `status` (setting implied event dates) and emit one webhook per order and kind.

    Stock bought on an `inventory_control_type` B (deduct at payment) variant is deducted when the item
    becomes paid."""
    if status not in STATUSES:
        raise KeyError(status)
    changed: dict[str, list[tuple[Item, str]]] = {}
    with mall.lock:
        for item in items:
            if item.status != status:
                before = item.status
                mall.move_item(item, status, ts)
                changed.setdefault(item.order.order_id, []).append((item, before))
    for moved in changed.values():
        order = moved[0][0].order
        newly_paid = [item for item, before in moved if not is_paid(before) and is_paid(status)]
        if newly_paid and status[0] == "N":
            deduct_stock(mall, server, [i for i in newly_paid if not i.stock_deducted])
            server.emit(mall.mall_id, events.PAYMENT, events.order_payload(order, "paid_order"), order.shop_no)
            if status in ("N00", "N10"):
                continue
        event = _CLAIM_EVENTS.get(status[0])
        if event is not None:
            server.emit(mall.mall_id, event, events.order_payload(order, events.EVENT_CODES[event]), order.shop_no)
        elif status in events.SHIPPING_EVENT_CODES and status != "N50":  # no event is documented for N50
            server.emit(
                mall.mall_id, events.SHIPPING, events.order_payload(order, events.SHIPPING_EVENT_CODES[status]), order.shop_no
            )


def set_stock(mall: MallState, server: Any, product: Product, variant: Variant, quantity: int) -> None:
    """Set a variant's stock; 90075 when it crosses 0 (sold out, or back in stock)."""
    with mall.lock:
        before = variant.quantity
        variant.quantity = quantity
    if (before <= 0) != (quantity <= 0):
        server.emit(mall.mall_id, events.STOCK_CROSSED_ZERO, events.stock_payload(product, variant))


def deduct_stock(mall: MallState, server: Any, items: list[Item]) -> None:
    """An order takes its quantity off variants that track stock (`use_inventory` T)."""
    for item in items:
        if item.stock_deducted:
            continue
        item.stock_deducted = True
        variant = item.variant
        if variant.use_inventory == "T" and variant.variant_code in mall.variants:
            set_stock(mall, server, item.product, variant, variant.quantity - item.quantity)


def restore_stock(mall: MallState, server: Any, items: list[Item]) -> None:
    """`recover_inventory=T`: put back what the order took (only what it took, only once)."""
    for item in items:
        if not item.stock_deducted:
            continue
        item.stock_deducted = False
        variant = item.variant
        if variant.use_inventory == "T" and variant.variant_code in mall.variants:
            set_stock(mall, server, item.product, variant, variant.quantity + item.quantity)


def place_order(mall: MallState, server: Any, order: Order) -> None:
    """A new order: stock comes off at order time for `inventory_control_type` A, at payment for B."""
    due = [i for i in order.items if is_paid(i.status) or i.variant.inventory_control_type == "A"]
    for item in order.items:
        item.stock_deducted = False
    deduct_stock(mall, server, due)


def order_placed_payload(order: Order) -> dict[str, Any]:
    """Fields of event 90023 (order placed); no item-level detail, as Cafe24 sends it."""
    return events.order_payload(order, "create_order")
