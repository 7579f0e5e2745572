"""Bookkeeping on the Cafe24 mirror tables that is not a row's content."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from cafe24_pipeline.store import schema


def mark_seen(conn: sa.Connection, mall_id: str, shop_no: int, product_nos: Sequence[int], at: datetime) -> tuple[int, int]:
    """Record that a catalogue read just returned these products and their variants (changed or not).

    The push side compares this with the time Cafe24 answered a push: whichever is newer says what
    Cafe24 holds (a merchant setting a value back to what we last read is then seen too).
    Returns the products and variants marked now (rows upserted with this `seen_at` already are not).
    """
    if not product_nos:
        return 0, 0
    p, v = schema.cafe24_products, schema.cafe24_variants
    numbers = list(product_nos)
    # rows the same transaction just upserted with `seen_at = at` are left alone: rewriting them
    # would copy every such row (raw JSON and all) a second time
    products = conn.execute(
        p.update()
        .where(p.c.mall_id == mall_id, p.c.shop_no == shop_no, p.c.product_no.in_(numbers), p.c.seen_at.is_distinct_from(at))
        .values(seen_at=at)
    ).rowcount
    variants = conn.execute(
        v.update()
        .where(
            v.c.mall_id == mall_id,
            v.c.shop_no == shop_no,
            v.c.product_no.in_(numbers),
            v.c.deleted_at.is_(None),
            v.c.seen_at.is_distinct_from(at),
        )
        .values(seen_at=at)
    ).rowcount
    return max(products, 0), max(variants, 0)
