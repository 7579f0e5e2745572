"""Orders a poll re-reads unchanged, recognised by a hash of their raw JSON before they are parsed.

Polls re-read whole windows (new orders every 5 minutes over the last 12, status sweeps over every
date type), so most orders a poll sees are exactly what the store holds. Parsing them into frames
only to find equal content hashes was most of a re-run's work (docs/benchmarks.md). The sync now
hashes each raw order (its JSON with sorted keys, salted with `FRAMES_VERSION`), reads the stored
`cafe24_orders.raw_hash` of the page's orders, and parses only the orders whose hash differs.

The stored hash is that of the last raw JSON written whole: it is NULL for rows written before
migration 8 or from the typed route (re-polls by id, webhooks) and for orders with an item the
status map could not map, so those are always parsed and written again, as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import orjson
import polars as pl

FRAMES_VERSION = b"order-frames-1"
"""Bump when the frames built from the same raw JSON change: every stored order is then rebuilt once."""

HASH_SCHEMA = {"shop_no": pl.Int64, "order_id": pl.String, "raw_hash": pl.String}


def raw_hashes(records: Sequence[Any], shop_no: int) -> pl.DataFrame:
    """(shop_no, order_id, raw_hash) of the page's orders; orders the hash cannot vouch for (not an
    object, no text order id, a shop number that is not an integer, twice on the page) are left out."""
    rows: dict[tuple[int, str], str | None] = {}
    for record in records:
        key = _key(record, shop_no)
        if key is None:
            continue
        if key in rows:
            rows[key] = None  # the same order twice on one page: parse both, as the column route does
            continue
        try:
            text = orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
        except (TypeError, orjson.JSONEncodeError):
            rows[key] = None
            continue
        rows[key] = hashlib.blake2b(FRAMES_VERSION + text, digest_size=16).hexdigest()
    kept = [(shop, order_id, digest) for (shop, order_id), digest in rows.items() if digest is not None]
    return pl.DataFrame(kept, schema=HASH_SCHEMA, orient="row")


def unchanged_keys(hashes: pl.DataFrame, stored: pl.DataFrame) -> set[tuple[int, str]]:
    """(shop_no, order_id) of the orders whose stored raw hash equals the one just read."""
    if hashes.height == 0 or stored.height == 0:
        return set()
    same = hashes.join(stored.select("shop_no", "order_id", pl.col("raw_hash").alias("_stored")), on=["shop_no", "order_id"])
    same = same.filter(pl.col("raw_hash") == pl.col("_stored"))
    return set(same.select("shop_no", "order_id").iter_rows())


def without(records: Sequence[Any], shop_no: int, keys: set[tuple[int, str]]) -> list[Any]:
    """The records whose (shop_no, order_id) is not in `keys`."""
    return [r for r in records if _key(r, shop_no) not in keys]


def _key(record: Any, shop_no: int) -> tuple[int, str] | None:
    if not isinstance(record, dict):
        return None
    order_id = record.get("order_id")
    shop = record.get("shop_no", shop_no)
    if not isinstance(order_id, str) or not order_id or type(shop) is not int:
        return None
    return shop, order_id
