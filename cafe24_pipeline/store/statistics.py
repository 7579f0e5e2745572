"""Planner statistics for tables an import fills: ANALYZE them as they grow (PostgreSQL).

PostgreSQL plans from per-table statistics that only ANALYZE (or autovacuum's) gathers. A table that
an initial import fills from empty has none until then, and autovacuum lags behind a bulk load (or
is off, as on the CI machine). Without them the planner takes `mall_id = '…'` for a selective
condition and looks a page's keys up by filtering the whole mall's rows instead of through the
index: 17 ms rather than 0.4 ms per lookup at 20,000 rows, so an import grows quadratic (a
100,000-product catalogue took 547 s). The store therefore counts the rows it writes to each table
and, after the commit, ANALYZEs a table once the rows written since the last ANALYZE reach
`GROWTH_RATIO` times the size it had then (at least `FIRST_ANALYZE_ROWS`): the first one matters
most (it tells the planner that `mall_id` is not selective, and the planner scales row counts by the
table's current size itself), the rest keep the estimates within a factor of `GROWTH_RATIO + 1`.
Only the indexed columns are analysed: they are the ones lookups plan by, and skipping the wide JSON
columns keeps each ANALYZE to milliseconds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

FIRST_ANALYZE_ROWS = 1_000
GROWTH_RATIO = 4
ANALYZE_LOCK_TIMEOUT = "2s"  # statistics are an optimisation: never queue long behind a VACUUM
LOCK_NOT_AVAILABLE = "55P03"


class TableGrowth:
    """Rows written per table since its last ANALYZE, and which tables are due for one."""

    def __init__(self, size_of: Callable[[str], float]) -> None:
        self._size_of = size_of  # rows the table held at its last ANALYZE (negative: never analysed)
        self._lock = threading.Lock()
        self._written: dict[str, int] = {}
        self._baseline: dict[str, float] = {}

    def wrote(self, table: str, rows: int) -> None:
        if rows <= 0:
            return
        with self._lock:
            self._written[table] = self._written.get(table, 0) + rows

    def due(self) -> list[str]:
        """Tables whose growth since the last ANALYZE calls for another; their counters restart."""
        with self._lock:
            tables = [t for t, n in self._written.items() if n >= FIRST_ANALYZE_ROWS]
        due = []
        for table in tables:
            if table not in self._baseline:
                self._baseline[table] = max(self._size_of(table), 0.0)
            with self._lock:
                written = self._written.get(table, 0)
                if written >= max(FIRST_ANALYZE_ROWS, GROWTH_RATIO * self._baseline[table]):
                    self._baseline[table] += written
                    self._written[table] = 0
                    due.append(table)
        return due


def postgres_table_size(engine: Engine) -> Callable[[str], float]:
    """`reltuples` of a table in the connection's schema: its size at its last ANALYZE or VACUUM."""

    def size_of(table: str) -> float:
        with engine.connect() as conn:
            value = conn.execute(
                sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table}
            ).scalar_one_or_none()
        return float(value) if value is not None else -1.0

    return size_of


def indexed_columns(table: sa.Table) -> list[str]:
    """The columns of the table's primary key and indexes, in table order."""
    indexed = {c.name for c in table.primary_key.columns}
    for index in table.indexes:
        indexed.update(c.name for c in index.columns)
    return [c.name for c in table.columns if c.name in indexed]


def analyze(engine: Engine, tables: list[sa.Table]) -> None:
    """ANALYZE these tables' indexed columns in a short transaction of its own (after the writer's commit)."""
    if not tables:
        return
    quote = engine.dialect.identifier_preparer.quote
    try:
        with engine.connect() as conn, conn.begin():
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{ANALYZE_LOCK_TIMEOUT}'")
            for table in tables:
                columns = ", ".join(quote(c) for c in indexed_columns(table))
                conn.exec_driver_sql(f"ANALYZE {quote(table.name)} ({columns})")
    except sa.exc.DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        # a VACUUM or another ANALYZE holds the table: it is gathering the statistics itself
