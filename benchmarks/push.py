"""Push throughput and the push diff at scale.

1. Push at Cafe24's real rate (the sandbox's bucket: 40 calls, draining 2/s): change the stock and
   the price of every SKU of N products, push them through the real push engine (diff → price
   guard → product PUT → bulk variant PUT) over loopback HTTP, and report changed SKUs/s, calls and
   write calls per changed product, 429s, and the ratio to the reference integration (1,000 SKUs per
   15 minutes = 1.11 SKU/s) and to the rate ceiling (2 calls/s).
2. The diff over 1,000,000 SKUs (`oms.push_diff.compute_diff`, polars): seconds and peak memory
   (RSS of a child process that does only that), with 10% of the SKUs changed.

    .venv/bin/python benchmarks/push.py [--quick]

Writes benchmarks/results/push.json. Not part of the test suite; run on demand.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results" / "push.json"
REFERENCE_SKUS_PER_S = 1000 / (15 * 60)
CEILING_CALLS_PER_S = 2.0


def push_at_the_real_rate(products: int) -> dict:
    import httpx

    from cafe24_pipeline.mall_access import open_client
    from cafe24_pipeline.store.push import PushTables
    from cafe24_pipeline.sync.push import Pusher
    from benchmarks.mall_setup import synced_catalogue
    from cafe24_sandbox import SandboxConfig, SandboxServer

    mall = "benchpush"
    home = Path(tempfile.mkdtemp())
    config = SandboxConfig(malls=[mall], products=products, orders=0, seed=3, leak_rate=200.0, bucket_capacity=40)
    with SandboxServer(config) as server:
        settings, store = synced_catalogue(server, mall, home)
        linked = store.read_table("oms_listings", {"mall_id": mall}).join(store.read_table("oms_products"), on="sku")
        now = datetime.now(timezone.utc)
        tables = PushTables(store)
        for i, row in enumerate(linked.iter_rows(named=True)):
            tables.set_oms_values(row["sku"], {"stock": 1000 + i, "selling_price": row["selling_price"] + Decimal(100)}, now=now)
        changed_products = linked["product_no"].n_unique()
        httpx.post(f"{server.base_url}/_sandbox/bucket", json={"leak_rate": CEILING_CALLS_PER_S, "reset": True})
        httpx.delete(f"{server.base_url}/_sandbox/{mall}/stats")
        with open_client(settings, store, mall) as client:
            t0 = time.perf_counter()
            result = Pusher(store, client, mall, run_id="bench").run()
            elapsed = time.perf_counter() - t0
            calls, limited = client.stats.calls, client.stats.rate_limited_429
        stats = httpx.get(f"{server.base_url}/_sandbox/{mall}/stats").json()
        writes = sum(n for key, n in stats["calls"].items() if key.split()[0] in ("PUT", "POST", "DELETE"))
        check = Pusher(store, None, mall).diff()
        store.close()
    skus = linked.height
    return {
        "products_changed": changed_products,
        "skus_changed": skus,
        "seconds": round(elapsed, 2),
        "api_calls": calls,
        "write_calls": writes,
        "calls_per_changed_product": round(calls / changed_products, 2),
        "write_calls_per_changed_product": round(writes / changed_products, 2),
        "rate_limited_429": limited,
        "calls_per_second": round(calls / elapsed, 2),
        "ratio_to_ceiling": round(calls / elapsed / CEILING_CALLS_PER_S, 2),
        "changed_skus_per_second": round(skus / elapsed, 1),
        "x_reference": round(skus / elapsed / REFERENCE_SKUS_PER_S, 1),
        "failed": result.details["failed"],
        "left_to_push_after": 0 if check.empty else check.variants.height + check.products.height,
    }


DIFF_CHILD = r"""
import json, resource, sys, time
from datetime import datetime, timedelta, timezone
import polars as pl
sys.path.insert(0, sys.argv[2])
from cafe24_pipeline.oms.push_diff import compute_diff
n = int(sys.argv[1]); per = 3
now = datetime.now(timezone.utc); read = now - timedelta(hours=1)
i = pl.int_range(n, eager=True)
money = pl.Decimal(18, 2)
frame = pl.DataFrame({"i": i}).select(
    pl.lit(1).cast(pl.Int64).alias("shop_no"), (pl.col("i") // per).cast(pl.Int64).alias("product_no"),
    pl.format("V{}", pl.col("i")).alias("variant_code"), pl.format("SKU-{}", pl.col("i")).alias("sku"),
    pl.lit(True).alias("has_option"),
    pl.when(pl.col("i") % 10 == 0).then(pl.lit(7)).otherwise(pl.lit(5)).cast(pl.Int64).alias("oms_stock"),
    pl.when(pl.col("i") % 20 == 0).then(pl.lit(9000)).otherwise(pl.lit(10000)).cast(money).alias("oms_price"),
    pl.lit(15000).cast(money).alias("oms_mrp"), (pl.col("i") % 50 != 0).alias("oms_active"),
    pl.lit(False).alias("oms_deleted"), pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("delete_requested_at"),
    pl.lit(read).alias("oms_updated_at"),
    pl.lit(5).cast(pl.Int64).alias("m_stock"), pl.lit(10000).cast(money).alias("m_product_price"),
    pl.lit(0).cast(money).alias("m_additional_amount"), pl.lit(15000).cast(money).alias("m_retail_price"),
    pl.lit(True).alias("m_product_display"), pl.lit(True).alias("m_product_selling"),
    pl.lit(True).alias("m_variant_display"), pl.lit(True).alias("m_variant_selling"),
    pl.lit(read).alias("m_product_synced_at"), pl.lit(read).alias("m_variant_synced_at"),
)
for name, dtype in {"p_stock": pl.Int64, "p_additional_amount": money, "p_product_price": money, "p_retail_price": money,
                    "p_variant_display": pl.Boolean, "p_variant_selling": pl.Boolean, "p_product_display": pl.Boolean,
                    "p_product_selling": pl.Boolean}.items():
    frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(name))
