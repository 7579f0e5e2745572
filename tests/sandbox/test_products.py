"""Products contract: paging caps, since_product_no, filters, embeds, detail, create/update/delete."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.fixtures.sandbox import sandbox_client

MONEY = re.compile(r"^-?\d+\.\d\d$")
KST = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$")


@pytest.fixture
def client(sandbox):
    with sandbox_client(sandbox) as c:
        yield c


def test_list_shape_money_dates_ids(client):
    products = client.get("products", params={"limit": 100}).json()["products"]
    assert len(products) == 30
    for p in products:
        assert MONEY.match(p["price"]) and MONEY.match(p["retail_price"]) and MONEY.match(p["supply_price"])
        assert KST.match(p["created_date"]) and KST.match(p["updated_date"])
        assert re.fullmatch(r"P[0-9A-Z]{7}", p["product_code"])
        assert p["display"] in "TF" and p["selling"] in "TF"
        assert isinstance(p["product_no"], int) and p["shop_no"] == 1
    assert all(p["detail_image"] is None or p["detail_image"].startswith("https://") for p in products)


def test_limit_and_offset_caps(client):
    assert client.get("products", params={"limit": 101}).status_code == 422
    assert client.get("products", params={"limit": 0}).status_code == 422
    assert client.get("products", params={"offset": 5001}).status_code == 422
    assert client.get("products", params={"offset": 5000}).status_code == 200
    body = client.get("products", params={"limit": 101}).json()
    assert body["error"]["code"] == 422 and "parameter.limit" in body["error"]["message"]


def test_default_limit_is_10(client):
    assert len(client.get("products").json()["products"]) == 10


def test_since_product_no_pages_past_offset_cap(sandbox_factory):
    server = sandbox_factory(products=6000, orders=0)
    with sandbox_client(server) as c:
        seen: list[int] = []
        cursor = 0
        while True:
            page = c.get("products", params={"since_product_no": cursor, "limit": 100, "fields": "product_no"}).json()["products"]
            if not page:
                break
            seen += [p["product_no"] for p in page]
            cursor = page[-1]["product_no"]
        assert seen == sorted(seen) and len(seen) == len(set(seen)) == 6000
        assert c.get("products/count").json() == {"count": 6000}
        assert c.get("products", params={"offset": 5001, "limit": 100}).status_code == 422
        assert c.get("products", params={"since_product_no": 5990, "offset": 10}).status_code == 422


def test_updated_date_filter_must_be_paired_and_sees_merchant_edits(sandbox, client):
    assert client.get("products", params={"updated_start_date": "2026-01-01"}).status_code == 422
    edit = httpx.put(f"{sandbox.base_url}/_sandbox/demomall/products/7", json={"price": 12300})
    assert edit.json()["changed"] is True
    updated = edit.json()["updated_date"]
    found = client.get("products", params={"updated_start_date": updated, "updated_end_date": updated, "limit": 100}).json()[
        "products"
    ]
    assert [p["product_no"] for p in found] == [7]
    assert found[0]["price"] == "12300.00"
    count = client.get("products/count", params={"updated_start_date": updated, "updated_end_date": updated})
    assert count.json() == {"count": 1}


def test_filters_display_selling_and_custom_variant_code(sandbox, client):
    httpx.put(f"{sandbox.base_url}/_sandbox/demomall/products/3", json={"display": "F"})
    hidden = client.get("products", params={"display": "F", "limit": 100}).json()["products"]
    assert 3 in [p["product_no"] for p in hidden] and all(p["display"] == "F" for p in hidden)
    variants = client.get("products/5/variants").json()["variants"]
    sku = next((v["custom_variant_code"] for v in variants if v["custom_variant_code"]), None)
    if sku:
        by_sku = client.get("products", params={"custom_variant_code": sku}).json()["products"]
        assert 5 in [p["product_no"] for p in by_sku]


def test_embed_variants_and_inventories(client):
    products = client.get("products", params={"embed": "variants,inventories", "limit": 100}).json()["products"]
    for p in products:
        assert p["variants"], p["product_no"]
        for v in p["variants"]:
            assert v["variant_code"].startswith(p["product_code"]) and len(v["variant_code"]) == 12
            assert isinstance(v["quantity"], int)
            assert v["inventories"][0]["variant_code"] == v["variant_code"]


def test_product_without_options_has_000A_default_variant(client):
    products = client.get("products", params={"limit": 100}).json()["products"]
    for summary in products:
        detail = client.get(f"products/{summary['product_no']}").json()["product"]
        if detail["has_option"] == "F":
            variants = client.get(f"products/{summary['product_no']}/variants").json()["variants"]
            assert [v["variant_code"] for v in variants] == [detail["product_code"] + "000A"]
            assert variants[0]["options"] == []
            return
    pytest.fail("seed has no product without options")


def test_embed_caps_variants_at_100(sandbox_factory):
    server = sandbox_factory(products=20, orders=0, big_option_products=1)
    with sandbox_client(server) as c:
        products = c.get("products", params={"embed": "variants", "limit": 100}).json()["products"]
        big = [p for p in products if len(p["variants"]) == 100]
        assert big, "one product has more than 100 variants"
        full = c.get(f"products/{big[0]['product_no']}/variants").json()["variants"]
        assert len(full) > 100


def test_detail_has_category_and_description(client):
    product = client.get("products/1").json()["product"]
    assert product["category"] and isinstance(product["category"][0]["category_no"], int)
    assert "description" in product and product["has_option"] in "TF"
    assert client.get("products/99999").status_code == 404


def test_update_price_display_selling_retail(client):
    before = client.get("products/2").json()["product"]
    response = client.put(
        "products/2", json={"shop_no": 1, "request": {"price": "15900", "retail_price": 19000, "display": "T", "selling": "F"}}
    )
    assert response.status_code == 200, response.text
    product = response.json()["product"]
    assert (product["price"], product["retail_price"], product["selling"]) == ("15900.00", "19000.00", "F")
    assert product["updated_date"] >= before["updated_date"]
    after = client.get("products/2").json()["product"]
    assert after["price"] == "15900.00"


def test_identical_update_is_409_and_unknown_fields_are_ignored(client):
    current = client.get("products/4").json()["product"]
    same = client.put("products/4", json={"shop_no": 1, "request": {"price": current["price"]}})
    assert same.status_code == 409
    assert same.json()["error"]["code"] == 409
    nested = client.put("products/4", json={"shop_no": 1, "request": {"product": {"price": 1}}})
    assert nested.status_code == 200  # Cafe24: 200, nothing changed
    assert client.get("products/4").json()["product"]["price"] == current["price"]


def test_invalid_price_is_422_and_changes_nothing(client):
    current = client.get("products/6").json()["product"]
    bad = client.put("products/6", json={"request": {"price": "abc", "display": "F"}})
    assert bad.status_code == 422
    after = client.get("products/6").json()["product"]
    assert (after["price"], after["display"]) == (current["price"], current["display"])
    assert client.put("products/6", json={"request": {"price": -1}}).status_code == 422
    assert client.put("products/6", json={"nothing": 1}).status_code == 422


def test_create_with_options_then_delete_removes_variants(client):
    created = client.post(
        "products",
        json={
            "shop_no": 1,
            "request": {
                "product_name": "테스트 린넨 셔츠",
                "price": 39000,
                "supply_price": 20000,
                "display": "T",
                "selling": "T",
                "custom_product_code": "TEST-1",
                "options": [{"name": "색상", "value": ["블랙", "화이트"]}, {"name": "사이즈", "value": ["M", "L"]}],
                "unknown_field": "ignored",
            },
        },
    )
    assert created.status_code == 201, created.text
    product = created.json()["product"]
    number = product["product_no"]
    variants = client.get(f"products/{number}/variants").json()["variants"]
    assert len(variants) == 4 and all(v["variant_code"].startswith(product["product_code"]) for v in variants)
    assert variants[0]["options"] == [{"name": "색상", "value": "블랙"}, {"name": "사이즈", "value": "M"}]
    assert client.post("products", json={"request": {"price": 1000}}).status_code == 422
    deleted = client.delete(f"products/{number}")
    assert deleted.json() == {"product": {"product_no": number}}
    assert client.get(f"products/{number}").status_code == 404
    assert client.get(f"products/{number}/variants").status_code == 404
    assert client.get(f"products/{number}/variants/{variants[0]['variant_code']}/inventories").status_code == 404


def test_shop_no_is_echoed(client):
    product = client.get("products", params={"shop_no": 2, "limit": 1}).json()["products"][0]
    assert product["shop_no"] == 2


def test_brands_and_category_tree(sandbox):
    with sandbox_client(sandbox) as c:
        brands = c.get("brands", params={"limit": 100}).json()["brands"]
        categories = c.get("categories", params={"limit": 100}).json()["categories"]
        count = c.get("categories/count").json()["count"]
    assert brands[0]["brand_code"] == "B0000000"
    assert all(re.fullmatch(r"B[0-9A-Z]{7}", b["brand_code"]) for b in brands)
    assert count == len(categories)
    by_no = {c["category_no"]: c for c in categories}
    for category in categories:
        if category["category_depth"] == 1:
            assert category["parent_category_no"] == 1
        else:
            parent = by_no[category["parent_category_no"]]
            assert parent["category_depth"] == category["category_depth"] - 1
        depth = category["category_depth"]
        assert category["full_category_no"][str(depth)] == str(category["category_no"])
        assert category["full_category_name"][str(depth)] == category["category_name"]
        assert category["full_category_name"][str(depth + 1)] is None if depth < 4 else True


def test_seed_has_missing_images_and_flagged_duplicate_skus(sandbox_factory):
    server = sandbox_factory(products=400, orders=0)
    with sandbox_client(server) as c:
        products, cursor = [], 0
        while page := c.get("products", params={"since_product_no": cursor, "limit": 100, "embed": "variants"}).json()[
            "products"
        ]:
            products += page
            cursor = page[-1]["product_no"]
    assert len(products) == 400
    assert any(p["detail_image"] is None for p in products)
    variants = [v for p in products for v in p["variants"]]
    flagged = [v for v in variants if v["duplicated_custom_variant_code"] == "T"]
    assert flagged, "seed has duplicate custom_variant_code values"
    codes = [v["custom_variant_code"] for v in flagged]
    assert all(codes.count(code) >= 2 for code in codes)
    assert all(
        v["duplicated_custom_variant_code"] == "F"
        for v in variants
        if v["custom_variant_code"] and v["custom_variant_code"] not in codes
    )
    names = {p["product_name"] for p in products}
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in name) for name in names)  # Korean names
    assert {int(p["price"].split(".")[0]) % 100 for p in products} == {0}  # KRW, whole hundreds


def test_shop_2_writes_change_only_shop_2(client):
    base = client.get("products/9").json()["product"]
    response = client.put(
        "products/9", json={"shop_no": 2, "request": {"product_name": "Linen Shirt (EN)", "price": 45000, "display": "F"}}
    )
    assert response.status_code == 200 and response.json()["product"]["shop_no"] == 2
    shop1 = client.get("products/9").json()["product"]
    shop2 = client.get("products/9", params={"shop_no": 2}).json()["product"]
    assert (shop1["product_name"], shop1["price"], shop1["display"]) == (base["product_name"], base["price"], base["display"])
    assert (shop2["product_name"], shop2["price"], shop2["display"]) == ("Linen Shirt (EN)", "45000.00", "F")
    hidden2 = client.get("products", params={"shop_no": 2, "display": "F", "limit": 100}).json()["products"]
    assert 9 in [p["product_no"] for p in hidden2]
    assert client.put("products/9", json={"shop_no": 2, "request": {"price": 45000}}).status_code == 409
    # stock is shared by the shops
    code = client.get("products/9/variants").json()["variants"][0]["variant_code"]
    client.put(f"products/9/variants/{code}", json={"shop_no": 2, "request": {"quantity": 31}})
    assert client.get(f"products/9/variants/{code}").json()["variant"]["quantity"] == 31


def test_offset_pages_are_consecutive_slices(client):
    everything = [p["product_no"] for p in client.get("products", params={"limit": 100}).json()["products"]]
    pages = []
    for offset in range(0, 30, 7):
        pages += [p["product_no"] for p in client.get("products", params={"limit": 7, "offset": offset}).json()["products"]]
    assert pages == everything
    displayed = [p["product_no"] for p in client.get("products", params={"display": "T", "limit": 100}).json()["products"]]
    second = [
        p["product_no"] for p in client.get("products", params={"display": "T", "limit": 5, "offset": 5}).json()["products"]
    ]
    assert second == displayed[5:10]
