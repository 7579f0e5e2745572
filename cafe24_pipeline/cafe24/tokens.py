"""Token persistence and refresh for one mall, safe across threads and processes.

Tokens live encrypted in the store's `oauth_tokens` table. A refresh happens inside one write
transaction that only one process can hold per mall (PostgreSQL: advisory lock + SELECT … FOR
UPDATE; SQLite: BEGIN IMMEDIATE), re-reads the row first (someone else may already have
refreshed), calls Cafe24, and commits the rotated refresh token **before** the new access token
is handed out. A rejected refresh (or an expired refresh token) marks the connection
`reauth_required` and raises ReauthRequired; from then on no call is made for that mall until it
is connected again — a dead token is never retried in a loop.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from cafe24_pipeline.cafe24.auth import OAuthClient
from cafe24_pipeline.cafe24.clock import SYSTEM_CLOCK, Clock
from cafe24_pipeline.cafe24.crypto import TokenCipher
from cafe24_pipeline.cafe24.errors import NotConnected, ReauthRequired, TokenExchangeError
from cafe24_pipeline.cafe24.models import TokenResponse

log = logging.getLogger(__name__)

DEFAULT_REFRESH_MARGIN = timedelta(minutes=10)
STATUS_ACTIVE = "active"
STATUS_REAUTH = "reauth_required"
STATUS_DISCONNECTED = "disconnected"


def lock_name(mall_id: str) -> str:
    return f"oauth:{mall_id}"


@dataclass(frozen=True)
class StoredTokens:
    """A mall's decrypted token pair; the token values never appear in repr."""

    mall_id: str
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_expires_at: datetime
    issued_at: datetime | None
    client_id: str | None = field(repr=False)
    scopes: tuple[str, ...]
    rotation: int


class TokenStore:
    """Reads and writes `oauth_tokens` (encrypted) and the token columns of `connections`."""

    def __init__(self, store: Any, cipher: TokenCipher, *, clock: Clock | None = None) -> None:
        self.store = store
        self.cipher = cipher
        self.clock = clock or SYSTEM_CLOCK
        self._tokens = store.table("oauth_tokens")
        self._connections = store.table("connections")

    def __repr__(self) -> str:
        return f"TokenStore({self.store!r})"

    def load(self, mall_id: str, *, conn: sa.Connection | None = None, for_update: bool = False) -> StoredTokens | None:
        query = sa.select(self._tokens).where(self._tokens.c.mall_id == mall_id)
        if for_update and self.store.dialect == "postgresql":
            query = query.with_for_update()
        if conn is None:
            with self.store.engine.connect() as own:
                row = own.execute(query).mappings().first()
        else:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        return StoredTokens(
            mall_id=mall_id,
            access_token=self.cipher.decrypt(row["access_token_enc"]),
            refresh_token=self.cipher.decrypt(row["refresh_token_enc"]),
            access_expires_at=row["access_expires_at"],
            refresh_expires_at=row["refresh_expires_at"],
            issued_at=row["issued_at"],
            client_id=row["client_id"],
            scopes=tuple(_json_list(row["scopes"])),
            rotation=int(row["rotation"] or 0),
        )

    def connection_status(self, mall_id: str, *, conn: sa.Connection | None = None) -> tuple[str, str | None] | None:
        query = sa.select(self._connections.c.status, self._connections.c.status_reason).where(
            self._connections.c.mall_id == mall_id
        )
        if conn is None:
            with self.store.engine.connect() as own:
                row = own.execute(query).first()
        else:
            row = conn.execute(query).first()
        return (row[0], row[1]) if row else None

    def save(self, conn: sa.Connection, mall_id: str, token: TokenResponse, *, client_id: str | None = None) -> int:
        """Write a new token pair (encrypted) and its expiry on the connection; returns the rotation."""
        now = self.clock.now()
        current = conn.execute(
            sa.select(self._tokens.c.rotation).where(self._tokens.c.mall_id == mall_id)
        ).first()
        values = {
            "client_id": token.client_id or client_id,
            "access_token_enc": self.cipher.encrypt(token.access_token),
            "refresh_token_enc": self.cipher.encrypt(token.refresh_token),
            "access_expires_at": token.expires_at,
            "refresh_expires_at": token.refresh_token_expires_at,
            "issued_at": token.issued_at or now,
            "scopes": list(token.scopes),
            "updated_at": now,
        }
        if current is None:
            rotation = 0
            conn.execute(sa.insert(self._tokens).values(mall_id=mall_id, rotation=rotation, **values))
        else:
            rotation = int(current[0] or 0) + 1
            conn.execute(
                sa.update(self._tokens).where(self._tokens.c.mall_id == mall_id).values(rotation=rotation, **values)
            )
        conn.execute(
            sa.update(self._connections)
            .where(self._connections.c.mall_id == mall_id)
            .values(
                access_expires_at=token.expires_at,
                refresh_expires_at=token.refresh_token_expires_at,
                updated_at=now,
            )
        )
        return rotation

    def mark_status(self, conn: sa.Connection, mall_id: str, status: str, reason: str | None) -> None:
        conn.execute(
            sa.update(self._connections)
            .where(self._connections.c.mall_id == mall_id)
            .values(status=status, status_reason=reason, updated_at=self.clock.now())
        )


