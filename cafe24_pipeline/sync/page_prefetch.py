"""Fetch and parse the next page of orders while the current one is written.

An order sync alternates three kinds of work per page: waiting for Cafe24 (or decoding its JSON),
turning the page into frames (polars, which releases the GIL), and writing them (the database driver,
which releases it too). Done one after the other, a large import uses one core and waits on each part
in turn. `prefetched` moves the fetching and the frame building of page N+1 onto one background thread
while the caller writes page N, at most `ahead` finished pages in between (bounded memory).

Order and semantics stay those of the plain loop: pages come out in the order Cafe24 sent them, each
written in its own transaction by the caller; an error while fetching or building a page is raised to
the caller at that page, after every earlier page was handed over; when the caller stops early (an
error while writing, a lost lease), the background thread stops before its next page and the page
iterator is closed. `ahead=0` runs the plain loop on the caller's thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar, cast

P = TypeVar("P")
R = TypeVar("R")

_END = object()


def prefetched(pages: Iterable[P], build: Callable[[P], R], *, ahead: int = 1) -> Iterator[tuple[P, R]]:
    """(page, build(page)) for every page, fetched and built one page ahead on a background thread."""
    if ahead <= 0:
        for page in pages:
            yield page, build(page)
        return

    handed: queue.Queue[object] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(item: object) -> bool:
        """Hand an item over unless the caller has stopped (then drop it)."""
        while not stop.is_set():
            try:
                handed.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        iterator = iter(pages)
        try:
            for page in iterator:
                if stop.is_set() or not put((page, build(page))):
                    return
            put(_END)
        except BaseException as exc:  # noqa: BLE001 - raised on the caller's thread at this page
            put(exc)
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="order-page-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = handed.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield cast("tuple[P, R]", item)  # as put by produce
    finally:
        stop.set()
        worker.join()
