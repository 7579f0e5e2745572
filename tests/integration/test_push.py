"""Push OMS → Cafe24 against the sandbox over HTTP, on SQLite and PostgreSQL (issue 12)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import polars as pl
import pytest

from cafe24_pipeline.cafe24.errors import ReauthRequired
from cafe24_pipeline.cafe24.auth import OAuthClient
from cafe24_pipeline.mall_access import load_connection, token_store
from tests.integration.push_support import cafe24_variant, push_world, variant_price, variant_quantity


def _linked(world) -> pl.DataFrame:  # noqa: ANN001
    listings = world.store.read_table("oms_listings", {"mall_id": world.mall})
    return listings.join(world.master(), on="sku").sort("product_no", "variant_code")


def _groups_and_singles(world, groups: int, singles: int):  # noqa: ANN001, ANN202
    linked = _linked(world)
    grouped = linked.filter(pl.col("parent_sku").is_not_null())
    single = linked.filter(pl.col("parent_sku").is_null() & pl.col("active"))
    group_nos = grouped["product_no"].unique(maintain_order=True).to_list()[:groups]
    single_nos = single["product_no"].unique(maintain_order=True).to_list()[:singles]
    return linked, group_nos, single_nos


def test_changes_cost_at_most_two_writes_per_product_and_cafe24_holds_them(tmp_path, store_url):
    with push_world(tmp_path, store_url) as world:
        linked, group_nos, single_nos = _groups_and_singles(world, 2, 2)
        changed: dict[str, dict] = {}
        for no in group_nos:  # every variant of the group: new stock; one variant a new price; the MRP
            rows = linked.filter(pl.col("product_no") == no).to_dicts()
            for i, row in enumerate(rows):
                values = {"stock": 100 + i}
                if i == 0:
                    values["selling_price"] = row["selling_price"] - Decimal(1000)
                values["mrp"] = max(r["selling_price"] for r in rows) + Decimal(5000)
                world.set(row["sku"], **values)
                changed[row["sku"]] = {**row, **values}
        for no in single_nos:
            row = linked.filter(pl.col("product_no") == no).to_dicts()[0]
            values = {"stock": 7, "selling_price": Decimal("15000"), "mrp": Decimal("20000"), "active": False}
            world.set(row["sku"], **values)
            changed[row["sku"]] = {**row, **values}
        world.reset_stats()
        result = world.push()
        products = len(group_nos) + len(single_nos)
        assert result.details["failed"] == 0 and result.details["conflicts"] == 0
        assert world.write_calls() <= 2 * products
        for sku, want in changed.items():
            product = world.cafe24_product(want["product_no"])
            variant = cafe24_variant(product, want["variant_code"])
            assert variant_quantity(variant) == want["stock"], sku
            assert variant_price(product, want["variant_code"]) == want["selling_price"], sku
            assert Decimal(product["retail_price"]) == want["mrp"], sku
            if want.get("active") is False:  # no longer sold (it may have been hidden already)
                assert not (product["display"] == "T" and product["selling"] == "T"), sku
        # a second push makes zero writes; so does a catalogue sync followed by a push (echoes are no change)
        world.reset_stats()
        assert world.push().details["products"] == 0 and world.write_calls() == 0
        world.sync_catalog()
        assert world.diff().empty
        log = world.tables.log(world.mall)
        assert set(log["result"].unique().to_list()) <= {"success", "no_change"}
        assert log.filter(pl.col("kind") == "stock").height == len(changed)


def test_storms_end_with_the_right_values_and_a_complete_log(tmp_path, store_url):
    with push_world(tmp_path, store_url) as world:
        linked, group_nos, single_nos = _groups_and_singles(world, 2, 2)
        targets = linked.filter(pl.col("product_no").is_in(group_nos + single_nos)).to_dicts()
        for i, row in enumerate(targets):
            world.set(row["sku"], stock=300 + i)
        world.fault("429", "products/*/variants", method="PUT", count=3)
        world.fault("503", "products/*/variants", method="PUT", count=2)
        world.fault("latency", "products/*/variants", method="PUT", count=1, latency_ms=3000)
        with world.client(timeout=1.0) as client:
            result = world.push(client)
            assert client.stats.rate_limited_429 == 3 and client.stats.retries >= 3
        assert result.details["failed"] == 0
        for i, row in enumerate(targets):
            product = world.cafe24_product(row["product_no"])
            assert variant_quantity(cafe24_variant(product, row["variant_code"])) == 300 + i
        log = world.tables.log(world.mall)
        assert sorted(log.filter(pl.col("kind") == "stock")["sku"].to_list()) == sorted(r["sku"] for r in targets)


def test_a_price_changed_on_cafe24_after_our_read_is_reported_not_overwritten(tmp_path, store_url):
    with push_world(tmp_path, store_url) as world:
        linked, _, single_nos = _groups_and_singles(world, 0, 1)
        row = linked.filter(pl.col("product_no") == single_nos[0]).to_dicts()[0]
        world.control("PUT", f"{world.mall}/products/{row['product_no']}", {"price": "55500"})  # the merchant
        world.set(row["sku"], selling_price=Decimal("12000"), stock=3)
        result = world.push()
        assert result.details["conflicts"] == 1
        product = world.cafe24_product(row["product_no"])
        assert Decimal(product["price"]) == Decimal("55500")  # not overwritten
        assert variant_quantity(cafe24_variant(product, row["variant_code"])) == 3  # stock still went out
        conflict = world.tables.log(world.mall).filter(pl.col("result") == "conflict")
        assert conflict.height == 1 and "55,500" in conflict["error"][0]
        assert world.diff().products.height == 0  # held: no retry loop
        world.set(row["sku"], selling_price=Decimal("13000"))  # the OMS decides again: pushed
        assert world.push().details["conflicts"] == 1  # Cafe24 still differs from what we last read...
        world.sync_catalog()  # ...until we have read the merchant's price
        world.set(row["sku"], selling_price=Decimal("13000"))
        assert world.push().details["conflicts"] == 0
        assert Decimal(world.cafe24_product(row["product_no"])["price"]) == Decimal("13000")


def test_a_failed_variant_backs_off_and_gives_up_visibly(tmp_path, store_url):
    with push_world(tmp_path, store_url) as world:
        linked, group_nos, _ = _groups_and_singles(world, 1, 0)
        rows = linked.filter(pl.col("product_no") == group_nos[0]).to_dicts()
        gone, kept = rows[0], rows[1]
        # the merchant deleted one variant on Cafe24 after our last read: its write fails per item (207)
        world.server.sandbox.state.mall(world.mall).delete_variant(
            world.server.sandbox.state.mall(world.mall).products[gone["product_no"]],
            next(
                v
                for v in world.server.sandbox.state.mall(world.mall).products[gone["product_no"]].variants
                if v.variant_code == gone["variant_code"]
            ),
        )
        world.set(gone["sku"], stock=11)
        world.set(kept["sku"], stock=12)
        first = world.push(max_attempts=3)
        assert first.details["failed"] == 1 and first.details["variants"] == 1
        state = world.tables.push_state(world.mall).filter(pl.col("variant_code") == gone["variant_code"]).row(0, named=True)
        assert state["failures"] == 1 and state["next_attempt_at"] is not None and state["gave_up_at"] is None
        for _ in range(2):
            world.push(max_attempts=3, manual=True)
        state = world.tables.push_state(world.mall).filter(pl.col("variant_code") == gone["variant_code"]).row(0, named=True)
        assert state["failures"] == 3 and state["gave_up_at"] is not None
        assert world.diff(manual=False).empty  # given up: the sensor stops trying
        assert world.tables.backlog(world.mall)["gave_up"] == 1
        failed = world.tables.log(world.mall).filter(pl.col("result") == "failed")
        assert failed.height == 3 and failed["attempt"].to_list() == [1, 2, 3]


def test_a_push_without_a_valid_token_ends_reauth_required_with_nothing_written(tmp_path, store_url):
    with push_world(tmp_path, store_url) as world:
        sku = _linked(world)["sku"][0]
        refresh = token_store(world.settings, world.store).load(world.mall).refresh_token
        OAuthClient(world.settings).refresh(world.mall, refresh)  # the grant dies elsewhere
        world.control("POST", "tokens/expire", {"mall": world.mall})
        world.set(sku, stock=9)
        world.reset_stats()
        with pytest.raises(ReauthRequired):
            world.push()
        assert world.writes_applied() == 0  # the one PUT tried was answered 401: nothing changed
        assert load_connection(world.store, world.mall).status == "reauth_required"
        assert world.tables.log(world.mall).height == 0
        row = _linked(world).filter(pl.col("sku") == sku).row(0, named=True)
        quantity = variant_quantity(cafe24_variant(world.cafe24_product(row["product_no"]), row["variant_code"]))
        assert quantity != 9


def test_sync_stock_sends_every_stock_even_when_nothing_differs(tmp_path, store_url):
    with push_world(tmp_path, store_url) as world:
        per_product = _linked(world).group_by("product_no").len()
        calls = sum(-(-n // 100) for n in per_product["len"].to_list())  # ≤ 100 variants per bulk call
        world.reset_stats()
        result = world.push(kinds=("stock",), full_stock=True, manual=True)
        assert result.details["failed"] == 0 and result.details["products"] == per_product.height
        assert world.write_calls() == calls  # one bulk variant call per product (per 100 variants)


def test_cafe24_set_back_to_our_last_read_after_a_push_is_seen_and_pushed_again(tmp_path, store_url):
    with push_world(tmp_path, store_url) as world:
        row = _linked(world).row(0, named=True)
        old = variant_quantity(cafe24_variant(world.cafe24_product(row["product_no"]), row["variant_code"]))
        world.set(row["sku"], stock=old + 10)
        assert world.push().details["variants"] == 1
        # the merchant puts the old quantity back: the mirror's content equals what it held before the push
        world.control(
            "PUT",
            f"{world.mall}/products/{row['product_no']}",
            {"variants": [{"variant_code": row["variant_code"], "quantity": old}]},
        )
        world.sync_catalog()
        assert world.diff().empty  # less stock on Cafe24 than in the OMS: maybe an order the OMS has not seen
        world.store.record_sync(
            world.mall, "orders.new", success=True, high_water_mark=datetime.now(timezone.utc)
        )  # the orders up to the read are in
        diff = world.diff()
        assert diff.variants["set_quantity"].to_list() == [old + 10]  # the later read wins over our older answer
