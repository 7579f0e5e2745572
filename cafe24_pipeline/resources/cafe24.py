"""`Cafe24Resource`: the Dagster face of the Cafe24 client; assets call `.client(mall_id)`.

The resource holds no secrets: the client secret, the token key and the store URL are read through
`Settings` when a client is opened, so they never appear in run config, the launchpad or resource
metadata. Its fields are non-secret knobs (EnvVar-backed where they come from the environment).
"""

from __future__ import annotations

import dagster as dg

from cafe24_pipeline import mall_access
from cafe24_pipeline.cafe24.client import Cafe24Client
from cafe24_pipeline.cafe24.connect import Connection
from cafe24_pipeline.cafe24.governor import GovernorConfig
from cafe24_pipeline.cafe24.options import ClientOptions
from cafe24_pipeline.resources.store import resource_settings, shared_store
from cafe24_pipeline.settings import Settings
from cafe24_pipeline.store import Store


class Cafe24Resource(dg.ConfigurableResource):
    """Opens `Cafe24Client`s for connected malls (tokens from the store, refreshed as needed)."""

    database_url: str | None = None
    api_base_url: str | None = None
    api_version: str | None = None
    headroom: int = 10
    """Bucket slots left free for other apps on the mall (burst = 40 - headroom)."""
    max_calls_per_second: float = 8.0

    def settings(self) -> Settings:
        base = self.api_base_url.rstrip("/") if self.api_base_url else None
        return resource_settings(self.database_url, api_base_url=base, api_version=self.api_version)

    def store(self) -> Store:
        return shared_store(self.settings().database_url)

    def client(self, mall_id: str, *, options: ClientOptions | None = None) -> Cafe24Client:
        """A client for one mall; raises ReauthRequired/NotConnected with a clear message otherwise."""
        options = options or ClientOptions(
            governor=GovernorConfig(headroom=self.headroom, max_calls_per_second=self.max_calls_per_second)
        )
        return mall_access.open_client(self.settings(), self.store(), mall_id, options=options)

    def connection(self, mall_id: str) -> Connection | None:
        return mall_access.load_connection(self.store(), mall_id)

    def connections(self) -> list[Connection]:
        return mall_access.list_connections(self.store())
