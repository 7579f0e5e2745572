"""Dagster resources wrapping the plain-Python cores (store, Cafe24 client)."""

from __future__ import annotations

from typing import Any

from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.settings import Settings


def build_resources(settings: Settings) -> dict[str, Any]:
    """Resources keyed by the names assets ask for; filled as the cores land."""
    return {
        "store": StoreResource(database_url=settings.database_url),
        "cafe24": Cafe24Resource(database_url=settings.database_url),
    }
