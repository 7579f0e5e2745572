"""oms/allocation.py: who takes stock, how much, and what is given back."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl

from cafe24_pipeline.oms.allocation import plan_allocation

T0 = datetime(2026, 12, 1, tzinfo=timezone.utc)
LEDGER = pl.DataFrame(schema={"order_item_code": pl.String, "sku": pl.String, "quantity": pl.Int64, "released": pl.Boolean})


def _items(*rows):  # noqa: ANN002, ANN202
    return pl.DataFrame([dict(zip(("order_item_code", "sku", "quantity", "status", "order_date"), r)) for r in rows])


def test_two_orders_racing_for_the_last_unit_take_only_what_there_is():
    items = _items(("A-1", "S", 1, "New", T0 + timedelta(minutes=2)), ("B-1", "S", 1, "New", T0 + timedelta(minutes=1)))
    plan = plan_allocation(items, LEDGER, {"S": 1}, {"S": T0})
    assert plan.take == [("B-1", "S", 1), ("A-1", "S", 0)]  # the earlier order first
    assert plan.stock_delta == {"S": -1}


def test_old_pending_partial_and_unknown_items_take_nothing():
    items = _items(
        ("A-1", "S", 1, "New", T0 - timedelta(minutes=1)),
        ("B-1", "S", 1, "Pending_payment", T0),
        ("C-1", "S", 1, "Partial", T0),
        ("D-1", "X", 1, "New", T0),
        ("E-1", None, 1, "New", T0),
    )
    assert plan_allocation(items, LEDGER, {"S": 5}, {"S": T0}).empty


def test_a_cancellation_gives_back_what_was_taken_once():
    ledger = pl.DataFrame({"order_item_code": ["A-1", "B-1"], "sku": ["S", "S"], "quantity": [2, 1], "released": [False, True]})
    items = _items(("A-1", "S", 3, "Canceled", T0), ("B-1", "S", 1, "Canceled", T0))
    plan = plan_allocation(items, ledger, {"S": 0}, {"S": T0})
    assert plan.give_back == [("A-1", "S", 2)] and plan.stock_delta == {"S": 2} and plan.take == []


def test_a_return_changes_nothing():
    ledger = pl.DataFrame({"order_item_code": ["A-1"], "sku": ["S"], "quantity": [1], "released": [False]})
    assert plan_allocation(_items(("A-1", "S", 1, "Returned", T0)), ledger, {"S": 0}, {"S": T0}).empty


def test_an_order_of_the_same_second_as_the_stock_read_counts_as_later():
    read = T0 + timedelta(microseconds=600_000)  # Cafe24 order times have whole seconds
    plan = plan_allocation(_items(("A-1", "S", 1, "New", T0)), LEDGER, {"S": 3}, {"S": read})
    assert plan.take == [("A-1", "S", 1)]
