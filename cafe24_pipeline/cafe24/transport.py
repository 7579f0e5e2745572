"""The request layer: every Admin API call of a mall goes through `Cafe24Transport.request`.

One call = governor slot → HTTP request with a timeout → classification of the answer:
- 2xx (and statuses the caller accepts, e.g. 409 "same content") are returned;
- 429 blocks the mall's governor for a jittered back-off and the call is sent again — 429s do
  not use up the retry budget, but the total time cap (`total_timeout`) does stop them;
- 401 triggers exactly one token refresh and one retry;
- 5xx, network errors and truncated bodies of reads are retried with exponential back-off and jitter (tenacity), at most
  `max_retries` times and never past the total time cap;
- anything else raises a typed error; a 400 "version not available" raises ApiVersionUnavailable.
Headers (with the bearer token) and token values are never logged or put into errors.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_exponential_jitter

from cafe24_pipeline.cafe24.clock import SYSTEM_CLOCK, Clock
from cafe24_pipeline.cafe24.errors import (
    ApiVersionUnavailable,
    Cafe24ApiError,
    Cafe24Error,
    InsufficientScope,
    NotFound,
    RateLimited,
    ResponseShapeError,
)
from cafe24_pipeline.cafe24.governor import GovernorConfig, RateGovernor, governor_for
from cafe24_pipeline.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
_VERSION_RE = re.compile(r"version[^.]*not available", re.IGNORECASE)
_DEFAULT_VERSION_RE = re.compile(r"default value for the app version is (\d{4}-\d{2}-\d{2})", re.IGNORECASE)


class AccessTokenProvider(Protocol):
    """Where the transport gets a bearer token, and asks for a new one after a 401."""

    def access_token(self) -> str: ...

    def refresh_after_rejection(self, rejected: str) -> str:
        """Return a token other than `rejected` (refreshing unless someone else already did)."""
        ...


class StaticTokenProvider:
    """A fixed access token (scripts, tests); a 401 cannot be recovered from."""

    def __init__(self, token: str) -> None:
        self._token = token

    def access_token(self) -> str:
        return self._token

    def refresh_after_rejection(self, rejected: str) -> str:
        return self._token

    def __repr__(self) -> str:
        return "StaticTokenProvider(<token hidden>)"


@dataclass
class CallStats:
    """What this client did against its mall: for Dagster metadata and benchmarks."""

    calls: int = 0
    retries: int = 0
    rate_limited_429: int = 0
    token_refreshes: int = 0
    waited_seconds: float = 0.0
    by_status: dict[int, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "retries": self.retries,
            "rate_limited_429": self.rate_limited_429,
            "token_refreshes": self.token_refreshes,
            "waited_seconds": round(self.waited_seconds, 3),
        }


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: Any
    headers: Mapping[str, str]


class _Transient(Exception):
    """Internal: a retryable failure (5xx, network) wrapping the error to raise if retries run out."""

    def __init__(self, error: Cafe24Error) -> None:
        super().__init__(str(error))
        self.error = error


def error_from_response(status: int, body: Any, *, method: str, path: str, mall_id: str,
                        api_version: str | None = None) -> Cafe24ApiError:
    """Map an error status + Cafe24 error envelope (`error` or `errors`) to a typed error."""
    code: Any = None
    message = ""
    if isinstance(body, dict):
        envelope = body.get("error", body.get("errors"))
        if isinstance(envelope, list) and envelope:
            envelope = envelope[0]
        if isinstance(envelope, dict):
            code = envelope.get("code")
            message = str(envelope.get("message") or "")
        elif isinstance(envelope, str):
            code = envelope
            message = str(body.get("error_description") or envelope)
    message = (message or httpx.codes.get_reason_phrase(status) or "error")[:500]
    kwargs = dict(code=code, method=method, path=path, mall_id=mall_id)
    if status == 400 and _VERSION_RE.search(message):
        default = _DEFAULT_VERSION_RE.search(message)
        return ApiVersionUnavailable(
            status, message, requested_version=api_version, default_version=default.group(1) if default else None,
            **kwargs,
        )
    if status == 403:
        return InsufficientScope(status, message, **kwargs)
    if status == 404:
        return NotFound(status, message, **kwargs)
    if status == 429:
        return RateLimited(status, message, **kwargs)
    return Cafe24ApiError(status, message, **kwargs)


class Cafe24Transport:
    """Sends Admin API requests for one mall; see the module docstring for the retry rules."""

    def __init__(
        self,
        mall_id: str,
        *,
        settings: Settings,
        tokens: AccessTokenProvider,
        governor: RateGovernor | None = None,
        governor_config: GovernorConfig | None = None,
        http: httpx.Client | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_retries: int = 5,
        total_timeout: float = 900.0,
        clock: Clock | None = None,
        retry_initial: float = 0.5,
        retry_max: float = 20.0,
    ) -> None:
        self.mall_id = mall_id
        self.api_version = settings.api_version
        self.base_url = f"{settings.api_base_for(mall_id)}/api/v2/admin"
        self._tokens = tokens
        self.governor = governor or governor_for(mall_id, governor_config, api_base=settings.api_base_for(mall_id))
        self.clock = clock or self.governor.clock or SYSTEM_CLOCK
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout, follow_redirects=False)
        self._timeout = timeout
        self.max_retries = max_retries
        self.total_timeout = total_timeout
        self._retry_initial = retry_initial
        self._retry_max = retry_max
        self.stats = CallStats()

    def __repr__(self) -> str:
        return f"Cafe24Transport(mall_id={self.mall_id!r}, base_url={self.base_url!r})"

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        accept: tuple[int, ...] = (),
    ) -> ApiResponse:
        """Send one logical call (retrying as documented) and return the decoded response."""
        deadline = self.clock.monotonic() + self.total_timeout
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}

        def before_sleep(state: RetryCallState) -> None:
            self.stats.retries += 1
            exc = state.outcome.exception() if state.outcome else None
            log.warning(
                "Cafe24 %s %s [mall %s] failed (%s); retry %d of %d",
                method, path, self.mall_id, exc, state.attempt_number, self.max_retries,
            )

        retrying = Retrying(
            retry=retry_if_exception_type(_Transient),
            stop=stop_after_attempt(self.max_retries + 1) | stop_after_delay(self.total_timeout),
            wait=wait_exponential_jitter(multiplier=self._retry_initial, max=self._retry_max, jitter=self._retry_initial),
            sleep=self.clock.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._attempt(method, path, clean_params, json, accept, deadline)
        except _Transient as exc:
            raise exc.error from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, method: str, path: str, params: Mapping[str, Any], body: Any,
                 accept: tuple[int, ...], deadline: float) -> ApiResponse:
        refreshed = False
        while True:
            token = self._tokens.access_token()
            try:
                waited = self.governor.acquire(deadline=deadline)
            except TimeoutError:
                raise RateLimited(
                    429,
                    f"still rate limited after {self.total_timeout:.0f}s (usage quota or repeated 429s); try later",
                    method=method, path=path, mall_id=self.mall_id,
                ) from None
            self.stats.waited_seconds += waited
            headers = {
                "Authorization": f"Bearer {token}",
                "X-Cafe24-Api-Version": self.api_version,
                "Accept": "application/json",
            }
            if body is not None:
                headers["Content-Type"] = "application/json"
            try:
                response = self._http.request(
                    method, f"{self.base_url}{path}", params=params, json=body, headers=headers, timeout=self._timeout
                )
            except httpx.HTTPError as exc:
                self.governor.release()
                raise _Transient(
                    Cafe24Error(f"network error ({type(exc).__name__}) on {method} {path} [mall {self.mall_id}]")
                ) from None
            self.governor.observe(response.headers, response.status_code)
            self.stats.calls += 1
            status = response.status_code
            self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
            log.debug("Cafe24 %s %s [mall %s] -> %s (%s)", method, path, self.mall_id, status,
                      response.headers.get("X-Api-Call-Limit"))
            if status == 429:
                self.stats.rate_limited_429 += 1
                block = self.governor.rate_limited(response.headers)
                if self.clock.monotonic() + block > deadline:
                    raise error_from_response(429, _json(response), method=method, path=path, mall_id=self.mall_id)
                log.info("Cafe24 429 on %s %s [mall %s]; backing off %.1fs", method, path, self.mall_id, block)
                continue
            if status == 401 and not refreshed:
                refreshed = True
                self.stats.token_refreshes += 1
                log.info("Cafe24 401 on %s %s [mall %s]; refreshing the access token once", method, path, self.mall_id)
                self._tokens.refresh_after_rejection(token)
                continue
            payload = _json(response)
            if status in RETRYABLE_STATUSES:
                raise _Transient(error_from_response(status, payload, method=method, path=path, mall_id=self.mall_id))
            if status >= 400 and status not in accept:
                raise error_from_response(
                    status, payload, method=method, path=path, mall_id=self.mall_id, api_version=self.api_version
                )
            if payload is None and status not in (202, 204) and status not in accept and response.content:
                error = ResponseShapeError(
                    f"Cafe24 {method} {path} [mall {self.mall_id}] returned a truncated or non-JSON body ({status})"
                )
                if method == "GET":  # a cut connection: reading again is safe
                    raise _Transient(error)
                raise error  # a write's outcome is unknown: never resend it blindly
            return ApiResponse(status=status, body=payload, headers=response.headers)


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None
