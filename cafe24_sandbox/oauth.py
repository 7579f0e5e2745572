"""OAuth 2.0 as Cafe24 runs it: auto-consenting authorize, token (code / refresh with rotation), revoke."""

from __future__ import annotations

import base64
import binascii
import threading
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit, parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from cafe24_sandbox import ids
from cafe24_sandbox.clock import Clock, oauth_kst
from cafe24_sandbox.config import ALL_SCOPES, SandboxConfig


@dataclass
class Grant:
    mall_id: str
    client_id: str
    scopes: tuple[str, ...]
    user_id: str


@dataclass
class AccessToken:
    token: str
    grant: Grant
    expires_ts: float
    refresh_token: str


@dataclass
class RefreshToken:
    token: str
    grant: Grant
    expires_ts: float
    access_token: str


@dataclass
class AuthCode:
    code: str
    grant: Grant
    redirect_uri: str
    expires_ts: float


class TokenStore:
    """Codes, access and refresh tokens of every mall. Thread-safe."""

    def __init__(self, config: SandboxConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self.codes: dict[str, AuthCode] = {}
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}

    def issue_code(self, grant: Grant, redirect_uri: str) -> str:
        with self._lock:
            code = ids.token(22)
            self.codes[code] = AuthCode(code, grant, redirect_uri, self.clock.ts() + self.config.code_ttl)
            return code

    def redeem_code(self, code: str, redirect_uri: str, mall_id: str, client_id: str) -> Grant | None:
        with self._lock:
            entry = self.codes.pop(code, None)  # single use, even when it then fails
            if entry is None or entry.expires_ts < self.clock.ts():
                return None
            if entry.grant.mall_id != mall_id or entry.grant.client_id != client_id:
                return None
            if redirect_uri != entry.redirect_uri:  # must repeat the authorize step's redirect_uri
                return None
            return entry.grant

    def issue_tokens(self, grant: Grant) -> tuple[AccessToken, RefreshToken, float]:
        with self._lock:
            now = self.clock.ts()
            access = AccessToken(ids.token(22), grant, now + self.config.access_token_ttl, "")
            refresh = RefreshToken(ids.token(22), grant, now + self.config.refresh_token_ttl, access.token)
            access.refresh_token = refresh.token
            self.access[access.token] = access
            self.refresh[refresh.token] = refresh
            return access, refresh, now

    def rotate(self, refresh_token: str, mall_id: str, client_id: str) -> Grant | None:
        """Kill the old refresh token (and, as an option, its access token); the caller issues new ones."""
        with self._lock:
            entry = self.refresh.get(refresh_token)
            if entry is None or entry.grant.mall_id != mall_id or entry.grant.client_id != client_id:
                return None
            del self.refresh[refresh_token]
            if entry.expires_ts < self.clock.ts():
                return None
            if self.config.invalidate_old_access_token_on_refresh:
                self.access.pop(entry.access_token, None)
            return entry.grant

    def revoke(self, token: str, mall_id: str, client_id: str) -> None:
        with self._lock:
            access = self.access.get(token)
            if access and access.grant.mall_id == mall_id and access.grant.client_id == client_id:
                del self.access[token]
                self.refresh.pop(access.refresh_token, None)  # revoking an access token revokes its refresh token
            refresh = self.refresh.get(token)
            if refresh and refresh.grant.mall_id == mall_id and refresh.grant.client_id == client_id:
                del self.refresh[token]
                self.access.pop(refresh.access_token, None)

    def check_access(self, token: str, mall_id: str) -> tuple[AccessToken | None, str | None]:
        """(token, None) when valid, else (None, Cafe24's 401 message)."""
        with self._lock:
            entry = self.access.get(token)
            if entry is None or entry.grant.mall_id != mall_id:
                return None, "Invalid access_token"
            if entry.expires_ts <= self.clock.ts():
                return None, "access_token time expired."
            return entry, None

    def revoke_mall(self, mall_id: str | None = None) -> tuple[int, int]:
        """Control API: every access and refresh token of a mall dies (the merchant removed the app, or
        Cafe24 revoked the grant); only a new authorization-code flow gets the app back in."""
        with self._lock:
            access = [t for t, e in self.access.items() if mall_id is None or e.grant.mall_id == mall_id]
            refresh = [t for t, e in self.refresh.items() if mall_id is None or e.grant.mall_id == mall_id]
            for token in access:
                del self.access[token]
            for token in refresh:
                del self.refresh[token]
            return len(access), len(refresh)

    def expire_all(self, mall_id: str | None = None) -> int:
        """Control API: make every access token of a mall expired now."""
        with self._lock:
            count = 0
            for entry in self.access.values():
                if mall_id is None or entry.grant.mall_id == mall_id:
                    entry.expires_ts = self.clock.ts() - 1
                    count += 1
            return count


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded form body (parsed here: no python-multipart needed)."""
    raw = await request.body()
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return {}


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _parse_scopes(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ALL_SCOPES
    parts = [part.strip() for chunk in raw.split(",") for part in chunk.split(" ")]  # commas or spaces [M]
    return tuple(dict.fromkeys(part for part in parts if part))


class OAuthEndpoints:
    def __init__(self, store: TokenStore, config: SandboxConfig, malls: set[str]) -> None:
        self.store = store
        self.config = config
        self.malls = malls

    async def authorize(self, request: Request) -> Response:
        mall_id = request.path_params["mall_id"]
        query = request.query_params
        if mall_id not in self.malls:
            return _oauth_error(404, "invalid_request", "Unknown mall.")
        if query.get("response_type") != "code":
            return _oauth_error(400, "unsupported_response_type", "response_type must be code.")
        if query.get("client_id") != self.config.client_id:
            return _oauth_error(401, "invalid_client", "Invalid client_id")
        redirect_uri = query.get("redirect_uri")
        registered = self.config.registered_redirect_uris
        if not redirect_uri or (registered is not None and redirect_uri not in registered):
            return _oauth_error(400, "invalid_request", "The redirect_uri added by Cafe24 Developers is invalid.")
        scopes = _parse_scopes(query.get("scope"))
        unknown = [s for s in scopes if s not in ALL_SCOPES]
        if unknown:
            return _oauth_error(400, "invalid_scope", f"Invalid scope: {','.join(unknown)}")
        grant = Grant(mall_id, self.config.client_id, scopes, self.config.user_id)
        code = self.store.issue_code(grant, redirect_uri)
        parts = urlsplit(redirect_uri)
        params = parse_qsl(parts.query) + [("code", code)]
        if query.get("state") is not None:
            params.append(("state", query["state"]))
        return RedirectResponse(urlunsplit(parts._replace(query=urlencode(params))), status_code=302)

    def _client(self, request: Request, form: dict[str, str]) -> tuple[str, str] | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
            client_id, _, secret = decoded.partition(":")
            return client_id, secret
        if self.config.accept_client_secret_in_body and "client_id" in form:
            return form.get("client_id", ""), form.get("client_secret", "")
        return None

    async def token(self, request: Request) -> Response:
        mall_id = request.path_params["mall_id"]
        if mall_id not in self.malls:
            return _oauth_error(404, "invalid_request", "Unknown mall.")
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return _oauth_error(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded.")
        form = await _form(request)
        client = self._client(request, form)
        if client is None or client[0] != self.config.client_id:
            return _oauth_error(401, "invalid_client", "Invalid client_id")
        if client[1] != self.config.client_secret:
            return _oauth_error(401, "invalid_grant", "Invalid client_secret")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            if not form.get("redirect_uri"):
                return _oauth_error(400, "invalid_request", "redirect_uri is required.")
            grant = self.store.redeem_code(form.get("code", ""), form["redirect_uri"], mall_id, client[0])
            if grant is None:
                return _oauth_error(400, "invalid_grant", "Invalid authorization code")
        elif grant_type == "refresh_token":
            grant = self.store.rotate(form.get("refresh_token", ""), mall_id, client[0])
            if grant is None:
                return _oauth_error(self.config.refresh_error_status, "invalid_grant", "Invalid refresh_token")
        else:
            return _oauth_error(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
        access, refresh, issued = self.store.issue_tokens(grant)
        body = {
            "access_token": access.token,
            "expires_at": oauth_kst(access.expires_ts),
            "refresh_token": refresh.token,
            "refresh_token_expires_at": oauth_kst(refresh.expires_ts),
            "client_id": grant.client_id,
            "mall_id": grant.mall_id,
            "user_id": grant.user_id,
            "scopes": list(grant.scopes),
            "issued_at": oauth_kst(issued),
        }
        if self.config.token_response_includes_shop_no:
            body["shop_no"] = "1"
            body["token_type"] = "Bearer"
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    async def revoke(self, request: Request) -> Response:
        mall_id = request.path_params["mall_id"]
        form = await _form(request)
        client = self._client(request, form)
        if client is None or client != (self.config.client_id, self.config.client_secret):
            return _oauth_error(401, "invalid_client", "Invalid client_id")
        self.store.revoke(form.get("token", ""), mall_id, client[0])
        return Response(status_code=200)
