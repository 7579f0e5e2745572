"""The Cafe24 Admin API client (plain Python, no Dagster): see docs/cafe24-client.md."""

from cafe24_pipeline.cafe24.client import Cafe24Client, WriteResult
from cafe24_pipeline.cafe24.errors import (
    ApiVersionUnavailable,
    Cafe24ApiError,
    Cafe24Error,
    InsufficientScope,
    MalformedRecord,
    NotConnected,
    NotFound,
    RateLimited,
    ReauthRequired,
    ResponseShapeError,
    TokenExchangeError,
)

__all__ = [
    "ApiVersionUnavailable",
    "Cafe24ApiError",
    "Cafe24Client",
    "Cafe24Error",
    "InsufficientScope",
    "MalformedRecord",
    "NotConnected",
    "NotFound",
    "RateLimited",
    "ReauthRequired",
    "ResponseShapeError",
    "TokenExchangeError",
    "WriteResult",
]
