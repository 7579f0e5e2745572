"""The order pages' prefetch: same order, errors at their page, an early stop stops the producer."""

from __future__ import annotations

import threading
import time

import pytest

from cafe24_pipeline.sync.page_prefetch import prefetched


class Pages:
    """An iterator of page numbers that records how far it was read and whether it was closed."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n, self.fail_at, self.read, self.closed = n, fail_at, 0, False
        self.threads: set[str] = set()

    def __iter__(self):
        try:
            for i in range(self.n):
                self.threads.add(threading.current_thread().name)
                if i == self.fail_at:
                    raise RuntimeError(f"page {i} could not be fetched")
                self.read += 1
                yield i
        finally:
            self.closed = True


@pytest.mark.parametrize("ahead", [0, 1, 3])
def test_pages_come_in_order_with_what_was_built_of_each(ahead: int) -> None:
    pages = Pages(25)
    out = list(prefetched(pages, lambda p: p * 10, ahead=ahead))
    assert out == [(i, i * 10) for i in range(25)]
    assert pages.closed


def test_pages_are_fetched_off_the_callers_thread_while_it_works() -> None:
    pages = Pages(4)
    for page, _ in prefetched(pages, lambda p: p, ahead=1):
        # while the caller still holds page N, page N+1 gets fetched (no matter how slow the machine)
        deadline = time.monotonic() + 30
        while pages.read < min(page + 2, pages.n) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pages.read >= min(page + 2, pages.n), f"page {page + 1} was not fetched while page {page} was held"
        assert pages.read <= page + 3  # bounded: the queue's one page and the one waiting to be handed over
    assert pages.threads == {"order-page-prefetch"}


def test_a_fetch_error_is_raised_at_its_page_after_every_earlier_page() -> None:
    seen = []
    with pytest.raises(RuntimeError, match="page 3 could not be fetched"):
        for page, _ in prefetched(Pages(10, fail_at=3), lambda p: p, ahead=2):
            seen.append(page)
    assert seen == [0, 1, 2]


def test_a_build_error_is_raised_at_its_page() -> None:
    def build(p: int) -> int:
        if p == 2:
            raise ValueError("malformed page 2")
        return p

    seen = []
    with pytest.raises(ValueError, match="malformed page 2"):
        for page, _ in prefetched(Pages(10), build, ahead=1):
            seen.append(page)
    assert seen == [0, 1]


def test_the_caller_stopping_early_stops_the_producer_and_closes_the_pages() -> None:
    pages = Pages(1000)
    with pytest.raises(KeyError):
        for page, _ in prefetched(pages, lambda p: p, ahead=1):
            if page == 5:
                raise KeyError("write failed")
    assert pages.closed
    assert pages.read <= 5 + 1 + 2  # at most `ahead` pages beyond the one being written, plus the one in hand
    assert not any(t.name == "order-page-prefetch" for t in threading.enumerate())
