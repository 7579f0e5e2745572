"""Registering a mall: exchange the code (or a refresh token), store the tokens, record the connection.

Order matters. Everything that can fail locally is checked first (credentials, the token key, a
writable store), because a refresh token is single-use: spending it and then failing to store the
new pair loses the connection. Then the fresh pair is committed together with the `connections`
row, then the mall's shops are fetched and recorded. No Dagster and no SQL here: the store
implements `ConnectionRegistry` and `TokenStore` (store/connections.py, store/token_store.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx

from cafe24_pipeline.cafe24.shops import active_shop_nos
from cafe24_pipeline.cafe24.auth import OAuthClient
from cafe24_pipeline.cafe24.errors import Cafe24ApiError, Cafe24Error
from cafe24_pipeline.cafe24.models import Shop, TokenResponse
from cafe24_pipeline.cafe24.options import ClientOptions
from cafe24_pipeline.cafe24.tokens import TokenManager, TokenStore
from cafe24_pipeline.settings import Settings, validate_mall_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Connection:
    """A row of `connections` (no secrets in it)."""

    mall_id: str
    shop_nos: tuple[int, ...]
    scopes: tuple[str, ...]
    user_id: str | None
    client_id: str | None
    status: str
    status_reason: str | None
    access_expires_at: datetime | None
    refresh_expires_at: datetime | None
    connected_at: datetime | None
    updated_at: datetime | None


class ConnectionRegistry(Protocol):
    """Where connected malls are recorded (the pipeline's store implements it)."""

    def ready(self) -> None:
        """Raise if a new token pair could not be stored (checked before a token is spent)."""
        ...

    def register(self, mall_id: str, token: TokenResponse, *, client_id: str | None) -> None: ...
    def set_shops(self, mall_id: str, shops: Sequence[Shop], shop_nos: Sequence[int], reason: str | None) -> None: ...
    def load(self, mall_id: str) -> Connection | None: ...
    def list(self) -> list[Connection]: ...


class ConnectError(Cafe24Error):
    """Connecting a mall failed; the message says which step and what to do."""


def connect_mall(
    settings: Settings,
    registry: ConnectionRegistry,
    token_store: TokenStore,
    mall_id: str,
    *,
    code: str | None = None,
    redirect_uri: str | None = None,
    refresh_token: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Connection:
    """Exchange `code` (+ `redirect_uri`) or spend `refresh_token`, store tokens, fetch shops, record the mall."""
    validate_mall_id(mall_id)
    if (code is None) == (refresh_token is None):
        raise ConnectError("connect needs either --code (with --redirect-uri) or --refresh-token, not both")
    if code is not None and not redirect_uri:
        raise ConnectError("--code needs the same --redirect-uri that was used for the consent URL")
    oauth = OAuthClient(settings)  # checks the app credentials are configured
    registry.ready()  # the key and the store work: nothing below can strand a spent token
    if code is not None:
        token = oauth.exchange_code(mall_id, code, redirect_uri or "")
    else:
        token = oauth.refresh(mall_id, refresh_token or "")
    if token.mall_id and token.mall_id != mall_id:
        raise ConnectError(
            f"the token was issued for mall {token.mall_id!r}, not {mall_id!r}; check the mall id and the consent URL"
        )
    registry.register(mall_id, token, client_id=settings.client_id)
    shop_nos, reason, shops = _fetch_shops(settings, mall_id, token_store, oauth, transport)
    registry.set_shops(mall_id, shops, shop_nos, reason)
    connection = registry.load(mall_id)
    if connection is None:  # pragma: no cover - register wrote it
        raise ConnectError(f"mall {mall_id} was not recorded")
    log.info("mall %s connected (shops %s, scopes %s)", mall_id, list(shop_nos), ",".join(connection.scopes))
    return connection


def _fetch_shops(
    settings: Settings, mall_id: str, token_store: TokenStore, oauth: OAuthClient, transport: httpx.BaseTransport | None
) -> tuple[tuple[int, ...], str | None, list[Shop]]:
    from cafe24_pipeline.cafe24.client import Cafe24Client

    manager = TokenManager(mall_id, token_store, oauth)
    try:
        with Cafe24Client(
            mall_id, settings=settings, tokens=manager, transport=transport, options=ClientOptions(total_timeout=120)
        ) as client:
            shops = client.list_shops()
    except Cafe24ApiError as exc:
        if exc.status == 403:
            reason = "shops unknown (token lacks mall.read_store): only shop 1 is synced"
            log.warning("mall %s: %s", mall_id, reason)
            return (1,), reason, []
        raise
    return tuple(active_shop_nos(shops)), None, shops
