"""The result workbook: input rows as read, status and reason, error rows highlighted, a summary, re-uploadable."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from cafe24_pipeline.bulk import RowOutcome, dry_run_outcomes, plan_upload, write_report
from tests.unit.test_bulk_support import HEADERS, listing, single, write_rows


def _upload(tmp_path: Path) -> Path:
    rows = [
        single("NEW", selling_price="10,000"),
        None,
        single("OLD", stock=9),
        single("BAD", mrp="=B2*2"),
        single("SAME", selling_price=10000, stock=5, name=None, display=None, selling=None),
    ]
    return write_rows(tmp_path / "upload.xlsx", rows)


EXISTING = {
    "OLD": listing(1, "P000000A000A", "OLD", price=10000, quantity=5),
    "SAME": listing(2, "P000000B000A", "SAME", price=10000, quantity=5),
}


def test_dry_run_report(tmp_path: Path) -> None:
    source = _upload(tmp_path)
    plan = plan_upload(source, existing=EXISTING)
    out = write_report(source, dry_run_outcomes(plan), tmp_path / "out" / "result.xlsx")
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["products", "summary"]
    sheet = workbook["products"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("status", "reason", "source_row", *HEADERS)
    sku = 3 + HEADERS.index("sku")
    assert [(r[0], r[2], r[sku]) for r in rows[1:]] == [
        ("would_create", 2, "NEW"),
        ("would_update", 4, "OLD"),
        ("error", 5, "BAD"),
        ("unchanged", 6, "SAME"),
    ]
    assert rows[3][1] == "row 5: column mrp holds a formula (=B2*2); paste values instead (Paste Special › Values)"
    assert rows[1][3 + HEADERS.index("selling_price")] == "10,000"  # as read, not as parsed
    formula_cell = sheet.cell(row=4, column=4 + HEADERS.index("mrp"))
    assert (formula_cell.value, formula_cell.data_type) == ("=B2*2", "s")  # shown, never evaluated
    assert sheet.freeze_panes == "D2"
    error_fill = sheet.cell(row=4, column=5).fill.start_color.rgb
    assert error_fill == "FFF4CCCC"
    assert sheet.cell(row=2, column=5).fill.fill_type is None
    summary = {r[0]: r[1] for r in workbook["summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["rows / 전체 행"] == 4
    assert (summary["would_create"], summary["would_update"], summary["unchanged"], summary["error"]) == (1, 1, 1, 1)
    assert summary["created"] == 0 and summary["file / 파일"] == "upload.xlsx"


def test_applied_report_and_missing_outcomes(tmp_path: Path) -> None:
    source = _upload(tmp_path)
    outcomes = [
        RowOutcome(2, "created"),
        RowOutcome(4, "error", "Cafe24 said: 422 price out of range"),
        RowOutcome(99, "created"),
    ]
    out = write_report(source, outcomes, tmp_path / "result.xlsx")
    workbook = openpyxl.load_workbook(out)
    rows = list(workbook["products"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in rows] == [
        ("created", None),
        ("error", "Cafe24 said: 422 price out of range"),
        ("not_processed", "no result was recorded for this row"),
        ("not_processed", "no result was recorded for this row"),
    ]
    summary = {r[0]: r[1] for r in workbook["summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["not_processed"] == 2
    assert summary["outcomes for rows not in the file"] == "99"


def test_result_workbook_can_be_fixed_and_uploaded_again(tmp_path: Path) -> None:
    source = _upload(tmp_path)
    plan = plan_upload(source, existing=EXISTING)
    out = write_report(source, dry_run_outcomes(plan), tmp_path / "result.xlsx")
    workbook = openpyxl.load_workbook(out)
    sheet = workbook["products"]
    sheet.cell(row=4, column=4 + HEADERS.index("mrp")).value = 20000  # the seller fixes the red row
    workbook.save(out)
    again = plan_upload(out, existing=EXISTING)
    assert again.error_rows == ()
    assert [(r.sku, r.action) for r in again.rows] == [
        ("NEW", "create"),
        ("OLD", "update"),
        ("BAD", "create"),
        ("SAME", "unchanged"),
    ]


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown row status 'done'"):
        RowOutcome(2, "done")  # type: ignore[arg-type]
