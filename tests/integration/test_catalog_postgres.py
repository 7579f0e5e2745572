"""The catalogue on PostgreSQL: same counts as the sandbox, and a re-run writes nothing."""

from __future__ import annotations

import pytest

from tests.integration.catalog_support import MALL, make_world, sandbox_truth

pytestmark = pytest.mark.slow


def test_full_import_and_rerun_on_postgres(sandbox_factory, postgres_schema_url, tmp_path, monkeypatch):
    server = sandbox_factory(malls=[MALL], products=20, orders=0, duplicate_sku_pairs=2)
    world = make_world(server, postgres_schema_url, tmp_path, monkeypatch)
    try:
        assert world.run("catalog_job").success
        truth = sandbox_truth(server)
        assert world.count("cafe24_products") == truth.products
        assert world.count("cafe24_variants") == truth.variants
        assert set(world.store.read_table("oms_products")["sku"]) == truth.skus
        assert world.store.read_table("sku_conflicts", {"mall_id": MALL}).height > 0

        def content(table: str):  # noqa: ANN202 - `seen_at` says when a read last confirmed the row: it moves
            frame = world.store.read_table(table)
            return frame.drop("seen_at") if "seen_at" in frame.columns else frame

        tables = ("cafe24_products", "cafe24_variants", "oms_products", "oms_listings")
        before = {t: content(t) for t in tables}
        seen_before = world.store.read_table("cafe24_products")["seen_at"].max()
        assert world.run("catalog_job").success
        for table, frame in before.items():
            assert content(table).equals(frame), table
        assert world.store.read_table("cafe24_products")["seen_at"].min() > seen_before
    finally:
        world.instance.dispose()
        world.store.close()
