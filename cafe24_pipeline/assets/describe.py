"""What the Dagster UI says about every asset: owner, code version, table, column schema, freshness.

One table (`ASSETS`) names, per asset key, the store table it writes, the team that owns it, its
code version and the cadence it is polled on. `describe(assets)` applies it to the asset
definitions when `definitions.py` builds the `Definitions`:

- `dagster/table_name` and `dagster/column_schema` come from the store's own table definitions
  (`store/schema.py`), so the schema shown in the UI is the one the migrations create and cannot
  drift from it;
- a freshness policy (Dagster 1.13's `FreshnessPolicy.time_window`) derived from the cadence of the
  schedule that refreshes the asset (the same cron variables the schedules read): it warns when one
  tick was missed (1.5 × the period without a materialization) and fails after two (2.5 ×);
- owners and code version.

An asset missing from `ASSETS` still loads (undescribed, so a merge never breaks the code location)
but fails `tests/unit/test_asset_descriptions.py`: a new asset must say what it writes and who owns
it before it can land.

Row counts go into each materialization's metadata (`row_count_metadata`): `dagster/row_count` is
the whole table, `dagster/partition_row_count` the mall's (or the mall-day's) rows.
"""

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from time import time
from typing import Any

import dagster as dg
from dagster._utils.schedules import cron_string_iterator

from cafe24_pipeline.oms.order_reconciliation import FINDINGS_SCHEMA
from cafe24_pipeline.partitions import KST
from cafe24_pipeline.store.columns import TableFacts, table_facts
from cafe24_pipeline.store.overview import table_row_counts

DATA_OPS = "team:data-ops"
FULFILMENT = "team:fulfilment"

# The cadences the schedules run on (same variables and defaults as schedules/*.py).
CADENCES: dict[str, tuple[str, str]] = {
    "orders_new": ("CAFE24_ORDERS_NEW_CRON", "*/5 * * * *"),
    "order_status": ("CAFE24_ORDER_STATUS_CRON", "*/30 * * * *"),
    "order_reconciliation": ("CAFE24_ORDER_RECONCILE_CRON", "30 1 * * *"),
    "catalog_incremental": ("CAFE24_CATALOG_INCREMENTAL_CRON", "*/30 * * * *"),
    "catalog_full": ("CAFE24_CATALOG_FULL_SCAN_CRON", "30 3 * * *"),
    "inventory_snapshot": ("CAFE24_INVENTORY_SNAPSHOT_CRON", "50 23 * * *"),
    "token_keepalive": ("", "17 */6 * * *"),
}
WARN_AFTER_PERIODS = 1.5
FAIL_AFTER_PERIODS = 2.5


@dataclass(frozen=True)
class AssetFacts:
    """What the UI shows about one asset besides what its decorator says."""

    table: str | None  # the store table it writes (None: it writes none)
    owner: str
    code_version: str
    cadence: str | None = None  # key of CADENCES: the schedule that keeps it fresh (None: event-driven)
    also_writes: tuple[str, ...] = ()


def _key(path: str) -> dg.AssetKey:
    return dg.AssetKey(path.split("/"))


ASSETS: dict[dg.AssetKey, AssetFacts] = {
    _key("cafe24_connections"): AssetFacts("connections", DATA_OPS, "1", "token_keepalive"),
    _key("cafe24/categories"): AssetFacts("cafe24_categories", DATA_OPS, "1", "catalog_full"),
    _key("cafe24/brands"): AssetFacts("cafe24_brands", DATA_OPS, "1", "catalog_incremental"),
    _key("cafe24/products"): AssetFacts("cafe24_products", DATA_OPS, "1", "catalog_incremental"),
    _key("cafe24/variants"): AssetFacts("cafe24_variants", DATA_OPS, "1", "catalog_incremental"),
    _key("cafe24/inventory_snapshots"): AssetFacts("cafe24_inventory_snapshots", DATA_OPS, "1", "inventory_snapshot"),
    _key("oms/listings"): AssetFacts("oms_listings", DATA_OPS, "1", "catalog_incremental", ("sku_conflicts",)),
    _key("oms/products"): AssetFacts("oms_products", DATA_OPS, "1", "catalog_incremental"),
    _key("cafe24/orders"): AssetFacts("cafe24_orders", DATA_OPS, "1", "orders_new"),
    _key("cafe24/order_receivers"): AssetFacts("cafe24_order_receivers", FULFILMENT, "1", "orders_new"),
    _key("cafe24/order_items"): AssetFacts("cafe24_order_items", DATA_OPS, "1", "orders_new"),
    _key("cafe24/order_status_history"): AssetFacts("cafe24_order_status_history", DATA_OPS, "1", "order_status"),
    _key("oms/orders"): AssetFacts("oms_orders", DATA_OPS, "1", "orders_new", ("oms_order_items",)),
    _key("cafe24/order_reconciliation"): AssetFacts(None, DATA_OPS, "1", "order_reconciliation"),
    _key("oms/push_log"): AssetFacts("push_log", DATA_OPS, "1"),
    _key("oms/push_state"): AssetFacts("oms_push_state", DATA_OPS, "1"),
    _key("oms/shipments"): AssetFacts("oms_shipments", FULFILMENT, "1"),
    _key("oms/order_transitions"): AssetFacts("oms_order_transitions", FULFILMENT, "1"),
    _key("oms/wms_outbox"): AssetFacts("wms_outbox", FULFILMENT, "1"),
    _key("oms/bulk_uploads"): AssetFacts("bulk_uploads", DATA_OPS, "1", None, ("bulk_upload_rows",)),
}

