"""kill -9 during a full catalogue scan (the fault probe's scenario): nothing is marked deleted, the
killed run does not stay STARTED, and the next full scan leaves the store equal to the sandbox with
no stale value."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal

import httpx
import pytest
from dagster import DagsterInstance, DagsterRunStatus

from tests.integration.catalog_support import MALL, make_world, sandbox_truth

pytestmark = pytest.mark.slow


def test_full_scan_killed_midway_deletes_nothing_and_the_rerun_matches_the_sandbox(
    sandbox_factory, store_url, tmp_path, monkeypatch
):
    server = sandbox_factory(malls=[MALL], products=400, orders=0)
    world = make_world(server, store_url, tmp_path / "home", monkeypatch)
    try:
        dagster_home = tmp_path / "dagster_home"
        dagster_home.mkdir()
        env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "CAFE24_MALL_ID": MALL}
        cli = [sys.executable, "-m", "cafe24_pipeline.cli", "sync", "catalog", "--full"]
        first = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert first.returncode == 0, first.stdout + first.stderr
        edited = int(world.store.read_table("cafe24_products", {"mall_id": MALL, "shop_no": 1})["product_no"].max())
        world.control("PUT", f"products/{edited}", {"price": "33333.00"})

        httpx.post(
            f"{server.base_url}/_sandbox/faults",
            json={"kind": "latency", "path": "products", "method": "GET", "latency_ms": 700, "count": 1000},
            timeout=10,
        ).raise_for_status()
        httpx.delete(f"{server.base_url}/_sandbox/{MALL}/stats", timeout=10).raise_for_status()
        proc = subprocess.Popen(cli, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while True:  # kill once the scan has read two pages (of ten) of products
            calls = httpx.get(f"{server.base_url}/_sandbox/{MALL}/stats", timeout=10).json()["calls"]
            if calls.get("GET products", 0) >= 2:
                break
            assert proc.poll() is None, "the scan ended before it could be killed"
            assert time.monotonic() < deadline, "the scan never started"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

        products = world.store.read_table("cafe24_products", {"mall_id": MALL})
        assert products.filter(products["deleted_at"].is_not_null()).height == 0  # an aborted scan deletes nothing

        httpx.delete(f"{server.base_url}/_sandbox/faults", timeout=10).raise_for_status()
        rerun = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr

        truth = sandbox_truth(server)
        assert world.count("cafe24_products") == truth.products
        assert world.count("cafe24_variants") == truth.variants
        live = world.store.read_table("cafe24_products", {"mall_id": MALL})
        assert live.filter(live["deleted_at"].is_not_null()).height == 0
        price = world.store.read_table("cafe24_products", {"mall_id": MALL, "shop_no": 1, "product_no": edited})
        assert price["price"].item() == Decimal("33333.00")  # no stale value

        instance = DagsterInstance.from_config(str(dagster_home))
        try:
            statuses = sorted(r.status.value for r in instance.get_runs())
            # the first full scan, the killed one (marked failed by the rerun's sweep), the rerun
            assert statuses == sorted(
                [DagsterRunStatus.SUCCESS.value, DagsterRunStatus.FAILURE.value, DagsterRunStatus.SUCCESS.value]
            )
        finally:
            instance.dispose()
    finally:
        world.instance.dispose()
        world.store.close()
