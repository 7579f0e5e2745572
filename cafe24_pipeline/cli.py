"""The `cafe24-pipeline` command (DESIGN.md §9).

Commands stay thin: they read `Settings`, call the cores or launch the Dagster jobs, and print
what happened. Each command group lives in `cafe24_pipeline/commands/` and is registered here.
"""

from __future__ import annotations

import typer

from cafe24_pipeline.commands import register_all

app = typer.Typer(
    name="cafe24-pipeline",
    help="Keep a Cafe24 store and an order management system in step.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold secrets
)
register_all(app)


if __name__ == "__main__":  # pragma: no cover
    app()
