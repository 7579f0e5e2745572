"""Carriers, tracking numbers and the label PDF (text read back with pypdf, barcode decoded with zxing-cpp
from the page rendered by Debian's pdftoppm)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from cafe24_pipeline.shipping.carriers import (
    CARRIERS,
    CarrierError,
    carrier_for,
    is_valid_tracking_number,
    parse_carrier_codes,
    tracking_number,
)
from cafe24_pipeline.shipping.labels import LabelData, render_label
from cafe24_pipeline.shipping.service import OfflineShipping


@pytest.mark.parametrize("code", sorted(CARRIERS))
def test_every_carrier_issues_well_formed_unique_numbers(code):
    carrier = CARRIERS[code]
    numbers = [tracking_number(carrier, n) for n in range(1, 200)]
    assert len(set(numbers)) == len(numbers)
    assert all(len(n) == carrier.digits and n.isdigit() and is_valid_tracking_number(carrier, n) for n in numbers)
    assert tracking_number(carrier, 42) == tracking_number(carrier, 42)


def test_check_digit_rejects_a_typo():
    cj = CARRIERS["cj"]
    good = tracking_number(cj, 1234)
    assert int(good[:-1]) % 7 == int(good[-1])
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert not is_valid_tracking_number(cj, bad)
    assert not is_valid_tracking_number(cj, good[:-1])
    assert not is_valid_tracking_number(cj, "12345678901a")


def test_carrier_codes_are_configurable_with_clear_errors():
    carriers = parse_carrier_codes("cj=0106, hanjin=0118")
    assert carriers["cj"].cafe24_company_code == "0106" and carriers["lotte"].cafe24_company_code == "0079"
    with pytest.raises(CarrierError, match="CAFE24_CARRIER_CODES: 'dhl=0001'"):
        parse_carrier_codes("dhl=0001")
    with pytest.raises(CarrierError, match="must be 4 digits"):
        parse_carrier_codes("cj=6")
    with pytest.raises(CarrierError, match="unknown carrier"):
        carrier_for("pigeon")


def test_offline_shipping_takes_numbers_from_the_sequence():
    issued = []

    def sequence(carrier: str) -> int:
        issued.append(carrier)
        return 7

    carrier, number, company = OfflineShipping(default_carrier="lotte").issue(None, sequence)
    assert (carrier, company, issued) == ("lotte", "0079", ["lotte"])
    assert number == tracking_number(CARRIERS["lotte"], 7)


def _label(tmp_path: Path, items: int = 2) -> tuple[LabelData, Path]:
    label = LabelData(
        order_id="20261201-0000012",
        shipment_id="S-20261201-0000012-ab12cd34",
        tracking_number=tracking_number(CARRIERS["cj"], 31),
        carrier_name=CARRIERS["cj"].label_name,
        receiver_name="김하나",
        receiver_phone="010-1234-5678",
        receiver_address="서울특별시 강남구 테헤란로 1 2층",
        receiver_zipcode="06236",
        sender="demomall",
        items=tuple({"sku": f"SKU-{i}", "name": "반팔 티셔츠", "option": "블랙 / M", "quantity": 1} for i in range(items)),
    )
    return label, render_label(label, tmp_path / "labels" / "label.pdf")


def test_the_label_carries_the_tracking_number_as_text_and_file_is_private(tmp_path):
    label, path = _label(tmp_path, items=9)
    text = PdfReader(str(path)).pages[0].extract_text()
    assert label.tracking_number in text and label.order_id in text and "+3 more" in text
    assert "김하나" in text and "테헤란로" in text  # Hangul set in the CID font is extractable too
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert not list(path.parent.glob(".label-*"))  # written atomically, no temp left


def test_the_label_barcode_decodes_to_the_tracking_number(tmp_path):
    import zxingcpp
    from PIL import Image

    assert shutil.which("pdftoppm"), "pdftoppm (Debian poppler-utils) is needed: .ci/run installs it"

    label, path = _label(tmp_path)
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-singlefile", str(path), str(tmp_path / "page")], check=True)
    results = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    found = [(r.text, r.format) for r in results]
    assert (label.tracking_number, zxingcpp.BarcodeFormat.Code128) in found
