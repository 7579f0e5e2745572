"""When the store ANALYZEs a table it fills (store/statistics.py): first at 1,000 rows, then at 5x."""

from __future__ import annotations

from cafe24_pipeline.store import schema
from cafe24_pipeline.store.statistics import FIRST_ANALYZE_ROWS, TableGrowth, indexed_columns


def test_an_empty_table_is_analysed_at_the_first_thousand_rows_then_each_time_it_grew_fivefold():
    growth = TableGrowth(lambda _table: -1.0)  # never analysed
    analysed_at = []
    for page in range(1, 201):
        growth.wrote("cafe24_order_items", 1000)
        if growth.due():
            analysed_at.append(page * 1000)
    assert analysed_at == [1000, 5000, 25000, 125000]


def test_a_large_analysed_table_waits_until_it_has_grown_fivefold():
    growth = TableGrowth(lambda _table: 100_000.0)
    growth.wrote("cafe24_orders", 399_999)
    assert growth.due() == []
    growth.wrote("cafe24_orders", 1)
    assert growth.due() == ["cafe24_orders"]
    assert growth.due() == []  # the counter restarted


def test_small_writes_never_call_for_an_analyze_and_tables_count_apart():
    sizes = []
    growth = TableGrowth(lambda table: sizes.append(table) or 0.0)
    growth.wrote("a", FIRST_ANALYZE_ROWS - 1)
    growth.wrote("b", 0)
    assert growth.due() == []
    assert sizes == []  # the table's size is not even asked for below the threshold
    growth.wrote("b", FIRST_ANALYZE_ROWS)
    assert growth.due() == ["b"]


def test_only_key_and_indexed_columns_are_analysed_not_the_wide_json():
    columns = indexed_columns(schema.cafe24_order_items)
    assert {"mall_id", "order_item_code", "order_id", "sku", "order_status", "order_date_kst"} == set(columns)
    assert "raw" not in columns
