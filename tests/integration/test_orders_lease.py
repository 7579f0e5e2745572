"""Runs for one mall never overlap: the order-sync lease in sync_state (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from cafe24_pipeline.sync.orders import STREAM_LOCK, OrderSync, SyncBusy


def test_second_run_for_the_same_mall_is_refused_other_malls_proceed(store):
    first = OrderSync(store, None, "mall_a")
    with first.lease():
        with pytest.raises(SyncBusy, match="already running"):
            with OrderSync(store, None, "mall_a").lease():
                pass
        with OrderSync(store, None, "mall_b").lease():
            pass
    with OrderSync(store, None, "mall_a").lease():  # released: free again
        pass


def test_lease_of_a_killed_process_is_taken_over(store):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # that process has exited
    import socket

    now = datetime.now(timezone.utc)
    store.record_sync("mall_a", STREAM_LOCK, success=True, details={
        "host": socket.gethostname(), "pid": pid, "token": "x", "since": now.isoformat(),
        "expires": (now + timedelta(minutes=30)).isoformat()})
    with OrderSync(store, None, "mall_a").lease():
        held = json.loads(store.get_sync_state("mall_a", STREAM_LOCK).details)
        assert held["token"] != "x"


def test_expired_lease_of_another_host_is_taken_over_live_one_is_not(store):
    now = datetime.now(timezone.utc)
    other = {"host": "other-host", "pid": 1, "token": "y", "since": now.isoformat()}
    store.record_sync("mall_a", STREAM_LOCK, success=True, details={**other, "expires": (now + timedelta(minutes=5)).isoformat()})
    with pytest.raises(SyncBusy):
        with OrderSync(store, None, "mall_a").lease():
            pass
    store.record_sync("mall_a", STREAM_LOCK, success=True, details={**other, "expires": (now - timedelta(seconds=1)).isoformat()})
    with OrderSync(store, None, "mall_a").lease():
        pass
