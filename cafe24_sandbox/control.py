"""The control API under `/_sandbox/...`: simulate the merchant and the world, inject faults, read counters.

It bypasses OAuth and the bucket, and it is not part of Cafe24: clients under test must never call it.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cafe24_sandbox import events, world
from cafe24_sandbox.api_orders import shipment_created_record
from cafe24_sandbox.api_products import apply_product_changes, apply_variant_changes, create_product, variant_changes
from cafe24_sandbox.clock import iso_kst, parse_query_datetime
from cafe24_sandbox.errors import ApiError
from cafe24_sandbox.events import BulkEvents
from cafe24_sandbox.flows import move_items, order_placed_payload, place_order
from cafe24_sandbox.models import Item, Order
from cafe24_sandbox.shapes import item_record
from cafe24_sandbox.state import MallState
from cafe24_sandbox.statuses import STATUSES


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _fail(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def routes(sandbox: Any) -> list[Route]:
    """Every control route, bound to one Sandbox."""

    def endpoint(handler: Callable[[Request, dict[str, Any]], Awaitable[Any]]) -> Callable[[Request], Awaitable[Response]]:
        async def wrapped(request: Request) -> Response:
            try:
                body: dict[str, Any] = {}
                if request.method in ("POST", "PUT"):
                    raw = await request.body()
                    body = json.loads(raw) if raw else {}
                    if not isinstance(body, dict):
                        raise ControlError(400, "body must be a JSON object")
                result = await handler(request, body)
                return result if isinstance(result, Response) else JSONResponse(result)
            except json.JSONDecodeError:
                return _fail(400, "body is not valid JSON")
            except ControlError as error:
                return _fail(error.status, str(error))
            except world.WorldError as error:
                return _fail(409, str(error))
            except ApiError as error:
                return _fail(error.status, error.message)
            except (KeyError, ValueError, TypeError) as error:
                return _fail(400, f"bad request: {error}")

        return wrapped

    def mall_of(request: Request) -> MallState:
        mall = sandbox.state.mall(request.path_params["mall_id"])
        if mall is None:
            raise ControlError(404, f"unknown mall {request.path_params['mall_id']!r}")
        return mall

    def order_of(mall: MallState, order_id: str) -> Order:
        order = mall.orders_by_id.get(order_id)
        if order is None:
            raise ControlError(404, f"unknown order {order_id!r}")
        return order

    async def health(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "malls": list(sandbox.state.malls),
            "client_id": sandbox.config.client_id,
            "now": iso_kst(sandbox.clock.ts()),
        }

    async def create_orders(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        mall = mall_of(request)
        count = int(body.get("count", 1))
        if count < 1 or count > 10000:
            raise ControlError(400, "count must be 1..10000")
        status = body.get("status", "N10")
        if status not in STATUSES:
            raise ControlError(400, f"unknown status {status!r}")
        shop_no = int(body.get("shop_no", 1))
        if shop_no not in {s.shop_no for s in mall.shops}:
            raise ControlError(400, f"unknown shop_no {shop_no}")
        order_ts = (
            parse_query_datetime(body["order_date"], end=False).timestamp() if body.get("order_date") else sandbox.clock.ts()
        )
        specs = body.get("items")
        rng = random.Random(body.get("seed", len(mall.orders)))
        created = []
        for _ in range(count):
            order = _new_order(mall, rng, order_ts, shop_no, specs)
            mall.add_order(order)
            move_items(mall, _Quiet(), order.items, status, order_ts if status != "N00" else None)
            if body.get("hidden"):
                mall.set_hidden(order, True)
            sandbox.emit(mall.mall_id, events.ORDER_PLACED, order_placed_payload(order), shop_no)
            if sandbox.config.deduct_stock_on_order and status[0] == "N":
                place_order(mall, sandbox, order)
            created.append(
                {
                    "order_id": order.order_id,
                    "shop_no": shop_no,
                    "items": [
                        {
                            "order_item_code": i.order_item_code,
                            "variant_code": i.variant.variant_code,
                            "custom_variant_code": i.variant.custom_variant_code,
                            "quantity": i.quantity,
                            "order_status": i.status,
                        }
                        for i in order.items
                    ],
                }
            )
        return {"orders": created}

    async def item_status(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        mall = mall_of(request)
        order = order_of(mall, request.path_params["order_id"])
        code = request.path_params["item_code"]
        item = mall.find_item(order, code)
        if item is None:
            raise ControlError(404, f"unknown order item {code!r}")
        return _move(mall, [item], body)

    async def order_status(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        mall = mall_of(request)
        order = order_of(mall, request.path_params["order_id"])
        return _move(mall, list(order.items), body)

    def _at(body: dict[str, Any]) -> float | None:
        return parse_query_datetime(body["at"], end=False).timestamp() if body.get("at") else None

    def _move(mall: MallState, items: list[Item], body: dict[str, Any], server: Any = None) -> dict[str, Any]:
        status = body.get("status")
        if status not in STATUSES:
            raise ControlError(400, f"unknown status {status!r}")
        move_items(mall, server or sandbox, items, status, _at(body))
        return {
            "items": [
                {
                    "order_item_code": i.order_item_code,
                    "order_status": i.status,
                    "dates": {k: iso_kst(v) for k, v in (i.dates or {}).items()},
                }
                for i in items
            ],
            "order_events": {k: iso_kst(v) for k, v in items[0].order.events.items()},
        }

    async def bulk_status(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        """Several orders at once, as a merchant's bulk action: one bulk webhook (90071/90072/90074)."""
        mall = mall_of(request)
        order_ids = body.get("order_ids")
        if not isinstance(order_ids, list) or not order_ids:
            raise ControlError(400, "order_ids must be a non-empty list")
        orders = [order_of(mall, order_id) for order_id in order_ids]
        bulk = BulkEvents(sandbox)
        try:
            moved = [_move(mall, list(order.items), body, bulk) for order in orders]
        finally:
            bulk.flush()
        return {"orders": [{"order_id": o.order_id, **m} for o, m in zip(orders, moved)]}

    def _items(items: list[Item]) -> list[dict[str, Any]]:
        return [{k: v for k, v in item_record(i).items() if k in _ITEM_KEYS} for i in items]

    async def deliver(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        mall = mall_of(request)
        order = order_of(mall, request.path_params["order_id"])
        try:
            items = world.deliver(mall, sandbox, order, body.get("shipping_code"), _at(body))
        except KeyError as error:
            raise ControlError(404, str(error.args[0])) from None
        return {"order_id": order.order_id, "items": _items(items)}

    async def confirm(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        mall = mall_of(request)
        order = order_of(mall, request.path_params["order_id"])
        items = world.confirm_purchase(mall, sandbox, order, body.get("order_item_code"), _at(body))
        return {"order_id": order.order_id, "items": _items(items)}

    async def channel_shipment(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        mall = mall_of(request)
        order = order_of(mall, request.path_params["order_id"])
        shipment = world.channel_shipment(mall, sandbox, order, body)
        shipped = [i for i in order.items if i.shipping_code == shipment.shipping_code]
        return {"shipment": shipment_created_record(shipment), "items": _items(shipped)}

    async def cancellation_request(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        mall = mall_of(request)
        order = order_of(mall, request.path_params["order_id"])
        return world.request_cancellation(mall, sandbox, order, body.get("order_item_code"), body.get("reason"))

    async def hide_order(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        mall = mall_of(request)
        order = order_of(mall, request.path_params["order_id"])
        mall.set_hidden(order, bool(body.get("hidden", True)))
        return {"order_id": order.order_id, "hidden": order.hidden}

    async def edit_product(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        """A merchant edit in the Cafe24 admin: product fields and/or `variants` [{variant_code, ...}]."""
        mall = mall_of(request)
        product = mall.products.get(int(request.path_params["product_no"]))
        if product is None:
            raise ControlError(404, "unknown product")
        fields = {k: v for k, v in body.items() if k not in ("variants", "touch", "shop_no")}
        shop_no = int(body.get("shop_no", 1))
        if shop_no not in {s.shop_no for s in mall.shops}:
            raise ControlError(400, f"unknown shop_no {shop_no}")
        _, changed = apply_product_changes(mall, product, fields, shop_no)
        for entry in body.get("variants") or []:
            variant = next((v for v in product.variants if v.variant_code == entry.get("variant_code")), None)
            if variant is None:
                raise ControlError(404, f"unknown variant {entry.get('variant_code')!r}")
            changed = apply_variant_changes(mall, sandbox, product, variant, variant_changes(entry)) or changed
        if not changed and not body.get("touch"):
            return {"product_no": product.product_no, "changed": False, "updated_date": iso_kst(product.updated_ts)}
        if not changed:
            mall.touch_product(product)
        sandbox.emit(mall.mall_id, events.PRODUCT_UPDATED, events.product_payload(product, shop_no), shop_no)
        return {"product_no": product.product_no, "changed": True, "updated_date": iso_kst(product.updated_ts)}

    async def add_product(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        mall = mall_of(request)
        product = create_product(mall, body, sandbox.clock.ts())
        for entry, variant in zip(body.get("variants") or [], product.variants):
            apply_variant_changes(mall, _Quiet(), product, variant, variant_changes(entry))
        sandbox.emit(mall.mall_id, events.PRODUCT_CREATED, events.product_payload(product))
        return {
            "product_no": product.product_no,
            "product_code": product.product_code,
            "variants": [
                {
                    "variant_code": v.variant_code,
                    "custom_variant_code": v.custom_variant_code,
                    "options": [list(o) for o in v.options],
                    "quantity": v.quantity,
                }
                for v in product.variants
            ],
        }

    async def remove_product(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        mall = mall_of(request)
        product = mall.delete_product(int(request.path_params["product_no"]))
        if product is None:
            raise ControlError(404, "unknown product")
        sandbox.emit(mall.mall_id, events.PRODUCT_DELETED, events.product_payload(product))
        return {"product_no": product.product_no, "deleted": True}

    async def add_fault(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        try:
            fault = sandbox.faults.add(body)
        except ValueError as error:
            raise ControlError(400, str(error)) from None
        return {"fault": fault.as_dict()}

    async def list_faults(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        return {"faults": sandbox.faults.list()}

    async def clear_faults(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        sandbox.faults.clear()
        return {"faults": []}

    async def stats(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        mall = mall_of(request)
        return sandbox.calls.stats(mall.mall_id)

    async def reset_stats(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        mall = mall_of(request)
        sandbox.calls.reset(mall.mall_id)
        return sandbox.calls.stats(mall.mall_id)

    async def logs(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        mall = mall_of(request)
        since = int(request.query_params.get("since", 0))
        limit = int(request.query_params.get("limit", 1000))
        return {"logs": sandbox.calls.logs(mall.mall_id, since, limit)}

    async def time_get(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        return {"now": iso_kst(sandbox.clock.ts()), "offset_seconds": sandbox.clock.offset_seconds}

    async def time_advance(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        seconds = float(body.get("advance_seconds", 0))
        if seconds < 0:
            raise ControlError(400, "time only moves forward")
        sandbox.clock.advance(seconds)
        return await time_get(request, body)

    async def expire_tokens(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        return {"expired": sandbox.tokens.expire_all(body.get("mall"))}

    async def revoke_tokens(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        mall = body.get("mall")
        if mall is not None and sandbox.state.mall(mall) is None:
            raise ControlError(404, f"unknown mall {mall!r}")
        access, refresh = sandbox.tokens.revoke_mall(mall)
        return {"revoked_access_tokens": access, "revoked_refresh_tokens": refresh}

    async def inflight(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        """Admin API calls still being handled; `wait=S` waits up to S seconds for none (stalled writes)."""
        deadline = time.monotonic() + float(request.query_params.get("wait", 0))
        while sandbox.inflight > 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return {"inflight": sandbox.inflight}

    async def bucket(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if "leak_rate" in body:
            rate = float(body["leak_rate"])
            if rate <= 0:
                raise ControlError(400, "leak_rate must be positive")
            sandbox.limiter.set_leak_rate(rate)
        if body.get("reset"):
            sandbox.limiter.reset()
        return {"leak_rate": sandbox.limiter.leak_rate, "capacity": sandbox.limiter.capacity}

    def _webhook_state() -> dict[str, Any]:
        hooks = sandbox.webhooks
        return {
            "url": hooks.url,
            "failing": hooks.failing,
            "fail_status": hooks.fail_status,
            "holding": hooks.holding,
            "held": hooks.held(),
            "duplicate_rate": hooks.duplicate_rate,
        }

    async def webhooks(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        """Only the keys sent change: `url` (null turns webhooks off), `key`, `fail`/`fail_status`, `hold`,
        `duplicate_rate`."""
        hooks = sandbox.webhooks
        if "duplicate_rate" in body:
            rate = float(body["duplicate_rate"])
            if not 0.0 <= rate <= 1.0:
                raise ControlError(400, "duplicate_rate must be between 0 and 1")
            hooks.duplicate_rate = rate
        if "url" in body or "key" in body:
            hooks.configure(body.get("url", hooks.url), body.get("key"))
        if "fail" in body:
            status = body.get("fail_status")
            if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
                raise ControlError(400, "fail_status must be an HTTP status or null (receiver down)")
            hooks.set_failing(bool(body["fail"]), status)
        if body.get("hold") is True:
            hooks.hold()
        elif body.get("hold") is False and hooks.holding:
            hooks.release("fifo")
        return _webhook_state()

    async def webhooks_release(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        released = sandbox.webhooks.release(str(body.get("order", "fifo")), int(body.get("seed", 0)))
        return {"released": released, **_webhook_state()}

    async def webhook_logs(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        mall = mall_of(request)
        sandbox.webhooks.wait_idle(float(request.query_params.get("wait", 0)))
        return {"logs": [{k: v for k, v in row.items() if not k.startswith("_")} for row in sandbox.webhooks.logs(mall.mall_id)]}

    m = "/_sandbox/{mall_id}"
    return [
        Route("/_sandbox/health", endpoint(health), methods=["GET"]),
        Route("/_sandbox/faults", endpoint(add_fault), methods=["POST"]),
        Route("/_sandbox/faults", endpoint(list_faults), methods=["GET"]),
        Route("/_sandbox/faults", endpoint(clear_faults), methods=["DELETE"]),
        Route("/_sandbox/time", endpoint(time_get), methods=["GET"]),
        Route("/_sandbox/time", endpoint(time_advance), methods=["POST"]),
        Route("/_sandbox/tokens/expire", endpoint(expire_tokens), methods=["POST"]),
        Route("/_sandbox/tokens/revoke", endpoint(revoke_tokens), methods=["POST"]),
        Route("/_sandbox/inflight", endpoint(inflight), methods=["GET"]),
        Route("/_sandbox/bucket", endpoint(bucket), methods=["POST"]),
        Route("/_sandbox/webhooks", endpoint(webhooks), methods=["POST"]),
        Route("/_sandbox/webhooks", endpoint(lambda request, body: _async(_webhook_state())), methods=["GET"]),
        Route("/_sandbox/webhooks/release", endpoint(webhooks_release), methods=["POST"]),
        Route(m + "/orders", endpoint(create_orders), methods=["POST"]),
        Route(m + "/orders/status", endpoint(bulk_status), methods=["POST"]),
        Route(m + "/orders/{order_id}/status", endpoint(order_status), methods=["POST"]),
        Route(m + "/orders/{order_id}/deliver", endpoint(deliver), methods=["POST"]),
        Route(m + "/orders/{order_id}/confirm", endpoint(confirm), methods=["POST"]),
        Route(m + "/orders/{order_id}/shipments", endpoint(channel_shipment), methods=["POST"]),
        Route(m + "/orders/{order_id}/cancellation-request", endpoint(cancellation_request), methods=["POST"]),
        Route(m + "/orders/{order_id}/items/{item_code}/status", endpoint(item_status), methods=["POST"]),
        Route(m + "/orders/{order_id}/hide", endpoint(hide_order), methods=["POST"]),
        Route(m + "/products", endpoint(add_product), methods=["POST"]),
        Route(m + "/products/{product_no:int}", endpoint(edit_product), methods=["PUT"]),
        Route(m + "/products/{product_no:int}", endpoint(remove_product), methods=["DELETE"]),
        Route(m + "/stats", endpoint(stats), methods=["GET"]),
        Route(m + "/stats", endpoint(reset_stats), methods=["DELETE"]),
        Route(m + "/logs", endpoint(logs), methods=["GET"]),
        Route(m + "/webhooks/logs", endpoint(webhook_logs), methods=["GET"]),
    ]


_ITEM_KEYS = (
    "order_item_code",
    "variant_code",
    "custom_variant_code",
    "quantity",
    "order_status",
    "shipping_code",
    "tracking_no",
    "shipping_company_code",
    "claim_code",
    "shipped_date",
    "delivered_date",
    "purchaseconfirmation_date",
)


async def _async(value: Any) -> Any:
    return value


class _Quiet:
    """A stand-in server that drops webhooks (used while an order is being created)."""

    def emit(self, *args: Any, **kwargs: Any) -> None:
        return None


def _new_order(mall: MallState, rng: random.Random, order_ts: float, shop_no: int, specs: list[dict[str, Any]] | None) -> Order:
    from cafe24_sandbox.catalog_data import ORDER_PLACES, PAYMENT_METHODS
    from cafe24_sandbox.models import Customer

    order = Order(
        idx=0,
        order_id=mall.new_order_id(order_ts),
        shop_no=shop_no,
        order_ts=order_ts,
        customer=Customer(
            "guest" + str(rng.randrange(10**6)),
            "홍길동",
            "guest@example.co.kr",
            "010-1234-5678",
            "06236",
            "서울특별시 강남구 테헤란로 1",
            "2층",
        ),
        payment_method=rng.choice(PAYMENT_METHODS)[0],
        order_place_id=rng.choice(ORDER_PLACES)[0],
        shipping_fee=3000,
    )
    if mall.orders:
        order.customer = mall.orders[rng.randrange(len(mall.orders))].customer
    if specs:
        for seq, spec in enumerate(specs, start=1):
            product = mall.products.get(int(spec["product_no"])) if spec.get("product_no") else None
            variant = None
            if spec.get("variant_code"):
                variant = mall.variants.get(spec["variant_code"])
                if variant is None:
                    raise ControlError(404, f"unknown variant {spec['variant_code']!r}")
                product = mall.products[variant.product_no]
            if product is None:
                raise ControlError(404, f"unknown product {spec.get('product_no')!r}")
            variant = variant or product.variants[0]
            quantity = int(spec.get("quantity", 1))
            if quantity < 1:
                raise ControlError(400, "quantity must be >= 1")
            order.items.append(
                Item(
                    order,
                    seq,
                    product,
                    variant,
                    quantity,
                    product.view(shop_no, "price"),
                    variant.additional_amount,
                    "N00",
                    product_name=product.view(shop_no, "product_name"),
                )
            )
    else:
        numbers = mall.product_nos.values
        if not numbers:
            raise ControlError(400, "the mall has no products")
        for seq in range(1, rng.randint(1, 3) + 1):
            product = mall.products[numbers[rng.randrange(len(numbers))]]
            variant = product.variants[rng.randrange(len(product.variants))]
            order.items.append(
                Item(
                    order,
                    seq,
                    product,
                    variant,
                    rng.randint(1, 2),
                    product.view(shop_no, "price"),
                    variant.additional_amount,
                    "N00",
                    product_name=product.view(shop_no, "product_name"),
                )
            )
    return order
