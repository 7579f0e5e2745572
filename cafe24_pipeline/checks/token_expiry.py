"""Asset check: warn 72 hours before any mall's refresh token expires; error on `reauth_required`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import dagster as dg

from cafe24_pipeline.resources.cafe24 import Cafe24Resource

WARN_BEFORE = timedelta(hours=72)


def evaluate_token_expiry(connections, now: datetime) -> tuple[bool, dg.AssetCheckSeverity, dict[str, dg.MetadataValue | int]]:
    """(passed, severity, metadata) for the connections; pure so it can be tested directly."""
    expiring: dict[str, float] = {}
    reauth: list[str] = []
    for c in connections:
        if c.status == "reauth_required":
            reauth.append(c.mall_id)
        elif c.status == "active" and c.refresh_expires_at is not None and c.refresh_expires_at - now < WARN_BEFORE:
            expiring[c.mall_id] = round((c.refresh_expires_at - now).total_seconds() / 3600, 1)
    metadata: dict[str, dg.MetadataValue | int] = {
        "malls_checked": len(connections),
        "refresh_token_hours_left": dg.MetadataValue.json(expiring),
        "reauth_required": dg.MetadataValue.json(sorted(reauth)),
    }
    if reauth:
        return False, dg.AssetCheckSeverity.ERROR, metadata
    if expiring:
        return False, dg.AssetCheckSeverity.WARN, metadata
    return True, dg.AssetCheckSeverity.WARN, metadata


@dg.asset_check(
    asset="cafe24_connections",
    name="refresh_token_expiry",
    description="Warns when a mall's refresh token expires within 72 hours; fails when a mall needs re-authorization.",
    blocking=False,
)
def refresh_token_expiry(cafe24: Cafe24Resource) -> dg.AssetCheckResult:
    passed, severity, metadata = evaluate_token_expiry(cafe24.connections(), datetime.now(timezone.utc))
    return dg.AssetCheckResult(passed=passed, severity=severity, metadata=metadata)
