"""Records -> Cafe24 JSON, in the shapes and field names of Cafe24's documented examples.

Each serializer starts from the example-derived template (templates.py), so fields the sandbox does
not model still appear with neutral values, and overwrites every field it does model.
"""

from __future__ import annotations

from typing import Any

from cafe24_sandbox.catalog_data import CARRIERS, ORDER_PLACES, PAYMENT_METHODS
from cafe24_sandbox.clock import item_kst, iso_kst
from cafe24_sandbox.models import Brand, Category, Item, Order, Product, Shipment, Variant
from cafe24_sandbox.state import MallState, ShopInfo, item_dates
from cafe24_sandbox.statuses import STATUSES, is_cancelled, shipping_status_of
from cafe24_sandbox.templates import TEMPLATES


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _copy(value: dict[str, Any]) -> dict[str, Any]:
    """A record's starting point: a shallow copy of its template.

    Nested template values are shared between records; that is safe because records are serialized
    straight away and only ever have top-level keys replaced (never nested values mutated in place).
    """
    return dict(value)


def money(value: int) -> str:
    """KRW as Cafe24 writes money: `"10000.00"`."""
    return f"{value}.00"


def _template(name: str, **fixed: Any) -> dict[str, Any]:
    base = _deep_copy(TEMPLATES[name])
    base.update(fixed)
    return base


_NO_PERIOD = {"start_date": None, "end_date": None}
_PRODUCT_FIXED = dict(
    supply_product_name="",
    product_used_month=0,
    buy_limit_by_product="F",
    buy_group_list=[],
    buy_member_id_list=[],
    points_by_product="F",
    points_amount=[],
    product_volume={"use_product_volume": "F", "product_width": "", "product_height": "", "product_length": ""},
    expiration_date=_NO_PERIOD,
    icon_show_period=_NO_PERIOD,
    icon=[],
    hscode="",
    main=[],
    exposure_limit_type="A",
    exposure_group_list=[],
    clearance_category_eng=None,
    clearance_category_kor=None,
    clearance_category_code=None,
    origin_place_no=1798,
    made_in_code="KR",
    list_icon={"soldout_icon": False, "recommend_icon": False, "new_icon": False},
    shipping_fee_by_product="F",
    shipping_fee_type="T",
    margin_rate="0.00",
    tax_calculation="A",
    approve_status="",
    project_no=[],
    country_hscode={},
    product_tag=[],
    relational_product=[],
    additional_information=[],
    shipping_rates=[],
    shipping_area="",
    separated_mobile_description="F",
    product_material="",
    cloth_fabric=None,
    english_product_material=None,
    price_content=None,
    additional_price="0.00",
    supplier_code="S0000000",
    use_naverpay="T",
    naverpay_type="C",
    use_kakaopay="T",
)
PRODUCT_LIST_BASE = _template("product_list", **{k: v for k, v in _PRODUCT_FIXED.items() if k in TEMPLATES["product_list"]})
PRODUCT_DETAIL_BASE = _template("product_detail", **{k: v for k, v in _PRODUCT_FIXED.items() if k in TEMPLATES["product_detail"]})
PRODUCT_WRITE_BASE = _template(
    "product_updated", **{k: v for k, v in _PRODUCT_FIXED.items() if k in TEMPLATES["product_updated"]}
)
for _extra in ("product_created",):
    for _key in TEMPLATES[_extra]:
        PRODUCT_WRITE_BASE.setdefault(_key, _deep_copy(TEMPLATES[_extra][_key]))
for _key in ("translated_description", "translated_additional_description"):
    PRODUCT_WRITE_BASE[_key] = ""


def _images(product: Product) -> dict[str, str | None]:
    if product.image_path is None:
        return {"detail_image": None, "list_image": None, "tiny_image": None, "small_image": None}
    root = "https://{domain}/web/product".replace("{domain}", "sandbox.cafe24.local")
    return {
        f"{kind}_image": f"{root}/{folder}/{product.image_path}"
        for kind, folder in (("detail", "big"), ("list", "medium"), ("tiny", "tiny"), ("small", "small"))
    }


def sold_out(product: Product) -> str:
    tracked = [v for v in product.variants if v.use_inventory == "T" and v.display_soldout == "T"]
    if product.variants and len(tracked) == len(product.variants) and all(v.quantity <= 0 for v in tracked):
        return "T"
    return "F"


