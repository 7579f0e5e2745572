"""PostgreSQL: a table an import fills from empty gets planner statistics as it grows.

Without them the planner takes `mall_id = …` as selective and filters a whole mall's rows for every
page's lookup (the catalogue import went quadratic: 547 s for 100,000 products). The CI server runs
with autovacuum off, so only the store's own ANALYZE can make these pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl
import sqlalchemy as sa

from cafe24_pipeline.store import Store
from cafe24_pipeline.store.mirror import mark_seen

MALL = "statsmall"


def _products(start: int, n: int, seen_at: datetime | None = None) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "mall_id": [MALL] * n,
            "shop_no": [1] * n,
            "product_no": list(range(start, start + n)),
            "product_code": [f"P{no:07d}" for no in range(start, start + n)],
            "product_name": [f"product {no}" for no in range(start, start + n)],
        }
    )
    if seen_at is not None:
        frame = frame.with_columns(pl.lit(seen_at).cast(pl.Datetime("us", "UTC")).alias("seen_at"))
    return frame


def _plan(store: Store, sql: str) -> str:
    with store.engine.connect() as conn:
        return "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql))


def test_pages_upserted_into_an_empty_table_leave_it_analysed_and_looked_up_by_index(postgres_schema_url):
    store = Store.open(postgres_schema_url)
    try:
        for page in range(8):  # eight pages of 1,000, each its own transaction, as an import writes them
            with store.transaction() as conn:
                store.upsert("cafe24_products", _products(page * 1000 + 1, 1000), conn=conn)
        with store.engine.connect() as conn:
            reltuples = conn.execute(
                sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('cafe24_products')")
            ).scalar_one()
        # ANALYZE (transactional in pg_class, unlike the lagging activity counters) ran at 1,000 and
        # at 5,000 rows; without it reltuples would still say "never analysed" (-1)
        assert reltuples == 5000
        plan = _plan(
            store,
            f"UPDATE cafe24_products SET seen_at = now() WHERE mall_id = '{MALL}' AND shop_no = 1 "
            "AND product_no IN (101, 102, 103, 104, 105, 106, 107, 108, 109, 110)",
        )
        index_cond = next(line for line in plan.splitlines() if "Index Cond" in line)
        assert "product_no" in index_cond, plan  # the page's keys are looked up, not filtered from the mall
    finally:
        store.close()


def test_mark_seen_leaves_rows_just_upserted_with_the_same_seen_at_alone(store):
    at = datetime(2026, 12, 4, 9, 30, 15, 123456, tzinfo=timezone.utc)
    with store.transaction() as conn:
        store.upsert("cafe24_products", _products(1, 50, seen_at=at), conn=conn)
        store.upsert("cafe24_products", _products(51, 50), conn=conn)  # unchanged rows: no seen_at written
        assert mark_seen(conn, MALL, 1, list(range(1, 101)), at) == (50, 0)
    with store.transaction() as conn:
        assert mark_seen(conn, MALL, 1, list(range(1, 101)), at + timedelta(minutes=5)) == (100, 0)
    seen = store.read_table("cafe24_products", columns=["seen_at"])
    assert seen["seen_at"].to_list() == [at + timedelta(minutes=5)] * 100


def test_store_sessions_price_index_probes_as_cached_unless_the_server_is_tuned_lower(postgres_schema_url):
    store = Store.open(postgres_schema_url)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW random_page_cost").scalar_one() == "1.1"
            assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar_one() == "force_custom_plan"
    finally:
        store.close()
    tuned = sa.engine.make_url(postgres_schema_url)
    options = tuned.query["options"]
    store = Store.open(
        tuned.update_query_dict({"options": f"{options} -crandom_page_cost=1.0"}).render_as_string(hide_password=False)
    )
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW random_page_cost").scalar_one() == "1"
    finally:
        store.close()
