"""`cafe24_connections`: every connected mall's OAuth state, kept alive.

Materializing it refreshes the tokens of quiet malls (no API call for days) so the 14-day refresh
token never lapses, then records each mall's status and expiry as metadata (never the tokens).
A rejected refresh marks that mall `reauth_required` and is reported; other malls still run.
"""

from datetime import timedelta

import dagster as dg

from cafe24_pipeline import mall_access
from cafe24_pipeline.assets.describe import row_count_metadata
from cafe24_pipeline.cafe24.keepalive import keep_alive
from cafe24_pipeline.resources.cafe24 import Cafe24Resource


class KeepAliveConfig(dg.Config):
    refresh_if_expires_within_hours: float = 11 * 24
    """Refresh a mall whose refresh token expires sooner than this (default: untouched for 3 days)."""


@dg.asset(
    key="cafe24_connections",
    group_name="operations",
    description="Connected Cafe24 malls: token status and expiry; materializing refreshes quiet malls' tokens.",
    kinds={"cafe24", "sql"},
)
def cafe24_connections(
    context: dg.AssetExecutionContext, config: KeepAliveConfig, cafe24: Cafe24Resource
) -> dg.MaterializeResult:
    settings = cafe24.settings()
    store = cafe24.store()
    outcomes = keep_alive(
        settings,
        mall_access.registry(settings, store),
        mall_access.token_store(settings, store),
        within=timedelta(hours=config.refresh_if_expires_within_hours),
    )
    for outcome in outcomes:
        level = context.log.error if outcome.action == "failed" else context.log.info
        level(f"mall {outcome.mall_id}: {outcome.action}{' - ' + outcome.detail if outcome.detail else ''}")
    connections = mall_access.list_connections(store)
    metadata: dict[str, dg.MetadataValue | int] = {
        "malls": len(connections),
        "refreshed": sum(1 for o in outcomes if o.action == "refreshed"),
        "failed": sum(1 for o in outcomes if o.action == "failed"),
        "reauth_required": dg.MetadataValue.json(sorted(c.mall_id for c in connections if c.status == "reauth_required")),
        "connections": dg.MetadataValue.md(_table(connections)),
        **row_count_metadata(store, dg.AssetKey("cafe24_connections")),
    }
    failed = [o for o in outcomes if o.action == "failed"]
    if failed and len(failed) == len(outcomes) and outcomes:
        raise dg.Failure(description="; ".join(f"{o.mall_id}: {o.detail}" for o in failed), metadata=metadata)
    return dg.MaterializeResult(metadata=metadata)


def _table(connections) -> str:
    lines = ["| mall | status | shops | access token expires | refresh token expires |", "|---|---|---|---|---|"]
    for c in connections:
        lines.append(
            f"| {c.mall_id} | {c.status} | {','.join(map(str, c.shop_nos))} | "
            f"{c.access_expires_at:%Y-%m-%d %H:%M}Z | {c.refresh_expires_at:%Y-%m-%d %H:%M}Z |"
            if c.access_expires_at and c.refresh_expires_at
            else f"| {c.mall_id} | {c.status} | {','.join(map(str, c.shop_nos))} | - | - |"
        )
    return "\n".join(lines)


__all__ = ["cafe24_connections", "KeepAliveConfig"]
