"""Reading Cafe24's answers: the decoded body, and typed errors from its error envelope."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from cafe24_pipeline.cafe24.errors import (
    ApiVersionUnavailable,
    Cafe24ApiError,
    InsufficientScope,
    NotFound,
    RateLimited,
)

_VERSION_RE = re.compile(r"version[^.]*not available", re.IGNORECASE)
_DEFAULT_VERSION_RE = re.compile(r"default value for the app version is (\d{4}-\d{2}-\d{2})", re.IGNORECASE)


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: Any
    headers: Mapping[str, str]


def decode_json(response: httpx.Response) -> Any:
    """The JSON body, or None when it is empty or not JSON (a cut-off or HTML error page)."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def error_from_response(
    status: int, body: Any, *, method: str, path: str, mall_id: str, api_version: str | None = None
) -> Cafe24ApiError:
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
    kwargs: dict[str, Any] = dict(code=code, method=method, path=path, mall_id=mall_id)
    if status == 400 and _VERSION_RE.search(message):
        default = _DEFAULT_VERSION_RE.search(message)
        return ApiVersionUnavailable(
            status,
            message,
            requested_version=api_version,
            default_version=default.group(1) if default else None,
            **kwargs,
        )
    if status == 403:
        return InsufficientScope(status, message, **kwargs)
    if status == 404:
        return NotFound(status, message, **kwargs)
    if status == 429:
        return RateLimited(status, message, **kwargs)
    return Cafe24ApiError(status, message, **kwargs)
