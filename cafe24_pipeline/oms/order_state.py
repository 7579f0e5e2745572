"""The OMS order state machine: which status changes are allowed, and how a Cafe24 observation
is merged into the OMS status without undoing work the OMS owns.

Two sources move an OMS order:
- the OMS itself (fulfilment: New/Partial → RFP → Ready_to_Ship → In_transit; seller cancellation),
- Cafe24, observed by the sync and mapped through `status_map`.

Cafe24 is the truth for what happened on its side (payment, buyer claims, shipping, delivery). The
OMS is the truth for steps Cafe24 cannot see yet (RFP, a Ready_to_Ship whose push is pending, a
seller cancellation under way), so `merge_observed` keeps those instead of regressing them.
Cancellation is allowed only before Ready_to_Ship, i.e. before packing (DESIGN.md §6).
"""

from __future__ import annotations

from collections.abc import Iterable

from cafe24_pipeline.oms.status_map import (
    CANCEL_IN_PROCESS,
    CANCELED,
    CANCELLED_BY_SELLER,
    CANCELLED_BY_SELLER_INPROCESS,
    COMPLETE,
    EXCHANGE_IN_PROCESS,
    EXCHANGED,
    IN_TRANSIT,
    NEW,
    OMS_STATUSES,
    ON_HOLD,
    PARTIAL,
    PENDING_PAYMENT,
    READY_TO_SHIP,
    RETURN_IN_PROCESS,
    RETURNED,
    RFP,
)


class TransitionNotAllowed(ValueError):
    """An OMS action that the state machine forbids (e.g. cancelling a packed order)."""


# Statuses an order may still be cancelled from (before packing / Ready_to_Ship).
CANCELLABLE: frozenset[str] = frozenset({PENDING_PAYMENT, NEW, PARTIAL, RFP, ON_HOLD})

TERMINAL: frozenset[str] = frozenset({CANCELED, CANCELLED_BY_SELLER, RETURNED, EXCHANGED})

# Allowed transitions. Cafe24-driven moves (claims, delivery) and OMS-driven ones are both listed:
# this is the set of changes we accept into oms_orders, from whichever side.
ALLOWED: dict[str, frozenset[str]] = {
    PENDING_PAYMENT: frozenset({NEW, PARTIAL, ON_HOLD, CANCEL_IN_PROCESS, CANCELED,
                                CANCELLED_BY_SELLER_INPROCESS, CANCELLED_BY_SELLER}),
    NEW: frozenset({PARTIAL, RFP, READY_TO_SHIP, IN_TRANSIT, COMPLETE, ON_HOLD, CANCEL_IN_PROCESS, CANCELED,
                    CANCELLED_BY_SELLER_INPROCESS, CANCELLED_BY_SELLER}),
    PARTIAL: frozenset({NEW, RFP, READY_TO_SHIP, IN_TRANSIT, COMPLETE, ON_HOLD, CANCEL_IN_PROCESS, CANCELED,
                        CANCELLED_BY_SELLER_INPROCESS, CANCELLED_BY_SELLER}),
    RFP: frozenset({READY_TO_SHIP, IN_TRANSIT, COMPLETE, ON_HOLD, CANCEL_IN_PROCESS, CANCELED,
                    CANCELLED_BY_SELLER_INPROCESS, CANCELLED_BY_SELLER, NEW, PARTIAL}),
    ON_HOLD: frozenset({NEW, PARTIAL, RFP, READY_TO_SHIP, IN_TRANSIT, CANCEL_IN_PROCESS, CANCELED,
                        CANCELLED_BY_SELLER_INPROCESS, CANCELLED_BY_SELLER}),
    READY_TO_SHIP: frozenset({IN_TRANSIT, COMPLETE, ON_HOLD, RETURN_IN_PROCESS}),
    IN_TRANSIT: frozenset({COMPLETE, RETURN_IN_PROCESS, EXCHANGE_IN_PROCESS}),
    COMPLETE: frozenset({RETURN_IN_PROCESS, EXCHANGE_IN_PROCESS, RETURNED, EXCHANGED}),
    CANCEL_IN_PROCESS: frozenset({CANCELED, NEW, PARTIAL, RFP, ON_HOLD, PENDING_PAYMENT}),
    CANCELLED_BY_SELLER_INPROCESS: frozenset({CANCELLED_BY_SELLER, CANCELED}),
    RETURN_IN_PROCESS: frozenset({RETURNED, COMPLETE}),
    EXCHANGE_IN_PROCESS: frozenset({EXCHANGED, COMPLETE, IN_TRANSIT, READY_TO_SHIP, NEW, PARTIAL}),
    EXCHANGED: frozenset({RETURN_IN_PROCESS, EXCHANGE_IN_PROCESS}),
    CANCELED: frozenset(),
    CANCELLED_BY_SELLER: frozenset(),
    RETURNED: frozenset(),
}  # fmt: skip
assert set(ALLOWED) == set(OMS_STATUSES)


