"""Injected storms (429, 5xx, latency, dropped connections) against the sandbox end with complete data."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from cafe24_pipeline.cafe24.client import Cafe24Client
from cafe24_pipeline.cafe24.http_auth import StaticTokenProvider
from cafe24_pipeline.cafe24.options import ClientOptions
from cafe24_pipeline.cafe24.retry import RetryConfig
from cafe24_pipeline.cafe24.errors import Cafe24ApiError, RateLimited
from cafe24_pipeline.cafe24.governor import GovernorConfig, RateGovernor
from cafe24_pipeline.cafe24.parsing import KST
from tests.fixtures.sandbox import sandbox_tokens
from tests.integration.cafe24_client_support import running_sandbox, settings_for
from tests.integration.test_client_catalog import _Server

MALL = "shopa"
QUICK_BACKOFF = dict(backoff_base=0.05, backoff_max=0.4)


def _client(
    sb,
    tmp_path,
    governor_config: GovernorConfig,
    *,
    timeout: float | None = None,
    retry_initial: float = 0.5,
    max_retries: int = 5,
    total_timeout: float = 900.0,
    governor: RateGovernor | None = None,
) -> Cafe24Client:
    token = sandbox_tokens(_Server(sb), MALL)["access_token"]
    options = ClientOptions(
        governor=governor_config,
        retry=RetryConfig(max_retries=max_retries, initial=retry_initial),
        total_timeout=total_timeout,
        **({"timeout": timeout} if timeout is not None else {}),
    )
    return Cafe24Client(
        MALL, settings=settings_for(sb, tmp_path), tokens=StaticTokenProvider(token), options=options, governor=governor
    )


def _snapshot(client: Cafe24Client, start, end):
    products = {
        p.product_no: (p.price, tuple((v.variant_code, v.quantity) for v in p.variants))
        for shop in (1, 2)
        for page in client.iter_products(shop)
        for p in page
    }
    orders = {
        o.order_id: tuple((i.order_item_code, i.order_status) for i in o.items)
        for shop in (1, 2)
        for page in client.iter_orders(shop, start, end)
        for o in page
    }
    return products, orders


def test_storms_finish_with_complete_data(tmp_path):
    with running_sandbox(products=250, orders=400, leak_rate=400.0, order_days=40) as sb:
        end = datetime.fromtimestamp(sb.sandbox.clock.ts(), KST).date()
        start = end - timedelta(days=39)
        config = GovernorConfig(leak_rate=400.0, max_calls_per_second=1000.0, **QUICK_BACKOFF)
        with _client(sb, tmp_path / "a", config) as clean:
            expected = _snapshot(clean, start, end)
        assert len(expected[0]) == 250 and len(expected[1]) > 100

        sb.fault("429", "products", count=6)
        sb.fault("429", "orders", count=4, retry_after=1)
        sb.fault("503", "products", count=3)
        sb.fault("500", "orders*", count=3)
        sb.fault("504", "orders/count", count=2)
        sb.fault("latency", "products", count=2, latency_ms=2500)  # longer than the client's read timeout
        sb.fault("drop", "orders", count=2)
        with _client(
            sb,
            tmp_path / "b",
            GovernorConfig(leak_rate=400.0, max_calls_per_second=1000.0, **QUICK_BACKOFF),
            timeout=1.0,
            retry_initial=0.05,
        ) as stormy:  # default retry budget
            assert _snapshot(stormy, start, end) == expected
            stats = stormy.stats
        assert stats.rate_limited_429 == 10
        assert stats.retries >= 3 + 3 + 2 + 2 + 2  # 5xx, timeouts and drops were retried
        assert sb.control("GET", "faults")["faults"] == [] or all(
            f["remaining"] == 0 for f in sb.control("GET", "faults")["faults"]
        )


def test_retry_budget_and_time_cap_end_with_clear_errors(tmp_path):
    with running_sandbox(products=20, orders=0, leak_rate=400.0) as sb:
        config = GovernorConfig(leak_rate=400.0, max_calls_per_second=1000.0, **QUICK_BACKOFF)
        with _client(sb, tmp_path, config, retry_initial=0.02, max_retries=2) as client:
            sb.fault("503", "shops", count=10)
            with pytest.raises(Cafe24ApiError) as info:
                client.list_shops()
            assert info.value.status == 503 and client.stats.retries == 2
            sb.control("DELETE", "faults")
        with _client(sb, tmp_path, config, total_timeout=1.0) as client:
            sb.fault("429", "shops", count=1000)
            with pytest.raises(RateLimited):
                client.list_shops()
            assert client.stats.rate_limited_429 >= 2  # 429s were retried until the time cap, not the budget
            sb.control("DELETE", "faults")


@pytest.mark.slow
def test_two_uncoordinated_readers_share_a_slow_bucket(tmp_path):
    """Two processes' governors (no shared memory) see each other through X-Api-Call-Limit and both finish."""
    with running_sandbox(products=900, orders=0, leak_rate=10.0) as sb:
        results: dict[str, object] = {}

        def read(name: str) -> None:
            governor = RateGovernor(MALL, GovernorConfig(leak_rate=10.0, max_calls_per_second=100.0, headroom=6))
            with _client(sb, tmp_path / name, GovernorConfig(), governor=governor) as client:
                numbers = [p.product_no for shop in (1, 2) for page in client.iter_products(shop, page_size=20) for p in page]
                results[name] = (numbers, client.stats.rate_limited_429)

        threads = [threading.Thread(target=read, args=(n,)) for n in ("one", "two")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        truth = sorted(sb.sandbox.state.mall(MALL).products) * 2
        assert sorted(results) == ["one", "two"]  # both readers finished
        for numbers, _ in results.values():
            assert sorted(numbers) == sorted(truth)
        throttled = sb.stats(MALL)["throttled_429"]
        total = sb.stats(MALL)["total_calls"]
        assert throttled <= total * 0.1  # pacing from shared headers keeps 429s rare


def test_usage_quota_remain_header_stops_calls_until_it_elapses(tmp_path):
    """A usage-quota block (429 + X-Cafe24-Call-Remain) is waited out without calling (which would extend it)."""
    with running_sandbox(products=200, orders=0, leak_rate=400.0, usage_quota_calls=30, usage_quota_window=2.0) as sb:
        config = GovernorConfig(leak_rate=400.0, max_calls_per_second=1000.0, **QUICK_BACKOFF)
        with _client(sb, tmp_path, config) as client:
            numbers = [p.product_no for page in client.iter_products(1, page_size=2) for p in page]
            calls = client.stats.calls
            client_429 = client.stats.rate_limited_429
            blocks = client.governor.stats.quota_blocks
        assert sorted(numbers) == sorted(sb.sandbox.state.mall(MALL).products)
        assert calls > 90 and blocks >= 2  # the quota was exhausted more than once
        # exactly one 429 per block: nothing was sent while blocked (which would have extended the block)
        assert client_429 == sb.stats(MALL)["throttled_429"] <= calls // 30 + 1
