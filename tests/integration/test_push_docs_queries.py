"""The push_log queries of docs/push.md run unchanged on SQLite and PostgreSQL after a real push."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl

from tests.integration.push_support import push_world

DOC = Path(__file__).resolve().parents[2] / "docs" / "push.md"


def test_documented_push_log_queries_run_on_both_stores(tmp_path, store_url):
    queries = re.findall(r"```sql\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(queries) == 2
    with push_world(tmp_path, store_url) as world:
        linked = world.store.read_table("oms_listings", {"mall_id": world.mall})
        sku = linked["sku"][0]
        world.set(sku, stock=77)
        assert world.push().details["variants"] == 1
        since = datetime.now(timezone.utc) - timedelta(days=1)
        failures = world.store.read(queries[0], {"since": since})
        assert failures.height == 0 and "error" in failures.columns
        history = world.store.read(queries[1], {"mall": world.mall, "sku": sku})
        assert history.height >= 1 and history["result"].to_list()[0] == "success"
        assert '"quantity": 77' in history.filter(pl.col("kind") == "stock")["sent"][0]
