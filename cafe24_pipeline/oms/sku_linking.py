"""Which Cafe24 variant each SKU is linked to, and which variants are quarantined instead.

Cafe24 lets a seller reuse a `custom_variant_code` (it only raises `duplicated_custom_variant_code`),
but the OMS keys products by SKU. Linking must therefore pick exactly one variant per (mall, SKU),
the same one on every run, and report every other variant as a conflict instead of dropping it.

Rule (deterministic, stable across runs):
1. a variant already linked to the SKU keeps the link while it still carries that SKU;
2. otherwise the lowest (product_no, variant_code) wins.
Every other variant with that SKU becomes a `duplicate_sku` conflict naming both ids. A variant
with no SKU at all becomes a `missing_sku` conflict. A variant Cafe24 flags as duplicated whose
twin we cannot see (another shop, a deleted product) is linked but still reported
(`cafe24_flagged_duplicate`), so the operator can look.

A variant present in several shops of one mall is one variant, not a duplicate: it is linked once,
from its lowest shop_no.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

REASON_DUPLICATE_SKU = "duplicate_sku"
REASON_MISSING_SKU = "missing_sku"
REASON_CAFE24_FLAGGED = "cafe24_flagged_duplicate"

CANDIDATE_COLUMNS = {
    "mall_id": pl.Utf8,
    "shop_no": pl.Int64,
    "product_no": pl.Int64,
    "variant_code": pl.Utf8,
    "sku": pl.Utf8,
    "duplicated_custom_variant_code": pl.Boolean,
}
LINK_COLUMNS = {
    "mall_id": pl.Utf8,
    "sku": pl.Utf8,
    "shop_no": pl.Int64,
    "product_no": pl.Int64,
    "variant_code": pl.Utf8,
}
CONFLICT_COLUMNS = {
    "mall_id": pl.Utf8,
    "sku": pl.Utf8,
    "reason": pl.Utf8,
    "shop_no": pl.Int64,
    "product_no": pl.Int64,
    "variant_code": pl.Utf8,
    "linked_product_no": pl.Int64,
    "linked_variant_code": pl.Utf8,
    "detail": pl.Utf8,
}


@dataclass(frozen=True)
class LinkResult:
    """`links`: one row per (mall_id, sku). `conflicts`: every variant that was not linked, with why."""

    links: pl.DataFrame
    conflicts: pl.DataFrame


def empty_links() -> pl.DataFrame:
    return pl.DataFrame(schema=LINK_COLUMNS)


def empty_conflicts() -> pl.DataFrame:
    return pl.DataFrame(schema=CONFLICT_COLUMNS)


def link_skus(candidates: pl.DataFrame, existing_links: pl.DataFrame | None = None) -> LinkResult:
    """Link one variant per (mall_id, sku); everything else goes to conflicts with a reason.

    `candidates` holds the live (not deleted) variants of the malls being linked, with the columns
    of CANDIDATE_COLUMNS; `existing_links` the current oms_listings rows (mall_id, sku,
    product_no, variant_code) so an established link survives a newer duplicate.
    """
    missing = [c for c in CANDIDATE_COLUMNS if c not in candidates.columns]
    if missing:
        raise ValueError(f"link_skus: candidate frame lacks columns {missing}")
    cands = (
        candidates.select([pl.col(c).cast(t) for c, t in CANDIDATE_COLUMNS.items()])
        .with_columns(
            pl.col("sku").str.strip_chars(),
            pl.col("duplicated_custom_variant_code").fill_null(False),
        )
        .with_columns(pl.when(pl.col("sku") == "").then(None).otherwise(pl.col("sku")).alias("sku"))
        # One row per variant: a variant listed in several shops is the same variant.
        .sort(["mall_id", "variant_code", "shop_no"])
        .unique(subset=["mall_id", "variant_code"], keep="first", maintain_order=True)
    )

    no_sku = cands.filter(pl.col("sku").is_null())
    with_sku = cands.filter(pl.col("sku").is_not_null())

    if existing_links is not None and existing_links.height:
        prior = existing_links.select(
            pl.col("mall_id").cast(pl.Utf8),
            pl.col("sku").cast(pl.Utf8),
            pl.col("variant_code").cast(pl.Utf8),
            pl.lit(True).alias("_already_linked"),
        )
        with_sku = with_sku.join(prior, on=["mall_id", "sku", "variant_code"], how="left").with_columns(
            pl.col("_already_linked").fill_null(False)
        )
    else:
        with_sku = with_sku.with_columns(pl.lit(False).alias("_already_linked"))

    ranked = with_sku.sort(
        ["mall_id", "sku", "_already_linked", "product_no", "variant_code"],
        descending=[False, False, True, False, False],
    ).with_columns(
        pl.int_range(pl.len()).over(["mall_id", "sku"]).alias("_rank"),
        pl.len().over(["mall_id", "sku"]).alias("_group_size"),
    )
    winners = ranked.filter(pl.col("_rank") == 0)
    losers = ranked.filter(pl.col("_rank") > 0)

    links = winners.select(list(LINK_COLUMNS)).sort(["mall_id", "sku"])

    winner_ids = winners.select(
        "mall_id", "sku", pl.col("product_no").alias("linked_product_no"), pl.col("variant_code").alias("linked_variant_code")
    )
    duplicate_rows = losers.join(winner_ids, on=["mall_id", "sku"], how="left").select(
        "mall_id",
        "sku",
        pl.lit(REASON_DUPLICATE_SKU).alias("reason"),
        "shop_no",
        "product_no",
        "variant_code",
        "linked_product_no",
        "linked_variant_code",
        pl.format(
            "SKU also on product {} variant {}; linked there",
            pl.col("linked_product_no"),
            pl.col("linked_variant_code"),
        ).alias("detail"),
    )
    flagged_alone = winners.filter(pl.col("duplicated_custom_variant_code") & (pl.col("_group_size") == 1)).select(
        "mall_id",
        "sku",
        pl.lit(REASON_CAFE24_FLAGGED).alias("reason"),
        "shop_no",
        "product_no",
        "variant_code",
        pl.col("product_no").alias("linked_product_no"),
        pl.col("variant_code").alias("linked_variant_code"),
        pl.lit("Cafe24 flags this custom_variant_code as duplicated; its twin is not among the live variants synced").alias(
            "detail"
        ),
    )
    missing_rows = no_sku.select(
        "mall_id",
        pl.lit(None, dtype=pl.Utf8).alias("sku"),
        pl.lit(REASON_MISSING_SKU).alias("reason"),
        "shop_no",
        "product_no",
        "variant_code",
        pl.lit(None, dtype=pl.Int64).alias("linked_product_no"),
        pl.lit(None, dtype=pl.Utf8).alias("linked_variant_code"),
        pl.lit("variant has no custom_variant_code (and is not the default variant of a coded single product)").alias("detail"),
    )
    conflicts = pl.concat(
        [
            f.select([pl.col(c).cast(t) for c, t in CONFLICT_COLUMNS.items()])
            for f in (duplicate_rows, flagged_alone, missing_rows)
        ]
    ).sort(["mall_id", "reason", "sku", "product_no", "variant_code"], nulls_last=True)
    return LinkResult(links=links, conflicts=conflicts)
