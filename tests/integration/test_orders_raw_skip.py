"""A poll that re-reads orders the store holds exactly skips them before parsing, on both stores.

Pages are raw order JSON as `iter_orders(parse=False)` yields it, written through the sync's own page
loop; `_page_frames` is watched to see which orders were parsed.
"""

from __future__ import annotations

from cafe24_pipeline.cafe24.models import Order, OrderPage
from cafe24_pipeline.store import Store
from cafe24_pipeline.sync.orders import OrderSync, OrderSyncConfig, SyncReport
from tests.unit.test_orders_frames import raw_order

MALL = "skipmall"


def _records(statuses: dict[str, str]) -> list[dict]:
    return [raw_order(order_id, status=status) for order_id, status in statuses.items()]


class WatchedSync:
    def __init__(self, store: Store) -> None:
        self.sync = OrderSync(store, None, MALL, config=OrderSyncConfig())
        self.parsed: list[str] = []
        page_frames = self.sync._page_frames

        def watched(page, report, *, imported_backfill):  # noqa: ANN001, ANN202
            self.parsed += [r["order_id"] for r in page.records]
            return page_frames(page, report, imported_backfill=imported_backfill)

        self.sync._page_frames = watched  # type: ignore[method-assign]

    def poll(self, records: list[dict]) -> SyncReport:
        self.parsed.clear()
        report = SyncReport(MALL, "test")
        self.sync._write_pages([OrderPage(shop_no=1, records=records, raw=True)], report, source="poll", imported_backfill=False)
        return report


def _raw_hashes(store: Store) -> dict[str, str | None]:
    rows = store.read("select order_id, raw_hash from cafe24_orders")
    return dict(rows.iter_rows())


def test_unchanged_orders_are_not_parsed_again_and_a_changed_one_is(store):
    watched = WatchedSync(store)
    first = watched.poll(_records({"A-1": "N10", "A-2": "N10", "A-3": "N20"}))
    assert sorted(watched.parsed) == ["A-1", "A-2", "A-3"] and first.stored_orders == 3
    assert all(_raw_hashes(store).values())

    again = watched.poll(_records({"A-1": "N10", "A-2": "N10", "A-3": "N20"}))
    assert watched.parsed == []
    assert again.fetched == 3 and again.unchanged == 3 and again.stored_orders == 0

    before = _raw_hashes(store)
    changed = watched.poll(_records({"A-1": "N10", "A-2": "N40", "A-3": "N20"}))
    assert watched.parsed == ["A-2"] and changed.stored_orders == 1 and changed.unchanged == 2
    assert changed.history_rows == 1  # N10 -> N40 is recorded as before
    after = _raw_hashes(store)
    assert after["A-2"] != before["A-2"] and after["A-1"] == before["A-1"]
    status = store.read("select order_status from cafe24_order_items where order_id = 'A-2'")["order_status"]
    assert status.to_list() == ["N40"]


def test_an_order_with_an_unmapped_item_is_parsed_again_every_time(store):
    watched = WatchedSync(store)
    watched.poll(_records({"U-1": "Z99", "A-1": "N10"}))  # Z99: a code the status map does not know
    assert _raw_hashes(store) == {"U-1": None, "A-1": _raw_hashes(store)["A-1"]}
    report = watched.poll(_records({"U-1": "Z99", "A-1": "N10"}))
    assert watched.parsed == ["U-1"]
    assert len(report.unmapped) == 1


def test_an_order_written_from_the_typed_route_is_parsed_at_the_next_raw_poll(store):
    watched = WatchedSync(store)
    watched.poll(_records({"A-1": "N10"}))
    sync = watched.sync
    report = SyncReport(MALL, "refetch")
    frames = sync._records_frames([Order.from_api(raw_order("A-1", status="N20"))], report, imported_backfill=False)
    with store.transaction() as conn:
        sync._write(frames, report, source="webhook", conn=conn)  # a webhook re-fetch: typed, no raw JSON
    assert _raw_hashes(store) == {"A-1": None}

    watched.poll(_records({"A-1": "N10"}))  # Cafe24 answers the first JSON again: it is parsed, not skipped
    assert watched.parsed == ["A-1"]
    assert store.read("select order_status from cafe24_order_items")["order_status"].to_list() == ["N10"]
    assert _raw_hashes(store)["A-1"] is not None
