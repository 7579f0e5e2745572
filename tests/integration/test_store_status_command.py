"""`cafe24-pipeline status` on an empty store and on one with connections, syncs and failures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl
from typer.testing import CliRunner

from cafe24_pipeline.cli import app
from cafe24_pipeline.store import Store, latest_version

runner = CliRunner()


def _env(home, url: str | None = None) -> dict[str, str]:  # noqa: ANN001
    env = {"CAFE24_PIPELINE_HOME": str(home), "COLUMNS": "220"}
    if url:
        env["CAFE24_PIPELINE_DATABASE_URL"] = url
    return env


def test_status_creates_and_describes_an_empty_default_store(tmp_path):
    home = tmp_path / "new-home"
    result = runner.invoke(app, ["status"], env=_env(home))
    assert result.exit_code == 0, result.output
    assert (home / "store.sqlite3").exists()
    assert f"schema version {latest_version()}" in result.output
    assert "No connected malls yet" in result.output
    assert "No syncs have run yet" in result.output
    assert "cafe24_order_items" in result.output


def _fill(store: Store) -> None:
    now = datetime.now(timezone.utc)
    store.upsert(
        "connections",
        pl.DataFrame(
            {
                "mall_id": ["alpha", "beta"],
                "shop_nos": ["[1, 2]", "[1]"],
                "status": ["active", "reauth_required"],
                "status_reason": [None, "refresh token expired"],
                "access_expires_at": [now + timedelta(hours=1, minutes=30), now - timedelta(days=20)],
                "refresh_expires_at": [now + timedelta(days=13), now - timedelta(days=6)],
                "updated_at": [now, now],
            }
        ),
    )
    store.record_sync("alpha", "orders", success=True, high_water_mark=now - timedelta(minutes=5), rows=42)
    store.record_sync("alpha", "products", success=False, error="HTTP 503 from Cafe24")
    store.append(
        "push_log",
        pl.DataFrame(
            {
                "mall_id": ["alpha", "alpha", "alpha"],
                "kind": ["stock", "price", "stock"],
                "result": ["failed", "success", "unknown"],
                "error": ["422 quantity invalid", None, "timeout, re-read pending"],
                "created_at": [now - timedelta(minutes=3), now - timedelta(minutes=2), now - timedelta(minutes=1)],
            }
        ),
    )
    store.upsert(
        "sku_conflicts",
        pl.DataFrame(
            {
                "mall_id": ["alpha", "alpha"],
                "sku": ["DUP-1", "DUP-2"],
                "conflicting_variant_code": ["P000000B000A", "P000000C000A"],
                "kept_variant_code": ["P000000A000A", "P000000A000B"],
                "reason": ["duplicate custom_variant_code", "duplicate custom_variant_code"],
                "detected_at": [now, now],
            }
        ),
    )


def test_status_shows_connections_syncs_backlog_conflicts_and_counts(store_url, tmp_path):
    with Store.open(store_url) as store:
        _fill(store)
    result = runner.invoke(app, ["status"], env=_env(tmp_path, store_url))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "alpha" in out and "beta" in out
    assert "reauth_required (refresh token expired)" in out
    assert "expired" in out  # beta's tokens
    assert "HTTP 503 from Cafe24" in out
    assert "timeout, re-read pending" in out  # the newest open push failure
    alpha_backlog = next(line for line in out.splitlines() if "alpha" in line and "re-read pending" in line)
    assert " 2 " in alpha_backlog  # two open pushes (failed + unknown), two open conflicts
    assert "push_log" in out and "sku_conflicts" in out


def test_status_for_one_mall_counts_only_its_rows(store_url, tmp_path):
    with Store.open(store_url) as store:
        _fill(store)
    result = runner.invoke(app, ["status", "--mall", "beta"], env=_env(tmp_path, store_url))
    assert result.exit_code == 0, result.output
    assert "(mall beta)" in result.output
    assert "alpha" not in result.output
    connections_line = next(line for line in result.output.splitlines() if "│ connections" in line)
    assert connections_line.split("│")[2].strip() == "1"
    assert "oms_products" not in result.output  # the OMS catalogue is not per mall


def test_status_rejects_a_bad_mall_id_without_a_traceback(tmp_path):
    result = runner.invoke(app, ["status", "--mall", "Not A Mall"], env=_env(tmp_path))
    assert result.exit_code == 2
    assert "is not a Cafe24 mall id" in result.output
    assert "Traceback" not in result.output


def test_status_reports_an_unreachable_database_without_its_password(tmp_path):
    url = "postgresql+psycopg://postgres:s3cret-pw@127.0.0.1:1/test"
    result = runner.invoke(app, ["status"], env=_env(tmp_path, url))
    assert result.exit_code == 2  # a store that cannot be reached is configuration (issue 11)
    assert "cannot open the store at postgresql+psycopg://postgres:***@127.0.0.1:1/test" in result.output
    assert "s3cret-pw" not in result.output
    assert "Traceback" not in result.output


def test_status_fits_80_columns_and_hides_internal_rows(store_url, tmp_path):
    with Store.open(store_url) as store:
        _fill(store)
        store.record_sync("alpha", "orders.lock", success=True)  # bookkeeping, not a sync
    env = {**_env(tmp_path, store_url), "COLUMNS": "80"}
    result = runner.invoke(app, ["status"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80, "\n".join(line for line in lines if len(line) > 80)
    assert "…" not in result.output  # nothing cut off: long texts wrap inside their cell
    assert "orders.lock" not in result.output and "mall_leases" not in result.output
    words = result.output.replace("│", " ").split()
    for word in ("HTTP", "503", "Cafe24", "timeout,", "re-read", "pending", "reauth_required"):
        assert word in words, word  # wrapped inside its cell at worst, never cut
    everything = runner.invoke(app, ["status", "--all"], env=env)
    assert "orders.lock" in everything.output and "mall_leases" in everything.output
