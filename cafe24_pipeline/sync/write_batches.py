"""Consecutive order pages written as one batch: fewer, larger transactions.

Each write of a batch costs a fixed part (a dozen statements, their round trips and plans, a commit)
and a part per row. At Cafe24's 1,000 orders per page the fixed part is a third of the work on
PostgreSQL (docs/benchmarks.md), so the order sync gathers pages until a batch holds
`CAFE24_ORDERS_WRITE_BATCH` orders (default 5,000) and writes them in one transaction. Nothing is
held back on failure: when fetching or parsing a page fails, the pages gathered before it are handed
over (and written) first, and the error is raised at the next step, as with page-by-page writing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def write_batches(items: Iterable[T], weight: Callable[[T], int], limit: int) -> Iterator[list[T]]:
    """`items` in consecutive runs whose weights sum to at least `limit` (the last run may weigh less)."""
    batch: list[T] = []
    total = 0
    iterator = iter(items)
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            break
        except BaseException:
            if batch:
                yield batch  # what came before the failure is written first
            raise
        batch.append(item)
        total += weight(item)
        if total >= limit:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch
