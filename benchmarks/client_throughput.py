"""Calls per second the Cafe24 client sustains against the sandbox's leaky bucket, and 429s.

The sandbox runs on loopback (SandboxServer, real HTTP). For each scenario the client reads product
pages (`GET /products?since_product_no=…&embed=variants,inventories`, the catalogue hot path) until it
has made `calls` calls. The first `capacity - headroom` calls ride the burst; the steady-state rate is
measured over the second half of the calls after it (when the bucket sits at the governor's soft limit)
and reported as a ratio to the bucket's leak rate (the ceiling). The sandbox shares this process (and
its GIL) with the client, so heavy pages at a sped-up rate also measure local JSON work, not only pacing.
Target: ratio >= 0.9 with zero 429s.

    .venv/bin/python benchmarks/client_throughput.py [--quick]

Writes benchmarks/results/client_throughput.json. Not part of the test suite; run on demand.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cafe24_pipeline.cafe24.client import Cafe24Client  # noqa: E402
from cafe24_pipeline.cafe24.governor import GovernorConfig, RateGovernor  # noqa: E402
from cafe24_pipeline.settings import Settings  # noqa: E402
from cafe24_sandbox import SandboxConfig, SandboxServer  # noqa: E402
from tests.fixtures.sandbox import sandbox_tokens  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "client_throughput.json"
MALL = "benchmall"


def run_scenario(name: str, *, leak_rate: float, calls: int, threads: int, page_size: int, headroom: int = 10,
                 capacity: int = 40) -> dict:
    config = SandboxConfig(malls=[MALL], products=2_000, orders=0, leak_rate=leak_rate, bucket_capacity=capacity,
                           shops_per_mall=1, big_option_products=0)
    with SandboxServer(config) as server, tempfile.TemporaryDirectory() as home:
        token = sandbox_tokens(server, MALL)["access_token"]
        settings = Settings.from_env({"CAFE24_PIPELINE_HOME": home, "CAFE24_API_BASE_URL": server.api_base_template})
        governor = RateGovernor(MALL, GovernorConfig(capacity=capacity, leak_rate=leak_rate, headroom=headroom,
                                                     max_calls_per_second=max(8.0, leak_rate * 2)))
        stamps: list[float] = []
        lock = threading.Lock()
        clients = [Cafe24Client(MALL, settings=settings, access_token=token, governor=governor) for _ in range(threads)]

        def worker(client: Cafe24Client) -> None:
            while True:
                for page in client.iter_products(1, page_size=page_size):
                    with lock:
                        stamps.append(time.perf_counter())
                        if len(stamps) >= calls:
                            return

        started = time.perf_counter()
        workers = [threading.Thread(target=worker, args=(c,)) for c in clients]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - started
        stats = server.sandbox.calls.stats(MALL)
        client_429 = sum(c.stats.rate_limited_429 for c in clients)
        for c in clients:
            c.close()
    burst = capacity - headroom
    stamps.sort()
    after_burst = stamps[burst:]
    steady = after_burst[len(after_burst) // 2:]  # the second half: the burst's leftovers have drained
    steady_rate = (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 else 0.0
    return {
        "scenario": name,
        "leak_rate_per_s": leak_rate,
        "bucket_capacity": capacity,
        "headroom": headroom,
        "threads": threads,
        "page_size": page_size,
        "calls": len(stamps),
        "elapsed_s": round(elapsed, 2),
        "overall_calls_per_s": round(len(stamps) / elapsed, 3),
        "steady_calls_per_s": round(steady_rate, 3),
        "steady_ratio_to_ceiling": round(steady_rate / leak_rate, 3),
        "client_429": client_429,
        "server_429": stats["throttled_429"],
        "server_calls": stats["total_calls"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    args = parser.parse_args()
    scale = 0.4 if args.quick else 1.0
    scenarios = [
        dict(name="sped-up bucket 20/s, 1 thread, 100 products/page", leak_rate=20.0, calls=int(630 * scale) + 30,
             threads=1, page_size=100),
        dict(name="sped-up bucket 20/s, 1 thread, 10 products/page", leak_rate=20.0, calls=int(630 * scale) + 30,
             threads=1, page_size=10),
        dict(name="sped-up bucket 20/s, 4 threads sharing one governor", leak_rate=20.0, calls=int(630 * scale) + 30,
             threads=4, page_size=100),
        dict(name="real bucket 2/s, 1 thread, 100 products/page", leak_rate=2.0, calls=int(120 * scale) + 30,
             threads=1, page_size=100),
    ]
    results = []
    for spec in scenarios:
        result = run_scenario(**spec)
        results.append(result)
        print(json.dumps(result))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "client_throughput",
        "target": "steady_ratio_to_ceiling >= 0.9 with zero 429s",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "results": results,
    }, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
