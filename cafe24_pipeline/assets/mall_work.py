"""How every Dagster step that works on a mall starts: the mall's lease, its client, and errors that
retrying cannot heal turned into one clear failure without retries.

Not connected, re-authorization needed, the app's credentials rejected, the mall busy with another
sync, bad configuration: none of these heals by retrying in seconds, so the step fails at once with
the actionable message (the trace stays in the run's log), and the RetryPolicy only ever retries
what might heal (network, 5xx, a crashed process).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from cafe24_pipeline.cafe24.client import Cafe24Client
from cafe24_pipeline.cafe24.errors import (
    ApiVersionUnavailable,
    AppCredentialsRejected,
    InsufficientScope,
    NotConnected,
    ReauthRequired,
)
from cafe24_pipeline.cafe24.crypto import TokenKeyError
from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.settings import SettingsError
from cafe24_pipeline.store import Store
from cafe24_pipeline.sync.lease import LeaseConfig, MallBusy, hold

PERMANENT: tuple[type[BaseException], ...] = (
    NotConnected,
    ReauthRequired,
    AppCredentialsRejected,
    ApiVersionUnavailable,
    InsufficientScope,
    TokenKeyError,
    MallBusy,
    SettingsError,
)


@contextmanager
def no_retry_for_permanent_errors(*extra: type[BaseException]) -> Iterator[None]:
    """Fail the step at once, without Dagster retries, on errors retrying cannot heal."""
    try:
        yield
    except (*PERMANENT, *extra) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc


@contextmanager
def mall_lease(
    context: dg.OpExecutionContext, store: Store, cafe24: Cafe24Resource, mall_id: str, purpose: str
) -> Iterator[None]:
    """Hold the mall's lease (no client: steps that only touch the store)."""
    with no_retry_for_permanent_errors():
        with hold(store, mall_id, purpose, config=LeaseConfig.from_settings(cafe24.settings()), run_id=context.run.run_id):
            yield


@contextmanager
def mall_client(
    context: dg.AssetExecutionContext | dg.OpExecutionContext,
    store: Store,
    cafe24: Cafe24Resource,
    mall_id: str,
    purpose: str,
    *permanent: type[BaseException],
) -> Iterator[Cafe24Client]:
    """Hold the mall's lease and open its client for the block."""
    with no_retry_for_permanent_errors(*permanent):
        with hold(store, mall_id, purpose, config=LeaseConfig.from_settings(cafe24.settings()), run_id=context.run.run_id):
            with cafe24.client(mall_id) as client:
                yield client
