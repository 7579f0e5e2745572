"""Cafe24 catalogue records → polars frames shaped like the mirror tables (DESIGN §5).

Pure functions: typed client records in, frames out. The SKU rule lives here because every
consumer of the variant mirror (linking, checks, snapshots, pushes) must agree on it:

    sku = custom_variant_code, or — for a product without options, whose only variant is the
    default one Cafe24 creates with code product_code + "000A" — the product's custom_product_code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime, timezone

import polars as pl

from cafe24_pipeline.cafe24.models import Brand, Category, Product, Variant

MONEY = pl.Decimal(18, 2)
UTC_TS = pl.Datetime("us", "UTC")
DEFAULT_VARIANT_SUFFIX = "000A"

CATEGORY_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "mall_id": pl.Utf8,
    "shop_no": pl.Int64,
    "category_no": pl.Int64,
    "category_name": pl.Utf8,
    "parent_category_no": pl.Int64,
    "root_category_no": pl.Int64,
    "category_depth": pl.Int64,
    "full_category_name": pl.Utf8,
    "full_category_no": pl.Utf8,
    "use_display": pl.Boolean,
    "display_order": pl.Int64,
    "raw": pl.Utf8,
    "deleted_at": UTC_TS,
    "synced_at": UTC_TS,
}
BRAND_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "mall_id": pl.Utf8,
    "shop_no": pl.Int64,
    "brand_code": pl.Utf8,
    "brand_name": pl.Utf8,
    "use_brand": pl.Boolean,
    "search_keyword": pl.Utf8,
    "product_count": pl.Int64,
    "created_at": UTC_TS,
    "raw": pl.Utf8,
    "deleted_at": UTC_TS,
    "synced_at": UTC_TS,
}
PRODUCT_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "mall_id": pl.Utf8,
    "shop_no": pl.Int64,
    "product_no": pl.Int64,
    "product_code": pl.Utf8,
    "custom_product_code": pl.Utf8,
    "product_name": pl.Utf8,
    "eng_product_name": pl.Utf8,
    "price": MONEY,
    "retail_price": MONEY,
    "supply_price": MONEY,
    "display": pl.Boolean,
    "selling": pl.Boolean,
    "sold_out": pl.Boolean,
    "has_option": pl.Boolean,
    "brand_code": pl.Utf8,
    "category_nos": pl.Utf8,
    "image_url": pl.Utf8,
    "created_at": UTC_TS,
    "updated_at": UTC_TS,
    "deleted_at": UTC_TS,
    "synced_at": UTC_TS,
    "content_hash": pl.Utf8,
    "raw": pl.Utf8,
}
VARIANT_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "mall_id": pl.Utf8,
    "shop_no": pl.Int64,
    "variant_code": pl.Utf8,
    "product_no": pl.Int64,
    "sku": pl.Utf8,
    "custom_variant_code": pl.Utf8,
    "duplicated_custom_variant_code": pl.Boolean,
    "options": pl.Utf8,
    "additional_amount": MONEY,
    "quantity": pl.Int64,
    "safety_inventory": pl.Int64,
    "use_inventory": pl.Boolean,
    "display": pl.Boolean,
    "selling": pl.Boolean,
    "sold_out": pl.Boolean,
    "image_url": pl.Utf8,
    "deleted_at": UTC_TS,
    "synced_at": UTC_TS,
    "content_hash": pl.Utf8,
    "raw": pl.Utf8,
}
SNAPSHOT_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "mall_id": pl.Utf8,
    "snapshot_date": pl.Date,
    "shop_no": pl.Int64,
    "variant_code": pl.Utf8,
    "product_no": pl.Int64,
    "sku": pl.Utf8,
    "quantity": pl.Int64,
    "safety_inventory": pl.Int64,
    "taken_at": UTC_TS,
}


def has_options(product: Product) -> bool | None:
    """Whether the product has options. Cafe24's product list does not carry `has_option` (the
    documented GET /products example has no such field), so it is read off the embedded variants:
    a product without options has only its default variant (product code + "000A") and no options."""
    if product.has_option is not None:
        return product.has_option
    if not product.variants:
        return None
    default = f"{product.product_code}{DEFAULT_VARIANT_SUFFIX}" if product.product_code else None
    return any(v.options for v in product.variants) or any(v.variant_code != default for v in product.variants)


def derive_sku(
    *,
    custom_variant_code: str | None,
    variant_code: str,
    product_code: str | None,
    custom_product_code: str | None,
    has_option: bool | None,
) -> str | None:
    """The seller SKU of a variant (DESIGN §5), or None when the seller gave it none."""
    code = (custom_variant_code or "").strip()
    if code:
        return code
    product_sku = (custom_product_code or "").strip()
    if product_sku and has_option is not True and product_code and variant_code == f"{product_code}{DEFAULT_VARIANT_SUFFIX}":
        return product_sku
    return None


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(timezone.utc)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def content_hash(row: dict, exclude: Iterable[str] = ("synced_at", "content_hash", "raw")) -> str:
    """A stable digest of a row's meaningful values: equal hash = nothing to write."""
    skip = set(exclude)
    payload = _json({k: v for k, v in sorted(row.items()) if k not in skip})
    return hashlib.sha256(payload.encode()).hexdigest()


