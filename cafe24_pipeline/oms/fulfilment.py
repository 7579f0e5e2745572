"""The OMS fulfilment actions as rules: who triggers each, which OMS statuses allow it, what Cafe24 gets.

| action | triggered by | allowed from (each item) | OMS status after | sent to Cafe24 |
|---|---|---|---|---|
| RFP (fulfilled, ready to pack) | the OMS / an operator | New | RFP | `PUT /orders/{id}` `process_status=prepare` (N20) |
| Ready to Ship | a WMS "picked" event, or an operator (`orders ready-to-ship`) | New, RFP | Ready_to_Ship | self ship: prepare (if still N10), then `POST /orders/{id}/shipments` `status=standby` with the AWB (N21); shipped by sales channel: nothing — the channel's tracking number is read |
| ship (handover to the carrier) | an operator (`orders ship`) | Ready_to_Ship | In_transit | `PUT …/shipments/{code}` `status=shipping` (N30) |
| seller cancellation | an operator (`orders cancel`) | Pending_payment, New, Partial, RFP, On_hold | Cancelled_by_seller_inprocess, then Cancelled_by_seller when Cafe24 reports it | `POST /orders/{id}/cancellation` |
| delivered | Cafe24 (N40 / N50 seen by the status sync) | In_transit | Complete | — |

Partial (paid, some item short of OMS stock) waits: it cannot be RFP or Ready to Ship until the stock
arrives and the order is New again. Once an item is packed / Ready to Ship, cancellation is refused
and nothing is sent anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cafe24_pipeline.oms.order_state import CANCELLABLE, TransitionNotAllowed
from cafe24_pipeline.oms.status_map import (
    CANCELLED_BY_SELLER,
    CANCELLED_BY_SELLER_INPROCESS,
    COMPLETE,
    IN_TRANSIT,
    NEW,
    PARTIAL,
    READY_TO_SHIP,
    RFP,
)

RFP_ACTION = "rfp"
READY_TO_SHIP_ACTION = "ready_to_ship"
SHIP_ACTION = "ship"
CANCEL_ACTION = "cancel"
DELIVERED_ACTION = "delivered"


@dataclass(frozen=True)
class Rule:
    action: str
    allowed_from: frozenset[str]
    already_done: frozenset[str]
    target: str


RULES: dict[str, Rule] = {
    RFP_ACTION: Rule(RFP_ACTION, frozenset({NEW}), frozenset({RFP}), RFP),
    READY_TO_SHIP_ACTION: Rule(READY_TO_SHIP_ACTION, frozenset({NEW, RFP}), frozenset({READY_TO_SHIP}), READY_TO_SHIP),
    SHIP_ACTION: Rule(SHIP_ACTION, frozenset({READY_TO_SHIP}), frozenset({IN_TRANSIT, COMPLETE}), IN_TRANSIT),
    CANCEL_ACTION: Rule(
        CANCEL_ACTION, CANCELLABLE, frozenset({CANCELLED_BY_SELLER_INPROCESS, CANCELLED_BY_SELLER}), CANCELLED_BY_SELLER_INPROCESS
    ),
}


@dataclass(frozen=True)
class Plan:
    """The items an action will move, and those it leaves because they are already there."""

    action: str
    to_move: tuple[str, ...]
    already: tuple[str, ...]


def plan(action: str, order_id: str, statuses: Mapping[str, str]) -> Plan:
    """Check `action` for the items {order_item_code: OMS status}; TransitionNotAllowed names the fix.

    All or nothing: one item that may not move refuses the whole action, so nothing is sent.
    """
    rule = RULES[action]
    if not statuses:
        raise TransitionNotAllowed(f"order {order_id} has no such items in the OMS")
    refused = {code: s for code, s in statuses.items() if s not in rule.allowed_from and s not in rule.already_done}
    if refused:
        raise TransitionNotAllowed(_refusal(action, order_id, refused))
    to_move = tuple(sorted(c for c, s in statuses.items() if s in rule.allowed_from))
    already = tuple(sorted(c for c, s in statuses.items() if s in rule.already_done))
    return Plan(action, to_move, already)


def _refusal(action: str, order_id: str, refused: Mapping[str, str]) -> str:
    items = ", ".join(f"{code} is {status}" for code, status in sorted(refused.items()))
    if action == CANCEL_ACTION:
        return (
            f"order {order_id} can no longer be cancelled ({items}): cancellation is allowed only before "
            "packing / Ready to Ship; nothing was sent to Cafe24"
        )
    if any(s == PARTIAL for s in refused.values()):
        return (
            f"order {order_id} is waiting for stock ({items}): it becomes New when the OMS has the stock, "
            "then it can be fulfilled"
        )
    need = {RFP_ACTION: "New", READY_TO_SHIP_ACTION: "New or RFP", SHIP_ACTION: "Ready_to_Ship"}[action]
    return f"order {order_id} cannot be moved by {action.replace('_', ' ')} ({items}): it needs {need}"
