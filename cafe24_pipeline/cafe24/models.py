"""Typed records of the Cafe24 Admin API, built from raw JSON by explicit parsers.

Field names are Cafe24's own. Money is `Decimal | None` (None = blank, never zero), datetimes are
timezone-aware (offset-less values are KST), "T"/"F" flags are bool, blank seller codes are None.
Every record keeps the raw dict in `raw` (excluded from repr and equality) for audit.

Each `from_api(raw, ...)` either returns a record or raises `MalformedRecord` naming the record's
id and the reason; `parse_records` turns a list into (records, issues) so one bad record never
stops the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from cafe24_pipeline.cafe24.errors import MalformedRecord, ResponseShapeError
from cafe24_pipeline.cafe24.parsing import (
    FieldError,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_int,
    parse_money,
    parse_money_map,
    parse_str,
    parse_str_list,
    require,
)

Raw = dict[str, Any]


def _raw_field() -> Any:
    """The untouched API dict, kept for audit; out of repr (size, secrets) and equality."""
    return field(default_factory=dict, repr=False, compare=False)


T = TypeVar("T")


def _record_dict(raw: Any, kind: str, id_key: str | None) -> Raw:
    if not isinstance(raw, dict):
        raise MalformedRecord(kind, None, f"expected a JSON object, got {type(raw).__name__}")
    return raw


def _guard(kind: str, raw: Raw, id_key: str | None, build: Callable[[], T]) -> T:
    """Run a record builder, turning any field error into MalformedRecord(kind, id, reason)."""
    try:
        return build()
    except FieldError as exc:
        raise MalformedRecord(kind, raw.get(id_key) if id_key else None, str(exc)) from None
    except MalformedRecord as exc:  # a nested record failed: report it against the parent
        if exc.kind == kind:
            raise
        raise MalformedRecord(kind, raw.get(id_key) if id_key else None, f"{exc.kind} {exc.record_id}: {exc.reason}") from None


def _req_int(raw: Raw, key: str) -> int:
    return parse_int(require(raw.get(key), key), key)  # type: ignore[return-value]


def _req_str(raw: Raw, key: str) -> str:
    return parse_str(require(raw.get(key), key), key)  # type: ignore[return-value]


# --------------------------------------------------------------------------- store structure


@dataclass(frozen=True, slots=True)
class Shop:
    """One shop (storefront) of a multi-shop mall; every list endpoint must be looped per shop."""

    shop_no: int
    shop_name: str | None
    default: bool | None
    active: bool | None
    currency_code: str | None
    language_code: str | None
    timezone: str | None
    business_country_code: str | None
    base_domain: str | None
    primary_domain: str | None
    raw: Raw = _raw_field()

    @classmethod
    def from_api(cls, raw: Any) -> "Shop":
        raw = _record_dict(raw, "shop", "shop_no")
        return _guard(
            "shop",
            raw,
            "shop_no",
            lambda: cls(
                shop_no=_req_int(raw, "shop_no"),
                shop_name=parse_str(raw.get("shop_name"), "shop_name"),
                default=parse_bool(raw.get("default"), "default"),
                active=parse_bool(raw.get("active"), "active"),
                currency_code=parse_str(raw.get("currency_code"), "currency_code"),
                language_code=parse_str(raw.get("language_code"), "language_code"),
                timezone=parse_str(raw.get("timezone"), "timezone"),
                business_country_code=parse_str(raw.get("business_country_code"), "business_country_code"),
                base_domain=parse_str(raw.get("base_domain"), "base_domain"),
                primary_domain=parse_str(raw.get("primary_domain"), "primary_domain"),
                raw=raw,
            ),
        )


def _category_path(value: Any, field_name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, list):  # tolerate a list form: index 0 is depth 1
        return {str(i + 1): v for i, v in enumerate(value)}
    if not isinstance(value, dict):
        raise FieldError(field_name, f"expected an object keyed by depth, got {type(value).__name__}")
    return value


@dataclass(frozen=True, slots=True)
class Category:
    shop_no: int
    category_no: int
    category_depth: int | None
    parent_category_no: int | None
    category_name: str | None
    root_category_no: int | None
    display_type: str | None
    use_display: bool | None
    use_main: bool | None
    display_order: int | None
    full_category_name: tuple[str, ...]
    """Names from the top level down to this category (nulls dropped)."""
    full_category_no: tuple[int, ...]
    """Category numbers from the top level down to this category."""
    raw: Raw = _raw_field()

    @classmethod
    def from_api(cls, raw: Any, *, shop_no: int | None = None) -> "Category":
        raw = _record_dict(raw, "category", "category_no")

        def build() -> "Category":
            names = _category_path(raw.get("full_category_name"), "full_category_name")
            numbers = _category_path(raw.get("full_category_no"), "full_category_no")
            depth_keys = sorted(set(names) | set(numbers), key=lambda k: int(k) if str(k).isdigit() else 99)
            path_names = tuple(n for n in (parse_str(names.get(k), f"full_category_name.{k}") for k in depth_keys) if n)
            path_nos = tuple(n for n in (parse_int(numbers.get(k), f"full_category_no.{k}") for k in depth_keys) if n)
            return cls(
                shop_no=parse_int(raw.get("shop_no"), "shop_no") or shop_no or 1,
                category_no=_req_int(raw, "category_no"),
                category_depth=parse_int(raw.get("category_depth"), "category_depth"),
                parent_category_no=parse_int(raw.get("parent_category_no"), "parent_category_no"),
                category_name=parse_str(raw.get("category_name"), "category_name"),
                root_category_no=parse_int(raw.get("root_category_no"), "root_category_no"),
                display_type=parse_str(raw.get("display_type"), "display_type"),
                use_display=parse_bool(raw.get("use_display"), "use_display"),
                use_main=parse_bool(raw.get("use_main"), "use_main"),
                display_order=parse_int(raw.get("display_order"), "display_order"),
                full_category_name=path_names,
                full_category_no=path_nos,
                raw=raw,
            )

        return _guard("category", raw, "category_no", build)


@dataclass(frozen=True, slots=True)
class Brand:
    shop_no: int
    brand_code: str
    brand_name: str | None
    use_brand: bool | None
    search_keyword: str | None
    product_count: int | None
    created_date: datetime | None
    raw: Raw = _raw_field()

    @classmethod
    def from_api(cls, raw: Any, *, shop_no: int | None = None) -> "Brand":
        raw = _record_dict(raw, "brand", "brand_code")
        return _guard(
            "brand",
            raw,
            "brand_code",
            lambda: cls(
                shop_no=parse_int(raw.get("shop_no"), "shop_no") or shop_no or 1,
                brand_code=_req_str(raw, "brand_code"),
                brand_name=parse_str(raw.get("brand_name"), "brand_name"),
                use_brand=parse_bool(raw.get("use_brand"), "use_brand"),
                search_keyword=parse_str(raw.get("search_keyword"), "search_keyword"),
                product_count=parse_int(raw.get("product_count"), "product_count"),
                created_date=parse_datetime(raw.get("created_date"), "created_date"),
                raw=raw,
            ),
        )


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True, slots=True)
class Inventory:
    """Stock settings of one variant (`GET/PUT …/inventories`, or embedded in a variant)."""

    shop_no: int
    variant_code: str
    quantity: int | None
    safety_inventory: int | None
    use_inventory: bool | None
    display_soldout: bool | None
    important_inventory: str | None
    inventory_control_type: str | None
    origin_code: str | None
    raw: Raw = _raw_field()

    @classmethod
    def from_api(cls, raw: Any, *, shop_no: int | None = None, variant_code: str | None = None) -> "Inventory":
        raw = _record_dict(raw, "inventory", "variant_code")
        return _guard(
            "inventory",
            raw,
            "variant_code",
            lambda: cls(
                shop_no=parse_int(raw.get("shop_no"), "shop_no") or shop_no or 1,
                variant_code=parse_str(raw.get("variant_code"), "variant_code")
                or parse_str(require(variant_code, "variant_code"), "variant_code"),  # type: ignore[arg-type]
                quantity=parse_int(raw.get("quantity"), "quantity"),
                safety_inventory=parse_int(raw.get("safety_inventory"), "safety_inventory"),
                use_inventory=parse_bool(raw.get("use_inventory"), "use_inventory"),
                display_soldout=parse_bool(raw.get("display_soldout"), "display_soldout"),
                important_inventory=parse_str(raw.get("important_inventory"), "important_inventory"),
                inventory_control_type=parse_str(raw.get("inventory_control_type"), "inventory_control_type"),
                origin_code=parse_str(raw.get("origin_code"), "origin_code"),
                raw=raw,
            ),
        )


@dataclass(frozen=True, slots=True)
class VariantOption:
    name: str | None
    value: str | None


def _variant_options(value: Any) -> tuple[VariantOption, ...]:
    if value is None or value == "":
        return ()
    if not isinstance(value, list):
        raise FieldError("options", f"expected a list of name/value pairs, got {type(value).__name__}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise FieldError(f"options[{i}]", "expected an object with name and value")
        out.append(
            VariantOption(
                name=parse_str(item.get("name"), f"options[{i}].name"),
                value=parse_str(item.get("value"), f"options[{i}].value"),
            )
        )
    return tuple(out)


def _embedded_inventory(value: Any, shop_no: int, variant_code: str) -> Inventory | None:
    """`inventories` is an object on variant PUTs and may be a list when embedded: take ours."""
    if value is None:
        return None
    if isinstance(value, list):
        candidates = [v for v in value if isinstance(v, dict)]
        mine = [v for v in candidates if v.get("variant_code") in (None, variant_code)]
        chosen = mine or candidates
        if not chosen:
            return None
        value = chosen[0]
    return Inventory.from_api(value, shop_no=shop_no, variant_code=variant_code)


@dataclass(frozen=True, slots=True)
class Variant:
    """One purchasable option combination of a product; `custom_variant_code` is the seller SKU."""

    shop_no: int
    product_no: int | None
    variant_code: str
    custom_variant_code: str | None
    options: tuple[VariantOption, ...]
    display: bool | None
    selling: bool | None
    additional_amount: Decimal | None
    quantity: int | None
    safety_inventory: int | None
    use_inventory: bool | None
    display_soldout: bool | None
    important_inventory: str | None
    inventory_control_type: str | None
    duplicated_custom_variant_code: bool | None
    image: str | None
    inventory: Inventory | None
    raw: Raw = _raw_field()

    @classmethod
    def from_api(cls, raw: Any, *, shop_no: int | None = None, product_no: int | None = None) -> "Variant":
        raw = _record_dict(raw, "variant", "variant_code")

        def build() -> "Variant":
            shop = parse_int(raw.get("shop_no"), "shop_no") or shop_no or 1
            code = _req_str(raw, "variant_code")
            inventory = _embedded_inventory(raw.get("inventories"), shop, code)

            def stock(key: str, parser: Callable[[Any, str], Any]) -> Any:
                direct = parser(raw.get(key), key)
                if direct is None and inventory is not None:
                    return getattr(inventory, key)
                return direct

            return cls(
                shop_no=shop,
                product_no=parse_int(raw.get("product_no"), "product_no") or product_no,
                variant_code=code,
                custom_variant_code=parse_str(raw.get("custom_variant_code"), "custom_variant_code"),
                options=_variant_options(raw.get("options")),
                display=parse_bool(raw.get("display"), "display"),
                selling=parse_bool(raw.get("selling"), "selling"),
                additional_amount=parse_money(raw.get("additional_amount"), "additional_amount"),
                quantity=stock("quantity", parse_int),
                safety_inventory=stock("safety_inventory", parse_int),
                use_inventory=stock("use_inventory", parse_bool),
                display_soldout=stock("display_soldout", parse_bool),
                important_inventory=stock("important_inventory", parse_str),
                inventory_control_type=stock("inventory_control_type", parse_str),
                duplicated_custom_variant_code=parse_bool(
                    raw.get("duplicated_custom_variant_code"), "duplicated_custom_variant_code"
                ),
                image=parse_str(raw.get("image"), "image"),
                inventory=inventory,
                raw=raw,
            )

        return _guard("variant", raw, "variant_code", build)


@dataclass(frozen=True, slots=True)
class ProductCategory:
    category_no: int
    recommend: bool | None
    new: bool | None


def _product_categories(value: Any) -> tuple[ProductCategory, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise FieldError("category", f"expected a list, got {type(value).__name__}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise FieldError(f"category[{i}]", "expected an object")
        out.append(
            ProductCategory(
                category_no=parse_int(require(item.get("category_no"), f"category[{i}].category_no"), "category_no"),  # type: ignore[arg-type]
                recommend=parse_bool(item.get("recommend"), f"category[{i}].recommend"),
                new=parse_bool(item.get("new"), f"category[{i}].new"),
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Product:
    """A product with (when embedded or fetched) its variants; stock lives on the variants."""

    shop_no: int
    product_no: int
    product_code: str | None
    custom_product_code: str | None
    product_name: str | None
    eng_product_name: str | None
    model_name: str | None
    price: Decimal | None
    price_excluding_tax: Decimal | None
    retail_price: Decimal | None
    supply_price: Decimal | None
    display: bool | None
    selling: bool | None
    sold_out: bool | None
    has_option: bool | None
    option_type: str | None
    product_condition: str | None
    brand_code: str | None
    manufacturer_code: str | None
    supplier_code: str | None
    trend_code: str | None
    classification_code: str | None
    tax_type: str | None
    tax_rate: Decimal | None
    detail_image: str | None
    list_image: str | None
    tiny_image: str | None
    small_image: str | None
    created_date: datetime | None
    updated_date: datetime | None
    categories: tuple[ProductCategory, ...]
    variants: tuple[Variant, ...]
    variants_embedded: bool
    """True when the response carried a `variants` key (embed); False means "not fetched"."""
    raw: Raw = _raw_field()

    @property
    def first_image(self) -> str | None:
        return self.detail_image or self.list_image or self.small_image or self.tiny_image

    def with_variants(self, variants: Iterable[Variant]) -> "Product":
        return replace(self, variants=tuple(variants), variants_embedded=True)

    @classmethod
    def from_api(cls, raw: Any, *, shop_no: int | None = None) -> "Product":
        raw = _record_dict(raw, "product", "product_no")

        def build() -> "Product":
            shop = parse_int(raw.get("shop_no"), "shop_no") or shop_no or 1
            product_no = _req_int(raw, "product_no")
            raw_variants = raw.get("variants")
            if raw_variants is not None and not isinstance(raw_variants, list):
                raise FieldError("variants", f"expected a list, got {type(raw_variants).__name__}")
            product_inventories = raw.get("inventories")
            variants = []
            for v in raw_variants or []:
                if (
                    isinstance(v, dict)
                    and "inventories" not in v
                    and "quantity" not in v
                    and isinstance(product_inventories, list)
                ):
                    v = {
                        **v,
                        "inventories": [
                            i
                            for i in product_inventories
                            if isinstance(i, dict) and i.get("variant_code") == v.get("variant_code")
                        ],
                    }
                variants.append(Variant.from_api(v, shop_no=shop, product_no=product_no))
            return cls(
                shop_no=shop,
                product_no=product_no,
                product_code=parse_str(raw.get("product_code"), "product_code"),
                custom_product_code=parse_str(raw.get("custom_product_code"), "custom_product_code"),
                product_name=parse_str(raw.get("product_name"), "product_name"),
                eng_product_name=parse_str(raw.get("eng_product_name"), "eng_product_name"),
                model_name=parse_str(raw.get("model_name"), "model_name"),
                price=parse_money(raw.get("price"), "price"),
                price_excluding_tax=parse_money(raw.get("price_excluding_tax"), "price_excluding_tax"),
                retail_price=parse_money(raw.get("retail_price"), "retail_price"),
                supply_price=parse_money(raw.get("supply_price"), "supply_price"),
                display=parse_bool(raw.get("display"), "display"),
                selling=parse_bool(raw.get("selling"), "selling"),
                sold_out=parse_bool(raw.get("sold_out"), "sold_out"),
                has_option=parse_bool(raw.get("has_option"), "has_option"),
                option_type=parse_str(raw.get("option_type"), "option_type"),
                product_condition=parse_str(raw.get("product_condition"), "product_condition"),
                brand_code=parse_str(raw.get("brand_code"), "brand_code"),
                manufacturer_code=parse_str(raw.get("manufacturer_code"), "manufacturer_code"),
                supplier_code=parse_str(raw.get("supplier_code"), "supplier_code"),
                trend_code=parse_str(raw.get("trend_code"), "trend_code"),
                classification_code=parse_str(raw.get("classification_code"), "classification_code"),
                tax_type=parse_str(raw.get("tax_type"), "tax_type"),
                tax_rate=parse_decimal(raw.get("tax_rate"), "tax_rate", percent=True),
                detail_image=parse_str(raw.get("detail_image"), "detail_image"),
                list_image=parse_str(raw.get("list_image"), "list_image"),
                tiny_image=parse_str(raw.get("tiny_image"), "tiny_image"),
                small_image=parse_str(raw.get("small_image"), "small_image"),
                created_date=parse_datetime(raw.get("created_date"), "created_date"),
                updated_date=parse_datetime(raw.get("updated_date"), "updated_date"),
                categories=_product_categories(raw.get("category")),
                variants=tuple(variants),
                variants_embedded=raw_variants is not None,
                raw=raw,
            )

        return _guard("product", raw, "product_no", build)


@dataclass(frozen=True, slots=True)
class DeletedProduct:
    product_no: int
    raw: Raw = _raw_field()

    @classmethod
    def from_api(cls, raw: Any) -> "DeletedProduct":
        raw = _record_dict(raw, "product", "product_no")
        return _guard("product", raw, "product_no", lambda: cls(product_no=_req_int(raw, "product_no"), raw=raw))


# --------------------------------------------------------------------------- orders


def _order_id_of_item(code: str | None) -> str | None:
    """`20170710-0000013-01` → `20170710-0000013` (an item code is the order id + `-NN`)."""
    if not code or code.count("-") < 2:
        return None
    return code.rsplit("-", 1)[0]


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One order line; the order status lives here (`order_status`, e.g. N10), not on the order."""

    shop_no: int
    order_id: str | None
    order_item_code: str
    item_no: int | None
    product_no: int | None
    product_code: str | None
    variant_code: str | None
    custom_product_code: str | None
    custom_variant_code: str | None
    product_name: str | None
    option_value: str | None
    quantity: int | None
    product_price: Decimal | None
    option_price: Decimal | None
    additional_discount_price: Decimal | None
    coupon_discount_price: Decimal | None
    payment_amount: Decimal | None
    order_status: str | None
    status_code: str | None
    status_text: str | None
    claim_code: str | None
    claim_quantity: int | None
    shipping_code: str | None
    tracking_no: str | None
    shipping_company_code: str | None
    shipping_company_name: str | None
    supplier_id: str | None
    ordered_date: datetime | None
    shipped_date: datetime | None
    delivered_date: datetime | None
    purchaseconfirmation_date: datetime | None
    cancel_date: datetime | None
    cancel_request_date: datetime | None
    return_request_date: datetime | None
    return_confirmed_date: datetime | None
    exchange_request_date: datetime | None
    refund_date: datetime | None
    raw: Raw = _raw_field()

    @classmethod
    def from_api(cls, raw: Any, *, shop_no: int | None = None, order_id: str | None = None) -> "OrderItem":
        raw = _record_dict(raw, "order item", "order_item_code")

        def dt(key: str) -> datetime | None:
            return parse_datetime(raw.get(key), key)

        def build() -> "OrderItem":
            code = _req_str(raw, "order_item_code")
            return cls(
                shop_no=parse_int(raw.get("shop_no"), "shop_no") or shop_no or 1,
                order_id=parse_str(raw.get("order_id"), "order_id") or order_id or _order_id_of_item(code),
                order_item_code=code,
                item_no=parse_int(raw.get("item_no"), "item_no"),
                product_no=parse_int(raw.get("product_no"), "product_no"),
                product_code=parse_str(raw.get("product_code"), "product_code"),
                variant_code=parse_str(raw.get("variant_code"), "variant_code"),
                custom_product_code=parse_str(raw.get("custom_product_code"), "custom_product_code"),
                custom_variant_code=parse_str(raw.get("custom_variant_code"), "custom_variant_code"),
                product_name=parse_str(raw.get("product_name"), "product_name"),
                option_value=parse_str(raw.get("option_value"), "option_value"),
                quantity=parse_int(raw.get("quantity"), "quantity"),
                product_price=parse_money(raw.get("product_price"), "product_price"),
                option_price=parse_money(raw.get("option_price"), "option_price"),
                additional_discount_price=parse_money(raw.get("additional_discount_price"), "additional_discount_price"),
                coupon_discount_price=parse_money(raw.get("coupon_discount_price"), "coupon_discount_price"),
                payment_amount=parse_money(raw.get("payment_amount"), "payment_amount"),
                order_status=parse_str(raw.get("order_status"), "order_status"),
                status_code=parse_str(raw.get("status_code"), "status_code"),
                status_text=parse_str(raw.get("status_text"), "status_text"),
                claim_code=parse_str(raw.get("claim_code"), "claim_code"),
                claim_quantity=parse_int(raw.get("claim_quantity"), "claim_quantity"),
                shipping_code=parse_str(raw.get("shipping_code"), "shipping_code"),
                tracking_no=parse_str(raw.get("tracking_no"), "tracking_no"),
                shipping_company_code=parse_str(raw.get("shipping_company_code"), "shipping_company_code"),
                shipping_company_name=parse_str(raw.get("shipping_company_name"), "shipping_company_name"),
                supplier_id=parse_str(raw.get("supplier_id"), "supplier_id"),
                ordered_date=dt("ordered_date"),
                shipped_date=dt("shipped_date"),
                delivered_date=dt("delivered_date"),
                purchaseconfirmation_date=dt("purchaseconfirmation_date"),
                cancel_date=dt("cancel_date"),
                cancel_request_date=dt("cancel_request_date"),
                return_request_date=dt("return_request_date"),
                return_confirmed_date=dt("return_confirmed_date"),
                exchange_request_date=dt("exchange_request_date"),
                refund_date=dt("refund_date"),
                raw=raw,
            )

        return _guard("order item", raw, "order_item_code", build)


