"""`GovernedTransport`: the per-mall rate governor as an httpx transport.

Every request waits for a slot in the mall's leaky bucket (`RateGovernor.acquire`), and every
response re-syncs the governor from `X-Api-Call-Limit` and the usage-quota headers. A 429 means
Cafe24 did not process the request, so it is sent again — whatever its method — after the
governor's jittered back-off, until the call's deadline (request extension `cafe24_deadline`, a
monotonic time) would be passed; then the 429 response is returned for the caller to raise.
429s never use the retry budget of `RetryPolicy`; only the deadline stops them.
"""

from __future__ import annotations

import logging

import httpx

from cafe24_pipeline.cafe24.clock import Clock
from cafe24_pipeline.cafe24.governor import RateGovernor
from cafe24_pipeline.cafe24.stats import CallStats

log = logging.getLogger(__name__)

DEADLINE = "cafe24_deadline"


class RateLimitTimeout(httpx.TransportError):
    """The governor would have to wait past the call's deadline (quota block or 429 storm)."""


class GovernedTransport(httpx.BaseTransport):
    """Paces requests through `governor` and re-sends 429s (see the module docstring)."""

    def __init__(self, governor: RateGovernor, clock: Clock, stats: CallStats, inner: httpx.BaseTransport | None = None) -> None:
        self.governor = governor
        self.clock = clock
        self.stats = stats
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = request.extensions.pop(DEADLINE, None)
        while True:
            try:
                self.stats.waited_seconds += self.governor.acquire(deadline=deadline)
            except TimeoutError as exc:
                raise RateLimitTimeout(str(exc), request=request) from None
            try:
                response = self._inner.handle_request(request)
            except BaseException:
                self.governor.release()
                raise
            self.governor.observe(response.headers, response.status_code)
            self.stats.count_response(response.status_code)
            log.debug(
                "Cafe24 %s %s -> %s (%s)",
                request.method,
                request.url.path,
                response.status_code,
                response.headers.get("X-Api-Call-Limit"),
            )
            if response.status_code != 429:
                return response
            self.stats.rate_limited_429 += 1
            block = self.governor.rate_limited(response.headers)
            if deadline is not None and self.clock.monotonic() + block > deadline:
                return response
            response.read()
            response.close()
            log.info("Cafe24 429 on %s %s; backing off %.1fs", request.method, request.url.path, block)

    def close(self) -> None:
        self._inner.close()
