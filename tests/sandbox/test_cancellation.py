"""Order cancellation contract: before shipping only, claim codes, stock recovery, 409, undo, bulk 207."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
import pytest

from tests.fixtures.sandbox import sandbox_client


@pytest.fixture
def client(sandbox):
    with sandbox_client(sandbox) as c:
        yield c


def _order(server, status, **extra):
    return httpx.post(f"{server.base_url}/_sandbox/demomall/orders", json={"count": 1, "status": status, **extra}).json()[
        "orders"
    ][0]


def test_cancel_paid_order_recovers_stock_and_sets_dates(sandbox, client):
    variant = client.get("products/3/variants").json()["variants"][0]
    made = _order(sandbox, "N20", items=[{"variant_code": variant["variant_code"], "quantity": 2}])
    before = client.get(f"products/3/variants/{variant['variant_code']}").json()["variant"]["quantity"]
    response = client.post(
        f"orders/{made['order_id']}/cancellation",
        json={
            "shop_no": 1,
            "request": {
                "status": "canceled",
                "recover_inventory": "T",
                "reason": "품절",
                "claim_reason_type": "H",
                "items": [{"order_item_code": made["items"][0]["order_item_code"], "quantity": 2}],
            },
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()["cancellation"]
    assert body["status"] == "canceled" and re.fullmatch(r"C\d{8}-\d{7}", body["claim_code"])
    assert body["items"] == [{"order_item_code": made["items"][0]["order_item_code"], "quantity": 2}]
    item = client.get(f"orders/{made['order_id']}/items").json()["items"][0]
    assert (item["order_status"], item["claim_code"], item["order_status_before_cs"]) == ("C40", body["claim_code"], "N20")
    assert item["cancel_date"]
    after = client.get(f"products/3/variants/{variant['variant_code']}").json()["variant"]["quantity"]
    assert after == before + 2
    order = client.get(f"orders/{made['order_id']}").json()["order"]
    assert order["canceled"] == "T" and order["cancel_date"].endswith("+09:00")
    again = client.post(f"orders/{made['order_id']}/cancellation", json={"request": {"status": "canceled"}})
    assert again.status_code == 422  # nothing left to cancel


def test_unpaid_order_cancel_is_c49(sandbox, client):
    made = _order(sandbox, "N00")
    response = client.post(f"orders/{made['order_id']}/cancellation", json={"request": {"status": "canceled"}})
    assert response.status_code == 201
    assert {i["order_status"] for i in client.get(f"orders/{made['order_id']}/items").json()["items"]} == {"C49"}


def test_shipped_items_cannot_be_cancelled(sandbox, client):
    made = _order(sandbox, "N30")
    code = made["items"][0]["order_item_code"]
    response = client.post(
        f"orders/{made['order_id']}/cancellation",
        json={"request": {"status": "canceled", "items": [{"order_item_code": code, "quantity": made["items"][0]["quantity"]}]}},
    )
    assert response.status_code == 422
    assert client.get(f"orders/{made['order_id']}/items").json()["items"][0]["order_status"] == "N30"
    assert client.post(f"orders/{made['order_id']}/cancellation", json={"request": {"status": "whatever"}}).status_code == 422


def test_cancel_in_progress_then_undo_restores_status(sandbox, client):
    made = _order(sandbox, "N10")
    created = client.post(f"orders/{made['order_id']}/cancellation", json={"request": {"status": "canceling"}}).json()[
        "cancellation"
    ]
    assert {i["order_status"] for i in client.get(f"orders/{made['order_id']}/items").json()["items"]} == {"C34"}
    undo = client.put(
        f"orders/{made['order_id']}/cancellation/{created['claim_code']}",
        json={
            "request": {
                "undone": "T",
                "recover_inventory": "F",
                "add_memo_too": "F",
                "undone_reason_type": "A",
                "expose_order_detail": "F",
            }
        },
    )
    assert undo.status_code == 200 and undo.json()["cancellation"]["undone"] == "T"
    assert {i["order_status"] for i in client.get(f"orders/{made['order_id']}/items").json()["items"]} == {"N10"}


def test_bulk_cancellation_207(sandbox, client):
    ok, shipped = _order(sandbox, "N20"), _order(sandbox, "N40")
    response = client.post(
        "cancellation",
        json={
            "shop_no": 1,
            "requests": [
                {"order_id": ok["order_id"], "status": "canceled"},
                {"order_id": shipped["order_id"], "status": "canceled"},
            ],
        },
    )
    assert response.status_code == 207
    body = response.json()
    assert [c["order_id"] for c in body["cancellation"]] == [ok["order_id"]]
    assert body["errors"][0]["error"]["code"] == 422


def _variant_with_stock(client, sandbox, product_no, quantity=50, **extra):
    code = client.get(f"products/{product_no}/variants").json()["variants"][0]["variant_code"]
    httpx.put(
        f"{sandbox.base_url}/_sandbox/demomall/products/{product_no}",
        json={"variants": [{"variant_code": code, "quantity": quantity, "use_inventory": "T", **extra}]},
    )
    return code


def _stock(client, product_no, code):
    return client.get(f"products/{product_no}/variants/{code}").json()["variant"]["quantity"]


def test_orders_take_stock_at_order_time_or_at_payment(sandbox, client):
    at_order = _variant_with_stock(client, sandbox, 5, 50, inventory_control_type="A")
    at_payment = _variant_with_stock(client, sandbox, 6, 50, inventory_control_type="B")
    untracked = _variant_with_stock(client, sandbox, 7, 50, use_inventory="F")
    made = _order(
        sandbox,
        "N00",
        items=[
            {"variant_code": at_order, "quantity": 2},
            {"variant_code": at_payment, "quantity": 3},
            {"variant_code": untracked, "quantity": 4},
        ],
    )
    assert (_stock(client, 5, at_order), _stock(client, 6, at_payment), _stock(client, 7, untracked)) == (48, 50, 50)
    httpx.post(f"{sandbox.base_url}/_sandbox/demomall/orders/{made['order_id']}/status", json={"status": "N10"})
    assert (_stock(client, 5, at_order), _stock(client, 6, at_payment), _stock(client, 7, untracked)) == (48, 47, 50)


def test_seller_cancels_some_items_and_gets_the_stock_back(sandbox, client):
    first, second = _variant_with_stock(client, sandbox, 8, 20), _variant_with_stock(client, sandbox, 9, 20)
    made = _order(sandbox, "N20", items=[{"variant_code": first, "quantity": 2}, {"variant_code": second, "quantity": 1}])
    assert (_stock(client, 8, first), _stock(client, 9, second)) == (18, 19)
    code = made["items"][0]["order_item_code"]
    response = client.post(
        f"orders/{made['order_id']}/cancellation",
        json={
            "shop_no": 1,
            "request": {"status": "canceled", "recover_inventory": "T", "items": [{"order_item_code": code, "quantity": 2}]},
        },
    )
    assert response.status_code == 201, response.text
    items = client.get(f"orders/{made['order_id']}/items").json()["items"]
    assert [(i["order_status"], i["status_code"]) for i in items] == [("C40", "C2"), ("N20", "N1")]
    assert (_stock(client, 8, first), _stock(client, 9, second)) == (20, 19)
    order = client.get(f"orders/{made['order_id']}").json()["order"]
    assert order["canceled"] == "M"


def test_seller_cancel_without_recover_inventory_keeps_stock_off(sandbox, client):
    code = _variant_with_stock(client, sandbox, 10, 9)
    made = _order(sandbox, "N10", items=[{"variant_code": code, "quantity": 3}])
    client.post(f"orders/{made['order_id']}/cancellation", json={"request": {"status": "canceled"}})
    assert _stock(client, 10, code) == 6  # recover_inventory defaults to F


def test_buyer_request_then_merchant_completes_it(sandbox, client):
    code = _variant_with_stock(client, sandbox, 11, 10)
    made = _order(sandbox, "N20", items=[{"variant_code": code, "quantity": 1}, {"product_no": 12}])
    item_code = made["items"][0]["order_item_code"]
    requested = httpx.post(
        f"{sandbox.base_url}/_sandbox/demomall/orders/{made['order_id']}/cancellation-request",
        json={"order_item_code": [item_code], "reason": "단순 변심"},
    )
    assert requested.status_code == 200, requested.text
    claim = requested.json()["claim_code"]
    assert requested.json()["items"] == [{"order_item_code": item_code, "order_status": "C00"}]
    item = client.get(f"orders/{made['order_id']}/items").json()["items"][0]
    assert (item["order_status"], item["claim_code"], item["order_status_before_cs"]) == ("C00", claim, "N20")
    requested_orders = client.get("orders", params={"order_id": made["order_id"], "order_status": "C00"}).json()
    assert [o["order_id"] for o in requested_orders["orders"]] == [made["order_id"]]
    done = client.post(
        f"orders/{made['order_id']}/cancellation",
        json={
            "request": {"status": "canceled", "recover_inventory": "T", "items": [{"order_item_code": item_code, "quantity": 1}]}
        },
    )
    assert done.status_code == 201 and done.json()["cancellation"]["claim_code"] == claim
    items = client.get(f"orders/{made['order_id']}/items").json()["items"]
    assert [i["order_status"] for i in items] == ["C40", "N20"] and items[0]["claim_code"] == claim
    assert _stock(client, 11, code) == 10
    again = client.post(
        f"orders/{made['order_id']}/cancellation",
        json={"request": {"status": "canceling", "items": [{"order_item_code": item_code, "quantity": 1}]}},
    )
    assert again.status_code == 422  # a finished cancellation does not go back to "in progress"


def test_buyer_request_world_path_c00_c10_c40(sandbox, client):
    made = _order(sandbox, "N10")
    base = f"{sandbox.base_url}/_sandbox/demomall/orders/{made['order_id']}"
    assert httpx.post(f"{base}/cancellation-request", json={}).status_code == 200
    for status in ("C10", "C40"):
        assert httpx.post(f"{base}/status", json={"status": status}).status_code == 200
        assert {i["order_status"] for i in client.get(f"orders/{made['order_id']}/items").json()["items"]} == {status}
    placed = datetime.strptime(made["order_id"][:8], "%Y%m%d").date()  # KST day of the order
    window = {"start_date": placed.isoformat(), "end_date": (placed + timedelta(days=1)).isoformat()}
    dated = client.get("orders", params={**window, "date_type": "cancel_complete_date"}).json()["orders"]
    assert made["order_id"] in [o["order_id"] for o in dated]
    assert httpx.post(f"{base}/cancellation-request", json={}).status_code == 422  # nothing left to cancel


def test_buyer_cancels_an_unpaid_order_at_once(sandbox, client):
    code = _variant_with_stock(client, sandbox, 13, 5, inventory_control_type="A")
    made = _order(sandbox, "N00", items=[{"variant_code": code, "quantity": 2}])
    assert _stock(client, 13, code) == 3
    base = f"{sandbox.base_url}/_sandbox/demomall/orders/{made['order_id']}"
    response = httpx.post(f"{base}/cancellation-request", json={})
    assert response.json()["items"][0]["order_status"] == "C47"
    item = client.get(f"orders/{made['order_id']}/items").json()["items"][0]
    assert (item["order_status"], item["status_code"]) == ("C47", "C1")
    assert _stock(client, 13, code) == 5
