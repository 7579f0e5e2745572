"""Raw Cafe24 order JSON → the store's order frames, column by column (no record objects per order).

The fast path of `order_frames` (DESIGN.md §8: local work is never the bottleneck). A page of raw
orders is read field by field into polars columns and coerced with vectorised casts. It gives exactly
the frames `order_frames(mall_id, [Order.from_api(r) ...])` gives: same rows, values, dtypes and
content hashes (tests/unit/test_orders_columns.py compares them on every documented example and on
the sandbox's orders).

It takes the fast route only where it is sure of that. A value in a shape the casts do not cover
(a number where text is usual, a comma in an amount, an unusual date format, spaces round a text, a
receiver given as an object) sends its whole order through `Order.from_api`, the typed parser, which
accepts every documented quirk or reports the order as malformed. A page with quirks costs more;
it is never parsed differently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from cafe24_pipeline.cafe24.models import MalformedRecord, Order, parse_records
from cafe24_pipeline.cafe24.parsing import (
    FieldError,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_int,
    parse_money,
    parse_str,
)
from cafe24_pipeline.sync.order_frames import (
    ITEM_SCHEMA,
    MONEY,
    ORDER_SCHEMA,
    RECEIVER_SCHEMA,
    UTC_TS,
    OrderFrames,
    _epoch_us,
    _with_hash,
    concat_frames,
    empty_frames,
    encode_raw_json,
    order_frames,
)

_NONE = type(None)
_STR_TYPES = {str, _NONE}
_INT_TYPES = {int, _NONE}
# Values the vectorised casts read exactly as the typed parser does; anything else is "irregular".
# Python's own whitespace (what str.strip() removes), to spot text the typed parser would trim.
_SPACE_TEXT = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
_MONEY_TEXT = r"^-?\d{1,16}(\.\d{1,2})?$"
_MONEY_RE = re.compile(_MONEY_TEXT)
# "2018-07-04T11:21:35+09:00" (optionally with microseconds) or the naive KST "2017-07-10 15:55:51"
_TS_TEXT = r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d{6})?[+-]\d{2}:\d{2}| \d{2}:\d{2}:\d{2})$"
_DATE_TEXT = r"^\d{4}-\d{2}-\d{2}$"

# (raw key, kind) of every field the typed parser reads: a value it would refuse makes the order
# malformed, so the fast path checks them all, also those the frames do not keep.
ORDER_FIELDS: dict[str, str] = {
    "shop_no": "int", "order_id": "str", "currency": "str", "order_date": "ts", "payment_date": "ts",
    "cancel_date": "ts", "paid": "str", "canceled": "str", "shipping_status": "str", "payment_amount": "money",
    "member_id": "str", "member_email": "str", "billing_name": "str", "order_place_id": "str",
    "order_place_name": "str", "market_id": "str", "shipping_type": "str", "first_order": "bool",
}  # fmt: skip
ITEM_FIELDS: dict[str, str] = {
    "shop_no": "int", "order_id": "str", "order_item_code": "str", "item_no": "int", "product_no": "int",
    "product_code": "str", "variant_code": "str", "custom_product_code": "str", "custom_variant_code": "str",
    "product_name": "str", "option_value": "str", "quantity": "int", "product_price": "money",
    "option_price": "money", "additional_discount_price": "money", "coupon_discount_price": "money",
    "payment_amount": "money", "order_status": "str", "status_code": "str", "status_text": "str",
    "claim_code": "str", "claim_quantity": "int", "shipping_code": "str", "tracking_no": "str",
    "shipping_company_code": "str", "shipping_company_name": "str", "supplier_id": "str", "ordered_date": "ts",
    "shipped_date": "ts", "delivered_date": "ts", "purchaseconfirmation_date": "ts", "cancel_date": "ts",
    "cancel_request_date": "ts", "return_request_date": "ts", "return_confirmed_date": "ts",
    "exchange_request_date": "ts", "refund_date": "ts",
}  # fmt: skip
RECEIVER_FIELDS: dict[str, str] = {
    "shop_no": "int", "name": "str", "phone": "str", "cellphone": "str", "zipcode": "str", "address1": "str",
    "address2": "str", "address_full": "str", "country_code": "str", "shipping_message": "str",
    "shipping_code": "str", "wished_delivery_date": "date",
}  # fmt: skip
BUYER_FIELDS = ("member_id", "name", "email", "phone", "cellphone")
_BUYER_KINDS = dict.fromkeys(BUYER_FIELDS, "str")


@dataclass
class RawFramesResult:
    """Frames of the good orders, plus what the typed parser refused and what the sync skips."""

    frames: OrderFrames
    issues: list[MalformedRecord] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    fast_orders: int = 0  # orders that took the column route (the rest went through Order.from_api)


def raw_order_frames(
    mall_id: str,
    raw_orders: Sequence[Any],
    *,
    shop_no: int,
    synced_at: datetime,
    imported_backfill: bool = False,
) -> RawFramesResult:
    """The frames `order_frames` builds for these raw orders, as the sync keeps them.

    Like the sync's own filter, orders without an order date or without embedded items are skipped
    (with the reason); malformed orders come back as `issues`, as the client's page would report them.
    """
    synced_at = synced_at.astimezone(UTC)
    regular, irregular = _split_by_shape(raw_orders)
    result = RawFramesResult(frames=empty_frames())
    parts: list[OrderFrames] = []
    if regular:
        fast, bad_rows, skipped = _fast_frames(mall_id, regular, shop_no, synced_at, imported_backfill)
        irregular.extend(bad_rows)
        result.skipped += skipped
        if fast is not None:
            parts.append(fast)
            result.fast_orders = fast.orders.height
    if irregular:
        typed, issues = parse_records(irregular, lambda r: Order.from_api(r, shop_no=shop_no))
        result.issues = issues
        good = []
        for order in typed:
            if order.order_date is None:
                result.skipped.append({"id": order.order_id, "reason": "no order_date"})
            elif not order.items_embedded or not order.items:
                result.skipped.append({"id": order.order_id, "reason": "order came without items"})
            else:
                good.append(order)
        if good:
            parts.append(order_frames(mall_id, good, synced_at=synced_at, imported_backfill=imported_backfill))
    result.frames = parts[0] if len(parts) == 1 else concat_frames(parts)
    return result


def _split_by_shape(raw_orders: Sequence[Any]) -> tuple[list[dict], list[Any]]:
    """Orders whose structure the column route reads (objects, item lists, receiver lists, money maps)."""
    regular: list[dict] = []
    irregular: list[Any] = []
    seen: set[Any] = set()
    for raw in raw_orders:
        if not isinstance(raw, dict):
            irregular.append(raw)
            continue
        items = raw.get("items")
        receivers = raw.get("receivers")
        actual, initial = raw.get("actual_order_amount"), raw.get("initial_order_amount")
        buyer = raw.get("buyer")
        key = (raw.get("shop_no"), raw.get("order_id"))
        if (
            type(items) is not list or not items or key in seen
            or not all(type(i) is dict for i in items)
            or not (receivers is None or (type(receivers) is list and all(type(r) is dict for r in receivers)))
            or not (actual is None or type(actual) is dict) or not (initial is None or type(initial) is dict)
            or not (buyer is None or type(buyer) is dict)
            or type(raw.get("payment_method")) not in (list, _NONE)
        ):  # fmt: skip
            irregular.append(raw)
            continue
        seen.add(key)
        regular.append(raw)
    if irregular and any((r.get("shop_no"), r.get("order_id")) in seen for r in irregular if isinstance(r, dict)):
        # an order listed twice with one copy irregular: keep "last copy wins" exact on the typed route
        return [], list(raw_orders)
    return regular, irregular


def _fast_frames(
    mall_id: str, orders: list[dict], shop_no: int, synced_at: datetime, imported_backfill: bool
) -> tuple[OrderFrames | None, list[dict], list[dict[str, str]]]:
    n = len(orders)
    # --- orders: every field, the two amounts the frames keep, then the checks done per order -----
    amounts = [_amounts_of(o) for o in orders]
    o = _typed_table(
        _field_columns(orders, ORDER_FIELDS)
        | {key: ("money", [a.get(key) for a in amounts]) for key in ("order_price_amount", "shipping_fee")}
    )
    bad = (o["_bad"] | o["order_id"].is_null()).to_list()  # order_id is required
    methods = _payment_methods(orders, bad)
    for index, order in enumerate(orders):
        if bad[index]:
            continue
        buyer = order.get("buyer")
        if not _amount_maps_ok(order) or (buyer and not _fields_ok(buyer, _BUYER_KINDS)):
            bad[index] = True

    # --- items and receivers: one row each, with the index of their order ---------------------------
    item_owner = [index for index, order in enumerate(orders) for _ in order["items"]]
    flat_items = [item for order in orders for item in order["items"]]
    i = _typed_table(_field_columns(flat_items, ITEM_FIELDS))
    for index in (i["_bad"] | i["order_item_code"].is_null()).arg_true().to_list():  # the code is required
        bad[item_owner[index]] = True
    receiver_owner = [index for index, order in enumerate(orders) for _ in order.get("receivers") or ()]
    flat_receivers = [r for order in orders for r in order.get("receivers") or ()]
    rc = _typed_table(_field_columns(flat_receivers, RECEIVER_FIELDS))
    for index in rc["_bad"].arg_true().to_list():
        bad[receiver_owner[index]] = True

    bad_rows = [orders[index] for index in range(n) if bad[index]]
    # the sync's own filter: an order without an order date is skipped (with the reason)
    no_date = (o["order_date"].is_null() & ~pl.Series(bad, dtype=pl.Boolean)).to_list()
    skipped = [{"id": o["order_id"][index], "reason": "no order_date"} for index in range(n) if no_date[index]]
    keep_list = [not (b or d) for b, d in zip(bad, no_date)]
    if not any(keep_list):
        return None, bad_rows, skipped
    # --- the frames, each built by one select over the parsed columns (few polars calls per page) ---
    keep = pl.Series("_keep", keep_list, dtype=pl.Boolean)
    constants = [
        pl.lit(mall_id, pl.String).alias("mall_id"),
        pl.lit(imported_backfill, pl.Boolean).alias("imported_backfill"),
        pl.lit(synced_at, UTC_TS).alias("synced_at"),
    ]
    shop = (
        pl.when(pl.col("shop_no").is_null() | (pl.col("shop_no") == 0)).then(pl.lit(shop_no, pl.Int64))
        .otherwise(pl.col("shop_no")).alias("shop_no")
    )  # fmt: skip
    kst_day = pl.col("order_date").dt.convert_time_zone("Asia/Seoul").dt.date().alias("order_date_kst")
    order_exprs = {
        "shop_no": shop, "order_date_kst": kst_day, "paid": _flag_expr("paid"), "canceled": _flag_expr("canceled"),
        "payment_method": pl.col("payment_method"), "member_id": pl.lit(None, pl.String).alias("member_id"),
        "content_hash": pl.lit(None, pl.String).alias("content_hash"),
    }  # fmt: skip
    every_order = o.with_columns(methods, keep).with_columns(*constants)
    orders_frame = every_order.select(*[order_exprs.get(name, pl.col(name)) for name in ORDER_SCHEMA], pl.col("_keep"))
    order_part = orders_frame.select("shop_no", "order_id", "order_date", "order_date_kst", "_keep")
    orders_frame = orders_frame.filter(pl.col("_keep")).drop("_keep")
    if orders_frame.select("shop_no", "order_id").is_duplicated().any():
        return None, list(orders), []  # one order twice under different spellings: the typed route decides

    raw_json = pl.Series("raw", [encode_raw_json(item) if item else None for item in flat_items], dtype=pl.String)
    item_parts = pl.concat(
        [i.drop("shop_no", "order_id"), order_part[pl.Series(item_owner, dtype=pl.Int64)], raw_json.to_frame()],
        how="horizontal",
    ).with_columns(*constants)
    item_exprs = {
        "sku": pl.coalesce("custom_variant_code", "custom_product_code").alias("sku"),
        "shipbegin_date": pl.col("shipped_date").alias("shipbegin_date"),
        "shipend_date": pl.col("delivered_date").alias("shipend_date"),
        "cancel_date": pl.coalesce("cancel_date", "cancel_request_date").alias("cancel_date"),
        "return_date": pl.coalesce("return_confirmed_date", "return_request_date").alias("return_date"),
        "exchange_date": pl.col("exchange_request_date").alias("exchange_date"),
        **{name: pl.lit(None, ITEM_SCHEMA[name]).alias(name)
           for name in ("oms_status", "status_changed_at", "content_hash")},
    }  # fmt: skip
    items_frame = (
        item_parts.filter(pl.col("_keep"))
        .select([item_exprs.get(name, pl.col(name)) for name in ITEM_SCHEMA])
        # an item listed twice within one order counts once (its first copy), as in order_frames
        .unique(subset=["shop_no", "order_id", "order_item_code"], keep="first", maintain_order=True)
    )

    receiver_parts = pl.concat(
        [rc.drop("shop_no"), order_part.select("shop_no", "order_id", "_keep")[pl.Series(receiver_owner, dtype=pl.Int64)]],
        how="horizontal",
    ).with_columns(*constants)
    receivers_frame = (
        receiver_parts.filter(pl.col("_keep"))
        .select([pl.col("shipping_code").fill_null("") if name == "shipping_code" else pl.col(name)
                 for name in RECEIVER_SCHEMA])
        .unique(subset=["mall_id", "shop_no", "order_id", "shipping_code"], keep="last")
    )  # fmt: skip
    frames = OrderFrames(orders=_with_hash(orders_frame), items=_with_hash(items_frame), receivers=receivers_frame)
    return frames, bad_rows, skipped


# --- columns -------------------------------------------------------------------------------------


def _field_columns(records: list[dict], fields: dict[str, str]) -> dict[str, tuple[str, list[Any]]]:
    """Each field's values over the records; a key no record has is not looked up row by row."""
    present = set().union(*records) if records else set()
    absent = [None] * len(records)
    return {key: (kind, [r.get(key) for r in records] if key in present else absent) for key, kind in fields.items()}


