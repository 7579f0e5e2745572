"""The one printer of sync results: every stream's materialization metadata carries the keys of
`sync/result.py` (rows fetched / stored / unchanged / skipped by reason / deleted, malformed records
with ids, API calls, 429s), so every `sync` command prints them the same way."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cafe24_pipeline.commands.common import console, err_console

MALFORMED_SHOWN = 10
# Stream-specific counts worth a word on the line (orders: items, status history, OMS orders).
DETAILS = {
    "stored_items": "items",
    "history_rows": "status changes",
    "oms_orders": "OMS orders",
    "repolled": "re-polled",
    "variants": "variants",
}


def result_line(meta: Mapping[str, Any]) -> str:
    reasons = meta.get("skipped_by_reason") or {}
    why = ", ".join(f"{k} {v}" for k, v in reasons.items()) if isinstance(reasons, dict) and reasons else "-"
    extra = "".join(f", {meta[k]} {label}" for k, label in DETAILS.items() if isinstance(meta.get(k), int))
    return (
        f"fetched {meta.get('rows_fetched', '?'):>6}  stored {meta.get('rows_stored', '?'):>6}  "
        f"unchanged {meta.get('rows_unchanged', 0)}  skipped {meta.get('rows_skipped', 0)} ({why})  "
        f"deleted {meta.get('rows_deleted', 0)}{extra}  API calls {meta.get('api_calls', 0)}"
        f"{'  429s ' + str(meta['rate_limited_429']) if meta.get('rate_limited_429') else ''}"
    )


def malformed_lines(meta: Mapping[str, Any]) -> list[str]:
    """Up to ten malformed records with their reasons, and how many more there were."""
    sample = [m for m in meta.get("malformed_sample") or [] if isinstance(m, Mapping)]
    count = int(meta.get("malformed_count") or len(sample))
    lines = [f"{m.get('kind') or 'record'} {m.get('id') or '(no id)'}: {m.get('reason')}" for m in sample[:MALFORMED_SHOWN]]
    if count > len(lines):
        lines.append(f"... and {count - len(lines)} more")
    return lines


def print_results(
    job_name: str,
    run_id: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    failed_checks: Iterable[Mapping[str, Any]] = (),
    warned_checks: Iterable[Mapping[str, Any]] = (),
    errors: Iterable[str] = (),
    success: bool = True,
) -> bool:
    """Print one run; returns True when it had warnings (malformed records left out, warned checks)."""
    console.print(f"[bold]{job_name}[/] run {run_id}", highlight=False)
    warned = False
    for meta in rows:
        console.print(f"  {meta.get('asset', ''):<28} {result_line(meta)}", highlight=False)
        if meta.get("sku_conflicts_open"):
            console.print(f"    [yellow]{meta['sku_conflicts_open']} SKU conflicts open[/] (see `cafe24-pipeline status`)")
        bad = malformed_lines(meta)
        if bad:
            warned = True
            console.print(
                f"    [yellow]warning[/] {meta.get('malformed_count') or len(bad)} malformed record(s) "
                "left out (the rest was stored):",
                highlight=False,
            )
            for line in bad:
                console.print(f"      {line}", highlight=False)
    for c in warned_checks:
        warned = True
        console.print(f"  [yellow]warning[/] {c['check']}: {c['offending_rows']} rows", highlight=False)
    failed = False
    for c in failed_checks:
        failed = True
        err_console.print(f"  [red]check failed[/] {c['check']}: {c['offending_rows']} rows", highlight=False)
    for e in errors:
        failed = True
        err_console.print(f"  [red]failed[/] {e}", highlight=False)
    if success and not failed:
        console.print("[yellow]OK, with warnings[/]" if warned else "[green]OK[/]")
    return warned
