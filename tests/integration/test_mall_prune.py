"""`mall prune` removes the mall partitions no connection backs, and never a connected mall."""

from __future__ import annotations

import os
import subprocess
import sys

from cafe24_pipeline.commands.dagster_runs import local_instance
from cafe24_pipeline.partitions import MALLS_PARTITION_NAME
from cafe24_pipeline.settings import Settings
from tests.integration.catalog_support import MALL, make_world


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cafe24_pipeline.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_prune_removes_stray_partitions_only(sandbox_factory, tmp_path, monkeypatch):
    server = sandbox_factory(malls=[MALL], products=2, orders=0)
    world = make_world(server, f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path, monkeypatch)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    instance = local_instance(Settings.from_env())
    instance.add_dynamic_partitions(MALLS_PARTITION_NAME, [MALL, "typomall", "oldtest"])
    instance.dispose()
    env = {**os.environ, "COLUMNS": "200"}

    dry = _cli(["mall", "prune", "--dry-run"], env)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "would remove partition 'oldtest'" in dry.stdout and "would remove partition 'typomall'" in dry.stdout
    assert MALL not in dry.stdout

    done = _cli(["mall", "prune"], env)
    assert done.returncode == 0, done.stdout + done.stderr
    instance = local_instance(Settings.from_env())
    try:
        assert instance.get_dynamic_partitions(MALLS_PARTITION_NAME) == [MALL]
    finally:
        instance.dispose()
    assert "no stray mall partitions" in _cli(["mall", "prune"], env).stdout
    world.store.close()
