"""Catalogue sync: Cafe24 → mirror tables → SKU links → OMS master. Plain Python, no Dagster.

Each step fetches (streamed page by page), transforms with `oms.catalog`, writes only rows whose
content changed, and returns a `SyncResult` with what it fetched, stored and skipped (with reasons),
the API calls it used and how long it took. The Dagster assets and the CLI are thin wrappers.

Modes of the product step:
- full scan: every product of every shop, paged by `since_product_no`. Only a scan that finished
  and saw as many products as Cafe24 counted may conclude deletions (soft: `deleted_at`); an
  aborted, short or empty scan never deletes anything.
- incremental: products whose `updated_date` falls in [high-water mark − overlap, now − lag]
  (KST on the wire). The mark moves only after the window's rows are committed.
- targeted: chosen `product_no`s (a manual re-sync of some variation groups).
A mall without a high-water mark gets a full scan (the initial import on connect).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

import polars as pl
import sqlalchemy as sa

from cafe24_pipeline.oms.catalog import (
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

STREAM_PRODUCTS = "catalog_products"  # high-water mark of the incremental product window
STREAM_FULL_SCAN = "catalog_full_scan"
STREAM_CATEGORIES = "catalog_categories"
STREAM_BRANDS = "catalog_brands"
STREAM_OMS = "catalog_oms"
STREAM_INVENTORY = "inventory_snapshots"

DEFAULT_OVERLAP = timedelta(minutes=10)
DEFAULT_SAFETY_LAG = timedelta(minutes=1)
KEY_CHUNK = 500  # ids per IN (...) lookup


class CatalogSyncError(RuntimeError):
    """The sync refused to produce a misleading result (e.g. an unexpected zero-row scan)."""


class CatalogClient(Protocol):
    """What the sync needs from `cafe24.Cafe24Client` (a protocol, so tests can see the contract)."""

    stats: Any

    def list_shops(self) -> list[Any]: ...
    def iter_categories(self, shop_no: int) -> Iterator[Any]: ...
    def iter_brands(self, shop_no: int) -> Iterator[Any]: ...
    def iter_products(self, shop_no: int, **kwargs: Any) -> Iterator[Any]: ...
    def count_products(self, shop_no: int, **kwargs: Any) -> int: ...


@dataclass
class SyncResult:
    """What one catalogue step did; `as_metadata()` is what Dagster and the CLI show."""

    mall_id: str
    step: str
    mode: str = ""
    fetched: int = 0
    stored: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    deleted: int = 0
    api_calls: int = 0
    duration_s: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    issues: list[dict[str, Any]] = field(default_factory=list)

    def skip(self, reason: str, n: int = 1) -> None:
        if n:
            self.skipped[reason] = self.skipped.get(reason, 0) + n

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def as_metadata(self) -> dict[str, Any]:
        return {
            "mall_id": self.mall_id,
            "mode": self.mode,
            "rows_fetched": self.fetched,
            "rows_stored": self.stored,
            "rows_skipped": self.skipped_total,
            "skipped_by_reason": dict(sorted(self.skipped.items())),
            "rows_deleted": self.deleted,
            "api_calls": self.api_calls,
            "duration_s": round(self.duration_s, 3),
            **self.details,
        }

    def summary(self) -> str:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items())) or "none"
        return (
            f"{self.step} [{self.mode}] fetched {self.fetched}, stored {self.stored}, "
            f"skipped {self.skipped_total} ({reasons}), deleted {self.deleted}, "
            f"{self.api_calls} API calls, {self.duration_s:.1f}s"
        )


class _Timer:
    """Fills duration and API-call counts of a result, even when the step raises."""

    def __init__(self, result: SyncResult, client: CatalogClient | None) -> None:
        self.result, self.client = result, client

    def __enter__(self) -> SyncResult:
        self.t0 = time.perf_counter()
        self.calls0 = _calls(self.client)
        return self.result

    def __exit__(self, *exc: object) -> None:
        self.result.duration_s = time.perf_counter() - self.t0
        self.result.api_calls = _calls(self.client) - self.calls0


def _calls(client: CatalogClient | None) -> int:
    stats = getattr(client, "stats", None)
    return int(getattr(stats, "calls", 0) or 0) if stats is not None else 0


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _records(item: Any) -> tuple[list[Any], list[Any]]:
    """(records, issues) of a page, or of a single record when a client yields records."""
    if hasattr(item, "records"):
        return list(item.records), list(getattr(item, "issues", []) or [])
    return [item], []


def _issue_dict(issue: Any) -> dict[str, Any]:
    return issue.as_issue() if hasattr(issue, "as_issue") else {"reason": str(issue)}


def shop_numbers(client: CatalogClient) -> list[int]:
    """Active shops of the mall (multi-shop malls must be looped); shop 1 when none is listed."""
    shops = [s for s in client.list_shops() if getattr(s, "active", True) is not False]
    return sorted({int(s.shop_no) for s in shops}) or [1]


# --------------------------------------------------------------------------- categories, brands


def sync_categories(store: Store, client: CatalogClient, mall_id: str, *, shop_nos: Sequence[int] | None = None,
                    now: datetime | None = None) -> SyncResult:
    """Mirror the category tree of every shop; categories gone from a complete listing are soft-deleted."""
    return _sync_reference(store, client, mall_id, "cafe24_categories", "category_no", STREAM_CATEGORIES,
                           lambda shop: client.iter_categories(shop), categories_frame, shop_nos, now)


def sync_brands(store: Store, client: CatalogClient, mall_id: str, *, shop_nos: Sequence[int] | None = None,
                now: datetime | None = None) -> SyncResult:
    """Mirror the brands of every shop; brands gone from a complete listing are soft-deleted."""
    return _sync_reference(store, client, mall_id, "cafe24_brands", "brand_code", STREAM_BRANDS,
                           lambda shop: client.iter_brands(shop), brands_frame, shop_nos, now)


def _sync_reference(store, client, mall_id, table, key, stream, fetch, to_frame, shop_nos, now) -> SyncResult:  # noqa: ANN001
    now = now or _utcnow()
    result = SyncResult(mall_id, table.removeprefix("cafe24_"), mode="full")
    with _Timer(result, client):
        shops = list(shop_nos) if shop_nos else shop_numbers(client)
        for shop in shops:
            records: list[Any] = []
            for page in fetch(shop):
                recs, issues = _records(page)
                records.extend(recs)
                result.issues.extend(_issue_dict(i) for i in issues)
                result.skip("malformed", len(issues))
            result.fetched += len(records)
            frame = to_frame(mall_id, records, synced_at=now).unique(subset=["mall_id", "shop_no", key], keep="last")
            stored = store.read(
                sa.select(store.table(table)).where(
                    store.table(table).c.mall_id == mall_id, store.table(table).c.shop_no == shop
                )
            )
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
                if stored.height and not result.issues:
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
    with _Timer(result, client):
        shops = list(shop_nos) if shop_nos else shop_numbers(client)
        scan = _ScanState()
        kwargs: dict[str, Any] = {}
        window_end = now - safety_lag
        if mode == "incremental":
            state = store.get_sync_state(mall_id, STREAM_PRODUCTS)
            start = state.high_water_mark - overlap  # type: ignore[union-attr,operator]
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

        if mode == "products":
            returned = set().union(*scan.seen_products.values()) if scan.seen_products else set()
            missing = sorted(set(kwargs["product_nos"]) - returned)
            result.skip("not_found_on_cafe24", len(missing))
            if missing:
                result.details["not_found_product_nos"] = missing[:50]
        if mode == "full":
            _conclude_full_scan(store, mall_id, result, scan, now)
            # the full scan saw everything updated before it started: the incremental window can start there
            store.record_sync(mall_id, STREAM_PRODUCTS, success=True, high_water_mark=now, rows=result.fetched)
        elif mode == "incremental":
            store.record_sync(mall_id, STREAM_PRODUCTS, success=True, high_water_mark=window_end, rows=result.fetched)
    return result


def _store_product_page(store: Store, mall_id: str, shop: int, page: Any, result: SyncResult,
                        scan: _ScanState, now: datetime) -> None:
    records, issues = _records(page)
    for issue in issues:
        result.issues.append(_issue_dict(issue))
        rid = getattr(issue, "record_id", None)
        if rid is not None and str(rid).isdigit():
            scan.seen_products[shop].add(int(rid))  # it exists on Cafe24, only we could not read it
    result.skip("malformed", len(issues))
    if not records:
        return
    products = products_frame(mall_id, records, synced_at=now).unique(subset=["mall_id", "shop_no", "product_no"], keep="last")
    variants = variants_frame(mall_id, records, synced_at=now).unique(subset=["mall_id", "shop_no", "variant_code"], keep="last")
    result.fetched += products.height
    result.details["variants_fetched"] = result.details.get("variants_fetched", 0) + variants.height
    scan.seen_products[shop].update(products["product_no"].to_list())

    nos = products["product_no"].to_list()
    t_p, t_v = store.table("cafe24_products"), store.table("cafe24_variants")
    old_p = store.read(sa.select(t_p.c.mall_id, t_p.c.shop_no, t_p.c.product_no, t_p.c.content_hash, t_p.c.deleted_at)
                       .where(t_p.c.mall_id == mall_id, t_p.c.shop_no == shop, t_p.c.product_no.in_(nos)))
    old_v = store.read(sa.select(t_v.c.mall_id, t_v.c.shop_no, t_v.c.variant_code, t_v.c.product_no, t_v.c.content_hash,
                                 t_v.c.deleted_at)
                       .where(t_v.c.mall_id == mall_id, t_v.c.shop_no == shop, t_v.c.product_no.in_(nos)))
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
    with store.transaction() as conn:
        result.stored += store.upsert("cafe24_products", p_changed, conn=conn)
        written_v = store.upsert("cafe24_variants", v_changed, conn=conn)
        if vanished.height:
            # An UPDATE, not an upsert: a partial row would trip NOT NULL columns on the INSERT side.
            marked = conn.execute(
                t_v.update()
                .where(t_v.c.mall_id == mall_id, t_v.c.shop_no == shop,
                       t_v.c.variant_code.in_(vanished["variant_code"].to_list()), t_v.c.deleted_at.is_(None))
                .values(deleted_at=now)
            ).rowcount
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
    t_p = store.table("cafe24_products")
    refusals: list[str] = []
    total_live = 0
    for shop, seen in scan.seen_products.items():
        live = store.read(sa.select(t_p.c.product_no).where(
            t_p.c.mall_id == mall_id, t_p.c.shop_no == shop, t_p.c.deleted_at.is_(None)))
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
        with store.transaction() as conn:
            result.deleted += conn.execute(
                t_p.update()
                .where(t_p.c.mall_id == mall_id, t_p.c.shop_no == shop, t_p.c.product_no.in_(gone),
                       t_p.c.deleted_at.is_(None))
                .values(deleted_at=now)
            ).rowcount
            t_v = store.table("cafe24_variants")
            conn.execute(
                t_v.update()
                .where(t_v.c.mall_id == mall_id, t_v.c.shop_no == shop, t_v.c.product_no.in_(gone), t_v.c.deleted_at.is_(None))
                .values(deleted_at=now)
            )
    if refusals:
        result.details["deletion_check"] = "refused: incomplete scan (" + "; ".join(refusals) + ")"
    else:
        result.details["deletion_check"] = "complete scan"
    store.record_sync(mall_id, STREAM_FULL_SCAN, success=not refusals, high_water_mark=now if not refusals else None,
                      rows=result.fetched, error="; ".join(refusals) or None)


# --------------------------------------------------------------------------- OMS side


def _mall_frames(store: Store, mall_id: str) -> dict[str, pl.DataFrame]:
    t = store.table
    live_v = store.read(sa.select(t("cafe24_variants")).where(
        t("cafe24_variants").c.mall_id == mall_id, t("cafe24_variants").c.deleted_at.is_(None)))
    live_p = store.read(sa.select(t("cafe24_products")).where(
        t("cafe24_products").c.mall_id == mall_id, t("cafe24_products").c.deleted_at.is_(None)))
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
    with _Timer(result, None):
        f = _mall_frames(store, mall_id)
        linked = link_skus(f["variants"], f["listings"])
        view = cafe24_view(linked.links, f["variants"], f["products"], f["brands"], f["categories"])
        skus = view["sku"].to_list()
        existing = _read_master(store, skus)
        update = build_master_update(view, existing, f["listings"], mall_id=mall_id, now=now)
        result.fetched = f["variants"].height
        result.skip("unchanged", view.height - update.listings_changed)
        conflicts_written, open_conflicts, resolved = _write_conflicts(store, mall_id, linked.conflicts, now)
        t_l = store.table("oms_listings")
        with store.transaction() as conn:
            result.stored = store.upsert("oms_listings", update.listings, conn=conn)
            if update.unlinked.height:
                for sku in update.unlinked["sku"].to_list():
                    conn.execute(t_l.delete().where(t_l.c.mall_id == mall_id, t_l.c.sku == sku))
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
        store.record_sync(mall_id, STREAM_OMS, success=True, rows=result.stored, conn=None,
                          details={"linked_skus": linked.links.height, "sku_conflicts": open_conflicts})
    return result


def build_oms_products(store: Store, mall_id: str, *, now: datetime | None = None) -> SyncResult:
    """Create or refresh `oms_products` rows for the mall's linked SKUs (OMS-owned values kept)."""
    now = now or _utcnow()
    result = SyncResult(mall_id, "oms_products", mode="rebuild")
    with _Timer(result, None):
        f = _mall_frames(store, mall_id)
        links = f["listings"].select("mall_id", "sku", "shop_no", "product_no", "variant_code")
        view = cafe24_view(links, f["variants"], f["products"], f["brands"], f["categories"])
        existing = _read_master(store, view["sku"].to_list())
        update = build_master_update(view, existing, f["listings"], mall_id=mall_id, now=now)
        result.fetched = view.height
        result.stored = store.upsert("oms_products", update.products)
        result.skip("unchanged", update.unchanged_skus)
        result.details.update(new_skus=update.new_skus, refreshed_skus=update.refreshed_skus)
    return result


