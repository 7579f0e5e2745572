"""Admin API: products, variants, inventories (scope mall.read_product / mall.write_product)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

from cafe24_sandbox import events, ids
from cafe24_sandbox.errors import ApiError, invalid, not_found
from cafe24_sandbox.flows import set_stock
from cafe24_sandbox.models import Product, Variant
from cafe24_sandbox.params import (
    csv_param,
    date_pair,
    flag_param,
    flag_value,
    int_csv_param,
    int_param,
    int_value,
    money_value,
    signed_money,
    text_value,
)
from cafe24_sandbox.routing import Ctx, Router, multi_status
from cafe24_sandbox.shapes import (
    PRODUCT_DETAIL_BASE,
    PRODUCT_LIST_BASE,
    PRODUCT_WRITE_BASE,
    inventory_record,
    product_record,
    variant_record,
    variant_write_record,
)
from cafe24_sandbox.state import MallState

router = Router()
READ, WRITE = "mall.read_product", "mall.write_product"
PRODUCT_LIMIT, PRODUCT_OFFSET = 100, 5000


# ---- listing --------------------------------------------------------------------------------------
def _product_filters(ctx: Ctx) -> tuple[list[int] | None, list[Callable[[Product], bool]]]:
    """(ascending candidate product numbers from the indexes, or None for all; remaining predicates)."""
    q, mall, shop = ctx.query, ctx.mall, ctx.shop_no
    predicates: list[Callable[[Product], bool]] = []
    candidates: set[int] | None = None

    def narrow(numbers: set[int]) -> None:
        nonlocal candidates
        candidates = numbers if candidates is None else candidates & numbers

    numbers = int_csv_param(q, "product_no")
    if numbers is not None:
        narrow(set(numbers))
    skus = csv_param(q, "custom_variant_code")
    if skus is not None:
        found: set[int] = set()
        for sku in skus:
            found |= mall.sku_products.get(sku, set())
        narrow(found)
    updated = date_pair(q, "updated_start_date", "updated_end_date")
    if updated is not None:
        narrow(set(mall.updated_index.ids(*updated)))
    created = date_pair(q, "created_start_date", "created_end_date")
    if created is not None:
        narrow(set(mall.created_index.ids(*created)))
    codes = csv_param(q, "product_code")
    if codes:
        predicates.append(lambda p: any(code in p.product_code for code in codes))
    custom_codes = csv_param(q, "custom_product_code")
    if custom_codes:
        predicates.append(lambda p: any(code in p.custom_product_code for code in custom_codes))
    name = q.get("product_name")
    if name:
        needles = [n.lower() for n in name.split(",") if n]
        predicates.append(lambda p: any(n in p.view(shop, "product_name").lower() for n in needles))
    brands = csv_param(q, "brand_code")
    if brands:
        brand_set = set(brands)
        predicates.append(lambda p: p.brand_code in brand_set)
    for flag in ("display", "selling"):
        value = flag_param(q, flag)
        if value:

            def flag_is(p: Product, f: str = flag, v: str = value) -> bool:
                return p.view(shop, f) == v

            predicates.append(flag_is)
    has_option = flag_param(q, "has_option")
    if has_option:
        predicates.append(lambda p: p.has_option == has_option)
    category = q.get("category")
    if category:
        category_no = int_value("category", category)
        wanted = {category_no}
        if q.get("include_sub_category") == "T":
            wanted |= {c.category_no for c in mall.categories.values() if category_no in c.path_nos}
        predicates.append(lambda p: any(no in wanted for no in p.category_nos))
    price_min, price_max = q.get("price_min"), q.get("price_max")
    if price_min:
        low = money_value("price_min", price_min)
        predicates.append(lambda p: p.view(shop, "price") >= low)
    if price_max:
        high = money_value("price_max", price_max)
        predicates.append(lambda p: p.view(shop, "price") <= high)
    return (None if candidates is None else sorted(candidates)), predicates


def _matching(ctx: Ctx) -> tuple[Iterator[Product], bool]:
    """Products matching the filters, in the requested order; second value: True when `offset` (or the
    `since_product_no` cursor) has already been applied."""
    q, mall = ctx.query, ctx.mall
    since = q.get("since_product_no")
    sort, order = q.get("sort"), q.get("order")
    candidates, predicates = _product_filters(ctx)
    if since not in (None, ""):
        for clash in ("sort", "order", "offset"):
            if q.get(clash) not in (None, ""):
                raise invalid("since_product_no", f"since_product_no cannot be used with {clash}.")
        if q.get("product_no"):
            raise invalid("since_product_no", "since_product_no cannot be used with product_no.")
        cursor = int_value("since_product_no", since, minimum=0)
        if candidates is None:
            numbers: Iterator[int] = mall.product_nos.after(cursor)
        else:
            numbers = (n for n in candidates if n > cursor)
        return _apply(mall, numbers, predicates), True
    if sort not in (None, "", "created_date", "updated_date", "product_name", "product_no"):
        raise invalid("sort", "sort must be created_date, updated_date or product_name.")
    if order not in (None, "", "asc", "desc"):
        raise invalid("order", "order must be asc or desc.")
    if sort:
        descending = order == "desc"
    else:
        descending = (order or ctx.server.config.product_default_order) == "desc"
    if sort in ("created_date", "updated_date", "product_name"):
        pool = [
            mall.products[n] for n in (candidates if candidates is not None else mall.product_nos.values) if n in mall.products
        ]
        key: Callable[[Product], Any] = {
            "created_date": lambda p: (p.created_ts, p.product_no),
            "updated_date": lambda p: (p.updated_ts, p.product_no),
            "product_name": lambda p: (p.view(ctx.shop_no, "product_name"), p.product_no),
        }[sort]
        if sort == "updated_date" and candidates is None and not predicates:
            index_order = mall.updated_index.ids(0, 2**38, descending=descending)
            return (mall.products[n] for n in index_order), False
        pool.sort(key=key, reverse=descending)
        return (p for p in pool if all(pred(p) for pred in predicates)), False
    if candidates is None and not predicates:  # plain listing: the offset is a position in the sorted list
        skip = int_param(q, "offset", 0, minimum=0, maximum=PRODUCT_OFFSET)
        numbers = mall.product_nos.descending(skip) if descending else mall.product_nos.ascending(skip)
        return _apply(mall, numbers, predicates), True
    if candidates is None:
        numbers = mall.product_nos.descending() if descending else mall.product_nos.ascending()
    else:
        numbers = iter(reversed(candidates) if descending else candidates)
    return _apply(mall, numbers, predicates), False


def _apply(mall: MallState, numbers: Iterator[int], predicates: list[Callable[[Product], bool]]) -> Iterator[Product]:
    for number in numbers:
        product = mall.products.get(number)
        if product is not None and all(pred(product) for pred in predicates):
            yield product


def _embed(ctx: Ctx) -> set[str]:
    return set(csv_param(ctx.query, "embed") or [])


def _with_embeds(ctx: Ctx, product: Product, record: dict[str, Any], embed: set[str]) -> dict[str, Any]:
    if "variants" in embed:
        cap = ctx.server.config.embed_variant_cap
        variants = []
        for variant in product.variants[:cap]:
            row = variant_record(variant, ctx.shop_no, ctx.mall)
            if "inventories" in embed:
                row["inventories"] = [inventory_record(variant, ctx.shop_no)]
            variants.append(row)
        record["variants"] = variants
    elif "inventories" in embed:
        record["inventories"] = [
            inventory_record(v, ctx.shop_no) for v in product.variants[: ctx.server.config.embed_variant_cap]
        ]
    return record


def _restrict(record: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    if not fields:
        return record
    keep = set(fields) | {"variants", "inventories"}
    return {k: v for k, v in record.items() if k in keep}


@router.add("GET", "products", READ)
async def list_products(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    limit = int_param(ctx.query, "limit", 10, minimum=1, maximum=PRODUCT_LIMIT)
    offset = int_param(ctx.query, "offset", 0, minimum=0, maximum=PRODUCT_OFFSET)
    products, offset_applied = _matching(ctx)
    embed, fields = _embed(ctx), csv_param(ctx.query, "fields")
    skip = 0 if offset_applied else offset
    page = itertools.islice(products, skip, skip + limit)
    return 200, {
        "products": [
            _restrict(_with_embeds(ctx, p, product_record(p, ctx.shop_no, PRODUCT_LIST_BASE, ctx.mall), embed), fields)
            for p in page
        ]
    }


@router.add("GET", "products/count", READ)
async def count_products(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    candidates, predicates = _product_filters(ctx)
    mall = ctx.mall
    if candidates is None and not predicates:
        return 200, {"count": len(mall.products)}
    numbers = iter(candidates if candidates is not None else mall.product_nos.values)
    return 200, {"count": sum(1 for _ in _apply(mall, numbers, predicates))}


def _product(ctx: Ctx) -> Product:
    product = ctx.mall.products.get(ctx.params["product_no"])
    if product is None:
        raise not_found("product")
    return product


@router.add("GET", "products/{product_no:int}", READ)
async def get_product(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    product = _product(ctx)
    record = product_record(product, ctx.shop_no, PRODUCT_DETAIL_BASE, ctx.mall)
    return 200, {"product": _restrict(_with_embeds(ctx, product, record, _embed(ctx)), csv_param(ctx.query, "fields"))}


# ---- product writes -------------------------------------------------------------------------------
_TEXT_FIELDS = {
    "product_name": 250,
    "eng_product_name": 250,
    "model_name": 100,
    "custom_product_code": 40,
    "summary_description": 255,
    "description": 5_000_000,
}
_FLAG_FIELDS = {"display": ("T", "F"), "selling": ("T", "F"), "product_condition": ("N", "B", "R", "U", "E", "F", "S")}
_MONEY_FIELDS = ("price", "retail_price", "supply_price")
SHOP_FIELDS = frozenset({"product_name", "price", "retail_price", "display", "selling"})


def apply_product_changes(mall: MallState, product: Product, request: dict[str, Any], shop_no: int = 1) -> tuple[bool, bool]:
    """Validate then apply; returns (recognised_any, changed_any). Validation happens before any change."""
    changes: dict[str, Any] = {}
    for name, limit in _TEXT_FIELDS.items():
        if name in request:
            changes[name] = text_value(name, request[name], max_length=limit)
    if "product_name" in changes and not changes["product_name"].strip():
        raise invalid("product_name", "product_name must not be empty.")
    for name, allowed in _FLAG_FIELDS.items():
        if name in request:
            changes[name] = flag_value(name, request[name], allowed)
    for name in _MONEY_FIELDS:
        if name in request:
            changes[name] = money_value(name, request[name])
    if "product_weight" in request:
        changes["product_weight"] = (
            f"{float(int_value('product_weight', str(request['product_weight']).split('.')[0], minimum=0)):.2f}"
        )
    if "brand_code" in request:
        code = request["brand_code"]
        if code not in mall.brands:
            raise invalid("brand_code", "brand_code does not exist.")
        changes["brand_code"] = code
    categories = list(product.category_nos)
    touched_categories = False
    for key, adding in (("add_category_no", True), ("delete_category_no", False)):
        if key in request:
            touched_categories = True
            entries = request[key] if isinstance(request[key], list) else [request[key]]
            for entry in entries:
                number = int_value(key, entry.get("category_no") if isinstance(entry, dict) else entry)
                if number not in mall.categories:
                    raise invalid(key, "category_no does not exist.")
                if adding and number not in categories:
                    categories.append(number)
                if not adding and number in categories:
                    categories.remove(number)
    recognised = bool(changes) or touched_categories
    changed = any(product.view(shop_no, k) != v for k, v in changes.items()) or categories != product.category_nos
    if changed:
        if shop_no != 1:  # name, prices and display are per shop; the rest is shared
            values = (product.shop_values or {}).get(shop_no, {})
            for key in [k for k in changes if k in SHOP_FIELDS]:
                values[key] = changes.pop(key)
            product.shop_values = {**(product.shop_values or {}), shop_no: values}
        for key, value in changes.items():
            if key == "brand_code" and value != product.brand_code:
                old, new = mall.brands.get(product.brand_code), mall.brands[value]
                if old:
                    old.product_count = max(0, old.product_count - 1)
                new.product_count += 1
            setattr(product, key, value)
        product.category_nos = categories
        mall.touch_product(product)
    return recognised, changed


@router.add("PUT", "products/{product_no:int}", WRITE)
async def update_product(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    product = _product(ctx)
    request = ctx.request_object()
    with ctx.mall.lock:
        recognised, changed = apply_product_changes(ctx.mall, product, request, ctx.shop_no)
    if recognised and not changed:
        raise ApiError(409, "The requested content is identical to the existing content.", {})
    if changed:
        ctx.server.emit(ctx.mall.mall_id, events.PRODUCT_UPDATED, events.product_payload(product, ctx.shop_no), ctx.shop_no)
    return 200, {"product": product_record(product, ctx.shop_no, PRODUCT_WRITE_BASE, ctx.mall)}


def _option_axes(request: dict[str, Any]) -> list[tuple[str, list[str]]]:
    options = request.get("options")
    if options in (None, []):
        return []
    if not isinstance(options, list):
        raise invalid("options", "options must be a list.")
    axes = []
    for entry in options:
        if not isinstance(entry, dict):
            raise invalid("options", "options entries must be objects.")
        name = entry.get("name") or entry.get("option_name")
        values = entry.get("value") or entry.get("option_value")
        if isinstance(values, list):
            values = [v.get("option_text") if isinstance(v, dict) else v for v in values]
        if (
            not isinstance(name, str)
            or not name
            or not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) and v for v in values)
        ):
            raise invalid("options", "each option needs a name and a list of values.")
        axes.append((name, values))
    return axes


def create_product(mall: MallState, request: dict[str, Any], now: float) -> Product:
    """Shared by POST /products and the control API: validate everything, then add.

    `has_option` defaults to F. `options` with `has_option` left out means T; `has_option: "T"` without
    options, or `"F"` with options, is a contradiction and gives 422 ([L]: Cafe24's text is silent)."""
    if not isinstance(request.get("product_name"), str) or not request["product_name"].strip():
        raise invalid("product_name", "product_name is required.")
    for required in ("price", "supply_price"):
        if required not in request:
            raise invalid(required, f"{required} is required.")
    axes = _option_axes(request)
    has_option = request.get("has_option")
    if has_option is not None:
        flag_value("has_option", has_option)
        if has_option == "T" and not axes:
            raise invalid("options", "options are required when has_option is T.")
        if has_option == "F" and axes:
            raise invalid("has_option", "has_option must be T when options are given.")
    combos: list[list[tuple[str, str]]] = [[]]
    for name, values in axes:
        combos = [c + [(name, v)] for c in combos for v in values]
    if len(combos) > 1000:
        raise invalid("options", "a product can have at most 1,000 variants.")
    brand = request.get("brand_code", "B0000000")
    if brand not in mall.brands:
        raise invalid("brand_code", "brand_code does not exist.")
    categories = []
    for entry in request.get("add_category_no") or []:
        number = int_value("add_category_no", entry.get("category_no") if isinstance(entry, dict) else entry)
        if number not in mall.categories:
            raise invalid("add_category_no", "category_no does not exist.")
        categories.append(number)
    price = money_value("price", request["price"])
    supply = money_value("supply_price", request["supply_price"])
    retail = money_value("retail_price", request.get("retail_price", 0))
    display = flag_value("display", request.get("display", "F"))
    selling = flag_value("selling", request.get("selling", "F"))
    custom = text_value("custom_product_code", request.get("custom_product_code", ""), max_length=40)
    number = mall.new_product_no()
    code = ids.product_code(number)
    image = request.get("detail_image")
    product = Product(
        product_no=number,
        product_code=code,
        product_name=request["product_name"].strip(),
        eng_product_name=str(request.get("eng_product_name") or ""),
        custom_product_code=custom,
        model_name=str(request.get("model_name") or ""),
        price=price,
        retail_price=retail,
        supply_price=supply,
        brand_code=brand,
        category_nos=categories,
        created_ts=now,
        updated_ts=now,
        image_path=f"{ids.kst_day(now)[:6]}/{number}_shop1_000000.jpg" if image else None,
        display=display,
        selling=selling,
        summary_description=str(request.get("summary_description") or ""),
        description=str(request.get("description") or ""),
    )
    if axes:
        product.has_option, product.option_type = "T", "C"
        product.option_names = tuple(name for name, _ in axes)
        for index, combo in enumerate(combos, start=10):
            product.variants.append(
                Variant(
                    variant_code=ids.variant_code(code, index), product_no=number, options=tuple(combo), custom_variant_code=""
                )
            )
        product.next_variant_index = 10 + len(combos)
    else:
        product.variants.append(
            Variant(variant_code=ids.variant_code(code, 10), product_no=number, options=(), custom_variant_code="")
        )
        product.next_variant_index = 11
    mall.add_product(product)
    return product


@router.add("POST", "products", WRITE)
async def post_product(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    product = create_product(ctx.mall, ctx.request_object(), ctx.server.clock.ts())
    ctx.server.emit(ctx.mall.mall_id, events.PRODUCT_CREATED, events.product_payload(product, ctx.shop_no), ctx.shop_no)
    return 201, {"product": product_record(product, ctx.shop_no, PRODUCT_WRITE_BASE, ctx.mall)}


@router.add("DELETE", "products/{product_no:int}", WRITE)
async def delete_product(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    product = _product(ctx)
    ctx.mall.delete_product(product.product_no)
    ctx.server.emit(ctx.mall.mall_id, events.PRODUCT_DELETED, events.product_payload(product, ctx.shop_no), ctx.shop_no)
    return 200, {"product": {"product_no": product.product_no}}


# ---- variants -------------------------------------------------------------------------------------
_VARIANT_CODE = re.compile(r"[A-Z0-9]{12}")


def _variant(ctx: Ctx, product: Product, code: str | None = None) -> Variant:
    code = code or ctx.params["variant_code"]
    if not _VARIANT_CODE.fullmatch(code):
        raise invalid("variant_code", "variant_code must be 12 characters [A-Z0-9].")
    for variant in product.variants:
        if variant.variant_code == code:
            return variant
    raise not_found("variant")


@router.add("GET", "products/{product_no:int}/variants", READ)
async def list_variants(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    product = _product(ctx)
    embed = _embed(ctx)
    rows = []
    for variant in product.variants:
        row = variant_record(variant, ctx.shop_no, ctx.mall)
        if "inventories" in embed:
            row["inventories"] = [inventory_record(variant, ctx.shop_no)]
        rows.append(row)
    return 200, {"variants": rows}


@router.add("GET", "products/{product_no:int}/variants/{variant_code}", READ)
async def get_variant(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    variant = _variant(ctx, _product(ctx))
    return 200, {"variant": variant_record(variant, ctx.shop_no, ctx.mall)}


_VARIANT_FLAGS = {
    "display": ("T", "F"),
    "selling": ("T", "F"),
    "use_inventory": ("T", "F"),
    "important_inventory": ("A", "B"),
    "inventory_control_type": ("A", "B"),
    "display_soldout": ("T", "F"),
}
_INVENTORY_FIELDS = (
    "use_inventory",
    "important_inventory",
    "inventory_control_type",
    "display_soldout",
    "quantity",
    "safety_inventory",
)


def variant_changes(request: dict[str, Any], allowed: tuple[str, ...] | None = None) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, values in _VARIANT_FLAGS.items():
        if name in request and (allowed is None or name in allowed):
            changes[name] = flag_value(name, request[name], values)
    if "quantity" in request:
        changes["quantity"] = int_value("quantity", request["quantity"], minimum=-999999, maximum=999999)
    if "safety_inventory" in request:
        changes["safety_inventory"] = int_value("safety_inventory", request["safety_inventory"], minimum=0, maximum=999999)
    if allowed is None:
        if "custom_variant_code" in request:
            changes["custom_variant_code"] = text_value("custom_variant_code", request["custom_variant_code"], max_length=40)
        if "additional_amount" in request:
            changes["additional_amount"] = signed_money("additional_amount", request["additional_amount"])
    return changes


def apply_variant_changes(ctx_mall: MallState, server: Any, product: Product, variant: Variant, changes: dict[str, Any]) -> bool:
    """Apply validated changes; bump the product's updated_date; emit the stock webhook on crossing 0.
    The caller emits 90002 (product updated) once per request."""
    changed = {k: v for k, v in changes.items() if getattr(variant, k) != v}
    if not changed:
        return False
    with ctx_mall.lock:
        for key, value in changed.items():
            if key == "custom_variant_code":
                ctx_mall.set_custom_variant_code(variant, value)
            elif key != "quantity":
                setattr(variant, key, value)
        if "quantity" in changed:
            set_stock(ctx_mall, server, product, variant, changed["quantity"])
        ctx_mall.touch_product(product)
    return True


def _product_updated(ctx: Ctx, product: Product) -> None:
    ctx.server.emit(ctx.mall.mall_id, events.PRODUCT_UPDATED, events.product_payload(product, ctx.shop_no), ctx.shop_no)


@router.add("PUT", "products/{product_no:int}/variants/{variant_code}", WRITE)
async def update_variant(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    product = _product(ctx)
    variant = _variant(ctx, product)
    changes = variant_changes(ctx.request_object())
    if changes:
        if not apply_variant_changes(ctx.mall, ctx.server, product, variant, changes):
            raise ApiError(409, "The requested content is identical to the existing content.", {})
        _product_updated(ctx, product)
    return 200, {"variant": variant_write_record(variant, ctx.shop_no, ctx.mall)}


@router.add("PUT", "products/{product_no:int}/variants", WRITE)
async def bulk_update_variants(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    """Up to 100 variants; each object gets its own outcome, 207 when the outcomes differ.

    Each entry takes the documented flat fields (`quantity`, `use_inventory`, ... beside `variant_code`);
    a nested `inventories` object is not a documented request field, so it is ignored like any unknown key."""
    product = _product(ctx)
    requests = ctx.request_list(100)
    results: list[tuple[int, dict[str, Any]]] = []
    changed_any = False
    for entry in requests:
        code = entry.get("variant_code")
        try:
            if not isinstance(code, str) or not code:
                raise invalid("variant_code", "variant_code is required.")
            variant = _variant(ctx, product, code)
            changes = variant_changes(entry)
            if changes:
                if not apply_variant_changes(ctx.mall, ctx.server, product, variant, changes):
                    raise ApiError(409, "The requested content is identical to the existing content.", {})
                changed_any = True
            results.append((200, variant_write_record(variant, ctx.shop_no, ctx.mall)))
        except ApiError as error:
            results.append((error.status, {"variant_code": code, "error": {"code": error.status, "message": error.message}}))
    if changed_any:
        _product_updated(ctx, product)
    return multi_status(results, "variants")


@router.add("DELETE", "products/{product_no:int}/variants/{variant_code}", WRITE)
async def delete_variant(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    product = _product(ctx)
    variant = _variant(ctx, product)
    if len(product.variants) == 1:
        raise invalid("variant_code", "A product must keep at least one variant.")
    ctx.mall.delete_variant(product, variant)
    ctx.mall.touch_product(product)
    _product_updated(ctx, product)
    return 200, {"variant": {"shop_no": ctx.shop_no, "product_no": product.product_no, "variant_code": variant.variant_code}}


# ---- inventories ----------------------------------------------------------------------------------
@router.add("GET", "products/{product_no:int}/variants/{variant_code}/inventories", READ)
async def get_inventory(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    variant = _variant(ctx, _product(ctx))
    return 200, {"inventory": inventory_record(variant, ctx.shop_no)}


@router.add("PUT", "products/{product_no:int}/variants/{variant_code}/inventories", WRITE)
async def update_inventory(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    product = _product(ctx)
    variant = _variant(ctx, product)
    changes = variant_changes(ctx.request_object(), allowed=_INVENTORY_FIELDS)
    if changes:
        if not apply_variant_changes(ctx.mall, ctx.server, product, variant, changes):
            raise ApiError(409, "The requested content is identical to the existing content.", {})
        _product_updated(ctx, product)
    return 200, {"inventory": inventory_record(variant, ctx.shop_no)}
