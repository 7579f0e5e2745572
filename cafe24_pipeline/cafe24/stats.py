"""What one client did against its mall: calls, retries, 429s, refreshes, seconds waited.

Shared by the parts of a client (auth, rate transport, retry policy) so Dagster metadata, the CLI
summary and the benchmarks read one object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CallStats:
    calls: int = 0
    retries: int = 0
    rate_limited_429: int = 0
    token_refreshes: int = 0
    waited_seconds: float = 0.0
    outcome_unknown: int = 0
    by_status: dict[int, int] = field(default_factory=dict)

    def count_response(self, status: int) -> None:
        self.calls += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "retries": self.retries,
            "rate_limited_429": self.rate_limited_429,
            "token_refreshes": self.token_refreshes,
            "waited_seconds": round(self.waited_seconds, 3),
            "outcome_unknown": self.outcome_unknown,
        }
