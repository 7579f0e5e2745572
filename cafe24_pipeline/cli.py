"""The `cafe24-pipeline` command (DESIGN.md §9).

Commands stay thin: they read `Settings`, call the cores or launch the Dagster jobs, and print
what happened. Each command group lives in `cafe24_pipeline/commands/` and is registered here.
"""

from __future__ import annotations

import warnings

import typer
from dagster import BetaWarning, PreviewWarning

# The CLI's users are operators: Dagster's API-stability notices are for the developers who chose
# those APIs (pinned in pyproject), not for them.
warnings.filterwarnings("ignore", category=BetaWarning)
warnings.filterwarnings("ignore", category=PreviewWarning)

from cafe24_pipeline.commands import register_all  # noqa: E402

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
