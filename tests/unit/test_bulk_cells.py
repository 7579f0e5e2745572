"""Cell coercion: what plainly means one value is accepted, what could mean two is refused with a reason."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from cafe24_pipeline.bulk.cells import CellProblem, ExcelError, Formula, coerce


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (10000, 10000),
        (10000.0, 10000),
        ("10000", 10000),
        (" 10,000 ", 10000),
        ("1,234,567", 1234567),
        ("₩10,000", 10000),
        ("10000원", 10000),
        ("KRW 5000", 5000),
        ("１０，０００", 10000),
        ("10000.00", 10000),
        ("-500", -500),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_money_accepts(raw: object, expected: int | None) -> None:
    assert coerce("money", raw, "selling_price") == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            "10.000",
            (
                "column selling_price holds '10.000', which is ambiguous; write the number without a decimal point "
                "(10000 or 10,000)"
            ),
        ),
        (1000.5, "column selling_price holds 1000.5, which is not a whole number of won"),
        ("1000.5", "column selling_price holds 1000.5, which is not a whole number of won"),
        ("ten", "column selling_price holds 'ten', which is not a number"),
        ("1,00,000", "column selling_price holds '1,00,000', which is not a number"),
        (True, "column selling_price holds TRUE, not a number"),
        (dt.datetime(2024, 3, 1), "column selling_price holds a date (2024-03-01), not a number; type the number itself"),
        (Formula("=A1*2"), "column selling_price holds a formula (=A1*2); paste values instead (Paste Special › Values)"),
        (ExcelError("#DIV/0!"), "column selling_price holds the Excel error #DIV/0!"),
        (1e20, "column selling_price holds 1e+20, which is far too large"),
    ],
)
def test_money_refuses(raw: object, message: str) -> None:
    with pytest.raises(CellProblem) as caught:
        coerce("money", raw, "selling_price")
    assert str(caught.value) == message


def test_codes_from_numbers_and_long_barcodes() -> None:
    assert coerce("code", 12345.0, "sku") == "12345"
    assert coerce("code", 880123, "sku") == "880123"
    assert coerce("code", "  ABC-1 ", "sku") == "ABC-1"
    with pytest.raises(CellProblem, match="long number Excel may have rounded"):
        coerce("code", 8801234567890123.0, "sku")


def test_text_is_nfc_normalised_so_hangul_counts_one_per_syllable() -> None:
    decomposed = unicodedata.normalize("NFD", "머그컵")
    assert len(decomposed) == 7  # 머(2) 그(2) 컵(3) jamo
    assert coerce("text", decomposed, "name") == "머그컵"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("T", True),
        ("f", False),
        ("Y", True),
        ("n", False),
        (True, True),
        (False, False),
        ("TRUE", True),
        (1, True),
        (0, False),
        ("예", True),
        ("아니오", False),
    ],
)
def test_flags(raw: object, expected: bool) -> None:
    assert coerce("flag", raw, "display") is expected


def test_flag_refuses_anything_else() -> None:
    with pytest.raises(CellProblem) as caught:
        coerce("flag", "maybe", "display")
    assert str(caught.value) == "column display must be T or F, not 'maybe'"


def test_brand_and_category_take_the_dropdown_form() -> None:
    assert coerce("brand", "B000000A - 나이키", "brand") == "B000000A"
    assert coerce("brand", "b000000a", "brand") == "B000000A"
    assert coerce("category", "27 - Outer > Jackets", "category") == 27
    assert coerce("category", 27.0, "category") == 27
    with pytest.raises(CellProblem, match="not a Cafe24 brand code"):
        coerce("brand", "Nike", "brand")
    with pytest.raises(CellProblem, match="not a Cafe24 category number"):
        coerce("category", "Outer", "category")


def test_urls() -> None:
    assert coerce("url", " https://cdn.example.com/a.jpg ", "image_url") == "https://cdn.example.com/a.jpg"
    with pytest.raises(CellProblem, match="not a web address"):
        coerce("url", "C:\\images\\a.jpg", "image_url")


def test_counts_are_whole() -> None:
    assert coerce("count", "1,000", "stock") == 1000
    with pytest.raises(CellProblem, match="not a whole number"):
        coerce("count", 2.5, "stock")
