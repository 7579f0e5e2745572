"""`column IN (a batch's keys)` as one parameter, so a page's lookup is the same statement every time.

A bound parameter per key would make SQLAlchemy compile, and the server plan, a new 1,000-parameter
statement for every page. PostgreSQL takes the keys as one array (`column = ANY(:keys)`); SQLite as
one JSON array read by `json_each`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


def among(dialect: str, column: sa.ColumnElement[str], values: Sequence[str]) -> sa.ColumnElement[bool]:
    """`column IN (values)` with one bound parameter, on the store's `dialect`."""
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(sa.String)))
    ids = sa.func.json_each(sa.bindparam(None, json.dumps(list(values)), type_=sa.String)).table_valued("value")
    return column.in_(sa.select(ids.c.value).scalar_subquery())
