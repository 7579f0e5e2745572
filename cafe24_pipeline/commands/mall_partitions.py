"""`cafe24-pipeline mall prune [--dry-run]`: remove mall partitions of Dagster that no connection backs.

Only `connect` adds a mall to Dagster's `malls` partition. Older versions also added any mall a
command was given (a typo became a partition every schedule then failed on); this removes those.
A connected mall is never removed, whatever its status (a `reauth_required` mall keeps its history).
"""

from __future__ import annotations

import typer

from cafe24_pipeline.commands.common import console, load_settings
from cafe24_pipeline.commands.malls import open_store_or_fail
from cafe24_pipeline.commands.orders import mall_app


def stray_partitions(instance, connected: set[str]) -> list[str]:  # noqa: ANN001 - a DagsterInstance
    from cafe24_pipeline.partitions import MALLS_PARTITION_NAME

    return sorted(set(instance.get_dynamic_partitions(MALLS_PARTITION_NAME)) - connected)


@mall_app.command("prune")
def mall_prune(dry_run: bool = typer.Option(False, "--dry-run", help="List what would be removed; remove nothing.")) -> None:
    """Remove mall partitions that no connected mall backs (left by typos in older versions)."""
    from cafe24_pipeline import mall_access
    from cafe24_pipeline.commands.dagster_runs import local_instance
    from cafe24_pipeline.partitions import MALLS_PARTITION_NAME

    settings = load_settings()
    with open_store_or_fail(settings) as store:
        connected = {c.mall_id for c in mall_access.list_connections(store)}
    instance = local_instance(settings)
    try:
        stray = stray_partitions(instance, connected)
        if not stray:
            console.print("no stray mall partitions")
            return
        for mall_id in stray:
            if not dry_run:
                instance.delete_dynamic_partition(MALLS_PARTITION_NAME, mall_id)
            console.print(f"{'would remove' if dry_run else 'removed'} partition {mall_id!r} (not connected)", highlight=False)
    finally:
        instance.dispose()


def register(app: typer.Typer) -> None:  # noqa: ARG001 - hangs off the `mall` group of commands/orders.py
    return None
