"""Which Cafe24 fields are personal data, and the one function that drops them from raw JSON.

The store keeps personal data in one place only, `cafe24_order_receivers` (fulfilment needs the
receiver's name, phones and address to ship). Everything else the pipeline keeps of Cafe24's JSON —
the audit copy of each order item in `cafe24_order_items.raw`, product and category JSON — goes
through `without_personal` first. The classification follows cafe24-api.md §7.6 (buyer and
receiver fields) and Cafe24's documented examples (the refund account on order items, the
depositor's account and the member's e-mail on orders); docs/personal-data.md lists it for users.
"""

from __future__ import annotations

from typing import Any

PERSONAL_FIELDS: frozenset[str] = frozenset(
    {
        # refund account of a claim (order items: GET /orders/{id}/items)
        "refund_bank_name",
        "refund_bank_account_no",
        "refund_bank_account_holder",
        # depositor's account and the member (orders: GET /orders)
        "bank_account_no",
        "bank_account_owner_name",
        "member_id",
        "member_email",
        "billing_name",
        "social_member_code",
        "social_name",
        # buyer (embed=buyer) and receivers (embed=receivers), should either appear inside another record
        "buyer",
        "receivers",
        "buyer_name",
        "buyer_email",
        "buyer_phone",
        "buyer_cellphone",
        "buyer_zipcode",
        "buyer_address1",
        "buyer_address2",
        "receiver_name",
        "receiver_phone",
        "receiver_cellphone",
        "receiver_zipcode",
        "receiver_address1",
        "receiver_address2",
        "receiver_address_full",
        "email",
        "phone",
        "cellphone",
        "address1",
        "address2",
        "address_full",
        "zipcode",
        "shipping_message",
    }
)
"""Keys dropped wherever they appear (at any depth) in raw JSON the store keeps outside the
receivers table. Generic words such as `name` are not listed: inside an item they name options."""

PERSONAL_PREFIXES: tuple[str, ...] = ("buyer_", "receiver_", "refund_bank_")
"""Any key starting with these is personal too (Cafe24 adds fields over API versions)."""


def is_personal(key: str) -> bool:
    return key in PERSONAL_FIELDS or key.startswith(PERSONAL_PREFIXES)


def without_personal(value: Any) -> Any:
    """A copy of `value` (JSON: dicts, lists, scalars) without personal keys at any depth."""
    if isinstance(value, dict):
        return {k: without_personal(v) for k, v in value.items() if not is_personal(str(k))}
    if isinstance(value, list):
        return [without_personal(v) for v in value]
    return value
