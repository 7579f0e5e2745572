"""Status history: one row per *observed change* of an item's Cafe24 status (PEERS.md lesson 4).

Polls overlap on purpose, so the same item is seen many times; a history row is appended only when
its status differs from what the store holds (or the item is new: first observation, old_status
null). Re-running a window therefore adds nothing. The item rows also get `status_changed_at` (when
we first saw the current status) and keep the `imported_backfill` flag of their first import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

import polars as pl

HISTORY_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "mall_id": pl.String,
    "shop_no": pl.Int64,
    "order_id": pl.String,
    "order_item_code": pl.String,
    "old_status": pl.String,
    "new_status": pl.String,
    "observed_at": pl.Datetime("us", "UTC"),
    "source": pl.String,
    "transition_key": pl.String,
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


STORED_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "order_item_code": pl.String,
    "order_status": pl.String,
    "status_changed_at": pl.Datetime("us", "UTC"),
    "imported_backfill": pl.Boolean,
}


def transition_key() -> pl.Expr:
    """`item|old|new|when the old status was first seen`: the identity of one observed change.

    Two syncs that observe the same change (they read the same stored state) build the same key, so
    the store's unique index keeps one row; a later repeat of the same transition has another
    "first seen" time and is a new row.
    """
    prior = pl.col("_changed_at").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").fill_null("")
    return pl.concat_str(
        [pl.col("order_item_code"), pl.col("_before").fill_null(""), pl.col("order_status").cast(pl.String), prior],
        separator="|",
    )


def diff_statuses(
    items: pl.DataFrame,
    stored: Mapping[str, StoredItem],
    *,
    observed_at: datetime,
    source: str,
) -> HistoryDiff:
    """Compare incoming items (cafe24_order_items shape) with what is stored, keyed by order_item_code."""
    frame = pl.DataFrame(
        [(code, s.order_status, s.status_changed_at, s.imported_backfill) for code, s in stored.items()],
        schema=STORED_SCHEMA,
        orient="row",
    )
    return diff_against(items, frame, observed_at=observed_at, source=source)


def diff_against(items: pl.DataFrame, stored: pl.DataFrame, *, observed_at: datetime, source: str) -> HistoryDiff:
    """`diff_statuses` with the stored items as a frame (STORED_SCHEMA columns, one row per code).

    One keyed join instead of a Python loop: the sync reads the stored rows as a frame anyway.
    """
    if source not in SOURCES:
        raise ValueError(f"history source must be one of {SOURCES}, got {source!r}")
    at = pl.lit(observed_at.astimezone(timezone.utc), dtype=pl.Datetime("us", "UTC"))
    before = stored.select(
        "order_item_code",
        pl.col("order_status").cast(pl.String).alias("_before"),
        pl.col("status_changed_at").cast(pl.Datetime("us", "UTC")).alias("_changed_at"),
        pl.col("imported_backfill").cast(pl.Boolean).fill_null(False).alias("_backfill"),
        pl.lit(True).alias("_known"),
    )
    joined = items.join(before, on="order_item_code", how="left", maintain_order="left")
    known = pl.col("_known").fill_null(False)
    changed = (~known) | pl.col("_before").ne_missing(pl.col("order_status"))
    joined = joined.with_columns(changed.alias("_changed"))
    settled = joined.with_columns(
        pl.when(pl.col("_changed")).then(at).otherwise(pl.col("_changed_at").fill_null(at)).alias("status_changed_at"),
        pl.when(known)
        .then(pl.col("_backfill"))
        .otherwise(pl.col("imported_backfill").fill_null(False))
        .alias("imported_backfill"),
    ).select([*items.columns, *(c for c in ("status_changed_at", "imported_backfill") if c not in items.columns)])
    history = joined.filter(pl.col("_changed")).select(
        pl.col("mall_id").cast(pl.String),
        pl.col("shop_no").cast(pl.Int64),
        pl.col("order_id").cast(pl.String),
        pl.col("order_item_code").cast(pl.String),
        pl.col("_before").alias("old_status"),
        pl.col("order_status").cast(pl.String).alias("new_status"),
        at.alias("observed_at"),
        pl.lit(source, dtype=pl.String).alias("source"),
        transition_key().alias("transition_key"),
    )
    return HistoryDiff(items=settled, history=history)
