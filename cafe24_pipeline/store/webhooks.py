"""`webhook_inbox`: events received, each once, until they are turned into re-fetches."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cafe24_pipeline.store import schema
from cafe24_pipeline.store.store import Store
from cafe24_pipeline.webhooks.events import WebhookEvent


@dataclass(frozen=True)
class InboxRow:
    id: int
    mall_id: str
    event_no: int
    hint: dict[str, Any]
    attempts: int


class WebhookInbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, event: WebhookEvent, *, received_at: datetime) -> bool:
        """Store the event unless the same delivery is already there; True when it was new."""
        t = schema.webhook_inbox
        payload = json.dumps(
            {"event_no": event.event_no, "shop_no": event.shop_no, **event.hint}, ensure_ascii=False, sort_keys=True
        )
        insert = (
            _insert(self.store.dialect)(t)
            .values(
                mall_id=event.mall_id,
                event_no=event.event_no,
                dedupe_key=event.dedupe_key,
                payload=payload,
                status="pending",
                attempts=0,
                received_at=received_at,
            )
            .on_conflict_do_nothing(index_elements=["mall_id", "dedupe_key"])
            .returning(t.c.id)
        )
        with self.store.transaction() as conn:
            return conn.execute(insert).first() is not None

    def pending_count(self) -> int:
        t = schema.webhook_inbox
        with self.store.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).where(t.c.status == "pending")).scalar_one())

    def pending(self, *, limit: int = 500, mall_id: str | None = None) -> list[InboxRow]:
        t = schema.webhook_inbox
        query = sa.select(t.c.id, t.c.mall_id, t.c.event_no, t.c.payload, t.c.attempts).where(t.c.status == "pending")
        if mall_id is not None:
            query = query.where(t.c.mall_id == mall_id)
        with self.store.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.c.id).limit(limit)).all()
        return [
            InboxRow(r[0], r[1], int(r[2]), json.loads(r[3]) if isinstance(r[3], str) else dict(r[3]), int(r[4])) for r in rows
        ]

    def pending_malls(self) -> list[str]:
        t = schema.webhook_inbox
        with self.store.engine.connect() as conn:
            return [
                r[0]
                for r in conn.execute(
                    sa.select(t.c.mall_id).where(t.c.status == "pending").distinct().order_by(t.c.mall_id)
                ).all()
            ]

    def finish(self, ids: Sequence[int], *, status: str, at: datetime, error: str | None = None) -> None:
        """Mark rows done (or `skipped` for our own echoes), or failed with the error."""
        if not ids:
            return
        t = schema.webhook_inbox
        with self.store.transaction() as conn:
            conn.execute(
                t.update()
                .where(t.c.id.in_(list(ids)))
                .values(status=status, processed_at=at, error=error, attempts=t.c.attempts + 1)
            )

    def retry_later(self, ids: Sequence[int], *, error: str, max_attempts: int = 5, at: datetime) -> None:
        """A failed re-fetch: keep the rows pending (until `max_attempts`) with the error."""
        if not ids:
            return
        t = schema.webhook_inbox
        with self.store.transaction() as conn:
            conn.execute(
                t.update()
                .where(t.c.id.in_(list(ids)))
                .values(
                    attempts=t.c.attempts + 1,
                    error=error[:500],
                    status=sa.case((t.c.attempts + 1 >= max_attempts, "failed"), else_="pending"),
                    processed_at=sa.case((t.c.attempts + 1 >= max_attempts, at), else_=None),
                )
            )


def _insert(dialect: str):  # noqa: ANN202
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
