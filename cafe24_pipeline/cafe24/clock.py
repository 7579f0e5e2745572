"""Time sources for the client: real by default, replaceable in tests (no sleeping in unit tests)."""

from __future__ import annotations

import time
from datetime import datetime, timezone


class Clock:
    """Monotonic time for pacing, wall time for token expiry, and sleep."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FakeClock(Clock):
    """A clock that only moves when slept on or advanced: deterministic governor tests."""

    def __init__(self, start: float = 1000.0, wall: datetime | None = None) -> None:
        self._t = start
        self._wall = wall or datetime(2025, 1, 1, tzinfo=timezone.utc)
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self._t

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleeps.append(seconds)
            self.advance(seconds)

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self._t += seconds
        self._wall += timedelta(seconds=seconds)

    def now(self) -> datetime:
        return self._wall


SYSTEM_CLOCK = Clock()
