"""Validation: every rule's plain-language message, cross-row rules, and all-or-nothing per product."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandera.polars as pa

from cafe24_pipeline.bulk import Limits, UploadPlan, plan_upload
from cafe24_pipeline.bulk.validation import row_schema
from tests.unit.test_bulk_support import listing, single, variant, write_rows


def _plan(tmp_path: Path, rows: list[dict[str, Any] | None], **kwargs: Any) -> UploadPlan:
    return plan_upload(write_rows(tmp_path / "upload.xlsx", rows), **kwargs)


def _reasons(plan: UploadPlan) -> dict[int, tuple[str, ...]]:
    return {r.row_number: r.reasons for r in plan.rows if r.reasons}


def test_clean_file_has_no_errors(tmp_path: Path) -> None:
    plan = _plan(tmp_path, [single("A"), variant("R", "P", "Red"), variant("B", "P", "Blue")])
    assert _reasons(plan) == {}
    assert [p.key for p in plan.plans] == ["A", "P"]


def test_mrp_below_selling_price(tmp_path: Path) -> None:
    plan = _plan(tmp_path, [single("A", selling_price=10000, mrp=9000)])
    assert _reasons(plan) == {2: ("row 2: MRP 9,000 is lower than the selling price 10,000",)}


def test_duplicate_sku_rejects_both_rows(tmp_path: Path) -> None:
    plan = _plan(tmp_path, [single("A"), single("DUP"), single("B"), single("DUP", name="other")])
    assert _reasons(plan) == {
        3: ("row 3: SKU DUP is also on row 5; a SKU may appear only once, so none of these rows is uploaded",),
        5: ("row 5: SKU DUP is also on row 3; a SKU may appear only once, so none of these rows is uploaded",),
    }
    assert sorted(p.key for p in plan.plans) == ["A", "B"]


def test_duplicate_sku_across_groups_rejects_both_groups_whole(tmp_path: Path) -> None:
    rows = [variant("X", "G1", "Red"), variant("SAME", "G1", "Blue"), variant("SAME", "G2", "Red"), variant("Y", "G2", "Blue")]
    plan = _plan(tmp_path, rows)
    assert plan.plans == ()
    reasons = _reasons(plan)
    assert reasons[2] == (
        ("row 2: not uploaded because row 3 of product G1 has an error; a product is uploaded whole or not at all"),
    )
    assert (
        reasons[5][0] == "row 5: not uploaded because row 4 of product G2 has an error; a product is uploaded whole or not at all"
    )


def test_one_bad_row_rejects_the_whole_group(tmp_path: Path) -> None:
    rows = [variant("R", "P", "Red"), variant("G", "P", "Green", selling_price=-1), variant("B", "P", "Blue"), single("OK")]
    plan = _plan(tmp_path, rows)
    assert _reasons(plan) == {
        2: ("row 2: not uploaded because row 3 of product P has an error; a product is uploaded whole or not at all",),
        3: ("row 3: selling price -1 is below 0",),
        4: ("row 4: not uploaded because row 3 of product P has an error; a product is uploaded whole or not at all",),
    }
    assert [p.key for p in plan.plans] == ["OK"]


def test_every_problem_of_a_row_is_reported_at_once(tmp_path: Path) -> None:
    row = {"sku": "X" * 41, "name": None, "selling_price": None, "stock": -2, "display": "maybe", "mrp": "abc"}
    assert _reasons(_plan(tmp_path, [row]))[2] == (
        "row 2: column mrp holds 'abc', which is not a number",
        "row 2: column display must be T or F, not 'maybe'",
        f"row 2: SKU '{'X' * 37}...' is 41 characters; Cafe24 allows at most 40",
        "row 2: name is blank; a new product needs a name",
        "row 2: selling_price is blank; a new product needs a selling price",
        "row 2: stock -2 is below 0",
    )


def test_hangul_names_count_characters(tmp_path: Path) -> None:
    plan = _plan(tmp_path, [single("OK", name="가" * 250), single("LONG", name="한" * 251)])
    assert _reasons(plan) == {3: (f"row 3: name '{'한' * 37}...' is 251 characters; Cafe24 allows at most 250",)}
    assert plan.plans[0].product_name == "가" * 250


def test_length_limits_for_sku_and_options(tmp_path: Path) -> None:
    rows = [single("S" * 40), variant("V1", "P", "빨" * 51), variant("V2", "P", "Blue", option_1_name="N" * 51)]
    reasons = _reasons(_plan(tmp_path, rows))
    assert 2 not in reasons
    assert f"row 3: option 1 value '{'빨' * 37}...' is 51 characters; Cafe24 allows at most 50" in reasons[3]
    assert f"row 4: option 1 name '{'N' * 37}...' is 51 characters; Cafe24 allows at most 50" in reasons[4]


def test_stock_and_price_ranges(tmp_path: Path) -> None:
    rows = [single("A", stock=1_000_000), single("B", selling_price=3_000_000_000), single("C", supply_price=-5)]
    assert _reasons(_plan(tmp_path, rows)) == {
        2: ("row 2: stock 1,000,000 is above the Cafe24 maximum 999,999",),
        3: ("row 3: selling price 3,000,000,000 is above the Cafe24 maximum 2,147,483,647",),
        4: ("row 4: supply price -5 is below 0",),
    }


def test_option_names_must_match_within_a_group(tmp_path: Path) -> None:
    rows = [
        variant("R", "P", "Red", "S"),
        variant("B", "P", "Blue", "M", option_1_name="Colour"),
        variant("G", "P", "Green", "L", option_1_name="Size", option_2_name="Color"),
    ]
    reasons = _reasons(_plan(tmp_path, rows))
    assert reasons[3] == (
        (
            "row 3: option names (Colour, Size) differ from (Color, Size) on row 2 of group P; every "
            "row of a group needs the same option names in the same order"
        ),
    )
    assert reasons[4][0].startswith("row 4: option names (Size, Color) differ from (Color, Size)")
    assert reasons[2] == (
        ("row 2: not uploaded because rows 3, 4 of product P have errors; a product is uploaded whole or not at all"),
    )


def test_option_combinations_must_be_unique_in_a_group(tmp_path: Path) -> None:
    rows = [variant("R1", "P", "Red", "S"), variant("R2", "P", "Red", "S"), variant("B", "P", "Blue", "S")]
    reasons = _reasons(_plan(tmp_path, rows))
    assert reasons[2] == (
        (
            "row 2: options Color=Red, Size=S repeat row 3 of group P; each row of a group needs its "
            "own combination of option values"
        ),
    )
    assert reasons[3][0].startswith("row 3: options Color=Red, Size=S repeat row 2")


def test_option_cells_come_in_pairs_and_in_order(tmp_path: Path) -> None:
    rows = [variant("A", "P", "Red", option_2_name="Size"), variant("B", "P", "Blue", option_3_name="Fit", option_3_value="Slim")]
    reasons = _reasons(_plan(tmp_path, rows))
    assert "row 2: option_2_name is filled but option_2_value is blank" in reasons[2]
    assert "row 3: option 3 is filled but option 2 is blank; fill the options from option 1 on" in reasons[3]


def test_single_with_options_and_group_without(tmp_path: Path) -> None:
    rows = [single("S", option_1_name="Color", option_1_value="Red"), variant("G", "P", None, option_1_name=None)]
    reasons = _reasons(_plan(tmp_path, rows))
    assert reasons[2] == (
        (
            "row 2: options are filled but parent_sku is blank; give the rows of a product with options "
            "the same parent_sku, or clear the options"
        ),
    )
    assert reasons[3] == (
        (
            "row 3: row belongs to group P but has no options; fill option_1_name and option_1_value "
            "(or clear parent_sku for a single product)"
        ),
    )


def test_group_fields_fill_down_and_conflicts_are_named(tmp_path: Path) -> None:
    ok = _plan(tmp_path, [variant("R", "P", "Red", name="티셔츠", mrp=30000), variant("B", "P", "Blue", name=None)])
    assert _reasons(ok) == {}
    assert ok.plans[0].product_name == "티셔츠"
    bad = _plan(tmp_path, [variant("R", "P", "Red", mrp=30000), variant("B", "P", "Blue", mrp=32000)])
    assert _reasons(bad)[3] == (("row 3: MRP 32,000 differs from 30,000 on row 2 of group P; Cafe24 keeps one MRP per product"),)


def test_mrp_is_checked_against_every_variant_price(tmp_path: Path) -> None:
    rows = [variant("R", "P", "Red", mrp=25000, selling_price=20000), variant("B", "P", "Blue", selling_price=26000)]
    assert _reasons(_plan(tmp_path, rows))[3] == ("row 3: MRP 25,000 is lower than the selling price 26,000",)


def test_parent_sku_may_not_be_a_sku(tmp_path: Path) -> None:
    rows = [single("TEE"), variant("TEE-R", "TEE", "Red")]
    reasons = _reasons(_plan(tmp_path, rows))
    assert reasons[2] == (
        ("row 2: SKU TEE is also the parent SKU of the group on row 3; a parent SKU must differ from every SKU"),
    )
    assert reasons[3] == ("row 3: parent SKU TEE is also the SKU on row 2; a parent SKU must differ from every SKU",)


def test_too_many_combinations(tmp_path: Path) -> None:
    rows = [variant(f"V{i}", "P", f"C{i}", f"S{i}") for i in range(3)]
    reasons = _reasons(_plan(tmp_path, rows, limits=Limits(max_variants=8)))
    assert reasons[2] == ("row 2: group P would have 9 option combinations on Cafe24 (3 × 3 values); the limit is 8",)


def test_known_brands_and_categories(tmp_path: Path) -> None:
    rows = [single("A", brand="B000000A", category=27), single("B", brand="B00000ZZ", category=99)]
    reasons = _reasons(_plan(tmp_path, rows, brands={"B000000A"}, categories={27}))
    assert reasons == {3: ("row 3: brand B00000ZZ does not exist in this mall", "row 3: category 99 does not exist in this mall")}


def test_line_breaks_in_a_name(tmp_path: Path) -> None:
    assert _reasons(_plan(tmp_path, [single("A", name="두 줄\n이름")])) == {
        2: ("row 2: name '두 줄 이름' contains a line break or a control character",)
    }


# --- against Cafe24 ---------------------------------------------------------------------------------------------
def test_update_needs_no_name_or_price(tmp_path: Path) -> None:
    existing = {"A": listing(10, "P000000A000A", "A", price=10000)}
    plan = _plan(tmp_path, [{"sku": "A", "stock": 7}], existing=existing)
    assert _reasons(plan) == {}
    assert plan.plans[0].action == "update"


def test_sku_on_another_product_is_rejected(tmp_path: Path) -> None:
    existing = {"R": listing(10, "P00000AA000A", "OTHER", has_option=True)}
    plan = _plan(tmp_path, [variant("R", "P", "Red")], existing=existing)
    assert _reasons(plan) == {2: ("row 2: SKU R belongs to Cafe24 product 10 with parent SKU OTHER, not P",)}


def test_single_that_is_an_option_on_cafe24(tmp_path: Path) -> None:
    existing = {"R": listing(10, "P00000AA000A", "TEE", has_option=True)}
    assert _reasons(_plan(tmp_path, [single("R")], existing=existing)) == {
        2: (
            (
                "row 2: SKU R is an option of Cafe24 product 10 (parent SKU TEE); it cannot be uploaded as a single "
                "product: fill parent_sku with that product's code"
            ),
        )
    }


def test_group_row_that_is_a_single_on_cafe24(tmp_path: Path) -> None:
    existing = {"R": listing(11, "P00000AB000A", "R")}
    assert _reasons(_plan(tmp_path, [variant("R", "P", "Red")], existing=existing)) == {
        2: (
            (
                "row 2: SKU R is a single product on Cafe24 (product 11); it cannot join group P, because bulk upload "
                "does not turn a single product into a group"
            ),
        )
    }


def test_new_and_listed_skus_in_one_group(tmp_path: Path) -> None:
    existing = {"R": listing(12, "P00000AC000A", "P", has_option=True, price=20000)}
    reasons = _reasons(_plan(tmp_path, [variant("R", "P", "Red"), variant("B", "P", "Blue")], existing=existing))
    assert reasons[3] == (
        (
            "row 3: row 3 of group P is new but SKU R is already on Cafe24 product 12; bulk upload "
            "cannot add options to a listed product (add them in the Cafe24 admin, or upload them as a "
            "new group)"
        ),
    )


def test_group_spanning_two_cafe24_products(tmp_path: Path) -> None:
    existing = {"R": listing(12, "P00000AC000A", "P", has_option=True), "B": listing(13, "P00000AD000A", "P", has_option=True)}
    reasons = _reasons(_plan(tmp_path, [variant("R", "P", "Red"), variant("B", "P", "Blue")], existing=existing))
    assert reasons[2] == ("row 2: group P mixes SKUs of Cafe24 products 12, 13; one group updates one product",)


def test_new_parent_code_already_used_on_cafe24(tmp_path: Path) -> None:
    existing = {"OLD-1": listing(14, "P00000AE000A", "TEE", has_option=True)}
    reasons = _reasons(_plan(tmp_path, [variant("NEW-1", "TEE", "Red")], existing=existing))
    assert reasons[2] == (
        (
            "row 2: parent SKU TEE is already the product code of Cafe24 product 14; choose another "
            "code or upload that product's own SKUs"
        ),
    )


def test_options_of_a_listed_variant_cannot_change(tmp_path: Path) -> None:
    existing = {"R": listing(12, "P00000AC000A", "P", has_option=True, options=(("Color", "Red"),), price=20000)}
    reasons = _reasons(_plan(tmp_path, [variant("R", "P", "Blue")], existing=existing))
    assert reasons[2] == (
        (
            "row 2: SKU R has options Color=Red on Cafe24 but Color=Blue in the file; bulk upload does "
            "not change the options of listed items"
        ),
    )


def test_partial_group_update_needs_the_current_price(tmp_path: Path) -> None:
    existing = {"R": listing(12, "P00000AC000A", "P", has_option=True), "B": listing(12, "P00000AC000B", "P", has_option=True)}
    reasons = _reasons(_plan(tmp_path, [variant("R", "P", "Red", selling_price=21000)], existing=existing))
    assert reasons[2] == (
        (
            "row 2: the current price of Cafe24 product 12 is unknown, so the option prices cannot be "
            "worked out; sync the catalogue first"
        ),
    )


def test_row_schema_is_a_pandera_schema_naming_its_rules() -> None:
    schema, rules = row_schema()
    assert isinstance(schema, pa.DataFrameSchema)
    names = {check.name for column in schema.columns.values() for check in column.checks}
    assert {"mrp_not_below_selling_price", "sku_length", "name_required", "stock_range"} <= names
    assert set(rules) == names
