"""Admin API gates: bearer, API version, leaky bucket + 429, scopes, unknown endpoints, content type."""

from __future__ import annotations

import concurrent.futures

import httpx

from tests.fixtures.sandbox import sandbox_client, sandbox_tokens


def test_missing_bearer_is_401_with_cafe24_body(sandbox):
    response = httpx.get(f"{sandbox.api_base('demomall')}/api/v2/admin/products")
    assert response.status_code == 401
    assert response.json() == {"error": {"code": 401, "message": "Invalid access_token"}}


def test_every_response_carries_call_limit(sandbox):
    with sandbox_client(sandbox) as client:
        first = client.get("products")
        second = client.get("products/count")
        missing = client.get("products/999999")
    assert first.headers["X-Api-Call-Limit"].endswith("/40")
    assert int(second.headers["X-Api-Call-Limit"].split("/")[0]) >= 1
    assert missing.status_code == 404 and "X-Api-Call-Limit" in missing.headers


def test_bucket_fills_then_429_then_drains(sandbox_factory):
    server = sandbox_factory(leak_rate=0.01)
    with sandbox_client(server) as client:
        statuses = [client.get("shops").status_code for _ in range(45)]
        assert statuses[:40] == [200] * 40
        assert 429 in statuses[40:]
        throttled = client.get("shops")
        assert throttled.status_code == 429
        assert throttled.json() == {"error": {"code": 429, "message": "Too Many Requests"}}
        assert throttled.headers["X-Api-Call-Limit"] == "40/40"
        httpx.post(f"{server.base_url}/_sandbox/bucket", json={"leak_rate": 1000})
        import time

        time.sleep(0.1)
        assert client.get("shops").status_code == 200
    stats = httpx.get(f"{server.base_url}/_sandbox/demomall/stats").json()
    assert stats["throttled_429"] >= 2
    assert stats["calls"]["GET shops"] == 47


def test_bucket_is_thread_safe_under_concurrency(sandbox_factory):
    server = sandbox_factory(leak_rate=0.01)
    tokens = sandbox_tokens(server)
    url = f"{server.api_base('demomall')}/api/v2/admin/shops"
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    with httpx.Client(headers=headers) as shared, concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: shared.get(url).status_code, range(60)))
    assert codes.count(200) == 40
    assert codes.count(429) == 20


def test_bucket_is_per_mall(sandbox_factory):
    server = sandbox_factory(malls=["malla", "mallb"], leak_rate=0.01)
    with sandbox_client(server, "malla") as a, sandbox_client(server, "mallb") as b:
        for _ in range(40):
            a.get("shops")
        assert a.get("shops").status_code == 429
        assert b.get("shops").status_code == 200


def test_unknown_api_version_is_400_naming_the_default(sandbox):
    with sandbox_client(sandbox, api_version="2019-01-01") as client:
        response = client.get("products")
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "version you requested is not available" in message
    assert "The default value for the app version is 2025-03-01" in message


def test_missing_scope_is_403_insufficient_scope(sandbox):
    with sandbox_client(sandbox, scopes=["mall.read_order"]) as client:
        response = client.get("products")
        allowed = client.get("orders", params={"start_date": "2026-01-01", "end_date": "2026-01-31"})
    assert response.status_code == 403
    assert "insufficient_scope" in response.json()["error"]["message"]
    assert allowed.status_code in (200, 422)  # reachable: not a scope error


def test_unknown_endpoint_is_404_no_api_found(sandbox):
    with sandbox_client(sandbox) as client:
        response = client.get("no_such_resource")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No API found."


def test_write_needs_json_content_type(sandbox):
    with sandbox_client(sandbox) as client:
        response = client.put("products/1", content=b"display=T", headers={"Content-Type": "application/x-www-form-urlencoded"})
        broken = client.put("products/1", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert broken.status_code == 400


def test_usage_quota_headers_when_enabled(sandbox_factory):
    server = sandbox_factory(usage_quota_calls=5, usage_quota_window=600)
    with sandbox_client(server) as client:
        responses = [client.get("shops") for _ in range(6)]
    assert "X-Cafe24-Call-Usage" in responses[0].headers
    assert responses[4].status_code == 429 or responses[5].status_code == 429
    blocked = [r for r in responses if r.status_code == 429][0]
    assert int(blocked.headers["X-Cafe24-Call-Remain"]) > 0


def test_quota_headers_absent_by_default(sandbox):
    with sandbox_client(sandbox) as client:
        response = client.get("shops")
    assert "X-Cafe24-Call-Usage" not in response.headers


def test_shops_lists_two_shops(sandbox):
    with sandbox_client(sandbox) as client:
        shops = client.get("shops").json()["shops"]
    assert [s["shop_no"] for s in shops] == [1, 2]
    assert shops[0]["default"] == "T" and shops[0]["currency_code"] == "KRW"
    assert all(s["active"] == "T" for s in shops)


def test_unknown_shop_no_is_422(sandbox):
    with sandbox_client(sandbox) as client:
        response = client.get("products", params={"shop_no": 9})
    assert response.status_code == 422