@dataclass(frozen=True, slots=True)
class Receiver:
    shop_no: int | None
    name: str | None
    phone: str | None
    cellphone: str | None
    zipcode: str | None
    address1: str | None
    address2: str | None
    address_full: str | None
    country_code: str | None
    shipping_message: str | None
    shipping_code: str | None
    wished_delivery_date: date | None
    raw: Raw = _raw_field()

    @classmethod
    def from_api(cls, raw: Any) -> "Receiver":
        raw = _record_dict(raw, "receiver", "shipping_code")
        s = lambda key: parse_str(raw.get(key), key)  # noqa: E731
        return _guard(
            "receiver",
            raw,
            "shipping_code",
            lambda: cls(
                shop_no=parse_int(raw.get("shop_no"), "shop_no"),
                name=s("name"),
                phone=s("phone"),
                cellphone=s("cellphone"),
                zipcode=s("zipcode"),
                address1=s("address1"),
                address2=s("address2"),
                address_full=s("address_full"),
                country_code=s("country_code"),
                shipping_message=s("shipping_message"),
                shipping_code=s("shipping_code"),
                wished_delivery_date=parse_date(raw.get("wished_delivery_date"), "wished_delivery_date"),
                raw=raw,
            ),
        )


@dataclass(frozen=True, slots=True)
class Buyer:
    member_id: str | None
    name: str | None
    email: str | None
    phone: str | None
    cellphone: str | None
    raw: Raw = _raw_field()

    @classmethod
    def from_api(cls, raw: Any) -> "Buyer":
        raw = _record_dict(raw, "buyer", "member_id")
        s = lambda key: parse_str(raw.get(key), key)  # noqa: E731
        return _guard(
            "buyer",
            raw,
            "member_id",
            lambda: cls(
                member_id=s("member_id"), name=s("name"), email=s("email"), phone=s("phone"), cellphone=s("cellphone"), raw=raw
            ),
        )


