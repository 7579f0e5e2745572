"""Several processes writing one SQLite store at once (Dagster daemon, sensors and runs) all succeed."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timezone
from decimal import Decimal

import polars as pl

from cafe24_pipeline.store import Store, latest_version

WRITERS = 4
ROUNDS = 15
ROWS = 40


def _writer(url: str, worker: int, start, results) -> None:  # noqa: ANN001
    """Open the store (racing the others through the migrations), then interleave writes."""
    try:
        start.wait(timeout=60)
        with Store.open(url) as store:
            for round_no in range(ROUNDS):
                shared = pl.DataFrame(  # same keys in every worker: contended updates
                    {
                        "sku": [f"SKU-{i}" for i in range(ROWS)],
                        "name": [f"written by {worker} round {round_no}"] * ROWS,
                        "stock": [worker * 1000 + round_no] * ROWS,
                        "selling_price": pl.Series([Decimal("1000.00")] * ROWS, dtype=pl.Decimal(18, 2)),
                        "updated_at": [datetime.now(timezone.utc)] * ROWS,
                    }
                )
                store.upsert("oms_products", shared)
                own = pl.DataFrame(  # distinct keys per worker: nothing may go missing
                    {
                        "mall_id": [f"mall{worker}"] * ROWS,
                        "order_item_code": [f"{round_no}-{i}" for i in range(ROWS)],
                        "order_id": [f"{round_no}"] * ROWS,
                    }
                )
                with store.transaction() as conn:
                    store.upsert("cafe24_order_items", own, conn=conn)
                    store.record_sync(f"mall{worker}", "orders", success=True, rows=ROWS, conn=conn)
                store.append(
                    "push_log",
                    pl.DataFrame(
                        {
                            "mall_id": [f"mall{worker}"],
                            "kind": ["stock"],
                            "result": ["success"],
                            "created_at": [datetime.now(timezone.utc)],
                        }
                    ),
                )
        results.put((worker, "ok"))
    except BaseException as exc:  # report, never hang the parent
        results.put((worker, f"{type(exc).__name__}: {exc}"))


def test_concurrent_writers_on_one_sqlite_file_all_succeed(sqlite_store_url):
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    results = ctx.Queue()
    processes = [ctx.Process(target=_writer, args=(sqlite_store_url, w, start, results)) for w in range(WRITERS)]
    for p in processes:
        p.start()
    start.set()
    outcomes = dict(results.get(timeout=120) for _ in processes)
    for p in processes:
        p.join(timeout=30)
    assert outcomes == {w: "ok" for w in range(WRITERS)}
    with Store.open(sqlite_store_url) as store:
        assert store.schema_version() == latest_version()
        counts = store.row_counts()
        assert counts["cafe24_order_items"] == WRITERS * ROUNDS * ROWS
        assert counts["push_log"] == WRITERS * ROUNDS
        assert counts["oms_products"] == ROWS
        assert counts["sync_state"] == WRITERS
        migrations = store.read("SELECT version FROM schema_migrations ORDER BY version")
        assert migrations["version"].to_list() == list(range(1, latest_version() + 1))
        journal = store.read("PRAGMA journal_mode")
        assert journal.item() == "wal"
