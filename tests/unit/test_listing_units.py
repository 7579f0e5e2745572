"""The pure parts of listing: a product typed on the command line as template rows, option parsing, row outcomes
from product results, and the inbox folder's rules."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from cafe24_pipeline.bulk import ExistingListing, validate_rows
from cafe24_pipeline.bulk.plan import build_plans, row_results
from cafe24_pipeline.sync.listing import (
    NewProduct,
    ProductResult,
    UploadPlan,
    outcomes_for,
    parse_option,
)
from cafe24_pipeline.sync.listing_inbox import pending_files, settle


def _plan(product: NewProduct, existing: dict | None = None) -> UploadPlan:
    keys, rows = product.sheet_rows()
    validated = validate_rows(rows, keys, existing=existing or {})
    plans = build_plans(validated, existing or {})
    return UploadPlan(Path("x"), keys, row_results(validated, plans), tuple(plans))


def test_options_make_one_variant_per_combination_with_derived_skus() -> None:
    product = NewProduct(
        sku="TS", name="티셔츠", price=19000, stock=5, options=(parse_option("색상=빨강, 파랑"), parse_option("Size=S,M"))
    )
    plan = _plan(product)
    [group] = plan.plans
    assert group.kind == "group" and group.action == "create"
    assert [v.sku for v in group.variants] == ["TS-빨강-S", "TS-빨강-M", "TS-파랑-S", "TS-파랑-M"]
    assert group.create_request()["options"] == [
        {"name": "색상", "value": ["빨강", "파랑"]},
        {"name": "Size", "value": ["S", "M"]},
    ]
    assert all(v.stock == 5 for v in group.variants) and group.unlisted_combinations == ()


def test_a_single_and_the_same_validation_as_a_file() -> None:
    [single] = _plan(NewProduct(sku="MUG", name="머그", price="12,000", mrp=15000, display=True, selling=True)).plans
    assert single.kind == "single" and single.price == 12000 and single.retail_price == 15000 and single.display
    bad = _plan(NewProduct(sku="MUG", name="머그", price=10000, mrp=9000))
    assert bad.plans == () and bad.rows[0].reasons == ("row 1: MRP 9,000 is lower than the selling price 10,000",)
    listed = {"MUG": ExistingListing(product_no=7, variant_code="P0000000000A", product_code="MUG")}
    assert _plan(NewProduct(sku="MUG", price=11000), listed).plans[0].action == "update"


@pytest.mark.parametrize("text", ["Color", "=Red", "Color=", "Color=Red,Red", "Color=,"])
def test_bad_options_get_one_line(text: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_option(text)
    assert "\n" not in str(error.value)


def test_more_than_three_options_or_a_name_twice_is_refused() -> None:
    four = tuple((f"O{i}", ("a", "b")) for i in range(4))
    with pytest.raises(ValueError, match="at most 3 options"):
        NewProduct(sku="X", options=four)
    with pytest.raises(ValueError, match="option names must differ"):
        NewProduct(sku="X", options=(("Color", ("a",)), ("Color", ("b",))))


def test_outcomes_name_the_row_and_the_products_reason() -> None:
    plan = _plan(NewProduct(sku="G", name="그룹", price=1000, options=(("Color", ("Red", "Blue")),)))
    failed = outcomes_for(plan, [ProductResult("G", "create", "error", 12, "Cafe24 refused the product: 422 x")])
    assert [(o.status, o.reason) for o in failed] == [
        ("error", "row 1: Cafe24 refused the product: 422 x"),
        ("error", "row 2: Cafe24 refused the product: 422 x"),
    ]
    created = outcomes_for(plan, [ProductResult("G", "create", "created", 12)])
    assert [o.status for o in created] == ["created", "created"]
    stopped = outcomes_for(plan, [])
    assert all(o.status == "error" and "not processed" in o.reason for o in stopped)


def test_inbox_takes_settled_workbooks_per_mall_and_moves_them(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "shopa").mkdir(parents=True)
    (inbox / "Bad Name!").mkdir()
    old = time.time() - 60
    files = {name: inbox / name for name in ("a.xlsx", "shopa/b.xlsx", "shopa/~$b.xlsx", "shopa/c.csv", "shopa/new.xlsx")}
    for name, path in files.items():
        path.write_bytes(name.encode())
        if name != "shopa/new.xlsx":
            os.utime(path, (old, old))
    ready, notes = pending_files(inbox, default_mall=None)
    assert [(f.path.name, f.mall_id) for f in ready] == [("b.xlsx", "shopa")]
    assert any("a.xlsx: no mall" in n for n in notes) and any("new.xlsx: still being written" in n for n in notes)
    assert any("Bad Name!/ is not a mall id" in n for n in notes)
    ready_default, _ = pending_files(inbox, default_mall="shopb")
    assert {(f.path.name, f.mall_id) for f in ready_default} == {("a.xlsx", "shopb"), ("b.xlsx", "shopa")}

    report = inbox / "shopa" / "b.result.xlsx"
    report.write_bytes(b"r")
    moved = settle(files["shopa/b.xlsx"], ok=True, report=report)
    assert moved == inbox / "shopa" / "done" / "b.xlsx" and (inbox / "shopa" / "done" / "b.result.xlsx").exists()
    again = inbox / "shopa" / "b.xlsx"
    again.write_bytes(b"second")
    moved_again = settle(again, ok=False, error="The products sheet has merged cells (B2:B3)")
    assert moved_again.name == "b.xlsx" and moved_again.parent.name == "failed"
    assert "merged cells" in (inbox / "shopa" / "failed" / "b.error.txt").read_text()
    third = inbox / "shopa" / "b.xlsx"
    third.write_bytes(b"third")
    assert settle(third, ok=True).name == "b (2).xlsx"