@dataclass(frozen=True, slots=True)
class Order:
    """An order header with (when embedded) its items, receivers and buyer."""

    shop_no: int
    order_id: str
    currency: str | None
    order_date: datetime | None
    payment_date: datetime | None
    cancel_date: datetime | None
    paid: str | None
    """'T' paid, 'F' not paid, 'M' partly paid (kept as Cafe24's code: three states)."""
    canceled: str | None
    """'T' / 'F' / 'M' (partly cancelled)."""
    shipping_status: str | None
    payment_method: tuple[str, ...]
    payment_amount: Decimal | None
    initial_order_amount: dict[str, Decimal | None]
    actual_order_amount: dict[str, Decimal | None]
    member_id: str | None
    member_email: str | None
    billing_name: str | None
    order_place_id: str | None
    order_place_name: str | None
    market_id: str | None
    shipping_type: str | None
    first_order: bool | None
    items: tuple[OrderItem, ...]
    items_embedded: bool
    receivers: tuple[Receiver, ...]
    buyer: Buyer | None
    raw: Raw = _raw_field()

    @property
    def is_paid(self) -> bool:
        return self.paid == "T"

    @classmethod
    def from_api(cls, raw: Any, *, shop_no: int | None = None) -> "Order":
        raw = _record_dict(raw, "order", "order_id")

        def build() -> "Order":
            shop = parse_int(raw.get("shop_no"), "shop_no") or shop_no or 1
            order_id = _req_str(raw, "order_id")
            raw_items = raw.get("items")
            if raw_items is not None and not isinstance(raw_items, list):
                raise FieldError("items", f"expected a list, got {type(raw_items).__name__}")
            raw_receivers = raw.get("receivers") or []
            if isinstance(raw_receivers, dict):
                raw_receivers = [raw_receivers]
            buyer = raw.get("buyer")
            return cls(
                shop_no=shop,
                order_id=order_id,
                currency=parse_str(raw.get("currency"), "currency"),
                order_date=parse_datetime(raw.get("order_date"), "order_date"),
                payment_date=parse_datetime(raw.get("payment_date"), "payment_date"),
                cancel_date=parse_datetime(raw.get("cancel_date"), "cancel_date"),
                paid=parse_str(raw.get("paid"), "paid"),
                canceled=parse_str(raw.get("canceled"), "canceled"),
                shipping_status=parse_str(raw.get("shipping_status"), "shipping_status"),
                payment_method=parse_str_list(raw.get("payment_method"), "payment_method"),
                payment_amount=parse_money(raw.get("payment_amount"), "payment_amount"),
                initial_order_amount=parse_money_map(raw.get("initial_order_amount"), "initial_order_amount"),
                actual_order_amount=parse_money_map(raw.get("actual_order_amount"), "actual_order_amount"),
                member_id=parse_str(raw.get("member_id"), "member_id"),
                member_email=parse_str(raw.get("member_email"), "member_email"),
                billing_name=parse_str(raw.get("billing_name"), "billing_name"),
                order_place_id=parse_str(raw.get("order_place_id"), "order_place_id"),
                order_place_name=parse_str(raw.get("order_place_name"), "order_place_name"),
                market_id=parse_str(raw.get("market_id"), "market_id"),
                shipping_type=parse_str(raw.get("shipping_type"), "shipping_type"),
                first_order=parse_bool(raw.get("first_order"), "first_order"),
                items=tuple(OrderItem.from_api(i, shop_no=shop, order_id=order_id) for i in raw_items or []),
                items_embedded=raw_items is not None,
                receivers=tuple(Receiver.from_api(r) for r in raw_receivers),
                buyer=Buyer.from_api(buyer) if isinstance(buyer, dict) else None,
                raw=raw,
            )

        return _guard("order", raw, "order_id", build)


