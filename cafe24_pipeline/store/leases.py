"""`mall_leases`: who may call a mall's API right now (the rules are in `sync/lease.py`).

Each operation is one write transaction serialised per mall (PostgreSQL: advisory lock; SQLite:
BEGIN IMMEDIATE), so two processes can never both believe they took the lease.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from cafe24_pipeline.store import schema
from cafe24_pipeline.store.store import Store


@dataclass(frozen=True)
class LeaseRow:
    mall_id: str
    token: str
    purpose: str
    host: str
    pid: int
    pid_started: str | None
    run_id: str | None
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime


class LeaseTable:
    """Take, renew and give back rows of `mall_leases`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def take(self, candidate: LeaseRow, *, may_replace: Callable[[LeaseRow], bool]) -> LeaseRow:
        """Write `candidate` unless a row is held that `may_replace` refuses; returns the row now held."""
        t = schema.mall_leases
        with self.store.transaction(lock=f"lease:{candidate.mall_id}") as conn:
            row = conn.execute(sa.select(t).where(t.c.mall_id == candidate.mall_id)).mappings().first()
            if row is not None:
                held = LeaseRow(**row)
                if not may_replace(held):
                    return held
                conn.execute(t.delete().where(t.c.mall_id == candidate.mall_id))
            conn.execute(t.insert().values(**candidate.__dict__))
        return candidate

    def renew(self, mall_id: str, token: str, *, heartbeat_at: datetime, expires_at: datetime) -> bool:
        """Move the expiry of our lease; False when it is no longer ours (taken over)."""
        t = schema.mall_leases
        with self.store.transaction(lock=f"lease:{mall_id}") as conn:
            result = conn.execute(
                t.update()
                .where(t.c.mall_id == mall_id, t.c.token == token)
                .values(heartbeat_at=heartbeat_at, expires_at=expires_at)
            )
            return result.rowcount == 1

    def give_back(self, mall_id: str, token: str) -> bool:
        t = schema.mall_leases
        with self.store.transaction(lock=f"lease:{mall_id}") as conn:
            return conn.execute(t.delete().where(t.c.mall_id == mall_id, t.c.token == token)).rowcount == 1

    def current(self, mall_id: str) -> LeaseRow | None:
        t = schema.mall_leases
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(t).where(t.c.mall_id == mall_id)).mappings().first()
        return LeaseRow(**row) if row else None
