"""Order fulfilment against the sandbox over HTTP (issue 13): every path with the sandbox's item
statuses and the OMS statuses matching DESIGN.md §6 at every step, on SQLite and PostgreSQL."""

from __future__ import annotations

import polars as pl
import pytest

from cafe24_pipeline.oms.order_state import TransitionNotAllowed
from cafe24_pipeline.store.fulfilment import FulfilmentTables
from tests.integration.fulfilment_support import fulfilment_world


def test_rfp_then_seller_cancel_gives_the_stock_back(tmp_path, store_url):
    with fulfilment_world(tmp_path, store_url) as fw:
        variant = fw.in_stock_variant()
        order = fw.place_order(variant, quantity=2)
        order_id, code = order["order_id"], order["items"][0]["order_item_code"]
        fw.sync_orders()
        assert fw.oms(order_id) == {code: "New"}
        stock_before = fw.stock(variant["sku"])
        with fw.world.client() as client:
            result = fw.fulfilment(client).rfp(order_id)
            assert result.moved == [code]
            assert fw.cafe24(order_id) == {code: "N20"} and fw.oms(order_id) == {code: "RFP"}
            again = fw.fulfilment(client).rfp(order_id)  # idempotent
            assert again.moved == [] and again.already == [code]
            cancelled = fw.fulfilment(client).cancel(order_id, reason="out of packaging")
        assert cancelled.moved == [code]
        assert fw.cafe24(order_id)[code].startswith("C4") and fw.oms(order_id) == {code: "Cancelled_by_seller"}
        assert fw.oms_order(order_id) == "Cancelled_by_seller"
        assert fw.stock(variant["sku"]) == stock_before + 2
        fw.sync_orders()  # the status sync agrees
        assert fw.oms(order_id) == {code: "Cancelled_by_seller"}
        history = FulfilmentTables(fw.store).transitions(fw.mall, order_id)
        assert history.select("action", "from_status", "to_status").rows() == [
            ("rfp", "New", "RFP"),
            ("cancel", "RFP", "Cancelled_by_seller"),
        ]
        assert history["actor"].unique().to_list() == ["cli"] and history["cafe24_request"].null_count() == 0


def test_shipped_by_the_sales_channel_then_in_transit_then_complete(tmp_path, store_url):
    with fulfilment_world(tmp_path, store_url) as fw:
        FulfilmentTables(fw.store).set_settings(
            fw.mall,
            shipping_mode="channel",
            carrier=None,
            now=__import__("datetime").datetime.now(__import__("datetime").timezone.utc),
        )
        order = fw.place_order(fw.in_stock_variant())
        order_id, code = order["order_id"], order["items"][0]["order_item_code"]
        fw.sync_orders()
        with fw.world.client() as client:
            with pytest.raises(Exception, match="has not registered a tracking number"):
                fw.fulfilment(client).ready_to_ship(order_id)
            fw.control(
                "POST",
                f"orders/{order_id}/shipments",
                {"tracking_no": "CH1234567890", "shipping_company_code": "0006", "status": "standby"},
            )
            result = fw.fulfilment(client).ready_to_ship(order_id)
            assert result.tracking_number == "CH1234567890" and result.label_path is None
            assert fw.oms(order_id) == {code: "Ready_to_Ship"} and fw.cafe24(order_id) == {code: "N21"}
            shipped = fw.fulfilment(client).ship(order_id)
        assert shipped.moved == [code]
        assert fw.cafe24(order_id) == {code: "N30"} and fw.oms(order_id) == {code: "In_transit"}
        fw.control("POST", f"orders/{order_id}/deliver", {})
        fw.sync_orders()
        assert fw.cafe24(order_id) == {code: "N40"} and fw.oms(order_id) == {code: "Complete"}
        items = fw.store.read_table("oms_order_items", {"mall_id": fw.mall, "order_id": order_id})
        assert items["tracking_number"].to_list() == ["CH1234567890"]


