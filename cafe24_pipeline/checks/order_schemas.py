"""pandera (polars) schemas for the order tables; plain pandera, no Dagster.

- `order_items_unique_schema`: no `order_item_code` twice in a mall (the natural key of an item).
- `order_items_mapped_schema`: every item's Cafe24 code is in the status table and got an OMS status
  (an unknown code is never defaulted, so it shows up here).
- `order_totals_schema`: each order's `order_price_amount` equals the sum of its live (not cancelled)
  items' (product_price + option_price) × quantity, every order has items, every item has its order.

`failures(schema, frame)` returns the offending rows themselves, for the check metadata.
"""

from __future__ import annotations

from decimal import Decimal

import pandera.errors
import pandera.polars as pa
import polars as pl

from cafe24_pipeline.oms.status_map import CANCELED, KNOWN_CODES, STATUS_TABLE

CANCELLED_CODES = sorted(r.code for r in STATUS_TABLE if r.oms_status == CANCELED)

order_items_unique_schema = pa.DataFrameSchema(
    {"mall_id": pa.Column(str, nullable=False), "order_item_code": pa.Column(str, nullable=False)},
    unique=["mall_id", "order_item_code"],
    name="order_item_code_unique",
)

order_items_mapped_schema = pa.DataFrameSchema(
    {
        "order_item_code": pa.Column(str, nullable=False),
        "order_status": pa.Column(str, pa.Check.isin(sorted(KNOWN_CODES)), nullable=False),
        "oms_status": pa.Column(str, nullable=False),
    },
    name="every_item_mapped",
)

order_totals_schema = pa.DataFrameSchema(
    {
        "order_id": pa.Column(str, nullable=False),
        "has_items": pa.Column(bool, pa.Check.isin([True])),
        "has_order": pa.Column(bool, pa.Check.isin([True])),
        "totals_match": pa.Column(bool, pa.Check.isin([True])),
    },
    name="order_totals_consistent",
)


def order_totals_frame(orders: pl.DataFrame, items: pl.DataFrame) -> pl.DataFrame:
    """One row per order (and per orphan item's order) with the consistency facts to validate.

    `orders` needs mall_id, shop_no, order_id, order_price_amount; `items` needs mall_id, order_id,
    order_status, product_price, option_price, quantity. Sums are exact Decimal.
    """
    sums: dict[tuple[str, str], Decimal] = {}
    for mall_id, order_id, status, price, option, qty in items.select(
        "mall_id", "order_id", "order_status", "product_price", "option_price", "quantity"
    ).iter_rows():
        key = (mall_id, order_id)
        sums.setdefault(key, Decimal(0))
        if status in CANCELLED_CODES:
            continue
        sums[key] += ((price or Decimal(0)) + (option or Decimal(0))) * int(qty or 0)
    rows = []
    seen = set()
    for mall_id, order_id, amount in orders.select("mall_id", "order_id", "order_price_amount").iter_rows():
        key = (mall_id, order_id)
        seen.add(key)
        rows.append(
            {
                "mall_id": mall_id,
                "order_id": order_id,
                "order_price_amount": None if amount is None else str(amount),
                "items_total": str(sums[key]) if key in sums else None,
                "has_items": key in sums,
                "has_order": True,
                "totals_match": key in sums and amount is not None and Decimal(amount) == sums[key],
            }
        )
    for key, total in sums.items():
        if key not in seen:
            rows.append(
                {"mall_id": key[0], "order_id": key[1], "order_price_amount": None, "items_total": str(total),
                 "has_items": True, "has_order": False, "totals_match": False}
            )  # fmt: skip
    schema = {
        "mall_id": pl.String, "order_id": pl.String, "order_price_amount": pl.String, "items_total": pl.String,
        "has_items": pl.Boolean, "has_order": pl.Boolean, "totals_match": pl.Boolean,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def failures(schema: pa.DataFrameSchema, frame: pl.DataFrame) -> pl.DataFrame:
    """The rows of `frame` that break `schema` (empty when it validates)."""
    try:
        schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        indexes = [i for i in cases["index"].to_list() if i is not None] if "index" in cases.columns else []
        if indexes:
            return frame.with_row_index("_row").filter(pl.col("_row").is_in(indexes)).drop("_row")
        # Frame-wide failures (e.g. uniqueness) may carry no row index: fall back to rule-based rows.
        if schema.unique:
            return frame.filter(pl.struct(schema.unique).is_duplicated())
        return frame
    return frame.clear()
