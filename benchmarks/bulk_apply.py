"""Applying a bulk upload: creates and updates per second at Cafe24's real rate, and the local overhead.

1. At the real rate (the sandbox's bucket: 40 calls, draining 2/s; the burst is spent before timing, so the
   figures are the sustained rate): a workbook of S singles and G groups (3 SKUs each, 2×2 options so one
   combination is hidden) is uploaded through `sync.listing.Lister` over loopback HTTP; then the same file
   with every stock changed (updates). Reported: products and SKUs per second, API calls and write calls per
   product, 429s, and the ratio of calls/s to the 2 calls/s ceiling.
2. The local overhead with a fast bucket (leak 500/s): the same path for more products, seconds per product
   spent outside Cafe24's rate limit (HTTP on loopback, store writes, read-back, relinking).

    .venv/bin/python benchmarks/bulk_apply.py [--quick]

Writes benchmarks/results/bulk_apply.json. Not part of the test suite; runs in under a minute.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results" / "bulk_apply.json"
CEILING_CALLS_PER_S = 2.0
REFERENCE_SKUS_PER_S = 1000 / (15 * 60)


def _rows(singles: int, groups: int, *, stock: int) -> list[dict]:
    rows = []
    for i in range(singles):
        rows.append(
            {
                "sku": f"B-MUG-{i:04d}",
                "name": f"벤치 머그컵 {i}",
                "selling_price": 12000 + i,
                "mrp": 20000,
                "stock": stock + i,
                "display": "T",
                "selling": "T",
            }
        )
    for g in range(groups):
        for color, size in (("빨강", "S"), ("빨강", "M"), ("파랑", "M")):
            rows.append(
                {
                    "sku": f"B-TS-{g:04d}-{color}-{size}",
                    "parent_sku": f"B-TS-{g:04d}",
                    "name": f"벤치 티셔츠 {g}",
                    "option_1_name": "색상",
                    "option_1_value": color,
                    "option_2_name": "사이즈",
                    "option_2_value": size,
                    "selling_price": 19000,
                    "stock": stock,
                    "display": "T",
                    "selling": "T",
                }
            )
    return rows


def _write(path: Path, rows: list[dict]) -> Path:
    import openpyxl

    from cafe24_pipeline.bulk import COLUMNS, write_template

    write_template(path)
    book = openpyxl.load_workbook(path)
    sheet = book["products"]
    keys = [c.key for c in COLUMNS]
    for row in rows:
        sheet.append([row.get(k) for k in keys])
    book.save(path)
    return path


def run(singles: int, groups: int, *, leak_rate: float, spend_burst: bool) -> dict:
    import httpx

    from cafe24_pipeline.cafe24.governor import GovernorConfig
    from cafe24_pipeline.cafe24.options import ClientOptions
    from cafe24_pipeline.mall_access import open_client
    from cafe24_pipeline.sync.listing import Lister
    from benchmarks.mall_setup import synced_catalogue
    from cafe24_sandbox import SandboxConfig, SandboxServer

    mall = "benchlist"
    home = Path(tempfile.mkdtemp())
    config = SandboxConfig(malls=[mall], products=20, orders=0, seed=5, leak_rate=500.0, bucket_capacity=40)
    out: dict = {"singles": singles, "groups": groups, "skus": singles + 3 * groups, "leak_rate": leak_rate}
    with SandboxServer(config) as server:
        settings, store = synced_catalogue(server, mall, home)
        create_file = _write(home / "create.xlsx", _rows(singles, groups, stock=10))
        update_file = _write(home / "update.xlsx", _rows(singles, groups, stock=50))
        httpx.post(f"{server.base_url}/_sandbox/bucket", json={"leak_rate": leak_rate, "reset": True})
        # at the real rate the client's governor models Cafe24's bucket (its defaults); with the fast bucket it
        # is told the bucket drains fast, so only local work is left
        options = (
            None
            if spend_burst
            else ClientOptions(governor=GovernorConfig(leak_rate=leak_rate, max_calls_per_second=leak_rate, headroom=0))
        )
        for phase, path in (("create", create_file), ("update", update_file)):
            with open_client(settings, store, mall, options=options) as client:
                if spend_burst and phase == "create":
                    # spend the burst first (the governor fills the bucket to capacity - headroom): what follows
                    # runs at the sustained 2 calls/s, and the update phase starts with the bucket still full
                    for _ in range(32):
                        client.count_products(1)
                calls0, limited0 = client.stats.calls, client.stats.rate_limited_429
                httpx.delete(f"{server.base_url}/_sandbox/{mall}/stats")
                t0 = time.perf_counter()
                result = Lister(store, client, mall, run_id=f"bench-{phase}").upload(path)
                elapsed = time.perf_counter() - t0
                calls, limited = client.stats.calls - calls0, client.stats.rate_limited_429 - limited0
            stats = httpx.get(f"{server.base_url}/_sandbox/{mall}/stats").json()
            writes = sum(n for key, n in stats["calls"].items() if key.split()[0] in ("PUT", "POST", "DELETE"))
            products = singles + groups
            counts = result.counts()
            out[phase] = {
                "seconds": round(elapsed, 2),
                "rows": counts,
                "api_calls": calls,
                "write_calls": writes,
                "calls_per_product": round(calls / products, 2),
                "write_calls_per_product": round(writes / products, 2),
                "products_per_second": round(products / elapsed, 2),
                "skus_per_second": round(out["skus"] / elapsed, 2),
                "x_reference_skus": round(out["skus"] / elapsed / REFERENCE_SKUS_PER_S, 2),
                "calls_per_second": round(calls / elapsed, 2),
                "ratio_to_ceiling": round(calls / elapsed / CEILING_CALLS_PER_S, 2),
                "rate_limited_429": limited,
                "local_seconds_per_product": None,
            }
        store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer products (about 25 s)")
    args = parser.parse_args()
    real = (
        run(3, 3, leak_rate=CEILING_CALLS_PER_S, spend_burst=True)
        if args.quick
        else run(6, 6, leak_rate=CEILING_CALLS_PER_S, spend_burst=True)
    )
    fast = run(30, 30, leak_rate=500.0, spend_burst=False)
    for phase in ("create", "update"):
        fast[phase]["local_seconds_per_product"] = round(fast[phase]["seconds"] / (fast["singles"] + fast["groups"]), 3)
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
        "at_real_rate": real,
        "fast_bucket_local_overhead": fast,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
