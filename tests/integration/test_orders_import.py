"""The connect-time 90-day import against the sandbox: exact, both shops, idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.orders_support import counts, orders_env, stored_orders


@pytest.mark.slow
def test_90_day_import_equals_sandbox_in_both_shops_and_rerun_adds_nothing(tmp_path, store_url):
    with orders_env(tmp_path, store_url) as env:
        with env.sync() as sync:
            report = sync.initial_import()
        first_day = env.today() - timedelta(days=89)
        expected = env.sandbox_orders(first_day)
        assert {shop for shop, _ in expected} == {1, 2}, "the sandbox must have orders in both shops"
        assert len(env.sandbox_orders()) > len(expected), "older orders exist and must stay out"
        assert stored_orders(env.store) == expected
        assert report.fetched == len(expected) and not report.skipped
        # newest day first
        assert report.days[0] == env.today().isoformat() or report.days[-1] == env.today().isoformat()
        # every item mapped to an OMS status; every order in the OMS tables once
        after = counts(env.store)
        assert after["oms_orders"] == after["cafe24_orders"] == len(expected)
        assert after["oms_order_items"] == after["cafe24_order_items"]
        assert after["cafe24_order_status_history"] == after["cafe24_order_items"]  # first observation each
        unmapped = env.store.read("select count(*) as n from cafe24_order_items where oms_status is null")["n"][0]
        assert unmapped == 0
        flags = env.store.read("select distinct imported_backfill from cafe24_orders")["imported_backfill"].to_list()
        assert flags == [True]
        marks = {s: env.store.get_sync_state(env.mall, s) for s in ("orders.new", "orders.status", "orders.import")}
        assert all(m is not None and m.high_water_mark is not None for m in marks.values())
        assert marks["orders.new"].high_water_mark <= env.now() - timedelta(minutes=1)

        with env.sync() as sync:
            sync.initial_import()
            sync.sync_new_orders()
        assert counts(env.store) == after
        assert stored_orders(env.store) == expected


def test_import_since_a_date_takes_exactly_those_days_and_refuses_the_future(tmp_path, sqlite_store_url):
    with orders_env(tmp_path, sqlite_store_url, orders=200) as env:
        since = env.today() - timedelta(days=10)
        with env.sync() as sync:
            report = sync.initial_import(since=since)
            assert stored_orders(env.store) == env.sandbox_orders(since)
            assert report.days[0] == env.today().isoformat()  # today first
            with pytest.raises(ValueError, match="future"):
                sync.initial_import(since=env.today() + timedelta(days=1))
