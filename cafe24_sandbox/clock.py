"""Time for the sandbox: a shiftable clock and Cafe24's date formats (KST, +09:00)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")


class Clock:
    """Wraps the configured time source and adds an offset the control API can move forward."""

    def __init__(self, source: Callable[[], datetime]) -> None:
        self._source = source
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        value = self._source()
        if value.tzinfo is None:
            raise ValueError("the sandbox time source must return tz-aware datetimes")
        return value.astimezone(UTC) + self._offset

    def ts(self) -> float:
        return self.now().timestamp()

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += timedelta(seconds=seconds)

    @property
    def offset_seconds(self) -> float:
        return self._offset.total_seconds()


_KST_SECONDS = 9 * 3600
_DAY_TEXT: dict[int, str] = {}


def _kst_parts(ts: float) -> tuple[str, int, int, int]:
    """(`YYYY-MM-DD`, hour, minute, second) in KST; day strings are cached (a list call formats thousands)."""
    local = int(ts) + _KST_SECONDS
    day, seconds = divmod(local, 86400)
    text = _DAY_TEXT.get(day)
    if text is None:
        text = _DAY_TEXT[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")
    hour, rest = divmod(seconds, 3600)
    return text, hour, rest // 60, rest % 60


def iso_kst(ts: float | None) -> str | None:
    """Resource dates: `2018-01-18T11:19:27+09:00`."""
    if ts is None:
        return None
    day, hour, minute, second = _kst_parts(ts)
    return f"{day}T{hour:02d}:{minute:02d}:{second:02d}+09:00"


def item_kst(ts: float | None) -> str | None:
    """Order-item dates as Cafe24's example writes them: `2017-07-10 15:55:51` (KST, no offset)."""
    if ts is None:
        return None
    day, hour, minute, second = _kst_parts(ts)
    return f"{day} {hour:02d}:{minute:02d}:{second:02d}"


def oauth_kst(ts: float) -> str:
    """OAuth times: `2021-03-01T14:00:00.000` (KST, milliseconds, no offset)."""
    moment = datetime.fromtimestamp(ts, KST)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def parse_query_datetime(value: str, *, end: bool) -> datetime:
    """A query date: `2018-01-03` (a KST day; `end` makes it inclusive) or an ISO datetime.

    A datetime without an offset is read as KST, as Cafe24 does.
    """
    value = value.strip()
    if len(value) == 10:
        day = date.fromisoformat(value)
        start = datetime(day.year, day.month, day.day, tzinfo=KST)
        return start + timedelta(days=1) - timedelta(microseconds=1) if end else start
    parsed = datetime.fromisoformat(value.replace(" ", "T"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=KST)
    return parsed


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")
