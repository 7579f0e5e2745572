"""Secrets never leak: every log record (all loggers, DEBUG), CLI output, exception text, repr and Dagster
metadata of a full token lifecycle against the sandbox is searched for the client secret and every token
the sandbox issued."""

from __future__ import annotations

import logging
from datetime import timedelta

import dagster as dg
import pytest
from typer.testing import CliRunner

from cafe24_pipeline.assets.connections import cafe24_connections
from cafe24_pipeline.cafe24.auth import OAuthClient
from cafe24_pipeline.cafe24.crypto import TokenCipher
from cafe24_pipeline.cafe24.errors import Cafe24Error, ReauthRequired
from cafe24_pipeline.cafe24.retry import RetryConfig
from cafe24_pipeline.cafe24.tokens import TokenManager
from cafe24_pipeline.mall_access import keep_alive, load_connection, open_client
from cafe24_pipeline.store.token_store import SqlTokenStore as TokenStore
from cafe24_pipeline.checks.token_expiry import refresh_token_expiry
from cafe24_pipeline.cli import app
from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.store import Store
from tests.integration.cafe24_client_support import REDIRECT_URI, consent_code, running_sandbox, settings_for

MALL = "shopa"


def _record_issued_tokens(sb) -> list[str]:
    issued: list[str] = []
    original = sb.sandbox.tokens.issue_tokens

    def recording(grant):
        access, refresh, issued_at = original(grant)
        issued.extend([access.token, refresh.token])
        return access, refresh, issued_at

    sb.sandbox.tokens.issue_tokens = recording
    return issued


def test_no_secret_in_logs_output_errors_reprs_or_metadata(tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, including httpx and httpcore
    texts: list[str] = []
    with running_sandbox(access_token_ttl=3.0, products=20, orders=20) as sb:
        issued = _record_issued_tokens(sb)
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
        settings = settings_for(sb, tmp_path / "home", url)
        env = {
            "CAFE24_PIPELINE_HOME": str(settings.home),
            "CAFE24_PIPELINE_DATABASE_URL": url,
            "CAFE24_API_BASE_URL": sb.api_base_template,
            "CAFE24_CLIENT_ID": sb.config.client_id,
            "CAFE24_CLIENT_SECRET": sb.config.client_secret,
            "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        (tmp_path / "dagster_home").mkdir()

        # connect through the CLI
        runner = CliRunner()
        result = runner.invoke(
            app,
            ["connect", MALL, "--code", consent_code(sb, settings, MALL), "--redirect-uri", REDIRECT_URI, "--no-initial-sync"],
        )
        texts.append(result.output)
        assert result.exit_code == 0, result.output
        # a failing connect prints its error, not the code or secret
        bad = runner.invoke(
            app, ["connect", MALL, "--code", "not-a-real-code", "--redirect-uri", REDIRECT_URI, "--no-initial-sync"]
        )
        texts.append(bad.output)
        assert bad.exit_code == 1 and "invalid_grant" in bad.output

        with Store.open(url) as store:
            cipher = TokenCipher.from_settings(settings)
            token_store = TokenStore(store, cipher)
            stored = token_store.load(MALL)
            texts += [repr(stored), repr(token_store), repr(cipher), repr(settings), repr(load_connection(store, MALL))]
            # proactive refresh, then a 401-driven refresh
            with open_client(settings, store, MALL, refresh_margin=timedelta(seconds=1)) as client:
                client.list_shops()
                import time

                time.sleep(2.4)
                client.list_shops()
                sb.control("POST", "tokens/expire", {"mall": MALL})
                client.list_shops()
                texts += [repr(client), repr(client._auth), repr(client.tokens), str(client.stats.as_dict())]
                # errors carry no secret either
                sb.fault("503", "shops", count=20)
                try:
                    client.retry.config = RetryConfig(max_retries=1)
                    client.list_shops()
                except Cafe24Error as exc:
                    texts += [str(exc), repr(exc)]
                sb.control("DELETE", "faults")
            # the Dagster asset and check: metadata is searched too
            resource = Cafe24Resource(database_url=url)
            outcome = dg.materialize(
                [cafe24_connections, refresh_token_expiry],
                resources={"cafe24": resource},
                instance=dg.DagsterInstance.ephemeral(),
            )
            assert outcome.success
            for event in outcome.all_events:
                texts.append(str(event.event_specific_data))
            texts.append(repr(resource))
            # a rejected refresh → reauth_required, with its message
            OAuthClient(settings).refresh(MALL, token_store.load(MALL).refresh_token)
            sb.control("POST", "tokens/expire", {"mall": MALL})
            manager = TokenManager(MALL, token_store, OAuthClient(settings))
            with pytest.raises(ReauthRequired) as info:
                from cafe24_pipeline.cafe24.client import Cafe24Client

                with Cafe24Client(MALL, settings=settings, tokens=manager) as client:
                    client.list_shops()
            texts += [str(info.value), repr(info.value), str(keep_alive(settings, store))]
            status = runner.invoke(app, ["status", "--mall", MALL])
            texts.append(status.output)

    secrets = [sb.config.client_secret, *issued]
    assert len(issued) >= 8  # connect, proactive refresh, 401 refresh, keep-alive, the stolen refresh...
    haystack = "\n".join(texts) + "\n" + caplog.text + "\n" + "\n".join(str(getattr(r, "args", "")) for r in caplog.records)
    assert "refresh" in caplog.text.lower() and "shopa" in haystack  # the logs did capture the lifecycle
    leaked = [s[:4] + "…" for s in secrets if s in haystack]
    assert not leaked, f"secrets found in output: {leaked}"