def can_transition(current: str, target: str) -> bool:
    _require_status(current)
    _require_status(target)
    return current == target or target in ALLOWED[current]


def can_cancel(current: str) -> bool:
    """Only before packing / Ready_to_Ship (DESIGN.md §6)."""
    _require_status(current)
    return current in CANCELLABLE


def seller_cancel(current: str) -> str:
    """The status after the seller starts a cancellation from the OMS, or TransitionNotAllowed."""
    if not can_cancel(current):
        raise TransitionNotAllowed(
            f"an order in {current!r} can no longer be cancelled: cancellation is allowed only before "
            f"Ready_to_Ship / packing (allowed from {sorted(CANCELLABLE)})"
        )
    return CANCELLED_BY_SELLER_INPROCESS


def oms_advance(current: str, target: str) -> str:
    """An OMS-driven step (RFP, Ready_to_Ship, In_transit); raises when the machine forbids it."""
    if not can_transition(current, target):
        raise TransitionNotAllowed(f"OMS order cannot move from {current!r} to {target!r}")
    return target


# OMS-owned progress that a Cafe24 observation of an *earlier* step must not undo.
_FULFILMENT_RANK = {PENDING_PAYMENT: 0, NEW: 1, PARTIAL: 1, RFP: 2, READY_TO_SHIP: 3, IN_TRANSIT: 4, COMPLETE: 5}


def merge_observed(current: str | None, observed: str) -> str:
    """The OMS status after Cafe24 reports `observed` (already mapped) for an order in `current`.

    - new order (no current status): take the observation;
    - a seller cancellation under way stays so until Cafe24 reports it cancelled, then becomes
      Cancelled_by_seller;
    - OMS fulfilment progress (RFP, Ready_to_Ship pushed but not yet seen) is not regressed by a
      Cafe24 status that is merely behind (N10/N20 seen while the OMS is at RFP);
    - anything else Cafe24 reports wins: it is what happened on the store.
    """
    _require_status(observed)
    if current is None:
        return observed
    _require_status(current)
    if current in (CANCELLED_BY_SELLER_INPROCESS, CANCELLED_BY_SELLER):
        if observed == CANCELED or current == CANCELLED_BY_SELLER:
            return CANCELLED_BY_SELLER
        return CANCELLED_BY_SELLER_INPROCESS
    if current in _FULFILMENT_RANK and observed in _FULFILMENT_RANK:
        if _FULFILMENT_RANK[observed] < _FULFILMENT_RANK[current] and current in (RFP, READY_TO_SHIP):
            return current
    return observed


# Order-level status from item-level statuses: the first present in this list wins, so claims and
# work still to do are visible on the order, and an order is terminal only when all its items are.
_ORDER_PRECEDENCE: tuple[str, ...] = (
    CANCELLED_BY_SELLER_INPROCESS, CANCEL_IN_PROCESS, RETURN_IN_PROCESS, EXCHANGE_IN_PROCESS,
    ON_HOLD, PENDING_PAYMENT, PARTIAL, NEW, RFP, READY_TO_SHIP, IN_TRANSIT, COMPLETE,
    EXCHANGED, RETURNED, CANCELLED_BY_SELLER, CANCELED,
)  # fmt: skip
assert set(_ORDER_PRECEDENCE) == set(OMS_STATUSES)


def order_status_of(item_statuses: Iterable[str]) -> str:
    """One OMS status for an order whose items are in `item_statuses` (at least one)."""
    present = set(item_statuses)
    if not present:
        raise ValueError("an order needs at least one item to have a status")
    for status in present:
        _require_status(status)
    return next(s for s in _ORDER_PRECEDENCE if s in present)


def _require_status(status: str) -> None:
    if status not in ALLOWED:
        raise ValueError(f"{status!r} is not an OMS status (one of {', '.join(OMS_STATUSES)})")
