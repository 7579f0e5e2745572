"""Request rules of `Cafe24Client` (auth, rate transport, retry policy) on error paths a real server
rarely produces (respx-mocked HTTP, fake clock).

Storms against the real sandbox are in tests/integration/test_client_resilience.py.
"""

from __future__ import annotations

import logging
import random

import httpx
import pytest
import respx

from cafe24_pipeline.cafe24.clock import FakeClock
from cafe24_pipeline.cafe24.client import Cafe24Client
from cafe24_pipeline.cafe24.errors import (
    ApiVersionUnavailable,
    Cafe24ApiError,
    Cafe24Error,
    InsufficientScope,
    RateLimited,
    WriteOutcomeUnknown,
)
from cafe24_pipeline.cafe24.governor import GovernorConfig, RateGovernor
from cafe24_pipeline.cafe24.options import ClientOptions
from cafe24_pipeline.cafe24.retry import RetryConfig
from cafe24_pipeline.settings import Settings

BASE = "https://shopa.cafe24api.com/api/v2/admin"
TOKEN = "AccessTokenSecretValue1"
NEW_TOKEN = "AccessTokenSecretValue2"


class Tokens:
    def __init__(self, stored_after_refresh=None):
        self.current = TOKEN
        self.refreshed = 0
        self.rereads = 0
        self.stored_after_refresh = stored_after_refresh  # what "another process" left in the store

    def access_token(self):
        return self.current

    def refresh_after_rejection(self, rejected):
        self.refreshed += 1
        self.current = NEW_TOKEN
        return self.current

    def reread_after_rejection(self, rejected):
        self.rereads += 1
        if self.stored_after_refresh and self.stored_after_refresh != rejected:
            self.current = self.stored_after_refresh
            return self.current
        return None


@pytest.fixture()
def settings(tmp_path):
    return Settings.from_env({"CAFE24_PIPELINE_HOME": str(tmp_path), "CAFE24_API_VERSION": "2025-03-01"})


def make(settings, tokens=None, *, max_retries=5, retry_initial=0.5, retry_max=20.0, total_timeout=900.0):
    clock = FakeClock()
    governor = RateGovernor("shopa", GovernorConfig(max_calls_per_second=float("inf")), clock=clock, rng=random.Random(1))
    options = ClientOptions(
        total_timeout=total_timeout, retry=RetryConfig(max_retries=max_retries, initial=retry_initial, max_wait=retry_max)
    )
    client = Cafe24Client("shopa", settings=settings, tokens=tokens or Tokens(), governor=governor, clock=clock, options=options)
    return client, clock


@respx.mock
def test_sends_version_and_bearer_headers(settings):
    route = respx.get(f"{BASE}/shops").mock(
        return_value=httpx.Response(200, json={"shops": []}, headers={"X-Api-Call-Limit": "1/40"})
    )
    transport, _ = make(settings)
    assert transport.request("GET", "/shops").body == {"shops": []}
    sent = route.calls.last.request
    assert sent.headers["X-Cafe24-Api-Version"] == "2025-03-01"
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"


@respx.mock
def test_version_not_available_is_reported_clearly(settings):
    respx.get(f"{BASE}/shops").mock(
        return_value=httpx.Response(
            400,
            json={
                "error": {
                    "code": 400,
                    "message": "The version you requested is not available. The default value for the app version is 2025-12-01.",
                }
            },
        )
    )
    transport, _ = make(settings)
    with pytest.raises(ApiVersionUnavailable) as info:
        transport.request("GET", "/shops")
    text = str(info.value)
    assert "2025-03-01 is not available" in text and "CAFE24_API_VERSION=2025-12-01" in text
    assert info.value.default_version == "2025-12-01"


@respx.mock
def test_errors_envelope_plural_and_scope_error(settings):
    respx.get(f"{BASE}/orders").mock(
        return_value=httpx.Response(
            422, json={"errors": {"code": 422, "message": "An invalid request is entered.", "more_info": {"x": 1}}}
        )
    )
    respx.get(f"{BASE}/shops").mock(
        return_value=httpx.Response(403, json={"error": {"code": 403, "message": "insufficient_scope"}})
    )
    transport, _ = make(settings)
    with pytest.raises(Cafe24ApiError) as info:
        transport.request("GET", "/orders")
    assert info.value.status == 422 and "invalid request" in info.value.message
    with pytest.raises(InsufficientScope):
        transport.request("GET", "/shops")


