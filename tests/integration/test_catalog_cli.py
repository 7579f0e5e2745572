"""`cafe24-pipeline sync catalog` / `sync inventory` as a user runs them: a real process, the sandbox
over HTTP, a persistent Dagster home, the store file; output names fetched/stored/skipped."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.integration.catalog_support import MALL, make_world, sandbox_truth

pytestmark = pytest.mark.slow  # starts the CLI (and Dagster) in child processes


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cafe24_pipeline.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_sync_catalog_and_inventory_commands(sandbox_factory, tmp_path, monkeypatch):
    server = sandbox_factory(malls=[MALL], products=12, orders=0, duplicate_sku_pairs=1)
    world = make_world(server, f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path, monkeypatch)
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home"), "CAFE24_MALL_ID": MALL, "COLUMNS": "200"}

    full = _cli(["sync", "catalog", "--full"], env)
    assert full.returncode == 0, full.stdout + full.stderr
    truth = sandbox_truth(server)
    assert "cafe24/products" in full.stdout and f"fetched {truth.products:>6}" in full.stdout
    assert "SKU conflicts open" in full.stdout
    assert world.count("cafe24_products") == truth.products

    again = _cli(["sync", "catalog"], env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "unchanged" in again.stdout

    nos = world.store.read_table("cafe24_products", {"mall_id": MALL})["product_no"].head(1).to_list()
    one = _cli(["sync", "catalog", "--product-no", str(nos[0])], env)
    assert one.returncode == 0, one.stdout + one.stderr

    inv = _cli(["sync", "inventory"], env)
    assert inv.returncode == 0, inv.stdout + inv.stderr
    assert world.count("cafe24_inventory_snapshots") == truth.distinct_variant_codes

    status = _cli(["status"], env)
    assert status.returncode == 0, status.stdout + status.stderr
    open_conflicts = world.store.read_table("sku_conflicts", {"mall_id": MALL}).height
    assert open_conflicts > 0
    assert "open SKU conflicts" in status.stdout
    backlog_line = next(
        line
        for line in status.stdout.splitlines()
        if line.strip().startswith(f"│ {MALL}") and "SKU" not in line and line.rstrip("│ ").endswith(str(open_conflicts))
    )
    assert backlog_line

    both = _cli(["sync", "catalog", "--full", "--product-no", "1"], env)
    assert both.returncode == 2

    # a mall that was never connected is refused before any run: exit 2, one line naming the fix
    other = _cli(["sync", "catalog", "--mall", "othermall"], env)
    assert other.returncode == 2
    assert "not connected" in other.stderr and "cafe24-pipeline connect othermall" in other.stderr
    assert "Traceback" not in other.stdout + other.stderr

    everything = _cli(["sync", "all"], env)
    assert everything.returncode == 0, everything.stdout + everything.stderr
    out = everything.stdout
    assert (
        out.index("catalog_incremental_job")
        < out.index("inventory_snapshot_job")
        < out.index("orders_new_job")
        < out.index("order_status_job")
    )
    assert "sync all: shopa" in out or "sync all:" in out
    assert "sync all: OK" in out


def test_a_malformed_product_is_named_with_its_reason_and_the_rest_is_stored(sandbox_factory, tmp_path, monkeypatch):
    server = sandbox_factory(malls=[MALL], products=8, orders=0)
    world = make_world(server, f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path, monkeypatch)
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home"), "CAFE24_MALL_ID": MALL, "COLUMNS": "200"}
    # every products page read returns one record with an unreadable price (both shops of the mall)
    world.fault(kind="malformed", path="products", method="GET", field="price", value="not-a-price", count=2)
    run = _cli(["sync", "catalog", "--full"], env)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out  # the rest was stored: not a failure
    assert "malformed record(s) left out" in out and "OK, with warnings" in out
    named = re.findall(r"product (\d+): price: expected a decimal amount, got 'not-a-price'", out)
    assert named, out  # the record's id and the reason, as the step's warning
    truth = sandbox_truth(server)
    assert 0 < world.count("cafe24_products") < truth.products + 2
