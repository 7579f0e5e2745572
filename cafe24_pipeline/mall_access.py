"""How a mall is reached: the store-backed token store and connection registry, and the client.

The composition root of the Cafe24 side. `cafe24/` defines the protocols (`TokenStore`,
`ConnectionRegistry`), `store/` implements them, and this module plugs them together for the CLI,
the Dagster resources and the tests, so no core package imports the other's internals.
"""

from __future__ import annotations

from datetime import timedelta

import httpx

from cafe24_pipeline.cafe24.auth import OAuthClient
from cafe24_pipeline.cafe24.client import Cafe24Client
from cafe24_pipeline.cafe24.clock import Clock
from cafe24_pipeline.cafe24.connect import Connection, connect_mall
from cafe24_pipeline.cafe24.crypto import TokenCipher
from cafe24_pipeline.cafe24.errors import NotConnected, ReauthRequired
from cafe24_pipeline.cafe24.governor import RateGovernor
from cafe24_pipeline.cafe24.options import ClientOptions
from cafe24_pipeline.cafe24.tokens import STATUS_REAUTH, TokenManager
from cafe24_pipeline.settings import Settings
from cafe24_pipeline.store import Store
from cafe24_pipeline.store.connections import SqlConnectionRegistry
from cafe24_pipeline.store.token_store import SqlTokenStore


def token_store(settings: Settings, store: Store, *, clock: Clock | None = None) -> SqlTokenStore:
    """The mall tokens of `store`, encrypted with the key of `settings` (a bad key fails here)."""
    return SqlTokenStore(store, TokenCipher.from_settings(settings), clock=clock)


def registry(settings: Settings, store: Store, *, clock: Clock | None = None) -> SqlConnectionRegistry:
    return SqlConnectionRegistry(store, token_store(settings, store, clock=clock), clock=clock)


def connections(store: Store) -> SqlConnectionRegistry:
    """Read-only view of the connected malls (no key needed)."""
    return SqlConnectionRegistry(store)


def load_connection(store: Store, mall_id: str) -> Connection | None:
    return connections(store).load(mall_id)


def list_connections(store: Store) -> list[Connection]:
    return connections(store).list()


def connect(
    settings: Settings,
    store: Store,
    mall_id: str,
    *,
    code: str | None = None,
    redirect_uri: str | None = None,
    refresh_token: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Connection:
    """Connect a mall (see `cafe24.connect.connect_mall`) with the store's token store and registry."""
    tokens = token_store(settings, store)
    return connect_mall(
        settings,
        SqlConnectionRegistry(store, tokens),
        tokens,
        mall_id,
        code=code,
        redirect_uri=redirect_uri,
        refresh_token=refresh_token,
        transport=transport,
    )


def token_manager(
    settings: Settings, store: Store, mall_id: str, *, refresh_margin: timedelta | None = None, clock: Clock | None = None
) -> TokenManager:
    kwargs = {"refresh_margin": refresh_margin} if refresh_margin is not None else {}
    return TokenManager(mall_id, token_store(settings, store, clock=clock), OAuthClient(settings), clock=clock, **kwargs)


def open_client(
    settings: Settings,
    store: Store,
    mall_id: str,
    *,
    options: ClientOptions | None = None,
    refresh_margin: timedelta | None = None,
    governor: RateGovernor | None = None,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Cafe24Client:
    """A client for a connected mall, with store-backed tokens (refresh, rotation, reauth handling).

    Raises NotConnected / ReauthRequired at once (no call is made) when the mall cannot be used.
    """
    connection = load_connection(store, mall_id)
    if connection is None:
        raise NotConnected(mall_id)
    if connection.status == STATUS_REAUTH:
        raise ReauthRequired(mall_id, connection.status_reason or "the refresh token was rejected")
    manager = token_manager(settings, store, mall_id, refresh_margin=refresh_margin, clock=clock)
    return Cafe24Client(
        mall_id, settings=settings, tokens=manager, options=options, governor=governor, clock=clock, transport=transport
    )


def keep_alive(settings: Settings, store: Store, *, within: timedelta = timedelta(days=11), clock: Clock | None = None) -> list:
    """`cafe24.keepalive.keep_alive` over the store's registry and tokens."""
    from cafe24_pipeline.cafe24.keepalive import keep_alive as keep_alive_core

    return keep_alive_core(
        settings, registry(settings, store, clock=clock), token_store(settings, store, clock=clock), within=within, clock=clock
    )
