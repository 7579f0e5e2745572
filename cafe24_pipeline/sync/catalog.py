"""Catalogue sync: Cafe24 → mirror tables → SKU links → OMS master. Plain Python, no Dagster.

Each step fetches (streamed page by page), transforms with `sync/catalog_frames.py`, writes only rows whose
content changed, and returns a `SyncResult` with what it fetched, stored and skipped (with reasons),
the API calls it used and how long it took. The Dagster assets and the CLI are thin wrappers.

Modes of the product step:
- full scan: every product of every shop, paged by `since_product_no`. Only a scan that finished
  and saw as many products as Cafe24 counted may conclude deletions (soft: `deleted_at`); an
  aborted, short or empty scan never deletes anything.
- incremental: products whose `updated_date` falls in [high-water mark − overlap, now − lag]
  (KST on the wire). The mark moves only after the window's rows are committed.
A record Cafe24 returns malformed is never stepped over: its product_no is kept *pending* in the
stream's `sync_state.details` and fetched again by every run (incremental, full or targeted) until
it parses; a malformed record without a usable product_no holds the high-water mark where it was.
- targeted: chosen `product_no`s (a manual re-sync of some variation groups).
A mall without a high-water mark gets a full scan (the initial import on connect).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

import polars as pl

from cafe24_pipeline import progress
from cafe24_pipeline.cafe24.shops import active_shop_nos
from cafe24_pipeline.sync.catalog_frames import (
    brands_frame,
    categories_frame,
    inventory_snapshot_frame,
    products_frame,
    variants_frame,
)
from cafe24_pipeline.oms.product_master import build_master_update, cafe24_view
from cafe24_pipeline.oms.sku_linking import (
    REASON_CAFE24_FLAGGED,
    REASON_DUPLICATE_SKU,
    REASON_MISSING_SKU,
    link_skus,
)
from cafe24_pipeline.store import Store
from cafe24_pipeline.store.catalog_rows import CatalogRows
from cafe24_pipeline.store.mirror import mark_seen
from cafe24_pipeline.sync.result import SyncResult, Timed

STREAM_PRODUCTS = "catalog_products"  # high-water mark of the incremental product window
STREAM_FULL_SCAN = "catalog_full_scan"
STREAM_CATEGORIES = "catalog_categories"
STREAM_BRANDS = "catalog_brands"
STREAM_OMS = "catalog_oms"
STREAM_INVENTORY = "inventory_snapshots"

DEFAULT_OVERLAP = timedelta(minutes=10)
DEFAULT_SAFETY_LAG = timedelta(minutes=1)


class CatalogSyncError(RuntimeError):
    """The sync refused to produce a misleading result (e.g. an unexpected zero-row scan)."""


class CatalogClient(Protocol):
    """What the sync needs from `cafe24.Cafe24Client` (a protocol, so tests can see the contract)."""

    stats: Any

    def list_shops(self) -> list[Any]: ...
    def iter_categories(self, shop_no: int) -> Iterator[Any]: ...
    def iter_brands(self, shop_no: int) -> Iterator[Any]: ...
    def iter_products(
        self,
        shop_no: int = 1,
        *,
        updated_start: datetime | date | None = None,
        updated_end: datetime | date | None = None,
        product_nos: Sequence[int] | None = None,
    ) -> Iterator[Any]: ...
    def count_products(self, shop_no: int, **kwargs: Any) -> int: ...


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _records(item: Any) -> tuple[list[Any], list[Any]]:
    """(records, issues) of a page, or of a single record when a client yields records."""
    if hasattr(item, "records"):
        return list(item.records), list(getattr(item, "issues", []) or [])
    return [item], []


def shop_numbers(client: CatalogClient) -> list[int]:
    """Active shops of the mall (multi-shop malls must be looped); shop 1 when none is listed."""
    return active_shop_nos(client.list_shops())


# --------------------------------------------------------------------------- categories, brands


def sync_categories(
    store: Store, client: CatalogClient, mall_id: str, *, shop_nos: Sequence[int] | None = None, now: datetime | None = None
) -> SyncResult:
    """Mirror the category tree of every shop; categories gone from a complete listing are soft-deleted."""
    return _sync_reference(
        store,
        client,
        mall_id,
        "cafe24_categories",
        "category_no",
        STREAM_CATEGORIES,
        lambda shop: client.iter_categories(shop),
        categories_frame,
        shop_nos,
        now,
    )


def sync_brands(
    store: Store, client: CatalogClient, mall_id: str, *, shop_nos: Sequence[int] | None = None, now: datetime | None = None
) -> SyncResult:
    """Mirror the brands of every shop; brands gone from a complete listing are soft-deleted."""
    return _sync_reference(
        store,
        client,
        mall_id,
        "cafe24_brands",
        "brand_code",
        STREAM_BRANDS,
        lambda shop: client.iter_brands(shop),
        brands_frame,
        shop_nos,
        now,
    )


def _sync_reference(store, client, mall_id, table, key, stream, fetch, to_frame, shop_nos, now) -> SyncResult:  # noqa: ANN001
    now = now or _utcnow()
    result = SyncResult(mall_id, table.removeprefix("cafe24_"), mode="full")
    with Timed(result, client):
        shops = list(shop_nos) if shop_nos else shop_numbers(client)
        for shop in shops:
            records: list[Any] = []
            for page in fetch(shop):
                recs, issues = _records(page)
                records.extend(recs)
                result.add_malformed(issues)
            result.fetched += len(records)
            frame = to_frame(mall_id, records, synced_at=now).unique(subset=["mall_id", "shop_no", key], keep="last")
            stored = CatalogRows(store).reference_rows(table, mall_id, shop)
            live_before = stored.filter(pl.col("deleted_at").is_null()).height if stored.height else 0
            if frame.height == 0 and live_before > 0:
                raise CatalogSyncError(
                    f"Cafe24 listed no {table.removeprefix('cafe24_')} for mall {mall_id} shop {shop}, "
                    f"but {live_before} are live in the store; refusing to treat that as deletions"
                )
            changed = _changed_rows(frame, stored, [key], ignore=("synced_at",))
            result.skip("unchanged", frame.height - changed.height)
            with store.transaction() as conn:
                result.stored += store.upsert(table, changed, conn=conn)
                if stored.height and not result.malformed:
                    gone = stored.filter(pl.col("deleted_at").is_null()).join(frame.select(key), on=key, how="anti")
                    if gone.height:
                        marks = gone.select("mall_id", "shop_no", key).with_columns(
                            pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("deleted_at")
                        )
                        result.deleted += store.upsert(table, marks, conn=conn)
                store.record_sync(mall_id, stream, success=True, high_water_mark=now, rows=frame.height, conn=conn)
    return result


def _changed_rows(frame: pl.DataFrame, stored: pl.DataFrame, keys: list[str], ignore: Iterable[str]) -> pl.DataFrame:
    """Rows of `frame` that are new or differ from `stored` in any column but `ignore`."""
    if stored.height == 0:
        return frame
    k = ["mall_id", "shop_no", *keys]
    compare = [c for c in frame.columns if c not in k and c not in set(ignore) and c in stored.columns]
    old = stored.select(*k, *[pl.col(c).alias(f"{c}__old") for c in compare], pl.lit(True).alias("__present"))
    joined = frame.join(old, on=k, how="left")
    changed = pl.col("__present").is_null() | pl.any_horizontal(
        [pl.col(c).cast(pl.Utf8).ne_missing(pl.col(f"{c}__old").cast(pl.Utf8)) for c in compare]
    )
    return joined.filter(changed).select(frame.columns)


# --------------------------------------------------------------------------- products and variants


@dataclass
class _ScanState:
    seen_products: dict[int, set[int]] = field(default_factory=dict)
    expected: dict[int, int] = field(default_factory=dict)
    parsed: dict[int, set[int]] = field(default_factory=dict)
    """product_nos stored whole by this run, per shop."""
    malformed: dict[int, set[int]] = field(default_factory=dict)
    """product_nos Cafe24 returned malformed in this run, per shop."""
    unidentified: int = 0
    """malformed records without a usable product_no: they hold the high-water mark."""


def pending_products(state: Any) -> dict[int, set[int]]:
    """Malformed products kept pending by earlier runs, per shop (from `sync_state.details`)."""
    details = getattr(state, "details", None)
    if not details:
        return {}
    try:
        decoded = json.loads(details) if isinstance(details, str) else details
        raw = decoded.get("pending_product_nos") or {}
        return {int(shop): {int(n) for n in nos} for shop, nos in raw.items() if nos}
    except (ValueError, TypeError, AttributeError):
        return {}


def _pending_details(pending: dict[int, set[int]], unidentified: int) -> dict[str, Any]:
    return {
        "pending": sum(len(v) for v in pending.values()) + unidentified,
        "pending_product_nos": {str(shop): sorted(nos) for shop, nos in sorted(pending.items()) if nos},
        "unidentified_malformed": unidentified,
    }


def sync_products(
    store: Store,
    client: CatalogClient,
    mall_id: str,
    *,
    mode: str = "auto",
    product_nos: Sequence[int] | None = None,
    shop_nos: Sequence[int] | None = None,
    overlap: timedelta = DEFAULT_OVERLAP,
    safety_lag: timedelta = DEFAULT_SAFETY_LAG,
    now: datetime | None = None,
) -> SyncResult:
    """Mirror products and variants. `mode`: auto (incremental, or full when never synced), full,
    incremental, or products (with `product_nos`)."""
    now = now or _utcnow()
    if product_nos:
        mode = "products"
    elif mode == "auto":
        state = store.get_sync_state(mall_id, STREAM_PRODUCTS)
        mode = "incremental" if state and state.high_water_mark else "full"
    if mode not in ("full", "incremental", "products"):
        raise ValueError(f"unknown catalogue sync mode {mode!r} (full, incremental, products, auto)")
    if mode == "products" and not product_nos:
        raise ValueError("mode 'products' needs product_nos")

    result = SyncResult(mall_id, "products", mode=mode)
    with Timed(result, client):
        shops = list(shop_nos) if shop_nos else shop_numbers(client)
        scan = _ScanState()
        state = store.get_sync_state(mall_id, STREAM_PRODUCTS)
        pending_before = pending_products(state)
        kwargs: dict[str, Any] = {}
        window_end = now - safety_lag
        if mode == "incremental":
            if state is None or state.high_water_mark is None:
                raise ValueError(f"mode 'incremental' needs an earlier products sync of {mall_id}; run mode 'full' first")
            start = state.high_water_mark - overlap
            kwargs = {"updated_start": start, "updated_end": window_end}
            result.details["window_start"] = start.isoformat()
            result.details["window_end"] = window_end.isoformat()
        elif mode == "products":
            kwargs = {"product_nos": sorted({int(n) for n in product_nos or ()})}

        for shop in shops:
            if mode == "full":
                scan.expected[shop] = int(client.count_products(shop))
            scan.seen_products[shop] = set()
            for page in client.iter_products(shop, **kwargs):
                _store_product_page(store, mall_id, shop, page, result, scan, now)
                progress.report(f"products of {mall_id} shop {shop}", len(scan.seen_products[shop]), scan.expected.get(shop))

        if mode == "products":
            returned = set().union(*scan.seen_products.values()) if scan.seen_products else set()
            missing = sorted(set(kwargs["product_nos"]) - returned)
            result.skip("not_found_on_cafe24", len(missing))
            if missing:
                result.details["not_found_product_nos"] = missing[:50]
        if mode == "full":
            _conclude_full_scan(store, mall_id, result, scan, now)

        # products left malformed by earlier runs: fetched again until they parse
        retry = {
            shop: nos - scan.parsed.get(shop, set()) - scan.malformed.get(shop, set())
            for shop, nos in pending_before.items()
            if mode != "products" or shop in shops
        }
        gone: dict[int, set[int]] = {}
        for shop, nos in sorted(retry.items()):
            if not nos:
                continue
            scan.seen_products.setdefault(shop, set())
            before_seen = set(scan.seen_products[shop])
            for page in client.iter_products(shop, product_nos=sorted(nos)):
                _store_product_page(store, mall_id, shop, page, result, scan, now)
            gone[shop] = nos - (scan.seen_products[shop] - before_seen)
        if any(gone.values()):  # no longer on Cafe24: nothing to retry (only a full scan concludes deletions)
            result.details["pending_not_found_product_nos"] = sorted(n for nos in gone.values() for n in nos)[:50]

        pending_after: dict[int, set[int]] = {}
        for shop in set(pending_before) | set(scan.malformed):
            still = (pending_before.get(shop, set()) | scan.malformed.get(shop, set())) - scan.parsed.get(shop, set())
            still -= gone.get(shop, set())
            if still:
                pending_after[shop] = still
        pending_details = _pending_details(pending_after, scan.unidentified)
        result.details["pending_malformed"] = pending_details["pending"]
        if pending_after:
            result.details["pending_product_nos"] = pending_details["pending_product_nos"]
        resolved = sorted(n for shop, nos in pending_before.items() for n in nos & scan.parsed.get(shop, set()))
        if resolved:
            result.details["pending_resolved_product_nos"] = resolved[:50]

        # the mark: a malformed record we cannot name keeps it where it was (that window is asked again)
        mark: datetime | None = None
        if mode == "full":
            mark = now  # the full scan saw everything updated before it started
        elif mode == "incremental":
            mark = window_end
        if scan.unidentified:
            mark = None
            result.details["high_water_mark"] = "held: a malformed record without a product_no"
        if mode != "products" or pending_before or scan.malformed or scan.unidentified:
            store.record_sync(
                mall_id, STREAM_PRODUCTS, success=True, high_water_mark=mark, rows=result.fetched, details=pending_details
            )
    return result


def _store_product_page(
    store: Store, mall_id: str, shop: int, page: Any, result: SyncResult, scan: _ScanState, now: datetime
) -> None:
    records, issues = _records(page)
    for issue in issues:
        result.add_malformed([issue])
        rid = getattr(issue, "record_id", None)
        if rid is not None and str(rid).strip().isdigit():
            scan.seen_products[shop].add(int(rid))  # it exists on Cafe24, only we could not read it
            scan.malformed.setdefault(shop, set()).add(int(rid))
        else:
            scan.unidentified += 1
        named = result.details.setdefault("malformed_product_nos", [])
        if len(named) < 50:
            named.append(f"shop {shop}: {rid if rid is not None else '(no id)'}")
    if not records:
        return
    scan.parsed.setdefault(shop, set()).update(int(record.product_no) for record in records)
    products = products_frame(mall_id, records, synced_at=now).unique(subset=["mall_id", "shop_no", "product_no"], keep="last")
    variants = variants_frame(mall_id, records, synced_at=now).unique(subset=["mall_id", "shop_no", "variant_code"], keep="last")
    result.fetched += products.height
    result.details["variants_fetched"] = result.details.get("variants_fetched", 0) + variants.height
    scan.seen_products[shop].update(products["product_no"].to_list())

    nos = products["product_no"].to_list()
    mirror = CatalogRows(store)
    old_p = mirror.product_hashes(mall_id, shop, nos)
    old_v = mirror.variant_hashes(mall_id, shop, nos)
    p_changed = _by_hash(products, old_p, ["mall_id", "shop_no", "product_no"])
    v_changed = _by_hash(variants, old_v, ["mall_id", "shop_no", "variant_code"])
    result.skip("unchanged", products.height - p_changed.height)
    result.details["variants_unchanged"] = result.details.get("variants_unchanged", 0) + variants.height - v_changed.height
    # variants that vanished from a product Cafe24 just returned whole: soft-delete them
    vanished = pl.DataFrame(schema={"mall_id": pl.Utf8, "shop_no": pl.Int64, "variant_code": pl.Utf8})
    if old_v.height:
        returned_whole = [p.product_no for p in records if getattr(p, "variants_embedded", True)]
        vanished = (
            old_v.filter(pl.col("deleted_at").is_null() & pl.col("product_no").is_in(returned_whole))
            .join(variants.select("mall_id", "shop_no", "variant_code"), on=["mall_id", "shop_no", "variant_code"], how="anti")
            .select("mall_id", "shop_no", "variant_code")
        )
    seen = pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("seen_at")  # written with the row: no second copy
    with store.transaction() as conn:
        result.stored += store.upsert("cafe24_products", p_changed.with_columns(seen), conn=conn)
        written_v = store.upsert("cafe24_variants", v_changed.with_columns(seen), conn=conn)
        mark_seen(conn, mall_id, shop, nos, now)
        if vanished.height:
            marked = mirror.soft_delete_variants(conn, mall_id, shop, vanished["variant_code"].to_list(), now)
            result.details["variants_deleted"] = result.details.get("variants_deleted", 0) + marked
    result.details["variants_stored"] = result.details.get("variants_stored", 0) + written_v


def _by_hash(frame: pl.DataFrame, stored: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Rows that are new, changed (content hash) or coming back from a soft delete."""
    if stored.height == 0:
        return frame
    same = stored.filter(pl.col("deleted_at").is_null()).select(*keys, pl.col("content_hash").alias("_old_hash"))
    joined = frame.join(same, on=keys, how="left")
    return joined.filter(pl.col("content_hash").ne_missing(pl.col("_old_hash"))).drop("_old_hash")


