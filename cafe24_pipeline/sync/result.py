"""`SyncResult`: what one sync step did, with one set of metadata keys for every stream.

Catalogue, orders, inventory, push and fulfilment steps all report through it, so Dagster metadata,
the CLI summary and `sync_state` read the same names: rows fetched / stored / unchanged / deleted,
skipped by reason, malformed records with their ids and reasons, API calls, 429s and duration.
Stream-specific counts (order items, history rows, variants) go into `details`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MALFORMED_SAMPLE = 10


@dataclass
class SyncResult:
    mall_id: str
    stream: str
    mode: str = ""
    fetched: int = 0
    stored: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    malformed: list[dict[str, Any]] = field(default_factory=list)
    """One entry per record that could not be parsed: {"kind", "id", "reason"}."""
    api_calls: int = 0
    rate_limited_429: int = 0
    duration_s: float = 0.0
    high_water_mark: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)

    # --- recording ---------------------------------------------------------------------------

    def skip(self, reason: str, n: int = 1) -> None:
        if n:
            self.skipped[reason] = self.skipped.get(reason, 0) + n

    def add_malformed(self, issues: Iterable[Any]) -> None:
        """Record client issues (`MalformedRecord`s or dicts) as malformed records, counted as skipped."""
        for issue in issues:
            entry = issue.as_issue() if hasattr(issue, "as_issue") else dict(issue)
            self.malformed.append({"kind": entry.get("kind"), "id": entry.get("id"), "reason": entry.get("reason")})
            self.skip("malformed")

    def count(self, name: str, n: int = 1) -> None:
        """Add to a stream-specific counter in `details`."""
        self.details[name] = int(self.details.get(name, 0)) + n

    def absorb(self, other: "SyncResult") -> None:
        for name in ("fetched", "stored", "unchanged", "deleted", "api_calls", "rate_limited_429"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.duration_s += other.duration_s
        for reason, n in other.skipped.items():
            self.skip(reason, n)
        self.malformed += other.malformed
        for key, value in other.details.items():
            if isinstance(value, int) and not isinstance(value, bool) and isinstance(self.details.get(key, 0), int):
                self.details[key] = int(self.details.get(key, 0)) + value
            else:
                self.details[key] = value
        if other.high_water_mark is not None:
            self.high_water_mark = other.high_water_mark

    # --- reading -----------------------------------------------------------------------------

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def has_warnings(self) -> bool:
        """Records were left out (malformed): the step is not plainly `ok`, though the rest was stored."""
        return bool(self.malformed)

    def as_metadata(self) -> dict[str, Any]:
        """The same keys for every stream (JSON-able values)."""
        return {
            "mall_id": self.mall_id,
            "stream": self.stream,
            "mode": self.mode,
            "rows_fetched": self.fetched,
            "rows_stored": self.stored,
            "rows_unchanged": self.unchanged,
            "rows_deleted": self.deleted,
            "rows_skipped": self.skipped_total,
            "skipped_by_reason": dict(sorted(self.skipped.items())),
            "malformed_count": len(self.malformed),
            "malformed_sample": self.malformed[:MALFORMED_SAMPLE],
            "api_calls": self.api_calls,
            "rate_limited_429": self.rate_limited_429,
            "duration_s": round(self.duration_s, 3),
            "high_water_mark": self.high_water_mark.isoformat() if self.high_water_mark else None,
            **self.details,
        }

    def summary(self) -> str:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items())) or "none"
        extra = "".join(f", {k} {v}" for k, v in self.details.items() if isinstance(v, int) and not isinstance(v, bool))
        return (
            f"{self.stream}{f' [{self.mode}]' if self.mode else ''}: fetched {self.fetched}, stored {self.stored}, "
            f"unchanged {self.unchanged}, skipped {self.skipped_total} ({reasons}), deleted {self.deleted}{extra}; "
            f"{self.api_calls} API calls, {self.rate_limited_429} × 429, {self.duration_s:.1f}s"
        )


class Timed:
    """Fills `duration_s`, `api_calls` and `rate_limited_429` of a result, even when the step raises."""

    def __init__(self, result: SyncResult, client: Any | None) -> None:
        self.result, self.client = result, client

    def __enter__(self) -> SyncResult:
        self._t0 = time.perf_counter()
        self._calls0, self._429_0 = _stats(self.client)
        return self.result

    def __exit__(self, *exc: object) -> None:
        calls, limited = _stats(self.client)
        self.result.duration_s += time.perf_counter() - self._t0
        self.result.api_calls += calls - self._calls0
        self.result.rate_limited_429 += limited - self._429_0


def _stats(client: Any | None) -> tuple[int, int]:
    stats = getattr(client, "stats", None)
    if stats is None:
        return 0, 0
    return int(getattr(stats, "calls", 0) or 0), int(getattr(stats, "rate_limited_429", 0) or 0)
