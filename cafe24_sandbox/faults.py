"""Injected faults for tests: the next N calls matching a pattern fail, stall or carry a bad record.

Two families:
- before the handler (nothing changes): `500`, `503`, `504`, `429`, `truncated`/`drop`; `latency` stalls
  first and then runs the handler, which applies a write even when the client has given up meanwhile.
- after the handler (the write is applied, the answer is lost): `applied_504` answers 504 instead of the
  handler's answer; `applied_latency` holds the handler's answer back for `latency_ms`, so a client with a
  shorter timeout gives up on a write that has already happened. `malformed` also runs the handler.

A fault whose path starts with `oauth/` (only `oauth/token`) hits the token endpoint instead: with
`applied_504` or `applied_latency` a refresh rotates the tokens and the client never sees the new pair.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass
from typing import Any

KINDS = (
    "500",
    "503",
    "504",
    "429",
    "latency",
    "malformed",
    "truncated",
    "drop",  # drop = truncated (older name)
    "applied_504",
    "applied_latency",
)
AFTER_HANDLER = frozenset({"malformed", "applied_504", "applied_latency"})  # the handler runs, state may change


@dataclass
class Fault:
    fault_id: int
    kind: str
    path: str  # glob on the Admin API path after /api/v2/admin/, e.g. "products*" or "orders"
    method: str | None
    mall: str | None
    remaining: int
    latency_ms: int = 0
    field: str | None = None
    value: Any = "INVALID"
    retry_after: int | None = None  # seconds, for kind 429 (Cafe24 does not document Retry-After)

    def matches(self, mall_id: str, method: str, path: str) -> bool:
        # `oauth/token` faults are opt-in: a glob such as "*" never reaches the token endpoint
        if path.startswith("oauth/") != self.path.startswith("oauth/"):
            return False
        return self.mall in (None, mall_id) and self.method in (None, method) and fnmatch.fnmatchcase(path, self.path)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fault_id": self.fault_id,
            "kind": self.kind,
            "path": self.path,
            "method": self.method,
            "mall": self.mall,
            "remaining": self.remaining,
            "latency_ms": self.latency_ms,
            "field": self.field,
            "value": self.value,
            "retry_after": self.retry_after,
        }


class FaultBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, spec: dict[str, Any]) -> Fault:
        kind = str(spec.get("kind", ""))
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        count = int(spec.get("count", 1))
        if count < 1:
            raise ValueError("count must be >= 1")
        if int(spec.get("latency_ms", 0)) < 0:
            raise ValueError("latency_ms must be >= 0")
        method = spec.get("method")
        with self._lock:
            fault = Fault(
                self._next_id,
                kind,
                str(spec.get("path", "*")),
                method.upper() if method else None,
                spec.get("mall"),
                count,
                int(spec.get("latency_ms", 0)),
                spec.get("field"),
                spec.get("value", "INVALID"),
                int(spec["retry_after"]) if spec.get("retry_after") is not None else None,
            )
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def take(self, mall_id: str, method: str, path: str) -> Fault | None:
        """The first matching fault, consuming one of its uses."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(mall_id, method, path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
            return None

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.as_dict() for fault in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


def corrupt(body: dict[str, Any], fault: Fault) -> None:
    """Malform the first record of the response: set `field` to `value`, or drop its first key."""
    record = None
    for value in body.values():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            record = value[0]
            break
        if isinstance(value, dict):
            record = value
            break
    if record is None:
        return
    if fault.field:
        record[fault.field] = fault.value
    elif record:
        record.pop(next(iter(record)))
