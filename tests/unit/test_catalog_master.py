"""OMS master build: Cafe24 owns descriptive fields, the OMS owns stock/prices/active after import."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import polars as pl

from cafe24_pipeline.sync.catalog_frames import PRODUCT_COLUMNS, VARIANT_COLUMNS
from cafe24_pipeline.oms.product_master import build_master_update, cafe24_view
from cafe24_pipeline.oms.sku_linking import link_skus

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)


def _products(**over):
    row = {c: None for c in PRODUCT_COLUMNS}
    row.update(
        mall_id="m",
        shop_no=1,
        product_no=1,
        product_code="P0000001",
        custom_product_code="GRP-1",
        product_name="Tee",
        price=Decimal("10000.00"),
        retail_price=Decimal("12000.00"),
        display=True,
        selling=True,
        has_option=True,
        brand_code="B0000000",
        category_nos="[27]",
        image_url="https://img/1.png",
    )
    row.update(over)
    return pl.DataFrame([row], schema=PRODUCT_COLUMNS)


def _variants(*rows):
    out = []
    for r in rows:
        row = {c: None for c in VARIANT_COLUMNS}
        row.update(
            mall_id="m",
            shop_no=1,
            product_no=1,
            display=True,
            selling=True,
            options="[]",
            additional_amount=Decimal("0.00"),
            quantity=5,
            duplicated_custom_variant_code=False,
        )
        row.update(r)
        out.append(row)
    return pl.DataFrame(out, schema=VARIANT_COLUMNS)


def _build(products, variants, existing_products=None, existing_listings=None, now=NOW):
    links = link_skus(variants, existing_listings).links
    view = cafe24_view(links, variants, products)
    return build_master_update(view, existing_products, existing_listings, mall_id="m", now=now)


def test_initial_import_takes_every_value_from_cafe24():
    variants = _variants(
        {
            "variant_code": "P0000001000A",
            "sku": "TEE-S",
            "options": '[{"name": "Size", "value": "S"}]',
            "additional_amount": Decimal("-500.00"),
        },
        {
            "variant_code": "P0000001000B",
            "sku": "TEE-M",
            "options": '[{"name": "Size", "value": "M"}]',
            "quantity": 0,
            "selling": False,
        },
    )
    upd = _build(_products(), variants)
    assert upd.new_skus == 2
    p = {r["sku"]: r for r in upd.products.to_dicts()}
    assert p["TEE-S"]["selling_price"] == Decimal("9500.00")
    assert p["TEE-S"]["mrp"] == Decimal("12000.00")
    assert p["TEE-S"]["name"] == "Tee (S)" and p["TEE-S"]["parent_sku"] == "GRP-1"
    assert p["TEE-M"]["active"] is False and p["TEE-M"]["stock"] == 0
    assert p["TEE-S"]["option_name"] == "Size" and p["TEE-S"]["option_value"] == "S"
    assert p["TEE-S"]["category"] == "27" and p["TEE-S"]["brand"] == "B0000000"
    assert upd.listings.height == 2


def test_rerun_changes_nothing():
    products = _products()
    variants = _variants({"variant_code": "P0000001000A", "sku": "TEE-S"})
    first = _build(products, variants)
    second = _build(products, variants, first.products, first.listings, now=NOW + timedelta(hours=1))
    assert second.products.height == 0 and second.listings.height == 0
    assert second.unchanged_skus == 1


def test_cafe24_edit_refreshes_descriptive_fields_but_not_oms_owned_values():
    variants = _variants({"variant_code": "P0000001000A", "sku": "TEE-S"})
    first = _build(_products(), variants)
    # the OMS changes its own price and stock
    master = first.products.with_columns(
        pl.lit(Decimal("8000.00")).cast(pl.Decimal(18, 2)).alias("selling_price"), pl.lit(99).cast(pl.Int64).alias("stock")
    )
    # the merchant renames the product and changes price and stock on Cafe24
    edited_products = _products(product_name="Tee v2", price=Decimal("11000.00"))
    edited_variants = _variants({"variant_code": "P0000001000A", "sku": "TEE-S", "quantity": 1})
    upd = _build(edited_products, edited_variants, master, first.listings, now=NOW + timedelta(hours=1))
    row = upd.products.row(0, named=True)
    assert row["name"] == "Tee v2"
    assert row["selling_price"] == Decimal("8000.00") and row["stock"] == 99
    assert row["created_at"] == NOW
    listing = upd.listings.row(0, named=True)
    assert listing["confirmed_price"] == Decimal("11000.00") and listing["confirmed_stock"] == 1
    assert listing["linked_at"] == NOW  # same variant: the link is not renewed


def test_zero_retail_price_means_no_mrp_and_single_product_has_no_parent():
    products = _products(has_option=False, retail_price=Decimal("0.00"))
    variants = _variants({"variant_code": "P0000001000A", "sku": "SINGLE"})
    row = _build(products, variants).products.row(0, named=True)
    assert row["mrp"] is None and row["parent_sku"] is None and row["name"] == "Tee"


def test_listing_whose_sku_disappears_is_unlinked_once():
    variants = _variants({"variant_code": "P0000001000A", "sku": "TEE-S"}, {"variant_code": "P0000001000B", "sku": "TEE-M"})
    first = _build(_products(), variants)
    later = _build(_products(), variants.head(1), first.products, first.listings, now=NOW + timedelta(hours=1))
    assert later.listings_unlinked == 1
    assert later.unlinked["sku"].to_list() == ["TEE-M"]
    assert later.unlinked["variant_code"].to_list() == ["P0000001000B"]
    # once removed, a third run has nothing to do
    listings = first.listings.filter(pl.col("sku") != "TEE-M")
    third = _build(_products(), variants.head(1), first.products, listings, now=NOW + timedelta(hours=2))
    assert third.listings.height == 0 and third.unlinked.height == 0


def test_brand_names_and_category_paths_from_the_mirrors():
    variants = _variants({"variant_code": "P0000001000A", "sku": "TEE-S"})
    products = _products(category_nos="[27, 28]")
    links = link_skus(variants).links
    brands = pl.DataFrame({"mall_id": ["m"], "shop_no": [1], "brand_code": ["B0000000"], "brand_name": ["Acme"]})
    cats = pl.DataFrame(
        {"mall_id": ["m", "m"], "shop_no": [1, 1], "category_no": [27, 28], "full_category_name": ["Tops > Tees", "Sale"]}
    )
    view = cafe24_view(links, variants, products, brands, cats)
    row = view.row(0, named=True)
    assert row["brand"] == "Acme" and row["category"] == "Tops > Tees | Sale"
