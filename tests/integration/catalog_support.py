"""Shared set-up of the catalogue integration tests: a sandbox mall connected to a real store, the
catalogue Definitions with real resources, and an independent oracle that reads the sandbox's own
Admin API over HTTP (raw JSON, not through the pipeline's client) to say what the tables must hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dagster as dg
import httpx
import pytest

from cafe24_pipeline.assets.catalog import catalog_assets
from cafe24_pipeline.cafe24.auth import DEFAULT_SCOPES, authorize_url
from cafe24_pipeline.mall_access import connect as connect_mall
from cafe24_pipeline.checks.catalog import catalog_checks
from cafe24_pipeline.partitions import MALLS_PARTITION_NAME
from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.schedules.catalog import catalog_jobs, product_sync_config
from cafe24_pipeline.settings import Settings
from cafe24_pipeline.store import Store
from tests.fixtures.sandbox import REDIRECT_URI, sandbox_client

MALL = "shopa"


@dataclass
class CatalogWorld:
    server: Any
    settings: Settings
    store: Store
    defs: dg.Definitions
    instance: dg.DagsterInstance
    mall: str = MALL

    def control(self, method: str, path: str, json: Any = None) -> Any:
        r = httpx.request(method, f"{self.server.base_url}/_sandbox/{self.mall}/{path.lstrip('/')}", json=json, timeout=30)
        r.raise_for_status()
        return r.json()

    def fault(self, **spec: Any) -> None:
        r = httpx.post(f"{self.server.base_url}/_sandbox/faults", json={"mall": self.mall, **spec}, timeout=30)
        r.raise_for_status()

    def run(
        self,
        job: str,
        *,
        mode: str | None = None,
        product_nos: list[int] | None = None,
        partition_key: str | None = None,
        **extra: int,
    ) -> dg.ExecuteInProcessResult:
        config = product_sync_config(mode, product_nos, **extra) if mode else None
        return self.defs.resolve_job_def(job).execute_in_process(
            instance=self.instance, partition_key=partition_key or self.mall, run_config=config, raise_on_error=False
        )

    def count(self, table: str, **where: Any) -> int:
        return self.store.read_table(table, {"mall_id": self.mall, **where} if table != "oms_products" else where).height


def make_world(server: Any, database_url: str, home, monkeypatch: pytest.MonkeyPatch) -> CatalogWorld:
    env = {
        "CAFE24_PIPELINE_HOME": str(home),
        "CAFE24_PIPELINE_DATABASE_URL": database_url,
        "CAFE24_API_BASE_URL": server.api_base_template,
        "CAFE24_CLIENT_ID": server.client_id,
        "CAFE24_CLIENT_SECRET": server.client_secret,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("CAFE24_PIPELINE_SECRET_KEY", raising=False)
    settings = Settings.from_env()
    store = Store.open(settings.database_url)
    url, _state = authorize_url(settings, MALL, REDIRECT_URI, scopes=DEFAULT_SCOPES)
    consent = httpx.get(url, follow_redirects=False, timeout=10)
    code = httpx.URL(consent.headers["location"]).params["code"]
    connect_mall(settings, store, MALL, code=code, redirect_uri=REDIRECT_URI)
    defs = dg.Definitions(
        assets=catalog_assets,
        asset_checks=catalog_checks,
        jobs=catalog_jobs,
        resources={
            "store": StoreResource(database_url=settings.database_url),
            "cafe24": Cafe24Resource(database_url=settings.database_url, max_calls_per_second=50.0),
        },
    )
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(MALLS_PARTITION_NAME, [MALL])
    return CatalogWorld(server, settings, store, defs, instance)


# --------------------------------------------------------------------------- the oracle


@dataclass
class SandboxTruth:
    products: int
    variants: int
    categories: int
    brands: int
    skus: set[str]
    duplicate_variant_codes: set[str]
    """Variants (distinct codes) that carry a SKU some other live variant also carries."""
    no_sku_variant_codes: set[str]
    distinct_variant_codes: int


def _sku(product: dict, variant: dict) -> str | None:
    code = (variant.get("custom_variant_code") or "").strip()
    if code:
        return code
    pcode = (product.get("custom_product_code") or "").strip()
    if pcode and product.get("has_option") != "T" and variant["variant_code"] == f"{product['product_code']}000A":
        return pcode
    return None


def sandbox_truth(server: Any, mall: str = MALL) -> SandboxTruth:
    """Read everything through the sandbox's Admin API, the way Cafe24 would serve it."""
    with sandbox_client(server, mall) as http:
        shops = [s["shop_no"] for s in http.get("shops").json()["shops"] if s.get("active", "T") != "F"]
        products = variants = categories = brands = 0
        by_code: dict[str, str | None] = {}
        for shop in shops:
            for kind in ("categories", "brands"):
                offset = 0
                while True:
                    page = http.get(kind, params={"shop_no": shop, "limit": 100, "offset": offset}).json()[kind]
                    if kind == "categories":
                        categories += len(page)
                    else:
                        brands += len(page)
                    if len(page) < 100:
                        break
                    offset += 100
            cursor = 0
            while True:
                page = http.get(
                    "products", params={"shop_no": shop, "limit": 100, "since_product_no": cursor, "embed": "variants"}
                ).json()["products"]
                for product in page:
                    vs = product.get("variants") or []
                    if len(vs) >= 100:
                        vs = http.get(f"products/{product['product_no']}/variants", params={"shop_no": shop}).json()["variants"]
                    products += 1
                    variants += len(vs)
                    for v in vs:
                        by_code[v["variant_code"]] = _sku(product, v)
                if len(page) < 100:
                    break
                cursor = max(p["product_no"] for p in page)
    counts: dict[str, int] = {}
    for sku in by_code.values():
        if sku:
            counts[sku] = counts.get(sku, 0) + 1
    return SandboxTruth(
        products=products,
        variants=variants,
        categories=categories,
        brands=brands,
        skus={s for s in counts},
        duplicate_variant_codes={c for c, s in by_code.items() if s and counts[s] > 1},
        no_sku_variant_codes={c for c, s in by_code.items() if not s},
        distinct_variant_codes=len(by_code),
    )


def cli_world(sandbox_factory, tmp_path, monkeypatch, *, columns: int = 200):  # noqa: ANN001, ANN201
    """A connected mall with its catalogue synced (full) in Dagster, the environment a CLI test runs in
    (its own DAGSTER_HOME, CAFE24_MALL_ID, a wide terminal)."""
    server = sandbox_factory(malls=[MALL], products=10, orders=0)
    world = make_world(server, f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path, monkeypatch)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("CAFE24_MALL_ID", MALL)
    monkeypatch.setenv("COLUMNS", str(columns))
    assert world.run("catalog_job", mode="full").success
    return world
