"""Admin API: order cancellations (before shipping), single and bulk, and undoing them; the buyer's
cancellation request lives in world.py (the control API plays the buyer).

A merchant cancellation moves paid items to C10 (accepted, sandbox extension), C34 (`canceling`) or C40
(`canceled`), unpaid ones to C49 (cancelled before payment by the admin). It also finishes a buyer's request
(C00) or an unfinished cancellation (C10, C34). `recover_inventory=T` (default F, as documented) puts the
stock the order took back on the variants.
"""

from __future__ import annotations

from typing import Any

from cafe24_sandbox.api_orders import _order, _target_items
from cafe24_sandbox.errors import ApiError, invalid, not_found
from cafe24_sandbox.events import BulkEvents
from cafe24_sandbox.flows import deduct_stock, move_items, restore_stock
from cafe24_sandbox.models import Item, Order
from cafe24_sandbox.params import flag_value, text_value
from cafe24_sandbox.routing import Ctx, Router, apply_each, multi_status
from cafe24_sandbox.state import MallState

router = Router()
WRITE = "mall.write_order"
BEFORE_SHIPPING = {"N00", "N10", "N20", "N21", "N22"}
_OPEN_CLAIM = {"C00": 0, "C10": 1, "C34": 2}  # a buyer's request or an unfinished cancellation, by progress
_CANCELLABLE = BEFORE_SHIPPING | set(_OPEN_CLAIM)
_STATUS = {"accepted": "C10", "canceling": "C34", "canceled": "C40"}
_PROGRESS = {"C10": 1, "C34": 2, "C40": 3}


def _claim_items(order: Order, request: dict[str, Any]) -> list[Item]:
    entries = request.get("items")
    if entries in (None, []):
        return [i for i in order.items if i.status in _CANCELLABLE]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise invalid("items", "items must be a list of {order_item_code, quantity}.")
    items, _ = _target_items(order, [e.get("order_item_code") for e in entries])
    for entry, item in zip(entries, items):
        if "quantity" in entry and entry["quantity"] != item.quantity:
            raise invalid("items", "The sandbox cancels whole order items: quantity must equal the item's quantity.")
    return items


def create_cancellation(mall: MallState, server: Any, order: Order, request: dict[str, Any]) -> dict[str, Any]:
    status = request.get("status")
    if status not in _STATUS:
        raise invalid("status", "status must be accepted, canceling or canceled.")
    recover = flag_value("recover_inventory", request.get("recover_inventory", "F"))
    if request.get("reason") is not None:
        text_value("reason", request["reason"], max_length=2000)
    items = _claim_items(order, request)
    if not items:
        raise ApiError(422, "There is no order item that can be cancelled. (parameter.items)", {})
    target = _STATUS[status]
    for item in items:
        unpaid = item.status in ("N00", "N02")
        wanted = "C49" if unpaid and target == "C40" else target
        if item.status == wanted:
            raise ApiError(409, "The requested content is identical to the existing content.", {})
        if item.status not in _CANCELLABLE:
            raise ApiError(
                422,
                f"The order item {item.order_item_code} in status {item.status} cannot be cancelled "
                "(only before shipping). (parameter.items)",
                {},
            )
        if item.status in _OPEN_CLAIM and _PROGRESS[target] <= _OPEN_CLAIM[item.status]:
            raise ApiError(
                422, f"The cancellation of order item {item.order_item_code} is already {item.status}. (parameter.status)", {}
            )
    open_codes = {i.claim_code for i in items if i.status in _OPEN_CLAIM}
    claim_code = (
        open_codes.pop() if len(open_codes) == 1 and all(i.status in _OPEN_CLAIM for i in items) else mall.next_claim_code()
    )
    with mall.lock:
        for item in items:
            if item.status not in _OPEN_CLAIM:
                item.status_before_claim = item.status
            item.claim_code = claim_code
            if item.shipping_code and order.shipments:
                for shipment in order.shipments:
                    if item.seq in shipment.item_seqs:
                        shipment.item_seqs.remove(item.seq)
                order.shipments = [s for s in order.shipments if s.item_seqs]
                item.shipping_code = None
    if recover == "T":
        restore_stock(mall, server, items)
    unpaid_items = [i for i in items if i.status_before_claim in ("N00", "N02")]
    paid_items = [i for i in items if i not in unpaid_items]
    if paid_items:
        move_items(mall, server, paid_items, target)
    if unpaid_items:
        move_items(mall, server, unpaid_items, "C49" if target == "C40" else target)
    return {
        "shop_no": order.shop_no,
        "order_id": order.order_id,
        "status": status,
        "claim_code": claim_code,
        "items": [{"order_item_code": i.order_item_code, "quantity": i.quantity} for i in items],
    }


@router.add("POST", "orders/{order_id}/cancellation", WRITE)
async def post_cancellation(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    return 201, {"cancellation": create_cancellation(ctx.mall, ctx.server, _order(ctx), ctx.request_object())}


@router.add("POST", "cancellation", WRITE)
async def post_cancellations(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    bulk = BulkEvents(ctx.server)  # one 90072 with every order id
    try:
        results = apply_each(
            ctx.request_list(100),
            "order_id",
            lambda entry, order_id: create_cancellation(ctx.mall, bulk, _order(ctx, order_id), entry),
        )
    finally:
        bulk.flush()
    status, body = multi_status(results, "cancellation")
    return (201 if status == 200 else status), body


@router.add("PUT", "orders/{order_id}/cancellation/{claim_code}", WRITE)
async def put_cancellation(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    """`undone: "T"` withdraws the cancellation: items go back to the status they had before it."""
    order = _order(ctx)
    code = ctx.params["claim_code"]
    request = ctx.request_object()
    items = [i for i in order.items if i.claim_code == code and i.status.startswith("C")]
    if not items:
        raise not_found("cancellation")
    recover = flag_value("recover_inventory", request.get("recover_inventory", "F"))
    undone = request.get("undone")
    if undone == "T":
        if any(i.status in ("C40", "C41", "C42", "C43", "C47", "C48", "C49") for i in items):
            raise ApiError(422, "A completed cancellation cannot be undone. (parameter.undone)", {})
        for previous in {i.status_before_claim or "N10" for i in items}:
            group = [i for i in items if (i.status_before_claim or "N10") == previous]
            with ctx.mall.lock:
                for item in group:
                    ctx.mall.set_item_status(item, previous)  # back to where it was; event dates stay
                    item.status_before_claim = None
            if recover == "T":  # the order takes its stock again (if the cancellation had put it back)
                deduct_stock(ctx.mall, ctx.server, group)
    elif request.get("status") == "canceling":
        move_items(ctx.mall, ctx.server, items, "C34")
    else:
        raise invalid("undone", "Send undone=T or status=canceling.")
    return 200, {
        "cancellation": {
            "shop_no": order.shop_no,
            "order_id": order.order_id,
            "claim_code": code,
            "recover_inventory": recover,
            "items": [{"order_item_code": i.order_item_code} for i in items],
            "undone": undone,
            "add_memo_too": request.get("add_memo_too", "F"),
            "undone_reason_type": request.get("undone_reason_type"),
            "undone_reason": request.get("undone_reason"),
            "expose_order_detail": request.get("expose_order_detail"),
            "exposed_undone_reason": request.get("exposed_undone_reason"),
        }
    }
