"""Every response example from Cafe24's own documentation parses into typed records.

The files in tests/data/cafe24_examples are byte-for-byte copies of shared/cafe24-examples; they are
fed in verbatim, and each must parse with zero malformed records.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from cafe24_pipeline.cafe24 import models as m
from cafe24_pipeline.cafe24.parsing import KST

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "cafe24_examples"


def _list(key, build):
    def parse(body):
        records, issues = m.parse_records(m.unwrap_list(body, key), build)
        assert not issues, [i.as_issue() for i in issues]
        return records

    return parse


def _one(key, build):
    return lambda body: [build(m.unwrap(body, key))]


PARSERS = {
    "DELETE_products_{product_no}.json": _one("product", m.DeletedProduct.from_api),
    "GET_brands.json": _list("brands", m.Brand.from_api),
    "GET_categories.json": _list("categories", m.Category.from_api),
    "GET_orders.json": _list("orders", m.Order.from_api),
    "GET_orders_count.json": lambda body: [m.parse_count(body)],
    "GET_orders_{order_id}.json": _one("order", m.Order.from_api),
    "GET_orders_{order_id}_items.json": _list("items", m.OrderItem.from_api),
    "GET_orders_{order_id}_shipments.json": _list("shipments", m.Shipment.from_api),
    "GET_products.json": _list("products", m.Product.from_api),
    "GET_products_count.json": lambda body: [m.parse_count(body)],
    "GET_products_{product_no}.json": _one("product", m.Product.from_api),
    "GET_products_{product_no}_variants.json": _list("variants", m.Variant.from_api),
    "GET_products_{product_no}_variants_{variant_code}_inventories.json": _one("inventory", m.Inventory.from_api),
    "GET_shops.json": _list("shops", m.Shop.from_api),
    "GET_webhooks_logs.json": _list("logs", m.WebhookLog.from_api),
    "POST_oauth_token.json": lambda body: [m.TokenResponse.from_api(body)],
    "POST_oauth_token_refresh.json": lambda body: [m.TokenResponse.from_api(body)],
    "POST_orders_{order_id}_shipments.json": _list("shipments", m.Shipment.from_api),
    "POST_products.json": _one("product", m.Product.from_api),
    "POST_shipments.json": _list("shipments", m.Shipment.from_api),
    "PUT_orders.json": _list("orders", m.OrderStatusUpdate.from_api),
    "PUT_orders_{order_id}.json": _one("order", m.OrderStatusUpdate.from_api),
    "PUT_orders_{order_id}_shipments_{shipping_code}.json": _one("shipment", m.Shipment.from_api),
    "PUT_products_{product_no}.json": _one("product", m.Product.from_api),
    "PUT_products_{product_no}_variants.json": _list("variants", m.Variant.from_api),
    "PUT_products_{product_no}_variants_{variant_code}.json": _one("variant", m.Variant.from_api),
    "PUT_products_{product_no}_variants_{variant_code}_inventories.json": _one("inventory", m.Inventory.from_api),
    "PUT_shipments.json": _list("shipments", m.Shipment.from_api),
}


def _load(name: str):
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def test_every_example_file_has_a_parser():
    files = {p.name for p in EXAMPLES.glob("*.json")}
    assert len(files) >= 28
    assert files == set(PARSERS)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_example_parses_verbatim(name):
    records = PARSERS[name](_load(name))
    assert records, f"{name} produced no records"
    for record in records:
        for value in _walk(record):
            assert not isinstance(value, float), f"{name}: a float leaked into a parsed record"
            if isinstance(value, datetime):
                assert value.tzinfo is not None, f"{name}: naive datetime {value}"


def _walk(record):
    if isinstance(record, (list, tuple)):
        for item in record:
            yield from _walk(item)
    elif hasattr(record, "__dataclass_fields__"):
        for name in record.__dataclass_fields__:
            if name == "raw":
                continue
            yield from _walk(getattr(record, name))
    elif isinstance(record, dict):
        for item in record.values():
            yield from _walk(item)
    else:
        yield record


def test_products_accept_money_as_strings_and_numbers():
    first, second = PARSERS["GET_products.json"](_load("GET_products.json"))
    assert first.price == Decimal("1100.00") and first.retail_price == Decimal("0.00")
    assert first.price_excluding_tax == Decimal("1000.00")
    assert second.price == Decimal(1000) and second.supply_price == Decimal(0)
    assert second.price_excluding_tax is None  # absent is not zero
    assert first.display is True and first.selling is False
    assert first.custom_product_code is None  # "" means unset
    assert first.created_date == datetime(2018, 1, 18, 11, 19, 27, tzinfo=KST)
    assert first.variants == () and first.variants_embedded is False
    assert first.raw["product_code"] == "P000000X"


def test_product_detail_categories_and_null_icon():
    (product,) = PARSERS["GET_products_{product_no}.json"](_load("GET_products_{product_no}.json"))
    assert [c.category_no for c in product.categories] == [27, 28]
    assert product.categories[1].recommend is True


def test_variant_put_takes_stock_from_the_inventories_object():
    variants = PARSERS["PUT_products_{product_no}_variants.json"](_load("PUT_products_{product_no}_variants.json"))
    assert [v.variant_code for v in variants] == ["P000000P000B", "P000000P000C"]
    assert variants[0].additional_amount == Decimal("-1000.00")
    assert variants[0].quantity == 15 and variants[0].safety_inventory == 6
    assert variants[0].custom_variant_code == "OPTION_CUSTOM_CODE"
    assert variants[0].inventory is not None and variants[0].inventory.inventory_control_type == "B"


def test_variant_list_has_stock_directly_on_the_variant():
    variants = PARSERS["GET_products_{product_no}_variants.json"](_load("GET_products_{product_no}_variants.json"))
    assert [(v.variant_code, v.quantity) for v in variants] == [("P000000R000C", 6), ("P000000R000D", 15)]
    assert variants[0].options[0] == m.VariantOption(name="Color", value="Blue")
    assert variants[0].custom_variant_code is None


def test_orders_money_dates_and_missing_fields():
    first, second = PARSERS["GET_orders.json"](_load("GET_orders.json"))
    assert first.order_id == "20170710-0000013"
    assert first.payment_amount == Decimal("30000.00")
    assert first.actual_order_amount["tax"] == Decimal("80.00")
    assert first.order_date == datetime(2018, 7, 4, 11, 21, 35, tzinfo=KST)
    assert first.payment_method == ("card", "cash")
    assert first.cancel_date is None
    assert first.items_embedded is False
    assert "set_product_discount_amount" not in second.initial_order_amount


def test_order_detail_tax_with_one_decimal():
    (order,) = PARSERS["GET_orders_{order_id}.json"](_load("GET_orders_{order_id}.json"))
    assert order.initial_order_amount["tax"] == Decimal("120.0")
    assert order.actual_order_amount["tax"] == Decimal("60.0")


def test_order_item_dates_without_offset_are_kst():
    items = PARSERS["GET_orders_{order_id}_items.json"](_load("GET_orders_{order_id}_items.json"))
    item = items[0]
    assert item.order_item_code == "20170710-0000013-01"
    assert item.order_id == "20170710-0000013"  # derived from the item code
    assert item.ordered_date == datetime(2017, 7, 10, 15, 55, 51, tzinfo=KST)
    assert item.ordered_date.astimezone(timezone.utc) == datetime(2017, 7, 10, 6, 55, 51, tzinfo=timezone.utc)
    assert item.product_price == Decimal("30000.00") and item.payment_amount == Decimal("29000.00")
    assert item.order_status == "N40" and item.quantity == 1
    assert item.custom_variant_code == "C001"
    assert item.shipping_company_code == "0001"  # leading zeros kept


def test_shipments_trailing_space_status_and_list_forms():
    shipments = PARSERS["GET_orders_{order_id}_shipments.json"](_load("GET_orders_{order_id}_shipments.json"))
    assert shipments[0].items[1].status == "shipping"
    created = PARSERS["POST_orders_{order_id}_shipments.json"](_load("POST_orders_{order_id}_shipments.json"))
    assert created[0].order_item_codes == ("20180627-0000017-01", "20180627-0000017-02")
    assert created[0].carrier_id == 1


def test_categories_path_objects():
    categories = PARSERS["GET_categories.json"](_load("GET_categories.json"))
    first = categories[0]
    assert first.category_no == 27 and first.full_category_no == (27,)
    assert first.full_category_name == ("(large scale classification) Bottoms",)


def test_shops_multi_shop():
    shops = PARSERS["GET_shops.json"](_load("GET_shops.json"))
    assert [(s.shop_no, s.currency_code, s.active, s.default) for s in shops] == [
        (1, "KRW", True, True),
        (2, "USD", True, False),
    ]


def test_webhook_log_request_body_is_decoded():
    logs = PARSERS["GET_webhooks_logs.json"](_load("GET_webhooks_logs.json"))
    assert logs[0].request_body["resource"]["event_shop_no"] == "1"
    assert logs[1].success is False and logs[1].response_http_code == 403


def test_token_expiry_is_kst_and_tokens_not_in_repr():
    (token,) = PARSERS["POST_oauth_token.json"](_load("POST_oauth_token.json"))
    assert token.expires_at == datetime(2021, 3, 1, 5, 0, tzinfo=timezone.utc)
    assert token.refresh_token_expires_at - token.issued_at == timedelta(days=14)
    assert token.scopes[:2] == ("mall.read_order", "mall.read_product")
    text = repr(token)
    assert token.access_token not in text and token.refresh_token not in text and "BrIfqEKoPxeE" not in text


def test_counts():
    assert PARSERS["GET_orders_count.json"](_load("GET_orders_count.json")) == [3]
    assert PARSERS["GET_products_count.json"](_load("GET_products_count.json"))[0] >= 0


def test_inventory_example():
    (inv,) = PARSERS["GET_products_{product_no}_variants_{variant_code}_inventories.json"](
        _load("GET_products_{product_no}_variants_{variant_code}_inventories.json")
    )
    assert inv.variant_code and isinstance(inv.quantity, int) and inv.use_inventory in (True, False)
