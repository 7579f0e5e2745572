"""Helpers shared by the bulk tests: build real .xlsx files with openpyxl (no mocks of the reader)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl

from cafe24_pipeline.bulk import COLUMNS, ExistingListing, open_products_sheet

HEADERS = [c.key for c in COLUMNS]


def single(sku: str, **values: Any) -> dict[str, Any]:
    row = {"sku": sku, "name": f"상품 {sku}", "selling_price": 10000, "stock": 5, "display": "T", "selling": "T"}
    row.update(values)
    return row


def variant(sku: str, parent: str, color: str, size: str | None = None, **values: Any) -> dict[str, Any]:
    row = {
        "sku": sku,
        "parent_sku": parent,
        "name": f"그룹 {parent}",
        "option_1_name": "Color",
        "option_1_value": color,
        "selling_price": 20000,
        "stock": 3,
        "display": "T",
        "selling": "T",
    }
    if size is not None:
        row.update(option_2_name="Size", option_2_value=size)
    row.update(values)
    return row


def write_rows(
    path: Path, rows: Sequence[dict[str, Any] | None], *, headers: Sequence[str] | None = None, sheet: str = "products"
) -> Path:
    """One row per dict (None = an empty row); headers default to the template's."""
    headers = list(headers or HEADERS)
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(headers)
    for row in rows:
        worksheet.append([] if row is None else [row.get(h) for h in headers])
    workbook.save(path)
    return path


def listing(product_no: int, variant_code: str, product_code: str, **values: Any) -> ExistingListing:
    for money in ("price", "retail_price", "supply_price", "additional_amount"):
        if money in values and values[money] is not None:
            values[money] = Decimal(values[money])
    return ExistingListing(product_no=product_no, variant_code=variant_code, product_code=product_code, **values)


def test_write_rows_produces_what_the_reader_reads(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "a.xlsx", [single("A"), None, single("B")])
    with open_products_sheet(path) as sheet:
        rows = list(sheet.rows())
    assert [r.row_number for r in rows] == [2, 4]
    assert rows[1].values[sheet.position("sku")] == "B"
