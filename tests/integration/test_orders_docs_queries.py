"""The three example queries of docs/orders.md run, unchanged, on a store synced from the sandbox."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.integration.orders_support import orders_env

DOC = Path(__file__).resolve().parents[2] / "docs" / "orders.md"


def doc_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOC.read_text(), flags=re.S)


def test_docs_have_the_three_queries():
    queries = doc_queries()
    assert len(queries) == 3
    assert all("ordermall" in q for q in queries)


@pytest.mark.slow
def test_doc_queries_run_and_agree_with_the_data(tmp_path, store_url):
    daily, funnel, top = doc_queries()
    with orders_env(tmp_path, store_url, orders=300) as env:
        with env.sync() as sync:
            sync.initial_import()
        store = env.store

        sales = store.read(daily)
        assert sales.height > 0
        day, shop, n, krw = sales.row(0)
        day = date.fromisoformat(str(day))
        paid = store.read(
            "select payment_amount from cafe24_orders where mall_id = 'ordermall' and paid and shop_no = :s "
            "and order_date_kst = :d",
            {"s": shop, "d": day},
        )
        assert n == paid.height and krw == sum(paid["payment_amount"].to_list(), Decimal(0))

        stages = store.read(funnel)
        recent = store.read(
            "select count(*) as n from cafe24_order_items where mall_id = 'ordermall' and order_date_kst >= '2026-10-29'"
        )["n"][0]
        assert stages["items"].sum() == recent and stages["oms_status"].null_count() == 0

        best = store.read(top)
        assert 0 < best.height <= 5
        assert best["units"].to_list() == sorted(best["units"].to_list(), reverse=True)
