"""Catalogue assets, partitioned by mall: Cafe24 mirror → SKU links → OMS product master.

Thin: each asset opens the store and (when it calls Cafe24) the mall's client, runs one step of
`sync.catalog`, and reports its `SyncResult` as metadata. Lineage reads

    cafe24/categories, cafe24/brands, cafe24/products, cafe24/variants → oms/listings → oms/products
    cafe24/variants → cafe24/inventory_snapshots (mall × KST day)

Concurrency: every API-calling asset uses the single pool "cafe24_api" (a pool is static per
definition, so it cannot name the mall); per-mall serialisation comes from the run tag
`cafe24/mall_id`, limited to one run per mall in deploy/dagster.yaml, and the client's own per-mall
rate governor remains the real guard against 429s.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


import dagster as dg
from dagster import AssetExecutionContext
import polars as pl

from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.assets.describe import row_count_metadata
from cafe24_pipeline.assets.mall_work import mall_client
from cafe24_pipeline.partitions import mall_inventory_day_partitions, malls_partitions
from cafe24_pipeline.store import Store
from cafe24_pipeline.store.queries import live_row_count
from cafe24_pipeline.sync import catalog as sync

API_POOL = "cafe24_api"
GROUP = "catalog"
KST = ZoneInfo("Asia/Seoul")

CATEGORIES = dg.AssetKey(["cafe24", "categories"])
BRANDS = dg.AssetKey(["cafe24", "brands"])
PRODUCTS = dg.AssetKey(["cafe24", "products"])
VARIANTS = dg.AssetKey(["cafe24", "variants"])
INVENTORY_SNAPSHOTS = dg.AssetKey(["cafe24", "inventory_snapshots"])
OMS_LISTINGS = dg.AssetKey(["oms", "listings"])
OMS_PRODUCTS = dg.AssetKey(["oms", "products"])
PRODUCT_SYNC_OP = "cafe24_products_and_variants"

RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)
PERMANENT = (sync.CatalogSyncError, ValueError)  # besides mall_work.PERMANENT; ValueError: bad config or data


class ProductSyncConfig(dg.Config):
    """How `cafe24/products` + `cafe24/variants` fetch: auto (incremental, or the full initial
    import when the mall was never synced), full (scan everything, conclude deletions), incremental,
    or a targeted re-sync of `product_nos`."""

    mode: str = "auto"
    product_nos: list[int] = []
    overlap_minutes: int = int(sync.DEFAULT_OVERLAP.total_seconds() // 60)
    safety_lag_seconds: int = int(sync.DEFAULT_SAFETY_LAG.total_seconds())
    """The window stops this far before now, so a clock skew with Cafe24 cannot skip an edit."""


def _metadata(result: sync.SyncResult, table: str, *, row_count: int | None = None) -> dict:
    meta = {k: _md_value(v) for k, v in result.as_metadata().items()}
    meta["dagster/table_name"] = table
    if row_count is not None:
        meta["dagster/partition_row_count"] = row_count
    return meta


def _md_value(value: object) -> object:
    if isinstance(value, (dict, list)):
        return dg.MetadataValue.json(value)
    return value


def _live_rows(store: Store, table: str, mall_id: str) -> int:
    return live_row_count(store, table, mall_id)


def _mirror_asset(key: dg.AssetKey, table: str, sync_step, description: str) -> dg.AssetsDefinition:  # noqa: ANN001
    """A mall-partitioned mirror asset that fills `table` with one `sync_step(store, client, mall)` call."""

    @dg.asset(
        key=key,
        partitions_def=malls_partitions,
        group_name=GROUP,
        pool=API_POOL,
        retry_policy=RETRY,
        kinds={"cafe24", "sql"},
        description=description,
    )
    def _mirror(context: AssetExecutionContext, store: StoreResource, cafe24: Cafe24Resource) -> dg.MaterializeResult:
        mall = context.partition_key
        db = store.get_store()
        with mall_client(context, db, cafe24, mall, key.to_user_string(), *PERMANENT) as client:
            result = sync_step(db, client, mall)
        context.log.info(result.summary())
        return dg.MaterializeResult(
            metadata={
                **row_count_metadata(db, key, mall_id=mall),
                **_metadata(result, table, row_count=_live_rows(db, table, mall)),
            }
        )

    return _mirror


cafe24_categories = _mirror_asset(
    CATEGORIES,
    "cafe24_categories",
    sync.sync_categories,
    "Category tree of every shop of the mall (depth, parent, root, full path, attributes).",
)
cafe24_brands = _mirror_asset(BRANDS, "cafe24_brands", sync.sync_brands, "Brands of every shop of the mall.")


@dg.multi_asset(
    name=PRODUCT_SYNC_OP,
    specs=[
        dg.AssetSpec(
            PRODUCTS,
            group_name=GROUP,
            kinds={"cafe24", "sql"},
            description="Products of every shop (prices, display/selling, brand, categories, first image, dates); soft-deleted after a complete scan misses them.",
        ),
        dg.AssetSpec(
            VARIANTS,
            group_name=GROUP,
            kinds={"cafe24", "sql"},
            description="Variants with SKU (custom_variant_code, or the single product's code), options, additional amount and stock.",
        ),
    ],
    partitions_def=malls_partitions,
    pool=API_POOL,
    retry_policy=RETRY,
)
def cafe24_products_and_variants(
    context: AssetExecutionContext, config: ProductSyncConfig, store: StoreResource, cafe24: Cafe24Resource
):
    """One API scan fills both tables (variants are embedded in the product pages)."""
    mall = context.partition_key
    db = store.get_store()
    with mall_client(context, db, cafe24, mall, "cafe24/products", *PERMANENT) as client:
        result = sync.sync_products(
            db,
            client,
            mall,
            mode=config.mode,
            product_nos=config.product_nos or None,
            overlap=timedelta(minutes=config.overlap_minutes),
            safety_lag=timedelta(seconds=config.safety_lag_seconds),
        )
    context.log.info(result.summary())
    d = result.details
    yield dg.MaterializeResult(
        asset_key=PRODUCTS,
        metadata={
            **row_count_metadata(db, PRODUCTS, mall_id=mall),
            **_metadata(result, "cafe24_products", row_count=_live_rows(db, "cafe24_products", mall)),
        },
    )
    variant_meta = {
        "mall_id": mall,
        "mode": result.mode,
        "rows_fetched": d.get("variants_fetched", 0),
        "rows_stored": d.get("variants_stored", 0),
        "rows_skipped": d.get("variants_unchanged", 0),
        "skipped_by_reason": dg.MetadataValue.json({"unchanged": d.get("variants_unchanged", 0)}),
        "rows_deleted": d.get("variants_deleted", 0),
        "api_calls": result.api_calls,
        "duration_s": round(result.duration_s, 3),
        "dagster/table_name": "cafe24_variants",
        **row_count_metadata(db, VARIANTS, mall_id=mall),
        "dagster/partition_row_count": _live_rows(db, "cafe24_variants", mall),
    }
    yield dg.MaterializeResult(asset_key=VARIANTS, metadata=variant_meta)


@dg.asset(
    key=OMS_LISTINGS,
    deps=[PRODUCTS, VARIANTS, BRANDS, CATEGORIES],
    partitions_def=malls_partitions,
    group_name="oms",
    kinds={"sql"},
    description="One listing per (mall, SKU) linking the OMS SKU to its Cafe24 product/variant, with the values "
    "Cafe24 last confirmed; duplicate and missing SKUs go to sku_conflicts.",
)
def oms_listings(context: AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    mall = context.partition_key
    db = store.get_store()
    result = sync.link_listings(db, mall)
    context.log.info(result.summary())
    meta = {
        **row_count_metadata(db, OMS_LISTINGS, mall_id=mall),
        **_metadata(result, "oms_listings", row_count=_live_rows(db, "oms_listings", mall)),
    }
    conflicts = db.read_table("sku_conflicts", {"mall_id": mall})
    open_conflicts = conflicts.filter(conflicts["resolved_at"].is_null()) if conflicts.height else conflicts
    if open_conflicts.height:
        meta["sku_conflicts_preview"] = dg.MetadataValue.md(
            md_table(
                open_conflicts.select(
                    "sku", "reason", "conflicting_product_no", "conflicting_variant_code", "kept_product_no", "kept_variant_code"
                ).head(20)
            )
        )
    return dg.MaterializeResult(metadata=meta)


def md_table(df: pl.DataFrame) -> str:
    """A small markdown table of a polars frame (for metadata previews)."""
    cols = df.columns
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.iter_rows():
        lines.append("| " + " | ".join("" if v is None else str(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines)


@dg.asset(
    key=OMS_PRODUCTS,
    deps=[OMS_LISTINGS],
    partitions_def=malls_partitions,
    group_name="oms",
    kinds={"sql"},
    description="OMS product master (one row per SKU): Cafe24 owns the descriptive fields; stock, prices and "
    "active belong to the OMS after the initial import.",
)
def oms_products(context: AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    mall = context.partition_key
    db = store.get_store()
    result = sync.build_oms_products(db, mall)
    context.log.info(result.summary())
    # oms_products is shared by every mall: the partition's rows are the SKUs listed on this mall.
    return dg.MaterializeResult(
        metadata={
            **row_count_metadata(db, OMS_PRODUCTS),
            **_metadata(result, "oms_products", row_count=_live_rows(db, "oms_listings", mall)),
        }
    )


@dg.asset(
    key=INVENTORY_SNAPSHOTS,
    deps=[VARIANTS],
    partitions_def=mall_inventory_day_partitions,
    group_name=GROUP,
    pool=API_POOL,
    retry_policy=RETRY,
    kinds={"cafe24", "sql"},
    description="Stock per variant per mall for one KST day (a fresh full product scan, then the snapshot).",
)
def cafe24_inventory_snapshots(
    context: AssetExecutionContext, store: StoreResource, cafe24: Cafe24Resource
) -> dg.MaterializeResult:
    keys = context.partition_key.keys_by_dimension
    mall, day = keys["mall"], date.fromisoformat(keys["day"])
    today = datetime.now(KST).date()
    if day != today:
        raise dg.Failure(
            f"cannot snapshot {day} for mall {mall}: Cafe24 only reports current stock, so only today's "
            f"KST partition ({today}) can be materialized; past days keep the snapshot taken on that day",
            allow_retries=False,
        )
    db = store.get_store()
    with mall_client(context, db, cafe24, mall, "cafe24/inventory_snapshots", *PERMANENT) as client:
        scan = sync.sync_products(db, client, mall, mode="full")
    result = sync.snapshot_inventory(db, mall, day)
    result.api_calls = scan.api_calls
    result.duration_s += scan.duration_s
    result.details["product_scan"] = scan.summary()
    context.log.info(result.summary())
    return dg.MaterializeResult(
        metadata={
            **row_count_metadata(db, INVENTORY_SNAPSHOTS, mall_id=mall, days=[day]),
            **_metadata(result, "cafe24_inventory_snapshots", row_count=result.fetched),
        }
    )


catalog_assets = [
    cafe24_categories,
    cafe24_brands,
    cafe24_products_and_variants,
    oms_listings,
    oms_products,
    cafe24_inventory_snapshots,
]
