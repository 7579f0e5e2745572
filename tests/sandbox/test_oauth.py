"""OAuth contract: auto-consent, single-use one-minute codes, rotation, revoke, Cafe24's token fields."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.fixtures.sandbox import REDIRECT_URI, sandbox_tokens

KST_NO_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$")


def _code(server, mall="demomall", state="s1"):
    response = httpx.get(
        f"{server.api_base(mall)}/api/v2/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": server.client_id,
            "state": state,
            "redirect_uri": REDIRECT_URI,
            "scope": "mall.read_product mall.read_order",
        },
    )
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == [state]
    assert response.headers["location"].startswith(REDIRECT_URI)
    return query["code"][0]


def _token(server, data, auth=None, mall="demomall"):
    return httpx.post(
        f"{server.api_base(mall)}/api/v2/oauth/token", data=data, auth=auth or (server.client_id, server.client_secret)
    )


def test_token_response_has_cafe24_fields_and_kst_times(sandbox):
    body = sandbox_tokens(sandbox)
    assert set(body) >= {
        "access_token",
        "expires_at",
        "refresh_token",
        "refresh_token_expires_at",
        "client_id",
        "mall_id",
        "user_id",
        "scopes",
        "issued_at",
    }
    assert "expires_in" not in body
    assert body["mall_id"] == "demomall" and body["client_id"] == sandbox.client_id
    assert len(body["access_token"]) == 22
    for key in ("expires_at", "refresh_token_expires_at", "issued_at"):
        assert KST_NO_OFFSET.match(body[key]), body[key]
    issued = datetime.fromisoformat(body["issued_at"])
    assert datetime.fromisoformat(body["expires_at"]) - issued == timedelta(hours=2)
    assert datetime.fromisoformat(body["refresh_token_expires_at"]) - issued == timedelta(days=14)
    # KST wall clock: issued_at is UTC+9
    utc_now = datetime.utcnow()
    assert abs((issued - timedelta(hours=9) - utc_now).total_seconds()) < 60


def test_scopes_accept_commas_or_spaces(sandbox):
    body = _token(sandbox, {"grant_type": "authorization_code", "code": _code(sandbox), "redirect_uri": REDIRECT_URI}).json()
    assert body["scopes"] == ["mall.read_product", "mall.read_order"]


def test_code_is_single_use(sandbox):
    code = _code(sandbox)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    assert _token(sandbox, data).status_code == 200
    second = _token(sandbox, data)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_code_expires_after_a_minute(sandbox):
    code = _code(sandbox)
    httpx.post(f"{sandbox.base_url}/_sandbox/time", json={"advance_seconds": 61})
    response = _token(sandbox, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI})
    assert response.status_code == 400


def test_wrong_secret_is_rejected(sandbox):
    response = _token(
        sandbox,
        {"grant_type": "authorization_code", "code": _code(sandbox), "redirect_uri": REDIRECT_URI},
        auth=(sandbox.client_id, "wrong"),
    )
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_grant", "error_description": "Invalid client_secret"}


def test_refresh_rotates_and_old_refresh_token_dies(sandbox):
    first = sandbox_tokens(sandbox)
    refreshed = _token(sandbox, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    again = _token(sandbox, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert again.status_code == 400
    assert again.json()["error_description"] == "Invalid refresh_token"
    # the new refresh token works once more
    assert _token(sandbox, {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}).status_code == 200


def test_old_access_token_survives_refresh_by_default(sandbox):
    first = sandbox_tokens(sandbox)
    _token(sandbox, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    response = httpx.get(
        f"{sandbox.api_base('demomall')}/api/v2/admin/products", headers={"Authorization": f"Bearer {first['access_token']}"}
    )
    assert response.status_code == 200


def test_option_invalidates_old_access_token_on_refresh(sandbox_factory):
    server = sandbox_factory(invalidate_old_access_token_on_refresh=True)
    first = sandbox_tokens(server)
    _token(server, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    response = httpx.get(
        f"{server.api_base('demomall')}/api/v2/admin/products", headers={"Authorization": f"Bearer {first['access_token']}"}
    )
    assert response.status_code == 401


def test_expired_access_token_gives_cafe24_401(sandbox_factory):
    server = sandbox_factory(access_token_ttl=5)
    tokens = sandbox_tokens(server)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    url = f"{server.api_base('demomall')}/api/v2/admin/products"
    assert httpx.get(url, headers=headers).status_code == 200
    httpx.post(f"{server.base_url}/_sandbox/time", json={"advance_seconds": 6})
    expired = httpx.get(url, headers=headers)
    assert expired.status_code == 401
    assert expired.json() == {"error": {"code": 401, "message": "access_token time expired."}}


def test_refresh_token_lifetime_is_configurable(sandbox_factory):
    server = sandbox_factory(refresh_token_ttl=30)
    tokens = sandbox_tokens(server)
    httpx.post(f"{server.base_url}/_sandbox/time", json={"advance_seconds": 31})
    response = _token(server, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert response.status_code == 400


def test_revoke_kills_access_and_refresh_tokens(sandbox):
    tokens = sandbox_tokens(sandbox)
    revoke = httpx.post(
        f"{sandbox.api_base('demomall')}/api/v2/oauth/revoke",
        data={"token": tokens["access_token"], "token_hint": "access_token"},
        auth=(sandbox.client_id, sandbox.client_secret),
    )
    assert revoke.status_code == 200 and revoke.content == b""
    api = httpx.get(
        f"{sandbox.api_base('demomall')}/api/v2/admin/products", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert api.status_code == 401
    assert api.json() == {"error": {"code": 401, "message": "Invalid access_token"}}
    refresh = _token(sandbox, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 400


def test_token_of_one_mall_is_invalid_on_another(sandbox_factory):
    server = sandbox_factory(malls=["malla", "mallb"])
    tokens = sandbox_tokens(server, "malla")
    response = httpx.get(
        f"{server.api_base('mallb')}/api/v2/admin/products", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert response.status_code == 401


def test_custom_credentials(sandbox_factory):
    server = sandbox_factory(client_id="my-app", client_secret="s3cret")
    assert sandbox_tokens(server)["client_id"] == "my-app"
    assert "s3cret" not in repr(server)


def test_unregistered_redirect_uri_is_rejected(sandbox_factory):
    server = sandbox_factory(registered_redirect_uris=[REDIRECT_URI])
    response = httpx.get(
        f"{server.api_base('demomall')}/api/v2/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": server.client_id,
            "state": "s",
            "redirect_uri": "https://evil.example.com/cb",
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "The redirect_uri added by Cafe24 Developers is invalid.",
    }
    assert _code(server)  # the registered one works


def test_now_provider_drives_token_times(sandbox_factory):
    from datetime import timezone

    fixed = datetime(2026, 3, 1, 3, 0, 0, tzinfo=timezone.utc)  # 12:00 KST
    server = sandbox_factory(now=lambda: fixed)
    body = sandbox_tokens(server)
    assert body["issued_at"] == "2026-03-01T12:00:00.000"
    assert body["expires_at"] == "2026-03-01T14:00:00.000"
    assert body["refresh_token_expires_at"] == "2026-03-15T12:00:00.000"


def test_code_exchange_needs_the_same_redirect_uri(sandbox):
    missing = _token(sandbox, {"grant_type": "authorization_code", "code": _code(sandbox)})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    other = _token(
        sandbox, {"grant_type": "authorization_code", "code": _code(sandbox), "redirect_uri": "https://elsewhere.example.com/cb"}
    )
    assert other.status_code == 400 and other.json()["error"] == "invalid_grant"


def test_wrong_secret_on_refresh_does_not_use_up_the_refresh_token(sandbox):
    tokens = sandbox_tokens(sandbox)
    wrong = _token(
        sandbox,
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(sandbox.client_id, "not-the-secret"),
    )
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "invalid_grant", "error_description": "Invalid client_secret"}
    right = _token(sandbox, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert right.status_code == 200 and right.json()["refresh_token"] != tokens["refresh_token"]


def _admin(server, access_token, mall="demomall"):
    return httpx.get(f"{server.api_base(mall)}/api/v2/admin/shops", headers={"Authorization": f"Bearer {access_token}"})


def test_control_revoke_kills_every_token_of_the_mall_only(sandbox_factory):
    server = sandbox_factory(malls=["shopa", "shopb"])
    a1, a2, b = sandbox_tokens(server, "shopa"), sandbox_tokens(server, "shopa"), sandbox_tokens(server, "shopb")
    revoked = httpx.post(f"{server.base_url}/_sandbox/tokens/revoke", json={"mall": "shopa"})
    assert revoked.status_code == 200
    assert revoked.json() == {"revoked_access_tokens": 2, "revoked_refresh_tokens": 2}
    for tokens in (a1, a2):
        dead = _admin(server, tokens["access_token"], "shopa")
        assert dead.status_code == 401
        assert dead.json() == {"error": {"code": 401, "message": "Invalid access_token"}}
        refresh = _token(server, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, mall="shopa")
        assert refresh.status_code == 400
        assert refresh.json() == {"error": "invalid_grant", "error_description": "Invalid refresh_token"}
    assert _admin(server, b["access_token"], "shopb").status_code == 200  # the other mall keeps its grant
    again = sandbox_tokens(server, "shopa")  # only a new authorization-code flow gets back in
    assert _admin(server, again["access_token"], "shopa").status_code == 200
    assert httpx.post(f"{server.base_url}/_sandbox/tokens/revoke", json={"mall": "nomall"}).status_code == 404


def test_refresh_error_status_can_be_401(sandbox_factory):
    server = sandbox_factory(refresh_error_status=401)
    tokens = sandbox_tokens(server)
    httpx.post(f"{server.base_url}/_sandbox/tokens/revoke", json={})
    refresh = _token(server, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401 and refresh.json()["error"] == "invalid_grant"


def test_a_refresh_lost_in_transit_leaves_the_client_without_a_valid_refresh_token(sandbox):
    tokens = sandbox_tokens(sandbox)
    httpx.post(f"{sandbox.base_url}/_sandbox/faults", json={"kind": "applied_504", "path": "oauth/token"})
    lost = _token(sandbox, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert lost.status_code == 504
    retry = _token(sandbox, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert retry.status_code == 400 and retry.json()["error_description"] == "Invalid refresh_token"


def test_admin_fault_globs_do_not_reach_the_token_endpoint(sandbox):
    httpx.post(f"{sandbox.base_url}/_sandbox/faults", json={"kind": "503", "path": "*", "count": 5})
    assert (
        _token(sandbox, {"grant_type": "authorization_code", "code": _code(sandbox), "redirect_uri": REDIRECT_URI}).status_code
        == 200
    )
    httpx.post(f"{sandbox.base_url}/_sandbox/faults", json={"kind": "503", "path": "oauth/token"})
    assert (
        _token(sandbox, {"grant_type": "authorization_code", "code": _code(sandbox), "redirect_uri": REDIRECT_URI}).status_code
        == 503
    )
