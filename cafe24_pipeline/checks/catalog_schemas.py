"""pandera (polars) schemas for the catalogue: unique SKUs, complete product data, well-formed codes.

Plain pandera, no Dagster: `validate_frame` returns the offending rows themselves (not just
pandera's failure table), so the asset checks can show exactly which products to fix.

Severity is chosen per schema, because a schema fails as a whole:
- ERROR (blocks the OMS master): a linked SKU that is blank or not unique, a product without a
  name or with a non-positive selling price, malformed Cafe24 codes. Pushing such rows would
  write wrong data to Cafe24.
- WARN (reported, nothing blocked): duplicate / missing SKUs in the Cafe24 mirror (they are
  quarantined in `sku_conflicts` already), MRP below the selling price, a product without image.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandera.errors
import pandera.polars as pa
import polars as pl

SKU_MAX_LENGTH = 40  # Cafe24 custom_variant_code / custom_product_code limit
PRODUCT_CODE_PATTERN = r"^[A-Z0-9]{8}$"
VARIANT_CODE_PATTERN = r"^[A-Z0-9]{12}$"
BRAND_CODE_PATTERN = r"^[A-Z0-9]{8}$"


def _frame_check(name: str, expr: pl.Expr, error: str) -> pa.Check:
    """A row-wise check over the whole frame (pandera reports each failing row by index)."""
    return pa.Check(lambda data: data.lazyframe.select(expr.alias(name)), name=name, description=error)


def _sku_well_formed() -> pl.Expr:
    sku = pl.col("sku")
    return sku.is_null() | (
        (sku.str.len_chars() <= SKU_MAX_LENGTH) & (sku == sku.str.strip_chars()) & ~sku.str.contains(r"[\x00-\x1f\x7f]")
    )


# Linked SKUs of one mall (oms_listings, status linked): what the OMS master is built from.
linked_sku_schema = pa.DataFrameSchema(
    {
        "mall_id": pa.Column(str, nullable=False),
        "sku": pa.Column(str, [pa.Check.str_length(min_value=1)], nullable=False),
        "variant_code": pa.Column(str, nullable=False),
    },
    unique=["mall_id", "sku"],
    checks=[
        _frame_check(
            "one_sku_per_variant",
            pl.struct("mall_id", "variant_code").is_unique(),
            "a Cafe24 variant is linked under two SKUs",
        )
    ],
    name="linked_sku_unique",
)

# Live variants in the Cafe24 mirror: every SKU present and unique, and Cafe24 agrees.
variant_sku_schema = pa.DataFrameSchema(
    {
        "sku": pa.Column(str, nullable=False, unique=True),
        "duplicated_custom_variant_code": pa.Column(bool, nullable=True),
    },
    checks=[
        _frame_check(
            "cafe24_flags_duplicate",
            ~pl.col("duplicated_custom_variant_code").fill_null(False),
            "Cafe24 flags the custom_variant_code as duplicated",
        )
    ],
    name="variant_sku_unique",
)

# Complete product data, the part that must hold before anything is pushed.
product_required_schema = pa.DataFrameSchema(
    {
        "sku": pa.Column(str, [pa.Check.str_length(min_value=1)], nullable=False),
        "name": pa.Column(str, [pa.Check.str_length(min_value=1)], nullable=False),
        "selling_price": pa.Column(None, [pa.Check.gt(0)], nullable=False),
    },
    name="product_data_required",
)

# Complete product data, the part that is worth a warning.
product_recommended_schema = pa.DataFrameSchema(
    {
        "image_url": pa.Column(str, [pa.Check.str_length(min_value=1)], nullable=False),
        "mrp": pa.Column(None, nullable=True),
        "selling_price": pa.Column(None, nullable=True),
    },
    checks=[
        _frame_check(
            "mrp_at_least_selling_price",
            pl.col("mrp").is_null() | pl.col("selling_price").is_null() | (pl.col("mrp") >= pl.col("selling_price")),
            "retail price (MRP) is below the selling price",
        )
    ],
    name="product_data_recommended",
)

# Codes Cafe24 generates or limits: a malformed one means a parsing or mapping bug upstream.
variant_codes_schema = pa.DataFrameSchema(
    {
        "variant_code": pa.Column(str, [pa.Check.str_matches(VARIANT_CODE_PATTERN)], nullable=False),
        "product_no": pa.Column(None, [pa.Check.gt(0)], nullable=False),
        "sku": pa.Column(str, nullable=True),
    },
    checks=[
        _frame_check(
            "sku_well_formed", _sku_well_formed(), f"SKU longer than {SKU_MAX_LENGTH}, padded or with control characters"
        )
    ],
    name="variant_codes_well_formed",
)
product_codes_schema = pa.DataFrameSchema(
    {
        "product_code": pa.Column(str, [pa.Check.str_matches(PRODUCT_CODE_PATTERN)], nullable=False),
        "brand_code": pa.Column(str, [pa.Check.str_matches(BRAND_CODE_PATTERN)], nullable=True),
        "custom_product_code": pa.Column(str, [pa.Check.str_length(max_value=SKU_MAX_LENGTH)], nullable=True),
    },
    name="product_codes_well_formed",
)


@dataclass(frozen=True)
class Validation:
    """Outcome of one schema on one frame: the failing checks and the offending rows."""

    schema_name: str
    rows_checked: int
    failures: pl.DataFrame = field(repr=False)
    """pandera's failure cases: check, column, failure_case, index."""
    offending_rows: pl.DataFrame = field(repr=False)
    """The input rows that failed, with a `failed_checks` column naming what they broke."""

    @property
    def passed(self) -> bool:
        return self.failures.height == 0

    def failures_by_check(self) -> dict[str, int]:
        if self.failures.height == 0:
            return {}
        counts = self.failures.group_by("check").len().sort("check")
        return dict(zip(counts["check"].to_list(), counts["len"].to_list()))


def validate_frame(schema: pa.DataFrameSchema, df: pl.DataFrame) -> Validation:
    """Run `schema` lazily (every failure, not just the first) and collect the offending rows."""
    frame = df.select([c for c in df.columns if c in schema.columns] + [c for c in df.columns if c not in schema.columns])
    try:
        schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        failures = exc.failure_cases.select(
            pl.col("check").cast(pl.Utf8),
            pl.col("column").cast(pl.Utf8),
            pl.col("failure_case").cast(pl.Utf8),
            pl.col("index").cast(pl.Int64),
        )
        per_row = (
            failures.filter(pl.col("index").is_not_null())
            .group_by("index")
            .agg(pl.col("check").unique().sort().str.join(", ").alias("failed_checks"))
        )
        offending = (
            frame.with_row_index("index")
            .with_columns(pl.col("index").cast(pl.Int64))
            .join(per_row, on="index", how="inner")
            .sort("index")
            .drop("index")
        )
        return Validation(schema.name or "schema", df.height, failures, offending)
    empty = pl.DataFrame(schema={"check": pl.Utf8, "column": pl.Utf8, "failure_case": pl.Utf8, "index": pl.Int64})
    return Validation(
        schema.name or "schema", df.height, empty, frame.clear().with_columns(pl.lit(None, dtype=pl.Utf8).alias("failed_checks"))
    )
