"""`authorize-url` and `connect` end to end: tokens stored, `connections` row, Dagster `malls` partition;
the keep-alive asset and the refresh-token expiry check on a real store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import dagster as dg
import httpx
import sqlalchemy as sa
from typer.testing import CliRunner

from cafe24_pipeline.assets.connections import cafe24_connections
from cafe24_pipeline.mall_access import load_connection
from cafe24_pipeline.checks.token_expiry import refresh_token_expiry
from cafe24_pipeline.cli import app
from cafe24_pipeline.partitions import MALLS_PARTITION_NAME
from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.store import Store
from tests.integration.cafe24_client_support import REDIRECT_URI, running_sandbox

MALL = "shopa"


def _env(sb, tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    values = {
        "CAFE24_PIPELINE_HOME": str(tmp_path / "home"),
        "CAFE24_PIPELINE_DATABASE_URL": url,
        "CAFE24_API_BASE_URL": sb.api_base_template,
        "CAFE24_CLIENT_ID": sb.config.client_id,
        "CAFE24_CLIENT_SECRET": sb.config.client_secret,
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    (tmp_path / "dagster_home").mkdir()
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return url


def test_authorize_url_then_connect_registers_the_mall(tmp_path, monkeypatch):
    with running_sandbox(products=10, orders=10) as sb:
        url = _env(sb, tmp_path, monkeypatch)
        runner = CliRunner()
        printed = runner.invoke(app, ["authorize-url", MALL, "--redirect-uri", REDIRECT_URI, "--state", "s1"])
        assert printed.exit_code == 0, printed.output
        consent_url = next(line for line in printed.output.splitlines() if line.startswith("http"))
        assert "mall.read_store" in parse_qs(urlsplit(consent_url).query)["scope"][0]
        redirect = httpx.get(consent_url, follow_redirects=False)
        code = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]

        result = runner.invoke(app, ["connect", MALL, "--code", code, "--redirect-uri", REDIRECT_URI, "--no-initial-sync"])
        assert result.exit_code == 0, result.output
        assert "Connected" in result.output and "[1, 2]" in result.output
        with Store.open(url) as store:
            connection = load_connection(store, MALL)
            assert connection.status == "active" and connection.shop_nos == (1, 2)
            shops = store.read_table("cafe24_shops", {"mall_id": MALL}, order_by=["shop_no"])
            assert shops["shop_no"].to_list() == [1, 2]
            assert shops["active"].to_list() == [True, True] and shops["currency_code"].null_count() == 0
            with store.engine.connect() as conn:
                assert conn.execute(sa.text("select count(*) from oauth_tokens")).scalar() == 1
        instance = dg.DagsterInstance.get()
        try:
            assert instance.get_dynamic_partitions(MALLS_PARTITION_NAME) == [MALL]
        finally:
            instance.dispose()

        # bad input: both or neither grant, and an unknown mall id format
        assert runner.invoke(app, ["connect", MALL, "--no-initial-sync"]).exit_code == 1
        assert runner.invoke(app, ["connect", "Bad Mall!", "--refresh-token", "x"]).exit_code == 2
        # adopting an existing refresh token works too (and spends it)
        with Store.open(url) as store:
            from cafe24_pipeline.cafe24.crypto import TokenCipher
            from cafe24_pipeline.store.token_store import SqlTokenStore as TokenStore
            from cafe24_pipeline.settings import Settings

            settings = Settings.from_env()
            refresh = TokenStore(store, TokenCipher.from_settings(settings)).load(MALL).refresh_token
        again = runner.invoke(app, ["connect", MALL, "--refresh-token", refresh, "--no-initial-sync"])
        assert again.exit_code == 0, again.output


def test_keepalive_asset_and_expiry_check(tmp_path, monkeypatch):
    with running_sandbox(products=10, orders=10) as sb:
        url = _env(sb, tmp_path, monkeypatch)
        from cafe24_pipeline.mall_access import connect as connect_mall
        from cafe24_pipeline.settings import Settings
        from tests.integration.cafe24_client_support import consent_code

        settings = Settings.from_env()
        with Store.open(url) as store:
            connect_mall(settings, store, MALL, code=consent_code(sb, settings, MALL), redirect_uri=REDIRECT_URI)
            connections = store.table("connections")
            soon = datetime.now(timezone.utc) + timedelta(hours=48)
            with store.transaction() as conn:  # pretend the refresh token expires in 2 days
                conn.execute(sa.update(connections).values(refresh_expires_at=soon))

            resource = Cafe24Resource(database_url=url)
            check_only = dg.materialize(
                [cafe24_connections, refresh_token_expiry],
                resources={"cafe24": resource},
                instance=dg.DagsterInstance.ephemeral(),
                run_config={"ops": {"cafe24_connections": {"config": {"refresh_if_expires_within_hours": 1}}}},
            )
            evaluation = check_only.get_asset_check_evaluations()[0]
            assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
            assert MALL in evaluation.metadata["refresh_token_hours_left"].value

            refreshed = dg.materialize(
                [cafe24_connections, refresh_token_expiry],
                resources={"cafe24": resource},
                instance=dg.DagsterInstance.ephemeral(),
            )
            assert refreshed.success
            materialization = refreshed.asset_materializations_for_node("cafe24_connections")[0]
            assert materialization.metadata["refreshed"].value == 1
            assert refreshed.get_asset_check_evaluations()[0].passed  # keep-alive renewed the 14 days
            assert load_connection(store, MALL).refresh_expires_at > soon + timedelta(days=10)

            with store.transaction() as conn:
                conn.execute(sa.update(connections).values(status="reauth_required", status_reason="test"))
            failing = dg.materialize(
                [cafe24_connections, refresh_token_expiry],
                resources={"cafe24": resource},
                instance=dg.DagsterInstance.ephemeral(),
            )
            evaluation = failing.get_asset_check_evaluations()[0]
            assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR


def test_connect_without_store_scope_falls_back_to_shop_1_and_says_so(tmp_path, monkeypatch):
    from cafe24_pipeline.cafe24.auth import DEFAULT_SCOPES
    from cafe24_pipeline.mall_access import connect as connect_mall
    from cafe24_pipeline.settings import Settings
    from tests.integration.cafe24_client_support import consent_code

    with running_sandbox(products=5, orders=5) as sb:
        url = _env(sb, tmp_path, monkeypatch)
        settings = Settings.from_env()
        scopes = tuple(s for s in DEFAULT_SCOPES if s != "mall.read_store")
        with Store.open(url) as store:
            connection = connect_mall(
                settings, store, MALL, code=consent_code(sb, settings, MALL, scopes), redirect_uri=REDIRECT_URI
            )
        assert connection.shop_nos == (1,) and "mall.read_store" in connection.status_reason
        assert connection.status == "active"
