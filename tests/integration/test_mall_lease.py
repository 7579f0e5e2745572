"""The per-mall lease (sync/lease.py) on SQLite and PostgreSQL: one holder, named when busy, renewed
while its holder works, taken over at once from a dead process and after expiry from another host."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone

import pytest

from cafe24_pipeline.store.leases import LeaseRow, LeaseTable
from cafe24_pipeline.sync.lease import LeaseConfig, MallBusy, hold, process_start


def _row(mall: str, **over) -> LeaseRow:
    now = datetime.now(timezone.utc)
    values = dict(
        mall_id=mall,
        token="t-old",
        purpose="someone",
        host=socket.gethostname(),
        pid=os.getpid(),
        pid_started=process_start(os.getpid()),
        run_id=None,
        acquired_at=now,
        heartbeat_at=now,
        expires_at=now + timedelta(minutes=5),
    )
    values.update(over)
    return LeaseRow(**values)


def _plant(store, row: LeaseRow) -> None:
    LeaseTable(store).take(row, may_replace=lambda held: True)


def test_second_holder_is_refused_naming_the_first_other_malls_proceed(store):
    with hold(store, "mall_a", "cafe24/products", run_id="run-1"):
        with pytest.raises(MallBusy) as info:
            with hold(store, "mall_a", "cafe24/orders_new"):
                pass
        text = str(info.value)
        assert "cafe24/products" in text and f"pid {os.getpid()}" in text and "run run-1" in text
        assert "lease until" in text
        with hold(store, "mall_b", "cafe24/orders_new"):
            pass
    with hold(store, "mall_a", "cafe24/orders_new"):  # released: free again
        pass
    assert LeaseTable(store).current("mall_a") is None


def test_lease_of_a_dead_process_on_this_host_is_taken_over_at_once(store):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    _plant(store, _row("mall_a", pid=int(dead.stdout), pid_started="1"))
    with hold(store, "mall_a", "cafe24/orders_new") as lease:
        assert LeaseTable(store).current("mall_a").token == lease.row.token


def test_a_reused_pid_does_not_look_alive(store):
    # our own parent is alive, but its start time differs from the one recorded: the pid was reused
    _plant(store, _row("mall_a", pid=os.getppid(), pid_started="0"))
    with hold(store, "mall_a", "cafe24/orders_new"):
        pass


def test_other_host_is_waited_for_until_its_lease_expires(store):
    _plant(store, _row("mall_a", host="other-host", pid=1, pid_started=None))
    with pytest.raises(MallBusy, match="pid 1 on other-host"):
        with hold(store, "mall_a", "cafe24/orders_new"):
            pass
    expired = datetime.now(timezone.utc) - timedelta(seconds=1)
    _plant(store, _row("mall_a", host="other-host", pid=1, pid_started=None, expires_at=expired))
    with hold(store, "mall_a", "cafe24/orders_new"):
        pass


def test_heartbeat_renews_the_lease_while_its_holder_works(store):
    with hold(store, "mall_a", "cafe24/orders_import", config=LeaseConfig(ttl=timedelta(seconds=6))) as lease:
        first = LeaseTable(store).current("mall_a")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            now = LeaseTable(store).current("mall_a")
            if now.heartbeat_at > first.heartbeat_at:
                break
            time.sleep(0.2)
        assert now.expires_at > first.expires_at and now.token == lease.row.token


_HOLDER = textwrap.dedent("""
    import sys, time
    from cafe24_pipeline.store import Store
    from cafe24_pipeline.sync.lease import hold
    store = Store.open(sys.argv[1])
    with hold(store, "mall_a", "holder process"):
        print("held", flush=True)
        time.sleep(600)
""")


def test_a_killed_holder_process_frees_the_mall_at_once(store_url):
    from cafe24_pipeline.store import Store

    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, store_url], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with Store.open(store_url) as store:
            with pytest.raises(MallBusy, match=f"pid {holder.pid}"):
                with hold(store, "mall_a", "second"):
                    pass
            holder.send_signal(signal.SIGKILL)
            holder.wait(timeout=30)
            with hold(store, "mall_a", "second"):
                pass
    finally:
        if holder.poll() is None:
            holder.kill()
