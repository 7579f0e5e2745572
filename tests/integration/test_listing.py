"""Bulk listing applied to the sandbox over HTTP: creates, updates, rejections, and safe re-runs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cafe24_pipeline.cafe24.retry import RetryConfig
from tests.integration.listing_support import (
    cafe24_by_code,
    fill_template,
    single,
    tables,
    upload,
    variant,
    variant_stock,
)
from tests.integration.push_support import push_world


@pytest.fixture
def world(tmp_path: Path, store_url: str):
    """A synced mall on SQLite and on PostgreSQL."""
    with push_world(tmp_path, store_url) as w:
        yield w


def test_single_and_group_are_created_with_options_prices_and_stock(world, tmp_path: Path) -> None:
    path = fill_template(
        tmp_path / "upload.xlsx",
        [
            single("MUG-WHITE-350", name="머그컵 화이트 350ml"),
            variant("TS-RED-S", "TS-BASIC", "빨강", "S", mrp=25000),
            variant("TS-RED-M", "TS-BASIC", "빨강", "M", stock=8),
            variant("TS-BLUE-M", "TS-BASIC", "파랑", "M", selling_price=21000, stock=5),
        ],
    )
    result = upload(world, path)
    assert result.counts()["created"] == 4, result.outcomes
    assert result.status == "applied"

    [mug] = cafe24_by_code(world, "MUG-WHITE-350")
    assert mug["product_name"] == "머그컵 화이트 350ml"
    assert Decimal(mug["price"]) == 12000 and Decimal(mug["retail_price"]) == 15000
    assert mug["display"] == "T" and mug["selling"] == "T"
    assert [variant_stock(v) for v in mug["variants"]] == [40]

    [shirt] = cafe24_by_code(world, "TS-BASIC")
    assert Decimal(shirt["price"]) == 19000
    by_sku = {v["custom_variant_code"]: v for v in shirt["variants"]}
    assert set(by_sku) == {"TS-RED-S", "TS-RED-M", "TS-BLUE-M", ""}  # 파랑/S exists too (every combination)
    assert variant_stock(by_sku["TS-RED-M"]) == 8
    assert Decimal(by_sku["TS-BLUE-M"]["additional_amount"]) == 2000
    assert [(o["name"], o["value"]) for o in by_sku["TS-BLUE-M"]["options"]] == [("색상", "파랑"), ("사이즈", "M")]
    unlisted = by_sku[""]
    assert unlisted["display"] == "F" and unlisted["selling"] == "F" and variant_stock(unlisted) == 0

    master = world.master()
    row = master.filter(master["sku"] == "TS-BLUE-M").row(0, named=True)
    assert row["selling_price"] == Decimal(21000) and row["stock"] == 5 and row["parent_sku"] == "TS-BASIC"
    assert world.listing("MUG-WHITE-350")["product_no"] == mug["product_no"]
    upload_row = tables(world).upload(result.upload_id)
    assert upload_row["status"] == "applied" and upload_row["ok_rows"] == 4
    rows = tables(world).upload_rows(result.upload_id)
    assert rows["result"].to_list() == ["ok"] * 4

    again = upload(world, path)
    assert again.counts()["unchanged"] == 4, again.outcomes
    assert len(cafe24_by_code(world, "TS-BASIC")) == 1 and len(cafe24_by_code(world, "MUG-WHITE-350")) == 1
    assert world.diff().empty  # the OMS master holds what Cafe24 answered: nothing to push back


def _listed(world, *, has_option: bool, variants: int = 1):
    """(product row, its variant rows) of a seeded product with SKUs, from the synced mirror."""
    import json

    products = world.store.read_table("cafe24_products", {"mall_id": world.mall, "shop_no": 1})
    all_variants = world.store.read_table("cafe24_variants", {"mall_id": world.mall, "shop_no": 1})
    for product in products.sort("product_no").iter_rows(named=True):
        if bool(product["has_option"]) != has_option or not product["custom_product_code"]:
            continue
        rows = [
            v
            for v in all_variants.filter(all_variants["product_no"] == product["product_no"])
            .sort("variant_code")
            .iter_rows(named=True)
            if v["sku"]
        ]
        if len(rows) >= variants and not any(v["duplicated_custom_variant_code"] for v in rows):
            for v in rows:
                v["options"] = json.loads(v["options"] or "[]")
            return product, rows
    raise AssertionError("no seeded product fits")


def _row_for(product, v, **values):
    row = {"sku": v["sku"]}
    if product["has_option"]:
        row["parent_sku"] = product["custom_product_code"]
        for slot, option in enumerate(v["options"], start=1):
            row[f"option_{slot}_name"], row[f"option_{slot}_value"] = option["name"], option["value"]
    row.update(values)
    return row


def test_existing_products_are_updated_by_sku_with_one_variant_call_per_product(world, tmp_path: Path) -> None:
    single_product, [single_variant] = _listed(world, has_option=False)
    group, (first, second, *_) = _listed(world, has_option=True, variants=2)
    price = Decimal(group["price"])
    path = fill_template(
        tmp_path / "update.xlsx",
        [
            _row_for(single_product, single_variant, selling_price=7700, stock=3),
            _row_for(group, first, stock=77),
            _row_for(group, second, stock=78, selling_price=int(price) + 500),
        ],
    )
    world.reset_stats()
    result = upload(world, path)
    assert result.counts()["updated"] == 3, result.outcomes
    calls = world.control("GET", f"{world.mall}/stats")["calls"]
    writes = {k: n for k, n in calls.items() if k.split()[0] in ("PUT", "POST", "DELETE")}
    # the single: one product PUT (price) + one variant PUT (stock); the group: one bulk variant PUT for both SKUs
    assert sum(n for k, n in writes.items() if k.startswith("PUT") and k.endswith("/variants")) == 2, writes
    assert not any(k.startswith("POST") for k in writes), writes

    on_cafe24 = world.cafe24_product(group["product_no"])
    by_code = {v["variant_code"]: v for v in on_cafe24["variants"]}
    assert variant_stock(by_code[first["variant_code"]]) == 77
    assert variant_stock(by_code[second["variant_code"]]) == 78
    assert Decimal(on_cafe24["price"]) == price  # the file covers only some variants: the product price stays
    assert Decimal(on_cafe24["price"]) + Decimal(by_code[second["variant_code"]]["additional_amount"]) == price + 500
    single_now = world.cafe24_product(single_product["product_no"])
    assert Decimal(single_now["price"]) == 7700 and variant_stock(single_now["variants"][0]) == 3

    master = world.master()
    assert master.filter(master["sku"] == first["sku"])["stock"].item() == 77
    assert master.filter(master["sku"] == single_variant["sku"])["selling_price"].item() == Decimal(7700)
    log = world.tables.log(world.mall, run_id="test")
    assert set(log["result"].to_list()) == {"success"}
    assert world.diff().empty  # no push fights the listing


def test_duplicate_sku_rejects_both_rows_and_creates_neither(world, tmp_path: Path) -> None:
    path = fill_template(
        tmp_path / "dup.xlsx",
        [
            single("DUP-1", name="첫째"),
            single("DUP-1", name="둘째"),
            single("OK-1"),
        ],
    )
    result = upload(world, path)
    assert [o.status for o in result.outcomes] == ["error", "error", "created"]
    assert "DUP-1" in result.outcomes[0].reason and "row 3" in result.outcomes[0].reason
    assert cafe24_by_code(world, "DUP-1") == [] and len(cafe24_by_code(world, "OK-1")) == 1
    assert result.status == "partial"
    rows = tables(world).upload_rows(result.upload_id)
    assert rows["result"].to_list() == ["failed", "failed", "ok"]


def test_a_group_with_one_bad_row_is_not_created_at_all(world, tmp_path: Path) -> None:
    path = fill_template(
        tmp_path / "bad.xlsx",
        [
            variant("G-RED-S", "G-BAD", "빨강", "S"),
            variant("G-RED-M", "G-BAD", "빨강", "M", stock=-5),
            variant("G-BLUE-S", "G-BAD", "파랑", "S"),
        ],
    )
    world.reset_stats()
    result = upload(world, path)
    assert [o.status for o in result.outcomes] == ["error", "error", "error"]
    assert result.outcomes[1].reason.startswith("row 3: ") and "stock" in result.outcomes[1].reason
    assert "row 2" in result.outcomes[0].reason and "not uploaded" in result.outcomes[0].reason
    assert cafe24_by_code(world, "G-BAD") == []
    assert world.write_calls() == 0
    assert result.status == "rejected"


def test_an_unknown_create_is_settled_by_lookup_and_a_rerun_creates_nothing_twice(world, tmp_path: Path) -> None:
    path = fill_template(
        tmp_path / "lost.xlsx",
        [
            variant("L-RED-S", "LOST", "빨강", "S"),
            variant("L-RED-M", "LOST", "빨강", "M"),
            single("LOST-MUG"),
        ],
    )
    world.fault("applied_504", "products", method="POST", count=2)  # both creates happen; both answers are lost
    result = upload(world, path)
    assert result.counts()["created"] == 3, result.outcomes
    assert all(p.settled for p in result.products)
    [group] = cafe24_by_code(world, "LOST")
    assert {v["custom_variant_code"] for v in group["variants"]} == {"L-RED-S", "L-RED-M"}
    assert len(cafe24_by_code(world, "LOST-MUG")) == 1

    again = upload(world, path)
    assert again.counts()["unchanged"] == 3, again.outcomes
    assert len(cafe24_by_code(world, "LOST")) == 1 and len(cafe24_by_code(world, "LOST-MUG")) == 1


def test_a_create_that_fails_midway_is_hidden_and_finished_by_the_rerun(world, tmp_path: Path) -> None:
    path = fill_template(
        tmp_path / "midway.xlsx",
        [
            variant("M-RED-S", "MID", "빨강", "S"),
            variant("M-BLUE-S", "MID", "파랑", "S"),
        ],
    )
    # the product is created, then the variant PUT is refused every time the client retries it
    world.fault("500", "products/*/variants", method="PUT", count=20)
    result = upload(world, path, client_options={"retry": RetryConfig(max_retries=1, initial=0.01, max_wait=0.01)})
    assert [o.status for o in result.outcomes] == ["error", "error"]
    assert "upload the file again to finish it" in result.outcomes[0].reason
    [product] = cafe24_by_code(world, "MID")
    assert product["display"] == "F" and product["selling"] == "F"  # never on sale half made
    world.control("DELETE", "faults")

    again = upload(world, path)
    assert again.counts()["created"] == 2, again.outcomes
    assert again.products[0].resumed
    [product] = cafe24_by_code(world, "MID")
    assert product["display"] == "T" and product["selling"] == "T"
    assert {v["custom_variant_code"] for v in product["variants"]} == {"M-RED-S", "M-BLUE-S"}
    assert len(cafe24_by_code(world, "MID")) == 1


def test_dry_run_writes_nothing(world, tmp_path: Path) -> None:
    path = fill_template(tmp_path / "dry.xlsx", [single("DRY-1"), variant("D-RED-S", "DRY-G", "빨강", "S")])
    before = {
        t: world.store.read_table(t).height
        for t in ("oms_products", "oms_listings", "bulk_uploads", "push_log", "cafe24_products")
    }
    world.reset_stats()
    from cafe24_pipeline.sync.listing import Lister

    result = Lister(world.store, None, world.mall).upload(path, dry_run=True, report_path=tmp_path / "r.xlsx")
    assert [o.status for o in result.outcomes] == ["would_create", "would_create"]
    assert world.write_calls() == 0 and world.control("GET", f"{world.mall}/stats")["calls"] == {}
    after = {t: world.store.read_table(t).height for t in before}
    assert after == before
    assert (tmp_path / "r.xlsx").exists()


def test_a_sku_on_cafe24_that_the_mirror_has_not_seen_is_never_created_twice(world, tmp_path: Path) -> None:
    # a merchant lists a product in the Cafe24 admin after our last catalogue sync
    made = world.control(
        "POST",
        f"{world.mall}/products",
        {
            "product_name": "관리자 등록",
            "price": "5000",
            "supply_price": "0",
            "custom_product_code": "ADMIN-TS",
            "options": [{"name": "색상", "value": ["빨강", "파랑"]}],
            "variants": [{"custom_variant_code": "ADM-RED", "quantity": 1}, {"custom_variant_code": "ADM-BLUE"}],
        },
    )
    product_no = made["product_no"]
    path = fill_template(
        tmp_path / "unseen.xlsx",
        [
            variant("ADM-RED", "OTHER-TS", "빨강", "S"),  # the admin's SKU under another parent: rejected
            {**single("ADMIN-TS"), "name": "새 상품"},  # a single whose code is the admin product's: rejected
            single("FRESH-1"),
        ],
    )
    result = upload(world, path)
    assert [o.status for o in result.outcomes] == ["error", "error", "created"], result.outcomes
    assert f"Cafe24 product {product_no}" in result.outcomes[0].reason
    assert cafe24_by_code(world, "OTHER-TS") == [] and len(cafe24_by_code(world, "ADMIN-TS")) == 1


def test_a_price_changed_on_cafe24_since_the_sync_is_not_overwritten(world, tmp_path: Path) -> None:
    product, [v] = _listed(world, has_option=False)
    world.control("PUT", f"{world.mall}/products/{product['product_no']}", {"price": "4321"})  # a merchant edit
    path = fill_template(tmp_path / "price.xlsx", [_row_for(product, v, selling_price=9999, stock=12)])
    result = upload(world, path)
    [outcome] = result.outcomes
    assert outcome.status == "error" and "price changed on Cafe24 since the last catalogue sync" in outcome.reason
    now = world.cafe24_product(product["product_no"])
    assert Decimal(now["price"]) == 4321 and variant_stock(now["variants"][0]) == 12  # the stock still went


def test_the_result_workbook_uploads_again_as_it_is(world, tmp_path: Path) -> None:
    path = fill_template(
        tmp_path / "first.xlsx",
        [single("RE-1"), single("RE-2", selling_price=5000, mrp=4000), variant("RE-RED-S", "RE-G", "빨강", "S")],
    )
    report = tmp_path / "first.result.xlsx"
    first = upload(world, path, report_path=report)
    assert [o.status for o in first.outcomes] == ["created", "error", "created"]
    assert tables(world).upload(first.upload_id)["report_path"] == str(report)
    again = upload(world, report)  # status / reason / source_row columns are ignored
    assert [o.status for o in again.outcomes] == ["unchanged", "error", "unchanged"], again.outcomes
    assert len(cafe24_by_code(world, "RE-1")) == 1 and cafe24_by_code(world, "RE-2") == []


def test_an_oms_change_waiting_on_another_variant_of_the_product_is_kept(world, tmp_path: Path) -> None:
    group, (first, second, *_) = _listed(world, has_option=True, variants=2)
    world.set(second["sku"], stock=321)  # the OMS changed this SKU; the push has not sent it yet
    path = fill_template(tmp_path / "one.xlsx", [_row_for(group, first, stock=5)])
    assert upload(world, path).counts()["updated"] == 1
    master = world.master()
    assert master.filter(master["sku"] == first["sku"])["stock"].item() == 5
    assert master.filter(master["sku"] == second["sku"])["stock"].item() == 321  # still the OMS's, for the push


def test_listing_fields_of_a_listed_product_go_through_the_push_path(world, tmp_path: Path) -> None:
    product, [v] = _listed(world, has_option=False)
    brands = world.store.read_table("cafe24_brands", {"mall_id": world.mall, "shop_no": 1})
    categories = world.store.read_table("cafe24_categories", {"mall_id": world.mall, "shop_no": 1})
    brand = next(b for b in brands["brand_code"].to_list() if b != product["brand_code"])
    category = int(categories["category_no"].to_list()[-1])
    path = fill_template(
        tmp_path / "fields.xlsx", [_row_for(product, v, name="새 이름 상품", supply_price=3000, brand=brand, category=category)]
    )
    result = upload(world, path)
    assert result.counts()["updated"] == 1, result.outcomes
    now = world.cafe24_product(product["product_no"])
    assert now["product_name"] == "새 이름 상품" and Decimal(now["supply_price"]) == 3000 and now["brand_code"] == brand
    assert category in [c["category_no"] for c in now["category"]]
    log = world.tables.log(world.mall, run_id="test")
    assert log.filter(log["kind"] == "listing")["result"].to_list() == ["success"]
