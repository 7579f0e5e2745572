"""Validate the rows of an upload: every problem of every row, in plain words, before anything is sent.

Three layers, all collected at once (nothing stops at the first error):
1. cells (cells.py): is the cell a usable value of its column's type?
2. rows (pandera, `pandera.polars`, lazy): required fields, ranges, Cafe24 length limits, MRP ≥ selling price,
   option pairs. Every rule is a named pandera check on its column, so the schema is the readable list of rules.
3. across rows (polars): a SKU twice in the file rejects both rows; a group's rows must agree on option names and
   product-level fields and have distinct option combinations; SKUs already on Cafe24 must belong to the product
   the file puts them in.
Finally all-or-nothing: one bad row of a product rejects every row of that product.

Lengths are counted in characters (Python str), so a Hangul syllable counts one; text is NFC-normalised first.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandera.errors
import pandera.polars as pa
import polars as pl

from cafe24_pipeline.bulk.cells import CellProblem, coerce
from cafe24_pipeline.bulk.columns import (
    COLUMN_BY_KEY,
    COLUMNS,
    DEFAULT_LIMITS,
    OPTION_KEYS,
    PRODUCT_LEVEL_KEYS,
    Limits,
)
from cafe24_pipeline.bulk.existing import ExistingListing
from cafe24_pipeline.bulk.reader import SheetRow

_DTYPES: dict[str, pl.DataType] = {
    "code": pl.Utf8(),
    "text": pl.Utf8(),
    "url": pl.Utf8(),
    "brand": pl.Utf8(),
    "money": pl.Int64(),
    "count": pl.Int64(),
    "category": pl.Int64(),
    "flag": pl.Boolean(),
}
FRAME_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    **{c.key: _DTYPES[c.kind] for c in COLUMNS},
    "listed_product_no": pl.Int64(),
    "listed_has_option": pl.Boolean(),
    "listed_product_code": pl.Utf8(),
}
_CONTROL = r"[\x00-\x1f\x7f]"
_LABELS = {
    "name": "name",
    "mrp": "MRP",
    "supply_price": "supply price",
    "brand": "brand",
    "category": "category",
    "image_url": "image URL",
    "selling_price": "selling price",
    "stock": "stock",
}


@dataclass(frozen=True, slots=True)
class RowRule:
    """One per-row rule: `ok` is True where the row passes; `columns` are the cells it reads."""

    name: str
    columns: tuple[str, ...]
    ok: pl.Expr
    message: Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class ValidatedRows:
    """The typed rows (product-level values filled across each group) and every row's errors."""

    frame: pl.DataFrame = field(repr=False)
    """One row per data row in file order: FRAME_SCHEMA columns plus `key` (parent_sku or sku), `product`
    (key qualified by kind, the grouping column), `is_group`,
    `new_product`."""
    errors: Mapping[int, Sequence[str]]
    """Excel row number → messages ("row 12: …"), only for rows with errors."""

    @property
    def valid(self) -> pl.DataFrame:
        bad = list(self.errors)
        return self.frame.filter(~pl.col("row").is_in(bad)) if bad else self.frame


def validate_rows(
    rows: Iterable[SheetRow],
    keys: Sequence[str | None],
    *,
    existing: Mapping[str, ExistingListing] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    brands: Collection[str] | None = None,
    categories: Collection[int] | None = None,
) -> ValidatedRows:
    """Type, check and cross-check the rows; `keys` maps each value position to a template column (reader)."""
    existing = existing or {}
    errors: dict[int, list[str]] = defaultdict(list)
    bad_cells: set[tuple[int, str]] = set()
    frame = _typed_frame(rows, keys, existing, errors, bad_cells)
    frame = _derive(frame)
    schema, rules = row_schema(limits, brands=brands, categories=categories)
    _run_pandera(schema, rules, frame, errors, bad_cells)
    _cross_row(frame, errors, limits)
    _against_cafe24(frame, existing, errors)
    _whole_products(frame, errors)
    return ValidatedRows(frame, {r: tuple(m) for r, m in sorted(errors.items()) if m})


