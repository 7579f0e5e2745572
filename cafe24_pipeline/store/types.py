"""Column types that keep money exact and timestamps tz-aware on both SQLite and PostgreSQL.

SQLite has no decimal or zoned timestamp type: a NUMERIC column silently turns `0.10` into a
float and a DATETIME column drops the offset. So on SQLite money is stored as canonical decimal
text and timestamps as fixed-width UTC ISO text (which sorts chronologically); on PostgreSQL they
are NUMERIC(18,2) and TIMESTAMPTZ. Python always sees `Decimal` and tz-aware UTC `datetime`.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator

MONEY_PRECISION = 18
MONEY_SCALE = 2
MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)  # Decimal("0.01")
MONEY_LIMIT = Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE)  # |amount| must stay below this

# Text layout of a timestamp on SQLite. Always microseconds and "+00:00", so text order is time order.
SQLITE_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f+00:00"
SQLITE_TIMESTAMP_POLARS_FORMAT = "%Y-%m-%d %H:%M:%S%.6f+00:00"


class StoreValueError(ValueError):
    """A value cannot be stored without losing meaning (float money, naive datetime, ...)."""


def to_money(value: Any, column: str = "money") -> Decimal | None:
    """The exact Decimal for a money value, or a clear error; never goes through float."""
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, float):
        raise StoreValueError(
            f"{column}: money must be Decimal or int, not {type(value).__name__} ({value!r}); floats cannot hold amounts exactly"
        )
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise StoreValueError(f"{column}: {value!r} is not a decimal amount") from None
    else:
        raise StoreValueError(f"{column}: money must be Decimal or int, not {type(value).__name__}")
    if not amount.is_finite():
        raise StoreValueError(f"{column}: {value!r} is not a finite amount")
    quantized = amount.quantize(MONEY_QUANTUM)
    if quantized != amount:
        raise StoreValueError(f"{column}: {value!r} has more than {MONEY_SCALE} decimal places; round it explicitly first")
    if abs(quantized) >= MONEY_LIMIT:
        raise StoreValueError(f"{column}: {value!r} does not fit NUMERIC({MONEY_PRECISION},{MONEY_SCALE})")
    return quantized


def to_utc(value: Any, column: str = "timestamp") -> datetime | None:
    """The same instant in UTC; naive datetimes are refused because their instant is unknown."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise StoreValueError(f"{column}: expected a tz-aware datetime, got {type(value).__name__} ({value!r})")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise StoreValueError(
            f"{column}: naive datetime {value.isoformat()} refused; attach its zone (Cafe24 wall-clock times are Asia/Seoul)"
        )
    return value.astimezone(timezone.utc)


def parse_sqlite_timestamp(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:  # written by hand or by another tool: the store's convention is UTC
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


class Money(TypeDecorator):
    """Exact money: NUMERIC(18,2) on PostgreSQL, canonical decimal text on SQLite; Decimal in Python."""

    impl = sa.Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Text())
        return dialect.type_descriptor(sa.Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value, dialect):
        amount = to_money(value)
        if amount is None:
            return None
        return format(amount, "f") if dialect.name == "sqlite" else amount

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(str(value)).quantize(MONEY_QUANTUM)

    @property
    def python_type(self):
        return Decimal


class UtcDateTime(TypeDecorator):
    """A tz-aware instant stored in UTC: TIMESTAMPTZ on PostgreSQL, fixed-width ISO text on SQLite."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Text())
        return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))

    def process_bind_param(self, value, dialect):
        instant = to_utc(value)
        if instant is None:
            return None
        return instant.strftime(SQLITE_TIMESTAMP_FORMAT) if dialect.name == "sqlite" else instant

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            return parse_sqlite_timestamp(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    @property
    def python_type(self):
        return datetime


class JsonText(TypeDecorator):
    """JSON kept as text on both databases: write str (already JSON) or lists/dicts; read str.

    Text rather than JSON/JSONB so polars reads stay plain strings whatever the payload's shape.
    """

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return encode_json(value)

    def process_result_value(self, value, dialect):
        return value

    @property
    def python_type(self):
        return str


def encode_json(value: Any, column: str = "json") -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            raise StoreValueError(f"{column}: string is not valid JSON: {value[:60]!r}") from None
        return value
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default)
    except TypeError as exc:
        raise StoreValueError(f"{column}: cannot encode as JSON: {exc}") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
