"""The push diff (oms/push_diff.py): Cafe24's price model, status mapping, echo suppression, holds."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import pytest

from cafe24_pipeline.oms.push_diff import compute_diff

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
READ = NOW - timedelta(hours=1)
D = Decimal

SCHEMA = {
    "shop_no": pl.Int64,
    "product_no": pl.Int64,
    "variant_code": pl.String,
    "sku": pl.String,
    "has_option": pl.Boolean,
    "oms_stock": pl.Int64,
    "oms_price": pl.Decimal(18, 2),
    "oms_mrp": pl.Decimal(18, 2),
    "oms_active": pl.Boolean,
    "oms_deleted": pl.Boolean,
    "delete_requested_at": pl.Datetime("us", "UTC"),
    "oms_updated_at": pl.Datetime("us", "UTC"),
    "m_stock": pl.Int64,
    "m_product_price": pl.Decimal(18, 2),
    "m_additional_amount": pl.Decimal(18, 2),
    "m_retail_price": pl.Decimal(18, 2),
    "m_product_display": pl.Boolean,
    "m_product_selling": pl.Boolean,
    "m_variant_display": pl.Boolean,
    "m_variant_selling": pl.Boolean,
    "m_product_synced_at": pl.Datetime("us", "UTC"),
    "m_variant_synced_at": pl.Datetime("us", "UTC"),
    "p_stock": pl.Int64,
    "p_stock_at": pl.Datetime("us", "UTC"),
    "p_additional_amount": pl.Decimal(18, 2),
    "p_additional_at": pl.Datetime("us", "UTC"),
    "p_variant_display": pl.Boolean,
    "p_variant_selling": pl.Boolean,
    "p_variant_status_at": pl.Datetime("us", "UTC"),
    "p_product_price": pl.Decimal(18, 2),
    "p_retail_price": pl.Decimal(18, 2),
    "p_product_price_at": pl.Datetime("us", "UTC"),
    "p_product_display": pl.Boolean,
    "p_product_selling": pl.Boolean,
    "p_product_status_at": pl.Datetime("us", "UTC"),
    "p_deleted_at": pl.Datetime("us", "UTC"),
    "failures": pl.Int64,
    "next_attempt_at": pl.Datetime("us", "UTC"),
    "gave_up_at": pl.Datetime("us", "UTC"),
    "conflict_at": pl.Datetime("us", "UTC"),
}


def variant(
    code: str,
    sku: str | None,
    *,
    product_no: int = 1,
    has_option: bool = True,
    stock: int = 5,
    price: str = "10000",
    additional: str = "0",
    retail: str = "15000",
    oms: dict | None = None,
    **over,
):
    """A variant as Cafe24 holds it (the mirror read), with the OMS equal to it unless `oms` says otherwise."""
    row = dict.fromkeys(SCHEMA)
    row.update(
        shop_no=1,
        product_no=product_no,
        variant_code=code,
        sku=sku,
        has_option=has_option,
        m_stock=stock,
        m_product_price=D(price),
        m_additional_amount=D(additional),
        m_retail_price=D(retail),
        m_product_display=True,
        m_product_selling=True,
        m_variant_display=True,
        m_variant_selling=True,
        m_product_synced_at=READ,
        m_variant_synced_at=READ,
        failures=0,
    )
    if sku is not None:
        row.update(
            oms_stock=stock,
            oms_price=D(price) + D(additional),
            oms_mrp=D(retail),
            oms_active=True,
            oms_deleted=False,
            oms_updated_at=READ,
        )
        row.update({f"oms_{k}" if not k.startswith(("oms_", "delete")) else k: v for k, v in (oms or {}).items()})
    row.update(over)
    return row


def frame(*rows) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SCHEMA, orient="row")


def test_a_fresh_import_is_no_difference():
    rows = frame(
        variant("P1000A", "A-S", additional="0"),
        variant("P1000B", "A-M", additional="2000"),
        variant("P2000A", "B", product_no=2, has_option=False, price="5000", retail="0", oms_mrp=None),
    )
    assert compute_diff(rows, now=NOW).empty


def test_a_variant_price_becomes_product_price_and_additional_amounts():
    rows = frame(
        variant("P1000A", "A-S", oms={"price": D("9000")}),
        variant("P1000B", "A-M", additional="2000"),
        variant("P1000C", None, additional="1000"),
    )  # no SKU linked: keeps its effective 11,000
    diff = compute_diff(rows, now=NOW)
    assert diff.products.row(0, named=True)["set_price"] == D("9000")  # the lowest selling price
    extra = dict(zip(diff.variants["variant_code"], diff.variants["set_additional"]))
    assert extra == {"P1000B": D("3000"), "P1000C": D("2000")}  # 12,000 and 11,000 kept; A-S is the base


def test_equal_prices_keep_the_product_price_even_with_negative_additional_amounts():
    rows = frame(
        variant("P1000A", "A-S", price="12000", additional="-2000"), variant("P1000B", "A-M", price="12000", additional="0")
    )
    assert compute_diff(rows, now=NOW).empty


def test_mrp_is_the_highest_of_the_group_and_stock_per_variant():
    rows = frame(variant("P1000A", "A-S", oms={"mrp": D("20000"), "stock": 9}), variant("P1000B", "A-M", oms={"mrp": D("18000")}))
    diff = compute_diff(rows, now=NOW)
    assert diff.products.row(0, named=True)["set_retail"] == D("20000")
    assert diff.variants.filter(pl.col("set_quantity").is_not_null())["variant_code"].to_list() == ["P1000A"]


def test_deactivating_one_variant_switches_only_that_variant_off():
    rows = frame(variant("P1000A", "A-S", oms={"active": False}), variant("P1000B", "A-M"))
    diff = compute_diff(rows, now=NOW)
    v = diff.variants.row(0, named=True)
    assert (v["variant_code"], v["set_display"], v["set_selling"]) == ("P1000A", False, False)
    assert diff.products.height == 0  # the product stays on: another variant is active


def test_a_single_product_deactivated_and_a_group_reactivated():
    single = variant("P2000A", "B", product_no=2, has_option=False, oms={"active": False})
    hidden = variant("P1000A", "A-S", oms={"active": True}, m_product_display=False)
    diff = compute_diff(frame(single, hidden), now=NOW)
    products = {r["product_no"]: (r["set_display"], r["set_selling"]) for r in diff.products.iter_rows(named=True)}
    assert products == {2: (False, False), 1: (True, None)}  # the group's product is switched on to sell its variant


def test_our_own_push_coming_back_is_no_change_and_a_newer_read_wins():
    pushed = variant("P1000A", "A-S", stock=5, oms={"stock": 9}, p_stock=9, p_stock_at=READ + timedelta(minutes=5))
    assert compute_diff(frame(pushed), now=NOW).empty  # Cafe24 answered 9 after the read that said 5
    merchant = {**pushed, "m_stock": 4, "m_variant_synced_at": READ + timedelta(minutes=10)}
    diff = compute_diff(frame(merchant), now=NOW, orders_through=NOW)  # a later read says 4: 9 goes out again
    assert diff.variants["set_quantity"].to_list() == [9]


def test_stock_lowered_on_cafe24_is_raised_back_only_once_the_orders_are_in():
    # Cafe24 sold one (5 -> 4) after the OMS last changed the SKU; the OMS has not seen that order yet
    sold = variant("P1000A", "A-S", stock=4, oms={"stock": 5}, m_variant_synced_at=READ + timedelta(minutes=10))
    assert compute_diff(frame(sold), now=NOW).empty
    assert compute_diff(frame(sold), now=NOW, orders_through=READ + timedelta(minutes=5)).empty
    assert compute_diff(frame(sold), now=NOW, orders_through=READ + timedelta(minutes=11)).variants.height == 1
    assert compute_diff(frame(sold), now=NOW, full_stock=True).variants.height == 1  # Sync Stock
    lowered_by_oms = {**sold, "oms_stock": 3}  # lowering is always safe
    assert compute_diff(frame(lowered_by_oms), now=NOW).variants["set_quantity"].to_list() == [3]


def test_backoff_given_up_and_conflict_hold_until_their_time_or_an_oms_change():
    backing_off = variant("P1000A", "A-S", oms={"stock": 9}, failures=1, next_attempt_at=NOW + timedelta(minutes=1))
    assert compute_diff(frame(backing_off), now=NOW).empty
    assert compute_diff(frame(backing_off), now=NOW, manual=True).variants.height == 1
    gave_up = variant("P1000A", "A-S", oms={"stock": 9}, failures=5, gave_up_at=READ + timedelta(minutes=1))
    assert compute_diff(frame(gave_up), now=NOW).empty
    changed_after = {**gave_up, "oms_updated_at": READ + timedelta(minutes=2)}
    assert compute_diff(frame(changed_after), now=NOW).variants.height == 1
    conflict = variant(
        "P2000A", "B", product_no=2, has_option=False, oms={"price": D("8000")}, conflict_at=READ + timedelta(minutes=1)
    )
    assert compute_diff(frame(conflict), now=NOW).products.height == 0
    assert compute_diff(frame({**conflict, "oms_updated_at": NOW}), now=NOW).products.height == 1


def test_deletes_only_on_request_product_or_variant():
    rows = frame(
        variant("P1000A", "A-S", delete_requested_at=NOW, oms_deleted=True),
        variant("P1000B", "A-M"),
        variant("P2000A", "B", product_no=2, has_option=False, delete_requested_at=NOW, oms_deleted=True),
    )
    deletes = {(r["product_no"], r["variant_code"]): r["skus"] for r in compute_diff(rows, now=NOW).deletes.iter_rows(named=True)}
    assert deletes == {(2, None): ["B"], (1, "P1000A"): ["A-S"]}
    missing = frame(variant("P1000A", None))  # an SKU no longer in the OMS: never a delete
    assert compute_diff(missing, now=NOW).deletes.height == 0


def test_kinds_select_what_is_written_and_full_stock_sends_everything():
    rows = frame(variant("P1000A", "A-S", oms={"stock": 9, "price": D("9500"), "active": False}))
    assert set(compute_diff(rows, now=NOW, kinds=("stock",)).variants.drop_nulls("set_quantity")["sku"]) == {"A-S"}
    only_price = compute_diff(rows, now=NOW, kinds=("price",))
    assert only_price.variants.height == 0 and only_price.products["set_price"].to_list() == [D("9500")]
    untouched = frame(variant("P1000A", "A-S"), variant("P1000B", "A-M"))
    assert compute_diff(untouched, now=NOW, kinds=("stock",), full_stock=True).variants.height == 2
    with pytest.raises(ValueError, match="unknown push kinds"):
        compute_diff(rows, now=NOW, kinds=("colour",))


def test_the_digest_names_exactly_the_writes():
    a = compute_diff(frame(variant("P1000A", "A-S", oms={"stock": 9})), now=NOW)
    b = compute_diff(frame(variant("P1000A", "A-S", oms={"stock": 9})), now=NOW)
    c = compute_diff(frame(variant("P1000A", "A-S", oms={"stock": 10})), now=NOW)
    assert a.digest() == b.digest() != c.digest()
