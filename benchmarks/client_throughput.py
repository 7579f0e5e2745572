"""Calls per second the Cafe24 client sustains against the sandbox's leaky bucket, and 429s.

The sandbox runs in its own process (`cafe24-pipeline sandbox`, real HTTP on loopback), as Cafe24 is
remote. For each scenario the client reads product pages (`GET /products?since_product_no=…&embed=variants,inventories`, the catalogue hot path) until it
has made `calls` calls. The first `capacity - headroom` calls ride the burst; the steady-state rate is
measured over the second half of the calls after it (when the bucket sits at the governor's soft limit)
and reported as a ratio to the bucket's leak rate (the ceiling). Every HTTP response is counted
(product pages and the extra variant calls for products past the embed cap).
Target: ratio >= 0.9 with zero 429s.

    .venv/bin/python benchmarks/client_throughput.py [--quick]

Writes benchmarks/results/client_throughput.json. Not part of the test suite; run on demand.
"""

from __future__ import annotations

import argparse
import json
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cafe24_pipeline.cafe24.client import Cafe24Client  # noqa: E402
from cafe24_pipeline.cafe24.http_auth import StaticTokenProvider  # noqa: E402
from cafe24_pipeline.cafe24.governor import GovernorConfig, RateGovernor  # noqa: E402
from cafe24_pipeline.settings import Settings  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "client_throughput.json"
MALL = "benchmall"
REDIRECT_URI = "https://app.example.com/cafe24/callback"


class _Stamping(httpx.HTTPTransport):
    """The real HTTP transport, telling `on_response` about every answer (to time the calls)."""

    def __init__(self, on_response) -> None:  # noqa: ANN001
        super().__init__()
        self._on_response = on_response

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self._on_response(response)
        return response


@contextmanager
def sandbox_process(*, leak_rate: float, products: int) -> Iterator[str]:
    """`cafe24-pipeline sandbox` in its own process (as the real Cafe24 is remote); yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "cafe24-pipeline"),
            "sandbox",
            "--port",
            str(port),
            "--products",
            str(products),
            "--orders",
            "0",
            "--malls",
            MALL,
            "--leak-rate",
            str(leak_rate),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/_sandbox/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the sandbox did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def access_token(base: str) -> str:
    """Consent and code exchange against the sandbox (its default app credentials)."""
    api = f"{base}/{MALL}/api/v2"
    consent = httpx.get(
        f"{api}/oauth/authorize",
        params={"response_type": "code", "client_id": "sandbox-client-id", "state": "bench", "redirect_uri": REDIRECT_URI},
    )
    code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
    token = httpx.post(
        f"{api}/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        auth=("sandbox-client-id", "sandbox-client-secret"),
    )
    return token.json()["access_token"]


def run_scenario(
    name: str, *, leak_rate: float, calls: int, threads: int, page_size: int, headroom: int = 10, capacity: int = 40
) -> dict:
    with sandbox_process(leak_rate=leak_rate, products=2_000) as base, tempfile.TemporaryDirectory() as home:
        token = access_token(base)
        settings = Settings.from_env({"CAFE24_PIPELINE_HOME": home, "CAFE24_API_BASE_URL": base + "/{mall_id}"})
        governor = RateGovernor(
            MALL,
            GovernorConfig(
                capacity=capacity, leak_rate=leak_rate, headroom=headroom, max_calls_per_second=max(8.0, leak_rate * 2)
            ),
        )
        stamps: list[float] = []
        lock = threading.Lock()
        done = threading.Event()

        def on_response(response: httpx.Response) -> None:
            with lock:
                stamps.append(time.perf_counter())
                if len(stamps) >= calls:
                    done.set()

        clients = [
            Cafe24Client(
                MALL, settings=settings, tokens=StaticTokenProvider(token), governor=governor, transport=_Stamping(on_response)
            )
            for _ in range(threads)
        ]

        def worker(client: Cafe24Client) -> None:
            while not done.is_set():
                for _page in client.iter_products(1, page_size=page_size):
                    if done.is_set():
                        return

        started = time.perf_counter()
        workers = [threading.Thread(target=worker, args=(c,)) for c in clients]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = stamps[calls - 1] - started
        stats = httpx.get(f"{base}/_sandbox/{MALL}/stats").json()
        client_429 = sum(c.stats.rate_limited_429 for c in clients)
        for c in clients:
            c.close()
    burst = capacity - headroom
    stamps = sorted(stamps)[:calls]
    after_burst = stamps[burst:]
    steady = after_burst[len(after_burst) // 2 :]  # the second half: the burst's leftovers have drained
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
        dict(
            name="sped-up bucket 20/s, 1 thread, 100 products/page",
            leak_rate=20.0,
            calls=int(630 * scale) + 30,
            threads=1,
            page_size=100,
        ),
        dict(
            name="sped-up bucket 20/s, 1 thread, 10 products/page",
            leak_rate=20.0,
            calls=int(630 * scale) + 30,
            threads=1,
            page_size=10,
        ),
        dict(
            name="sped-up bucket 20/s, 4 threads sharing one governor",
            leak_rate=20.0,
            calls=int(630 * scale) + 30,
            threads=4,
            page_size=100,
        ),
        dict(
            name="real bucket 2/s, 1 thread, 100 products/page",
            leak_rate=2.0,
            calls=int(120 * scale) + 30,
            threads=1,
            page_size=100,
        ),
    ]
    results = []
    for spec in scenarios:
        result = run_scenario(**spec)
        results.append(result)
        print(json.dumps(result))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "client_throughput",
                "target": "steady_ratio_to_ceiling >= 0.9 with zero 429s",
                "python": platform.python_version(),
                "machine": platform.machine(),
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
