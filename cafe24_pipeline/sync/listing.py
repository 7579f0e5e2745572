"""Listing products on Cafe24 from the OMS: apply bulk-listing plans (plain Python, no Dagster, no SQL).

`bulk/` reads, validates and plans (one `ProductPlan` per Cafe24 product, only for products whose every row is
valid); this module applies the plans to one mall and records what happened:

1. **Look up before creating.** The SKUs and parent codes of every product to create are looked up on Cafe24
   (`custom_product_code` / `custom_variant_code`, 40 codes a call, exact comparison since Cafe24 matches product
   codes as substrings). Products found are mirrored and the file is planned again, so a product the catalogue
   sync has not seen yet (or one an earlier run created and then lost track of) becomes an update, or a
   rejection with its reason, never a second copy.
2. **Create** (per product, in file order): `POST /products` with the options, *hidden and not for sale*; the
   new product's variants get their SKUs, prices, stock and flags in one bulk variant PUT (unlisted option
   combinations hidden with stock 0); then one `PUT /products/{no}` puts it on display / on sale if the file
   asks. A product half made (a failure after the POST) is therefore never on sale, and its rows say
   "upload the file again to finish it". A POST whose outcome is unknown (timeout, 5xx) is settled by looking
   its code up: found, the run goes on with it; not found, it was not created and is sent once more.
3. **Update** through the push's write path (`Pusher.write_product`): the price guard (a price Cafe24 changed
   since our read is a conflict, not overwritten), one product PUT and one bulk variant PUT at most, unknown
   outcomes settled by re-reading, `push_log` and `oms_push_state`.
4. **Read back** every product written (100 a call) into the catalogue mirror, relink `oms_listings`, rebuild
   `oms_products` and set its OMS-owned values (price, MRP, stock, active) to what Cafe24 answered, so the
   push sensor sees no difference to send back. Done every `flush_every` products and at the end.
5. `bulk_uploads` / `bulk_upload_rows` keep the upload and every row's result; a dry run writes nothing.

Re-running the same file is safe: created products come back as unchanged (or updated), a product left
unfinished is found by its code and finished.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cafe24_pipeline import progress
from cafe24_pipeline.bulk.columns import COLUMNS, DEFAULT_LIMITS, OPTION_KEYS, Limits
from cafe24_pipeline.bulk.errors import BulkFileError
from cafe24_pipeline.bulk.existing import ExistingListing
from cafe24_pipeline.bulk.plan import (
    ProductPlan,
    UploadPlan,
    build_plans,
    plan_upload,
    row_results,
)
from cafe24_pipeline.bulk.reader import SheetRow
from cafe24_pipeline.bulk.report import RowOutcome, dry_run_outcomes, write_report
from cafe24_pipeline.bulk.validation import validate_rows
from cafe24_pipeline.cafe24.errors import (
    ApiVersionUnavailable,
    AppCredentialsRejected,
    Cafe24ApiError,
    Cafe24Error,
    InsufficientScope,
    NotConnected,
    ReauthRequired,
    WriteOutcomeUnknown,
)
from cafe24_pipeline.store import Store
from cafe24_pipeline.store.listing import ListingTables
from cafe24_pipeline.sync import catalog
from cafe24_pipeline.sync.push import Pusher
from cafe24_pipeline.sync.result import SyncResult

log = logging.getLogger(__name__)

FATAL = (ReauthRequired, NotConnected, AppCredentialsRejected, ApiVersionUnavailable, InsufficientScope)
ProductProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class ListingConfig:
    shop_no: int = 1
    flush_every: int = 100
    """Products written between read-backs (mirror, listings, OMS master)."""
    lookup_batch: int = 40
    """Codes per SKU lookup call (a comma list in the query string)."""
    limits: Limits = DEFAULT_LIMITS


@dataclass(frozen=True)
class NewProduct:
    """One product as `products add` and the product-add job take it: a single, or a group when `options` are
    given (one variant per combination, SKU `<sku>-<value>-<value>` unless `variant_skus` names it)."""

    sku: str
    name: str | None = None
    price: Any = None
    mrp: Any = None
    supply_price: Any = None
    stock: Any = None
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    brand: str | None = None
    category: Any = None
    image_url: str | None = None
    display: bool | None = None
    selling: bool | None = None
    variant_skus: Mapping[tuple[str, ...], str] | None = None

    def __post_init__(self) -> None:
        if len(self.options) > len(OPTION_KEYS):
            raise ValueError(f"a product has at most {len(OPTION_KEYS)} options (got {len(self.options)})")
        names = [name for name, _ in self.options]
        if len(set(names)) != len(names):
            raise ValueError(f"option names must differ (got {', '.join(names)})")

    def sheet_rows(self) -> tuple[tuple[str, ...], list[SheetRow]]:
        """(template keys, rows): the product as the rows a filled-in template would hold."""
        keys = tuple(c.key for c in COLUMNS)
        common = {
            "name": self.name,
            "selling_price": self.price,
            "mrp": self.mrp,
            "supply_price": self.supply_price,
            "stock": self.stock,
            "brand": self.brand,
            "category": self.category,
            "image_url": self.image_url,
            "display": _flag_cell(self.display),
            "selling": _flag_cell(self.selling),
        }
        rows: list[dict[str, Any]] = []
        if not self.options:
            rows.append({"sku": self.sku, **common})
        else:
            names = [name for name, _ in self.options]
            for combo in itertools.product(*(values for _, values in self.options)):
                sku = (self.variant_skus or {}).get(tuple(combo)) or "-".join([self.sku, *combo])
                row = {"sku": sku, "parent_sku": self.sku, **common}
                for slot, (name, value) in enumerate(zip(names, combo), start=1):
                    row[f"option_{slot}_name"], row[f"option_{slot}_value"] = name, value
                rows.append(row)
        return keys, [SheetRow(n, tuple(r.get(k) for k in keys)) for n, r in enumerate(rows, start=1)]


def parse_option(text: str) -> tuple[str, tuple[str, ...]]:
    """ "Color=Red,Blue" → ("Color", ("Red", "Blue")); a one-line ValueError otherwise."""
    name, sep, values = text.partition("=")
    parts = tuple(v.strip() for v in values.split(",") if v.strip())
    if not sep or not name.strip() or not parts:
        raise ValueError(f'option {text!r} is not NAME=VALUE,VALUE (e.g. --option "Color=Red,Blue")')
    if len(set(parts)) != len(parts):
        raise ValueError(f"option {name.strip()} lists a value twice: {values}")
    return name.strip(), parts


@dataclass
class ProductResult:
    key: str
    action: str
    """create | update | unchanged (what the plan asked)."""
    status: str
    """created | updated | unchanged | error"""
    product_no: int | None = None
    reason: str = ""
    variant_codes: dict[str, str] = field(default_factory=dict)
    """SKU → Cafe24 variant_code."""
    settled: bool = False
    """A create whose outcome was unknown, settled by looking the product up."""
    resumed: bool = False
    """A product found on Cafe24 (an earlier run's, unfinished) and finished instead of created again."""


@dataclass
class UploadResult:
    mall_id: str
    source: str
    dry_run: bool
    upload_id: str | None = None
    status: str = "validating"
    outcomes: list[RowOutcome] = field(default_factory=list)
    products: list[ProductResult] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    api_calls: int = 0
    rate_limited: int = 0
    seconds: float = 0.0
    report_path: str | None = None
    error: str | None = None

    def counts(self) -> dict[str, int]:
        out = {k: 0 for k in ("created", "updated", "unchanged", "error", "would_create", "would_update")}
        for outcome in self.outcomes:
            out[outcome.status] = out.get(outcome.status, 0) + 1
        return out

    @property
    def failed_rows(self) -> int:
        return self.counts()["error"]

    @property
    def ok_rows(self) -> int:
        return len(self.outcomes) - self.failed_rows

    def product_counts(self) -> dict[str, int]:
        out = {k: 0 for k in ("created", "updated", "unchanged", "error")}
        for p in self.products:
            out[p.status] += 1
        return out

    def errors(self, limit: int = 20) -> list[str]:
        return [o.reason for o in self.outcomes if o.status == "error"][:limit]

    def summary(self) -> str:
        c = self.counts()
        if self.dry_run:
            return (
                f"{self.source} (dry run, mall {self.mall_id}): {len(self.outcomes)} rows — would create "
                f"{c['would_create']}, would update {c['would_update']}, unchanged {c['unchanged']}, "
                f"error {c['error']}; nothing was sent or written"
            )
        p = self.product_counts()
        return (
            f"{self.source} (mall {self.mall_id}): {len(self.outcomes)} rows — created {c['created']}, "
            f"updated {c['updated']}, unchanged {c['unchanged']}, error {c['error']}; products created "
            f"{p['created']}, updated {p['updated']}, failed {p['error']}; {self.api_calls} API calls "
            f"in {self.seconds:.1f} s"
        )

    def as_metadata(self) -> dict[str, Any]:
        p = self.product_counts()
        return {
            "upload_id": self.upload_id or "",
            "status": self.status,
            "source": self.source,
            "dry_run": self.dry_run,
            "rows": len(self.outcomes),
            **{f"rows_{k}": v for k, v in self.counts().items()},
            **{f"products_{k}": v for k, v in p.items()},
            "api_calls": self.api_calls,
            "rate_limited_429": self.rate_limited,
            "seconds": round(self.seconds, 2),
            "report_path": self.report_path or "",
            "errors": self.errors(),
        }


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def utcnow() -> datetime:
    return datetime.now(UTC)


class Lister:
    """Lists one mall's products from plans; one instance per upload (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        client: Any,
        mall_id: str,
        *,
        config: ListingConfig | None = None,
        run_id: str | None = None,
        on_progress: ProductProgress | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.tables = ListingTables(store)
        self.client = client
        self.mall_id = mall_id
        self.config = config or ListingConfig()
        self.run_id = run_id
        self.on_progress = on_progress
        self.clock = clock
        self._existing: dict[str, ExistingListing] | None = None

    @property
    def shop_no(self) -> int:
        return self.config.shop_no

    # --- what Cafe24 holds (as the mirror knows it) ------------------------------------------------------

    def existing(self, *, refresh: bool = False) -> dict[str, ExistingListing]:
        if self._existing is None or refresh:
            self._existing = existing_listings(self.tables.listed_variants(self.mall_id, self.shop_no).iter_rows(named=True))
        return self._existing

    def reference(self) -> tuple[set[str] | None, set[int] | None]:
        """Brand codes and category numbers of the mall, or None (not checked) when never synced."""
        brands = {code for code, _ in self.tables.brands(self.mall_id, self.shop_no)}
        categories = {no for no, _ in self.tables.categories(self.mall_id, self.shop_no)}
        return (brands | {"B0000000"}) if brands else None, categories or None

    # --- planning ---------------------------------------------------------------------------------------

    def plan_file(self, path: str | Path, on_rows: Callable[[int], None] | None = None) -> UploadPlan:
        brands, categories = self.reference()
        return plan_upload(
            path, existing=self.existing(), on_progress=on_rows, limits=self.config.limits, brands=brands, categories=categories
        )

    def plan_product(self, product: NewProduct) -> UploadPlan:
        brands, categories = self.reference()
        keys, rows = product.sheet_rows()
        existing = self.existing()
        validated = validate_rows(rows, keys, existing=existing, limits=self.config.limits, brands=brands, categories=categories)
        plans = build_plans(validated, existing)
        return UploadPlan(Path(f"products add {product.sku}"), keys, row_results(validated, plans), tuple(plans))

    # --- entry points ------------------------------------------------------------------------------------

    def upload(
        self,
        path: str | Path,
        *,
        report_path: str | Path | None = None,
        dry_run: bool = False,
        on_rows: Callable[[int], None] | None = None,
    ) -> UploadResult:
        """Validate and apply one workbook; the result workbook goes to `report_path` when given.

        A file that cannot be read raises BulkFileError (recorded as a rejected upload unless a dry run)."""
        path = Path(path)
        sha = file_sha256(path)
        if on_rows is None:

            def on_rows(read: int) -> None:
                progress.report(f"reading {path.name}", read, None)

        try:
            plan = self.plan_file(path, on_rows)
        except BulkFileError as exc:
            if not dry_run:
                self.tables.record_rejected_file(
                    _new_id(), self.mall_id, path.name, file_sha256=sha, error=str(exc), now=self.clock()
                )
            raise
        result = self._run(path.name, sha, plan, lambda: self.plan_file(path), dry_run=dry_run)
        if report_path is not None:
            write_report(path, result.outcomes, report_path)
            result.report_path = str(report_path)
            if not dry_run and result.upload_id:
                self._finish(result)
        return result

    def add(self, product: NewProduct, *, dry_run: bool = False) -> UploadResult:
        """List one product (or one group with its variants): the same validation and apply path."""
        plan = self.plan_product(product)
        return self._run(f"products add {product.sku}", None, plan, lambda: self.plan_product(product), dry_run=dry_run)

    # --- the run -----------------------------------------------------------------------------------------

    def _run(
        self, source: str, sha: str | None, plan: UploadPlan, replan: Callable[[], UploadPlan], *, dry_run: bool
    ) -> UploadResult:
        result = UploadResult(self.mall_id, source, dry_run)
        started = time.monotonic()
        if dry_run:
            result.outcomes = dry_run_outcomes(plan)
            result.status = "dry_run"
            result.products = [
                ProductResult(
                    p.key, p.action, {"create": "created", "update": "updated"}.get(p.action, "unchanged"), p.product_no
                )
                for p in plan.plans
            ]
            result.seconds = time.monotonic() - started
            return result
        if self.client is None:
            raise ValueError("applying an upload needs a Cafe24 client (use dry_run=True to only validate)")
        result.upload_id = _new_id()
        self.tables.start_upload(
            result.upload_id, self.mall_id, source, file_sha256=sha, total_rows=len(plan.rows), now=self.clock()
        )
        calls0, limited0 = _calls(self.client)
        try:
            plan, found = self._look_up_before_creating(plan, replan)
            result.products = self._apply(plan, found)
            result.outcomes = outcomes_for(plan, result.products)
            result.rows = self._row_records(result, plan)
            applied = sum(1 for p in result.products if p.status != "error")
            if result.failed_rows == 0:
                result.status = "applied"
            elif applied == 0 and not any(p.status in ("created", "updated") for p in result.products):
                result.status = "rejected"
            else:
                result.status = "partial"
        except BaseException as exc:
            result.status = "failed"
            result.error = str(exc) or type(exc).__name__
            result.api_calls, result.rate_limited = _delta(self.client, calls0, limited0)
            result.seconds = time.monotonic() - started
            self._finish(result)
            raise
        result.api_calls, result.rate_limited = _delta(self.client, calls0, limited0)
        result.seconds = time.monotonic() - started
        self._finish(result)
        return result

    def _finish(self, result: UploadResult) -> None:
        assert result.upload_id is not None
        meta = result.as_metadata()
        details = {k: v for k, v in meta.items() if k not in ("upload_id", "status", "report_path")}
        self.tables.finish_upload(
            result.upload_id,
            status=result.status,
            ok_rows=result.ok_rows,
            failed_rows=result.failed_rows,
            report_path=result.report_path,
            error=result.error,
            details=details,
            rows=result.rows,
            now=self.clock(),
        )

    # --- 1. look up before creating --------------------------------------------------------------------

    def _look_up_before_creating(
        self,
        plan: UploadPlan,
        replan: Callable[[], UploadPlan],
    ) -> tuple[UploadPlan, dict[str, Any]]:
        """Find on Cafe24 the codes of the products to create; mirror what is found and plan again.

        Returns the plan to apply and, by product code, the Cafe24 products found under a code still to be
        created (an earlier run's product left without its SKUs: it is finished, not created again)."""
        creates = [p for p in plan.plans if p.action == "create"]
        if not creates:
            return plan, {}
        found = self._find(keys={p.key for p in creates}, skus={v.sku for p in creates for v in p.variants})
        if not found:
            return plan, {}
        catalog.sync_products(self.store, self.client, self.mall_id, product_nos=sorted(found), shop_nos=[self.shop_no])
        self.existing(refresh=True)
        plan = replan()
        by_code: dict[str, Any] = {}
        for product in found.values():
            if product.custom_product_code:
                by_code.setdefault(product.custom_product_code, product)
        return plan, {p.key: by_code[p.key] for p in plan.plans if p.action == "create" and p.key in by_code}

    def _find(self, *, keys: set[str], skus: set[str]) -> dict[int, Any]:
        """Cafe24 products whose custom_product_code is one of `keys` or that carry one of `skus` (exactly)."""
        found: dict[int, Any] = {}
        batch = self.config.lookup_batch
        for field_name, codes in (("custom_product_codes", sorted(keys)), ("custom_variant_codes", sorted(skus))):
            for i in range(0, len(codes), batch):
                chunk = codes[i : i + batch]
                for page in self.client.iter_products(self.shop_no, **{field_name: chunk}):
                    for product in page.records:
                        if product.custom_product_code in keys or any(v.custom_variant_code in skus for v in product.variants):
                            found[product.product_no] = product
        return found

    # --- 2./3. apply -------------------------------------------------------------------------------------

    def _apply(self, plan: UploadPlan, found: Mapping[str, Any]) -> list[ProductResult]:
        todo = [p for p in plan.plans if p.action in ("create", "update")]
        results: list[ProductResult] = []
        fresh = self._read_fresh([p for p in todo if p.action == "update"])
        pusher = Pusher(self.store, self.client, self.mall_id, run_id=self.run_id, clock=self.clock)
        touched: list[int] = []
        skus: list[str] = []
        total = len(todo)
        done = 0
        try:
            for product in plan.plans:
                if product.action == "unchanged":
                    results.append(
                        ProductResult(
                            product.key,
                            "unchanged",
                            "unchanged",
                            product.product_no,
                            variant_codes={v.sku: v.variant_code for v in product.variants if v.variant_code},
                        )
                    )
                    continue
                if product.action == "create":
                    outcome = self._create(product, found.get(product.key))
                else:
                    outcome = self._update(pusher, product, fresh.get(product.product_no or 0))
                results.append(outcome)
                if outcome.product_no is not None:
                    touched.append(outcome.product_no)
                    skus.extend(v.sku for v in product.variants)
                done += 1
                if self.on_progress:
                    self.on_progress(done, total)
                progress.report(f"bulk upload {self.mall_id}", done, total)
                if len(touched) >= self.config.flush_every:
                    self._read_back(touched, skus)
                    touched, skus = [], []
        finally:
            if touched:
                self._read_back(touched, skus)
        return results

    def _create(self, plan: ProductPlan, resume: Any) -> ProductResult:
        result = ProductResult(plan.key, "create", "created")
        try:
            product = resume
            if product is not None:
                result.resumed = True
            else:
                request = plan.create_request()
                request.update(display="F", selling="F")  # on display / on sale only once complete
                product = self._post(plan.key, request, result)
            result.product_no = int(product.product_no)
            variants = list(product.variants)
            if not variants:
                variants = list(self.client.iter_variants(self.shop_no, product.product_no))
            codes = {tuple(o.value for o in v.options): v.variant_code for v in variants}
            try:
                entries = plan.created_variant_requests(codes)
            except KeyError:
                have = sorted(" / ".join(k) for k in codes if k)
                raise _Refused(
                    f"Cafe24 product {product.product_no} has code {plan.key} but other options "
                    f"({', '.join(have[:6]) or 'none'}); change the parent SKU or the product on Cafe24"
                ) from None
            by_code = {e["variant_code"]: e for e in entries}
            result.variant_codes = {v.sku: codes[v.option_values] for v in plan.variants}
            answer = self.client.update_variants(self.shop_no, product.product_no, entries)
            if answer.failures:
                text = "; ".join(
                    f"{by_sku(by_code, f.get('variant_code'), result)}: {f.get('message')}" for f in answer.failures[:3]
                )
                raise _Unfinished(
                    f"Cafe24 product {product.product_no} was created but refused its variants "
                    f"({text}); it stays hidden — fix the rows and upload the file again to finish it"
                )
            if plan.display or plan.selling:
                self.client.update_product(
                    self.shop_no, product.product_no, display=bool(plan.display), selling=bool(plan.selling)
                )
        except _Refused as exc:
            result.status, result.reason = "error", str(exc)
        except _Unfinished as exc:
            result.status, result.reason = "error", str(exc)
        except Cafe24Error as exc:
            if isinstance(exc, FATAL):
                raise
            result.status = "error"
            if result.product_no is None:
                result.reason = f"Cafe24 refused the product: {_message(exc)}"
            else:
                result.reason = (
                    f"Cafe24 product {result.product_no} was created but not finished ({_message(exc)}); "
                    "it stays hidden — upload the file again to finish it"
                )
        return result

    def _post(self, key: str, request: dict[str, Any], result: ProductResult) -> Any:
        """POST /products once; an unknown outcome is settled by looking the code up before sending again."""
        last: WriteOutcomeUnknown | None = None
        for _ in range(2):
            try:
                return self.client.create_product(self.shop_no, **request)
            except WriteOutcomeUnknown as exc:
                last = exc
                log.warning("create of %s on mall %s: outcome unknown (%s); looking it up", key, self.mall_id, exc)
                found = [p for p in self._find(keys={key}, skus=set()).values() if p.custom_product_code == key]
                if found:
                    result.settled = True
                    return max(found, key=lambda p: p.product_no)
        raise _Refused(f"Cafe24 did not answer the create twice ({last}) and the product is not on Cafe24; upload the file again")

    def _update(self, pusher: Pusher, plan: ProductPlan, fresh: Any) -> ProductResult:
        assert plan.product_no is not None
        result = ProductResult(
            plan.key,
            "update",
            "updated",
            plan.product_no,
            variant_codes={v.sku: v.variant_code for v in plan.variants if v.variant_code},
        )
        existing = self.existing()
        head = existing.get(plan.variants[0].sku)
        product_fields: dict[str, Any] = {}
        for change in plan.changes:
            value = change.new
            if change.field == "add_category_no":
                value = [{"category_no": int(value)}]
            product_fields[change.field] = value
        assumed = {"price": head.price if head else None, "retail_price": head.retail_price if head else None}
        variants: list[tuple[str, str | None, dict[str, Any], dict[str, Any]]] = []
        for v in plan.variants:
            listing = existing.get(v.sku)
            assert v.variant_code is not None  # an update's variants are listed ones
            variants.append(
                (
                    v.variant_code,
                    v.sku,
                    {c.field: c.new for c in v.changes},
                    {"additional_amount": listing.additional_amount if listing else None},
                )
            )
        sync = SyncResult(self.mall_id, "push", mode="listing")
        needs_guard = (
            "price" in product_fields
            or "retail_price" in product_fields
            or any("additional_amount" in fields for _, _, fields, _ in variants)
        )
        state = pusher.write_product(
            self.shop_no,
            plan.product_no,
            product_fields=product_fields,
            product_assumed=assumed,
            variants=variants,
            fresh=fresh if needs_guard else None,
            result=sync,
        )
        if sync.details.get("conflicts"):
            result.status = "error"
            result.reason = (
                "the price changed on Cafe24 since the last catalogue sync, so it was not overwritten "
                "(the other changes were written); run `cafe24-pipeline sync catalog` and upload again"
            )
        errors = sorted({str(e["last_error"]) for e in state.values() if e.get("failures") and e.get("last_error")})
        if errors:
            result.status = "error"
            result.reason = "Cafe24 did not take the update: " + "; ".join(errors[:3])
        return result

    def _read_fresh(self, updates: Sequence[ProductPlan]) -> dict[int, Any]:
        """Re-read the products whose price an update changes (100 a call), for the push's price guard."""
        nos = sorted(
            {
                p.product_no
                for p in updates
                if p.product_no is not None
                and (
                    {"price", "retail_price"} & {c.field for c in p.changes}
                    or any("additional_amount" in {c.field for c in v.changes} for v in p.variants)
                )
            }
        )
        fresh: dict[int, Any] = {}
        if nos:
            for page in self.client.iter_products(self.shop_no, product_nos=nos):
                for product in page.records:
                    fresh[product.product_no] = product
        return fresh

    # --- 4. read back ------------------------------------------------------------------------------------

    def _read_back(self, product_nos: Sequence[int], skus: Sequence[str]) -> None:
        """Mirror what Cafe24 now holds for these products, relink, and set the OMS master of the file's SKUs to it.

        Only the SKUs of the file: another variant of a written product keeps its OMS values (an OMS change not
        pushed yet must not be overwritten by Cafe24's older value)."""
        now = self.clock()
        catalog.sync_products(
            self.store, self.client, self.mall_id, product_nos=sorted(set(product_nos)), shop_nos=[self.shop_no], now=now
        )
        catalog.link_listings(self.store, self.mall_id, now=now)
        catalog.build_oms_products(self.store, self.mall_id, now=now)
        self.existing(refresh=True)
        self.tables.refresh_master(self.mall_id, list(skus), now=now)

    # --- bookkeeping -------------------------------------------------------------------------------------

    def _row_records(self, result: UploadResult, plan: UploadPlan) -> list[dict[str, Any]]:
        by_row = {o.row_number: o for o in result.outcomes}
        product_of = {r.row_number: r for r in plan.rows}
        results = {p.key: p for p in result.products}
        rows = []
        for number, row in sorted(product_of.items()):
            outcome = by_row.get(number)
            status = outcome.status if outcome else "error"
            product = results.get(row.product_key or "") if row.status == "valid" else None
            action = {"created": "create", "updated": "update"}.get(status, "skip")
            if status == "error" and row.status == "valid" and row.action in ("create", "update"):
                action = row.action
            rows.append(
                {
                    "upload_id": result.upload_id,
                    "row_number": number,
                    "mall_id": self.mall_id,
                    "sku": row.sku,
                    "action": action,
                    "result": {"created": "ok", "updated": "ok", "error": "failed"}.get(status, "skipped"),
                    "reason": outcome.reason if outcome else None,
                    "product_no": product.product_no if product else None,
                    "variant_code": product.variant_codes.get(row.sku or "") if product else None,
                }
            )
        return rows


def outcomes_for(plan: UploadPlan, products: Iterable[ProductResult]) -> list[RowOutcome]:
    """One RowOutcome per input row: the plan's errors, then what applying each product did."""
    results = {p.key: p for p in products}
    variant_action = {v.row_number: v.action for p in plan.plans for v in p.variants}
    outcomes = []
    for row in plan.rows:
        if row.status == "error":
            outcomes.append(RowOutcome(row.row_number, "error", "; ".join(row.reasons)))
            continue
        product = results.get(row.product_key or "")
        if product is None:
            outcomes.append(
                RowOutcome(row.row_number, "error", f"row {row.row_number}: not processed (the run stopped before this product)")
            )
        elif product.status == "error":
            outcomes.append(RowOutcome(row.row_number, "error", f"row {row.row_number}: {product.reason}"))
        elif product.status == "created":
            outcomes.append(RowOutcome(row.row_number, "created"))
        elif product.status == "updated" and variant_action.get(row.row_number) == "update":
            outcomes.append(RowOutcome(row.row_number, "updated"))
        else:
            outcomes.append(RowOutcome(row.row_number, "unchanged"))
    return outcomes


def existing_listings(rows: Iterable[Mapping[str, Any]]) -> dict[str, ExistingListing]:
    """SKU → ExistingListing from `ListingTables.listed_variants` rows (a linked variant wins a duplicate)."""
    out: dict[str, ExistingListing] = {}
    for r in rows:
        sku = r["sku"]
        if not sku or sku in out:
            continue
        options = _json(r["options"]) or []
        categories = _json(r["category_nos"])
        has_option = bool(r["has_option"])
        out[sku] = ExistingListing(
            product_no=int(r["product_no"]),
            variant_code=r["variant_code"],
            product_code=r["custom_product_code"] or "",
            has_option=has_option,
            options=tuple((o.get("name"), o.get("value")) for o in options) if has_option else (),
            product_name=r["product_name"],
            price=_dec(r["price"]),
            retail_price=_dec(r["retail_price"]),
            supply_price=_dec(r["supply_price"]),
            additional_amount=_dec(r["additional_amount"]),
            quantity=r["quantity"],
            display=r["display"] if has_option else r["product_display"],
            selling=r["selling"] if has_option else r["product_selling"],
            product_display=r["product_display"],
            product_selling=r["product_selling"],
            brand_code=r["brand_code"],
            category_nos=tuple(int(c) for c in categories) if isinstance(categories, list) else None,
        )
    return out


class _Refused(Exception):
    """The product could not be created; nothing of it is on Cafe24 (or it is left as found)."""


class _Unfinished(Exception):
    """The product is on Cafe24 but hidden and unfinished; a re-run finishes it."""


def by_sku(entries: Mapping[str, Mapping[str, Any]], code: Any, result: ProductResult) -> str:
    for sku, variant_code in result.variant_codes.items():
        if variant_code == code:
            return sku
    return str(code)


def _flag_cell(value: bool | None) -> str | None:
    return None if value is None else ("T" if value else "F")


def _json(value: Any) -> Any:
    if value is None or isinstance(value, (list, dict)):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return None


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _message(exc: Cafe24Error) -> str:
    if isinstance(exc, Cafe24ApiError):
        return f"{exc.status} {exc.message}"
    return str(exc)


def _new_id() -> str:
    return uuid.uuid4().hex


def _calls(client: Any) -> tuple[int, int]:
    stats = getattr(client, "stats", None)
    return int(getattr(stats, "calls", 0) or 0), int(getattr(stats, "rate_limited_429", 0) or 0)


def _delta(client: Any, calls0: int, limited0: int) -> tuple[int, int]:
    calls, limited = _calls(client)
    return calls - calls0, limited - limited0
