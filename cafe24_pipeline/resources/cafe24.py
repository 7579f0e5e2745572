"""`Cafe24Resource`: the Dagster face of the Cafe24 client; assets call `.client(mall_id)`.

The resource holds no secrets: the client secret and the token key are read from the environment
(`Settings.from_env()`) when a client is opened, so they never appear in run config, the launchpad
or resource metadata. Only non-secret overrides (API base URL, version, store URL) are fields.
"""

from __future__ import annotations

from dataclasses import replace

import dagster as dg

from cafe24_pipeline.cafe24.client import Cafe24Client
from cafe24_pipeline.cafe24.connect import Connection, list_connections, load_connection, open_client
from cafe24_pipeline.cafe24.governor import GovernorConfig
from cafe24_pipeline.resources.store import _shared_store
from cafe24_pipeline.settings import Settings


class Cafe24Resource(dg.ConfigurableResource):
    """Opens `Cafe24Client`s for connected malls (tokens from the store, refreshed as needed)."""

    database_url: str
    api_base_url: str | None = None
    api_version: str | None = None
    headroom: int = 10
    """Bucket slots left free for other apps on the mall (burst = 40 - headroom)."""
    max_calls_per_second: float = 8.0

    def settings(self) -> Settings:
        settings = Settings.from_env()
        overrides = {"database_url": self.database_url}
        if self.api_base_url:
            overrides["api_base_url"] = self.api_base_url.rstrip("/")
        if self.api_version:
            overrides["api_version"] = self.api_version
        return replace(settings, **overrides)

    def store(self):
        return _shared_store(self.database_url)

    def client(self, mall_id: str, **kwargs) -> Cafe24Client:
        """A client for one mall; raises ReauthRequired/NotConnected with a clear message otherwise."""
        kwargs.setdefault(
            "governor_config", GovernorConfig(headroom=self.headroom, max_calls_per_second=self.max_calls_per_second)
        )
        return open_client(self.settings(), self.store(), mall_id, **kwargs)

    def connection(self, mall_id: str) -> Connection | None:
        return load_connection(self.store(), mall_id)

    def connections(self) -> list[Connection]:
        return list_connections(self.store())
