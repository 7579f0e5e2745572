"""The listing jobs and the inbox sensor in Dagster, against the sandbox over HTTP."""

from __future__ import annotations

import os
import time

import dagster as dg
import pytest

from cafe24_pipeline.assets.catalog import catalog_assets
from cafe24_pipeline.assets.listing import BULK_OP, listing_assets, listing_jobs
from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.sensors.listing import build_bulk_inbox_sensor, inbox_requests
from cafe24_pipeline.settings import Settings
from cafe24_pipeline.store.listing import ListingTables
from cafe24_pipeline.sync.listing_inbox import inbox_path
from tests.fixtures.sandbox import sandbox_client
from tests.integration.catalog_support import MALL, make_world
from tests.integration.listing_support import fill_template, single, variant


@pytest.fixture()
def world(sandbox_factory, tmp_path, monkeypatch):
    server = sandbox_factory(malls=[MALL], products=10, orders=0)
    monkeypatch.setenv("CAFE24_BULK_INBOX", str(tmp_path / "inbox"))
    world = make_world(server, f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path, monkeypatch)
    assert world.run("catalog_job", mode="full").success
    world.defs = dg.Definitions(
        assets=[*catalog_assets, *listing_assets],
        jobs=listing_jobs,
        resources={
            "store": StoreResource(database_url=world.settings.database_url),
            "cafe24": Cafe24Resource(database_url=world.settings.database_url, max_calls_per_second=50.0),
        },
    )
    return world


def _by_code(world, code: str) -> list[dict]:  # noqa: ANN001
    with sandbox_client(world.server, MALL) as http:
        body = http.get("products", params={"custom_product_code": code, "embed": "variants", "limit": 100}).json()
    return [p for p in body["products"] if p["custom_product_code"] == code]


def _run(world, job: str, config: dict) -> dg.ExecuteInProcessResult:  # noqa: ANN001
    return world.defs.resolve_job_def(job).execute_in_process(
        instance=world.instance, partition_key=MALL, run_config=config, raise_on_error=False
    )


def _metadata(result: dg.ExecuteInProcessResult) -> dict:
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            return {k: getattr(v, "value", v) for k, v in event.event_specific_data.materialization.metadata.items()}
    return {}


def test_bulk_upload_job_takes_the_path_as_config(world, tmp_path):
    path = fill_template(tmp_path / "job.xlsx", [single("JOB-1"), variant("J-RED-S", "JOB-TS", "빨강", "S")])
    result = _run(world, "bulk_upload_job", {"ops": {BULK_OP: {"config": {"path": str(path)}}}})
    assert result.success
    meta = _metadata(result)
    assert meta["rows_created"] == 2 and meta["products_created"] == 2 and meta["status"] == "applied"
    assert (tmp_path / "job.result.xlsx").exists()
    assert len(_by_code(world, "JOB-TS")) == 1
    upload = ListingTables(world.store).upload(meta["upload_id"])
    assert upload["status"] == "applied" and upload["total_rows"] == 2

    missing = _run(world, "bulk_upload_job", {"ops": {BULK_OP: {"config": {"path": str(tmp_path / "no.xlsx")}}}})
    assert not missing.success


def test_product_add_job_run_config_is_the_product(world):
    config = {
        "sku": "LP-1",
        "name": "런치패드 상품",
        "price": 9900,
        "mrp": 12000,
        "stock": 3,
        "options": ["Color=Red,Blue"],
        "display": True,
        "selling": True,
    }
    result = _run(world, "product_add_job", {"ops": {"oms_product_add": {"config": config}}})
    assert result.success
    [product] = _by_code(world, "LP-1")
    assert {v["custom_variant_code"] for v in product["variants"]} == {"LP-1-Red", "LP-1-Blue"}
    assert _metadata(result)["rows_created"] == 2

    bad = _run(
        world,
        "product_add_job",
        {"ops": {"oms_product_add": {"config": {"sku": "LP-2", "name": "x", "price": 10000, "mrp": 9000}}}},
    )
    assert not bad.success
    failure = next(e for e in bad.all_events if e.event_type_value == "STEP_FAILURE")
    assert "MRP 9,000 is lower than the selling price 10,000" in failure.step_failure_data.error.message
    assert _by_code(world, "LP-2") == []


def test_inbox_sensor_uploads_dropped_files_and_moves_them(world, tmp_path):
    settings = Settings.from_env()
    inbox = inbox_path(settings)
    folder = inbox / MALL
    folder.mkdir(parents=True)
    good = fill_template(folder / "spring.xlsx", [single("INBOX-1"), single("INBOX-2")])
    broken = folder / "broken.xlsx"
    broken.write_text("sku,name\nA,B\n")
    (folder / "~$spring.xlsx").write_bytes(b"lock")  # Excel's lock file: ignored
    old = time.time() - 60
    for path in (good, broken):
        os.utime(path, (old, old))

    requests, _ = inbox_requests(settings, {MALL})
    assert sorted(r.run_config["ops"][BULK_OP]["config"]["path"] for r in requests) == sorted([str(broken), str(good)])
    again, _ = inbox_requests(settings, {MALL})
    assert [r.run_key for r in again] == [r.run_key for r in requests]  # the same files: the same run keys
    assert inbox_requests(settings, set())[0] == []  # a mall not connected gets nothing

    sensor = build_bulk_inbox_sensor(settings)
    evaluated = sensor(dg.build_sensor_context(instance=world.instance))
    assert len(evaluated) == 2

    for request in requests:
        result = _run(world, "bulk_upload_job", request.run_config)
        assert result.success == (request.run_config["ops"][BULK_OP]["config"]["path"] == str(good))
    assert (folder / "done" / "spring.xlsx").exists() and (folder / "done" / "spring.result.xlsx").exists()
    assert (folder / "failed" / "broken.xlsx").exists()
    assert "is a CSV" in (folder / "failed" / "broken.error.txt").read_text()
    assert not good.exists() and not broken.exists()
    assert len(_by_code(world, "INBOX-1")) == 1
    assert inbox_requests(settings, {MALL})[0] == []  # nothing left to upload


def test_a_file_whose_mall_is_busy_stays_in_the_inbox_for_the_next_tick(world, tmp_path):
    from cafe24_pipeline.sync.lease import hold

    settings = Settings.from_env()
    folder = inbox_path(settings) / MALL
    folder.mkdir(parents=True)
    path = fill_template(folder / "busy.xlsx", [single("BUSY-1")])
    old = time.time() - 60
    os.utime(path, (old, old))
    [request] = inbox_requests(settings, {MALL})[0]
    with hold(world.store, MALL, "a catalogue sync"):
        result = _run(world, "bulk_upload_job", request.run_config)
    assert not result.success and path.exists() and not (folder / "failed").exists()
    [retry] = inbox_requests(settings, {MALL}, now=time.time() + 60)[0]
    assert retry.run_key != request.run_key  # a new drop: the sensor launches it again
    assert _run(world, "bulk_upload_job", retry.run_config).success
    assert (folder / "done" / "busy.xlsx").exists() and len(_by_code(world, "BUSY-1")) == 1
