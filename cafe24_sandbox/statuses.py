"""Cafe24 item status codes and the event dates each status implies (so `date_type` filters work)."""

from __future__ import annotations

from functools import lru_cache

# code -> (status_code, status_text)
STATUSES: dict[str, tuple[str, str]] = {
    "N00": ("N1", "Before Deposit"),
    "N01": ("N2", "Exchange item"),
    "N02": ("N1", "Before Payment"),
    "N10": ("N1", "Preparing Product"),
    "N20": ("N1", "Preparing Shipment"),
    "N21": ("N1", "Awaiting Shipment"),
    "N22": ("N1", "Shipment On Hold"),
    "N30": ("N1", "In Transit"),
    "N40": ("N1", "Shipping Complete"),
    "N50": ("N1", "Purchase Confirmed"),
    "C00": ("C2", "Cancellation Requested"),
    "C10": ("C2", "Cancellation Accepted"),
    "C11": ("C2", "Cancellation Rejected"),
    "C34": ("C2", "Cancellation In Progress - Before Refund"),
    "C35": ("C2", "Cancellation In Progress - Refunded"),
    "C36": ("C2", "Cancellation In Progress - Refund On Hold"),
    "C40": ("C2", "Cancellation Complete"),
    "C41": ("C2", "Cancelled - Before Refund"),
    "C42": ("C2", "Cancelled - Refund Requested"),
    "C43": ("C2", "Cancelled - Refund On Hold"),
    "C47": ("C1", "Cancelled Before Payment - Buyer"),
    "C48": ("C1", "Cancelled Before Payment - Auto"),
    "C49": ("C1", "Cancelled Before Payment - Admin"),
    "R00": ("C3", "Return Requested"),
    "R10": ("C3", "Return Accepted"),
    "R11": ("C3", "Return Rejected"),
    "R12": ("C3", "Return On Hold"),
    "R13": ("C3", "Return Accepted - Collected"),
    "R20": ("C3", "Return Collected"),
    "R30": ("C3", "Return In Progress - Before Collection"),
    "R31": ("C3", "Return In Progress - After Collection"),
    "R34": ("C3", "Return In Progress - Before Refund"),
    "R36": ("C3", "Return In Progress - Refund On Hold"),
    "R40": ("C3", "Return Complete"),
    "R41": ("C3", "Return Complete - Before Refund"),
    "R42": ("C3", "Return Complete - Refund Requested"),
    "R43": ("C3", "Return Complete - Refund On Hold"),
    "E00": ("E1", "Exchange Requested"),
    "E10": ("E1", "Exchange Accepted"),
    "E11": ("E1", "Exchange Rejected"),
    "E12": ("E1", "Exchange On Hold"),
    "E13": ("E1", "Exchange Accepted - Collected"),
    "E20": ("E1", "Exchange Being Prepared"),
    "E30": ("E1", "Exchange In Progress - Before Collection"),
    "E31": ("E1", "Exchange In Progress - After Collection"),
    "E32": ("E1", "Exchange - Awaiting Payment"),
    "E33": ("E1", "Exchange - Paid"),
    "E34": ("E1", "Exchange - Before Refund"),
    "E35": ("E1", "Exchange - Refunded"),
    "E36": ("E1", "Exchange - Refund On Hold"),
    "E40": ("E1", "Exchange Complete"),
    "E41": ("E1", "Exchange Complete - Withdrawn"),
    "E50": ("E1", "Exchange Withdrawn by Seller"),
    "E51": ("E1", "Exchange Withdrawn by Buyer"),
}

DATE_TYPES = (
    "order_date",
    "pay_date",
    "shipbegin_date",
    "shipend_date",
    "cancel_date",
    "place_date",
    "cancel_request_date",
    "cancel_accept_date",
    "cancel_complete_date",
    "exchange_request_date",
    "exchange_accept_date",
    "exchange_complete_date",
    "return_request_date",
    "return_accept_date",
    "return_complete_date",
    "purchaseconfirmation_date",
)