def _conclude_full_scan(store: Store, mall_id: str, result: SyncResult, scan: _ScanState, now: datetime) -> None:
    """Soft-delete products (and their variants) that a *complete* scan did not see."""
    mirror = CatalogRows(store)
    refusals: list[str] = []
    total_live = 0
    for shop, seen in scan.seen_products.items():
        live = mirror.live_product_nos(mall_id, shop)
        total_live += live.height
        expected = scan.expected.get(shop, 0)
        if not seen:
            if expected > 0 or live.height > 0:
                raise CatalogSyncError(
                    f"full scan of mall {mall_id} shop {shop} returned no products although Cafe24 counts "
                    f"{expected} and {live.height} are live in the store; nothing was marked deleted"
                )
            continue
        if len(seen) < expected:
            refusals.append(f"shop {shop}: saw {len(seen)} of {expected} products")
            continue
        gone = live.filter(~pl.col("product_no").is_in(sorted(seen)))["product_no"].to_list()
        if not gone:
            continue
        result.deleted += mirror.soft_delete_products(mall_id, shop, gone, now)
    if refusals:
        result.details["deletion_check"] = "refused: incomplete scan (" + "; ".join(refusals) + ")"
    else:
        result.details["deletion_check"] = "complete scan"
    store.record_sync(
        mall_id,
        STREAM_FULL_SCAN,
        success=not refusals,
        high_water_mark=now if not refusals else None,
        rows=result.fetched,
        error="; ".join(refusals) or None,
    )


