"""`cafe24-pipeline orders …` and `mall set` as an operator runs them (the Dagster jobs in process on a
persistent home), and the WMS sensor's requests."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cafe24_pipeline.cli import app
from cafe24_pipeline.mall_access import open_client
from cafe24_pipeline.sensors.wms import wms_requests
from cafe24_pipeline.store.fulfilment import FulfilmentTables
from cafe24_pipeline.sync.orders import OrderSync
from tests.integration.catalog_support import MALL, cli_world

runner = CliRunner()


@pytest.fixture()
def world(sandbox_factory, tmp_path, monkeypatch):
    return cli_world(sandbox_factory, tmp_path, monkeypatch, columns=250)


def _order(world) -> tuple[str, str]:  # noqa: ANN001
    linked = (
        world.store.read_table("oms_listings", {"mall_id": MALL})
        .join(world.store.read_table("oms_products"), on="sku")
        .filter((pl.col("stock") > 2) & pl.col("active"))
    )
    variant = linked.sort("product_no").row(0, named=True)
    order = world.control("POST", "orders", {"items": [{"variant_code": variant["variant_code"]}], "status": "N10"})
    with open_client(world.settings, world.store, MALL) as client:
        OrderSync(world.store, client, MALL).sync_new_orders()
    return order["orders"][0]["order_id"], order["orders"][0]["items"][0]["order_item_code"]


def test_ready_to_ship_prints_tracking_and_label_then_cancel_is_refused(world):
    order_id, code = _order(world)
    done = runner.invoke(app, ["orders", "ready-to-ship", order_id])
    assert done.exit_code == 0, done.output
    tracking = re.search(r"tracking (\d+)", done.output).group(1)
    label = Path(re.search(r"label (\S+\.pdf)", done.output).group(1))
    assert label.exists() and label.is_relative_to(world.settings.home)
    refused = runner.invoke(app, ["orders", "cancel", order_id])
    assert refused.exit_code == 1 and "can no longer be cancelled" in refused.output
    shipped = runner.invoke(app, ["orders", "ship", order_id])
    assert shipped.exit_code == 0, shipped.output
    items = world.store.read_table("oms_order_items", {"mall_id": MALL, "order_id": order_id})
    assert items.select("status", "tracking_number").row(0) == ("In_transit", tracking)
    unknown = runner.invoke(app, ["orders", "ship", "20990101-0000001"])
    assert unknown.exit_code == 1 and "not in the store" in unknown.output


def test_mall_set_validates_and_channel_mode_reads_the_channels_tracking(world):
    assert runner.invoke(app, ["mall", "set", MALL, "--shipping", "plane"]).exit_code == 2
    assert runner.invoke(app, ["mall", "set", MALL, "--carrier", "pigeon"]).exit_code == 2
    assert runner.invoke(app, ["mall", "set", "nosuchmall", "--shipping", "self"]).exit_code == 2
    ok = runner.invoke(app, ["mall", "set", MALL, "--shipping", "channel"])
    assert ok.exit_code == 0 and "shipping channel" in ok.output
    order_id, code = _order(world)
    waiting = runner.invoke(app, ["orders", "ready-to-ship", order_id])
    assert waiting.exit_code == 1 and "has not registered a tracking number" in waiting.output
    world.control(
        "POST", f"orders/{order_id}/shipments", {"tracking_no": "NAVER0001", "shipping_company_code": "0006", "status": "standby"}
    )
    done = runner.invoke(app, ["orders", "ready-to-ship", order_id])
    assert done.exit_code == 0 and "tracking NAVER0001" in done.output


def test_wms_sensor_requests_one_run_per_mall_for_picked_events(world):
    order_id, code = _order(world)
    tables = FulfilmentTables(world.store)
    tables.add_wms_event(MALL, order_id, at=datetime.now(timezone.utc))
    [request] = wms_requests(world.store)
    assert request.partition_key == MALL and request.run_key.startswith(f"wms:{MALL}:")
    config = request.run_config["ops"]["oms_fulfilment"]["config"]
    assert config["order_ids"] == [order_id] and config["actor"] == "wms"
    from cafe24_pipeline.commands.job_report import run_mall_job

    result = run_mall_job(world.settings, MALL, "ready_to_ship_job", run_config=request.run_config)
    assert result.success
    assert wms_requests(world.store) == []
    assert FulfilmentTables(world.store).transitions(MALL, order_id)["actor"].to_list() == ["wms"]
