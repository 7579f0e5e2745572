"""Webhook events from the sandbox become real re-fetches, in `webhook_drain_job` runs: an order placed,
a status changed (single and bulk), stock changed on Cafe24 — each lands in the tables through the
polling code without any poll; our own stock push echoed back costs no re-fetch; the sensor asks for a
run only while events wait; the sweep recovers deliveries that failed. SQLite and PostgreSQL."""

from __future__ import annotations

import dagster as dg
import httpx
import polars as pl
import pytest

from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.sensors.webhooks import build_webhook_sensor, evaluate
from cafe24_pipeline.store.webhooks import WebhookInbox
from cafe24_pipeline.sync.lease import hold
from cafe24_pipeline.sync.push import PushConfig, Pusher
from cafe24_pipeline.webhooks.receiver import PATH, ReceiverConfig, build_app
from cafe24_pipeline.webhooks.server import ReceiverServer
from tests.integration.catalog_support import MALL
from tests.integration.webhook_support import KEY, make_hook_world


@pytest.fixture()
def hooked(sandbox_factory, store_url, tmp_path, monkeypatch):
    world = make_hook_world(sandbox_factory, store_url, tmp_path, monkeypatch)
    with ReceiverServer(build_app(ReceiverConfig(key=KEY), WebhookInbox(world.store)), port=0) as receiver:
        world.hooks(url=receiver.url + PATH)
        world.receiver_url = receiver.url + PATH
        yield world


def _product_reads(world) -> int:
    calls = world.control("GET", "stats")["calls"]
    return sum(n for key, n in calls.items() if key.startswith("GET") and "product" in key)


def test_order_placed_and_status_changes_are_stored_by_the_drain(hooked):
    w = hooked
    made = w.place_order("N10")
    order_id = made["order_id"]
    w.settle()
    assert [r["event_no"] for r in w.inbox() if r["event_no"] == 90023] == [90023]
    assert w.items(order_id) == []  # nothing polled: only the event knows about it

    run = w.drain()
    assert run.success
    items = w.items(order_id)
    assert {i["order_item_code"] for i in items} == {i["order_item_code"] for i in made["items"]}
    assert {i["order_status"] for i in items} == {"N10"}
    assert w.store.read_table("oms_orders", {"mall_id": MALL, "order_id": order_id}).height == 1
    assert {r["status"] for r in w.inbox()} <= {"done", "ignored"}
    meta = run.output_for_node("drain_webhook_inbox")
    assert meta["orders_refetched"] == 1 and meta["orders_stored"] == 1

    w.control("POST", f"orders/{order_id}/status", {"status": "N20"})
    second = w.place_order("N20")["order_id"]
    w.control("POST", "orders/status", {"order_ids": [order_id, second], "status": "N21"})  # one bulk event
    w.settle()
    assert w.drain().success
    assert {i["order_status"] for i in w.items(order_id)} == {"N21"}
    assert {i["order_status"] for i in w.items(second)} == {"N21"}
    history = w.store.read_table("cafe24_order_status_history", {"mall_id": MALL, "order_id": order_id})
    assert set(history["source"].to_list()) == {"webhook"}
    changes = history.group_by("order_item_code", "new_status").len()
    assert changes["len"].max() == 1  # each change stored once
    assert not WebhookInbox(w.store).pending(mall_id=MALL)


def test_a_stock_change_on_cafe24_reaches_the_variants_and_listings(hooked):
    w = hooked
    variant = w.store.read_table("cafe24_variants", {"mall_id": MALL, "shop_no": 1}).sort("variant_code").row(0, named=True)
    w.control(
        "PUT", f"products/{variant['product_no']}", {"variants": [{"variant_code": variant["variant_code"], "quantity": 0}]}
    )
    w.settle()
    assert w.drain().success
    after = w.store.read_table("cafe24_variants", {"mall_id": MALL, "shop_no": 1, "variant_code": variant["variant_code"]})
    assert after["quantity"].to_list() == [0]
    listing = w.store.read_table("oms_listings", {"mall_id": MALL, "shop_no": 1, "variant_code": variant["variant_code"]})
    if listing.height:  # a variant with a unique SKU is linked: its confirmed stock follows
        assert listing["confirmed_stock"].to_list() == [0]


