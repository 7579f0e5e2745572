"""The initial import run on connect (and by the demo): catalogue, stock snapshot, 90 days of orders.

Each step launches the same Dagster job the schedules launch, on the local instance, so the
runs show in the UI. A step that fails raises `InitialImportError` with what went wrong; later
steps still make sense on their own, so callers decide whether to go on.
"""

from __future__ import annotations

from collections.abc import Callable
from cafe24_pipeline.commands.common import console, err_console
from cafe24_pipeline.settings import Settings

ORDER_HISTORY_DAYS = 90


class InitialImportError(RuntimeError):
    """A step of the initial import failed; the message carries the job's own reasons."""


def _catalog(settings: Settings, mall: str) -> str:
    from cafe24_pipeline.commands.sync_catalog import run_catalog_job

    report = run_catalog_job(settings, mall, full=True)
    problems = report.errors + [f"check {c['check']} failed on {c['offending_rows']} rows" for c in report.failed_checks]
    if not report.ok:
        raise InitialImportError("; ".join(problems) or f"run {report.run_id} failed")
    stored = {a["asset"]: a.get("rows_stored", "?") for a in report.assets}
    parts = [f"{name.split('/')[-1]} {count}" for name, count in stored.items()]
    warnings = f"; {len(report.warned_checks)} check warnings" if report.warned_checks else ""
    return "stored " + ", ".join(parts) + warnings


def _inventory(settings: Settings, mall: str) -> str:
    from cafe24_pipeline.commands.sync_catalog import run_inventory_job

    report = run_inventory_job(settings, mall)
    if not report.ok:
        raise InitialImportError("; ".join(report.errors) or f"run {report.run_id} failed")
    rows = sum(int(a.get("rows_stored", 0) or 0) for a in report.assets)
    return f"{rows} variant stock rows for today (KST)"


def _orders(settings: Settings, mall: str) -> str:
    """The first orders run of a mall imports its last 90 days (today and the 89 before, KST), newest first."""
    from cafe24_pipeline.commands.sync_orders import run_order_job

    report = run_order_job(settings, mall, "orders_new_job")
    if not report.success or report.errors:
        raise InitialImportError("; ".join(report.errors) or f"run {report.run_id} failed")
    s = report.summary
    skipped = f", {s['rows_skipped']} skipped" if s.get("rows_skipped") else ""
    return (
        f"fetched {s.get('rows_fetched', '?')} orders; stored {s.get('rows_stored', '?')} new or changed orders "
        f"with {s.get('stored_items', '?')} items{skipped}"
    )


def initial_import_steps(settings: Settings, mall: str) -> list[tuple[str, Callable[[], str]]]:
    """Named steps, in order; each returns a one-line result or raises InitialImportError."""
    return [
        ("Import the catalogue (categories, brands, products, variants -> OMS master)", lambda: _catalog(settings, mall)),
        ("Snapshot today's stock per variant", lambda: _inventory(settings, mall)),
        (f"Import the last {ORDER_HISTORY_DAYS} days of orders (both shops)", lambda: _orders(settings, mall)),
    ]


def run_initial_import(settings: Settings, mall: str) -> bool:
    """Run every step, printing progress and results; True when all succeeded."""
    ok = True
    for name, action in initial_import_steps(settings, mall):
        with console.status(name + " ..."):
            try:
                detail = action()
            except InitialImportError as exc:
                err_console.print(f"[red]x[/] {name}: {exc}", highlight=False)
                ok = False
                continue
        console.print(f"[green]ok[/] {name}: {detail}", highlight=False)
    return ok
