"""The order sync writes consecutive pages as one batch, on both stores, and loses no page to a failure.

The pages are raw order JSON as `iter_orders(parse=False)` yields it; the failure is a page that
cannot be fetched mid-window (the sandbox cannot fail its fifth page and only that one).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cafe24_pipeline.cafe24.models import OrderPage
from cafe24_pipeline.store import Store
from cafe24_pipeline.sync.orders import OrderSync, OrderSyncConfig, SyncReport
from tests.unit.test_orders_frames import raw_order

MALL = "batchmall"


def _pages(count: int, *, fail_at: int | None = None, per_page: int = 10) -> Iterator[OrderPage]:
    for page in range(count):
        if page + 1 == fail_at:
            raise ConnectionError(f"Cafe24 did not answer page {fail_at}")
        records = []
        for n in range(per_page):
            number = page * per_page + n
            records.append(
                raw_order(f"20261203-{number:07d}", order_date=f"2026-12-03T{number // 60 % 24:02d}:{number % 60:02d}:00+09:00")
            )
        yield OrderPage(shop_no=1, records=records, raw=True)


def _sync(store: Store, batches: list[int], **config) -> OrderSync:
    return OrderSync(
        store,
        None,
        MALL,
        config=OrderSyncConfig(**config),
        on_page=lambda report: batches.append(report.pages),
    )


def _stored(store: Store) -> int:
    return store.read("select count(*) as n from cafe24_orders")["n"][0]


def test_pages_are_written_in_batches_of_the_configured_size(store):
    batches: list[int] = []
    report = SyncReport(MALL, "test")
    written = _sync(store, batches, write_batch_orders=25)._write_pages(_pages(7), report, source="poll", imported_backfill=False)
    assert batches == [3, 6, 7]  # one transaction (and one progress report) per batch: pages 1-3, 4-6, 7
    assert report.pages == 7 and report.stored_orders == 70 and len(written) == 70
    counts = store.row_counts()
    assert counts["cafe24_orders"] == counts["oms_orders"] == 70
    assert counts["cafe24_order_items"] == counts["cafe24_order_status_history"] == 70

    again = SyncReport(MALL, "test")
    _sync(store, [], write_batch_orders=1)._write_pages(_pages(7), again, source="poll", imported_backfill=False)
    assert again.unchanged == 70 and again.stored_orders == 0  # a re-run page by page changes nothing


def test_pages_before_a_failed_page_are_written_before_the_error_is_raised(store):
    batches: list[int] = []
    report = SyncReport(MALL, "test")
    sync = _sync(store, batches, write_batch_orders=25)
    with pytest.raises(ConnectionError, match="page 5"):
        sync._write_pages(_pages(7, fail_at=5), report, source="poll", imported_backfill=False)
    assert batches == [3, 4]  # pages 1-3 as a batch, page 4 on its own before the error
    assert _stored(store) == 40
