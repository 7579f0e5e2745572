"""The Definitions load without a single warning (no beta/preview/deprecation banner in the UI), and
`dagster definitions validate` says so too; schedules start stopped, as the README says."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import dagster as dg
import pytest

REPO = Path(__file__).resolve().parents[2]
# The one line `dagster definitions validate` prints about itself (Dagster steers to `dg check defs`,
# a separate package): it is about the command, not about our definitions.
CLI_OWN_NOTICE = "definitions_validate_command` is superseded"


@pytest.mark.slow
def test_definitions_load_with_warnings_as_errors():
    code = (
        "import warnings; warnings.simplefilter('error');"
        "import dagster as dg; from cafe24_pipeline.definitions import defs;"
        "dg.Definitions.validate_loadable(defs);"
        "[defs.resolve_job_def(j.name) for j in defs.get_repository_def().get_all_jobs()];"
        "print('loaded', len(list(defs.resolve_asset_graph().get_all_asset_keys())))"
    )
    proc = subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "loaded" in proc.stdout


@pytest.mark.slow
def test_dagster_definitions_validate_prints_no_warning(tmp_path):
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "PYTHONWARNINGS": "always"}
    proc = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert "Validation successful for code location cafe24_pipeline" in output
    lines = [line for line in output.splitlines() if "Warning" in line or "WARNING" in line]
    ours = [line for line in lines if CLI_OWN_NOTICE not in line]
    assert not ours, "\n".join(ours)


def test_every_schedule_starts_stopped_and_says_what_starting_it_does():
    from cafe24_pipeline.definitions import defs

    repo = defs.get_repository_def()
    assert repo.schedule_defs
    for schedule in repo.schedule_defs:
        assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED, schedule.name
        assert schedule.description and schedule.description.startswith("Starting it"), schedule.name
    for sensor in repo.sensor_defs:
        assert sensor.description and len(sensor.description) > 40, sensor.name
    for job in repo.get_all_jobs():
        if not job.name.startswith("__"):
            assert job.description, job.name


def test_order_days_start_at_a_day_that_can_hold_data():
    from datetime import date

    from cafe24_pipeline.partitions import days_start, order_days_partitions

    assert days_start({}, "X", 90, today=date(2026, 12, 3)) == "2026-09-05"
    assert days_start({"X": "2025-06-01"}, "X", 90, today=date(2026, 12, 3)) == "2025-06-01"
    try:
        days_start({"X": "June"}, "X", 90)
    except ValueError as exc:
        assert "X='June'" in str(exc)
    else:
        raise AssertionError("a bad start date must be refused")
    # by default the calendar is the days the connect-time import fills (90) plus tomorrow's offset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert 89 <= len(order_days_partitions.get_partition_keys()) <= 92
