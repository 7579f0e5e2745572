"""Token lifecycle against the sandbox over real HTTP: connect, expiry, refresh, rotation,
concurrent refreshers in separate processes (SQLite and PostgreSQL), rejected refresh, keep-alive."""

from __future__ import annotations

import hashlib
import multiprocessing
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from cafe24_pipeline.cafe24.auth import OAuthClient
from cafe24_pipeline.cafe24.crypto import TokenCipher
from cafe24_pipeline.cafe24.errors import ReauthRequired, TokenExchangeError
from cafe24_pipeline.cafe24.tokens import TokenManager
from cafe24_pipeline.mall_access import connect as connect_mall, keep_alive, load_connection, open_client
from cafe24_pipeline.store.token_store import SqlTokenStore as TokenStore
from cafe24_pipeline.store import Store
from tests.integration.cafe24_client_support import REDIRECT_URI, consent_code, running_sandbox, settings_for

MALL = "shopa"


@pytest.fixture()
def short_lived():
    """A sandbox whose access tokens live 4 seconds."""
    with running_sandbox(access_token_ttl=4.0) as sb:
        yield sb


def _connect(sb, tmp_path, url):
    settings = settings_for(sb, tmp_path / "home", url)
    store = Store.open(url)
    connection = connect_mall(settings, store, MALL, code=consent_code(sb, settings, MALL), redirect_uri=REDIRECT_URI)
    return settings, store, connection


def _token_row(store):
    table = store.table("oauth_tokens")
    with store.engine.connect() as conn:
        return conn.execute(sa.select(table).where(table.c.mall_id == MALL)).mappings().one()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def test_connect_stores_encrypted_tokens_and_registers_the_mall(short_lived, tmp_path, store_url):
    settings, store, connection = _connect(short_lived, tmp_path, store_url)
    try:
        assert connection.status == "active" and connection.shop_nos == (1, 2)
        assert "mall.read_product" in connection.scopes and connection.user_id
        assert connection.access_expires_at.tzinfo is not None
        row = _token_row(store)
        stored = TokenStore(store, TokenCipher.from_settings(settings)).load(MALL)
        assert stored.access_token not in row["access_token_enc"] and stored.refresh_token not in row["refresh_token_enc"]
        assert row["rotation"] == 0
        with open_client(settings, store, MALL) as client:
            assert [s.shop_no for s in client.list_shops()] == [1, 2]
    finally:
        store.close()


def test_code_is_single_use(short_lived, tmp_path, sqlite_store_url):
    settings = settings_for(short_lived, tmp_path / "home", sqlite_store_url)
    code = consent_code(short_lived, settings, MALL)
    with Store.open(sqlite_store_url) as store:
        connect_mall(settings, store, MALL, code=code, redirect_uri=REDIRECT_URI)
        with pytest.raises(TokenExchangeError) as info:
            connect_mall(settings, store, MALL, code=code, redirect_uri=REDIRECT_URI)
    assert info.value.error == "invalid_grant"


def test_expiry_refresh_and_rotation(short_lived, tmp_path, sqlite_store_url):
    settings, store, _ = _connect(short_lived, tmp_path, sqlite_store_url)
    try:
        cipher = TokenCipher.from_settings(settings)
        before = TokenStore(store, cipher).load(MALL)
        with open_client(settings, store, MALL, refresh_margin=timedelta(seconds=1)) as client:
            client.list_shops()
            assert _token_row(store)["rotation"] == 0  # still fresh: no refresh
            time.sleep(3.2)  # within the 1 s margin of the 4 s lifetime: refreshed ahead of expiry
            client.list_shops()
            assert client.stats.token_refreshes == 0  # proactive, not after a 401
        after = TokenStore(store, cipher).load(MALL)
        assert _token_row(store)["rotation"] == 1
        assert after.access_token != before.access_token and after.refresh_token != before.refresh_token
        assert after.access_expires_at > before.access_expires_at
        with pytest.raises(TokenExchangeError) as info:  # rotation: the old refresh token is dead
            OAuthClient(settings).refresh(MALL, before.refresh_token)
        assert info.value.is_permanent
    finally:
        store.close()


def test_401_triggers_one_refresh_and_one_retry(short_lived, tmp_path, sqlite_store_url):
    settings, store, _ = _connect(short_lived, tmp_path, sqlite_store_url)
    try:
        with open_client(settings, store, MALL) as client:
            client.list_shops()
            short_lived.control("POST", "tokens/expire", {"mall": MALL})
            assert [s.shop_no for s in client.list_shops()] == [1, 2]
            assert client.stats.token_refreshes == 1 and client.stats.by_status.get(401) == 1
        assert _token_row(store)["rotation"] == 1
    finally:
        store.close()


def _child(env: dict, url: str, margin: float, barrier, results) -> None:
    from cafe24_pipeline.settings import Settings

    settings = Settings.from_env(env)
    with Store.open(url, run_migrations=False) as store:
        with open_client(settings, store, MALL, refresh_margin=timedelta(seconds=margin)) as client:
            barrier.wait(timeout=60)
            shops = client.list_shops()
            token = client.tokens.access_token()
            results.put((len(shops), _digest(token), client.stats.token_refreshes))


