"""Keep quiet malls' refresh tokens alive: refresh any whose 14-day refresh token nears its end.

A mall with regular API traffic refreshes every 2 hours anyway; a quiet mall would silently lose
its connection after 14 days. This runs from the `token_keepalive` schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cafe24_pipeline.cafe24.auth import OAuthClient
from cafe24_pipeline.cafe24.clock import SYSTEM_CLOCK, Clock
from cafe24_pipeline.cafe24.connect import ConnectionRegistry
from cafe24_pipeline.cafe24.errors import Cafe24Error
from cafe24_pipeline.cafe24.tokens import STATUS_ACTIVE, TokenManager, TokenStore
from cafe24_pipeline.settings import Settings


@dataclass(frozen=True)
class KeepAliveOutcome:
    mall_id: str
    action: str  # "refreshed" | "fresh" | "skipped" | "failed"
    detail: str | None = None


def keep_alive(
    settings: Settings,
    registry: ConnectionRegistry,
    token_store: TokenStore,
    *,
    within: timedelta = timedelta(days=11),
    clock: Clock | None = None,
) -> list[KeepAliveOutcome]:
    """Refresh every active mall whose refresh token expires within `within`; one mall's failure never stops the rest."""
    clock = clock or SYSTEM_CLOCK
    outcomes: list[KeepAliveOutcome] = []
    connections = registry.list()
    if not connections:
        return outcomes
    oauth = OAuthClient(settings)
    now = clock.now()
    for connection in connections:
        if connection.status != STATUS_ACTIVE:
            outcomes.append(KeepAliveOutcome(connection.mall_id, "skipped", f"status {connection.status}"))
            continue
        if connection.refresh_expires_at is not None and connection.refresh_expires_at - now > within:
            outcomes.append(KeepAliveOutcome(connection.mall_id, "fresh"))
            continue
        manager = TokenManager(connection.mall_id, token_store, oauth, clock=clock)
        try:
            manager.force_refresh()
        except Cafe24Error as exc:
            outcomes.append(KeepAliveOutcome(connection.mall_id, "failed", str(exc)))
        else:
            outcomes.append(KeepAliveOutcome(connection.mall_id, "refreshed"))
    return outcomes
