"""Deterministic seeded data: a Korean catalogue and 120 days of orders across the mall's shops.

Same seed + same config = same data (ids, names, prices, statuses); only times move with "now".
Built in one pass with plain tuples and slotted records so 100k products / 1M items take seconds.
"""

from __future__ import annotations

import gc
import random
import zlib
from bisect import bisect
from collections.abc import Callable
from itertools import accumulate

from cafe24_sandbox import ids
from cafe24_sandbox.catalog_data import (
    ADJECTIVES,
    APPAREL_SIZES,
    BRANDS,
    CARRIERS,
    CATEGORY_TREE,
    CITIES,
    COLORS,
    ENGLISH,
    GIVEN,
    LIVING_SIZES,
    MATERIALS,
    MATERIALS_EN,
    ORDER_PLACES,
    PAYMENT_METHODS,
    ROMAN,
    SHIPPING_MESSAGES,
    SHOE_SIZES,
    SURNAMES,
    VOLUMES,
)
from cafe24_sandbox.config import SandboxConfig
from cafe24_sandbox.models import Brand, Category, Customer, Item, Order, Product, Shipment, Variant
from cafe24_sandbox.state import MallState, ShopInfo
from cafe24_sandbox.statuses import implied_events

DAY = 86400.0
FIRST_CATEGORY_NO = 24  # category 1 is Cafe24's root; real malls start their own numbers in the 20s


def mall_rng(seed: int, mall_id: str, stream: str) -> random.Random:
    return random.Random(f"{seed}:{mall_id}:{stream}:{zlib.crc32(mall_id.encode())}")


def seed_mall(mall: MallState, config: SandboxConfig) -> None:
    """Seed one mall. The cyclic GC is paused meanwhile (millions of new objects, no garbage), and the
    seeded objects are then frozen out of later collections so big malls do not stall requests."""
    now = mall.clock.ts()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        seed_shops(mall, config)
        leaves = seed_categories(mall)
        seed_brands(mall, now)
        seed_products(mall, config, leaves, now)
        seed_orders(mall, config, now)
    finally:
        if was_enabled:
            gc.enable()
    gc.freeze()


def seed_shops(mall: MallState, config: SandboxConfig) -> None:
    mall.shops = [
        ShopInfo(
            1,
            f"{mall.mall_id} 쇼핑몰",
            "ko_KR",
            "Korean",
            "KRW",
            "South Korean Won (KRW)",
            "Asia/Seoul",
            "(UTC+09:00) Seoul",
            f"{mall.mall_id}.co.kr",
            f"{mall.mall_id}.cafe24.com",
        )
    ]
    for shop_no in range(2, config.shops_per_mall + 1):
        currency = config.shop2_currency if shop_no == 2 else "KRW"
        currency_name = {"KRW": "South Korean Won (KRW)", "USD": "United States Dollar (USD)"}.get(currency, currency)
        mall.shops.append(
            ShopInfo(
                shop_no,
                f"{mall.mall_id} Global Shop {shop_no}",
                "en_US",
                "English",
                currency,
                currency_name,
                "Asia/Seoul",
                "(UTC+09:00) Seoul",
                f"en{shop_no}.{mall.mall_id}.co.kr",
                f"{mall.mall_id}.cafe24.com/shop{shop_no}",
            )
        )


LeafInfo = tuple[Category, str, str, float, tuple[int, int]]


def seed_categories(mall: MallState) -> list[LeafInfo]:
    """A 3-level tree; returns the leaves with their naming/option profile."""
    number = FIRST_CATEGORY_NO
    leaves: list[LeafInfo] = []
    for top_order, (top, middles, option_kind, option_chance, band) in enumerate(CATEGORY_TREE):
        top_no = number
        mall.categories[top_no] = Category(top_no, top, 1, 1, (top,), (top_no,), top_order)
        number += 1
        for mid_order, (middle, nouns) in enumerate(middles):
            mid_no = number
            mall.categories[mid_no] = Category(mid_no, middle, top_no, 2, (top, middle), (top_no, mid_no), mid_order)
            number += 1
            for leaf_order, noun in enumerate(nouns):
                leaf = Category(number, noun, mid_no, 3, (top, middle, noun), (top_no, mid_no, number), leaf_order)
                mall.categories[number] = leaf
                leaves.append((leaf, noun, option_kind, option_chance, band))
                number += 1
    return leaves


def seed_brands(mall: MallState, now: float) -> None:
    mall.brands["B0000000"] = Brand("B0000000", "자체브랜드", now - 400 * DAY, search_keyword="")
    for index, name in enumerate(BRANDS, start=10):
        code = ids.brand_code(index)
        mall.brands[code] = Brand(code, name, now - (380 - index) * DAY, search_keyword=name)


