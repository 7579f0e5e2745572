"""A product Cafe24 returns malformed is never stepped over by the incremental high-water mark:
it stays pending in `sync_state`, is fetched again by the next runs and reported until it parses.

The fault probe's case: a merchant changed a price (to 33,333) and the incremental run that saw the
change could not parse that record; the mark moved past it, and the product kept its stale price
through every following incremental run (both said OK) until the daily full scan."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import dagster as dg
import pytest

from cafe24_pipeline.sync.catalog import STREAM_PRODUCTS, pending_products
from tests.integration.catalog_support import MALL, make_world

pytestmark = pytest.mark.slow  # several Dagster runs against the sandbox per store


@pytest.fixture
def world(sandbox_factory, store_url, tmp_path, monkeypatch):
    server = sandbox_factory(malls=[MALL], products=12, orders=0)
    w = make_world(server, store_url, tmp_path / "home", monkeypatch)
    yield w
    w.instance.dispose()
    w.store.close()


def _meta(result: dg.ExecuteInProcessResult, asset: str = "cafe24/products") -> dict:
    key = dg.AssetKey(asset.split("/"))
    mats = [
        e.event_specific_data.materialization
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION" and e.event_specific_data.materialization.asset_key == key
    ]
    assert mats, f"{asset} was not materialized"
    return {k: getattr(v, "value", v) for k, v in mats[-1].metadata.items()}


def _price(world, product_no: int) -> Decimal:
    return world.store.read_table("cafe24_products", {"mall_id": MALL, "shop_no": 1, "product_no": product_no})["price"].item()


def _incremental(world):
    # overlap 0: each run's window starts exactly at the previous mark, so only the mark (or the
    # pending list) can bring the record back, as with runs 30 minutes apart and a 10-minute overlap
    return world.run("catalog_incremental_job", mode="auto", safety_lag_seconds=0, overlap_minutes=0)


def test_a_malformed_record_stays_pending_until_it_parses(world):
    assert world.run("catalog_job").success
    no = int(world.store.read_table("cafe24_products", {"mall_id": MALL, "shop_no": 1})["product_no"].min())
    stale = _price(world, no)
    world.control("PUT", f"products/{no}", {"price": "33333.00"})
    # Cafe24's date filters have whole seconds: a window starting in the second of the change would
    # list the product again. The first run starts in a later second, so the windows after it don't.
    time.sleep(1.05 - time.time() % 1)
    # the product is listed in both shops of the mall: both reads come back with an unreadable price
    world.fault(kind="malformed", path="products", method="GET", field="price", value="not-a-price", count=2)
    both = {1: {no}, 2: {no}}
    named = [f"shop 1: {no}", f"shop 2: {no}"]

    first = _incremental(world)
    assert first.success
    assert _price(world, no) == stale
    meta = _meta(first)
    assert meta["skipped_by_reason"].get("malformed") == 2
    assert meta["malformed_product_nos"] == named
    assert meta["pending_malformed"] == 2
    state = world.store.get_sync_state(MALL, STREAM_PRODUCTS)
    assert pending_products(state) == both
    assert json.loads(state.details)["pending"] == 2

    # run 2 reads: the (empty) window of shop 1 and of shop 2, then the two retries, all malformed
    world.fault(kind="malformed", path="products", method="GET", field="price", value="not-a-price", count=4)
    second = _incremental(world)  # still malformed: still pending, reported again
    assert second.success
    assert _price(world, no) == stale
    assert _meta(second)["malformed_product_nos"] == named
    assert pending_products(world.store.get_sync_state(MALL, STREAM_PRODUCTS)) == both

    third = _incremental(world)  # it parses now: stored, no longer pending
    assert third.success
    assert _price(world, no) == Decimal("33333.00")
    meta = _meta(third)
    assert meta["pending_malformed"] == 0 and meta["pending_resolved_product_nos"] == [no, no]
    state = world.store.get_sync_state(MALL, STREAM_PRODUCTS)
    assert pending_products(state) == {} and json.loads(state.details)["pending"] == 0
    listing = world.store.read_table("oms_listings", {"mall_id": MALL, "product_no": no})
    assert set(listing["confirmed_price"].to_list()) == {Decimal("33333.00")}


def test_a_malformed_record_without_a_product_no_holds_the_mark(world):
    assert world.run("catalog_job").success
    no = int(world.store.read_table("cafe24_products", {"mall_id": MALL, "shop_no": 1})["product_no"].max())
    mark = world.store.get_sync_state(MALL, STREAM_PRODUCTS).high_water_mark
    world.control("PUT", f"products/{no}", {"price": "33333.00"})
    world.fault(kind="malformed", path="products", method="GET", field="product_no", value="x", count=1)

    held = _incremental(world)
    assert held.success
    assert _meta(held)["high_water_mark"].startswith("held")
    assert world.store.get_sync_state(MALL, STREAM_PRODUCTS).high_water_mark == mark
    assert _price(world, no) != Decimal("33333.00")

    assert _incremental(world).success  # the same window is asked again and now parses
    assert _price(world, no) == Decimal("33333.00")
    assert world.store.get_sync_state(MALL, STREAM_PRODUCTS).high_water_mark > mark