def product_record(product: Product, shop_no: int, base: dict[str, Any], mall: MallState) -> dict[str, Any]:
    record = _copy(base)
    view = product.view
    price = view(shop_no, "price")
    record.update(
        shop_no=shop_no,
        product_no=product.product_no,
        product_code=product.product_code,
        custom_product_code=product.custom_product_code,
        product_name=view(shop_no, "product_name"),
        eng_product_name=product.eng_product_name,
        internal_product_name=product.product_name,
        model_name=product.model_name,
        price_excluding_tax=money(round(price / 1.1)),
        price=money(price),
        retail_price=money(view(shop_no, "retail_price")),
        supply_price=money(product.supply_price),
        display=view(shop_no, "display"),
        selling=view(shop_no, "selling"),
        product_condition=product.product_condition,
        summary_description=product.summary_description,
        tax_type=product.tax_type,
        tax_rate=10,
        brand_code=product.brand_code,
        trend_code="T0000000",
        manufacturer_code="M0000000",
        classification_code="C000000A",
        product_weight=product.product_weight,
        created_date=iso_kst(product.created_ts),
        updated_date=iso_kst(product.updated_ts),
        sold_out=sold_out(product),
        market_sync="F",
        made_date="",
        release_date="",
        **_images(product),
    )
    if "has_option" in record or base is not PRODUCT_LIST_BASE:
        record["has_option"] = product.has_option
        record["option_type"] = product.option_type if product.has_option == "T" else None
    if "category" in record:
        record["category"] = [{"category_no": no, "recommend": "F", "new": "F"} for no in product.category_nos]
    if "description" in record:
        record.update(
            description=product.description,
            mobile_description="",
            simple_description="",
            payment_info="",
            shipping_info="",
            exchange_info="",
            service_info="",
        )
    return record


def inventory_fields(variant: Variant) -> dict[str, Any]:
    return {
        "use_inventory": variant.use_inventory,
        "important_inventory": variant.important_inventory,
        "inventory_control_type": variant.inventory_control_type,
        "display_soldout": variant.display_soldout,
        "quantity": variant.quantity,
        "safety_inventory": variant.safety_inventory,
    }


def _options(variant: Variant) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in variant.options]


def variant_record(variant: Variant, shop_no: int, mall: MallState, *, with_inventory: bool = True) -> dict[str, Any]:
    """GET .../variants shape: inventory fields sit on the variant itself."""
    record: dict[str, Any] = {
        "shop_no": shop_no,
        "variant_code": variant.variant_code,
        "options": _options(variant),
        "custom_variant_code": variant.custom_variant_code,
        "duplicated_custom_variant_code": "T" if mall.is_duplicated_sku(variant) else "F",
        "display": variant.display,
        "selling": variant.selling,
        "additional_amount": money(variant.additional_amount),
    }
    if with_inventory:
        record.update(inventory_fields(variant))
    return record


def variant_write_record(variant: Variant, shop_no: int, mall: MallState) -> dict[str, Any]:
    """PUT variant(s) shape: nested `inventories` object (singular data under a plural name)."""
    record = variant_record(variant, shop_no, mall, with_inventory=False)
    inventories = {"shop_no": shop_no, "variant_code": variant.variant_code, **inventory_fields(variant)}
    record["inventories"] = inventories
    return record


def inventory_record(variant: Variant, shop_no: int) -> dict[str, Any]:
    return {"shop_no": shop_no, "variant_code": variant.variant_code, **inventory_fields(variant), "origin_code": "W00000BT"}


def brand_record(brand: Brand, shop_no: int) -> dict[str, Any]:
    return {
        "shop_no": shop_no,
        "brand_code": brand.brand_code,
        "brand_name": brand.brand_name,
        "use_brand": brand.use_brand,
        "search_keyword": brand.search_keyword,
        "product_count": brand.product_count,
        "created_date": iso_kst(brand.created_ts),
    }


CATEGORY_BASE = _template("category", hash_tags=[])


def category_record(category: Category, shop_no: int) -> dict[str, Any]:
    record = _copy(CATEGORY_BASE)
    names = list(category.path_names) + [None] * (4 - len(category.path_names))
    numbers = [str(n) for n in category.path_nos] + [None] * (4 - len(category.path_nos))
    record.update(
        shop_no=shop_no,
        category_no=category.category_no,
        category_depth=category.depth,
        parent_category_no=category.parent_category_no,
        category_name=category.category_name,
        full_category_name={str(i + 1): names[i] for i in range(4)},
        full_category_no={str(i + 1): numbers[i] for i in range(4)},
        root_category_no=category.path_nos[0],
        display_order=category.display_order,
    )
    return record


