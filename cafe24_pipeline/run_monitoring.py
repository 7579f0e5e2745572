"""Runs whose process died are marked failed, so they never stay STARTED and block their mall.

Dagster's run monitoring daemon (enabled in deploy/dagster.yaml and the local instance) asks the run
launcher whether a STARTED run's worker is still alive, but the open-source `DefaultRunLauncher`
cannot tell. `Cafe24RunLauncher` is that launcher plus the check: a run's worker is the process
named by the run's first engine event with a pid ("Started process for run (pid: N)" for launched
runs, "Executing steps in process (pid: N)" for the CLI's in-process runs). When that process is
on this host and no longer exists (or its pid now belongs to a process started later), the worker
is FAILED and the daemon marks the run failed (`max_resume_run_attempts: 0`: no resume). A worker
on another host, or one not started yet, is reported RUNNING: the start timeout and the
`max_runtime_seconds` backstop of the same config cover those.

The CLI has no daemon: before it runs a job it calls `fail_dead_runs` for the same check, so a
killed `cafe24-pipeline sync …` is marked failed by the next command.
"""

import json
import os
import socket
from collections.abc import Sequence

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.launcher import (
    CheckRunHealthResult,
    DefaultRunLauncher,
    WorkerStatus,
)
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.storage.tags import GRPC_INFO_TAG

HOST_TAG = "cafe24/host"
"""The host a CLI run executes on (the CLI tags its in-process runs with it)."""

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}
_START_SLACK_S = 2.0


def _boot_time() -> float | None:
    try:
        with open("/proc/stat", encoding="ascii") as f:
            for line in f:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except OSError:
        return None
    return None


def process_started_at(pid: int) -> float | None:
    """Epoch seconds when `pid` started, or None when no such (live) process exists. Linux /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode(errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    if not fields or fields[0] in ("Z", "X"):  # a zombie has exited: only its exit status is left
        return None
    boot = _boot_time()
    if boot is None or len(fields) <= 19:
        return 0.0  # alive, start unknown
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def _worker(instance: DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """(pid, when it was reported) of the run's worker: its first engine event that names a pid."""
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        event = entry.dagster_event
        data = getattr(event, "engine_event_data", None) if event is not None else None
        metadata = getattr(data, "metadata", None) or {}
        pid = metadata.get("pid")
        value = getattr(pid, "value", pid) if pid is not None else None
        if value is not None and str(value).isdigit():
            return int(value), float(entry.timestamp)
    return None


def _runs_here(run: DagsterRun) -> bool | None:
    """True when the run's worker runs on this host, False when elsewhere, None when unknown."""
    me = socket.gethostname()
    host = run.tags.get(HOST_TAG)
    if host:
        return host == me
    grpc = run.tags.get(GRPC_INFO_TAG)
    if grpc:
        try:
            grpc_host = json.loads(grpc).get("host")
        except (ValueError, AttributeError):
            return None
        if grpc_host is None and json.loads(grpc).get("socket"):
            return True  # a Unix socket is always local
        return grpc_host in _LOCAL_HOSTS or grpc_host == me
    return None


def dead_worker_reason(instance: DagsterInstance, run: DagsterRun) -> str | None:
    """Why the run's worker is known to be dead, or None when it may still be working."""
    if _runs_here(run) is not True:
        return None
    worker = _worker(instance, run.run_id)
    if worker is None:
        return None
    pid, reported_at = worker
    started = process_started_at(pid)
    if started is None:
        return f"the run's process (pid {pid} on {socket.gethostname()}) no longer exists"
    if started > reported_at + _START_SLACK_S:
        return f"the run's process (pid {pid}) exited; that pid now belongs to a newer process"
    return None


class Cafe24RunLauncher(DefaultRunLauncher):
    """Dagster's default run launcher that can also tell whether a run's worker is alive."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        reason = dead_worker_reason(self._instance, run)
        if reason is not None:
            return CheckRunHealthResult(WorkerStatus.FAILED, reason)
        return CheckRunHealthResult(WorkerStatus.RUNNING, "")


def fail_dead_runs(instance: DagsterInstance, *, tags: dict[str, str] | None = None) -> Sequence[str]:
    """Mark failed every STARTED run (optionally with these tags) whose worker is known dead."""
    failed: list[str] = []
    runs = instance.get_runs(filters=RunsFilter(statuses=[DagsterRunStatus.STARTED], tags=tags or {}))
    for run in runs:
        reason = dead_worker_reason(instance, run)
        if reason is not None:
            instance.report_run_failed(run, f"Marked failed: {reason} (killed or crashed)")
            failed.append(run.run_id)
    return failed
