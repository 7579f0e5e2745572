"""The `sync` command group; stream modules (sync_catalog, sync_orders, ...) add subcommands to it."""

from __future__ import annotations

import typer

sync_app = typer.Typer(help="Pull from Cafe24 by hand (runs the same Dagster jobs as the schedules).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(sync_app, name="sync")
