"""Order state changes shared by the Admin API and the control API, with their webhooks."""

from __future__ import annotations

from typing import Any

from cafe24_sandbox.models import Item, Order
from cafe24_sandbox.state import MallState
from cafe24_sandbox.statuses import STATUSES

# webhook event per status family (cafe24-api.md §8)
_EVENT_BY_PREFIX = {"C": 90026, "R": 90027, "E": 90028}
_SHIPPING_CODES = {"N21", "N22", "N30", "N40"}


def move_items(mall: MallState, server: Any, items: list[Item], status: str, ts: float | None = None) -> None:
    """Move items to `status` (setting implied event dates) and emit one webhook per order and kind."""
    if status not in STATUSES:
        raise KeyError(status)
    changed: dict[str, list[Item]] = {}
    with mall.lock:
        for item in items:
            if item.status != status:
                mall.move_item(item, status, ts)
                changed.setdefault(item.order.order_id, []).append(item)
    for order_id, moved in changed.items():
        order = moved[0].order
        event = _EVENT_BY_PREFIX.get(status[0]) or (90024 if status in _SHIPPING_CODES else None)
        if status == "N10":
            event = 90025  # payment (deposit) status changed
        if event is None:
            continue
        server.emit(mall.mall_id, event, {
            "order_id": order_id, "order_item_code": ",".join(i.order_item_code for i in moved),
            "order_status": status, "shipping_status": _shipping_flag(order)}, order.shop_no)


def _shipping_flag(order: Order) -> str:
    from cafe24_sandbox.statuses import shipping_status_of

    return shipping_status_of([item.status for item in order.items])


def order_placed_payload(order: Order) -> dict[str, Any]:
    """Fields of event 90023 (order placed); no item-level detail, as Cafe24 sends it."""
    from cafe24_sandbox.clock import iso_kst

    total = sum(item.payment_amount() for item in order.items)
    return {"order_id": order.order_id, "order_date": iso_kst(order.order_ts),
            "paid": "T" if order.payment_ts is not None else "F", "payment_date": iso_kst(order.payment_ts),
            "payment_method": order.payment_method, "order_price_amount": f"{total}.00",
            "actual_payment_amount": f"{total + order.shipping_fee}.00", "shipping_fee": f"{order.shipping_fee}.00",
            "shipping_status": _shipping_flag(order), "buyer_name": order.customer.name,
            "buyer_email": order.customer.email, "buyer_cellphone": order.customer.cellphone,
            "member_id": order.customer.member_id, "order_place_id": order.order_place_id,
            "ordering_product_code": ",".join(i.product.product_code for i in order.items),
            "ordering_product_name": ",".join(i.product_name or i.product.product_name for i in order.items)}
