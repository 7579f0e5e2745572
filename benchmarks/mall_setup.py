"""What several benchmarks start from: a mall connected to a running sandbox over OAuth, on a SQLite
store in a temporary home, with its catalogue synced and linked to OMS products."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REDIRECT = "https://app.example.com/cb"


def connected_mall(server: Any, mall: str, home: Path) -> tuple[Any, Any]:
    """(settings, store) of `mall` connected through the sandbox's authorization code flow."""
    import httpx

    from cafe24_pipeline.cafe24.auth import authorize_url
    from cafe24_pipeline.mall_access import connect
    from cafe24_pipeline.settings import Settings
    from cafe24_pipeline.store import Store

    settings = Settings(
        home=home,
        database_url=f"sqlite:///{home}/store.sqlite3",
        api_base_url=server.api_base_template,
        client_id=server.client_id,
        client_secret=server.client_secret,
    )
    settings.ensure_home()
    store = Store.open(settings.database_url)
    url, _ = authorize_url(settings, mall, REDIRECT)
    code = httpx.URL(httpx.get(url, follow_redirects=False).headers["location"]).params["code"]
    connect(settings, store, mall, code=code, redirect_uri=REDIRECT)
    return settings, store


def synced_catalogue(server: Any, mall: str, home: Path) -> tuple[Any, Any]:
    """`connected_mall`, then a full products sync, the SKU links and the OMS products built from them."""
    from cafe24_pipeline.mall_access import open_client
    from cafe24_pipeline.sync import catalog

    settings, store = connected_mall(server, mall, home)
    with open_client(settings, store, mall) as client:
        catalog.sync_products(store, client, mall, mode="full")
    catalog.link_listings(store, mall)
    catalog.build_oms_products(store, mall)
    return settings, store
