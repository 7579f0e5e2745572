"""Query and body value parsing with Cafe24-style 422 errors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from cafe24_sandbox.clock import parse_query_datetime
from cafe24_sandbox.errors import ApiError, invalid


def int_param(query: dict[str, str], name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(name, f"{name} must be an integer.") from None
    if value < minimum or value > maximum:
        raise invalid(name, f"{name} must be between {minimum} and {maximum}.")
    return value


def csv_param(query: dict[str, str], name: str, *, max_values: int = 100) -> list[str] | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    values = [part.strip() for part in raw.split(",") if part.strip()]
    if len(values) > max_values:
        raise invalid(name, f"Up to {max_values} values can be requested.")
    return values


def int_csv_param(query: dict[str, str], name: str) -> list[int] | None:
    values = csv_param(query, name)
    if values is None:
        return None
    try:
        return [int(v) for v in values]
    except ValueError:
        raise invalid(name, f"{name} must be integers.") from None


def flag_param(query: dict[str, str], name: str) -> str | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if raw not in ("T", "F"):
        raise invalid(name, f"{name} must be T or F.")
    return raw


def date_pair(query: dict[str, str], start_name: str, end_name: str) -> tuple[float, float] | None:
    """Paired date filters: both or neither (422 otherwise)."""
    start, end = query.get(start_name), query.get(end_name)
    if not start and not end:
        return None
    if not start or not end:
        raise invalid(start_name if not start else end_name, f"{start_name} and {end_name} must be used together.")
    lo, hi = parse_date(start_name, start, end=False), parse_date(end_name, end, end=True)
    if hi < lo:
        raise invalid(end_name, f"{end_name} must not be earlier than {start_name}.")
    return lo.timestamp(), hi.timestamp()


def parse_date(name: str, value: str, *, end: bool) -> datetime:
    try:
        return parse_query_datetime(value, end=end)
    except ValueError:
        raise invalid(name, f"{name} must be a date (YYYY-MM-DD) or an ISO 8601 datetime.") from None


def money_value(name: str, value: Any) -> int:
    """Price in a write body: int, or numeric string; whole KRW, 0..2147483647."""
    if isinstance(value, bool):
        raise invalid(name, f"{name} must be a number.")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid(name, f"{name} must be a number.") from None
    if not amount.is_finite() or amount < 0 or amount > 2147483647:
        raise invalid(name, f"{name} must be between 0 and 2147483647.")
    if amount != amount.to_integral_value():
        raise invalid(name, f"{name} must be a whole KRW amount.")
    return int(amount)


def signed_money(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise invalid(name, f"{name} must be a number.")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid(name, f"{name} must be a number.") from None
    if not amount.is_finite() or amount != amount.to_integral_value() or abs(amount) > 2147483647:
        raise invalid(name, f"{name} must be a whole amount.")
    return int(amount)


def int_value(name: str, value: Any, *, minimum: int = -2147483648, maximum: int = 2147483647) -> int:
    if isinstance(value, bool):
        raise invalid(name, f"{name} must be an integer.")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise invalid(name, f"{name} must be an integer.") from None
    if number < minimum or number > maximum:
        raise invalid(name, f"{name} must be between {minimum} and {maximum}.")
    return number


def flag_value(name: str, value: Any, allowed: tuple[str, ...] = ("T", "F")) -> str:
    if value not in allowed:
        raise invalid(name, f"{name} must be one of {', '.join(allowed)}.")
    return str(value)


def text_value(name: str, value: Any, *, max_length: int) -> str:
    if not isinstance(value, str):
        raise invalid(name, f"{name} must be a string.")
    if len(value) > max_length:
        raise invalid(name, f"{name} must be at most {max_length} characters.")
    return value


def require(condition: bool, status: int, message: str) -> None:
    if not condition:
        raise ApiError(status, message, {})
