"""Date windows for order listing: Cafe24 rejects ranges of 3 months or more and stops offsets at 15,000.

Windows are inclusive KST calendar days (`start_date`/`end_date` are dates Cafe24 reads as KST).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

MAX_WINDOW_DAYS = 89
"""Longest window ever sent (days inclusive); 3 months is at least 89 days, so this never hits the limit."""


def date_windows(start: date, end: date, max_days: int) -> Iterator[tuple[date, date]]:
    """Consecutive inclusive windows covering [start, end], each at most `max_days` days long."""
    if end < start:
        raise ValueError(f"end date {end} is before start date {start}")
    if not 1 <= max_days <= MAX_WINDOW_DAYS:
        raise ValueError(f"window length must be 1..{MAX_WINDOW_DAYS} days, got {max_days}")
    cursor = start
    while cursor <= end:
        window_end = min(end, cursor + timedelta(days=max_days - 1))
        yield cursor, window_end
        cursor = window_end + timedelta(days=1)


def split_window(start: date, end: date) -> tuple[tuple[date, date], tuple[date, date]] | None:
    """Two halves of a window (for a window whose count exceeds the offset cap); None for one day."""
    days = (end - start).days + 1
    if days <= 1:
        return None
    middle = start + timedelta(days=days // 2 - 1)
    return (start, middle), (middle + timedelta(days=1), end)


def batches(items: list, size: int) -> Iterator[list]:
    """Consecutive slices of at most `size` items (Cafe24's 100-per-call limits)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
