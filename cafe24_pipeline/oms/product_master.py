"""Build the OMS product master (`oms_products`) and the listing links (`oms_listings`) from the mirror.

Field ownership (docs/catalog.md has the table):
- Cafe24 owns the descriptive fields: name, image_url, brand_code, category_nos, parent_sku. Every
  pull refreshes them in the master.
- The OMS owns stock, selling_price, mrp and active once a SKU exists in the master. A Cafe24-side
  edit of those values only refreshes the listing's "last confirmed by Cafe24" columns, which the
  push sensors compare against the master; it never overwrites the OMS value.
- A SKU seen for the first time (the initial import, or a product created on Cafe24 later) takes
  every value from Cafe24.

Only rows whose values actually change are returned, so re-running a sync writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import polars as pl

MONEY = pl.Decimal(18, 2)

CAFE24_OWNED = ("name", "image_url", "brand_code", "category_nos", "parent_sku")
OMS_OWNED = ("selling_price", "mrp", "stock", "active")

MASTER_COLUMNS = {
    "sku": pl.Utf8,
    "name": pl.Utf8,
    "selling_price": MONEY,
    "mrp": MONEY,
    "stock": pl.Int64,
    "active": pl.Boolean,
    "image_url": pl.Utf8,
    "brand_code": pl.Utf8,
    "category_nos": pl.Utf8,
    "parent_sku": pl.Utf8,
    "source_mall_id": pl.Utf8,
    "created_at": pl.Datetime("us", "UTC"),
    "updated_at": pl.Datetime("us", "UTC"),
}
LISTING_VALUE_COLUMNS = (
    "shop_no",
    "product_no",
    "variant_code",
    "cafe24_stock",
    "cafe24_selling_price",
    "cafe24_retail_price",
    "cafe24_display",
    "cafe24_selling",
    "status",
)
LISTING_COLUMNS = {
    "mall_id": pl.Utf8,
    "sku": pl.Utf8,
    "shop_no": pl.Int64,
    "product_no": pl.Int64,
    "variant_code": pl.Utf8,
    "cafe24_stock": pl.Int64,
    "cafe24_selling_price": MONEY,
    "cafe24_retail_price": MONEY,
    "cafe24_display": pl.Boolean,
    "cafe24_selling": pl.Boolean,
    "status": pl.Utf8,
    "linked_at": pl.Datetime("us", "UTC"),
    "updated_at": pl.Datetime("us", "UTC"),
}
LISTING_LINKED = "linked"
LISTING_DELETED = "deleted_on_cafe24"


@dataclass(frozen=True)
class MasterUpdate:
    """Rows to upsert, plus how many SKUs were new vs refreshed vs untouched."""

    products: pl.DataFrame
    listings: pl.DataFrame
    new_skus: int
    refreshed_skus: int
    unchanged_skus: int
    listings_changed: int
    listings_unlinked: int


def cafe24_view(links: pl.DataFrame, variants: pl.DataFrame, products: pl.DataFrame) -> pl.DataFrame:
    """One row per linked SKU with the values Cafe24 holds for it (the shop of the link)."""
    v = variants.select(
        "mall_id",
        "shop_no",
        "variant_code",
        pl.col("option_values"),
        pl.col("additional_amount").cast(MONEY),
        pl.col("quantity").cast(pl.Int64),
        pl.col("display").alias("variant_display"),
        pl.col("selling").alias("variant_selling"),
    )
    p = products.select(
        "mall_id",
        "shop_no",
        "product_no",
        "product_code",
        "custom_product_code",
        "product_name",
        pl.col("price").cast(MONEY),
        pl.col("retail_price").cast(MONEY),
        "display",
        "selling",
        "has_option",
        "brand_code",
        "category_nos",
        "image_url",
    )
    joined = links.join(v, on=["mall_id", "shop_no", "variant_code"], how="inner").join(
        p, on=["mall_id", "shop_no", "product_no"], how="inner"
    )
    name = (
        pl.when(pl.col("has_option") & pl.col("option_values").is_not_null() & (pl.col("option_values") != ""))
        .then(pl.format("{} ({})", pl.col("product_name"), pl.col("option_values")))
        .otherwise(pl.col("product_name"))
    )
    parent = (
        pl.when(pl.col("has_option"))
        .then(
            pl.when(pl.col("custom_product_code").is_not_null() & (pl.col("custom_product_code") != ""))
            .then(pl.col("custom_product_code"))
            .otherwise(pl.col("product_code"))
        )
        .otherwise(pl.lit(None, dtype=pl.Utf8))
    )
    return joined.select(
        "mall_id",
        "sku",
        "shop_no",
        "product_no",
        "variant_code",
        name.alias("name"),
        (pl.col("price") + pl.col("additional_amount").fill_null(0)).cast(MONEY).alias("selling_price"),
        pl.when(pl.col("retail_price") > 0).then(pl.col("retail_price")).otherwise(None).cast(MONEY).alias("mrp"),
        pl.col("quantity").fill_null(0).alias("stock"),
        (pl.col("display") & pl.col("selling") & pl.col("variant_display") & pl.col("variant_selling")).alias("active"),
        pl.col("display").alias("cafe24_display"),
        (pl.col("selling") & pl.col("variant_selling")).alias("cafe24_selling"),
        "image_url",
        "brand_code",
        "category_nos",
        parent.alias("parent_sku"),
    )


def build_master_update(
    view: pl.DataFrame,
    existing_products: pl.DataFrame,
    existing_listings: pl.DataFrame,
    *,
    mall_id: str,
    now: datetime,
) -> MasterUpdate:
    """Diff the Cafe24 view against the current master and listings; return only what changes.

    `existing_products` holds current oms_products rows for (at least) the view's SKUs;
    `existing_listings` the mall's current oms_listings rows. Listings of this mall whose SKU is no
    longer linked are marked `deleted_on_cafe24` (kept, never removed: orders still point at them).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    ts = pl.lit(now.astimezone(timezone.utc)).cast(pl.Datetime("us", "UTC"))

    # --- master -------------------------------------------------------------------------------
    cafe24_rows = view.select(
        "sku",
        "name",
        "selling_price",
        "mrp",
        "stock",
        "active",
        "image_url",
        "brand_code",
        "category_nos",
        "parent_sku",
        pl.col("mall_id").alias("source_mall_id"),
    ).unique(subset=["sku"], keep="first", maintain_order=True)
    existing = _conform(existing_products, MASTER_COLUMNS)
    merged = cafe24_rows.join(existing, on="sku", how="left", suffix="_oms")
    is_new = pl.col("created_at").is_null()
    descriptive_changed = pl.any_horizontal(
        [pl.col(c).ne_missing(pl.col(f"{c}_oms")) for c in CAFE24_OWNED]
    )
    merged = merged.with_columns(is_new.alias("_new"), descriptive_changed.alias("_changed"))
    to_write = merged.filter(pl.col("_new") | pl.col("_changed"))
    products = to_write.select(
        "sku",
        "name",
        *[pl.when(pl.col("_new")).then(pl.col(c)).otherwise(pl.col(f"{c}_oms")).alias(c) for c in OMS_OWNED],
        "image_url",
        "brand_code",
        "category_nos",
        "parent_sku",
        pl.when(pl.col("_new")).then(pl.col("source_mall_id")).otherwise(pl.col("source_mall_id_oms")).alias("source_mall_id"),
        pl.when(pl.col("_new")).then(ts).otherwise(pl.col("created_at")).alias("created_at"),
        ts.alias("updated_at"),
    )
    products = _conform(products, MASTER_COLUMNS)
    new_count = int(merged["_new"].sum())
    refreshed = int((~merged["_new"] & merged["_changed"]).sum())

    # --- listings -----------------------------------------------------------------------------
    wanted = view.select(
        "mall_id",
        "sku",
        "shop_no",
        "product_no",
        "variant_code",
        pl.col("stock").alias("cafe24_stock"),
        pl.col("selling_price").alias("cafe24_selling_price"),
        pl.col("mrp").alias("cafe24_retail_price"),
        "cafe24_display",
        "cafe24_selling",
        pl.lit(LISTING_LINKED).alias("status"),
    )
    current = _conform(existing_listings, LISTING_COLUMNS).filter(pl.col("mall_id") == mall_id)
    cmp = wanted.join(current, on=["mall_id", "sku"], how="left", suffix="_old")
    changed = pl.col("linked_at").is_null() | pl.any_horizontal(
        [pl.col(c).ne_missing(pl.col(f"{c}_old")) for c in LISTING_VALUE_COLUMNS]
    )
    relink = pl.col("linked_at").is_null() | pl.col("variant_code").ne_missing(pl.col("variant_code_old"))
    listing_rows = cmp.filter(changed).select(
        *[c for c in wanted.columns],
        pl.when(relink).then(ts).otherwise(pl.col("linked_at")).alias("linked_at"),
        ts.alias("updated_at"),
    )
    gone = current.join(wanted.select("mall_id", "sku"), on=["mall_id", "sku"], how="anti").filter(
        pl.col("status") != LISTING_DELETED
    )
    unlinked = gone.with_columns(pl.lit(LISTING_DELETED).alias("status"), ts.alias("updated_at"))
    listings = pl.concat([_conform(listing_rows, LISTING_COLUMNS), _conform(unlinked, LISTING_COLUMNS)])

    return MasterUpdate(
        products=products,
        listings=listings,
        new_skus=new_count,
        refreshed_skus=refreshed,
        unchanged_skus=merged.height - new_count - refreshed,
        listings_changed=listing_rows.height,
        listings_unlinked=unlinked.height,
    )


def _conform(df: pl.DataFrame | None, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The frame restricted to `schema`'s columns, cast, with missing columns as nulls."""
    if df is None or df.width == 0:
        return pl.DataFrame(schema=schema)
    return df.select(
        [
            (pl.col(c) if c in df.columns else pl.lit(None)).cast(t, strict=False).alias(c)
            for c, t in schema.items()
        ]
    )
