"""Bookkeeping on the Cafe24 mirror tables that is not a row's content."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from cafe24_pipeline.store import schema


def mark_seen(conn: sa.Connection, mall_id: str, shop_no: int, product_nos: Sequence[int], at: datetime) -> None:
    """Record that a catalogue read just returned these products and their variants (changed or not).

    The push side compares this with the time Cafe24 answered a push: whichever is newer says what
    Cafe24 holds (a merchant setting a value back to what we last read is then seen too).
    """
    if not product_nos:
        return
    p, v = schema.cafe24_products, schema.cafe24_variants
    numbers = list(product_nos)
    conn.execute(p.update().where(p.c.mall_id == mall_id, p.c.shop_no == shop_no, p.c.product_no.in_(numbers)).values(seen_at=at))
    conn.execute(
        v.update()
        .where(v.c.mall_id == mall_id, v.c.shop_no == shop_no, v.c.product_no.in_(numbers), v.c.deleted_at.is_(None))
        .values(seen_at=at)
    )