# --- 1. cells ------------------------------------------------------------------------------------------
def _typed_frame(
    rows: Iterable[SheetRow],
    keys: Sequence[str | None],
    existing: Mapping[str, ExistingListing],
    errors: dict[int, list[str]],
    bad_cells: set[tuple[int, str]],
) -> pl.DataFrame:
    positions = [(c.key, c.kind, keys.index(c.key) if c.key in keys else None) for c in COLUMNS]
    data: dict[str, list[Any]] = {name: [] for name in FRAME_SCHEMA}
    for sheet_row in rows:
        number = sheet_row.row_number
        data["row"].append(number)
        for key, kind, position in positions:
            value = None
            if position is not None:
                try:
                    value = coerce(kind, sheet_row.values[position], key)
                except CellProblem as problem:
                    errors[number].append(f"row {number}: {problem}")
                    bad_cells.add((number, key))
            data[key].append(value)
        listing = existing.get(data["sku"][-1]) if data["sku"][-1] is not None else None
        data["listed_product_no"].append(listing.product_no if listing else None)
        data["listed_has_option"].append(listing.has_option if listing else None)
        data["listed_product_code"].append(listing.product_code if listing else None)
    return pl.DataFrame(data, schema=FRAME_SCHEMA)


def _derive(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the product key, fill product-level values across each group, mark products new to Cafe24."""
    frame = frame.with_columns(
        key=pl.coalesce("parent_sku", "sku"),
        is_group=pl.col("parent_sku").is_not_null(),
    ).with_columns(  # a single's SKU may equal a group's parent (an error): they are still two products
        product=pl.when(pl.col("is_group")).then(pl.lit("group:") + pl.col("key")).otherwise(pl.lit("single:") + pl.col("key")),
    )
    filled = [
        pl.when(pl.col("is_group")).then(pl.col(c).drop_nulls().first().over("product")).otherwise(pl.col(c)).alias(c)
        for c in PRODUCT_LEVEL_KEYS
    ]
    raw = [pl.col(c).alias(f"raw_{c}") for c in PRODUCT_LEVEL_KEYS]
    return frame.with_columns(*raw).with_columns(
        *filled,
        new_product=pl.col("listed_product_no").is_null().all().over("product"),
    )


# --- 2. rows (pandera) -----------------------------------------------------------------------------------
def _money(value: Any) -> str:
    return f"{value:,}"


def _range_rule(name: str, column: str, label: str, low: int, high: int) -> RowRule:
    def message(r: dict[str, Any]) -> str:
        value = r[column]
        if value < low:
            return f"{label} {_money(value)} is below {low}"
        return f"{label} {_money(value)} is above the Cafe24 maximum {_money(high)}"

    col = pl.col(column)
    return RowRule(name, (column,), col.is_null() | col.is_between(low, high), message)


def _length_rule(column: str, label: str, limit: int) -> RowRule:
    col = pl.col(column)
    return RowRule(
        f"{column}_length",
        (column,),
        col.is_null() | (col.str.len_chars() <= limit),
        lambda r: f"{label} '{_short(r[column])}' is {len(r[column]):,} characters; Cafe24 allows at most {limit}",
    )


def _one_line_rule(column: str, label: str) -> RowRule:
    col = pl.col(column)
    return RowRule(
        f"{column}_characters",
        (column,),
        col.is_null() | ~col.str.contains(_CONTROL),
        lambda r: f"{label} '{_short(r[column])}' contains a line break or a control character",
    )


def row_rules(
    limits: Limits = DEFAULT_LIMITS, *, brands: Collection[str] | None = None, categories: Collection[int] | None = None
) -> list[RowRule]:
    """Every per-row rule, in the order their messages appear."""
    sku, name, price, mrp = pl.col("sku"), pl.col("name"), pl.col("selling_price"), pl.col("mrp")
    new = pl.col("new_product")
    rules = [
        RowRule("sku_required", ("sku",), sku.is_not_null(), lambda r: "SKU is blank; every row needs a SKU"),
        _length_rule("sku", "SKU", limits.sku_length),
        _one_line_rule("sku", "SKU"),
        _length_rule("parent_sku", "parent SKU", limits.sku_length),
        _one_line_rule("parent_sku", "parent SKU"),
        RowRule("name_required", ("name",), name.is_not_null() | ~new, lambda r: "name is blank; a new product needs a name"),
        _length_rule("name", "name", limits.name_length),
        _one_line_rule("name", "name"),
    ]
    for slot, (name_key, value_key) in enumerate(OPTION_KEYS, start=1):

        def pair_message(r: dict[str, Any], n: str = name_key, v: str = value_key) -> str:
            return f"{v} is filled but {n} is blank" if r[n] is None else f"{n} is filled but {v} is blank"

        rules.append(
            RowRule(
                f"option_{slot}_pair",
                (name_key, value_key),
                pl.col(name_key).is_null() == pl.col(value_key).is_null(),
                pair_message,
            )
        )
        if slot > 1:
            previous = OPTION_KEYS[slot - 2][0]

            def order_message(r: dict[str, Any], s: int = slot) -> str:
                return f"option {s} is filled but option {s - 1} is blank; fill the options from option 1 on"

            rules.append(
                RowRule(
                    f"option_{slot}_order",
                    (name_key, previous),
                    pl.col(name_key).is_null() | pl.col(previous).is_not_null(),
                    order_message,
                )
            )
        rules.append(_length_rule(name_key, f"option {slot} name", limits.option_name_length))
        rules.append(_one_line_rule(name_key, f"option {slot} name"))
        rules.append(_length_rule(value_key, f"option {slot} value", limits.option_value_length))
        rules.append(_one_line_rule(value_key, f"option {slot} value"))
    names = [pl.col(n) for n, _ in OPTION_KEYS]
    distinct = pl.lit(True)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            distinct = distinct & (names[i].is_null() | names[j].is_null() | (names[i] != names[j]))
    option_cells = tuple(k for pair in OPTION_KEYS for k in pair)
    rules += [
        RowRule(
            "option_names_distinct",
            tuple(n for n, _ in OPTION_KEYS),
            distinct,
            lambda r: f"option name '{_repeated_option(r)}' is used twice on this row",
        ),
        RowRule(
            "group_needs_options",
            ("parent_sku", *OPTION_KEYS[0]),
            ~pl.col("is_group") | (pl.col(OPTION_KEYS[0][0]).is_not_null() & pl.col(OPTION_KEYS[0][1]).is_not_null()),
            lambda r: (
                f"row belongs to group {r['parent_sku']} but has no options; fill option_1_name and "
                "option_1_value (or clear parent_sku for a single product)"
            ),
        ),
        RowRule(
            "single_has_no_options",
            ("parent_sku", *option_cells),
            pl.col("is_group") | pl.all_horizontal(*(pl.col(k).is_null() for k in option_cells)),
            lambda r: (
                "options are filled but parent_sku is blank; give the rows of a product with options the "
                "same parent_sku, or clear the options"
            ),
        ),
        RowRule(
            "selling_price_required",
            ("selling_price",),
            price.is_not_null() | ~new,
            lambda r: "selling_price is blank; a new product needs a selling price",
        ),
        _range_rule("selling_price_range", "selling_price", "selling price", 0, limits.max_money),
        _range_rule("mrp_range", "mrp", "MRP", 0, limits.max_money),
        _range_rule("supply_price_range", "supply_price", "supply price", 0, limits.max_money),
        RowRule(
            "mrp_not_below_selling_price",
            ("mrp", "selling_price"),
            mrp.is_null() | price.is_null() | (mrp >= price),
            lambda r: f"MRP {_money(r['mrp'])} is lower than the selling price {_money(r['selling_price'])}",
        ),
        _range_rule("stock_range", "stock", "stock", 0, limits.max_stock),
        _range_rule("category_range", "category", "category number", 1, 2_147_483_647),
        _length_rule("image_url", "image URL", limits.image_url_length),
    ]
    if brands is not None:
        known = sorted({str(b) for b in brands})
        rules.append(
            RowRule(
                "brand_known",
                ("brand",),
                pl.col("brand").is_null() | pl.col("brand").is_in(known),
                lambda r: f"brand {r['brand']} does not exist in this mall",
            )
        )
    if categories is not None:
        known_nos = sorted({int(c) for c in categories})
        rules.append(
            RowRule(
                "category_known",
                ("category",),
                pl.col("category").is_null() | pl.col("category").is_in(known_nos),
                lambda r: f"category {r['category']} does not exist in this mall",
            )
        )
    return rules


def row_schema(
    limits: Limits = DEFAULT_LIMITS, *, brands: Collection[str] | None = None, categories: Collection[int] | None = None
) -> tuple[pa.DataFrameSchema, dict[str, RowRule]]:
    """The pandera schema of a typed upload frame; each rule is a named check on the first column it reads."""
    rules = row_rules(limits, brands=brands, categories=categories)
    checks: dict[str, list[pa.Check]] = defaultdict(list)
    for rule in rules:
        checks[rule.columns[0]].append(
            pa.Check(lambda data, ok=rule.ok: data.lazyframe.select(ok.alias("ok")), name=rule.name, error=rule.name)
        )
    columns = {
        name: pa.Column(dtype, nullable=True, checks=checks.get(name, []))
        for name, dtype in FRAME_SCHEMA.items()
        if name != "row"
    }
    columns["row"] = pa.Column(pl.Int64, nullable=False, unique=True)
    columns["is_group"] = pa.Column(pl.Boolean, nullable=False)
    columns["new_product"] = pa.Column(pl.Boolean, nullable=False)
    schema = pa.DataFrameSchema(columns, name="bulk_upload_rows", strict=False)
    return schema, {rule.name: rule for rule in rules}


def _run_pandera(
    schema: pa.DataFrameSchema,
    rules: Mapping[str, RowRule],
    frame: pl.DataFrame,
    errors: dict[int, list[str]],
    bad_cells: set[tuple[int, str]],
) -> None:
    try:
        schema.validate(frame, lazy=True)
        return
    except pandera.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    located = failures.filter(pl.col("index").is_not_null() & pl.col("check").is_in(list(rules)))
    unexpected = failures.filter(~pl.col("check").is_in(list(rules)))
    if unexpected.height:  # a dtype or structure failure is our bug, not the seller's
        raise RuntimeError(f"bulk upload frame does not match its schema: {unexpected.head(5).to_dicts()}")
    by_row: dict[int, set[str]] = defaultdict(set)
    for index, check in located.select("index", "check").iter_rows():
        by_row[index].add(check)
    order = {name: i for i, name in enumerate(rules)}
    for index in sorted(by_row):
        record = frame.row(index, named=True)
        number = record["row"]
        for name in sorted(by_row[index], key=order.__getitem__):
            rule = rules[name]
            if any((number, column) in bad_cells for column in rule.columns):
                continue  # the unreadable cell is already reported
            errors[number].append(f"row {number}: {rule.message(record)}")


# --- 3. across rows ----------------------------------------------------------------------------------------
def _cross_row(frame: pl.DataFrame, errors: dict[int, list[str]], limits: Limits) -> None:
    _duplicate_skus(frame, errors)
    _parent_collisions(frame, errors)
    groups = frame.filter(pl.col("is_group"))
    if groups.height:
        _group_field_conflicts(groups, errors)
        _group_options(groups, errors, limits)


def _duplicate_skus(frame: pl.DataFrame, errors: dict[int, list[str]]) -> None:
    duplicates = (
        frame.filter(pl.col("sku").is_not_null())
        .group_by("sku", maintain_order=True)
        .agg(pl.col("row"))
        .filter(pl.col("row").list.len() > 1)
    )
    for sku, numbers in duplicates.iter_rows():
        for number in numbers:
            others = [n for n in numbers if n != number]
            errors[number].append(
                f"row {number}: SKU {sku} is also on {_rows(others)}; a SKU may appear only once, "
                "so none of these rows is uploaded"
            )


def _parent_collisions(frame: pl.DataFrame, errors: dict[int, list[str]]) -> None:
    parents = frame.filter(pl.col("is_group")).group_by("parent_sku", maintain_order=True).agg(pl.col("row"))
    skus = frame.filter(pl.col("sku").is_not_null()).group_by("sku", maintain_order=True).agg(pl.col("row").alias("sku_rows"))
    clashes = parents.join(skus, left_on="parent_sku", right_on="sku", how="inner")
    for parent, group_rows, sku_rows in clashes.iter_rows():
        for number in group_rows:
            errors[number].append(
                f"row {number}: parent SKU {parent} is also the SKU on {_rows(sku_rows)}; a parent SKU must differ from every SKU"
            )
        for number in sku_rows:
            if number not in group_rows:
                errors[number].append(
                    f"row {number}: SKU {parent} is also the parent SKU of the group on "
                    f"{_rows(group_rows)}; a parent SKU must differ from every SKU"
                )


def _group_field_conflicts(groups: pl.DataFrame, errors: dict[int, list[str]]) -> None:
    for column in PRODUCT_LEVEL_KEYS:
        raw = pl.col(f"raw_{column}")
        conflicts = groups.with_columns(
            first_row=pl.col("row").filter(raw.is_not_null()).first().over("product"),
        ).filter(raw.is_not_null() & (raw != pl.col(column)))
        label = _LABELS.get(column, column)
        reason = (
            "Cafe24 keeps one MRP per product"
            if column == "mrp"
            else f"a product has one {label}: leave it blank on the other rows of the group or repeat it"
        )
        for record in conflicts.select("row", "key", f"raw_{column}", column, "first_row").iter_rows():
            number, key, value, first, first_row = record
            errors[number].append(
                f"row {number}: {label} {_show(column, value)} differs from {_show(column, first)} "
                f"on row {first_row} of group {key}; {reason}"
            )


def _group_options(groups: pl.DataFrame, errors: dict[int, list[str]], limits: Limits) -> None:
    names = [pl.col(n) for n, _ in OPTION_KEYS]
    values = [pl.col(v) for _, v in OPTION_KEYS]
    framed = groups.with_columns(
        names_sig=pl.concat_str(names, separator=", ", ignore_nulls=True),
        values_sig=pl.concat_str(
            [pl.concat_str([n, pl.lit("="), v]) for n, v in zip(names, values)], separator=", ", ignore_nulls=True
        ),
    ).with_columns(
        first_names=pl.col("names_sig").first().over("product"),
        first_row=pl.col("row").first().over("product"),
    )
    for number, key, sig, first, first_row in (
        framed.filter(pl.col("names_sig") != pl.col("first_names"))
        .select("row", "key", "names_sig", "first_names", "first_row")
        .iter_rows()
    ):
        errors[number].append(
            f"row {number}: option names ({sig or 'none'}) differ from ({first}) on row {first_row} "
            f"of group {key}; every row of a group needs the same option names in the same order"
        )
    repeats = (
        framed.filter(pl.col("values_sig") != "")
        .group_by("key", "values_sig", maintain_order=True)
        .agg(pl.col("row"))
        .filter(pl.col("row").list.len() > 1)
    )
    for key, sig, numbers in repeats.iter_rows():
        for number in numbers:
            others = [n for n in numbers if n != number]
            errors[number].append(
                f"row {number}: options {sig} repeat {_rows(others)} of group {key}; each row of a "
                "group needs its own combination of option values"
            )
    axes = framed.group_by("key", maintain_order=True).agg(
        pl.col("row"), *[v.drop_nulls().n_unique().alias(f"axis_{i}") for i, v in enumerate(values)]
    )
    for record in axes.iter_rows(named=True):
        sizes = [record[f"axis_{i}"] for i in range(len(values)) if record[f"axis_{i}"]]
        combinations = math.prod(sizes) if sizes else 0
        if combinations > limits.max_variants:
            shape = " × ".join(str(s) for s in sizes)
            for number in record["row"]:
                errors[number].append(
                    f"row {number}: group {record['key']} would have {combinations:,} option "
                    f"combinations on Cafe24 ({shape} values); the limit is {limits.max_variants:,}"
                )


# --- 3b. against what is already on Cafe24 --------------------------------------------------------------------
def _against_cafe24(frame: pl.DataFrame, existing: Mapping[str, ExistingListing], errors: dict[int, list[str]]) -> None:
    if not existing:
        return
    products: dict[str, list[dict[str, Any]]] = defaultdict(list)
    columns = [
        "row",
        "sku",
        "key",
        "product",
        "is_group",
        "selling_price",
        "listed_product_no",
        *(k for pair in OPTION_KEYS for k in pair),
    ]
    for record in frame.filter(pl.col("key").is_not_null()).select(columns).iter_rows(named=True):
        products[record["product"]].append(record)
    codes: dict[str, int] | None = None
    variant_counts: Counter[int] | None = None
    for records in products.values():
        key = records[0]["key"]
        listed = [(r, existing[r["sku"]]) for r in records if r["listed_product_no"] is not None]
        if not listed:
            if codes is None:
                codes = {}
                for listing in existing.values():
                    if listing.product_code:
                        codes.setdefault(listing.product_code, listing.product_no)
            if key in codes:
                what = "parent SKU" if records[0]["is_group"] else "SKU"
                for r in records:
                    errors[r["row"]].append(
                        f"row {r['row']}: {what} {key} is already the product code of Cafe24 "
                        f"product {codes[key]}; choose another code or upload that product's "
                        "own SKUs"
                    )
            continue
        for r, listing in listed:
            problem = _listing_problem(r, listing)
            if problem:
                errors[r["row"]].append(f"row {r['row']}: {problem}")
        product_nos = sorted({listing.product_no for _, listing in listed})
        if len(product_nos) > 1:
            for r in records:
                errors[r["row"]].append(
                    f"row {r['row']}: group {key} mixes SKUs of Cafe24 products "
                    f"{', '.join(map(str, product_nos))}; one group updates one product"
                )
            continue
        new_rows = [r["row"] for r in records if r["listed_product_no"] is None]
        if new_rows:
            sku, listing = listed[0][0]["sku"], listed[0][1]
            for r in records:
                errors[r["row"]].append(
                    f"row {r['row']}: {_rows(new_rows)} of group {key} {'is' if len(new_rows) == 1 else 'are'} "
                    f"new but SKU {sku} is already on Cafe24 "
                    f"product {listing.product_no}; bulk upload cannot add options to a listed product (add them in "
                    "the Cafe24 admin, or upload them as a new group)"
                )
            continue
        if records[0]["is_group"] and any(r["selling_price"] is not None for r in records):
            if variant_counts is None:
                variant_counts = Counter(listing.product_no for listing in existing.values())
            product_no = product_nos[0]
            covers_all = variant_counts[product_no] <= len(records)
            all_priced = all(r["selling_price"] is not None for r in records)
            if listed[0][1].price is None and not (covers_all and all_priced):
                for r in records:
                    errors[r["row"]].append(
                        f"row {r['row']}: the current price of Cafe24 product {product_no} is "
                        "unknown, so the option prices cannot be worked out; sync the catalogue "
                        "first"
                    )


def _listing_problem(record: dict[str, Any], listing: ExistingListing) -> str | None:
    sku, key = record["sku"], record["key"]
    if not record["is_group"]:
        if listing.has_option:
            parent = f" (parent SKU {listing.product_code})" if listing.product_code else ""
            return (
                f"SKU {sku} is an option of Cafe24 product {listing.product_no}{parent}; it cannot be uploaded as a "
                "single product: fill parent_sku with that product's code"
            )
        return None
    if not listing.has_option:
        return (
            f"SKU {sku} is a single product on Cafe24 (product {listing.product_no}); it cannot join group {key}, "
            "because bulk upload does not turn a single product into a group"
        )
    if listing.product_code and listing.product_code != key:
        return f"SKU {sku} belongs to Cafe24 product {listing.product_no} with parent SKU {listing.product_code}, not {key}"
    if listing.options is not None:
        in_file = tuple((record[n], record[v]) for n, v in OPTION_KEYS if record[n] is not None)
        if tuple(listing.options) != in_file:
            return (
                f"SKU {sku} has options {_pairs(listing.options)} on Cafe24 but {_pairs(in_file)} in the file; "
                "bulk upload does not change the options of listed items"
            )
    return None


# --- 4. all or nothing per product ---------------------------------------------------------------------------
def _whole_products(frame: pl.DataFrame, errors: dict[int, list[str]]) -> None:
    bad = {n for n, messages in errors.items() if messages}
    if not bad:
        return
    keyed = (
        frame.filter(pl.col("key").is_not_null())
        .group_by("key", "product", maintain_order=True)
        .agg(pl.col("row"))
        .drop("product")
    )
    for key, numbers in keyed.iter_rows():
        failing = [n for n in numbers if n in bad]
        if not failing or len(failing) == len(numbers):
            continue
        verb = "has an error" if len(failing) == 1 else "have errors"
        for number in numbers:
            if number not in bad:
                errors[number].append(
                    f"row {number}: not uploaded because {_rows(failing)} of product {key} {verb}; "
                    "a product is uploaded whole or not at all"
                )


# --- wording helpers -------------------------------------------------------------------------------------------
def _rows(numbers: Sequence[int]) -> str:
    numbers = sorted(numbers)
    shown = ", ".join(str(n) for n in numbers[:10])
    more = f" and {len(numbers) - 10:,} more" if len(numbers) > 10 else ""
    return f"row{'s' if len(numbers) > 1 else ''} {shown}{more}"


def _show(column: str, value: Any) -> str:
    if COLUMN_BY_KEY[column].kind == "money":
        return _money(value)
    if isinstance(value, str):
        return f"'{_short(value)}'"
    return str(value)


def _short(text: str, limit: int = 40) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _pairs(pairs: Iterable[tuple[str, str]]) -> str:
    shown = ", ".join(f"{n}={v}" for n, v in pairs)
    return shown or "none"


def _repeated_option(record: dict[str, Any]) -> str:
    seen: set[str] = set()
    for name, _ in OPTION_KEYS:
        value = record[name]
        if value is not None and value in seen:
            return value
        if value is not None:
            seen.add(value)
    return ""
