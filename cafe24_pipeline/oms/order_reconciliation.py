"""Daily order reconciliation: what Cafe24 says about one KST day vs what our tables hold.

Pure: two polars frames in, a findings frame out. Webhooks and polls can both miss orders
(PEERS.md lesson 9), so a daily comparison is the safety net. Findings:

- `missing_in_store`: an order (or item) Cafe24 has and we do not;
- `extra_in_store`: an order we hold for that day that Cafe24 no longer lists;
- `status_drift`: an item whose Cafe24 status differs from ours;
- `amount_mismatch`: an order whose payment amount, or an item whose price/quantity, differs.

The 1-hour edge buffer: both sides are read over [day start − buffer, day end + buffer), but only
orders whose order date falls inside the day proper are reported. An order stamped a few seconds
either side of midnight is therefore compared whichever side of the line each system put it on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import polars as pl

KST = ZoneInfo("Asia/Seoul")
DEFAULT_EDGE_BUFFER = timedelta(hours=1)

ORDER_COLUMNS = ("order_id", "shop_no", "order_date", "payment_amount")
ITEM_COLUMNS = ("order_item_code", "order_id", "order_status", "quantity", "product_price")

FINDINGS_SCHEMA = {
    "kind": pl.String,
    "shop_no": pl.Int64,
    "order_id": pl.String,
    "order_item_code": pl.String,
    "field": pl.String,
    "cafe24_value": pl.String,
    "store_value": pl.String,
}

FINDING_KINDS = ("missing_in_store", "extra_in_store", "status_drift", "amount_mismatch")


@dataclass(frozen=True)
class DayWindow:
    """One KST calendar day and the buffered window both sides are read over."""

    day: date
    start: datetime  # day start, KST-aware
    end: datetime  # next day start, KST-aware
    read_start: datetime
    read_end: datetime


def day_window(day: date, buffer: timedelta = DEFAULT_EDGE_BUFFER) -> DayWindow:
    start = datetime.combine(day, time(0), tzinfo=KST)
    end = start + timedelta(days=1)
    return DayWindow(day=day, start=start, end=end, read_start=start - buffer, read_end=end + buffer)


def reconcile(
    cafe24_orders: pl.DataFrame,
    cafe24_items: pl.DataFrame,
    store_orders: pl.DataFrame,
    store_items: pl.DataFrame,
    window: DayWindow,
) -> pl.DataFrame:
    """Findings for the orders of `window.day`; empty when both sides agree.

    Order frames need ORDER_COLUMNS (`order_date` tz-aware), item frames ITEM_COLUMNS. Money columns
    are compared as Decimal (polars Decimal or Python Decimal objects), never as floats.
    """
    for name, frame, cols in (
        ("cafe24_orders", cafe24_orders, ORDER_COLUMNS),
        ("store_orders", store_orders, ORDER_COLUMNS),
        ("cafe24_items", cafe24_items, ITEM_COLUMNS),
        ("store_items", store_items, ITEM_COLUMNS),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks columns {missing}")

    cafe24_orders, store_orders = _utc(cafe24_orders), _utc(store_orders)
    c_orders = _in_day(cafe24_orders, window)
    s_orders = _in_day(store_orders, window)
    # An order is "of the day" if either side dates it inside the day proper; the other side is
    # looked up across the whole buffered window.
    day_ids = set(c_orders["order_id"].to_list()) | set(s_orders["order_id"].to_list())
    c_all = _in_read_window(cafe24_orders, window).filter(pl.col("order_id").is_in(day_ids))
    s_all = _in_read_window(store_orders, window).filter(pl.col("order_id").is_in(day_ids))
    # Orders outside the buffered window on our side count as present (dated differently, not lost).
    s_any = store_orders.filter(pl.col("order_id").is_in(day_ids))

    findings: list[dict[str, object]] = []
    c_by_id = {r["order_id"]: r for r in c_all.iter_rows(named=True)}
    s_by_id = {r["order_id"]: r for r in s_any.iter_rows(named=True)}
    s_window_ids = set(s_all["order_id"].to_list())

    for order_id in sorted(day_ids):
        c_row, s_row = c_by_id.get(order_id), s_by_id.get(order_id)
        if c_row is not None and s_row is None:
            findings.append(_finding("missing_in_store", c_row, None, "order", "present", None))
        elif c_row is None and s_row is not None and order_id in s_window_ids:
            findings.append(_finding("extra_in_store", s_row, None, "order", None, "present"))
        elif c_row is not None and s_row is not None and _money(c_row["payment_amount"]) != _money(s_row["payment_amount"]):
            findings.append(
                _finding("amount_mismatch", c_row, None, "payment_amount", c_row["payment_amount"], s_row["payment_amount"])
            )

    both_ids = {oid for oid in day_ids if oid in c_by_id and oid in s_by_id}
    c_items = {r["order_item_code"]: r for r in cafe24_items.filter(pl.col("order_id").is_in(both_ids)).iter_rows(named=True)}
    s_items = {r["order_item_code"]: r for r in store_items.filter(pl.col("order_id").is_in(both_ids)).iter_rows(named=True)}
    for code in sorted(set(c_items) | set(s_items)):
        c_item, s_item = c_items.get(code), s_items.get(code)
        either = c_item or s_item
        assert either is not None  # `code` comes from the keys of one of the two maps
        order = c_by_id[either["order_id"]]
        if s_item is None:
            findings.append(_finding("missing_in_store", order, code, "item", "present", None))
            continue
        if c_item is None:
            findings.append(_finding("extra_in_store", order, code, "item", None, "present"))
            continue
        if c_item["order_status"] != s_item["order_status"]:
            findings.append(_finding("status_drift", order, code, "order_status", c_item["order_status"], s_item["order_status"]))
        for field in ("quantity", "product_price"):
            if _money(c_item[field]) != _money(s_item[field]):
                findings.append(_finding("amount_mismatch", order, code, field, c_item[field], s_item[field]))

    return pl.DataFrame(findings, schema=FINDINGS_SCHEMA, orient="row") if findings else pl.DataFrame(schema=FINDINGS_SCHEMA)


def summarize(findings: pl.DataFrame) -> dict[str, int]:
    counts = {kind: 0 for kind in FINDING_KINDS}
    for kind, n in findings.group_by("kind").len().iter_rows():
        counts[kind] = n
    return counts


def _utc(frame: pl.DataFrame) -> pl.DataFrame:
    dtype = frame.schema["order_date"]
    if not isinstance(dtype, pl.Datetime) or dtype.time_zone is None:
        raise ValueError(f"order_date must be a tz-aware datetime column, got {dtype}")
    return frame.with_columns(pl.col("order_date").dt.convert_time_zone("UTC").dt.cast_time_unit("us"))


def _between(frame: pl.DataFrame, start: datetime, end: datetime) -> pl.DataFrame:
    lo, hi = (pl.lit(t.astimezone(timezone.utc)).dt.cast_time_unit("us") for t in (start, end))
    return frame.filter((pl.col("order_date") >= lo) & (pl.col("order_date") < hi))


def _in_day(frame: pl.DataFrame, window: DayWindow) -> pl.DataFrame:
    return _between(frame, window.start, window.end)


def _in_read_window(frame: pl.DataFrame, window: DayWindow) -> pl.DataFrame:
    return _between(frame, window.read_start, window.read_end)


def _money(value: object) -> object:
    """Compare amounts exactly: Decimal('10000.00') == Decimal('10000') == 10000."""
    from decimal import Decimal

    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError(f"refusing to compare a float amount ({value!r}) exactly")
    return Decimal(str(value)).normalize()


def _finding(kind: str, order: dict, item_code: str | None, field: str, cafe24_value, store_value) -> dict:
    return {
        "kind": kind,
        "shop_no": int(order["shop_no"]),
        "order_id": order["order_id"],
        "order_item_code": item_code,
        "field": field,
        "cafe24_value": None if cafe24_value is None else str(cafe24_value),
        "store_value": None if store_value is None else str(store_value),
    }
