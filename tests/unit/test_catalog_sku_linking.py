"""Deterministic one-listing-per-SKU linking; every other variant is reported, never dropped."""

from __future__ import annotations

import polars as pl
import pytest

from cafe24_pipeline.oms.sku_linking import (
    REASON_CAFE24_FLAGGED,
    REASON_DUPLICATE_SKU,
    REASON_MISSING_SKU,
    link_skus,
)


def _cands(rows):
    return pl.DataFrame(
        rows,
        schema=["mall_id", "shop_no", "product_no", "variant_code", "sku", "duplicated_custom_variant_code"],
        orient="row",
    )


def test_duplicate_sku_links_lowest_ids_and_quarantines_the_rest():
    cands = _cands(
        [
            ("m", 1, 30, "P00000300000A", "DUP", True),
            ("m", 1, 10, "P00000100000B", "DUP", True),
            ("m", 1, 10, "P00000100000A", "OK-1", False),
            ("m", 1, 20, "P00000200000A", "DUP", True),
        ]
    )
    result = link_skus(cands)
    assert result.links.filter(pl.col("sku") == "DUP")["variant_code"].item() == "P00000100000B"
    dups = result.conflicts.filter(pl.col("reason") == REASON_DUPLICATE_SKU)
    assert sorted(dups["variant_code"].to_list()) == ["P00000200000A", "P00000300000A"]
    assert set(dups["linked_variant_code"].to_list()) == {"P00000100000B"}
    assert set(dups["linked_product_no"].to_list()) == {10}
    assert result.links.height == 2


def test_linking_is_independent_of_input_order():
    rows = [("m", 1, n, f"V{n}", "S", True) for n in (5, 3, 9, 1)]
    a = link_skus(_cands(rows))
    b = link_skus(_cands(list(reversed(rows))))
    assert a.links.equals(b.links) and a.conflicts.equals(b.conflicts)


def test_existing_link_survives_a_newer_lower_duplicate():
    cands = _cands([("m", 1, 50, "V50", "S", False), ("m", 1, 2, "V2", "S", True)])
    existing = pl.DataFrame({"mall_id": ["m"], "sku": ["S"], "product_no": [50], "variant_code": ["V50"]})
    result = link_skus(cands, existing)
    assert result.links["variant_code"].to_list() == ["V50"]
    assert result.conflicts["variant_code"].to_list() == ["V2"]


def test_same_variant_in_two_shops_is_not_a_duplicate():
    cands = _cands([("m", 2, 1, "V1", "S", False), ("m", 1, 1, "V1", "S", False)])
    result = link_skus(cands)
    assert result.links.row(0, named=True)["shop_no"] == 1
    assert result.conflicts.height == 0


def test_missing_sku_and_lonely_cafe24_flag_are_reported():
    cands = _cands([("m", 1, 1, "V1", None, False), ("m", 1, 2, "V2", "  ", False), ("m", 1, 3, "V3", "F", True)])
    result = link_skus(cands)
    assert result.links["sku"].to_list() == ["F"]
    reasons = dict(zip(result.conflicts["variant_code"], result.conflicts["reason"]))
    assert reasons == {"V1": REASON_MISSING_SKU, "V2": REASON_MISSING_SKU, "V3": REASON_CAFE24_FLAGGED}


def test_same_sku_in_two_malls_links_in_each():
    cands = _cands([("a", 1, 1, "V1", "S", False), ("b", 1, 7, "V7", "S", False)])
    result = link_skus(cands)
    assert result.links.height == 2 and result.conflicts.height == 0


def test_missing_columns_is_a_clear_error():
    with pytest.raises(ValueError, match="lacks columns"):
        link_skus(pl.DataFrame({"mall_id": ["m"]}))
