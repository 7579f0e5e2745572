"""Status history rows only on real changes; re-runs add nothing."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl
import pytest

from cafe24_pipeline.sync.order_history import StoredItem, diff_statuses

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
T1 = datetime(2026, 11, 2, tzinfo=timezone.utc)


def items(*pairs, backfill=False):
    return pl.DataFrame(
        {
            "mall_id": ["m"] * len(pairs),
            "shop_no": [1] * len(pairs),
            "order_id": [code[:16] for code, _ in pairs],
            "order_item_code": [code for code, _ in pairs],
            "order_status": [status for _, status in pairs],
            "imported_backfill": [backfill] * len(pairs),
        }
    )


def test_first_observation_is_a_history_row_with_no_old_status():
    diff = diff_statuses(items(("20261101-0000001-01", "N20")), {}, observed_at=T0, source="backfill")
    assert diff.history.select("old_status", "new_status", "source").rows() == [(None, "N20", "backfill")]
    assert diff.items["status_changed_at"].to_list() == [T0]


def test_unchanged_status_adds_nothing_and_keeps_change_time_and_backfill_flag():
    stored = {"20261101-0000001-01": StoredItem("N20", T0, True)}
    diff = diff_statuses(items(("20261101-0000001-01", "N20")), stored, observed_at=T1, source="poll")
    assert diff.history.height == 0
    assert diff.items["status_changed_at"].to_list() == [T0]
    assert diff.items["imported_backfill"].to_list() == [True]


def test_change_appends_old_and_new():
    stored = {"20261101-0000001-01": StoredItem("N20", T0, False), "20261101-0000001-02": StoredItem("N20", T0, False)}
    diff = diff_statuses(
        items(("20261101-0000001-01", "C40"), ("20261101-0000001-02", "N20")), stored, observed_at=T1, source="poll"
    )
    assert diff.history.select("order_item_code", "old_status", "new_status").rows() == [("20261101-0000001-01", "N20", "C40")]
    assert diff.items["status_changed_at"].to_list() == [T1, T0]


def test_unknown_source_is_refused():
    with pytest.raises(ValueError, match="source"):
        diff_statuses(items(("x", "N20")), {}, observed_at=T0, source="magic")


def test_frame_of_stored_items_gives_the_same_diff_in_item_order():
    from cafe24_pipeline.sync.order_history import STORED_SCHEMA, diff_against

    incoming = items(("20261101-0000002-01", "N30"), ("20261101-0000001-01", "N20"), ("20261101-0000003-01", "N10"))
    stored = {"20261101-0000001-01": StoredItem("N20", T0, True), "20261101-0000002-01": StoredItem("N20", None, False)}
    frame = pl.DataFrame(
        [(code, s.order_status, s.status_changed_at, s.imported_backfill) for code, s in stored.items()],
        schema=STORED_SCHEMA, orient="row",
    )  # fmt: skip
    diff = diff_against(incoming, frame, observed_at=T1, source="poll")
    assert diff.items.equals(diff_statuses(incoming, stored, observed_at=T1, source="poll").items)
    assert diff.items["order_item_code"].to_list() == incoming["order_item_code"].to_list()
    assert diff.items["status_changed_at"].to_list() == [T1, T0, T1]
    assert diff.items["imported_backfill"].to_list() == [False, True, False]
    assert diff.history.select("order_item_code", "old_status", "new_status").rows() == [
        ("20261101-0000002-01", "N20", "N30"), ("20261101-0000003-01", None, "N10"),
    ]  # fmt: skip
