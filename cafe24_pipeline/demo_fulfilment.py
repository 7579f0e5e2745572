"""The demo's fulfilment: one New order through Ready to Ship (AWB, label, Cafe24 shipment) and handover,
with the same jobs `cafe24-pipeline orders ready-to-ship` and `orders ship` run."""

from __future__ import annotations

import polars as pl

from cafe24_pipeline.settings import Settings


class FulfilmentDemoError(RuntimeError):
    """The demo order did not end In_transit on both sides."""


def place_demo_order(sandbox_url: str, settings: Settings, mall_id: str) -> str:
    """A buyer orders an in-stock SKU on the sandbox (its control API, as the storefront would)."""
    import httpx

    from cafe24_pipeline.store import Store

    with Store.open(settings.database_url) as store:
        linked = (
            store.read_table("oms_listings", {"mall_id": mall_id})
            .join(store.read_table("oms_products"), on="sku")
            .filter((pl.col("stock") >= 2) & pl.col("active") & ~pl.col("deleted"))
        )
    if linked.height == 0:
        raise FulfilmentDemoError("no in-stock, active SKU in the demo catalogue to order")
    variant = linked.sort("product_no", "variant_code").row(0, named=True)["variant_code"]
    answer = httpx.post(
        f"{sandbox_url}/_sandbox/{mall_id}/orders",
        json={"items": [{"variant_code": variant, "quantity": 1}], "status": "N10"},
        timeout=30,
    )
    answer.raise_for_status()
    return answer.json()["orders"][0]["order_id"]


def fulfil_one_order(settings: Settings, mall_id: str, sandbox_url: str) -> str:
    from cafe24_pipeline.commands.job_report import materializations, run_mall_job, step_failures
    from cafe24_pipeline.store import Store

    order_id = place_demo_order(sandbox_url, settings, mall_id)
    from cafe24_pipeline.commands.sync_orders import run_order_job

    pulled = run_order_job(settings, mall_id, "orders_new_job")
    if not pulled.success:
        raise FulfilmentDemoError("; ".join(pulled.errors) or "the new-order poll failed")
    with Store.open(settings.database_url) as store:
        found = store.read_table("oms_orders", {"mall_id": mall_id, "order_id": order_id})
    if found.height == 0 or found["status"][0] != "New":
        raise FulfilmentDemoError(
            f"the new order {order_id} is not New in the OMS ({found['status'][0] if found.height else 'missing'})"
        )
    results = {}
    for action in ("ready_to_ship", "ship"):
        config = {"ops": {"oms_fulfilment": {"config": {"action": action, "order_ids": [order_id], "actor": "cli"}}}}
        run = run_mall_job(settings, mall_id, f"{action}_job", run_config=config)
        meta = next((m for m in materializations(run) if m["asset"] == "oms/shipments"), {})
        if not run.success:
            raise FulfilmentDemoError("; ".join(step_failures(run)) or f"{action} failed")
        results[action] = (meta.get("results") or [{}])[0]
    with Store.open(settings.database_url) as store:
        status = store.read_table("oms_orders", {"mall_id": mall_id, "order_id": order_id})["status"][0]
    if status != "In_transit":
        raise FulfilmentDemoError(f"order {order_id} ended {status}, not In_transit")
    rts = results["ready_to_ship"]
    return (
        f"order {order_id}: Ready to Ship with tracking {rts.get('tracking_number')} "
        f"(label {rts.get('label_path')}), then handed to the carrier: In_transit"
    )
