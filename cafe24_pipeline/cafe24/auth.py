"""Cafe24 OAuth 2.0: the consent URL, the code exchange and the refresh grant.

Token calls go to `{base}/api/v2/oauth/token` with HTTP Basic `client_id:client_secret` and a
form body. They are not rate-limited like the Admin API. A refresh is **not** retried after the
request may have reached Cafe24 (timeout, 5xx): refresh tokens rotate, so a retry with the old
token would be rejected anyway; only connection failures (nothing sent) are retried.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from urllib.parse import urlencode

import httpx

from cafe24_pipeline.cafe24.errors import MalformedRecord, TokenExchangeError
from cafe24_pipeline.cafe24.models import TokenResponse
from cafe24_pipeline.settings import Settings, validate_redirect_uri

log = logging.getLogger(__name__)

DEFAULT_SCOPES: tuple[str, ...] = (
    "mall.read_store",
    "mall.read_product",
    "mall.write_product",
    "mall.read_category",
    "mall.read_collection",
    "mall.read_order",
    "mall.write_order",
    "mall.read_shipping",
    "mall.read_application",  # webhook delivery logs (the sweep that recovers missed webhooks)
)

# Shorter than the store's 30 s SQLite busy timeout: a refresh holds the write lock while it waits.
TOKEN_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


def authorize_url(
    settings: Settings,
    mall_id: str,
    redirect_uri: str,
    *,
    scopes: Sequence[str] = DEFAULT_SCOPES,
    state: str | None = None,
) -> tuple[str, str]:
    """The browser consent URL and the `state` to check on the redirect (generated if not given)."""
    validate_redirect_uri(redirect_uri)
    client_id, _ = settings.require_credentials("authorize-url")
    state = state or secrets.token_urlsafe(16)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "state": state,
            "redirect_uri": redirect_uri,
            "scope": ",".join(scopes),
        }
    )
    return f"{settings.api_base_for(mall_id)}/api/v2/oauth/authorize?{query}", state


class OAuthClient:
    """Calls the token endpoint for one app (client id/secret from settings)."""

    def __init__(self, settings: Settings, *, http: httpx.Client | None = None, connect_retries: int = 2) -> None:
        self._settings = settings
        self._client_id, self._client_secret = settings.require_credentials("connect")
        self._http = http
        self._connect_retries = connect_retries

    def __repr__(self) -> str:
        return "OAuthClient(<credentials hidden>)"

    def exchange_code(self, mall_id: str, code: str, redirect_uri: str) -> TokenResponse:
        """Trade a one-minute, single-use authorization code for the first token pair."""
        return self._token(
            mall_id,
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        )

    def refresh(self, mall_id: str, refresh_token: str) -> TokenResponse:
        """Use (and thereby spend) a refresh token; the answer carries the rotated refresh token."""
        return self._token(mall_id, {"grant_type": "refresh_token", "refresh_token": refresh_token})

    def _token(self, mall_id: str, form: dict[str, str]) -> TokenResponse:
        grant = form["grant_type"]
        url = f"{self._settings.api_base_for(mall_id)}/api/v2/oauth/token"
        http = self._http or httpx.Client(timeout=TOKEN_TIMEOUT)
        try:
            attempt = 0
            while True:
                attempt += 1
                try:
                    response = http.post(
                        url,
                        data=form,
                        auth=httpx.BasicAuth(self._client_id, self._client_secret),
                        headers={"Accept": "application/json"},
                        timeout=TOKEN_TIMEOUT,
                    )
                    break
                except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                    if attempt > self._connect_retries:
                        raise TokenExchangeError(
                            0, "connection_failed", f"{type(exc).__name__} reaching {url}", grant_type=grant
                        ) from None
                    log.warning("token endpoint of mall %s unreachable (%s); retrying", mall_id, type(exc).__name__)
                except httpx.HTTPError as exc:
                    # the request may have reached Cafe24: never resend a refresh token blindly
                    raise TokenExchangeError(
                        0, "transport_error", f"{type(exc).__name__} during the token request", grant_type=grant
                    ) from None
        finally:
            if self._http is None:
                http.close()
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200:
            error, description = _oauth_error(body)
            raise TokenExchangeError(response.status_code, error, description, grant_type=grant)
        try:
            return TokenResponse.from_api(body)
        except MalformedRecord as exc:
            raise TokenExchangeError(response.status_code, "malformed_response", exc.reason, grant_type=grant) from None


def _oauth_error(body: object) -> tuple[str | None, str | None]:
    """Cafe24's token errors are OAuth-style (`error`, `error_description`) or the API envelope."""
    if not isinstance(body, dict):
        return None, None
    error = body.get("error")
    if isinstance(error, dict):  # {"error": {"code", "message"}}
        return str(error.get("code")) if error.get("code") is not None else None, _short(error.get("message"))
    return (str(error) if error else None), _short(body.get("error_description"))


def _short(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= 300 else text[:297] + "..."
