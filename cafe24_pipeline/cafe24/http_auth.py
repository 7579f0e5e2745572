"""`Cafe24Auth`: the bearer token on every Admin API request, and the one refresh after a 401.

An `httpx.Auth`, so the rule lives in one place whatever sends the request. On a 401 it asks its
token provider for a token other than the rejected one (the provider refreshes unless another
thread or process already did) and sends the request again. If that token is rejected too — another
process refreshed in between and Cafe24 invalidated the token we just got — it re-reads the token
store once more before giving up: the stored token is the live one.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import Protocol

import httpx

from cafe24_pipeline.cafe24.stats import CallStats

log = logging.getLogger(__name__)


class AccessTokenProvider(Protocol):
    """Where the auth gets a bearer token, and a replacement after a 401."""

    def access_token(self) -> str: ...

    def refresh_after_rejection(self, rejected: str) -> str:
        """A token other than `rejected`: refreshed, unless someone else already replaced it."""
        ...

    def reread_after_rejection(self, rejected: str) -> str | None:
        """The stored token if it differs from `rejected` (another process refreshed), else None."""
        ...


class StaticTokenProvider:
    """A fixed access token (scripts, benchmarks, tests): a 401 cannot be recovered from."""

    def __init__(self, token: str) -> None:
        self._token = token

    def access_token(self) -> str:
        return self._token

    def refresh_after_rejection(self, rejected: str) -> str:
        return self._token

    def reread_after_rejection(self, rejected: str) -> str | None:
        return None

    def __repr__(self) -> str:
        return "StaticTokenProvider(<token hidden>)"


class Cafe24Auth(httpx.Auth):
    """Bearer auth with one refresh and one re-read on 401 (see the module docstring)."""

    requires_response_body = False

    def __init__(self, tokens: AccessTokenProvider, stats: CallStats | None = None) -> None:
        self.tokens = tokens
        self.stats = stats or CallStats()

    def __repr__(self) -> str:
        return f"Cafe24Auth({self.tokens!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.tokens.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        log.info("Cafe24 401 on %s %s; refreshing the access token once", request.method, request.url.path)
        self.stats.token_refreshes += 1
        token = self.tokens.refresh_after_rejection(token)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        newer = self.tokens.reread_after_rejection(token)
        if newer is None or newer == token:
            return  # the 401 stands: the caller raises it
        log.info("Cafe24 401 again on %s %s; another process refreshed, using its token", request.method, request.url.path)
        request.headers["Authorization"] = f"Bearer {newer}"
        yield request
