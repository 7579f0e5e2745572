"""The pipeline's store: tables, migrations, upserts from polars and reads into polars (no Dagster)."""

from cafe24_pipeline.store.engine import StoreError
from cafe24_pipeline.store.migrate import StoreSchemaError, latest_version
from cafe24_pipeline.store.store import Store, StoreConnection, SyncState
from cafe24_pipeline.store.types import JsonText, Money, StoreValueError, UtcDateTime

__all__ = [
    "JsonText",
    "Money",
    "Store",
    "StoreConnection",
    "StoreError",
    "StoreSchemaError",
    "StoreValueError",
    "SyncState",
    "UtcDateTime",
    "latest_version",
]
