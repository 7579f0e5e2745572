"""The webhook receiver: `POST /webhooks/cafe24` (Starlette), answered fast, stored once.

- `X-API-Key` must equal the app's webhook key (CAFE24_WEBHOOK_KEY; constant-time compare): missing
  → 401, wrong → 403. When HMAC checking is on (CAFE24_WEBHOOK_VERIFY_HMAC=true), the
  `X-Cafe24-Hmac-SHA256` header must be base64(HMAC-SHA256(client secret, raw body)) too (cafe24-api.md §8
  rates this [L]: it is off by default).
- A body over `max_body` bytes → 413 (read no further); not a Cafe24 event → 400.
- Otherwise the event's identifiers go to `webhook_inbox`, deduplicated by a hash of the body (the
  same delivery twice is normal), and the answer is 200 at once: the re-fetch happens later (an
  inbox drainer), so Cafe24 never waits on us and never re-sends because we were slow.
Rejections are logged with the reason and the client address, never with the body or the key.
`GET /health` answers 200 for load balancers, with the inbox's pending count.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cafe24_pipeline.webhooks.events import MalformedEvent, WebhookEvent, parse_event

log = logging.getLogger(__name__)

PATH = "/webhooks/cafe24"
DEFAULT_MAX_BODY = 256 * 1024


class Inbox(Protocol):
    def add(self, event: WebhookEvent, *, received_at: datetime) -> bool: ...
    def pending_count(self) -> int: ...


@dataclass(frozen=True)
class ReceiverConfig:
    key: str = field(repr=False)
    hmac_secret: str | None = field(default=None, repr=False)
    max_body: int = DEFAULT_MAX_BODY


def _reject(status: int, reason: str, request: Request) -> JSONResponse:
    client = request.client.host if request.client else "?"
    log.warning("webhook rejected (%s %s) from %s", status, reason, client)
    return JSONResponse({"error": reason}, status_code=status)


def build_app(
    config: ReceiverConfig,
    inbox: Inbox,
    *,
    on_event: Callable[[WebhookEvent], None] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> Starlette:
    """The ASGI app; `on_event` is told about each new (not duplicate) event (e.g. to wake a drainer)."""
    expected_key = config.key.encode()

    async def receive(request: Request) -> JSONResponse:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > config.max_body:
            return _reject(413, f"body over {config.max_body} bytes", request)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > config.max_body:
                return _reject(413, f"body over {config.max_body} bytes", request)
            chunks.append(chunk)
        body = b"".join(chunks)
        key = request.headers.get("x-api-key")
        if not key:
            return _reject(401, "missing X-API-Key", request)
        if not hmac.compare_digest(key.encode(), expected_key):
            return _reject(403, "wrong X-API-Key", request)
        if config.hmac_secret is not None:
            signature = request.headers.get("x-cafe24-hmac-sha256", "")
            digest = base64.b64encode(hmac.new(config.hmac_secret.encode(), body, hashlib.sha256).digest()).decode()
            if not hmac.compare_digest(signature.encode(), digest.encode()):
                return _reject(403, "wrong X-Cafe24-Hmac-SHA256", request)
        try:
            event = parse_event(body)
        except MalformedEvent as exc:
            return _reject(400, str(exc), request)
        new = inbox.add(event, received_at=clock())
        if new and on_event is not None:
            on_event(event)
        log.info("webhook %s for mall %s %s", event.event_no, event.mall_id, "stored" if new else "duplicate")
        return JSONResponse({"status": "accepted" if new else "duplicate"})

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "pending": inbox.pending_count()})

    return Starlette(routes=[Route(PATH, receive, methods=["POST"]), Route("/health", health, methods=["GET"])])


def describe(config: ReceiverConfig) -> dict[str, Any]:
    """What the receiver checks (for the startup line; no secret in it)."""
    return {"path": PATH, "max_body": config.max_body, "hmac": config.hmac_secret is not None}
