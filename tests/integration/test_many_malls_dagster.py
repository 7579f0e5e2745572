"""Three malls synced side by side through Dagster's run queue, as in production.

Real parts only: one sandbox serving three malls over HTTP (a 10-call bucket draining 2 calls/s per
mall, so the client's rate governor has to pace itself), the production `deploy/dagster.yaml`
(dagster-postgres storage in a fresh PostgreSQL database, the QueuedRunCoordinator with its
one-run-per-mall limits and the `cafe24_api` pool), `dagster-daemon run` in a subprocess taking the
runs off the queue and launching each in its own process, `dagster job launch` submitting them, the
pipeline's store in PostgreSQL, and the `cafe24-pipeline` CLI.

Shown: every mall's orders arrive, no call is ever answered 429 (each mall stays inside its own
bucket), the three malls' runs overlap in time (different malls in parallel), a second run for a
mall waits in the queue until the first has finished (one run per mall), and a CLI-started sync of a
mall whose queued run is working is refused by the per-mall lease with a one-line reason.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from cafe24_pipeline.mall_access import connect as connect_mall
from cafe24_pipeline.assets.orders import MODE_NEW
from cafe24_pipeline.schedules.orders import poll_config, today_partition
from cafe24_pipeline.settings import Settings
from cafe24_pipeline.store import Store
from cafe24_sandbox.config import SandboxConfig
from cafe24_sandbox.server import SandboxServer
from tests.integration.orders_support import REDIRECT, authorization_code

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MALLS = ["malla", "mallb", "mallc"]
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}


# `dagster job launch` does not resolve a partitioned job's config for the partition (a schedule's
# RunRequest does), so the poll's mode is given as the schedule's run would have it
NEW_ORDERS_CONFIG = json.dumps(poll_config(MODE_NEW))


def _run_tags(mall: str) -> str:
    """The tags the orders_new schedule gives a mall's run: today's mall × KST day partition."""
    key = today_partition(mall)
    return json.dumps(
        {
            "dagster/partition": str(key),
            "dagster/partition/mall": mall,
            "dagster/partition/day": key.keys_by_dimension["day"],
            "cafe24/mall_id": mall,
            "cafe24/trigger": "test",
        }
    )


def _launch_command(workspace: str, mall: str) -> list[str]:
    """`dagster job launch` of one mall's new-orders poll, submitted to the instance's run queue."""
    return [str(BIN / "dagster"), "job", "launch", "-w", workspace, "-j", "orders_new_job",
            "--config-json", NEW_ORDERS_CONFIG, "--tags", _run_tags(mall)]  # fmt: skip


def _wait(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture()
def instance_database(postgres_server_url):
    """A fresh PostgreSQL database for the Dagster instance (dagster-postgres owns its schema)."""
    name = f"dagster_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    url = sa.engine.make_url(postgres_server_url)
    try:
        yield {
            "DAGSTER_PG_HOST": url.host or "127.0.0.1",
            "DAGSTER_PG_PORT": str(url.port or 5432),
            "DAGSTER_PG_USER": url.username or "postgres",
            "DAGSTER_PG_PASSWORD": url.password or "",
            "DAGSTER_PG_DB": name,
        }
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


def test_three_malls_sync_concurrently_through_the_run_queue(tmp_path, monkeypatch, instance_database, postgres_schema_url):
    sandbox = SandboxServer(
        SandboxConfig(
            malls=MALLS, products=10, orders=60, order_days=60, seed=11, leak_rate=2.0, bucket_capacity=10, shops_per_mall=2
        )
    ).start()
    daemon = None
    store = Store.open(postgres_schema_url)
    try:
        home = tmp_path / "pipeline_home"
        settings = Settings(
            home=home,
            database_url=postgres_schema_url,
            api_base_url=sandbox.api_base_template,
            client_id=sandbox.client_id,
            client_secret=sandbox.client_secret,
            secret_key=None,
        )
        settings.ensure_home()
        for mall in MALLS:
            connect_mall(settings, store, mall, code=authorization_code(sandbox, mall), redirect_uri=REDIRECT)
        control = f"{sandbox.base_url}/_sandbox"
        for mall in MALLS:
            httpx.delete(f"{control}/{mall}/stats", timeout=10).raise_for_status()
        # mall A's first order list answers after 25 s (inside the client's 30 s timeout), so its run is
        # still working, holding the mall, when the CLI tries the same mall
        httpx.post(
            f"{control}/faults",
            json={"kind": "latency", "path": "orders", "method": "GET", "mall": "malla", "remaining": 1, "latency_ms": 25_000},
            timeout=10,
        ).raise_for_status()

        dagster_home = tmp_path / "dagster_home"
        dagster_home.mkdir()
        shutil.copy(ROOT / "deploy" / "dagster.yaml", dagster_home / "dagster.yaml")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CAFE24_", "DAGSTER_"))}
        env.update(instance_database)
        env.update(
            {
                "DAGSTER_HOME": str(dagster_home),
                "CAFE24_PIPELINE_HOME": str(home),
                "CAFE24_PIPELINE_DATABASE_URL": postgres_schema_url,
                "CAFE24_API_BASE_URL": sandbox.api_base_template,
                "CAFE24_CLIENT_ID": sandbox.client_id,
                "CAFE24_CLIENT_SECRET": sandbox.client_secret,
            }
        )

        from dagster import DagsterInstance, RunsFilter

        monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))  # for this process's own look at the instance
        for name, value in instance_database.items():
            monkeypatch.setenv(name, value)
        instance = DagsterInstance.get()
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        instance.add_dynamic_partitions("malls", MALLS)

        workspace = str(ROOT / "workspace.yaml")
        daemon_log = open(tmp_path / "daemon.log", "w")  # noqa: SIM115 - closed in finally
        daemon = subprocess.Popen(
            [str(BIN / "dagster-daemon"), "run", "-w", workspace],
            env=env,
            cwd=ROOT,
            stdout=daemon_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def launch(mall: str) -> None:
            done = subprocess.run(
                _launch_command(workspace, mall),
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=240,
                check=False,
            )
            assert done.returncode == 0, done.stderr[-2000:]

        launchers: list[subprocess.Popen] = []
        for mall in MALLS:  # the three submissions run side by side (each loads the code location)
            launchers.append(
                subprocess.Popen(
                    _launch_command(workspace, mall),
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        for p in launchers:
            out, _ = p.communicate(timeout=240)
            assert p.returncode == 0, out[-2000:]

        def runs_of(mall: str, trigger: str = "test"):
            tags = {"cafe24/mall_id": mall, "cafe24/trigger": trigger}
            return instance.get_run_records(RunsFilter(tags=tags), ascending=True)

        # a second run for mall A, submitted while the first is queued or running: it must wait
        first_a = _wait(lambda: runs_of("malla"), 60, "mall A's first run")[0]
        launch("malla")

        # while mall A's queued run holds the mall, a CLI sync of mall A is refused by the lease
        leases = store.table("mall_leases")
        holder = sa.select(leases.c.run_id).where(leases.c.mall_id == "malla")
        _wait(lambda: store.read(holder).height, 240, "mall A's queued run to take the mall's lease")
        assert store.read(holder)["run_id"][0] == first_a.dagster_run.run_id
        cli = subprocess.run(
            [str(BIN / "cafe24-pipeline"), "sync", "orders", "--mall", "malla"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        assert cli.returncode != 0
        cli_text = cli.stdout + cli.stderr
        assert "busy" in cli_text and "Traceback" not in cli_text, cli_text[-2000:]

        def all_done():
            records = [r for m in MALLS for r in runs_of(m)]
            return len(records) >= 4 and all(r.dagster_run.status.value in TERMINAL for r in records) and records

        records = _wait(all_done, 420, "every queued run to finish", interval=2)
        statuses = {(r.dagster_run.tags["cafe24/mall_id"], r.dagster_run.run_id): r.dagster_run.status.value for r in records}
        assert set(statuses.values()) == {"SUCCESS"}, (statuses, (tmp_path / "daemon.log").read_text()[-3000:])
        # the CLI's own run (in process, outside the queue) is the one that failed, on the lease
        (cli_run,) = runs_of("malla", trigger="cli")
        assert cli_run.dagster_run.status.value == "FAILURE"

        # different malls in parallel: the three first runs' windows overlap
        firsts = {m: runs_of(m)[0] for m in MALLS}
        assert max(r.start_time for r in firsts.values()) < min(r.end_time for r in firsts.values())
        # one run per mall: mall A's second run started only after its first had finished
        a_first, a_second = runs_of("malla")[:2]
        assert a_second.start_time >= a_first.end_time

        # every mall's orders arrived, and no call went past a bucket
        for mall in MALLS:
            stats = httpx.get(f"{control}/{mall}/stats", timeout=10).json()
            assert stats["throttled_429"] == 0, (mall, stats["statuses"])
            assert stats["total_calls"] > 10  # more than one bucket's worth: the pacing was exercised
            stored = store.read("select count(*) as n from cafe24_orders where mall_id = :m", {"m": mall})["n"][0]
            in_sandbox = len(sandbox.state.mall(mall).orders)
            assert stored == in_sandbox > 0
    finally:
        if daemon is not None:
            os.killpg(daemon.pid, signal.SIGINT)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait(timeout=10)
        store.close()
        sandbox.stop()
