"""Order reads against the sandbox over real HTTP: 90 days in two shops, window splitting, by id."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from cafe24_pipeline.cafe24 import client as client_module
from cafe24_pipeline.cafe24.client import Cafe24Client
from cafe24_pipeline.cafe24.http_auth import StaticTokenProvider
from cafe24_pipeline.cafe24.options import ClientOptions
from cafe24_pipeline.cafe24.governor import GovernorConfig
from cafe24_pipeline.cafe24.parsing import KST
from tests.fixtures.sandbox import sandbox_tokens
from tests.integration.cafe24_client_support import running_sandbox, settings_for
from tests.integration.test_client_catalog import _Server

MALL = "shopa"
FAST = GovernorConfig(leak_rate=400.0, max_calls_per_second=1000.0)


def _client(sb, tmp_path, **kw) -> Cafe24Client:
    token = sandbox_tokens(_Server(sb), MALL)["access_token"]
    return Cafe24Client(
        MALL, settings=settings_for(sb, tmp_path), tokens=StaticTokenProvider(token), options=ClientOptions(governor=FAST, **kw)
    )


def _truth(sb, shop_no, start, end):
    lo = datetime.combine(start, datetime.min.time(), KST).timestamp()
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), KST).timestamp()
    mall = sb.sandbox.state.mall(MALL)
    return {o.order_id: o for o in mall.orders if o.shop_no == shop_no and not o.hidden and lo <= o.order_ts < hi}


def _today(sb):
    return datetime.fromtimestamp(sb.sandbox.clock.ts(), KST).date()


@pytest.fixture(scope="module")
def sb():
    with running_sandbox(products=50, orders=3_000, leak_rate=400.0, order_days=120) as server:
        yield server


def test_90_days_of_orders_in_every_shop_without_422(sb, tmp_path):
    end = _today(sb)
    start = end - timedelta(days=89)
    with _client(sb, tmp_path) as client:
        shops = client.shop_nos()
        assert shops == [1, 2]
        for shop_no in shops:
            got = {}
            for page in client.iter_orders(shop_no, start, end):
                assert not page.issues and page.shop_no == shop_no
                assert (page.window_end - page.window_start).days < 89
                for order in page:
                    assert order.order_id not in got
                    got[order.order_id] = order
            truth = _truth(sb, shop_no, start, end)
            assert truth and set(got) == set(truth)
            for order_id, order in got.items():
                expected = truth[order_id]
                assert order.shop_no == shop_no and order.items_embedded
                assert [i.order_item_code for i in order.items] == [i.order_item_code for i in expected.items]
                assert all(isinstance(i.product_price, Decimal) and i.order_status for i in order.items)
                assert order.order_date.tzinfo is not None
    stats = sb.stats(MALL)
    assert stats["statuses"].get("422", 0) == 0 and stats["throttled_429"] == 0


def test_window_over_the_offset_cap_is_split_until_it_fits(sb, tmp_path, monkeypatch):
    monkeypatch.setattr(client_module, "ORDER_OFFSET_CAP", 60)  # a small cap makes splitting observable
    end = _today(sb)
    start = end - timedelta(days=59)
    with _client(sb, tmp_path) as client:
        counts = []
        original = client.count_orders

        def counting(*args, **kwargs):
            counts.append(original(*args, **kwargs))
            return counts[-1]

        client.count_orders = counting
        got = [o.order_id for page in client.iter_orders(1, start, end, page_size=25) for o in page]
    assert max(counts) > 60  # some windows were too big and were split
    assert len(got) == len(set(got)) and set(got) == set(_truth(sb, 1, start, end))


def test_orders_by_id_in_batches_of_100_find_hidden_orders(sb, tmp_path):
    mall = sb.sandbox.state.mall(MALL)
    wanted = [o.order_id for o in mall.orders if o.shop_no == 1][:150]
    sb.control("POST", f"{MALL}/orders/{wanted[0]}/hide", {"hidden": True})
    try:
        with _client(sb, tmp_path) as client:
            pages = list(client.get_orders(1, wanted + wanted[:3]))  # duplicates are sent once
            found = [o.order_id for page in pages for o in page]
            assert len(pages) == 2 and sorted(found) == sorted(wanted)
            one = client.get_order(1, wanted[1])
            assert one.order_id == wanted[1] and one.items
    finally:
        sb.control("POST", f"{MALL}/orders/{wanted[0]}/hide", {"hidden": False})


def test_order_status_and_shipment_writes(sb, tmp_path):
    mall = sb.sandbox.state.mall(MALL)
    order = next(o for o in mall.orders if o.shop_no == 1 and all(i.status == "N10" for i in o.items))
    with _client(sb, tmp_path) as client:
        result = client.update_order_process_status(1, order.order_id, "prepare")
        assert result.records[0].process_status == "prepare"
        assert {i.order_status for i in client.get_order(1, order.order_id).items} == {"N20"}
        shipments = client.create_shipment(1, order.order_id, tracking_no="1234567890", shipping_company_code="0006")
        assert shipments[0].shipping_code and shipments[0].status == "standby"
        assert {i.order_status for i in client.get_order(1, order.order_id).items} == {"N21"}
        moved = client.update_shipment(1, order.order_id, shipments[0].shipping_code, status="shipping")
        assert moved.records[0].status == "shipping"
        assert {i.order_status for i in client.get_order(1, order.order_id).items} == {"N30"}
        assert [s.shipping_code for s in client.iter_shipments(1, order.order_id)] == [shipments[0].shipping_code]
        with pytest.raises(ValueError):
            client.update_shipment(1, order.order_id, shipments[0].shipping_code, status="shipped", tracking_no="1")