@dataclass(frozen=True, slots=True)
class OrderStatusUpdate:
    """Echo of `PUT /orders/{id}` or one entry of `PUT /orders` (the single form omits order_id)."""

    shop_no: int
    order_id: str | None
    process_status: str | None
    order_item_code: tuple[str, ...]
    purchase_confirmation: bool | None
    raw: Raw = _raw_field()

    @classmethod
    def from_api(cls, raw: Any, *, order_id: str | None = None) -> "OrderStatusUpdate":
        raw = _record_dict(raw, "order status update", "order_id")
        return _guard(
            "order status update",
            raw,
            "order_id",
            lambda: cls(
                shop_no=parse_int(raw.get("shop_no"), "shop_no") or 1,
                order_id=parse_str(raw.get("order_id"), "order_id") or order_id,
                process_status=parse_str(raw.get("process_status"), "process_status"),
                order_item_code=parse_str_list(raw.get("order_item_code"), "order_item_code"),
                purchase_confirmation=parse_bool(raw.get("purchase_confirmation"), "purchase_confirmation"),
                raw=raw,
            ),
        )


@dataclass(frozen=True, slots=True)
class ShipmentItem:
    order_item_code: str
    status: str | None


@dataclass(frozen=True, slots=True)
class Shipment:
    """A shipment (tracking number) of some items of an order; one order may have several."""

    shop_no: int
    shipping_code: str | None
    order_id: str | None
    status: str | None
    """standby (N21) / shipping (N30) / shipped (N40); trailing spaces trimmed."""
    status_additional_info: str | None
    tracking_no: str | None
    tracking_no_updated_date: datetime | None
    shipping_company_code: str | None
    carrier_id: int | None
    items: tuple[ShipmentItem, ...]
    raw: Raw = _raw_field()

    @property
    def order_item_codes(self) -> tuple[str, ...]:
        return tuple(i.order_item_code for i in self.items)

    @classmethod
    def from_api(cls, raw: Any, *, order_id: str | None = None, shipping_code: str | None = None) -> "Shipment":
        raw = _record_dict(raw, "shipment", "shipping_code")

        def build() -> "Shipment":
            items: list[ShipmentItem] = []
            raw_items = raw.get("items")
            if isinstance(raw_items, list):
                for i, item in enumerate(raw_items):
                    if not isinstance(item, dict):
                        raise FieldError(f"items[{i}]", "expected an object")
                    items.append(
                        ShipmentItem(
                            order_item_code=parse_str(
                                require(item.get("order_item_code"), f"items[{i}].order_item_code"), "order_item_code"
                            ),  # type: ignore[arg-type]
                            status=parse_str(item.get("status"), f"items[{i}].status"),
                        )
                    )
            status = parse_str(raw.get("status"), "status")
            for code in parse_str_list(raw.get("order_item_code"), "order_item_code"):
                items.append(ShipmentItem(order_item_code=code, status=status))
            return cls(
                shop_no=parse_int(raw.get("shop_no"), "shop_no") or 1,
                shipping_code=parse_str(raw.get("shipping_code"), "shipping_code") or shipping_code,
                order_id=parse_str(raw.get("order_id"), "order_id") or order_id,
                status=status,
                status_additional_info=parse_str(raw.get("status_additional_info"), "status_additional_info"),
                tracking_no=parse_str(raw.get("tracking_no"), "tracking_no"),
                tracking_no_updated_date=parse_datetime(raw.get("tracking_no_updated_date"), "tracking_no_updated_date"),
                shipping_company_code=parse_str(raw.get("shipping_company_code"), "shipping_company_code"),
                carrier_id=parse_int(raw.get("carrier_id"), "carrier_id"),
                items=tuple(items),
                raw=raw,
            )

        return _guard("shipment", raw, "shipping_code", build)


