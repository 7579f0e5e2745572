"""The state of every mall: records plus the indexes that keep list calls O(page).

All mutations go through MallState methods so indexes, SKU duplicate flags and event dates stay
consistent whichever door (Admin API or control API) the change came through.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

from cafe24_sandbox import ids
from cafe24_sandbox.clock import Clock
from cafe24_sandbox.config import SandboxConfig
from cafe24_sandbox.indexes import SortedInts, TimeIndex
from cafe24_sandbox.models import Brand, Category, Item, Order, Product, Shipment, Variant
from cafe24_sandbox.statuses import implied_events


@dataclass(slots=True)
class ShopInfo:
    shop_no: int
    shop_name: str
    language_code: str
    language_name: str
    currency_code: str
    currency_name: str
    timezone: str
    timezone_name: str
    primary_domain: str
    base_domain: str
    active: str = "T"


class MallState:
    """One mall's catalogue and orders."""

    def __init__(self, mall_id: str, clock: Clock) -> None:
        self.mall_id = mall_id
        self.clock = clock
        self.lock = threading.RLock()
        self.shops: list[ShopInfo] = []
        self.brands: dict[str, Brand] = {}
        self.categories: dict[int, Category] = {}
        self.products: dict[int, Product] = {}
        self.product_nos = SortedInts()
        self.updated_index = TimeIndex()
        self.created_index = TimeIndex()
        self.variants: dict[str, Variant] = {}
        self.sku_counts: dict[str, int] = defaultdict(int)
        self.sku_products: dict[str, set[int]] = defaultdict(set)
        self.next_product_no = 1
        self.orders: list[Order] = []
        self.orders_by_id: dict[str, Order] = {}
        # (shop_no, date_type) -> index of order positions; hidden orders are left out
        self.date_indexes: dict[tuple[int, str], TimeIndex] = defaultdict(TimeIndex)
        # (shop_no, item status) -> positions of orders with at least one item in that status
        self.status_orders: dict[tuple[int, str], set[int]] = defaultdict(set)
        self.order_seq_by_day: dict[str, int] = defaultdict(int)
        self.shipment_seq: dict[str, int] = defaultdict(int)
        self.deleted_products: dict[int, Product] = {}  # kept so old order items still resolve
        self.claim_seq = 0

    # ---- catalogue -------------------------------------------------------------------------
    def add_product(self, product: Product, *, index: bool = True) -> None:
        """Add a product; bulk seeding passes index=False and calls rebuild_product_indexes() once."""
        with self.lock:
            self.products[product.product_no] = product
            if index:
                self.product_nos.add(product.product_no)
                self.updated_index.add(product.updated_ts, product.product_no)
                self.created_index.add(product.created_ts, product.product_no)
            self.next_product_no = max(self.next_product_no, product.product_no + 1)
            for variant in product.variants:
                self._index_variant(variant)
            brand = self.brands.get(product.brand_code)
            if brand:
                brand.product_count += 1

    def rebuild_product_indexes(self) -> None:
        with self.lock:
            self.product_nos = SortedInts(self.products)
            self.updated_index = TimeIndex((p.updated_ts, p.product_no) for p in self.products.values())
            self.created_index = TimeIndex((p.created_ts, p.product_no) for p in self.products.values())

    def _index_variant(self, variant: Variant) -> None:
        self.variants[variant.variant_code] = variant
        if variant.custom_variant_code:
            self.sku_counts[variant.custom_variant_code] += 1
            self.sku_products[variant.custom_variant_code].add(variant.product_no)

    def _unindex_variant(self, variant: Variant) -> None:
        self.variants.pop(variant.variant_code, None)
        code = variant.custom_variant_code
        if code:
            self.sku_counts[code] -= 1
            if self.sku_counts[code] <= 0:
                del self.sku_counts[code]
                self.sku_products.pop(code, None)
            else:
                product = self.products.get(variant.product_no)
                still = product and any(v.custom_variant_code == code for v in product.variants if v is not variant)
                if not still:
                    self.sku_products[code].discard(variant.product_no)

    def is_duplicated_sku(self, variant: Variant) -> bool:
        return bool(variant.custom_variant_code) and self.sku_counts.get(variant.custom_variant_code, 0) > 1

    def touch_product(self, product: Product, ts: float | None = None) -> None:
        """Bump updated_date (every merchant or API edit does)."""
        with self.lock:
            self.updated_index.remove(product.updated_ts, product.product_no)
            product.updated_ts = max(ts if ts is not None else self.clock.ts(), product.updated_ts + 1)
            self.updated_index.add(product.updated_ts, product.product_no)

    def set_custom_variant_code(self, variant: Variant, code: str) -> None:
        with self.lock:
            self._unindex_variant(variant)
            variant.custom_variant_code = code
            self._index_variant(variant)

    def add_variant(self, product: Product, variant: Variant) -> None:
        with self.lock:
            product.variants.append(variant)
            self._index_variant(variant)

    def delete_variant(self, product: Product, variant: Variant) -> None:
        with self.lock:
            product.variants.remove(variant)
            self._unindex_variant(variant)

    def delete_product(self, product_no: int) -> Product | None:
        with self.lock:
            product = self.products.pop(product_no, None)
            if product is None:
                return None
            self.product_nos.remove(product_no)
            self.updated_index.remove(product.updated_ts, product_no)
            self.created_index.remove(product.created_ts, product_no)
            for variant in list(product.variants):
                self._unindex_variant(variant)
            brand = self.brands.get(product.brand_code)
            if brand:
                brand.product_count = max(0, brand.product_count - 1)
            self.deleted_products[product_no] = product
            return product

    def new_product_no(self) -> int:
        with self.lock:
            number = self.next_product_no
            self.next_product_no += 1
            return number

    # ---- orders ----------------------------------------------------------------------------
    def new_order_id(self, order_ts: float) -> str:
        with self.lock:
            day = ids.kst_day(order_ts)
            self.order_seq_by_day[day] += 1
            return ids.order_id(day, self.order_seq_by_day[day])

    def add_order(self, order: Order, *, index: bool = True) -> None:
        with self.lock:
            order.idx = len(self.orders)
            self.orders.append(order)
            self.orders_by_id[order.order_id] = order
            if index:
                self._index_order(order)

    def _index_order(self, order: Order) -> None:
        self.date_indexes[(order.shop_no, "order_date")].add(order.order_ts, order.idx)
        for name, ts in order.events.items():
            self.date_indexes[(order.shop_no, name)].add(ts, order.idx)
        for item in order.items:
            self.status_orders[(order.shop_no, item.status)].add(order.idx)

    def _unindex_order(self, order: Order) -> None:
        self.date_indexes[(order.shop_no, "order_date")].remove(order.order_ts, order.idx)
        for name, ts in order.events.items():
            self.date_indexes[(order.shop_no, name)].remove(ts, order.idx)
        for item in order.items:
            self.status_orders[(order.shop_no, item.status)].discard(order.idx)

    def set_item_status(self, item: Item, status: str) -> None:
        """Change an item's status and keep the status index right (no event dates: see move_item)."""
        with self.lock:
            order, old = item.order, item.status
            item.status = status
            if order.hidden or old == status:
                return
            if not any(other.status == old for other in order.items):
                self.status_orders[(order.shop_no, old)].discard(order.idx)
            self.status_orders[(order.shop_no, status)].add(order.idx)

    def set_hidden(self, order: Order, hidden: bool) -> None:
        """Hide an order from date-window paging and counts (it stays reachable by order_id)."""
        with self.lock:
            if hidden and not order.hidden:
                self._unindex_order(order)
            elif not hidden and order.hidden:
                self._index_order(order)
            order.hidden = hidden

    def date_index(self, shop_no: int, date_type: str) -> TimeIndex:
        return self.date_indexes[(shop_no, date_type)]

    def rebuild_order_indexes(self) -> None:
        """Build every date index in one sort (used after bulk seeding)."""
        with self.lock:
            pairs: dict[tuple[int, str], list[tuple[float, int]]] = defaultdict(list)
            statuses: dict[tuple[int, str], set[int]] = defaultdict(set)
            for order in self.orders:
                if order.hidden:
                    continue
                pairs[(order.shop_no, "order_date")].append((order.order_ts, order.idx))
                for name, ts in order.events.items():
                    pairs[(order.shop_no, name)].append((ts, order.idx))
                for item in order.items:
                    statuses[(order.shop_no, item.status)].add(order.idx)
            self.date_indexes = defaultdict(TimeIndex, {key: TimeIndex(values) for key, values in pairs.items()})
            self.status_orders = statuses

    def set_order_event(self, order: Order, name: str, ts: float) -> None:
        with self.lock:
            old = order.events.get(name)
            if old is not None and not order.hidden:
                self.date_indexes[(order.shop_no, name)].remove(old, order.idx)
            order.events[name] = ts
            if not order.hidden:
                self.date_indexes[(order.shop_no, name)].add(ts, order.idx)

    def move_item(self, item: Item, status: str, ts: float | None = None) -> None:
        """Set an item's status and every event date the status implies (only those not yet set)."""
        with self.lock:
            now = ts if ts is not None else self.clock.ts()
            order = item.order
            for order_event, item_date in implied_events(status):
                if order_event and order_event not in order.events:
                    self.set_order_event(order, order_event, now)
                if item_date:
                    if item.dates is None:
                        item.dates = item_dates(item)  # keep the dates it already showed
                    item.dates.setdefault(item_date, now)
            if status not in ("N00", "N02", "C47", "C48", "C49") and order.payment_ts is None:
                order.payment_ts = order.events.get("pay_date", now)
            self.set_item_status(item, status)

    def next_claim_code(self) -> str:
        """`C{YYYYMMDD}-NNNNNNN` for a new cancellation/return/exchange."""
        with self.lock:
            self.claim_seq += 1
            return ids.claim_code(ids.kst_day(self.clock.ts()), self.claim_seq)

    def next_shipping_code(self, order_id: str) -> str:
        with self.lock:
            seq = self.shipment_seq[order_id]
            self.shipment_seq[order_id] += 1
            return ids.shipping_code(order_id, seq)

    def add_shipment(self, order: Order, shipment: Shipment) -> None:
        with self.lock:
            if order.shipments is None:
                order.shipments = []
            order.shipments.append(shipment)

    def find_item(self, order: Order, order_item_code: str) -> Item | None:
        for item in order.items:
            if item.order_item_code == order_item_code:
                return item
        return None


def item_dates(item: Item) -> dict[str, float]:
    """Item event dates: explicit ones from live moves, else the order's event of the same step."""
    explicit = item.dates or {}
    order = item.order
    dates: dict[str, float] = {}
    last = order.order_ts
    for order_event, item_date in implied_events(item.status):
        ts = order.events.get(order_event, last) if order_event else last
        last = ts
        if item_date:
            dates[item_date] = explicit.get(item_date, ts)
    return dates


class SandboxState:
    """All malls, keyed by mall id."""

    def __init__(self, config: SandboxConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.malls: dict[str, MallState] = {mall: MallState(mall, clock) for mall in config.malls}

    def mall(self, mall_id: str) -> MallState | None:
        return self.malls.get(mall_id)