def _json_list(value: Any) -> list[str]:
    import json

    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    try:
        decoded = json.loads(value)
    except (TypeError, ValueError):
        return []
    return [str(v) for v in decoded] if isinstance(decoded, list) else []


class TokenManager:
    """The access-token provider of one mall: cached, refreshed ahead of expiry, one refresher at a time."""

    def __init__(
        self,
        mall_id: str,
        token_store: TokenStore,
        oauth: OAuthClient,
        *,
        refresh_margin: timedelta = DEFAULT_REFRESH_MARGIN,
        clock: Clock | None = None,
    ) -> None:
        self.mall_id = mall_id
        self.token_store = token_store
        self.oauth = oauth
        self.refresh_margin = refresh_margin
        self.clock = clock or token_store.clock
        self._lock = threading.Lock()
        self._cached: StoredTokens | None = None
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"TokenManager(mall_id={self.mall_id!r})"

    def _fresh(self, tokens: StoredTokens | None) -> bool:
        """Usable for longer than the refresh margin (capped at a quarter of the token's lifetime)."""
        if tokens is None:
            return False
        margin = self.refresh_margin
        if tokens.issued_at is not None:
            margin = min(margin, (tokens.access_expires_at - tokens.issued_at) / 4)
        return tokens.access_expires_at - margin > self.clock.now()

    def access_token(self) -> str:
        """A usable access token: cached, else re-read (another process may have refreshed), else refreshed."""
        with self._lock:
            if self._fresh(self._cached):
                return self._cached.access_token  # type: ignore[union-attr]
            self._check_status()
            stored = self.token_store.load(self.mall_id)
            if stored is None:
                raise NotConnected(self.mall_id)
            if self._fresh(stored):
                self._cached = stored
                return stored.access_token
            return self._refresh(rejected=None)

    def refresh_after_rejection(self, rejected: str) -> str:
        """After a 401: refresh, unless another thread/process already replaced the rejected token."""
        with self._lock:
            self._cached = None
            return self._refresh(rejected=rejected)

    def force_refresh(self) -> str:
        """Refresh now whatever the expiry (keep-alive schedule): renews the 14-day refresh token."""
        with self._lock:
            self._cached = None
            return self._refresh(rejected=None, force=True)

    def _check_status(self) -> None:
        status = self.token_store.connection_status(self.mall_id)
        if status is not None and status[0] == STATUS_REAUTH:
            raise ReauthRequired(self.mall_id, status[1] or "the refresh token was rejected")
        if status is not None and status[0] == STATUS_DISCONNECTED:
            raise NotConnected(self.mall_id)

    def _refresh(self, *, rejected: str | None, force: bool = False) -> str:
        store = self.token_store
        failure: Exception | None = None
        result: StoredTokens | None = None
        with store.store.transaction(lock=lock_name(self.mall_id)) as conn:
            status = store.connection_status(self.mall_id, conn=conn)
            if status is not None and status[0] == STATUS_REAUTH:
                raise ReauthRequired(self.mall_id, status[1] or "the refresh token was rejected")
            stored = store.load(self.mall_id, conn=conn, for_update=True)
            if stored is None:
                raise NotConnected(self.mall_id)
            replaced = rejected is not None and stored.access_token != rejected
            if not force and (replaced or (rejected is None and self._fresh(stored))):
                result = stored  # someone else refreshed while we waited for the lock
            elif stored.refresh_expires_at <= self.clock.now():
                reason = f"the refresh token expired at {stored.refresh_expires_at.isoformat()}"
                store.mark_status(conn, self.mall_id, STATUS_REAUTH, reason)
                failure = ReauthRequired(self.mall_id, reason)
            else:
                try:
                    token = self.oauth.refresh(self.mall_id, stored.refresh_token)
                except TokenExchangeError as exc:
                    if not exc.is_permanent:
                        raise  # transient (network): nothing changed, the caller may try later
                    reason = f"Cafe24 rejected the refresh token ({exc.status} {exc.error or ''})".strip()
                    store.mark_status(conn, self.mall_id, STATUS_REAUTH, reason)
                    failure = ReauthRequired(self.mall_id, reason)
                else:
                    store.save(conn, self.mall_id, token, client_id=stored.client_id)
                    self.refreshes += 1
                    result = store.load(self.mall_id, conn=conn)
        # committed: the rotated refresh token is durable before the new access token is used
        if failure is not None:
            log.error("%s", failure)
            raise failure
        assert result is not None
        self._cached = result
        log.info("access token of mall %s ready (expires %s)", self.mall_id, result.access_expires_at.isoformat())
        return result.access_token
