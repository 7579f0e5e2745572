"""Shared pytest set-up. Fixtures live in tests/fixtures/, one module per real component."""

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.store",
    "tests.fixtures.sandbox",
]
