"""Catalogue import throughput (SKUs/s) against the sandbox, beside the reference integration.

The reference integration (Anchanto ↔ Cafe24) imports 1,000 SKUs per 15 minutes, about 1.11 SKU/s.
This benchmark runs the real catalogue import (the same sync core the Dagster assets call: full
product scan with embedded variants → mirror tables → SKU links → OMS master) on a SQLite store, against
the sandbox over loopback HTTP, with the client's own rate governor:

- "real bucket": the sandbox leaks 2 calls/s like Cafe24 (capacity 40). A bounded run of N products,
  large enough that most calls come after the initial burst. Reports overall SKUs/s, the steady-state
  SKUs/s after the burst, and both as a multiple of the reference.
- "sped-up bucket": leak 200/s, to show that local work (parsing, hashing, upserts, linking) is not
  the bottleneck.

    .venv/bin/python benchmarks/catalog_import.py [--quick]

Writes benchmarks/results/catalog_import.json. Not part of the test suite; run on demand.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cafe24_pipeline.cafe24.client import Cafe24Client  # noqa: E402
from cafe24_pipeline.cafe24.http_auth import StaticTokenProvider  # noqa: E402
from cafe24_pipeline.cafe24.governor import GovernorConfig, RateGovernor  # noqa: E402
from cafe24_pipeline.settings import Settings  # noqa: E402
from cafe24_pipeline.store import Store  # noqa: E402
from cafe24_pipeline.sync.catalog import build_oms_products, link_listings, sync_products  # noqa: E402
from cafe24_sandbox import SandboxConfig, SandboxServer  # noqa: E402
from tests.fixtures.sandbox import sandbox_tokens  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "catalog_import.json"
MALL = "benchmall"
REFERENCE_SKUS_PER_S = 1000 / (15 * 60)  # 1.11


class TimedClient:
    """The real client, recording when each product page arrived and how many variants it carried."""

    def __init__(self, client: Cafe24Client) -> None:
        self.client = client
        self.pages: list[tuple[float, int]] = []

    @property
    def stats(self):  # noqa: ANN201
        return self.client.stats

    def list_shops(self):  # noqa: ANN201
        return self.client.list_shops()

    def count_products(self, shop_no: int, **kw):  # noqa: ANN003, ANN201
        return self.client.count_products(shop_no, **kw)

    def iter_products(self, shop_no: int, **kw):  # noqa: ANN003, ANN201
        for page in self.client.iter_products(shop_no, **kw):
            self.pages.append((time.perf_counter(), sum(len(p.variants) for p in page.records)))
            yield page


def run_scenario(name: str, *, leak_rate: float, products: int, headroom: int = 10, capacity: int = 40) -> dict:
    config = SandboxConfig(
        malls=[MALL],
        products=products,
        orders=0,
        leak_rate=leak_rate,
        bucket_capacity=capacity,
        shops_per_mall=1,
        big_option_products=0,
        duplicate_sku_pairs=3,
    )
    with SandboxServer(config) as server, tempfile.TemporaryDirectory() as home:
        token = sandbox_tokens(server, MALL)["access_token"]
        settings = Settings.from_env({"CAFE24_PIPELINE_HOME": home, "CAFE24_API_BASE_URL": server.api_base_template})
        governor = RateGovernor(
            MALL,
            GovernorConfig(
                capacity=capacity, leak_rate=leak_rate, headroom=headroom, max_calls_per_second=max(8.0, leak_rate * 2)
            ),
        )
        store = Store.open(f"sqlite:///{home}/store.sqlite3")
        with Cafe24Client(MALL, settings=settings, tokens=StaticTokenProvider(token), governor=governor) as raw:
            client = TimedClient(raw)
            started = time.perf_counter()
            scan = sync_products(store, client, MALL, mode="full")
            fetched_at = time.perf_counter()
            links = link_listings(store, MALL)
            master = build_oms_products(store, MALL)
            elapsed = time.perf_counter() - started
            server_stats = server.sandbox.calls.stats(MALL)
        skus = store.read_table("oms_products").height
        variants = store.read_table("cafe24_variants").height
        store.close()

    burst = capacity - headroom
    after = client.pages[burst:]
    steady = steady_calls = None
    if len(after) > 2:
        span = after[-1][0] - after[0][0]
        if span > 0:
            steady = sum(n for _, n in after[1:]) / span
            steady_calls = (len(after) - 1) / span
    overall = skus / elapsed
    return {
        "scenario": name,
        "leak_rate_per_s": leak_rate,
        "bucket_capacity": capacity,
        "governor_headroom": headroom,
        "products": scan.fetched,
        "variants_mirrored": variants,
        "skus_in_oms": skus,
        "sku_conflicts_open": links.details.get("sku_conflicts_open"),
        "api_calls": scan.api_calls,
        "calls_per_s": round(scan.api_calls / (fetched_at - started), 3),
        "calls_ratio_to_ceiling": round(scan.api_calls / (fetched_at - started) / leak_rate, 3),
        "fetch_s": round(fetched_at - started, 2),
        "link_and_master_s": round(links.duration_s + master.duration_s, 2),
        "elapsed_s": round(elapsed, 2),
        "steady_calls_per_s_after_burst": round(steady_calls, 3) if steady_calls else None,
        "steady_ratio_to_ceiling": round(steady_calls / leak_rate, 3) if steady_calls else None,
        "skus_per_s_overall": round(overall, 1),
        "skus_per_s_steady_after_burst": round(steady, 1) if steady else None,
        "x_reference_overall": round(overall / REFERENCE_SKUS_PER_S, 1),
        "x_reference_steady": round(steady / REFERENCE_SKUS_PER_S, 1) if steady else None,
        "server_429": server_stats.get("throttled_429"),
        "client_429": raw.stats.rate_limited_429,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller bounded run")
    args = parser.parse_args()
    scenarios = [
        dict(name="real bucket 2/s (Cafe24's leak rate)", leak_rate=2.0, products=3_000 if args.quick else 8_000),
        dict(name="sped-up bucket 200/s (local work)", leak_rate=200.0, products=3_000 if args.quick else 8_000),
    ]
    results = []
    for spec in scenarios:
        result = run_scenario(**spec)
        results.append(result)
        print(json.dumps(result), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "catalog_import",
                "reference": "Anchanto ↔ Cafe24: 1,000 SKUs per 15 minutes = 1.11 SKU/s",
                "reference_skus_per_s": round(REFERENCE_SKUS_PER_S, 3),
                "what": "full scan (100 products per call, variants embedded) → mirror → SKU links → OMS master, SQLite store",
                "python": platform.python_version(),
                "machine": platform.machine(),
                "results": results,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