# --------------------------------------------------------------------------- OMS side


def _mall_frames(store: Store, mall_id: str) -> dict[str, pl.DataFrame]:
    mirror = CatalogRows(store)
    live_v = mirror.live_variants(mall_id)
    live_p = mirror.live_products(mall_id)
    # a variant only counts while its product is live too
    live_v = live_v.join(live_p.select("mall_id", "shop_no", "product_no"), on=["mall_id", "shop_no", "product_no"], how="semi")
    return {
        "variants": live_v,
        "products": live_p,
        "brands": store.read_table("cafe24_brands", {"mall_id": mall_id}),
        "categories": store.read_table("cafe24_categories", {"mall_id": mall_id}),
        "listings": store.read_table("oms_listings", {"mall_id": mall_id}),
    }


def link_listings(store: Store, mall_id: str, *, now: datetime | None = None) -> SyncResult:
    """Link one live variant per SKU (oms_listings) and quarantine the rest (sku_conflicts)."""
    now = now or _utcnow()
    result = SyncResult(mall_id, "oms_listings", mode="rebuild")
    with Timed(result, None):
        f = _mall_frames(store, mall_id)
        linked = link_skus(f["variants"], f["listings"])
        view = cafe24_view(linked.links, f["variants"], f["products"], f["brands"], f["categories"])
        skus = view["sku"].to_list()
        existing = CatalogRows(store).master_rows(skus)
        update = build_master_update(view, existing, f["listings"], mall_id=mall_id, now=now)
        result.fetched = f["variants"].height
        result.skip("unchanged", view.height - update.listings_changed)
        conflicts_written, open_conflicts, resolved = _write_conflicts(store, mall_id, linked.conflicts, now)
        with store.transaction() as conn:
            result.stored = store.upsert("oms_listings", update.listings, conn=conn)
            if update.unlinked.height:
                CatalogRows.unlink(conn, mall_id, update.unlinked["sku"].to_list())
        result.deleted = update.unlinked.height
        by_reason = linked.conflicts.group_by("reason").len().sort("reason") if linked.conflicts.height else None
        result.details.update(
            linked_skus=linked.links.height,
            sku_conflicts_open=open_conflicts,
            sku_conflicts_written=conflicts_written,
            sku_conflicts_resolved=resolved,
            conflicts_by_reason=dict(zip(by_reason["reason"], by_reason["len"])) if by_reason is not None else {},
        )
        not_linked = linked.conflicts.filter(pl.col("reason") != REASON_CAFE24_FLAGGED)
        result.skip("duplicate_sku", not_linked.filter(pl.col("reason") == REASON_DUPLICATE_SKU).height)
        result.skip("missing_sku", not_linked.filter(pl.col("reason") == REASON_MISSING_SKU).height)
        store.record_sync(
            mall_id,
            STREAM_OMS,
            success=True,
            rows=result.stored,
            conn=None,
            details={"linked_skus": linked.links.height, "sku_conflicts": open_conflicts},
        )
    return result


