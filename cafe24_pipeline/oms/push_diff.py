"""The push diff: what the OMS holds vs what Cafe24 holds, per SKU, as the writes that close the gap.

Plain polars, no I/O. Inputs come from the store (`store/push.py`):

- `variants`: one row per live Cafe24 variant of every product with at least one linked SKU — the
  link (`sku`, null for a variant no SKU is linked to), the OMS values of the linked SKU
  (`oms_*`), what Cafe24 holds (`c_*`, see `cafe24_now`) and the push bookkeeping.

What Cafe24 holds is the newer of two confirmations: the catalogue's last read (the mirror row,
`synced_at`) and Cafe24's answer to our last push (`oms_push_state`, `*_at`). Our own pushes coming
back through the catalogue sync are therefore no OMS change (echo suppression): they equal the
answer we already recorded.

Cafe24's price model (cafe24-api.md §7.1, §7.2): a product has one `price` and one `retail_price`;
each variant adds its `additional_amount`. An OMS selling price per SKU becomes: the product's
`price` = the lowest selling price of its variants (the "from" price shoppers see on list pages),
each variant's `additional_amount` = its selling price − that price (the product's price moves only
when some variant's price changes). A variant with no SKU linked keeps the price it has. The product's `retail_price` is the highest MRP of its SKUs (one compare
price per product on Cafe24). `active` maps to `display` and `selling`: a SKU is active on Cafe24 when
its product and its variant are both displayed and selling (the rule the catalogue import reads
`active` with, so a fresh import is no difference). When the OMS differs, a product without options
gets both product flags; a product with options gets the variant's flags, and its product flags are
switched on when a variant is activated and off when none stays active.

Nothing is pushed for a SKU whose last push failed until its back-off has passed, nor after it gave
up (until the OMS changes it again); a price conflict (Cafe24 changed the price since our read)
holds that product's price until the OMS changes it again. Deletions come only from an explicit OMS
request (`delete_requested_at`), never from a missing row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import polars as pl

MONEY = pl.Decimal(18, 2)
KINDS = ("stock", "price", "status", "delete")


@dataclass(frozen=True)
class PushDiff:
    """The writes that close the gap: variant-level, product-level, and deletions."""

    variants: pl.DataFrame
    """shop_no, product_no, variant_code, sku, set_quantity, set_additional, set_display, set_selling
    (null = leave as is) and the values they replace (c_*)."""
    products: pl.DataFrame
    """shop_no, product_no, set_price, set_retail, set_display, set_selling (null = leave as is), c_*."""
    deletes: pl.DataFrame
    """shop_no, product_no, variant_code (null = the whole product), skus (list)."""

    @property
    def empty(self) -> bool:
        return self.variants.height == 0 and self.products.height == 0 and self.deletes.height == 0

    def skus(self) -> list[str]:
        found = set(self.variants["sku"].drop_nulls().to_list())
        for skus in self.deletes["skus"].to_list():
            found.update(skus)
        return sorted(found)

    def product_nos(self) -> list[int]:
        return sorted(
            set(self.variants["product_no"].to_list())
            | set(self.products["product_no"].to_list())
            | set(self.deletes["product_no"].to_list())
        )

    def digest(self, attempts: pl.DataFrame | None = None) -> str:
        """A stable id of exactly these writes (and the retry attempt they are), for sensor run keys."""
        h = hashlib.sha256()
        for frame in (self.variants, self.products, self.deletes.with_columns(pl.col("skus").list.join(","))):
            for row in frame.sort(frame.columns[:3]).iter_rows():
                h.update(repr(row).encode())
        if attempts is not None and attempts.height:
            for row in attempts.sort("sku").iter_rows():
                h.update(repr(row).encode())
        return h.hexdigest()[:20]


def cafe24_now(variants: pl.DataFrame) -> pl.DataFrame:
    """Add `c_*` columns: per field, the push answer (`p_*`) when newer than the mirror read (`m_*`).

    Product fields compare with the product row's read (`m_product_synced_at`), variant fields with
    the variant row's (`m_variant_synced_at`).
    """

    def newer(field: str, at: str, read_at: str) -> pl.Expr:
        use_push = pl.col(at).is_not_null() & (pl.col(read_at).is_null() | (pl.col(at) > pl.col(read_at)))
        return pl.when(use_push).then(pl.col(f"p_{field}")).otherwise(pl.col(f"m_{field}")).alias(f"c_{field}")

    product, variant = "m_product_synced_at", "m_variant_synced_at"
    return variants.with_columns(
        newer("stock", "p_stock_at", variant),
        newer("additional_amount", "p_additional_at", variant),
        newer("variant_display", "p_variant_status_at", variant),
        newer("variant_selling", "p_variant_status_at", variant),
        newer("product_price", "p_product_price_at", product),
        newer("retail_price", "p_product_price_at", product),
        newer("product_display", "p_product_status_at", product),
        newer("product_selling", "p_product_status_at", product),
    )


def compute_diff(
    variants: pl.DataFrame,
    *,
    kinds: tuple[str, ...] = KINDS,
    now: datetime,
    full_stock: bool = False,
    manual: bool = False,
    orders_through: datetime | None = None,
) -> PushDiff:
    """The writes for `kinds` (stock, price, status, delete); see the module docstring.

    `full_stock` ("Sync Stock") sends every linked variant's stock even when Cafe24 already has it.
    `manual` (an operator's push) ignores retry back-off and given-up marks.
    `orders_through`: orders placed up to this instant are in the OMS (the new-order poll's mark).
    Cafe24 lowers a variant's stock itself when an order is placed; a read showing less stock than
    the OMS, made after the OMS last changed the SKU, may be an order the OMS has not seen yet. Such
    a stock is raised back only once the orders up to that read are in (else the sold unit would be
    sold again); Sync Stock raises it anyway.
    """
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown push kinds {sorted(unknown)}; use {', '.join(KINDS)}")
    v = cafe24_now(variants)
    linked = pl.col("sku").is_not_null()
    deleting = linked & pl.col("delete_requested_at").is_not_null() & pl.col("p_deleted_at").is_null()
    held = pl.lit(False)
    if not manual:
        backing_off = pl.col("next_attempt_at").is_not_null() & (pl.col("next_attempt_at") > now)
        gave_up = pl.col("gave_up_at").is_not_null() & (pl.col("oms_updated_at") <= pl.col("gave_up_at"))
        held = linked & (backing_off | gave_up)
    active_sku = linked & ~pl.col("oms_deleted").fill_null(False) & pl.col("delete_requested_at").is_null()
    conflict_open = linked & pl.col("conflict_at").is_not_null() & (pl.col("oms_updated_at") <= pl.col("conflict_at"))
    v = v.with_columns(
        deleting.alias("_deleting"),
        held.alias("_held"),
        active_sku.alias("_pushable"),
        conflict_open.alias("_conflict"),
        # the effective selling price each variant should have
        pl.when(linked & active_sku & pl.col("oms_price").is_not_null())
        .then(pl.col("oms_price").cast(MONEY))
        .otherwise((pl.col("c_product_price").fill_null(0) + pl.col("c_additional_amount").fill_null(0)).cast(MONEY))
        .alias("_target_price"),
        (pl.col("c_product_price").fill_null(0) + pl.col("c_additional_amount").fill_null(0)).cast(MONEY).alias("_current_price"),
        # a SKU is active on Cafe24 when the product and its variant are displayed and selling
        (
            pl.col("c_product_display").fill_null(False)
            & pl.col("c_product_selling").fill_null(False)
            & pl.col("c_variant_display").fill_null(True)
            & pl.col("c_variant_selling").fill_null(True)
        ).alias("_cafe24_active"),
    )
    v = v.with_columns(
        pl.when(linked & active_sku)
        .then(pl.col("oms_active").fill_null(True))
        .otherwise(pl.col("_cafe24_active"))
        .alias("_target_active"),
        (linked & active_sku & pl.col("_target_price").ne_missing(pl.col("_current_price"))).alias("_price_differs"),
    )
    v = v.with_columns(
        (pl.col("_target_active") != pl.col("_cafe24_active")).alias("_status_differs"),
    )
    by_product = ["shop_no", "product_no"]
    product = v.group_by(by_product, maintain_order=True).agg(
        pl.col("has_option").first().fill_null(False).alias("has_option"),
        pl.when(pl.col("_price_differs").any())
        .then(pl.col("_target_price").min())
        .otherwise(pl.col("c_product_price").first())
        .alias("_base"),
        pl.col("oms_mrp").filter(pl.col("_pushable")).max().cast(MONEY).alias("_retail"),
        (pl.col("_status_differs") & pl.col("_target_active")).any().alias("_activating"),
        (pl.col("_status_differs") & pl.col("_pushable")).any().alias("_status_change"),
        pl.col("_target_active").any().alias("_product_active"),
        pl.col("c_product_price").first().alias("c_product_price"),
        pl.col("c_retail_price").first().alias("c_retail_price"),
        pl.col("c_product_display").first().alias("c_product_display"),
        pl.col("c_product_selling").first().alias("c_product_selling"),
        (pl.col("_conflict") | pl.col("_held")).any().alias("_price_blocked"),
        (pl.col("_held") | pl.col("_deleting")).all().alias("_all_held"),
        pl.col("_pushable").any().alias("_any_pushable"),
        pl.col("_deleting").all().alias("_delete_all"),
        pl.col("_deleting").any().alias("_delete_any"),
        pl.col("sku").filter(pl.col("_deleting")).alias("_delete_skus"),
    )
    v = v.join(
        product.select(*by_product, "has_option", "_base").rename({"has_option": "_has_option"}), on=by_product, how="left"
    )
    v = v.with_columns(
        pl.when(pl.col("_has_option"))
        .then((pl.col("_target_price") - pl.col("_base")).cast(MONEY))
        .otherwise(pl.col("c_additional_amount").fill_null(0).cast(MONEY))
        .alias("_target_additional"),
    )
    want = set(kinds)
    pushable = pl.col("_pushable") & ~pl.col("_held")
    read_wins = pl.col("p_stock_at").is_null() | (pl.col("m_variant_synced_at") >= pl.col("p_stock_at"))
    cafe24_moved_later = read_wins & (pl.col("m_variant_synced_at") > pl.col("oms_updated_at"))
    orders_behind = (
        pl.lit(True)
        if orders_through is None
        else pl.col("m_variant_synced_at") > pl.lit(orders_through, dtype=pl.Datetime("us", "UTC"))
    )
    raise_unsafe = (pl.col("oms_stock") > pl.col("c_stock")) & cafe24_moved_later & orders_behind

    # --- variant-level writes -------------------------------------------------------------
    if "stock" in want:
        stock_diff = pl.lit(True) if full_stock else (pl.col("oms_stock").ne_missing(pl.col("c_stock")) & ~raise_unsafe)
        set_quantity = pl.when(pushable & stock_diff).then(pl.col("oms_stock"))
    else:
        set_quantity = pl.when(pl.lit(False)).then(pl.col("oms_stock"))
    price_ok = ("price" in want) & ~pl.col("_price_blocked_v")
    set_additional = pl.when(
        price_ok
        & pl.col("_has_option")
        & pl.col("_target_additional").ne_missing(pl.col("c_additional_amount"))
        & ~pl.col("_deleting")
    ).then(pl.col("_target_additional"))
    # a variant's own flags change only when its SKU's active state differs from the OMS
    status_ok = ("status" in want) & pushable & pl.col("_has_option") & pl.col("_status_differs")
    set_display = pl.when(status_ok & pl.col("_target_active").ne_missing(pl.col("c_variant_display"))).then(
        pl.col("_target_active")
    )
    set_selling = pl.when(status_ok & pl.col("_target_active").ne_missing(pl.col("c_variant_selling"))).then(
        pl.col("_target_active")
    )
    v = v.join(product.select(*by_product, pl.col("_price_blocked").alias("_price_blocked_v")), on=by_product, how="left")
    variant_changes = v.select(
        "shop_no",
        "product_no",
        "variant_code",
        "sku",
        set_quantity.otherwise(None).cast(pl.Int64).alias("set_quantity"),
        set_additional.otherwise(None).cast(MONEY).alias("set_additional"),
        set_display.otherwise(None).cast(pl.Boolean).alias("set_display"),
        set_selling.otherwise(None).cast(pl.Boolean).alias("set_selling"),
        "c_stock",
        "c_additional_amount",
        "c_variant_display",
        "c_variant_selling",
    ).filter(pl.any_horizontal(pl.col("set_quantity", "set_additional", "set_display", "set_selling").is_not_null()))

    # --- product-level writes -------------------------------------------------------------
    live = pl.col("_any_pushable") & ~pl.col("_all_held")
    price_wanted = ("price" in want) & live & ~pl.col("_price_blocked")
    # the product's flags: a product without options follows its SKU; a product with options is switched
    # on when one of its variants is activated, and off only when none stays active
    status_wanted = ("status" in want) & live & pl.col("_status_change")
    product_flag = (
        pl.when(~pl.col("has_option"))
        .then(pl.col("_product_active"))
        .when(pl.col("_activating"))
        .then(pl.lit(True))
        .when(~pl.col("_product_active"))
        .then(pl.lit(False))
        .otherwise(None)
    )
    product_changes = product.select(
        *by_product,
        pl.when(price_wanted & pl.col("_base").ne_missing(pl.col("c_product_price")))
        .then(pl.col("_base"))
        .otherwise(None)
        .cast(MONEY)
        .alias("set_price"),
        pl.when(price_wanted & pl.col("_retail").is_not_null() & pl.col("_retail").ne_missing(pl.col("c_retail_price")))
        .then(pl.col("_retail"))
        .otherwise(None)
        .cast(MONEY)
        .alias("set_retail"),
        pl.when(status_wanted & product_flag.is_not_null() & product_flag.ne_missing(pl.col("c_product_display")))
        .then(product_flag)
        .otherwise(None)
        .cast(pl.Boolean)
        .alias("set_display"),
        pl.when(status_wanted & product_flag.is_not_null() & product_flag.ne_missing(pl.col("c_product_selling")))
        .then(product_flag)
        .otherwise(None)
        .cast(pl.Boolean)
        .alias("set_selling"),
        "c_product_price",
        "c_retail_price",
        "c_product_display",
        "c_product_selling",
    ).filter(pl.any_horizontal(pl.col("set_price", "set_retail", "set_display", "set_selling").is_not_null()))

    # --- deletions ------------------------------------------------------------------------
    if "delete" in want:
        whole = product.filter(pl.col("_delete_all") | (pl.col("_delete_any") & ~pl.col("has_option"))).select(
            *by_product, pl.lit(None, dtype=pl.String).alias("variant_code"), pl.col("_delete_skus").alias("skus")
        )
        some = (
            v.filter(pl.col("_deleting"))
            .join(whole.select(by_product), on=by_product, how="anti")
            .select(*by_product, "variant_code", pl.concat_list(pl.col("sku")).alias("skus"))
        )
        deletes = pl.concat([whole, some], how="vertical_relaxed")
    else:
        deletes = pl.DataFrame(
            schema={"shop_no": pl.Int64, "product_no": pl.Int64, "variant_code": pl.String, "skus": pl.List(pl.String)}
        )
    # a product being deleted gets no other write
    gone = deletes.filter(pl.col("variant_code").is_null()).select(by_product)
    variant_changes = variant_changes.join(gone, on=by_product, how="anti")
    product_changes = product_changes.join(gone, on=by_product, how="anti")
    return PushDiff(variants=variant_changes, products=product_changes, deletes=deletes)
