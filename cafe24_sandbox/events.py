"""Webhook event payloads in the shapes of Cafe24's samples (WH-SPEC / WH-GEN), and bulk-event grouping.

Order events carry order-level fields only (no item detail: a receiver fetches the order), product events the
product's fields, 90075 the product plus `variant_code`. Bulk calls (`PUT /orders`, `POST`/`PUT /shipments`,
`POST /cancellation`, the control API's bulk move) send one bulk event per kind with comma-joined order ids.
"""

from __future__ import annotations

from typing import Any

from cafe24_sandbox.catalog_data import ORDER_PLACES
from cafe24_sandbox.clock import iso_kst
from cafe24_sandbox.models import Order, Product, Variant
from cafe24_sandbox.statuses import is_cancelled, shipping_status_of

ORDER_PLACED, SHIPPING, PAYMENT, CANCELLATION, RETURN, EXCHANGE = 90023, 90024, 90025, 90026, 90027, 90028
TRACKING = 90162
PRODUCT_CREATED, PRODUCT_UPDATED, PRODUCT_DELETED, STOCK_CROSSED_ZERO = 90001, 90002, 90003, 90075
# single event -> its bulk twin (WH-GEN: 90071 shipping, 90072 cancellation, 90074 return); exchange has none
BULK_OF = {SHIPPING: 90071, CANCELLATION: 90072, RETURN: 90074}

# event_code per event. Known from Cafe24's samples: create_order, paid_order, pickup_complete_order,
# cancel_order, return_order, exchange_order, update_invoice_no. The other shipping codes are [L] (made up).
SHIPPING_EVENT_CODES = {
    "N10": "prepareproduct_order",
    "N20": "prepare_order",
    "N21": "standby_order",
    "N22": "hold_order",
    "N30": "pickup_complete_order",
    "N40": "delivery_complete_order",
    "N50": "purchase_confirmation_order",
}
EVENT_CODES = {
    ORDER_PLACED: "create_order",
    PAYMENT: "paid_order",
    CANCELLATION: "cancel_order",
    RETURN: "return_order",
    EXCHANGE: "exchange_order",
    TRACKING: "update_invoice_no",
}
_PLACE_NAMES = {code: name for code, name, _ in ORDER_PLACES}


def money(value: int) -> str:
    return f"{value}.00"


def order_payload(order: Order, event_code: str) -> dict[str, Any]:
    """The order-level fields Cafe24's order events carry (90023 … 90028)."""
    items = order.items
    live = [i for i in items if not is_cancelled(i.status)]
    total = sum(item.payment_amount() for item in items)
    paid_total = sum(item.payment_amount() for item in live)
    c = order.customer
    return {
        "event_code": event_code,
        "order_id": order.order_id,
        "payment_gateway_name": "",
        "currency": "KRW",
        "order_date": iso_kst(order.order_ts),
        "order_place_name": _PLACE_NAMES.get(order.order_place_id, ""),
        "member_id": c.member_id,
        "member_authentication": None,
        "buyer_name": c.name,
        "buyer_email": c.email,
        "buyer_phone": "",
        "buyer_cellphone": c.cellphone,
        "group_no_when_ordering": "",
        "first_order": order.first_order,
        "order_from_mobile": "T" if order.order_place_id == "mobile" else "F",
        "paid": "T" if order.payment_ts is not None else "F",
        "payment_date": iso_kst(order.payment_ts),
        "billing_name": c.name,
        "bank_code": None,
        "payment_method": order.payment_method,
        "easypay_name": "",
        "use_escrow": "F",
        "bank_account_no": "",
        "order_price_amount": money(total),
        "membership_discount_amount": "0.00",
        "actual_payment_amount": money(paid_total + order.shipping_fee) if live and order.payment_ts else "0.00",
        "mileage_spent_amount": "0.00",
        "cancel_date": iso_kst(order.events.get("cancel_date")),
        "shipping_fee": money(order.shipping_fee),
        "shipping_type": "A",
        "shipping_status": shipping_status_of([item.status for item in items]),
        "wished_delivery_date": "",
        "wished_delivery_time": None,
        "store_pickup": "F",
        "shipping_message": order.shipping_message,
        "order_place_id": order.order_place_id,
        "ordering_product_code": ",".join(i.product.product_code for i in items),
        "ordering_product_name": ",".join(i.product_name or i.product.product_name for i in items),
    }


def product_payload(product: Product, shop_no: int = 1) -> dict[str, Any]:
    """The product fields of 90001/90002/90003 (and of 90075, which adds the variant)."""
    view = product.view
    return {
        "product_no": product.product_no,
        "product_code": product.product_code,
        "created_date": iso_kst(product.created_ts),
        "updated_date": iso_kst(product.updated_ts),
        "product_name": view(shop_no, "product_name"),
        "eng_product_name": product.eng_product_name,
        "supply_product_name": "",
        "model_name": product.model_name,
        "custom_product_code": product.custom_product_code,
        "product_condition": product.product_condition,
        "summary_description": product.summary_description,
        "simple_description": "",
        "description": product.description,
        "display": view(shop_no, "display"),
        "selling": view(shop_no, "selling"),
        "retail_price": money(view(shop_no, "retail_price")),
        "supply_price": money(product.supply_price),
        "price": money(view(shop_no, "price")),
        "price_content": None,
        "adult_certification": "F",
        "manufacturer_code": "M0000000",
        "supplier_code": "S0000000",
        "brand_code": product.brand_code,
        "trend_code": "T0000000",
        "made_date": "",
        "release_date": "",
        "origin_place_code": 1798,
        "shipping_scope": "A",
        "translated": "F",
    }


def stock_payload(product: Product, variant: Variant) -> dict[str, Any]:
    """90075: the variant's stock went to 0 or below (sold out) or back above 0."""
    sold_out = variant.quantity <= 0
    return {
        **product_payload(product),
        "status_text": "In case that item stock is less than or equal 0"
        if sold_out
        else "In case that item stock is more than 0",
        "variant_code": variant.variant_code,
        "use_soldout": variant.display_soldout,
    }


class BulkEvents:
    """Stands in for the server during a bulk call: single order events of the bulk kinds are held and sent
    as one bulk event per (kind, shop) by `flush()`; every other event goes straight through."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self._held: dict[tuple[str, int, int, str], list[str]] = {}

    def emit(self, mall_id: str, event_no: int, resource: dict[str, Any], shop_no: int = 1) -> None:
        bulk = BULK_OF.get(event_no)
        if bulk is None:
            self.server.emit(mall_id, event_no, resource, shop_no)
            return
        key = (mall_id, bulk, shop_no, str(resource.get("event_code", "")))
        ids = self._held.setdefault(key, [])
        if resource["order_id"] not in ids:
            ids.append(resource["order_id"])

    def flush(self) -> None:
        for (mall_id, bulk, shop_no, event_code), order_ids in self._held.items():
            resource: dict[str, Any] = {"event_code": event_code, "order_id": ",".join(order_ids)}
            if bulk == 90071:
                resource.update(included_deferpay_order="", deferpay_order_id="")
            self.server.emit(mall_id, bulk, resource, shop_no)
        self._held.clear()
