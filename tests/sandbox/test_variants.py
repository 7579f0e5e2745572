"""Variants and inventories contract: single and bulk updates, 207 and 409, duplicate SKU flags."""

from __future__ import annotations

import pytest

from tests.fixtures.sandbox import sandbox_client


@pytest.fixture
def client(sandbox):
    with sandbox_client(sandbox) as c:
        yield c


def _product_with_options(client) -> tuple[int, list[dict]]:
    for product in client.get("products", params={"limit": 100, "embed": "variants"}).json()["products"]:
        if len(product["variants"]) >= 3:
            return product["product_no"], product["variants"]
    pytest.fail("no product with 3+ variants in the seed")


def test_single_variant_update_returns_nested_inventories_then_409(client):
    number, variants = _product_with_options(client)
    code = variants[0]["variant_code"]
    response = client.put(
        f"products/{number}/variants/{code}",
        json={"shop_no": 1, "request": {"quantity": 77, "custom_variant_code": "NEW-SKU-1", "display": "T"}},
    )
    assert response.status_code == 200, response.text
    variant = response.json()["variant"]
    assert variant["custom_variant_code"] == "NEW-SKU-1" and variant["duplicated_custom_variant_code"] == "F"
    assert variant["inventories"] == {**variant["inventories"], "quantity": 77, "variant_code": code}
    same = client.put(f"products/{number}/variants/{code}", json={"request": {"quantity": 77}})
    assert same.status_code == 409
    assert client.get(f"products/{number}/variants/{code}/inventories").json()["inventory"]["quantity"] == 77


def test_duplicate_custom_variant_code_is_allowed_and_flagged(client):
    number, variants = _product_with_options(client)
    first, second = variants[0]["variant_code"], variants[1]["variant_code"]
    client.put(f"products/{number}/variants/{first}", json={"request": {"custom_variant_code": "DUP-1"}})
    response = client.put(f"products/{number}/variants/{second}", json={"request": {"custom_variant_code": "DUP-1"}})
    assert response.status_code == 200
    assert response.json()["variant"]["duplicated_custom_variant_code"] == "T"
    listed = {v["variant_code"]: v for v in client.get(f"products/{number}/variants").json()["variants"]}
    assert listed[first]["duplicated_custom_variant_code"] == "T"
    client.put(f"products/{number}/variants/{second}", json={"request": {"custom_variant_code": "UNIQUE-2"}})
    listed = {v["variant_code"]: v for v in client.get(f"products/{number}/variants").json()["variants"]}
    assert listed[first]["duplicated_custom_variant_code"] == "F"


def test_bulk_variant_update_all_ok_is_200(client):
    number, variants = _product_with_options(client)
    requests = [{"variant_code": v["variant_code"], "quantity": 500 + i} for i, v in enumerate(variants)]
    response = client.put(f"products/{number}/variants", json={"shop_no": 1, "requests": requests})
    assert response.status_code == 200, response.text
    rows = response.json()["variants"]
    assert [r["inventories"]["quantity"] for r in rows] == [500 + i for i in range(len(variants))]


def test_bulk_variant_update_mixed_is_207_per_item(client):
    number, variants = _product_with_options(client)
    current = variants[1]["quantity"]
    response = client.put(
        f"products/{number}/variants",
        json={
            "shop_no": 1,
            "requests": [
                {"variant_code": variants[0]["variant_code"], "quantity": 901},
                {"variant_code": variants[1]["variant_code"], "quantity": current},
                {"variant_code": "P9999999000A", "quantity": 1},
                {"variant_code": variants[2]["variant_code"], "quantity": "many"},
            ],
        },
    )
    assert response.status_code == 207
    body = response.json()
    assert [v["variant_code"] for v in body["variants"]] == [variants[0]["variant_code"]]
    assert [e["error"]["code"] for e in body["errors"]] == [409, 404, 422]
    assert (
        client.get(f"products/{number}/variants/{variants[2]['variant_code']}").json()["variant"]["quantity"]
        == variants[2]["quantity"]
    )


def test_bulk_variant_update_is_capped_at_100(client):
    number, variants = _product_with_options(client)
    requests = [{"variant_code": variants[0]["variant_code"], "quantity": i} for i in range(101)]
    assert client.put(f"products/{number}/variants", json={"requests": requests}).status_code == 422


def test_inventory_update_and_validation(client):
    number, variants = _product_with_options(client)
    code = variants[0]["variant_code"]
    response = client.put(
        f"products/{number}/variants/{code}/inventories",
        json={"shop_no": 1, "request": {"quantity": 0, "use_inventory": "T", "display_soldout": "T", "safety_inventory": 2}},
    )
    assert response.status_code in (200, 409)
    inventory = client.get(f"products/{number}/variants/{code}/inventories").json()["inventory"]
    assert (inventory["quantity"], inventory["safety_inventory"]) == (0, 2)
    assert set(inventory) >= {
        "shop_no",
        "variant_code",
        "use_inventory",
        "important_inventory",
        "inventory_control_type",
        "display_soldout",
        "quantity",
        "safety_inventory",
    }
    bad = client.put(f"products/{number}/variants/{code}/inventories", json={"request": {"use_inventory": "yes"}})
    assert bad.status_code == 422


def test_sold_out_follows_stock(client):
    number, variants = _product_with_options(client)
    client.put(
        f"products/{number}/variants",
        json={
            "requests": [
                {"variant_code": v["variant_code"], "quantity": 0, "use_inventory": "T", "display_soldout": "T"} for v in variants
            ]
        },
    )
    assert client.get(f"products/{number}").json()["product"]["sold_out"] == "T"
    client.put(f"products/{number}/variants/{variants[0]['variant_code']}", json={"request": {"quantity": 3}})
    assert client.get(f"products/{number}").json()["product"]["sold_out"] == "F"


def test_writes_bump_updated_date(client):
    number, variants = _product_with_options(client)
    before = client.get(f"products/{number}").json()["product"]["updated_date"]
    client.put(f"products/{number}/variants/{variants[0]['variant_code']}", json={"request": {"quantity": 4321}})
    after = client.get(f"products/{number}").json()["product"]["updated_date"]
    assert after > before
