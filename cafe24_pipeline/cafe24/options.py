"""`ClientOptions`: the knobs of a Cafe24 client in one value (timeouts, retries, pacing, windows)."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from cafe24_pipeline.cafe24.governor import GovernorConfig
from cafe24_pipeline.cafe24.retry import RetryConfig

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
ORDER_WINDOW_DAYS = 30


@dataclass(frozen=True)
class ClientOptions:
    timeout: httpx.Timeout | float = field(default_factory=lambda: DEFAULT_TIMEOUT)
    """Per HTTP request (connect, read, write)."""
    total_timeout: float = 900.0
    """Per logical call: retries, 429 back-offs and quota blocks together never exceed it."""
    retry: RetryConfig = field(default_factory=RetryConfig)
    governor: GovernorConfig = field(default_factory=GovernorConfig)
    order_window_days: int = ORDER_WINDOW_DAYS
    """Orders are read in date windows of at most this many days (Cafe24 allows < 3 months)."""
