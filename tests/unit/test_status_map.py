"""The §6 status table: every documented Cafe24 code maps, unknown codes raise, New vs Partial by stock."""

from __future__ import annotations

import pytest

from cafe24_pipeline.oms import status_map as sm
from cafe24_pipeline.oms.status_map import ItemNeed, UnknownStatusCode, map_code, resolve_fulfil_status

# cafe24-api.md §7.7, every code listed there.
DOCUMENTED_CODES = (
    "N00 N01 N02 N03 N10 N20 N21 N22 N30 N40 N50 "
    "C00 C10 C11 C34 C35 C36 C40 C41 C42 C43 C47 C48 C49 "
    "R00 R10 R11 R12 R13 R20 R30 R31 R34 R36 R40 R41 R42 R43 "
    "E00 E10 E11 E12 E13 E20 E30 E31 E32 E33 E34 E35 E36 E40 E41 E50 E51"
).split()


def test_every_documented_code_maps_to_an_oms_status():
    for code in DOCUMENTED_CODES:
        assert map_code(code, in_stock=True) in sm.OMS_STATUSES
        assert map_code(code, in_stock=False) in sm.OMS_STATUSES
    assert set(DOCUMENTED_CODES) == sm.KNOWN_CODES


def test_every_code_the_sandbox_can_produce_is_mapped():
    from cafe24_sandbox.statuses import STATUSES

    assert set(STATUSES) <= sm.KNOWN_CODES


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("N00", sm.PENDING_PAYMENT), ("N02", sm.PENDING_PAYMENT), ("N21", sm.READY_TO_SHIP),
        ("N22", sm.ON_HOLD), ("N30", sm.IN_TRANSIT), ("N40", sm.COMPLETE), ("N50", sm.COMPLETE),
        ("C00", sm.CANCEL_IN_PROCESS), ("C36", sm.CANCEL_IN_PROCESS), ("C40", sm.CANCELED),
        ("C47", sm.CANCELED), ("C49", sm.CANCELED), ("R00", sm.RETURN_IN_PROCESS), ("R36", sm.RETURN_IN_PROCESS),
        ("R40", sm.RETURNED), ("R43", sm.RETURNED), ("E00", sm.EXCHANGE_IN_PROCESS), ("E36", sm.EXCHANGE_IN_PROCESS),
        ("E40", sm.EXCHANGED), ("R11", sm.COMPLETE), ("E11", sm.COMPLETE), ("E50", sm.COMPLETE),
    ],
)  # fmt: skip
def test_design_section_6_rows(code, expected):
    assert map_code(code, in_stock=True) == expected


@pytest.mark.parametrize("code", ["N10", "N20", "C11"])
def test_fulfil_codes_are_new_in_stock_and_partial_out_of_stock(code):
    assert map_code(code, in_stock=True) == sm.NEW
    assert map_code(code, in_stock=False) == sm.PARTIAL


@pytest.mark.parametrize("code", ["N99", "X10", "", None, "n10", 10])
def test_unknown_code_raises_and_is_never_defaulted(code):
    with pytest.raises(UnknownStatusCode) as err:
        map_code(code, in_stock=True, where="20260101-0000001-01")  # type: ignore[arg-type]
    assert sm.STATUS_MAP_VERSION in str(err.value)
    assert not sm.is_known(code)


def test_unknown_codes_lists_each_once_in_order():
    assert sm.unknown_codes(["N10", "Z01", "N20", "Z01", None, "Q"]) == ["Z01", None, "Q"]


def test_new_when_every_fulfillable_item_in_stock():
    items = [ItemNeed("A", 2, "N20"), ItemNeed("B", 1, "N10"), ItemNeed("GONE", 5, "C40")]
    assert resolve_fulfil_status(items, {"A": 2, "B": 1}) == sm.NEW


def test_partial_when_any_item_short_counting_same_sku_twice():
    items = [ItemNeed("A", 2, "N20"), ItemNeed("A", 1, "N20")]
    assert resolve_fulfil_status(items, {"A": 2}) == sm.PARTIAL
    assert resolve_fulfil_status(items, {"A": 3}) == sm.NEW


def test_partial_when_sku_missing_or_unknown_to_oms():
    assert resolve_fulfil_status([ItemNeed(None, 1, "N20")], {}) == sm.PARTIAL
    assert resolve_fulfil_status([ItemNeed("NOPE", 1, "N20")], {"A": 9}) == sm.PARTIAL


def test_table_rows_carry_the_version():
    rows = sm.table_rows()
    assert len(rows) == len(DOCUMENTED_CODES)
    assert {r["version"] for r in rows} == {sm.STATUS_MAP_VERSION}
