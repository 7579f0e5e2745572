"""Partition definitions shared by every asset, schedule and sensor.

Malls are a dynamic partition: `cafe24-pipeline connect` adds one per connected mall, so a
second store needs no code change. Order days are KST calendar days, because Cafe24 filters
orders by KST dates.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dagster import DailyPartitionsDefinition, DynamicPartitionsDefinition, MultiPartitionsDefinition

KST = "Asia/Seoul"
MALLS_PARTITION_NAME = "malls"

malls_partitions = DynamicPartitionsDefinition(name=MALLS_PARTITION_NAME)

ORDER_DAYS_START_ENV = "CAFE24_ORDER_DAYS_START"
INVENTORY_DAYS_START_ENV = "CAFE24_INVENTORY_DAYS_START"
DEFAULT_INVENTORY_DAYS = 7


def days_start(env: Mapping[str, str], variable: str, default_days: int, today: date | None = None) -> str:
    """First day of a KST day calendar: `env[variable]` (YYYY-MM-DD) when set, else `default_days`
    days up to today (a calendar that rolls with the code location's load, so the UI shows only
    days that can hold data instead of years of empty partitions)."""
    raw = (env.get(variable) or "").strip()
    if raw:
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValueError(f"{variable}={raw!r} is not a date like 2026-01-31") from None
    today = today or datetime.now(ZoneInfo(KST)).date()
    return (today - timedelta(days=default_days - 1)).isoformat()


def _initial_order_days(env: Mapping[str, str]) -> int:
    raw = (env.get("CAFE24_ORDERS_INITIAL_DAYS") or "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else 90


# Order days: by default the days the connect-time import fills (CAFE24_ORDERS_INITIAL_DAYS, 90) up to
# today; set CAFE24_ORDER_DAYS_START (e.g. the first mall's connect day minus 90 days) to keep every day
# since then. Inventory days: a week by default (only today can be snapshotted; past days keep theirs);
# CAFE24_INVENTORY_DAYS_START keeps them from that day on.
order_days_partitions = DailyPartitionsDefinition(
    start_date=days_start(os.environ, ORDER_DAYS_START_ENV, _initial_order_days(os.environ)), timezone=KST, end_offset=1
)
inventory_days_partitions = DailyPartitionsDefinition(
    start_date=days_start(os.environ, INVENTORY_DAYS_START_ENV, DEFAULT_INVENTORY_DAYS), timezone=KST, end_offset=1
)

mall_order_day_partitions = MultiPartitionsDefinition({"mall": malls_partitions, "day": order_days_partitions})
mall_inventory_day_partitions = MultiPartitionsDefinition({"mall": malls_partitions, "day": inventory_days_partitions})
