"""Local work of the order sync: parse, transform, diff, map and upsert 100,000 orders (DESIGN.md §8).

No API calls: raw order JSON shaped like Cafe24's (money strings, KST datetimes, 2 items each) is
fed page by page (1,000 orders, Cafe24's page size) through the same path a sync takes: the raw page
(`OrderPage(raw=True)`, what `iter_orders(parse=False)` yields) → `OrderSync._page_frames` (the column
route of sync/order_columns.py: parse, validate, build frames) → `OrderSync._write` (history diff, OMS
mapping, upserts in one transaction per page), once on an empty store (inserts) and once again (a
re-run: every row exists, nothing changes). By default the pages go through the sync's own pipelined
loop (`OrderSync._write_pages`: batches of CAFE24_ORDERS_WRITE_BATCH orders, pages parsed ahead on the
prefetch thread). The pages' JSON bodies are written to a file before timing, one page per line, and
decoded with orjson inside the timed loop, as the client decodes Cafe24's responses; `total_s` is the
wall time of it all (decoding included, `decode_pages_s` says how much). BENCH_STAGED=1 times the stages one
after the other instead (page generation outside the timing); BENCH_TYPED=1 (staged) measures the typed
route (`Order.from_api` per record → `order_frames`), the path before the column route.
Pages are read one at a time and dropped after writing, as a sync streams them, so the peak RSS
reported is that of the streamed path, not of 100,000 orders at once.
Writes benchmarks/results/orders_local.json; `cpu_s` is this process's CPU time (PostgreSQL's own
work runs in its server process and shows only in the wall-clock figures).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cafe24_pipeline.cafe24.models import Order, OrderPage  # noqa: E402
from cafe24_pipeline.store import Store  # noqa: E402
from cafe24_pipeline.sync.order_frames import combine_pages, order_frames  # noqa: E402
from cafe24_pipeline.sync.orders import KST, OrderSync, SyncReport  # noqa: E402

ORDERS = int(os.environ.get("BENCH_ORDERS", "100000"))
TYPED = os.environ.get("BENCH_TYPED") == "1"
# BENCH_STAGED=1 (or BENCH_TYPED=1): one stage after the other, timed apart (parse, frames, write);
# default: the sync's pipelined loop, generation + parse of page N+1 beside the write of page N
STAGED = TYPED or os.environ.get("BENCH_STAGED") == "1"
PAGE = 1000
API_CEILING_ORDERS_PER_S = 2 * 1000  # Cafe24: 2 calls/s sustained x 1,000 orders per call
STATUSES = ["N10", "N20", "N21", "N30", "N40", "C40", "R00"]


def raw_page(start: int, size: int, base: datetime) -> list[dict]:
    page = []
    for n in range(start, start + size):
        when = (base - timedelta(minutes=n)).astimezone(KST)
        order_id = f"{when:%Y%m%d}-{n:07d}"
        items = []
        for seq in (1, 2):
            items.append(
                {
                    "order_item_code": f"{order_id}-{seq:02d}",
                    "item_no": seq,
                    "product_no": n % 500 + 1,
                    "variant_code": f"P{n % 500:07d}{seq:03d}A"[:12],
                    "custom_variant_code": f"SKU-{n % 500}-{seq}",
                    "product_name": "상품",
                    "quantity": seq,
                    "product_price": "10000.00",
                    "option_price": "500.00",
                    "payment_amount": f"{10500 * seq}.00",
                    "order_status": STATUSES[(n + seq) % len(STATUSES)],
                    "ordered_date": when.strftime("%Y-%m-%d %H:%M:%S"),
                }
            )
        page.append(
            {
                "shop_no": 1 + n % 2,
                "order_id": order_id,
                "currency": "KRW",
                "order_date": when.isoformat(),
                "payment_date": when.isoformat(),
                "paid": "T",
                "canceled": "F",
                "payment_amount": "34500.00",
                "actual_order_amount": {"order_price_amount": "31500.00", "shipping_fee": "3000.00"},
                "payment_method": ["card"],
                "items": items,
                "receivers": [
                    {"name": "수령인", "cellphone": "010-0000-0000", "address1": "서울", "shipping_code": f"D-{order_id}-00"}
                ],
            }
        )
    return page


def write_pages_file(path: Path, base: datetime) -> None:
    """Every page's JSON, one page per line, as Cafe24 would send the bodies (written before timing)."""
    with path.open("wb") as out:
        for start in range(0, ORDERS, PAGE):
            out.write(orjson.dumps({"orders": raw_page(start, min(PAGE, ORDERS - start), base)}) + b"\n")


def pipelined(sync: OrderSync, store: Store, pages_file: Path, report: SyncReport) -> dict:
    """The sync's own loop (`OrderSync._write_pages`): each page's body decoded (orjson, as the
    client decodes a response), then parsed on the prefetch thread while earlier pages are written."""
    decoded = 0.0

    def pages():
        nonlocal decoded
        with pages_file.open("rb") as lines:
            for line in lines:
                g0 = time.perf_counter()
                raw = orjson.loads(line)["orders"]
                decoded += time.perf_counter() - g0
                yield OrderPage(shop_no=1, records=raw, raw=True)

    c0, t0 = time.process_time(), time.perf_counter()
    sync._write_pages(pages(), report, source="poll", imported_backfill=False)
    return {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "decode_s": decoded}


