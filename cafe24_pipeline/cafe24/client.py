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

from cafe24_pipeline.cafe24.clock import Clock
from cafe24_pipeline.cafe24.errors import Cafe24ApiError, Cafe24Error, MalformedRecord, ResponseShapeError
from cafe24_pipeline.cafe24.governor import GovernorConfig, RateGovernor
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
from cafe24_pipeline.cafe24.paging import batches, date_windows, split_window
from cafe24_pipeline.cafe24.parsing import format_kst_date, format_kst_datetime, parse_int
from cafe24_pipeline.cafe24.transport import (
    DEFAULT_TIMEOUT,
    AccessTokenProvider,
    ApiResponse,
    Cafe24Transport,
    StaticTokenProvider,
)
from cafe24_pipeline.settings import Settings

log = logging.getLogger(__name__)

PRODUCT_PAGE_SIZE = 100
PRODUCT_OFFSET_CAP = 5_000
EMBED_VARIANT_LIMIT = 100
ORDER_PAGE_SIZE = 1_000
ORDER_OFFSET_CAP = 15_000
ORDER_WINDOW_DAYS = 30
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
    """Typed access to one mall. Use as a context manager (closes the HTTP connection pool)."""

    def __init__(
        self,
        mall_id: str,
        *,
        settings: Settings,
        tokens: AccessTokenProvider | None = None,
        token_store: Any = None,
        access_token: str | None = None,
        governor: RateGovernor | None = None,
        governor_config: GovernorConfig | None = None,
        http: httpx.Client | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_retries: int = 5,
        total_timeout: float = 900.0,
        clock: Clock | None = None,
        order_window_days: int = ORDER_WINDOW_DAYS,
        retry_initial: float = 0.5,
    ) -> None:
        if tokens is None and token_store is not None:
            from cafe24_pipeline.cafe24.auth import OAuthClient
            from cafe24_pipeline.cafe24.tokens import TokenManager

            tokens = TokenManager(mall_id, token_store, OAuthClient(settings, http=http))
        if tokens is None:
            if access_token is None:
                raise ValueError("Cafe24Client needs `tokens` (a TokenManager), a `token_store` or an `access_token`")
            tokens = StaticTokenProvider(access_token)
        self.mall_id = mall_id
        self.settings = settings
        self.transport = Cafe24Transport(
            mall_id,
            settings=settings,
            tokens=tokens,
            governor=governor,
            governor_config=governor_config,
            http=http,
            timeout=timeout,
            max_retries=max_retries,
            total_timeout=total_timeout,
            clock=clock,
            retry_initial=retry_initial,
        )
        self.order_window_days = order_window_days
        self._shops: list[Shop] | None = None

    def __repr__(self) -> str:
        return f"Cafe24Client(mall_id={self.mall_id!r})"

    def __enter__(self) -> "Cafe24Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    @property
    def stats(self):
        """Calls, retries, 429s and seconds waited by this client (see CallStats)."""
        return self.transport.stats

    @property
    def governor(self) -> RateGovernor:
        return self.transport.governor

    # ------------------------------------------------------------------ low level
    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.transport.request("GET", path, params=params).body

    def _write(self, method: str, path: str, body: Any, *, accept: tuple[int, ...] = (409,)) -> ApiResponse:
        return self.transport.request(method, path, json=body, accept=accept)

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
        nos = [s.shop_no for s in self._shops or [] if s.active is not False]
        return nos or [1]

    # ------------------------------------------------------------------ categories, brands
    def _iter_offset_pages(self, path: str, key: str, shop_no: int, build: Callable[[Any], Any],
                           params: Mapping[str, Any] | None = None) -> Iterator[Page]:
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
        return self._iter_offset_pages(
            "/categories", "categories", shop_no, lambda r: Category.from_api(r, shop_no=shop_no)
        )

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
    ) -> Iterator[ProductPage]:
        """Pages of products with variants attached, by `since_product_no` (never by offset).

        `product_nos` fetches exactly those products (100 per call) instead of scanning.
        `since_product_no` resumes a scan after a given product number.
        """
        if not 1 <= page_size <= PRODUCT_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{PRODUCT_PAGE_SIZE}")
        filters = self._product_filters(updated_start, updated_end)
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
    ) -> Iterator[OrderPage]:
        """Pages of orders whose `date_type` falls in [start_date, end_date] (KST days, inclusive)."""
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
            yield from self._order_window_pages(shop_no, window, count, date_type, embed, order_status, page_size)

    def _order_window_pages(self, shop_no, window, count, date_type, embed, order_status, page_size) -> Iterator[OrderPage]:
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
            records, issues = parse_records(raw, lambda r: Order.from_api(r, shop_no=shop_no))
            yield OrderPage(shop_no=shop_no, records=records, issues=issues, window_start=window[0], window_end=window[1])
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

    # ------------------------------------------------------------------ writes
    def create_product(self, shop_no: int, **fields: Any) -> Product:
        response = self._write("POST", "/products", {"shop_no": shop_no, "request": _jsonable(fields)}, accept=())
        return self._with_all_variants(Product.from_api(unwrap(response.body, "product"), shop_no=shop_no))

    def update_product(self, shop_no: int, product_no: int, **fields: Any) -> WriteResult:
        """`PUT /products/{no}`: display/selling ("T"/"F" or bool), price, retail_price, … ; 409 = unchanged."""
        response = self._write(
            "PUT", f"/products/{int(product_no)}", {"shop_no": shop_no, "request": _jsonable(fields)}
        )
        if response.status == 409:
            return WriteResult(status=409, unchanged=True)
        product = Product.from_api(unwrap(response.body, "product"), shop_no=shop_no)
        return WriteResult(status=response.status, records=[product])

    def delete_product(self, shop_no: int, product_no: int) -> DeletedProduct:
        response = self.transport.request("DELETE", f"/products/{int(product_no)}", params={"shop_no": shop_no})
        if response.body is None:
            return DeletedProduct(product_no=int(product_no))
        return DeletedProduct.from_api(unwrap(response.body, "product"))

    def update_variants(self, shop_no: int, product_no: int, variants: Sequence[Mapping[str, Any]]) -> WriteResult:
        """Bulk `PUT /products/{no}/variants` (≤100 per call, batched); 207 per item, 409 unchanged."""
        for v in variants:
            if not v.get("variant_code"):
                raise ValueError("every variant update needs a variant_code")
        combined = WriteResult(status=200, unchanged=True)
        for batch in batches(list(variants), BATCH_LIMIT):
            try:
                response = self._write(
                    "PUT", f"/products/{int(product_no)}/variants",
                    {"shop_no": shop_no, "requests": [_jsonable(v) for v in batch]},
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
        response = self._write("PUT", f"/orders/{order_id}", {"shop_no": shop_no, "request": request})
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
        response = self._write("POST", f"/orders/{order_id}/shipments", {"shop_no": shop_no, "request": request}, accept=())
        return [Shipment.from_api(r, order_id=order_id) for r in unwrap_list(response.body, "shipments")]

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
            "PUT", f"/orders/{order_id}/shipments/{shipping_code}", {"shop_no": shop_no, "request": request}
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
        error = item.get("error") if isinstance(item.get("error"), dict) else item
        code = error.get("code", item.get("status"))
        if str(code) == "409":
            continue
        failures.append({id_key: item.get(id_key), "status": code, "message": str(error.get("message") or "failed")})
    return ok, failures


__all__ = ["Cafe24Client", "WriteResult", "Cafe24ApiError"]
