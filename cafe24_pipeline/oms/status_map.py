"""Cafe24 item status code → OMS status (DESIGN.md §6), as a versioned data table.

The table is data, not branching code: one row per Cafe24 `order_status` code (cafe24-api.md §7.7),
with its meaning and the OMS status (or status *group*) it maps to. `STATUS_MAP_VERSION` is stored
on every OMS row it produced, so a changed mapping is visible in the data.

Two rules make the table safe:
- Every known code maps; an unknown code raises `UnknownStatusCode` (and the status-mapping asset
  check fails). Nothing is ever defaulted.
- N10/N20 (and C11, a rejected cancellation that puts the item back into the normal flow) map to the
  group `FULFIL`, which becomes `New` when every fulfillable item of the order is in OMS stock and
  `Partial` otherwise (`resolve_fulfil_status`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

STATUS_MAP_VERSION = "2026-11-27.1"

# OMS statuses (DESIGN.md §6). Order matters nowhere; `order_state.py` holds the transitions.
NEW = "New"
PARTIAL = "Partial"
RFP = "RFP"
READY_TO_SHIP = "Ready_to_Ship"
IN_TRANSIT = "In_transit"
COMPLETE = "Complete"
CANCEL_IN_PROCESS = "Cancel_in_Process"
CANCELED = "Canceled"
CANCELLED_BY_SELLER_INPROCESS = "Cancelled_by_seller_inprocess"
CANCELLED_BY_SELLER = "Cancelled_by_seller"
RETURN_IN_PROCESS = "Return_in_Process"
RETURNED = "Returned"
PENDING_PAYMENT = "Pending_payment"
ON_HOLD = "On_hold"
EXCHANGE_IN_PROCESS = "Exchange_in_Process"
EXCHANGED = "Exchanged"

OMS_STATUSES: tuple[str, ...] = (
    NEW, PARTIAL, RFP, READY_TO_SHIP, IN_TRANSIT, COMPLETE, CANCEL_IN_PROCESS, CANCELED,
    CANCELLED_BY_SELLER_INPROCESS, CANCELLED_BY_SELLER, RETURN_IN_PROCESS, RETURNED,
    PENDING_PAYMENT, ON_HOLD, EXCHANGE_IN_PROCESS, EXCHANGED,
)  # fmt: skip

# The group resolved per order from OMS stock.
FULFIL = "FULFIL"

Flow = Literal["normal", "cancel", "return", "exchange"]


@dataclass(frozen=True)
class StatusRow:
    code: str
    meaning: str
    oms_status: str  # an OMS status, or FULFIL
    flow: Flow
    open: bool  # still changing: re-polled by id every status sweep


# fmt: off
STATUS_TABLE: tuple[StatusRow, ...] = (
    StatusRow("N00", "awaiting payment (before deposit)",              PENDING_PAYMENT,     "normal",   True),
    StatusRow("N01", "exchange accepted - replacement item",           EXCHANGE_IN_PROCESS, "exchange", True),
    StatusRow("N02", "order being received / awaiting card payment",   PENDING_PAYMENT,     "normal",   True),
    StatusRow("N03", "exchange accepted - awaiting card payment",      EXCHANGE_IN_PROCESS, "exchange", True),
    StatusRow("N10", "preparing product (paid)",                       FULFIL,              "normal",   True),
    StatusRow("N20", "preparing shipment",                             FULFIL,              "normal",   True),
    StatusRow("N21", "awaiting shipment (tracking registered)",        READY_TO_SHIP,       "normal",   True),
    StatusRow("N22", "shipment on hold",                               ON_HOLD,             "normal",   True),
    StatusRow("N30", "in transit",                                     IN_TRANSIT,          "normal",   True),
    StatusRow("N40", "delivered",                                      COMPLETE,            "normal",   True),
    StatusRow("N50", "purchase confirmed",                             COMPLETE,            "normal",   False),
    StatusRow("C00", "cancellation requested",                         CANCEL_IN_PROCESS,   "cancel",   True),
    StatusRow("C10", "cancellation accepted by admin",                 CANCEL_IN_PROCESS,   "cancel",   True),
    StatusRow("C11", "cancellation request rejected (back to normal)", FULFIL,              "cancel",   True),
    StatusRow("C34", "cancellation in progress - before refund",       CANCEL_IN_PROCESS,   "cancel",   True),
    StatusRow("C35", "cancellation in progress - refunded",            CANCEL_IN_PROCESS,   "cancel",   True),
    StatusRow("C36", "cancellation in progress - refund on hold",      CANCEL_IN_PROCESS,   "cancel",   True),
    StatusRow("C40", "cancellation completed",                         CANCELED,            "cancel",   False),
    StatusRow("C41", "cancelled - before refund",                      CANCELED,            "cancel",   True),
    StatusRow("C42", "cancelled - refund requested",                   CANCELED,            "cancel",   True),
    StatusRow("C43", "cancelled - refund on hold",                     CANCELED,            "cancel",   True),
    StatusRow("C47", "cancelled before payment - by buyer",            CANCELED,            "cancel",   False),
    StatusRow("C48", "cancelled before payment - automatically",       CANCELED,            "cancel",   False),
    StatusRow("C49", "cancelled before payment - by admin",            CANCELED,            "cancel",   False),
    StatusRow("R00", "return requested",                               RETURN_IN_PROCESS,   "return",   True),
    StatusRow("R10", "return accepted",                                RETURN_IN_PROCESS,   "return",   True),
    StatusRow("R11", "return rejected (item stays delivered)",         COMPLETE,            "return",   True),
    StatusRow("R12", "return on hold",                                 RETURN_IN_PROCESS,   "return",   True),
    StatusRow("R13", "return accepted - collected (auto)",             RETURN_IN_PROCESS,   "return",   True),
    StatusRow("R20", "return collected",                               RETURN_IN_PROCESS,   "return",   True),
    StatusRow("R30", "return in progress - before collection",         RETURN_IN_PROCESS,   "return",   True),
    StatusRow("R31", "return in progress - after collection",          RETURN_IN_PROCESS,   "return",   True),
    StatusRow("R34", "return in progress - before refund",             RETURN_IN_PROCESS,   "return",   True),
    StatusRow("R36", "return in progress - refund on hold",            RETURN_IN_PROCESS,   "return",   True),
    StatusRow("R40", "return completed - refunded",                    RETURNED,            "return",   False),
    StatusRow("R41", "return completed - before refund",               RETURNED,            "return",   True),
    StatusRow("R42", "return completed - refund requested",            RETURNED,            "return",   True),
    StatusRow("R43", "return completed - refund on hold",              RETURNED,            "return",   True),
    StatusRow("E00", "exchange requested",                             EXCHANGE_IN_PROCESS, "exchange", True),
    StatusRow("E10", "exchange accepted",                              EXCHANGE_IN_PROCESS, "exchange", True),
    StatusRow("E11", "exchange rejected (item stays delivered)",       COMPLETE,            "exchange", True),
    StatusRow("E12", "exchange on hold",                               EXCHANGE_IN_PROCESS, "exchange", True),
    StatusRow("E13", "exchange accepted - collected (auto)",           EXCHANGE_IN_PROCESS, "exchange", True),
    StatusRow("E20", "exchange being prepared",                        EXCHANGE_IN_PROCESS, "exchange", True),
    StatusRow("E30", "exchange in progress - before collection",       EXCHANGE_IN_PROCESS, "exchange", True),
    StatusRow("E31", "exchange in progress - after collection",        EXCHANGE_IN_PROCESS, "exchange", True),
    StatusRow("E32", "exchange in progress - awaiting payment",        EXCHANGE_IN_PROCESS, "exchange", True),
    StatusRow("E33", "exchange in progress - paid",                    EXCHANGE_IN_PROCESS, "exchange", True),
    StatusRow("E34", "exchange in progress - before refund",           EXCHANGE_IN_PROCESS, "exchange", True),
    StatusRow("E35", "exchange in progress - refunded",                EXCHANGE_IN_PROCESS, "exchange", True),
    StatusRow("E36", "exchange in progress - refund on hold",          EXCHANGE_IN_PROCESS, "exchange", True),
    StatusRow("E40", "exchange completed",                             EXCHANGED,           "exchange", False),
    StatusRow("E41", "exchange completed - withdrawn",                 EXCHANGED,           "exchange", False),
    StatusRow("E50", "exchange withdrawn by seller (item kept)",       COMPLETE,            "exchange", True),
    StatusRow("E51", "exchange withdrawn by buyer (item kept)",        COMPLETE,            "exchange", True),
)
# fmt: on

_BY_CODE: dict[str, StatusRow] = {row.code: row for row in STATUS_TABLE}
assert len(_BY_CODE) == len(STATUS_TABLE), "duplicate code in STATUS_TABLE"
assert all(r.oms_status in OMS_STATUSES or r.oms_status == FULFIL for r in STATUS_TABLE)

KNOWN_CODES: frozenset[str] = frozenset(_BY_CODE)
# Items in these codes can still change on Cafe24's side: the status sweep re-polls their orders.
OPEN_CODES: frozenset[str] = frozenset(r.code for r in STATUS_TABLE if r.open)
FULFIL_CODES: frozenset[str] = frozenset(r.code for r in STATUS_TABLE if r.oms_status == FULFIL)


class UnknownStatusCode(ValueError):
    """A Cafe24 status code the table does not know: the mapping must be extended, never guessed."""

    def __init__(self, code: object, where: str = "") -> None:
        self.code = code
        super().__init__(
            f"unknown Cafe24 order_status {code!r}{' (' + where + ')' if where else ''}; "
            f"add it to cafe24_pipeline/oms/status_map.py (map version {STATUS_MAP_VERSION})"
        )


def status_row(code: str, where: str = "") -> StatusRow:
    try:
        return _BY_CODE[code]
    except (KeyError, TypeError):
        raise UnknownStatusCode(code, where) from None


def is_known(code: object) -> bool:
    return isinstance(code, str) and code in _BY_CODE


def map_code(code: str, *, in_stock: bool, where: str = "") -> str:
    """OMS status of one Cafe24 code; `in_stock` decides New vs Partial for the FULFIL group."""
    mapped = status_row(code, where).oms_status
    if mapped == FULFIL:
        return NEW if in_stock else PARTIAL
    return mapped


def unknown_codes(codes: Iterable[object]) -> list[object]:
    """The distinct codes the table does not know, in first-seen order (for the asset check)."""
    seen: dict[object, None] = {}
    for code in codes:
        if not is_known(code):
            seen.setdefault(code, None)
    return list(seen)


@dataclass(frozen=True)
class ItemNeed:
    """One item's demand on OMS stock: its SKU, quantity and Cafe24 code."""

    sku: str | None
    quantity: int
    order_status: str