def _typed_table(columns: dict[str, tuple[str, list[Any]]]) -> pl.DataFrame:
    """Every column as the typed parser reads it, plus `_bad`: the rows that need the typed route.

    Plain text (and plain integers for integer fields) is parsed by polars expressions, all in one
    `select`; a column holding other JSON types is converted value by value with the typed parser's
    own functions (exact, slower).
    """
    series: list[pl.Series] = []
    exprs: list[pl.Expr] = []
    bads: list[pl.Expr] = []
    for key, (kind, values) in columns.items():
        column = None
        types = set(map(type, values))
        if types <= {_NONE}:  # absent everywhere on the page (common for event dates): nothing to parse
            series.append(pl.Series(key, [None] * len(values), dtype=_DTYPE[kind]))
            exprs.append(pl.col(key))
            continue
        naive = kind == "ts" and types <= _STR_TYPES and any(len(v) == 19 for v in values if v)
        if types <= (_INT_TYPES if kind == "int" else _STR_TYPES):
            try:
                column = pl.Series(key, values, dtype=pl.Int64 if kind == "int" else pl.String, strict=True)
            except (OverflowError, TypeError, pl.exceptions.PolarsError):
                column = None
        if column is None:  # other JSON types: value by value
            column, bad = _per_value(values, kind, key)
            series.append(column)
            exprs.append(pl.col(key))
            if bad is not None:
                series.append(pl.Series(f"_bad_{key}", bad, dtype=pl.Boolean))
                bads.append(pl.col(f"_bad_{key}"))
            continue
        series.append(column)
        if kind == "int":
            exprs.append(pl.col(key))
            continue
        value, irregular = _parse_expr(key, kind, naive=naive)
        exprs.append(value.alias(key))
        bads.append(irregular.fill_null(False))
    frame = pl.DataFrame(series)
    flag = pl.any_horizontal(bads) if bads else pl.lit(False)
    return frame.select(*exprs, flag.alias("_bad"))


