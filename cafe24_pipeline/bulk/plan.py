"""Turn validated rows into one plan per Cafe24 product: what to create, what to update, what is already right.

A plan exists only for a product every row of which is valid (validation.py rejects the rest whole), so applying
plans can never half-list a group.

Prices. Cafe24 has one price per product and an `additional_amount` per variant (variant price = price +
additional_amount, negative allowed). For a new group the product price is the group's lowest selling price, so
every additional_amount is ≥ 0 and the shop's "from" price is the cheapest option, whatever the row order
(Korean marketplaces that mirror Cafe24, e.g. Naver, restrict negative option prices). For an update of a listed
group the product price moves only when the file covers every variant of the product (then the same lowest-price
rule); otherwise it stays, so variants missing from the file keep what buyers pay, and the file's variants get
additional_amount = selling price − current product price (possibly negative).

Blank cells: on a new product they take the documented defaults (supply price 0, stock 0, display and selling F,
Cafe24's own default, so nothing goes on sale by accident); on a listed product they mean "leave as it is".
The image URL is used on create only (Cafe24 stores its own copy, so there is nothing to compare it with later).
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from cafe24_pipeline.bulk.columns import DEFAULT_LIMITS, OPTION_KEYS, Limits
from cafe24_pipeline.bulk.errors import BulkFileError
from cafe24_pipeline.bulk.existing import ExistingListing
from cafe24_pipeline.bulk.reader import ProgressCallback, open_products_sheet
from cafe24_pipeline.bulk.validation import ValidatedRows, validate_rows

ProductKind = Literal["single", "group"]
Action = Literal["create", "update", "unchanged"]
RowStatus = Literal["valid", "error"]
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class OptionAxis:
    """One option of a group as POST /products wants it: {"name": ..., "value": [...]}."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """One Cafe24 field an update changes; `current` None means Cafe24's value is unknown to the caller."""

    field: str
    current: Any
    new: Any


@dataclass(frozen=True, slots=True)
class VariantPlan:
    row_number: int
    sku: str
    options: tuple[tuple[str, str], ...]
    """(option name, value) in axis order; () for a single product's default variant."""
    selling_price: Decimal | None
    """What a buyer pays; None on an update whose row left the price blank."""
    additional_amount: Decimal | None
    """selling_price − the product's price; None when unchanged and blank."""
    stock: int | None
    display: bool | None
    selling: bool | None
    action: Action
    variant_code: str | None = None
    """Known for updates (from ExistingListing); for creates, Cafe24 assigns it."""
    changes: tuple[Change, ...] = ()

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(value for _, value in self.options)


