"""Webhooks for a receiver and a log sweep: what each write emits (control API and Admin API alike), bulk events,
out-of-order and failed deliveries, and the delivery log API."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.fixtures.sandbox import sandbox_client
from tests.sandbox.webhook_receiver import webhook_receiver

KEY = "wh-key-0001"


@pytest.fixture
def hooked(sandbox_factory):
    with webhook_receiver() as receiver:
        server = sandbox_factory(webhook_url=receiver.url, webhook_key=KEY, webhook_resend_delay=0.01)
        with sandbox_client(server) as client:
            yield server, client, receiver


def _settle(server) -> list[dict]:
    """Wait until every queued delivery is done; returns the control API's view of the delivery log."""
    return httpx.get(f"{server.base_url}/_sandbox/demomall/webhooks/logs", params={"wait": 10}).json()["logs"]


def _control(server, method, path, body=None):
    response = httpx.request(method, f"{server.base_url}/_sandbox/{path}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _order(server, status="N20", **extra):
    return _control(server, "POST", "demomall/orders", {"count": 1, "status": status, **extra})["orders"][0]


def test_admin_api_writes_are_echoed_as_events_with_the_api_key(hooked):
    server, client, receiver = hooked
    made = _order(server, "N10")
    order_id = made["order_id"]
    client.put(f"orders/{order_id}", json={"request": {"process_status": "prepare"}})
    client.post(
        f"orders/{order_id}/shipments",
        json={"request": {"tracking_no": "EV-1", "shipping_company_code": "0006", "status": "shipping"}},
    )
    client.put("products/2", json={"shop_no": 2, "request": {"price": 12300}})
    _settle(server)
    assert {headers["X-API-Key"] for headers, _ in receiver.received} == {KEY}
    order_events = [
        (e["event_no"], e["resource"]["event_code"])
        for e in receiver.events(90023, 90024, 90162)
        if e["resource"]["order_id"] == order_id
    ]
    assert order_events == [
        (90023, "create_order"),
        (90024, "prepare_order"),
        (90024, "pickup_complete_order"),
        (90162, "update_invoice_no"),
    ]
    shipping = receiver.events(90024)[-1]["resource"]
    assert shipping["order_id"] == order_id and shipping["shipping_status"] == "M"
    assert "order_item_code" not in shipping and "items" not in shipping  # no item detail, as Cafe24 sends it
    tracking = receiver.events(90162)[-1]["resource"]
    assert (tracking["shipping_code"], tracking["tracking_no"], tracking["shipping_company_code"]) == (
        f"D-{order_id}-00",
        "EV-1",
        "0006",
    )
    product = receiver.events(90002)[-1]["resource"]
    assert (product["product_no"], product["event_shop_no"], product["price"]) == (2, "2", "12300.00")


def test_stock_crossing_zero_emits_90075_from_orders_and_pushes(hooked):
    server, client, receiver = hooked
    code = client.get("products/3/variants").json()["variants"][0]["variant_code"]
    _control(server, "PUT", "demomall/products/3", {"variants": [{"variant_code": code, "quantity": 1, "use_inventory": "T"}]})
    _settle(server)
    receiver.received.clear()
    _order(server, "N10", items=[{"variant_code": code, "quantity": 1}])  # 1 -> 0: sold out
    client.put(f"products/3/variants/{code}/inventories", json={"request": {"quantity": 0}})  # 409, no event
    client.put("products/3/variants", json={"requests": [{"variant_code": code, "quantity": 8}]})  # 0 -> 8
    client.put("products/3/variants", json={"requests": [{"variant_code": code, "quantity": 3}]})  # 8 -> 3: none
    _settle(server)
    stock = receiver.events(90075)
    assert [(e["resource"]["variant_code"], e["resource"]["status_text"]) for e in stock] == [
        (code, "In case that item stock is less than or equal 0"),
        (code, "In case that item stock is more than 0"),
    ]
    assert stock[0]["resource"]["product_no"] == 3
    assert [e["event_no"] for e in receiver.events()].count(90002) == 2  # the two bulk pushes that changed stock


def test_cancellation_return_exchange_events(hooked):
    server, client, receiver = hooked
    cancelled, returned, exchanged = _order(server, "N20"), _order(server, "N40"), _order(server, "N40")
    client.post(f"orders/{cancelled['order_id']}/cancellation", json={"request": {"status": "canceled"}})
    _control(server, "POST", f"demomall/orders/{returned['order_id']}/status", {"status": "R00"})
    _control(server, "POST", f"demomall/orders/{exchanged['order_id']}/status", {"status": "E00"})
    _settle(server)
    seen = {(e["event_no"], e["resource"]["order_id"], e["resource"]["event_code"]) for e in receiver.events()}
    assert {
        (90026, cancelled["order_id"], "cancel_order"),
        (90027, returned["order_id"], "return_order"),
        (90028, exchanged["order_id"], "exchange_order"),
    } <= seen


def test_payment_event_when_an_order_is_paid(hooked):
    server, _client, receiver = hooked
    made = _order(server, "N00")
    _control(server, "POST", f"demomall/orders/{made['order_id']}/status", {"status": "N10"})
    _settle(server)
    paid = receiver.events(90025)
    assert [(e["resource"]["order_id"], e["resource"]["event_code"], e["resource"]["paid"]) for e in paid] == [
        (made["order_id"], "paid_order", "T")
    ]


def test_bulk_calls_send_one_bulk_event_with_comma_joined_ids(hooked):
    server, client, receiver = hooked
    one, two = _order(server, "N20"), _order(server, "N20")
    shipped = client.post(
        "shipments",
        json={
            "requests": [
                {"order_id": o["order_id"], "tracking_no": f"B-{n}", "shipping_company_code": "0018", "status": "shipping"}
                for n, o in enumerate((one, two))
            ]
        },
    )
    assert shipped.status_code == 201
    c1, c2 = _order(server, "N10"), _order(server, "N10")
    client.post(
        "cancellation",
        json={
            "requests": [{"order_id": c1["order_id"], "status": "canceled"}, {"order_id": c2["order_id"], "status": "canceled"}]
        },
    )
    r1, r2 = _order(server, "N40"), _order(server, "N40")
    _control(server, "POST", "demomall/orders/status", {"order_ids": [r1["order_id"], r2["order_id"]], "status": "R10"})
    _settle(server)
    bulk = {e["event_no"]: e["resource"] for e in receiver.events(90071, 90072, 90074)}
    assert bulk[90071]["order_id"] == f"{one['order_id']},{two['order_id']}"
    assert bulk[90071]["event_code"] == "pickup_complete_order"
    assert bulk[90072]["order_id"] == f"{c1['order_id']},{c2['order_id']}"
    assert bulk[90074] == {
        "mall_id": "demomall",
        "event_shop_no": "1",
        "event_code": "return_order",
        "order_id": f"{r1['order_id']},{r2['order_id']}",
    }
    singles = {e["resource"]["order_id"] for e in receiver.events(90024, 90026, 90027)}
    assert not singles & {o["order_id"] for o in (one, two, c1, c2, r1, r2)}
    assert len(receiver.events(90162)) == 2  # tracking events stay per shipment


def test_held_events_are_delivered_out_of_order(hooked):
    server, _client, receiver = hooked
    state = _control(server, "POST", "webhooks", {"hold": True})
    assert state["holding"] is True and state["url"]
    made = [_order(server, "N10")["order_id"] for _ in range(3)]
    _settle(server)
    assert receiver.events(90023) == []
    assert _control(server, "GET", "webhooks")["held"] == 3
    released = _control(server, "POST", "webhooks/release", {"order": "reverse"})
    assert released["released"] == 3 and released["holding"] is False
    _settle(server)
    assert [e["resource"]["order_id"] for e in receiver.events(90023)] == made[::-1]
    assert httpx.post(f"{server.base_url}/_sandbox/webhooks/release", json={"order": "sideways"}).status_code == 400


def test_failing_deliveries_are_logged_for_a_sweep(hooked):
    server, _client, receiver = hooked
    _order(server, "N10")
    _settle(server)
    state = _control(server, "POST", "webhooks", {"fail": True, "fail_status": 503})
    assert (state["failing"], state["fail_status"]) == (True, 503)
    lost = _order(server, "N10")
    _settle(server)
    _control(server, "POST", "webhooks", {"fail": True, "fail_status": None})  # the receiver is down
    down = _order(server, "N10")
    _settle(server)
    _control(server, "POST", "webhooks", {"fail": False})
    back = _order(server, "N10")
    _settle(server)
    assert [e["resource"]["order_id"] for e in receiver.events(90023)][-1] == back["order_id"]
    assert lost["order_id"] not in [e["resource"]["order_id"] for e in receiver.events(90023)]
    with sandbox_client(server, scopes=["mall.read_application"]) as app:
        everything = app.get("webhooks/logs", params={"limit": 10000}).json()["logs"]
        failed = app.get("webhooks/logs", params={"success": "F"}).json()["logs"]
        resent = app.get("webhooks/logs", params={"success": "F", "log_type": "R"}).json()["logs"]
        after = app.get("webhooks/logs", params={"since_log_id": everything[0]["log_id"]}).json()["logs"]
        assert app.get("webhooks/logs", params={"limit": 10001}).status_code == 422
        assert app.get("webhooks/logs", params={"success": "X"}).status_code == 422
    failed_orders = {json.loads(row["request_body"])["resource"]["order_id"] for row in failed}
    assert failed_orders == {lost["order_id"], down["order_id"]}
    assert {(row["log_type"], row["response_http_code"]) for row in failed} == {("G", 503), ("R", 503), ("G", None), ("R", None)}
    assert len(resent) == 2 and all(row["success"] == "F" for row in failed)
    assert [row["log_id"] for row in after] == [row["log_id"] for row in everything[1:]]
    assert set(everything[0]) == {
        "log_id",
        "log_type",
        "event_no",
        "mall_id",
        "trace_id",
        "requested_time",
        "request_endpoint",
        "request_body",
        "success",
        "response_http_code",
        "response_body",
    }


def test_a_receiver_answering_500_is_a_failed_delivery(hooked):
    server, _client, receiver = hooked
    receiver.status = 500
    made = _order(server, "N10")
    logs = _settle(server)
    rows = [row for row in logs if made["order_id"] in row["request_body"]]
    assert [(row["log_type"], row["success"], row["response_http_code"]) for row in rows] == [("G", "F", 500), ("R", "F", 500)]
    assert len(receiver.events(90023)) == 2  # the receiver saw both attempts


def test_webhook_control_changes_only_what_is_sent(hooked):
    server, _client, receiver = hooked
    state = _control(server, "POST", "webhooks", {"key": "rotated-key"})
    assert state["url"] == receiver.url
    _order(server, "N10")
    _settle(server)
    assert receiver.received[-1][0]["X-API-Key"] == "rotated-key"
    assert _control(server, "POST", "webhooks", {"duplicate_rate": 1.0})["duplicate_rate"] == 1.0
    twice = _order(server, "N10")
    _settle(server)
    assert [e["resource"]["order_id"] for e in receiver.events(90023)].count(twice["order_id"]) == 2
    _control(server, "POST", "webhooks", {"duplicate_rate": 0})
    assert _control(server, "POST", "webhooks", {"url": None})["url"] is None
    _order(server, "N10")
    _settle(server)
    assert len(receiver.events(90023)) == 3
    assert httpx.post(f"{server.base_url}/_sandbox/webhooks", json={"fail": True, "fail_status": 42}).status_code == 400
