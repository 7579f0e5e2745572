"""Order pages gathered into write batches (sync/write_batches.py, order_frames.combine_pages)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from cafe24_pipeline.cafe24.models import Order
from cafe24_pipeline.sync.order_frames import combine_pages, order_frames
from cafe24_pipeline.sync.write_batches import write_batches
from tests.unit.test_orders_frames import raw_order

NOW = datetime(2026, 12, 4, 1, 0, tzinfo=timezone.utc)


def test_batches_close_once_their_weight_reaches_the_limit_and_the_rest_comes_last():
    pages = [10, 10, 10, 10, 10, 10, 10]
    assert [sum(b) for b in write_batches(pages, lambda n: n, 25)] == [30, 30, 10]
    assert list(write_batches(pages, lambda n: n, 1)) == [[10]] * 7  # a limit of 1: every page alone
    assert list(write_batches([0, 0, 5], lambda n: n, 5)) == [[0, 0, 5]]  # empty pages ride along


def test_pages_gathered_before_a_failure_are_handed_over_before_it_is_raised():
    def pages() -> Iterator[int]:
        yield from (10, 10, 10, 10)
        raise ConnectionError("Cafe24 went away at page 5")

    batches = write_batches(pages(), lambda n: n, 25)
    assert next(batches) == [10, 10, 10]
    assert next(batches) == [10]  # page 4, written before the error surfaces
    with pytest.raises(ConnectionError, match="page 5"):
        next(batches)


def _page(*records: dict):
    return order_frames("mall", [Order.from_api(r) for r in records], synced_at=NOW)


def test_an_order_on_two_pages_keeps_its_later_copy_whole():
    first = _page(raw_order("A-1"), raw_order("A-2", status="N10"))
    later_a2 = raw_order("A-2", status="N40")
    later_a2["items"][0]["order_item_code"] = "A-2-02"  # the later copy's items replace the earlier ones
    second = _page(later_a2, raw_order("A-3"))
    batch = combine_pages([first, second])
    assert sorted(batch.orders["order_id"].to_list()) == ["A-1", "A-2", "A-3"]
    a2_items = batch.items.filter(batch.items["order_id"] == "A-2")
    assert a2_items["order_item_code"].to_list() == ["A-2-02"]
    assert a2_items["order_status"].to_list() == ["N40"]
    assert batch.receivers.height == 3
    assert combine_pages([first]) is first
