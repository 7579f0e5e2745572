"""Polars <-> database values: check a frame against a table, encode it for the driver, decode reads.

Checks and conversions are vectorised polars expressions (no per-row Python), so a 100,000-row
upsert spends its time in the database, not here. A value that would lose meaning (float money,
a third decimal place, a naive datetime, a wrong type) is refused with the column named, before
anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import polars as pl
import sqlalchemy as sa

from cafe24_pipeline.store.types import (
    MONEY_LIMIT,
    MONEY_PRECISION,
    MONEY_SCALE,
    SQLITE_TIMESTAMP_POLARS_FORMAT,
    JsonText,
    Money,
    StoreValueError,
    UtcDateTime,
)

MONEY_DTYPE = pl.Decimal(MONEY_PRECISION, MONEY_SCALE)
UTC_DTYPE = pl.Datetime("us", "UTC")


def polars_dtype(sa_type: sa.types.TypeEngine) -> pl.DataType | type[pl.DataType] | None:
    """The polars dtype reads use for a column type (None: let polars infer)."""
    if isinstance(sa_type, Money):
        return MONEY_DTYPE
    if isinstance(sa_type, UtcDateTime):
        return UTC_DTYPE
    if isinstance(sa_type, JsonText):
        return pl.String
    if isinstance(sa_type, sa.Boolean):
        return pl.Boolean
    if isinstance(sa_type, sa.Date) and not isinstance(sa_type, sa.DateTime):
        return pl.Date
    if isinstance(sa_type, sa.Integer):
        return pl.Int64
    if isinstance(sa_type, (sa.String, sa.Text)):
        return pl.String
    return None


def check_frame(table: sa.Table, df: pl.DataFrame, key_columns: Sequence[str]) -> None:
    """Refuse frames whose columns are unknown, whose keys are missing, null or repeated."""
    unknown = [c for c in df.columns if c not in table.c]
    if unknown:
        raise StoreValueError(f"{table.name}: unknown columns {unknown}; the table has {list(table.c.keys())}")
    missing = [k for k in key_columns if k not in df.columns]
    if missing:
        raise StoreValueError(f"{table.name}: key columns {missing} are missing from the frame")
    if df.height == 0:
        return
    null_keys = [k for k in key_columns if df[k].null_count()]
    if null_keys:
        raise StoreValueError(f"{table.name}: key columns {null_keys} contain nulls")
    if key_columns:
        dup = df.select(key_columns).is_duplicated()
        if dup.any():
            sample = df.filter(dup).select(key_columns).head(3).to_dicts()
            raise StoreValueError(
                f"{table.name}: {int(dup.sum())} rows share a key with another row of the same frame "
                f"(e.g. {sample}); deduplicate before upserting so no update is silently lost"
            )


def encode_frame(table: sa.Table, df: pl.DataFrame, dialect: str) -> pl.DataFrame:
    """The frame with every column converted to what the driver (or COPY) should receive.

    SQLite gets text for money, timestamps, dates and JSON, and 0/1 for booleans. PostgreSQL gets
    the same text forms (COPY is text) with true/false booleans.
    """
    exprs = [_encode_column(table.name, table.c[name], df[name], dialect) for name in df.columns]
    return df.select(exprs)


def _encode_column(table: str, column: sa.Column, series: pl.Series, dialect: str) -> pl.Expr:
    name = column.name
    label = f"{table}.{name}"
    dtype = series.dtype
    col = pl.col(name)
    sa_type = column.type
    if dtype == pl.Null:
        return pl.lit(None, dtype=pl.String).alias(name) if not isinstance(sa_type, (sa.Integer, sa.Boolean)) else col
    if isinstance(sa_type, Money):
        return _encode_money(label, series)
    if isinstance(sa_type, UtcDateTime):
        if not isinstance(dtype, pl.Datetime):
            raise StoreValueError(f"{label}: expected a tz-aware Datetime column, got {dtype}")
        if dtype.time_zone is None:
            raise StoreValueError(
                f"{label}: naive Datetime column refused; attach its zone first "
                "(e.g. .dt.replace_time_zone('Asia/Seoul') for Cafe24 wall-clock times)"
            )
        return col.dt.convert_time_zone("UTC").dt.strftime(SQLITE_TIMESTAMP_POLARS_FORMAT).alias(name)
    if isinstance(sa_type, JsonText):
        return _encode_json(label, series)
    if isinstance(sa_type, sa.Boolean):
        if dtype != pl.Boolean:
            raise StoreValueError(f"{label}: expected a Boolean column, got {dtype}")
        return col.cast(pl.Int8) if dialect == "sqlite" else col
    if isinstance(sa_type, sa.Date) and not isinstance(sa_type, sa.DateTime):
        if dtype != pl.Date:
            raise StoreValueError(f"{label}: expected a Date column, got {dtype}")
        return col.dt.strftime("%Y-%m-%d")
    if isinstance(sa_type, sa.Integer):
        if not dtype.is_integer():
            raise StoreValueError(f"{label}: expected an integer column, got {dtype}")
        return col.cast(pl.Int64)
    if isinstance(sa_type, (sa.String, sa.Text)):
        if dtype in (pl.Categorical,) or isinstance(dtype, pl.Enum):
            return col.cast(pl.String)
        if dtype != pl.String:
            raise StoreValueError(f"{label}: expected a String column, got {dtype}")
        length = getattr(sa_type, "length", None)
        if length and series.str.len_chars().max() and series.str.len_chars().max() > length:
            raise StoreValueError(f"{label}: a value is longer than {length} characters")
        return col
    raise StoreValueError(f"{label}: column type {sa_type!r} has no polars encoding")  # pragma: no cover


def _encode_money(label: str, series: pl.Series) -> pl.Expr:
    dtype = series.dtype
    name = series.name
    if isinstance(dtype, pl.Decimal):
        if (dtype.scale or 0) > MONEY_SCALE:
            rounded = series.cast(pl.Decimal(38, MONEY_SCALE)).cast(dtype)
            lost = (rounded != series).fill_null(False)
            if lost.any():
                bad = series.filter(lost).head(3).to_list()
                raise StoreValueError(
                    f"{label}: amounts with more than {MONEY_SCALE} decimal places, e.g. {bad}; round explicitly first"
                )
    elif not dtype.is_integer():
        raise StoreValueError(
            f"{label}: money columns must be Decimal or integer, got {dtype}"
            + ("; floats cannot hold amounts exactly" if dtype.is_float() else "")
        )
    widened = series.cast(pl.Decimal(38, MONEY_SCALE))
    too_big = (widened.abs() >= MONEY_LIMIT).fill_null(False)
    if too_big.any():
        raise StoreValueError(
            f"{label}: amounts do not fit NUMERIC({MONEY_PRECISION},{MONEY_SCALE}), e.g. {series.filter(too_big).head(3).to_list()}"
        )
    return pl.col(name).cast(pl.Decimal(38, MONEY_SCALE)).cast(pl.String).alias(name)


def _encode_json(label: str, series: pl.Series) -> pl.Expr:
    name = series.name
    if series.dtype == pl.String:
        for value in series.drop_nulls().unique().to_list():
            try:
                json.loads(value)
            except ValueError:
                raise StoreValueError(f"{label}: not valid JSON: {value[:60]!r}") from None
        return pl.col(name)
    values = series.to_list()
    encoded = [None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True, default=_json_default) for v in values]
    return pl.lit(pl.Series(name, encoded, dtype=pl.String)).alias(name)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, pl.Series):
        return value.to_list()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def rows_to_frame(names: Sequence[str], rows: Sequence[Sequence[Any]], types: Sequence[Any]) -> pl.DataFrame:
    """Build a frame column by column with the dtype each store type maps to."""
    if len(set(names)) != len(names):
        raise StoreValueError(f"query returns duplicate column names {list(names)}; alias them")
    columns = list(zip(*rows)) if rows else [() for _ in names]
    series = []
    for name, values, sa_type in zip(names, columns, types):
        dtype = polars_dtype(sa_type) if sa_type is not None else None
        series.append(pl.Series(name, list(values), dtype=dtype, strict=False) if dtype else pl.Series(name, list(values)))
    return pl.DataFrame(series)


# --- fast reads ---------------------------------------------------------------------------------

POSTGRES_TIMESTAMP_TEXT = "YYYY-MM-DD HH24:MI:SS.US"
_POSTGRES_TIMESTAMP_POLARS = "%Y-%m-%d %H:%M:%S%.6f"


class RawDecodeError(ValueError):
    """A column did not have the raw shape the fast read expects; the caller falls back."""


def raw_select(statement: sa.Select, dialect: str) -> sa.Select:
    """The same query with money/timestamp columns fetched as plain text and no per-value processing."""
    columns = []
    for name, column in zip(statement.selected_columns.keys(), statement.selected_columns):
        sa_type = column.type
        expr: sa.ColumnElement[Any]
        if isinstance(sa_type, Money):
            expr = sa.cast(column, sa.Text) if dialect == "postgresql" else sa.type_coerce(column, sa.types.NullType())
        elif isinstance(sa_type, UtcDateTime):
            expr = (
                sa.func.to_char(sa.func.timezone("UTC", column), POSTGRES_TIMESTAMP_TEXT)
                if dialect == "postgresql"
                else sa.type_coerce(column, sa.types.NullType())
            )
        else:
            expr = sa.type_coerce(column, sa.types.NullType())
        columns.append(expr.label(name))
    return statement.with_only_columns(*columns, maintain_column_froms=True)


def raw_rows_to_frame(
    names: Sequence[str], rows: Sequence[Sequence[Any]], types: Sequence[sa.types.TypeEngine], dialect: str
) -> pl.DataFrame:
    """Decode raw driver values column by column with vectorised polars casts."""
    if len(set(names)) != len(names):
        raise StoreValueError(f"query returns duplicate column names {list(names)}; alias them")
    columns = list(zip(*rows)) if rows else [() for _ in names]
    series = []
    try:
        for name, values, sa_type in zip(names, columns, types):
            series.append(_decode_raw(name, list(values), sa_type, dialect))
    except (TypeError, ValueError, pl.exceptions.PolarsError) as exc:
        raise RawDecodeError(str(exc)) from exc
    return pl.DataFrame(series)


def _decode_raw(name: str, values: list[Any], sa_type: sa.types.TypeEngine, dialect: str) -> pl.Series:
    if isinstance(sa_type, Money):
        return pl.Series(name, values, dtype=pl.String, strict=True).cast(MONEY_DTYPE, strict=True)
    if isinstance(sa_type, UtcDateTime):
        text = pl.Series(name, values, dtype=pl.String, strict=True)
        fmt = SQLITE_TIMESTAMP_POLARS_FORMAT if dialect == "sqlite" else _POSTGRES_TIMESTAMP_POLARS
        return text.str.strptime(pl.Datetime("us"), fmt, strict=True).dt.replace_time_zone("UTC")
    if isinstance(sa_type, sa.Boolean):
        if dialect == "sqlite":
            return pl.Series(name, values, dtype=pl.Int64, strict=True).cast(pl.Boolean)
        return pl.Series(name, values, dtype=pl.Boolean, strict=True)
    if isinstance(sa_type, sa.Date) and not isinstance(sa_type, sa.DateTime):
        if dialect == "sqlite":
            return pl.Series(name, values, dtype=pl.String, strict=True).str.strptime(pl.Date, "%Y-%m-%d", strict=True)
        return pl.Series(name, values, dtype=pl.Date, strict=True)
    dtype = polars_dtype(sa_type)
    if dtype is None:
        return pl.Series(name, values)
    return pl.Series(name, values, dtype=dtype, strict=True)