# Assets that write no table show the columns of what they report instead.
REPORT_SCHEMAS: dict[dg.AssetKey, Mapping[str, Any]] = {
    _key("cafe24/order_reconciliation"): FINDINGS_SCHEMA,
}


def table_schema(table: "str | TableFacts") -> dg.TableSchema:
    """The Dagster column schema of a store table: every column in order, its type, nullability,
    primary key and uniqueness, and the table's keys as constraints."""
    facts = table if isinstance(table, TableFacts) else table_facts(table)
    pk = facts.primary_key
    columns = []
    for column in facts.columns:
        notes = []
        if column.primary_key:
            notes.append("primary key" if len(pk) == 1 else f"part of the primary key ({', '.join(pk)})")
        if column.references:
            notes.append("references " + ", ".join(column.references))
        if column.comment:
            notes.append(column.comment)
        columns.append(
            dg.TableColumn(
                column.name,
                column.type,
                description="; ".join(notes) or None,
                constraints=dg.TableColumnConstraints(nullable=column.nullable, unique=column.unique),
            )
        )
    other = [f"primary key ({', '.join(pk)})"] if pk else []
    other += [f"unique ({', '.join(cols)})" for cols in facts.unique_together]
    return dg.TableSchema(columns=columns, constraints=dg.TableConstraints(other=other))


def frame_schema(schema: Mapping[str, Any]) -> dg.TableSchema:
    """The column schema of a polars frame schema (for assets that report a frame, not a table)."""
    return dg.TableSchema(columns=[dg.TableColumn(name, str(dtype).lower()) for name, dtype in schema.items()])


def store_table(name: str) -> TableFacts:
    return table_facts(name)


def cadence_cron(cadence: str, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    variable, default = CADENCES[cadence]
    return ((env.get(variable) or "").strip() if variable else "") or default


def cron_period(cron: str) -> timedelta:
    """The shortest gap between the next few ticks of `cron` (KST)."""
    ticks = cron_string_iterator(time(), cron, KST)
    times = [next(ticks) for _ in range(5)]
    return min(b - a for a, b in zip(times, times[1:]))


def freshness_policy(cadence: str, env: Mapping[str, str] | None = None) -> dg.FreshnessPolicy:
    """Warn after one missed tick of the cadence's schedule, fail after two."""
    period = cron_period(cadence_cron(cadence, env))
    return dg.FreshnessPolicy.time_window(
        fail_window=max(period * FAIL_AFTER_PERIODS, timedelta(minutes=2)),
        warn_window=max(period * WARN_AFTER_PERIODS, timedelta(minutes=1)),
    )


def spec_attributes(key: dg.AssetKey, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Metadata, owners, code version and freshness policy `describe` gives the asset `key`."""
    facts = ASSETS.get(key)
    if facts is None:
        raise KeyError(f"asset {key.to_user_string()} is not described in cafe24_pipeline/assets/describe.py (ASSETS)")
    metadata: dict[str, Any] = {}
    if facts.table is not None:
        metadata["dagster/table_name"] = facts.table
        metadata["dagster/column_schema"] = table_schema(facts.table)
        if facts.also_writes:
            metadata["also_writes"] = ", ".join(facts.also_writes)
    elif key in REPORT_SCHEMAS:
        metadata["dagster/column_schema"] = frame_schema(REPORT_SCHEMAS[key])
    return {
        "metadata": metadata,
        "owners": [facts.owner],
        "code_version": facts.code_version,
        "freshness_policy": freshness_policy(facts.cadence, env) if facts.cadence else None,
    }


def describe(assets: Iterable[dg.AssetsDefinition], env: Mapping[str, str] | None = None) -> list[dg.AssetsDefinition]:
    """The asset definitions with the attributes of `ASSETS` applied to every spec."""

    described = []
    for asset in assets:
        kinds = asset_kinds(asset)

        def apply(spec: dg.AssetSpec, kinds: set[str] = kinds) -> dg.AssetSpec:
            if spec.key not in ASSETS:
                return spec  # undescribed: loads as it is, and tests/unit/test_asset_descriptions.py fails
            attrs = spec_attributes(spec.key, env)
            tags = {k: v for k, v in spec.tags.items() if not k.startswith(KIND_TAG_PREFIX)}
            return spec.merge_attributes(metadata=attrs["metadata"]).replace_attributes(
                owners=attrs["owners"],
                code_version=attrs["code_version"],
                freshness_policy=attrs["freshness_policy"],
                tags=tags,
                kinds=kinds,
            )

        described.append(asset.map_asset_specs(apply))
    return described


KIND_TAG_PREFIX = "dagster/kind/"


def asset_kinds(asset: dg.AssetsDefinition) -> set[str]:
    """The same rule for every asset: "sql" (it reads and writes the store), plus "cafe24" when its
    step calls the Cafe24 API (it requires the `cafe24` resource)."""
    return {"sql", "cafe24"} if "cafe24" in asset.required_resource_keys else {"sql"}


# --- row counts in materialization metadata -----------------------------------------------------


def row_count_metadata(
    store: Any, key: dg.AssetKey, *, mall_id: str | None = None, days: Sequence[Any] | None = None
) -> dict[str, int]:
    """`dagster/row_count` (the asset's whole table) and, for a mall (and KST days),
    `dagster/partition_row_count` (that slice of it); empty for an asset that writes no table."""
    facts = ASSETS.get(key)
    if facts is None or facts.table is None:
        return {}
    total, part = table_row_counts(store, facts.table, mall_id=mall_id, days=days)
    meta = {"dagster/row_count": total}
    if part is not None:
        meta["dagster/partition_row_count"] = part
    return meta