def order_in_stock(items: Iterable[ItemNeed], stock_by_sku: Mapping[str, int | Decimal]) -> bool:
    """True when the OMS has enough stock for every fulfillable item of one order.

    Quantities of the same SKU within the order are added up. An item without a SKU, or whose
    SKU the OMS does not know, cannot be fulfilled, so the order is Partial.
    """
    need: dict[str | None, int] = {}
    for item in items:
        if status_row(item.order_status).oms_status != FULFIL:
            continue
        need[item.sku] = need.get(item.sku, 0) + int(item.quantity)
    for sku, qty in need.items():
        if not sku or sku not in stock_by_sku:
            return False
        if stock_by_sku[sku] < qty:
            return False
    return True


def resolve_fulfil_status(items: Iterable[ItemNeed], stock_by_sku: Mapping[str, int | Decimal]) -> str:
    """`New` when every fulfillable item is in stock, else `Partial` (DESIGN.md §6)."""
    return NEW if order_in_stock(items, stock_by_sku) else PARTIAL


def table_rows() -> list[dict[str, object]]:
    """The table as plain rows (for docs, metadata and a store copy)."""
    return [
        {"code": r.code, "meaning": r.meaning, "oms_status": r.oms_status, "flow": r.flow,
         "open": r.open, "version": STATUS_MAP_VERSION}
        for r in STATUS_TABLE
    ]  # fmt: skip
