"""`cafe24-pipeline oms set SKU …` and `oms delete SKU`: edit the OMS product master as an OMS would.

`oms set` validates (stock ≥ 0, price ≥ 0, MRP ≥ price, a known SKU) and writes `oms_products`;
the push sensor (or `cafe24-pipeline push`) then sends the change to Cafe24. `oms delete` is the one
way a product is deleted on Cafe24: an explicit request (asked to confirm unless --yes), pushed at
once to every mall listing it and logged in `push_log`; a group's parent code deletes the product,
a variant SKU that variant.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Optional

import typer

from cafe24_pipeline.commands.common import console, err_console, load_settings

oms_app = typer.Typer(help="Edit the OMS product master by hand (what an OMS feeding oms_products does).", no_args_is_help=True)


class OmsInputError(ValueError):
    """An OMS edit was refused; the message says why (one line)."""


def _fail(message: str) -> None:
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False)
    raise typer.Exit(2)


def parse_money(option: str, raw: Optional[str]) -> Optional[Decimal]:
    """A KRW amount typed by an operator ("12000", "12,000"), or OmsInputError."""
    if raw is None:
        return None
    try:
        value = Decimal(raw.replace(",", "").strip())
    except InvalidOperation:
        raise OmsInputError(f"{option} must be an amount in KRW like 12000, got {raw!r}") from None
    if not value.is_finite() or value < 0:
        raise OmsInputError(f"{option} must be 0 or more, got {raw!r}")
    if value != value.to_integral_value():
        raise OmsInputError(f"{option} must be whole won (KRW has no minor unit), got {raw!r}")
    return value.quantize(Decimal("0.01"))


def set_oms_values(
    store,
    sku: str,
    *,
    stock: Optional[int] = None,
    price: Optional[Decimal] = None,  # noqa: ANN001
    mrp: Optional[Decimal] = None,
    active: Optional[bool] = None,
) -> dict:
    """Validate and write one SKU's OMS values, as an OMS would; returns what changed."""
    from cafe24_pipeline.store.push import PushTables

    values: dict = {}
    if stock is not None:
        if stock < 0:
            raise OmsInputError(f"--stock must be 0 or more, got {stock}")
        values["stock"] = stock
    if price is not None:
        values["selling_price"] = price
    if mrp is not None:
        values["mrp"] = mrp
    if active is not None:
        values["active"] = active
    if not values:
        raise OmsInputError("nothing to change: pass --stock, --price, --mrp, --active or --inactive")
    tables = PushTables(store)
    current = tables.oms_product(sku)
    if current is None:
        raise OmsInputError(f"SKU {sku!r} is not in the OMS master (oms_products); sync the catalogue or check the code")
    if current["deleted"]:
        raise OmsInputError(f"SKU {sku!r} was deleted in the OMS")
    new_price = values.get("selling_price", current["selling_price"])
    new_mrp = values.get("mrp", current["mrp"])
    if new_price is not None and new_mrp is not None and new_mrp < new_price:
        raise OmsInputError(f"MRP {new_mrp:,.0f} would be lower than the selling price {new_price:,.0f}")
    tables.set_oms_values(sku, values, now=datetime.now(timezone.utc))
    return values


@oms_app.command("set")
def oms_set(
    sku: str = typer.Argument(..., help="The SKU (oms_products.sku)."),
    stock: Optional[int] = typer.Option(None, "--stock", help="Units in stock (0 or more)."),
    price: Optional[str] = typer.Option(None, "--price", help="Selling price in KRW (→ Cafe24 price)."),
    mrp: Optional[str] = typer.Option(None, "--mrp", help="MRP in KRW (→ Cafe24 retail_price); not below the price."),
    active: Optional[bool] = typer.Option(None, "--active/--inactive", help="Sell it on Cafe24 (display + selling)."),
) -> None:
    """Change one SKU's stock, price, MRP or active flag in the OMS master."""
    from cafe24_pipeline.store import Store

    settings = load_settings()
    try:
        selling, retail = parse_money("--price", price), parse_money("--mrp", mrp)
        with Store.open(settings.database_url) as store:
            values = set_oms_values(store, sku, stock=stock, price=selling, mrp=retail, active=active)
    except OmsInputError as exc:
        _fail(str(exc))
    shown = ", ".join(f"{k}={v:,.0f}" if isinstance(v, Decimal) else f"{k}={v}" for k, v in values.items())
    console.print(
        f"[green]OMS updated[/] {sku}: {shown}. The push sensor sends it to Cafe24 (or run `cafe24-pipeline push all`).",
        highlight=False,
    )


@oms_app.command("delete")
def oms_delete(
    sku: str = typer.Argument(..., help="A SKU (deletes that variant / single product) or a group's parent code."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Delete a product or variant on Cafe24 (an explicit OMS action, logged in push_log)."""
    from cafe24_pipeline.commands.push import print_summary, run_push
    from cafe24_pipeline.store import Store
    from cafe24_pipeline.store.push import PushTables

    settings = load_settings()
    with Store.open(settings.database_url) as store:
        tables = PushTables(store)
        group = tables.oms_group(sku)
        single = tables.oms_product(sku)
        skus = group or ([sku] if single else [])
        if not skus:
            _fail(f"{sku!r} is neither a SKU nor a group's parent code in the OMS master")
        malls = tables.malls_listing(skus)
        what = f"the product {sku} ({len(skus)} SKUs)" if group else f"SKU {sku}"
        where = ", ".join(malls) if malls else "no mall (not listed)"
        if not yes and not typer.confirm(f"Delete {what} on Cafe24 ({where})?", default=False):
            err_console.print("Not deleted.")
            raise typer.Exit(1)
        tables.request_delete(skus, now=datetime.now(timezone.utc))
    failed = False
    for mall in malls:
        ok, meta, errors = run_push(settings, mall, ("delete",), full_stock=False)
        console.print(f"mall {mall}:", highlight=False)
        print_summary(meta, errors)
        failed |= not ok or bool(meta.get("failed"))
    if failed:
        raise typer.Exit(1)
    console.print(f"[green]Deleted[/] {what} in the OMS" + (f" and on {where}." if malls else "."), highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(oms_app, name="oms")
