"""Personal data stays in `cafe24_order_receivers`: Cafe24's documented order examples (with the
refund account their items carry, the member and depositor on the order) are written through the
order sync into a real store, and every table of the store is scanned for those values."""

from __future__ import annotations

import copy
import json
from datetime import UTC
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from cafe24_pipeline.cafe24.models import Order
from cafe24_pipeline.cafe24.personal import PERSONAL_FIELDS
from cafe24_pipeline.store import Store
from cafe24_pipeline.store.privacy import purge_receivers, scrub_raw_items
from cafe24_pipeline.sync.order_frames import order_frames
from cafe24_pipeline.sync.orders import OrderSync, SyncReport

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "cafe24_examples"
MALL = "shopa"

# what Cafe24's own examples put in the personal fields (GET /orders, GET /orders/{id}/items)
DOCUMENTED_PERSONAL = ["1234567890", "Holders Name", "Woori Bank", "sample@sample.com", "sampleid", "John Doe", "12312422234"]
# receivers and buyer as cafe24-api.md §7.6 lists their fields (no documented example exists)
RECEIVER = {
    "name": "Receiver Hong",
    "phone": "02-555-0101",
    "cellphone": "010-5555-0101",
    "zipcode": "04524",
    "address1": "Seoul Jung-gu Sejong-daero 110",
    "address2": "Apt 1201",
    "address_full": "Seoul ... Apt 1201",
    "country_code": "KR",
    "shipping_message": "leave at the door, call 010-5555-0101",
}
BUYER = {
    "member_id": "sampleid",
    "name": "Buyer Kim",
    "email": "buyer.kim@example.com",
    "phone": "02-777-0202",
    "cellphone": "010-7777-0202",
    "buyer_zipcode": "06236",
    "buyer_address1": "Gangnam-daero 1",
    "buyer_address2": "5F",
}
BUYER_ONLY = ["Buyer Kim", "buyer.kim@example.com", "02-777-0202", "010-7777-0202", "Gangnam-daero 1"]


def _documented_orders() -> list[Order]:
    items = json.loads((EXAMPLES / "GET_orders_{order_id}_items.json").read_text())["items"]
    orders = []
    for n, raw in enumerate(json.loads((EXAMPLES / "GET_orders.json").read_text())["orders"]):
        raw = copy.deepcopy(raw)
        own_items = copy.deepcopy(items)
        for item in own_items:  # the example reuses one order's item codes; give each order its own
            item["order_item_code"] = f"{raw['order_id']}-{item['item_no']:02d}"
        raw.update(items=own_items, buyer=dict(BUYER), receivers=[dict(RECEIVER, shipping_code=f"D-{n}")])
        orders.append(Order.from_api(raw))
    return orders


def _text_of_every_table(store: Store) -> dict[str, str]:
    out = {}
    with store.engine.connect() as conn:
        for name, table in sorted(store.tables.tables.items()):
            rows = conn.execute(sa.select(table)).all()
            out[name] = "\n".join(json.dumps([str(v) for v in row], ensure_ascii=False) for row in rows)
    return out


def _write(store: Store, orders: list[Order]) -> None:
    sync = OrderSync(store, None, MALL)
    frames = order_frames(MALL, orders, synced_at=sync.clock())
    with store.transaction() as conn:
        sync._write(frames, SyncReport(MALL, "orders_new"), source="poll", conn=conn)


def test_personal_fields_live_only_in_the_receivers_table(store: Store):
    orders = _documented_orders()
    assert any("refund_bank_account_no" in i.raw for o in orders for i in o.items)  # the examples carry it
    _write(store, orders)
    text = _text_of_every_table(store)
    assert store.read_table("cafe24_order_items", {"mall_id": MALL}).height == 4  # the data did arrive

    for table, content in text.items():
        for value in DOCUMENTED_PERSONAL + BUYER_ONLY:
            assert value not in content, f"{value!r} found in {table}"
        if table != "cafe24_order_receivers":
            for value in ("Receiver Hong", "010-5555-0101", "Sejong-daero"):
                assert value not in content, f"receiver data {value!r} found in {table}"
    assert "Receiver Hong" in text["cafe24_order_receivers"]
    kept = json.loads(store.read_table("cafe24_order_items", {"mall_id": MALL})["raw"][0])
    assert not PERSONAL_FIELDS & set(kept) and kept["claim_code"] == "C20190107-0000001"  # the rest is kept


def test_scrub_cleans_raw_items_an_older_version_stored_and_purge_removes_receivers(store: Store):
    orders = _documented_orders()
    _write(store, orders)
    # what an older version stored: the item's raw JSON as Cafe24 sent it
    items = store.read_table("cafe24_order_items", {"mall_id": MALL})
    originals = {i.order_item_code: i.raw for o in orders for i in o.items}
    legacy = items.select("mall_id", "order_item_code").with_columns(
        pl.col("order_item_code")
        .replace_strict({k: json.dumps(v, ensure_ascii=False) for k, v in originals.items()})
        .alias("raw")
    )
    store.upsert("cafe24_order_items", legacy)
    assert "1234567890" in _text_of_every_table(store)["cafe24_order_items"]

    assert scrub_raw_items(store, dry_run=True).scrubbed == 4
    assert "1234567890" in _text_of_every_table(store)["cafe24_order_items"]  # a dry run writes nothing
    result = scrub_raw_items(store)
    assert (result.scanned, result.scrubbed) == (4, 4)
    assert "1234567890" not in _text_of_every_table(store)["cafe24_order_items"]
    assert scrub_raw_items(store).scrubbed == 0  # safe to re-run

    from datetime import datetime

    assert purge_receivers(store, mall_id=MALL, ordered_before=datetime(2000, 1, 1, tzinfo=UTC)) == 0
    assert purge_receivers(store, mall_id=MALL, ordered_before=datetime.now(UTC), dry_run=True) == 2
    assert purge_receivers(store, mall_id=MALL, ordered_before=datetime.now(UTC)) == 2
    assert store.read_table("cafe24_order_receivers", {"mall_id": MALL}).height == 0
    assert store.read_table("cafe24_orders", {"mall_id": MALL}).height == 2  # orders themselves stay


@pytest.fixture
def store(store_url):
    opened = Store.open(store_url)
    try:
        yield opened
    finally:
        opened.close()


def test_privacy_commands(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cafe24_pipeline.cli import app

    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    monkeypatch.setenv("CAFE24_PIPELINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CAFE24_PIPELINE_DATABASE_URL", url)
    with Store.open(url) as s:
        _write(s, _documented_orders())
    runner = CliRunner()
    scrub = runner.invoke(app, ["privacy", "scrub", "--dry-run"])
    assert scrub.exit_code == 0 and "4 order items read, would scrub 0" in scrub.output, scrub.output
    purge = runner.invoke(app, ["privacy", "purge-receivers", "--mall", MALL, "--older-than-days", "1"])
    assert purge.exit_code == 0 and "deleted 2 receivers" in purge.output, purge.output
    bad = runner.invoke(app, ["privacy", "purge-receivers", "--older-than-days", "1"])
    assert bad.exit_code == 2 and "--mall" in bad.output and "Traceback" not in bad.output
