"""Partition definitions shared by every asset, schedule and sensor.

Malls are a dynamic partition: `cafe24-pipeline connect` adds one per connected mall, so a
second store needs no code change. Order days are KST calendar days, because Cafe24 filters
orders by KST dates.
"""

from __future__ import annotations

from dagster import DailyPartitionsDefinition, DynamicPartitionsDefinition, MultiPartitionsDefinition

KST = "Asia/Seoul"
MALLS_PARTITION_NAME = "malls"

malls_partitions = DynamicPartitionsDefinition(name=MALLS_PARTITION_NAME)

# Orders reach back 90 days on connect; the calendar starts early enough for any store we import.
order_days_partitions = DailyPartitionsDefinition(start_date="2024-01-01", timezone=KST, end_offset=1)
inventory_days_partitions = DailyPartitionsDefinition(start_date="2024-01-01", timezone=KST, end_offset=1)

mall_order_day_partitions = MultiPartitionsDefinition({"mall": malls_partitions, "day": order_days_partitions})
mall_inventory_day_partitions = MultiPartitionsDefinition(
    {"mall": malls_partitions, "day": inventory_days_partitions}
)


def mall_pool(mall_id: str) -> str:
    """Dagster concurrency pool that serialises API work per mall across runs."""
    return f"cafe24_{mall_id}"
