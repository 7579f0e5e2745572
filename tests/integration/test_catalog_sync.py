"""Catalogue end to end: Dagster jobs against the sandbox over real HTTP, into a real store."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import dagster as dg
import polars as pl
import pytest

from cafe24_pipeline.cafe24.options import ClientOptions
from cafe24_pipeline.cafe24.retry import RetryConfig
from cafe24_pipeline.mall_access import open_client
from cafe24_pipeline.cafe24.errors import Cafe24Error
from cafe24_pipeline.sync.catalog import sync_products
from tests.integration.catalog_support import MALL, make_world, sandbox_truth

pytestmark = pytest.mark.slow  # each test runs several Dagster jobs against the sandbox (~6 s)


@pytest.fixture
def world(sandbox_factory, tmp_path, monkeypatch):
    server = sandbox_factory(malls=[MALL], products=30, orders=0, duplicate_sku_pairs=3)
    w = make_world(server, f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path, monkeypatch)
    yield w
    w.instance.dispose()
    w.store.close()


def _meta(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    key = dg.AssetKey(asset.split("/"))
    mats = [
        e.event_specific_data.materialization
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION" and e.event_specific_data.materialization.asset_key == key
    ]
    assert mats, f"{asset} was not materialized"
    return {k: getattr(v, "value", v) for k, v in mats[-1].metadata.items()}


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def _open_conflicts(world) -> pl.DataFrame:
    c = world.store.read_table("sku_conflicts", {"mall_id": MALL})
    return c.filter(pl.col("resolved_at").is_null())


def test_full_import_matches_the_sandbox_and_quarantines_duplicates(world):
    result = world.run("catalog_job")
    assert result.success
    truth = sandbox_truth(world.server)

    assert world.count("cafe24_products") == truth.products
    assert world.count("cafe24_variants") == truth.variants
    assert world.count("cafe24_categories") == truth.categories
    assert world.count("cafe24_brands") == truth.brands
    assert set(world.store.read_table("oms_listings", {"mall_id": MALL})["sku"]) == truth.skus
    master = world.store.read_table("oms_products")
    assert set(master["sku"]) == truth.skus

    # every duplicate is either the linked one or quarantined, with both ids; no SKU is silently lost
    assert truth.duplicate_variant_codes, "the sandbox was asked for duplicate SKUs"
    conflicts = _open_conflicts(world)
    dup = conflicts.filter(pl.col("reason").str.starts_with("duplicate_sku"))
    linked_codes = set(world.store.read_table("oms_listings", {"mall_id": MALL})["variant_code"])
    assert set(dup["conflicting_variant_code"]) | (truth.duplicate_variant_codes & linked_codes) == truth.duplicate_variant_codes
    assert dup["kept_variant_code"].null_count() == 0 and dup["conflicting_product_no"].null_count() == 0
    missing = conflicts.filter(pl.col("reason").str.starts_with("missing_sku"))
    assert set(missing["conflicting_variant_code"]) == truth.no_sku_variant_codes

    checks = _checks(result)
    assert checks["linked_sku_unique"].passed
    assert not checks["variant_sku_unique"].passed  # duplicates exist: a warning with the rows
    assert checks["variant_sku_unique"].severity == dg.AssetCheckSeverity.WARN
    assert checks["variant_sku_unique"].metadata["offending_rows_count"].value >= len(truth.duplicate_variant_codes)
    assert checks["variant_codes_well_formed"].passed and checks["product_codes_well_formed"].passed
    assert checks["product_data_required"].passed

    meta = _meta(result, "cafe24/products")
    assert meta["rows_fetched"] == truth.products and meta["rows_stored"] == truth.products
    assert meta["api_calls"] > 0 and meta["deletion_check"] == "complete scan"
    assert _meta(result, "oms/listings")["sku_conflicts_open"] == conflicts.height


def test_rerun_changes_nothing(world):
    assert world.run("catalog_job").success
    tables = ["cafe24_products", "cafe24_variants", "cafe24_categories", "cafe24_brands", "oms_listings", "sku_conflicts"]

    def content(t: str):  # noqa: ANN202 - `seen_at` says when a read last confirmed the row: it moves
        frame = world.store.read_table(t, {"mall_id": MALL})
        return frame.drop("seen_at") if "seen_at" in frame.columns else frame

    before = {t: content(t) for t in tables}
    seen_before = world.store.read_table("cafe24_products", {"mall_id": MALL})["seen_at"].max()
    master = world.store.read_table("oms_products")
    again = world.run("catalog_job")
    assert again.success
    for t in tables:
        assert content(t).equals(before[t]), t
    assert world.store.read_table("cafe24_products", {"mall_id": MALL})["seen_at"].min() > seen_before
    assert world.store.read_table("oms_products").equals(master)
    for asset in ("cafe24/products", "cafe24/variants", "cafe24/categories", "cafe24/brands", "oms/listings", "oms/products"):
        assert _meta(again, asset)["rows_stored"] == 0, asset


def test_merchant_edit_reaches_the_master_on_the_next_incremental_run(world):
    assert world.run("catalog_job").success
    listing = world.store.read_table("oms_listings", {"mall_id": MALL}).row(0, named=True)
    product_no = listing["product_no"]
    before = world.store.read_table("oms_products", {"sku": listing["sku"]}).row(0, named=True)

    world.control("PUT", f"products/{product_no}", {"product_name": "Renamed by the merchant", "price": "77000.00"})
    # the sandbox shares our clock, so no safety lag is needed to see an edit made a moment ago
    result = world.run("catalog_incremental_job", mode="auto", safety_lag_seconds=0)
    assert result.success
    assert _meta(result, "cafe24/products")["mode"] == "incremental"

    row = world.store.read_table("cafe24_products", {"mall_id": MALL, "product_no": product_no, "shop_no": 1}).row(0, named=True)
    assert row["product_name"] == "Renamed by the merchant" and row["price"] == Decimal("77000.00")
    after = world.store.read_table("oms_products", {"sku": listing["sku"]}).row(0, named=True)
    assert after["name"].startswith("Renamed by the merchant")  # Cafe24 owns the name
    assert after["selling_price"] == before["selling_price"]  # the OMS owns the price
    confirmed = world.store.read_table("oms_listings", {"mall_id": MALL, "sku": listing["sku"]}).row(0, named=True)
    assert confirmed["confirmed_price"] != listing["confirmed_price"]  # ...and sees what Cafe24 now says


def test_deleted_product_is_marked_only_after_a_complete_scan(world):
    assert world.run("catalog_job").success
    victim = int(world.store.read_table("cafe24_products", {"mall_id": MALL, "shop_no": 1})["product_no"].max())
    world.control("DELETE", f"products/{victim}")

    def deleted_at(shop: int):
        rows = world.store.read_table("cafe24_products", {"mall_id": MALL, "product_no": victim, "shop_no": shop})
        return rows["deleted_at"].item()

    # an incremental run never concludes a deletion
    assert world.run("catalog_incremental_job", mode="auto").success
    assert deleted_at(1) is None

    # an aborted scan (a truncated response, no retries left) raises before any deletion is concluded
    world.fault(kind="truncated", path="products", count=1)
    with open_client(
        world.settings, world.store, MALL, options=ClientOptions(retry=RetryConfig(max_retries=0, initial=0.01))
    ) as client:
        with pytest.raises(Cafe24Error):
            sync_products(world.store, client, MALL, mode="full")
    assert deleted_at(1) is None

    # a scan of shop 1 that meets a record it cannot read is incomplete: nothing concluded for shop 1
    world.fault(kind="malformed", path="products", field="product_no", value="not-a-number", count=1)
    incomplete = world.run("catalog_job")
    assert incomplete.success
    assert deleted_at(1) is None
    assert "refused" in _meta(incomplete, "cafe24/products")["deletion_check"]
    assert "shop 1" in _meta(incomplete, "cafe24/products")["deletion_check"]

    complete = world.run("catalog_job")
    assert complete.success
    assert deleted_at(1) is not None
    assert _meta(complete, "cafe24/products")["deletion_check"] == "complete scan"
    variants = world.store.read_table("cafe24_variants", {"mall_id": MALL, "product_no": victim, "shop_no": 1})
    assert variants.height and variants["deleted_at"].null_count() == 0
    assert world.store.read_table("oms_listings", {"mall_id": MALL, "product_no": victim}).height == 0
    assert world.store.read_table("cafe24_products", {"mall_id": MALL}).height == sandbox_truth(world.server).products + 2


def test_manual_resync_of_chosen_products(world):
    assert world.run("catalog_job").success
    nos = world.store.read_table("cafe24_products", {"mall_id": MALL, "shop_no": 1})["product_no"].head(2).to_list()
    result = world.run("catalog_incremental_job", mode="products", product_nos=[*nos, 999999])
    assert result.success
    meta = _meta(result, "cafe24/products")
    assert meta["mode"] == "products"
    assert meta["skipped_by_reason"].get("not_found_on_cafe24") == 1
    assert meta["rows_fetched"] >= len(nos)


def test_checks_fail_on_bad_oms_data_with_the_offending_rows(world):
    assert world.run("catalog_job").success
    sku = world.store.read_table("oms_listings", {"mall_id": MALL})["sku"][0]
    bad = world.store.read_table("oms_products", {"sku": sku}).with_columns(
        pl.lit(Decimal("0.00")).cast(pl.Decimal(18, 2)).alias("selling_price")
    )
    world.store.upsert("oms_products", bad)  # the OMS owns the price: the next sync keeps it
    result = world.run("catalog_incremental_job", mode="auto")
    check = _checks(result)["product_data_required"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert sku in check.metadata["offending_rows"].value
    assert check.metadata["offending_rows_count"].value == 1


def test_inventory_snapshot_for_today(world):
    assert world.run("catalog_job").success
    day = datetime.now(ZoneInfo("Asia/Seoul")).date()
    key = dg.MultiPartitionKey({"mall": MALL, "day": day.isoformat()})
    result = world.run("inventory_snapshot_job", partition_key=key)
    assert result.success
    snap = world.store.read_table("cafe24_inventory_snapshots", {"mall_id": MALL, "snapshot_date": day})
    assert snap.height == sandbox_truth(world.server).distinct_variant_codes
    # a past day of the calendar (it starts a week back): Cafe24 reports only current stock
    past = dg.MultiPartitionKey({"mall": MALL, "day": (day - timedelta(days=1)).isoformat()})
    assert not world.run("inventory_snapshot_job", partition_key=past).success


def test_empty_scan_never_deletes_the_catalogue(sandbox_factory, tmp_path, monkeypatch):
    server = sandbox_factory(malls=[MALL], products=3, orders=0, duplicate_sku_pairs=0, big_option_products=0)
    w = make_world(server, f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path, monkeypatch)
    try:
        assert w.run("catalog_job").success
        live = w.count("cafe24_products")
        for no in set(w.store.read_table("cafe24_products", {"mall_id": MALL})["product_no"]):
            w.control("DELETE", f"products/{no}")
        result = w.run("catalog_job")
        assert not result.success  # an unexpected zero-row scan fails loudly, saying why
        failures = [e.step_failure_data for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        assert any("returned no products" in (f.user_failure_data.description or "") for f in failures if f.user_failure_data)
        products = w.store.read_table("cafe24_products", {"mall_id": MALL})
        assert products.height == live and products["deleted_at"].null_count() == live
        assert w.store.read_table("oms_listings", {"mall_id": MALL}).height > 0
    finally:
        w.instance.dispose()
        w.store.close()


def test_high_water_mark_moves_only_after_the_rows_are_committed(world, monkeypatch):
    from cafe24_pipeline.store import StoreValueError
    from cafe24_pipeline.sync.catalog import STREAM_PRODUCTS

    assert world.run("catalog_job").success
    mark = world.store.get_sync_state(MALL, STREAM_PRODUCTS).high_water_mark
    no = int(world.store.read_table("cafe24_products", {"mall_id": MALL, "shop_no": 1})["product_no"][0])
    world.control("PUT", f"products/{no}", {"product_name": "Edited while the store is failing", "price": "12340.00"})

    real_upsert = world.store.upsert

    def failing_upsert(table, df, **kw):
        if table == "cafe24_products" and df.height:
            raise StoreValueError("disk full (simulated)")
        return real_upsert(table, df, **kw)

    monkeypatch.setattr(world.store, "upsert", failing_upsert)
    with open_client(world.settings, world.store, MALL) as client:
        with pytest.raises(StoreValueError):
            sync_products(world.store, client, MALL, mode="incremental", safety_lag=timedelta(0))
    assert world.store.get_sync_state(MALL, STREAM_PRODUCTS).high_water_mark == mark
    # nothing of the failed page was written
    assert (
        world.store.read_table("cafe24_products", {"mall_id": MALL, "product_no": no, "shop_no": 1})["product_name"].item()
        != "Edited while the store is failing"
    )

    monkeypatch.setattr(world.store, "upsert", real_upsert)
    with open_client(world.settings, world.store, MALL) as client:
        sync_products(world.store, client, MALL, mode="incremental", safety_lag=timedelta(0))
    assert world.store.get_sync_state(MALL, STREAM_PRODUCTS).high_water_mark > mark
    assert (
        world.store.read_table("cafe24_products", {"mall_id": MALL, "product_no": no, "shop_no": 1})["product_name"].item()
        == "Edited while the store is failing"
    )


def test_incremental_before_any_sync_names_the_fix_and_writes_nothing(world):
    from cafe24_pipeline.sync.catalog import STREAM_PRODUCTS

    with open_client(world.settings, world.store, MALL) as client:
        with pytest.raises(ValueError, match="needs an earlier products sync of .*; run mode 'full' first"):
            sync_products(world.store, client, MALL, mode="incremental", safety_lag=timedelta(0))
    assert world.count("cafe24_products") == 0
    assert world.store.get_sync_state(MALL, STREAM_PRODUCTS) is None
