"""Helpers shared by commands: settings loading and clean error exits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from cafe24_pipeline.settings import Settings, SettingsError


class LiveWidthConsole(Console):
    """A Console that reads COLUMNS (or the terminal) at every print. Rich fixes the width when COLUMNS
    is set at creation; these consoles are created at import and outlive one command (in-process
    runners, tests), so each command must see its own COLUMNS."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._width = kwargs.get("width")


console = LiveWidthConsole()
# soft_wrap: an error stays one line however narrow the terminal (scripts grep for it)
err_console = LiveWidthConsole(stderr=True, soft_wrap=True)


def fail(message: str, *, code: int = 2, label: str = "Error") -> NoReturn:
    """Print one line naming the problem and its fix, and exit (2: bad input or configuration)."""
    err_console.print(f"[bold red]{label}:[/] {escape(str(message))}", highlight=False)
    raise typer.Exit(code)


def load_settings() -> Settings:
    try:
        settings = Settings.from_env()
        validate_knobs(settings)
        return settings
    except (SettingsError, ValueError) as exc:
        fail(str(exc), label="Configuration error")


def validate_knobs(settings: Settings) -> None:
    """Check the feature variables (cadences, windows, lease) before any work, so a typo is one
    line naming the variable instead of a traceback when the Dagster definitions load."""
    from cafe24_pipeline.schedules.common import cron_from_env

    for name in sorted(settings.env):
        if name.startswith("CAFE24_") and name.endswith("_CRON"):
            cron_from_env(settings.env, name, "*/5 * * * *")
    from cafe24_pipeline.sync.lease import LeaseConfig
    from cafe24_pipeline.sync.orders import OrderSyncConfig

    OrderSyncConfig.from_env(dict(settings.env))
    LeaseConfig.from_settings(settings)


@contextmanager
def user_errors(*kinds: type[BaseException]) -> Iterator[None]:
    """Turn expected failures into a one-line message and exit code 1 (no traceback)."""
    try:
        yield
    except SettingsError as exc:
        fail(str(exc), label="Configuration error")
    except kinds as exc:
        from cafe24_pipeline.cafe24.crypto import TokenKeyError

        # a key that cannot be used is configuration, like a bad variable: exit 2
        fail(
            str(exc),
            code=2 if isinstance(exc, TokenKeyError) else 1,
            label="Configuration error" if isinstance(exc, TokenKeyError) else "Error",
        )
