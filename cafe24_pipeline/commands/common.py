"""Helpers shared by commands: settings loading and clean error exits."""

from __future__ import annotations

from contextlib import contextmanager
from collections.abc import Iterator

import typer
from rich.console import Console

from cafe24_pipeline.settings import Settings, SettingsError

console = Console()
err_console = Console(stderr=True)


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        err_console.print(f"[bold red]Configuration error:[/] {exc}")
        raise typer.Exit(2) from None


@contextmanager
def user_errors(*kinds: type[BaseException]) -> Iterator[None]:
    """Turn expected failures into a one-line message and exit code 1 (no traceback)."""
    try:
        yield
    except SettingsError as exc:
        err_console.print(f"[bold red]Configuration error:[/] {exc}")
        raise typer.Exit(2) from None
    except kinds as exc:  # type: ignore[misc]
        err_console.print(f"[bold red]Error:[/] {exc}")
        raise typer.Exit(1) from None