@dataclass(frozen=True, slots=True)
class ProductPlan:
    key: str
    """custom_product_code: the parent SKU of a group, the SKU of a single."""
    kind: ProductKind
    action: Action
    row_numbers: tuple[int, ...]
    product_name: str | None
    price: Decimal | None
    """The product's price (a group's base price); None on an update that leaves it."""
    retail_price: Decimal | None
    supply_price: Decimal | None
    display: bool | None
    selling: bool | None
    brand_code: str | None
    category_no: int | None
    image_url: str | None
    option_axes: tuple[OptionAxis, ...]
    variants: tuple[VariantPlan, ...]
    unlisted_combinations: tuple[tuple[str, ...], ...] = ()
    """Option-value combinations Cafe24 will create for a new group (it creates every combination of the axes)
    that the file does not list: to be hidden (display F, selling F, stock 0) or deleted after the create."""
    product_no: int | None = None
    changes: tuple[Change, ...] = ()
    """Product-level changes of an update (PUT /products/{product_no})."""

    def create_request(self) -> dict[str, Any]:
        """The `request` object of POST /products for a plan with action "create"."""
        if self.action != "create":
            raise ValueError(f"product {self.key} is not to be created (action {self.action})")
        request: dict[str, Any] = {
            "product_name": self.product_name,
            "price": _won(self.price),
            "supply_price": _won(self.supply_price if self.supply_price is not None else ZERO),
            "display": _flag(bool(self.display)),
            "selling": _flag(bool(self.selling)),
            "custom_product_code": self.key,
        }
        if self.retail_price is not None:
            request["retail_price"] = _won(self.retail_price)
        if self.brand_code is not None:
            request["brand_code"] = self.brand_code
        if self.category_no is not None:
            request["add_category_no"] = [{"category_no": self.category_no}]
        if self.image_url is not None:
            request["image_upload_type"] = "A"
            request["detail_image"] = self.image_url
        if self.kind == "group":
            request["has_option"] = "T"
            request["option_type"] = "T"
            request["options"] = [{"name": axis.name, "value": list(axis.values)} for axis in self.option_axes]
        return request

    def created_variant_requests(self, variant_codes: Mapping[tuple[str, ...], str]) -> list[dict[str, Any]]:
        """Entries for PUT /products/{no}/variants after the create (chunk them by 100).

        `variant_codes` maps each option-value tuple (axis order; () for a single) to the variant_code Cafe24
        gave it. Listed variants get their SKU, additional amount, stock and flags; unlisted combinations are
        hidden and not for sale with stock 0.
        """
        entries = []
        for variant in self.variants:
            code = variant_codes.get(variant.option_values)
            if code is None:
                raise KeyError(f"no Cafe24 variant for options {variant.option_values!r} of product {self.key}")
            entry: dict[str, Any] = {
                "variant_code": code,
                "quantity": variant.stock or 0,
                "use_inventory": "T",
                "display_soldout": "T",
            }
            if self.kind == "group":
                entry.update(
                    custom_variant_code=variant.sku,
                    additional_amount=_won(variant.additional_amount or ZERO),
                    display=_flag(bool(variant.display)),
                    selling=_flag(bool(variant.selling)),
                )
            entries.append(entry)
        for combination in self.unlisted_combinations:
            code = variant_codes.get(combination)
            if code is not None:
                entries.append(
                    {
                        "variant_code": code,
                        "display": "F",
                        "selling": "F",
                        "quantity": 0,
                        "use_inventory": "T",
                        "display_soldout": "T",
                    }
                )
        return entries

    def update_request(self) -> dict[str, Any]:
        """The `request` object of PUT /products/{product_no} with the product-level changes ({} when none)."""
        return {change.field: _wire(change.field, change.new) for change in self.changes}

    def variant_update_requests(self) -> list[dict[str, Any]]:
        """Entries for PUT /products/{no}/variants with each changed variant's changed fields."""
        return [
            {"variant_code": v.variant_code, **{c.field: _wire(c.field, c.new) for c in v.changes}}
            for v in self.variants
            if v.changes
        ]


@dataclass(frozen=True, slots=True)
class RowResult:
    row_number: int
    sku: str | None
    status: RowStatus
    reasons: tuple[str, ...]
    """Plain-language messages, each starting "row N: "; empty for valid rows."""
    product_key: str | None
    action: Action | None = None
    """For valid rows: what applying the plan does to this row's listing."""


@dataclass(frozen=True)
class UploadPlan:
    path: Path
    headers: tuple[str, ...]
    rows: tuple[RowResult, ...]
    plans: tuple[ProductPlan, ...]

    @property
    def error_rows(self) -> tuple[RowResult, ...]:
        return tuple(r for r in self.rows if r.status == "error")

    @property
    def valid_rows(self) -> tuple[RowResult, ...]:
        return tuple(r for r in self.rows if r.status == "valid")

    def counts(self) -> dict[str, int]:
        """Rows by outcome: create / update / unchanged / error."""
        counter = Counter(r.action if r.status == "valid" else "error" for r in self.rows)
        return {name: counter.get(name, 0) for name in ("create", "update", "unchanged", "error")}


def plan_upload(
    path: str | Path,
    *,
    existing: Mapping[str, ExistingListing] | None = None,
    on_progress: ProgressCallback | None = None,
    limits: Limits = DEFAULT_LIMITS,
    brands: Collection[str] | None = None,
    categories: Collection[int] | None = None,
) -> UploadPlan:
    """Read, validate and plan an upload. Raises BulkFileError for an unusable file; row problems are results."""
    path = Path(path)
    existing = existing or {}
    with open_products_sheet(path, max_rows=limits.max_rows) as sheet:
        validated = validate_rows(
            sheet.rows(on_progress), sheet.keys, existing=existing, limits=limits, brands=brands, categories=categories
        )
        headers = sheet.headers
    if validated.frame.height == 0:
        raise BulkFileError(f"The products sheet of {path.name} has no rows below the header; fill in one row per SKU.")
    plans = build_plans(validated, existing)
    return UploadPlan(path, headers, row_results(validated, plans), tuple(plans))