def shop_record(shop: ShopInfo) -> dict[str, Any]:
    record = _copy(TEMPLATES["shop"])
    record.update(
        shop_no=shop.shop_no,
        default="T" if shop.shop_no == 1 else "F",
        shop_name=shop.shop_name,
        business_country_code="KR",
        language_code=shop.language_code,
        language_name=shop.language_name,
        currency_code=shop.currency_code,
        currency_name=shop.currency_name,
        reference_currency_code="",
        reference_currency_name=None,
        pc_skin_no=shop.shop_no * 2 - 1,
        mobile_skin_no=shop.shop_no * 2,
        base_domain=shop.base_domain,
        primary_domain=shop.primary_domain,
        slave_domain=[],
        active=shop.active,
        timezone=shop.timezone,
        timezone_name=shop.timezone_name,
        date_format="YYYY-MM-DD",
        time_format="hh:mm:ss",
        use_reference_currency="F",
    )
    return record


# ---- orders -------------------------------------------------------------------------------------
_PLACE_NAMES = {code: name for code, name, _ in ORDER_PLACES}
_METHOD_NAMES = {code: name for code, name, _ in PAYMENT_METHODS}
_CARRIER_BY_CODE = {code: (name, carrier_id) for code, name, carrier_id in CARRIERS}
_ZERO_AMOUNTS = {key: "0.00" for key in TEMPLATES["order_list"]["initial_order_amount"]}
ORDER_FIXED: dict[str, Any] = dict(
    market_id="self",
    market_order_no=None,
    member_authentication="T",
    bank_code="",
    bank_code_name="",
    payment_gateway_names=None,
    sub_payment_method_name=None,
    sub_payment_method_code=None,
    transaction_ids=None,
    use_escrow="F",
    bank_account_no="",
    bank_account_owner_name="",
    market_seller_id=None,
    payment_confirmation=None,
    commission="0.00",
    postpay="F",
    admin_additional_amount="0.00",
    additional_shipping_fee="0.00",
    international_shipping_insurance="0.00",
    additional_handling_fee="0.00",
    shipping_type="A",
    shipping_type_text="국내배송",
    regional_surcharge_detail=[],
    wished_delivery_date="",
    wished_delivery_time=None,
    wished_carrier_id=None,
    wished_carrier_name=None,
    naver_point=0,
    additional_order_info_list=[],
    store_pickup="F",
    easypay_name="",
    loan_status=None,
    subscription="F",
    multiple_addresses="F",
    exchange_rate="1.0000",
    naverpay_payment_information="N",
    market_discount_info=None,
    include_tax="T",
    service_type=None,
    service_data=None,
    show_shipping_address="T",
    social_member_code=None,
    social_name=None,
    customer_group_no_when_ordering=1,
)
ORDER_LIST_BASE = _template("order_list", **{k: v for k, v in ORDER_FIXED.items() if k in TEMPLATES["order_list"]})
ORDER_DETAIL_BASE = _template("order_detail", **{k: v for k, v in ORDER_FIXED.items() if k in TEMPLATES["order_detail"]})


def _amounts(items: list[Item], shipping_fee: int) -> dict[str, str]:
    price = sum(item.payment_amount() for item in items)
    fee = shipping_fee if items else 0
    amounts = dict(_ZERO_AMOUNTS)
    amounts.update(
        order_price_amount=money(price),
        shipping_fee=money(fee),
        payment_amount=money(price + fee),
        tax=money(round((price + fee) / 11)),
        total_amount_due="0.00",
    )
    return amounts


