"""Order fulfilment as a pipeline drives it: prepare, hold, split shipments, tracking, and what the world does
(carrier delivers, buyer confirms, a sales channel ships with its own tracking number)."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.sandbox import sandbox_client


@pytest.fixture
def client(sandbox):
    with sandbox_client(sandbox) as c:
        yield c


def _order(server, status="N10", items=3):
    products = [1, 2, 3, 4][:items]
    response = httpx.post(
        f"{server.base_url}/_sandbox/demomall/orders",
        json={"count": 1, "status": status, "items": [{"product_no": n, "quantity": 1} for n in products]},
    )
    assert response.status_code == 200, response.text
    order = response.json()["orders"][0]
    return order["order_id"], [i["order_item_code"] for i in order["items"]]


def _control(server, path, body=None):
    return httpx.post(f"{server.base_url}/_sandbox/demomall/{path}", json=body or {})


def _statuses(client, order_id):
    return {i["order_item_code"]: i["order_status"] for i in client.get(f"orders/{order_id}/items").json()["items"]}


def _ship(client, order_id, codes, tracking, status="standby", company="0006"):
    request = {"tracking_no": tracking, "shipping_company_code": company, "status": status}
    if codes is not None:
        request["order_item_code"] = codes
    return client.post(f"orders/{order_id}/shipments", json={"shop_no": 1, "request": request})


def test_prepare_per_item_only_from_n10(sandbox, client):
    order_id, codes = _order(sandbox, "N10")
    response = client.put(
        f"orders/{order_id}", json={"shop_no": 1, "request": {"process_status": "prepare", "order_item_code": codes[:2]}}
    )
    assert response.status_code == 200, response.text
    assert response.json()["order"]["order_item_code"] == codes[:2]
    assert _statuses(client, order_id) == {codes[0]: "N20", codes[1]: "N20", codes[2]: "N10"}
    again = client.put(f"orders/{order_id}", json={"request": {"process_status": "prepare", "order_item_code": codes[:1]}})
    assert again.status_code == 409
    back = client.put(f"orders/{order_id}", json={"request": {"process_status": "prepareproduct", "order_item_code": codes[1:2]}})
    assert back.status_code == 200 and _statuses(client, order_id)[codes[1]] == "N10"


def test_prepare_rejects_unpaid_and_claimed_items(sandbox, client):
    unpaid_id, unpaid_codes = _order(sandbox, "N00", items=1)
    response = client.put(f"orders/{unpaid_id}", json={"request": {"process_status": "prepare", "order_item_code": unpaid_codes}})
    assert response.status_code == 422 and "(parameter.process_status)" in response.json()["error"]["message"]
    order_id, codes = _order(sandbox, "N10", items=2)
    _control(sandbox, f"orders/{order_id}/items/{codes[0]}/status", {"status": "C40"})
    named = client.put(f"orders/{order_id}", json={"request": {"process_status": "prepare", "order_item_code": [codes[0]]}})
    assert named.status_code == 422
    returned_id, returned_codes = _order(sandbox, "N40", items=1)
    _control(sandbox, f"orders/{returned_id}/status", {"status": "R10"})
    assert (
        client.put(
            f"orders/{returned_id}", json={"request": {"process_status": "prepare", "order_item_code": returned_codes}}
        ).status_code
        == 422
    )
    whole = client.put(f"orders/{order_id}", json={"request": {"process_status": "prepare"}})
    assert whole.status_code == 200  # without a list, only the eligible item moves
    assert _statuses(client, order_id) == {codes[0]: "C40", codes[1]: "N20"}


def test_hold_and_unhold_go_back_to_the_status_before_hold(sandbox, client):
    order_id, codes = _order(sandbox, "N10", items=2)
    client.put(f"orders/{order_id}", json={"request": {"process_status": "prepare", "order_item_code": [codes[1]]}})
    held = client.put(f"orders/{order_id}", json={"request": {"process_status": "hold"}})
    assert held.status_code == 200 and set(_statuses(client, order_id).values()) == {"N22"}
    order = client.get(f"orders/{order_id}").json()["order"]
    assert order["shipping_status"] == "W"
    assert client.put(f"orders/{order_id}", json={"request": {"process_status": "prepare"}}).status_code == 422
    released = client.put(f"orders/{order_id}", json={"request": {"process_status": "unhold"}})
    assert released.status_code == 200
    assert _statuses(client, order_id) == {codes[0]: "N10", codes[1]: "N20"}
    assert client.put(f"orders/{order_id}", json={"request": {"process_status": "unhold"}}).status_code == 422


def test_split_shipments_get_their_own_codes_and_tracking(sandbox, client):
    order_id, codes = _order(sandbox, "N20")
    first = _ship(client, order_id, codes[:2], "TRACK-A-1", "standby")
    second = _ship(client, order_id, codes[2:], "TRACK-B-2", "shipping", company="0018")
    assert first.status_code == second.status_code == 201
    assert first.json()["shipments"][0]["shipping_code"] == f"D-{order_id}-00"
    assert second.json()["shipments"][0] == {
        "shop_no": 1,
        "shipping_code": f"D-{order_id}-01",
        "order_id": order_id,
        "status": "shipping",
        "tracking_no": "TRACK-B-2",
        "shipping_company_code": "0018",
        "order_item_code": codes[2:],
        "carrier_id": second.json()["shipments"][0]["carrier_id"],
    }
    items = {i["order_item_code"]: i for i in client.get(f"orders/{order_id}/items").json()["items"]}
    assert [
        (items[c]["order_status"], items[c]["shipping_code"], items[c]["tracking_no"], items[c]["shipping_company_code"])
        for c in codes
    ] == [
        ("N21", f"D-{order_id}-00", "TRACK-A-1", "0006"),
        ("N21", f"D-{order_id}-00", "TRACK-A-1", "0006"),
        ("N30", f"D-{order_id}-01", "TRACK-B-2", "0018"),
    ]
    listed = client.get(f"orders/{order_id}/shipments").json()["shipments"]
    assert [(s["shipping_code"], [i["order_item_code"] for i in s["items"]]) for s in listed] == [
        (f"D-{order_id}-00", codes[:2]),
        (f"D-{order_id}-01", codes[2:]),
    ]
    assert client.get(f"orders/{order_id}").json()["order"]["shipping_status"] == "M"


def test_an_item_ships_in_one_shipment_only(sandbox, client):
    order_id, codes = _order(sandbox, "N20", items=2)
    assert _ship(client, order_id, [codes[0]], "ONE-1").status_code == 201
    twice = _ship(client, order_id, [codes[0]], "OTHER-2")
    assert twice.status_code == 422 and "(parameter.order_item_code)" in twice.json()["error"]["message"]
    assert _ship(client, order_id, [codes[0]], "ONE-1").status_code == 409  # the same request again
    assert len(client.get(f"orders/{order_id}/shipments").json()["shipments"]) == 1


def test_shipment_input_rules(sandbox, client):
    order_id, codes = _order(sandbox, "N20", items=1)
    too_long = _ship(client, order_id, codes, "1" * 41)
    assert too_long.status_code == 422 and "(parameter.tracking_no)" in too_long.json()["error"]["message"]
    no_company = client.post(f"orders/{order_id}/shipments", json={"request": {"tracking_no": "1", "status": "standby"}})
    assert "(parameter.shipping_company_code)" in no_company.json()["error"]["message"]
    assert _ship(client, order_id, codes, "1", status="shipped").status_code == 422  # POST takes standby/shipping
    assert _ship(client, order_id, codes, "1" * 40).status_code == 201
    code = f"D-{order_id}-00"
    both = client.put(
        f"orders/{order_id}/shipments/{code}",
        json={"request": {"status": "shipping", "tracking_no": "2", "shipping_company_code": "0006"}},
    )
    assert both.status_code == 422
    tracking = client.put(
        f"orders/{order_id}/shipments/{code}", json={"request": {"tracking_no": "NEW-TRACK", "shipping_company_code": "0079"}}
    )
    assert tracking.status_code == 200 and tracking.json()["shipment"]["tracking_no"] == "NEW-TRACK"
    item = client.get(f"orders/{order_id}/items").json()["items"][0]
    assert (item["tracking_no"], item["shipping_company_code"], item["order_status"]) == ("NEW-TRACK", "0079", "N21")


def test_standby_shipping_shipped_through_put(sandbox, client):
    order_id, codes = _order(sandbox, "N20", items=1)
    _ship(client, order_id, codes, "PUT-FLOW")
    code = f"D-{order_id}-00"
    assert (
        client.put(f"orders/{order_id}/shipments/{code}", json={"request": {"status": "shipping"}}).json()["shipment"]["status"]
        == "shipping"
    )
    assert _statuses(client, order_id) == {codes[0]: "N30"}
    assert client.put(f"orders/{order_id}/shipments/{code}", json={"request": {"status": "shipped"}}).status_code == 200
    assert _statuses(client, order_id) == {codes[0]: "N40"}
    assert client.put(f"orders/{order_id}/shipments/{code}", json={"request": {"status": "standby"}}).status_code == 422


def test_world_carrier_delivers_and_buyer_confirms(sandbox, client):
    order_id, codes = _order(sandbox, "N20", items=2)
    _ship(client, order_id, [codes[0]], "W-1", "shipping")
    _ship(client, order_id, [codes[1]], "W-2", "standby")
    delivered = _control(sandbox, f"orders/{order_id}/deliver")
    assert delivered.status_code == 200, delivered.text
    assert [i["order_item_code"] for i in delivered.json()["items"]] == [codes[0]]  # only what is in transit
    assert _statuses(client, order_id) == {codes[0]: "N40", codes[1]: "N21"}
    shipments = {s["shipping_code"]: s for s in client.get(f"orders/{order_id}/shipments").json()["shipments"]}
    assert shipments[f"D-{order_id}-00"]["items"][0]["status"] == "shipped"
    assert _control(sandbox, f"orders/{order_id}/deliver", {"shipping_code": f"D-{order_id}-01"}).status_code == 409
    assert _control(sandbox, f"orders/{order_id}/deliver", {"shipping_code": "D-nope-00"}).status_code == 404
    confirmed = _control(sandbox, f"orders/{order_id}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["items"][0]["order_status"] == "N50"
    assert _statuses(client, order_id) == {codes[0]: "N50", codes[1]: "N21"}
    assert _control(sandbox, f"orders/{order_id}/confirm", {"order_item_code": [codes[1]]}).status_code == 409
    item = client.get(f"orders/{order_id}/items").json()["items"][0]
    assert item["delivered_date"] and item["purchaseconfirmation_date"]


def test_shipped_by_sales_channel_shows_its_tracking_to_the_app(sandbox, client):
    order_id, codes = _order(sandbox, "N10", items=2)
    response = _control(
        sandbox,
        f"orders/{order_id}/shipments",
        {"tracking_no": "CHANNEL-777", "shipping_company_code": "0012", "order_item_code": [codes[0]]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["shipment"]["shipping_code"] == f"D-{order_id}-00"
    listed = client.get(f"orders/{order_id}/shipments").json()["shipments"]
    assert [(s["tracking_no"], s["shipping_company_code"], [i["status"] for i in s["items"]]) for s in listed] == [
        ("CHANNEL-777", "0012", ["shipping"])
    ]
    items = {i["order_item_code"]: i for i in client.get(f"orders/{order_id}/items").json()["items"]}
    assert (items[codes[0]]["order_status"], items[codes[0]]["tracking_no"], items[codes[0]]["shipping_code"]) == (
        "N30",
        "CHANNEL-777",
        f"D-{order_id}-00",
    )
    assert items[codes[1]]["tracking_no"] is None
    assert _ship(client, order_id, [codes[0]], "APP-1").status_code == 422  # the app cannot ship it again
    delivered = _control(
        sandbox,
        f"orders/{order_id}/shipments",
        {"tracking_no": "CHANNEL-778", "shipping_company_code": "0012", "status": "shipped"},
    )
    assert delivered.status_code == 200
    assert _statuses(client, order_id) == {codes[0]: "N30", codes[1]: "N40"}
    bad = _control(sandbox, f"orders/{order_id}/shipments", {"tracking_no": "X", "shipping_company_code": "12"})
    assert bad.status_code == 422
