"""`cafe24-pipeline bulk template|upload` and `products add`: list products on Cafe24 from the OMS.

- `bulk template OUT.xlsx [--mall M]` writes the template (brand and category dropdowns from the mall's synced
  tables when a mall is given).
- `bulk upload IN.xlsx [--mall M] [--report OUT.xlsx] [--dry-run]` runs `bulk_upload_job` (the job the inbox
  sensor launches, so the run shows in the UI); `--dry-run` validates here and prints what would happen, sending
  and writing nothing (the result workbook is still written when --report is given).
- `products add --sku … --name … --price … [--mrp] [--stock] [--option "Color=Red,Blue" …]` runs
  `product_add_job`: the same validation and apply path for one product or one group.

An unknown mall exits 2; a file that cannot be used exits 1 with one line naming the file and the fix; rows in
error exit 1 after the summary (the result workbook says why, row by row).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from cafe24_pipeline.commands.common import console, err_console, load_settings
from cafe24_pipeline.commands.malls import connected_mall
from cafe24_pipeline.commands.progress_bar import progress_bar
from cafe24_pipeline.settings import Settings

bulk_app = typer.Typer(help="List and update products from an Excel workbook (the bulk template).", no_args_is_help=True)
products_app = typer.Typer(help="List one product (or one variation group) on Cafe24.", no_args_is_help=True)
SHOWN_ROWS = 40


def _error(message: str, code: int = 1) -> None:
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@bulk_app.command("template")
def template_command(
    out: Path = typer.Argument(..., help="Where to write the template (.xlsx)."),
    mall: str | None = typer.Option(
        None, "--mall", help="Fill the brand and category dropdowns from this connected mall's synced tables."
    ),
) -> None:
    """Write the listing template: instructions (Korean and English), the products sheet, dropdowns."""
    from cafe24_pipeline.bulk import write_template
    from cafe24_pipeline.store import Store
    from cafe24_pipeline.store.listing import ListingTables

    settings = load_settings()
    brands: list[tuple[str, str]] | None = None
    categories: list[tuple[int, str]] | None = None
    if mall is not None:
        mall_id = connected_mall(settings, mall, "bulk template")
        with Store.open(settings.database_url) as store:
            tables = ListingTables(store)
            brands, categories = tables.brands(mall_id), tables.categories(mall_id)
    if out.suffix.lower() != ".xlsx":
        _error(f"{out.name}: the template is an Excel workbook; give a file name ending in .xlsx", 2)
    if not out.parent.exists():
        _error(f"folder {out.parent} does not exist", 2)
    write_template(out, brands=brands or None, categories=categories or None)
    extra = f" with {len(brands or [])} brands and {len(categories or [])} categories of {mall}" if mall else ""
    console.print(
        f"Template written to {out}{extra}. Fill in one row per SKU on the products sheet, then run "
        f"`cafe24-pipeline bulk upload {out.name}`.",
        highlight=False,
    )


@bulk_app.command("upload")
def upload_command(
    path: Path = typer.Argument(..., help="The filled-in template (.xlsx)."),
    mall: str | None = typer.Option(None, "--mall", help="Mall id (default: CAFE24_MALL_ID)."),
    report: Path | None = typer.Option(None, "--report", help="Result workbook (default: <name>.result.xlsx beside the file)."),
    dry: bool = typer.Option(False, "--dry-run", help="Validate and show what would happen; send and write nothing."),
) -> None:
    """Validate every row and list the products on Cafe24 (create new ones, update listed ones by SKU)."""
    from cafe24_pipeline.bulk import BulkFileError, open_products_sheet
    from cafe24_pipeline.sync.listing_inbox import report_beside

    settings = load_settings()
    mall_id = connected_mall(settings, mall, "bulk upload")
    if not path.is_file():
        _error(f"{path} does not exist", 2)
    report = report or report_beside(path)
    try:
        with open_products_sheet(path):  # the file-level checks (type, password, sheet, headers, merges): fast
            pass
    except BulkFileError as exc:
        _error(str(exc))
    if dry:
        _dry_upload(settings, mall_id, path, report)
        return
    from cafe24_pipeline.assets.listing import BULK_OP

    config = {"path": str(path.resolve()), "report_path": str(report.resolve())}
    meta, errors = _run(
        settings, mall_id, "bulk_upload_job", {"ops": {BULK_OP: {"config": config}}}, f"bulk_upload_job ({mall_id})"
    )
    _print_result(meta, errors, report=report)


def _dry_upload(settings: Settings, mall_id: str, path: Path, report: Path) -> None:
    from cafe24_pipeline.bulk import BulkFileError
    from cafe24_pipeline.store import Store
    from cafe24_pipeline.sync.listing import Lister

    with Store.open(settings.database_url) as store:
        try:
            with progress_bar(console):
                result = Lister(store, None, mall_id).upload(path, report_path=report, dry_run=True)
        except BulkFileError as exc:
            _error(str(exc))
    _print_rows(result.outcomes)
    console.print(result.summary(), highlight=False)
    console.print(f"Result workbook: {report}", highlight=False)
    if result.failed_rows:
        raise typer.Exit(1)


def _print_rows(outcomes: list[Any]) -> None:
    interesting = [o for o in outcomes if o.status != "unchanged"]
    if not interesting:
        return
    table = Table("row", "status", "reason")
    for outcome in interesting[:SHOWN_ROWS]:
        style = "red" if outcome.status == "error" else ""
        table.add_row(str(outcome.row_number), f"[{style}]{outcome.status}[/]" if style else outcome.status, outcome.reason)
    console.print(table)
    if len(interesting) > SHOWN_ROWS:
        console.print(f"… and {len(interesting) - SHOWN_ROWS} more rows (see the result workbook)")


def _run(
    settings: Settings,
    mall_id: str,
    job: str,
    run_config: dict[str, Any],
    label: str,
) -> tuple[dict[str, Any], list[str]]:
    from cafe24_pipeline.commands.job_report import (
        materializations,
        run_mall_job,
        step_failures,
    )

    run_id = str(uuid.uuid4())
    with progress_bar(console, run_id=run_id, label=label):
        result = run_mall_job(settings, mall_id, job, run_config=run_config, run_id=run_id)
    meta = next((m for m in materializations(result) if m["asset"] == "oms/bulk_uploads"), {})
    errors = [] if result.success else step_failures(result)
    return meta, errors


def _print_result(meta: dict[str, Any], errors: list[str], *, report: Path | None) -> None:
    if meta:
        console.print(
            f"  rows {meta.get('rows', 0)}: created {meta.get('rows_created', 0)}, updated {meta.get('rows_updated', 0)}, "
            f"unchanged {meta.get('rows_unchanged', 0)}, error {meta.get('rows_error', 0)}; products created "
            f"{meta.get('products_created', 0)}, updated {meta.get('products_updated', 0)}, failed "
            f"{meta.get('products_error', 0)}; {meta.get('api_calls', 0)} API calls",
            highlight=False,
        )
        for line in (meta.get("errors") or [])[:SHOWN_ROWS]:
            err_console.print(f"  [red]error[/] {line}", highlight=False)
        if report is not None and meta.get("report_path"):
            console.print(f"  Result workbook: {meta['report_path']}", highlight=False)
    for error in errors:
        # the step's own message, without the step name (one line an operator can act on)
        err_console.print(f"[bold red]Error:[/] {error.split(': ', 1)[-1]}", highlight=False)
    if errors or not meta or meta.get("rows_error"):
        raise typer.Exit(1)
    console.print("[green]OK[/]")


@products_app.command("add")
def add_command(
    sku: str = typer.Option(
        ..., "--sku", help="The SKU; with --option, the group's parent SKU (variant SKUs are <sku>-<value>-<value>)."
    ),
    name: str = typer.Option(..., "--name", help="Product name (≤ 250 characters; Hangul welcome)."),
    price: str = typer.Option(..., "--price", help="Selling price in whole won, e.g. 12000 or 12,000."),
    mrp: str | None = typer.Option(None, "--mrp", help="MRP (Cafe24 retail_price), not below the price."),
    supply_price: str | None = typer.Option(None, "--supply-price", help="Supply price in won."),
    stock: int = typer.Option(0, "--stock", help="Stock (of each variant for a group)."),
    option: list[str] = typer.Option(
        [], "--option", help='An option and its values, e.g. "Color=Red,Blue" (repeat for up to 3).'
    ),
    brand: str | None = typer.Option(None, "--brand", help="brand_code, e.g. B000000A."),
    category: int | None = typer.Option(None, "--category", help="category_no."),
    image_url: str | None = typer.Option(None, "--image-url", help="Main image URL (http/https)."),
    display: bool = typer.Option(False, "--display", help="Show it in the shop (default: hidden)."),
    selling: bool = typer.Option(False, "--selling", help="Put it on sale (default: not for sale)."),
    mall: str | None = typer.Option(None, "--mall", help="Mall id (default: CAFE24_MALL_ID)."),
    dry: bool = typer.Option(False, "--dry-run", help="Validate and show what would happen; send nothing."),
) -> None:
    """List one product (or one group with a variant per option combination) on Cafe24."""
    from cafe24_pipeline.sync.listing import NewProduct, parse_option

    settings = load_settings()
    mall_id = connected_mall(settings, mall, "products add")
    try:
        options = [parse_option(o) for o in option]
        NewProduct(sku=sku, options=tuple(options))  # the option rules (at most 3, distinct names)
    except ValueError as exc:
        _error(str(exc), 2)
    config: dict[str, Any] = {
        "sku": sku,
        "name": name,
        "price": _won("--price", price),
        "mrp": _won("--mrp", mrp),
        "supply_price": _won("--supply-price", supply_price),
        "stock": stock,
        "options": list(option),
        "brand": brand,
        "category": category,
        "image_url": image_url,
        "display": display,
        "selling": selling,
    }
    if dry:
        _dry_add(settings, mall_id, config, options)
        return
    meta, errors = _run(
        settings, mall_id, "product_add_job", {"ops": {"oms_product_add": {"config": config}}}, f"product_add_job ({mall_id})"
    )
    if meta and not meta.get("rows_error"):
        console.print(
            f"  {sku}: {meta.get('rows_created', 0)} created, {meta.get('rows_updated', 0)} updated, "
            f"{meta.get('rows_unchanged', 0)} unchanged SKU(s)",
            highlight=False,
        )
    _print_result(meta, errors if not meta.get("rows_error") else [], report=None)


def _dry_add(settings: Settings, mall_id: str, config: dict[str, Any], options: list[Any]) -> None:
    from cafe24_pipeline.store import Store
    from cafe24_pipeline.sync.listing import Lister, NewProduct

    product = NewProduct(**{k: v for k, v in config.items() if k != "options"}, options=tuple(options))
    with Store.open(settings.database_url) as store:
        result = Lister(store, None, mall_id).add(product, dry_run=True)
    keys, rows = product.sheet_rows()
    sku_of = {r.row_number: r.values[keys.index("sku")] for r in rows}
    table = Table("SKU", "status", "reason")
    for outcome in result.outcomes:
        table.add_row(str(sku_of.get(outcome.row_number)), outcome.status, outcome.reason)
    console.print(table)
    console.print(result.summary(), highlight=False)
    if result.failed_rows:
        raise typer.Exit(1)


def _won(option: str, raw: str | None) -> int | None:
    if raw is None:
        return None
    text = raw.replace(",", "").replace("₩", "").replace("원", "").strip()
    if not text.isdigit():
        _error(f"{option} must be whole won like 12000, got {raw!r}", 2)
    return int(text)


def register(app: typer.Typer) -> None:
    app.add_typer(bulk_app, name="bulk")
    app.add_typer(products_app, name="products")
