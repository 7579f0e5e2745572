"""What the caller knows about SKUs already on Cafe24: the input that turns a row into an update, or rejects it.

The caller (the CLI or an asset) builds one `ExistingListing` per SKU of the mall from the store
(`oms_listings` / `cafe24_variants` joined to `cafe24_products`). Only `product_no`, `variant_code`,
`product_code` and `has_option` are needed to decide create / update / reject; the current values decide
update versus unchanged and may be left None when unknown (an unknown value counts as "changed").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ExistingListing:
    product_no: int
    variant_code: str
    product_code: str
    """The Cafe24 product's custom_product_code: the parent SKU of a group, the SKU of a single ('' when unset)."""
    has_option: bool = False
    """True when the Cafe24 product has options (a group); a single's SKU sits on its default variant."""
    options: tuple[tuple[str, str], ...] | None = None
    """This variant's (option name, value) pairs in Cafe24's order; None when unknown."""
    product_name: str | None = None
    price: Decimal | None = None
    """The product's price (the base every variant's additional_amount is added to)."""
    retail_price: Decimal | None = None
    supply_price: Decimal | None = None
    additional_amount: Decimal | None = None
    quantity: int | None = None
    display: bool | None = None
    """Variant-level display (for a single: the product's)."""
    selling: bool | None = None
    product_display: bool | None = None
    product_selling: bool | None = None
    brand_code: str | None = None
    category_nos: tuple[int, ...] | None = None

    @property
    def selling_price(self) -> Decimal | None:
        """What a buyer pays for this variant today: product price + additional amount."""
        if self.price is None:
            return None
        return self.price + (self.additional_amount or Decimal(0))
