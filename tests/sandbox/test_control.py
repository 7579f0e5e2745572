"""Control API: faults, merchant edits, new orders, call logs and counters, webhooks, time."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

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


@pytest.mark.parametrize("kind", ["500", "503", "504"])
def test_injected_server_errors_hit_the_next_matching_calls_only(sandbox, client, kind):
    _fault(sandbox, kind=kind, path="products", count=2)
    assert client.get("shops").status_code == 200  # other paths unaffected
    first, second, third = (client.get("products") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (int(kind), int(kind), 200)
    assert first.json()["error"]["code"] == int(kind)
    logs = httpx.get(f"{sandbox.base_url}/_sandbox/demomall/logs").json()["logs"]
    assert [row["fault"] for row in logs if row["endpoint"] == "products"] == [kind, kind, None]


def test_injected_429_with_and_without_retry_after(sandbox, client):
    _fault(sandbox, kind="429", path="orders*", count=1, retry_after=2)
    _fault(sandbox, kind="429", path="orders*", count=1)
    params = {"start_date": "2026-01-01", "end_date": "2026-01-02"}
    with_header, without = client.get("orders", params=params), client.get("orders", params=params)
    assert with_header.status_code == without.status_code == 429
    assert with_header.headers["Retry-After"] == "2" and "Retry-After" not in without.headers
    assert without.json() == {"error": {"code": 429, "message": "Too Many Requests"}}
    assert client.get("orders", params=params).status_code == 200


def test_injected_latency(sandbox, client):
    _fault(sandbox, kind="latency", path="shops", latency_ms=300)
    response = client.get("shops")
    assert response.status_code == 200 and response.elapsed.total_seconds() >= 0.3


def test_injected_malformed_record(sandbox, client):
    _fault(sandbox, kind="malformed", path="products", field="price", value="12,000원")
    bad = client.get("products", params={"limit": 3}).json()["products"]
    assert bad[0]["price"] == "12,000원" and bad[1]["price"].endswith(".00")
    _fault(sandbox, kind="malformed", path="products")
    dropped = client.get("products", params={"limit": 3}).json()["products"]
    assert "shop_no" not in dropped[0] and "shop_no" in dropped[1]


def test_fault_filters_by_method_and_bad_spec_is_400(sandbox, client):
    _fault(sandbox, kind="500", path="products/*", method="PUT")
    assert client.get("products/1").status_code == 200
    assert client.put("products/1", json={"request": {"display": "F"}}).status_code == 500
    assert httpx.post(f"{sandbox.base_url}/_sandbox/faults", json={"kind": "explode"}).status_code == 400
    _fault(sandbox, kind="503", path="nothing-matches")
    assert httpx.get(f"{sandbox.base_url}/_sandbox/faults").json()["faults"][0]["kind"] == "503"
    httpx.delete(f"{sandbox.base_url}/_sandbox/faults")
    assert httpx.get(f"{sandbox.base_url}/_sandbox/faults").json()["faults"] == []


def test_stats_count_calls_429s_and_writes_per_endpoint(sandbox, client):
    client.get("products")
    client.get("products/1")
    client.put("products/1", json={"request": {"price": 55500}})
    client.put("products/1", json={"request": {"price": 55500}})  # 409: not a write
    stats = httpx.get(f"{sandbox.base_url}/_sandbox/demomall/stats").json()
    assert stats["calls"]["GET products"] == 1
    assert stats["calls"]["GET products/{product_no:int}"] == 1
    assert stats["writes"] == {"PUT products/{product_no:int}": 1}
    assert stats["statuses"]["PUT products/{product_no:int} 409"] == 1
    httpx.delete(f"{sandbox.base_url}/_sandbox/demomall/stats")
    assert httpx.get(f"{sandbox.base_url}/_sandbox/demomall/stats").json()["total_calls"] == 0


def test_control_api_bypasses_auth_and_rejects_bad_input(sandbox):
    base = f"{sandbox.base_url}/_sandbox/demomall"
    assert httpx.get(f"{sandbox.base_url}/_sandbox/health").json()["ok"] is True
    assert httpx.post(f"{base}/orders", json={"status": "Z00"}).status_code == 400
    assert httpx.post(f"{base}/orders", json={"items": [{"variant_code": "NOPE"}]}).status_code == 404
    assert httpx.put(f"{base}/products/1", json={"price": "free"}).status_code == 422
    assert httpx.put(f"{base}/products/999999", json={"price": 1}).status_code == 404
    assert httpx.post(f"{sandbox.base_url}/_sandbox/nomall/orders", json={}).status_code == 404


def test_control_orders_use_given_items(sandbox, client):
    variants = client.get("products/1/variants").json()["variants"]
    made = httpx.post(
        f"{sandbox.base_url}/_sandbox/demomall/orders",
        json={"shop_no": 2, "status": "N20", "items": [{"variant_code": variants[0]["variant_code"], "quantity": 3}]},
    ).json()
    order = made["orders"][0]
    assert order["shop_no"] == 2
    items = client.get(f"orders/{order['order_id']}/items", params={"shop_no": 2}).json()["items"]
    assert (items[0]["variant_code"], items[0]["quantity"], items[0]["order_status"]) == (variants[0]["variant_code"], 3, "N20")
    assert client.get(f"orders/{order['order_id']}").status_code == 404  # shop 1 does not see shop 2's order


def test_merchant_delete_and_variant_edit(sandbox, client):
    base = f"{sandbox.base_url}/_sandbox/demomall"
    code = client.get("products/8/variants").json()["variants"][0]["variant_code"]
    httpx.put(f"{base}/products/8", json={"variants": [{"variant_code": code, "quantity": 4}]})
    assert client.get(f"products/8/variants/{code}").json()["variant"]["quantity"] == 4
    assert httpx.delete(f"{base}/products/8").json()["deleted"] is True
    assert client.get("products/8").status_code == 404


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict, dict]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Receiver.received.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        return


def test_webhooks_are_sent_with_api_key_and_logged(sandbox_factory):
    receiver = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{receiver.server_port}/hook"
        server = sandbox_factory(webhook_url=url, webhook_key="key-123")
        made = httpx.post(f"{server.base_url}/_sandbox/demomall/orders", json={"status": "N10"}).json()["orders"][0]
        httpx.post(f"{server.base_url}/_sandbox/demomall/orders/{made['order_id']}/status", json={"status": "N30"})
        logs = httpx.get(f"{server.base_url}/_sandbox/demomall/webhooks/logs", params={"wait": 5}).json()["logs"]
        events = [(h["X-API-Key"], b["event_no"], b["resource"]["order_id"]) for h, b in _Receiver.received]
        assert ("key-123", 90023, made["order_id"]) in events
        assert ("key-123", 90024, made["order_id"]) in events
        assert all(row["success"] == "T" and row["response_http_code"] == 200 for row in logs)
        with sandbox_client(server, scopes=["mall.read_application"]) as c:
            api_logs = c.get("webhooks/logs").json()["logs"]
        assert {row["event_no"] for row in api_logs} >= {90023, 90024}
        assert json.loads(api_logs[0]["request_body"])["resource"]["event_shop_no"] == "1"
    finally:
        receiver.shutdown()


def test_failed_webhook_is_resent_and_logged_as_failure(sandbox_factory):
    server = sandbox_factory(webhook_url="http://127.0.0.1:9/unreachable")
    httpx.post(f"{server.base_url}/_sandbox/demomall/orders", json={"status": "N10"})
    logs = httpx.get(f"{server.base_url}/_sandbox/demomall/webhooks/logs", params={"wait": 5}).json()["logs"]
    assert [(row["log_type"], row["success"]) for row in logs] == [("G", "F"), ("R", "F")]


def test_time_only_moves_forward(sandbox):
    assert httpx.post(f"{sandbox.base_url}/_sandbox/time", json={"advance_seconds": -5}).status_code == 400
    moved = httpx.post(f"{sandbox.base_url}/_sandbox/time", json={"advance_seconds": 3600}).json()
    assert moved["offset_seconds"] == 3600


def test_injected_truncated_body(sandbox, client):
    _fault(sandbox, kind="truncated", path="products")
    response = client.get("products")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert client.get("products").json()["products"]


def test_webhook_duplicates_when_configured(sandbox_factory):
    receiver = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        server = sandbox_factory(webhook_url=f"http://127.0.0.1:{receiver.server_port}/hook", webhook_duplicate_rate=1.0)
        made = httpx.post(f"{server.base_url}/_sandbox/demomall/orders", json={"status": "N10"}).json()["orders"][0]
        httpx.get(f"{server.base_url}/_sandbox/demomall/webhooks/logs", params={"wait": 5})
        placed = [b for _, b in _Receiver.received if b["event_no"] == 90023]
        assert len(placed) == 2 and placed[0] == placed[1] and placed[0]["resource"]["order_id"] == made["order_id"]
    finally:
        receiver.shutdown()
