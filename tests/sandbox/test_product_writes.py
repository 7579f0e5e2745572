"""What a push engine needs from product writes: create with options, SKU lookup before create, price and
display pushes, bulk variant pushes with per-item outcomes, deletes."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.sandbox import sandbox_client


@pytest.fixture
def client(sandbox):
    with sandbox_client(sandbox) as c:
        yield c


def _create(client, **fields):
    request = {"product_name": "푸시 테스트 티셔츠", "price": 19900, "supply_price": 9000, **fields}
    response = client.post("products", json={"shop_no": 1, "request": request})
    assert response.status_code == 201, response.text
    return response.json()["product"]


def test_create_with_options_makes_one_variant_per_combination(client):
    category = client.get("categories", params={"limit": 1}).json()["categories"][0]["category_no"]
    product = _create(
        client,
        has_option="T",
        custom_product_code="PUSH-TEE",
        retail_price=25000,
        display="T",
        selling="T",
        brand_code="B0000000",
        add_category_no=[{"category_no": category, "recommend": "F", "new": "T"}],
        options=[{"name": "Color", "value": ["Red", "Blue"]}, {"name": "Size", "value": ["S", "M"]}],
    )
    code = product["product_code"]
    assert (
        product["has_option"],
        product["custom_product_code"],
        product["price"],
        product["retail_price"],
        product["supply_price"],
        product["display"],
        product["selling"],
    ) == ("T", "PUSH-TEE", "19900.00", "25000.00", "9000.00", "T", "T")
    variants = client.get(f"products/{product['product_no']}/variants").json()["variants"]
    assert [v["variant_code"] for v in variants] == [code + suffix for suffix in ("000A", "000B", "000C", "000D")]
    assert [[(o["name"], o["value"]) for o in v["options"]] for v in variants] == [
        [("Color", "Red"), ("Size", "S")],
        [("Color", "Red"), ("Size", "M")],
        [("Color", "Blue"), ("Size", "S")],
        [("Color", "Blue"), ("Size", "M")],
    ]
    assert all(v["custom_variant_code"] == "" and v["quantity"] == 0 for v in variants)
    detail = client.get(f"products/{product['product_no']}").json()["product"]
    assert [c["category_no"] for c in detail["category"]] == [category]


def test_create_without_options_has_the_000A_default_variant_and_defaults_hidden(client):
    product = _create(client)
    assert (product["has_option"], product["display"], product["selling"]) == ("F", "F", "F")
    variants = client.get(f"products/{product['product_no']}/variants").json()["variants"]
    assert [v["variant_code"] for v in variants] == [product["product_code"] + "000A"]


@pytest.mark.parametrize(
    ("missing", "parameter"), [("product_name", "product_name"), ("price", "price"), ("supply_price", "supply_price")]
)
def test_create_names_the_missing_parameter(client, missing, parameter):
    request = {"product_name": "x", "price": 1000, "supply_price": 500}
    del request[missing]
    response = client.post("products", json={"request": request})
    assert response.status_code == 422
    assert response.json()["error"]["message"].endswith(f"(parameter.{parameter})")


def test_create_rejects_contradicting_option_flags(client):
    base = {"product_name": "x", "price": 1000, "supply_price": 500}
    no_options = client.post("products", json={"request": {**base, "has_option": "T"}})
    assert no_options.status_code == 422 and "(parameter.options)" in no_options.json()["error"]["message"]
    flag_off = client.post(
        "products", json={"request": {**base, "has_option": "F", "options": [{"name": "Color", "value": ["Red"]}]}}
    )
    assert flag_off.status_code == 422
    bad_values = client.post(
        "products", json={"request": {**base, "has_option": "T", "options": [{"name": "Color", "value": "Red,Blue"}]}}
    )
    assert bad_values.status_code == 422
    assert client.post("products", json={"request": {**base, "brand_code": "B9999999"}}).status_code == 422


def test_listing_flow_create_then_set_skus_and_stock_with_the_bulk_put(client):
    product = _create(client, has_option="T", custom_product_code="LIST-1", options=[{"name": "Size", "value": ["S", "M", "L"]}])
    number, code = product["product_no"], product["product_code"]
    requests = [
        {
            "variant_code": f"{code}000{suffix}",
            "custom_variant_code": f"LIST-1-{size}",
            "quantity": qty,
            "additional_amount": extra,
            "display": "T",
            "selling": "T",
        }
        for suffix, size, qty, extra in (("A", "S", 5, 0), ("B", "M", 0, 1000), ("C", "L", 7, -500))
    ]
    response = client.put(f"products/{number}/variants", json={"shop_no": 1, "requests": requests})
    assert response.status_code == 200, response.text
    rows = response.json()["variants"]
    assert [(r["custom_variant_code"], r["additional_amount"], r["inventories"]["quantity"]) for r in rows] == [
        ("LIST-1-S", "0.00", 5),
        ("LIST-1-M", "1000.00", 0),
        ("LIST-1-L", "-500.00", 7),
    ]
    found = client.get("products", params={"custom_variant_code": "LIST-1-M,NO-SUCH-SKU"}).json()["products"]
    assert [p["product_no"] for p in found] == [number]


def test_custom_product_code_filter_is_a_case_sensitive_substring(client):
    one = _create(client, custom_product_code="SKU-10")
    two = _create(client, custom_product_code="SKU-100")
    three = _create(client, custom_product_code="sku-10")
    found = {
        p["product_no"] for p in client.get("products", params={"custom_product_code": "SKU-10", "limit": 100}).json()["products"]
    }
    assert {one["product_no"], two["product_no"]} <= found and three["product_no"] not in found
    exact_only = {
        p["product_no"]
        for p in client.get("products", params={"custom_product_code": "SKU-100,sku-10", "limit": 100}).json()["products"]
    }
    assert {two["product_no"], three["product_no"]} <= exact_only and one["product_no"] not in exact_only
    count = client.get("products/count", params={"custom_product_code": "SKU-10"}).json()["count"]
    assert count == len(found)


def test_custom_variant_code_filter_matches_whole_codes(client):
    product = _create(client)
    variant = client.get(f"products/{product['product_no']}/variants").json()["variants"][0]["variant_code"]
    client.put(f"products/{product['product_no']}/variants/{variant}", json={"request": {"custom_variant_code": "WHOLE-SKU-1"}})
    assert [
        p["product_no"] for p in client.get("products", params={"custom_variant_code": "WHOLE-SKU-1"}).json()["products"]
    ] == [product["product_no"]]
    assert client.get("products", params={"custom_variant_code": "WHOLE-SKU"}).json()["products"] == []


def test_product_push_price_retail_supply_display_selling_then_409(client):
    product = _create(client, display="T", selling="T")
    number = product["product_no"]
    request = {"price": "21900.00", "retail_price": 30000, "supply_price": "9500", "display": "F", "selling": "F"}
    response = client.put(f"products/{number}", json={"shop_no": 1, "request": request})
    assert response.status_code == 200, response.text
    pushed = response.json()["product"]
    assert (pushed["price"], pushed["retail_price"], pushed["supply_price"], pushed["display"], pushed["selling"]) == (
        "21900.00",
        "30000.00",
        "9500.00",
        "F",
        "F",
    )
    assert client.put(f"products/{number}", json={"request": request}).status_code == 409
    assert client.put(f"products/{number}", json={"request": {"display": "maybe"}}).status_code == 422
    assert client.put("products/999999", json={"request": {"display": "T"}}).status_code == 404


def test_bulk_variant_push_207_with_per_item_outcomes(client):
    product = _create(client, has_option="T", options=[{"name": "Size", "value": ["S", "M", "L", "XL"]}])
    number, code = product["product_no"], product["product_code"]
    client.put(f"products/{number}/variants", json={"requests": [{"variant_code": f"{code}000B", "quantity": 3}]})
    response = client.put(
        f"products/{number}/variants",
        json={
            "requests": [
                {"variant_code": f"{code}000A", "quantity": 9, "selling": "F"},
                {"variant_code": f"{code}000B", "quantity": 3},  # identical: 409
                {"variant_code": "P9999999000A", "quantity": 1},  # not a variant of this product: 404
                {"variant_code": "short", "quantity": 1},  # not a variant code: 422
                {"variant_code": f"{code}000C", "display": "sometimes"},  # bad value: 422
                {"quantity": 1},
            ]
        },
    )  # no variant_code: 422
    assert response.status_code == 207
    body = response.json()
    assert [v["variant_code"] for v in body["variants"]] == [f"{code}000A"]
    assert [(e["variant_code"], e["error"]["code"]) for e in body["errors"]] == [
        (f"{code}000B", 409),
        ("P9999999000A", 404),
        ("short", 422),
        (f"{code}000C", 422),
        (None, 422),
    ]
    assert "(parameter.variant_code)" in body["errors"][2]["error"]["message"]
    listed = {v["variant_code"]: v for v in client.get(f"products/{number}/variants").json()["variants"]}
    assert (listed[f"{code}000A"]["quantity"], listed[f"{code}000A"]["selling"]) == (9, "F")
    assert listed[f"{code}000C"]["display"] == "T"


def test_bulk_variant_put_ignores_nested_inventories(client):
    """The documented request fields are flat; `inventories` exists only in responses, so it is ignored."""
    product = _create(client)
    code = product["product_code"] + "000A"
    response = client.put(
        f"products/{product['product_no']}/variants", json={"requests": [{"variant_code": code, "inventories": {"quantity": 50}}]}
    )
    assert response.status_code == 200
    assert response.json()["variants"][0]["inventories"]["quantity"] == 0


def test_bulk_variant_put_over_100_entries_is_422_and_changes_nothing(client):
    product = _create(client)
    code = product["product_code"] + "000A"
    response = client.put(
        f"products/{product['product_no']}/variants",
        json={"requests": [{"variant_code": code, "quantity": n} for n in range(101)]},
    )
    assert response.status_code == 422 and "(parameter.requests)" in response.json()["error"]["message"]
    assert client.get(f"products/{product['product_no']}/variants/{code}").json()["variant"]["quantity"] == 0


def test_delete_variant_then_product(client):
    product = _create(client, has_option="T", options=[{"name": "Size", "value": ["S", "M"]}])
    number, code = product["product_no"], product["product_code"]
    deleted = client.delete(f"products/{number}/variants/{code}000B")
    assert deleted.status_code == 200
    assert deleted.json()["variant"] == {"shop_no": 1, "product_no": number, "variant_code": f"{code}000B"}
    assert client.get(f"products/{number}/variants/{code}000B").status_code == 404
    last = client.delete(f"products/{number}/variants/{code}000A")
    assert last.status_code == 422  # a product keeps at least one variant
    gone = client.delete(f"products/{number}")
    assert gone.status_code == 200 and gone.json() == {"product": {"product_no": number}}
    assert client.get(f"products/{number}").status_code == 404
    assert client.get(f"products/{number}/variants").status_code == 404
    assert client.delete(f"products/{number}").status_code == 404


def test_control_api_merchant_create_sets_variant_fields(sandbox, client):
    made = httpx.post(
        f"{sandbox.base_url}/_sandbox/demomall/products",
        json={
            "product_name": "관리자 등록 상품",
            "price": 5000,
            "supply_price": 2000,
            "has_option": "T",
            "options": [{"name": "Color", "value": ["Black", "White"]}],
            "variants": [{"custom_variant_code": "ADM-BK", "quantity": 4}, {"custom_variant_code": "ADM-WH"}],
        },
    ).json()
    assert [(v["custom_variant_code"], v["quantity"]) for v in made["variants"]] == [("ADM-BK", 4), ("ADM-WH", 0)]
    assert client.get(f"products/{made['product_no']}").json()["product"]["has_option"] == "T"