def categories_frame(mall_id: str, categories: Iterable[Category], *, synced_at: datetime) -> pl.DataFrame:
    """Category tree rows: parent, root, depth, the full path (names and numbers, ' > '-joined) and
    every attribute Cafe24 sent (in `raw`)."""
    rows = [
        {
            "mall_id": mall_id,
            "shop_no": c.shop_no,
            "category_no": c.category_no,
            "category_name": c.category_name,
            "parent_category_no": c.parent_category_no,
            "root_category_no": c.root_category_no,
            "category_depth": c.category_depth or (len(c.full_category_no) or None),
            "full_category_name": " > ".join(c.full_category_name) or c.category_name,
            "full_category_no": " > ".join(str(n) for n in c.full_category_no) or str(c.category_no),
            "use_display": c.use_display,
            "display_order": c.display_order,
            "raw": _json(c.raw) if c.raw else None,
            "deleted_at": None,
            "synced_at": _utc(synced_at),
        }
        for c in categories
    ]
    return pl.DataFrame(rows, schema=CATEGORY_COLUMNS)


def brands_frame(mall_id: str, brands: Iterable[Brand], *, synced_at: datetime) -> pl.DataFrame:
    rows = [
        {
            "mall_id": mall_id,
            "shop_no": b.shop_no,
            "brand_code": b.brand_code,
            "brand_name": b.brand_name,
            "use_brand": b.use_brand,
            "search_keyword": b.search_keyword,
            "product_count": b.product_count,
            "created_at": _utc(b.created_date),
            "raw": _json(b.raw) if b.raw else None,
            "deleted_at": None,
            "synced_at": _utc(synced_at),
        }
        for b in brands
    ]
    return pl.DataFrame(rows, schema=BRAND_COLUMNS)


def _product_row(mall_id: str, p: Product, synced_at: datetime) -> dict:
    row = {
        "mall_id": mall_id,
        "shop_no": p.shop_no,
        "product_no": p.product_no,
        "product_code": p.product_code,
        "custom_product_code": p.custom_product_code,
        "product_name": p.product_name,
        "eng_product_name": p.eng_product_name,
        "price": p.price,
        "retail_price": p.retail_price,
        "supply_price": p.supply_price,
        "display": p.display,
        "selling": p.selling,
        "sold_out": p.sold_out,
        "has_option": has_options(p),
        "brand_code": p.brand_code,
        "category_nos": _json(sorted({c.category_no for c in p.categories})),
        "image_url": p.first_image,
        "created_at": _utc(p.created_date),
        "updated_at": _utc(p.updated_date),
        "deleted_at": None,
    }
    row["content_hash"] = content_hash(row)
    row["synced_at"] = _utc(synced_at)
    raw = {k: v for k, v in p.raw.items() if k not in ("variants", "inventories")} if p.raw else None
    row["raw"] = _json(raw) if raw else None
    return row


