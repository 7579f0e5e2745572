"""No secret reaches the resource config the Dagster UI shows (issue 10): with a PostgreSQL store URL
carrying a password, the repository snapshot the webserver serves and the job snapshots a run stores
name the variable (EnvVar), never its value."""

from __future__ import annotations

import importlib
import json

import dagster as dg
import pytest
from dagster._core.remote_representation.external_data import RepositorySnap

PASSWORD = "s3cr3t-Passw0rd-for-the-store"


@pytest.fixture(autouse=True)
def _reload_definitions_afterwards():
    yield
    import cafe24_pipeline.definitions as definitions

    importlib.reload(definitions)  # monkeypatch has restored the environment by now


def test_store_password_is_not_in_the_repository_or_job_snapshots(monkeypatch, tmp_path, postgres_server_url):
    url = postgres_server_url.replace("postgres@", f"postgres:{PASSWORD}@", 1)
    monkeypatch.setenv("CAFE24_PIPELINE_DATABASE_URL", url)
    monkeypatch.setenv("CAFE24_PIPELINE_HOME", str(tmp_path))
    monkeypatch.setenv("CAFE24_CLIENT_SECRET", "client-secret-value-xyz")
    import cafe24_pipeline.definitions as definitions

    definitions = importlib.reload(definitions)
    repo = definitions.defs.get_repository_def()
    snapshot = dg.serialize_value(RepositorySnap.from_def(repo))
    assert PASSWORD not in snapshot and "client-secret-value-xyz" not in snapshot
    assert "CAFE24_PIPELINE_DATABASE_URL" in snapshot  # the UI shows which variable configures it
    for job in repo.get_all_jobs():
        assert PASSWORD not in json.dumps(dg.serialize_value(job.get_job_snapshot()))
    resources = definitions.defs.resources
    assert all(PASSWORD not in repr(r) for r in resources.values())
