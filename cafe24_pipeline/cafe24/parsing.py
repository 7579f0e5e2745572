"""Coercion of Cafe24's loosely typed JSON values into Python types.

Cafe24 sends money as strings ("1100.00") or numbers (1000), flags as "T"/"F" or true/false,
and datetimes in four formats, some without an offset (those are KST). Each function here takes
one raw value and either returns the typed value or raises `FieldError` naming what was wrong.
Blank is never zero: "" and null both become None.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")


class FieldError(ValueError):
    """One field's value could not be coerced; `field` names it, the message says why."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_decimal(value: Any, field: str, *, percent: bool = False) -> Decimal | None:
    """A decimal from a string ("1100.00", "-1000.00", "27000") or a JSON number; blank → None.

    `percent=True` also accepts a trailing "%" ("10.00%") as Cafe24 writes some rates.
    Floats go through `str()` so 0.1 stays 0.1 rather than its binary expansion.
    """
    if value is None:
        return None
    kind = type(value)
    if kind is str and not percent:  # fast path: "1100.00", "-1000.00", "27000"
        try:
            result = Decimal(value)
        except InvalidOperation:
            pass
        else:
            if result.is_finite():
                return result
    elif kind is int:
        return Decimal(value)
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise FieldError(field, f"expected a decimal amount, got the boolean {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise FieldError(field, f"expected a finite decimal amount, got {value!r}")
        return Decimal(str(value))
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if percent and text.endswith("%"):
            text = text[:-1].strip()
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise FieldError(field, f"expected a decimal amount, got {_show(value)}") from None
        if not result.is_finite():
            raise FieldError(field, f"expected a finite decimal amount, got {_show(value)}")
        return result
    raise FieldError(field, f"expected a decimal amount, got {type(value).__name__} {_show(value)}")


def parse_money(value: Any, field: str) -> Decimal | None:
    """Money as Decimal (never float); blank or null → None, which is not zero."""
    return parse_decimal(value, field)


def parse_int(value: Any, field: str) -> int | None:
    """An integer from a JSON int or a numeric string ("2", "0"); blank → None."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise FieldError(field, f"expected an integer, got the boolean {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    raise FieldError(field, f"expected an integer, got {_show(value)}")


def require(value: Any, field: str) -> Any:
    """The value itself, or FieldError when it is missing or blank (identifiers, names)."""
    if _blank(value):
        raise FieldError(field, "is required but missing or blank")
    return value


def parse_bool(value: Any, field: str) -> bool | None:
    """Cafe24 flags: "T"/"F" (any case) or JSON true/false; null/blank → None."""
    if value == "T":
        return True
    if value == "F":
        return False
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().upper()
        if text == "T":
            return True
        if text == "F":
            return False
    raise FieldError(field, f"expected 'T' or 'F', got {_show(value)}")


def parse_str(value: Any, field: str) -> str | None:
    """A string (numbers are rendered, e.g. ids sent as ints); blank → None; surrounding spaces trimmed."""
    if value is None:
        return None
    if type(value) is str:  # fast path
        text = value.strip()
        return text or None
    if isinstance(value, bool):
        raise FieldError(field, f"expected text, got the boolean {value!r}")
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, str):
        text = value.strip()
        return text or None
    raise FieldError(field, f"expected text, got {type(value).__name__}")


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAIVE_SPACE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


def parse_datetime(value: Any, field: str) -> datetime | None:
    """A timezone-aware datetime from any of Cafe24's formats; values without an offset are KST.

    Accepted: "2018-07-04T11:21:35+09:00", "2017-07-10 15:55:51", "2021-03-01T14:00:00.000",
    "2017-09-08" (midnight KST), and "...Z". Blank → None.
    """
    if value is None:
        return None
    if type(value) is str and value:  # fast path: Python 3.11 reads every Cafe24 format
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=KST)
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=KST)
    if not isinstance(value, str):
        raise FieldError(field, f"expected a date-time string, got {type(value).__name__} {_show(value)}")
    text = value.strip()
    if _DATE_ONLY.match(text):
        try:
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=KST)
        except ValueError:
            raise FieldError(field, f"not a valid date: {_show(value)}") from None
    if _NAIVE_SPACE.match(text):
        text = text.replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise FieldError(field, f"not a date-time Cafe24 uses: {_show(value)}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=KST)


def parse_date(value: Any, field: str) -> date | None:
    """A calendar date ("2017-09-08"); a full datetime is reduced to its KST date. Blank → None."""
    if _blank(value):
        return None
    if isinstance(value, str) and _DATE_ONLY.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise FieldError(field, f"not a valid date: {_show(value)}") from None
    parsed = parse_datetime(value, field)
    return parsed.astimezone(KST).date() if parsed else None


def parse_str_list(value: Any, field: str) -> tuple[str, ...]:
    """A list of strings; a comma-joined string or a single value is accepted too; null → ()."""
    if _blank(value):
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            text = parse_str(item, field)
            if text is not None:
                out.append(text)
        return tuple(out)
    raise FieldError(field, f"expected a list, got {type(value).__name__}")


def parse_money_map(value: Any, field: str) -> dict[str, Decimal | None]:
    """An object of money fields (initial_order_amount, actual_order_amount) → {name: Decimal|None}."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FieldError(field, f"expected an object of amounts, got {type(value).__name__}")
    return {key: parse_money(amount, f"{field}.{key}") for key, amount in value.items()}


def format_kst_date(day: date) -> str:
    """The `YYYY-MM-DD` Cafe24 expects in date filters (interpreted by Cafe24 as KST)."""
    return day.isoformat()


def format_kst_datetime(moment: datetime) -> str:
    """A datetime filter value with an explicit +09:00 offset (never naive)."""
    if moment.tzinfo is None:
        raise ValueError("refusing to format a naive datetime for Cafe24; pass a timezone-aware value")
    return moment.astimezone(KST).replace(microsecond=0).isoformat()
