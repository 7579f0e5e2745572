"""Plans: singles and groups, create / update / unchanged, Decimal price arithmetic, Cafe24 request bodies."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cafe24_pipeline.bulk import Change, ExistingListing, ProductPlan, UploadPlan, plan_upload
from tests.unit.test_bulk_support import listing, single, variant, write_rows


def _plan(
    tmp_path: Path,
    rows: list[dict[str, Any]],
    existing: dict[str, ExistingListing] | None = None,
) -> UploadPlan:
    plan = plan_upload(write_rows(tmp_path / "upload.xlsx", rows), existing=existing)
    assert not plan.error_rows, plan.error_rows
    return plan


def _only(plan: UploadPlan) -> ProductPlan:
    assert len(plan.plans) == 1
    return plan.plans[0]


def test_single_create(tmp_path: Path) -> None:
    row = single(
        "MUG",
        name="머그컵",
        selling_price=12000,
        mrp=15000,
        stock=None,
        display=None,
        selling="T",
        brand="B000000A",
        category=27,
        image_url="https://cdn.example.com/mug.jpg",
    )
    product = _only(_plan(tmp_path, [row]))
    assert (product.kind, product.action, product.key, product.row_numbers) == ("single", "create", "MUG", (2,))
    assert product.price == Decimal(12000) and isinstance(product.price, Decimal)
    assert product.variants[0].additional_amount == Decimal(0)
    assert product.variants[0].stock == 0  # blank stock on a new item
    assert product.create_request() == {
        "product_name": "머그컵",
        "price": "12000",
        "supply_price": "0",
        "display": "F",
        "selling": "T",
        "custom_product_code": "MUG",
        "retail_price": "15000",
        "brand_code": "B000000A",
        "add_category_no": [{"category_no": 27}],
        "image_upload_type": "A",
        "detail_image": "https://cdn.example.com/mug.jpg",
    }
    assert product.created_variant_requests({(): "P000000A000A"}) == [
        {"variant_code": "P000000A000A", "quantity": 0, "use_inventory": "T", "display_soldout": "T"}
    ]


def test_group_create_uses_the_lowest_price_as_base(tmp_path: Path) -> None:
    rows = [
        variant("TS-R-M", "TS", "Red", "M", selling_price=21000, name="티셔츠"),
        variant("TS-R-S", "TS", "Red", "S", selling_price=19000, name=None),
        variant("TS-B-M", "TS", "Blue", "M", selling_price=23500, stock=0, display="F", name=None),
    ]
    product = _only(_plan(tmp_path, rows))
    assert (product.kind, product.action, product.price) == ("group", "create", Decimal(19000))
    assert [(v.sku, v.additional_amount) for v in product.variants] == [
        ("TS-R-M", Decimal(2000)),
        ("TS-R-S", Decimal(0)),
        ("TS-B-M", Decimal(4500)),
    ]
    assert all(isinstance(v.additional_amount, Decimal) for v in product.variants)
    assert [(a.name, a.values) for a in product.option_axes] == [("Color", ("Red", "Blue")), ("Size", ("M", "S"))]
    assert product.unlisted_combinations == (("Blue", "S"),)
    request = product.create_request()
    assert request["options"] == [{"name": "Color", "value": ["Red", "Blue"]}, {"name": "Size", "value": ["M", "S"]}]
    assert (request["has_option"], request["price"], request["display"]) == ("T", "19000", "T")
    codes = {
        ("Red", "M"): "P00000BA000A",
        ("Red", "S"): "P00000BA000B",
        ("Blue", "M"): "P00000BA000C",
        ("Blue", "S"): "P00000BA000D",
    }
    entries = product.created_variant_requests(codes)
    assert entries[0] == {
        "variant_code": "P00000BA000A",
        "quantity": 3,
        "use_inventory": "T",
        "display_soldout": "T",
        "custom_variant_code": "TS-R-M",
        "additional_amount": "2000",
        "display": "T",
        "selling": "T",
    }
    assert entries[2]["display"] == "F" and entries[2]["quantity"] == 0
    assert entries[3] == {
        "variant_code": "P00000BA000D",
        "display": "F",
        "selling": "F",
        "quantity": 0,
        "use_inventory": "T",
        "display_soldout": "T",
    }
    with pytest.raises(KeyError):
        product.created_variant_requests({("Red", "M"): "X"})


def test_create_request_refuses_an_update_plan(tmp_path: Path) -> None:
    existing = {"A": listing(1, "P000000A000A", "A", price=10000, quantity=5)}
    product = _only(_plan(tmp_path, [{"sku": "A", "stock": 6}], existing))
    with pytest.raises(ValueError, match="not to be created"):
        product.create_request()


def test_single_update_changes_and_unchanged(tmp_path: Path) -> None:
    current = listing(
        7,
        "P000000G000A",
        "A",
        product_name="상품 A",
        price=10000,
        retail_price=12000,
        quantity=5,
        product_display=True,
        product_selling=True,
    )
    same = _only(_plan(tmp_path, [single("A", selling_price=10000, mrp=12000, stock=5)], {"A": current}))
    assert (same.action, same.changes, same.variants[0].action) == ("unchanged", (), "unchanged")
    changed = _only(_plan(tmp_path, [single("A", selling_price=9500, mrp=12000, stock=8, selling="F")], {"A": current}))
    assert changed.action == "update" and changed.product_no == 7
    assert changed.changes == (Change("price", Decimal(10000), Decimal(9500)), Change("selling", True, False))
    assert changed.update_request() == {"price": "9500", "selling": "F"}
    assert changed.variant_update_requests() == [{"variant_code": "P000000G000A", "quantity": 8}]


def test_unknown_current_values_count_as_changes(tmp_path: Path) -> None:
    current = listing(7, "P000000G000A", "A", price=10000)
    product = _only(_plan(tmp_path, [single("A", selling_price=10000, stock=4, name="이름")], {"A": current}))
    assert [c.field for c in product.changes] == ["product_name", "display", "selling"]
    assert product.variants[0].changes == (Change("quantity", None, 4),)


def test_blank_cells_leave_a_listed_product_alone(tmp_path: Path) -> None:
    current = listing(7, "P000000G000A", "A", price=10000, quantity=5)
    product = _only(_plan(tmp_path, [{"sku": "A"}], {"A": current}))
    assert (product.action, product.changes, product.variants[0].changes) == ("unchanged", (), ())


def test_product_code_is_set_when_cafe24_has_none(tmp_path: Path) -> None:
    current = listing(7, "P000000G000A", "", price=10000, quantity=5)
    product = _only(_plan(tmp_path, [{"sku": "A", "stock": 5}], {"A": current}))
    assert product.changes == (Change("custom_product_code", "", "A"),)


def _group_listings(price: int, amounts: dict[str, int]) -> dict[str, ExistingListing]:
    return {
        sku: listing(
            20,
            f"P00000CA000{chr(65 + i)}",
            "TS",
            has_option=True,
            price=price,
            additional_amount=amount,
            options=(("Color", sku),),
            quantity=1,
            display=True,
            selling=True,
            product_display=True,
            product_selling=True,
        )
        for i, (sku, amount) in enumerate(amounts.items())
    }


def test_group_update_covering_every_variant_moves_the_base(tmp_path: Path) -> None:
    existing = _group_listings(20000, {"Red": 0, "Blue": 1000})
    rows = [
        variant("Red", "TS", "Red", selling_price=18000, stock=1, name=None),
        variant("Blue", "TS", "Blue", selling_price=21000, stock=1, name=None),
    ]
    product = _only(_plan(tmp_path, rows, existing))
    assert product.price == Decimal(18000)
    assert product.changes == (Change("price", Decimal(20000), Decimal(18000)),)
    assert [(v.sku, v.additional_amount, v.changes) for v in product.variants] == [
        ("Red", Decimal(0), ()),
        ("Blue", Decimal(3000), (Change("additional_amount", Decimal(1000), Decimal(3000)),)),
    ]
    assert product.variant_update_requests() == [{"variant_code": "P00000CA000B", "additional_amount": "3000"}]
    assert all(v.action == "update" for v in product.variants)  # the product's price moved under both


def test_partial_group_update_keeps_the_base_and_may_go_negative(tmp_path: Path) -> None:
    existing = _group_listings(20000, {"Red": 0, "Blue": 1000, "Green": 0})
    rows = [variant("Blue", "TS", "Blue", selling_price=19000, stock=1, name=None)]
    product = _only(_plan(tmp_path, rows, existing))
    assert product.price == Decimal(20000) and product.changes == ()
    assert product.variants[0].additional_amount == Decimal(-1000)
    assert product.variant_update_requests() == [{"variant_code": "P00000CA000B", "additional_amount": "-1000"}]


def test_blank_price_rows_keep_what_buyers_pay_when_the_base_moves(tmp_path: Path) -> None:
    existing = _group_listings(20000, {"Red": 0, "Blue": 1000})
    rows = [
        variant("Red", "TS", "Red", selling_price=15000, stock=1, name=None),
        variant("Blue", "TS", "Blue", selling_price=None, stock=1, name=None),
    ]
    product = _only(_plan(tmp_path, rows, existing))
    assert product.price == Decimal(15000)
    assert product.variants[1].additional_amount == Decimal(6000)  # still 21,000 for the buyer


def test_partial_group_update_never_hides_the_product(tmp_path: Path) -> None:
    existing = _group_listings(20000, {"Red": 0, "Blue": 0})
    rows = [variant("Red", "TS", "Red", selling_price=20000, stock=1, display="F", name=None)]
    product = _only(_plan(tmp_path, rows, existing))
    assert product.display is None
    assert [c.field for c in product.changes] == []
    assert product.variants[0].changes == (Change("display", True, False),)


def test_counts_and_row_actions(tmp_path: Path) -> None:
    existing = {"OLD": listing(3, "P000000C000A", "OLD", price=10000, quantity=5)}
    rows = [
        single("NEW"),
        single("OLD", selling_price=None, name=None, display=None, selling=None, stock=5),
        single("BAD", mrp=1),
    ]
    plan = plan_upload(write_rows(tmp_path / "u.xlsx", rows), existing=existing)
    assert plan.counts() == {"create": 1, "update": 0, "unchanged": 1, "error": 1}
    assert [(r.sku, r.status, r.action) for r in plan.rows] == [
        ("NEW", "valid", "create"),
        ("OLD", "valid", "unchanged"),
        ("BAD", "error", None),
    ]
