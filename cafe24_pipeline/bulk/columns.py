"""The bulk template's columns and Cafe24's limits: the one list the template, reader, validation and report share.

Limits marked [H] are from Cafe24's Admin API reference (SPEC-2406 copy, see shared/cafe24-api.md); [L] ones are
our assumptions where Cafe24 documents nothing, kept in `Limits` so a deployment can change them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

Kind = Literal["code", "text", "money", "count", "flag", "brand", "category", "url"]

OPTION_SLOTS = 3  # option_1 .. option_3: Cafe24 combination options with up to three axes cover nearly every catalogue


@dataclass(frozen=True, slots=True)
class Limits:
    """Length and range limits checked before anything is sent to Cafe24."""

    sku_length: int = 40  # [H] custom_variant_code / custom_product_code, 최대글자수 40
    name_length: int = 250  # [H] product_name, 최대글자수 250
    option_name_length: int = 50  # [L] not documented by Cafe24
    option_value_length: int = 50  # [L] not documented by Cafe24
    max_money: int = 2_147_483_647  # [H] price, retail_price, supply_price: 최소 0 ~ 최대 2147483647
    max_stock: int = 999_999  # [L] not documented; guards against a typed-in barcode in the stock column
    max_variants: int = 1000  # [L] combinations one product may have (the sandbox enforces the same)
    max_rows: int = 50_000  # data rows per upload; bigger files should be split
    image_url_length: int = 1000  # [L]


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    korean: str
    kind: Kind
    required_header: bool
    product_level: bool  # one value per Cafe24 product: group rows must agree (blank rows take the group's value)
    help_en: str
    help_ko: str
    width: int
    aliases: tuple[str, ...] = ()


def _option_columns() -> list[Column]:
    columns = []
    for slot in range(1, OPTION_SLOTS + 1):
        columns.append(
            Column(
                f"option_{slot}_name",
                f"옵션{slot} 이름",
                "text",
                False,
                False,
                f"Name of option {slot} (e.g. Color, Size). Group rows only; every row of a group uses the same names "
                "in the same order.",
                f"옵션{slot}의 이름 (예: 색상, 사이즈). 그룹 상품 행에만 입력하며, 같은 그룹의 모든 행은 같은 옵션 이름을 같은 순서로 "
                "씁니다.",
                16,
                (f"옵션{slot}", f"옵션{slot}명", f"옵션{slot}이름"),
            )
        )
        columns.append(
            Column(
                f"option_{slot}_value",
                f"옵션{slot} 값",
                "text",
                False,
                False,
                f"Value of option {slot} for this SKU (e.g. Red, M). The combination of values must be unique in the group.",
                f"이 SKU의 옵션{slot} 값 (예: 빨강, M). 한 그룹 안에서 옵션 값의 조합은 겹치면 안 됩니다.",
                16,
                (f"옵션{slot}값", f"옵션{slot}_값"),
            )
        )
    return columns


COLUMNS: tuple[Column, ...] = (
    Column(
        "sku",
        "SKU (품목 코드)",
        "code",
        True,
        False,
        "Your code for this item, unique in the file, at most 40 characters. Becomes custom_variant_code "
        "(group) or custom_product_code (single).",
        "판매자 품목 코드. 파일 안에서 중복 불가, 최대 40자. 그룹 상품은 자체 품목 코드, 단일 상품은 자체 상품 코드가 됩니다.",
        20,
        ("품목코드", "자체품목코드", "상품코드"),
    ),
    Column(
        "parent_sku",
        "그룹 코드 (상위 SKU)",
        "code",
        False,
        True,
        "Leave blank for a single product. Rows with the same parent_sku form one product with options; the "
        "parent_sku becomes its custom_product_code.",
        "단일 상품은 비워 둡니다. parent_sku가 같은 행들이 옵션이 있는 하나의 상품이 되며, parent_sku는 자체 상품 코드가 됩니다.",
        20,
        ("그룹코드", "상위sku", "상위코드"),
    ),
    Column(
        "name",
        "상품명",
        "text",
        True,
        True,
        "Product name, at most 250 characters (Hangul counts one character each). In a group, fill it on the "
        "first row or on every row with the same text.",
        "상품명, 최대 250자 (한글 한 글자는 1자). 그룹 상품은 첫 행에만 쓰거나 모든 행에 같은 값을 씁니다.",
        36,
        ("상품명",),
    ),
    *_option_columns(),
    Column(
        "selling_price",
        "판매가",
        "money",
        True,
        False,
        "Selling price in won, a whole number (10000 or 10,000). Each SKU of a group may have its own price.",
        "판매가 (원, 정수: 10000 또는 10,000). 그룹 상품은 SKU마다 다른 가격을 쓸 수 있습니다.",
        14,
        ("판매가", "price"),
    ),
    Column(
        "mrp",
        "소비자가 (정가)",
        "money",
        False,
        True,
        "MRP / consumer price shown struck through; not lower than the selling price. Cafe24 keeps one per "
        "product, so a group has one MRP.",
        "소비자가(정가), 판매가보다 낮으면 안 됩니다. 카페24는 상품마다 하나만 저장하므로 그룹 상품은 하나의 소비자가를 씁니다.",
        14,
        ("소비자가", "정가", "retail_price"),
    ),
    Column(
        "supply_price",
        "공급가",
        "money",
        False,
        True,
        "Cost price in won, for your reference only (Cafe24 stores it but does not use it). Blank = 0 on a new product.",
        "공급가 (원, 참고용 — 카페24는 저장만 합니다). 새 상품에서 비우면 0입니다.",
        14,
        ("공급가",),
    ),
    Column(
        "stock",
        "재고 수량",
        "count",
        False,
        False,
        "Stock quantity, a whole number ≥ 0. Blank = 0 on a new item, unchanged on an existing one.",
        "재고 수량 (0 이상의 정수). 새 품목에서 비우면 0, 기존 품목에서 비우면 그대로 둡니다.",
        10,
        ("재고", "재고수량", "quantity"),
    ),
    Column(
        "brand",
        "브랜드",
        "brand",
        False,
        True,
        "Cafe24 brand code (8 letters/digits, e.g. B000000A) or a choice from the dropdown. Blank = your own "
        "brand on a new product.",
        "카페24 브랜드 코드 (8자리, 예: B000000A) 또는 목록에서 선택. 새 상품에서 비우면 자체 브랜드입니다.",
        24,
        ("브랜드", "brand_code"),
    ),
    Column(
        "category",
        "카테고리",
        "category",
        False,
        True,
        "Cafe24 category number (e.g. 27) or a choice from the dropdown.",
        "카페24 카테고리 번호 (예: 27) 또는 목록에서 선택.",
        24,
        ("카테고리", "category_no"),
    ),
    Column(
        "image_url",
        "대표 이미지 URL",
        "url",
        False,
        True,
        "Main image address starting with http:// or https://. Used when the product is created.",
        "대표 이미지 주소 (http:// 또는 https://로 시작). 상품을 새로 등록할 때 사용합니다.",
        36,
        ("이미지", "이미지url", "대표이미지"),
    ),
    Column(
        "display",
        "진열 (T/F)",
        "flag",
        False,
        False,
        "T = shown in the shop, F = hidden. Blank = F on a new item (Cafe24's default), unchanged on an existing one.",
        "T = 진열함, F = 진열 안 함. 새 품목에서 비우면 F(카페24 기본값), 기존 품목에서 비우면 그대로 둡니다.",
        10,
        ("진열", "진열상태"),
    ),
    Column(
        "selling",
        "판매 (T/F)",
        "flag",
        False,
        False,
        "T = can be bought, F = not for sale. Blank = F on a new item, unchanged on an existing one.",
        "T = 판매함, F = 판매 안 함. 새 품목에서 비우면 F, 기존 품목에서 비우면 그대로 둡니다.",
        10,
        ("판매", "판매상태"),
    ),
)

COLUMN_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
OPTION_KEYS: tuple[tuple[str, str], ...] = tuple(
    (f"option_{slot}_name", f"option_{slot}_value") for slot in range(1, OPTION_SLOTS + 1)
)
PRODUCT_LEVEL_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.product_level and c.key != "parent_sku")
# Columns the result workbook adds; a result workbook can be fixed and uploaded again, so the reader ignores them.
REPORT_KEYS: tuple[str, ...] = ("status", "reason", "source_row")


def normalize_header(text: str) -> str:
    """Header text → comparable key: NFKC, case-folded, spaces/hyphens as underscores, '*' and '(…)' dropped."""
    value = unicodedata.normalize("NFKC", text).strip().casefold()
    if "(" in value:
        value = value.split("(", 1)[0]
    value = value.replace("*", "").strip()
    for char in (" ", "-", "."):
        value = value.replace(char, "_")
    while "__" in value:
        value = value.replace("__", "_")
    return value.strip("_")


HEADER_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.key, _column.korean, *_column.aliases):
        HEADER_LOOKUP.setdefault(normalize_header(_name), _column.key)
for _name in REPORT_KEYS:
    HEADER_LOOKUP.setdefault(_name, _name)
