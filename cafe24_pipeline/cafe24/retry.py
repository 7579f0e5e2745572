"""What may be sent again, and when: the client's retry policy.

- A read (GET) may always be repeated: network errors, 5xx and cut-off bodies are retried with
  exponential back-off and jitter, at most `max_retries` times and never past the call's deadline.
- A write that sets absolute values (stock = N, price = P, status = shipping) is marked idempotent
  by the client method that sends it, and is retried like a read: sending it twice is harmless.
- Any other write (a POST that creates a shipment, a product, a cancellation) is never repeated
  once it may have reached Cafe24: a timeout, a cut connection, a 5xx or an unreadable answer raises
  `WriteOutcomeUnknown`, and the caller settles it by re-reading. Only failures that prove the
  request was never sent (connection refused, connect timeout, no free connection) are retried.
429s are not retries: `GovernedTransport` re-sends them (Cafe24 did not process the request).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_exponential_jitter

from cafe24_pipeline.cafe24.clock import Clock
from cafe24_pipeline.cafe24.errors import Cafe24Error, WriteOutcomeUnknown
from cafe24_pipeline.cafe24.stats import CallStats

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class RetryConfig:
    max_retries: int = 5
    initial: float = 0.5
    """First back-off in seconds (doubles per attempt, with jitter of the same size)."""
    max_wait: float = 20.0


class Transient(Exception):
    """Internal: a failure that may be retried, carrying the error to raise when retries run out."""

    def __init__(self, error: Cafe24Error) -> None:
        super().__init__(str(error))
        self.error = error


class RetryPolicy:
    """Runs one logical call's attempts under the rules of the module docstring."""

    def __init__(self, config: RetryConfig, clock: Clock, stats: CallStats) -> None:
        self.config = config
        self.clock = clock
        self.stats = stats

    @staticmethod
    def may_repeat(method: str, idempotent: bool) -> bool:
        return method.upper() in READ_METHODS or idempotent

    def transport_failure(
        self, exc: httpx.TransportError, *, method: str, path: str, mall_id: str, repeatable: bool
    ) -> Exception:
        """The error to raise (or retry) for a network failure."""
        reason = type(exc).__name__
        if repeatable or isinstance(exc, NOT_SENT):
            return Transient(Cafe24Error(f"network error ({reason}) on {method} {path} [mall {mall_id}]"))
        self.stats.outcome_unknown += 1
        return WriteOutcomeUnknown(method, path, reason, mall_id=mall_id)

    def server_failure(
        self, error: Cafe24Error, *, status: int, method: str, path: str, mall_id: str, repeatable: bool
    ) -> Exception:
        """The error to raise (or retry) for a 5xx or an unreadable body."""
        if repeatable:
            return Transient(error)
        self.stats.outcome_unknown += 1
        return WriteOutcomeUnknown(method, path, f"{status}: {error}", mall_id=mall_id, status=status)

    def run(self, attempt: Callable[[], T], *, describe: str, deadline: float) -> T:
        """Call `attempt` until it returns, raises a non-Transient error, or retries run out."""

        def before_sleep(state: RetryCallState) -> None:
            self.stats.retries += 1
            exc = state.outcome.exception() if state.outcome else None
            log.warning("Cafe24 %s failed (%s); retry %d of %d", describe, exc, state.attempt_number, self.config.max_retries)

        remaining = max(0.0, deadline - self.clock.monotonic())
        retrying = Retrying(
            retry=retry_if_exception_type(Transient),
            stop=stop_after_attempt(self.config.max_retries + 1) | stop_after_delay(remaining),
            wait=wait_exponential_jitter(multiplier=self.config.initial, max=self.config.max_wait, jitter=self.config.initial),
            sleep=self.clock.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            for state in retrying:
                with state:
                    return attempt()
        except Transient as exc:
            raise exc.error from None
        raise AssertionError("unreachable")  # pragma: no cover
