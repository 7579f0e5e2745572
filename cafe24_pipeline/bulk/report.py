"""The result workbook: every input row as read, with its status and reason, and a summary sheet.

Written in openpyxl's write-only mode while the input is streamed again, so 10,000 rows cost about as little
memory as 10. The data sheet keeps the name `products` and the input's own headers (status, reason and
source_row are added in front), so a seller can fix the red rows in the result and upload it again: the reader
ignores those three columns, and rows already created come back as unchanged.

Cell values are written as read; text that starts with "=" (a refused formula, shown for reference) is written
as text so Excel does not evaluate it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cafe24_pipeline.bulk.cells import ExcelError, Formula
from cafe24_pipeline.bulk.plan import UploadPlan
from cafe24_pipeline.bulk.reader import open_products_sheet

ReportStatus = Literal["created", "updated", "unchanged", "error", "would_create", "would_update"]
STATUSES: tuple[str, ...] = ("created", "updated", "unchanged", "error", "would_create", "would_update")
NOT_PROCESSED = "not_processed"
_ERROR_FILL = PatternFill("solid", start_color="FFF4CCCC", end_color="FFF4CCCC")
_HEADER_FILL = PatternFill("solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
_BOLD = Font(bold=True)
_ERROR_FONT = Font(bold=True, color="FF9C0006")
_KST = dt.timezone(dt.timedelta(hours=9), "KST")


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """What happened to one input row (Excel row number), as the result workbook shows it."""

    row_number: int
    status: ReportStatus
    reason: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown row status {self.status!r}; expected one of {', '.join(STATUSES)}")


def dry_run_outcomes(plan: UploadPlan) -> list[RowOutcome]:
    """Outcomes for a dry run: would_create / would_update / unchanged for valid rows, error with the reasons."""
    wording: dict[str, ReportStatus] = {"create": "would_create", "update": "would_update", "unchanged": "unchanged"}
    outcomes = []
    for row in plan.rows:
        if row.status == "error":
            outcomes.append(RowOutcome(row.row_number, "error", "; ".join(row.reasons)))
        else:
            outcomes.append(RowOutcome(row.row_number, wording[row.action or "unchanged"]))
    return outcomes


def write_report(input_path: str | Path, row_outcomes: Iterable[RowOutcome], out_path: str | Path) -> Path:
    """Write the result workbook for `input_path` to `out_path` and return its path.

    Every data row of the input appears once, in input order; a row without an outcome is marked
    "not_processed" (that is a caller bug made visible, not hidden).
    """
    input_path, out_path = Path(input_path), Path(out_path)
    outcomes = {o.row_number: o for o in row_outcomes}
    counts: Counter[str] = Counter()
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("products")
    with open_products_sheet(input_path, max_rows=10**9) as source:  # the upload already enforced the limit
        headers = ("status", "reason", "source_row", *source.headers)
        sheet.freeze_panes = "D2"
        widths = [14, 60, 10] + [max(10, min(40, len(h) + 4)) for h in source.headers]
        for position, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = width
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1"
        sheet.append([_styled(sheet, h, font=_BOLD, fill=_HEADER_FILL) for h in headers])
        for row in source.rows():
            outcome = outcomes.pop(row.row_number, None)
            status = outcome.status if outcome else NOT_PROCESSED
            reason = outcome.reason if outcome else "no result was recorded for this row"
            counts[status] += 1
            if status in ("error", NOT_PROCESSED):
                sheet.append(
                    [
                        _styled(sheet, status, font=_ERROR_FONT, fill=_ERROR_FILL),
                        _styled(sheet, reason, fill=_ERROR_FILL, wrap=True),
                        _styled(sheet, row.row_number, fill=_ERROR_FILL),
                        *(_styled(sheet, _as_written(v), fill=_ERROR_FILL) for v in row.values),
                    ]
                )
            else:  # plain values are much cheaper to write than styled cells
                sheet.append([status, reason or None, row.row_number, *(_plain(sheet, v) for v in row.values)])
    _summary(workbook, input_path, counts, unmatched=sorted(outcomes))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(out_path)
    return out_path


def _summary(workbook: Any, input_path: Path, counts: Counter[str], unmatched: list[int]) -> None:
    sheet = workbook.create_sheet("summary")
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 60
    total = sum(counts.values())
    sheet.append([_styled(sheet, "Bulk upload result / 대량 등록 결과", font=Font(bold=True, size=14))])
    sheet.append(["file / 파일", input_path.name])
    sheet.append(["written at / 작성 시각", dt.datetime.now(_KST).strftime("%Y-%m-%d %H:%M:%S KST")])
    sheet.append(["rows / 전체 행", total])
    sheet.append([])
    sheet.append([_styled(sheet, "status", font=_BOLD, fill=_HEADER_FILL), _styled(sheet, "rows", font=_BOLD, fill=_HEADER_FILL)])
    for status in (*STATUSES, NOT_PROCESSED):
        if counts.get(status) or status in ("created", "updated", "unchanged", "error"):
            sheet.append([status, counts.get(status, 0)])
    if unmatched:
        shown = ", ".join(str(n) for n in unmatched[:20])
        sheet.append([])
        sheet.append(["outcomes for rows not in the file", shown + (" …" if len(unmatched) > 20 else "")])
    sheet.append([])
    sheet.append(
        [
            "next step",
            ("Fix the red rows on the products sheet and upload this workbook again; rows already done come back as unchanged."),
        ]
    )
    sheet.append(
        [
            "다음 단계",
            ("products 시트의 빨간 행을 고친 뒤 이 파일을 그대로 다시 올리세요. 이미 처리된 행은 unchanged로 표시됩니다."),
        ]
    )


def _as_written(value: Any) -> Any:
    if isinstance(value, (Formula, ExcelError)):
        return str(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _plain(sheet: Any, value: Any) -> Any:
    value = _as_written(value)
    if isinstance(value, str) and value.startswith("="):
        return _styled(sheet, value)
    return value


def _styled(
    sheet: Any, value: Any, *, font: Font | None = None, fill: PatternFill | None = None, wrap: bool = False
) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell
