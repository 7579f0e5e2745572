"""A credential or key problem never spends a token (issue 11), against the sandbox on both stores:
- a wrong CAFE24_CLIENT_SECRET fails with one line naming it; the mall stays `active` and its stored
  refresh token is untouched (and still works once the secret is fixed);
- `connect --refresh-token` checks the token key before it spends the token;
- only a refused grant (a dead refresh token) sets `reauth_required`.
"""

from __future__ import annotations

import dataclasses
import os

import pytest

from cafe24_pipeline.cafe24.auth import OAuthClient
from cafe24_pipeline.cafe24.crypto import TokenCipher, TokenKeyError
from cafe24_pipeline.cafe24.errors import AppCredentialsRejected, ReauthRequired
from cafe24_pipeline.mall_access import connect, load_connection, open_client, token_store
from cafe24_pipeline.store import Store
from tests.integration.cafe24_client_support import REDIRECT_URI, consent_code, running_sandbox, settings_for

MALL = "shopa"


def _stored_refresh(settings, store) -> str:
    return token_store(settings, store).load(MALL).refresh_token


def test_wrong_client_secret_keeps_the_connection_and_its_refresh_token(tmp_path, store_url):
    with running_sandbox(products=5, orders=0) as sb, Store.open(store_url) as store:
        settings = settings_for(sb, tmp_path / "home", store_url)
        connect(settings, store, MALL, code=consent_code(sb, settings, MALL), redirect_uri=REDIRECT_URI)
        before = _stored_refresh(settings, store)
        sb.control("POST", "tokens/expire", {"mall": MALL})  # the next call must refresh
        wrong = dataclasses.replace(settings, client_secret="not-the-secret")
        with open_client(wrong, store, MALL) as client:
            with pytest.raises(AppCredentialsRejected) as info:
                client.list_shops()
        assert "CAFE24_CLIENT_SECRET" in str(info.value) and "not-the-secret" not in str(info.value)
        assert load_connection(store, MALL).status == "active"
        assert _stored_refresh(settings, store) == before
        with open_client(settings, store, MALL) as client:  # fixed: the same refresh token still works
            assert client.list_shops()
        assert _stored_refresh(settings, store) != before  # and was rotated by that refresh


def test_a_dead_refresh_token_sets_reauth_required(tmp_path, store_url):
    with running_sandbox(products=5, orders=0) as sb, Store.open(store_url) as store:
        settings = settings_for(sb, tmp_path / "home", store_url)
        connect(settings, store, MALL, code=consent_code(sb, settings, MALL), redirect_uri=REDIRECT_URI)
        OAuthClient(settings).refresh(MALL, _stored_refresh(settings, store))  # someone else spends it
        sb.control("POST", "tokens/expire", {"mall": MALL})
        with open_client(settings, store, MALL) as client:
            with pytest.raises(ReauthRequired):
                client.list_shops()
        assert load_connection(store, MALL).status == "reauth_required"


def test_connect_with_a_bad_key_file_does_not_spend_the_refresh_token(tmp_path, store_url):
    with running_sandbox(products=5, orders=0) as sb, Store.open(store_url) as store:
        settings = settings_for(sb, tmp_path / "home", store_url)
        connect(settings, store, MALL, code=consent_code(sb, settings, MALL), redirect_uri=REDIRECT_URI)
        refresh = _stored_refresh(settings, store)
        key = next(settings.home.glob("*key*"))
        os.chmod(key, 0o644)  # a key readable by others is refused
        with pytest.raises(TokenKeyError):
            connect(settings, store, MALL, refresh_token=refresh)
        os.chmod(key, 0o600)
        assert OAuthClient(settings).refresh(MALL, refresh).refresh_token  # the token was not spent
        assert TokenCipher.from_settings(settings)
