"""`Cafe24Client`: the one way the pipeline talks to a mall's Admin API.

Reads stream page by page (bounded memory): products by the `since_product_no` cursor with
variants and inventories embedded (variants past the embed limit fetched separately), orders by
date windows shorter than 3 months that are split again when their count passes the offset cap.
List endpoints default to shop 1, so callers loop `shop_nos()` (or use the `*_all_shops` helpers).
Every page carries `issues`: malformed records reported with id and reason, never fatal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import httpx

from cafe24_pipeline.cafe24.shops import active_shop_nos
from cafe24_pipeline.cafe24.clock import SYSTEM_CLOCK, Clock
from cafe24_pipeline.cafe24.errors import Cafe24ApiError, Cafe24Error, MalformedRecord, RateLimited, ResponseShapeError
from cafe24_pipeline.cafe24.governor import RateGovernor, governor_for
from cafe24_pipeline.cafe24.http_auth import AccessTokenProvider, Cafe24Auth
from cafe24_pipeline.cafe24.models import (
    Brand,
    Category,
    DeletedProduct,
    Inventory,
    Order,
    OrderPage,
    OrderStatusUpdate,
    Page,
    Product,
    ProductPage,
    Shipment,
    Shop,
    Variant,
    parse_count,
    parse_records,
    unwrap,
    unwrap_list,
)
from cafe24_pipeline.cafe24.options import ClientOptions
from cafe24_pipeline.cafe24.paging import batches, date_windows, split_window
from cafe24_pipeline.cafe24.parsing import format_kst_date, format_kst_datetime, parse_int
from cafe24_pipeline.cafe24.rate_transport import DEADLINE, GovernedTransport, RateLimitTimeout
from cafe24_pipeline.cafe24.responses import ApiResponse, decode_json, error_from_response
from cafe24_pipeline.cafe24.retry import RETRYABLE_STATUSES, RetryPolicy, Transient
from cafe24_pipeline.cafe24.stats import CallStats
from cafe24_pipeline.settings import Settings

log = logging.getLogger(__name__)

PRODUCT_PAGE_SIZE = 100
EMBED_VARIANT_LIMIT = 100
ORDER_PAGE_SIZE = 1_000
ORDER_OFFSET_CAP = 15_000
COLLECTION_PAGE_SIZE = 100
COLLECTION_OFFSET_CAP = 8_000
BATCH_LIMIT = 100


@dataclass
class WriteResult:
    """Outcome of a write: `unchanged` for 409 (same content), per-item `failures` for 207."""

    status: int
    records: list[Any] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    unchanged: bool = False

    @property
    def ok(self) -> bool:
        return not self.failures


class Cafe24Client:
    """Typed access to one mall, built from httpx parts. Use as a context manager.

    The parts: `Cafe24Auth` (bearer token, one refresh on 401), `GovernedTransport` (the mall's rate
    governor; 429s re-sent), `RetryPolicy` (what may be repeated: reads and absolute writes; a create
    whose outcome is unknown raises `WriteOutcomeUnknown`). `options` holds every knob.
    """

    def __init__(
        self,
        mall_id: str,
        *,
        settings: Settings,
        tokens: AccessTokenProvider,
        options: ClientOptions | None = None,
        governor: RateGovernor | None = None,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.mall_id = mall_id
        self.settings = settings
        self.options = options or ClientOptions()
        self.api_version = settings.api_version
        self.stats = CallStats()
        self.governor = governor or governor_for(mall_id, self.options.governor, api_base=settings.api_base_for(mall_id))
        self.clock = clock or self.governor.clock or SYSTEM_CLOCK
        self.retry = RetryPolicy(self.options.retry, self.clock, self.stats)
        self.order_window_days = self.options.order_window_days
        self._auth = Cafe24Auth(tokens, self.stats)
        self._http = httpx.Client(
            base_url=f"{settings.api_base_for(mall_id)}/api/v2/admin",
            auth=self._auth,
            transport=GovernedTransport(self.governor, self.clock, self.stats, inner=transport),
            timeout=self.options.timeout,
            follow_redirects=False,
            headers={"X-Cafe24-Api-Version": self.api_version, "Accept": "application/json"},
        )
        self._shops: list[Shop] | None = None

    def __repr__(self) -> str:
        return f"Cafe24Client(mall_id={self.mall_id!r})"

    def __enter__(self) -> "Cafe24Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def tokens(self) -> AccessTokenProvider:
        """The token provider the client's auth uses."""
        return self._auth.tokens

    # ------------------------------------------------------------------ low level
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        accept: tuple[int, ...] = (),
        idempotent: bool = False,
    ) -> ApiResponse:
        """Send one logical call and return the decoded answer.

        `accept` lists error statuses returned instead of raised (e.g. 409 "same content").
        `idempotent=True` declares a write that sets absolute values, so it may be retried.
        """
        method = method.upper()
        deadline = self.clock.monotonic() + self.options.total_timeout
        repeatable = self.retry.may_repeat(method, idempotent)
        clean = {k: v for k, v in (params or {}).items() if v is not None}

        def attempt() -> ApiResponse:
            return self._attempt(method, path, clean, json, accept, deadline, repeatable)

        return self.retry.run(attempt, describe=f"{method} {path} [mall {self.mall_id}]", deadline=deadline)

    def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any],
        body: Any,
        accept: tuple[int, ...],
        deadline: float,
        repeatable: bool,
    ) -> ApiResponse:
        request = self._http.build_request(method, path, params=params, json=body)
        request.extensions[DEADLINE] = deadline
        try:
            response = self._http.send(request)
        except RateLimitTimeout:
            raise RateLimited(
                429,
                f"still rate limited after {self.options.total_timeout:.0f}s (usage quota or repeated 429s); try later",
                method=method,
                path=path,
                mall_id=self.mall_id,
            ) from None
        except httpx.TransportError as exc:
            raise self.retry.transport_failure(
                exc, method=method, path=path, mall_id=self.mall_id, repeatable=repeatable
            ) from None
        status = response.status_code
        payload = decode_json(response)
        if status in RETRYABLE_STATUSES:
            error = error_from_response(status, payload, method=method, path=path, mall_id=self.mall_id)
            raise self.retry.server_failure(
                error, status=status, method=method, path=path, mall_id=self.mall_id, repeatable=repeatable
            )
        if status >= 400 and status not in accept:
            raise error_from_response(
                status, payload, method=method, path=path, mall_id=self.mall_id, api_version=self.api_version
            )
        if payload is None and status not in (202, 204) and status not in accept and response.content:
            shape_error = ResponseShapeError(
                f"Cafe24 {method} {path} [mall {self.mall_id}] returned a truncated or non-JSON body ({status})"
            )
            if repeatable:
                raise Transient(shape_error)
            raise self.retry.server_failure(
                shape_error, status=status, method=method, path=path, mall_id=self.mall_id, repeatable=False
            )
        return ApiResponse(status=status, body=payload, headers=response.headers)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).body

    def _write(self, method: str, path: str, body: Any, *, accept: tuple[int, ...] = (409,), idempotent: bool) -> ApiResponse:
        return self.request(method, path, json=body, accept=accept, idempotent=idempotent)

    # ------------------------------------------------------------------ shops
    def list_shops(self) -> list[Shop]:
        shops, issues = parse_records(unwrap_list(self.get("/shops"), "shops"), Shop.from_api)
        for issue in issues:
            log.warning("mall %s: %s", self.mall_id, issue)
        self._shops = shops
        return shops

    def shop_nos(self, *, refresh: bool = False) -> list[int]:
        """Active shop numbers of the mall (cached); every list endpoint must be looped over them."""
        if self._shops is None or refresh:
            self.list_shops()
        return active_shop_nos(self._shops or [])

    # ------------------------------------------------------------------ categories, brands
    def _iter_offset_pages(
        self, path: str, key: str, shop_no: int, build: Callable[[Any], Any], params: Mapping[str, Any] | None = None
    ) -> Iterator[Page]:
        offset = 0
        while True:
            body = self.get(path, {"shop_no": shop_no, "limit": COLLECTION_PAGE_SIZE, "offset": offset, **(params or {})})
            raw = unwrap_list(body, key)
            records, issues = parse_records(raw, build)
            yield Page(shop_no=shop_no, records=records, issues=issues)
            if len(raw) < COLLECTION_PAGE_SIZE:
                return
            offset += COLLECTION_PAGE_SIZE
            if offset > COLLECTION_OFFSET_CAP:
                raise Cafe24Error(
                    f"{path} of mall {self.mall_id} shop {shop_no} has more than "
                    f"{COLLECTION_OFFSET_CAP + COLLECTION_PAGE_SIZE} records, past Cafe24's offset cap"
                )

    def iter_categories(self, shop_no: int = 1) -> Iterator[Page]:
        return self._iter_offset_pages("/categories", "categories", shop_no, lambda r: Category.from_api(r, shop_no=shop_no))

    def iter_brands(self, shop_no: int = 1) -> Iterator[Page]:
        return self._iter_offset_pages("/brands", "brands", shop_no, lambda r: Brand.from_api(r, shop_no=shop_no))

    # ------------------------------------------------------------------ products
    @staticmethod
    def _product_filters(updated_start: datetime | date | None, updated_end: datetime | date | None) -> dict[str, str]:
        if (updated_start is None) != (updated_end is None):
            raise ValueError("updated_start and updated_end must be given together (Cafe24 uses them in pairs)")
        if updated_start is None:
            return {}
        return {
            "updated_start_date": _filter_value(updated_start),
            "updated_end_date": _filter_value(updated_end),  # type: ignore[arg-type]
        }

    def count_products(self, shop_no: int = 1, **filters: Any) -> int:
        return parse_count(self.get("/products/count", {"shop_no": shop_no, **_stringify(filters)}))

    def iter_products(
        self,
        shop_no: int = 1,
        *,
        updated_start: datetime | date | None = None,
        updated_end: datetime | date | None = None,
        product_nos: Sequence[int] | None = None,
        page_size: int = PRODUCT_PAGE_SIZE,
        since_product_no: int = 0,
        custom_product_codes: Sequence[str] | None = None,
        custom_variant_codes: Sequence[str] | None = None,
    ) -> Iterator[ProductPage]:
        """Pages of products with variants attached, by `since_product_no` (never by offset).

        `product_nos` fetches exactly those products (100 per call) instead of scanning.
        `since_product_no` resumes a scan after a given product number.
        `custom_product_codes` / `custom_variant_codes` narrow the scan to products carrying those seller
        codes (comma lists, OR). Cafe24 matches `custom_product_code` as a case-sensitive substring, so the
        caller must compare the codes it gets back exactly.
        """
        if not 1 <= page_size <= PRODUCT_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{PRODUCT_PAGE_SIZE}")
        filters = self._product_filters(updated_start, updated_end)
        if custom_product_codes:
            filters["custom_product_code"] = ",".join(custom_product_codes)
        if custom_variant_codes:
            filters["custom_variant_code"] = ",".join(custom_variant_codes)
        embed = {"embed": "variants,inventories"}
        if product_nos is not None:
            for batch in batches(sorted(set(int(n) for n in product_nos)), BATCH_LIMIT):
                body = self.get(
                    "/products",
                    {"shop_no": shop_no, "product_no": ",".join(map(str, batch)), "limit": len(batch), **embed},
                )
                yield self._product_page(shop_no, unwrap_list(body, "products"), cursor=max(batch))
            return
        cursor = since_product_no
        while True:
            params = {"shop_no": shop_no, "limit": page_size, "since_product_no": cursor, **filters, **embed}
            raw = unwrap_list(self.get("/products", params), "products")
            numbers = [n for n in (_raw_int(r, "product_no") for r in raw) if n is not None]
            next_cursor = max(numbers) if numbers else None
            yield self._product_page(shop_no, raw, cursor=next_cursor)
            if len(raw) < page_size:
                return
            if next_cursor is None or next_cursor <= cursor:
                raise ResponseShapeError(
                    f"products page after since_product_no={cursor} (mall {self.mall_id}, shop {shop_no}) "
                    "has no larger product_no: cannot advance the cursor"
                )
            cursor = next_cursor

    def _product_page(self, shop_no: int, raw: list[Any], *, cursor: int | None) -> ProductPage:
        products, issues = parse_records(raw, lambda r: Product.from_api(r, shop_no=shop_no))
        complete: list[Product] = []
        for product in products:
            try:
                complete.append(self._with_all_variants(product))
            except MalformedRecord as exc:
                issues.append(exc)
        return ProductPage(shop_no=shop_no, records=complete, issues=issues, cursor=cursor)

    def _with_all_variants(self, product: Product) -> Product:
        """Fetch the variants separately when the embed may have been cut at its 100-variant limit."""
        if len(product.variants) < EMBED_VARIANT_LIMIT and product.variants_embedded:
            return product
        if not product.variants_embedded and product.has_option is False:
            return product
        variants = list(self.iter_variants(product.shop_no, product.product_no))
        return product.with_variants(variants)

    def get_product(self, shop_no: int, product_no: int) -> Product:
        body = self.get(f"/products/{int(product_no)}", {"shop_no": shop_no, "embed": "variants,inventories"})
        return self._with_all_variants(Product.from_api(unwrap(body, "product"), shop_no=shop_no))

    def iter_variants(self, shop_no: int, product_no: int) -> Iterator[Variant]:
        """All variants of one product with their stock (one call; malformed variants raise)."""
        body = self.get(f"/products/{int(product_no)}/variants", {"shop_no": shop_no, "embed": "inventories"})
        for raw in unwrap_list(body, "variants"):
            yield Variant.from_api(raw, shop_no=shop_no, product_no=int(product_no))

    def get_inventory(self, shop_no: int, product_no: int, variant_code: str) -> Inventory:
        body = self.get(f"/products/{int(product_no)}/variants/{variant_code}/inventories", {"shop_no": shop_no})
        return Inventory.from_api(unwrap(body, "inventory"), shop_no=shop_no, variant_code=variant_code)

    # ------------------------------------------------------------------ orders
    def count_orders(
        self,
        shop_no: int,
        start_date: date,
        end_date: date,
        *,
        date_type: str = "order_date",
        order_status: Sequence[str] | str | None = None,
    ) -> int:
        params = {
            "shop_no": shop_no,
            "start_date": format_kst_date(start_date),
            "end_date": format_kst_date(end_date),
            "date_type": date_type,
            "order_status": _comma(order_status),
        }
        return parse_count(self.get("/orders/count", params))

    def iter_orders(
        self,
        shop_no: int,
        start_date: date,
        end_date: date,
        *,
        date_type: str = "order_date",
        embed: Sequence[str] = ("items",),
        order_status: Sequence[str] | str | None = None,
        page_size: int = ORDER_PAGE_SIZE,
        parse: bool = True,
    ) -> Iterator[OrderPage]:
        """Pages of orders whose `date_type` falls in [start_date, end_date] (KST days, inclusive).

        `parse=False` leaves each page's records as the raw JSON objects (`OrderPage.raw` is True):
        the order sync reads them column by column (sync/order_columns.py), which is several times
        faster than building an `Order` per record, and still hands irregular ones to `Order.from_api`.
        """
        if not 1 <= page_size <= ORDER_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{ORDER_PAGE_SIZE}")
        pending = list(date_windows(start_date, end_date, self.order_window_days))
        pending.reverse()
        while pending:
            window = pending.pop()
            count = self.count_orders(shop_no, *window, date_type=date_type, order_status=order_status)
            if count == 0:
                continue
            if count > ORDER_OFFSET_CAP:
                halves = split_window(*window)
                if halves is None:
                    raise Cafe24Error(
                        f"mall {self.mall_id} shop {shop_no} has {count} orders on {window[0]} by {date_type}, "
                        f"more than Cafe24's offset cap of {ORDER_OFFSET_CAP} for one day; filter by order_status"
                    )
                log.info("order window %s..%s has %d orders: splitting", window[0], window[1], count)
                pending.extend(reversed(halves))
                continue
            yield from self._order_window_pages(shop_no, window, count, date_type, embed, order_status, page_size, parse)

    def _order_window_pages(
        self, shop_no, window, count, date_type, embed, order_status, page_size, parse=True
    ) -> Iterator[OrderPage]:
        offset = 0
        while offset < count and offset <= ORDER_OFFSET_CAP:
            params = {
                "shop_no": shop_no,
                "start_date": format_kst_date(window[0]),
                "end_date": format_kst_date(window[1]),
                "date_type": date_type,
                "limit": page_size,
                "offset": offset,
                "embed": ",".join(embed) if embed else None,
                "order_status": _comma(order_status),
            }
            raw = unwrap_list(self.get("/orders", params), "orders")
            if parse:
                records, issues = parse_records(raw, lambda r: Order.from_api(r, shop_no=shop_no))
                yield OrderPage(shop_no=shop_no, records=records, issues=issues, window_start=window[0], window_end=window[1])
            else:
                yield OrderPage(shop_no=shop_no, records=list(raw), window_start=window[0], window_end=window[1], raw=True)
            if len(raw) < page_size:
                return
            offset += page_size

    def get_orders(self, shop_no: int, order_ids: Iterable[str], *, embed: Sequence[str] = ("items",)) -> Iterator[OrderPage]:
        """Specific orders (re-polling open orders, webhook hints), 100 ids per call."""
        ids = list(dict.fromkeys(str(i) for i in order_ids))
        for batch in batches(ids, BATCH_LIMIT):
            params = {
                "shop_no": shop_no,
                "order_id": ",".join(batch),
                "limit": len(batch),
                "embed": ",".join(embed) if embed else None,
            }
            raw = unwrap_list(self.get("/orders", params), "orders")
            records, issues = parse_records(raw, lambda r: Order.from_api(r, shop_no=shop_no))
            yield OrderPage(shop_no=shop_no, records=records, issues=issues)

    def get_order(self, shop_no: int, order_id: str, *, embed: Sequence[str] = ("items",)) -> Order:
        body = self.get(f"/orders/{order_id}", {"shop_no": shop_no, "embed": ",".join(embed) if embed else None})
        return Order.from_api(unwrap(body, "order"), shop_no=shop_no)

    def iter_shipments(self, shop_no: int, order_id: str) -> list[Shipment]:
        body = self.get(f"/orders/{order_id}/shipments", {"shop_no": shop_no})
        return [Shipment.from_api(r, order_id=order_id) for r in unwrap_list(body, "shipments")]

    # ------------------------------------------------------------------ webhook delivery log
    def iter_webhook_logs(
        self, start: date, end: date, *, success: bool | None = None, since_log_id: str | None = None, page_size: int = 1000
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of Cafe24's webhook delivery log (`GET /webhooks/logs`), oldest first, by `since_log_id`."""
        cursor = since_log_id
        while True:
            params = {
                "requested_start_date": format_kst_date(start),
                "requested_end_date": format_kst_date(end),
                "success": None if success is None else ("T" if success else "F"),
                "since_log_id": cursor,
                "limit": page_size,
            }
            logs = [row for row in unwrap_list(self.get("/webhooks/logs", params), "logs") if isinstance(row, dict)]
            if logs:
                yield logs
            if len(logs) < page_size:
                return
            cursor = str(logs[-1].get("log_id"))

    # ------------------------------------------------------------------ writes
    def create_product(self, shop_no: int, **fields: Any) -> Product:
        response = self._write(
            "POST", "/products", {"shop_no": shop_no, "request": _jsonable(fields)}, accept=(), idempotent=False
        )
        return self._with_all_variants(Product.from_api(unwrap(response.body, "product"), shop_no=shop_no))

    def update_product(self, shop_no: int, product_no: int, **fields: Any) -> WriteResult:
        """`PUT /products/{no}`: display/selling ("T"/"F" or bool), price, retail_price, … ; 409 = unchanged."""
        response = self._write(
            "PUT", f"/products/{int(product_no)}", {"shop_no": shop_no, "request": _jsonable(fields)}, idempotent=True
        )
        if response.status == 409:
            return WriteResult(status=409, unchanged=True)
        product = Product.from_api(unwrap(response.body, "product"), shop_no=shop_no)
        return WriteResult(status=response.status, records=[product])

    def delete_product(self, shop_no: int, product_no: int) -> DeletedProduct:
        response = self.request("DELETE", f"/products/{int(product_no)}", params={"shop_no": shop_no}, idempotent=True)
        if response.body is None:
            return DeletedProduct(product_no=int(product_no))
        return DeletedProduct.from_api(unwrap(response.body, "product"))

    def delete_variant(self, shop_no: int, product_no: int, variant_code: str) -> None:
        """`DELETE /products/{no}/variants/{code}` (a product keeps at least one variant)."""
        self.request(
            "DELETE", f"/products/{int(product_no)}/variants/{variant_code}", params={"shop_no": shop_no}, idempotent=True
        )

    def update_variants(self, shop_no: int, product_no: int, variants: Sequence[Mapping[str, Any]]) -> WriteResult:
        """Bulk `PUT /products/{no}/variants` (≤100 per call, batched); 207 per item, 409 unchanged."""
        for v in variants:
            if not v.get("variant_code"):
                raise ValueError("every variant update needs a variant_code")
        combined = WriteResult(status=200, unchanged=True)
        for batch in batches(list(variants), BATCH_LIMIT):
            try:
                response = self._write(
                    "PUT",
                    f"/products/{int(product_no)}/variants",
                    {"shop_no": shop_no, "requests": [_jsonable(v) for v in batch]},
                    idempotent=True,
                )
            except Cafe24ApiError as exc:
                if exc.status not in (400, 404, 422):
                    raise
                # every object failed the same way: Cafe24 answers with that status for the whole call
                combined.unchanged = False
                combined.status = exc.status
                combined.failures.extend(
                    {"variant_code": v.get("variant_code"), "status": exc.status, "message": exc.message} for v in batch
                )
                continue
            if response.status == 409:
                continue
            combined.unchanged = False
            combined.status = response.status if combined.status in (200, 409) else combined.status
            ok, failures = _multi_status_items(response, "variants", "variant_code")
            combined.failures.extend(failures)
            for raw in ok:
                try:
                    combined.records.append(Variant.from_api(raw, shop_no=shop_no, product_no=int(product_no)))
                except MalformedRecord as exc:
                    combined.failures.append({"variant_code": exc.record_id, "status": None, "message": exc.reason})
        if combined.unchanged:
            combined.status = 409
        return combined

    def update_inventory(self, shop_no: int, product_no: int, variant_code: str, **fields: Any) -> WriteResult:
        """`PUT …/variants/{code}/inventories` (quantity, use_inventory, display_soldout, …)."""
        response = self._write(
            "PUT",
            f"/products/{int(product_no)}/variants/{variant_code}/inventories",
            {"shop_no": shop_no, "request": _jsonable(fields)},
            idempotent=True,
        )
        if response.status == 409:
            return WriteResult(status=409, unchanged=True)
        inventory = Inventory.from_api(unwrap(response.body, "inventory"), shop_no=shop_no, variant_code=variant_code)
        return WriteResult(status=response.status, records=[inventory])

    def update_order_process_status(
        self, shop_no: int, order_id: str, process_status: str, *, order_item_codes: Sequence[str] | None = None
    ) -> WriteResult:
        """`PUT /orders/{id}` with process_status prepare (N20) / prepareproduct / hold / unhold."""
        request: dict[str, Any] = {"process_status": process_status}
        if order_item_codes:
            request["order_item_code"] = list(order_item_codes)
        response = self._write("PUT", f"/orders/{order_id}", {"shop_no": shop_no, "request": request}, idempotent=True)
        if response.status == 409:
            return WriteResult(status=409, unchanged=True)
        update = OrderStatusUpdate.from_api(unwrap(response.body, "order"), order_id=order_id)
        return WriteResult(status=response.status, records=[update])

    def create_shipment(
        self,
        shop_no: int,
        order_id: str,
        *,
        tracking_no: str,
        shipping_company_code: str,
        status: str = "standby",
        order_item_codes: Sequence[str] | None = None,
        carrier_id: int | None = None,
    ) -> list[Shipment]:
        """`POST /orders/{id}/shipments`: status standby (N21) or shipping (N30)."""
        request: dict[str, Any] = {
            "tracking_no": tracking_no,
            "shipping_company_code": shipping_company_code,
            "status": status,
        }
        if order_item_codes:
            request["order_item_code"] = list(order_item_codes)
        if carrier_id is not None:
            request["carrier_id"] = carrier_id
        response = self._write(
            "POST", f"/orders/{order_id}/shipments", {"shop_no": shop_no, "request": request}, accept=(), idempotent=False
        )
        return [Shipment.from_api(r, order_id=order_id) for r in unwrap_list(response.body, "shipments")]

    def create_cancellation(
        self,
        shop_no: int,
        order_id: str,
        order_item_codes: Sequence[str],
        *,
        reason: str | None = None,
        recover_inventory: bool = True,
    ) -> dict[str, Any]:
        """`POST /orders/{id}/cancellation` (a seller cancellation of whole items, status `canceled`).

        A create: its outcome is unknown after a timeout (WriteOutcomeUnknown); re-read the order."""
        request: dict[str, Any] = {
            "status": "canceled",
            "recover_inventory": recover_inventory,
            "items": [{"order_item_code": code} for code in order_item_codes],
        }
        if reason:
            request["reason"] = reason[:2000]
        response = self._write(
            "POST",
            f"/orders/{order_id}/cancellation",
            {"shop_no": shop_no, "request": _jsonable(request)},
            accept=(409,),
            idempotent=False,
        )
        if response.status == 409:
            return {"unchanged": True}
        body = response.body if isinstance(response.body, dict) else {}
        cancellation = body.get("cancellation")
        return cancellation if isinstance(cancellation, dict) else {}

    def update_shipment(
        self,
        shop_no: int,
        order_id: str,
        shipping_code: str,
        *,
        status: str | None = None,
        status_additional_info: str | None = None,
        tracking_no: str | None = None,
        shipping_company_code: str | None = None,
    ) -> WriteResult:
        """`PUT …/shipments/{code}`: either a status (standby/shipping/shipped) or new tracking data."""
        if (status is None) == (tracking_no is None and shipping_company_code is None):
            raise ValueError("update_shipment takes either status or tracking_no/shipping_company_code, not both")
        request = {
            k: v
            for k, v in {
                "status": status,
                "status_additional_info": status_additional_info,
                "tracking_no": tracking_no,
                "shipping_company_code": shipping_company_code,
            }.items()
            if v is not None
        }
        response = self._write(
            "PUT",
            f"/orders/{order_id}/shipments/{shipping_code}",
            {"shop_no": shop_no, "request": request},
            idempotent=True,
        )
        if response.status == 409:
            return WriteResult(status=409, unchanged=True)
        shipment = Shipment.from_api(unwrap(response.body, "shipment"), order_id=order_id, shipping_code=shipping_code)
        return WriteResult(status=response.status, records=[shipment])


# ---------------------------------------------------------------------- helpers


def _filter_value(value: datetime | date) -> str:
    return format_kst_datetime(value) if isinstance(value, datetime) else format_kst_date(value)


def _comma(value: Sequence[str] | str | None) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else ",".join(value)


def _stringify(filters: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if isinstance(value, bool):
            out[key] = "T" if value else "F"
        elif isinstance(value, (datetime, date)):
            out[key] = _filter_value(value)
        elif isinstance(value, (list, tuple, set)):
            out[key] = ",".join(str(v) for v in value)
        else:
            out[key] = value
    return out


def _jsonable(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Request fields as Cafe24 expects them: bools → "T"/"F", Decimal → string, dates → ISO."""
    from decimal import Decimal

    out: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, bool):
            out[key] = "T" if value else "F"
        elif isinstance(value, Decimal):
            out[key] = format(value, "f")
        elif isinstance(value, datetime):
            out[key] = format_kst_datetime(value)
        elif isinstance(value, date):
            out[key] = format_kst_date(value)
        elif isinstance(value, Mapping):
            out[key] = _jsonable(value)
        else:
            out[key] = value
    return out


def _raw_int(raw: Any, key: str) -> int | None:
    if not isinstance(raw, dict):
        return None
    try:
        return parse_int(raw.get(key), key)
    except ValueError:
        return None


def _multi_status_items(response: ApiResponse, key: str, id_key: str) -> tuple[list[dict], list[dict[str, Any]]]:
    """Split a (possibly 207) multi-object response into succeeded raw items and failures.

    207 bodies carry the successes under `key` and the failures under `errors`, each failure with
    its id and a Cafe24 error envelope; a 409 failure means "same content" and is not a failure.
    """
    body = response.body if isinstance(response.body, dict) else {}
    ok = [i for i in (body.get(key) or []) if isinstance(i, dict)]
    failures: list[dict[str, Any]] = []
    errors = body.get("errors") or []
    if isinstance(errors, dict):
        errors = [errors]
    for item in errors:
        if not isinstance(item, dict):
            continue
        nested = item.get("error")
        error = nested if isinstance(nested, dict) else item
        code = error.get("code", item.get("status"))
        if str(code) == "409":
            continue
        failures.append({id_key: item.get(id_key), "status": code, "message": str(error.get("message") or "failed")})
    return ok, failures


__all__ = ["Cafe24Client", "WriteResult", "Cafe24ApiError"]
