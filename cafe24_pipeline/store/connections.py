"""`SqlConnectionRegistry`: the `cafe24.connect.ConnectionRegistry` protocol over `connections`,
`oauth_tokens` and `cafe24_shops` (the mall's shops as connect found them)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import polars as pl
import sqlalchemy as sa

from cafe24_pipeline.cafe24.clock import SYSTEM_CLOCK, Clock
from cafe24_pipeline.cafe24.connect import Connection
from cafe24_pipeline.cafe24.models import Shop, TokenResponse
from cafe24_pipeline.store import schema
from cafe24_pipeline.store.store import Store
from cafe24_pipeline.store.token_store import SqlTokenStore


class SqlConnectionRegistry:
    """Connected malls: registration (tokens and connection in one transaction), shops, reads."""

    def __init__(self, store: Store, token_store: SqlTokenStore | None = None, *, clock: Clock | None = None) -> None:
        self.store = store
        self.token_store = token_store
        self.clock = clock or SYSTEM_CLOCK

    def ready(self) -> None:
        """Fail now, before a token is spent, if the token key or a write transaction does not work."""
        if self.token_store is not None:
            self.token_store.ready()
        with self.store.transaction() as conn:
            conn.execute(sa.text("SELECT 1"))

    def register(self, mall_id: str, token: TokenResponse, *, client_id: str | None) -> None:
        if self.token_store is None:
            raise RuntimeError("SqlConnectionRegistry.register needs the token store")
        with self.token_store.exclusive(mall_id) as locked:
            locked.register_connection(token, client_id=client_id)

    def set_shops(self, mall_id: str, shops: Sequence[Shop], shop_nos: Sequence[int], reason: str | None) -> None:
        now = self.clock.now()
        connections = schema.connections
        with self.store.transaction() as conn:
            if shops:
                self.store.upsert("cafe24_shops", _shops_frame(mall_id, shops, now), conn=conn)
            conn.execute(
                sa.update(connections)
                .where(connections.c.mall_id == mall_id)
                .values(shop_nos=list(shop_nos), status="active", status_reason=reason, updated_at=now)
            )

    def load(self, mall_id: str) -> Connection | None:
        connections = schema.connections
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(connections).where(connections.c.mall_id == mall_id)).mappings().first()
        return _row_to_connection(row) if row else None

    def list(self) -> list[Connection]:
        connections = schema.connections
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(connections).order_by(connections.c.mall_id)).mappings().all()
        return [_row_to_connection(r) for r in rows]


def _shops_frame(mall_id: str, shops: Sequence[Shop], now: Any) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "mall_id": [mall_id] * len(shops),
            "shop_no": [s.shop_no for s in shops],
            "shop_name": [s.shop_name for s in shops],
            "currency_code": [s.currency_code for s in shops],
            "language_code": [s.language_code for s in shops],
            "default_shop": [s.default for s in shops],
            "active": [s.active for s in shops],
            "raw": [json.dumps(s.raw, ensure_ascii=False) for s in shops],
            "synced_at": [now] * len(shops),
        },
        schema_overrides={
            "default_shop": pl.Boolean,
            "active": pl.Boolean,
            "shop_name": pl.Utf8,
            "currency_code": pl.Utf8,
            "language_code": pl.Utf8,
        },
    )


def _row_to_connection(row: Any) -> Connection:
    def as_tuple(value: Any, cast: Any) -> tuple:
        if value is None:
            return ()
        items = json.loads(value) if isinstance(value, str) else value
        return tuple(cast(v) for v in items)

    return Connection(
        mall_id=row["mall_id"],
        shop_nos=as_tuple(row["shop_nos"], int),
        scopes=as_tuple(row["scopes"], str),
        user_id=row["user_id"],
        client_id=row["client_id"],
        status=row["status"],
        status_reason=row["status_reason"],
        access_expires_at=row["access_expires_at"],
        refresh_expires_at=row["refresh_expires_at"],
        connected_at=row["connected_at"],
        updated_at=row["updated_at"],
    )
