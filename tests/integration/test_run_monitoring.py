"""Killed runs do not stay STARTED: run monitoring is on in deploy/dagster.yaml and in the local
instance the CLI writes, and the launcher tells Dagster's monitor when a run's process is gone.

The kill test runs a real job in a real process on a real (SQLite) Dagster instance, kills it with
SIGKILL, and lets Dagster's own run-monitoring iteration (the code the daemon runs every
`poll_interval_seconds`) and the CLI's sweep mark it failed; a live run is left alone."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus
from dagster._core.instance.config import dagster_instance_config
from dagster._core.launcher import WorkerStatus

from cafe24_pipeline.commands.dagster_runs import LOCAL_INSTANCE_YAML
from cafe24_pipeline.run_monitoring import Cafe24RunLauncher, fail_dead_runs

REPO = Path(__file__).resolve().parents[2]
EXPECTED = {"enabled": True, "max_resume_run_attempts": 0}


def _check_monitoring(config: dict) -> None:
    monitoring = config["run_monitoring"]
    assert {k: monitoring[k] for k in EXPECTED} == EXPECTED
    assert monitoring["start_timeout_seconds"] > 0 and monitoring["poll_interval_seconds"] > 0
    assert config["run_launcher"] == {"module": "cafe24_pipeline.run_monitoring", "class": "Cafe24RunLauncher"}


def test_deploy_yaml_passes_dagsters_config_validation(tmp_path, monkeypatch):
    for name, value in {
        "DAGSTER_PG_HOST": "db",
        "DAGSTER_PG_PORT": "5432",
        "DAGSTER_PG_USER": "dagster",
        "DAGSTER_PG_PASSWORD": "x",
        "DAGSTER_PG_DB": "dagster",
    }.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "dagster.yaml").write_text((REPO / "deploy" / "dagster.yaml").read_text())
    config, _ = dagster_instance_config(str(tmp_path))  # raises on any key or type Dagster rejects
    _check_monitoring(config)


def test_local_instance_yaml_is_valid_and_builds_a_monitored_instance(tmp_path):
    (tmp_path / "dagster.yaml").write_text(LOCAL_INSTANCE_YAML)
    config, _ = dagster_instance_config(str(tmp_path))
    _check_monitoring(config)
    instance = DagsterInstance.from_config(str(tmp_path))
    try:
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_max_resume_run_attempts == 0
        assert isinstance(instance.run_launcher, Cafe24RunLauncher)
        assert instance.run_launcher.supports_check_run_worker_health
    finally:
        instance.dispose()


_WORKER = r"""
import os, socket, sys, time
import dagster as dg

@dg.op
def slow_sync():
    time.sleep(300)

@dg.job
def slow_job():
    slow_sync()

instance = dg.DagsterInstance.get()
slow_job.execute_in_process(instance=instance, raise_on_error=False,
                            tags={"cafe24/mall_id": "shopa", "cafe24/host": socket.gethostname()})
"""


def _start_run(home: Path) -> tuple[subprocess.Popen, DagsterInstance, str]:
    (home / "dagster.yaml").write_text(LOCAL_INSTANCE_YAML)
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    instance = DagsterInstance.from_config(str(home))  # storage created before the worker opens it
    instance.get_runs()
    with open(home / "worker.err", "w") as err:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER], env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        runs = instance.get_runs()
        if (
            runs
            and runs[0].status == DagsterRunStatus.STARTED
            and any("in process (pid" in (e.message or "") for e in instance.all_logs(runs[0].run_id))
        ):
            return proc, instance, runs[0].run_id
        assert proc.poll() is None, "the run's process ended early: " + (home / "worker.err").read_text()[-2000:]
        time.sleep(0.2)
    proc.kill()
    pytest.fail("the run did not start within 90 s")


def _kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.mark.slow
def test_a_killed_run_is_marked_failed_by_dagsters_monitor(tmp_path):
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import EmptyWorkspaceTarget
    from dagster._daemon.monitoring.run_monitoring import (
        execute_run_monitoring_iteration,
    )

    proc, instance, run_id = _start_run(tmp_path)
    try:
        context = WorkspaceProcessContext(instance, EmptyWorkspaceTarget())
        launcher = instance.run_launcher
        assert launcher.check_run_worker_health(instance.get_run_by_id(run_id)).status == WorkerStatus.RUNNING
        list(execute_run_monitoring_iteration(context, logging.getLogger("test")))
        assert instance.get_run_by_id(run_id).status == DagsterRunStatus.STARTED  # alive: left alone

        _kill(proc)
        assert instance.get_run_by_id(run_id).status == DagsterRunStatus.STARTED  # what the probe saw
        list(execute_run_monitoring_iteration(context, logging.getLogger("test")))
        run = instance.get_run_by_id(run_id)
        assert run.status == DagsterRunStatus.FAILURE
        messages = " ".join(e.message or "" for e in instance.all_logs(run_id))
        assert "no longer exists" in messages
        context.__exit__(None, None, None)
    finally:
        if proc.poll() is None:
            _kill(proc)
        instance.dispose()


@pytest.mark.slow
def test_the_cli_marks_a_killed_run_of_the_mall_failed_before_its_next_run(tmp_path):
    proc, instance, run_id = _start_run(tmp_path)
    try:
        assert fail_dead_runs(instance, tags={"cafe24/mall_id": "shopa"}) == []  # alive
        _kill(proc)
        assert fail_dead_runs(instance, tags={"cafe24/mall_id": "othermall"}) == []  # another mall's sweep
        assert fail_dead_runs(instance, tags={"cafe24/mall_id": "shopa"}) == [run_id]
        assert instance.get_run_by_id(run_id).status == DagsterRunStatus.FAILURE
        assert fail_dead_runs(instance) == []  # nothing left STARTED
    finally:
        if proc.poll() is None:
            _kill(proc)
        instance.dispose()


DAEMON_BUDGET_S = 60


@pytest.mark.slow
def test_the_real_daemon_marks_a_killed_run_failed(tmp_path):
    """`dagster-daemon run` itself, polling every second; skipped (not failed) past a 60 s budget."""
    proc, instance, run_id = _start_run(tmp_path)
    (tmp_path / "dagster.yaml").write_text(LOCAL_INSTANCE_YAML.replace("poll_interval_seconds: 30", "poll_interval_seconds: 1"))
    daemon = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster-daemon")), "run", "--empty-workspace"],
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    started = time.monotonic()
    try:
        _kill(proc)
        while instance.get_run_by_id(run_id).status == DagsterRunStatus.STARTED:
            if time.monotonic() - started > DAEMON_BUDGET_S:
                pytest.skip(f"the daemon did not get to the run within {DAEMON_BUDGET_S} s on this machine")
            assert daemon.poll() is None, "dagster-daemon exited"
            time.sleep(0.5)
        assert instance.get_run_by_id(run_id).status == DagsterRunStatus.FAILURE
        print(f"daemon marked the killed run failed {time.monotonic() - started:.1f} s after the kill")
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
        if proc.poll() is None:
            _kill(proc)
        instance.dispose()
