"""What the pipeline creates is private: the home 0700, the SQLite store and its -wal/-shm 0600,
the token key 0600 (they hold receivers' names, phones and addresses, and the tokens), even
under a permissive umask. Existing paths keep the mode an operator gave them."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from typer.testing import CliRunner

from cafe24_pipeline.cli import app
from cafe24_pipeline.settings import Settings
from cafe24_pipeline.store import Store
from tests.integration.cafe24_client_support import REDIRECT_URI, running_sandbox


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def permissive_umask():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_connect_creates_a_private_home_store_and_key(tmp_path, monkeypatch, permissive_umask):
    home = tmp_path / "deep" / "home"
    with running_sandbox(products=5, orders=5) as sb:
        for key in ("CAFE24_PIPELINE_DATABASE_URL", "DAGSTER_HOME", "CAFE24_PIPELINE_SECRET_KEY"):
            monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv("CAFE24_PIPELINE_HOME", str(home))
        monkeypatch.setenv("CAFE24_API_BASE_URL", sb.api_base_template)
        monkeypatch.setenv("CAFE24_CLIENT_ID", sb.config.client_id)
        monkeypatch.setenv("CAFE24_CLIENT_SECRET", sb.config.client_secret)
        runner = CliRunner()
        printed = runner.invoke(app, ["authorize-url", "shopa", "--redirect-uri", REDIRECT_URI])
        assert printed.exit_code == 0, printed.output
        consent = next(line for line in printed.output.splitlines() if line.startswith("http"))
        code = parse_qs(urlsplit(httpx.get(consent).headers["location"]).query)["code"][0]
        result = runner.invoke(app, ["connect", "shopa", "--code", code, "--redirect-uri", REDIRECT_URI, "--no-initial-sync"])
        assert result.exit_code == 0, result.output

    assert _mode(home) == 0o700
    assert _mode(home.parent) == 0o700  # created by us too
    assert _mode(home / "store.sqlite3") == 0o600
    assert _mode(home / "secret.key") == 0o600
    assert _mode(home / "dagster_home") == 0o700


def test_sqlite_store_and_its_wal_files_are_0600(tmp_path, permissive_umask):
    settings = Settings.from_env({"CAFE24_PIPELINE_HOME": str(tmp_path / "home")})
    settings.ensure_home()
    with Store.open(settings.database_url) as store:
        store.record_sync("shopa", "probe", success=True)  # a write: WAL and shared-memory files exist
        db = settings.home / "store.sqlite3"
        wal, shm = db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")
        assert wal.exists() and shm.exists()
        assert (_mode(db), _mode(wal), _mode(shm)) == (0o600, 0o600, 0o600)
    assert _mode(settings.home) == 0o700


def test_an_existing_home_keeps_the_operators_mode(tmp_path, permissive_umask):
    home = tmp_path / "shared-home"
    home.mkdir(mode=0o750)
    os.chmod(home, 0o750)
    Settings.from_env({"CAFE24_PIPELINE_HOME": str(home)}).ensure_home()
    assert _mode(home) == 0o750