def run(url: str) -> dict:
    store = Store.open(url)
    base = datetime.now(timezone.utc)
    result = {}
    pages_file = Path(tempfile.mkdtemp()) / "pages.jsonl"
    if not STAGED:
        write_pages_file(pages_file, base)
    try:
        sync = OrderSync(store, None, "benchmall")
        for label in ("first_import", "rerun"):
            parse = transform = write = 0.0
            report = SyncReport("benchmall", label)
            cpu = 0.0
            if not STAGED:
                took = pipelined(sync, store, pages_file, report)
                # decoding the bodies is the client's part of the local work: it is in the total
                total = took["wall_s"]
                result[label] = {
                    "orders_processed": ORDERS,
                    "orders_written": report.stored_orders,
                    "orders_unchanged": report.unchanged,
                    "items_written": report.stored_items,
                    "history_rows": report.history_rows,
                    "total_s": round(total, 2),
                    "decode_pages_s": round(took["decode_s"], 2),
                    "orders_per_s": round(ORDERS / total),
                    "cpu_s": round(took["cpu_s"], 2),
                    "ceiling_ratio": round(ORDERS / total / API_CEILING_ORDERS_PER_S, 1),
                    "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                }
                print(f"{store.dialect} {label}: {result[label]}", flush=True)
                continue
            batch = sync.config.write_batch_orders
            for first in range(0, ORDERS, batch):
                built = []
                for start in range(first, min(first + batch, ORDERS), PAGE):
                    raw = raw_page(start, min(PAGE, ORDERS - start), base)
                    c0, t0 = time.process_time(), time.perf_counter()
                    if TYPED:
                        orders = [Order.from_api(r) for r in raw]
                        t1 = time.perf_counter()
                        built.append(order_frames("benchmall", orders, synced_at=datetime.now(timezone.utc)))
                    else:
                        page = OrderPage(shop_no=1, records=raw, raw=True)
                        t1 = time.perf_counter()
                        one = sync._build_page(page, imported_backfill=False)  # as the prefetch thread builds it
                        report.absorb(one.counted)
                        built.append(one.frames)
                    t2 = time.perf_counter()
                    parse, transform = parse + t1 - t0, transform + t2 - t1
                    cpu += time.process_time() - c0
                c0, t2 = time.process_time(), time.perf_counter()
                frames = combine_pages(built)
                with store.transaction(bulk=True) as conn:
                    sync._write(frames, report, source="poll", conn=conn)
                write += time.perf_counter() - t2
                cpu += time.process_time() - c0
            total = parse + transform + write
            result[label] = {
                "orders_processed": ORDERS,
                "orders_written": report.stored_orders,
                "orders_unchanged": report.unchanged,
                "items_written": report.stored_items,
                "history_rows": report.history_rows,
                "parse_s": round(parse, 2),
                "frames_s": round(transform, 2),
                "diff_map_upsert_s": round(write, 2),
                "total_s": round(total, 2),
                "orders_per_s": round(ORDERS / total),
                "cpu_s": round(cpu, 2),
                "ceiling_ratio": round(ORDERS / total / API_CEILING_ORDERS_PER_S, 1),
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
            print(f"{store.dialect} {label}: {result[label]}", flush=True)
        counts = store.row_counts()
        result["rows"] = {k: counts[k] for k in ("cafe24_orders", "cafe24_order_items", "cafe24_order_status_history")}
    finally:
        store.close()
        pages_file.unlink(missing_ok=True)
        pages_file.parent.rmdir()
    return result


def main() -> None:
    out: dict = {
        "orders": ORDERS,
        "page_size": PAGE,
        "route": "typed" if TYPED else "columns",
        "loop": "staged" if STAGED else "pipelined",
        "measured_at": datetime.now(timezone.utc).isoformat(),
        "load_average_at_start": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = run(f"sqlite:///{tmp}/bench.sqlite3")
    pg = os.environ.get("CAFE24_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    try:
        import sqlalchemy as sa

        schema = f"bench_orders_{os.getpid()}"
        admin = sa.create_engine(pg)
        with admin.begin() as c:
            c.execute(sa.text(f'create schema "{schema}"'))
        try:
            url = sa.engine.make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
            out["postgresql"] = run(url.render_as_string(hide_password=False))
        finally:
            with admin.begin() as c:
                c.execute(sa.text(f'drop schema "{schema}" cascade'))
    except Exception as exc:  # noqa: BLE001 - report, do not hide
        out["postgresql"] = {"error": f"{type(exc).__name__}: {exc}"}
    path = ROOT / "benchmarks" / "results" / "orders_local.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
