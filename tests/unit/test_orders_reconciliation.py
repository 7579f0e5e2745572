"""Daily reconciliation (pure): missing orders, status drift, amount mismatches, 1-hour edge buffer."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import pytest

from cafe24_pipeline.oms.order_reconciliation import KST, day_window, reconcile, summarize

DAY = date(2026, 11, 26)
WINDOW = day_window(DAY)


def orders(*rows):
    return pl.DataFrame(
        [
            {"order_id": oid, "shop_no": 1, "order_date": at.astimezone(timezone.utc), "payment_amount": Decimal(amount)}
            for oid, at, amount in rows
        ],
        schema={
            "order_id": pl.String,
            "shop_no": pl.Int64,
            "order_date": pl.Datetime("us", "UTC"),
            "payment_amount": pl.Decimal(18, 2),
        },
        orient="row",
    )


def items(*rows):
    return pl.DataFrame(
        [
            {
                "order_item_code": f"{oid}-01",
                "order_id": oid,
                "order_status": st,
                "quantity": 1,
                "product_price": Decimal("1000.00"),
            }
            for oid, st in rows
        ],
        schema={
            "order_item_code": pl.String,
            "order_id": pl.String,
            "order_status": pl.String,
            "quantity": pl.Int64,
            "product_price": pl.Decimal(18, 2),
        },
        orient="row",
    )


def at(hour, minute=0, day=DAY):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=KST)


def test_agreeing_sides_give_no_findings():
    o = orders(("A", at(10), "1000"))
    assert reconcile(o, items(("A", "N20")), o, items(("A", "N20")), WINDOW).height == 0


def test_order_missing_from_store_is_reported():
    c = orders(("A", at(10), "1000"), ("B", at(11), "2000"))
    s = orders(("A", at(10), "1000"))
    f = reconcile(c, items(("A", "N20"), ("B", "N20")), s, items(("A", "N20")), WINDOW)
    assert f.select("kind", "order_id", "order_item_code").rows() == [("missing_in_store", "B", None)]
    assert summarize(f)["missing_in_store"] == 1


def test_status_drift_and_amount_mismatch():
    c = orders(("A", at(10), "1000"))
    s = orders(("A", at(10), "900"))
    f = reconcile(c, items(("A", "C40")), s, items(("A", "N20")), WINDOW)
    assert set(f.select("kind", "field", "cafe24_value", "store_value").rows()) == {
        ("amount_mismatch", "payment_amount", "1000.00", "900.00"),
        ("status_drift", "order_status", "C40", "N20"),
    }


def test_equal_amounts_in_different_scales_are_equal():
    c = orders(("A", at(10), "1000.00"))
    s = orders(("A", at(10), "1000"))
    assert reconcile(c, items(("A", "N20")), s, items(("A", "N20")), WINDOW).height == 0


def test_edge_buffer_ignores_orders_outside_the_day_but_matches_across_midnight():
    # Cafe24 dates it 23:59:59 on the day; our copy carries 00:00:01 next day: same order, no finding.
    c = orders(("EDGE", at(23, 59) + timedelta(seconds=59), "1000"))
    s = orders(("EDGE", at(0, 0, day=DAY + timedelta(days=1)) + timedelta(seconds=1), "1000"))
    assert reconcile(c, items(("EDGE", "N20")), s, items(("EDGE", "N20")), WINDOW).height == 0
    # An order of the previous evening, read only because of the buffer, is not reported either way.
    c2 = orders(("PREV", at(23, 30, day=DAY - timedelta(days=1)), "1000"))
    assert reconcile(c2, items(("PREV", "N20")), orders(), items(), WINDOW).height == 0


def test_order_in_store_that_cafe24_does_not_list_is_extra():
    s = orders(("GHOST", at(12), "1000"))
    f = reconcile(orders(), items(), s, items(("GHOST", "N20")), WINDOW)
    assert f.select("kind", "order_id").rows() == [("extra_in_store", "GHOST")]


def test_missing_columns_are_a_clear_error():
    with pytest.raises(ValueError, match="lacks columns"):
        reconcile(pl.DataFrame({"order_id": ["A"]}), items(), orders(), items(), WINDOW)