def order_record(order: Order, base: dict[str, Any], embed: set[str]) -> dict[str, Any]:
    record = _copy(base)
    codes = [item.status for item in order.items]
    live = [item for item in order.items if not is_cancelled(item.status)]
    cancelled = [item for item in order.items if is_cancelled(item.status)]
    paid = "T" if order.payment_ts is not None else "F"
    canceled = "T" if cancelled and not live else ("M" if cancelled else "F")
    initial = _amounts(order.items, order.shipping_fee)
    actual = _amounts(live, order.shipping_fee)
    c = order.customer
    record.update(
        shop_no=order.shop_no,
        currency="KRW",
        order_id=order.order_id,
        member_id=c.member_id,
        member_email=c.email,
        initial_order_amount=initial,
        actual_order_amount=actual,
        billing_name=c.name,
        payment_method=[order.payment_method],
        payment_method_name=[_METHOD_NAMES.get(order.payment_method, "")],
        paid=paid,
        canceled=canceled,
        order_date=iso_kst(order.order_ts),
        first_order=order.first_order,
        payment_date=iso_kst(order.payment_ts),
        order_from_mobile="T" if order.order_place_id == "mobile" else "F",
        payment_amount=actual["payment_amount"] if paid == "T" else "0.00",
        cancel_date=iso_kst(order.events.get("cancel_date")) if canceled == "T" else None,
        order_place_name=_PLACE_NAMES.get(order.order_place_id, order.order_place_id),
        order_place_id=order.order_place_id,
        shipping_status=shipping_status_of(codes),
        shipping_fee_detail=[
            {
                "shipping_group_code": 1,
                "supplier_code": "S0000000",
                "shipping_fee": money(order.shipping_fee),
                "cancel_shipping_fee": "0.00",
                "additional_shipping_fee": "0.00",
                "refunded_shipping_fee": "0.00",
                "return_shpping_fee": "0.00",
                "items": [i.order_item_code for i in order.items],
            }
        ],
        return_confirmed_date=iso_kst(order.events.get("return_accept_date")),
        total_supply_price=str(sum(i.product.supply_price * i.quantity for i in order.items)),
        first_payment_methods=[order.payment_method],
        tax_detail=[
            {
                "name": "VAT",
                "amount": initial["tax"],
                "price_before_tax": initial["payment_amount"],
                "price_before_tax_type": "I",
                "order_item_code": [i.order_item_code for i in order.items],
                "country_tax_rate": "10.00",
                "region_tax": {"rate": None, "taxation_method": None},
                "product_tax_override": {"rate": None, "taxation_method": None},
                "shipping_tax_override": {"rate": None, "taxation_method": None},
            }
        ],
    )
    if "items" in embed:
        record["items"] = [item_record(item) for item in order.items]
    if "receivers" in embed:
        record["receivers"] = [receiver_record(order)]
    if "buyer" in embed:
        record["buyer"] = buyer_record(order)
    return record


ITEM_BASE = _template(
    "order_item",
    additional_option_values=[],
    claim_reason_type=None,
    claim_reason=None,
    refund_bank_name=None,
    refund_bank_account_no=None,
    refund_bank_account_holder=None,
    naver_pay_claim_status=None,
    original_item_no=[],
    product_bundle_list=None,
    product_bundle="F",
    product_bundle_type=None,
    supplier_name="자체공급",
    shipping_fee_type="X",
    shipping_fee_type_text="기본배송",
    subscription="F",
    hs_code="",
    product_weight="1.00",
    origin_place="국내",
    market_cancel_request=None,
    market_cancel_request_quantity=None,
    market_fail_reason=None,
    options=[],
    labels=None,
)


def item_record(item: Item) -> dict[str, Any]:
    record = _copy(ITEM_BASE)
    order, product, variant = item.order, item.product, item.variant
    shipment = None
    if item.shipping_code and order.shipments:
        shipment = next((s for s in order.shipments if s.shipping_code == item.shipping_code), None)
    carrier = _CARRIER_BY_CODE.get(shipment.shipping_company_code) if shipment else None
    status_code, status_text = STATUSES[item.status]
    dates = item_dates(item)
    option_value = ", ".join(f"{name}={value}" for name, value in variant.options)
    record.update(
        shop_no=order.shop_no,
        item_no=order.idx * 10 + item.seq,
        order_item_code=item.order_item_code,
        variant_code=variant.variant_code,
        product_no=product.product_no,
        product_code=product.product_code,
        internal_product_name=product.product_name,
        custom_product_code=product.custom_product_code,
        custom_variant_code=variant.custom_variant_code,
        eng_product_name=product.eng_product_name,
        option_id=variant.variant_code[-4:],
        option_value=option_value,
        option_value_default=option_value,
        product_name=item.product_name or product.view(order.shop_no, "product_name"),
        product_name_default=item.product_name or product.product_name,
        product_price=money(item.product_price),
        option_price=money(item.option_price),
        coupon_discount_price="0.00",
        payment_amount=money(item.payment_amount()),
        quantity=item.quantity,
        product_tax_type=product.tax_type,
        tax_rate=10,
        supplier_id="S0000000",
        tracking_no=shipment.tracking_no if shipment else None,
        shipping_code=item.shipping_code,
        claim_code=item.claim_code,
        order_status=item.status,
        claim_quantity=item.quantity if item.claim_code else 0,
        order_status_additional_info=item.status_additional_info,
        status_code=status_code,
        status_text=status_text,
        shipping_company_id=str(carrier[1]) if carrier else None,
        shipping_company_name=carrier[0] if carrier else None,
        shipping_company_code=shipment.shipping_company_code if shipment else None,
        ordered_date=item_kst(order.order_ts),
        shipped_date=item_kst(dates.get("shipped_date")),
        delivered_date=item_kst(dates.get("delivered_date")),
        purchaseconfirmation_date=item_kst(dates.get("purchaseconfirmation_date")),
        cancel_date=item_kst(dates.get("cancel_date")),
        return_confirmed_date=item_kst(dates.get("return_confirmed_date")),
        return_request_date=item_kst(dates.get("return_request_date")),
        return_collected_date=item_kst(dates.get("return_collected_date")),
        cancel_request_date=item_kst(dates.get("cancel_request_date")),
        refund_date=item_kst(dates.get("refund_date")),
        exchange_request_date=item_kst(dates.get("exchange_request_date")),
        exchange_date=item_kst(dates.get("exchange_date")),
        product_weight=product.product_weight,
        option_type=product.option_type if product.has_option == "T" else None,
        options=[
            {"option_code": f"O{position:07d}", "option_name": name, "option_value": {"option_text": value, "value_no": position}}
            for position, (name, value) in enumerate(variant.options, start=1)
        ],
        supply_price=money(product.supply_price),
        individual_shipping_fee="0.00",
        order_status_before_cs=item.status_before_claim,
    )
    return record


