"""Value coercion and malformed-record reporting (pure, no I/O)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from cafe24_pipeline.cafe24 import models as m
from cafe24_pipeline.cafe24.errors import MalformedRecord
from cafe24_pipeline.cafe24.parsing import (
    FieldError,
    format_kst_datetime,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_int,
    parse_money,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1100.00", Decimal("1100.00")),
        (1000, Decimal(1000)),
        ("-1000.00", Decimal("-1000.00")),
        ("27000", Decimal(27000)),
        (0, Decimal(0)),
        ("0.00", Decimal("0.00")),
        (0.1, Decimal("0.1")),
        (" 12,500.50 ", Decimal("12500.50")),
    ],
)
def test_money_from_strings_and_numbers(raw, expected):
    value = parse_money(raw, "price")
    assert value == expected and isinstance(value, Decimal)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_blank_money_is_none_not_zero(raw):
    assert parse_money(raw, "price") is None


@pytest.mark.parametrize("raw", ["abc", True, [1], "NaN", "1.2.3", float("nan")])
def test_bad_money_names_the_field(raw):
    with pytest.raises(FieldError, match="price"):
        parse_money(raw, "price")


def test_percent_rates():
    assert parse_decimal("10.00%", "points_rate", percent=True) == Decimal("10.00")
    with pytest.raises(FieldError):
        parse_decimal("10.00%", "price")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2018-07-04T11:21:35+09:00", datetime(2018, 7, 4, 2, 21, 35, tzinfo=timezone.utc)),
        ("2017-07-10 15:55:51", datetime(2017, 7, 10, 6, 55, 51, tzinfo=timezone.utc)),
        ("2021-03-01T14:00:00.000", datetime(2021, 3, 1, 5, 0, 0, tzinfo=timezone.utc)),
        ("2017-09-08", datetime(2017, 9, 7, 15, 0, tzinfo=timezone.utc)),
        ("2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=timezone.utc)),
    ],
)
def test_datetimes_in_every_cafe24_format_are_aware(raw, expected):
    value = parse_datetime(raw, "d")
    assert value.tzinfo is not None and value == expected


def test_kst_expiry_string_read_as_kst_not_utc_or_local():
    # an access token "expiring 14:00" expires at 05:00 UTC: read as UTC it would look valid 9 h too long
    value = parse_datetime("2021-03-01T14:00:00.000", "expires_at")
    assert value.utcoffset().total_seconds() == 9 * 3600
    assert value.astimezone(timezone.utc).hour == 5


@pytest.mark.parametrize("raw", ["2021-13-01", "yesterday", 12, "2021-03-01T25:00:00"])
def test_bad_datetime(raw):
    with pytest.raises(FieldError, match="d"):
        parse_datetime(raw, "d")


def test_dates():
    assert parse_date("2017-09-08", "d") == date(2017, 9, 8)
    assert parse_date("2017-09-08T23:30:00+00:00", "d") == date(2017, 9, 9)  # KST day
    assert parse_date("", "d") is None


def test_bools():
    assert parse_bool("T", "f") is True and parse_bool("F", "f") is False
    assert parse_bool(True, "f") is True and parse_bool(None, "f") is None
    with pytest.raises(FieldError):
        parse_bool("Y", "f")


def test_ints():
    assert parse_int("0", "n") == 0 and parse_int(7, "n") == 7 and parse_int(None, "n") is None
    with pytest.raises(FieldError):
        parse_int("1.5", "n")
    with pytest.raises(FieldError):
        parse_int(False, "n")


def test_format_refuses_naive_datetimes():
    assert format_kst_datetime(datetime(2024, 1, 1, tzinfo=timezone.utc)) == "2024-01-01T09:00:00+09:00"
    with pytest.raises(ValueError):
        format_kst_datetime(datetime(2024, 1, 1))


def test_malformed_record_is_reported_with_id_and_reason_and_the_rest_survive():
    good = {"product_no": 1, "price": "10.00", "display": "T"}
    bad_price = {"product_no": 2, "price": "ten"}
    bad_variant = {"product_no": 3, "variants": [{"variant_code": "P0000003000A", "quantity": "many"}]}
    no_id = {"price": "1.00"}
    records, issues = m.parse_records([good, bad_price, "junk", bad_variant, no_id], m.Product.from_api)
    assert [p.product_no for p in records] == [1]
    reports = [i.as_issue() for i in issues]
    assert reports[0] == {"kind": "product", "id": "2", "reason": "price: expected a decimal amount, got 'ten'"}
    assert reports[1]["id"] is None and "JSON object" in reports[1]["reason"]
    assert reports[2]["id"] == "3" and "P0000003000A" in reports[2]["reason"] and "quantity" in reports[2]["reason"]
    assert "product_no" in reports[3]["reason"]


def test_order_item_without_code_fails_the_order_with_a_reason():
    with pytest.raises(MalformedRecord) as info:
        m.Order.from_api({"order_id": "20240101-0000001", "items": [{"quantity": 1}]})
    assert info.value.record_id == "20240101-0000001" and "order_item_code" in info.value.reason


def test_embedded_inventory_list_on_product():
    product = m.Product.from_api(
        {
            "product_no": 9,
            "shop_no": 2,
            "variants": [{"variant_code": "P000000A000A", "custom_variant_code": "SKU-1"}],
            "inventories": [{"variant_code": "P000000A000A", "quantity": 4, "use_inventory": "T"}],
        }
    )
    (variant,) = product.variants
    assert variant.quantity == 4 and variant.use_inventory is True
    assert variant.product_no == 9 and variant.shop_no == 2 and variant.custom_variant_code == "SKU-1"
    assert product.variants_embedded is True


def test_record_repr_excludes_raw():
    brand = m.Brand.from_api({"brand_code": "B0000000", "brand_name": "x", "secret_note": "zzz"})
    assert "zzz" not in repr(brand)