for name in ("p_stock_at", "p_additional_at", "p_variant_status_at", "p_product_price_at", "p_product_status_at",
             "p_deleted_at", "next_attempt_at", "gave_up_at", "conflict_at"):
    frame = frame.with_columns(pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias(name))
frame = frame.with_columns(pl.lit(0).cast(pl.Int64).alias("failures"))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
diff = compute_diff(frame, now=now)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"skus": n, "seconds": round(seconds, 3), "peak_rss_mib": round(peak / 1024, 1),
                  "rss_before_diff_mib": round(before / 1024, 1), "variant_writes": diff.variants.height,
                  "product_writes": diff.products.height}))
"""


def diff_at_scale(n: int) -> dict:
    out = subprocess.run([sys.executable, "-c", DIFF_CHILD, str(n), str(ROOT)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller runs (for a smoke test)")
    args = parser.parse_args()
    products = 20 if args.quick else 60
    skus = 100_000 if args.quick else 1_000_000
    push = push_at_the_real_rate(products)
    print(
        f"push at 2 calls/s: {push['skus_changed']} SKUs on {push['products_changed']} products in {push['seconds']} s "
        f"= {push['changed_skus_per_second']} SKU/s ({push['x_reference']}x the reference 1.11 SKU/s), "
        f"{push['calls_per_changed_product']} calls ({push['write_calls_per_changed_product']} writes) per product, "
        f"{push['ratio_to_ceiling']} of the 2 calls/s ceiling, {push['rate_limited_429']} x 429",
        flush=True,
    )
    diffs = [diff_at_scale(skus) for _ in range(3)]
    best = min(diffs, key=lambda d: d["seconds"])
    print(
        f"diff over {skus:,} SKUs: {best['seconds']} s (best of 3; {[d['seconds'] for d in diffs]}), "
        f"peak RSS {max(d['peak_rss_mib'] for d in diffs)} MiB; {best['variant_writes']:,} variant and "
        f"{best['product_writes']:,} product writes",
        flush=True,
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "machine": {
                    "python": platform.python_version(),
                    "cpus": __import__("os").cpu_count(),
                    "platform": platform.platform(),
                },
                "push_real_rate": push,
                "diff": {
                    "runs": diffs,
                    "best_seconds": best["seconds"],
                    "peak_rss_mib": max(d["peak_rss_mib"] for d in diffs),
                    "target_seconds": 3,
                    "target_peak_mib": 1024,
                },
                "quick": args.quick,
            },
            indent=2,
        )
        + "\n"
    )
    return 0 if push["failed"] == 0 and push["left_to_push_after"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
