"""The webhook safety net: feed deliveries Cafe24 could not make back into the inbox.

Cafe24 logs every delivery (`GET /webhooks/logs`, cafe24-api.md §8); a failed one (receiver down, a
non-2xx answer) is re-sent once at most. The sweep reads failed deliveries since its cursor
(`sync_state` stream `webhooks.sweep`: the last log id, and the day it reached), parses each logged
body exactly as the receiver would, and adds it to `webhook_inbox` — a body the receiver already
stored is a duplicate and costs nothing. Polling remains the last line: an order event lost even
here is still found by the 5-minute poll.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from cafe24_pipeline.store import Store
from cafe24_pipeline.store.webhooks import WebhookInbox
from cafe24_pipeline.webhooks.events import MalformedEvent, parse_event

KST = ZoneInfo("Asia/Seoul")
STREAM = "webhooks.sweep"
FIRST_LOOKBACK = timedelta(days=1)


class WebhookLogApi(Protocol):
    def iter_webhook_logs(
        self, start: Any, end: Any, *, success: bool | None = None, since_log_id: str | None = None, page_size: int = 1000
    ) -> Any: ...


@dataclass
class SweepResult:
    read: int = 0
    recovered: int = 0
    duplicates: int = 0
    unreadable: int = 0


def sweep(store: Store, client: WebhookLogApi, mall_id: str, *, now: datetime | None = None) -> SweepResult:
    now = now or datetime.now(timezone.utc)
    state = store.get_sync_state(mall_id, STREAM)
    cursor = state.cursor if state else None
    start = (state.high_water_mark if state and state.high_water_mark else now - FIRST_LOOKBACK).astimezone(KST).date()
    inbox = WebhookInbox(store)
    result = SweepResult()
    last = cursor
    for page in client.iter_webhook_logs(start, now.astimezone(KST).date(), success=False, since_log_id=cursor):
        for row in page:
            result.read += 1
            last = str(row.get("log_id") or last)
            body = row.get("request_body")
            if isinstance(body, dict):
                body = json.dumps(body, ensure_ascii=False)
            try:
                event = parse_event(str(body or "").encode())
            except MalformedEvent:
                result.unreadable += 1
                continue
            if inbox.add(event, received_at=now):
                result.recovered += 1
            else:
                result.duplicates += 1
    store.record_sync(
        mall_id,
        STREAM,
        success=True,
        high_water_mark=now - timedelta(hours=1),
        cursor=last,
        rows=result.recovered,
        details=result.__dict__,
    )
    return result
