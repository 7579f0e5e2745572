"""Admin API: orders, order items, order status, shipments (scope mall.read_order / mall.write_order)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from cafe24_sandbox import events
from cafe24_sandbox.catalog_data import CARRIERS
from cafe24_sandbox.clock import add_months
from cafe24_sandbox.errors import ApiError, invalid, not_found
from cafe24_sandbox.events import BulkEvents
from cafe24_sandbox.flows import move_items
from cafe24_sandbox.models import Item, Order, Shipment
from cafe24_sandbox.params import csv_param, int_csv_param, int_param, parse_date, text_value
from cafe24_sandbox.routing import Ctx, Router, apply_each, multi_status
from cafe24_sandbox.shapes import (
    ORDER_DETAIL_BASE,
    ORDER_LIST_BASE,
    item_record,
    order_record,
    shipment_created_record,
    shipment_record,
)
from cafe24_sandbox.state import MallState
from cafe24_sandbox.statuses import DATE_TYPES, STATUSES

router = Router()
READ, WRITE = "mall.read_order", "mall.write_order"
ORDER_LIMIT, ORDER_OFFSET = 1000, 15000
_EMBEDS = {"items", "receivers", "buyer", "return", "cancellation", "exchange", "benefits", "coupons", "refunds"}


# ---- listing --------------------------------------------------------------------------------------
def _window(ctx: Ctx) -> tuple[float, float] | None:
    q = ctx.query
    start, end = q.get("start_date"), q.get("end_date")
    if not start and not end:
        if ctx.server.config.require_order_dates and not q.get("order_id"):
            raise invalid("start_date", "start_date and end_date are required.")
        return None
    if not start or not end:
        raise invalid("start_date" if not start else "end_date", "start_date and end_date must be used together.")
    lo, hi = parse_date("start_date", start, end=False), parse_date("end_date", end, end=True)
    if hi < lo:
        raise invalid("end_date", "end_date must not be earlier than start_date.")
    months = ctx.server.config.order_date_window_months
    # end_date is a whole (inclusive) day: 2026-01-01..2026-04-01 is exactly three months and allowed
    if hi > add_months(lo, months) + timedelta(days=1) - timedelta(microseconds=1):
        raise invalid("end_date", f"The search period cannot exceed {months} months.")
    return lo.timestamp(), hi.timestamp()


def _order_predicates(ctx: Ctx) -> list[Callable[[Order], bool]]:
    q = ctx.query
    predicates: list[Callable[[Order], bool]] = []
    statuses = csv_param(q, "order_status")
    if statuses:
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown:
            raise invalid("order_status", f"Unknown order_status {unknown[0]}.")
        wanted = set(statuses)
        predicates.append(lambda o: any(item.status in wanted for item in o.items))
    members = csv_param(q, "member_id")
    if members:
        member_set = set(members)
        predicates.append(lambda o: o.customer.member_id in member_set)
    places = csv_param(q, "order_place_id")
    if places:
        place_set = set(places)
        predicates.append(lambda o: o.order_place_id in place_set)
    methods = csv_param(q, "payment_method")
    if methods:
        method_set = set(methods)
        predicates.append(lambda o: o.payment_method in method_set)
    products = int_csv_param(q, "product_no")
    if products:
        product_set = set(products)
        predicates.append(lambda o: any(item.product.product_no in product_set for item in o.items))
    buyer = q.get("buyer_name")
    if buyer:
        predicates.append(lambda o: buyer in o.customer.name)
    paid = q.get("payment_status")
    if paid:
        wanted_paid = {p: p != "F" for p in paid.split(",")}
        predicates.append(lambda o: (o.payment_ts is not None) in wanted_paid.values())
    return predicates


def _matching_orders(ctx: Ctx) -> Iterator[Order]:
    q, mall = ctx.query, ctx.mall
    date_type = q.get("date_type") or "order_date"
    if date_type not in DATE_TYPES:
        raise invalid("date_type", "date_type is not supported.")
    window = _window(ctx)
    order_ids = csv_param(q, "order_id")
    predicates = _order_predicates(ctx)
    sort, direction = q.get("sort"), q.get("order")
    if sort not in (None, "", "order_date", "pay_date"):
        raise invalid("sort", "sort must be order_date or pay_date.")
    if direction not in (None, "", "asc", "desc"):
        raise invalid("order", "order must be asc or desc.")
    descending = (direction or ctx.server.config.order_default_order) == "desc"
    if order_ids is not None:
        found = [mall.orders_by_id[o] for o in order_ids if o in mall.orders_by_id]
        candidates: Iterator[Order] = iter(found)
        predicates.append(lambda o: o.shop_no == ctx.shop_no)
        if window is not None:
            lo, hi = window

            def in_window(order: Order) -> bool:
                ts = order.order_ts if date_type == "order_date" else order.events.get(date_type)
                return ts is not None and lo <= ts <= hi

            predicates.append(in_window)
    else:
        assert window is not None
        index = mall.date_index(ctx.shop_no, date_type)
        by_status = _status_candidates(ctx, date_type, window, index.count(*window))
        if by_status is not None:
            positions = iter(by_status if not descending else reversed(by_status))
        else:
            positions = index.ids(window[0], window[1], descending=descending)
        if sort and sort != date_type:
            key = (lambda o: o.order_ts) if sort == "order_date" else (lambda o: o.payment_ts or 0.0)
            rows = sorted((mall.orders[p] for p in positions), key=key, reverse=descending)
            candidates = iter(rows)
        else:
            candidates = (mall.orders[p] for p in positions)
    return (o for o in candidates if all(pred(o) for pred in predicates))


def _status_candidates(ctx: Ctx, date_type: str, window: tuple[float, float], in_window: int) -> list[int] | None:
    """Order positions with an item in the requested statuses, inside the window, sorted by the
    date_type date; None when there is no status filter or the window itself is the smaller set."""
    statuses = csv_param(ctx.query, "order_status")
    if not statuses:
        return None
    mall = ctx.mall
    sets = [mall.status_orders.get((ctx.shop_no, status), set()) for status in statuses]
    if sum(len(s) for s in sets) >= in_window:
        return None
    lo, hi = window
    keyed = []
    for position in set().union(*sets):
        order = mall.orders[position]
        ts = order.order_ts if date_type == "order_date" else order.events.get(date_type)
        if ts is not None and lo <= int(ts) and int(ts) <= hi:
            keyed.append((int(ts), position))
    keyed.sort()
    return [position for _, position in keyed]


def _embed(ctx: Ctx) -> set[str]:
    return set(csv_param(ctx.query, "embed") or []) & _EMBEDS


def _restrict(record: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    """`fields=a,b`: only those keys (embedded sub-resources stay)."""
    if not fields:
        return record
    keep = set(fields) | {"items", "receivers", "buyer"}
    return {k: v for k, v in record.items() if k in keep}


@router.add("GET", "orders", READ)
async def list_orders(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    limit = int_param(ctx.query, "limit", 10, minimum=1, maximum=ORDER_LIMIT)
    offset = int_param(ctx.query, "offset", 0, minimum=0, maximum=ORDER_OFFSET)
    embed = _embed(ctx)
    page = list(itertools.islice(_matching_orders(ctx), offset, offset + limit + 1))
    more = len(page) > limit
    fields = csv_param(ctx.query, "fields")
    body: dict[str, Any] = {"orders": [_restrict(order_record(o, ORDER_LIST_BASE, embed), fields) for o in page[:limit]]}
    links = []
    base = f"https://{ctx.mall.mall_id}.cafe24api.com/api/v2/admin/orders?"
    params = {k: v for k, v in ctx.query.items() if k not in ("offset", "limit")}
    if offset > 0:
        links.append({"rel": "prev", "href": base + urlencode({**params, "limit": limit, "offset": max(0, offset - limit)})})
    if more:
        links.append({"rel": "next", "href": base + urlencode({**params, "limit": limit, "offset": offset + limit})})
    if links:
        body["links"] = links
    return 200, body


@router.add("GET", "orders/count", READ)
async def count_orders(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    q = ctx.query
    if not q.get("order_id") and not _order_predicates(ctx):
        date_type = q.get("date_type") or "order_date"
        if date_type not in DATE_TYPES:
            raise invalid("date_type", "date_type is not supported.")
        window = _window(ctx)
        assert window is not None
        return 200, {"count": ctx.mall.date_index(ctx.shop_no, date_type).count(*window)}
    return 200, {"count": sum(1 for _ in _matching_orders(ctx))}


def _order(ctx: Ctx, order_id: str | None = None) -> Order:
    order = ctx.mall.orders_by_id.get(order_id or ctx.params["order_id"])
    if order is None or order.shop_no != ctx.shop_no:
        raise not_found("order")
    return order


@router.add("GET", "orders/{order_id}", READ)
async def get_order(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    return 200, {"order": _restrict(order_record(_order(ctx), ORDER_DETAIL_BASE, _embed(ctx)), csv_param(ctx.query, "fields"))}


@router.add("GET", "orders/{order_id}/items", READ)
async def list_items(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    return 200, {"items": [item_record(item) for item in _order(ctx).items]}


@router.add("GET", "orders/{order_id}/receivers", READ)
async def list_receivers(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    from cafe24_sandbox.shapes import receiver_record

    return 200, {"receivers": [receiver_record(_order(ctx))]}


@router.add("GET", "orders/{order_id}/buyer", READ)
async def get_buyer(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    from cafe24_sandbox.shapes import buyer_record

    return 200, {"buyer": buyer_record(_order(ctx))}


# ---- order status ---------------------------------------------------------------------------------
_PROCESS = {  # process_status -> (allowed from, target); unhold goes back to the status before hold
    "prepare": ({"N10"}, "N20"),
    "prepareproduct": ({"N20"}, "N10"),
    "hold": ({"N10", "N20", "N21"}, "N22"),
    "unhold": ({"N22"}, "N20"),
}


def _target_items(order: Order, codes: Any) -> tuple[list[Item], bool]:
    """(items, explicitly_named)."""
    if codes in (None, [], ""):
        return list(order.items), False
    if isinstance(codes, str):
        codes = [codes]
    if not isinstance(codes, list):
        raise invalid("order_item_code", "order_item_code must be a list.")
    items = []
    for code in codes:
        item = next((i for i in order.items if i.order_item_code == code), None)
        if item is None:
            raise invalid("order_item_code", f"order_item_code {code} does not belong to the order.")
        items.append(item)
    return items, True


def update_order_status(mall: MallState, server: Any, order: Order, request: dict[str, Any], shop_no: int) -> dict[str, Any]:
    process = request.get("process_status")
    confirmation = request.get("purchase_confirmation")
    if process is None and confirmation is None:
        raise invalid("process_status", "process_status or purchase_confirmation is required.")
    items, named = _target_items(order, request.get("order_item_code"))
    moves: list[tuple[Item, str]] = []
    if process is not None:
        if process not in _PROCESS:
            raise invalid("process_status", "process_status must be prepare, prepareproduct, hold or unhold.")
        allowed, target = _PROCESS[process]
        for item in items:
            if item.status == target and process != "unhold":
                continue
            if item.status in allowed:
                moves.append((item, (item.status_before_hold or target) if process == "unhold" else target))
            elif named:
                raise ApiError(
                    422,
                    f"The order item {item.order_item_code} in status {item.status} cannot be "
                    f"changed to {process}. (parameter.process_status)",
                    {},
                )
    if confirmation is not None:
        if confirmation not in ("T", "F"):
            raise invalid("purchase_confirmation", "purchase_confirmation must be T or F.")
        source, target = ("N40", "N50") if confirmation == "T" else ("N50", "N40")
        for item in items:
            if item.status == source:
                moves.append((item, target))
            elif item.status != target and named:
                raise ApiError(
                    422, f"The order item {item.order_item_code} is not delivered. (parameter.purchase_confirmation)", {}
                )
    if not moves:
        done = _PROCESS[process][1] if process else ("N50" if confirmation == "T" else "N40")
        already = process != "unhold" and all(i.status == done for i in items)
        if already:
            raise ApiError(409, "The requested content is identical to the existing content.", {})
        raise ApiError(422, "No order item can be changed to the requested status. (parameter.process_status)", {})
    with mall.lock:
        for item, target in moves:
            if target == "N22":
                item.status_before_hold = item.status
            elif item.status == "N22":
                item.status_before_hold = None
    for target in dict.fromkeys(t for _, t in moves):
        move_items(mall, server, [i for i, t in moves if t == target], target)
    return {
        "shop_no": shop_no,
        "order_id": order.order_id,
        "process_status": process,
        "order_item_code": [i.order_item_code for i, _ in moves],
        "purchase_confirmation": confirmation,
        "collect_points": "F",
        "show_shipping_address": None,
    }


@router.add("PUT", "orders/{order_id}", WRITE)
async def put_order(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    record = update_order_status(ctx.mall, ctx.server, _order(ctx), ctx.request_object(), ctx.shop_no)
    record.pop("order_id")  # the single-order response does not repeat the id
    return 200, {"order": record}


@router.add("PUT", "orders", WRITE)
async def put_orders(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    bulk = BulkEvents(ctx.server)  # one 90071 with every order id instead of one 90024 per order
    try:
        results = apply_each(
            ctx.request_list(100),
            "order_id",
            lambda entry, order_id: update_order_status(ctx.mall, bulk, _order(ctx, order_id), entry, ctx.shop_no),
        )
    finally:
        bulk.flush()
    return multi_status(results, "orders")


# ---- shipments ------------------------------------------------------------------------------------
_SHIPMENT_TARGET = {"standby": "N21", "shipping": "N30", "shipped": "N40"}
_SHIPPABLE = {"N10", "N20", "N22"}
_CARRIER_IDS = {code: carrier_id for code, _, carrier_id in CARRIERS}


def _shipment(order: Order, code: str) -> Shipment:
    for shipment in order.shipments or []:
        if shipment.shipping_code == code:
            return shipment
    raise not_found("shipment")


def _same_shipment(order: Order, item: Item, tracking: str, company: str, status: str) -> bool:
    """The item already ships with exactly this tracking number, carrier and status (a repeated request)."""
    if not item.shipping_code:
        return False
    existing = _shipment(order, item.shipping_code)
    return (existing.tracking_no, existing.shipping_company_code, existing.status) == (tracking, company, status)


def create_shipment(mall: MallState, server: Any, order: Order, request: dict[str, Any]) -> Shipment:
    """Register tracking for items (all shippable ones without `order_item_code`): a new `D-{order_id}-NN`.
    An item can be in one shipment only: a second one is 422, the same one again 409."""
    tracking = request.get("tracking_no")
    company = request.get("shipping_company_code")
    status = request.get("status")
    if not tracking:
        raise invalid("tracking_no", "tracking_no is required.")
    text_value("tracking_no", tracking, max_length=40)
    if not company:
        raise invalid("shipping_company_code", "shipping_company_code is required.")
    if not isinstance(company, str) or len(company) != 4 or not company.isdigit():
        raise invalid("shipping_company_code", "shipping_company_code must be a 4-digit code.")
    if status not in ("standby", "shipping"):
        raise invalid("status", "status must be standby or shipping.")
    items, named = _target_items(order, request.get("order_item_code"))
    if not named:
        remaining = [i for i in items if i.status in _SHIPPABLE and not i.shipping_code]
        if not remaining and any(_same_shipment(order, i, tracking, company, status) for i in items):
            raise ApiError(409, "The requested content is identical to the existing content.", {})
        items = remaining
    for item in items:
        if item.shipping_code:
            if _same_shipment(order, item, tracking, company, status):
                raise ApiError(409, "The requested content is identical to the existing content.", {})
            raise ApiError(
                422, f"The order item {item.order_item_code} already has shipping information. (parameter.order_item_code)", {}
            )
        if item.status not in _SHIPPABLE:
            raise ApiError(
                422,
                f"The order item {item.order_item_code} in status {item.status} cannot be shipped. (parameter.order_item_code)",
                {},
            )
    if not items:
        raise ApiError(422, "There is no order item to ship. (parameter.order_item_code)", {})
    code = request.get("shipping_code") or mall.next_shipping_code(order.order_id)
    carrier_id = request.get("carrier_id") or _CARRIER_IDS.get(company, 1)
    shipment = Shipment(
        shipping_code=code,
        order_id=order.order_id,
        shop_no=order.shop_no,
        status=status,
        tracking_no=tracking,
        shipping_company_code=company,
        carrier_id=int(carrier_id),
        item_seqs=[i.seq for i in items],
        tracking_no_updated_ts=mall.clock.ts(),
    )
    with mall.lock:
        mall.add_shipment(order, shipment)
        for item in items:
            item.shipping_code = code
    move_items(mall, server, items, _SHIPMENT_TARGET[status])
    server.emit(mall.mall_id, events.TRACKING, _tracking_payload(shipment), order.shop_no)
    return shipment


def _tracking_payload(shipment: Shipment) -> dict[str, Any]:
    """90162, as in Cafe24's sample: order id, shipping code, carrier code, tracking number."""
    return {
        "event_code": "update_invoice_no",
        "order_id": shipment.order_id,
        "shipping_code": shipment.shipping_code,
        "shipping_company_code": shipment.shipping_company_code,
        "tracking_no": shipment.tracking_no,
    }


