"""The token key is created atomically: several processes creating it at first use all get the
same valid key and none fails (the fault probe saw 1 failure in 40 with three processes)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cafe24_pipeline.cafe24.crypto import (
    KEY_FILE_NAME,
    TokenKeyError,
    load_or_create_key,
)

ROUNDS = 150
PROCESSES = 3

_WORKER = r"""
import sys, time
from pathlib import Path
from cafe24_pipeline.cafe24.crypto import load_or_create_key
base, rounds = Path(sys.argv[1]), int(sys.argv[2])
(base / f"ready-{sys.argv[3]}").touch()
while not (base / "go").exists():
    time.sleep(0.001)
failures = 0
for i in range(rounds):
    try:
        print(i, load_or_create_key(base / f"home{i}", None).decode(), flush=False)
    except Exception as exc:  # report, keep going: the test counts failures
        failures += 1
        print(i, "FAILED", type(exc).__name__, exc)
sys.exit(0)
"""


def test_three_processes_creating_the_key_at_once_all_get_the_same_key(tmp_path: Path):
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(tmp_path), str(ROUNDS), str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < PROCESSES:
        assert time.monotonic() < deadline, "workers did not start"
        time.sleep(0.01)
    (tmp_path / "go").touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]

    keys: dict[int, set[str]] = {}
    failures = []
    for out, _ in outputs:
        for line in out.splitlines():
            n, rest = line.split(" ", 1)
            if rest.startswith("FAILED"):
                failures.append(line)
            else:
                keys.setdefault(int(n), set()).add(rest)
    assert failures == []
    assert len(keys) == ROUNDS and all(len(v) == 1 for v in keys.values())  # one key per home
    for i in range(ROUNDS):
        home = tmp_path / f"home{i}"
        assert (home / KEY_FILE_NAME).read_text().strip() in keys[i]
        assert stat.S_IMODE((home / KEY_FILE_NAME).stat().st_mode) == 0o600
        assert [p.name for p in home.iterdir()] == [KEY_FILE_NAME]  # no temp file left behind


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_key_file_names_the_fix(tmp_path: Path):
    load_or_create_key(tmp_path, None)
    os.chmod(tmp_path / KEY_FILE_NAME, 0o000)
    try:
        with pytest.raises(TokenKeyError, match="cannot be read"):
            load_or_create_key(tmp_path, None)
    finally:
        os.chmod(tmp_path / KEY_FILE_NAME, 0o600)


def test_key_path_that_cannot_be_read_as_a_file_names_the_fix(tmp_path: Path):
    (tmp_path / KEY_FILE_NAME).mkdir(mode=0o700)  # unreadable as a key whoever runs the test
    with pytest.raises(TokenKeyError, match="cannot be read.*CAFE24_PIPELINE_SECRET_KEY"):
        load_or_create_key(tmp_path, None)
