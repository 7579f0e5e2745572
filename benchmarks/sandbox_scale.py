"""Sandbox at scale: list-call latency with 100,000 products and ~1,000,000 order items.

Starts a real sandbox server (uvicorn on 127.0.0.1), runs the OAuth flow, then times typical
client calls over HTTP (client-observed wall time) and reads the sandbox's own handler time from its
call log. Results go to benchmarks/results/sandbox_scale.json.

    .venv/bin/python benchmarks/sandbox_scale.py            # 100k products, ~1M items
    .venv/bin/python benchmarks/sandbox_scale.py --quick    # 10k products, ~100k items
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from cafe24_sandbox import SandboxConfig, SandboxServer

KST = timezone(timedelta(hours=9))
RESULTS = Path(__file__).resolve().parent / "results" / "sandbox_scale.json"


def _token(server: SandboxServer) -> str:
    mall = server.config.malls[0]
    redirect = "https://bench.example.com/cb"
    consent = httpx.get(
        f"{server.api_base(mall)}/api/v2/oauth/authorize",
        params={"response_type": "code", "client_id": server.client_id, "state": "b", "redirect_uri": redirect},
    )
    code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
    return httpx.post(
        f"{server.api_base(mall)}/api/v2/oauth/token",
        auth=(server.client_id, server.client_secret),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
    ).json()["access_token"]


def _time_call(client: httpx.Client, method: str, path: str, repeats: int, **kwargs) -> dict:
    samples, size, status = [], 0, 0
    for attempt in range(repeats):
        if callable(kwargs.get("json")):
            kwargs = {**kwargs, "json_factory": kwargs["json"]}
        if "json_factory" in kwargs:
            call_kwargs = {k: v for k, v in kwargs.items() if k != "json_factory"}
            call_kwargs["json"] = kwargs["json_factory"](attempt)
        else:
            call_kwargs = kwargs
        started = time.perf_counter()
        response = client.request(method, path, **call_kwargs)
        samples.append((time.perf_counter() - started) * 1000)
        size, status = len(response.content), response.status_code
    samples.sort()
    return {
        "status": status,
        "bytes": size,
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
        "min_ms": round(samples[0], 2),
    }


def run(products: int, orders: int, repeats: int) -> dict:
    started = time.perf_counter()
    server = SandboxServer(SandboxConfig(products=products, orders=orders, leak_rate=1e9))
    seed_seconds = time.perf_counter() - started
    mall = server.state.malls[server.config.malls[0]]
    items = sum(len(o.items) for o in mall.orders)
    variants = len(mall.variants)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    server.start()
    try:
        token = _token(server)
        now = datetime.now(KST)
        day = (now - timedelta(days=3)).date().isoformat()
        window_89 = {"start_date": (now - timedelta(days=89)).date().isoformat(), "end_date": now.date().isoformat()}
        middle = products // 2
        product_no = mall.product_nos.values[-1]
        variant_product = next(p for p in mall.products.values() if len(p.variants) >= 3)
        calls = {
            "products first page (limit 100)": ("GET", "products", {"params": {"limit": 100}}),
            "products since_product_no middle (limit 100)": (
                "GET",
                "products",
                {"params": {"since_product_no": middle, "limit": 100}},
            ),
            "products since_product_no + embed variants,inventories": (
                "GET",
                "products",
                {"params": {"since_product_no": middle, "limit": 100, "embed": "variants,inventories"}},
            ),
            "products offset 5000 (limit 100)": ("GET", "products", {"params": {"offset": 5000, "limit": 100}}),
            "products updated in one day": (
                "GET",
                "products",
                {"params": {"updated_start_date": day, "updated_end_date": day, "limit": 100}},
            ),
            "products/count": ("GET", "products/count", {}),
            "products/count updated in one day": (
                "GET",
                "products/count",
                {"params": {"updated_start_date": day, "updated_end_date": day}},
            ),
            "product detail": ("GET", f"products/{product_no}", {}),
            "orders one day (limit 1000, embed items)": (
                "GET",
                "orders",
                {"params": {"start_date": day, "end_date": day, "limit": 1000, "embed": "items"}},
            ),
            "orders 89 days offset 15000 (limit 1000)": (
                "GET",
                "orders",
                {"params": {**window_89, "limit": 1000, "offset": 15000}},
            ),
            "orders 89 days shipbegin_date (limit 100)": (
                "GET",
                "orders",
                {"params": {**window_89, "date_type": "shipbegin_date", "limit": 100}},
            ),
            "orders 7 days order_status=N20 (limit 100)": (
                "GET",
                "orders",
                {
                    "params": {
                        "start_date": (now - timedelta(days=7)).date().isoformat(),
                        "end_date": now.date().isoformat(),
                        "order_status": "N20,N21",
                        "limit": 100,
                    }
                },
            ),
            "orders/count 89 days": ("GET", "orders/count", {"params": window_89}),
            "orders by order_id x100": (
                "GET",
                "orders",
                {"params": {"order_id": ",".join(o.order_id for o in mall.orders[-100:]), "limit": 100}},
            ),
            "bulk variant update (new stock each time)": (
                "PUT",
                f"products/{variant_product.product_no}/variants",
                {
                    "json": lambda n: {
                        "requests": [{"variant_code": v.variant_code, "quantity": 1000 + n} for v in variant_product.variants]
                    }
                },
            ),
        }
        results = {}
        with httpx.Client(
            base_url=f"{server.api_base(mall.mall_id)}/api/v2/admin/", headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as client:
            calls_log = server.sandbox.calls
            for name, (method, path, kwargs) in calls.items():
                _time_call(client, method, path, 1, **kwargs)  # warm-up
                before = max((row["seq"] for row in calls_log.logs(mall.mall_id, 0, 10**6)), default=0)
                results[name] = _time_call(client, method, path, repeats, **kwargs)
                handler = sorted(row["elapsed_ms"] for row in calls_log.logs(mall.mall_id, before, 10**6))
                results[name]["server_median_ms"] = round(statistics.median(handler), 2)
        return {
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": {
                "python": platform.python_version(),
                "cpus_shared": True,
                "note": "2 cores shared with other engineers' test runs; figures are upper bounds",
            },
            "scale": {"products": len(mall.products), "variants": variants, "orders": len(mall.orders), "order_items": items},
            "seed_seconds": round(seed_seconds, 1),
            "max_rss_mb": round(rss_mb),
            "repeats": repeats,
            "how": "client_observed median/p95 over `repeats` calls on one keep-alive httpx connection "
            "(includes JSON parse of the body); server_median_ms is the sandbox's own time from "
            "request to rendered JSON (its call log)",
            "calls": results,
        }
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10k products / ~100k items")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    products, orders = (10_000, 53_000) if args.quick else (100_000, 533_000)
    result = run(products, orders, args.repeats)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if not args.quick:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
