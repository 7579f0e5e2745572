"""Registering a mall: exchange the code (or a refresh token), store the tokens, record the connection.

Order matters: the fresh token pair is committed first (a refresh token is single-use, so it must
be durable before anything else can fail), then the mall's shops are fetched, then the
`connections` row is completed. No Dagster here; the CLI adds the mall's dynamic partition.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

import httpx
import sqlalchemy as sa

from cafe24_pipeline.cafe24.auth import OAuthClient
from cafe24_pipeline.cafe24.clock import SYSTEM_CLOCK, Clock
from cafe24_pipeline.cafe24.crypto import TokenCipher
from cafe24_pipeline.cafe24.errors import Cafe24Error, Cafe24ApiError
from cafe24_pipeline.cafe24.models import TokenResponse
from cafe24_pipeline.cafe24.tokens import STATUS_ACTIVE, TokenManager, TokenStore, lock_name
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


class ConnectError(Cafe24Error):
    """Connecting a mall failed; the message says which step and what to do."""


def connect_mall(
    settings: Settings,
    store,
    mall_id: str,
    *,
    code: str | None = None,
    redirect_uri: str | None = None,
    refresh_token: str | None = None,
    http: httpx.Client | None = None,
    cipher: TokenCipher | None = None,
    clock: Clock | None = None,
) -> Connection:
    """Exchange `code` (+ `redirect_uri`) or spend `refresh_token`, store tokens, fetch shops, record the mall."""
    validate_mall_id(mall_id)
    if (code is None) == (refresh_token is None):
        raise ConnectError("connect needs either --code (with --redirect-uri) or --refresh-token, not both")
    if code is not None and not redirect_uri:
        raise ConnectError("--code needs the same --redirect-uri that was used for the consent URL")
    clock = clock or SYSTEM_CLOCK
    oauth = OAuthClient(settings, http=http)
    token = oauth.exchange_code(mall_id, code, redirect_uri) if code else oauth.refresh(mall_id, refresh_token)  # type: ignore[arg-type]
    if token.mall_id and token.mall_id != mall_id:
        raise ConnectError(
            f"the token was issued for mall {token.mall_id!r}, not {mall_id!r}; check the mall id and the consent URL"
        )
    cipher = cipher or TokenCipher.from_settings(settings)
    token_store = TokenStore(store, cipher, clock=clock)
    _save_connection(store, token_store, mall_id, token, settings.client_id, clock)
    shop_nos, reason, shops = _fetch_shops(settings, mall_id, token_store, oauth, http)
    now = clock.now()
    _save_shops(store, mall_id, shops, now)
    connections = store.table("connections")
    with store.transaction() as conn:
        conn.execute(
            sa.update(connections)
            .where(connections.c.mall_id == mall_id)
            .values(shop_nos=list(shop_nos), status=STATUS_ACTIVE, status_reason=reason, updated_at=now)
        )
    connection = load_connection(store, mall_id)
    assert connection is not None
    log.info("mall %s connected (shops %s, scopes %s)", mall_id, list(shop_nos), ",".join(connection.scopes))
    return connection


def _save_connection(store, token_store: TokenStore, mall_id: str, token: TokenResponse,
                     client_id: str | None, clock: Clock) -> None:
    connections = store.table("connections")
    now = clock.now()
    values = {
        "scopes": list(token.scopes),
        "user_id": token.user_id,
        "client_id": token.client_id or client_id,
        "status": STATUS_ACTIVE,
        "status_reason": None,
        "access_expires_at": token.expires_at,
        "refresh_expires_at": token.refresh_token_expires_at,
        "connected_at": now,
        "updated_at": now,
    }
    with store.transaction(lock=lock_name(mall_id)) as conn:
        exists = conn.execute(sa.select(connections.c.mall_id).where(connections.c.mall_id == mall_id)).first()
        if exists:
            conn.execute(sa.update(connections).where(connections.c.mall_id == mall_id).values(**values))
        else:
            conn.execute(sa.insert(connections).values(mall_id=mall_id, shop_nos=[1], **values))
        token_store.save(conn, mall_id, token, client_id=client_id)


def _fetch_shops(settings, mall_id, token_store, oauth, http) -> tuple[tuple[int, ...], str | None, list]:
    from cafe24_pipeline.cafe24.client import Cafe24Client

    manager = TokenManager(mall_id, token_store, oauth)
    try:
        with Cafe24Client(mall_id, settings=settings, tokens=manager, http=http, total_timeout=120) as client:
            shops = client.list_shops()
    except Cafe24ApiError as exc:
        if exc.status == 403:
            reason = "shops unknown (token lacks mall.read_store): only shop 1 is synced"
            log.warning("mall %s: %s", mall_id, reason)
            return (1,), reason, []
        raise
    nos = tuple(sorted(s.shop_no for s in shops if s.active is not False)) or (1,)
    return nos, None, shops


def _save_shops(store, mall_id: str, shops: list, now: datetime) -> None:
    """Record the mall's shops (name, currency, language, active) for `status` and analysts."""
    if not shops:
        return
    import polars as pl

    frame = pl.DataFrame(
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
        schema_overrides={"default_shop": pl.Boolean, "active": pl.Boolean, "shop_name": pl.Utf8,
                          "currency_code": pl.Utf8, "language_code": pl.Utf8},
    )
    store.upsert("cafe24_shops", frame)


def _row_to_connection(row) -> Connection:
    def as_tuple(value, cast):
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


def load_connection(store, mall_id: str) -> Connection | None:
    connections = store.table("connections")
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(connections).where(connections.c.mall_id == mall_id)).mappings().first()
    return _row_to_connection(row) if row else None


def list_connections(store) -> list[Connection]:
    connections = store.table("connections")
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(connections).order_by(connections.c.mall_id)).mappings().all()
    return [_row_to_connection(r) for r in rows]


def open_client(settings: Settings, store, mall_id: str, *, refresh_margin=None, **client_kwargs) -> "Cafe24Client":  # noqa: F821
    """A client for a connected mall, with store-backed tokens (refresh, rotation, reauth handling).

    `refresh_margin` (a timedelta, default 10 minutes) is how long before expiry the token is renewed.
    """
    from cafe24_pipeline.cafe24.client import Cafe24Client

    connection = load_connection(store, mall_id)
    if connection is None:
        from cafe24_pipeline.cafe24.errors import NotConnected

        raise NotConnected(mall_id)
    if connection.status == "reauth_required":
        from cafe24_pipeline.cafe24.errors import ReauthRequired

        raise ReauthRequired(mall_id, connection.status_reason or "the refresh token was rejected")
    token_store = TokenStore(store, TokenCipher.from_settings(settings))
    manager = TokenManager(
        mall_id,
        token_store,
        OAuthClient(settings, http=client_kwargs.get("http")),
        **({"refresh_margin": refresh_margin} if refresh_margin is not None else {}),
    )
    return Cafe24Client(mall_id, settings=settings, tokens=manager, **client_kwargs)
