"""`cafe24-pipeline status [--mall M]`: what the store holds (connections, syncs, backlog, counts)."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl
import typer
from rich.table import Table

from cafe24_pipeline.commands.common import console, load_settings, user_errors
from cafe24_pipeline.commands.malls import open_store_or_fail
from cafe24_pipeline.settings import validate_mall_id
from cafe24_pipeline.store import StoreError
from cafe24_pipeline.store.overview import StoreOverview, store_overview


def register(app: typer.Typer) -> None:
    @app.command("status")
    def status(
        mall: str = typer.Option(None, "--mall", help="Show one mall only (default: every mall)."),
        show_all: bool = typer.Option(False, "--all", help="Also show internal bookkeeping (leases, sequences)."),
    ) -> None:
        """Connections with token expiry, last syncs, push backlog, SKU conflicts and table row counts."""
        settings = load_settings()
        with user_errors(StoreError, ValueError):
            if mall:
                validate_mall_id(mall, source="--mall")
            with open_store_or_fail(settings) as store:
                overview = store_overview(store, mall)
        render(overview, mall, now=datetime.now(timezone.utc), show_all=show_all)


# Bookkeeping the pipeline keeps for itself: who holds a mall's lease, AWB sequences, applied
# migrations. `status --all` shows them too.
INTERNAL_TABLES = frozenset({"mall_leases", "tracking_sequences", "schema_migrations"})
INTERNAL_STREAM_SUFFIXES = (".lock", ".lease")


def render(overview: StoreOverview, mall: str | None, now: datetime, *, show_all: bool = False) -> None:
    """Four tables that fit an 80-column terminal: long texts (errors) wrap inside their cell."""
    scope = f" (mall {mall})" if mall else ""
    console.print(f"[bold]Store[/] {overview.url} · {overview.dialect} · schema version {overview.schema_version}{scope}")
    syncs = overview.syncs
    counts = overview.row_counts
    if not show_all:
        if syncs.height:
            syncs = syncs.filter(
                ~pl.col("stream").str.ends_with(INTERNAL_STREAM_SUFFIXES[0])
                & ~pl.col("stream").str.ends_with(INTERNAL_STREAM_SUFFIXES[1])
            )
        counts = {name: n for name, n in counts.items() if name not in INTERNAL_TABLES}
    console.print(_connections(overview.connections, now))
    console.print(_syncs(syncs, now))
    console.print(_backlog(overview, now))
    console.print(_counts(counts))


def _span(seconds: int) -> str:
    if seconds >= 86400:
        return f"{seconds // 86400}d {seconds % 86400 // 3600}h"
    if seconds >= 3600:
        return f"{seconds // 3600}h {seconds % 3600 // 60}m"
    return f"{seconds // 60}m"


def _when(value: datetime | None, now: datetime) -> str:
    """A short relative time: "in 1h 30m", "5m ago" (the absolute UTC time is in the tables' SQL)."""
    if value is None:
        return "-"
    delta = (value - now).total_seconds()
    if abs(delta) < 60:
        return "just now"
    span = _span(int(abs(delta)))
    return f"in {span}" if delta >= 0 else f"{span} ago"


def _expiry(value: datetime | None, now: datetime) -> str:
    if value is not None and value <= now:
        return f"[red]expired {_span(int((now - value).total_seconds()))} ago[/]"
    return _when(value, now)


def _table(title: str, *headers: str, wrap: tuple[str, ...] = ()) -> Table:
    table = Table(title=title, title_justify="left")
    for header in headers:
        if header in wrap:
            table.add_column(header, overflow="fold", ratio=1)
        else:
            table.add_column(header, no_wrap=True)
    return table


def _connections(df: pl.DataFrame, now: datetime) -> Table | str:
    if df.height == 0:
        return "No connected malls yet: run `cafe24-pipeline connect MALL ...` (or `cafe24-pipeline demo`)."
    table = _table("Connections", "mall", "shops", "status", "access token", "refresh token", wrap=("status",))
    for row in df.iter_rows(named=True):
        status = row["status"]
        shown = {"active": "[green]active[/]", "reauth_required": "[red]reauth_required[/]"}.get(status, status)
        if row["status_reason"]:
            shown += f" ({row['status_reason']})"
        table.add_row(
            row["mall_id"],
            str(row["shop_nos"]).strip("[]").replace(" ", ""),
            shown,
            _expiry(row["access_expires_at"], now),
            _expiry(row["refresh_expires_at"], now),
        )
    return table


def _syncs(df: pl.DataFrame, now: datetime) -> Table | str:
    if df.height == 0:
        return "No syncs have run yet."
    table = _table("Last syncs", "mall", "stream", "last run", "result", "mark", "rows", "error", wrap=("error",))
    for row in df.iter_rows(named=True):
        status = "[green]ok[/]" if row["last_status"] == "success" else f"[red]{row['last_status']}[/]"
        mark = _when(row["high_water_mark"], now) if row["high_water_mark"] else (row["cursor"] or "-")
        table.add_row(
            row["mall_id"],
            row["stream"],
            _when(row["last_run_at"], now),
            status,
            mark,
            "-" if row["rows_last_run"] is None else f"{row['rows_last_run']:,}",
            (row["last_error"] or "")[:200],
        )
    return table


def _backlog(overview: StoreOverview, now: datetime) -> Table:
    table = _table(
        "Push backlog and SKU conflicts",
        "mall",
        "open pushes",
        "last failure",
        "last error",
        "open SKU conflicts",
        wrap=("last error",),
    )
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
            _when(row["last_failure_at"], now) if row and row["last_failure_at"] else "-",
            ((row or {}).get("last_error") or "")[:200],
            str(conflicts.get(mall, 0)),
        )
    return table


def _counts(counts: dict[str, int]) -> Table:
    """Rows per table, two tables per line so the list stays short."""
    table = Table(title="Rows per table", title_justify="left")
    for _ in range(2):
        table.add_column("table", no_wrap=True)
        table.add_column("rows", justify="right", no_wrap=True)
    items = list(counts.items())
    half = (len(items) + 1) // 2
    for left, right in zip(items[:half], items[half:] + [("", None)] * (2 * half - len(items))):
        table.add_row(left[0], f"{left[1]:,}", right[0], "" if right[1] is None else f"{right[1]:,}")
    return table
