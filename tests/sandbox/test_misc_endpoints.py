"""Less travelled paths: sorting, brand/category filters, receivers/buyer, deletes, webhook log filters."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.sandbox import sandbox_client


@pytest.fixture
def client(sandbox):
    with sandbox_client(sandbox) as c:
        yield c


def test_sort_by_updated_date_and_product_name(sandbox, client):
    httpx.put(f"{sandbox.base_url}/_sandbox/demomall/products/11", json={"touch": True})
    newest = client.get("products", params={"sort": "updated_date", "order": "desc", "limit": 1}).json()
    assert newest["products"][0]["product_no"] == 11
    names = [
        p["product_name"]
        for p in client.get("products", params={"sort": "product_name", "order": "asc", "limit": 100}).json()["products"]
    ]
    assert names == sorted(names)
    assert client.get("products", params={"sort": "price"}).status_code == 422
    ascending = [p["product_no"] for p in client.get("products", params={"order": "asc", "limit": 5}).json()["products"]]
    assert ascending == [1, 2, 3, 4, 5]
    default = [p["product_no"] for p in client.get("products", params={"limit": 3}).json()["products"]]
    assert default == [30, 29, 28]  # newest first, like Cafe24's example


def test_filters_brand_category_price_and_count_agree(client):
    products = client.get("products", params={"limit": 100}).json()["products"]
    brand = products[0]["brand_code"]
    by_brand = client.get("products", params={"brand_code": brand, "limit": 100}).json()["products"]
    assert {p["brand_code"] for p in by_brand} == {brand}
    assert client.get("products/count", params={"brand_code": brand}).json()["count"] == len(by_brand)
    detail = client.get(f"products/{products[0]['product_no']}").json()["product"]
    category = detail["category"][0]["category_no"]
    top = client.get(f"categories/{category}").json()["category"]["full_category_no"]["1"]
    direct = client.get("products", params={"category": category, "limit": 100}).json()["products"]
    nested = client.get("products", params={"category": top, "include_sub_category": "T", "limit": 100}).json()
    assert products[0]["product_no"] in [p["product_no"] for p in direct]
    assert products[0]["product_no"] in [p["product_no"] for p in nested["products"]]
    cheap = client.get("products", params={"price_max": 30000, "limit": 100}).json()["products"]
    assert all(float(p["price"]) <= 30000 for p in cheap)
    assert client.get("brands", params={"brand_code": brand}).json()["brands"][0]["brand_code"] == brand
    assert client.get("categories", params={"category_depth": 1, "limit": 100}).json()["categories"]
    assert client.get("categories/99999").status_code == 404


def test_receivers_and_buyer(sandbox, client):
    made = httpx.post(f"{sandbox.base_url}/_sandbox/demomall/orders", json={"status": "N10"}).json()["orders"][0]
    receivers = client.get(f"orders/{made['order_id']}/receivers").json()["receivers"]
    buyer = client.get(f"orders/{made['order_id']}/buyer").json()["buyer"]
    assert receivers[0]["address_full"].startswith(receivers[0]["address1"])
    assert buyer["name"] and buyer["email"]
    assert client.get("orders/20000101-0000001/items").status_code == 404


def test_delete_variant_and_shipment(sandbox, client):
    created = client.post(
        "products",
        json={
            "request": {
                "product_name": "삭제 테스트",
                "price": 1000,
                "supply_price": 500,
                "options": [{"name": "색상", "value": ["A", "B"]}],
            }
        },
    )
    number = created.json()["product"]["product_no"]
    codes = [v["variant_code"] for v in client.get(f"products/{number}/variants").json()["variants"]]
    deleted = client.delete(f"products/{number}/variants/{codes[0]}")
    assert deleted.json()["variant"]["variant_code"] == codes[0]
    assert client.delete(f"products/{number}/variants/{codes[1]}").status_code == 422  # the last one stays
    made = httpx.post(f"{sandbox.base_url}/_sandbox/demomall/orders", json={"status": "N20"}).json()["orders"][0]
    shipment = client.post(
        f"orders/{made['order_id']}/shipments",
        json={"request": {"tracking_no": "9", "shipping_company_code": "0004", "status": "standby"}},
    ).json()["shipments"][0]
    removed = client.delete(f"orders/{made['order_id']}/shipments/{shipment['shipping_code']}")
    assert removed.status_code == 200
    items = client.get(f"orders/{made['order_id']}/items").json()["items"]
    assert {i["order_status"] for i in items} == {"N20"} and all(i["shipping_code"] is None for i in items)


def test_revoke_by_refresh_token(sandbox):
    from tests.fixtures.sandbox import sandbox_tokens

    tokens = sandbox_tokens(sandbox)
    httpx.post(
        f"{sandbox.api_base('demomall')}/api/v2/oauth/revoke",
        data={"token": tokens["refresh_token"], "token_hint": "refresh_token"},
        auth=(sandbox.client_id, sandbox.client_secret),
    )
    api = httpx.get(
        f"{sandbox.api_base('demomall')}/api/v2/admin/shops", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert api.status_code == 401


def test_webhook_log_filters(sandbox_factory):
    server = sandbox_factory(webhook_url="http://127.0.0.1:9/unreachable")
    for _ in range(2):
        httpx.post(f"{server.base_url}/_sandbox/demomall/orders", json={"status": "N10"})
    httpx.get(f"{server.base_url}/_sandbox/demomall/webhooks/logs", params={"wait": 5})
    with sandbox_client(server, scopes=["mall.read_application"]) as c:
        everything = c.get("webhooks/logs").json()["logs"]
        resent = c.get("webhooks/logs", params={"log_type": "R"}).json()["logs"]
        later = c.get("webhooks/logs", params={"since_log_id": everything[0]["log_id"]}).json()["logs"]
        failed = c.get("webhooks/logs", params={"success": "F", "limit": 1}).json()["logs"]
        assert c.get("webhooks/logs", params={"log_type": "X"}).status_code == 422
        setting = c.get("webhooks/setting").json()["webhook"]
    assert len(everything) == 4 and len(resent) == 2 and len(later) == 3 and len(failed) == 1
    assert "mall.read_order" in setting["scopes"]
