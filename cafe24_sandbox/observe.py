"""Call logs and counters per mall, read through the control API (`/_sandbox/{mall}/stats`, `/logs`)."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any


@dataclass
class MallStats:
    calls: Counter[str] = field(default_factory=Counter)  # "GET products" -> n
    statuses: Counter[str] = field(default_factory=Counter)  # "GET products 429" -> n
    writes: Counter[str] = field(default_factory=Counter)  # successful writes per endpoint
    throttled: int = 0
    total: int = 0


class CallLog:
    """Thread-safe counters plus a ring buffer of recent calls per mall."""

    def __init__(self, capacity: int) -> None:
        self._lock = threading.Lock()
        self._capacity = capacity
        self._stats: dict[str, MallStats] = {}
        self._logs: dict[str, deque[dict[str, Any]]] = {}
        self._seq = 0

    def record(
        self,
        mall_id: str,
        method: str,
        endpoint: str,
        path: str,
        query: str,
        status: int,
        elapsed_ms: float,
        *,
        write: bool,
        client_id: str | None,
        fault: str | None = None,
        handled_status: int | None = None,
    ) -> None:
        """`handled_status` is what the handler answered: under an `applied_*` fault the client saw 504 (or
        nothing) while the write went through; 0 means the handler never ran. Writes count by it."""
        handled = status if handled_status is None else handled_status
        with self._lock:
            stats = self._stats.setdefault(mall_id, MallStats())
            key = f"{method} {endpoint}"
            stats.total += 1
            stats.calls[key] += 1
            stats.statuses[f"{key} {status}"] += 1
            if status == 429:
                stats.throttled += 1
            if write and handled in (200, 201, 207):
                stats.writes[key] += 1
            self._seq += 1
            log = self._logs.setdefault(mall_id, deque(maxlen=self._capacity))
            log.append(
                {
                    "seq": self._seq,
                    "time": time.time(),
                    "method": method,
                    "endpoint": endpoint,
                    "path": path,
                    "query": query,
                    "status": status,
                    "elapsed_ms": round(elapsed_ms, 3),
                    "client_id": client_id,
                    "fault": fault,
                    "handled_status": handled,
                }
            )

    def stats(self, mall_id: str) -> dict[str, Any]:
        with self._lock:
            stats = self._stats.get(mall_id, MallStats())
            return {
                "mall_id": mall_id,
                "total_calls": stats.total,
                "throttled_429": stats.throttled,
                "calls": dict(stats.calls),
                "statuses": dict(stats.statuses),
                "writes": dict(stats.writes),
                "total_writes": sum(stats.writes.values()),
            }

    def logs(self, mall_id: str, since_seq: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        with self._lock:
            rows = [row for row in self._logs.get(mall_id, ()) if row["seq"] > since_seq]
            return rows[:limit]

    def reset(self, mall_id: str) -> None:
        with self._lock:
            self._stats.pop(mall_id, None)
            self._logs.pop(mall_id, None)