# --------------------------------------------------------------------------- webhooks, OAuth


@dataclass(frozen=True, slots=True)
class WebhookLog:
    log_id: str
    log_type: str | None
    event_no: int | None
    mall_id: str | None
    trace_id: str | None
    requested_time: datetime | None
    request_endpoint: str | None
    request_body: dict[str, Any] | None
    """The delivered payload, decoded from Cafe24's JSON-encoded string (None if not JSON)."""
    success: bool | None
    response_http_code: int | None
    response_body: str | None
    raw: Raw = _raw_field()

    @classmethod
    def from_api(cls, raw: Any) -> "WebhookLog":
        raw = _record_dict(raw, "webhook log", "log_id")

        def body() -> dict[str, Any] | None:
            value = raw.get("request_body")
            if isinstance(value, dict):
                return value
            if isinstance(value, str) and value.strip():
                try:
                    decoded = json.loads(value)
                except ValueError:
                    return None
                return decoded if isinstance(decoded, dict) else None
            return None

        return _guard(
            "webhook log",
            raw,
            "log_id",
            lambda: cls(
                log_id=_req_str(raw, "log_id"),
                log_type=parse_str(raw.get("log_type"), "log_type"),
                event_no=parse_int(raw.get("event_no"), "event_no"),
                mall_id=parse_str(raw.get("mall_id"), "mall_id"),
                trace_id=parse_str(raw.get("trace_id"), "trace_id"),
                requested_time=parse_datetime(raw.get("requested_time"), "requested_time"),
                request_endpoint=parse_str(raw.get("request_endpoint"), "request_endpoint"),
                request_body=body(),
                success=parse_bool(raw.get("success"), "success"),
                response_http_code=parse_int(raw.get("response_http_code"), "response_http_code"),
                response_body=raw.get("response_body") if isinstance(raw.get("response_body"), str) else None,
                raw=raw,
            ),
        )


