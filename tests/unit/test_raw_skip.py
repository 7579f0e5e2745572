"""Raw order hashes (sync/raw_skip.py): stable, and only for orders the hash can vouch for."""

from __future__ import annotations

import polars as pl

from cafe24_pipeline.sync.raw_skip import HASH_SCHEMA, raw_hashes, unchanged_keys, without
from tests.unit.test_orders_frames import raw_order


def test_the_hash_ignores_key_order_and_changes_with_any_value():
    order = raw_order("A-1")
    reordered = dict(reversed(list(order.items())))
    changed = raw_order("A-1", status="N40")
    first, again, other = (raw_hashes([o], 1)["raw_hash"][0] for o in (order, reordered, changed))
    assert first == again
    assert first != other


def test_orders_the_hash_cannot_vouch_for_are_left_out():
    twice = raw_order("A-2")
    records = [raw_order("A-1"), twice, dict(twice), raw_order("A-3", shop_no="2"), "not an object", {"order_id": None}]
    hashes = raw_hashes(records, 1)
    assert hashes["order_id"].to_list() == ["A-1"]  # A-2 is on the page twice, A-3's shop is text
    assert hashes.schema == pl.Schema(HASH_SCHEMA)


def test_a_record_without_shop_no_takes_the_pages_shop():
    record = raw_order("B-1")
    del record["shop_no"]
    assert raw_hashes([record], 2).select("shop_no", "order_id").row(0) == (2, "B-1")


def test_only_equal_stored_hashes_make_an_order_unchanged():
    records = [raw_order("A-1"), raw_order("A-2"), raw_order("A-3")]
    hashes = raw_hashes(records, 1)
    stored = hashes.with_columns(
        pl.when(pl.col("order_id") == "A-2").then(pl.lit("0" * 32)).otherwise(pl.col("raw_hash")).alias("raw_hash")
    ).filter(pl.col("order_id") != "A-3")
    same = unchanged_keys(hashes, stored)
    assert same == {(1, "A-1")}
    assert [r["order_id"] for r in without(records, 1, same)] == ["A-2", "A-3"]
    assert unchanged_keys(hashes, stored.clear()) == set()
