"""Webhook cadences: the sweep's cron and the sensor's interval come from the environment, bad values are
refused naming the variable, and the definitions carry the webhook jobs, sensor and schedule."""

from __future__ import annotations

import pytest

from cafe24_pipeline.schedules.webhooks import build_webhook_schedules
from cafe24_pipeline.sensors.webhooks import webhook_interval
from cafe24_pipeline.settings import Settings


def test_sweep_cadence_default_and_from_env():
    assert build_webhook_schedules({})[0].cron_schedule == "*/10 * * * *"
    assert build_webhook_schedules({"CAFE24_WEBHOOK_SWEEP_CRON": "*/3 * * * *"})[0].cron_schedule == "*/3 * * * *"
    with pytest.raises(ValueError, match="CAFE24_WEBHOOK_SWEEP_CRON"):
        build_webhook_schedules({"CAFE24_WEBHOOK_SWEEP_CRON": "often"})


@pytest.mark.parametrize(("raw", "expected"), [(None, 15), ("5", 5), ("600", 600)])
def test_sensor_interval(raw, expected, tmp_path):
    env = {"CAFE24_PIPELINE_HOME": str(tmp_path)}
    if raw is not None:
        env["CAFE24_WEBHOOK_SENSOR_INTERVAL_SECONDS"] = raw
    assert webhook_interval(Settings.from_env(env)) == expected


@pytest.mark.parametrize("raw", ["soon", "1", "7200"])
def test_bad_sensor_interval_names_the_variable(raw, tmp_path):
    settings = Settings.from_env({"CAFE24_PIPELINE_HOME": str(tmp_path), "CAFE24_WEBHOOK_SENSOR_INTERVAL_SECONDS": raw})
    with pytest.raises(ValueError, match="CAFE24_WEBHOOK_SENSOR_INTERVAL_SECONDS"):
        webhook_interval(settings)


def test_the_definitions_carry_the_webhook_jobs_sensor_and_schedule():
    from cafe24_pipeline.definitions import defs

    repo = defs.get_repository_def()
    assert {"webhook_drain_job", "webhook_sweep_job"} <= {j.name for j in repo.get_all_jobs()}
    assert repo.get_sensor_def("webhook_sensor").job_name == "webhook_drain_job"
    assert repo.get_schedule_def("webhook_sweep_schedule").job_name == "webhook_sweep_job"
