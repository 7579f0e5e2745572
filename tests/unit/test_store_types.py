"""Money and timestamp rules of the store, checked without a database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from cafe24_pipeline.store import StoreValueError, schema
from cafe24_pipeline.store.frames import check_frame, encode_frame
from cafe24_pipeline.store.types import to_money, to_utc

KST = ZoneInfo("Asia/Seoul")


def test_money_is_exact_and_canonical():
    assert to_money(Decimal("10000")) == Decimal("10000.00")
    assert str(to_money(Decimal("0.1"))) == "0.10"
    assert to_money(15000) == Decimal("15000.00")
    assert to_money("12345678901234.56") == Decimal("12345678901234.56")
    assert to_money(None) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0.1, "floats cannot hold amounts exactly"),
        (Decimal("1.005"), "more than 2 decimal places"),
        (Decimal("1e16"), "does not fit NUMERIC(18,2)"),
        (Decimal("NaN"), "not a finite amount"),
        ("ten", "not a decimal amount"),
        (True, "money must be Decimal or int"),
    ],
)
def test_money_refuses_lossy_values(value, message):
    with pytest.raises(StoreValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        to_money(value, "price")


def test_timestamps_keep_their_instant_in_utc():
    kst = datetime(2026, 3, 1, 9, 30, tzinfo=KST)
    utc = to_utc(kst)
    assert utc == kst
    assert utc.utcoffset() == timedelta(0)
    assert utc.hour == 0


def test_naive_timestamps_are_refused():
    with pytest.raises(StoreValueError, match="naive datetime"):
        to_utc(datetime(2026, 3, 1, 9, 30), "order_date")


def _items(**columns) -> pl.DataFrame:
    base = {"mall_id": ["m"], "order_item_code": ["A-1"], "order_id": ["A"]}
    base.update(columns)
    return pl.DataFrame(base)


def test_frame_with_float_money_is_refused():
    df = _items(product_price=[1000.0])
    with pytest.raises(StoreValueError, match="cafe24_order_items.product_price: money columns must be Decimal"):
        encode_frame(schema.cafe24_order_items, df, "sqlite")


def test_frame_with_three_decimal_places_is_refused():
    df = _items(product_price=pl.Series([Decimal("1.234")], dtype=pl.Decimal(10, 3)))
    with pytest.raises(StoreValueError, match="more than 2 decimal places"):
        encode_frame(schema.cafe24_order_items, df, "postgresql")


def test_frame_with_naive_datetimes_is_refused():
    df = _items(order_date=[datetime(2026, 1, 1, 9, 0)])
    with pytest.raises(StoreValueError, match="naive Datetime column refused"):
        encode_frame(schema.cafe24_order_items, df, "sqlite")


def test_frame_with_unknown_or_duplicate_keys_is_refused():
    with pytest.raises(StoreValueError, match="unknown columns"):
        check_frame(schema.cafe24_order_items, _items(colour=["red"]), ["mall_id", "order_item_code"])
    twice = pl.concat([_items(), _items()])
    with pytest.raises(StoreValueError, match="2 rows share a key"):
        check_frame(schema.cafe24_order_items, twice, ["mall_id", "order_item_code"])
    with pytest.raises(StoreValueError, match="contain nulls"):
        check_frame(
            schema.cafe24_order_items,
            pl.DataFrame(
                {"mall_id": ["m"], "order_item_code": [None], "order_id": ["A"]}, schema_overrides={"order_item_code": pl.String}
            ),
            ["mall_id", "order_item_code"],
        )


def test_sqlite_encoding_sorts_like_time():
    instants = [
        datetime(2026, 1, 1, 0, 0, 0, 5, tzinfo=timezone.utc),
        datetime(2026, 1, 1, 8, 59, tzinfo=KST),  # 2025-12-31 23:59 UTC
        datetime(2026, 1, 1, 10, 0, tzinfo=KST),  # 2026-01-01 01:00 UTC
    ]
    df = pl.DataFrame({"mall_id": ["m"] * 3, "order_item_code": ["a", "b", "c"], "order_id": ["A"] * 3, "order_date": instants})
    encoded = encode_frame(schema.cafe24_order_items, df, "sqlite")["order_date"].to_list()
    assert encoded[1] == "2025-12-31 23:59:00.000000+00:00"
    assert sorted(encoded) == [encoded[1], encoded[0], encoded[2]]
