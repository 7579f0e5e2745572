"""Client Order records → store frames: UTC timestamps, KST order day, exact KRW, personal data apart."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from cafe24_pipeline.cafe24.models import Order
from cafe24_pipeline.sync.order_frames import OrderRecordError, concat_frames, order_frames

EXAMPLES = Path("/work/shared/cafe24-examples")
NOW = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)


def raw_order(order_id="20261126-0000001", order_date="2026-11-26T23:30:00+09:00", status="N20", **extra):
    return {
        "shop_no": 1,
        "order_id": order_id,
        "currency": "KRW",
        "order_date": order_date,
        "payment_date": order_date,
        "paid": "T",
        "canceled": "F",
        "payment_amount": "33000.00",
        "actual_order_amount": {"order_price_amount": "30000.00", "shipping_fee": "3000.00"},
        "payment_method": ["card"],
        "member_id": "buyer01",
        "member_email": "buyer@example.com",
        "billing_name": "Hong Gildong",
        "items": [
            {
                "order_item_code": f"{order_id}-01",
                "item_no": 1,
                "product_no": 7,
                "variant_code": "P000000H000A",
                "custom_variant_code": "SKU-RED",
                "custom_product_code": "PRD-7",
                "quantity": 2,
                "product_price": "15000.00",
                "option_price": "0.00",
                "payment_amount": "30000.00",
                "order_status": status,
                "ordered_date": order_date.replace("T", " ")[:19],
            }
        ],
        "receivers": [{"name": "Kim", "cellphone": "010-0000-0000", "address1": "Seoul", "shipping_code": "D-1"}],
        **extra,
    }


def test_order_row_has_utc_time_kst_day_and_exact_money():
    frames = order_frames("mall", [Order.from_api(raw_order())], synced_at=NOW)
    row = frames.orders.row(0, named=True)
    assert row["order_date"] == datetime(2026, 11, 26, 14, 30, tzinfo=timezone.utc)
    assert row["order_date_kst"] == date(2026, 11, 26)
    assert row["payment_amount"] == Decimal("33000.00")
    assert row["order_price_amount"] == Decimal("30000.00")
    assert frames.orders.schema["payment_amount"] == pl.Decimal(18, 2)
    assert json.loads(row["payment_method"]) == ["card"]


def test_kst_day_differs_from_utc_day_after_midnight_kst():
    frames = order_frames("mall", [Order.from_api(raw_order(order_date="2026-11-27T00:30:00+09:00"))], synced_at=NOW)
    row = frames.orders.row(0, named=True)
    assert row["order_date"].date() == date(2026, 11, 26)
    assert row["order_date_kst"] == date(2026, 11, 27)
    assert frames.items["order_date_kst"].to_list() == [date(2026, 11, 27)]


def test_items_carry_sku_status_and_prices():
    item = order_frames("mall", [Order.from_api(raw_order())], synced_at=NOW).items.row(0, named=True)
    assert item["sku"] == "SKU-RED"
    assert item["order_status"] == "N20"
    assert item["quantity"] == 2
    assert item["product_price"] == Decimal("15000.00")
    assert item["oms_status"] is None  # decided by the sync with OMS stock


def test_sku_falls_back_to_product_code_without_variant_code():
    raw = raw_order()
    raw["items"][0]["custom_variant_code"] = ""
    item = order_frames("mall", [Order.from_api(raw)], synced_at=NOW).items.row(0, named=True)
    assert item["sku"] == "PRD-7"


def test_personal_data_only_in_receivers():
    frames = order_frames("mall", [Order.from_api(raw_order())], synced_at=NOW)
    text = frames.orders.write_csv() + frames.items.write_csv()
    for secret in ("buyer@example.com", "Hong Gildong", "buyer01", "010-0000-0000", "Kim"):
        assert secret not in text
    receiver = frames.receivers.row(0, named=True)
    assert (receiver["name"], receiver["cellphone"], receiver["address1"]) == ("Kim", "010-0000-0000", "Seoul")


def test_overlapping_batches_keep_one_row_per_key():
    first = order_frames("mall", [Order.from_api(raw_order(status="N20"))], synced_at=NOW)
    second = order_frames(
        "mall", [Order.from_api(raw_order(status="N30")), Order.from_api(raw_order(status="N30"))], synced_at=NOW
    )
    merged = concat_frames([first, second])
    assert merged.orders.height == 1
    assert merged.items["order_status"].to_list() == ["N30"]


def test_content_hash_ignores_bookkeeping_but_sees_status():
    a = order_frames("mall", [Order.from_api(raw_order())], synced_at=NOW).items["content_hash"][0]
    b = order_frames("mall", [Order.from_api(raw_order())], synced_at=datetime(2027, 1, 1, tzinfo=timezone.utc)).items[
        "content_hash"
    ][0]
    c = order_frames("mall", [Order.from_api(raw_order(status="N30"))], synced_at=NOW).items["content_hash"][0]
    assert a == b != c


def test_order_without_date_is_refused_clearly():
    raw = raw_order()
    raw["order_date"] = None
    with pytest.raises(OrderRecordError, match="no order_date"):
        order_frames("mall", [Order.from_api(raw)], synced_at=NOW)


def test_documented_example_order_converts():
    body = json.loads((EXAMPLES / "GET_orders.json").read_text())
    items = json.loads((EXAMPLES / "GET_orders_{order_id}_items.json").read_text())["items"]
    raw = dict(body["orders"][0], items=items)
    frames = order_frames("mall", [Order.from_api(raw)], synced_at=NOW)
    assert frames.orders["order_date_kst"].to_list() == [date(2018, 7, 4)]
    assert frames.items.height == len(items)


def test_naive_times_count_as_kst_and_sub_won_amounts_stay_exact():
    import dataclasses

    order = Order.from_api(raw_order(payment_amount="33000.50"))
    naive = dataclasses.replace(order, payment_date=datetime(2026, 11, 27, 0, 30))  # no zone: Cafe24 wall clock
    row = order_frames("mall", [naive], synced_at=NOW).orders.row(0, named=True)
    assert row["payment_date"] == datetime(2026, 11, 26, 15, 30, tzinfo=timezone.utc)
    assert row["payment_amount"] == Decimal("33000.50")
    assert row["synced_at"] == NOW and row["imported_backfill"] is False
