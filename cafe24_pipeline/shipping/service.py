"""The shipping the fulfilment engine uses: issue an AWB with a carrier, render the label.

A real carrier integration plugs in by replacing `OfflineShipping.issue` (call the carrier's API for
a number, keep `tracking_number()`'s shape checks); the default issues well-formed numbers from a
sequence the store keeps per carrier, so numbers are unique and the same sequence gives the same number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cafe24_pipeline.settings import Settings
from cafe24_pipeline.shipping.carriers import (
    CARRIERS,
    DEFAULT_CARRIER,
    Carrier,
    carrier_for,
    parse_carrier_codes,
    tracking_number,
)
from cafe24_pipeline.shipping.labels import LabelData, render_label


class OfflineShipping:
    def __init__(
        self, carriers: Mapping[str, Carrier] = CARRIERS, default_carrier: str = DEFAULT_CARRIER, sender: str = ""
    ) -> None:
        self.carriers = dict(carriers)
        self.default_carrier = carrier_for(default_carrier, self.carriers).code
        self.sender = sender

    def issue(self, carrier: str | None, sequence: Callable[[str], int]) -> tuple[str, str, str]:
        chosen = carrier_for(carrier or self.default_carrier, self.carriers)
        number = tracking_number(chosen, sequence(chosen.code))
        return chosen.code, number, chosen.cafe24_company_code

    def render_label(self, data: dict[str, Any], path: Path) -> Path:
        carrier = carrier_for(data.get("carrier"), self.carriers)
        label = LabelData(
            order_id=data["order_id"],
            shipment_id=data["shipment_id"],
            tracking_number=data["tracking_number"],
            carrier_name=carrier.label_name,
            receiver_name=data.get("receiver_name"),
            receiver_phone=data.get("receiver_phone"),
            receiver_address=data.get("receiver_address"),
            receiver_zipcode=data.get("receiver_zipcode"),
            sender=self.sender or data.get("mall_id", ""),
            items=tuple(data.get("items") or ()),
        )
        return render_label(label, path)


def shipping_for(settings: Settings) -> OfflineShipping:
    """The shipping of this installation: carrier codes (CAFE24_CARRIER_CODES) and default carrier
    (CAFE24_DEFAULT_CARRIER) from the configuration."""
    carriers = parse_carrier_codes(settings.value("CAFE24_CARRIER_CODES"))
    default = settings.value("CAFE24_DEFAULT_CARRIER") or DEFAULT_CARRIER
    if default.lower() not in carriers:
        from cafe24_pipeline.settings import SettingsError

        raise SettingsError(f"CAFE24_DEFAULT_CARRIER={default!r} is not a carrier; use one of {', '.join(carriers)}")
    return OfflineShipping(carriers, default)
