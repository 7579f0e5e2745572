"""Order pandera schemas: duplicates, unmapped items and inconsistent totals are found, with their rows."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from cafe24_pipeline.checks.order_schemas import (
    failures,
    order_items_mapped_schema,
    order_items_unique_schema,
    order_totals_frame,
    order_totals_schema,
)

MONEY = pl.Decimal(18, 2)


def test_duplicate_item_code_within_a_mall_fails_other_malls_may_reuse_it():
    frame = pl.DataFrame({"mall_id": ["a", "a", "b"], "order_item_code": ["X-01", "X-01", "X-01"]})
    bad = failures(order_items_unique_schema, frame)
    assert bad.rows() == [("a", "X-01"), ("a", "X-01")]
    assert failures(order_items_unique_schema, frame.slice(1)).height == 0


def test_unknown_code_and_missing_oms_status_fail():
    frame = pl.DataFrame(
        {"order_item_code": ["1", "2", "3"], "order_status": ["N20", "Z99", "N20"], "oms_status": ["New", None, None]}
    )
    assert failures(order_items_mapped_schema, frame)["order_item_code"].to_list() == ["2", "3"]


def _orders(*rows):
    return pl.DataFrame(
        [{"mall_id": "m", "order_id": oid, "order_price_amount": None if amt is None else Decimal(amt)} for oid, amt in rows],
        schema={"mall_id": pl.String, "order_id": pl.String, "order_price_amount": MONEY},
        orient="row",
    )


def _items(*rows):
    return pl.DataFrame(
        [{"mall_id": "m", "order_id": oid, "order_status": st, "product_price": Decimal(p), "option_price": Decimal(o), "quantity": q}
         for oid, st, p, o, q in rows],
        schema={"mall_id": pl.String, "order_id": pl.String, "order_status": pl.String, "product_price": MONEY,
                "option_price": MONEY, "quantity": pl.Int64},
        orient="row",
    )  # fmt: skip


def test_totals_match_live_items_exactly():
    orders = _orders(("A", "25000.00"))
    items = _items(("A", "N20", "10000.00", "2500.00", 2), ("A", "C40", "99999.00", "0", 1))
    assert failures(order_totals_schema, order_totals_frame(orders, items)).height == 0


def test_totals_mismatch_order_without_items_and_orphan_item_are_reported():
    orders = _orders(("A", "25000.00"), ("B", "100.00"))
    items = _items(("A", "N20", "10000.00", "0", 2), ("C", "N20", "5.00", "0", 1))
    bad = failures(order_totals_schema, order_totals_frame(orders, items))
    assert sorted(bad.select("order_id", "has_items", "has_order", "totals_match").rows()) == [
        ("A", True, True, False),
        ("B", False, True, False),
        ("C", True, False, False),
    ]
