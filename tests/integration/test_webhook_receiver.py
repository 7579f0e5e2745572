"""The webhook receiver over real HTTP on loopback, on SQLite and PostgreSQL: authenticated events are
stored once (duplicates are normal), forged, unauthenticated, oversized and malformed requests are
rejected with nothing written, and personal data in a body is never stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

import httpx
import pytest

from cafe24_pipeline.store import Store
from cafe24_pipeline.store.webhooks import WebhookInbox
from cafe24_pipeline.webhooks.receiver import ReceiverConfig, build_app
from cafe24_pipeline.webhooks.server import ReceiverServer

KEY = "6f1c2a3e-0b9d-4c55-9a21-webhook-key"
ORDER_PLACED = {
    "event_no": 90023,
    "resource": {
        "mall_id": "shopa",
        "event_shop_no": "1",
        "order_id": "20261201-0000012",
        "buyer_name": "김하나",
        "buyer_email": "hana@example.com",
        "buyer_cellphone": "010-1234-5678",
        "order_price_amount": "30000.00",
    },
}


@pytest.fixture()
def inbox(store_url):
    with Store.open(store_url) as store:
        yield WebhookInbox(store)


def _post(server, body, *, key: str | None = KEY, headers=None) -> httpx.Response:  # noqa: ANN001
    content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    sent = {"Content-Type": "application/json", **(headers or {})}
    if key is not None:
        sent["X-API-Key"] = key
    return httpx.post(f"{server.url}/webhooks/cafe24", content=content, headers=sent, timeout=10)


def test_events_are_stored_once_without_personal_data(inbox):
    with ReceiverServer(build_app(ReceiverConfig(key=KEY), inbox), port=0) as server:
        first = _post(server, ORDER_PLACED)
        again = _post(server, ORDER_PLACED)
        bulk = _post(
            server,
            {
                "event_no": 90071,
                "resource": {"mall_id": "shopa", "event_shop_no": "1", "order_id": "20261201-0000012,20261201-0000013"},
            },
        )
        assert (first.status_code, first.json()["status"]) == (200, "accepted")
        assert (again.status_code, again.json()["status"]) == (200, "duplicate")
        assert bulk.status_code == 200
        assert httpx.get(f"{server.url}/health").json() == {"status": "ok", "pending": 2}
    rows = inbox.pending()
    assert [r.event_no for r in rows] == [90023, 90071]
    assert rows[0].hint["order_id"] == "20261201-0000012"
    stored = json.dumps(inbox.store.read_table("webhook_inbox").to_dicts(), default=str, ensure_ascii=False)
    for personal in ("김하나", "hana@example.com", "010-1234-5678"):
        assert personal not in stored


def test_unauthenticated_forged_oversized_and_malformed_requests_write_nothing(inbox, caplog):
    caplog.set_level(logging.INFO)
    app = build_app(ReceiverConfig(key=KEY, hmac_secret="client-secret", max_body=2048), inbox)
    with ReceiverServer(app, port=0) as server:
        assert _post(server, ORDER_PLACED, key=None).status_code == 401
        assert _post(server, ORDER_PLACED, key="wrong-key").status_code == 403
        body = json.dumps(ORDER_PLACED).encode()
        assert _post(server, body, headers={"X-Cafe24-Hmac-SHA256": "forged"}).status_code == 403
        assert _post(server, b"{" + b" " * 5000 + b"}").status_code == 413
        good_sig = base64.b64encode(hmac.new(b"client-secret", b"not json", hashlib.sha256).digest()).decode()
        assert _post(server, b"not json", headers={"X-Cafe24-Hmac-SHA256": good_sig}).status_code == 400
        no_mall = json.dumps({"event_no": 90023, "resource": {}}).encode()
        sig = base64.b64encode(hmac.new(b"client-secret", no_mall, hashlib.sha256).digest()).decode()
        assert _post(server, no_mall, headers={"X-Cafe24-Hmac-SHA256": sig}).status_code == 400
        signed = base64.b64encode(hmac.new(b"client-secret", body, hashlib.sha256).digest()).decode()
        assert _post(server, body, headers={"X-Cafe24-Hmac-SHA256": signed}).status_code == 200
    assert len(inbox.pending()) == 1  # only the authenticated, signed, well-formed event
    assert KEY not in caplog.text and "김하나" not in caplog.text and "wrong-key" not in caplog.text
    assert "rejected (403 wrong X-API-Key)" in caplog.text
