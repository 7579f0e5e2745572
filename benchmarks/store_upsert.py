"""Upsert throughput of the store: 100,000 Cafe24 order-item rows on SQLite and PostgreSQL.

For each database: insert 100,000 new rows, re-upsert the same keys with changed values (the
steady-state "status sweep" case), and read the table back into polars. As a baseline it also times
SQLAlchemy Core's generic executemany of INSERT … ON CONFLICT from row dicts (what the store would do
without its vectorised encoding and, on PostgreSQL, without COPY).

    .venv/bin/python benchmarks/store_upsert.py [--rows 100000] [--postgres-url URL] [--skip-baseline]

Writes benchmarks/results/store_upsert.json. Not part of the test suite; run on demand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from cafe24_pipeline.store import Store

KST = timezone(timedelta(hours=9))
RESULTS = Path(__file__).parent / "results" / "store_upsert.json"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def order_items(n: int, status: str, seed_shift: int = 0) -> pl.DataFrame:
    """Realistic order items: Decimal money, KST order times, codes, JSON payload."""
    idx = pl.int_range(0, n, eager=True)
    base = datetime(2026, 1, 1, 0, 0, tzinfo=KST)
    prices = (idx % 500 + 10) * 100 + seed_shift
    return pl.DataFrame(
        {
            "mall_id": pl.Series(["benchmall"] * n),
            "order_item_code": ("20260101-" + idx.cast(pl.String).str.zfill(7) + "-01"),
            "shop_no": (idx % 2 + 1),
            "order_id": ("20260101-" + (idx // 2).cast(pl.String).str.zfill(7)),
            "item_no": (idx % 2 + 1),
            "product_no": (idx % 5000 + 1),
            "product_code": ("P" + (idx % 5000).cast(pl.String).str.zfill(7)),
            "variant_code": ("P" + (idx % 5000).cast(pl.String).str.zfill(7) + "000" + (idx % 3).cast(pl.String)),
            "sku": ("SKU-" + (idx % 15000).cast(pl.String)),
            "product_name": ("Cotton shirt 코튼 셔츠 " + (idx % 5000).cast(pl.String)),
            "option_value": pl.Series(["Color=Blue, Size=M"] * n),
            "quantity": (idx % 4 + 1),
            "product_price": prices.cast(pl.Decimal(18, 2)),
            "option_price": pl.Series([Decimal("500.00")] * n, dtype=pl.Decimal(18, 2)),
            "additional_discount_price": pl.Series([Decimal("0.00")] * n, dtype=pl.Decimal(18, 2)),
            "payment_amount": (prices * (idx % 4 + 1)).cast(pl.Decimal(18, 2)),
            "order_status": pl.Series([status] * n),
            "oms_status": pl.Series(["New"] * n),
            "shipping_code": ("D-" + idx.cast(pl.String)),
            "order_date": pl.Series([base] * n).dt.offset_by(idx.cast(pl.String) + "s"),
            "imported_backfill": (idx % 3 == 0),
            "synced_at": pl.Series([datetime.now(timezone.utc)] * n),
            "content_hash": (idx.cast(pl.String) + status).hash().cast(pl.String),
            "raw": pl.Series(['{"order_item_code":"x","product_price":"10000.00"}'] * n),
        }
    )


def timed(fn):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def baseline_core_executemany(store: Store, df: pl.DataFrame) -> float:
    """Generic SQLAlchemy Core upsert from row dicts (bind processors per value)."""
    if store.dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = store.table("cafe24_order_items")
    rows = df.to_dicts()
    keys = {"mall_id", "order_item_code"}
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in df.columns if c not in keys})
    start = time.perf_counter()
    with store.transaction() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(stmt, rows[i : i + 5000])
    return time.perf_counter() - start


def run(url: str, label: str, n: int, baseline: bool) -> dict:
    with Store.open(url) as store:
        first = order_items(n, "N10")
        second = order_items(n, "N20", seed_shift=1)
        written, insert_s = timed(lambda: store.upsert("cafe24_order_items", first))
        assert written == n, written
        rewritten, reupsert_s = timed(lambda: store.upsert("cafe24_order_items", second))
        assert rewritten == n, rewritten
        back, read_s = timed(lambda: store.read_table("cafe24_order_items"))
        assert back.height == n and back["order_status"].unique().to_list() == ["N20"]
        assert back["payment_amount"].sum() == second["payment_amount"].sum()
        result = {
            "database": label,
            "rows": n,
            "insert_seconds": round(insert_s, 3),
            "insert_rows_per_s": round(n / insert_s),
            "reupsert_seconds": round(reupsert_s, 3),
            "reupsert_rows_per_s": round(n / reupsert_s),
            "read_seconds": round(read_s, 3),
            "read_rows_per_s": round(n / read_s),
        }
        if baseline:
            base_s = baseline_core_executemany(store, first)
            result["baseline_core_executemany_seconds"] = round(base_s, 3)
            result["baseline_core_executemany_rows_per_s"] = round(n / base_s)
        print(json.dumps(result))
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres-url", default=os.environ.get("CAFE24_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(run(f"sqlite:///{tmp}/bench.sqlite3", "sqlite", args.rows, not args.skip_baseline))

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(args.postgres_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        url = sa.engine.make_url(args.postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
        results.append(run(url.render_as_string(hide_password=False), "postgresql", args.rows, not args.skip_baseline))
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "store_upsert",
                "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "python": platform.python_version(),
                "polars": pl.__version__,
                "sqlalchemy": sa.__version__,
                "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared with other work)",
                "load_average_1min": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
