"""`cafe24-pipeline sandbox` serves until stopped and prints its base URL and credentials."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

CLI = Path(sys.executable).parent / "cafe24-pipeline"


def test_cli_serves_prints_settings_and_stops_on_ctrl_c():
    process = subprocess.Popen(
        [
            str(CLI),
            "sandbox",
            "--port",
            "0",
            "--products",
            "5",
            "--orders",
            "5",
            "--malls",
            "shopa,shopb",
            "--client-id",
            "cli-app",
            "--client-secret",
            "cli-secret",
            "--leak-rate",
            "10",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "control API" in line:
                break
        output = "".join(lines)
        base = re.search(r"http://127\.0\.0\.1:\d+", output).group(0)
        assert f"CAFE24_API_BASE_URL={base}/{{mall_id}}" in output
        assert "CAFE24_CLIENT_ID=cli-app" in output and "CAFE24_CLIENT_SECRET=cli-secret" in output
        health = httpx.get(f"{base}/_sandbox/health").json()
        assert health["malls"] == ["shopa", "shopb"] and health["client_id"] == "cli-app"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0


def test_cli_rejects_bad_mall_id():
    result = subprocess.run(
        [str(CLI), "sandbox", "--port", "0", "--malls", "Bad Mall!"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "invalid mall id" in result.stderr
