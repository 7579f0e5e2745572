"""Token refresh for one mall, safe across threads and processes, through a `TokenStore`.

The store (implemented in `store/token_store.py`) keeps the pair encrypted. A refresh happens inside
`TokenStore.exclusive(mall)`, which only one process can hold per mall: it re-reads the row first
(someone else may already have refreshed), calls Cafe24, and commits the rotated refresh token
**before** the new access token is handed out.

Why a refresh failed decides what happens next:
- Cafe24 refused the *grant* (the refresh token expired, was revoked or already used): the
  connection becomes `reauth_required` and `ReauthRequired` is raised; no call is made for that
  mall until it is connected again — a dead token is never retried in a loop.
- Cafe24 refused the *app's credentials* (a wrong CAFE24_CLIENT_SECRET answers `invalid_grant`
  "Invalid client_secret"; an unknown client id `invalid_client`): a configuration error. The
  connection stays `active`, the stored refresh token is untouched (Cafe24 did not spend it), and
  `AppCredentialsRejected` names the variable to fix.
- Anything transient (network): nothing changed; the caller may try later.
"""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from cafe24_pipeline.cafe24.auth import OAuthClient
from cafe24_pipeline.cafe24.clock import SYSTEM_CLOCK, Clock
from cafe24_pipeline.cafe24.errors import AppCredentialsRejected, NotConnected, ReauthRequired, TokenExchangeError
from cafe24_pipeline.cafe24.models import TokenResponse

log = logging.getLogger(__name__)

DEFAULT_REFRESH_MARGIN = timedelta(minutes=10)
STATUS_ACTIVE = "active"
STATUS_REAUTH = "reauth_required"
STATUS_DISCONNECTED = "disconnected"


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


class LockedTokens(Protocol):
    """One mall's tokens while `TokenStore.exclusive` holds them."""

    def load(self) -> StoredTokens | None: ...
    def connection_status(self) -> tuple[str, str | None] | None: ...
    def save(self, token: TokenResponse, *, client_id: str | None) -> int: ...
    def mark_status(self, status: str, reason: str | None) -> None: ...


class TokenStore(Protocol):
    """Where a mall's tokens and connection status persist (the pipeline's store implements it)."""

    def load(self, mall_id: str) -> StoredTokens | None: ...
    def connection_status(self, mall_id: str) -> tuple[str, str | None] | None: ...
    def exclusive(self, mall_id: str) -> AbstractContextManager[LockedTokens]: ...


def is_credentials_error(exc: TokenExchangeError) -> bool:
    """True when Cafe24 refused the app (client id / secret), not the grant."""
    text = f"{exc.error or ''} {exc.description or ''}".lower()
    return (exc.error or "") == "invalid_client" or "client_secret" in text or "client_id" in text


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
        self.clock = clock or SYSTEM_CLOCK
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
            if self._cached is not None and self._fresh(self._cached):
                return self._cached.access_token
            self._check_status(self.token_store.connection_status(self.mall_id))
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

    def reread_after_rejection(self, rejected: str) -> str | None:
        """After a second 401: the stored token, if another process stored a newer one meanwhile."""
        with self._lock:
            stored = self.token_store.load(self.mall_id)
            if stored is None or stored.access_token == rejected:
                return None
            self._cached = stored
            return stored.access_token

    def force_refresh(self) -> str:
        """Refresh now whatever the expiry (keep-alive schedule): renews the 14-day refresh token."""
        with self._lock:
            self._cached = None
            return self._refresh(rejected=None, force=True)

    def _check_status(self, status: tuple[str, str | None] | None) -> None:
        if status is not None and status[0] == STATUS_REAUTH:
            raise ReauthRequired(self.mall_id, status[1] or "the refresh token was rejected")
        if status is not None and status[0] == STATUS_DISCONNECTED:
            raise NotConnected(self.mall_id)

    def _refresh(self, *, rejected: str | None, force: bool = False) -> str:
        failure: Exception | None = None
        result: StoredTokens | None = None
        with self.token_store.exclusive(self.mall_id) as locked:
            self._check_status(locked.connection_status())
            stored = locked.load()
            if stored is None:
                raise NotConnected(self.mall_id)
            replaced = rejected is not None and stored.access_token != rejected
            if not force and (replaced or (rejected is None and self._fresh(stored))):
                result = stored  # someone else refreshed while we waited for the lock
            elif stored.refresh_expires_at <= self.clock.now():
                reason = f"the refresh token expired at {stored.refresh_expires_at.isoformat()}"
                locked.mark_status(STATUS_REAUTH, reason)
                failure = ReauthRequired(self.mall_id, reason)
            else:
                try:
                    token = self.oauth.refresh(self.mall_id, stored.refresh_token)
                except TokenExchangeError as exc:
                    if not exc.is_permanent:
                        raise  # transient (network): nothing changed, the caller may try later
                    if is_credentials_error(exc):
                        raise AppCredentialsRejected(self.mall_id, exc) from None  # connection stays active
                    reason = f"Cafe24 rejected the refresh token ({exc.status} {exc.error or ''})".strip()
                    locked.mark_status(STATUS_REAUTH, reason)
                    failure = ReauthRequired(self.mall_id, reason)
                else:
                    locked.save(token, client_id=stored.client_id)
                    self.refreshes += 1
                    result = locked.load()
        # committed: the rotated refresh token is durable before the new access token is used
        if failure is not None:
            log.error("%s", failure)
            raise failure
        assert result is not None
        self._cached = result
        log.info("access token of mall %s ready (expires %s)", self.mall_id, result.access_expires_at.isoformat())
        return result.access_token