def test_our_own_stock_push_echoed_back_costs_no_refetch(hooked):
    w = hooked
    w.drain()  # nothing waits after the import
    sku_row = (
        w.store.read_table("oms_listings", {"mall_id": MALL})
        .join(w.store.read_table("oms_products"), on="sku")
        .sort("product_no")
        .row(0, named=True)
    )
    stock = w.store.read_table("oms_products").filter(pl.col("sku") == sku_row["sku"])
    w.store.upsert("oms_products", stock.with_columns(pl.lit(0).alias("stock")))  # the OMS sells out
    with _client(w) as client:
        result = Pusher(w.store, client, MALL, config=PushConfig.from_settings(w.world.settings, kinds=("stock",))).run()
    assert result.details.get("failed", 0) == 0
    w.settle()
    events = [r for r in w.inbox() if r["status"] == "pending"]
    assert events and {r["event_no"] for r in events} <= {90002, 90075}
    before = _product_reads(w)
    assert w.drain().success
    assert {r["status"] for r in w.inbox() if r["id"] in {e["id"] for e in events}} == {"echo"}
    assert _product_reads(w) == before  # no product re-read


def _client(w):
    from cafe24_pipeline.mall_access import open_client

    return open_client(w.world.settings, w.store, MALL)


def test_the_sensor_asks_for_a_run_only_while_events_wait(hooked):
    w = hooked
    w.drain()
    assert evaluate(w.store, w.world.instance, [MALL])[0] == []
    w.place_order("N20")
    w.settle()
    requests, _ = evaluate(w.store, w.world.instance, [MALL])
    assert [r.partition_key for r in requests] == [MALL]
    assert evaluate(w.store, w.world.instance, [])[1] == [f"{MALL}: events waiting but the mall is not connected"]
    with hold(w.store, MALL, "cafe24/orders_new"):  # a long poll holds the mall: no run that can only fail
        requests, notes = evaluate(w.store, w.world.instance, [MALL])
    assert requests == [] and notes == [f"{MALL}: busy: cafe24/orders_new holds the mall; its events wait"]
    w.drain()
    assert evaluate(w.store, w.world.instance, [MALL])[0] == []


def test_failed_deliveries_are_recovered_by_the_sweep(hooked):
    w = hooked
    w.hooks(fail=True, fail_status=None)  # the receiver is "down"
    order_id = w.place_order("N20")["order_id"]
    logs = w.settle()
    assert any(log["success"] == "F" for log in logs)
    assert not [r for r in w.inbox() if r["event_no"] == 90023]
    run = w.drain("webhook_sweep_job")
    assert run.success
    swept = run.output_for_node("sweep_webhook_log")
    assert swept["recovered"] >= 1
    assert {i["order_status"] for i in w.items(order_id)} == {"N20"}
    again = w.drain("webhook_sweep_job")  # the cursor moved: nothing read twice
    assert again.success and again.output_for_node("sweep_webhook_log")["recovered"] == 0


def test_an_event_for_an_order_cafe24_does_not_have_is_settled_and_reported(hooked):
    w = hooked
    body = {"event_no": 90024, "resource": {"mall_id": MALL, "event_shop_no": "1", "order_id": "20991231-0000001"}}
    assert httpx.post(w.receiver_url, json=body, headers={"X-API-Key": KEY}).status_code == 200
    run = w.drain()
    assert run.success
    meta = run.output_for_node("drain_webhook_inbox")
    assert meta["orders_refetched"] == 1 and meta["orders_stored"] == 0 and meta["orders_skipped"] == 1
    assert [r["status"] for r in w.inbox() if r["event_no"] == 90024] == ["done"]
    assert w.items("20991231-0000001") == []


def test_the_sensor_definition_launches_one_drain_per_waiting_mall(hooked):
    w = hooked
    sensor = build_webhook_sensor(w.world.settings)
    resources = {"store": StoreResource(database_url=w.world.settings.database_url)}
    w.drain()
    with dg.build_sensor_context(instance=w.world.instance, resources=resources) as context:
        assert isinstance(sensor(context), dg.SkipReason)
    w.place_order("N20")
    w.settle()
    with dg.build_sensor_context(instance=w.world.instance, resources=resources) as context:
        requests = sensor(context)
    assert [r.partition_key for r in requests] == [MALL]
    assert requests[0].tags["cafe24/trigger"] == "webhook_sensor"
