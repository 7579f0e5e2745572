"""`StoreResource`: the Dagster face of the store; assets, checks and sensors call `get_store()`."""

from __future__ import annotations

import os
import threading

import dagster as dg

from cafe24_pipeline.store import Store

_stores: dict[tuple[int, str], Store] = {}
_lock = threading.Lock()


def _shared_store(database_url: str) -> Store:
    """One opened (and migrated) Store per process and URL: engines and pools are not fork-safe,
    and re-running the migration check on every asset would be wasted work."""
    key = (os.getpid(), database_url)
    with _lock:
        store = _stores.get(key)
        if store is None:
            store = Store.open(database_url)
            _stores[key] = store
        return store


class StoreResource(dg.ConfigurableResource):
    """The pipeline store (SQLite file or PostgreSQL), opened and migrated on first use."""

    database_url: str

    def get_store(self) -> Store:
        return _shared_store(self.database_url)
