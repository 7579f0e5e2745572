"""Push OMS → Cafe24: stock, prices, display/selling, deletes, per product (plain Python, no Dagster).

The diff (`oms/push_diff.py`) says what to write; this module writes it, product by product:

1. a price change is guarded: the product is re-read first, and a price Cafe24 changed since our
   last read is reported as a conflict (and held) instead of overwritten;
2. one `PUT /products/{no}` for product-level price / retail_price / display / selling;
3. one `PUT /products/{no}/variants` for up to 100 changed variants (stock, additional_amount,
   display / selling) — so a changed product costs one or two write calls, never one per SKU
   (with CAFE24_PUSH_STOCK_VIA=inventories, stock goes through `…/inventories`, one call per variant);
4. deletions (`DELETE /products/{no}` or `…/variants/{code}`), only on an explicit OMS request.

Every write is an absolute value, so the client retries it on network errors and 5xx. 409 means
"already so". A 207 is read per item. When retries run out the outcome is unknown: the product is
re-read and the write counts as done only if Cafe24 now holds the values. Cafe24 answering 200 but
keeping an old value (it ignores fields it does not know) is a failure naming the cause. Failed
variants are retried on later runs with exponential back-off and give up after `max_attempts`
(visible in `status` and `push_log`). Every attempt is a `push_log` row (what, expected, sent,
result, error); `oms_push_state` keeps only values Cafe24 answered with.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Protocol

import polars as pl

from cafe24_pipeline import progress
from cafe24_pipeline.cafe24.errors import (
    ApiVersionUnavailable,
    AppCredentialsRejected,
    Cafe24ApiError,
    Cafe24Error,
    InsufficientScope,
    NotConnected,
    NotFound,
    ReauthRequired,
)
from cafe24_pipeline.oms.push_diff import KINDS, PushDiff, compute_diff
from cafe24_pipeline.settings import Settings
from cafe24_pipeline.store import Store
from cafe24_pipeline.store.push import PushTables
from cafe24_pipeline.sync.result import SyncResult, Timed

log = logging.getLogger(__name__)

STREAM = "push"
# errors about the mall or the app, not about one product: they stop the whole push at once
FATAL = (ReauthRequired, NotConnected, AppCredentialsRejected, ApiVersionUnavailable, InsufficientScope)
STOCK_VIA = ("variants", "inventories")


class PushApi(Protocol):
    """The part of `Cafe24Client` the push uses."""

    stats: Any

    def get_product(self, shop_no: int, product_no: int) -> Any: ...
    def iter_products(self, shop_no: int = 1, *, product_nos: Sequence[int] | None = None) -> Any: ...
    def update_product(self, shop_no: int, product_no: int, **fields: Any) -> Any: ...
    def update_variants(self, shop_no: int, product_no: int, variants: list[dict[str, Any]]) -> Any: ...
    def update_inventory(self, shop_no: int, product_no: int, variant_code: str, **fields: Any) -> Any: ...
    def delete_product(self, shop_no: int, product_no: int) -> Any: ...
    def delete_variant(self, shop_no: int, product_no: int, variant_code: str) -> None: ...


@dataclass(frozen=True)
class PushConfig:
    kinds: tuple[str, ...] = KINDS
    full_stock: bool = False
    """Sync Stock: send every linked variant's stock, even when Cafe24 already has it."""
    manual: bool = False
    """An operator's push: ignore retry back-off and given-up marks."""
    max_attempts: int = 5
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_max: timedelta = timedelta(minutes=30)
    stock_via: str = "variants"

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> "PushConfig":
        number = settings.number

        stock_via = settings.value("CAFE24_PUSH_STOCK_VIA") or "variants"
        if stock_via not in STOCK_VIA:
            raise ValueError(f"CAFE24_PUSH_STOCK_VIA must be one of {', '.join(STOCK_VIA)}, got {stock_via!r}")
        values: dict[str, Any] = dict(
            max_attempts=int(number("CAFE24_PUSH_MAX_ATTEMPTS", cls.max_attempts, 1, 100)),
            backoff_base=timedelta(seconds=number("CAFE24_PUSH_BACKOFF_SECONDS", 30, 1, 3600)),
            stock_via=stock_via,
        )
        values.update(overrides)
        return cls(**values)


