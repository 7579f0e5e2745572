"""Build the OMS product master (`oms_products`) and the listing links (`oms_listings`) from the mirror.

Field ownership (docs/catalog.md has the table):
- Cafe24 owns the descriptive fields: name, image_url, brand, category, parent_sku, option_name,
  option_value. Every pull refreshes them in the master.
- The OMS owns stock, selling_price, mrp, cost_price and active once a SKU exists in the master. A Cafe24-side
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

CAFE24_OWNED = ("name", "image_url", "brand", "category", "parent_sku", "option_name", "option_value")
OMS_OWNED = ("selling_price", "mrp", "cost_price", "stock", "active")

MASTER_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "sku": pl.Utf8,
    "name": pl.Utf8,
    "selling_price": MONEY,
    "mrp": MONEY,
    "cost_price": MONEY,
    "stock": pl.Int64,
    "active": pl.Boolean,
    "image_url": pl.Utf8,
    "parent_sku": pl.Utf8,
    "brand": pl.Utf8,
    "category": pl.Utf8,
    "option_name": pl.Utf8,
    "option_value": pl.Utf8,
    "deleted": pl.Boolean,
    "created_at": pl.Datetime("us", "UTC"),
    "updated_at": pl.Datetime("us", "UTC"),
}
LISTING_VALUE_COLUMNS = (
    "shop_no",
    "product_no",
    "variant_code",
    "confirmed_stock",
    "confirmed_price",
    "confirmed_retail_price",
    "confirmed_display",
    "confirmed_selling",
)
LISTING_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "mall_id": pl.Utf8,
    "sku": pl.Utf8,
    "shop_no": pl.Int64,
    "product_no": pl.Int64,
    "variant_code": pl.Utf8,
    "confirmed_stock": pl.Int64,
    "confirmed_price": MONEY,
    "confirmed_retail_price": MONEY,
    "confirmed_display": pl.Boolean,
    "confirmed_selling": pl.Boolean,
    "confirmed_at": pl.Datetime("us", "UTC"),
    "linked_at": pl.Datetime("us", "UTC"),
    "updated_at": pl.Datetime("us", "UTC"),
}


@dataclass(frozen=True)
class MasterUpdate:
    """Rows to upsert (and listings to remove), plus how many SKUs were new vs refreshed vs untouched."""

    products: pl.DataFrame
    listings: pl.DataFrame
    unlinked: pl.DataFrame
    """(mall_id, sku, product_no, variant_code) of listings whose SKU is no longer on the mall."""
    new_skus: int
    refreshed_skus: int
    unchanged_skus: int
    listings_changed: int
    listings_unlinked: int


def cafe24_view(
    links: pl.DataFrame,
    variants: pl.DataFrame,
    products: pl.DataFrame,
    brands: pl.DataFrame | None = None,
    categories: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per linked SKU with the values Cafe24 holds for it (in the shop of the link).

    Brand codes become brand names and category numbers full category paths when the brand and
    category mirrors are given (they are in the pipeline; tests may leave them out).
    """
    option_struct = pl.List(pl.Struct({"name": pl.Utf8, "value": pl.Utf8}))
    v = variants.select(
        "mall_id",
        "shop_no",
        "variant_code",
        pl.col("options").str.json_decode(option_struct).alias("_options"),
        pl.col("additional_amount").cast(MONEY),
        pl.col("quantity").cast(pl.Int64),
        pl.col("display").alias("variant_display"),
        pl.col("selling").alias("variant_selling"),
        pl.col("image_url").alias("variant_image_url"),
    ).with_columns(
        _join_field("_options", "name").alias("option_name"),
        _join_field("_options", "value").alias("option_value"),
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
        pl.col("supply_price").cast(MONEY),
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
    joined = joined.with_columns(_brand_names(joined, brands), _category_paths(joined, categories))
    name = (
        pl.when(pl.col("has_option") & pl.col("option_value").is_not_null())
        .then(pl.format("{} ({})", pl.col("product_name"), pl.col("option_value")))
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
        pl.when(pl.col("supply_price") > 0).then(pl.col("supply_price")).otherwise(None).cast(MONEY).alias("cost_price"),
        pl.col("quantity").fill_null(0).alias("stock"),
        (
            pl.col("display").fill_null(False)
            & pl.col("selling").fill_null(False)
            & pl.col("variant_display").fill_null(True)
            & pl.col("variant_selling").fill_null(True)
        ).alias("active"),
        pl.col("display").alias("confirmed_display"),
        (pl.col("selling") & pl.col("variant_selling").fill_null(True)).alias("confirmed_selling"),
        pl.coalesce("image_url", "variant_image_url").alias("image_url"),
        "brand",
        "category",
        parent.alias("parent_sku"),
        "option_name",
        "option_value",
    )


def _join_field(col: str, field: str) -> pl.Expr:
    joined = pl.col(col).list.eval(pl.element().struct.field(field).drop_nulls()).list.join(" / ")
    return pl.when(joined.is_null() | (joined == "")).then(None).otherwise(joined)


def _brand_names(joined: pl.DataFrame, brands: pl.DataFrame | None) -> pl.Series:
    if brands is None or brands.height == 0:
        return joined["brand_code"].alias("brand")
    names = brands.select("mall_id", "shop_no", "brand_code", "brand_name").unique(
        subset=["mall_id", "shop_no", "brand_code"], keep="first"
    )
    out = joined.select("mall_id", "shop_no", "brand_code").join(
        names, on=["mall_id", "shop_no", "brand_code"], how="left", maintain_order="left"
    )
    return out.select(pl.coalesce("brand_name", "brand_code").alias("brand")).to_series()


def _category_paths(joined: pl.DataFrame, categories: pl.DataFrame | None) -> pl.Series:
    """'Bottoms > Jeans | Sale' for a product in two categories (number list when paths are unknown)."""
    nos = joined.select(
        pl.int_range(pl.len()).alias("_row"),
        "mall_id",
        "shop_no",
        pl.col("category_nos").str.json_decode(pl.List(pl.Int64)).alias("category_no"),
    ).explode("category_no")
    if categories is not None and categories.height:
        paths = categories.select("mall_id", "shop_no", pl.col("category_no").cast(pl.Int64), "full_category_name")
        nos = nos.join(paths, on=["mall_id", "shop_no", "category_no"], how="left", maintain_order="left")
    else:
        nos = nos.with_columns(pl.lit(None, dtype=pl.Utf8).alias("full_category_name"))
    label = pl.coalesce("full_category_name", pl.col("category_no").cast(pl.Utf8))
    agg = nos.group_by("_row").agg(label.drop_nulls().alias("_labels"))
    out = (
        pl.DataFrame({"_row": range(joined.height)}, schema={"_row": pl.Int64})
        .join(agg.with_columns(pl.col("_row").cast(pl.Int64)), on="_row", how="left", maintain_order="left")
        .select(pl.col("_labels").list.join(" | ").alias("category"))
        .with_columns(pl.when(pl.col("category") == "").then(None).otherwise(pl.col("category")).alias("category"))
    )
    return out.to_series()


def build_master_update(
    view: pl.DataFrame,
    existing_products: pl.DataFrame | None,
    existing_listings: pl.DataFrame | None,
    *,
    mall_id: str,
    now: datetime,
) -> MasterUpdate:
    """Diff the Cafe24 view against the current master and listings; return only what changes.

    `existing_products` holds current oms_products rows for (at least) the view's SKUs;
    `existing_listings` the mall's current oms_listings rows. A listing of this mall whose SKU is no
    longer on any live variant is returned in `unlinked` for removal: the link is derived data, while
    the Cafe24 product and variant rows themselves stay (soft-deleted) for the orders that name them.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    ts = pl.lit(now.astimezone(timezone.utc)).cast(pl.Datetime("us", "UTC"))

    # --- master -------------------------------------------------------------------------------
    cafe24_rows = view.select("sku", *CAFE24_OWNED, *OMS_OWNED).unique(subset=["sku"], keep="first", maintain_order=True)
    existing = _conform(existing_products, MASTER_COLUMNS)
    merged = cafe24_rows.join(existing, on="sku", how="left", suffix="_oms")
    is_new = pl.col("created_at").is_null()
    descriptive_changed = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}_oms")) for c in CAFE24_OWNED])
    merged = merged.with_columns(is_new.alias("_new"), descriptive_changed.alias("_changed"))
    to_write = merged.filter(pl.col("_new") | pl.col("_changed"))
    products = to_write.select(
        "sku",
        *CAFE24_OWNED,
        *[pl.when(pl.col("_new")).then(pl.col(c)).otherwise(pl.col(f"{c}_oms")).alias(c) for c in OMS_OWNED],
        pl.when(pl.col("_new")).then(False).otherwise(pl.col("deleted").fill_null(False)).alias("deleted"),
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
        pl.col("stock").alias("confirmed_stock"),
        pl.col("selling_price").alias("confirmed_price"),
        pl.col("mrp").alias("confirmed_retail_price"),
        "confirmed_display",
        "confirmed_selling",
    )
    current = _conform(existing_listings, LISTING_COLUMNS).filter(pl.col("mall_id") == mall_id)
    cmp = wanted.join(current, on=["mall_id", "sku"], how="left", suffix="_old")
    changed = pl.col("linked_at").is_null() | pl.any_horizontal(
        [pl.col(c).ne_missing(pl.col(f"{c}_old")) for c in LISTING_VALUE_COLUMNS]
    )
    relink = pl.col("linked_at").is_null() | pl.col("variant_code").ne_missing(pl.col("variant_code_old"))
    listing_rows = cmp.filter(changed).select(
        *wanted.columns,
        ts.alias("confirmed_at"),
        pl.when(relink).then(ts).otherwise(pl.col("linked_at")).alias("linked_at"),
        ts.alias("updated_at"),
    )
    unlinked = current.join(wanted.select("mall_id", "sku"), on=["mall_id", "sku"], how="anti").select(
        "mall_id", "sku", "product_no", "variant_code"
    )
    listings = _conform(listing_rows, LISTING_COLUMNS)

    return MasterUpdate(
        products=products,
        listings=listings,
        unlinked=unlinked,
        new_skus=new_count,
        refreshed_skus=refreshed,
        unchanged_skus=merged.height - new_count - refreshed,
        listings_changed=listing_rows.height,
        listings_unlinked=unlinked.height,
    )


def _conform(df: pl.DataFrame | None, schema: dict[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    """The frame restricted to `schema`'s columns, cast, with missing columns as nulls."""
    if df is None or df.width == 0:
        return pl.DataFrame(schema=schema)
    return df.select([(pl.col(c) if c in df.columns else pl.lit(None)).cast(t, strict=False).alias(c) for c, t in schema.items()])
