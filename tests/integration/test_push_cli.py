"""`cafe24-pipeline oms set|delete` and `push … [--dry-run]` as an operator runs them, and the push sensor's
decision, against the sandbox over HTTP (the CLI in process, on a persistent Dagster home)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import polars as pl
import pytest
from typer.testing import CliRunner

from cafe24_pipeline.cli import app
from cafe24_pipeline.partitions import MALLS_PARTITION_NAME
from cafe24_pipeline.sensors.push import evaluate
from tests.fixtures.sandbox import sandbox_client
from tests.integration.catalog_support import MALL, cli_world

runner = CliRunner()


@pytest.fixture()
def world(sandbox_factory, tmp_path, monkeypatch):
    return cli_world(sandbox_factory, tmp_path, monkeypatch)


def _sku(world, *, single: bool = True) -> dict:  # noqa: ANN001
    listings = world.store.read_table("oms_listings", {"mall_id": MALL})
    rows = listings.join(world.store.read_table("oms_products"), on="sku")
    rows = rows.filter(pl.col("parent_sku").is_null() == single)
    return rows.sort("product_no").row(0, named=True)


def _cafe24(world, product_no: int) -> httpx.Response:  # noqa: ANN001
    with sandbox_client(world.server, MALL) as http:
        return http.get(f"products/{product_no}", params={"embed": "variants"})


def _writes(world) -> int:  # noqa: ANN001
    return world.control("GET", "stats")["total_writes"]


def test_oms_set_refuses_bad_input_with_one_line(world):
    sku = _sku(world)["sku"]
    cases = {
        ("oms", "set", "NO-SUCH-SKU", "--stock", "1"): "not in the OMS master",
        ("oms", "set", sku, "--stock", "-1"): "--stock must be 0 or more",
        ("oms", "set", sku, "--price", "abc"): "--price must be an amount",
        ("oms", "set", sku, "--price", "100.5"): "whole won",
        ("oms", "set", sku, "--price", "20000", "--mrp", "10000"): "lower than the selling price",
        ("oms", "set", sku): "nothing to change",
    }
    for args, message in cases.items():
        result = runner.invoke(app, list(args))
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and "Traceback" not in result.output


def test_dry_run_then_push_then_nothing_left(world):
    row = _sku(world)
    ok = runner.invoke(app, ["oms", "set", row["sku"], "--stock", "42", "--price", "23000", "--mrp", "30000"])
    assert ok.exit_code == 0, ok.output
    before = _writes(world)
    dry = runner.invoke(app, ["push", "all", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert row["sku"] in dry.output and "42" in dry.output and "Nothing was sent" in dry.output
    assert _writes(world) == before and world.store.read_table("push_log").height == 0

    pushed = runner.invoke(app, ["push", "all"])
    assert pushed.exit_code == 0, pushed.output
    assert "run " in pushed.output and "products 1" in pushed.output and "failures 0" in pushed.output
    product = _cafe24(world, row["product_no"]).json()["product"]
    assert Decimal(product["price"]) == Decimal("23000") and Decimal(product["retail_price"]) == Decimal("30000")
    assert product["variants"][0]["quantity"] == 42 or product["variants"][0]["inventories"]["quantity"] == 42
    log = world.store.read_table("push_log")
    assert log.height >= 2 and log["run_id"].null_count() == 0

    again = runner.invoke(app, ["push", "all"])
    assert again.exit_code == 0 and "products 0" in again.output
    nothing = runner.invoke(app, ["push", "all", "--dry-run"])
    assert "Nothing to push" in nothing.output


def test_push_refuses_an_unknown_mall_at_once(world):
    from cafe24_pipeline.commands.dagster_runs import local_instance
    from cafe24_pipeline.settings import Settings

    result = runner.invoke(app, ["push", "stock", "--mall", "nosuchmall"])
    assert result.exit_code == 2 and "not connected" in result.output
    instance = local_instance(Settings.from_env())
    try:
        assert "nosuchmall" not in instance.get_dynamic_partitions(MALLS_PARTITION_NAME)
    finally:
        instance.dispose()


def test_oms_delete_asks_then_deletes_on_cafe24_and_logs_it(world):
    row = _sku(world)
    no = runner.invoke(app, ["oms", "delete", row["sku"]], input="n\n")
    assert no.exit_code == 1 and _cafe24(world, row["product_no"]).status_code == 200
    yes = runner.invoke(app, ["oms", "delete", row["sku"], "--yes"])
    assert yes.exit_code == 0, yes.output
    assert _cafe24(world, row["product_no"]).status_code == 404
    log = world.store.read_table("push_log").filter(pl.col("kind") == "delete")
    assert log["result"].to_list() == ["success"] and log["sku"].to_list() == [row["sku"]]


def test_sensor_requests_one_run_per_diff_and_skips_malls_needing_reauth(world):
    from datetime import datetime, timezone

    row = _sku(world)
    now = datetime.now(timezone.utc)
    requests, notes, cursor = evaluate(world.store, [MALL], {}, now)
    assert requests == [] and notes == []
    world.store.engine.dispose()
    assert runner.invoke(app, ["oms", "set", row["sku"], "--stock", "5"]).exit_code == 0
    first, _, cursor = evaluate(world.store, [MALL], cursor, now)
    again, _, _ = evaluate(world.store, [MALL], {}, now)
    assert len(first) == 1 and first[0].run_key == again[0].run_key and first[0].partition_key == MALL
    unchanged, _, _ = evaluate(world.store, [MALL], cursor, now)
    assert unchanged == []  # nothing moved since the last tick: not even a diff
    connections = world.store.table("connections")
    with world.store.transaction() as conn:
        conn.execute(connections.update().values(status="reauth_required"))
    skipped, notes, _ = evaluate(world.store, [MALL], {}, now)
    assert skipped == [] and "reauth_required" in notes[0]
