"""Orders contract: date windows, caps, shop_no, filters, embeds, status changes and shipments."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.fixtures.sandbox import sandbox_client

KST = timezone(timedelta(hours=9))


def _window(days_back: int = 89, until: datetime | None = None) -> dict[str, str]:
    end = until or datetime.now(KST)
    return {"start_date": (end - timedelta(days=days_back)).date().isoformat(), "end_date": end.date().isoformat()}


def _all_orders(client, params) -> list[dict]:
    rows, offset = [], 0
    while True:
        page = client.get("orders", params={**params, "limit": 1000, "offset": offset}).json()["orders"]
        rows += page
        if len(page) < 1000:
            return rows
        offset += 1000


@pytest.fixture
def client(sandbox):
    with sandbox_client(sandbox) as c:
        yield c


def _new_order(server, **body):
    response = httpx.post(f"{server.base_url}/_sandbox/demomall/orders", json={"count": 1, **body})
    assert response.status_code == 200, response.text
    return response.json()["orders"][0]


def test_dates_are_required_and_window_is_at_most_three_months(client):
    missing = client.get("orders")
    assert missing.status_code == 422 and "start_date" in missing.json()["error"]["message"]
    assert client.get("orders", params={"start_date": "2026-01-01"}).status_code == 422
    too_long = client.get("orders", params={"start_date": "2026-01-01", "end_date": "2026-04-02"})
    assert too_long.status_code == 422
    assert client.get("orders", params={"start_date": "2026-01-01", "end_date": "2026-04-01"}).status_code == 200
    assert client.get("orders/count", params={"start_date": "2026-01-01", "end_date": "2026-05-01"}).status_code == 422


def test_limit_and_offset_caps(client):
    assert client.get("orders", params={**_window(), "limit": 1001}).status_code == 422
    assert client.get("orders", params={**_window(), "offset": 15001}).status_code == 422
    assert client.get("orders", params={**_window(), "limit": 1000, "offset": 15000}).status_code == 200


def test_orders_span_120_days_in_two_shops_with_a_realistic_status_mix(client):
    now = datetime.now(KST)
    recent = _all_orders(client, _window(89)) + _all_orders(client, {**_window(89), "shop_no": 2})
    older = _all_orders(client, _window(40, now - timedelta(days=90))) + _all_orders(
        client, {**_window(40, now - timedelta(days=90)), "shop_no": 2}
    )
    ids = [o["order_id"] for o in recent + older]
    assert len(ids) == len(set(ids)) == 60
    assert {o["shop_no"] for o in recent + older} == {1, 2}
    assert all(re.fullmatch(r"\d{8}-\d{7}", i) for i in ids)
    for order in recent + older:
        assert order["order_date"].endswith("+09:00")
        assert re.fullmatch(r"\d+\.\d\d", order["payment_amount"])


def test_shop_no_defaults_to_1(client):
    shop1 = _all_orders(client, _window())
    shop2 = _all_orders(client, {**_window(), "shop_no": 2})
    assert shop1 and all(o["shop_no"] == 1 for o in shop1)
    assert all(o["shop_no"] == 2 for o in shop2)
    assert not {o["order_id"] for o in shop1} & {o["order_id"] for o in shop2}
    count1 = client.get("orders/count", params=_window()).json()["count"]
    assert count1 == len(shop1)


def test_paging_with_offset_and_links(client):
    everything = _all_orders(client, _window())
    first = client.get("orders", params={**_window(), "limit": 5}).json()
    second = client.get("orders", params={**_window(), "limit": 5, "offset": 5}).json()
    assert [o["order_id"] for o in first["orders"] + second["orders"]] == [o["order_id"] for o in everything[:10]]
    assert first["links"][0]["rel"] == "next" and "offset=5" in first["links"][0]["href"]


def test_embed_items_receivers_buyer(client):
    order = client.get("orders", params={**_window(), "limit": 1, "embed": "items,receivers,buyer"}).json()["orders"][0]
    assert order["items"] and order["receivers"] and order["buyer"]["member_id"] == order["member_id"]
    for number, item in enumerate(order["items"], start=1):
        assert item["order_item_code"] == f"{order['order_id']}-{number:02d}"
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", item["ordered_date"])
        assert len(item["variant_code"]) == 12 and item["variant_code"].startswith(item["product_code"])
        assert item["order_status"][0] in "NCRE"
    items = client.get(f"orders/{order['order_id']}/items").json()["items"]
    assert [i["order_item_code"] for i in items] == [i["order_item_code"] for i in order["items"]]


def test_order_id_list_needs_no_dates_and_status_filter(sandbox, client):
    made = _new_order(sandbox, status="N10")
    found = client.get("orders", params={"order_id": made["order_id"]}).json()["orders"]
    assert [o["order_id"] for o in found] == [made["order_id"]]
    n10 = client.get("orders", params={**_window(1), "order_status": "N10", "embed": "items"}).json()["orders"]
    assert made["order_id"] in [o["order_id"] for o in n10]
    assert all(any(i["order_status"] == "N10" for i in o["items"]) for o in n10)
    assert client.get("orders", params={**_window(), "order_status": "X99"}).status_code == 422


def test_date_type_uses_event_dates(sandbox, client):
    made = _new_order(sandbox, status="N10")
    window = {**_window(1), "date_type": "shipbegin_date"}
    before = [o["order_id"] for o in _all_orders(client, window)]
    assert made["order_id"] not in before
    moved = httpx.post(f"{sandbox.base_url}/_sandbox/demomall/orders/{made['order_id']}/status", json={"status": "N30"}).json()
    assert "shipbegin_date" in moved["order_events"] and "pay_date" in moved["order_events"]
    after = [o["order_id"] for o in _all_orders(client, window)]
    assert made["order_id"] in after
    item = client.get(f"orders/{made['order_id']}/items").json()["items"][0]
    assert item["order_status"] == "N30" and item["shipped_date"] is not None
    assert client.get("orders", params={**_window(), "date_type": "bogus"}).status_code == 422


def test_cancel_return_exchange_set_claim_dates(sandbox, client):
    made = _new_order(sandbox, status="N10")
    code = made["items"][0]["order_item_code"]
    httpx.post(f"{sandbox.base_url}/_sandbox/demomall/orders/{made['order_id']}/items/{code}/status", json={"status": "C40"})
    cancelled = client.get("orders", params={**_window(1), "date_type": "cancel_complete_date"}).json()["orders"]
    assert made["order_id"] in [o["order_id"] for o in cancelled]
    item = client.get(f"orders/{made['order_id']}/items").json()["items"][0]
    assert item["order_status"] == "C40" and item["status_code"] == "C2" and item["cancel_date"]


def test_prepare_moves_n10_to_n20_then_409(sandbox, client):
    made = _new_order(sandbox, status="N10")
    order_id = made["order_id"]
    response = client.put(f"orders/{order_id}", json={"shop_no": 1, "request": {"process_status": "prepare"}})
    assert response.status_code == 200, response.text
    assert response.json()["order"]["process_status"] == "prepare"
    assert "order_id" not in response.json()["order"]
    assert {i["order_status"] for i in client.get(f"orders/{order_id}/items").json()["items"]} == {"N20"}
    again = client.put(f"orders/{order_id}", json={"shop_no": 1, "request": {"process_status": "prepare"}})
    assert again.status_code == 409
    bad = client.put(f"orders/{order_id}", json={"request": {"process_status": "teleport"}})
    assert bad.status_code == 422


def test_bulk_order_update_207_on_mixed_results(sandbox, client):
    one, two = _new_order(sandbox, status="N10"), _new_order(sandbox, status="N10")
    response = client.put(
        "orders",
        json={
            "shop_no": 1,
            "requests": [
                {"order_id": one["order_id"], "process_status": "prepare"},
                {"order_id": "20000101-0000001", "process_status": "prepare"},
                {"order_id": two["order_id"], "process_status": "prepare"},
            ],
        },
    )
    assert response.status_code == 207
    body = response.json()
    assert [o["order_id"] for o in body["orders"]] == [one["order_id"], two["order_id"]]
    assert body["errors"][0]["order_id"] == "20000101-0000001" and body["errors"][0]["error"]["code"] == 404
    ok = client.put("orders", json={"requests": [{"order_id": one["order_id"], "process_status": "hold"}]})
    assert ok.status_code == 200
    too_many = client.put("orders", json={"requests": [{"order_id": one["order_id"]}] * 101})
    assert too_many.status_code == 422


def test_shipment_standby_shipping_shipped(sandbox, client):
    made = _new_order(sandbox, status="N20")
    order_id = made["order_id"]
    created = client.post(
        f"orders/{order_id}/shipments",
        json={
            "shop_no": 1,
            "request": {
                "tracking_no": "123456789012",
                "shipping_company_code": "0006",
                "status": "standby",
                "order_item_code": [made["items"][0]["order_item_code"]],
            },
        },
    )
    assert created.status_code == 201, created.text
    shipment = created.json()["shipments"][0]
    assert shipment["shipping_code"] == f"D-{order_id}-00" and shipment["status"] == "standby"
    assert client.get(f"orders/{order_id}/items").json()["items"][0]["order_status"] == "N21"
    duplicate = client.post(
        f"orders/{order_id}/shipments",
        json={
            "request": {
                "tracking_no": "123456789012",
                "shipping_company_code": "0006",
                "status": "standby",
                "order_item_code": [made["items"][0]["order_item_code"]],
            }
        },
    )
    assert duplicate.status_code == 409
    code = shipment["shipping_code"]
    shipping = client.put(f"orders/{order_id}/shipments/{code}", json={"request": {"status": "shipping"}})
    assert shipping.status_code == 200 and shipping.json()["shipment"]["status"] == "shipping"
    item = client.get(f"orders/{order_id}/items").json()["items"][0]
    assert item["order_status"] == "N30" and item["tracking_no"] == "123456789012"
    assert item["shipping_company_code"] == "0006" and item["shipped_date"]
    assert client.put(f"orders/{order_id}/shipments/{code}", json={"request": {"status": "shipping"}}).status_code == 409
    both = client.put(f"orders/{order_id}/shipments/{code}", json={"request": {"status": "shipped", "tracking_no": "1"}})
    assert both.status_code == 422
    delivered = client.put(f"orders/{order_id}/shipments/{code}", json={"request": {"status": "shipped"}})
    assert delivered.status_code == 200
    item = client.get(f"orders/{order_id}/items").json()["items"][0]
    assert item["order_status"] == "N40" and item["delivered_date"]
    listed = client.get(f"orders/{order_id}/shipments").json()["shipments"]
    assert listed[0]["items"][0]["status"] == "shipped"
    shipped_window = client.get("orders", params={**_window(1), "date_type": "shipend_date"}).json()["orders"]
    assert order_id in [o["order_id"] for o in shipped_window]


def test_shipment_rejects_unpaid_or_bad_input(sandbox, client):
    unpaid = _new_order(sandbox, status="N00")
    response = client.post(
        f"orders/{unpaid['order_id']}/shipments",
        json={"request": {"tracking_no": "1", "shipping_company_code": "0006", "status": "standby"}},
    )
    assert response.status_code == 422
    paid = _new_order(sandbox, status="N20")
    assert (
        client.post(
            f"orders/{paid['order_id']}/shipments", json={"request": {"shipping_company_code": "0006", "status": "standby"}}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"orders/{paid['order_id']}/shipments",
            json={"request": {"tracking_no": "1", "shipping_company_code": "6", "status": "standby"}},
        ).status_code
        == 422
    )


def test_bulk_shipments_create_and_update(sandbox, client):
    one, two = _new_order(sandbox, status="N20"), _new_order(sandbox, status="N20")
    created = client.post(
        "shipments",
        json={
            "shop_no": 1,
            "requests": [
                {"order_id": one["order_id"], "tracking_no": "111", "shipping_company_code": "0018", "status": "shipping"},
                {"order_id": two["order_id"], "tracking_no": "222", "shipping_company_code": "0018", "status": "standby"},
            ],
        },
    )
    assert created.status_code == 201, created.text
    codes = [s["shipping_code"] for s in created.json()["shipments"]]
    updated = client.put(
        "shipments",
        json={
            "shop_no": 1,
            "requests": [{"shipping_code": codes[0], "status": "shipped"}, {"shipping_code": codes[1], "status": "standby"}],
        },
    )
    assert updated.status_code == 207
    assert updated.json()["errors"][0]["error"]["code"] == 409


def test_hidden_orders_are_only_found_by_id(sandbox, client):
    made = _new_order(sandbox, status="N10", hidden=True)
    listed = [o["order_id"] for o in _all_orders(client, _window(1))]
    assert made["order_id"] not in listed
    assert client.get("orders", params={"order_id": made["order_id"]}).json()["orders"]


def test_seeded_hidden_orders_are_missing_from_paging_and_counts(sandbox_factory):
    server = sandbox_factory(orders=300, hidden_order_ratio=0.1, shops_per_mall=1)
    hidden = [o.order_id for o in server.state.malls["demomall"].orders if o.hidden]
    assert hidden
    with sandbox_client(server) as c:
        now = datetime.now(KST)
        listed = set()
        for end_days in (0, 60):
            window = _window(59, now - timedelta(days=end_days))
            listed |= {o["order_id"] for o in _all_orders(c, window)}
        assert len(listed) == 300 - len(hidden) and not listed & set(hidden)
        found = c.get("orders", params={"order_id": ",".join(hidden[:100]), "limit": 100}).json()["orders"]
        assert len(found) == min(100, len(hidden))


def test_fields_and_descending_order(client):
    rows = client.get("orders", params={**_window(), "limit": 5, "fields": "order_id,order_date", "order": "desc"}).json()[
        "orders"
    ]
    assert all(set(r) == {"order_id", "order_date"} for r in rows)
    dates = [r["order_date"] for r in rows]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("statuses", ["N50", "N40,N50", "N20", "C40,R40,E40", "N10,N20,N21,N22"])
def test_status_filter_matches_a_full_scan(sandbox_factory, statuses):
    server = sandbox_factory(orders=400)
    wanted = set(statuses.split(","))
    with sandbox_client(server) as c:
        window = _window(89)
        everything = _all_orders(c, {**window, "embed": "items"})
        expected = [o["order_id"] for o in everything if any(i["order_status"] in wanted for i in o["items"])]
        filtered = _all_orders(c, {**window, "order_status": statuses})
        assert [o["order_id"] for o in filtered] == expected
        count = c.get("orders/count", params={**window, "order_status": statuses}).json()["count"]
        assert count == len(expected)
        newest_first = _all_orders(c, {**window, "order_status": statuses, "order": "desc"})
        assert [o["order_id"] for o in newest_first] == expected[::-1]
        if expected:  # a move updates the status index
            first = expected[0]
            httpx.post(f"{server.base_url}/_sandbox/demomall/orders/{first}/status", json={"status": "E00"})
            after = [o["order_id"] for o in _all_orders(c, {**window, "order_status": statuses})]
            assert first not in after


def test_items_keep_the_name_and_price_at_order_time(sandbox, client):
    variant = client.get("products/4/variants").json()["variants"][0]
    made = _new_order(sandbox, status="N10", items=[{"variant_code": variant["variant_code"]}])
    before = client.get(f"orders/{made['order_id']}/items").json()["items"][0]
    httpx.put(f"{sandbox.base_url}/_sandbox/demomall/products/4", json={"product_name": "새 이름", "price": 99900})
    after = client.get(f"orders/{made['order_id']}/items").json()["items"][0]
    assert (after["product_name"], after["product_price"]) == (before["product_name"], before["product_price"])
    assert client.get("products/4").json()["product"]["product_name"] == "새 이름"