@dataclass
class _Write:
    """One variant's part of a product push: what we send and what Cafe24 must then hold."""

    variant_code: str
    sku: str | None
    fields: dict[str, Any] = field(default_factory=dict)  # quantity, additional_amount, display, selling
    assumed: dict[str, Any] = field(default_factory=dict)  # what the diff believed Cafe24 held


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Pusher:
    """Pushes one mall's differences; one instance per run (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        client: PushApi | None,
        mall_id: str,
        *,
        config: PushConfig | None = None,
        run_id: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.tables = PushTables(store)
        self.client = client
        self.mall_id = mall_id
        self.config = config or PushConfig()
        self.run_id = run_id
        self.clock = clock
        self.on_progress = on_progress

    @property
    def _api(self) -> PushApi:
        """The client, for the steps of `run` / `write_product` (both refuse to start without one)."""
        assert self.client is not None
        return self.client

    # --- planning -----------------------------------------------------------------------------

    def inputs(self, product_nos: Iterable[int] | None = None) -> pl.DataFrame:
        return self.tables.push_inputs(self.mall_id, product_nos=list(product_nos) if product_nos else None)

    def diff(self, inputs: pl.DataFrame | None = None) -> PushDiff:
        frame = self.inputs() if inputs is None else inputs
        return compute_diff(
            frame,
            kinds=self.config.kinds,
            now=self.clock(),
            full_stock=self.config.full_stock,
            manual=self.config.manual,
            orders_through=self.tables.orders_through(self.mall_id),
        )

    # --- pushing ------------------------------------------------------------------------------

    def run(self) -> SyncResult:
        """Push the current diff; returns what happened (failures are counted, never raised per item)."""
        if self.client is None:
            raise ValueError("a push needs a Cafe24 client (use diff() for a dry run)")
        result = SyncResult(self.mall_id, STREAM, mode="+".join(self.config.kinds))
        for key in ("products", "variants", "conflicts", "failed", "unknown_settled", "deleted"):
            result.details[key] = 0
        with Timed(result, self.client):
            inputs = self.inputs()
            diff = self.diff(inputs)
            by_product = _group(diff)
            result.fetched = inputs.height
            total = len(by_product)
            fresh = self._read_for_price_guard(by_product)
            for done, ((shop_no, product_no), work) in enumerate(sorted(by_product.items()), start=1):
                rows = inputs.filter((pl.col("shop_no") == shop_no) & (pl.col("product_no") == product_no))
                work["fresh"] = fresh.get((shop_no, product_no))
                self._push_product(shop_no, product_no, work, rows, result)
                if self.on_progress:
                    self.on_progress(done, total)
                progress.report(f"push {self.mall_id}", done, total)
        result.unchanged = max(0, inputs.filter(pl.col("sku").is_not_null()).height - result.details["variants"])
        return result

    def _read_for_price_guard(self, by_product: dict[tuple[int, int], dict[str, Any]]) -> dict[tuple[int, int], Any]:
        """Re-read every product whose price is about to change, 100 per call (one list read per 100
        products instead of one per product); the guard compares them with what the diff assumed."""
        wanted: dict[int, list[int]] = {}
        for (shop_no, product_no), work in by_product.items():
            if {"price", "retail_price"} & set(work["product"]) or any("additional_amount" in w.fields for w in work["variants"]):
                wanted.setdefault(shop_no, []).append(product_no)
        fresh: dict[tuple[int, int], Any] = {}
        for shop_no, numbers in wanted.items():
            for page in self._api.iter_products(shop_no, product_nos=numbers):
                for product in page.records:
                    fresh[(shop_no, product.product_no)] = product
        return fresh

    def _push_product(
        self, shop_no: int, product_no: int, work: dict[str, Any], rows: pl.DataFrame, result: SyncResult
    ) -> dict[str, dict[str, Any]]:
        now = self.clock()
        attempts = {r["variant_code"]: int(r["failures"] or 0) + 1 for r in rows.iter_rows(named=True)}
        skus = {r["variant_code"]: r["sku"] for r in rows.iter_rows(named=True)}
        log_rows: list[dict[str, Any]] = []
        state: dict[str, dict[str, Any]] = {}
        result.details["products"] += 1

        def note(
            kind: str,
            variant_code: str | None,
            outcome: str,
            *,
            expected: Any = None,
            sent: Any = None,
            response: Any = None,
            status: int | None = None,
            error: str | None = None,
        ) -> None:
            codes = [variant_code] if variant_code else [c for c, s in skus.items() if s]
            for code in codes:
                log_rows.append(
                    {
                        "mall_id": self.mall_id,
                        "shop_no": shop_no,
                        "kind": kind,
                        "sku": skus.get(code),
                        "product_no": product_no,
                        "variant_code": code,
                        "order_id": None,
                        "order_item_code": None,
                        "expected": _json(expected),
                        "sent": _json(sent),
                        "response": _json(response),
                        "result": outcome,
                        "http_status": status,
                        "error": error,
                        "attempt": attempts.get(code, 1),
                        "run_id": self.run_id,
                        "created_at": now,
                        "resolved_at": now if outcome in ("success", "no_change") else None,
                    }
                )

        def confirm(code: str, **values: Any) -> None:
            entry = state.setdefault(code, _state_key(self.mall_id, shop_no, product_no, code, skus.get(code), now))
            entry.update(values)
            entry.update(failures=0, next_attempt_at=None, gave_up_at=None, last_error=None)

        def fail(code: str, error: str) -> None:
            entry = state.setdefault(code, _state_key(self.mall_id, shop_no, product_no, code, skus.get(code), now))
            n = attempts.get(code, 1)
            backoff = min(self.config.backoff_max, self.config.backoff_base * (2 ** (n - 1)))
            entry.update(
                failures=n,
                last_error=error[:500],
                next_attempt_at=now + backoff,
                gave_up_at=now if n >= self.config.max_attempts else None,
            )
            result.details["failed"] += 1

        try:
            if work["delete"]:
                self._delete(shop_no, product_no, work["delete"], note, confirm, fail, result)
                return state
            product_fields: dict[str, Any] = dict(work["product"])
            writes: list[_Write] = work["variants"]
            price_fields = {"price", "retail_price"} & set(product_fields)
            if price_fields or any("additional_amount" in w.fields for w in writes):
                self._guard_prices(shop_no, product_no, work, product_fields, writes, skus, note, result, now)
            if product_fields:
                self._write_product(shop_no, product_no, product_fields, work["product_assumed"], skus, note, confirm, fail)
            writes = [w for w in writes if w.fields]
            if writes:
                self._write_variants(shop_no, product_no, writes, note, confirm, fail, result)
        finally:
            self.tables.record_outcomes(self.mall_id, list(state.values()), log_rows)
        return state

    def write_product(
        self,
        shop_no: int,
        product_no: int,
        *,
        product_fields: Mapping[str, Any],
        product_assumed: Mapping[str, Any],
        variants: Sequence[tuple[str, str | None, Mapping[str, Any], Mapping[str, Any]]],
        fresh: Any = None,
        result: SyncResult | None = None,
    ) -> dict[str, dict[str, Any]]:
        """Write one product's changes through the push path, for callers other than the diff (bulk listing).

        `product_fields`: PUT /products/{no} fields (price, retail_price, display, selling, and the listing
        fields product_name, supply_price, brand_code, custom_product_code, add_category_no);
        `product_assumed`: what the caller believes Cafe24 holds (the price guard compares it with `fresh`,
        the product re-read before the write; None skips the guard). `variants`: (variant_code, sku,
        fields, assumed) with quantity / additional_amount / display / selling. One product PUT and one
        bulk variant PUT at most, the same settling of unknown outcomes, push_log rows and oms_push_state.
        Returns the push-state entries written, by variant code (`failures` > 0 or `conflict_at` set = not done).
        """
        if self.client is None:
            raise ValueError("writing a product needs a Cafe24 client")
        work: dict[str, Any] = {
            "product": dict(product_fields),
            "product_assumed": dict(product_assumed),
            "product_expected": {k: _plain_value(v) for k, v in product_fields.items()},
            "variants": [_Write(code, sku, dict(fields), dict(assumed)) for code, sku, fields, assumed in variants],
            "delete": [],
            "fresh": fresh,
        }
        rows = pl.DataFrame(
            {"variant_code": [v[0] for v in variants], "sku": [v[1] for v in variants], "failures": [0] * len(variants)},
            schema={"variant_code": pl.String, "sku": pl.String, "failures": pl.Int64},
        )
        result = result or SyncResult(self.mall_id, STREAM, mode="listing")
        for key in ("products", "variants", "conflicts", "failed", "unknown_settled", "deleted"):
            result.details.setdefault(key, 0)
        return self._push_product(shop_no, product_no, work, rows, result)

    # --- the calls ----------------------------------------------------------------------------

    def _guard_prices(self, shop_no, product_no, work, product_fields, writes, skus, note, result, now) -> None:  # noqa: ANN001
        """Re-read the product; a price Cafe24 changed since our read is a conflict, not overwritten."""
        product = work.get("fresh")
        if product is None:  # not among the re-read products: Cafe24 no longer lists it
            return
        assumed = work["product_assumed"]
        live = {v.variant_code: v for v in product.variants}
        changed: list[str] = []
        if assumed.get("price") is not None and _money(product.price) != _money(assumed["price"]):
            changed.append(f"price {_krw(assumed['price'])} -> {_krw(product.price)}")
        if assumed.get("retail_price") is not None and _money(product.retail_price) != _money(assumed["retail_price"]):
            changed.append(f"retail_price {_krw(assumed['retail_price'])} -> {_krw(product.retail_price)}")
        for w in writes:
            if "additional_amount" in w.fields and w.variant_code in live:
                was, now_has = w.assumed.get("additional_amount"), live[w.variant_code].additional_amount
                if was is not None and _money(was) != _money(now_has):
                    changed.append(f"{w.variant_code} additional_amount {_krw(was)} -> {_krw(now_has)}")
        if not changed:
            return
        message = "price changed on Cafe24 since our last read (" + "; ".join(changed) + "): not overwritten"
        for key in ("price", "retail_price"):
            product_fields.pop(key, None)
        for w in writes:
            w.fields.pop("additional_amount", None)
        result.details["conflicts"] += 1
        note(
            "price",
            None,
            "conflict",
            expected=work["product_expected"],
            response={"price": _str(product.price), "retail_price": _str(product.retail_price)},
            error=message,
        )
        rows = [
            {
                **_state_key(self.mall_id, shop_no, product_no, code, sku, now),
                "conflict_price": _money(product.price),
                "conflict_at": now,
            }
            for code, sku in skus.items()
            if sku
        ]
        self.tables.record_outcomes(self.mall_id, rows, [])

    def _write_product(self, shop_no, product_no, fields, assumed, skus, note, confirm, fail) -> None:  # noqa: ANN001
        request = dict(fields)
        try:
            answer = self._api.update_product(shop_no, product_no, **request)
        except Cafe24ApiError as exc:
            if isinstance(exc, FATAL):
                raise
            if exc.status >= 500:
                self._settle_product(shop_no, product_no, request, skus, note, confirm, fail, str(exc), exc.status)
                return
            for kind in sorted({_product_kind(k) for k in request}):
                note(kind, None, "failed", expected=request, sent=request, status=exc.status, error=exc.message)
            for code, sku in skus.items():
                if sku:
                    fail(code, f"PUT /products/{product_no}: {exc.status} {exc.message}")
            return
        except Cafe24Error as exc:
            if isinstance(exc, FATAL):
                raise
            self._settle_product(shop_no, product_no, request, skus, note, confirm, fail, str(exc), None)
            return
        if answer.unchanged:
            answered = dict(request)
            outcome, status = "no_change", 409
        else:
            answered = _answered_product(answer.records[0], request)
            outcome, status = "success", answer.status
        self._confirm_product(request, answered, skus, note, confirm, fail, outcome, status, product_no)

    def _confirm_product(self, request, answered, skus, note, confirm, fail, outcome, status, product_no) -> None:  # noqa: ANN001
        kept = {k: v for k, v in request.items() if _norm(answered.get(k)) != _norm(v)}
        if kept:
            error = f"Cafe24 answered {status} but kept " + ", ".join(
                f"{k}={_str(answered.get(k))} (sent {_str(v)})" for k, v in kept.items()
            )
            note(
                "price" if {"price", "retail_price"} & set(kept) else "status",
                None,
                "failed",
                expected=request,
                sent=request,
                response=_plain(answered),
                status=status,
                error=error,
            )
            for code, sku in skus.items():
                if sku:
                    fail(code, error)
            return
        values: dict[str, Any] = {}
        if {"price", "retail_price"} & set(request):
            values.update(
                product_price=_money(answered.get("price")),
                retail_price=_money(answered.get("retail_price")),
                product_price_at=self.clock(),
                conflict_price=None,
                conflict_at=None,
            )
        if {"display", "selling"} & set(request):
            values.update(
                product_display=answered.get("display"), product_selling=answered.get("selling"), product_status_at=self.clock()
            )
        for kind in sorted({_product_kind(k) for k in request}):
            note(kind, None, outcome, expected=request, sent=request, response=_plain(answered), status=status)
        for code in skus:
            confirm(code, **values)

    def _settle_product(self, shop_no, product_no, request, skus, note, confirm, fail, error, status) -> None:  # noqa: ANN001
        """The write's outcome is unknown (retries ran out): re-read and count it done only if applied."""
        try:
            product = self._api.get_product(shop_no, product_no)
        except Cafe24Error as exc:
            if isinstance(exc, FATAL):
                raise
            for code, sku in skus.items():
                if sku:
                    fail(code, f"outcome unknown ({error}); re-read failed too ({exc})")
            note(
                "price" if {"price", "retail_price"} & set(request) else "status",
                None,
                "unknown",
                expected=request,
                sent=request,
                status=status,
                error=f"{error}; re-read failed: {exc}",
            )
            return
        answered = _answered_product(product, request)
        self._confirm_product(request, answered, skus, note, confirm, fail, "success", status, product_no)

    def _write_variants(self, shop_no, product_no, writes, note, confirm, fail, result) -> None:  # noqa: ANN001
        via_inventories = self.config.stock_via == "inventories"
        bulk = []
        for w in writes:
            entry = {
                "variant_code": w.variant_code,
                **{k: v for k, v in w.fields.items() if not (via_inventories and k == "quantity")},
            }
            if len(entry) > 1:
                bulk.append(entry)
        by_code = {w.variant_code: w for w in writes}
        answered: dict[str, dict[str, Any]] = {}
        failures: dict[str, tuple[int | None, str]] = {}
        status = None
        if bulk:
            try:
                answer = self._api.update_variants(shop_no, product_no, bulk)
                status = answer.status
                for record in answer.records:
                    answered[record.variant_code] = _variant_values(record)
                for item in answer.failures:
                    failures[str(item.get("variant_code"))] = (item.get("status"), str(item.get("message")))
                if answer.unchanged:
                    for entry in bulk:
                        answered[entry["variant_code"]] = {k: v for k, v in entry.items() if k != "variant_code"}
            except Cafe24ApiError as exc:
                if isinstance(exc, FATAL):
                    raise
                if exc.status < 500:
                    for entry in bulk:
                        failures[entry["variant_code"]] = (exc.status, exc.message)
                else:
                    self._settle_variants(shop_no, product_no, bulk, answered, failures, str(exc))
            except Cafe24Error as exc:
                if isinstance(exc, FATAL):
                    raise
                self._settle_variants(shop_no, product_no, bulk, answered, failures, str(exc))
        if via_inventories:
            for w in writes:
                if "quantity" not in w.fields:
                    continue
                try:
                    inv = self._api.update_inventory(shop_no, product_no, w.variant_code, quantity=w.fields["quantity"])
                    quantity = w.fields["quantity"] if inv.unchanged else inv.records[0].quantity
                    answered.setdefault(w.variant_code, {})["quantity"] = quantity
                except Cafe24Error as exc:
                    if isinstance(exc, FATAL):
                        raise
                    failures[w.variant_code] = (getattr(exc, "status", None), str(exc))
        for code, w in by_code.items():
            sent = {k: _plain_value(v) for k, v in w.fields.items()}
            kinds = _kinds(w.fields)
            if code in failures:
                http, message = failures[code]
                for kind in kinds:
                    note(kind, code, "failed", expected=sent, sent=sent, status=http, error=message)
                fail(code, f"PUT /products/{product_no}/variants: {http} {message}")
                continue
            got = answered.get(code)
            if got is None:
                for kind in kinds:
                    note(
                        kind,
                        code,
                        "failed",
                        expected=sent,
                        sent=sent,
                        status=status,
                        error="Cafe24's answer did not include this variant",
                    )
                fail(code, "Cafe24's answer did not include this variant")
                continue
            kept = {k: v for k, v in w.fields.items() if k in got and _norm(got[k]) != _norm(v)}
            if kept:
                hint = (
                    " (Cafe24 may ignore quantity in the bulk variant call: set CAFE24_PUSH_STOCK_VIA=inventories)"
                    if "quantity" in kept and not via_inventories
                    else ""
                )
                error = (
                    "Cafe24 answered but kept "
                    + ", ".join(f"{k}={_str(got[k])} (sent {_str(v)})" for k, v in kept.items())
                    + hint
                )
                for kind in kinds:
                    note(kind, code, "failed", expected=sent, sent=sent, response=_plain(got), status=status, error=error)
                fail(code, error)
                continue
            values: dict[str, Any] = {}
            now = self.clock()
            if "quantity" in w.fields:
                values.update(stock=got.get("quantity", w.fields["quantity"]), stock_at=now)
            if "additional_amount" in w.fields:
                values.update(
                    additional_amount=_money(got.get("additional_amount", w.fields["additional_amount"])),
                    additional_at=now,
                    conflict_price=None,
                    conflict_at=None,
                )
            if {"display", "selling"} & set(w.fields):
                values.update(
                    variant_display=got.get("display", w.fields.get("display")),
                    variant_selling=got.get("selling", w.fields.get("selling")),
                    variant_status_at=now,
                )
            outcome = "no_change" if status == 409 else "success"
            for kind in kinds:
                note(kind, code, outcome, expected=sent, sent=sent, response=_plain(got), status=status)
            confirm(code, **values)
            result.details["variants"] += 1
            result.stored += 1

    def _settle_variants(self, shop_no, product_no, bulk, answered, failures, error) -> None:  # noqa: ANN001
        """Outcome unknown: re-read the variants; those holding the sent values count as done."""
        try:
            product = self._api.get_product(shop_no, product_no)
        except Cafe24Error as exc:
            if isinstance(exc, FATAL):
                raise
            for entry in bulk:
                failures[entry["variant_code"]] = (None, f"outcome unknown ({error}); re-read failed too ({exc})")
            return
        live = {v.variant_code: _variant_values(v) for v in product.variants}
        for entry in bulk:
            code = entry["variant_code"]
            if code in live:
                answered[code] = live[code]
            else:
                failures[code] = (None, f"outcome unknown ({error}) and the variant is gone")

    def _delete(self, shop_no, product_no, deletes, note, confirm, fail, result) -> None:  # noqa: ANN001
        now = self.clock()
        for variant_code, skus in deletes:
            target = f"/products/{product_no}" + (f"/variants/{variant_code}" if variant_code else "")
            try:
                if variant_code is None:
                    self._api.delete_product(shop_no, product_no)
                else:
                    self._api.delete_variant(shop_no, product_no, variant_code)
                outcome, error, status = "success", None, 200
            except NotFound:
                outcome, error, status = "no_change", "already gone on Cafe24", 404
            except Cafe24Error as exc:
                if isinstance(exc, FATAL):
                    raise
                for code in [variant_code] if variant_code else list(deletes_codes(deletes)):
                    fail(code, f"DELETE {target}: {exc}")
                note(
                    "delete",
                    variant_code,
                    "failed",
                    expected={"deleted": skus},
                    sent={"DELETE": target},
                    status=getattr(exc, "status", None),
                    error=str(exc),
                )
                continue
            note("delete", variant_code, outcome, expected={"deleted": skus}, sent={"DELETE": target}, status=status, error=error)
            result.details["deleted"] += 1
            result.deleted += len(skus)
            codes = [variant_code] if variant_code else [c for c in deletes_codes(deletes)]
            for code in codes:
                confirm(code, deleted_at=now)


