"""A catalogue that shrinks and changes shape between full scans (products gone, variants gone,
SKU conflicts resolved) must sync cleanly: soft deletes and resolutions only update existing rows."""

from __future__ import annotations

from tests.integration.catalog_support import MALL, make_world


def test_full_scan_after_the_catalogue_shrank_marks_deletions_and_resolves_conflicts(sandbox_factory, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    big = sandbox_factory(malls=[MALL], products=40, orders=0, duplicate_sku_pairs=3)
    first = make_world(big, url, tmp_path, monkeypatch)
    assert first.run("catalog_job").success
    live_before = first.count("cafe24_products")
    conflicts_before = first.store.read_table("sku_conflicts", {"mall_id": MALL})
    assert conflicts_before.height > 0
    first.instance.dispose()
    first.store.close()

    # The same mall, now serving a smaller, differently seeded catalogue.
    small = sandbox_factory(malls=[MALL], products=10, orders=0, duplicate_sku_pairs=0, seed=7)
    second = make_world(small, url, tmp_path, monkeypatch)
    try:
        result = second.run("catalog_job")
        assert result.success, [e.step_failure_data for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        products = second.store.read_table("cafe24_products", {"mall_id": MALL})
        assert products.height >= live_before  # nothing removed: soft deletes only
        assert products.filter(products["deleted_at"].is_null()).height == 20  # 10 products in each of 2 shops
        conflicts = second.store.read_table("sku_conflicts", {"mall_id": MALL})
        variants = second.store.read_table("cafe24_variants", {"mall_id": MALL})
        live_codes = set(variants.filter(variants["deleted_at"].is_null())["variant_code"])
        stale = conflicts.filter(~conflicts["conflicting_variant_code"].is_in(sorted(live_codes)))
        assert stale.height > 0
        assert stale["resolved_at"].null_count() == 0  # conflicts of variants that are gone are resolved
    finally:
        second.instance.dispose()
        second.store.close()
