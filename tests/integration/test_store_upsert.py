"""Upserts from polars and reads into polars, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import polars as pl
import pytest
import sqlalchemy as sa

from cafe24_pipeline.store import StoreValueError, UtcDateTime

KST = ZoneInfo("Asia/Seoul")
MONEY = pl.Decimal(18, 2)

AWKWARD_AMOUNTS = [
    Decimal("0.10"),
    Decimal("0.01"),
    Decimal("-0.30"),
    Decimal("10000.00"),
    Decimal("99999999999999.99"),  # 16 significant digits: more than a float keeps
    Decimal("12345678901234.57"),
]


def items_frame(n: int, *, price: Decimal = Decimal("19900.00"), status: str = "N10") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "mall_id": ["m1"] * n,
            "order_item_code": [f"20260101-{i:07d}-01" for i in range(n)],
            "order_id": [f"20260101-{i:07d}" for i in range(n)],
            "shop_no": [1] * n,
            "sku": [f"SKU-{i % 7}" for i in range(n)],
            "quantity": list(range(1, n + 1)),
            "product_price": pl.Series([price] * n, dtype=MONEY),
            "order_status": [status] * n,
            "order_date": [datetime(2026, 1, 1, 9, 0, i % 60, tzinfo=KST) for i in range(n)],
            "imported_backfill": [i % 2 == 0 for i in range(n)],
            "raw": ['{"order_item_code": "x", "price": "19900.00"}'] * n,
        }
    )


def test_upsert_is_idempotent_on_rerun(store):
    df = items_frame(250)
    assert store.upsert("cafe24_order_items", df) == 250
    first = store.read_table("cafe24_order_items")
    assert store.upsert("cafe24_order_items", df) == 250
    again = store.read_table("cafe24_order_items")
    assert again.height == 250
    assert again.equals(first)
    assert store.row_counts()["cafe24_order_items"] == 250


def test_upsert_updates_changed_rows_and_leaves_absent_columns_alone(store):
    store.upsert("cafe24_order_items", items_frame(3))
    changed = items_frame(3, status="N20").select("mall_id", "order_item_code", "order_id", "order_status")
    store.upsert("cafe24_order_items", changed)
    rows = store.read_table("cafe24_order_items")
    assert rows["order_status"].to_list() == ["N20"] * 3
    assert rows["product_price"].to_list() == [Decimal("19900.00")] * 3  # not in the frame: untouched
    assert rows["sku"].to_list() == ["SKU-0", "SKU-1", "SKU-2"]


def test_upsert_with_no_update_columns_only_inserts_new_keys(store):
    store.upsert("cafe24_order_items", items_frame(2))
    store.upsert("cafe24_order_items", items_frame(4, status="C40"), update_columns=[])
    statuses = store.read_table("cafe24_order_items")["order_status"].to_list()
    assert statuses == ["N10", "N10", "C40", "C40"]


def test_upsert_with_only_some_update_columns(store):
    store.upsert("cafe24_order_items", items_frame(2))
    store.upsert("cafe24_order_items", items_frame(2, status="N30", price=Decimal("1.00")), update_columns=["order_status"])
    rows = store.read_table("cafe24_order_items")
    assert rows["order_status"].to_list() == ["N30", "N30"]
    assert rows["product_price"].to_list() == [Decimal("19900.00")] * 2


def test_decimal_money_round_trips_exactly(store):
    n = len(AWKWARD_AMOUNTS)
    df = items_frame(n).with_columns(pl.Series("product_price", AWKWARD_AMOUNTS, dtype=MONEY))
    store.upsert("cafe24_order_items", df)
    back = store.read_table("cafe24_order_items")
    assert back.schema["product_price"] == MONEY
    assert back["product_price"].to_list() == AWKWARD_AMOUNTS
    assert [str(v) for v in back["product_price"].to_list()] == [str(v) for v in AWKWARD_AMOUNTS]
    via_sql = store.read("SELECT order_item_code, product_price FROM cafe24_order_items ORDER BY order_item_code")
    assert via_sql["product_price"].to_list() == AWKWARD_AMOUNTS


def test_integer_money_columns_are_accepted_as_exact_amounts(store):
    df = items_frame(1).with_columns(pl.Series("product_price", [15000], dtype=pl.Int64))
    store.upsert("cafe24_order_items", df)
    assert store.read_table("cafe24_order_items")["product_price"].to_list() == [Decimal("15000.00")]


def test_sqlite_numeric_would_lose_what_the_store_keeps(tmp_path):
    """Why money is text on SQLite: a NUMERIC column turns 16 significant digits into a float."""
    conn = sqlite3.connect(tmp_path / "plain.sqlite3")
    conn.execute("CREATE TABLE t (amount NUMERIC(18, 2))")
    conn.execute("INSERT INTO t VALUES (?)", ("99999999999999.99",))
    (stored,) = conn.execute("SELECT amount FROM t").fetchone()
    conn.close()
    assert isinstance(stored, float)
    assert Decimal(str(stored)) != Decimal("99999999999999.99")


def test_timestamps_keep_their_instant_and_come_back_tz_aware_utc(store):
    kst = datetime(2026, 1, 1, 9, 0, 0, 123456, tzinfo=KST)
    df = items_frame(1).with_columns(pl.Series("order_date", [kst]))
    store.upsert("cafe24_order_items", df)
    back = store.read_table("cafe24_order_items")
    assert back.schema["order_date"] == pl.Datetime("us", "UTC")
    value = back["order_date"][0]
    assert value == kst
    assert value.utcoffset().total_seconds() == 0
    assert value.astimezone(KST).hour == 9
    # comparisons in SQL use the instant too (KST bound vs UTC storage)
    later = store.read(
        sa.select(store.table("cafe24_order_items").c.order_item_code).where(
            store.table("cafe24_order_items").c.order_date > datetime(2026, 1, 1, 8, 59, tzinfo=KST)
        )
    )
    assert later.height == 1


def test_dates_and_booleans_round_trip(store):
    df = pl.DataFrame(
        {
            "mall_id": ["m1", "m1"],
            "shop_no": [1, 2],
            "order_id": ["A", "B"],
            "order_date_kst": [date(2026, 1, 1), date(2026, 2, 28)],
            "paid": [True, False],
            "payment_amount": pl.Series([Decimal("100.00"), None], dtype=MONEY),
        }
    )
    store.upsert("cafe24_orders", df)
    back = store.read_table("cafe24_orders")
    assert back["order_date_kst"].to_list() == [date(2026, 1, 1), date(2026, 2, 28)]
    assert back["paid"].to_list() == [True, False]
    assert back["payment_amount"].to_list() == [Decimal("100.00"), None]
    assert back["imported_backfill"].to_list() == [False, False]  # server default
    via_sql = store.read("SELECT order_id, paid, order_date_kst FROM cafe24_orders ORDER BY order_id")
    assert via_sql.schema["paid"] == pl.Boolean
    assert via_sql["order_date_kst"].to_list() == [date(2026, 1, 1), date(2026, 2, 28)]


def test_json_columns_accept_lists_and_read_back_as_json_text(store):
    df = pl.DataFrame({"mall_id": ["m1"], "shop_nos": [[1, 2]], "scopes": ['["mall.read_order"]'], "status": ["active"]})
    store.upsert("connections", df)
    back = store.read_table("connections")
    assert back["shop_nos"].to_list() == ["[1, 2]"]
    assert back["scopes"].to_list() == ['["mall.read_order"]']


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda df: df.with_columns(pl.col("product_price").cast(pl.Float64)), "floats cannot hold amounts exactly"),
        (lambda df: df.with_columns(pl.col("order_date").dt.replace_time_zone(None)), "naive Datetime column refused"),
        (lambda df: pl.concat([df, df.head(1)]), "share a key"),
        (lambda df: df.with_columns(pl.col("quantity").cast(pl.String)), "expected an integer column"),
        (lambda df: df.with_columns(pl.lit("m" * 51).alias("mall_id")), "longer than 50 characters"),
        (lambda df: df.with_columns(pl.lit(Decimal("1e16")).alias("payment_amount")), "do not fit NUMERIC"),
    ],
)
def test_bad_frames_are_refused_and_nothing_is_written(store, change, message):
    store.upsert("cafe24_order_items", items_frame(2))
    before = store.read_table("cafe24_order_items")
    bad = change(items_frame(5, status="N40"))
    with pytest.raises(StoreValueError, match=message):
        store.upsert("cafe24_order_items", bad)
    assert store.read_table("cafe24_order_items").equals(before)


def test_a_failing_batch_rolls_back_entirely(store):
    """A database error mid-way (here a CHECK constraint) leaves no half-applied batch."""
    good = pl.DataFrame({"mall_id": ["a", "b"], "status": ["active", "active"]})
    store.upsert("connections", good)
    bad = pl.DataFrame({"mall_id": ["a", "c"], "status": ["reauth_required", "nonsense"]})
    with pytest.raises(sa.exc.IntegrityError):
        store.upsert("connections", bad)
    back = store.read_table("connections")
    assert back["mall_id"].to_list() == ["a", "b"]
    assert back["status"].to_list() == ["active", "active"]


def test_upserts_share_a_transaction_with_the_sync_state(store):
    with pytest.raises(RuntimeError, match="network down"):
        with store.transaction() as conn:
            store.upsert("cafe24_order_items", items_frame(3), conn=conn)
            store.record_sync("m1", "orders", success=True, rows=3, conn=conn)
            raise RuntimeError("network down")
    assert store.row_counts()["cafe24_order_items"] == 0
    assert store.get_sync_state("m1", "orders") is None


def test_append_adds_rows_with_generated_ids(store):
    history = pl.DataFrame(
        {
            "mall_id": ["m1", "m1"],
            "order_item_code": ["A-1", "A-1"],
            "old_status": [None, "N10"],
            "new_status": ["N10", "N20"],
            "observed_at": [datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 1, 2, tzinfo=timezone.utc)],
            "source": ["poll", "poll"],
        }
    )
    assert store.append("cafe24_order_status_history", history) == 2
    assert store.append("cafe24_order_status_history", history) == 2
    back = store.read_table("cafe24_order_status_history")
    assert back["id"].to_list() == [1, 2, 3, 4]
    assert back["old_status"].to_list() == [None, "N10", None, "N10"]


def test_upsert_on_a_unique_constraint_other_than_the_primary_key(store):
    event = {
        "mall_id": ["m1"],
        "event_no": [90023],
        "dedupe_key": ["trace-1"],
        "payload": ['{"order_id": "A"}'],
        "received_at": [datetime(2026, 1, 1, tzinfo=timezone.utc)],
    }
    keys = ["mall_id", "dedupe_key"]
    assert store.upsert("webhook_inbox", pl.DataFrame(event), key_columns=keys, update_columns=[]) == 1
    assert store.upsert("webhook_inbox", pl.DataFrame(event), key_columns=keys, update_columns=[]) == 0
    assert store.row_counts()["webhook_inbox"] == 1


def test_read_of_sql_text_decodes_store_columns_and_explicit_types(store):
    store.upsert("cafe24_order_items", items_frame(3))
    df = store.read(
        "SELECT sku, SUM(quantity) AS qty, MAX(order_date) AS last_order FROM cafe24_order_items"
        " WHERE mall_id = :mall GROUP BY sku ORDER BY sku",
        {"mall": "m1"},
        types={"last_order": UtcDateTime()},
    )
    assert df["sku"].to_list() == ["SKU-0", "SKU-1", "SKU-2"]
    assert df["qty"].to_list() == [1, 2, 3]
    assert df.schema["last_order"] == pl.Datetime("us", "UTC")
    assert df["last_order"][0] == datetime(2026, 1, 1, 0, 0, 0, tzinfo=timezone.utc)


def test_empty_reads_keep_their_column_types(store):
    df = store.read_table("cafe24_order_items")
    assert df.height == 0
    assert df.schema["product_price"] == MONEY
    assert df.schema["order_date"] == pl.Datetime("us", "UTC")
    assert store.upsert("cafe24_order_items", df) == 0


def test_sync_state_moves_on_success_and_holds_on_failure(store):
    mark = datetime(2026, 1, 1, 12, 0, tzinfo=KST)
    first = store.record_sync("m1", "orders", success=True, high_water_mark=mark, rows=10, details={"pages": 2})
    assert first.high_water_mark == mark and first.last_status == "success" and first.rows_last_run == 10
    failed = store.record_sync("m1", "orders", success=False, error="429 Too Many Requests")
    assert failed.high_water_mark == mark
    assert failed.last_success_at == first.last_success_at
    assert failed.last_status == "failed" and failed.last_error == "429 Too Many Requests"
    later = datetime(2026, 1, 1, 12, 5, tzinfo=KST)
    ok = store.record_sync("m1", "orders", success=True, high_water_mark=later)
    assert ok.high_water_mark == later and ok.last_error is None
    assert store.get_sync_state("m1", "products") is None


def test_rows_written_by_other_tools_still_read_correctly(store):
    """Hand-written SQL may store 15000 as a number or a timestamp with another offset/layout."""
    with store.transaction() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO cafe24_order_items (mall_id, order_item_code, order_id, product_price, order_date)"
                " VALUES ('m1', 'X-1', 'X', 15000, '2026-01-02T03:04:05+09:00')"
            )
        )
    back = store.read_table("cafe24_order_items")
    assert back["product_price"].to_list() == [Decimal("15000.00")]
    assert back["order_date"].to_list() == [datetime(2026, 1, 1, 18, 4, 5, tzinfo=timezone.utc)]


def test_log_tables_with_generated_ids_point_to_append(store):
    row = pl.DataFrame({"mall_id": ["m1"], "kind": ["stock"], "result": ["failed"], "created_at": [datetime.now(timezone.utc)]})
    with pytest.raises(StoreValueError, match="use append"):
        store.upsert("push_log", row)
    assert store.row_counts()["push_log"] == 0


def test_polars_zoned_columns_are_stored_as_the_same_instant(store):
    wall_clock = pl.Series("order_date", [datetime(2026, 1, 1, 9, 0), datetime(2026, 6, 30, 23, 59, 59)])
    df = items_frame(2).with_columns(wall_clock.dt.replace_time_zone("Asia/Seoul").dt.cast_time_unit("ns"))
    store.upsert("cafe24_order_items", df)
    back = store.read_table("cafe24_order_items")["order_date"].to_list()
    assert back == [datetime(2026, 1, 1, 0, 0, tzinfo=timezone.utc), datetime(2026, 6, 30, 14, 59, 59, tzinfo=timezone.utc)]


def test_a_partial_frame_updates_existing_rows_without_tripping_not_null_columns(store):
    """Soft deletes and resolutions send only key + changed columns: an UPDATE of rows that exist."""
    store.upsert(
        "sku_conflicts",
        pl.DataFrame(
            {
                "mall_id": ["m1", "m1"],
                "sku": ["A", "B"],
                "conflicting_variant_code": ["P000000A000A", "P000000B000A"],
                "shop_no": [1, 1],
                "conflicting_product_no": [10, 11],
                "kept_product_no": [1, 2],
                "kept_variant_code": ["P0000001000A", "P0000002000A"],
                "reason": ["duplicate_sku", "duplicate_sku"],
                "detected_at": [datetime(2026, 1, 1, tzinfo=timezone.utc)] * 2,
            }
        ),
    )
    resolved_at = datetime(2026, 2, 1, 12, tzinfo=timezone.utc)
    marks = pl.DataFrame(
        {"mall_id": ["m1"], "sku": ["A"], "conflicting_variant_code": ["P000000A000A"], "resolved_at": [resolved_at]}
    )
    assert store.upsert("sku_conflicts", marks) == 1
    rows = store.read_table("sku_conflicts", order_by=["sku"])
    assert rows["resolved_at"].to_list() == [resolved_at, None]
    assert rows["reason"].to_list() == ["duplicate_sku", "duplicate_sku"]  # untouched


def test_a_partial_frame_for_rows_that_do_not_exist_is_refused_and_writes_nothing(store):
    marks = pl.DataFrame(
        {
            "mall_id": ["m1"],
            "sku": ["NOPE"],
            "conflicting_variant_code": ["P000000Z000A"],
            "resolved_at": [datetime(2026, 2, 1, tzinfo=timezone.utc)],
        }
    )
    with pytest.raises(StoreValueError, match="not in the table.*required columns"):
        store.upsert("sku_conflicts", marks)
    assert store.row_counts()["sku_conflicts"] == 0


def test_reads_decoded_in_chunks_equal_one_read(store, monkeypatch):
    """A whole-table read is decoded READ_CHUNK_ROWS rows at a time; the chunks join into the same
    frame, also when a column is all null in the first chunk and text in a later one."""
    from cafe24_pipeline.store import store as store_module

    df = items_frame(10).with_columns(pl.when(pl.int_range(pl.len()) < 4).then(None).otherwise(pl.col("sku")).alias("sku"))
    store.upsert("cafe24_order_items", df)
    whole = store.read_table("cafe24_order_items")
    monkeypatch.setattr(store_module, "READ_CHUNK_ROWS", 3)
    chunked = store.read_table("cafe24_order_items")
    assert chunked.height == 10
    assert chunked.equals(whole)
    assert chunked["sku"].null_count() == 4 and chunked.schema == whole.schema
    monkeypatch.setattr(store_module, "READ_CHUNK_ROWS", 5)  # rows an exact multiple of the chunk
    assert store.read_table("cafe24_order_items").equals(whole)
    assert store.read(sa.select(sa.column("mall_id")).select_from(sa.table("cafe24_order_items")).where(sa.false())).height == 0
