"""The Dagster resource hands assets an opened, migrated store, one per process and URL."""

from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg
import polars as pl

from cafe24_pipeline.resources import build_resources
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.settings import Settings
from cafe24_pipeline.store import latest_version


def test_build_resources_registers_the_store(tmp_path, monkeypatch):
    monkeypatch.setenv("CAFE24_PIPELINE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CAFE24_PIPELINE_DATABASE_URL", raising=False)
    resource = build_resources(Settings.from_env())["store"]
    assert isinstance(resource, StoreResource)
    store = resource.get_store()
    assert store is resource.get_store()
    assert store.schema_version() == latest_version()
    assert (tmp_path / "home" / "store.sqlite3").exists()


def test_an_asset_writes_through_the_resource(store_url):
    @dg.asset
    def oms_seed(store: StoreResource) -> dg.MaterializeResult:
        written = store.get_store().upsert("oms_products", _seed_frame())
        return dg.MaterializeResult(metadata={"rows": written})

    result = dg.materialize([oms_seed], resources={"store": StoreResource(database_url=store_url)})
    assert result.success
    assert StoreResource(database_url=store_url).get_store().read_table("oms_products")["sku"].to_list() == ["A"]


def _seed_frame() -> pl.DataFrame:
    return pl.DataFrame({"sku": ["A"], "name": ["Tee"], "updated_at": [datetime(2026, 1, 1, tzinfo=timezone.utc)]})
