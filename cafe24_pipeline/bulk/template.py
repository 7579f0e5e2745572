"""The Excel template sellers fill in: instructions (Korean and English), the `products` sheet, dropdown lists.

The `products` sheet holds only the header row: examples live on the instructions sheet, so nothing a seller
forgets to delete is ever uploaded. Each header carries a comment explaining the column; Excel's data
validation offers T/F, brand and category dropdowns and refuses negative prices while typing (pasted values
bypass Excel's validation, which is why the upload validates everything again).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cafe24_pipeline.bulk.columns import COLUMNS, DEFAULT_LIMITS, Column, Limits
from cafe24_pipeline.bulk.reader import SHEET_NAME

LISTS_SHEET = "lists"
INSTRUCTIONS_SHEET = "instructions"
_HEADER_FILL = PatternFill("solid", start_color="FF1F4E78", end_color="FF1F4E78")
_REQUIRED_FILL = PatternFill("solid", start_color="FFC00000", end_color="FFC00000")
_EXAMPLE_FILL = PatternFill("solid", start_color="FFFFF2CC", end_color="FFFFF2CC")
_WHITE_BOLD = Font(bold=True, color="FFFFFFFF")
_NUMBER_FORMATS = {"code": "@", "text": "@", "url": "@", "brand": "@", "money": "#,##0", "count": "0"}

EXAMPLE_ROWS: tuple[dict[str, Any], ...] = (
    {
        "sku": "MUG-WHITE-350",
        "name": "머그컵 화이트 350ml",
        "selling_price": 12000,
        "mrp": 15000,
        "supply_price": 6000,
        "stock": 40,
        "image_url": "https://example.com/images/mug-white.jpg",
        "display": "T",
        "selling": "T",
    },
    {
        "sku": "TS-RED-S",
        "parent_sku": "TS-BASIC",
        "name": "베이직 티셔츠 Basic T-shirt",
        "option_1_name": "색상",
        "option_1_value": "빨강",
        "option_2_name": "사이즈",
        "option_2_value": "S",
        "selling_price": 19000,
        "mrp": 25000,
        "stock": 10,
        "display": "T",
        "selling": "T",
    },
    {
        "sku": "TS-RED-M",
        "parent_sku": "TS-BASIC",
        "option_1_name": "색상",
        "option_1_value": "빨강",
        "option_2_name": "사이즈",
        "option_2_value": "M",
        "selling_price": 19000,
        "stock": 8,
        "display": "T",
        "selling": "T",
    },
    {
        "sku": "TS-BLUE-M",
        "parent_sku": "TS-BASIC",
        "option_1_name": "색상",
        "option_1_value": "파랑",
        "option_2_name": "사이즈",
        "option_2_value": "M",
        "selling_price": 21000,
        "stock": 5,
        "display": "T",
        "selling": "T",
    },
)

INSTRUCTIONS: tuple[tuple[str, str], ...] = (
    (
        "'products' 시트에 SKU 하나당 한 줄씩 입력하세요. 1행의 열 이름은 바꾸거나 지우지 마세요.",
        "Fill in one row per SKU on the 'products' sheet. Do not rename or delete the column names in row 1.",
    ),
    (
        "단일 상품(옵션 없음): parent_sku와 옵션 칸을 비워 둡니다. SKU가 카페24 자체 상품 코드가 됩니다.",
        "Single product (no options): leave parent_sku and the option columns blank; the SKU becomes its product code.",
    ),
    (
        (
            "그룹 상품(옵션 있음): 같은 상품의 모든 행에 같은 parent_sku를 쓰고, 옵션 이름은 모든 행에서 같은 순서로 씁니다. "
            "상품명·소비자가·공급가·브랜드·카테고리·이미지는 첫 행에만 써도 됩니다."
        ),
        (
            "Group product (with options): give every row of the product the same parent_sku and the same option names "
            "in the same order. Name, MRP, supply price, brand, category and image may be filled on the first row only."
        ),
    ),
    (
        (
            "그룹 상품의 판매가는 행마다 다를 수 있습니다. 가장 낮은 판매가가 상품 판매가가 되고, 나머지는 옵션 추가금액이 "
            "됩니다. 카페24는 옵션 값의 모든 조합을 만들며, 파일에 없는 조합은 진열·판매 안 함으로 설정됩니다."
        ),
        (
            "Each SKU of a group may have its own selling price: the lowest becomes the product price, the rest become "
            "option additional amounts. Cafe24 creates every combination of the option values; combinations not in the "
            "file are set hidden and not for sale."
        ),
    ),
    (
        "금액은 원 단위 정수입니다 (10000 또는 10,000). 소비자가는 판매가보다 낮을 수 없습니다.",
        "Amounts are whole won (10000 or 10,000). The MRP may not be lower than the selling price.",
    ),
    (
        (
            "이미 카페24에 있는 SKU는 수정됩니다. 기존 상품의 빈 칸은 그대로 둡니다. 새 상품의 빈 칸은 기본값(재고 0, "
            "진열·판매 F, 공급가 0)이 됩니다."
        ),
        (
            "SKUs already on Cafe24 are updated; a blank cell leaves an existing value as it is. On a new product blank "
            "cells take the defaults (stock 0, display and selling F, supply price 0)."
        ),
    ),
    (
        "셀 병합, 수식은 쓰지 마세요 (수식은 복사 후 '값만 붙여넣기'). 날짜 형식의 셀은 거부됩니다.",
        "Do not merge cells or use formulas (copy and Paste Special › Values). Cells formatted as dates are refused.",
    ),
    (
        (
            "한 행이라도 오류가 있는 상품은 전체가 등록되지 않습니다. 결과 파일에서 빨간 행을 고친 뒤 결과 파일을 그대로 "
            "다시 올리면 됩니다."
        ),
        (
            "A product with an error on any of its rows is not uploaded at all. Fix the red rows in the result workbook "
            "and upload that workbook again."
        ),
    ),
)


def write_template(
    path: str | Path,
    *,
    brands: Sequence[tuple[str, str]] | None = None,
    categories: Sequence[tuple[int, str]] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Path:
    """Write the template to `path`. `brands` are (brand_code, name), `categories` (category_no, name)."""
    path = Path(path)
    workbook = openpyxl.Workbook()
    instructions = workbook.active
    instructions.title = INSTRUCTIONS_SHEET
    products = workbook.create_sheet(SHEET_NAME)
    brand_range = category_range = None
    if brands or categories:
        lists = workbook.create_sheet(LISTS_SHEET)
        lists.sheet_state = "hidden"
        brand_range = _write_list(lists, 1, "brand", [f"{code} - {name}" for code, name in brands or ()])
        category_range = _write_list(lists, 2, "category", [f"{no} - {name}" for no, name in categories or ()])
    _products_sheet(products, limits, brand_range, category_range)
    _instructions_sheet(instructions, limits)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _write_list(sheet: Any, column: int, title: str, values: list[str]) -> str | None:
    sheet.cell(row=1, column=column, value=title).font = Font(bold=True)
    for row, value in enumerate(values, start=2):
        cell = sheet.cell(row=row, column=column, value=value)
        cell.data_type = "s"  # a name starting with "=" stays text
    if not values:
        return None
    letter = get_column_letter(column)
    return f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"


def _products_sheet(sheet: Any, limits: Limits, brand_range: str | None, category_range: str | None) -> None:
    last_row = limits.max_rows + 1
    for position, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(position)
        cell = sheet.cell(row=1, column=position, value=column.key)
        cell.font = _WHITE_BOLD
        cell.fill = _REQUIRED_FILL if column.required_header else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        comment = Comment(_comment_text(column), "cafe24-pipeline")
        comment.width, comment.height = 320, 170
        cell.comment = comment
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        if column.kind in _NUMBER_FORMATS:
            dimension.number_format = _NUMBER_FORMATS[column.kind]
        validation = _validation(column, limits, brand_range, category_range)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{last_row}")
    sheet.freeze_panes = "B2"
    sheet.row_dimensions[1].height = 24


def _comment_text(column: Column) -> str:
    required = {
        "sku": "필수 / required",
        "name": "새 상품 필수 / required for new products",
        "selling_price": "새 상품 필수 / required for new products",
    }.get(column.key, "선택 / optional")
    return f"{column.korean} — {required}\n\n{column.help_ko}\n\n{column.help_en}"


def _validation(column: Column, limits: Limits, brand_range: str | None, category_range: str | None) -> DataValidation | None:
    def made(**kwargs: Any) -> DataValidation:
        return DataValidation(allow_blank=True, showErrorMessage=True, errorTitle=column.key, **kwargs)

    if column.kind == "flag":
        return made(type="list", formula1='"T,F"', error="T 또는 F를 선택하세요. / Choose T or F.")
    if column.kind == "brand" and brand_range:
        return made(
            type="list",
            formula1=f"={brand_range}",
            errorStyle="warning",
            error="목록의 브랜드를 선택하세요. / Choose a brand from the list.",
        )
    if column.kind == "category" and category_range:
        return made(
            type="list",
            formula1=f"={category_range}",
            errorStyle="warning",
            error="목록의 카테고리를 선택하세요. / Choose a category from the list.",
        )
    if column.kind == "money":
        return made(
            type="whole",
            operator="between",
            formula1="0",
            formula2=str(limits.max_money),
            error="0 이상의 원 단위 정수를 입력하세요. / Enter whole won, 0 or more.",
        )
    if column.kind == "count":
        return made(
            type="whole",
            operator="between",
            formula1="0",
            formula2=str(limits.max_stock),
            error=f"0~{limits.max_stock:,} 사이의 정수를 입력하세요. / Enter a whole number from 0 to {limits.max_stock:,}.",
        )
    if column.key in ("sku", "parent_sku"):
        return made(
            type="textLength",
            operator="lessThanOrEqual",
            formula1=str(limits.sku_length),
            error=f"최대 {limits.sku_length}자입니다. / At most {limits.sku_length} characters.",
        )
    if column.key == "name":
        return made(
            type="textLength",
            operator="lessThanOrEqual",
            formula1=str(limits.name_length),
            error=f"최대 {limits.name_length}자입니다. / At most {limits.name_length} characters.",
        )
    return None


def _instructions_sheet(sheet: Any, limits: Limits) -> None:
    sheet.column_dimensions["A"].width = 24
    for letter in "BCDEFGHIJKLMNOPQRSTUVWXYZ":
        sheet.column_dimensions[letter].width = 18
    sheet.column_dimensions["D"].width = 60
    sheet.column_dimensions["E"].width = 60
    sheet["A1"] = "카페24 상품 대량 등록 양식 / Cafe24 bulk listing template"
    sheet["A1"].font = Font(bold=True, size=14)
    row = 3
    for number, (korean, english) in enumerate(INSTRUCTIONS, start=1):
        sheet.cell(row=row, column=1, value=f"{number}.").font = Font(bold=True)
        sheet.cell(row=row, column=2, value=korean)
        sheet.cell(row=row + 1, column=2, value=english).font = Font(italic=True, color="FF595959")
        row += 2
    row += 1
    sheet.cell(row=row, column=1, value="열 / Columns").font = Font(bold=True, size=12)
    row += 1
    for position, title in enumerate(("column", "한국어", "필수 / required", "설명", "description"), start=1):
        cell = sheet.cell(row=row, column=position, value=title)
        cell.font, cell.fill = _WHITE_BOLD, _HEADER_FILL
    for column in COLUMNS:
        row += 1
        required = "필수 / yes" if column.required_header else "선택 / no"
        values = (column.key, column.korean, required, column.help_ko, column.help_en)
        for position, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=position, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    row += 2
    sheet.cell(row=row, column=1, value="예시 (업로드되지 않음) / Example (never uploaded)").font = Font(bold=True, size=12)
    row += 1
    for position, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=row, column=position, value=column.key)
        cell.font, cell.fill = _WHITE_BOLD, _HEADER_FILL
    for example in EXAMPLE_ROWS:
        row += 1
        for position, column in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=row, column=position, value=example.get(column.key))
            cell.fill = _EXAMPLE_FILL
    row += 2
    notes = (
        (
            "결과: MUG-WHITE-350은 단일 상품, TS-BASIC은 옵션 상품(판매가 19,000원, TS-BLUE-M은 추가금액 2,000원)으로 "
            "등록됩니다. 파랑/S 조합은 파일에 없으므로 진열·판매 안 함이 됩니다."
        ),
        (
            "Result: MUG-WHITE-350 becomes a single product; TS-BASIC a product with options at 19,000 won, TS-BLUE-M "
            "with an additional amount of 2,000. Blue/S is not in the file, so that combination is hidden and not for "
            "sale."
        ),
        f"한 번에 최대 {limits.max_rows:,}행 / at most {limits.max_rows:,} rows per file.",
    )
    for note in notes:
        sheet.cell(row=row, column=1, value=note)
        row += 1
    sheet.freeze_panes = "A2"
