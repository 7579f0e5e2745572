"""A small router for the Admin API: `products/{product_no:int}/variants` style patterns with scopes."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from cafe24_sandbox.errors import ApiError, invalid
from cafe24_sandbox.state import MallState


@dataclass
class Ctx:
    """One Admin API request, already authenticated."""

    mall: MallState
    method: str
    params: dict[str, Any]
    query: dict[str, str]
    body: dict[str, Any] | None
    shop_no: int
    server: Any  # the Sandbox (config, webhooks, stats)
    extra_headers: dict[str, str] = field(default_factory=dict)

    def request_object(self) -> dict[str, Any]:
        """The single-object write body: `{"shop_no": 1, "request": {...}}`."""
        body = self.body or {}
        request = body.get("request")
        if not isinstance(request, dict):
            raise ApiError(422, "The request object is required. (parameter.request)", {})
        return request

    def request_list(self, limit: int) -> list[dict[str, Any]]:
        """The multi-object write body: `{"shop_no": 1, "requests": [...]}` (≤ limit objects)."""
        body = self.body or {}
        requests = body.get("requests")
        if not isinstance(requests, list) or not requests or not all(isinstance(r, dict) for r in requests):
            raise ApiError(422, "The requests array is required. (parameter.requests)", {})
        if len(requests) > limit:
            raise ApiError(422, f"You can request up to {limit} objects at once. (parameter.requests)", {})
        return requests


Handler = Callable[[Ctx], Awaitable[tuple[int, dict[str, Any]]]]

_PARAM = re.compile(r"\{(\w+)(?::(int))?\}")


@dataclass
class Route:
    method: str
    template: str
    regex: re.Pattern[str]
    converters: dict[str, type]
    handler: Handler
    scope: str
    write: bool


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, scope: str) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            converters: dict[str, type] = {}

            def replace(match: re.Match[str]) -> str:
                name, kind = match.group(1), match.group(2)
                converters[name] = int if kind == "int" else str
                return rf"(?P<{name}>\d+)" if kind == "int" else rf"(?P<{name}>[^/]+)"

            regex = re.compile("^" + _PARAM.sub(replace, template) + "$")
            self.routes.append(
                Route(method, template, regex, converters, handler, scope, write=method in ("POST", "PUT", "DELETE"))
            )
            return handler

        return decorate

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, Any], bool]:
        """(route, params, path_exists_for_other_method)."""
        exists = False
        for route in self.routes:
            found = route.regex.match(path)
            if not found:
                continue
            exists = True
            if route.method == method:
                params = {k: route.converters[k](v) for k, v in found.groupdict().items()}
                return route, params, True
        return None, {}, exists


def apply_each(
    entries: list[dict[str, Any]], id_key: str, action: Callable[[dict[str, Any], str], dict[str, Any]]
) -> list[tuple[int, dict[str, Any]]]:
    """Run `action(entry, id)` for every entry of a multi-object request; a failing entry becomes its
    own `(status, {id_key: id, "error": {...}})` result and never stops the others (Cafe24's 207)."""
    results: list[tuple[int, dict[str, Any]]] = []
    for entry in entries:
        ident = entry.get(id_key)
        try:
            if not isinstance(ident, str):
                raise invalid(id_key, f"{id_key} is required.")
            results.append((200, action(entry, ident)))
        except ApiError as error:
            results.append((error.status, {id_key: ident, "error": {"code": error.status, "message": error.message}}))
    return results


def multi_status(results: list[tuple[int, dict[str, Any]]], key: str) -> tuple[int, dict[str, Any]]:
    """All succeeded: 200 with records. Mixed: 207 with successes under `key` and failures under `errors`.
    All failed with one status: that status and the first error (Cafe24's envelope)."""
    statuses = {status for status, _ in results}
    if statuses == {200}:
        return 200, {key: [record for _, record in results]}
    if 200 not in statuses and len(statuses) == 1:
        status = statuses.pop()
        first = results[0][1]["error"]
        raise ApiError(status, first["message"], {"errors": [record for _, record in results]})
    return 207, {
        key: [record for status, record in results if status == 200],
        "errors": [record for status, record in results if status != 200],
    }