def receiver_record(order: Order) -> dict[str, Any]:
    c = order.customer
    codes = sorted({item.shipping_code for item in order.items if item.shipping_code})
    return {
        "shop_no": order.shop_no,
        "name": c.name,
        "name_furigana": "",
        "phone": "",
        "cellphone": c.cellphone,
        "virtual_phone_no": "",
        "zipcode": c.zipcode,
        "address1": c.address1,
        "address2": c.address2,
        "address_state": "",
        "address_city": "",
        "address_street": "",
        "address_full": f"{c.address1} {c.address2}",
        "name_en": "",
        "city_en": "",
        "state_en": "",
        "street_en": "",
        "country_code": "KOR",
        "country_name": "대한민국",
        "country_name_en": "Republic of Korea",
        "shipping_message": order.shipping_message,
        "clearance_information_type": None,
        "clearance_information": None,
        "wished_delivery_date": "",
        "wished_delivery_time": None,
        "shipping_code": codes[0] if codes else None,
    }


def buyer_record(order: Order) -> dict[str, Any]:
    c = order.customer
    return {
        "shop_no": order.shop_no,
        "member_id": c.member_id,
        "member_group_no": 1,
        "initial_nickname": "",
        "name": c.name,
        "names_furigana": "",
        "email": c.email,
        "phone": "",
        "cellphone": c.cellphone,
        "customer_notification": None,
        "updated_date": None,
        "user_id": None,
        "user_name": None,
        "company_name": None,
        "company_registration_no": None,
        "buyer_zipcode": c.zipcode,
        "buyer_address1": c.address1,
        "buyer_address2": c.address2,
    }


def shipment_record(shipment: Shipment, order: Order) -> dict[str, Any]:
    """GET /orders/{id}/shipments shape."""
    statuses = {item.order_item_code: item for item in order.items}
    return {
        "shop_no": shipment.shop_no,
        "shipping_code": shipment.shipping_code,
        "order_id": shipment.order_id,
        "tracking_no": shipment.tracking_no,
        "tracking_no_updated_date": iso_kst(shipment.tracking_no_updated_ts),
        "shipping_company_code": shipment.shipping_company_code,
        "items": [
            {"order_item_code": code, "status": _item_shipment_status(statuses.get(code), shipment)}
            for code in shipment.item_codes
        ],
    }


def _item_shipment_status(item: Item | None, shipment: Shipment) -> str:
    if item is None:
        return shipment.status
    return {"N21": "standby", "N30": "shipping", "N40": "shipped", "N50": "shipped"}.get(item.status, shipment.status)


def shipment_created_record(shipment: Shipment) -> dict[str, Any]:
    return {
        "shop_no": shipment.shop_no,
        "shipping_code": shipment.shipping_code,
        "order_id": shipment.order_id,
        "status": shipment.status,
        "tracking_no": shipment.tracking_no,
        "shipping_company_code": shipment.shipping_company_code,
        "order_item_code": list(shipment.item_codes),
        "carrier_id": shipment.carrier_id,
    }