def _product_kind(field_name: str) -> str:
    """push_log kind of a product-level field: price, status, or listing (name, supply price, brand, …)."""
    if field_name in ("price", "retail_price"):
        return "price"
    if field_name in ("display", "selling"):
        return "status"
    return "listing"


def _answered_product(record: Any, request: Mapping[str, Any]) -> dict[str, Any]:
    """What Cafe24 now holds for each field of `request` (a category added counts as held once listed)."""
    answered = {"price": record.price, "retail_price": record.retail_price, "display": record.display, "selling": record.selling}
    for name in ("product_name", "supply_price", "brand_code", "custom_product_code"):
        if name in request:
            answered[name] = getattr(record, name, None)
    if "add_category_no" in request:
        held = {c.category_no for c in getattr(record, "categories", ())}
        wanted = {int(e["category_no"]) if isinstance(e, Mapping) else int(e) for e in request["add_category_no"]}
        answered["add_category_no"] = request["add_category_no"] if wanted <= held else sorted(held)
    return answered


def deletes_codes(deletes: list[tuple[str | None, list[str]]]) -> list[str]:
    return [code for code, _ in deletes if code]


def _group(diff: PushDiff) -> dict[tuple[int, int], dict[str, Any]]:
    """The diff's rows per product: product fields, variant writes, deletions."""
    out: dict[tuple[int, int], dict[str, Any]] = {}

    def work(shop_no: int, product_no: int) -> dict[str, Any]:
        return out.setdefault(
            (shop_no, product_no),
            {
                "product": {},
                "product_assumed": {},
                "product_expected": {},
                "variants": [],
                "delete": [],
            },
        )

    for r in diff.products.iter_rows(named=True):
        w = work(r["shop_no"], r["product_no"])
        for col, name, assumed in (
            ("set_price", "price", "c_product_price"),
            ("set_retail", "retail_price", "c_retail_price"),
            ("set_display", "display", "c_product_display"),
            ("set_selling", "selling", "c_product_selling"),
        ):
            if r[col] is not None:
                w["product"][name] = r[col]
                w["product_expected"][name] = _plain_value(r[col])
            w["product_assumed"][name] = r[assumed]
    for r in diff.variants.iter_rows(named=True):
        w = work(r["shop_no"], r["product_no"])
        write = _Write(r["variant_code"], r["sku"])
        for col, name, assumed in (
            ("set_quantity", "quantity", "c_stock"),
            ("set_additional", "additional_amount", "c_additional_amount"),
            ("set_display", "display", "c_variant_display"),
            ("set_selling", "selling", "c_variant_selling"),
        ):
            if r[col] is not None:
                write.fields[name] = r[col]
            write.assumed[name] = r[assumed]
        w["variants"].append(write)
    for r in diff.deletes.iter_rows(named=True):
        work(r["shop_no"], r["product_no"])["delete"].append((r["variant_code"], list(r["skus"] or [])))
    return out


def _state_key(mall_id: str, shop_no: int, product_no: int, variant_code: str, sku: str | None, now: datetime) -> dict[str, Any]:
    return {
        "mall_id": mall_id,
        "shop_no": shop_no,
        "variant_code": variant_code,
        "product_no": product_no,
        "sku": sku,
        "updated_at": now,
    }


def _variant_values(variant: Any) -> dict[str, Any]:
    return {
        "quantity": variant.quantity,
        "additional_amount": variant.additional_amount,
        "display": variant.display,
        "selling": variant.selling,
    }


def _kinds(fields: Mapping[str, Any]) -> list[str]:
    kinds = []
    if "quantity" in fields:
        kinds.append("stock")
    if "additional_amount" in fields:
        kinds.append("price")
    if {"display", "selling"} & set(fields):
        kinds.append("status")
    return kinds


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _norm(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, Decimal, float)) or (isinstance(value, str) and _is_number(value)):
        return _money(value)
    return value


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except Exception:  # noqa: BLE001
        return False
    return True


def _krw(value: Any) -> str:
    money = _money(value)
    return "?" if money is None else f"{money:,.0f}"


def _str(value: Any) -> str:
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def _plain_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain_value(v) for k, v in values.items()}


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_plain_value)
