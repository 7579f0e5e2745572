"""Webhook latency: event → row in the tables, with `cafe24-pipeline webhooks serve` as a real process.

1. Latency. A sandbox mall (Cafe24's real bucket: 40 calls, draining 2/s) is connected and its
   catalogue imported; `webhooks serve` runs on a free loopback port (in-process drains, each a
   webhook_drain_job run on a Dagster instance) and the sandbox's webhooks point at it. Orders are
   placed through the control API one after another, then each one's status is changed; for each,
   the time from the control call's return to the row in `cafe24_order_items` (new order) or to the
   new status in it is measured by reading the store every 20 ms. Median and p95, against what the
   polls give: a new order waits for the next 5-minute poll whose window (ending now − 2 min safety
   lag) covers it, so 2–7 min (median 4.5, p95 6.75); a status change 2–32 min on the 30-minute poll.
2. The receiver's sustained events/s on loopback: distinct authenticated events POSTed by 4 client
   threads for a few seconds to the same process (events for a mall that is not connected, so they
   stay in the inbox and only the receiver + inbox insert are measured).

    .venv/bin/python benchmarks/webhook_latency.py [--orders 8] [--receiver-seconds 4]

Writes benchmarks/results/webhook_latency.json. About 45–60 s. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results" / "webhook_latency.json"
KEY = "bench-webhook-key"
POLL_NEW = {"median_s": 4.5 * 60, "p95_s": 6.75 * 60, "rule": "5-min poll, window ends now - 2 min: 2-7 min"}
POLL_STATUS = {"median_s": 17 * 60, "p95_s": 30.5 * 60, "rule": "30-min poll, window ends now - 2 min: 2-32 min"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _wait(check, timeout: float = 60.0) -> float:
    start = time.perf_counter()
    while not check():
        if time.perf_counter() - start > timeout:
            raise RuntimeError("an event did not reach the tables within 60 s")
        time.sleep(0.02)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=8)
    parser.add_argument("--receiver-seconds", type=float, default=4.0)
    args = parser.parse_args()

    import httpx
    import sqlalchemy as sa

    from cafe24_pipeline.store import schema as tables
    from benchmarks.mall_setup import synced_catalogue
    from cafe24_sandbox import SandboxConfig, SandboxServer

    mall = "benchhook"
    home = Path(tempfile.mkdtemp())
    started = time.perf_counter()
    with SandboxServer(SandboxConfig(malls=[mall], products=20, orders=0, seed=5, webhook_key=KEY)) as server:
        settings, store = synced_catalogue(server, mall, home)

        port = _free_port()
        env = {
            **os.environ,
            "CAFE24_PIPELINE_HOME": str(home),
            "CAFE24_PIPELINE_DATABASE_URL": settings.database_url,
            "CAFE24_API_BASE_URL": server.api_base_template,
            "CAFE24_CLIENT_ID": server.client_id,
            "CAFE24_CLIENT_SECRET": server.client_secret,
            "CAFE24_WEBHOOK_KEY": KEY,
            "DAGSTER_HOME": str(home / "dagster_home"),
            "CAFE24_WEBHOOK_RETRY_SECONDS": "5",
        }
        (home / "dagster_home").mkdir()
        log = (home / "serve.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "cafe24_pipeline.cli", "webhooks", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        receiver = f"http://127.0.0.1:{port}"
        try:

            def healthy() -> bool:
                try:
                    return httpx.get(f"{receiver}/health", timeout=1).status_code == 200
                except httpx.HTTPError:
                    return False

            _wait(healthy)
            httpx.post(f"{server.base_url}/_sandbox/webhooks", json={"url": f"{receiver}/webhooks/cafe24"}).raise_for_status()
            items = tables.cafe24_order_items

            def statuses(order_id: str) -> set[str]:
                with store.engine.connect() as conn:
                    return {
                        r[0]
                        for r in conn.execute(
                            sa.select(items.c.order_status).where(items.c.mall_id == mall, items.c.order_id == order_id)
                        )
                    }

            control = f"{server.base_url}/_sandbox/{mall}"
            new_latency, status_latency, order_ids = [], [], []
            for _ in range(args.orders):
                r = httpx.post(f"{control}/orders", json={"count": 1, "status": "N20"}, timeout=30)
                r.raise_for_status()
                order_id = r.json()["orders"][0]["order_id"]
                order_ids.append(order_id)
                new_latency.append(_wait(lambda oid=order_id: statuses(oid) == {"N20"}))
            for order_id in order_ids:
                httpx.post(f"{control}/orders/{order_id}/status", json={"status": "N30"}, timeout=30).raise_for_status()
                status_latency.append(_wait(lambda oid=order_id: statuses(oid) == {"N30"}))

            # the receiver alone: distinct events for a mall that is not connected (they stay pending)
            sent = [0] * 4
            stop_at = time.perf_counter() + args.receiver_seconds

            def load(worker: int) -> None:
                with httpx.Client(base_url=receiver, headers={"X-API-Key": KEY}) as http:
                    n = 0
                    while time.perf_counter() < stop_at:
                        body = {
                            "event_no": 90024,
                            "resource": {"mall_id": "loadtest", "event_shop_no": "1", "order_id": f"20261203-{worker}{n:06d}"},
                        }
                        if http.post("/webhooks/cafe24", json=body).status_code == 200:
                            n += 1
                    sent[worker] = n

            t0 = time.perf_counter()
            threads = [threading.Thread(target=load, args=(i,)) for i in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            load_seconds = time.perf_counter() - t0
            inbox = tables.webhook_inbox
            with store.engine.connect() as conn:
                stored = conn.execute(sa.select(sa.func.count()).where(inbox.c.mall_id == "loadtest")).scalar_one()
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
        with store.engine.connect() as conn:
            runs_ok = conn.execute(
                sa.select(sa.func.count()).where(tables.webhook_inbox.c.mall_id == mall, tables.webhook_inbox.c.status == "done")
            ).scalar_one()
        store.close()

    def summary(values: list[float], poll: dict) -> dict:
        median, p95 = statistics.median(values), _pct(values, 0.95)
        return {
            "events": len(values),
            "median_s": round(median, 3),
            "p95_s": round(p95, 3),
            "max_s": round(max(values), 3),
            "poll_median_s": poll["median_s"],
            "poll_p95_s": poll["p95_s"],
            "poll_rule": poll["rule"],
            "x_faster_median": round(poll["median_s"] / median, 1),
        }

    result = {
        "benchmark": "webhook_latency",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "setup": "webhooks serve (in-process drains, one webhook_drain_job run per wake-up, SQLite store and "
        "Dagster instance), sandbox at Cafe24's real bucket (40 calls, 2/s), loopback HTTP",
        "new_order_to_cafe24_order_items": summary(new_latency, POLL_NEW),
        "status_change_to_cafe24_order_items": summary(status_latency, POLL_STATUS),
        "inbox_rows_done": runs_ok,
        "receiver": {
            "seconds": round(load_seconds, 2),
            "accepted": sum(sent),
            "stored": stored,
            "events_per_s": round(sum(sent) / load_seconds, 1),
            "client_threads": 4,
        },
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