def test_cancellation_is_refused_once_ready_to_ship_and_nothing_is_sent(tmp_path, store_url):
    with fulfilment_world(tmp_path, store_url) as fw:
        from datetime import datetime, timezone

        FulfilmentTables(fw.store).set_settings(fw.mall, shipping_mode="channel", carrier=None, now=datetime.now(timezone.utc))
        order = fw.place_order(fw.in_stock_variant())
        order_id, code = order["order_id"], order["items"][0]["order_item_code"]
        fw.sync_orders()
        fw.control(
            "POST", f"orders/{order_id}/shipments", {"tracking_no": "CH99", "shipping_company_code": "0006", "status": "standby"}
        )
        with fw.world.client() as client:
            fw.fulfilment(client).ready_to_ship(order_id)
            writes = fw.writes()
            with pytest.raises(TransitionNotAllowed, match="can no longer be cancelled"):
                fw.fulfilment(client).cancel(order_id)
        assert fw.writes() == writes and fw.cafe24(order_id) == {code: "N21"}
        assert fw.oms(order_id) == {code: "Ready_to_Ship"}


def test_buyer_cancellation_maps_to_cancel_in_process_then_canceled(tmp_path, store_url):
    with fulfilment_world(tmp_path, store_url) as fw:
        order = fw.place_order(fw.in_stock_variant())
        order_id, code = order["order_id"], order["items"][0]["order_item_code"]
        fw.sync_orders()
        fw.control("POST", f"orders/{order_id}/cancellation-request", {"reason": "changed my mind"})
        fw.sync_orders()
        assert fw.cafe24(order_id) == {code: "C00"} and fw.oms(order_id) == {code: "Cancel_in_Process"}
        fw.control("POST", f"orders/{order_id}/items/{code}/status", {"status": "C40"})
        fw.sync_orders()
        assert fw.oms(order_id) == {code: "Canceled"}


def test_partial_orders_wait_for_stock(tmp_path, store_url):
    with fulfilment_world(tmp_path, store_url) as fw:
        variant = fw.in_stock_variant()
        order = fw.place_order(variant, quantity=variant["stock"] + 5)
        order_id, code = order["order_id"], order["items"][0]["order_item_code"]
        fw.sync_orders()
        assert fw.oms(order_id) == {code: "Partial"}
        with fw.world.client() as client:
            with pytest.raises(TransitionNotAllowed, match="waiting for stock"):
                fw.fulfilment(client).rfp(order_id)
        assert fw.cafe24(order_id) == {code: "N10"}


def _two_item_order(fw):  # noqa: ANN001, ANN202
    linked = (
        fw.store.read_table("oms_listings", {"mall_id": fw.mall})
        .join(fw.store.read_table("oms_products"), on="sku")
        .filter((pl.col("stock") >= 3) & pl.col("active"))
        .sort("product_no", "variant_code")
    )
    a, b = linked.row(0, named=True), linked.row(1, named=True)
    order = fw.place_order(a, b)
    return order["order_id"], [i["order_item_code"] for i in order["items"]]


