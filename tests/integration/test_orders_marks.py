"""High-water marks and bad input: marks advance after commits (also on empty windows), never past
now − safety lag, stay put on failure; a malformed order is skipped with its reason and recovered."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from cafe24_pipeline.cafe24.errors import Cafe24Error
from cafe24_pipeline.cafe24.retry import RetryConfig
from cafe24_pipeline.sync.orders import OrderSync, OrderSyncConfig
from tests.integration.orders_support import minutes_ago, orders_env, stored_orders


def _mark(env, stream="orders.new"):
    return env.store.get_sync_state(env.mall, stream).high_water_mark


@pytest.mark.slow
def test_marks_advance_on_empty_windows_never_past_lag_and_hold_on_failure(tmp_path, sqlite_store_url):
    with orders_env(tmp_path, sqlite_store_url, orders=60) as env:
        config = OrderSyncConfig(safety_lag=timedelta(minutes=2))
        with env.sync(config) as sync:
            sync.initial_import()
            first = _mark(env)
            sync.sync_new_orders()  # nothing new: the window is empty, the mark still moves
            second = _mark(env)
            assert second > first
            assert second <= env.now() - timedelta(minutes=2)
            status_before = _mark(env, "orders.status")
            sync.sync_status_changes()
            assert status_before < _mark(env, "orders.status") <= env.now() - timedelta(minutes=2)

        # Cafe24 fails every order call: the run fails and the mark stays where it was
        httpx.post(
            f"{env.server.base_url}/_sandbox/faults", json={"kind": "503", "path": "orders*", "count": 1000}
        ).raise_for_status()
        with env.client() as client:
            client.retry.config = RetryConfig(max_retries=1)  # fail fast: the sandbox answers 503 to every order call
            sync = OrderSync(env.store, client, env.mall, config=config)
            with pytest.raises(Cafe24Error):
                sync.sync_new_orders()
        assert _mark(env) == second
        httpx.delete(f"{env.server.base_url}/_sandbox/faults").raise_for_status()


@pytest.mark.slow
def test_malformed_order_is_skipped_with_reason_and_recovered_next_run(tmp_path, sqlite_store_url):
    with orders_env(tmp_path, sqlite_store_url, orders=40) as env:
        with env.sync() as sync:
            sync.initial_import()
        created = env.control("POST", "/orders", {"count": 3, "status": "N20", "order_date": minutes_ago(env, 3)})["orders"]
        httpx.post(
            f"{env.server.base_url}/_sandbox/faults",
            json={"kind": "malformed", "path": "orders", "field": "order_date", "value": "not a date", "count": 1},
        ).raise_for_status()
        with env.sync() as sync:
            report = sync.sync_new_orders()
        assert len(report.skipped) == 1 and "order_date" in report.skipped[0]["reason"]
        stored = stored_orders(env.store)
        missing = [o for o in created if (1, o["order_id"]) not in stored]
        assert len(missing) <= 1  # the malformed one (if it was one of ours); the rest were stored
        with env.sync() as sync:
            again = sync.sync_new_orders()  # the overlap re-reads the window: nothing is lost
        assert not again.skipped
        stored = stored_orders(env.store)
        assert all((1, o["order_id"]) in stored for o in created)
        today = {k: v for k, v in env.sandbox_orders(env.today()).items()}
        assert {k: v for k, v in stored.items() if v["day"] == env.today()} == today
