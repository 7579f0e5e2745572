"""Printable shipping labels (PDF, 100 × 150 mm thermal size) with the tracking number as a Code 128 barcode.

Korean text (receiver, address, item names) is set in reportlab's built-in CID font HYGothic-Medium,
which needs no font file on the machine (PDF viewers and printers supply the glyphs); the tracking
number, order id and codes are in Helvetica, so they can be read back from the PDF's text. The label
holds the receiver's name, phone and address (couriers need them): it is personal data, written with
mode 0600 under the pipeline home.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

PAGE = (100 * mm, 150 * mm)
KOREAN = "HYGothic-Medium"
MAX_ITEMS = 6
_font_ready = False


@dataclass(frozen=True)
class LabelData:
    order_id: str
    shipment_id: str
    tracking_number: str
    carrier_name: str
    receiver_name: str | None
    receiver_phone: str | None
    receiver_address: str | None
    receiver_zipcode: str | None = None
    sender: str = ""
    items: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    printed_at: datetime | None = None


def _fonts() -> None:
    global _font_ready
    if not _font_ready:
        pdfmetrics.registerFont(UnicodeCIDFont(KOREAN))
        _font_ready = True


def render_label(label: LabelData, path: Path) -> Path:
    """Write the label PDF to `path` atomically (a temp file in the same folder, then rename), mode 0600."""
    _fonts()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".label-", suffix=".pdf", dir=path.parent)
    os.close(fd)
    try:
        _draw(label, tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _draw(label: LabelData, target: str) -> None:
    width, height = PAGE
    c = canvas.Canvas(target, pagesize=PAGE)
    c.setTitle(f"Shipping label {label.tracking_number}")
    margin = 5 * mm
    y = height - margin - 4 * mm
    c.setFont(KOREAN, 11)
    c.drawString(margin, y, label.carrier_name)
    c.setFont("Helvetica", 7)
    c.drawRightString(width - margin, y, (label.printed_at or datetime.now()).strftime("%Y-%m-%d %H:%M"))
    # the tracking number: barcode and text
    y -= 22 * mm
    barcode = Code128(label.tracking_number, barHeight=16 * mm, barWidth=0.42 * mm, humanReadable=False)
    barcode.drawOn(c, (width - barcode.width) / 2, y)
    y -= 6 * mm
    c.setFont("Helvetica-Bold", 13)
    c.drawCentredString(width / 2, y, label.tracking_number)
    y -= 4 * mm
    c.line(margin, y, width - margin, y)
    # receiver
    y -= 6 * mm
    c.setFont(KOREAN, 8)
    c.drawString(margin, y, "받는 분 (Receiver)")
    y -= 6 * mm
    c.setFont(KOREAN, 13)
    c.drawString(margin, y, label.receiver_name or "-")
    c.setFont("Helvetica", 10)
    c.drawRightString(width - margin, y, label.receiver_phone or "")
    y -= 5 * mm
    c.setFont(KOREAN, 9)
    for line in _wrap(f"({label.receiver_zipcode}) " if label.receiver_zipcode else "", label.receiver_address or "-", 34):
        c.drawString(margin, y, line)
        y -= 4.5 * mm
    c.line(margin, y, width - margin, y)
    # items
    y -= 5 * mm
    c.setFont(KOREAN, 8)
    c.drawString(margin, y, "품목 (Items)")
    y -= 4.5 * mm
    shown = label.items[:MAX_ITEMS]
    for item in shown:
        text = f"{item.get('quantity', 1)} × {item.get('name') or ''}"
        if item.get("option"):
            text += f" ({item['option']})"
        c.setFont(KOREAN, 8)
        c.drawString(margin, y, text[:40])
        c.setFont("Helvetica", 7)
        c.drawRightString(width - margin, y, str(item.get("sku") or ""))
        y -= 4 * mm
    if len(label.items) > MAX_ITEMS:
        c.setFont(KOREAN, 8)
        c.drawString(margin, y, f"+{len(label.items) - MAX_ITEMS} more")
        y -= 4 * mm
    # order and sender
    c.setFont("Helvetica", 7)
    c.drawString(margin, margin + 5 * mm, f"Order {label.order_id}   Shipment {label.shipment_id}")
    c.setFont(KOREAN, 7)
    c.drawString(margin, margin, f"보내는 분 (Sender): {label.sender}")
    c.showPage()
    c.save()


def _wrap(prefix: str, text: str, width: int) -> list[str]:
    words = (prefix + text).split()
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines[:3] or ["-"]
