"""Shared pytest set-up. Fixtures live in tests/fixtures/, one module per real component."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.store",
    "tests.fixtures.sandbox",
]


@pytest.fixture(autouse=True)
def _no_stale_dagster_defs_state_storage():
    """Dagster keeps a process-global pointer to the last instance's defs-state storage; test
    instances disposed out of order leave it pointing at a deleted temp dir. Reset it per test."""
    from dagster._core.storage.defs_state import base

    base._current_storage.set(None)
    yield
    base._current_storage.set(None)