def _option_axes(kind: str, rng: random.Random, big: bool) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(option name, [(value, sku part)])]."""
    if big:
        return [("색상", COLORS[:11]), ("사이즈", [(s, s) for s in SHOE_SIZES[:10]])]
    colors = rng.sample(COLORS, rng.randint(1, 3))
    if kind == "apparel":
        sizes = APPAREL_SIZES[: rng.randint(2, 4)]
        return [("색상", colors), ("사이즈", [(s, s) for s in sizes])]
    if kind == "shoes":
        start = rng.randint(0, 6)
        return [("색상", colors[:2]), ("사이즈", [(s, s) for s in SHOE_SIZES[start : start + rng.randint(3, 6)]])]
    if kind == "volume":
        return [("용량", VOLUMES[: rng.randint(2, 3)])]
    if kind == "living":
        return [("사이즈", LIVING_SIZES[: rng.randint(2, 3)])]
    return [("색상", colors if len(colors) > 1 else rng.sample(COLORS, 2))]


def seed_products(mall: MallState, config: SandboxConfig, leaves: list[LeafInfo], now: float) -> None:
    rng = mall_rng(config.seed, mall.mall_id, "products")
    count = config.products
    brand_codes = list(mall.brands)
    big_option_nos = set()
    if config.big_option_products and count >= 10:
        big_option_nos = {max(1, count // 2 - i) for i in range(config.big_option_products)}
    oldest = now - 365 * DAY
    span = (now - 2 * DAY) - oldest
    option_variants: list[Variant] = []
    for product_no in range(1, count + 1):
        leaf, noun, kind, option_chance, (low, high) = leaves[rng.randrange(len(leaves))]
        created = oldest + span * (product_no - 1) / max(1, count) + rng.random() * 3600
        updated = min(now - 60, created + rng.random() * (now - created))
        price = rng.randrange(low // 100, high // 100) * 100
        price = price - price % 1000 + 900 if price >= 10_000 and rng.random() < 0.6 else price
        retail = 0 if rng.random() < 0.35 else (price * rng.choice((110, 120, 130, 150)) // 100000 + 1) * 1000
        supply = price * rng.randint(40, 65) // 10000 * 100
        adjective, material = rng.choice(ADJECTIVES), rng.choice(MATERIALS)
        name = f"{adjective} {material} {noun}"
        code = ids.product_code(product_no)
        big = product_no in big_option_nos
        has_option = big or rng.random() < option_chance
        month = ids.kst_day(created)[:6]
        image = (
            None if rng.random() < config.missing_image_ratio else f"{month}/{product_no}_shop1_{rng.randrange(10**6):06d}.jpg"
        )
        product = Product(
            product_no=product_no,
            product_code=code,
            product_name=name,
            eng_product_name=f"{MATERIALS_EN[material]} {ENGLISH.get(noun, noun)}",
            custom_product_code=f"{kind[:2].upper()}-{product_no:06d}",
            model_name=f"M{product_no:05d}",
            price=price,
            retail_price=retail,
            supply_price=supply,
            brand_code=rng.choice(brand_codes),
            category_nos=[leaf.category_no],
            created_ts=created,
            updated_ts=updated,
            image_path=image,
            display="T" if rng.random() < 0.92 else "F",
            selling="T" if rng.random() < 0.9 else "F",
            summary_description=f"{name} - {leaf.path_names[0]} 베스트",
            description=f"<p>{name}</p><p>소재: {material} / 원산지: 대한민국</p>",
            product_weight=f"{rng.choice((0.2, 0.3, 0.5, 0.8, 1.0, 1.5))}0",
        )
        if has_option:
            axes = _option_axes(kind, rng, big)
            product.has_option, product.option_type = "T", "T" if False else "C"
            product.option_names = tuple(name for name, _ in axes)
            combos: list[list[tuple[str, str, str]]] = [[]]
            for axis_name, values in axes:
                combos = [c + [(axis_name, v, part)] for c in combos for v, part in values]
            for index, combo in enumerate(combos, start=10):
                parts = "-".join(part for _, _, part in combo)
                sku = f"{product.custom_product_code}-{parts}"
                extra = 2000 if any(v in ("XL", "XXL", "킹", "100ml") for _, v, _ in combo) else 0
                variant = Variant(
                    variant_code=ids.variant_code(code, index),
                    product_no=product_no,
                    options=tuple((n, v) for n, v, _ in combo),
                    custom_variant_code="" if rng.random() < 0.004 else sku,
                    additional_amount=extra,
                    quantity=0 if rng.random() < 0.1 else rng.randint(1, 250),
                    safety_inventory=rng.choice((0, 0, 3, 5)),
                    display_soldout="T",
                    inventory_control_type=rng.choice("AB"),
                )
                product.variants.append(variant)
                option_variants.append(variant)
            product.next_variant_index = 10 + len(combos)
        else:
            product.variants.append(
                Variant(
                    variant_code=ids.variant_code(code, 10),
                    product_no=product_no,
                    options=(),
                    custom_variant_code="",
                    quantity=0 if rng.random() < 0.08 else rng.randint(1, 500),
                    safety_inventory=0,
                    inventory_control_type=rng.choice("AB"),
                )
            )
            product.next_variant_index = 11
        mall.add_product(product, index=False)
    mall.rebuild_product_indexes()
    # A few duplicated custom_variant_code values across products, flagged as Cafe24 flags them.
    for _ in range(config.duplicate_sku_pairs if len(option_variants) > 10 else 0):
        first, second = rng.sample(option_variants, 2)
        if first.product_no != second.product_no and first.custom_variant_code:
            mall.set_custom_variant_code(second, first.custom_variant_code)


def _weighted(options: list[tuple[str, str, int]]) -> tuple[list[tuple[str, str, int]], list[int]]:
    return options, list(accumulate(weight for *_, weight in options))


def _pick(rng: random.Random, table: tuple[list[tuple[str, str, int]], list[int]]) -> tuple[str, str, int]:
    options, cumulative = table
    return options[bisect(cumulative, rng.random() * cumulative[-1])]


# (max age in days, [(status, weight)]) — younger orders are earlier in the flow
_STATUS_BY_AGE: list[tuple[float, list[tuple[str, int]]]] = [
    (0.5, [("N00", 12), ("N10", 55), ("N20", 25), ("N21", 5), ("C00", 2), ("C40", 1)]),
    (
        2,
        [
            ("N00", 4),
            ("N10", 14),
            ("N20", 22),
            ("N21", 14),
            ("N22", 3),
            ("N30", 33),
            ("C00", 3),
            ("C10", 1),
            ("C34", 1),
            ("C40", 3),
            ("C48", 2),
        ],
    ),
    (
        7,
        [
            ("N20", 2),
            ("N21", 2),
            ("N30", 20),
            ("N40", 55),
            ("N50", 6),
            ("C40", 4),
            ("C41", 1),
            ("C47", 1),
            ("C48", 2),
            ("R00", 3),
            ("R10", 1),
            ("E00", 2),
            ("E10", 1),
        ],
    ),
    (
        1e9,
        [
            ("N40", 34),
            ("N50", 48),
            ("C40", 5),
            ("C41", 1),
            ("C47", 1),
            ("C48", 2),
            ("C49", 1),
            ("R00", 1),
            ("R10", 1),
            ("R30", 1),
            ("R40", 3),
            ("E00", 1),
            ("E10", 1),
            ("E40", 2),
        ],
    ),
]
_GAPS = {  # typical delay before each order event, in days (min, max)
    "pay_date": (0.0, 0.05),
    "place_date": (0.1, 0.8),
    "shipbegin_date": (0.2, 1.2),
    "shipend_date": (0.6, 2.0),
    "purchaseconfirmation_date": (2.0, 7.0),
}


def seed_orders(mall: MallState, config: SandboxConfig, now: float) -> None:
    """Orders spread over the last `order_days` days, statuses by age, events in a plausible order.

    Written for speed (a million items in well under a minute): local bindings, rng.random()
    arithmetic instead of choice(), item dates derived from the order's events (no dict per item).
    """
    if config.orders == 0 or not mall.products:
        return
    rng = mall_rng(config.seed, mall.mall_id, "orders")
    rand = rng.random
    customers = _customers(rng, max(20, config.orders // 4))
    n_customers = len(customers)
    products = [mall.products[no] for no in mall.product_nos.values]
    weights = list(accumulate(1.0 / (1 + i % 50) for i in range(len(products))))  # some products sell more
    total_weight = weights[-1]
    places = _weighted(ORDER_PLACES)
    methods = _weighted(PAYMENT_METHODS)
    by_age = [(age, _weighted([(s, "", w) for s, w in table])) for age, table in _STATUS_BY_AGE]
    item_counts = (1, 1, 1, 1, 2, 2, 3, 4)
    quantities = (1, 1, 1, 2, 3)
    start = now - config.order_days * DAY
    times = sorted(start + rand() * (now - 120 - start) for _ in range(config.orders))
    seen_members: set[str] = set()
    claim_seq = 0
    two_shops = config.shops_per_mall >= 2
    hidden_ratio = config.hidden_order_ratio
    for order_ts in times:
        customer = customers[int(rand() * n_customers)]
        order = Order(
            idx=0,
            order_id=mall.new_order_id(order_ts),
            shop_no=2 if two_shops and rand() >= 0.8 else 1,
            order_ts=order_ts,
            customer=customer,
            payment_method=_pick(rng, methods)[0],
            order_place_id=_pick(rng, places)[0],
            shipping_fee=0 if rand() < 0.55 else 3000,
            shipping_message=SHIPPING_MESSAGES[int(rand() * len(SHIPPING_MESSAGES))],
            first_order="F" if customer.member_id in seen_members else "T",
        )
        seen_members.add(customer.member_id)
        age = (now - order_ts) / DAY
        table = next(t for limit, t in by_age if age < limit)
        status = _pick(rng, table)[0]
        count = item_counts[int(rand() * 8)]
        items = order.items
        for seq in range(1, count + 1):
            product = products[bisect(weights, rand() * total_weight)]
            variants = product.variants
            variant = variants[int(rand() * len(variants))]
            items.append(
                Item(
                    order,
                    seq,
                    product,
                    variant,
                    quantities[int(rand() * 5)],
                    product.price,
                    variant.additional_amount,
                    "N00",
                    product_name=product.product_name,
                )
            )
        partial = count > 1 and status[0] in "CRE" and rand() < 0.3
        for item in items:
            item_status = status
            if partial and item.seq > 1:
                item_status = "N40" if status[0] in "RE" or age > 7 else ("N10" if status in ("C00", "C10", "C34") else "N20")
            if item_status[0] in "CRE" and item_status not in ("C47", "C48", "C49"):
                claim_seq += 1
                item.claim_code = ids.claim_code(ids.kst_day(order_ts), claim_seq)
            _apply_seeded_status(order, item, item_status, rand, now)
        _seed_shipment(mall, order, rng)
        if hidden_ratio and rand() < hidden_ratio:
            order.hidden = True
        mall.add_order(order, index=False)
    mall.claim_seq = claim_seq
    mall.rebuild_order_indexes()


def _apply_seeded_status(order: Order, item: Item, status: str, rand: Callable[[], float], now: float) -> None:
    """Set status and plausible, increasing order event times (never in the future)."""
    ts = order.order_ts
    events = order.events
    for order_event, _item_date in implied_events(status):
        if not order_event:
            continue
        known = events.get(order_event)
        if known is not None:
            ts = known
        else:
            low, high = _GAPS.get(order_event, (0.2, 1.5))
            ts = min(now - 60, ts + (low + rand() * (high - low)) * DAY)
            events[order_event] = ts
    if status not in ("N00", "N02", "C47", "C48", "C49"):
        order.payment_ts = events.get("pay_date")
    item.status = status


_SHIPPED = {"N21", "N30", "N40", "N50"}


def _seed_shipment(mall: MallState, order: Order, rng: random.Random) -> None:
    shipped = [item for item in order.items if item.status in _SHIPPED or item.status[0] in "RE"]
    if not shipped:
        return
    code, _name, carrier_id = CARRIERS[int(rng.random() * len(CARRIERS))]
    shipping_code = ids.shipping_code(order.order_id, 0)
    mall.shipment_seq[order.order_id] = 1
    statuses = {item.status for item in shipped}
    status = "standby" if statuses == {"N21"} else ("shipping" if "N30" in statuses else "shipped")
    events = order.events
    ts = events.get("shipbegin_date") or events.get("place_date") or order.order_ts
    shipment = Shipment(
        shipping_code=shipping_code,
        order_id=order.order_id,
        shop_no=order.shop_no,
        status=status,
        tracking_no=str(100_000_000_000 + int(rng.random() * 899_999_999_999)),
        shipping_company_code=code,
        carrier_id=carrier_id,
        item_seqs=[item.seq for item in shipped],
        tracking_no_updated_ts=ts,
    )
    for item in shipped:
        item.shipping_code = shipping_code
    order.shipments = [shipment]


def _customers(rng: random.Random, count: int) -> list[Customer]:
    people = []
    for number in range(count):
        surname, given_index = rng.choice(SURNAMES), rng.randrange(len(GIVEN))
        member = f"{ROMAN[given_index]}{number:04d}"
        street, zipcode = rng.choice(CITIES)
        people.append(
            Customer(
                member_id=member,
                name=surname + GIVEN[given_index],
                email=f"{member}@example.co.kr",
                cellphone=f"010-{rng.randrange(10**4):04d}-{rng.randrange(10**4):04d}",
                zipcode=zipcode,
                address1=f"{street} {rng.randint(1, 300)}",
                address2=f"{rng.randint(1, 30)}층 {rng.randint(101, 1505)}호",
            )
        )
    return people
