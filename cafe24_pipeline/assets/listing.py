"""Listing products from Dagster: `bulk_upload_job` (a workbook's path as config), `product_add_job` (the run
config is the product: the launchpad is the form), and the inbox sensor (sensors/listing.py).

Thin: the step holds the mall's lease, opens its client and runs `sync.listing.Lister`; a dry run only reads the
store (no lease, no client, nothing written). Both record `oms/bulk_uploads` (the `bulk_uploads` and
`bulk_upload_rows` tables) with the run's summary as metadata; the products themselves land in the catalogue
mirror, `oms_listings` and `oms_products` through the listing's read-back.
"""

from pathlib import Path

import dagster as dg

from cafe24_pipeline.assets.catalog import (
    OMS_LISTINGS,
    OMS_PRODUCTS,
    PRODUCTS,
    VARIANTS,
)
from cafe24_pipeline.assets.mall_work import mall_client
from cafe24_pipeline.bulk.errors import BulkFileError
from cafe24_pipeline.partitions import malls_partitions
from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.schedules.common import AnyJob
from cafe24_pipeline.sync import listing_inbox
from cafe24_pipeline.sync.lease import MallBusy
from cafe24_pipeline.sync.listing import (
    Lister,
    ListingConfig,
    NewProduct,
    UploadResult,
    parse_option,
)

BULK_UPLOADS = dg.AssetKey(["oms", "bulk_uploads"])
BULK_OP = "oms__bulk_uploads"
"""The op of the bulk upload asset (its run config goes under ops.<this>.config)."""
GROUP = "listing"


class BulkUploadConfig(dg.Config):
    """Which workbook to upload."""

    path: str
    """The .xlsx file (the template filled in), as the run's machine sees it."""
    report_path: str | None = None
    """Where to write the result workbook; default `<name>.result.xlsx` beside the file."""
    dry_run: bool = False
    """Validate and show what would happen; send and write nothing."""
    inbox: bool = False
    """Set by the inbox sensor: move the file to done/ or failed/ afterwards, its result beside it."""
    shop_no: int = 1


class ProductAddConfig(dg.Config):
    """One product to list (or one group: give options, and one variant is made per combination)."""

    sku: str
    """The SKU; with options, the group's parent SKU (variant SKUs are `<sku>-<value>-<value>`)."""
    name: str
    """Product name (Hangul welcome), ≤ 250 characters."""
    price: int
    """Selling price in whole won."""
    mrp: int | None = None
    """MRP (Cafe24 retail_price), not below the price."""
    supply_price: int | None = None
    stock: int = 0
    """Stock of the product, or of each variant of a group."""
    options: list[str] = []
    """e.g. ["Color=Red,Blue", "Size=S,M"] (up to 3)."""
    brand: str | None = None
    """brand_code, e.g. B000000A."""
    category: int | None = None
    """category_no."""
    image_url: str | None = None
    display: bool = False
    selling: bool = False
    dry_run: bool = False
    shop_no: int = 1


def _metadata(result: UploadResult) -> dict:
    meta = result.as_metadata()
    meta["errors"] = dg.MetadataValue.json(meta["errors"])
    meta["dagster/table_name"] = "bulk_uploads"
    return meta


def _log(context, result: UploadResult) -> None:
    context.log.info(result.summary())
    for line in result.errors(10):
        context.log.warning(line)


