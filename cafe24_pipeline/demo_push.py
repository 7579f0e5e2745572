"""The demo's push round trip: change a few SKUs in the OMS as an operator would (`oms set`), push
them with the same job `cafe24-pipeline push all` runs, and read them back from Cafe24 (the sandbox)."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from cafe24_pipeline.settings import Settings


class PushRoundTripError(RuntimeError):
    """The round trip did not end with Cafe24 holding the OMS values."""


def push_round_trip(settings: Settings, mall_id: str) -> str:
    """Stock, price and MRP of three SKUs and one product's active flag: OMS → push → Cafe24 read-back."""
    from cafe24_pipeline.commands.oms import set_oms_values
    from cafe24_pipeline.commands.push import run_push
    from cafe24_pipeline.mall_access import open_client
    from cafe24_pipeline.store import Store

    with Store.open(settings.database_url) as store:
        linked = (
            store.read_table("oms_listings", {"mall_id": mall_id})
            .join(store.read_table("oms_products"), on="sku")
            .filter(pl.col("active") & ~pl.col("deleted") & pl.col("selling_price").is_not_null())
            .sort("product_no", "variant_code")
        )
        singles = linked.filter(pl.col("parent_sku").is_null())
        picks = linked.unique("product_no", keep="first", maintain_order=True).head(3).to_dicts()
        if len(picks) < 3 or singles.height == 0:
            raise PushRoundTripError("the demo catalogue has too few active products to push")
        off = singles.filter(~pl.col("product_no").is_in([p["product_no"] for p in picks])).row(0, named=True)
        wanted = {}
        for i, row in enumerate(picks):
            price = row["selling_price"] + Decimal(1000 * (i + 1))
            mrp = max(price, row["mrp"] or price) + Decimal(5000)
            set_oms_values(store, row["sku"], stock=50 + i, price=price, mrp=mrp)
            wanted[row["sku"]] = (row["product_no"], row["variant_code"], 50 + i, price, mrp)
        set_oms_values(store, off["sku"], active=False)
    ok, meta, errors = run_push(settings, mall_id, ("stock", "price", "status", "delete"), full_stock=False)
    if not ok or meta.get("failed"):
        raise PushRoundTripError("; ".join(errors) or f"{meta.get('failed')} push failure(s)")
    with Store.open(settings.database_url) as store, open_client(settings, store, mall_id) as client:
        for sku, (product_no, variant_code, stock, price, mrp) in wanted.items():
            product = client.get_product(1, product_no)
            variant = next(v for v in product.variants if v.variant_code == variant_code)
            if product.price is None:
                raise PushRoundTripError(f"Cafe24 holds no price for {sku}")
            held = (variant.quantity, product.price + (variant.additional_amount or 0), product.retail_price)
            if held != (stock, price, mrp):
                raise PushRoundTripError(f"Cafe24 holds {held} for {sku}, not {(stock, price, mrp)}")
        hidden = client.get_product(1, off["product_no"])
        if hidden.display and hidden.selling:
            raise PushRoundTripError(f"{off['sku']} is still on sale on Cafe24")
    return (
        f"{len(wanted)} SKUs (stock, price, MRP) and {off['sku']} deactivated: {meta.get('products', 0)} products, "
        f"{meta.get('api_calls', 0)} API calls; Cafe24 now answers the new values"
    )
