"""Faults on writes: the write is applied and the answer is lost (applied_504, applied_latency), and the
stall before handling (latency) still applies the write."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.sandbox import sandbox_client


@pytest.fixture
def client(sandbox):
    with sandbox_client(sandbox) as c:
        yield c


def _fault(server, **spec):
    response = httpx.post(f"{server.base_url}/_sandbox/faults", json=spec)
    assert response.status_code == 200, response.text
    return response.json()["fault"]


def _order(server, status="N20"):
    response = httpx.post(f"{server.base_url}/_sandbox/demomall/orders", json={"count": 1, "status": status})
    assert response.status_code == 200, response.text
    return response.json()["orders"][0]


def _log(server, endpoint, method="PUT"):
    rows = httpx.get(f"{server.base_url}/_sandbox/demomall/logs").json()["logs"]
    return [row for row in rows if row["endpoint"] == endpoint and row["method"] == method]


def test_applied_504_on_shipment_create_leaves_exactly_one_shipment(sandbox, client):
    made = _order(sandbox, "N20")
    order_id = made["order_id"]
    _fault(sandbox, kind="applied_504", path="orders/*/shipments", method="POST", mall="demomall", count=1)
    request = {"shop_no": 1, "request": {"tracking_no": "555000111", "shipping_company_code": "0006", "status": "shipping"}}
    first = client.post(f"orders/{order_id}/shipments", json=request)
    assert first.status_code == 504 and first.json()["error"]["code"] == 504
    shipments = client.get(f"orders/{order_id}/shipments").json()["shipments"]
    assert len(shipments) == 1 and shipments[0]["tracking_no"] == "555000111"
    retry = client.post(f"orders/{order_id}/shipments", json=request)  # the client's blind retry
    assert retry.status_code == 409
    assert len(client.get(f"orders/{order_id}/shipments").json()["shipments"]) == 1
    assert {i["order_status"] for i in client.get(f"orders/{order_id}/items").json()["items"]} == {"N30"}
    logged = _log(sandbox, "orders/{order_id}/shipments", "POST")
    assert [(r["status"], r["handled_status"], r["fault"]) for r in logged] == [(504, 201, "applied_504"), (409, 409, None)]
    stats = httpx.get(f"{sandbox.base_url}/_sandbox/demomall/stats").json()
    assert stats["writes"]["POST orders/{order_id}/shipments"] == 1  # applied, though the client saw 504


def test_applied_504_on_a_failing_write_changes_nothing(sandbox, client):
    before = client.get("products/2").json()["product"]["price"]
    _fault(sandbox, kind="applied_504", path="products/2", method="PUT")
    response = client.put("products/2", json={"request": {"price": "free"}})
    assert response.status_code == 504
    assert client.get("products/2").json()["product"]["price"] == before
    assert _log(sandbox, "products/{product_no:int}")[-1]["handled_status"] == 422


def test_applied_latency_times_the_client_out_after_the_write(sandbox, client):
    _fault(sandbox, kind="applied_latency", path="products/3", method="PUT", latency_ms=1500)
    with pytest.raises(httpx.ReadTimeout):
        client.put("products/3", json={"request": {"price": 43210}}, timeout=0.3)
    # no wait needed: the write was applied before the answer was held back
    assert client.get("products/3").json()["product"]["price"] == "43210.00"


def test_applied_latency_with_a_patient_client_gets_the_real_answer(sandbox, client):
    _fault(sandbox, kind="applied_latency", path="products/4", latency_ms=50)
    response = client.put("products/4", json={"request": {"display": "F", "selling": "F"}})
    assert response.status_code == 200 and response.json()["product"]["display"] == "F"


def test_latency_before_handling_applies_a_write_after_the_delay(sandbox, client):
    _fault(sandbox, kind="latency", path="products/5", method="PUT", latency_ms=100)
    response = client.put("products/5", json={"request": {"retail_price": 99000}})
    assert response.status_code == 200 and response.json()["product"]["retail_price"] == "99000.00"
    assert _log(sandbox, "products/{product_no:int}")[-1]["fault"] == "latency"


def test_latency_applies_the_write_even_when_the_client_gave_up(sandbox, client):
    _fault(sandbox, kind="latency", path="products/6", method="PUT", latency_ms=1000)
    with pytest.raises(httpx.ReadTimeout):
        client.put("products/6", json={"request": {"supply_price": 1234}}, timeout=0.2)
    idle = httpx.get(f"{sandbox.base_url}/_sandbox/inflight", params={"wait": 30}).json()
    assert idle == {"inflight": 0}
    assert client.get("products/6").json()["product"]["supply_price"] == "1234.00"


def test_fault_counts_and_scopes_by_mall_and_method(sandbox, client):
    _fault(sandbox, kind="applied_504", path="products/*", method="PUT", mall="othermall", count=1)
    assert client.put("products/7", json={"request": {"price": 1000}}).status_code == 200  # other mall's fault
    _fault(sandbox, kind="applied_504", path="products/*", method="PUT", count=2)
    assert client.get("products/7").status_code == 200  # GET is not matched
    codes = [client.put("products/7", json={"request": {"price": 1000 + n}}).status_code for n in range(1, 4)]
    assert codes == [504, 504, 200]
    assert client.get("products/7").json()["product"]["price"] == "1003.00"


def test_bad_fault_specs_are_400(sandbox):
    for spec in ({"kind": "applied_500"}, {"kind": "applied_latency", "latency_ms": -1}, {"kind": "applied_504", "count": 0}):
        assert httpx.post(f"{sandbox.base_url}/_sandbox/faults", json=spec).status_code == 400