def update_shipment(mall: MallState, server: Any, order: Order, shipment: Shipment, request: dict[str, Any]) -> dict[str, Any]:
    status = request.get("status")
    tracking, company = request.get("tracking_no"), request.get("shipping_company_code")
    if status is not None and (tracking is not None or company is not None):
        raise invalid("status", "Send either status or tracking_no/shipping_company_code, not both.")
    if status is None and tracking is None and company is None:
        raise invalid("status", "status or tracking_no is required.")
    record = {
        "shop_no": order.shop_no,
        "shipping_code": shipment.shipping_code,
        "order_id": order.order_id,
        "status": None,
        "status_additional_info": None,
        "tracking_no": None,
        "shipping_company_code": None,
    }
    if status is not None:
        if status not in _SHIPMENT_TARGET:
            raise invalid("status", "status must be standby, shipping or shipped.")
        info = request.get("status_additional_info")
        if info is not None:
            text_value("status_additional_info", info, max_length=30)
        items = [i for i in order.items if i.order_item_code in shipment.item_codes]
        target = _SHIPMENT_TARGET[status]
        live = [i for i in items if i.status in ("N21", "N30", "N40", "N22", "N20", "N10")]
        if shipment.status == status and all(i.status == target for i in live):
            raise ApiError(409, "The requested content is identical to the existing content.", {})
        if any(i.status == "N40" for i in live) and target != "N40":
            raise ApiError(422, "A delivered shipment cannot go back. (parameter.status)", {})
        shipment.status = status
        shipment.status_additional_info = info
        move_items(mall, server, [i for i in live if i.status != target], target)
        record.update(status=status, status_additional_info=info)
    else:
        new_tracking = text_value("tracking_no", tracking, max_length=40) if tracking is not None else shipment.tracking_no
        new_company = company if company is not None else shipment.shipping_company_code
        if not isinstance(new_company, str) or len(new_company) != 4 or not new_company.isdigit():
            raise invalid("shipping_company_code", "shipping_company_code must be a 4-digit code.")
        if (new_tracking, new_company) == (shipment.tracking_no, shipment.shipping_company_code):
            raise ApiError(409, "The requested content is identical to the existing content.", {})
        shipment.tracking_no, shipment.shipping_company_code = new_tracking, new_company
        shipment.tracking_no_updated_ts = mall.clock.ts()
        server.emit(mall.mall_id, events.TRACKING, _tracking_payload(shipment), order.shop_no)
        record.update(tracking_no=new_tracking, shipping_company_code=new_company)
    return record


