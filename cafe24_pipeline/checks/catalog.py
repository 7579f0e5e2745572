"""Dagster asset checks for the catalogue, built on the pandera schemas of `catalog_schemas`.

Checks read the store (never an IO-manager input, see STYLE D5) for the run's mall partition, or
for every mall when run alone. A failed check carries the offending rows as metadata.

`oms/listings` → `linked_sku_unique` is blocking: when a SKU would be linked twice, `oms/products`
is not built in that run.
"""

from typing import Any

import dagster as dg
import polars as pl
from dagster import AssetCheckExecutionContext

from cafe24_pipeline.assets.catalog import OMS_LISTINGS, OMS_PRODUCTS, PRODUCTS, VARIANTS, md_table
from cafe24_pipeline.checks.catalog_schemas import (
    Validation,
    linked_sku_schema,
    product_codes_schema,
    product_recommended_schema,
    product_required_schema,
    validate_frame,
    variant_codes_schema,
    variant_sku_schema,
)
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.store.queries import mall_rows

MAX_ROWS_IN_METADATA = 50


def _mall(context: AssetCheckExecutionContext) -> str | None:
    op = context.op_execution_context
    return op.partition_key if op.has_partition_key else None


def _read(store: Any, table: str, mall: str | None, *, live: bool = False) -> pl.DataFrame:
    return mall_rows(store, table, mall, live=live)


def _live_variants(store: Any, mall: str | None) -> pl.DataFrame:
    """Live variants of live products, one row per (mall, variant) even in multi-shop malls."""
    variants = _read(store, "cafe24_variants", mall, live=True)
    products = _read(store, "cafe24_products", mall, live=True).select("mall_id", "shop_no", "product_no")
    return (
        variants.join(products, on=["mall_id", "shop_no", "product_no"], how="semi")
        .sort(["mall_id", "variant_code", "shop_no"])
        .unique(subset=["mall_id", "variant_code"], keep="first", maintain_order=True)
    )


def _result(
    validation: Validation, severity: dg.AssetCheckSeverity, extra: dict | None = None, show: list[str] | None = None
) -> dg.AssetCheckResult:
    meta: dict[str, Any] = {"rows_checked": validation.rows_checked, "schema": validation.schema_name}
    if not validation.passed:
        rows = validation.offending_rows
        cols = [c for c in (show or rows.columns) if c in rows.columns] + ["failed_checks"]
        meta["offending_rows_count"] = rows.height
        meta["failures_by_check"] = dg.MetadataValue.json(validation.failures_by_check())
        meta["offending_rows"] = dg.MetadataValue.md(md_table(rows.select(list(dict.fromkeys(cols))).head(MAX_ROWS_IN_METADATA)))
    meta.update(extra or {})
    return dg.AssetCheckResult(passed=validation.passed, severity=severity, metadata=meta)


def _check_table(
    context: AssetCheckExecutionContext,
    store: StoreResource,
    table: str,
    schema: Any,
    severity: dg.AssetCheckSeverity,
    show: list[str],
    *,
    live: bool = True,
) -> dg.AssetCheckResult:
    """Validate the run's mall's rows of `table` (only live ones unless `live` is False) against `schema`."""
    rows = _read(store.get_store(), table, _mall(context), live=live)
    return _result(validate_frame(schema, rows), severity, show=show)


def _check_master(
    context: AssetCheckExecutionContext, store: StoreResource, schema: Any, severity: dg.AssetCheckSeverity, show: list[str]
) -> dg.AssetCheckResult:
    """Validate the OMS products linked to the run's mall (every product when run alone) against `schema`."""
    master = _master_for_mall(store.get_store(), _mall(context))
    return _result(validate_frame(schema, master), severity, show=show)


@dg.asset_check(
    asset=OMS_LISTINGS,
    blocking=True,
    description="Each linked SKU is non-blank and unique per mall, and no variant is linked twice "
    "(blocks the OMS master when it fails).",
)
def linked_sku_unique(context: AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    return _check_table(
        context,
        store,
        "oms_listings",
        linked_sku_schema,
        dg.AssetCheckSeverity.ERROR,
        show=["mall_id", "sku", "product_no", "variant_code"],
        live=False,
    )


@dg.asset_check(
    asset=VARIANTS,
    description="Live variants carry a SKU that is unique per mall and not flagged duplicated by "
    "Cafe24. Offenders are quarantined in sku_conflicts, so this warns rather than blocks.",
)
def variant_sku_unique(context: AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    db = store.get_store()
    mall = _mall(context)
    variants = _live_variants(db, mall)
    per_mall = [validate_frame(variant_sku_schema, g) for _, g in variants.group_by("mall_id", maintain_order=True)]
    merged = _merge(per_mall, variants)
    conflicts = _read(db, "sku_conflicts", mall)
    open_conflicts = conflicts.filter(pl.col("resolved_at").is_null()).height if conflicts.height else 0
    return _result(
        merged,
        dg.AssetCheckSeverity.WARN,
        extra={"open_sku_conflicts": open_conflicts},
        show=["mall_id", "sku", "product_no", "variant_code", "duplicated_custom_variant_code"],
    )


@dg.asset_check(
    asset=VARIANTS,
    description="Variant codes are 12 characters, product numbers positive, SKUs "
    "at most 40 characters without padding or control characters.",
)
def variant_codes_well_formed(context: AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    return _check_table(
        context,
        store,
        "cafe24_variants",
        variant_codes_schema,
        dg.AssetCheckSeverity.ERROR,
        show=["mall_id", "shop_no", "product_no", "variant_code", "sku"],
    )


@dg.asset_check(asset=PRODUCTS, description="Product codes are 8 characters, brand codes 8, seller product codes at most 40.")
def product_codes_well_formed(context: AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    return _check_table(
        context,
        store,
        "cafe24_products",
        product_codes_schema,
        dg.AssetCheckSeverity.ERROR,
        show=["mall_id", "shop_no", "product_no", "product_code", "brand_code", "custom_product_code"],
    )


def _master_for_mall(db: Any, mall: str | None) -> pl.DataFrame:
    master = db.read_table("oms_products")
    if mall is None:
        return master
    skus = _read(db, "oms_listings", mall).select("sku")
    return master.join(skus, on="sku", how="semi")


@dg.asset_check(asset=OMS_PRODUCTS, description="Every OMS product has a SKU, a name and a selling price above 0.")
def product_data_required(context: AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    return _check_master(
        context, store, product_required_schema, dg.AssetCheckSeverity.ERROR, show=["sku", "name", "selling_price"]
    )


@dg.asset_check(
    asset=OMS_PRODUCTS,
    description="Every OMS product has an image, and its MRP (retail price) is not below its selling price when set.",
)
def product_data_recommended(context: AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    return _check_master(
        context,
        store,
        product_recommended_schema,
        dg.AssetCheckSeverity.WARN,
        show=["sku", "name", "selling_price", "mrp", "image_url"],
    )


def _merge(parts: list[Validation], frame: pl.DataFrame) -> Validation:
    """One Validation over several per-mall runs of the same schema."""
    if not parts:
        return validate_frame(variant_sku_schema, frame)
    failures = pl.concat([p.failures for p in parts])
    offending = pl.concat([p.offending_rows for p in parts], how="diagonal_relaxed")
    return Validation(parts[0].schema_name, frame.height, failures, offending)


catalog_checks = [
    linked_sku_unique,
    variant_sku_unique,
    variant_codes_well_formed,
    product_codes_well_formed,
    product_data_required,
    product_data_recommended,
]
