"""`cafe24-pipeline push {stock,price,status,all} [--mall M] [--dry-run]`: push OMS values by hand.

It runs the same `push_job` the push sensor launches (so the run shows in the UI), as a manual push:
retry back-off and given-up marks are ignored. `push stock` is "Sync Stock": every linked variant's
stock is sent, even where Cafe24 already holds it. `--dry-run` prints what would change and writes
nothing (no run, no Cafe24 call). The summary names products, variants, API calls, 429s, conflicts
and failures; the exit status is 1 when anything failed or was held as a conflict.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any, Optional

import polars as pl
import typer
from rich.table import Table

from cafe24_pipeline.commands.common import console, err_console, load_settings
from cafe24_pipeline.commands.malls import connected_mall
from cafe24_pipeline.commands.progress_bar import progress_bar
from cafe24_pipeline.settings import Settings

DRY_RUN_ROWS = 60


class What(str, Enum):
    stock = "stock"
    price = "price"
    status = "status"
    all = "all"


def kinds_for(what: What) -> tuple[str, ...]:
    return ("stock", "price", "status", "delete") if what == What.all else (what.value,)


def dry_run(settings: Settings, mall: str, what: What) -> int:
    """Print the writes a push would make; returns how many variant/product writes that is."""
    from cafe24_pipeline.store import Store
    from cafe24_pipeline.sync.push import PushConfig, Pusher

    with Store.open(settings.database_url) as store:
        pusher = Pusher(
            store,
            None,
            mall,
            config=PushConfig.from_settings(settings, kinds=kinds_for(what), full_stock=what == What.stock, manual=True),
        )
        inputs = pusher.inputs()
        diff = pusher.diff(inputs)
    rows = changes_table(diff)
    if not rows:
        console.print(f"Nothing to push for mall {mall} ({what.value}): Cafe24 already holds the OMS values.")
        return 0
    table = Table("SKU", "product", "variant", "field", "Cafe24 now", "→ new", title=f"push {what.value} --dry-run ({mall})")
    for row in rows[:DRY_RUN_ROWS]:
        table.add_row(*[str(v) for v in row])
    console.print(table)
    if len(rows) > DRY_RUN_ROWS:
        console.print(f"… and {len(rows) - DRY_RUN_ROWS} more changes")
    products = len(diff.product_nos())
    console.print(
        f"{len(rows)} change(s) on {products} product(s): at most {2 * products} write call(s). Nothing was sent (dry run).",
        highlight=False,
    )
    return len(rows)


def changes_table(diff: Any) -> list[tuple[Any, ...]]:
    """(sku, product_no, variant_code, field, now, new) per change, product-level rows first."""

    def show(value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, bool):
            return "T" if value else "F"
        return f"{value:,.0f}" if not isinstance(value, str) else value

    out: list[tuple[Any, ...]] = []
    for r in diff.products.iter_rows(named=True):
        for col, name, now in (
            ("set_price", "price", "c_product_price"),
            ("set_retail", "retail_price", "c_retail_price"),
            ("set_display", "display", "c_product_display"),
            ("set_selling", "selling", "c_product_selling"),
        ):
            if r[col] is not None:
                out.append(("(product)", r["product_no"], "", name, show(r[now]), show(r[col])))
    for r in diff.variants.sort("product_no", "variant_code").iter_rows(named=True):
        for col, name, now in (
            ("set_quantity", "stock", "c_stock"),
            ("set_additional", "additional_amount", "c_additional_amount"),
            ("set_display", "display", "c_variant_display"),
            ("set_selling", "selling", "c_variant_selling"),
        ):
            if r[col] is not None:
                out.append((r["sku"] or "(no SKU)", r["product_no"], r["variant_code"], name, show(r[now]), show(r[col])))
    for r in diff.deletes.iter_rows(named=True):
        out.append(
            (",".join(r["skus"] or []), r["product_no"], r["variant_code"] or "(whole product)", "delete", "listed", "deleted")
        )
    return out


def run_push(
    settings: Settings, mall: str, kinds: tuple[str, ...], *, full_stock: bool
) -> tuple[bool, dict[str, Any], list[str]]:
    """Run push_job for `mall`; (success, the push's metadata, failure lines)."""
    from cafe24_pipeline.commands.job_report import materializations, run_mall_job, step_failures

    run_id = str(uuid.uuid4())
    config = {"ops": {"oms_push": {"config": {"kinds": list(kinds), "full_stock": full_stock, "manual": True}}}}
    with progress_bar(console, run_id=run_id, label=f"push_job ({mall})"):
        result = run_mall_job(settings, mall, "push_job", run_config=config, run_id=run_id)
    meta = next((m for m in materializations(result) if m["asset"] == "oms/push_log"), {})
    return result.success, meta, step_failures(result)


def print_summary(meta: dict[str, Any], errors: list[str]) -> None:
    if meta:
        console.print(
            f"  products {meta.get('products', 0)}, variants {meta.get('variants', 0)}, deleted {meta.get('deleted', 0)}; "
            f"{meta.get('api_calls', 0)} API calls, {meta.get('rate_limited_429', 0)} × 429; "
            f"conflicts {meta.get('conflicts', 0)}, failures {meta.get('failed', 0)}",
            highlight=False,
        )
    if meta.get("conflicts"):
        err_console.print(
            "  [yellow]conflict[/]: a price changed on Cafe24 since our last read was not overwritten; "
            "see push_log (result = 'conflict'); set the OMS price again to push it",
            highlight=False,
        )
    for error in errors:
        err_console.print(f"  [bold red]failed[/] {error}", highlight=False)


def push_command(
    what: What = typer.Argument(..., help="stock (Sync Stock: all stock), price, status (display/selling) or all."),
    mall: Optional[str] = typer.Option(None, "--mall", help="Mall id (default: CAFE24_MALL_ID)."),
    dry: bool = typer.Option(False, "--dry-run", help="Print what would change; send nothing."),
) -> None:
    """Push OMS stock, prices and display/selling to Cafe24 (the same push_job the sensor runs)."""
    settings = load_settings()
    mall_id = connected_mall(settings, mall, f"push {what.value}")
    if dry:
        dry_run(settings, mall_id, what)
        return
    ok, meta, errors = run_push(settings, mall_id, kinds_for(what), full_stock=what == What.stock)
    print_summary(meta, errors)
    if not ok or meta.get("failed") or meta.get("conflicts"):
        raise typer.Exit(1)
    console.print("[green]OK[/]")


def register(app: typer.Typer) -> None:
    app.command("push")(push_command)


__all__ = ["push_command", "run_push", "changes_table", "pl"]
