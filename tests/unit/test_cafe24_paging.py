"""Order date windows: cover the range exactly, never reach 3 months, split in halves."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cafe24_pipeline.cafe24.paging import MAX_WINDOW_DAYS, batches, date_windows, split_window


@pytest.mark.parametrize("days", [1, 30, 89, 90, 91, 365])
@pytest.mark.parametrize("max_days", [1, 7, 30, 89])
def test_windows_cover_the_range_without_gaps_or_overlap(days, max_days):
    start = date(2024, 11, 30)
    end = start + timedelta(days=days - 1)
    windows = list(date_windows(start, end, max_days))
    assert windows[0][0] == start and windows[-1][1] == end
    for (_a_start, a_end), (b_start, _) in zip(windows, windows[1:]):
        assert b_start == a_end + timedelta(days=1)
    assert all((w_end - w_start).days + 1 <= max_days for w_start, w_end in windows)


def test_window_limits_are_enforced():
    with pytest.raises(ValueError):
        list(date_windows(date(2024, 1, 2), date(2024, 1, 1), 30))
    with pytest.raises(ValueError):
        list(date_windows(date(2024, 1, 1), date(2024, 6, 1), MAX_WINDOW_DAYS + 1))


def test_split_window():
    assert split_window(date(2024, 1, 1), date(2024, 1, 1)) is None
    assert split_window(date(2024, 1, 1), date(2024, 1, 2)) == (
        (date(2024, 1, 1), date(2024, 1, 1)),
        (date(2024, 1, 2), date(2024, 1, 2)),
    )
    first, second = split_window(date(2024, 1, 1), date(2024, 1, 31))
    assert first[1] + timedelta(days=1) == second[0] and first[0] == date(2024, 1, 1) and second[1] == date(2024, 1, 31)


def test_batches_of_100():
    items = list(range(250))
    assert [len(b) for b in batches(items, 100)] == [100, 100, 50]
    assert [x for b in batches(items, 100) for x in b] == items
