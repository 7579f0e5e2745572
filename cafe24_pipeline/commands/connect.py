"""`authorize-url` and `connect`: bring a mall under the pipeline (DESIGN.md §9).

`connect` stores the tokens encrypted, records the `connections` row with the mall's shops, adds
the mall to Dagster's `malls` partition, then runs the initial import when it is available.
"""

from __future__ import annotations

from typing import Optional

import typer

from cafe24_pipeline.commands.common import console, err_console, load_settings, user_errors


def register(app: typer.Typer) -> None:
    app.command("authorize-url")(authorize_url_command)
    app.command("connect")(connect_command)


def authorize_url_command(
    mall: str = typer.Argument(..., help="Cafe24 mall id (the part before .cafe24api.com)."),
    redirect_uri: str = typer.Option(..., "--redirect-uri", help="Redirect URI registered for the app."),
    scope: Optional[list[str]] = typer.Option(
        None, "--scope", help="Scope to request (repeatable); default: what the pipeline needs."
    ),
    state: Optional[str] = typer.Option(None, "--state", help="Value echoed back on the redirect (random if omitted)."),
) -> None:
    """Print the Cafe24 consent URL to open in a browser."""
    from cafe24_pipeline.cafe24.auth import DEFAULT_SCOPES, authorize_url
    from cafe24_pipeline.settings import validate_mall_id

    settings = load_settings()
    with user_errors():
        validate_mall_id(mall, source="MALL")
        url, state_value = authorize_url(settings, mall, redirect_uri, scopes=tuple(scope or DEFAULT_SCOPES), state=state)
    console.print(url, soft_wrap=True, highlight=False)
    err_console.print(
        f"Open it as the mall's admin, approve, then run:\n"
        f"  cafe24-pipeline connect {mall} --code CODE --redirect-uri {redirect_uri}\n"
        f"(the code is valid for 1 minute; check that the redirect's state is {state_value})",
        highlight=False,
    )


def connect_command(
    mall: str = typer.Argument(..., help="Cafe24 mall id."),
    code: Optional[str] = typer.Option(None, "--code", help="Authorization code from the consent redirect."),
    redirect_uri: Optional[str] = typer.Option(None, "--redirect-uri", help="The redirect URI used for the consent URL."),
    refresh_token: Optional[str] = typer.Option(
        None, "--refresh-token", help="An existing refresh token (spent and replaced by a new one)."
    ),
    initial_sync: bool = typer.Option(True, "--initial-sync/--no-initial-sync", help="Import catalogue and 90 days of orders."),
) -> None:
    """Store the mall's tokens, register the mall, and run the initial import."""
    from cafe24_pipeline.cafe24.connect import ConnectError
    from cafe24_pipeline.mall_access import connect
    from cafe24_pipeline.cafe24.crypto import TokenKeyError
    from cafe24_pipeline.cafe24.errors import Cafe24Error, TokenExchangeError
    from cafe24_pipeline.settings import validate_mall_id, validate_redirect_uri
    from cafe24_pipeline.store import Store, StoreError

    settings = load_settings()
    with user_errors(Cafe24Error, ConnectError, TokenExchangeError, TokenKeyError, StoreError):
        validate_mall_id(mall, source="MALL")
        settings.require_credentials("connect")
        if (code is None) == (refresh_token is None):
            raise ConnectError("pass either --code CODE --redirect-uri URI, or --refresh-token TOKEN")
        if redirect_uri is not None:
            validate_redirect_uri(redirect_uri)
        settings.ensure_home()
        with Store.open(settings.database_url) as store:
            connection = connect(settings, store, mall, code=code, redirect_uri=redirect_uri, refresh_token=refresh_token)
    _register_partition(settings, mall)
    console.print(
        f"[green]Connected[/] mall [bold]{mall}[/]: shops {list(connection.shop_nos)}, "
        f"{len(connection.scopes)} scopes, access token valid until "
        f"{connection.access_expires_at:%Y-%m-%d %H:%M %Z}, refresh token until "
        f"{connection.refresh_expires_at:%Y-%m-%d %H:%M %Z}.",
        highlight=False,
    )
    if connection.status_reason:
        err_console.print(f"[yellow]Note:[/] {connection.status_reason}", highlight=False)
    if not initial_sync:
        console.print("Initial import skipped (--no-initial-sync).")
        return
    from cafe24_pipeline.commands.initial_import import run_initial_import

    if not run_initial_import(settings, mall):
        raise typer.Exit(1)


def _register_partition(settings, mall: str) -> None:
    """Add the mall to the `malls` dynamic partition of the Dagster instance (DAGSTER_HOME or local)."""
    from cafe24_pipeline.commands.dagster_runs import ensure_mall_partition, local_instance

    instance = local_instance(settings)
    try:
        ensure_mall_partition(instance, mall)
    finally:
        instance.dispose()