def test_self_ship_split_into_two_shipments_each_with_tracking_and_label(tmp_path, store_url):
    from pypdf import PdfReader

    with fulfilment_world(tmp_path, store_url) as fw:
        order_id, (first, second) = _two_item_order(fw)
        fw.sync_orders()
        with fw.world.client() as client:
            one = fw.fulfilment(client).ready_to_ship(order_id, [first])
            assert fw.cafe24(order_id) == {first: "N21", second: "N10"}
            assert fw.oms(order_id) == {first: "Ready_to_Ship", second: "New"}
            assert fw.oms_order(order_id) == "New"  # work still to do shows on the order
            two = fw.fulfilment(client).ready_to_ship(order_id, [second])
            assert one.tracking_number != two.tracking_number
            for result in (one, two):
                text = PdfReader(result.label_path).pages[0].extract_text()
                assert result.tracking_number in text and order_id in text
            shipments = fw.cafe24_shipments(order_id)
            assert sorted(s["tracking_no"] for s in shipments) == sorted([one.tracking_number, two.tracking_number])
            assert fw.oms_order(order_id) == "Ready_to_Ship"
            fw.fulfilment(client).ship(order_id, [first])
            assert fw.oms(order_id) == {first: "In_transit", second: "Ready_to_Ship"}
            assert fw.oms_order(order_id) == "Ready_to_Ship"  # In_transit only when all its items are
            fw.fulfilment(client).ship(order_id)
        assert fw.cafe24(order_id) == {first: "N30", second: "N30"} and fw.oms_order(order_id) == "In_transit"
        fw.control("POST", f"orders/{order_id}/deliver", {})
        fw.sync_orders()
        assert fw.oms_order(order_id) == "Complete"
        outbox = FulfilmentTables(fw.store).outbox(fw.mall)
        assert sorted(outbox["tracking_number"].to_list()) == sorted([one.tracking_number, two.tracking_number])


def test_a_timed_out_shipment_post_ends_with_exactly_one_shipment(tmp_path, store_url):
    with fulfilment_world(tmp_path, store_url) as fw:
        order = fw.place_order(fw.in_stock_variant())
        order_id, code = order["order_id"], order["items"][0]["order_item_code"]
        fw.sync_orders()
        fw.world.fault("applied_504", "orders/*/shipments", method="POST", count=1)
        fw.world.fault("applied_latency", "orders/*/shipments", method="POST", count=1, latency_ms=3000)
        with fw.world.client(timeout=1.0) as client:
            first = fw.fulfilment(client).ready_to_ship(order_id)  # 504 after applying: settled by re-read
            again = fw.fulfilment(client).ready_to_ship(order_id)  # a retry by the operator: nothing new
        assert again.moved == [] and again.already == [code]
        shipments = fw.cafe24_shipments(order_id)
        assert len(shipments) == 1 and shipments[0]["tracking_no"] == first.tracking_number
        assert fw.cafe24(order_id) == {code: "N21"} and fw.oms(order_id) == {code: "Ready_to_Ship"}
        # a second order whose POST answer is lost to a client timeout (the write landed): still one
        order2 = fw.place_order(fw.in_stock_variant())
        fw.sync_orders()
        with fw.world.client(timeout=1.0) as client:
            second = fw.fulfilment(client).ready_to_ship(order2["order_id"])
        assert [s["tracking_no"] for s in fw.cafe24_shipments(order2["order_id"])] == [second.tracking_number]


def test_wms_picked_event_moves_the_order_to_ready_to_ship(tmp_path, store_url):
    from datetime import datetime, timezone

    from cafe24_pipeline.run_fulfilment import run_actions

    with fulfilment_world(tmp_path, store_url) as fw:
        order = fw.place_order(fw.in_stock_variant())
        order_id, code = order["order_id"], order["items"][0]["order_item_code"]
        fw.sync_orders()
        tables = FulfilmentTables(fw.store)
        assert tables.add_wms_event(fw.mall, order_id, at=datetime.now(timezone.utc))
        assert not tables.add_wms_event(fw.mall, order_id, at=datetime.now(timezone.utc))  # duplicates are normal
        [event] = tables.pending_wms_events(fw.mall)
        with fw.world.client() as client:
            outcome = run_actions(
                fw.store,
                client,
                fw.world.settings,
                fw.mall,
                action="ready_to_ship",
                order_ids=[order_id],
                items=None,
                reason=None,
                actor="wms",
                run_id="r1",
                wms_event_ids=[event["id"]],
            )
        assert outcome.done == 1 and tables.pending_wms_events(fw.mall) == []
        assert fw.oms(order_id) == {code: "Ready_to_Ship"} and fw.cafe24(order_id) == {code: "N21"}
        assert tables.transitions(fw.mall, order_id)["actor"].to_list() == ["wms"]
