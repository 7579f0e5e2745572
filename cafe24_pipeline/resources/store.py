"""`StoreResource`: the Dagster face of the store; assets, checks and sensors call `get_store()`.

It holds no URL of its own: the store URL (which may carry a password) comes from `Settings`
(CAFE24_PIPELINE_DATABASE_URL, else SQLite in CAFE24_PIPELINE_HOME). When the variable is set,
definitions pass it as `EnvVar`, so the UI shows the variable's name, never its value.
"""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from typing import Any

import dagster as dg

from cafe24_pipeline.settings import Settings, validate_database_url
from cafe24_pipeline.store import Store

_stores: dict[tuple[int, str], Store] = {}
_lock = threading.Lock()


def shared_store(database_url: str) -> Store:
    """One opened (and migrated) Store per process and URL: engines and pools are not fork-safe,
    and re-running the migration check on every asset would be wasted work."""
    key = (os.getpid(), database_url)
    with _lock:
        store = _stores.get(key)
        if store is None:
            store = Store.open(database_url)
            _stores[key] = store
        return store


def resource_settings(database_url: str | None, **overrides: str | None) -> Settings:
    """Settings from the environment, with the resource's (EnvVar-resolved) fields applied."""
    settings = Settings.from_env()
    changes: dict[str, Any] = {k: v for k, v in overrides.items() if v}  # str fields of Settings only
    if database_url:
        changes["database_url"] = validate_database_url(database_url)
    return replace(settings, **changes) if changes else settings


class StoreResource(dg.ConfigurableResource):
    """The pipeline store (SQLite file or PostgreSQL), opened and migrated on first use."""

    database_url: str | None = None
    """Store URL override; pass `dg.EnvVar("CAFE24_PIPELINE_DATABASE_URL")`, never a literal with a password."""

    def settings(self) -> Settings:
        return resource_settings(self.database_url)

    def get_store(self) -> Store:
        return shared_store(self.settings().database_url)
