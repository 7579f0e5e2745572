"""`SqlTokenStore`: the `cafe24.tokens.TokenStore` protocol over the store's tables.

Tokens live encrypted (the cipher is handed in; the store never sees a key) in `oauth_tokens`;
their expiry and the connection status live on `connections`. `exclusive(mall)` is the one place
a refresh may happen: a write transaction that only one process can hold per mall (PostgreSQL:
advisory lock + SELECT … FOR UPDATE; SQLite: BEGIN IMMEDIATE). It commits when the block ends, so
a rotated refresh token is durable before the new access token is handed out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import sqlalchemy as sa

from cafe24_pipeline.cafe24.clock import SYSTEM_CLOCK, Clock
from cafe24_pipeline.cafe24.models import TokenResponse
from cafe24_pipeline.cafe24.tokens import StoredTokens
from cafe24_pipeline.store import schema
from cafe24_pipeline.store.store import Store


class Cipher(Protocol):
    def encrypt(self, plaintext: str) -> str: ...
    def decrypt(self, ciphertext: str) -> str: ...


def lock_name(mall_id: str) -> str:
    return f"oauth:{mall_id}"


class SqlTokenStore:
    """Encrypted token pairs and connection status of every mall (see the module docstring)."""

    def __init__(self, store: Store, cipher: Cipher, *, clock: Clock | None = None) -> None:
        self.store = store
        self.cipher = cipher
        self.clock = clock or SYSTEM_CLOCK

    def __repr__(self) -> str:
        return f"SqlTokenStore({self.store!r})"

    def ready(self) -> None:
        """Raise if the cipher cannot round-trip a value (a bad key must fail before a token is spent)."""
        probe = "cafe24-pipeline-key-check"
        if self.cipher.decrypt(self.cipher.encrypt(probe)) != probe:
            raise ValueError("the token key does not round-trip; check CAFE24_PIPELINE_SECRET_KEY")

    def load(self, mall_id: str) -> StoredTokens | None:
        with self.store.engine.connect() as conn:
            return _load(conn, self.cipher, mall_id, for_update=False, dialect=self.store.dialect)

    def connection_status(self, mall_id: str) -> tuple[str, str | None] | None:
        with self.store.engine.connect() as conn:
            return _status(conn, mall_id)

    @contextmanager
    def exclusive(self, mall_id: str) -> Iterator["_LockedTokens"]:
        with self.store.transaction(lock=lock_name(mall_id)) as conn:
            yield _LockedTokens(self, conn, mall_id)

    def save_new(self, mall_id: str, token: TokenResponse, *, client_id: str | None) -> int:
        """Store a freshly issued pair (connect) in its own transaction; returns the rotation."""
        with self.exclusive(mall_id) as locked:
            return locked.save(token, client_id=client_id)


class _LockedTokens:
    """One mall's tokens inside the exclusive transaction."""

    def __init__(self, owner: SqlTokenStore, conn: sa.Connection, mall_id: str) -> None:
        self._owner = owner
        self._conn = conn
        self.mall_id = mall_id

    def load(self) -> StoredTokens | None:
        return _load(self._conn, self._owner.cipher, self.mall_id, for_update=True, dialect=self._owner.store.dialect)

    def connection_status(self) -> tuple[str, str | None] | None:
        return _status(self._conn, self.mall_id)

    def save(self, token: TokenResponse, *, client_id: str | None) -> int:
        tokens, connections = schema.oauth_tokens, schema.connections
        now = self._owner.clock.now()
        cipher = self._owner.cipher
        current = self._conn.execute(sa.select(tokens.c.rotation).where(tokens.c.mall_id == self.mall_id)).first()
        values = {
            "client_id": token.client_id or client_id,
            "access_token_enc": cipher.encrypt(token.access_token),
            "refresh_token_enc": cipher.encrypt(token.refresh_token),
            "access_expires_at": token.expires_at,
            "refresh_expires_at": token.refresh_token_expires_at,
            "issued_at": token.issued_at or now,
            "scopes": list(token.scopes),
            "updated_at": now,
        }
        if current is None:
            rotation = 0
            self._conn.execute(sa.insert(tokens).values(mall_id=self.mall_id, rotation=rotation, **values))
        else:
            rotation = int(current[0] or 0) + 1
            self._conn.execute(sa.update(tokens).where(tokens.c.mall_id == self.mall_id).values(rotation=rotation, **values))
        self._conn.execute(
            sa.update(connections)
            .where(connections.c.mall_id == self.mall_id)
            .values(access_expires_at=token.expires_at, refresh_expires_at=token.refresh_token_expires_at, updated_at=now)
        )
        return rotation

    def register_connection(self, token: TokenResponse, *, client_id: str | None) -> None:
        """Create or re-activate the mall's `connections` row for a freshly issued pair, then save it."""
        connections = schema.connections
        values = _connection_values(token, client_id, self._owner.clock.now())
        exists = self._conn.execute(sa.select(connections.c.mall_id).where(connections.c.mall_id == self.mall_id)).first()
        if exists:
            self._conn.execute(sa.update(connections).where(connections.c.mall_id == self.mall_id).values(**values))
        else:
            self._conn.execute(sa.insert(connections).values(mall_id=self.mall_id, shop_nos=[1], **values))
        self.save(token, client_id=client_id)

    def mark_status(self, status: str, reason: str | None) -> None:
        connections = schema.connections
        self._conn.execute(
            sa.update(connections)
            .where(connections.c.mall_id == self.mall_id)
            .values(status=status, status_reason=reason, updated_at=self._owner.clock.now())
        )


def _load(conn: sa.Connection, cipher: Cipher, mall_id: str, *, for_update: bool, dialect: str) -> StoredTokens | None:
    tokens = schema.oauth_tokens
    query = sa.select(tokens).where(tokens.c.mall_id == mall_id)
    if for_update and dialect == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    return StoredTokens(
        mall_id=mall_id,
        access_token=cipher.decrypt(row["access_token_enc"]),
        refresh_token=cipher.decrypt(row["refresh_token_enc"]),
        access_expires_at=row["access_expires_at"],
        refresh_expires_at=row["refresh_expires_at"],
        issued_at=row["issued_at"],
        client_id=row["client_id"],
        scopes=tuple(_json_list(row["scopes"])),
        rotation=int(row["rotation"] or 0),
    )


def _status(conn: sa.Connection, mall_id: str) -> tuple[str, str | None] | None:
    connections = schema.connections
    row = conn.execute(
        sa.select(connections.c.status, connections.c.status_reason).where(connections.c.mall_id == mall_id)
    ).first()
    return (row[0], row[1]) if row else None


def _json_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    try:
        decoded = json.loads(value)
    except (TypeError, ValueError):
        return []
    return [str(v) for v in decoded] if isinstance(decoded, list) else []


def _connection_values(token: TokenResponse, client_id: str | None, now: Any) -> dict[str, Any]:
    return {
        "scopes": list(token.scopes),
        "user_id": token.user_id,
        "client_id": token.client_id or client_id,
        "status": "active",
        "status_reason": None,
        "access_expires_at": token.expires_at,
        "refresh_expires_at": token.refresh_token_expires_at,
        "connected_at": now,
        "updated_at": now,
    }