def _race(sb, tmp_path, url, *, processes: int, proactive: bool) -> None:
    settings, store, _ = _connect(sb, tmp_path, url)
    try:
        env = {
            "CAFE24_PIPELINE_HOME": str(settings.home),
            "CAFE24_API_BASE_URL": settings.api_base_url,
            "CAFE24_CLIENT_ID": settings.client_id,
            "CAFE24_CLIENT_SECRET": settings.client_secret,
        }
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(processes + 1)
        results = ctx.Queue()
        margin = 1.0 if proactive else 0.0
        children = [ctx.Process(target=_child, args=(env, url, margin, barrier, results)) for _ in range(processes)]
        for child in children:
            child.start()
        if proactive:
            time.sleep(3.3)  # every child now sees a token inside its refresh margin
        else:
            sb.control("POST", "tokens/expire", {"mall": MALL})  # server-side expiry: every child gets a 401
        barrier.wait(timeout=60)
        outcomes = [results.get(timeout=60) for _ in children]
        for child in children:
            child.join(timeout=30)
            assert child.exitcode == 0
        assert _token_row(store)["rotation"] == 1  # exactly one refresh happened
        stored = TokenStore(store, TokenCipher.from_settings(settings)).load(MALL)
        assert {digest for _, digest, _ in outcomes} == {_digest(stored.access_token)}  # one valid token for all
        assert all(shops == 2 for shops, _, _ in outcomes)
        with open_client(settings, store, MALL) as client:  # the stored pair is the live one
            client.list_shops()
            assert client.stats.token_refreshes == 0
        assert keep_alive(settings, store, within=timedelta(days=30))[0].action == "refreshed"
    finally:
        store.close()


@pytest.mark.slow
def test_processes_refreshing_at_once_leave_one_valid_token_sqlite(short_lived, tmp_path, sqlite_store_url):
    _race(short_lived, tmp_path, sqlite_store_url, processes=3, proactive=True)


@pytest.mark.slow
@pytest.mark.postgres
def test_processes_refreshing_at_once_leave_one_valid_token_postgres(short_lived, tmp_path, postgres_schema_url):
    _race(short_lived, tmp_path, postgres_schema_url, processes=3, proactive=True)


@pytest.mark.slow
def test_processes_racing_after_401_leave_one_valid_token(tmp_path, store_url):
    with running_sandbox(invalidate_old_access_token_on_refresh=True) as sb:
        _race(sb, tmp_path, store_url, processes=3, proactive=False)


class CountingOAuth(OAuthClient):
    calls = 0

    def refresh(self, mall_id, refresh_token):
        CountingOAuth.calls += 1
        return super().refresh(mall_id, refresh_token)


def test_rejected_refresh_marks_reauth_required_and_never_retries(short_lived, tmp_path, store_url):
    settings, store, _ = _connect(short_lived, tmp_path, store_url)
    try:
        cipher = TokenCipher.from_settings(settings)
        stolen = TokenStore(store, cipher).load(MALL)
        OAuthClient(settings).refresh(MALL, stolen.refresh_token)  # someone else spends our refresh token
        short_lived.control("POST", "tokens/expire", {"mall": MALL})
        CountingOAuth.calls = 0
        manager = TokenManager(MALL, TokenStore(store, cipher), CountingOAuth(settings))
        from cafe24_pipeline.cafe24.client import Cafe24Client

        with Cafe24Client(MALL, settings=settings, tokens=manager) as client:
            with pytest.raises(ReauthRequired) as info:
                client.list_shops()
            assert "connect shopa" in str(info.value)
            calls_before = short_lived.stats(MALL)["total_calls"]
            for _ in range(3):  # every later call fails at once: no refresh, no API call
                with pytest.raises(ReauthRequired):
                    client.list_shops()
            assert CountingOAuth.calls == 1
            assert short_lived.stats(MALL)["total_calls"] == calls_before
        connection = load_connection(store, MALL)
        assert connection.status == "reauth_required" and "rejected" in connection.status_reason
        with pytest.raises(ReauthRequired):
            open_client(settings, store, MALL)
        outcome = keep_alive(settings, store, within=timedelta(days=30))
        assert outcome[0].action == "skipped"  # the keep-alive does not hammer a dead token either
        # reconnecting restores the mall
        connect_mall(settings, store, MALL, code=consent_code(short_lived, settings, MALL), redirect_uri=REDIRECT_URI)
        assert load_connection(store, MALL).status == "active"
        with open_client(settings, store, MALL) as client:
            client.list_shops()
    finally:
        store.close()


def test_keep_alive_refreshes_only_quiet_malls(short_lived, tmp_path, sqlite_store_url):
    settings, store, _ = _connect(short_lived, tmp_path, sqlite_store_url)
    try:
        assert [o.action for o in keep_alive(settings, store, within=timedelta(days=11))] == ["fresh"]
        assert _token_row(store)["rotation"] == 0
        before = load_connection(store, MALL).refresh_expires_at
        assert [o.action for o in keep_alive(settings, store, within=timedelta(days=14, hours=1))] == ["refreshed"]
        assert _token_row(store)["rotation"] == 1 and load_connection(store, MALL).refresh_expires_at >= before
    finally:
        store.close()


def test_client_built_from_a_token_store(short_lived, tmp_path, sqlite_store_url):
    from cafe24_pipeline.cafe24.client import Cafe24Client

    settings, store, _ = _connect(short_lived, tmp_path, sqlite_store_url)
    try:
        token_store = TokenStore(store, TokenCipher.from_settings(settings))
        manager = TokenManager(MALL, token_store, OAuthClient(settings))
        with Cafe24Client(MALL, settings=settings, tokens=manager) as client:
            short_lived.control("POST", "tokens/expire", {"mall": MALL})
            assert len(client.list_shops()) == 2 and client.stats.token_refreshes == 1
    finally:
        store.close()
