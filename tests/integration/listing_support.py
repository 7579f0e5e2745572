"""A connected mall with its catalogue synced, for the listing tests: fill the real template with openpyxl,
upload it through `sync.listing.Lister` over HTTP to the sandbox, and read back what Cafe24 now lists."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

from cafe24_pipeline.bulk import COLUMNS, write_template
from cafe24_pipeline.store.listing import ListingTables
from cafe24_pipeline.sync.listing import Lister, ListingConfig, UploadResult
from tests.fixtures.sandbox import sandbox_client
from tests.integration.push_support import PushWorld

HEADERS = [c.key for c in COLUMNS]


def fill_template(path: Path, rows: Sequence[dict[str, Any] | None]) -> Path:
    """Write the real template, then type the rows into its products sheet below the header, as a seller would."""
    write_template(path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["products"]
    keys = [cell.value for cell in sheet[1]]  # the template's row 1 holds the column keys
    for offset, row in enumerate(rows, start=2):
        if row is None:
            continue
        for column, key in enumerate(keys, start=1):
            if key in row and row[key] is not None:
                sheet.cell(row=offset, column=column, value=row[key])
    workbook.save(path)
    return path


def single(sku: str, **values: Any) -> dict[str, Any]:
    row = {"sku": sku, "name": f"머그컵 {sku}", "selling_price": 12000, "mrp": 15000, "stock": 40, "display": "T", "selling": "T"}
    row.update(values)
    return row


def variant(sku: str, parent: str, color: str, size: str, **values: Any) -> dict[str, Any]:
    row = {
        "sku": sku,
        "parent_sku": parent,
        "name": f"베이직 티셔츠 {parent}",
        "option_1_name": "색상",
        "option_1_value": color,
        "option_2_name": "사이즈",
        "option_2_value": size,
        "selling_price": 19000,
        "stock": 10,
        "display": "T",
        "selling": "T",
    }
    row.update(values)
    return row


def lister(world: PushWorld, client: Any, **config: Any) -> Lister:
    return Lister(world.store, client, world.mall, config=ListingConfig(**config), run_id="test")


def upload(world: PushWorld, path: Path, *, client_options: dict[str, Any] | None = None, **kwargs: Any) -> UploadResult:
    with world.client(**(client_options or {})) as client:
        return lister(world, client).upload(path, **kwargs)


def cafe24_by_code(world: PushWorld, custom_product_code: str) -> list[dict[str, Any]]:
    """Every Cafe24 product whose custom_product_code is exactly this code, with variants (over HTTP)."""
    with sandbox_client(world.server, world.mall) as http:
        body = http.get(
            "products", params={"custom_product_code": custom_product_code, "limit": 100, "embed": "variants,inventories"}
        )
        body.raise_for_status()
    return [p for p in body.json()["products"] if p["custom_product_code"] == custom_product_code]


def variant_stock(variant: dict[str, Any]) -> int:
    if variant.get("quantity") is not None:
        return int(variant["quantity"])
    return int(variant["inventories"]["quantity"])


def tables(world: PushWorld) -> ListingTables:
    return ListingTables(world.store)
