"""The write step on a real store (SQLite and PostgreSQL): unchanged orders are skipped, a changed
receiver address or item status is written, history only on real changes."""

from __future__ import annotations

from datetime import datetime, timezone

from cafe24_pipeline.cafe24.models import Order
from cafe24_pipeline.sync.order_frames import order_frames
from cafe24_pipeline.sync.orders import OrderSync, SyncReport
from tests.unit.test_orders_frames import raw_order

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)


def write(store, raw):
    sync = OrderSync(store, None, "mall", clock=lambda: NOW)
    report = SyncReport("mall", "test")
    with store.transaction() as conn:
        sync._write(order_frames("mall", [Order.from_api(raw)], synced_at=NOW), report, source="poll", conn=conn)
    return report


def test_unchanged_skipped_changed_receiver_and_status_written(store):
    first = write(store, raw_order())
    assert (first.stored_orders, first.history_rows, first.unchanged) == (1, 1, 0)
    again = write(store, raw_order())
    assert (again.stored_orders, again.history_rows, again.unchanged) == (0, 0, 1)

    moved = raw_order()
    moved["receivers"][0]["address1"] = "Busan"
    assert write(store, moved).stored_orders == 1
    assert store.read("select address1 from cafe24_order_receivers")["address1"].to_list() == ["Busan"]

    shipped = raw_order(status="N30")
    shipped["receivers"][0]["address1"] = "Busan"
    report = write(store, shipped)
    assert (report.stored_orders, report.history_rows) == (1, 1)
    assert store.read("select oms_status from cafe24_order_items")["oms_status"].to_list() == ["In_transit"]
    assert store.read("select status from oms_orders")["status"].to_list() == ["In_transit"]
    assert store.row_counts()["cafe24_order_status_history"] == 2


def write_page(store, raws):
    sync = OrderSync(store, None, "mall", clock=lambda: NOW)
    report = SyncReport("mall", "test")
    with store.transaction() as conn:
        sync._write(order_frames("mall", [Order.from_api(r) for r in raws], synced_at=NOW), report, source="poll", conn=conn)
    return report


def test_page_of_two_shops_only_changed_orders_rewritten(store):
    """Stored rows are looked up by (shop_no, order_id): each shop's orders are compared with their own."""
    page = [raw_order(), raw_order(order_id="20261126-0000002", shop_no=2), raw_order(order_id="20261126-0000003", shop_no=2)]
    first = write_page(store, page)
    assert (first.stored_orders, first.stored_items, first.history_rows, first.unchanged) == (3, 3, 3, 0)
    again = write_page(store, page)
    assert (again.stored_orders, again.history_rows, again.unchanged) == (0, 0, 3)
    page[1]["receivers"][0]["address1"] = "Busan"
    page[2]["items"][0]["order_status"] = "N40"
    changed = write_page(store, page)
    assert (changed.stored_orders, changed.history_rows, changed.unchanged) == (2, 1, 1)
    rows = store.read("select shop_no, order_id, oms_status from cafe24_order_items order by order_id").rows()
    assert rows == [(1, "20261126-0000001", "Partial"), (2, "20261126-0000002", "Partial"), (2, "20261126-0000003", "Complete")]
    assert store.read("select address1 from cafe24_order_receivers where shop_no = 2 order by order_id")["address1"].to_list() == [
        "Busan", "Seoul",
    ]  # fmt: skip
