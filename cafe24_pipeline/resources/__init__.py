"""Dagster resources wrapping the plain-Python cores (store, Cafe24 client)."""

from __future__ import annotations

from typing import Any

from cafe24_pipeline.settings import Settings


def build_resources(settings: Settings) -> dict[str, Any]:
    """Resources keyed by the names assets ask for; filled as the cores land."""
    return {}