def row_results(validated: ValidatedRows, plans: list[ProductPlan]) -> tuple[RowResult, ...]:
    actions: dict[int, Action] = {}
    for plan in plans:
        for variant in plan.variants:
            actions[variant.row_number] = variant.action
    results = []
    for number, sku, key in validated.frame.select("row", "sku", "key").iter_rows():
        reasons = tuple(validated.errors.get(number, ()))
        if reasons:
            results.append(RowResult(number, sku, "error", reasons, key))
        else:
            results.append(RowResult(number, sku, "valid", (), key, actions[number]))
    return tuple(results)


def build_plans(validated: ValidatedRows, existing: Mapping[str, ExistingListing]) -> list[ProductPlan]:
    """One plan per product whose rows are all valid, in the order the products first appear in the file."""
    products: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in validated.valid.iter_rows(named=True):
        products[record["product"]].append(record)
    counts: Counter[int] | None = None
    plans = []
    for records in products.values():
        key = records[0]["key"]
        listings = [existing.get(r["sku"]) for r in records]
        if all(listing is None for listing in listings):
            plans.append(_create_plan(key, records))
            continue
        if counts is None:
            counts = Counter(listing.product_no for listing in existing.values())
        head = listings[0]
        assert head is not None  # validation guarantees one product, every row listed
        product_no = head.product_no
        plans.append(_update_plan(key, records, listings, covers_all=counts[product_no] <= len(records)))
    return plans