@respx.mock
def test_401_refreshes_once_and_retries_once(settings):
    route = respx.get(f"{BASE}/shops").mock(
        side_effect=[
            httpx.Response(401, json={"error": {"code": 401, "message": "access_token time expired."}}),
            httpx.Response(200, json={"shops": []}),
        ]
    )
    tokens = Tokens()
    transport, _ = make(settings, tokens)
    transport.request("GET", "/shops")
    assert tokens.refreshed == 1 and route.call_count == 2
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {NEW_TOKEN}"


@respx.mock
def test_second_401_is_not_refreshed_again(settings):
    route = respx.get(f"{BASE}/shops").mock(
        return_value=httpx.Response(401, json={"error": {"code": 401, "message": "Invalid access_token"}})
    )
    tokens = Tokens()
    transport, _ = make(settings, tokens)
    with pytest.raises(Cafe24ApiError) as info:
        transport.request("GET", "/shops")
    assert info.value.status == 401 and tokens.refreshed == 1 and tokens.rereads == 1 and route.call_count == 2


@respx.mock
def test_second_401_rereads_the_store_once_when_another_process_refreshed(settings):
    expired = httpx.Response(401, json={"error": {"code": 401, "message": "Invalid access_token"}})
    route = respx.get(f"{BASE}/shops").mock(side_effect=[expired, expired, httpx.Response(200, json={"shops": []})])
    tokens = Tokens(stored_after_refresh="AccessTokenSecretValue3")
    client, _ = make(settings, tokens)
    client.request("GET", "/shops")
    assert tokens.refreshed == 1 and tokens.rereads == 1 and route.call_count == 3
    assert route.calls.last.request.headers["Authorization"] == "Bearer AccessTokenSecretValue3"


@respx.mock
def test_a_create_that_timed_out_is_not_sent_again(settings):
    route = respx.post(f"{BASE}/orders/X/shipments").mock(side_effect=httpx.ReadTimeout("slow"))
    client, _ = make(settings, retry_initial=0.01)
    with pytest.raises(WriteOutcomeUnknown) as info:
        client.request("POST", "/orders/X/shipments", json={"shop_no": 1, "request": {}})
    assert route.call_count == 1 and client.stats.outcome_unknown == 1
    assert "re-read" in str(info.value)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500, json={"error": {"code": 500, "message": "oops"}}),
        httpx.Response(503),
        httpx.Response(201, content=b'{"shipments": ['),
    ],
)
@respx.mock
def test_a_create_answered_with_5xx_or_a_cut_body_is_unknown(settings, answer):
    route = respx.post(f"{BASE}/products").mock(return_value=answer)
    client, _ = make(settings, retry_initial=0.01)
    with pytest.raises(WriteOutcomeUnknown):
        client.request("POST", "/products", json={"shop_no": 1, "request": {}})
    assert route.call_count == 1


@respx.mock
def test_a_create_that_never_connected_is_retried(settings):
    route = respx.post(f"{BASE}/products").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(201, json={"product": {}})]
    )
    client, _ = make(settings, retry_initial=0.01)
    assert client.request("POST", "/products", json={"shop_no": 1, "request": {}}).status == 201
    assert route.call_count == 2


@respx.mock
def test_an_absolute_put_is_retried_but_only_when_declared_idempotent(settings):
    route = respx.put(f"{BASE}/products/7").mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(503), httpx.Response(200, json={"product": {}})]
    )
    client, _ = make(settings, retry_initial=0.01)
    assert client.request("PUT", "/products/7", json={"shop_no": 1, "request": {"price": "1"}}, idempotent=True).status == 200
    assert route.call_count == 3
    route.side_effect = [httpx.ReadTimeout("slow")]
    with pytest.raises(WriteOutcomeUnknown):
        client.request("PUT", "/products/7", json={"shop_no": 1, "request": {"price": "1"}})


