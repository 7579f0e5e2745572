"""A real kill: `cafe24-pipeline sync orders` in a subprocess is SIGKILLed midway through the 90-day
import, then run again; the store must equal the sandbox exactly, with no duplicates and no loss."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.integration.orders_support import counts, orders_env, stored_orders

CLI = [sys.executable, "-m", "cafe24_pipeline.cli"]


def _cli_env(env, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CAFE24_PIPELINE_HOME": str(env.settings.home),
        "CAFE24_PIPELINE_DATABASE_URL": env.settings.database_url,
        "CAFE24_API_BASE_URL": env.server.api_base_template,
        "CAFE24_CLIENT_ID": env.server.client_id,
        "CAFE24_CLIENT_SECRET": env.server.client_secret,
        "CAFE24_MALL_ID": env.mall,
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "CAFE24_ORDERS_IMPORT_WINDOW_DAYS": "3",
    }


def _stored_count(env) -> int:
    return int(env.store.read("select count(*) as n from cafe24_orders")["n"][0])


@pytest.mark.slow
def test_import_killed_midway_resumes_without_loss_or_duplicates(tmp_path, store_url):
    with orders_env(tmp_path, store_url, orders=600) as env:
        (tmp_path / "dagster_home").mkdir()
        cli_env = _cli_env(env, tmp_path)
        # Every order page takes 250 ms, so the import spans many seconds: time to kill it mid-way.
        httpx.post(
            f"{env.server.base_url}/_sandbox/faults",
            json={"kind": "latency", "path": "orders", "latency_ms": 250, "count": 100000},
        ).raise_for_status()
        proc = subprocess.Popen(CLI + ["sync", "orders"], env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while _stored_count(env) < 50:
                assert proc.poll() is None, f"sync ended before it could be killed: {proc.stdout.read().decode()[-2000:]}"
                assert time.monotonic() < deadline, "the import never started writing"
                time.sleep(0.05)
            assert proc.poll() is None
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -signal.SIGKILL

        first_day = env.today() - timedelta(days=89)
        expected = env.sandbox_orders(first_day)
        partial = _stored_count(env)
        assert 0 < partial < len(expected), "the kill must land midway"
        state = env.store.get_sync_state(env.mall, "orders.import")
        assert state is not None and not json.loads(state.details).get("complete")
        assert env.store.get_sync_state(env.mall, "orders.new") is None  # polling marks wait for the import

        httpx.delete(f"{env.server.base_url}/_sandbox/faults").raise_for_status()
        rerun = subprocess.run(CLI + ["sync", "orders"], env=cli_env, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr

        assert stored_orders(env.store) == expected
        after = counts(env.store)
        assert after["cafe24_orders"] == after["oms_orders"] == len(expected)
        assert after["cafe24_order_items"] == after["oms_order_items"] == sum(len(v["items"]) for v in expected.values())
        # one first-observation history row per item: the re-imported days added none
        assert after["cafe24_order_status_history"] == after["cafe24_order_items"]
        details = json.loads(env.store.get_sync_state(env.mall, "orders.import").details)
        assert details["complete"] and details["resumed"]
        assert "stored" in rerun.stdout

        # the status sweep from the CLI: same job as the schedule, visible in the same instance
        status = subprocess.run(CLI + ["sync", "order-status"], env=cli_env, capture_output=True, text=True, timeout=300)
        assert status.returncode == 0, status.stdout + status.stderr
        assert "order_status_job" in status.stdout and "re-polled" in status.stdout
        assert stored_orders(env.store) == expected
        missing_mall = subprocess.run(
            CLI + ["sync", "order-status"], env={**cli_env, "CAFE24_MALL_ID": ""}, capture_output=True, text=True, timeout=120
        )
        assert missing_mall.returncode == 2 and "--mall" in missing_mall.stderr
