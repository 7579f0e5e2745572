"""Two status syncs of one mall at the same time, in two processes, on PostgreSQL (READ COMMITTED):
every observed change of an item's status is recorded exactly once. The fault probe saw 14 changes
recorded 28 times; the unique `transition_key` of the history makes the second writer a no-op.
The syncs here call the sync core directly (no lease), so the key alone is what is tested."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.integration.orders_support import minutes_ago, orders_env

pytestmark = pytest.mark.slow

_WORKER = r"""
import sys, time
from pathlib import Path
from cafe24_pipeline.cafe24.governor import GovernorConfig
from cafe24_pipeline.cafe24.options import ClientOptions
from cafe24_pipeline.mall_access import open_client
from cafe24_pipeline.settings import Settings
from cafe24_pipeline.store import Store
from cafe24_pipeline.sync.orders import OrderSync

base = Path(sys.argv[1])
settings = Settings.from_env()
store = Store.open(settings.database_url)
fast = ClientOptions(governor=GovernorConfig(leak_rate=200.0, max_calls_per_second=500.0, headroom=0))
with open_client(settings, store, sys.argv[2], options=fast) as client:
    sync = OrderSync(store, client, sys.argv[2])
    sync.shop_nos()
    (base / f"ready-{sys.argv[3]}").touch()
    while not (base / "go").exists():
        time.sleep(0.002)
    report = sync.sync_status_changes()
print(report.history_rows, report.stored_items)
"""


def test_two_concurrent_status_syncs_record_each_change_once(tmp_path, postgres_schema_url):
    with orders_env(tmp_path, postgres_schema_url, orders=60) as env:
        with env.sync() as sync:
            sync.initial_import()
        created = env.control(
            "POST",
            "/orders",
            {
                "count": 14,
                "status": "N20",
                "shop_no": 1,
                "order_date": minutes_ago(env, 20),
                "items": [{"product_no": 1, "quantity": 1}],
            },
        )["orders"]
        with env.sync() as sync:
            sync.sync_new_orders()
        history_before = env.store.row_counts()["cafe24_order_status_history"]
        for order in created:
            env.control("POST", f"/orders/{order['order_id']}/status", {"status": "N30"})

        # slow order reads: both processes read the items before either writes (the probe's race)
        httpx.post(
            f"{env.server.base_url}/_sandbox/faults",
            json={"kind": "latency", "path": "orders*", "latency_ms": 400, "count": 1000},
        ).raise_for_status()
        vars_ = {k: v for k, v in os.environ.items() if not k.startswith("CAFE24_")}
        vars_.update(
            CAFE24_PIPELINE_HOME=str(env.settings.home),
            CAFE24_PIPELINE_DATABASE_URL=postgres_schema_url,
            CAFE24_API_BASE_URL=env.settings.api_base_url,
            CAFE24_CLIENT_ID=env.settings.client_id,
            CAFE24_CLIENT_SECRET=env.settings.client_secret,
        )
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _WORKER, str(tmp_path), env.mall, str(n)],
                env=vars_,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(2)
        ]
        deadline = time.monotonic() + 120
        while len(list(tmp_path.glob("ready-*"))) < 2:
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs), [
                p.communicate()[1][-2000:] for p in procs if p.poll() is not None
            ]
            time.sleep(0.02)
        (tmp_path / "go").touch()
        outputs = [p.communicate(timeout=300) for p in procs]
        assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outputs]

        codes = [i["order_item_code"] for o in created for i in o["items"]]
        rows = env.store.read(
            "select order_item_code, old_status, new_status from cafe24_order_status_history "
            "where mall_id = :m and new_status = 'N30'",
            {"m": env.mall},
        )
        recorded = [r["order_item_code"] for r in rows.iter_rows(named=True) if r["order_item_code"] in codes]
        assert sorted(recorded) == sorted(codes)  # each of the 14 changes once, none twice
        assert env.store.row_counts()["cafe24_order_status_history"] - history_before == len(codes)
        written = [tuple(int(x) for x in out.split()) for out, _ in outputs]  # (history rows, items stored)
        assert sum(h for h, _ in written) == len(codes)
        # when both processes saw the change (both stored the items), the key alone kept it once
        print("per process (history rows, items stored):", written)
