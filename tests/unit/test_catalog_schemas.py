"""The catalogue's pandera schemas fail on bad data (naming the offending rows) and pass on good data."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from cafe24_pipeline.checks.catalog_schemas import (
    linked_sku_schema,
    product_codes_schema,
    product_recommended_schema,
    product_required_schema,
    validate_frame,
    variant_codes_schema,
    variant_sku_schema,
)

MONEY = pl.Decimal(18, 2)


def _money(*values):
    return pl.Series([None if v is None else Decimal(v) for v in values], dtype=MONEY)


def test_linked_skus_unique_passes_and_fails():
    good = pl.DataFrame({"mall_id": ["m", "m", "n"], "sku": ["A", "B", "A"], "variant_code": ["V1", "V2", "V1"]})
    assert validate_frame(linked_sku_schema, good).passed
    bad = pl.DataFrame({"mall_id": ["m", "m", "m"], "sku": ["A", "A", ""], "variant_code": ["V1", "V2", "V3"]})
    result = validate_frame(linked_sku_schema, bad)
    assert not result.passed
    assert result.offending_rows["variant_code"].to_list() == ["V1", "V2", "V3"]


def test_variant_sku_schema_reports_duplicates_missing_and_cafe24_flag():
    df = pl.DataFrame(
        {
            "variant_code": ["V1", "V2", "V3", "V4"],
            "sku": ["A", "A", None, "C"],
            "duplicated_custom_variant_code": [False, False, False, True],
        }
    )
    result = validate_frame(variant_sku_schema, df)
    assert not result.passed
    assert set(result.offending_rows["variant_code"]) == {"V1", "V2", "V3", "V4"}
    ok = df.filter(pl.col("variant_code") == "V1")
    assert validate_frame(variant_sku_schema, ok).passed


def test_product_required_fields():
    df = pl.DataFrame({"sku": ["A", "B", "C"], "name": ["Tee", None, "Cap"]}).with_columns(
        _money("1000.00", "500.00", "0.00").alias("selling_price")
    )
    result = validate_frame(product_required_schema, df)
    assert sorted(result.offending_rows["sku"].to_list()) == ["B", "C"]
    assert "greater_than(0)" in result.failures_by_check()
    assert validate_frame(product_required_schema, df.head(1)).passed


def test_product_recommended_mrp_and_image():
    df = pl.DataFrame({"sku": ["A", "B", "C"], "image_url": ["https://i/a", None, "https://i/c"]}).with_columns(
        _money("1000.00", "1000.00", "1000.00").alias("selling_price"),
        _money("1200.00", None, "900.00").alias("mrp"),
    )
    result = validate_frame(product_recommended_schema, df)
    assert sorted(result.offending_rows["sku"].to_list()) == ["B", "C"]
    assert "mrp_at_least_selling_price" in result.failures_by_check()


def test_codes_well_formed():
    variants = pl.DataFrame({"variant_code": ["P000000A000A", "bad"], "product_no": [1, 2], "sku": ["OK", " padded"]})
    result = validate_frame(variant_codes_schema, variants)
    assert result.offending_rows["variant_code"].to_list() == ["bad"]
    assert "sku_well_formed" in result.failures_by_check()
    products = pl.DataFrame(
        {"product_code": ["P000000A", "P00A"], "brand_code": [None, "B0000000"], "custom_product_code": ["X" * 41, None]}
    )
    result = validate_frame(product_codes_schema, products)
    assert result.offending_rows.height == 2
    assert validate_frame(product_codes_schema, products.head(1).with_columns(pl.lit("X").alias("custom_product_code"))).passed