@dg.asset(
    key=BULK_UPLOADS,
    group_name=GROUP,
    kinds={"cafe24", "excel", "sql"},
    deps=[PRODUCTS, VARIANTS, OMS_LISTINGS, OMS_PRODUCTS],
    partitions_def=malls_partitions,
    description="Every bulk upload and product add: file, status, row counts, and each row's result "
    "(created / updated / unchanged / error with the reason). Listed products then show in the catalogue "
    "mirror, oms_listings and oms_products.",
    metadata={"dagster/table_name": "bulk_uploads"},
)
def oms_bulk_upload(context: dg.AssetExecutionContext, config: BulkUploadConfig, store: StoreResource, cafe24: Cafe24Resource):
    """Validate a listing workbook and apply it to the mall (create, update; a dry run only validates)."""
    mall = context.partition_key
    db = store.get_store()
    path = Path(config.path)
    if not path.is_file():
        raise dg.Failure(description=f"{path} does not exist (config: path)", allow_retries=False)
    report = Path(config.report_path) if config.report_path else listing_inbox.report_beside(path)
    listing_config = ListingConfig(shop_no=config.shop_no)
    try:
        if config.dry_run:
            result = Lister(db, None, mall, config=listing_config).upload(path, report_path=report, dry_run=True)
        else:
            with mall_client(context, db, cafe24, mall, "oms/bulk_upload", BulkFileError) as client:
                result = Lister(db, client, mall, config=listing_config, run_id=context.run.run_id).upload(
                    path, report_path=report
                )
    except BaseException as exc:
        if config.inbox:
            cause = exc.__cause__ if isinstance(exc, dg.Failure) and exc.__cause__ else exc
            if isinstance(cause, MallBusy):
                listing_inbox.retry_later(path)  # the mall is busy with another sync: the sensor tries again
            else:
                listing_inbox.settle(
                    path, ok=False, report=report if report.exists() else None, error=str(cause) or type(cause).__name__
                )
        if isinstance(exc, BulkFileError):
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        raise
    _log(context, result)
    if config.inbox:
        moved = listing_inbox.settle(path, ok=result.failed_rows == 0, report=report)
        context.log.info(f"moved {path.name} to {moved.parent}")
    return dg.MaterializeResult(metadata=_metadata(result))


bulk_upload_job = dg.define_asset_job(
    "bulk_upload_job",
    selection=dg.AssetSelection.assets(BULK_UPLOADS),
    tags={"cafe24/stream": "bulk_upload"},
    description="Upload a listing workbook (the bulk template filled in) to one mall: new products created with "
    "their options, variants and stock, listed ones updated by SKU. Config: path [, report_path, dry_run].",
)


@dg.op(name="oms_product_add")
def oms_product_add(context: dg.OpExecutionContext, config: ProductAddConfig, store: StoreResource, cafe24: Cafe24Resource):
    """List one product (or one group) on the mall: the bulk upload's validation and apply path."""
    mall = context.partition_key
    db = store.get_store()
    try:
        product = product_from_config(config)
    except ValueError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc
    listing_config = ListingConfig(shop_no=config.shop_no)
    if config.dry_run:
        result = Lister(db, None, mall, config=listing_config).add(product, dry_run=True)
    else:
        with mall_client(context, db, cafe24, mall, "oms/product_add") as client:
            result = Lister(db, client, mall, config=listing_config, run_id=context.run.run_id).add(product)
    _log(context, result)
    context.log_event(dg.AssetMaterialization(asset_key=BULK_UPLOADS, partition=mall, metadata=_metadata(result)))
    if result.failed_rows:
        raise dg.Failure(description="; ".join(result.errors(5)), metadata={"errors": result.failed_rows}, allow_retries=False)


def product_from_config(config: ProductAddConfig) -> NewProduct:
    return NewProduct(
        sku=config.sku,
        name=config.name,
        price=config.price,
        mrp=config.mrp,
        supply_price=config.supply_price,
        stock=config.stock,
        options=tuple(parse_option(o) for o in config.options),
        brand=config.brand,
        category=config.category,
        image_url=config.image_url,
        display=config.display,
        selling=config.selling,
    )


@dg.job(
    name="product_add_job",
    partitions_def=malls_partitions,
    tags={"cafe24/stream": "product_add"},
    description="List one product on a mall; the run config is the product (sku, name, price, mrp, stock, "
    'options such as "Color=Red,Blue", display, selling). Same validation and apply path as a bulk upload.',
)
def product_add_job():
    oms_product_add()


listing_assets = [oms_bulk_upload]
listing_jobs: list[AnyJob] = [bulk_upload_job, product_add_job]
