"""Per-mall rate governor: keeps every call of a process inside Cafe24's leaky bucket.

Cafe24 gives each mall a bucket of 40 calls that drains 2 per second; a full bucket answers 429,
and usage-quota headers (`X-Cafe24-Call-Remain`, `X-Cafe24-Time-Remain`) mean "stop calling until
then" (calling while blocked extends the block). The governor mirrors the bucket locally:

- it bursts up to `capacity - headroom` calls, then paces at the leak rate (headroom is left for
  other apps and other processes of ours on the same mall);
- it re-syncs its level from every `X-Api-Call-Limit: used/capacity` header, so usage by other
  processes and runs is seen and respected (cross-process coordination through the server's own count);
- it stops entirely while a `*-Remain` header says so, and after a 429 backs off with jitter;
- it never exceeds `max_calls_per_second` (Cafe24 flags ≥10 calls/s from one IP).

One governor per mall per process (`governor_for`), shared by every client and thread.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from collections.abc import Mapping

from cafe24_pipeline.cafe24.clock import SYSTEM_CLOCK, Clock


@dataclass(frozen=True)
class GovernorConfig:
    capacity: int = 40
    """Bucket size before any header has been seen (Cafe24: 40)."""
    leak_rate: float = 2.0
    """Calls per second the bucket drains (Cafe24: 2/s)."""
    headroom: int = 10
    """Slots of the bucket we never fill (for other apps / processes); burst = capacity - headroom."""
    max_calls_per_second: float = 8.0
    """Hard ceiling on call spacing from this process (Cafe24 treats ≥10/s from one IP as abuse)."""
    backoff_base: float = 1.0
    """First 429 back-off in seconds; doubles per consecutive 429 up to `backoff_max`, with jitter."""
    backoff_max: float = 30.0


@dataclass
class GovernorStats:
    calls: int = 0
    rate_limited_429: int = 0
    quota_blocks: int = 0
    waited_seconds: float = 0.0
    last_call_limit: str | None = None
    last_call_usage: float | None = None
    last_time_usage: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "calls": self.calls,
            "rate_limited_429": self.rate_limited_429,
            "quota_blocks": self.quota_blocks,
            "waited_seconds": round(self.waited_seconds, 3),
            "last_call_limit": self.last_call_limit,
        }


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lower = name.lower()
        for key, val in headers.items():
            if key.lower() == lower:
                return val
    return value


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


def parse_call_limit(value: str | None) -> tuple[int, int] | None:
    """`X-Api-Call-Limit: 12/40` → (12, 40); anything else → None."""
    if not value or "/" not in value:
        return None
    used, _, cap = value.partition("/")
    try:
        used_i, cap_i = int(used.strip()), int(cap.strip())
    except ValueError:
        return None
    return (used_i, cap_i) if cap_i > 0 and used_i >= 0 else None


class RateGovernor:
    """Leaky-bucket pacing for one mall; thread-safe; see the module docstring."""

    def __init__(
        self, mall_id: str, config: GovernorConfig | None = None, clock: Clock | None = None, rng: random.Random | None = None
    ) -> None:
        self.mall_id = mall_id
        self.config = config or GovernorConfig()
        self.clock = clock or SYSTEM_CLOCK
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._capacity = float(self.config.capacity)
        self._level = 0.0
        self._updated = self.clock.monotonic()
        self._next_allowed = 0.0
        self._blocked_until = 0.0
        self._in_flight = 0
        self._consecutive_429 = 0
        self.stats = GovernorStats()

    # -- bookkeeping (call with the lock held)
    def _leak(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._level = max(0.0, self._level - elapsed * self.config.leak_rate)
        self._updated = now

    def _soft_limit(self) -> float:
        return max(1.0, self._capacity - self.config.headroom)

    def _wait_needed(self, now: float) -> float:
        waits = [0.0, self._blocked_until - now, self._next_allowed - now]
        over = self._level + 1.0 - self._soft_limit()
        if over > 0:
            waits.append(over / self.config.leak_rate)
        return max(waits)

    # -- public API
    def acquire(self, *, deadline: float | None = None) -> float:
        """Block until one call may be sent, reserve it, and return the seconds waited.

        With `deadline` (a monotonic time), returns early with the wait left unmet as a negative
        signal: raises TimeoutError if the needed wait would pass the deadline.
        """
        waited = 0.0
        while True:
            with self._lock:
                now = self.clock.monotonic()
                self._leak(now)
                wait = self._wait_needed(now)
                if wait <= 1e-9:
                    self._level += 1.0
                    self._in_flight += 1
                    self._next_allowed = now + 1.0 / self.config.max_calls_per_second
                    self.stats.calls += 1
                    self.stats.waited_seconds += waited
                    return waited
            if deadline is not None and self.clock.monotonic() + wait > deadline:
                with self._lock:
                    self.stats.waited_seconds += waited
                raise TimeoutError(f"rate governor for mall {self.mall_id} would wait {wait:.1f}s past the deadline")
            self.clock.sleep(wait)
            waited += wait

    def observe(self, headers: Mapping[str, str], status: int | None = None) -> None:
        """Re-sync from a response's headers (every response, including 429 and errors)."""
        with self._lock:
            now = self.clock.monotonic()
            self._leak(now)
            self._in_flight = max(0, self._in_flight - 1)
            limit = parse_call_limit(_header(headers, "X-Api-Call-Limit"))
            if limit is not None:
                used, cap = limit
                self._capacity = float(cap)
                # the server's count includes this call; calls still in flight are not in it yet
                self._level = float(used) + self._in_flight
                self.stats.last_call_limit = f"{used}/{cap}"
            self.stats.last_call_usage = _float(_header(headers, "X-Cafe24-Call-Usage")) or self.stats.last_call_usage
            self.stats.last_time_usage = _float(_header(headers, "X-Cafe24-Time-Usage")) or self.stats.last_time_usage
            remain = max(
                _float(_header(headers, "X-Cafe24-Call-Remain")) or 0.0,
                _float(_header(headers, "X-Cafe24-Time-Remain")) or 0.0,
            )
            if remain > 0:
                self.stats.quota_blocks += 1
                self._blocked_until = max(self._blocked_until, now + remain)
            if status is not None and status != 429:
                self._consecutive_429 = 0

    def rate_limited(self, headers: Mapping[str, str]) -> float:
        """Record a 429: fill the local bucket and block for a jittered back-off; return the block."""
        with self._lock:
            now = self.clock.monotonic()
            self.stats.rate_limited_429 += 1
            self._consecutive_429 += 1
            backoff = min(self.config.backoff_max, self.config.backoff_base * 2 ** (self._consecutive_429 - 1))
            backoff *= self._rng.uniform(0.5, 1.5)
            retry_after = _float(_header(headers, "Retry-After")) or 0.0
            remain = max(
                _float(_header(headers, "X-Cafe24-Call-Remain")) or 0.0,
                _float(_header(headers, "X-Cafe24-Time-Remain")) or 0.0,
            )
            block = max(backoff, retry_after, remain)
            self._blocked_until = max(self._blocked_until, now + block)
            if parse_call_limit(_header(headers, "X-Api-Call-Limit")) is None:
                self._level = max(self._level, self._capacity)
            return block

    def release(self) -> None:
        """A reserved call ended without a response (network error): free its in-flight slot."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)

    @property
    def level(self) -> float:
        with self._lock:
            self._leak(self.clock.monotonic())
            return self._level


_registry: dict[tuple[str, str, GovernorConfig], RateGovernor] = {}
_registry_lock = threading.Lock()


def governor_for(mall_id: str, config: GovernorConfig | None = None, *, api_base: str = "") -> RateGovernor:
    """The process-wide governor of a mall's bucket (keyed by API host, mall and configuration)."""
    key = (api_base, mall_id, config or GovernorConfig())
    with _registry_lock:
        governor = _registry.get(key)
        if governor is None:
            governor = _registry[key] = RateGovernor(mall_id, key[2])
        return governor