# --- create ----------------------------------------------------------------------------------------------------
def _options(record: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((record[n], record[v]) for n, v in OPTION_KEYS if record[n] is not None)


def _axes(records: list[dict[str, Any]]) -> tuple[OptionAxis, ...]:
    first = _options(records[0])
    values: list[dict[str, None]] = [{} for _ in first]
    for record in records:
        for slot, (_, value) in enumerate(_options(record)):
            values[slot].setdefault(value, None)
    return tuple(OptionAxis(name, tuple(values[slot])) for slot, (name, _) in enumerate(first))


def _create_plan(key: str, records: list[dict[str, Any]]) -> ProductPlan:
    first = records[0]
    is_group = bool(first["is_group"])
    base = min(Decimal(r["selling_price"]) for r in records)
    variants = tuple(
        VariantPlan(
            row_number=r["row"],
            sku=r["sku"],
            options=_options(r),
            selling_price=Decimal(r["selling_price"]),
            additional_amount=Decimal(r["selling_price"]) - base,
            stock=r["stock"] if r["stock"] is not None else 0,
            display=bool(r["display"]),
            selling=bool(r["selling"]),
            action="create",
        )
        for r in records
    )
    axes = _axes(records) if is_group else ()
    unlisted: tuple[tuple[str, ...], ...] = ()
    if is_group:
        listed = {v.option_values for v in variants}
        unlisted = tuple(c for c in itertools.product(*(a.values for a in axes)) if c not in listed)
    return ProductPlan(
        key=key,
        kind="group" if is_group else "single",
        action="create",
        row_numbers=tuple(r["row"] for r in records),
        product_name=first["name"],
        price=base,
        retail_price=_dec(first["mrp"]),
        supply_price=_dec(first["supply_price"]) or ZERO,
        display=any(v.display for v in variants),
        selling=any(v.selling for v in variants),
        brand_code=first["brand"],
        category_no=first["category"],
        image_url=first["image_url"],
        option_axes=axes,
        variants=variants,
        unlisted_combinations=unlisted,
    )


# --- update ----------------------------------------------------------------------------------------------------
def _update_plan(
    key: str, records: list[dict[str, Any]], listings: list[ExistingListing | None], *, covers_all: bool
) -> ProductPlan:
    first, head = records[0], listings[0]
    assert head is not None
    is_group = bool(first["is_group"])
    changes: list[Change] = []

    def compare(field: str, current: Any, new: Any) -> None:
        if new is not None and (current is None or current != new):
            changes.append(Change(field, current, new))

    compare("product_name", head.product_name, first["name"])
    if is_group:
        base = _group_base(records, listings, covers_all)
    else:
        base = _dec(first["selling_price"])
    compare("price", head.price, base)
    compare("retail_price", head.retail_price, _dec(first["mrp"]))
    compare("supply_price", head.supply_price, _dec(first["supply_price"]))
    display, selling = _product_flags(records, is_group, covers_all)
    compare(
        "display", head.product_display if head.product_display is not None else (None if is_group else head.display), display
    )
    compare(
        "selling", head.product_selling if head.product_selling is not None else (None if is_group else head.selling), selling
    )
    compare("brand_code", head.brand_code, first["brand"])
    if first["category"] is not None and (head.category_nos is None or first["category"] not in head.category_nos):
        changes.append(Change("add_category_no", head.category_nos, first["category"]))
    if not head.product_code:
        changes.append(Change("custom_product_code", head.product_code, key))
    new_base = base if base is not None else head.price
    variants = []
    for record, listing in zip(records, listings):
        assert listing is not None
        variants.append(_variant_update(record, listing, is_group, new_base, price_moved=base is not None and base != head.price))
    any_change = bool(changes) or any(v.changes for v in variants)
    if any_change:
        variants = [_with_action(v, "update" if (v.changes or changes) else "unchanged") for v in variants]
    return ProductPlan(
        key=key,
        kind="group" if is_group else "single",
        action="update" if any_change else "unchanged",
        row_numbers=tuple(r["row"] for r in records),
        product_name=first["name"],
        price=base,
        retail_price=_dec(first["mrp"]),
        supply_price=_dec(first["supply_price"]),
        display=display,
        selling=selling,
        brand_code=first["brand"],
        category_no=first["category"],
        image_url=None,
        option_axes=_axes(records) if is_group else (),
        variants=tuple(variants),
        product_no=head.product_no,
        changes=tuple(changes),
    )


def _group_base(records: list[dict[str, Any]], listings: list[ExistingListing | None], covers_all: bool) -> Decimal | None:
    """The group's product price after the update, or None to leave it (see the module docstring)."""
    if all(r["selling_price"] is None for r in records):
        return None
    desired = [
        _dec(r["selling_price"]) if r["selling_price"] is not None else listing.selling_price
        for r, listing in zip(records, listings)
        if listing is not None
    ]
    if covers_all and all(d is not None for d in desired):
        return min(d for d in desired if d is not None)
    head = listings[0]
    return head.price if head is not None else None


def _product_flags(records: list[dict[str, Any]], is_group: bool, covers_all: bool) -> tuple[bool | None, bool | None]:
    """A single's flags are its own; a group is shown if any row asks, hidden only if all its variants say F."""
    if not is_group:
        return records[0]["display"], records[0]["selling"]
    result: list[bool | None] = []
    for column in ("display", "selling"):
        given = [r[column] for r in records if r[column] is not None]
        if any(given):
            result.append(True)
        elif covers_all and given and len(given) == len(records):
            result.append(False)
        else:
            result.append(None)
    return result[0], result[1]


def _variant_update(
    record: dict[str, Any], listing: ExistingListing, is_group: bool, base: Decimal | None, *, price_moved: bool
) -> VariantPlan:
    changes: list[Change] = []
    price = _dec(record["selling_price"])
    additional: Decimal | None = None
    if is_group and base is not None:
        target = price if price is not None else (listing.selling_price if price_moved else None)
        if target is not None:
            additional = target - base
            if listing.additional_amount is None or listing.additional_amount != additional:
                changes.append(Change("additional_amount", listing.additional_amount, additional))
    if record["stock"] is not None and listing.quantity != record["stock"]:
        changes.append(Change("quantity", listing.quantity, record["stock"]))
    if is_group:
        for column in ("display", "selling"):
            if record[column] is not None and getattr(listing, column) != record[column]:
                changes.append(Change(column, getattr(listing, column), record[column]))
    return VariantPlan(
        row_number=record["row"],
        sku=record["sku"],
        options=_options(record),
        selling_price=price,
        additional_amount=additional,
        stock=record["stock"],
        display=record["display"],
        selling=record["selling"],
        action="update" if changes else "unchanged",
        variant_code=listing.variant_code,
        changes=tuple(changes),
    )


def _with_action(variant: VariantPlan, action: Action) -> VariantPlan:
    from dataclasses import replace

    return replace(variant, action=action)


# --- wire format helpers ---------------------------------------------------------------------------------------
def _dec(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _won(amount: Decimal | None) -> str:
    """Whole won as Cafe24 takes it in a write body ("10000", "-1000")."""
    if amount is None:
        raise ValueError("amount required")
    return str(int(amount))


def _flag(value: bool) -> str:
    return "T" if value else "F"


def _wire(field: str, value: Any) -> Any:
    if isinstance(value, bool):
        return _flag(value)
    if isinstance(value, Decimal):
        return _won(value)
    if field == "add_category_no":
        return [{"category_no": value}]
    return value
