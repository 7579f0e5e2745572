"""The template: its sheets, header comments, dropdowns, and a fill-in-and-read-back round trip."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl

from cafe24_pipeline.bulk import COLUMNS, plan_upload, write_template
from cafe24_pipeline.bulk.template import EXAMPLE_ROWS

BRANDS = [("B000000A", "나이키"), ("B000000B", "Acme")]
CATEGORIES = [(27, "Outer > Jackets"), (28, "Tops")]


def _validations(sheet: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, tuple[str, str | None]]:
    """First column letter of each validation → (type, formula1)."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        first = str(validation.sqref).split(":")[0]
        found["".join(ch for ch in first if ch.isalpha())] = (validation.type, validation.formula1)
    return found


def test_template_sheets_headers_and_comments(tmp_path: Path) -> None:
    path = write_template(tmp_path / "template.xlsx", brands=BRANDS, categories=CATEGORIES)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["instructions", "products", "lists"]
    assert workbook["lists"].sheet_state == "hidden"
    products = workbook["products"]
    assert [c.value for c in products[1]] == [c.key for c in COLUMNS]
    assert products.max_row == 1  # no example rows on the data sheet
    assert products.freeze_panes == "B2"
    for cell, column in zip(products[1], COLUMNS):
        assert column.help_ko in cell.comment.text and column.help_en in cell.comment.text
        assert products.column_dimensions[cell.column_letter].width == column.width
    assert [c.value for c in workbook["lists"]["A"]] == ["brand", "B000000A - 나이키", "B000000B - Acme"]
    assert [c.value for c in workbook["lists"]["B"]] == ["category", "27 - Outer > Jackets", "28 - Tops"]


def test_template_dropdowns(tmp_path: Path) -> None:
    path = write_template(tmp_path / "template.xlsx", brands=BRANDS, categories=CATEGORIES)
    products = openpyxl.load_workbook(path)["products"]
    letter = {c.key: products.cell(row=1, column=i + 1).column_letter for i, c in enumerate(COLUMNS)}
    validations = _validations(products)
    assert validations[letter["display"]] == ("list", '"T,F"')
    assert validations[letter["selling"]] == ("list", '"T,F"')
    assert validations[letter["brand"]] == ("list", "=lists!$A$2:$A$3")
    assert validations[letter["category"]] == ("list", "=lists!$B$2:$B$3")
    assert validations[letter["selling_price"]] == ("whole", "0")
    assert validations[letter["sku"]] == ("textLength", "40")


def test_template_without_lists_has_no_lists_sheet(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    assert workbook.sheetnames == ["instructions", "products"]
    letters = _validations(workbook["products"])
    brand_letter = workbook["products"].cell(row=1, column=[c.key for c in COLUMNS].index("brand") + 1).column_letter
    assert brand_letter not in letters


def test_instructions_are_bilingual_with_examples(tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))["instructions"]
    text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    assert "카페24 상품 대량 등록 양식" in text and "Cafe24 bulk listing template" in text
    assert "Example (never uploaded)" in text and "TS-BLUE-M" in text


def test_fill_the_template_and_read_it_back(tmp_path: Path) -> None:
    path = write_template(tmp_path / "template.xlsx", brands=BRANDS, categories=CATEGORIES)
    workbook = openpyxl.load_workbook(path)
    products = workbook["products"]
    keys = [c.key for c in COLUMNS]
    for example in EXAMPLE_ROWS:
        products.append([example.get(k) for k in keys])
    products.append(
        [
            {
                "sku": "CAP-01",
                "name": "모자",
                "selling_price": 15000,
                "brand": "B000000B - Acme",
                "category": "28 - Tops",
                "display": "T",
                "selling": "T",
            }.get(k)
            for k in keys
        ]
    )
    workbook.save(path)
    plan = plan_upload(path, brands=[b for b, _ in BRANDS], categories=[c for c, _ in CATEGORIES])
    assert plan.error_rows == ()
    by_key = {p.key: p for p in plan.plans}
    assert set(by_key) == {"MUG-WHITE-350", "TS-BASIC", "CAP-01"}
    tee = by_key["TS-BASIC"]
    assert tee.price == Decimal(19000) and tee.product_name == "베이직 티셔츠 Basic T-shirt"
    assert {v.sku: v.additional_amount for v in tee.variants}["TS-BLUE-M"] == Decimal(2000)
    assert tee.unlisted_combinations == (("파랑", "S"),)  # as the instructions sheet says
    assert (by_key["CAP-01"].brand_code, by_key["CAP-01"].category_no) == ("B000000B", 28)
