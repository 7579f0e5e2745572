"""Migrations: a new store gets the latest schema, an old store upgrades in place and loses nothing."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from cafe24_pipeline.store import Store, StoreSchemaError, latest_version, schema
from cafe24_pipeline.store.engine import create_store_engine
from cafe24_pipeline.store.migrate import migrate
from cafe24_pipeline.store.migrations import discover


def test_new_store_is_at_latest_version(store):
    assert store.schema_version() == latest_version() >= 2
    assert set(store.row_counts()) == set(schema.metadata.tables)


def test_migrated_database_matches_schema_module(store):
    """schema.py and the migrations describe the same tables, columns, keys and indexes."""
    inspector = sa.inspect(store.engine)
    assert set(inspector.get_table_names()) == set(schema.metadata.tables) | {"schema_migrations"}
    for name, table in schema.metadata.tables.items():
        columns = {c["name"]: c for c in inspector.get_columns(name)}
        assert set(columns) == set(table.c.keys()), name
        assert set(inspector.get_pk_constraint(name)["constrained_columns"]) == {c.name for c in table.primary_key.columns}, name
        for column in table.c:
            if not column.primary_key:
                assert columns[column.name]["nullable"] == column.nullable, f"{name}.{column.name}"
        declared = {ix.name: [c.name for c in ix.columns] for ix in table.indexes}
        reflected = {
            ix["name"]: ix["column_names"]
            for ix in inspector.get_indexes(name)
            if not ix.get("duplicates_constraint")  # PostgreSQL lists unique constraints as indexes too
        }
        assert reflected == declared, name


def test_reopening_applies_nothing_and_keeps_version(store_url):
    Store.open(store_url).close()
    engine = create_store_engine(store_url)
    try:
        assert migrate(engine) == []
    finally:
        engine.dispose()


def _v1_rows(conn: sa.Connection, dialect: str) -> None:
    """Rows written the way version-1 code wrote them (plain SQL against the v1 tables)."""
    ts = "2026-01-02 03:04:05.000006+00:00" if dialect == "sqlite" else "2026-01-02T03:04:05.000006+00:00"
    conn.execute(
        sa.text(
            "INSERT INTO cafe24_orders (mall_id, shop_no, order_id, order_date, payment_amount, imported_backfill)"
            " VALUES ('m1', 1, '20260102-0000001', :ts, :amount, :f)"
        ),
        {"ts": ts, "amount": "12345678901234.56" if dialect == "sqlite" else Decimal("12345678901234.56"), "f": False},
    )
    conn.execute(
        sa.text("INSERT INTO sync_state (mall_id, stream, high_water_mark, last_status) VALUES ('m1', 'orders', :ts, 'success')"),
        {"ts": ts},
    )
    conn.execute(
        sa.text(
            "INSERT INTO connections (mall_id, shop_nos, scopes, status) VALUES ('m1', '[1, 2]', '[\"mall.read_order\"]', 'active')"
        )
    )


def test_store_from_version_1_upgrades_in_place_and_loses_nothing(store_url):
    engine = create_store_engine(store_url)
    try:
        assert migrate(engine, target=1) == [1]
        inspector = sa.inspect(engine)
        assert "cafe24_shops" not in inspector.get_table_names()
        assert "cursor" not in {c["name"] for c in inspector.get_columns("sync_state")}
        with engine.begin() as conn:
            _v1_rows(conn, engine.dialect.name)
    finally:
        engine.dispose()

    with Store.open(store_url) as store:
        assert store.schema_version() == latest_version()
        orders = store.read_table("cafe24_orders")
        assert orders["order_id"].to_list() == ["20260102-0000001"]
        assert orders["payment_amount"].to_list() == [Decimal("12345678901234.56")]
        assert orders["order_date"].to_list() == [datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)]
        state = store.get_sync_state("m1", "orders")
        assert state is not None and state.cursor is None
        assert state.high_water_mark == datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
        assert json.loads(store.read_table("connections")["shop_nos"][0]) == [1, 2]
        # the new parts of the schema work on the upgraded store
        store.record_sync("m1", "products", success=True, cursor="1200")
        assert store.get_sync_state("m1", "products").cursor == "1200"
        assert store.row_counts()["cafe24_shops"] == 0


def test_store_newer_than_the_code_is_refused(store_url):
    with Store.open(store_url) as store:
        with store.transaction() as conn:
            conn.execute(
                sa.text("INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, 'from_the_future', :t)"),
                {"v": latest_version() + 1, "t": datetime.now(timezone.utc)},
            )
    with pytest.raises(StoreSchemaError, match="newer than this cafe24-pipeline knows"):
        Store.open(store_url)


def test_failed_migration_rolls_back_and_keeps_the_previous_version(store_url, monkeypatch):
    engine = create_store_engine(store_url)
    try:
        migrate(engine, target=1)
        real = discover()

        def broken_upgrade(conn):
            real[1].upgrade(conn)  # does all of m0002's work, then fails
            raise RuntimeError("disk on fire")

        patched = [real[0], type(real[1])(2, real[1].name, real[1].description, broken_upgrade)]
        monkeypatch.setattr("cafe24_pipeline.store.migrate.discover", lambda: patched)
        with pytest.raises(StoreSchemaError, match="0002_shops_and_analyst_indexes failed and was rolled back"):
            migrate(engine)
        inspector = sa.inspect(engine)
        assert "cafe24_shops" not in inspector.get_table_names()
        assert "cursor" not in {c["name"] for c in inspector.get_columns("sync_state")}
    finally:
        engine.dispose()
        monkeypatch.undo()
    with Store.open(store_url) as store:  # the real code then upgrades normally
        assert store.schema_version() == latest_version()


V1_DUMP = Path(__file__).resolve().parents[1] / "fixtures" / "data" / "store_v1.sqlite.sql"


def test_a_real_version_1_sqlite_store_upgrades_in_place(tmp_path):
    """A store file written by the released version-1 code (kept as a SQL dump) opens with today's code."""
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_DUMP.read_text())
    with sqlite3.connect(path) as conn:
        before = {
            name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name != "schema_migrations"
        }
        assert conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] == 1

    with Store.open(f"sqlite:///{path}") as store:
        assert store.schema_version() == latest_version()
        counts = store.row_counts()
        assert {name: counts[name] for name in before} == before
        assert sum(before.values()) == 8

        tokens = store.read_table("oauth_tokens").row(0, named=True)
        assert tokens["refresh_token_enc"] == "gAAAAAB-not-a-real-refresh-token"
        assert tokens["rotation"] == 3
        assert tokens["refresh_expires_at"] == datetime(2026, 1, 19, tzinfo=timezone.utc)
        product = store.read_table("cafe24_products").row(0, named=True)
        assert (product["price"], product["retail_price"]) == (Decimal("19900.00"), Decimal("25000.00"))
        assert product["display"] is True and product["product_name"] == "티셔츠 Tee"
        order = store.read_table("cafe24_orders").row(0, named=True)
        assert order["payment_amount"] == Decimal("42300.50")
        assert order["order_date"] == datetime(2026, 1, 4, 15, 30, tzinfo=timezone.utc)
        assert order["order_date_kst"] == date(2026, 1, 5)
        item = store.read_table("cafe24_order_items").row(0, named=True)
        assert item["order_status"] == "N20" and item["quantity"] == 2
        assert item["order_date_kst"] is None  # column added later; old rows keep NULL
        state = store.get_sync_state("oldmall", "orders")
        assert state.high_water_mark == datetime(2026, 1, 4, 23, 55, tzinfo=timezone.utc)
        # and the old rows take new writes on the upgraded schema
        store.upsert(
            "cafe24_order_items",
            pl.DataFrame(
                {
                    "mall_id": ["oldmall"],
                    "order_item_code": ["20260105-0000001-01"],
                    "order_id": ["20260105-0000001"],
                    "order_status": ["N21"],
                    "order_date_kst": [date(2026, 1, 5)],
                }
            ),
        )
        item = store.read_table("cafe24_order_items").row(0, named=True)
        assert (item["order_status"], item["order_date_kst"], item["product_price"]) == (
            "N21",
            date(2026, 1, 5),
            Decimal("19900.00"),
        )


def test_processes_starting_together_apply_each_migration_once(store_url):
    """Several starters (daemon, webserver, runs) race on a brand-new database; none fails."""
    import threading

    errors: list[BaseException] = []
    barrier = threading.Barrier(5)

    def start() -> None:
        try:
            barrier.wait(timeout=30)
            Store.open(store_url).close()  # its own engine and connections, like another process
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with Store.open(store_url) as store:
        versions = store.read("SELECT version FROM schema_migrations ORDER BY version")["version"].to_list()
    assert versions == list(range(1, latest_version() + 1))
