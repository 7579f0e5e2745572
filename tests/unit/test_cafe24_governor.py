"""Rate-governor arithmetic on a fake clock: burst, pacing, header sync, quota blocks, 429 back-off."""

from __future__ import annotations

import random

import pytest

from cafe24_pipeline.cafe24.clock import FakeClock
from cafe24_pipeline.cafe24.governor import GovernorConfig, RateGovernor, parse_call_limit


def make(**overrides) -> tuple[RateGovernor, FakeClock]:
    clock = FakeClock()
    config = GovernorConfig(**{"max_calls_per_second": float("inf"), **overrides})
    return RateGovernor("mall", config, clock=clock, rng=random.Random(7)), clock


def test_parse_call_limit():
    assert parse_call_limit("12/40") == (12, 40)
    assert parse_call_limit(" 1 / 40 ") == (1, 40)
    assert parse_call_limit("x/40") is None and parse_call_limit(None) is None and parse_call_limit("5/0") is None


def test_bursts_up_to_the_soft_limit_then_paces_at_the_leak_rate():
    gov, clock = make(capacity=40, headroom=10, leak_rate=2.0)
    for _ in range(30):
        assert gov.acquire() == 0.0
    start = clock.monotonic()
    for _ in range(20):
        gov.acquire()
    elapsed = clock.monotonic() - start
    assert elapsed == pytest.approx(20 / 2.0, rel=1e-6)  # exactly the leak rate after the burst
    assert gov.level <= 30.0 + 1e-9  # never fills past the headroom


def test_sustained_rate_over_a_long_run_matches_the_leak_rate():
    gov, clock = make(capacity=40, headroom=10, leak_rate=20.0)
    start = clock.monotonic()
    n = 2000
    for _ in range(n):
        gov.acquire()
        gov.observe({}, 200)
    rate = n / (clock.monotonic() - start)
    assert 20.0 <= rate <= n / ((n - 30) / 20.0) + 1e-6  # only the first 30 calls are a free burst


def test_header_resyncs_level_for_usage_by_others():
    gov, clock = make(capacity=40, headroom=10, leak_rate=2.0)
    gov.acquire()
    gov.observe({"X-Api-Call-Limit": "35/40"}, 200)  # another process used the bucket
    waited = gov.acquire()
    assert waited == pytest.approx((35 + 1 - 30) / 2.0)


def test_header_capacity_is_adopted():
    gov, clock = make(capacity=40, headroom=10, leak_rate=2.0)
    gov.acquire()
    gov.observe({"x-api-call-limit": "1/20"}, 200)  # case-insensitive, smaller bucket
    for _ in range(9):
        assert gov.acquire() == 0.0
        gov.observe({}, 200)
    assert gov.acquire() > 0  # soft limit is now 20 - 10


def test_quota_remain_header_stops_all_calls_until_then():
    gov, clock = make()
    gov.acquire()
    gov.observe({"X-Api-Call-Limit": "1/40", "X-Cafe24-Call-Remain": "32", "X-Cafe24-Time-Remain": "7"}, 200)
    assert gov.acquire() == pytest.approx(32.0)
    assert gov.stats.quota_blocks == 1


def test_429_backs_off_with_jitter_growing_and_capped():
    gov, clock = make(backoff_base=1.0, backoff_max=8.0)
    blocks = []
    for _ in range(6):
        gov.acquire()
        gov.observe({"X-Api-Call-Limit": "40/40"}, 429)
        blocks.append(gov.rate_limited({"X-Api-Call-Limit": "40/40"}))
    assert 0.5 <= blocks[0] <= 1.5 and 1.0 <= blocks[1] <= 3.0
    assert all(b <= 8.0 * 1.5 for b in blocks) and max(blocks) > 4.0
    assert gov.stats.rate_limited_429 == 6
    gov.acquire()
    gov.observe({"X-Api-Call-Limit": "10/40"}, 200)  # success resets the back-off
    gov.acquire()
    gov.observe({}, 429)
    assert gov.rate_limited({}) <= 1.5


def test_retry_after_is_honoured():
    gov, clock = make(backoff_base=0.1)
    gov.acquire()
    assert gov.rate_limited({"Retry-After": "5", "X-Api-Call-Limit": "3/40"}) == pytest.approx(5.0)
    assert gov.acquire() == pytest.approx(5.0)


def test_429_without_usage_header_assumes_a_full_bucket():
    gov, clock = make(backoff_base=0.1, capacity=40, headroom=10, leak_rate=2.0)
    gov.acquire()
    gov.rate_limited({"Retry-After": "1"})
    assert gov.acquire() == pytest.approx((40 + 1 - 30) / 2.0)


def test_max_calls_per_second_spacing():
    gov, clock = make(max_calls_per_second=8.0)
    gov.acquire()
    assert gov.acquire() == pytest.approx(1 / 8)


def test_deadline_raises_instead_of_waiting_past_it():
    gov, clock = make()
    gov.acquire()
    gov.observe({"X-Cafe24-Call-Remain": "60"}, 200)
    with pytest.raises(TimeoutError):
        gov.acquire(deadline=clock.monotonic() + 10)
    assert clock.sleeps == []  # gave up without sleeping


def test_release_frees_an_in_flight_slot():
    gov, clock = make()
    gov.acquire()
    gov.acquire()
    gov.release()
    gov.observe({"X-Api-Call-Limit": "5/40"}, 200)
    assert gov.level == pytest.approx(5.0)  # 5 counted by the server, nothing in flight
