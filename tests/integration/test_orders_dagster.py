"""The order assets, checks and jobs in Dagster, against the sandbox over HTTP and a real store."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import pytest

from cafe24_pipeline.assets.orders import RECONCILIATION_CHECK, order_assets
from cafe24_pipeline.checks.orders import every_item_mapped, order_checks
from cafe24_pipeline.partitions import MALLS_PARTITION_NAME
from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.schedules.orders import order_jobs
from tests.integration.orders_support import counts, minutes_ago, orders_env, stored_orders


@pytest.fixture()
def dagster_env(tmp_path, sqlite_store_url, monkeypatch):
    with orders_env(tmp_path, sqlite_store_url, orders=200) as env:
        for name, value in {
            "CAFE24_PIPELINE_HOME": str(env.settings.home),
            "CAFE24_PIPELINE_DATABASE_URL": sqlite_store_url,
            "CAFE24_API_BASE_URL": env.server.api_base_template,
            "CAFE24_CLIENT_ID": env.server.client_id,
            "CAFE24_CLIENT_SECRET": env.server.client_secret,
        }.items():
            monkeypatch.setenv(name, value)
        defs = dg.Definitions(
            assets=order_assets,
            asset_checks=order_checks,
            jobs=order_jobs,
            resources={
                "store": StoreResource(database_url=sqlite_store_url),
                "cafe24": Cafe24Resource(database_url=sqlite_store_url, headroom=0, max_calls_per_second=200),
            },
        )
        for days_ago in (1, 2):  # the seed is random: make sure the days under test have orders
            noon = f"{(env.today() - timedelta(days=days_ago)).isoformat()}T12:00:00+09:00"
            env.control("POST", "/orders", {"count": 2, "status": "N40", "order_date": noon, "shop_no": days_ago})
        with dg.instance_for_test() as instance:
            instance.add_dynamic_partitions(MALLS_PARTITION_NAME, [env.mall])
            yield env, defs, instance


def _day_key(env, days_ago: int) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"mall": env.mall, "day": (env.today() - timedelta(days=days_ago)).isoformat()})


def _checks(result) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


@pytest.mark.slow
def test_day_partitions_import_exactly_that_day_and_checks_pass(dagster_env):
    env, defs, instance = dagster_env
    job = defs.resolve_job_def("orders_import_job")
    for days_ago in (1, 2):
        result = job.execute_in_process(instance=instance, partition_key=_day_key(env, days_ago), raise_on_error=False)
        assert result.success
        assert _checks(result) == {
            "no_duplicate_order_item_code": True,
            "every_item_mapped": True,
            "order_totals_consistent": True,
            "oms_orders_cover_mirror": True,
        }
    wanted = {env.today() - timedelta(days=1), env.today() - timedelta(days=2)}
    expected = {k: v for k, v in env.sandbox_orders().items() if v["day"] in wanted}
    assert expected and stored_orders(env.store) == expected
    before = counts(env.store)
    job.execute_in_process(instance=instance, partition_key=_day_key(env, 1))
    assert counts(env.store) == before


@pytest.mark.slow
def test_reconciliation_reports_an_order_removed_by_hand(dagster_env):
    env, defs, instance = dagster_env
    key = _day_key(env, 1)
    defs.resolve_job_def("orders_import_job").execute_in_process(instance=instance, partition_key=key)
    reconcile = defs.resolve_job_def("order_reconciliation_job")
    clean = reconcile.execute_in_process(instance=instance, partition_key=key)
    assert _checks(clean) == {RECONCILIATION_CHECK: True}

    victim = env.store.read(
        "select order_id from cafe24_orders where order_date_kst = :d order by order_id limit 1",
        {"d": env.today() - timedelta(days=1)},
    )["order_id"][0]
    with env.store.transaction() as conn:
        conn.exec_driver_sql(f"delete from cafe24_order_items where order_id = '{victim}'")
        conn.exec_driver_sql(f"delete from cafe24_orders where order_id = '{victim}'")
    result = reconcile.execute_in_process(instance=instance, partition_key=key)
    evaluation = result.get_asset_check_evaluations()[0]
    assert not evaluation.passed
    assert evaluation.metadata["missing_in_store"].value == 1
    mat = result.asset_materializations_for_node("cafe24__order_reconciliation")[0]
    assert victim in mat.metadata["findings_sample"].value


@pytest.mark.slow
def test_polling_jobs_report_day_partitions_and_unknown_code_fails_check(dagster_env):
    env, defs, instance = dagster_env
    new_job = defs.resolve_job_def("orders_new_job")
    today = _day_key(env, 0)
    env.control("DELETE", "/stats")
    first = new_job.execute_in_process(instance=instance, partition_key=today)  # first run = 90-day import
    sandbox_calls = env.control("GET", "/stats")["total_calls"]
    assert first.success
    # the poll is an asset job: full metadata on today's partition, and the order checks ran
    mats = {m.asset_key.to_user_string(): m for m in first.get_asset_materialization_events() if m.partition == str(today)}
    assert {"cafe24/orders", "cafe24/order_items", "cafe24/order_status_history", "oms/orders"} <= set(mats)
    orders_meta = mats["cafe24/orders"].materialization.metadata
    assert orders_meta["rows_fetched"].value > 0 and orders_meta["dagster/row_count"].value > 0
    assert orders_meta["api_calls"].value == sandbox_calls > 0  # the calls Cafe24 answered, counted (was 0)
    assert _checks(first) == {
        "no_duplicate_order_item_code": True,
        "every_item_mapped": True,
        "order_totals_consistent": True,
        "oms_orders_cover_mirror": True,
    }
    # ... over every day the run wrote (the 90-day import), not only today's partition
    evaluations = {e.check_name: e for e in first.get_asset_check_evaluations()}
    assert evaluations["every_item_mapped"].metadata["items"].value == counts(env.store)["cafe24_order_items"]
    # every materialization of every order asset carries row counts, whichever day it is for
    for event in first.get_asset_materialization_events():
        meta = event.materialization.metadata
        assert "dagster/row_count" in meta and "dagster/partition_row_count" in meta, event.asset_key
    # the import wrote the earlier days too: each got a materialization with the same metadata
    older = {m.partition for m in first.get_asset_materialization_events() if m.asset_key == dg.AssetKey(["cafe24", "orders"])}
    assert str(_day_key(env, 1)) in older and str(_day_key(env, 2)) in older

    order = env.control("POST", "/orders", {"count": 1, "status": "N20", "order_date": minutes_ago(env, 3)})["orders"][0]
    second = new_job.execute_in_process(instance=instance, partition_key=today)
    touched = {m.partition for m in second.get_asset_materialization_events()}
    assert str(today) in touched
    assert (1, order["order_id"]) in stored_orders(env.store)

    env.control("POST", f"/orders/{order['order_id']}/status", {"status": "C40"})
    status = defs.resolve_job_def("order_status_job").execute_in_process(instance=instance, partition_key=today)
    assert status.success
    assert stored_orders(env.store)[(1, order["order_id"])]["items"] == {order["items"][0]["order_item_code"]: "C40"}

    # An unknown code (as if Cafe24 added one) is stored as is, never mapped, and fails the check.
    code = order["items"][0]["order_item_code"]
    with env.store.transaction() as conn:
        conn.exec_driver_sql(
            f"update cafe24_order_items set order_status = 'Z99', oms_status = null where order_item_code = '{code}'"
        )
    result = dg.materialize(
        [*order_assets, *order_checks],
        selection=dg.AssetSelection.checks(every_item_mapped),
        instance=instance,
        resources=defs.resources,
        raise_on_error=False,
    )
    evaluation = result.get_asset_check_evaluations()[0]
    assert evaluation.check_name == "every_item_mapped" and not evaluation.passed
    assert evaluation.metadata["unknown_codes"].value == ["Z99"]
    assert evaluation.metadata["unmapped_items"].value == 1


@pytest.mark.slow
def test_oms_orders_turn_partial_into_new_when_stock_arrives(dagster_env):
    from datetime import datetime, timezone

    import polars as pl

    from cafe24_pipeline.assets.orders import OMS_ORDERS_KEY
    from cafe24_pipeline.oms import status_map as sm

    env, defs, instance = dagster_env
    key = _day_key(env, 1)
    noon = f"{(env.today() - timedelta(days=1)).isoformat()}T12:00:00+09:00"
    env.control("POST", "/orders", {"count": 2, "status": "N20", "order_date": noon})  # paid, to be shipped
    defs.resolve_job_def("orders_import_job").execute_in_process(instance=instance, partition_key=key)
    waiting = env.store.read(
        "select o.order_id, i.sku, i.quantity from oms_orders o join cafe24_order_items i on i.order_id = o.order_id "
        "where o.status = 'Partial' and o.order_date_kst = :d",
        {"d": env.today() - timedelta(days=1)},
    )
    assert waiting.height > 0, "no OMS stock yet: paid orders wait as Partial"
    need = waiting.group_by("sku").agg(pl.col("quantity").sum().alias("stock"))
    now = datetime.now(timezone.utc)
    env.store.upsert("oms_products", need.with_columns(pl.col("sku").alias("name"), pl.lit(now).alias("updated_at")))

    result = dg.materialize(
        [*order_assets, *order_checks],
        selection=dg.AssetSelection.assets(OMS_ORDERS_KEY),
        partition_key=key,
        instance=instance,
        resources=defs.resources,
    )
    assert result.success
    statuses = dict(
        env.store.read(
            "select order_id, status from oms_orders where order_id in ('" + "','".join(waiting["order_id"].unique()) + "')"
        ).rows()
    )
    assert set(statuses.values()) == {sm.NEW}
    items = env.store.read(
        "select distinct oms_status from cafe24_order_items where order_id in ('"
        + "','".join(waiting["order_id"].unique())
        + "') "
        "and order_status in ('N10', 'N20')"
    )["oms_status"].to_list()
    assert items == [sm.NEW]
