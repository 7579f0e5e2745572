"""Dagster resources wrapping the plain-Python cores (store, Cafe24 client)."""

from __future__ import annotations

from typing import Any

import dagster as dg

from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.settings import ENV_API_BASE_URL, ENV_API_VERSION, ENV_DATABASE_URL, Settings


def _env(settings: Settings, name: str) -> Any:
    """`EnvVar(name)` when the variable is set (the UI shows its name, not its value), else None."""
    return dg.EnvVar(name) if settings.is_set(name) else None


def build_resources(settings: Settings) -> dict[str, Any]:
    """Resources keyed by the names assets ask for; no value in them is a secret."""
    database_url = _env(settings, ENV_DATABASE_URL)
    return {
        "store": StoreResource(database_url=database_url),
        "cafe24": Cafe24Resource(
            database_url=database_url,
            api_base_url=_env(settings, ENV_API_BASE_URL),
            api_version=_env(settings, ENV_API_VERSION),
        ),
    }
