"""One Excel cell → one typed value, or a sentence saying why not.

Excel gives a column's values in whatever type the seller's typing produced: "10,000" typed into a Text cell
is a string, 1-2 typed into a General cell becomes a date, a barcode becomes a float. These rules accept what
plainly means one thing and refuse what could mean two:

- numbers stored as text are accepted when they parse: " 10000 ", "10,000", "₩10,000", "10000원", full-width
  digits; "10.000" is refused (a thousands separator in some locales, ten won in others);
- prices are whole won (KRW has no minor unit); a fraction is refused, never rounded;
- dates and times are refused in every column: in a number column they are a typing slip, in a text column
  Excel has already changed what was typed (1-2 became 2 January);
- formulas are refused, not read from their cached value: a file saved by a program that does not calculate
  has no cached value (or a stale one), and "paste values" is one step for the seller;
- Excel error cells (#N/A, #DIV/0!) are refused.

Text is NFC-normalised (Hangul typed on macOS can arrive decomposed, which would triple its length) and trimmed.
Range checks (≥ 0, ≤ Cafe24's maximum) are not made here: they are pandera's job in validation.py.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from cafe24_pipeline.bulk.columns import Kind

_HUGE = 10**15  # beyond this Excel has already rounded the number, and it no longer fits a price


@dataclass(frozen=True, slots=True)
class Formula:
    """A cell holding a formula, as the reader found it (the text starts with '=')."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class ExcelError:
    """A cell holding an Excel error value such as #N/A."""

    code: str

    def __str__(self) -> str:
        return self.code


class CellProblem(ValueError):
    """Why a cell cannot be used; the message names the column but not the row (the caller adds it)."""


_NUMBER_RE = re.compile(r"^(-?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_CODE_PREFIX_RE = re.compile(r"^([A-Za-z0-9]{8})(?:\s*[-–—·|:]\s*.*|\s+.*)?$", re.DOTALL)
_CATEGORY_RE = re.compile(r"^(\d{1,9})(?:\s*[-–—·|:]\s*.*|\s+.*)?$", re.DOTALL)
_URL_RE = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
_TRUE = {"t", "y", "yes", "true", "1", "예", "o"}
_FALSE = {"f", "n", "no", "false", "0", "아니오", "아니요", "x"}


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def coerce(kind: Kind, value: Any, column: str) -> Any:
    """The typed value of one cell (None when blank); raises CellProblem."""
    if is_blank(value):
        return None
    if isinstance(value, Formula):
        shown = value.text if len(value.text) <= 40 else value.text[:37] + "..."
        raise CellProblem(f"column {column} holds a formula ({shown}); paste values instead (Paste Special › Values)")
    if isinstance(value, ExcelError):
        raise CellProblem(f"column {column} holds the Excel error {value.code}")
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        raise CellProblem(_date_problem(kind, value, column))
    if kind in ("code", "text"):
        return _text(value, column)
    if kind == "money":
        return _whole_number(value, column, "a whole number of won")
    if kind == "count":
        return _whole_number(value, column, "a whole number")
    if kind == "flag":
        return _flag(value, column)
    if kind == "brand":
        return _brand(value, column)
    if kind == "category":
        return _category(value, column)
    if kind == "url":
        return _url(value, column)
    raise AssertionError(f"unknown column kind {kind!r}")


def _date_problem(kind: Kind, value: Any, column: str) -> str:
    shown = value.isoformat(sep=" ") if isinstance(value, dt.datetime) else str(value)
    shown = shown.removesuffix(" 00:00:00")
    if kind in ("code", "text"):
        return (
            f"column {column} holds a date ({shown}): Excel turned what was typed into a date; format the column "
            "as Text and type the value again"
        )
    return f"column {column} holds a date ({shown}), not a number; type the number itself"


def _text(value: Any, column: str) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if abs(value) >= _HUGE:
            raise CellProblem(
                f"column {column} holds a long number Excel may have rounded; format the column as Text and type it again"
            )
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return str(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _whole_number(value: Any, column: str, what: str) -> int:
    if isinstance(value, bool):
        raise CellProblem(f"column {column} holds {'TRUE' if value else 'FALSE'}, not a number")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise CellProblem(f"column {column} does not hold a number")
        amount = Decimal(repr(value))
    elif isinstance(value, Decimal):
        amount = value
    else:
        amount = _parse_number_text(str(value), column)
    if not amount.is_finite() or abs(amount) >= _HUGE:
        raise CellProblem(f"column {column} holds {value!s}, which is far too large")
    if amount != amount.to_integral_value():
        raise CellProblem(f"column {column} holds {_plain(amount)}, which is not {what}")
    return int(amount)


def _parse_number_text(raw: str, column: str) -> Decimal:
    text = unicodedata.normalize("NFKC", raw).strip()
    if text.startswith("₩"):
        text = text[1:].strip()
    elif text[:3].upper() == "KRW":
        text = text[3:].strip()
    if text.endswith("원"):
        text = text[:-1].strip()
    match = _NUMBER_RE.match(text)
    if match is None:
        raise CellProblem(f"column {column} holds '{_short(raw)}', which is not a number")
    sign, digits, fraction = match.groups()
    if fraction is not None and len(fraction) == 3 and "," not in digits:
        raise CellProblem(
            f"column {column} holds '{_short(raw)}', which is ambiguous; write the number without a "
            "decimal point (10000 or 10,000)"
        )
    try:
        return Decimal(f"{sign}{digits.replace(',', '')}" + (f".{fraction}" if fraction else ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise CellProblem(f"column {column} holds '{_short(raw)}', which is not a number") from None


def _flag(value: Any, column: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellProblem(f"column {column} must be T or F, not '{_short(str(value))}'")


def _brand(value: Any, column: str) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _CODE_PREFIX_RE.match(text) if isinstance(value, str) else None
    if match is None:
        raise CellProblem(
            f"column {column} holds '{_short(str(value))}', which is not a Cafe24 brand code "
            "(8 letters or digits such as B000000A); pick one from the dropdown"
        )
    return match.group(1).upper()


def _category(value: Any, column: str) -> int:
    if isinstance(value, bool):
        raise CellProblem(f"column {column} holds {'TRUE' if value else 'FALSE'}, not a category number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < _HUGE:
        return int(value)
    match = _CATEGORY_RE.match(unicodedata.normalize("NFKC", str(value)).strip())
    if match is None:
        raise CellProblem(
            f"column {column} holds '{_short(str(value))}', which is not a Cafe24 category number; pick one from the dropdown"
        )
    return int(match.group(1))


def _url(value: Any, column: str) -> str:
    text = unicodedata.normalize("NFC", str(value)).strip()
    if not _URL_RE.match(text):
        raise CellProblem(f"column {column} holds '{_short(text)}', which is not a web address starting with http:// or https://")
    return text


def _plain(amount: Decimal) -> str:
    return format(amount.normalize(), "f")


def _short(text: str, limit: int = 40) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."
