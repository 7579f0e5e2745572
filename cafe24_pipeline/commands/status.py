"""`cafe24-pipeline status [--mall M]`: what the store holds (connections, syncs, backlog, counts)."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl
import sqlalchemy as sa
import typer
from rich.table import Table

from cafe24_pipeline.commands.common import console, load_settings, user_errors
from cafe24_pipeline.settings import validate_mall_id
from cafe24_pipeline.store import Store, StoreError
from cafe24_pipeline.store.overview import StoreOverview, store_overview


def register(app: typer.Typer) -> None:
    @app.command("status")
    def status(
        mall: str = typer.Option(None, "--mall", help="Show one mall only (default: every mall)."),
    ) -> None:
        """Connections with token expiry, last syncs, push backlog, SKU conflicts and table row counts."""
        settings = load_settings()
        with user_errors(StoreError, ValueError):
            if mall:
                validate_mall_id(mall, source="--mall")
            if settings.is_sqlite:
                settings.ensure_home()
            try:
                with Store.open(settings.database_url) as store:
                    overview = store_overview(store, mall)
            except sa.exc.OperationalError as exc:
                where = sa.engine.make_url(settings.database_url).render_as_string(hide_password=True)
                reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
                raise StoreError(f"cannot open the store at {where}: {reason}") from None
        render(overview, mall, now=datetime.now(timezone.utc))


def render(overview: StoreOverview, mall: str | None, now: datetime) -> None:
    scope = f" (mall {mall})" if mall else ""
    console.print(
        f"[bold]Store[/] {overview.url} · {overview.dialect} · schema version {overview.schema_version}{scope}"
    )
    console.print(_connections(overview.connections, now))
    console.print(_syncs(overview.syncs, now))
    console.print(_backlog(overview))
    console.print(_counts(overview.row_counts))


def _when(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "-"
    delta = value - now
    seconds = int(abs(delta.total_seconds()))
    span = f"{seconds // 86400}d {seconds % 86400 // 3600}h" if seconds >= 86400 else f"{seconds // 3600}h {seconds % 3600 // 60}m"
    relative = f"in {span}" if delta.total_seconds() >= 0 else f"{span} ago"
    return f"{value:%Y-%m-%d %H:%M} UTC ({relative})"


def _expiry(value: datetime | None, now: datetime) -> str:
    text = _when(value, now)
    return f"[red]{text} expired[/]" if value is not None and value <= now else text


def _connections(df: pl.DataFrame, now: datetime) -> Table | str:
    if df.height == 0:
        return "No connected malls yet: run `cafe24-pipeline connect MALL ...` (or `cafe24-pipeline demo`)."
    table = Table(title="Connections", title_justify="left")
    for header in ("mall", "shops", "status", "access token expires", "refresh token expires", "updated"):
        table.add_column(header)
    for row in df.iter_rows(named=True):
        status = row["status"]
        shown = {"active": "[green]active[/]", "reauth_required": "[red]reauth_required[/]"}.get(status, status)
        if row["status_reason"]:
            shown += f" ({row['status_reason']})"
        table.add_row(
            row["mall_id"],
            row["shop_nos"],
            shown,
            _expiry(row["access_expires_at"], now),
            _expiry(row["refresh_expires_at"], now),
            _when(row["updated_at"], now),
        )
    return table


def _syncs(df: pl.DataFrame, now: datetime) -> Table | str:
    if df.height == 0:
        return "No syncs have run yet."
    table = Table(title="Last syncs", title_justify="left")
    for header in ("mall", "stream", "last run", "status", "last success", "high-water mark", "rows", "error"):
        table.add_column(header)
    for row in df.iter_rows(named=True):
        status = "[green]success[/]" if row["last_status"] == "success" else f"[red]{row['last_status']}[/]"
        mark = _when(row["high_water_mark"], now) if row["high_water_mark"] else (row["cursor"] or "-")
        table.add_row(
            row["mall_id"],
            row["stream"],
            _when(row["last_run_at"], now),
            status,
            _when(row["last_success_at"], now),
            mark,
            "-" if row["rows_last_run"] is None else str(row["rows_last_run"]),
            (row["last_error"] or "")[:80],
        )
    return table


def _backlog(overview: StoreOverview) -> Table:
    table = Table(title="Push backlog and SKU conflicts", title_justify="left")
    for header in ("mall", "failed / unknown pushes", "last failure", "last error", "open SKU conflicts"):
        table.add_column(header)
    conflicts = dict(overview.sku_conflicts.iter_rows()) if overview.sku_conflicts.height else {}
    backlog = {row["mall_id"]: row for row in overview.push_backlog.iter_rows(named=True)}
    malls = sorted(set(conflicts) | set(backlog))
    if not malls:
        table.add_row("all", "0", "-", "", "0")
    for mall in malls:
        row = backlog.get(mall)
        table.add_row(
            mall,
            str(row["open_failures"]) if row else "0",
            f"{row['last_failure_at']:%Y-%m-%d %H:%M} UTC" if row and row["last_failure_at"] else "-",
            ((row or {}).get("last_error") or "")[:80],
            str(conflicts.get(mall, 0)),
        )
    return table


def _counts(counts: dict[str, int]) -> Table:
    table = Table(title="Rows per table", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    return table
