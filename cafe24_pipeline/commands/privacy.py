"""`cafe24-pipeline privacy {scrub,purge-receivers}`: personal data housekeeping (docs/personal-data.md).

`scrub` removes personal fields (refund accounts, buyer/receiver fields) from raw order-item JSON an
older version kept; `purge-receivers` deletes receivers (names, phones, addresses) of orders older than
N days. Both show what they would do with --dry-run and are safe to re-run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import typer

from cafe24_pipeline.commands.common import console, fail, load_settings, user_errors
from cafe24_pipeline.store import Store, StoreError

privacy_app = typer.Typer(help="Personal data housekeeping: scrub raw JSON, purge old receivers.", no_args_is_help=True)


@privacy_app.command("scrub")
def scrub(
    mall: str = typer.Option(None, "--mall", help="One mall only (default: every mall)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count the rows that would change; write nothing."),
) -> None:
    """Drop personal fields from the raw order-item JSON kept in cafe24_order_items."""
    from cafe24_pipeline.store.privacy import scrub_raw_items

    settings = load_settings()
    with user_errors(StoreError):
        if mall:
            settings.require_mall(mall, "privacy scrub")
        with Store.open(settings.database_url) as store:
            result = scrub_raw_items(store, mall_id=mall, dry_run=dry_run)
    verb = "would scrub" if dry_run else "scrubbed"
    console.print(f"{result.scanned} order items read, {verb} {result.scrubbed}.", highlight=False)


@privacy_app.command("purge-receivers")
def purge(
    mall: str = typer.Option(None, "--mall", help="The mall (default CAFE24_MALL_ID)."),
    older_than_days: int = typer.Option(..., "--older-than-days", help="Delete receivers of orders placed more than N days ago."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would be deleted; delete nothing."),
) -> None:
    """Delete receivers (names, phones, addresses) of the mall's orders older than N days."""
    from cafe24_pipeline.store.privacy import purge_receivers

    settings = load_settings()
    if older_than_days < 1:
        fail(f"--older-than-days must be 1 or more, got {older_than_days}")
    with user_errors(StoreError):
        mall_id = settings.require_mall(mall, "privacy purge-receivers")
        cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
        with Store.open(settings.database_url) as store:
            n = purge_receivers(store, mall_id=mall_id, ordered_before=cutoff, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    console.print(f"{verb} {n} receivers of {mall_id} orders placed before {cutoff:%Y-%m-%d %H:%M} UTC.", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(privacy_app, name="privacy")