ACCESS_TOKEN_LIFETIME = timedelta(hours=2)
REFRESH_TOKEN_LIFETIME = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """The OAuth token endpoint's answer. Tokens never appear in repr (or in `raw`, which is dropped).

    Expiry strings carry no offset and are KST. A wrong or skewed value can only *shorten*
    validity: each expiry is capped at issued_at + the documented lifetime (2 h / 14 days).
    """

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    refresh_token_expires_at: datetime
    issued_at: datetime | None
    client_id: str | None = field(repr=False)
    mall_id: str | None
    user_id: str | None
    scopes: tuple[str, ...]
    shop_no: int | None
    token_type: str | None

    @classmethod
    def from_api(cls, raw: Any) -> "TokenResponse":
        if not isinstance(raw, dict):
            raise MalformedRecord("token response", None, f"expected a JSON object, got {type(raw).__name__}")

        def build() -> "TokenResponse":
            issued = parse_datetime(raw.get("issued_at"), "issued_at")
            expires = parse_datetime(require(raw.get("expires_at"), "expires_at"), "expires_at")
            refresh_expires = parse_datetime(
                require(raw.get("refresh_token_expires_at"), "refresh_token_expires_at"), "refresh_token_expires_at"
            )
            if issued is not None:
                expires = min(expires, issued + ACCESS_TOKEN_LIFETIME)  # type: ignore[type-var]
                refresh_expires = min(refresh_expires, issued + REFRESH_TOKEN_LIFETIME)  # type: ignore[type-var]
            access = raw.get("access_token")
            refresh = raw.get("refresh_token")
            if not isinstance(access, str) or not access.strip():
                raise FieldError("access_token", "is required but missing or blank")
            if not isinstance(refresh, str) or not refresh.strip():
                raise FieldError("refresh_token", "is required but missing or blank")
            return cls(
                access_token=access.strip(),
                refresh_token=refresh.strip(),
                expires_at=expires,  # type: ignore[arg-type]
                refresh_token_expires_at=refresh_expires,  # type: ignore[arg-type]
                issued_at=issued,
                client_id=parse_str(raw.get("client_id"), "client_id"),
                mall_id=parse_str(raw.get("mall_id"), "mall_id"),
                user_id=parse_str(raw.get("user_id"), "user_id"),
                scopes=parse_str_list(raw.get("scopes"), "scopes"),
                shop_no=parse_int(raw.get("shop_no"), "shop_no"),
                token_type=parse_str(raw.get("token_type"), "token_type"),
            )

        return _guard("token response", raw, "mall_id", build)