@router.add("GET", "orders/{order_id}/shipments", READ)
async def list_shipments(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    order = _order(ctx)
    return 200, {"shipments": [shipment_record(s, order) for s in order.shipments or []]}


@router.add("POST", "orders/{order_id}/shipments", WRITE)
async def post_shipment(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    shipment = create_shipment(ctx.mall, ctx.server, _order(ctx), ctx.request_object())
    return 201, {"shipments": [shipment_created_record(shipment)]}


@router.add("PUT", "orders/{order_id}/shipments/{shipping_code}", WRITE)
async def put_shipment(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    order = _order(ctx)
    record = update_shipment(ctx.mall, ctx.server, order, _shipment(order, ctx.params["shipping_code"]), ctx.request_object())
    for key in ("shipping_code", "order_id"):
        record.pop(key)  # the single response does not repeat the ids
    return 200, {"shipment": record}


@router.add("DELETE", "orders/{order_id}/shipments/{shipping_code}", WRITE)
async def delete_shipment(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    order = _order(ctx)
    shipment = _shipment(order, ctx.params["shipping_code"])
    items = [i for i in order.items if i.order_item_code in shipment.item_codes]
    if any(i.status in ("N30", "N40", "N50") for i in items):
        raise ApiError(422, "Shipping information of shipped items cannot be deleted. (parameter.shipping_code)", {})
    with ctx.mall.lock:
        assert order.shipments is not None
        order.shipments.remove(shipment)
        for item in items:
            item.shipping_code = None
    move_items(ctx.mall, ctx.server, [i for i in items if i.status == "N21"], "N20")
    return 200, {
        "shipment": {
            "shop_no": order.shop_no,
            "order_id": order.order_id,
            "shipping_code": shipment.shipping_code,
            "order_item_code": shipment.item_codes,
        }
    }


@router.add("POST", "shipments", WRITE)
async def post_shipments(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    bulk = BulkEvents(ctx.server)
    try:
        results = apply_each(
            ctx.request_list(100),
            "order_id",
            lambda entry, order_id: shipment_created_record(create_shipment(ctx.mall, bulk, _order(ctx, order_id), entry)),
        )
    finally:
        bulk.flush()
    status, body = multi_status(results, "shipments")
    return (201 if status == 200 else status), body


@router.add("PUT", "shipments", WRITE)
async def put_shipments(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    bulk = BulkEvents(ctx.server)

    def update(entry: dict[str, Any], code: str) -> dict[str, Any]:
        order = _order(ctx, entry.get("order_id") or code[2:-3])  # D-{order_id}-NN
        return update_shipment(ctx.mall, bulk, order, _shipment(order, code), entry)

    try:
        results = apply_each(ctx.request_list(100), "shipping_code", update)
    finally:
        bulk.flush()
    return multi_status(results, "shipments")
