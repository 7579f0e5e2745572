"""Korean carriers: their Cafe24 `shipping_company_code`s and the shape of their tracking numbers.

Cafe24's carrier codes are mall-specific in principle (a mall reads its own from `GET /carriers`);
two independent sources agree on these (cafe24-api.md §7.9, [M]), so they are the defaults and every
one can be overridden with CAFE24_CARRIER_CODES="cj=0006,hanjin=0018".

Tracking numbers are digits of a fixed length with a check digit. Publicly described rules
(carrier tracking pages and open-source trackers such as the `delivery-tracker` projects; [L], not
confirmed by the carriers): CJ대한통운, 롯데택배 and 한진택배 use 12 digits whose last digit is the
first eleven read as a number modulo 7; 로젠택배 uses 11 digits, the last being the first ten
modulo 7; 우체국택배 uses 13 digits (no public check rule: only the length and digits are checked).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace


class CarrierError(ValueError):
    """An unknown carrier, a bad carrier-code setting or a malformed tracking number."""


@dataclass(frozen=True)
class Carrier:
    code: str
    """Our id (the value of `--carrier`, CAFE24_DEFAULT_CARRIER)."""
    name_ko: str
    name_en: str
    cafe24_company_code: str
    """Cafe24's `shipping_company_code` (4 digits)."""
    digits: int
    mod7: bool
    """The last digit is the others (as a number) modulo 7."""

    @property
    def label_name(self) -> str:
        return f"{self.name_ko} ({self.name_en})"


CARRIERS: dict[str, Carrier] = {
    c.code: c
    for c in (
        Carrier("cj", "CJ대한통운", "CJ Logistics", "0006", 12, True),
        Carrier("hanjin", "한진택배", "Hanjin", "0018", 12, True),
        Carrier("lotte", "롯데택배", "Lotte Global Logistics", "0079", 12, True),
        Carrier("epost", "우체국택배", "Korea Post", "0012", 13, False),
        Carrier("logen", "로젠택배", "Logen", "0004", 11, True),
    )
}
DEFAULT_CARRIER = "cj"


def carrier_for(code: str | None, carriers: Mapping[str, Carrier] = CARRIERS) -> Carrier:
    key = (code or DEFAULT_CARRIER).strip().lower()
    if key not in carriers:
        raise CarrierError(f"unknown carrier {code!r}; use one of {', '.join(sorted(carriers))}")
    return carriers[key]


def parse_carrier_codes(
    text: str | None, *, variable: str = "CAFE24_CARRIER_CODES", carriers: Mapping[str, Carrier] = CARRIERS
) -> dict[str, Carrier]:
    """The carriers with a mall's own Cafe24 company codes: "cj=0006,hanjin=0018" (blank: the defaults)."""
    out = dict(carriers)
    if not text or not text.strip():
        return out
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not sep or name not in out:
            raise CarrierError(f"{variable}: {part.strip()!r} is not carrier=code with a carrier among {', '.join(sorted(out))}")
        if not (value.isdigit() and len(value) == 4):
            raise CarrierError(f"{variable}: the Cafe24 code of {name} must be 4 digits, got {value!r}")
        out[name] = replace(out[name], cafe24_company_code=value)
    return out


def check_digit(body: str) -> str:
    return str(int(body) % 7)


def tracking_number(carrier: Carrier, sequence: int, *, prefix: str = "9") -> str:
    """A well-formed tracking number for `carrier` from a sequence number (same input, same number)."""
    if sequence < 0:
        raise CarrierError("the sequence must not be negative")
    body_length = carrier.digits - (1 if carrier.mod7 else 0)
    number = f"{prefix}{sequence:0{body_length - len(prefix)}d}"
    if len(number) != body_length:
        raise CarrierError(f"{carrier.code}: sequence {sequence} does not fit {carrier.digits} digits")
    return number + check_digit(number) if carrier.mod7 else number


def is_valid_tracking_number(carrier: Carrier, number: str) -> bool:
    if not number.isdigit() or len(number) != carrier.digits:
        return False
    return not carrier.mod7 or check_digit(number[:-1]) == number[-1]
