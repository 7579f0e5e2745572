"""Cafe24 identifier formats (cafe24-api.md §6)."""

from __future__ import annotations

import secrets
import string
from datetime import datetime

from cafe24_sandbox.clock import KST

_B36 = string.digits + string.ascii_uppercase
_TOKEN_ALPHABET = string.ascii_letters + string.digits


def base36(value: int, width: int) -> str:
    chars = []
    rest = value
    while rest:
        rest, rem = divmod(rest, 36)
        chars.append(_B36[rem])
    text = "".join(reversed(chars)) or "0"
    if len(text) > width:
        raise ValueError(f"{value} does not fit in {width} base-36 characters")
    return text.rjust(width, "0")


def product_code(product_no: int) -> str:
    """8 chars, `P` + 7 base-36 chars, e.g. `P000000O`."""
    return "P" + base36(product_no, 7)


def variant_code(product_code_: str, index: int) -> str:
    """product_code + 4 chars; index 10 gives `000A`, the suffix of a product's default variant."""
    return product_code_ + base36(index, 4)


def brand_code(index: int) -> str:
    """`B0000000` is the mall's own brand; others `B000000A`, `B000000B`, ..."""
    return "B" + base36(index, 7)


_DAY_CACHE: dict[int, str] = {}


def kst_day(ts: float) -> str:
    """`YYYYMMDD` of the KST day (cached per day: seeding calls this a million times)."""
    day = int((ts + 9 * 3600) // 86400)
    text = _DAY_CACHE.get(day)
    if text is None:
        text = _DAY_CACHE[day] = datetime.fromtimestamp(day * 86400, KST).strftime("%Y%m%d")
    return text


def order_id(day: str, seq: int) -> str:
    """`YYYYMMDD-NNNNNNN`."""
    return f"{day}-{seq:07d}"


def shipping_code(order_id_: str, seq: int) -> str:
    """`D-{order_id}-NN`."""
    return f"D-{order_id_}-{seq:02d}"


def claim_code(day: str, seq: int) -> str:
    return f"C{day}-{seq:07d}"


def token(length: int = 22) -> str:
    """Opaque 22-char token, like Cafe24's."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(length))
