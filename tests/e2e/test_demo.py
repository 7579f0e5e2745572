"""The main job end to end: `cafe24-pipeline demo` as a user runs it, in a subprocess.

Once on the default SQLite store with a local Dagster instance, and once in the production shape:
the store on PostgreSQL and the Dagster instance on PostgreSQL through deploy/dagster.yaml.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from cafe24_pipeline.store import Store

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "cafe24_pipeline.cli"]
DEMO_ARGS = ["demo", "--products", "40", "--orders", "80", "--leak-rate", "20"]


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAFE24_", "DAGSTER_"))}
    env["CAFE24_PIPELINE_HOME"] = str(home)
    env["COLUMNS"] = "200"
    return env


def _run_demo(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(CLI + DEMO_ARGS, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


def _assert_demo_output(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, f"demo failed:\nSTDOUT:\n{proc.stdout}\nSTDERR:\n{proc.stderr}"
    out = proc.stdout
    assert "Demo finished: every step succeeded." in out
    for step in ("Connect the mall", "Import the catalogue", "Import the last 90 days of orders"):
        assert f"ok {step}" in out, out
    assert "FAILED" not in out
    assert "sandbox-client-secret" not in out + proc.stderr, "the client secret must never be printed"


def _assert_store_filled(database_url: str) -> None:
    with Store.open(database_url) as store:
        counts = store.row_counts()
        assert counts["connections"] == 1
        for table in (
            "cafe24_categories",
            "cafe24_brands",
            "cafe24_products",
            "cafe24_variants",
            "oms_products",
            "oms_listings",
            "cafe24_orders",
            "cafe24_order_items",
        ):
            assert counts[table] > 0, f"{table} is empty after the demo"
        # 40 seeded products in each of the two shops.
        assert counts["cafe24_products"] == 80
        tokens = store.read("select access_token_enc, refresh_token_enc from oauth_tokens")
        assert tokens.height == 1
        # Stored encrypted: Fernet tokens, never the raw 22-char Cafe24 token.
        assert all(value.startswith("gAAAA") for value in tokens.row(0))


@pytest.mark.slow
def test_demo_on_default_sqlite_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    proc = _run_demo(_clean_env(home), tmp_path)
    _assert_demo_output(proc)
    _assert_store_filled(f"sqlite:///{home / 'store.sqlite3'}")

    # The runs live on the local instance that `make dev` opens.
    from dagster import DagsterInstance

    instance = DagsterInstance.from_config(str(home / "dagster_home"))
    try:
        job_names = {run.job_name for run in instance.get_runs()}
    finally:
        instance.dispose()
    assert {"catalog_job", "orders_new_job"} <= job_names

    # A second run on the same store is safe: same outcome, nothing duplicated.
    before = Store.open(f"sqlite:///{home / 'store.sqlite3'}")
    counts_before = before.row_counts()
    before.close()
    _assert_demo_output(_run_demo(_clean_env(home), tmp_path))
    with Store.open(f"sqlite:///{home / 'store.sqlite3'}") as store:
        counts_after = store.row_counts()
    for table in ("cafe24_products", "cafe24_variants", "oms_products", "cafe24_orders", "cafe24_order_items"):
        assert counts_after[table] == counts_before[table], table

    # `make dev`: the UI over the same instance shows the demo's runs.
    _assert_dev_ui_shows_runs(_clean_env(home), tmp_path)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _assert_dev_ui_shows_runs(env: dict[str, str], cwd: Path) -> None:
    ui_port = _free_port()
    cmd = CLI + ["dev", "--port", "0", "--ui-port", str(ui_port), "--products", "40", "--orders", "80"]
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    query = "{ runsOrError { ... on Runs { results { jobName status } } } }"
    jobs: set[str] = set()
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                response = httpx.post(f"http://127.0.0.1:{ui_port}/graphql", json={"query": query}, timeout=5)
                if response.status_code == 200:
                    jobs = {r["jobName"] for r in response.json()["data"]["runsOrError"]["results"]}
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            output = proc.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output = proc.communicate()[0]
    assert {"catalog_job", "orders_new_job"} <= jobs, f"the UI did not show the demo's runs:\n{output[-3000:]}"


@pytest.mark.slow
@pytest.mark.postgres
def test_demo_in_production_shape_on_postgresql(tmp_path: Path, postgres_schema_url: str, postgres_server_url: str) -> None:
    url = sa.engine.make_url(postgres_server_url)
    dagster_db = f"dagster_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{dagster_db}"'))
    try:
        home = tmp_path / "home"
        dagster_home = tmp_path / "dagster_home"
        dagster_home.mkdir()
        shutil.copy(REPO / "deploy" / "dagster.yaml", dagster_home / "dagster.yaml")
        env = _clean_env(home)
        env.update(
            CAFE24_PIPELINE_DATABASE_URL=postgres_schema_url,
            DAGSTER_HOME=str(dagster_home),
            DAGSTER_PG_HOST=url.host or "127.0.0.1",
            DAGSTER_PG_PORT=str(url.port or 5432),
            DAGSTER_PG_USER=url.username or "postgres",
            DAGSTER_PG_PASSWORD=url.password or "",
            DAGSTER_PG_DB=dagster_db,
        )
        proc = _run_demo(env, tmp_path)
        _assert_demo_output(proc)
        _assert_store_filled(postgres_schema_url)
        assert not (home / "store.sqlite3").exists(), "the PostgreSQL store must be used, not SQLite"
        engine = sa.create_engine(url.set(database=dagster_db))
        with engine.connect() as conn:
            jobs = {row[0] for row in conn.execute(sa.text("select pipeline_name from runs"))}
        engine.dispose()
        assert {"catalog_job", "orders_new_job"} <= jobs
    finally:
        with admin.connect() as conn:
            conn.execute(
                sa.text("select pg_terminate_backend(pid) from pg_stat_activity where datname = :db"), {"db": dagster_db}
            )
            conn.execute(sa.text(f'drop database if exists "{dagster_db}"'))
        admin.dispose()
