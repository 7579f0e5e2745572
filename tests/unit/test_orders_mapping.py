"""Cafe24 items → OMS orders/items: New vs Partial by stock, unknown codes never defaulted."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl
import pytest

from cafe24_pipeline.cafe24.models import Order
from cafe24_pipeline.oms import status_map as sm
from cafe24_pipeline.oms.order_mapping import map_orders
from cafe24_pipeline.sync.order_frames import order_frames
from tests.unit.test_orders_frames import raw_order

NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)


def frames(*raws):
    return order_frames("mall", [Order.from_api(r) for r in raws], synced_at=NOW)


def mapped(f, stock, current=None):
    return map_orders(f.orders, f.items, stock_by_sku=stock, current_items=current or {}, current_created_at={}, now=NOW)


def test_in_stock_order_is_new_out_of_stock_partial():
    f = frames(raw_order())
    assert mapped(f, {"SKU-RED": 2}).orders["status"].to_list() == [sm.NEW]
    short = mapped(f, {"SKU-RED": 1})
    assert short.orders["status"].to_list() == [sm.PARTIAL]
    assert short.item_oms_status == {"20261126-0000001-01": sm.PARTIAL}


def test_cafe24_delivered_maps_to_complete():
    m = mapped(frames(raw_order(status="N40")), {})
    assert m.orders["status"].to_list() == [sm.COMPLETE]
    assert m.orders["status_map_version"].to_list() == [sm.STATUS_MAP_VERSION]


def test_unknown_code_leaves_order_unmapped_and_reported():
    m = mapped(frames(raw_order(status="Z99"), raw_order(order_id="20261126-0000002")), {"SKU-RED": 9})
    assert m.orders["order_id"].to_list() == ["20261126-0000002"]
    assert m.unmapped == [{"order_id": "20261126-0000001", "order_item_code": "20261126-0000001-01", "order_status": "Z99"}]
    assert m.item_oms_status["20261126-0000001-01"] is None


def test_oms_progress_is_kept_and_times_carried_over():
    earlier = datetime(2026, 11, 26, tzinfo=timezone.utc)
    current = {"20261126-0000001-01": {"status": sm.RFP, "created_at": earlier, "status_changed_at": earlier}}
    m = mapped(frames(raw_order(status="N20")), {"SKU-RED": 5}, current)
    row = m.items.row(0, named=True)
    assert (row["status"], row["created_at"], row["status_changed_at"]) == (sm.RFP, earlier, earlier)


def test_oms_tracking_number_kept_until_cafe24_has_one():
    stored = {"20261126-0000001-01": {"status": sm.READY_TO_SHIP, "tracking_number": "OMS-123", "carrier": "0006"}}
    m = mapped(frames(raw_order(status="N20")), {"SKU-RED": 5}, stored)
    row = m.items.row(0, named=True)
    assert (row["status"], row["tracking_number"], row["carrier"]) == (sm.READY_TO_SHIP, "OMS-123", "0006")
    shipped = raw_order(status="N30")
    shipped["items"][0].update(tracking_no="CJ-999", shipping_company_code="0006")
    row = mapped(frames(shipped), {"SKU-RED": 5}, stored).items.row(0, named=True)
    assert (row["status"], row["tracking_number"]) == (sm.IN_TRANSIT, "CJ-999")


def test_stored_rows_as_frames_map_like_dicts():
    """The sync passes the store's reads as frames; the result must not depend on the form."""
    earlier = datetime(2026, 11, 26, tzinfo=timezone.utc)
    f = frames(raw_order(status="N20"), raw_order(order_id="20261126-0000002", status="N30"))
    current = {
        "20261126-0000001-01": {"status": sm.RFP, "created_at": earlier, "status_changed_at": earlier, "tracking_number": "T-1"},
    }
    created = {"20261126-0000001": earlier}
    as_dicts = map_orders(f.orders, f.items, stock_by_sku={"SKU-RED": 9}, current_items=current,
                          current_created_at=created, now=NOW)  # fmt: skip
    as_frames = map_orders(
        f.orders, f.items, stock_by_sku={"SKU-RED": 9},
        current_items=pl.DataFrame([{"order_item_code": k, **v} for k, v in current.items()]),
        current_created_at=pl.DataFrame({"order_id": list(created), "created_at": list(created.values())}),
        now=NOW,
    )  # fmt: skip
    assert as_frames.items.equals(as_dicts.items) and as_frames.orders.equals(as_dicts.orders)
    assert as_frames.item_oms_status == as_dicts.item_oms_status == {
        "20261126-0000001-01": sm.RFP, "20261126-0000002-01": sm.IN_TRANSIT,
    }  # fmt: skip
    first, second = as_frames.orders.rows(named=True)
    assert (first["created_at"], second["created_at"]) == (earlier, NOW)
    assert as_frames.items["tracking_number"].to_list() == ["T-1", None]


def test_items_without_their_order_are_refused():
    f = frames(raw_order())
    with pytest.raises(ValueError, match="without the order"):
        map_orders(f.orders.clear(), f.items, stock_by_sku={}, current_items={}, current_created_at={}, now=NOW)