def _parse_expr(key: str, kind: str, *, naive: bool = True) -> tuple[pl.Expr, pl.Expr]:
    """(value, irregular) expressions for a text column: irregular where the casts could differ.

    One anchored pattern per non-text kind both checks the shape and rules out surrounding spaces;
    text columns compare themselves with their strip by Python's own whitespace characters.
    """
    text = pl.col(key)
    blank = pl.when(text == "").then(None).otherwise(text)
    if kind == "str":
        return blank, text.str.strip_chars(_SPACE_TEXT) != text
    if kind == "money":
        return blank.cast(MONEY, strict=False), ~blank.str.contains(_MONEY_TEXT)
    if kind == "bool":
        return blank == "T", ~blank.is_in(["T", "F"])
    if kind == "date":
        parsed = blank.str.to_date("%Y-%m-%d", strict=False)
        return parsed, ~blank.str.contains(_DATE_TEXT) | (parsed.is_null() & blank.is_not_null())
    # timestamps: with an offset, or naive KST "YYYY-MM-DD HH:MM:SS" (19 characters)
    aware = blank.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_unit="us", time_zone="UTC")
    if not naive:  # no value of the column has the naive shape's length: one parse
        return aware, ~blank.str.contains(_TS_TEXT) | (aware.is_null() & blank.is_not_null())
    local = (
        blank.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us")
        .dt.replace_time_zone("Asia/Seoul", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
    parsed = pl.when(blank.str.len_bytes() == 19).then(local).otherwise(aware)
    return parsed, ~blank.str.contains(_TS_TEXT) | (parsed.is_null() & blank.is_not_null())


def _per_value(values: list[Any], kind: str, name: str) -> tuple[pl.Series, list[bool] | None]:
    """Every value through the typed parser's function (exact); a refused value marks its row."""
    convert = _SLOW[kind]
    out: list[Any] = []
    bad: list[bool] = []
    for value in values:
        try:
            converted = convert(value, name)
        except FieldError:
            out.append(None)
            bad.append(True)
            continue
        if kind == "money":
            converted = None if converted is None else str(converted)
        elif kind == "ts":
            converted = _epoch_us(converted)
        out.append(converted)
        bad.append(False)
    try:
        if kind == "money":
            series = pl.Series(name, out, dtype=pl.String, strict=True).cast(MONEY)
        elif kind == "ts":
            series = pl.Series(name, out, dtype=pl.Int64, strict=True).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
        else:
            series = pl.Series(name, out, dtype=_DTYPE[kind], strict=True)
    except (OverflowError, TypeError, pl.exceptions.PolarsError):
        return pl.Series(name, [None] * len(values), dtype=_DTYPE[kind]), [v is not None for v in values]
    return series, bad if any(bad) else None


_SLOW: dict[str, Callable[[Any, str], Any]] = {
    "int": parse_int, "str": parse_str, "money": parse_money, "bool": parse_bool, "ts": parse_datetime,
    "date": parse_date,
}  # fmt: skip
_DTYPE: dict[str, pl.DataType | type[pl.DataType]] = {
    "int": pl.Int64, "str": pl.String, "money": MONEY, "bool": pl.Boolean, "ts": UTC_TS, "date": pl.Date,
}  # fmt: skip


def _flag_expr(name: str) -> pl.Expr:
    """Cafe24's T/F/M order flags: M (partly) counts as True, null stays null (`order_frames._flag`)."""
    column = pl.col(name)
    return pl.when(column.is_null()).then(None).otherwise(column.is_in(["T", "M"])).alias(name)


def _amounts_of(order: dict) -> dict:
    """`actual_order_amount or initial_order_amount or {}`, as the typed order's maps are chosen."""
    return order.get("actual_order_amount") or order.get("initial_order_amount") or {}


def _amount_maps_ok(order: dict) -> bool:
    for key in ("actual_order_amount", "initial_order_amount"):
        amounts = order.get(key)
        if not amounts:
            continue
        for value in amounts.values():
            if value is None or (type(value) is str and _MONEY_RE.fullmatch(value)):
                continue
            return False  # the typed route reads (or refuses) anything else
    return True


def _fields_ok(record: dict, kinds: dict[str, str]) -> bool:
    for key, kind in kinds.items():
        try:
            _SLOW[kind](record.get(key), key)
        except FieldError:
            return False
    return True


def _payment_methods(orders: list[dict], bad: list[bool]) -> pl.Series:
    """JSON text of each payment method list; lists of plain trimmed strings only (others: typed route)."""
    out: list[str] = []
    for index, order in enumerate(orders):
        methods = order.get("payment_method") or []
        if all(type(m) is str and m and m == m.strip() for m in methods):
            out.append(_dump_methods(methods))
        else:
            out.append("[]")
            bad[index] = True
    return pl.Series("payment_method", out, dtype=pl.String)


def _dump_methods(methods: list[str]) -> str:
    return json.dumps(list(methods))
