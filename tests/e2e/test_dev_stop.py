"""`cafe24-pipeline dev` started with SIGINT ignored (a shell's background job) still stops on SIGINT:
the sandbox's port closes, no process of its sessions is left, and `dagster dev` does not ignore SIGINT.
(`dev` handles SIGINT/SIGTERM itself from before the sandbox starts; `dagster dev` installs handlers of
its own, so this guards against a regression rather than reproducing the sandbox hang.)"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

CLI = [sys.executable, "-m", "cafe24_pipeline.cli"]
SIGINT_BIT = 1 << (signal.SIGINT - 1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # gone meanwhile
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _session_members(sid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != "Z":  # field 6 of stat: the session id
                members.append(int(entry.name))
    return members


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.slow
def test_dev_started_with_sigint_ignored_stops_on_sigint(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAFE24_", "DAGSTER_"))}
    env.update(CAFE24_PIPELINE_HOME=str(tmp_path / "home"), COLUMNS="200")
    ui_port = _free_port()
    proc = subprocess.Popen(
        CLI + ["dev", "--port", "0", "--ui-port", str(ui_port), "--products", "10", "--orders", "10"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_ignore_sigint,
    )
    lines: list[str] = []
    children: list[int] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 240
        ready = False
        while time.monotonic() < deadline and proc.poll() is None and not ready:
            try:
                ready = httpx.get(f"http://127.0.0.1:{ui_port}/server_info", timeout=5).status_code == 200
            except httpx.HTTPError:
                time.sleep(1)
        output = "".join(lines)
        assert ready, f"the Dagster UI did not come up:\n{output[-3000:]}"
        sandbox_port = int(re.search(r"Sandbox on http://127\.0\.0\.1:(\d+)", output).group(1))
        children = [
            int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit() and _status(int(e.name)).get("PPid") == str(proc.pid)
        ]
        assert children, "no `dagster dev` child found"
        for child in children:
            assert not int(_status(child)["SigIgn"], 16) & SIGINT_BIT, "dagster dev inherited SIGINT ignored"

        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=120)  # a hang detector: dev's own fallback is SIGKILL after 30 s
        except subprocess.TimeoutExpired:
            raise AssertionError("`dev` still running 120 s after SIGINT") from None
        time.sleep(1)  # grandchildren reparented to init finish exiting
        for session in (proc.pid, *children):  # `dagster dev` runs in a session of its own
            assert _session_members(session) == [], "processes of `dev` left running"
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", sandbox_port), 2):
            pass
        reader.join(timeout=10)
        assert "Stopping the Dagster UI and daemon" in "".join(lines)
    finally:
        for session in (proc.pid, *children):
            if _session_members(session):
                try:
                    os.killpg(session, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        proc.wait()
