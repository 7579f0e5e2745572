"""Order cancellation contract: before shipping only, claim codes, stock recovery, 409, undo, bulk 207."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.fixtures.sandbox import sandbox_client


@pytest.fixture
def client(sandbox):
    with sandbox_client(sandbox) as c:
        yield c


def _order(server, status, **extra):
    return httpx.post(f"{server.base_url}/_sandbox/demomall/orders",
                      json={"count": 1, "status": status, **extra}).json()["orders"][0]


def test_cancel_paid_order_recovers_stock_and_sets_dates(sandbox, client):
    variant = client.get("products/3/variants").json()["variants"][0]
    made = _order(sandbox, "N20", items=[{"variant_code": variant["variant_code"], "quantity": 2}])
    before = client.get(f"products/3/variants/{variant['variant_code']}").json()["variant"]["quantity"]
    response = client.post(f"orders/{made['order_id']}/cancellation", json={"shop_no": 1, "request": {
        "status": "canceled", "recover_inventory": "T", "reason": "품절", "claim_reason_type": "H",
        "items": [{"order_item_code": made["items"][0]["order_item_code"], "quantity": 2}]}})
    assert response.status_code == 201, response.text
    body = response.json()["cancellation"]
    assert body["status"] == "canceled" and re.fullmatch(r"C\d{8}-\d{7}", body["claim_code"])
    assert body["items"] == [{"order_item_code": made["items"][0]["order_item_code"], "quantity": 2}]
    item = client.get(f"orders/{made['order_id']}/items").json()["items"][0]
    assert (item["order_status"], item["claim_code"], item["order_status_before_cs"]) == \
        ("C40", body["claim_code"], "N20")
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
    response = client.post(f"orders/{made['order_id']}/cancellation", json={"request": {
        "status": "canceled", "items": [{"order_item_code": code, "quantity": made["items"][0]["quantity"]}]}})
    assert response.status_code == 422
    assert client.get(f"orders/{made['order_id']}/items").json()["items"][0]["order_status"] == "N30"
    assert client.post(f"orders/{made['order_id']}/cancellation",
                       json={"request": {"status": "whatever"}}).status_code == 422


def test_cancel_in_progress_then_undo_restores_status(sandbox, client):
    made = _order(sandbox, "N10")
    created = client.post(f"orders/{made['order_id']}/cancellation",
                          json={"request": {"status": "canceling"}}).json()["cancellation"]
    assert {i["order_status"] for i in client.get(f"orders/{made['order_id']}/items").json()["items"]} == {"C34"}
    undo = client.put(f"orders/{made['order_id']}/cancellation/{created['claim_code']}", json={"request": {
        "undone": "T", "recover_inventory": "F", "add_memo_too": "F", "undone_reason_type": "A",
        "expose_order_detail": "F"}})
    assert undo.status_code == 200 and undo.json()["cancellation"]["undone"] == "T"
    assert {i["order_status"] for i in client.get(f"orders/{made['order_id']}/items").json()["items"]} == {"N10"}


def test_bulk_cancellation_207(sandbox, client):
    ok, shipped = _order(sandbox, "N20"), _order(sandbox, "N40")
    response = client.post("cancellation", json={"shop_no": 1, "requests": [
        {"order_id": ok["order_id"], "status": "canceled"},
        {"order_id": shipped["order_id"], "status": "canceled"}]})
    assert response.status_code == 207
    body = response.json()
    assert [c["order_id"] for c in body["cancellation"]] == [ok["order_id"]]
    assert body["errors"][0]["error"]["code"] == 422
