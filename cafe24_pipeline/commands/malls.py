"""Which mall a command acts on: `--mall` or CAFE24_MALL_ID, and it must be connected.

Only `connect` registers a mall. Every other command refuses an unknown mall at once — exit 2, one
line naming the fix, no run launched and nothing added to Dagster's `malls` partition — so a typo
never becomes a partition the schedules then fail on every five minutes. The same check finds a
store that cannot be opened and a token key that cannot be read before any run starts.
"""

from __future__ import annotations

from cafe24_pipeline.commands.common import fail
from cafe24_pipeline.settings import Settings, SettingsError


def open_store_or_fail(settings: Settings):
    """The store, opened and migrated, or one line naming CAFE24_PIPELINE_DATABASE_URL and exit 2."""
    from cafe24_pipeline.store import StoreError
    from cafe24_pipeline.store.opening import open_store_checked

    try:
        if settings.is_sqlite:
            settings.ensure_home()
        return open_store_checked(settings.database_url)
    except SettingsError as exc:
        fail(str(exc), label="Configuration error")
    except StoreError as exc:
        fail(str(exc), label="Configuration error")


def connected_mall(settings: Settings, mall: str | None, command: str) -> str:
    """The connected mall `command` acts on, or a one-line error and exit 2."""
    from cafe24_pipeline import mall_access
    from cafe24_pipeline.cafe24.crypto import TokenCipher, TokenKeyError

    try:
        mall_id = settings.require_mall(mall, command)
    except SettingsError as exc:
        fail(str(exc), label="Configuration error")
    with open_store_or_fail(settings) as store:
        known = [c.mall_id for c in mall_access.list_connections(store)]
    if mall_id not in known:
        hint = f" (connected: {', '.join(known)})" if known else " (no mall is connected yet)"
        fail(f"mall {mall_id!r} is not connected{hint}; run `cafe24-pipeline connect {mall_id} ...` first.")
    try:
        settings.require_credentials(command)  # every run may need to refresh the mall's token
        TokenCipher.from_settings(settings)  # the key the run will need: readable, valid
    except (SettingsError, TokenKeyError) as exc:
        fail(str(exc), label="Configuration error")
    return mall_id
