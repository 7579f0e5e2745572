"""Status history: one row per *observed change* of an item's Cafe24 status (PEERS.md lesson 4).

Polls overlap on purpose, so the same item is seen many times; a history row is appended only when
its status differs from what the store holds (or the item is new: first observation, old_status
null). Re-running a window therefore adds nothing. The item rows also get `status_changed_at` (when
we first saw the current status) and keep the `imported_backfill` flag of their first import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import polars as pl

HISTORY_SCHEMA = {
    "mall_id": pl.String,
    "shop_no": pl.Int64,
    "order_id": pl.String,
    "order_item_code": pl.String,
    "old_status": pl.String,
    "new_status": pl.String,
    "observed_at": pl.Datetime("us", "UTC"),
    "source": pl.String,
}

SOURCES = ("backfill", "poll", "webhook", "push")


@dataclass(frozen=True)
class StoredItem:
    """What the store already holds about one item, as far as history needs it."""

    order_status: str | None
    status_changed_at: datetime | None
    imported_backfill: bool


@dataclass(frozen=True)
class HistoryDiff:
    items: pl.DataFrame  # the incoming items with status_changed_at / imported_backfill settled
    history: pl.DataFrame  # rows to append (HISTORY_SCHEMA)


def diff_statuses(
    items: pl.DataFrame,
    stored: Mapping[str, StoredItem],
    *,
    observed_at: datetime,
    source: str,
) -> HistoryDiff:
    """Compare incoming items (cafe24_order_items shape) with what is stored, keyed by order_item_code."""
    if source not in SOURCES:
        raise ValueError(f"history source must be one of {SOURCES}, got {source!r}")
    rows: list[dict] = []
    changed_at: list[datetime | None] = []
    backfill: list[bool] = []
    for item in items.select("mall_id", "shop_no", "order_id", "order_item_code", "order_status", "imported_backfill").iter_rows(named=True):
        before = stored.get(item["order_item_code"])
        if before is None or before.order_status != item["order_status"]:
            rows.append(
                {
                    "mall_id": item["mall_id"],
                    "shop_no": item["shop_no"],
                    "order_id": item["order_id"],
                    "order_item_code": item["order_item_code"],
                    "old_status": None if before is None else before.order_status,
                    "new_status": item["order_status"],
                    "observed_at": observed_at,
                    "source": source,
                }
            )
            changed_at.append(observed_at)
        else:
            changed_at.append(before.status_changed_at or observed_at)
        backfill.append(before.imported_backfill if before is not None else bool(item["imported_backfill"]))
    settled = items.with_columns(
        pl.Series("status_changed_at", changed_at, dtype=pl.Datetime("us", "UTC")),
        pl.Series("imported_backfill", backfill, dtype=pl.Boolean),
    )
    history = pl.DataFrame(rows, schema=HISTORY_SCHEMA, orient="row")
    return HistoryDiff(items=settled, history=history)
