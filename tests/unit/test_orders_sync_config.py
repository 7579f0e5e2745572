"""Order sync knobs from the environment: defaults, overrides, clear errors for bad values."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cafe24_pipeline.sync.orders import OrderSyncConfig, day_runs


def test_defaults_follow_the_issue():
    c = OrderSyncConfig.from_env({})
    assert c.initial_days == 90
    assert c.safety_lag == timedelta(minutes=2) and c.new_orders_overlap == timedelta(minutes=10)
    assert c.repoll_batch == 100 and c.import_window_days == 7
    assert c.write_batch_orders == 5000 and c.prefetch_pages == 6


def test_overrides():
    c = OrderSyncConfig.from_env(
        {"CAFE24_ORDERS_SAFETY_LAG_MINUTES": "1.5", "CAFE24_ORDERS_IMPORT_WINDOW_DAYS": "30", "CAFE24_ORDER_REPOLL_BATCH": "50"}
    )
    assert c.safety_lag == timedelta(minutes=1.5) and c.import_window_days == 30 and c.repoll_batch == 50


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CAFE24_ORDERS_SAFETY_LAG_MINUTES", "soon", "number of minutes"),
        ("CAFE24_ORDERS_OVERLAP_MINUTES", "-1", "must not be negative"),
        ("CAFE24_ORDER_REPOLL_BATCH", "101", "between 1 and 100"),
        ("CAFE24_ORDERS_IMPORT_WINDOW_DAYS", "90", "between 1 and 89"),
        ("CAFE24_ORDERS_INITIAL_DAYS", "ninety", "integer"),
        ("CAFE24_ORDERS_WRITE_BATCH", "0", "between 1 and 50000"),
    ],
)
def test_bad_values_name_the_variable(name, value, message):
    with pytest.raises(ValueError, match=name) as err:
        OrderSyncConfig.from_env({name: value})
    assert message in str(err.value)


def test_day_runs_are_newest_first_contiguous_and_bounded():
    days = [date(2026, 11, 27) - timedelta(days=i) for i in range(10)]
    runs = day_runs(days, 4)
    assert runs == [
        (date(2026, 11, 27), date(2026, 11, 24)),
        (date(2026, 11, 23), date(2026, 11, 20)),
        (date(2026, 11, 19), date(2026, 11, 18)),
    ]
    assert day_runs([date(2026, 1, 5), date(2026, 1, 3)], 7) == [(date(2026, 1, 5),) * 2, (date(2026, 1, 3),) * 2]
