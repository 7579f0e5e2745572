"""Client records (parsed from Cafe24's own documented examples) → mirror-table frames."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import polars as pl

from cafe24_pipeline.cafe24.models import Brand, Category, Product, Variant
from cafe24_pipeline.sync.catalog_frames import (
    brands_frame,
    categories_frame,
    derive_sku,
    inventory_snapshot_frame,
    option_values_expr,
    products_frame,
    variants_frame,
)

EXAMPLES = Path("/work/shared/cafe24-examples")
NOW = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)


def _load(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


def test_derive_sku_prefers_custom_variant_code():
    assert (
        derive_sku(
            custom_variant_code=" ABC-1 ",
            variant_code="P000000A000B",
            product_code="P000000A",
            custom_product_code="PARENT",
            has_option=True,
        )
        == "ABC-1"
    )


def test_derive_sku_uses_product_code_only_for_default_variant_of_single_product():
    kw = dict(custom_variant_code=None, product_code="P000000A", custom_product_code="SINGLE-1")
    assert derive_sku(variant_code="P000000A000A", has_option=False, **kw) == "SINGLE-1"
    # an option product, or a variant that is not the default one, gets no product-level SKU
    assert derive_sku(variant_code="P000000A000A", has_option=True, **kw) is None
    assert derive_sku(variant_code="P000000A000B", has_option=False, **kw) is None
    assert (
        derive_sku(
            variant_code="P000000A000A", has_option=False, custom_variant_code="", product_code="P000000A", custom_product_code=""
        )
        is None
    )


def test_categories_frame_keeps_tree_and_full_path():
    cats = [Category.from_api(c) for c in _load("GET_categories.json")["categories"]]
    nested = Category.from_api(
        {
            "shop_no": 1,
            "category_no": 40,
            "category_depth": 2,
            "parent_category_no": 27,
            "root_category_no": 27,
            "category_name": "Jeans",
            "full_category_name": {"1": "Bottoms", "2": "Jeans", "3": None, "4": None},
            "full_category_no": {"1": "27", "2": "40", "3": None, "4": None},
        }
    )
    df = categories_frame("mall", [*cats, nested], synced_at=NOW)
    assert df.height == 3
    row = df.filter(pl.col("category_no") == 40).row(0, named=True)
    assert row["full_category_name"] == "Bottoms > Jeans"
    assert row["full_category_no"] == "27 > 40"
    assert row["category_depth"] == 2 and row["parent_category_no"] == 27 and row["root_category_no"] == 27
    assert df.filter(pl.col("category_no") == 28)["use_display"].item() is True


def test_brands_frame():
    brands = [Brand.from_api(b) for b in _load("GET_brands.json")["brands"]]
    df = brands_frame("mall", brands, synced_at=NOW)
    assert df["brand_code"].to_list() == ["B0000000", "B000000A"]
    assert df["created_at"].dtype == pl.Datetime("us", "UTC")
    assert df["created_at"][0] == datetime(2017, 12, 19, 5, 39, 22, tzinfo=timezone.utc)


def test_products_and_variants_frames_from_documented_examples():
    raw = _load("GET_products_{product_no}.json")["product"]
    variants = [
        Variant.from_api(v, product_no=raw["product_no"]) for v in _load("GET_products_{product_no}_variants.json")["variants"]
    ]
    product = Product.from_api(raw).with_variants(variants)
    listed = [Product.from_api(p) for p in _load("GET_products.json")["products"]]

    pdf = products_frame("mall", [product, *listed], synced_at=NOW)
    assert pdf.height == 3
    p20 = pdf.filter(pl.col("product_no") == 20).row(0, named=True)
    assert p20["price"] == Decimal("1100.00") and p20["retail_price"] == Decimal("0.00")
    assert p20["image_url"].startswith("https://{domain}/web/product/big/")
    assert json.loads(p20["category_nos"]) == [27, 28]
    assert p20["updated_at"] == datetime(2018, 1, 19, 2, 19, 27, tzinfo=timezone.utc)
    # the product with numeric JSON money still gives Decimals
    assert pdf.filter(pl.col("product_no") == 23)["price"].item() == Decimal("1000.00")

    vdf = variants_frame("mall", [product, *listed], synced_at=NOW)
    assert vdf["variant_code"].to_list() == ["P000000R000C", "P000000R000D"]
    assert vdf["quantity"].to_list() == [6, 15]
    assert vdf["sku"].null_count() == 2  # the examples carry no seller codes
    assert vdf.select(option_values_expr())[0, 0] == "Blue / Small"
    assert vdf["product_no"].to_list() == [20, 20]


def test_inventory_snapshot_one_row_per_live_variant():
    variants = pl.DataFrame(
        {
            "mall_id": ["m", "m", "m", "m"],
            "shop_no": [1, 2, 1, 1],
            "variant_code": ["A", "A", "B", "C"],
            "product_no": [1, 1, 2, 3],
            "sku": ["s1", "s1", None, "s3"],
            "quantity": [5, 5, None, 2],
            "deleted_at": [None, None, None, NOW],
        },
        schema_overrides={"deleted_at": pl.Datetime("us", "UTC")},
    )
    snap = inventory_snapshot_frame(variants, snapshot_date=date(2026, 11, 27), taken_at=NOW)
    assert snap["variant_code"].to_list() == ["A", "B"]
    assert snap["quantity"].to_list() == [5, 0]
    assert snap["snapshot_date"].to_list() == [date(2026, 11, 27)] * 2