@respx.mock
def test_429_is_sent_again_whatever_the_method(settings):
    limited = httpx.Response(429, json={"error": {"code": 429, "message": "Too many"}}, headers={"X-Api-Call-Limit": "40/40"})
    route = respx.post(f"{BASE}/orders/X/shipments").mock(
        side_effect=[limited, limited, httpx.Response(201, json={"shipments": []})]
    )
    client, _ = make(settings)
    assert client.request("POST", "/orders/X/shipments", json={"shop_no": 1, "request": {}}).status == 201
    assert route.call_count == 3 and client.stats.rate_limited_429 == 2 and client.stats.retries == 0


@respx.mock
def test_network_errors_retry_then_succeed(settings):
    route = respx.get(f"{BASE}/shops").mock(
        side_effect=[httpx.ConnectError("boom"), httpx.ReadTimeout("slow"), httpx.Response(200, json={"shops": []})]
    )
    transport, _ = make(settings, retry_initial=0.01)
    transport.request("GET", "/shops")
    assert route.call_count == 3 and transport.stats.retries == 2


@respx.mock
def test_5xx_retry_budget_is_finite(settings):
    route = respx.get(f"{BASE}/shops").mock(return_value=httpx.Response(503, json={"error": {"code": 503, "message": "down"}}))
    transport, _ = make(settings, max_retries=3, retry_initial=0.01, retry_max=0.02)
    with pytest.raises(Cafe24ApiError) as info:
        transport.request("GET", "/shops")
    assert info.value.status == 503 and route.call_count == 4


@respx.mock
def test_429s_do_not_use_the_retry_budget(settings):
    responses = [
        httpx.Response(429, json={"error": {"code": 429, "message": "Too many"}}, headers={"X-Api-Call-Limit": "40/40"})
    ] * 8
    route = respx.get(f"{BASE}/shops").mock(side_effect=responses + [httpx.Response(200, json={"shops": []})])
    transport, clock = make(settings, max_retries=1)
    transport.request("GET", "/shops")
    assert route.call_count == 9 and transport.stats.rate_limited_429 == 8 and transport.stats.retries == 0
    assert sum(clock.sleeps) > 0  # it waited (on the fake clock) between 429s


@respx.mock
def test_429s_stop_at_the_total_time_cap(settings):
    respx.get(f"{BASE}/shops").mock(return_value=httpx.Response(429, headers={"X-Cafe24-Call-Remain": "120"}))
    transport, _ = make(settings, total_timeout=60)
    with pytest.raises(RateLimited):
        transport.request("GET", "/shops")


@respx.mock
def test_409_is_returned_when_accepted(settings):
    respx.put(f"{BASE}/products/7").mock(return_value=httpx.Response(409, json={"error": {"code": 409, "message": "same"}}))
    transport, _ = make(settings)
    assert transport.request("PUT", "/products/7", json={"shop_no": 1, "request": {}}, accept=(409,)).status == 409


@respx.mock
def test_no_token_in_logs_or_errors(settings, caplog):
    caplog.set_level(logging.DEBUG)
    respx.get(f"{BASE}/shops").mock(
        side_effect=[
            httpx.Response(401, json={"error": {"code": 401, "message": "Invalid access_token"}}),
            httpx.Response(500, json={"error": {"code": 500, "message": "oops"}}),
            httpx.ConnectError("refused"),
            httpx.Response(401, json={"error": {"code": 401, "message": "Invalid access_token"}}),
            httpx.Response(401, json={"error": {"code": 401, "message": "Invalid access_token"}}),
        ]
    )
    transport, _ = make(settings, max_retries=2, retry_initial=0.01)
    with pytest.raises(Cafe24Error) as info:
        transport.request("GET", "/shops")
    text = caplog.text + str(info.value) + repr(info.value) + repr(transport)
    assert TOKEN not in text and NEW_TOKEN not in text
    assert "Cafe24" in caplog.text  # something was logged, just not the secret
