"""`cafe24-pipeline webhooks serve` as a real process on a free loopback port, fed by the sandbox's webhooks:
orders placed, status changes and stock changes reach the tables without any poll, in webhook_drain_job
runs recorded on the Dagster instance; duplicated and reordered deliveries are stored once; forged,
unauthenticated, oversized and malformed requests are rejected with nothing written; our own push echo
costs no re-fetch; a delivery that failed is recovered by `webhooks sweep`. Missing key → one line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import httpx
import polars as pl
import pytest
from typer.testing import CliRunner

from cafe24_pipeline.cli import app
from cafe24_pipeline.mall_access import open_client
from cafe24_pipeline.sync.push import PushConfig, Pusher
from tests.integration.catalog_support import MALL
from tests.integration.webhook_support import KEY, HookWorld, make_hook_world

pytestmark = pytest.mark.slow
BOUND = 60.0  # seconds: a failure guard, not a performance figure (benchmarks/webhook_latency.py measures)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, check: Callable[[], object], timeout: float = BOUND) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


class Serving:
    def __init__(self, port: int, log: Path, *args: str) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self._out = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cafe24_pipeline.cli", "webhooks", "serve", "--port", str(port), *args],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
            start_new_session=True,
        )
        wait_for("the receiver's /health", self._healthy)

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"webhooks serve exited {self.proc.returncode}: {self.log.read_text()}")
        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(f"{self.url}/webhooks/cafe24", content=body, headers=headers, timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                self._out.close()
                raise AssertionError(f"webhooks serve ignored Ctrl-C for 20 s:\n{self.log.read_text()[-2000:]}") from None
            assert "Stopping." in self.log.read_text(), self.log.read_text()[-2000:]
        self._out.close()


def _serve(sandbox_factory, database_url: str, tmp_path, monkeypatch) -> Iterator[tuple[HookWorld, Serving]]:
    world = make_hook_world(sandbox_factory, database_url, tmp_path, monkeypatch)
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("CAFE24_WEBHOOK_KEY", KEY)
    monkeypatch.setenv("CAFE24_WEBHOOK_RETRY_SECONDS", "2")
    monkeypatch.setenv("CAFE24_MALL_ID", MALL)
    monkeypatch.setenv("COLUMNS", "200")
    serving = Serving(free_port(), tmp_path / "serve.log")
    world.hooks(url=f"{serving.url}/webhooks/cafe24")
    try:
        yield world, serving
    finally:
        serving.stop()


@pytest.fixture()
def served(sandbox_factory, tmp_path, monkeypatch) -> Iterator[tuple[HookWorld, Serving]]:
    yield from _serve(sandbox_factory, f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path, monkeypatch)


@pytest.fixture()
def served_on_each_store(sandbox_factory, store_url, tmp_path, monkeypatch) -> Iterator[tuple[HookWorld, Serving]]:
    yield from _serve(sandbox_factory, store_url, tmp_path, monkeypatch)


def _statuses(w: HookWorld, order_id: str) -> set[str]:
    return {i["order_status"] for i in w.items(order_id)}


def _drained(w: HookWorld) -> bool:
    return bool(w.inbox()) and all(r["status"] != "pending" for r in w.inbox())


def test_orders_status_and_stock_arrive_without_polling_in_dagster_runs(served_on_each_store):
    w, serving = served_on_each_store
    made = w.place_order("N10")
    order_id = made["order_id"]
    wait_for("the placed order in cafe24_order_items", lambda: _statuses(w, order_id) == {"N10"})
    assert w.store.read_table("oms_orders", {"mall_id": MALL, "order_id": order_id}).height == 1
    w.control("POST", f"orders/{order_id}/status", {"status": "N30"})
    wait_for("the status change", lambda: _statuses(w, order_id) == {"N30"})
    oms_items = w.store.read_table("oms_order_items", {"mall_id": MALL, "order_id": order_id})
    assert set(oms_items["status"].to_list()) == {"In_transit"}  # the OMS side follows (DESIGN.md §6)
    variant = w.store.read_table("cafe24_variants", {"mall_id": MALL, "shop_no": 1}).sort("variant_code").row(0, named=True)
    w.control(
        "PUT", f"products/{variant['product_no']}", {"variants": [{"variant_code": variant["variant_code"], "quantity": 0}]}
    )
    wait_for(
        "the stock change",
        lambda: (
            w.store.read_table("cafe24_variants", {"mall_id": MALL, "shop_no": 1, "variant_code": variant["variant_code"]})[
                "quantity"
            ].to_list()
            == [0]
        ),
    )
    assert w.store.get_sync_state(MALL, "orders.new") is None  # no poll ran: the events did it all
    instance = dg.DagsterInstance.from_config(os.environ["DAGSTER_HOME"])
    try:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name="webhook_drain_job"))
        assert runs and {r.tags.get("cafe24/mall_id") for r in runs} == {MALL}
        assert any(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    finally:
        instance.dispose()
    log = serving.log.read_text()
    assert KEY not in log and "buyer" not in log


def test_duplicated_and_reordered_deliveries_are_stored_once(served):
    w, _ = served
    w.hooks(duplicate_rate=1.0, hold=True)
    order_id = w.place_order("N10")["order_id"]
    w.control("POST", f"orders/{order_id}/status", {"status": "N20"})
    w.control("POST", f"orders/{order_id}/status", {"status": "N30"})
    w.release("reverse")
    logs = w.settle()
    delivered = [log for log in logs if order_id in str(log.get("request_body"))]
    wait_for("every event processed", lambda: _drained(w) and _statuses(w, order_id) == {"N30"})
    ours = [r for r in w.inbox() if r["event_no"] in (90023, 90024)]
    assert len(delivered) == 2 * len(ours)  # each event delivered twice, kept once
    assert w.store.read_table("cafe24_orders", {"mall_id": MALL, "order_id": order_id}).height == 1
    history = w.store.read_table("cafe24_order_status_history", {"mall_id": MALL, "order_id": order_id})
    assert history.group_by("order_item_code", "new_status").len()["len"].max() == 1


def test_forged_unauthenticated_oversized_and_malformed_requests_store_nothing(served):
    w, serving = served
    w.hooks(key="forged-key-0000")
    order_id = w.place_order("N20")["order_id"]
    logs = w.settle()
    assert {log["response_http_code"] for log in logs if order_id in str(log.get("request_body"))} == {403}
    body = b'{"event_no": 90023, "resource": {"mall_id": "shopa", "order_id": "%s"}}' % order_id.encode()
    assert serving.post(body, {"Content-Type": "application/json"}).status_code == 401
    assert serving.post(b"{" + b" " * 300_000 + b"}", {"X-API-Key": KEY}).status_code == 413
    assert serving.post(b"not json", {"X-API-Key": KEY}).status_code == 400
    assert serving.post(b'{"event_no": 90023, "resource": {}}', {"X-API-Key": KEY}).status_code == 400
    assert w.inbox() == [] and w.items(order_id) == []
    log = serving.log.read_text()
    assert "forged-key-0000" not in log and "rejected (403 wrong X-API-Key)" in log


def test_our_own_push_echoed_back_costs_no_refetch(served):
    w, _ = served
    row = (
        w.store.read_table("oms_listings", {"mall_id": MALL})
        .join(w.store.read_table("oms_products"), on="sku")
        .sort("product_no")
        .row(0, named=True)
    )
    product = w.store.read_table("oms_products").filter(pl.col("sku") == row["sku"])
    w.store.upsert("oms_products", product.with_columns(pl.lit(0).alias("stock")))
    with open_client(w.world.settings, w.store, MALL) as client:
        Pusher(w.store, client, MALL, config=PushConfig.from_settings(w.world.settings, kinds=("stock",))).run()
    w.settle()
    wait_for("the echoes processed", lambda: _drained(w))
    assert {r["event_no"] for r in w.inbox()} <= {90002, 90075}
    assert {r["status"] for r in w.inbox()} == {"echo"}


def test_a_failed_delivery_is_recovered_by_the_sweep(served):
    w, _ = served
    w.hooks(fail=True, fail_status=503)
    order_id = w.place_order("N20")["order_id"]
    logs = w.settle()
    assert {log["success"] for log in logs if order_id in str(log.get("request_body"))} == {"F"}
    assert w.items(order_id) == []
    w.hooks(fail=False)
    result = CliRunner().invoke(app, ["webhooks", "sweep", "--mall", MALL])
    assert result.exit_code == 0, result.output
    assert "recovered" in result.output and "Traceback" not in result.output
    wait_for("the recovered order", lambda: _statuses(w, order_id) == {"N20"})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "CAFE24_WEBHOOK_KEY"),
        ({"CAFE24_WEBHOOK_KEY": KEY, "CAFE24_WEBHOOK_RETRY_SECONDS": "soon"}, "CAFE24_WEBHOOK_RETRY_SECONDS must be a number"),
        ({"CAFE24_WEBHOOK_KEY": KEY, "CAFE24_WEBHOOK_VERIFY_HMAC": "true"}, "needs CAFE24_CLIENT_SECRET"),
        ({"CAFE24_WEBHOOK_KEY": KEY, "CAFE24_WEBHOOK_MAX_BODY_BYTES": "10"}, "CAFE24_WEBHOOK_MAX_BODY_BYTES must be between"),
    ],
)
def test_serve_refuses_bad_configuration_with_one_line(monkeypatch, tmp_path, env, message):
    for name in (
        "CAFE24_WEBHOOK_KEY",
        "CAFE24_CLIENT_SECRET",
        "CAFE24_WEBHOOK_RETRY_SECONDS",
        "CAFE24_WEBHOOK_VERIFY_HMAC",
        "CAFE24_WEBHOOK_MAX_BODY_BYTES",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CAFE24_PIPELINE_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "300")
    result = CliRunner().invoke(app, ["webhooks", "serve", "--port", str(free_port())])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert KEY not in result.output
