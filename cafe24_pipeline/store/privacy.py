"""Personal data in the store: scrub raw JSON kept by older versions, purge receivers.

Only `cafe24_order_receivers` holds personal data (docs/personal-data.md). Versions before the
personal-data filter kept the refund account of claims in `cafe24_order_items.raw`; `scrub_raw_items`
rewrites those rows through `cafe24.personal.without_personal` (and is a no-op on a clean store).
`purge_receivers` deletes receivers of orders older than a cut-off, e.g. after the retention period.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from cafe24_pipeline.cafe24.personal import without_personal
from cafe24_pipeline.store import schema
from cafe24_pipeline.store.store import Store

SCRUB_BATCH = 1_000


@dataclass(frozen=True)
class ScrubResult:
    scanned: int
    scrubbed: int
    dry_run: bool


def scrub_raw_items(store: Store, *, mall_id: str | None = None, dry_run: bool = False) -> ScrubResult:
    """Drop personal fields from every stored order item's raw JSON; returns how many rows changed."""
    t = schema.cafe24_order_items
    scanned = scrubbed = 0
    after: tuple[str, str] = ("", "")
    while True:
        stmt = (
            sa.select(t.c.mall_id, t.c.order_item_code, t.c.raw)
            .where(t.c.raw.is_not(None), sa.tuple_(t.c.mall_id, t.c.order_item_code) > sa.tuple_(*after))
            .order_by(t.c.mall_id, t.c.order_item_code)
            .limit(SCRUB_BATCH)
        )
        if mall_id is not None:
            stmt = stmt.where(t.c.mall_id == mall_id)
        with store.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        if not rows:
            return ScrubResult(scanned, scrubbed, dry_run)
        scanned += len(rows)
        changes = []
        for mall, code, raw in rows:
            value = json.loads(raw) if isinstance(raw, str) else raw
            clean = without_personal(value)
            if clean != value:
                changes.append({"m": mall, "c": code, "r": clean})
        if changes and not dry_run:
            update = (
                t.update()
                .where(t.c.mall_id == sa.bindparam("m"), t.c.order_item_code == sa.bindparam("c"))
                .values(raw=sa.bindparam("r", type_=t.c.raw.type))
            )
            with store.transaction() as conn:
                conn.execute(update, changes)
        scrubbed += len(changes)
        after = (rows[-1][0], rows[-1][1])


def purge_receivers(store: Store, *, mall_id: str, ordered_before: datetime, dry_run: bool = False) -> int:
    """Delete the receivers of the mall's orders placed before `ordered_before`; returns the count."""
    r, o = schema.cafe24_order_receivers, schema.cafe24_orders
    old_orders = sa.select(o.c.order_id).where(o.c.mall_id == mall_id, o.c.order_date < ordered_before)
    where = sa.and_(r.c.mall_id == mall_id, r.c.order_id.in_(old_orders))
    if dry_run:
        with store.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(r).where(where)).scalar_one())
    with store.transaction() as conn:
        return int(conn.execute(r.delete().where(where)).rowcount or 0)
