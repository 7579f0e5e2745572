"""Which shops of a mall the list endpoints must be looped over: the one rule for every stream."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def active_shop_nos(shops: Iterable[Any]) -> list[int]:
    """Active shop numbers, ascending; shop 1 when none is listed (Cafe24 defaults to shop 1 and hides
    the other shops of a multi-shop mall from every list endpoint)."""
    return sorted({int(s.shop_no) for s in shops if getattr(s, "active", True) is not False}) or [1]