def build_oms_products(store: Store, mall_id: str, *, now: datetime | None = None) -> SyncResult:
    """Create or refresh `oms_products` rows for the mall's linked SKUs (OMS-owned values kept)."""
    now = now or _utcnow()
    result = SyncResult(mall_id, "oms_products", mode="rebuild")
    with Timed(result, None):
        f = _mall_frames(store, mall_id)
        links = f["listings"].select("mall_id", "sku", "shop_no", "product_no", "variant_code")
        view = cafe24_view(links, f["variants"], f["products"], f["brands"], f["categories"])
        existing = CatalogRows(store).master_rows(view["sku"].to_list())
        update = build_master_update(view, existing, f["listings"], mall_id=mall_id, now=now)
        result.fetched = view.height
        result.stored = store.upsert("oms_products", update.products)
        result.skip("unchanged", update.unchanged_skus)
        result.details.update(new_skus=update.new_skus, refreshed_skus=update.refreshed_skus)
    return result


def _write_conflicts(store: Store, mall_id: str, conflicts: pl.DataFrame, now: datetime) -> tuple[int, int, int]:
    """Upsert current conflicts (keeping first detection time) and resolve the ones that are gone."""
    key = ["mall_id", "sku", "conflicting_variant_code"]
    current = conflicts.select(
        "mall_id",
        pl.col("sku").fill_null(""),
        pl.col("variant_code").alias("conflicting_variant_code"),
        "shop_no",
        pl.col("product_no").alias("conflicting_product_no"),
        pl.col("linked_product_no").alias("kept_product_no"),
        pl.col("linked_variant_code").alias("kept_variant_code"),
        pl.format("{}: {}", pl.col("reason"), pl.col("detail")).alias("reason"),
    )
    stored = store.read_table("sku_conflicts", {"mall_id": mall_id})
    cmp_cols = ["shop_no", "conflicting_product_no", "kept_product_no", "kept_variant_code", "reason"]
    if stored.height:
        joined = current.join(stored, on=key, how="left", suffix="_old")
        changed = joined.filter(
            pl.col("detected_at").is_null()
            | pl.col("resolved_at").is_not_null()
            | pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}_old")) for c in cmp_cols])
        )
        reopened = pl.col("detected_at").is_null() | pl.col("resolved_at").is_not_null()
        rows = changed.select(
            *current.columns,
            pl.when(reopened)
            .then(pl.lit(now))
            .otherwise(pl.col("detected_at"))
            .cast(pl.Datetime("us", "UTC"))
            .alias("detected_at"),
            pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("resolved_at"),
        )
        gone = (
            stored.filter(pl.col("resolved_at").is_null())
            .join(current.select(key), on=key, how="anti")
            .select(*key, pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("resolved_at"))
        )
    else:
        rows = current.with_columns(
            pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("detected_at"),
            pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("resolved_at"),
        )
        gone = pl.DataFrame()
    with store.transaction() as conn:
        written = store.upsert("sku_conflicts", rows, conn=conn)
        if gone.height:
            store.upsert("sku_conflicts", gone, conn=conn)
    return written, current.height, gone.height


