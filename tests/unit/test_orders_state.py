"""The OMS order state machine: cancellation only before packing, no regression of OMS-owned steps."""

from __future__ import annotations

import pytest

from cafe24_pipeline.oms import status_map as sm
from cafe24_pipeline.oms.order_state import (
    TransitionNotAllowed,
    can_cancel,
    can_transition,
    merge_observed,
    oms_advance,
    order_status_of,
    seller_cancel,
)


@pytest.mark.parametrize("status", [sm.PENDING_PAYMENT, sm.NEW, sm.PARTIAL, sm.RFP, sm.ON_HOLD])
def test_cancel_allowed_before_packing(status):
    assert can_cancel(status)
    assert seller_cancel(status) == sm.CANCELLED_BY_SELLER_INPROCESS


@pytest.mark.parametrize("status", [sm.READY_TO_SHIP, sm.IN_TRANSIT, sm.COMPLETE, sm.CANCELED, sm.RETURNED])
def test_cancel_refused_from_ready_to_ship_on(status):
    assert not can_cancel(status)
    with pytest.raises(TransitionNotAllowed, match="no longer be cancelled"):
        seller_cancel(status)


def test_fulfilment_path_is_allowed_and_backwards_is_not():
    status = sm.NEW
    for step in (sm.RFP, sm.READY_TO_SHIP, sm.IN_TRANSIT, sm.COMPLETE):
        status = oms_advance(status, step)
    assert status == sm.COMPLETE
    assert not can_transition(sm.IN_TRANSIT, sm.NEW)
    with pytest.raises(TransitionNotAllowed):
        oms_advance(sm.READY_TO_SHIP, sm.RFP)


def test_terminal_statuses_go_nowhere():
    for status in (sm.CANCELED, sm.CANCELLED_BY_SELLER, sm.RETURNED):
        assert all(not can_transition(status, t) for t in sm.OMS_STATUSES if t != status)


def test_unknown_status_is_an_error():
    with pytest.raises(ValueError, match="not an OMS status"):
        can_transition("Shipped", sm.NEW)


def test_merge_new_order_takes_the_observation():
    assert merge_observed(None, sm.PARTIAL) == sm.PARTIAL


def test_merge_keeps_rfp_and_pending_ready_to_ship_when_cafe24_is_behind():
    assert merge_observed(sm.RFP, sm.NEW) == sm.RFP
    assert merge_observed(sm.READY_TO_SHIP, sm.NEW) == sm.READY_TO_SHIP
    assert merge_observed(sm.RFP, sm.READY_TO_SHIP) == sm.READY_TO_SHIP
    assert merge_observed(sm.PARTIAL, sm.NEW) == sm.NEW  # stock arrived


def test_merge_cafe24_claims_win():
    assert merge_observed(sm.RFP, sm.CANCEL_IN_PROCESS) == sm.CANCEL_IN_PROCESS
    assert merge_observed(sm.COMPLETE, sm.RETURN_IN_PROCESS) == sm.RETURN_IN_PROCESS


def test_merge_seller_cancellation_completes_as_cancelled_by_seller():
    assert merge_observed(sm.CANCELLED_BY_SELLER_INPROCESS, sm.NEW) == sm.CANCELLED_BY_SELLER_INPROCESS
    assert merge_observed(sm.CANCELLED_BY_SELLER_INPROCESS, sm.CANCEL_IN_PROCESS) == sm.CANCELLED_BY_SELLER_INPROCESS
    assert merge_observed(sm.CANCELLED_BY_SELLER_INPROCESS, sm.CANCELED) == sm.CANCELLED_BY_SELLER
    assert merge_observed(sm.CANCELLED_BY_SELLER, sm.CANCELED) == sm.CANCELLED_BY_SELLER


def test_order_status_from_items():
    assert order_status_of([sm.COMPLETE, sm.CANCELED]) == sm.COMPLETE
    assert order_status_of([sm.CANCELED, sm.CANCELED]) == sm.CANCELED
    assert order_status_of([sm.NEW, sm.RETURN_IN_PROCESS]) == sm.RETURN_IN_PROCESS
    assert order_status_of([sm.NEW, sm.PARTIAL]) == sm.PARTIAL
    with pytest.raises(ValueError):
        order_status_of([])