def _read_master(store: Store, skus: list[str]) -> pl.DataFrame:
    t = store.table("oms_products")
    parts = [store.read(sa.select(t).where(t.c.sku.in_(skus[i:i + KEY_CHUNK]))) for i in range(0, len(skus), KEY_CHUNK)]
    parts = [p for p in parts if p.height]
    return pl.concat(parts) if parts else store.read(sa.select(t).where(sa.false()))


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
            pl.when(reopened).then(pl.lit(now)).otherwise(pl.col("detected_at")).cast(pl.Datetime("us", "UTC")).alias("detected_at"),
            pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("resolved_at"),
        )
        gone = stored.filter(pl.col("resolved_at").is_null()).join(current.select(key), on=key, how="anti").select(
            *key, pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("resolved_at")
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
    with _Timer(result, None):
        variants = _mall_frames(store, mall_id)["variants"]
        snap = inventory_snapshot_frame(variants, snapshot_date=snapshot_date, taken_at=now)
        result.fetched = snap.height
        t = store.table("cafe24_inventory_snapshots")
        old = store.read(sa.select(t.c.mall_id, t.c.snapshot_date, t.c.variant_code, t.c.quantity, t.c.sku,
                                   t.c.safety_inventory, t.c.shop_no, t.c.product_no)
                         .where(t.c.mall_id == mall_id, t.c.snapshot_date == snapshot_date))
        if old.height:
            cols = ["quantity", "sku", "safety_inventory", "shop_no", "product_no"]
            j = snap.join(old, on=["mall_id", "snapshot_date", "variant_code"], how="left", suffix="_old")
            changed = j.filter(pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}_old")) for c in cols])).select(snap.columns)
        else:
            changed = snap
        result.skip("unchanged", snap.height - changed.height)
        with store.transaction() as conn:
            result.stored = store.upsert("cafe24_inventory_snapshots", changed, conn=conn)
            store.record_sync(mall_id, STREAM_INVENTORY, success=True, rows=snap.height,
                              details={"snapshot_date": snapshot_date.isoformat()}, conn=conn)
    return result
