"""Cafe24's leaky bucket (per mall and app) and the optional usage quota. Thread-safe."""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass


@dataclass
class BucketDecision:
    allowed: bool
    used: int
    capacity: int
    headers: dict[str, str]


class LeakyBucket:
    """Capacity `capacity`, draining `leak_rate` calls per second; a full bucket refuses the call."""

    def __init__(self, capacity: int, leak_rate: float) -> None:
        self.capacity = capacity
        self.leak_rate = leak_rate
        self._level = 0.0
        self._last: float | None = None

    def _drain(self, now: float) -> None:
        if self._last is not None:
            self._level = max(0.0, self._level - (now - self._last) * self.leak_rate)
        self._last = now

    def take(self, now: float) -> tuple[bool, int]:
        self._drain(now)
        if self._level + 1 > self.capacity + 1e-9:
            return False, self.capacity
        self._level += 1
        return True, min(self.capacity, math.ceil(self._level - 1e-9))

    def level(self, now: float) -> float:
        self._drain(now)
        return self._level


class UsageQuota:
    """Calls per rolling window; at >= 100% callers are blocked and calling while blocked extends it."""

    def __init__(self, calls: int, window: float) -> None:
        self.calls = calls
        self.window = window
        self._times: deque[float] = deque()
        self._blocked_until = 0.0

    def take(self, now: float) -> tuple[bool, dict[str, str]]:
        while self._times and self._times[0] <= now - self.window:
            self._times.popleft()
        self._times.append(now)
        usage = 100.0 * len(self._times) / self.calls
        headers = {"X-Cafe24-Call-Usage": f"{usage:.2f}", "X-Cafe24-Time-Usage": f"{min(usage, 100.0) / 4:.2f}"}
        if usage >= 100.0:
            remain = self._times[0] + self.window - now
            self._blocked_until = max(self._blocked_until, now + remain)
        if now < self._blocked_until:
            headers["X-Cafe24-Call-Remain"] = str(max(1, math.ceil(self._blocked_until - now)))
            return False, headers
        return True, headers


class RateLimiter:
    """All buckets of the sandbox, keyed by (mall_id, client_id)."""

    def __init__(self, capacity: int, leak_rate: float, quota_calls: int | None = None, quota_window: float = 600.0) -> None:
        self.capacity = capacity
        self.leak_rate = leak_rate
        self.quota_calls = quota_calls
        self.quota_window = quota_window
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], LeakyBucket] = {}
        self._quotas: dict[str, UsageQuota] = {}

    def set_leak_rate(self, leak_rate: float) -> None:
        with self._lock:
            self.leak_rate = leak_rate
            for bucket in self._buckets.values():
                bucket.leak_rate = leak_rate

    def take(self, mall_id: str, client_id: str, now: float) -> BucketDecision:
        with self._lock:
            bucket = self._buckets.get((mall_id, client_id))
            if bucket is None:
                bucket = self._buckets[(mall_id, client_id)] = LeakyBucket(self.capacity, self.leak_rate)
            headers: dict[str, str] = {}
            quota_ok = True
            if self.quota_calls:
                quota = self._quotas.get(mall_id)
                if quota is None:
                    quota = self._quotas[mall_id] = UsageQuota(self.quota_calls, self.quota_window)
                quota_ok, headers = quota.take(now)
            if not quota_ok:
                used = min(self.capacity, math.ceil(bucket.level(now)))
                allowed = False
            else:
                allowed, used = bucket.take(now)
            headers["X-Api-Call-Limit"] = f"{used}/{self.capacity}"
            return BucketDecision(allowed, used, self.capacity, headers)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._quotas.clear()