def products_frame(mall_id: str, products: Iterable[Product], *, synced_at: datetime) -> pl.DataFrame:
    """One row per product (per shop); `deleted_at` is null because Cafe24 just returned it."""
    rows = [_product_row(mall_id, p, synced_at) for p in products]
    return pl.DataFrame(rows, schema=PRODUCT_COLUMNS)


def _variant_row(mall_id: str, product: Product, v: Variant, synced_at: datetime) -> dict:
    row = {
        "mall_id": mall_id,
        "shop_no": v.shop_no,
        "variant_code": v.variant_code,
        "product_no": v.product_no or product.product_no,
        "sku": derive_sku(
            custom_variant_code=v.custom_variant_code,
            variant_code=v.variant_code,
            product_code=product.product_code,
            custom_product_code=product.custom_product_code,
            has_option=has_options(product),
        ),
        "custom_variant_code": v.custom_variant_code,
        "duplicated_custom_variant_code": v.duplicated_custom_variant_code,
        "options": _json([{"name": o.name, "value": o.value} for o in v.options]),
        "additional_amount": v.additional_amount,
        "quantity": v.quantity,
        "safety_inventory": v.safety_inventory,
        "use_inventory": v.use_inventory,
        "display": v.display,
        "selling": v.selling,
        "sold_out": bool(v.use_inventory) and (v.quantity or 0) <= 0 if v.quantity is not None else None,
        "image_url": v.image or product.first_image,
        "deleted_at": None,
    }
    row["content_hash"] = content_hash(row)
    row["synced_at"] = _utc(synced_at)
    row["raw"] = _json(v.raw) if v.raw else None
    return row


def variants_frame(mall_id: str, products: Iterable[Product], *, synced_at: datetime) -> pl.DataFrame:
    """Every variant of the given products, with the SKU rule applied."""
    rows = [_variant_row(mall_id, p, v, synced_at) for p in products for v in p.variants]
    return pl.DataFrame(rows, schema=VARIANT_COLUMNS)


def option_values_expr(options_col: str = "options") -> pl.Expr:
    """'Blue / Small' from the JSON options column (null when the variant has no options)."""
    decoded = pl.col(options_col).str.json_decode(pl.List(pl.Struct({"name": pl.Utf8, "value": pl.Utf8})))
    joined = decoded.list.eval(pl.element().struct.field("value").drop_nulls()).list.join(" / ")
    return pl.when(joined == "").then(None).otherwise(joined)


def inventory_snapshot_frame(variants: pl.DataFrame, *, snapshot_date: date, taken_at: datetime) -> pl.DataFrame:
    """Stock per live variant for one KST day, from the variant mirror (one row per variant)."""
    live = variants.filter(pl.col("deleted_at").is_null()) if "deleted_at" in variants.columns else variants
    if "safety_inventory" not in live.columns:
        live = live.with_columns(pl.lit(None, dtype=pl.Int64).alias("safety_inventory"))
    return (
        live.sort(["mall_id", "variant_code", "shop_no"])
        .unique(subset=["mall_id", "variant_code"], keep="first", maintain_order=True)
        .select(
            "mall_id",
            pl.lit(snapshot_date).alias("snapshot_date"),
            "shop_no",
            "variant_code",
            "product_no",
            "sku",
            pl.col("quantity").fill_null(0),
            "safety_inventory",
            pl.lit(_utc(taken_at)).cast(UTC_TS).alias("taken_at"),
        )
        .select([pl.col(c).cast(t) for c, t in SNAPSHOT_COLUMNS.items()])
    )
