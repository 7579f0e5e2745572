"""The sandbox ASGI app: OAuth, the Admin API behind Cafe24's gates, and the control API.

Every Admin API call passes the same gates in the same order: bearer token (401), API version (400),
leaky bucket and usage quota (429), route (404), scope (403), injected faults, then the handler.
Every response after the bearer check carries `X-Api-Call-Limit` (a 401 charges no bucket).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cafe24_sandbox import api_claims, api_misc, api_orders, api_products, control
from cafe24_sandbox.bucket import RateLimiter
from cafe24_sandbox.clock import Clock
from cafe24_sandbox.config import SandboxConfig
from cafe24_sandbox.errors import ApiError, error_response
from cafe24_sandbox.faults import AFTER_HANDLER, FaultBook, corrupt
from cafe24_sandbox.oauth import AccessToken, OAuthEndpoints, TokenStore
from cafe24_sandbox.observe import CallLog
from cafe24_sandbox.responses import FastJSONResponse as JSONResponse
from cafe24_sandbox.routing import Ctx, Router
from cafe24_sandbox.routing import Route as RouteSpec
from cafe24_sandbox.seed import seed_mall
from cafe24_sandbox.state import SandboxState
from cafe24_sandbox.webhooks import WebhookEmitter

ROUTERS: list[Router] = [api_products.router, api_orders.router, api_claims.router, api_misc.router]


@dataclass
class _Trace:
    """What the call log needs to know about one Admin API call."""

    endpoint: str
    client_id: str | None = None
    fault: str | None = None
    write: bool = False
    handled_status: int | None = None  # what the handler answered (differs from the status under applied_* faults)
    limit_headers: dict[str, str] = field(default_factory=dict)


class Sandbox:
    """Everything one sandbox process holds; the ASGI app is `Sandbox(config).app`."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = Clock(config.now)
        self.state = SandboxState(config, self.clock)
        for mall in self.state.malls.values():
            seed_mall(mall, config)
        self.tokens = TokenStore(config, self.clock)
        self.limiter = RateLimiter(config.bucket_capacity, config.leak_rate, config.usage_quota_calls, config.usage_quota_window)
        self.calls = CallLog(config.log_capacity)
        self.faults = FaultBook()
        self.webhooks = WebhookEmitter(
            self.clock,
            config.webhook_url,
            config.webhook_key,
            config.webhook_timeout,
            config.webhook_duplicate_rate,
            config.seed,
            config.webhook_resend_delay,
        )
        self.oauth = OAuthEndpoints(self.tokens, config, set(config.malls))
        self.inflight = 0  # Admin API calls being handled now (the event loop is single-threaded)
        self.app = Starlette(
            routes=[
                Route("/{mall_id}/api/v2/oauth/authorize", self.oauth.authorize, methods=["GET"]),
                Route("/{mall_id}/api/v2/oauth/token", self.token, methods=["POST"]),
                Route("/{mall_id}/api/v2/oauth/revoke", self.oauth.revoke, methods=["POST"]),
                Route("/{mall_id}/api/v2/admin/{path:path}", self.admin, methods=["GET", "POST", "PUT", "DELETE"]),
                *control.routes(self),
            ]
        )

    def emit(self, mall_id: str, event_no: int, resource: dict[str, Any], shop_no: int = 1) -> None:
        self.webhooks.emit(mall_id, event_no, resource, shop_no)

    async def token(self, request: Request) -> Response:
        """The OAuth token endpoint, behind faults whose path is `oauth/token` (a lost rotation)."""
        fault = self.faults.take(request.path_params["mall_id"], "POST", "oauth/token")
        if fault is None or fault.kind == "malformed":
            return await self.oauth.token(request)
        if fault.kind not in AFTER_HANDLER:
            if fault.kind == "latency":
                await request.body()  # received in full before the stall, so it is handled even if the client left
            injected = await self._inject(fault, {})
            if injected is not None:
                return injected
            return await self.oauth.token(request)
        response = await self.oauth.token(request)
        return await self._lose_answer(fault, response, None, {})

    # ---- the Admin API gate ------------------------------------------------------------------
    async def admin(self, request: Request) -> Response:
        started = time.perf_counter()
        mall_id = request.path_params["mall_id"]
        path = request.path_params["path"].strip("/")
        trace = _Trace(endpoint=path)
        self.inflight += 1
        try:
            try:
                response = await self._admin(request, mall_id, path, trace)
            except ApiError as error:
                body = error.body()
                if error.status in (401, 429):
                    body["error"].pop("more_info", None)  # as observed: {"error":{"code":401,"message":...}}
                response = JSONResponse(body, status_code=error.status, headers=trace.limit_headers)
            self.calls.record(
                mall_id,
                request.method,
                trace.endpoint,
                path,
                str(request.query_params),
                response.status_code,
                (time.perf_counter() - started) * 1000,
                write=trace.write,
                client_id=trace.client_id,
                fault=trace.fault,
                handled_status=trace.handled_status if trace.handled_status is not None else response.status_code,
            )
            return response
        finally:
            self.inflight -= 1

    async def _admin(self, request: Request, mall_id: str, path: str, trace: "_Trace") -> Response:
        method = request.method
        trace.write = method != "GET"
        mall = self.state.mall(mall_id)
        if mall is None:
            raise ApiError(404, "No API found.")
        token, message = self._bearer(request, mall_id)
        if token is None:
            raise ApiError(401, message or "Invalid access_token")
        trace.client_id = token.grant.client_id
        self._check_version(request)
        decision = self.limiter.take(mall_id, token.grant.client_id, time.monotonic())
        trace.limit_headers = decision.headers
        if not decision.allowed:
            raise ApiError(429, "Too Many Requests")
        route, params, exists = self._match(method, path)
        if route is None:
            raise ApiError(405 if exists else 404, "Method not allowed." if exists else "No API found.", {})
        trace.endpoint, trace.write = route.template, route.write
        if route.scope not in token.grant.scopes:
            raise ApiError(403, f"insufficient_scope: this request requires the {route.scope} scope.", {})
        # the body is read before any injected stall, so a stalled write is applied even if the client leaves
        payload = await self._body(request, method)
        fault = self.faults.take(mall_id, method, path)
        if fault is not None:
            trace.fault = fault.kind
            if fault.kind not in AFTER_HANDLER:
                injected = await self._inject(fault, trace.limit_headers)
                if injected is not None:
                    trace.handled_status = 0  # the handler never ran
                    return injected
        ctx = Ctx(mall=mall, method=method, params=params, query=dict(request.query_params), body=payload, shop_no=1, server=self)
        lost = fault is not None and fault.kind in ("applied_504", "applied_latency")
        try:
            ctx.shop_no = self._shop_no_from(ctx)
            status, body = await route.handler(ctx)
        except ApiError as error:
            trace.handled_status = error.status
            if not lost:
                raise
            return await self._lose_answer(fault, None, error, trace.limit_headers)
        trace.handled_status = status
        if fault is not None and fault.kind == "malformed":
            corrupt(body, fault)
        response = JSONResponse(body, status_code=status, headers={**trace.limit_headers, **ctx.extra_headers})
        if lost:
            return await self._lose_answer(fault, response, None, trace.limit_headers)
        return response

    @staticmethod
    async def _lose_answer(fault: Any, response: Response | None, error: ApiError | None, headers: dict[str, str]) -> Response:
        """applied_504: the work is done, the gateway answers 504. applied_latency: the answer comes late."""
        if fault.kind == "applied_504":
            return error_response(504, "Gateway Timeout", more_info={}, headers=headers)
        await asyncio.sleep(fault.latency_ms / 1000)
        if response is not None:
            return response
        assert error is not None
        return JSONResponse(error.body(), status_code=error.status, headers=headers)

    def _bearer(self, request: Request, mall_id: str) -> tuple[AccessToken | None, str | None]:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer ") or not header[7:].strip():
            return None, "Invalid access_token"
        return self.tokens.check_access(header[7:].strip(), mall_id)

    def _check_version(self, request: Request) -> None:
        version = request.headers.get("x-cafe24-api-version")
        if version and version not in self.config.api_versions:
            raise ApiError(
                400,
                f"The version you requested is not available. The default value for the app "
                f"version is {self.config.default_api_version}.",
                {},
            )

    @staticmethod
    def _match(method: str, path: str) -> tuple[RouteSpec | None, dict[str, Any], bool]:
        exists_any = False
        for router in ROUTERS:
            route, params, exists = router.match(method, path)
            if route is not None:
                return route, params, True
            exists_any = exists_any or exists
        return None, {}, exists_any

    async def _body(self, request: Request, method: str) -> dict[str, Any] | None:
        if method not in ("POST", "PUT"):
            return None
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise ApiError(400, "Content-Type must be application/json.", {})
        raw = await request.body()
        try:
            body = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiError(400, "The request body is not valid JSON.", {}) from None
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.", {})
        return body

    @staticmethod
    def _shop_no_from(ctx: Ctx) -> int:
        """GET/DELETE: `shop_no` query param; POST/PUT: top-level body key. Default 1; unknown shop 422."""
        raw = (ctx.body or {}).get("shop_no") if ctx.method in ("POST", "PUT") else ctx.query.get("shop_no")
        if raw in (None, ""):
            return 1
        try:
            shop_no = int(raw)
        except (TypeError, ValueError):
            raise ApiError(422, "shop_no must be an integer. (parameter.shop_no)", {}) from None
        if shop_no not in {shop.shop_no for shop in ctx.mall.shops}:
            raise ApiError(422, "The shop_no does not exist. (parameter.shop_no)", {})
        return shop_no

    async def _inject(self, fault: Any, headers: dict[str, str]) -> Response | None:
        if fault.kind == "latency":
            await asyncio.sleep(fault.latency_ms / 1000)
            return None
        if fault.kind == "malformed":
            return None
        if fault.kind in ("truncated", "drop"):  # a body cut off mid-stream
            return Response(b'{"products": [', status_code=200, media_type="application/json", headers=headers)
        status = int(fault.kind)
        extra = dict(headers)
        if status == 429:
            extra["X-Api-Call-Limit"] = f"{self.config.bucket_capacity}/{self.config.bucket_capacity}"
            if fault.retry_after is not None:
                extra["Retry-After"] = str(fault.retry_after)
            return error_response(429, "Too Many Requests", headers=extra)
        messages = {500: "Internal Server Error", 503: "Service Unavailable", 504: "Gateway Timeout"}
        return error_response(status, messages[status], more_info={}, headers=extra)