_FORWARD = ["N00", "N10", "N20", "N21", "N30", "N40", "N50"]
# order-level date_type set on entering each forward status, and the item date it implies
_FORWARD_EVENTS = {
    "N10": ("pay_date", None),
    "N20": ("place_date", None),
    "N30": ("shipbegin_date", "shipped_date"),
    "N40": ("shipend_date", "delivered_date"),
    "N50": ("purchaseconfirmation_date", "purchaseconfirmation_date"),
}


def _claim_steps(code: str) -> list[tuple[str, str | None]]:
    """(order date_type, item date) pairs a claim status implies, in order."""
    kind, number = code[0], int(code[1:])
    if kind == "C":
        if number >= 47:
            return [
                ("cancel_request_date", "cancel_request_date"),
                ("cancel_complete_date", None),
                ("cancel_date", "cancel_date"),
            ]
        steps: list[tuple[str, str | None]] = [("cancel_request_date", "cancel_request_date")]
        if number >= 10:
            steps.append(("cancel_accept_date", None))
        if number >= 40:
            steps += [("cancel_complete_date", None), ("cancel_date", "cancel_date")]
        if number in (35, 40):
            steps.append(("", "refund_date"))
        return steps
    if kind == "R":
        steps = [("return_request_date", "return_request_date")]
        if number >= 10 and number != 11:
            steps.append(("return_accept_date", "return_confirmed_date"))
        if number in (13, 20, 31) or number >= 34:
            steps.append(("", "return_collected_date"))
        if number >= 40:
            steps.append(("return_complete_date", None))
        if number == 40:
            steps.append(("", "refund_date"))
        return steps
    if kind == "E":
        steps = [("exchange_request_date", "exchange_request_date")]
        if number >= 10 and number != 11:
            steps.append(("exchange_accept_date", "exchange_date"))
        if number >= 40 and number < 50:
            steps.append(("exchange_complete_date", None))
        return steps
    return []


@lru_cache(maxsize=None)
def implied_events(code: str) -> tuple[tuple[str, str | None], ...]:
    """Every (order date_type, item date) the status implies, prerequisites first.

    Returns and exchanges follow a delivery; cancellations after payment follow payment.
    """
    return tuple(_implied(code))


def _implied(code: str) -> list[tuple[str, str | None]]:
    if code not in STATUSES:
        raise KeyError(code)
    if code in _FORWARD:
        upto = _FORWARD.index(code)
        return [_FORWARD_EVENTS[c] for c in _FORWARD[1 : upto + 1] if c in _FORWARD_EVENTS]
    if code in ("N22",):
        return [_FORWARD_EVENTS["N10"], _FORWARD_EVENTS["N20"]]
    if code in ("N01", "N02"):
        return []
    kind, number = code[0], int(code[1:])
    before: list[tuple[str, str | None]] = []
    if kind == "C" and number < 47:
        before = [_FORWARD_EVENTS["N10"]]
    elif kind in ("R", "E"):
        before = [_FORWARD_EVENTS[c] for c in ("N10", "N20", "N30", "N40")]
    return before + _claim_steps(code)


def is_paid(code: str) -> bool:
    return code not in ("N00", "N02", "C47", "C48", "C49")


def is_cancelled(code: str) -> bool:
    return code.startswith("C") and code not in ("C11",) and (code >= "C40" or code.startswith("C4"))


def shipping_status_of(codes: list[str]) -> str:
    """Order-level `shipping_status`: F before shipping, M in transit, T delivered, W on hold."""
    live = [c for c in codes if not c.startswith("C")] or codes
    if any(c == "N22" for c in live):
        return "W"
    if all(c in ("N40", "N50") or c[0] in "RE" for c in live):
        return "T"
    if any(c in ("N30", "N40", "N50") for c in live):
        return "M"
    return "F"