# --------------------------------------------------------------------------- inventory snapshots


def snapshot_inventory(store: Store, mall_id: str, snapshot_date: date, *, now: datetime | None = None) -> SyncResult:
    """Write the day's stock per live variant from the mirror (run after a product sync)."""
    now = now or _utcnow()
    result = SyncResult(mall_id, "inventory_snapshots", mode="daily")
    with Timed(result, None):
        variants = _mall_frames(store, mall_id)["variants"]
        snap = inventory_snapshot_frame(variants, snapshot_date=snapshot_date, taken_at=now)
        result.fetched = snap.height
        old = CatalogRows(store).snapshot_rows(mall_id, snapshot_date)
        if old.height:
            cols = ["quantity", "sku", "safety_inventory", "shop_no", "product_no"]
            j = snap.join(old, on=["mall_id", "snapshot_date", "variant_code"], how="left", suffix="_old")
            changed = j.filter(pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}_old")) for c in cols])).select(snap.columns)
        else:
            changed = snap
        result.skip("unchanged", snap.height - changed.height)
        with store.transaction() as conn:
            result.stored = store.upsert("cafe24_inventory_snapshots", changed, conn=conn)
            store.record_sync(
                mall_id,
                STREAM_INVENTORY,
                success=True,
                rows=snap.height,
                details={"snapshot_date": snapshot_date.isoformat()},
                conn=conn,
            )
    return result
