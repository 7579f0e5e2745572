"""`cafe24-pipeline orders {rfp,ready-to-ship,ship,cancel} ORDER_ID [...]` and `mall set MALL --shipping …`.

The order actions run the same Dagster jobs the launchpad and the WMS sensor run (one job per
action, the order ids as config), print one line per order (moved, refused with the reason, or
failed), the tracking number and label path, and exit 1 when an order was refused or failed.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Optional

import typer

from cafe24_pipeline.commands.common import console, err_console, load_settings
from cafe24_pipeline.commands.malls import connected_mall
from cafe24_pipeline.commands.progress_bar import progress_bar

orders_app = typer.Typer(help="Fulfil orders from the OMS (RFP, Ready to Ship, ship, cancel).", no_args_is_help=True)
mall_app = typer.Typer(help="Per-mall settings.", no_args_is_help=True)


def _items(raw: Optional[str]) -> list[str]:
    return [c.strip() for c in (raw or "").split(",") if c.strip()]


def run_action(
    action: str, order_ids: list[str], *, mall: Optional[str], items: Optional[str] = None, reason: Optional[str] = None
) -> None:
    from cafe24_pipeline.commands.job_report import materializations, run_mall_job, step_failures

    settings = load_settings()
    mall_id = connected_mall(settings, mall, f"orders {action.replace('_', '-')}")
    config = {"action": action, "order_ids": list(order_ids), "items": _items(items), "actor": "cli"}
    if reason:
        config["reason"] = reason
    run_id = str(uuid.uuid4())
    with progress_bar(console, run_id=run_id, label=f"{action}_job ({mall_id})"):
        result = run_mall_job(
            settings, mall_id, f"{action}_job", run_config={"ops": {"oms_fulfilment": {"config": config}}}, run_id=run_id
        )
    meta = next((m for m in materializations(result) if m["asset"] == "oms/shipments"), {})
    results = meta.get("results") or []
    for r in results:
        if r["result"] == "done":
            moved = ", ".join(r.get("moved") or []) or "nothing to do"
            line = f"[green]ok[/] {r['order_id']}: {moved}"
            if r.get("already"):
                line += f" (already: {', '.join(r['already'])})"
            if r.get("tracking_number"):
                line += f"; tracking {r['tracking_number']}"
            if r.get("label_path"):
                line += f"; label {r['label_path']}"
            console.print(line, highlight=False)
        else:
            err_console.print(f"[red]{r['result']}[/] {r['order_id']}: {r.get('error')}", highlight=False)
    if not results:
        for error in step_failures(result):
            err_console.print(f"[bold red]failed[/] {error}", highlight=False)
    if not result.success or any(r["result"] != "done" for r in results):
        raise typer.Exit(1)


@orders_app.command("rfp")
def rfp(
    order_ids: list[str] = typer.Argument(..., help="Cafe24 order ids."),
    mall: Optional[str] = typer.Option(None, "--mall"),
    items: Optional[str] = typer.Option(None, "--items", help="Only these order item codes (comma list)."),
) -> None:
    """Mark orders fulfilled and ready to pack (Cafe24: preparing shipment, N20)."""
    run_action("rfp", order_ids, mall=mall, items=items)


@orders_app.command("ready-to-ship")
def ready_to_ship(
    order_ids: list[str] = typer.Argument(..., help="Cafe24 order ids."),
    mall: Optional[str] = typer.Option(None, "--mall"),
    items: Optional[str] = typer.Option(None, "--items", help="Ship only these items (split shipment)."),
) -> None:
    """Packed: issue the AWB, print the label, create the Cafe24 shipment (awaiting shipment, N21)."""
    run_action("ready_to_ship", order_ids, mall=mall, items=items)


@orders_app.command("ship")
def ship(
    order_ids: list[str] = typer.Argument(..., help="Cafe24 order ids."),
    mall: Optional[str] = typer.Option(None, "--mall"),
    items: Optional[str] = typer.Option(None, "--items", help="Only the shipments of these items."),
) -> None:
    """Handed to the carrier: Cafe24 shipment in transit (N30)."""
    run_action("ship", order_ids, mall=mall, items=items)


@orders_app.command("cancel")
def cancel(
    order_ids: list[str] = typer.Argument(..., help="Cafe24 order ids."),
    mall: Optional[str] = typer.Option(None, "--mall"),
    items: Optional[str] = typer.Option(None, "--items", help="Only these items."),
    reason: Optional[str] = typer.Option(None, "--reason", help="Why (kept on Cafe24)."),
) -> None:
    """Seller cancellation (refused once packed / Ready to Ship; the OMS stock is given back)."""
    run_action("cancel", order_ids, mall=mall, items=items, reason=reason)


@mall_app.command("set")
def mall_set(
    mall: str = typer.Argument(..., help="Mall id."),
    shipping: Optional[str] = typer.Option(
        None, "--shipping", help="self (we issue AWBs) or channel (the sales channel ships; we read its tracking number)."
    ),
    carrier: Optional[str] = typer.Option(
        None, "--carrier", help="Default carrier for self ship: cj, hanjin, lotte, epost, logen."
    ),
) -> None:
    """Set the mall's shipping mode (self ship by default) and default carrier."""
    from cafe24_pipeline.shipping.carriers import CarrierError, carrier_for
    from cafe24_pipeline.store import Store
    from cafe24_pipeline.store.fulfilment import SHIPPING_MODES, FulfilmentTables

    settings = load_settings()
    mall_id = connected_mall(settings, mall, "mall set")
    if shipping is None and carrier is None:
        err_console.print("[bold red]Error:[/] nothing to set: pass --shipping self|channel and/or --carrier")
        raise typer.Exit(2)
    if shipping is not None and shipping not in SHIPPING_MODES:
        err_console.print(f"[bold red]Error:[/] --shipping must be self or channel, got {shipping!r}")
        raise typer.Exit(2)
    if carrier is not None:
        try:
            carrier = carrier_for(carrier).code
        except CarrierError as exc:
            err_console.print(f"[bold red]Error:[/] {exc}")
            raise typer.Exit(2) from None
    with Store.open(settings.database_url) as store:
        tables = FulfilmentTables(store)
        tables.set_settings(mall_id, shipping_mode=shipping, carrier=carrier, now=datetime.now(timezone.utc))
        now = tables.settings(mall_id)
    console.print(
        f"mall {mall_id}: shipping {now['shipping_mode']}, carrier {now.get('carrier') or 'cj (default)'}", highlight=False
    )


def register(app: typer.Typer) -> None:
    app.add_typer(orders_app, name="orders")
    app.add_typer(mall_app, name="mall")
