"""Pending webhook events become targeted re-fetches (orders by id, products by number), duplicates and
reordered deliveries count once, our own pushes echoed back cost nothing, failures stay pending."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl

from cafe24_pipeline.store.webhooks import WebhookInbox
from cafe24_pipeline.sync.webhook_events import drain
from cafe24_pipeline.webhooks.events import parse_event

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)


def _add(inbox: WebhookInbox, event_no: int, **resource) -> bool:  # noqa: ANN003
    body = {"event_no": event_no, "resource": {"mall_id": "shopa", "event_shop_no": "1", **resource}}
    import json

    return inbox.add(parse_event(json.dumps(body).encode()), received_at=NOW)


def test_events_become_one_refetch_per_shop_and_are_marked(store):
    inbox = WebhookInbox(store)
    _add(inbox, 90024, order_id="20261201-0000002")  # delivered out of order
    _add(inbox, 90023, order_id="20261201-0000001")
    _add(inbox, 90023, order_id="20261201-0000001")  # the same delivery twice: stored once
    _add(inbox, 90071, order_id="20261201-0000001,20261201-0000003")
    _add(inbox, 90002, product_no="12")
    _add(inbox, 90078)  # app expired: nothing to re-read
    orders, products = [], []
    result = drain(
        store,
        "shopa",
        refetch_orders=lambda shop, ids: orders.append((shop, ids)),
        refetch_products=lambda shop, nos: products.append((shop, nos)),
        now=NOW,
    )
    assert orders == [(1, ["20261201-0000001", "20261201-0000002", "20261201-0000003"])]
    assert products == [(1, [12])]
    assert (result.events, result.orders, result.products, result.ignored) == (5, 3, 1, 1)
    statuses = store.read_table("webhook_inbox")["status"].value_counts().sort("status").rows()
    assert statuses == [("done", 4), ("ignored", 1)]
    assert inbox.pending(mall_id="shopa") == []


def test_our_own_stock_push_echoed_back_costs_no_refetch(store):
    state = pl.DataFrame(
        [
            {
                "mall_id": "shopa",
                "shop_no": 1,
                "variant_code": "P000000A000B",
                "product_no": 10,
                "sku": "A-M",
                "stock": 7,
                "stock_at": NOW - timedelta(seconds=20),
                "failures": 0,
                "updated_at": NOW,
            }
        ],
        schema_overrides={"stock_at": pl.Datetime("us", "UTC"), "updated_at": pl.Datetime("us", "UTC")},
    )
    store.upsert("oms_push_state", state)
    inbox = WebhookInbox(store)
    _add(inbox, 90075, product_no="10", variant_code="P000000A000B", quantity="7")  # our push
    _add(inbox, 90075, product_no="10", variant_code="P000000A000B", quantity="3")  # an order on Cafe24
    products = []
    result = drain(
        store, "shopa", refetch_orders=lambda *a: None, refetch_products=lambda shop, nos: products.append(nos), now=NOW
    )
    assert result.echoes == 1 and products == [[10]]


def test_a_failed_refetch_keeps_the_events_pending_then_gives_up(store):
    inbox = WebhookInbox(store)
    _add(inbox, 90023, order_id="20261201-0000009")

    def broken(shop, ids):  # noqa: ANN001, ANN202
        raise RuntimeError("Cafe24 503")

    for attempt in range(1, 6):
        result = drain(store, "shopa", refetch_orders=broken, refetch_products=lambda *a: None, now=NOW)
        assert result.failed == (1 if attempt <= 5 else 0)
    row = store.read_table("webhook_inbox").row(0, named=True)
    assert row["status"] == "failed" and row["attempts"] == 5 and "503" in row["error"]


def test_a_stock_crossed_zero_event_is_an_echo_only_on_the_side_of_zero_we_pushed(store):
    state = pl.DataFrame(
        [
            {
                "mall_id": "shopa",
                "shop_no": 1,
                "variant_code": "P000000B000A",
                "product_no": 11,
                "sku": "B-S",
                "stock": 0,
                "stock_at": NOW - timedelta(seconds=5),
                "failures": 0,
                "updated_at": NOW,
            }
        ],
        schema_overrides={"stock_at": pl.Datetime("us", "UTC"), "updated_at": pl.Datetime("us", "UTC")},
    )
    store.upsert("oms_push_state", state)
    inbox = WebhookInbox(store)
    sold_out = "In case that item stock is less than or equal 0"
    _add(inbox, 90075, product_no="11", variant_code="P000000B000A", status_text=sold_out)  # our push to 0
    _add(inbox, 90075, product_no="11", variant_code="P000000B000A", status_text="In case that item stock is more than 0")
    _add(inbox, 90075, product_no="12", variant_code="P000000C000A", status_text=sold_out)  # not ours
    products = []
    result = drain(
        store, "shopa", refetch_orders=lambda *a: None, refetch_products=lambda shop, nos: products.append(nos), now=NOW
    )
    assert result.echoes == 1 and products == [[11, 12]]
