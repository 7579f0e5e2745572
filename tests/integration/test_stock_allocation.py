"""OMS stock follows the orders (oms/allocation.py): an accepted order takes its units once, a
cancellation gives them back once, older orders are not counted twice, and the push therefore never
raises Cafe24 back over a sold unit. Against the sandbox over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from cafe24_pipeline.sync.orders import OrderSync, OrderSyncConfig
from tests.integration.fulfilment_support import fulfilment_world
from tests.integration.push_support import cafe24_variant, variant_quantity


def _cafe24_stock(fw, variant) -> int:  # noqa: ANN001
    product = fw.world.cafe24_product(variant["product_no"])
    return variant_quantity(cafe24_variant(product, variant["variant_code"]))


def test_an_order_takes_oms_stock_once_and_a_buyer_cancel_gives_it_back(tmp_path, store_url):
    with fulfilment_world(tmp_path, store_url) as fw:
        variant = fw.in_stock_variant()
        sku, before = variant["sku"], fw.stock(variant["sku"])
        order = fw.place_order(variant, quantity=2)
        order_id, code = order["order_id"], order["items"][0]["order_item_code"]
        fw.sync_orders()
        assert fw.oms(order_id) == {code: "New"}
        assert fw.stock(sku) == before - 2 == _cafe24_stock(fw, variant)
        fw.sync_orders()  # re-polled: nothing taken twice
        assert fw.stock(sku) == before - 2
        # the push has nothing to raise: the sold units stay sold on Cafe24
        fw.world.sync_catalog()
        assert [d for d in fw.world.diff().variants.to_dicts() if d["sku"] == sku and d["set_quantity"] is not None] == []

        fw.control("POST", f"orders/{order_id}/cancellation-request", {"reason": "changed my mind"})
        fw.sync_orders()
        assert fw.oms(order_id) == {code: "Cancel_in_Process"} and fw.stock(sku) == before - 2
        fw.control("POST", f"orders/{order_id}/items/{code}/status", {"status": "C40"})
        fw.sync_orders()
        assert fw.oms(order_id) == {code: "Canceled"} and fw.stock(sku) == before
        fw.sync_orders()
        assert fw.stock(sku) == before
        ledger = fw.store.read_table("oms_stock_allocations", {"mall_id": fw.mall})
        assert ledger.filter(ledger["order_item_code"] == code).select("quantity", "released_at").row(0)[0] == 2


def test_orders_older_than_the_oms_stock_are_not_counted_again(tmp_path, store_url):
    with fulfilment_world(tmp_path, store_url) as fw:  # 20 seeded orders, imported after the catalogue
        assert fw.store.read_table("oms_order_items", {"mall_id": fw.mall}).height > 0
        assert fw.store.read_table("oms_stock_allocations").height == 0
        master = fw.store.read_table("oms_products").select("sku", "stock")
        fw.sync_orders()
        assert fw.store.read_table("oms_products").select("sku", "stock").equals(master)


def test_partial_takes_nothing_until_stock_arrives(tmp_path, store_url):
    with fulfilment_world(tmp_path, store_url) as fw:
        variant = fw.in_stock_variant()
        sku, have = variant["sku"], fw.stock(variant["sku"])
        order = fw.place_order(variant, quantity=have + 3)
        order_id, code = order["order_id"], order["items"][0]["order_item_code"]
        fw.sync_orders()
        assert fw.oms(order_id) == {code: "Partial"} and fw.stock(sku) == have
        fw.world.set(sku, stock=have + 10)  # the warehouse received stock
        days = fw.store.read_table("cafe24_orders", {"mall_id": fw.mall, "order_id": order_id})["order_date_kst"].to_list()
        OrderSync(fw.store, None, fw.mall).remap_oms(days)
        assert fw.oms(order_id) == {code: "New"} and fw.stock(sku) == 7
        OrderSync(fw.store, None, fw.mall).remap_oms(days)  # stays New on its own units, takes nothing more
        assert fw.oms(order_id) == {code: "New"} and fw.stock(sku) == 7


def test_seller_cancel_gives_back_what_was_taken(tmp_path, store_url):
    with fulfilment_world(tmp_path, store_url) as fw:
        variant = fw.in_stock_variant()
        sku, before = variant["sku"], fw.stock(variant["sku"])
        order = fw.place_order(variant, quantity=1)
        fw.sync_orders()
        assert fw.stock(sku) == before - 1
        with fw.world.client() as client:
            result = fw.fulfilment(client).cancel(order["order_id"], reason="damaged")
        assert fw.stock(sku) == before and f"{sku} +1" in result.detail
        fw.sync_orders()  # Cafe24's cancellation seen by the status sync: given back once only
        assert fw.stock(sku) == before


def test_an_external_oms_allocates_itself(tmp_path, store_url, monkeypatch):
    with fulfilment_world(tmp_path, store_url) as fw:
        variant = fw.in_stock_variant()
        before = fw.stock(variant["sku"])
        fw.place_order(variant, quantity=2)
        monkeypatch.setenv("CAFE24_OMS_STOCK_ALLOCATION", "external")
        fw.sync_orders()
        assert fw.stock(variant["sku"]) == before
        assert fw.store.read_table("oms_stock_allocations").height == 0


def test_a_wrong_allocation_mode_is_one_clear_error():
    with pytest.raises(ValueError, match="CAFE24_OMS_STOCK_ALLOCATION must be 'pipeline' or 'external'"):
        OrderSyncConfig.from_env({"CAFE24_OMS_STOCK_ALLOCATION": "sometimes"})
