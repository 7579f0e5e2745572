"""Bad input ends in one line naming the fix, exit code 2, no traceback, and nothing written:
a bad or unreachable CAFE24_PIPELINE_DATABASE_URL, missing app credentials, an unusable token key,
an unknown mall, an unwritable home, a malformed cadence, a negative product number and a
redirect URI that is not a URL (each found by the fault probe or listed in issue 11)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from typer.testing import CliRunner

from cafe24_pipeline.cli import app
from tests.integration.cafe24_client_support import REDIRECT_URI, running_sandbox

MALL = "shopa"


def _one_line_exit_2(result, *needles: str) -> str:
    text = result.output.strip()
    assert result.exit_code == 2, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in text
    assert len(text.splitlines()) == 1, text
    for needle in needles:
        assert needle in text, text
    return text


@pytest.fixture
def env(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("CAFE24_") or key == "DAGSTER_HOME":
            monkeypatch.delenv(key)
    monkeypatch.setenv("CAFE24_PIPELINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    return monkeypatch


@pytest.mark.parametrize(
    ("variables", "args", "needles"),
    [
        (
            {"CAFE24_PIPELINE_DATABASE_URL": "notaurl"},
            ["sync", "catalog", "--mall", MALL],
            ["CAFE24_PIPELINE_DATABASE_URL", "sqlite:///"],
        ),
        (
            {"CAFE24_PIPELINE_DATABASE_URL": "mysql://u@db/shop"},
            ["sync", "orders", "--mall", MALL],
            ["CAFE24_PIPELINE_DATABASE_URL", "supported: sqlite, postgresql"],
        ),
        (
            {"CAFE24_PIPELINE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"},
            ["sync", "catalog", "--mall", MALL],
            ["cannot open the store", "CAFE24_PIPELINE_DATABASE_URL"],
        ),
        ({"CAFE24_PIPELINE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}, ["status"], ["cannot open the store"]),
        ({"CAFE24_CLIENT_SECRET": "s"}, ["connect", MALL, "--refresh-token", "r", "--no-initial-sync"], ["CAFE24_CLIENT_ID"]),
        (
            {"CAFE24_PIPELINE_HOME": "/proc/no-such-home"},
            ["sync", "catalog", "--mall", MALL],
            ["CAFE24_PIPELINE_HOME", "folder you can write"],
        ),
        (
            {"CAFE24_ORDERS_NEW_CRON": "every five minutes"},
            ["sync", "orders", "--mall", MALL],
            ["CAFE24_ORDERS_NEW_CRON", "cron"],
        ),
        ({}, ["sync", "catalog", "--mall", MALL, "--product-no", "-5"], ["--product-no", "-5"]),
        (
            {"CAFE24_CLIENT_ID": "c", "CAFE24_CLIENT_SECRET": "s"},
            ["authorize-url", MALL, "--redirect-uri", "notaurl"],
            ["--redirect-uri", "http"],
        ),
        (
            {"CAFE24_CLIENT_ID": "c", "CAFE24_CLIENT_SECRET": "s"},
            ["connect", MALL, "--code", "x", "--redirect-uri", "notaurl", "--no-initial-sync"],
            ["--redirect-uri"],
        ),
        ({}, ["sync", "catalog", "--mall", "Bad Mall"], ["not a Cafe24 mall id"]),
        ({}, ["privacy", "purge-receivers", "--mall", MALL, "--older-than-days", "0"], ["--older-than-days"]),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(env, tmp_path, variables, args, needles):
    for key, value in variables.items():
        env.setenv(key, value)
    result = CliRunner().invoke(app, args)
    _one_line_exit_2(result, *needles)
    assert not (tmp_path / "home" / "secret.key").exists()  # nothing was set up on the way


def test_with_a_connected_mall_unknown_mall_missing_credentials_and_unusable_key(env, tmp_path):
    with running_sandbox(products=5, orders=5) as sb:
        env.setenv("CAFE24_API_BASE_URL", sb.api_base_template)
        env.setenv("CAFE24_CLIENT_ID", sb.config.client_id)
        env.setenv("CAFE24_CLIENT_SECRET", sb.config.client_secret)
        runner = CliRunner()
        printed = runner.invoke(app, ["authorize-url", MALL, "--redirect-uri", REDIRECT_URI])
        consent = next(line for line in printed.output.splitlines() if line.startswith("http"))
        code = parse_qs(urlsplit(httpx.get(consent).headers["location"]).query)["code"][0]
        connected = runner.invoke(app, ["connect", MALL, "--code", code, "--redirect-uri", REDIRECT_URI, "--no-initial-sync"])
        assert connected.exit_code == 0, connected.output
        calls_before = httpx.get(f"{sb.base_url}/_sandbox/{MALL}/stats").json()["total_calls"]

        _one_line_exit_2(
            runner.invoke(app, ["sync", "catalog", "--mall", "nosuch"]),
            "'nosuch' is not connected",
            f"connected: {MALL}",
            "cafe24-pipeline connect nosuch",
        )
        _one_line_exit_2(runner.invoke(app, ["push", "stock", "--mall", "nosuch"]), "not connected")

        env.delenv("CAFE24_CLIENT_ID")
        _one_line_exit_2(runner.invoke(app, ["sync", "catalog", "--mall", MALL]), "CAFE24_CLIENT_ID")
        env.setenv("CAFE24_CLIENT_ID", sb.config.client_id)

        key = tmp_path / "home" / "secret.key"
        saved = key.read_bytes()
        key.chmod(0o644)
        _one_line_exit_2(runner.invoke(app, ["sync", "orders", "--mall", MALL]), "chmod 600")
        key.unlink()
        key.mkdir(mode=0o700)  # unreadable as a key file, whoever runs the test (root reads any mode)
        _one_line_exit_2(runner.invoke(app, ["sync", "catalog", "--mall", MALL]), "cannot be read", "CAFE24_PIPELINE_SECRET_KEY")
        _one_line_exit_2(runner.invoke(app, ["connect", MALL, "--refresh-token", "r", "--no-initial-sync"]), "cannot be read")
        calls_after = httpx.get(f"{sb.base_url}/_sandbox/{MALL}/stats").json()["total_calls"]
        assert calls_after == calls_before  # no bad input reached Cafe24
        shutil.rmtree(key)
        key.write_bytes(saved)
        key.chmod(0o600)
        assert runner.invoke(app, ["status", "--mall", MALL]).exit_code == 0  # and the mall is intact


def test_a_real_process_prints_exactly_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAFE24_")}
    env.update(CAFE24_PIPELINE_HOME=str(tmp_path / "home"), CAFE24_ORDERS_NEW_CRON="*/5 * * *", COLUMNS="40")
    done = subprocess.run(
        [str(Path(sys.executable).with_name("cafe24-pipeline")), "sync", "orders", "--mall", MALL],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "CAFE24_ORDERS_NEW_CRON" in done.stderr and "Traceback" not in done.stderr
