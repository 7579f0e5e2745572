"""What the Dagster UI shows about each asset: every asset is described, and its column schema is its
store table's columns (built from store/schema.py, so it cannot drift)."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import pytest

from cafe24_pipeline.assets.describe import ASSETS, REPORT_SCHEMAS, cron_period, freshness_policy, store_table
from cafe24_pipeline.store import schema as store_schema

# The polled assets and the cadence each must be fresh within (DESIGN.md §1 / issue 16).
POLLED = {
    "cafe24/orders": timedelta(minutes=5),
    "cafe24/order_items": timedelta(minutes=5),
    "oms/orders": timedelta(minutes=5),
    "cafe24/order_status_history": timedelta(minutes=30),
    "cafe24/products": timedelta(minutes=30),
    "cafe24/variants": timedelta(minutes=30),
    "cafe24/brands": timedelta(minutes=30),
    "oms/listings": timedelta(minutes=30),
    "oms/products": timedelta(minutes=30),
    "cafe24/inventory_snapshots": timedelta(days=1),
}


@pytest.fixture(scope="module")
def graph():
    from cafe24_pipeline.definitions import defs

    return defs.resolve_asset_graph()


def _nodes(graph):
    return [graph.get(key) for key in sorted(graph.get_all_asset_keys())]


def test_every_asset_has_description_group_owner_kinds_code_version(graph):
    for node in _nodes(graph):
        name = node.key.to_user_string()
        assert node.description and len(node.description) > 20, name
        assert node.group_name and node.group_name != "default", name
        assert node.owners and all(o.startswith("team:") for o in node.owners), name
        assert node.code_version, name
        assert node.key in ASSETS, f"{name} is not described in assets/describe.py"


def test_kinds_follow_one_rule(graph):
    """ "sql" everywhere; "cafe24" exactly when the asset's step calls the Cafe24 API."""
    from cafe24_pipeline.definitions import defs

    for node in _nodes(graph):
        assets_def = defs.get_assets_def(node.key)
        expected = {"sql", "cafe24"} if "cafe24" in assets_def.required_resource_keys else {"sql"}
        assert set(node.kinds) == expected, node.key.to_user_string()
    # the Cafe24-facing assets of catalogue, orders, push and fulfilment carry the same kinds
    kinds = {
        frozenset(graph.get(dg.AssetKey(p.split("/"))).kinds)
        for p in ("cafe24/products", "cafe24/orders", "oms/push_log", "oms/shipments")
    }
    assert kinds == {frozenset({"sql", "cafe24"})}


def test_column_schema_is_the_store_table(graph):
    for node in _nodes(graph):
        table_name = ASSETS[node.key].table
        schema = node.metadata.get("dagster/column_schema")
        name = node.key.to_user_string()
        assert isinstance(schema, dg.TableSchema), f"{name} has no column schema"
        if table_name is None:
            assert node.key in REPORT_SCHEMAS, name
            assert [c.name for c in schema.columns] == list(REPORT_SCHEMAS[node.key]), name
            continue
        table = store_schema.metadata.tables[table_name]
        assert node.metadata["dagster/table_name"] == table_name
        assert [c.name for c in schema.columns] == [c.name for c in table.columns], name
        pk = {c.name for c in table.primary_key.columns}
        for column, dagster_column in zip(table.columns, schema.columns):
            nullable = column.nullable and column.name not in pk
            assert dagster_column.constraints.nullable == nullable, f"{name}.{column.name}"
            assert dagster_column.type, f"{name}.{column.name}"


def test_every_described_table_exists_and_every_asset_is_defined(graph):
    keys = set(graph.get_all_asset_keys())
    missing = sorted(k.to_user_string() for k in keys - set(ASSETS))
    assert not missing, f"describe.ASSETS lacks {missing}"
    for facts in ASSETS.values():
        for name in (facts.table, *facts.also_writes):
            if name is not None:
                assert store_table(name) is not None


def test_a_schema_change_shows_in_the_ui_schema():
    """The builder reads the table object, so a new column appears without touching describe.py."""
    import sqlalchemy as sa

    from cafe24_pipeline.assets.describe import table_schema
    from cafe24_pipeline.store.columns import table_facts

    table = sa.Table(
        "t",
        sa.MetaData(),
        sa.Column("mall_id", sa.String(50), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("note", sa.Text),
    )
    schema = table_schema(table_facts(table))
    assert [(c.name, c.type, c.constraints.nullable) for c in schema.columns] == [
        ("mall_id", "varchar(50)", False),
        ("n", "integer", False),
        ("note", "text", True),
    ]
    assert schema.columns[0].constraints.unique  # a one-column primary key
    assert schema.constraints.other == ["primary key (mall_id)"]


def test_polled_assets_have_freshness_matching_their_cadence(graph):
    for path, cadence in POLLED.items():
        policy = graph.get(dg.AssetKey(path.split("/"))).freshness_policy
        assert isinstance(policy, dg.FreshnessPolicy), path
        assert policy.warn_window.to_timedelta() == cadence * 1.5, path
        assert policy.fail_window.to_timedelta() == cadence * 2.5, path
    for node in _nodes(graph):
        if node.group_name in ("push", "fulfilment"):  # event-driven: no cadence to be late for
            assert node.freshness_policy is None, node.key.to_user_string()


def test_freshness_follows_a_changed_cadence():
    assert cron_period("*/5 * * * *") == timedelta(minutes=5)
    assert cron_period("50 23 * * *") == timedelta(days=1)
    policy = freshness_policy("orders_new", {"CAFE24_ORDERS_NEW_CRON": "*/2 * * * *"})
    assert policy.fail_window.to_timedelta() == timedelta(minutes=5)
