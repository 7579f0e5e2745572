"""New orders and status changes against the sandbox: added orders appear on the next 5-minute run,
status changes (cancellation, return, exchange, delivery, ...) on the next 30-minute run, each with a
history row; re-runs add nothing."""

from __future__ import annotations

import pytest

from cafe24_pipeline.oms import status_map as sm
from tests.integration.orders_support import counts, minutes_ago, orders_env, stored_orders

# Every seed status the issue names, plus exchanges; (Cafe24 code, OMS status expected).
MOVES = [
    ("N20", None),  # Preparing for Shipment: New or Partial by OMS stock
    ("N21", sm.READY_TO_SHIP),  # Awaiting Shipment (no event date: only the re-poll sees it)
    ("N30", sm.IN_TRANSIT),  # In Transit
    ("N40", sm.COMPLETE),  # Delivered
    ("C00", sm.CANCEL_IN_PROCESS),  # Cancellation in Progress
    ("C40", sm.CANCELED),  # Cancelled
    ("R00", sm.RETURN_IN_PROCESS),  # Return in Progress
    ("R40", sm.RETURNED),  # Return Complete
    ("E00", sm.EXCHANGE_IN_PROCESS),  # exchange requested
]


def _item_rows(env, order_ids):
    frame = env.store.read(
        "select order_id, order_item_code, order_status, oms_status from cafe24_order_items where mall_id = :m",
        {"m": env.mall},
    )
    return {r["order_id"]: r for r in frame.iter_rows(named=True) if r["order_id"] in order_ids}


def _history(env, code):
    frame = env.store.read(
        "select old_status, new_status from cafe24_order_status_history where order_item_code = :c order by id",
        {"c": code},
    )
    return frame.rows()


@pytest.mark.slow
def test_new_orders_then_status_changes_with_history(tmp_path, store_url):
    with orders_env(tmp_path, store_url, orders=120) as env:
        with env.sync() as sync:
            sync.initial_import()
        before = counts(env.store)

        created = env.control(
            "POST",
            "/orders",
            {
                "count": len(MOVES),
                "status": "N10",
                "shop_no": 2,
                "order_date": minutes_ago(env, 3),
                "items": [{"product_no": 1, "quantity": 1}],
            },
        )["orders"]
        unpaid = env.control("POST", "/orders", {"count": 1, "status": "N00", "shop_no": 1, "order_date": minutes_ago(env, 3)})[
            "orders"
        ][0]
        with env.sync() as sync:
            new = sync.sync_new_orders()
        ids = [o["order_id"] for o in created] + [unpaid["order_id"]]
        stored = stored_orders(env.store)
        for order in created + [unpaid]:
            assert (order["shop_no"], order["order_id"]) in stored
        assert new.stored_orders >= len(ids)
        assert counts(env.store)["cafe24_orders"] == before["cafe24_orders"] + len(ids)
        rows = _item_rows(env, ids)
        assert rows[unpaid["order_id"]]["oms_status"] == sm.PENDING_PAYMENT

        # the merchant / buyers move things on Cafe24
        for order, (code, _) in zip(created, MOVES):
            env.control("POST", f"/orders/{order['order_id']}/status", {"status": code})
        env.control("POST", f"/orders/{unpaid['order_id']}/status", {"status": "C47"})  # Cancelled before Payment

        with env.sync() as sync:
            sweep = sync.sync_status_changes()
        assert sweep.repolled > 0  # N21 has no event date: the re-poll by id found it
        rows = _item_rows(env, ids)
        for order, (code, oms) in zip(created, MOVES):
            row = rows[order["order_id"]]
            assert row["order_status"] == code, order
            assert row["oms_status"] == (oms or row["oms_status"])
            if oms is None:
                assert row["oms_status"] in (sm.NEW, sm.PARTIAL)
            assert _history(env, row["order_item_code"]) == [(None, "N10"), ("N10", code)]
        assert rows[unpaid["order_id"]]["order_status"] == "C47"
        assert rows[unpaid["order_id"]]["oms_status"] == sm.CANCELED
        assert _history(env, rows[unpaid["order_id"]]["order_item_code"]) == [(None, "N00"), ("N00", "C47")]
        oms = dict(env.store.read("select order_id, status from oms_orders where order_id in ('" + "','".join(ids) + "')").rows())
        assert oms[created[5]["order_id"]] == sm.CANCELED and oms[created[7]["order_id"]] == sm.RETURNED

        # exchange completes; a delivered order gets confirmed; a second sweep sees only those
        exchange, delivered = created[8], created[3]
        env.control("POST", f"/orders/{exchange['order_id']}/status", {"status": "E40"})
        env.control("POST", f"/orders/{delivered['order_id']}/status", {"status": "N50"})
        with env.sync() as sync:
            sync.sync_status_changes()
        rows = _item_rows(env, ids)
        assert rows[exchange["order_id"]]["oms_status"] == sm.EXCHANGED
        assert _history(env, rows[exchange["order_id"]]["order_item_code"])[-1] == ("E00", "E40")
        assert _history(env, rows[delivered["order_id"]]["order_item_code"])[-1] == ("N40", "N50")

        # everything we hold equals the sandbox, and re-runs add nothing
        settled = counts(env.store)
        with env.sync() as sync:
            sync.sync_status_changes()
            sync.sync_new_orders()
        assert counts(env.store) == settled
        expected = {k: v for k, v in env.sandbox_orders().items() if k in stored_orders(env.store)}
        assert {k: v["items"] for k, v in stored_orders(env.store).items()} == {k: v["items"] for k, v in expected.items()}
