"""OMS stock allocation: an order the OMS accepts takes its units off OMS stock, once; a cancellation
gives back exactly what was taken, once.

Cafe24 lowers its own stock when an order is placed. The OMS must lower its stock too, or the next
push would raise Cafe24 back and put a sold unit on sale again (docs/push.md, "Stock and orders").
Rules (pure, no I/O):

- An item takes stock when its OMS status first *holds* stock (New or any later fulfilment step),
  and only if the order was placed after the OMS took that SKU's stock from Cafe24 (`stock_since`):
  an older order is already counted in the stock Cafe24 reported.
- Partial items wait (their stock is short); they take it when re-evaluated to New.
- An item gives its units back when it is cancelled (by the buyer or the seller).
- Returns and exchanges change nothing here: returned goods come back through the OMS's own stock
  intake after inspection.
- Units taken never exceed the stock there is (the ledger records what was really taken, so the
  give-back is exact even when two orders raced for the last unit).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from cafe24_pipeline.oms.status_map import (
    CANCELED,
    CANCELLED_BY_SELLER,
    CANCELLED_BY_SELLER_INPROCESS,
    COMPLETE,
    IN_TRANSIT,
    NEW,
    READY_TO_SHIP,
    RFP,
)

HOLDS_STOCK: frozenset[str] = frozenset({NEW, RFP, READY_TO_SHIP, IN_TRANSIT, COMPLETE})
GIVES_BACK: frozenset[str] = frozenset({CANCELED, CANCELLED_BY_SELLER_INPROCESS, CANCELLED_BY_SELLER})

# items: order_item_code, sku, quantity, status, order_date
# ledger: order_item_code, sku, quantity (taken), released (bool)


@dataclass
class AllocationPlan:
    """What to write: units to take per item, units to give back per item, and the stock change per SKU."""

    take: list[tuple[str, str, int]] = field(default_factory=list)  # (order_item_code, sku, units)
    give_back: list[tuple[str, str, int]] = field(default_factory=list)
    stock_delta: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.take and not self.give_back


def plan_allocation(
    items: pl.DataFrame, ledger: pl.DataFrame, stock: Mapping[str, int], stock_since: Mapping[str, datetime | None]
) -> AllocationPlan:
    """The allocation writes for `items` given what the ledger already holds for them."""
    plan = AllocationPlan()
    taken = {row["order_item_code"]: row for row in ledger.iter_rows(named=True)}
    left = dict(stock)
    ordered = items.sort("order_date", "order_item_code", nulls_last=True)
    for row in ordered.iter_rows(named=True):
        code, sku, status = row["order_item_code"], row["sku"], row["status"]
        held = taken.get(code)
        if held is not None:
            if status in GIVES_BACK and not held["released"] and held["quantity"] > 0:
                plan.give_back.append((code, held["sku"], int(held["quantity"])))
                plan.stock_delta[held["sku"]] = plan.stock_delta.get(held["sku"], 0) + int(held["quantity"])
            continue
        if status not in HOLDS_STOCK or not sku or sku not in left or not row["quantity"]:
            continue
        since, placed = stock_since.get(sku), row["order_date"]
        # Cafe24 order times have whole seconds: an order of the same second as the read that took
        # the stock counts as later (taking a unit twice undersells; missing one would oversell).
        if since is None or placed is None or placed < since.replace(microsecond=0):
            continue  # counted in the stock Cafe24 reported when the OMS took it over
        units = max(0, min(int(row["quantity"]), left[sku]))
        left[sku] -= units
        plan.take.append((code, sku, units))
        plan.stock_delta[sku] = plan.stock_delta.get(sku, 0) - units
    return plan
