"""In-memory records of one mall. Slotted and compact so a mall can hold 100k products / 1M order items.

Money is integer KRW (Cafe24 formats it as `"10000.00"` on the way out); times are UTC epoch seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Variant:
    variant_code: str
    product_no: int
    options: tuple[tuple[str, str], ...]  # ((name, value), ...); empty for the default variant
    custom_variant_code: str
    additional_amount: int = 0
    display: str = "T"
    selling: str = "T"
    use_inventory: str = "T"
    important_inventory: str = "A"
    inventory_control_type: str = "A"
    display_soldout: str = "T"
    quantity: int = 0
    safety_inventory: int = 0
    image: str | None = None


@dataclass(slots=True)
class Product:
    product_no: int
    product_code: str
    product_name: str
    eng_product_name: str
    custom_product_code: str
    model_name: str
    price: int
    retail_price: int
    supply_price: int
    brand_code: str
    category_nos: list[int]
    created_ts: float
    updated_ts: float
    image_path: str | None  # e.g. "202603/12_shop1_000012.jpg"; None = product without images
    display: str = "T"
    selling: str = "T"
    product_condition: str = "N"
    has_option: str = "F"
    option_type: str | None = None  # C/S/E/F when has_option = T
    option_names: tuple[str, ...] = ()
    summary_description: str = ""
    description: str = ""
    product_weight: str = "1.00"
    tax_type: str = "A"
    variants: list[Variant] = field(default_factory=list)
    next_variant_index: int = 0  # next 4-char suffix index for new variants
    # per-shop values written with shop_no > 1 (Cafe24 keeps name, prices and display per shop)
    shop_values: dict[int, dict[str, Any]] | None = None

    def view(self, shop_no: int, name: str) -> Any:
        """A shop-dependent field as shop `shop_no` sees it."""
        if shop_no != 1 and self.shop_values:
            values = self.shop_values.get(shop_no)
            if values and name in values:
                return values[name]
        return getattr(self, name)


@dataclass(slots=True)
class Brand:
    brand_code: str
    brand_name: str
    created_ts: float
    use_brand: str = "T"
    search_keyword: str = ""
    product_count: int = 0


@dataclass(slots=True)
class Category:
    category_no: int
    category_name: str
    parent_category_no: int  # 1 = top level
    depth: int
    path_names: tuple[str, ...]
    path_nos: tuple[int, ...]
    display_order: int


@dataclass(slots=True)
class Customer:
    member_id: str
    name: str
    email: str
    cellphone: str
    zipcode: str
    address1: str
    address2: str


@dataclass(slots=True)
class Item:
    order: "Order"
    seq: int  # 1-based; order_item_code = {order_id}-{seq:02d}
    product: Product
    variant: Variant
    quantity: int
    product_price: int
    option_price: int
    status: str
    # item event dates set by live moves; seeded items derive theirs from the order's events
    dates: dict[str, float] | None = None
    shipping_code: str | None = None
    claim_code: str | None = None
    status_additional_info: str | None = None
    status_before_claim: str | None = None  # Cafe24's order_status_before_cs; restored when a claim is undone
    product_name: str | None = None  # the name at order time (later merchant renames do not rewrite history)
    status_before_hold: str | None = None  # where `unhold` sends the item back to
    # whether the item's quantity is off the variant's stock; seeded stock already reflects seeded orders
    stock_deducted: bool = True

    @property
    def order_item_code(self) -> str:
        return f"{self.order.order_id}-{self.seq:02d}"

    def payment_amount(self) -> int:
        return (self.product_price + self.option_price) * self.quantity


@dataclass(slots=True)
class Shipment:
    shipping_code: str
    order_id: str
    shop_no: int
    status: str  # standby / shipping / shipped
    tracking_no: str
    shipping_company_code: str
    carrier_id: int
    item_seqs: list[int]  # the order items it carries (seq numbers, to keep 1M items small)
    tracking_no_updated_ts: float
    status_additional_info: str | None = None

    @property
    def item_codes(self) -> list[str]:
        return [f"{self.order_id}-{seq:02d}" for seq in self.item_seqs]


@dataclass(slots=True)
class Order:
    idx: int  # position in MallState.orders
    order_id: str
    shop_no: int
    order_ts: float
    customer: Customer
    payment_method: str
    order_place_id: str
    shipping_fee: int
    items: list[Item] = field(default_factory=list)
    payment_ts: float | None = None
    events: dict[str, float] = field(default_factory=dict)  # order-level date_type -> latest ts
    shipments: list[Shipment] | None = None
    shipping_message: str = ""
    first_order: str = "F"
    hidden: bool = False  # "hidden from paging": only found by order_id (fault simulation)
