"""The column route (`raw_order_frames`) gives exactly the frames of the typed route
(`Order.from_api` → `order_frames`), row for row, value for value, hash for hash, on Cafe24's
documented examples (with their quirks), on generated pages, and on pages with one irregular value
of every kind; a malformed order is reported the same way and loses no other order."""

from __future__ import annotations

import copy
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from cafe24_pipeline.cafe24.models import Order, parse_records
from cafe24_pipeline.sync.order_columns import raw_order_frames
from cafe24_pipeline.sync.order_frames import order_frames

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "tests" / "data" / "cafe24_examples"
SYNCED = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
sys.path.insert(0, str(ROOT / "benchmarks"))


def typed(raw_orders, shop_no=1):
    orders, issues = parse_records(raw_orders, lambda r: Order.from_api(r, shop_no=shop_no))
    skipped = [o.order_id for o in orders if o.order_date is None or not o.items_embedded or not o.items]
    good = [o for o in orders if o.order_id not in skipped]
    return order_frames("m", good, synced_at=SYNCED), [str(i) for i in issues], sorted(skipped)


def columns(raw_orders, shop_no=1):
    result = raw_order_frames("m", raw_orders, shop_no=shop_no, synced_at=SYNCED)
    return result.frames, [str(i) for i in result.issues], sorted(s["id"] for s in result.skipped), result


def same(a: pl.DataFrame, b: pl.DataFrame, key: list[str]) -> None:
    assert a.schema == b.schema
    a, b = a.sort(key), b.sort(key)
    # raw JSON text may differ only in spacing: compare it as JSON
    if "raw" in a.columns:
        assert [json.loads(x) if x else x for x in a["raw"]] == [json.loads(x) if x else x for x in b["raw"]]
        a, b = a.drop("raw"), b.drop("raw")
    assert a.to_dicts() == b.to_dicts()


def assert_equivalent(raw_orders, shop_no=1):
    want, want_issues, want_skipped = typed(copy.deepcopy(raw_orders), shop_no)
    got, got_issues, got_skipped, result = columns(copy.deepcopy(raw_orders), shop_no)
    same(got.orders, want.orders, ["shop_no", "order_id"])
    same(got.items, want.items, ["order_item_code"])
    same(got.receivers, want.receivers, ["order_id", "shipping_code"])
    assert sorted(got_issues) == sorted(want_issues)
    assert got_skipped == want_skipped
    return result


def example_orders():
    body = json.loads((EXAMPLES / "GET_orders.json").read_text())
    return body["orders"]


def bench_page(n=50):
    import orders_local

    return orders_local.raw_page(0, n, datetime(2026, 11, 30, 12, 0, tzinfo=UTC))


def test_documented_example_orders_match_the_typed_route():
    assert_equivalent(example_orders())


def test_generated_page_takes_the_column_route_for_every_order():
    page = bench_page()
    result = assert_equivalent(page)
    assert result.fast_orders == len(page)


QUIRKS = [
    ("order", "payment_amount", 34500),  # a number where text is usual
    ("order", "payment_amount", "34,500.00"),
    ("order", "payment_amount", "not money"),  # malformed: the order is reported, the rest kept
    ("order", "order_date", "2026-11-30"),  # date only: midnight KST
    ("order", "order_date", "2026-11-30T10:00:00.000"),
    ("order", "order_date", "2026-11-30T01:00:00Z"),
    ("order", "order_date", None),  # skipped: no order date
    ("order", "order_date", "2026-02-30 10:00:00"),  # malformed date
    ("order", "paid", " T"),
    ("order", "first_order", True),
    ("order", "first_order", "t"),
    ("order", "first_order", "X"),  # malformed flag
    ("order", "shop_no", "2"),
    ("order", "shop_no", None),
    ("order", "order_id", ""),  # malformed: required
    ("order", "payment_method", "card,cash"),
    ("order", "payment_method", [" card", ""]),
    ("order", "actual_order_amount", None),
    ("order", "actual_order_amount", {"order_price_amount": 1000, "shipping_fee": "0"}),
    ("order", "receivers", {"name": "one receiver as an object", "shipping_code": "D-1"}),
    ("order", "buyer", {"member_id": 12345, "name": "buyer"}),
    ("order", "items", []),  # skipped: without items
    ("order", "items", None),
    ("item", "quantity", "3"),
    ("item", "quantity", True),  # malformed
    ("item", "product_no", 12.0),
    ("item", "product_price", 10000),
    ("item", "product_name", "  상품  "),
    ("item", "product_name", 123),
    ("item", "product_name", "상품\u3000"),  # an ideographic space, which str.strip() removes
    ("item", "product_name", "\x1f상품"),
    ("order", "order_date", "2026-11-30 10:00:00"),  # naive: KST
    ("order", "order_date", "2026-11-30  1:00:00"),  # 19 characters, not a Cafe24 shape
    ("item", "custom_variant_code", ""),
    ("item", "shipped_date", "2026-11-30T10:00:00+09:00"),
    ("item", "shipped_date", 20261130),  # a number in an otherwise absent date column
    ("item", "delivered_date", "2026-11-30 10:00:00"),
    ("item", "ordered_date", "yesterday"),  # malformed date on an unused field still refuses the order
    ("item", "order_item_code", None),
    ("receiver", "wished_delivery_date", "2026-12-24"),
    ("receiver", "wished_delivery_date", "someday"),
    ("receiver", "zipcode", 12345),
]


@pytest.mark.parametrize(("where", "key", "value"), QUIRKS, ids=[f"{w}.{k}={v!r}" for w, k, v in QUIRKS])
def test_one_irregular_value_gives_the_typed_result(where, key, value):
    page = bench_page(6)
    target = page[3]
    if where == "order":
        target[key] = value
    elif where == "item":
        target["items"][1][key] = value
    else:
        target["receivers"][0][key] = value
    result = assert_equivalent(page)
    assert result.fast_orders >= 5 or where == "order" and key == "receivers"  # the others stay on the column route


def test_duplicate_orders_keep_the_last_copy_like_the_typed_route():
    page = bench_page(4)
    again = copy.deepcopy(page[1])
    again["items"][0]["order_status"] = "N40"
    page.append(again)
    assert_equivalent(page)


def test_non_object_records_are_issues():
    page = bench_page(3)
    page.insert(1, "not an order")
    assert_equivalent(page)