# --------------------------------------------------------------------------- envelopes and pages


def unwrap(body: Any, key: str) -> Any:
    """The value under a response's envelope key (`products`, `product`, `count`, …)."""
    if not isinstance(body, dict) or key not in body:
        keys = sorted(body)[:5] if isinstance(body, dict) else type(body).__name__
        raise ResponseShapeError(f"expected a {key!r} key in the Cafe24 response, got {keys}")
    return body[key]


def unwrap_list(body: Any, key: str) -> list[Any]:
    """A collection envelope; a single object where a list is expected is wrapped, not rejected."""
    value = unwrap(body, key)
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise ResponseShapeError(f"expected {key!r} to be a list, got {type(value).__name__}")
    return value


def parse_count(body: Any) -> int:
    value = unwrap(body, "count")
    try:
        count = parse_int(value, "count")
    except FieldError as exc:
        raise ResponseShapeError(str(exc)) from None
    if count is None or count < 0:
        raise ResponseShapeError(f"count must be a non-negative integer, got {value!r}")
    return count


def parse_records(items: Iterable[Any], build: Callable[[Any], T]) -> tuple[list[T], list[MalformedRecord]]:
    """Parse each raw record; malformed ones are collected as issues instead of stopping the rest."""
    records: list[T] = []
    issues: list[MalformedRecord] = []
    for item in items:
        try:
            records.append(build(item))
        except MalformedRecord as exc:
            issues.append(exc)
    return records, issues


@dataclass(slots=True)
class Page:
    """One page of a streamed listing: parsed records plus reports of the records that failed."""

    shop_no: int
    records: list[Any]
    issues: list[MalformedRecord] = field(default_factory=list)

    def __iter__(self):
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


@dataclass(slots=True)
class ProductPage(Page):
    """Products with their variants attached (`Product.variants`)."""

    cursor: int | None = None
    """The highest product_no on this page: resume with since_product_no=cursor."""


@dataclass(slots=True)
class OrderPage(Page):
    """Orders (with items when embedded) from one date window."""

    window_start: date | None = None
    window_end: date | None = None
    raw: bool = False
    """True when `records` are the raw JSON objects (`iter_orders(..., parse=False)`), not `Order`s."""
